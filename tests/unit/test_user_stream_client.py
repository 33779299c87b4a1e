"""`SpotClient.user_stream()` on the socket fake: subscribing (signature or Ed25519 logon), typed events,
resubscribing and reconciling after a reconnect, one event once across a switch."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from binance_async import SpotClient
from binance_async.streams.config import StreamConfig
from binance_async.testing import MockConnector, MockWebSocket, Router
from binance_async.ws_api.user_events import ExecutionReport
from binance_async.ws_api.user_stream import UserStream, UserStreamResynced
from tests.reference import example
from tests.unit.helpers import KEY, ed25519_key, until, ws_client

CONFIG = StreamConfig(backoff_base=0.01, backoff_cap=0.05)


def report(order_id: int, status: str = "NEW", execution_id: int = 1) -> dict[str, Any]:
    return {
        "e": "executionReport",
        "E": 1499405658658,
        "s": "ETHBTC",
        "c": f"cid-{order_id}",
        "S": "BUY",
        "o": "LIMIT",
        "f": "GTC",
        "q": "1.00000000",
        "p": "0.10264410",
        "P": "0.00000000",
        "F": "0.00000000",
        "g": -1,
        "C": "",
        "x": "NEW" if status == "NEW" else "TRADE",
        "X": status,
        "r": "NONE",
        "i": order_id,
        "l": "0.00000000",
        "z": "0.00000000",
        "L": "0.00000000",
        "n": "0",
        "N": None,
        "T": 1499405658657,
        "t": -1,
        "I": execution_id,
        "w": True,
        "m": False,
        "M": False,
        "O": 1499405658657,
        "Z": "0.00000000",
        "Y": "0.00000000",
        "Q": "0.00000000",
        "W": 1499405658657,
        "V": "NONE",
    }


def requests(socket: MockWebSocket, method: str) -> list[dict[str, Any]]:
    return [m for m in socket.sent if isinstance(m, dict) and m.get("method") == method]


async def subscribed(
    socket: MockWebSocket, subscription_id: int, method: str = "userDataStream.subscribe.signature"
) -> dict[str, Any]:
    await until(lambda: bool(requests(socket, method)))
    request = requests(socket, method)[-1]
    socket.feed_json({"id": request["id"], "status": 200, "result": {"subscriptionId": subscription_id}})
    return request


async def next_event(events: UserStream) -> Any:
    return await asyncio.wait_for(events.__anext__(), 2)


@pytest.fixture
def connector() -> MockConnector:
    return MockConnector(auto_reply=False)


@pytest.fixture
async def client(connector: MockConnector) -> AsyncIterator[SpotClient]:
    router = Router()
    router.get("/api/v3/openOrders", json=[example("GET_api_v3_order.json")], times=None)
    router.get("/api/v3/account", json=example("GET_api_v3_account.json"), times=None)
    async with ws_client(connector, router, stream_config=CONFIG, timeout=2.0) as c:
        yield c


async def test_events_arrive_typed_from_a_signature_subscription(
    client: SpotClient, connector: MockConnector
) -> None:
    stream = client.user_stream()
    entering = asyncio.ensure_future(stream.__aenter__())
    socket = await connector.next_socket()
    request = await subscribed(socket, 5)
    assert request["params"]["apiKey"] == KEY and "signature" in request["params"]
    events = await asyncio.wait_for(entering, 2)
    socket.feed_json({"subscriptionId": 5, "event": report(42)})
    socket.feed_json({"subscriptionId": 99, "event": report(43)})  # not ours: ignored
    event = await next_event(events)
    assert isinstance(event, ExecutionReport) and event.order_id == 42
    await events.aclose()
    assert events.events == 1


async def test_a_reconnect_resubscribes_and_reconciles(client: SpotClient, connector: MockConnector) -> None:
    stream = client.user_stream()
    entering = asyncio.ensure_future(stream.__aenter__())
    first = await connector.next_socket()
    await subscribed(first, 0)
    events = await asyncio.wait_for(entering, 2)
    first.drop()
    await connector.next_socket()
    second = await connector.next_socket()
    await subscribed(second, 1)  # subscribed again before anything else
    resynced = await next_event(events)
    assert isinstance(resynced, UserStreamResynced) and resynced.error is None
    assert resynced.open_orders is not None and len(resynced.open_orders) == 1
    assert resynced.account is not None
    second.feed_json({"subscriptionId": 1, "event": report(7)})
    assert (await next_event(events)).order_id == 7
    assert events.resyncs == 1
    await events.aclose()


async def test_an_event_delivered_by_both_connections_of_a_switch_comes_once(
    client: SpotClient, connector: MockConnector
) -> None:
    stream = client.user_stream()
    entering = asyncio.ensure_future(stream.__aenter__())
    old = await connector.next_socket()
    await subscribed(old, 0)
    events = await asyncio.wait_for(entering, 2)
    old.feed_json({"event": {"e": "serverShutdown", "E": 1}})
    new = await connector.next_socket()
    await subscribed(new, 1)
    # the old connection is drained: unsubscribed, and its events still delivered until the answer
    await until(lambda: bool(requests(old, "userDataStream.unsubscribe")))
    unsubscribe = requests(old, "userDataStream.unsubscribe")[0]
    assert unsubscribe["params"] == {"subscriptionId": 0}
    new.feed_json({"subscriptionId": 1, "event": report(9, "FILLED", 2)})  # held while the old drains
    new.feed_json({"subscriptionId": 1, "event": report(10)})
    old.feed_json({"subscriptionId": 0, "event": report(8, "FILLED", 1)})
    old.feed_json({"subscriptionId": 0, "event": report(9, "FILLED", 2)})
    assert [(await next_event(events)).order_id for _ in range(2)] == [8, 9]
    assert not old.closed
    old.feed_json({"id": unsubscribe["id"], "status": 200, "result": {}})
    assert (await next_event(events)).order_id == 10
    await until(lambda: old.closed)
    assert events.repeats == 1 and events.resyncs == 0  # a planned switch: nothing missed, no resync
    await events.aclose()


async def test_an_ed25519_key_subscribes_after_its_logon(connector: MockConnector) -> None:
    _, pem = ed25519_key()
    async with ws_client(
        connector, api_key="ed-key", api_secret=None, private_key=pem, stream_config=CONFIG
    ) as client:
        stream = client.user_stream()
        entering = asyncio.ensure_future(stream.__aenter__())
        socket = await connector.next_socket()
        await until(lambda: bool(requests(socket, "session.logon")))
        logon = requests(socket, "session.logon")[0]
        socket.feed_json({"id": logon["id"], "status": 200, "result": {"apiKey": "ed-key"}})
        request = await subscribed(socket, 3, "userDataStream.subscribe")
        assert request.get("params") in ({}, None)
        events = await asyncio.wait_for(entering, 2)
        assert events.subscribed
        await events.aclose()


def position(update_time: int, **balances: tuple[str, str]) -> dict[str, Any]:
    return {
        "e": "outboundAccountPosition",
        "E": update_time,
        "u": update_time,
        "B": [{"a": asset, "f": free, "l": locked} for asset, (free, locked) in balances.items()],
    }


async def test_the_account_view_keeps_balances_and_open_orders(
    client: SpotClient, connector: MockConnector
) -> None:
    view = client.account_view()
    entering = asyncio.ensure_future(view.__aenter__())
    socket = await connector.next_socket()
    await subscribed(socket, 0)
    account = await asyncio.wait_for(entering, 2)
    assert not account.stale and account.snapshots == 1
    [snapshot_order] = account.open_orders()
    since = account._since
    socket.feed_json({"subscriptionId": 0, "event": {**report(501), "E": since + 10, "T": since + 10}})
    socket.feed_json({"subscriptionId": 0, "event": position(since + 11, BTC=("1.5", "0.5"))})
    await until(lambda: account.updates == 2)
    assert account.balance("BTC").total == Decimal("2.0")
    assert {o.order_id for o in account.open_orders()} == {snapshot_order.order_id, 501}
    filled = {**report(501, "FILLED", 2), "E": since + 20, "T": since + 20}
    socket.feed_json({"subscriptionId": 0, "event": filled})
    older = {**report(502), "E": since - 5_000, "T": since - 5_000}  # before the snapshot: in it already
    socket.feed_json({"subscriptionId": 0, "event": older})
    await until(lambda: account.updates == 3)
    assert {o.order_id for o in account.open_orders()} == {snapshot_order.order_id}
    assert account.order("ETHBTC", 501) is None and account.balance("XYZ").total == 0
    socket.drop()  # a reconnect: a new snapshot replaces everything
    second = await connector.next_socket()
    await subscribed(second, 1)
    await until(lambda: account.snapshots == 2)
    assert not account.stale
    await account.aclose()
