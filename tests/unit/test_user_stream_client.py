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
from binance_async.testing import (
    MockConnector,
    MockWebSocket,
    Request,
    Response,
    Router,
    json_response,
    params,
)
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
    router.get("/api/v3/myTrades", json=[], times=None)
    router.get("/api/v3/order", json=example("GET_api_v3_order.json"), times=None)
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


# -- what a gap missed, rebuilt over REST --------------------------------------------------------------

GAP_START = 1_800_000_000_000


def order_row(order_id: int, status: str, executed: str, quote: str, *, time: int) -> dict[str, Any]:
    return {
        **example("GET_api_v3_order.json"),
        "symbol": "ETHBTC",
        "orderId": order_id,
        "clientOrderId": f"cid-{order_id}",
        "origQty": "1.00000000",
        "price": "0.10000000",
        "executedQty": executed,
        "cummulativeQuoteQty": quote,
        "status": status,
        "time": time,
        "updateTime": time + 50,
        "isWorking": True,
    }


def trade_row(trade_id: int, order_id: int, qty: str, *, time: int) -> dict[str, Any]:
    quote = str(Decimal(qty) * Decimal("0.1"))
    return {
        "symbol": "ETHBTC",
        "id": trade_id,
        "orderId": order_id,
        "orderListId": -1,
        "price": "0.10000000",
        "qty": qty,
        "quoteQty": quote,
        "commission": "0.00001000",
        "commissionAsset": "BNB",
        "time": time,
        "isBuyer": True,
        "isMaker": False,
        "isBestMatch": True,
    }


def fill(order_id: int, trade_id: int, qty: str, executed: str, *, at: int) -> dict[str, Any]:
    status = "FILLED" if Decimal(executed) == 1 else "PARTIALLY_FILLED"
    return {
        **report(order_id, status, execution_id=trade_id),
        "q": "1.00000000",
        "p": "0.10000000",
        "t": trade_id,
        "l": qty,
        "L": "0.10000000",
        "z": executed,
        "Z": str(Decimal(executed) * Decimal("0.1")),
        "E": at,
        "T": at,
    }


async def test_a_reconnect_tells_the_fills_and_ends_of_the_gap_once(connector: MockConnector) -> None:
    """Order 42 was heard placed and partly filled, 44 placed; in the gap 42 fills twice more, 43 is
    placed and fills once, 44 is canceled. After the reconnect the stream tells exactly those, rebuilt,
    oldest first, then the snapshot; a live copy of a recovered fill is left out."""
    asked: list[dict[str, str]] = []

    def my_trades(request: Request) -> Response:
        query = dict(params(request))
        asked.append(query)
        rows = [
            trade_row(11, 42, "0.20000000", time=GAP_START + 100),
            trade_row(12, 42, "0.50000000", time=GAP_START + 200),
            trade_row(13, 43, "0.40000000", time=GAP_START + 300),
        ]
        return json_response([r for r in rows if r["id"] >= int(query["fromId"])])

    orders = {
        42: order_row(42, "FILLED", "1.00000000", "0.10000000", time=GAP_START - 5_000),
        43: order_row(43, "PARTIALLY_FILLED", "0.40000000", "0.04000000", time=GAP_START + 250),
        44: {**order_row(44, "CANCELED", "0", "0", time=GAP_START - 4_000), "updateTime": GAP_START + 400},
    }
    router = Router()
    router.get("/api/v3/openOrders", json=[orders[43]], times=None)
    router.get("/api/v3/account", json=example("GET_api_v3_account.json"), times=None)
    router.get("/api/v3/myTrades", my_trades, times=None)
    router.get("/api/v3/order", lambda r: json_response(orders[int(dict(params(r))["orderId"])]), times=None)
    async with ws_client(connector, router, stream_config=CONFIG, timeout=2.0) as client:
        stream = client.user_stream()
        entering = asyncio.ensure_future(stream.__aenter__())
        first = await connector.next_socket()
        await subscribed(first, 0)
        events = await asyncio.wait_for(entering, 2)
        heard = [
            {**report(42), "q": "1.00000000", "E": GAP_START - 5_000, "T": GAP_START - 5_000},
            fill(42, 10, "0.30000000", "0.30000000", at=GAP_START - 2_000),
            {**report(44), "E": GAP_START - 4_000, "T": GAP_START - 4_000},
        ]
        for event in heard:
            first.feed_json({"subscriptionId": 0, "event": event})
        told = [await next_event(events) for _ in heard]
        assert [e.order_id for e in told] == [42, 42, 44]
        first.drop()
        await connector.next_socket()
        second = await connector.next_socket()
        await subscribed(second, 1)
        got = [await next_event(events) for _ in range(6)]
        *recovered, resynced = got
        assert isinstance(resynced, UserStreamResynced) and resynced.error is None
        assert resynced.recovered == 5 and events.recovered == 5
        assert [
            (r.order_id, r.execution_type, r.status, r.trade_id, str(r.executed_qty)) for r in recovered
        ] == [
            (42, "TRADE", "PARTIALLY_FILLED", 11, "0.50000000"),
            (42, "TRADE", "FILLED", 12, "1.00000000"),
            (43, "NEW", "NEW", -1, "0E-8"),
            (43, "TRADE", "PARTIALLY_FILLED", 13, "0.40000000"),
            (44, "CANCELED", "CANCELED", -1, "0E-8"),
        ]
        assert all(r.recovered for r in recovered)
        assert recovered[1].cumulative_quote_qty == Decimal("0.1") and recovered[3].commission_asset == "BNB"
        assert [q["fromId"] for q in asked] == ["11"]  # after the last fill told (trade 10)
        # The new connection then sends fill 13 live (a copy of a recovered one) and a new one, 14.
        second.feed_json(
            {"subscriptionId": 1, "event": fill(43, 13, "0.40000000", "0.40000000", at=GAP_START + 300)}
        )
        second.feed_json(
            {"subscriptionId": 1, "event": fill(43, 14, "0.60000000", "1.00000000", at=GAP_START + 900)}
        )
        latest = await next_event(events)
        assert (latest.trade_id, latest.recovered, latest.status) == (14, False, "FILLED")
        assert events.repeats == 1
        await events.aclose()


async def test_live_events_during_a_recovery_wait_for_it(connector: MockConnector) -> None:
    """Events the new connection delivers while REST is asked come after the recovered ones."""
    release = asyncio.Event()

    async def slow_trades(request: Request) -> Response:
        await release.wait()
        return json_response([trade_row(21, 42, "0.50000000", time=GAP_START + 10)])

    orders = {42: order_row(42, "PARTIALLY_FILLED", "1.00000000", "0.1", time=GAP_START - 1_000)}
    router = Router()
    router.get("/api/v3/openOrders", json=[orders[42]], times=None)
    router.get("/api/v3/account", json=example("GET_api_v3_account.json"), times=None)
    router.get("/api/v3/myTrades", slow_trades, times=None)
    router.get("/api/v3/order", json=orders[42], times=None)
    async with ws_client(connector, router, stream_config=CONFIG, timeout=2.0) as client:
        stream = client.user_stream(symbols=["ETHBTC"])
        entering = asyncio.ensure_future(stream.__aenter__())
        first = await connector.next_socket()
        await subscribed(first, 0)
        events = await asyncio.wait_for(entering, 2)
        first.feed_json({"subscriptionId": 0, "event": {**report(42), "E": GAP_START - 1_000}})
        assert (await next_event(events)).order_id == 42
        first.drop()
        await connector.next_socket()
        second = await connector.next_socket()
        await subscribed(second, 1)
        second.feed_json(
            {"subscriptionId": 1, "event": fill(42, 22, "0.50000000", "1.00000000", at=GAP_START + 20)}
        )
        await until(lambda: stream._recovering is not None and len(stream._recovering) == 1)
        release.set()
        kinds = [await next_event(events) for _ in range(3)]
        assert [getattr(e, "trade_id", "resync") for e in kinds] == [21, "resync", 22]
        assert kinds[0].recovered and str(kinds[0].executed_qty) == "0.50000000"
        await events.aclose()


async def test_an_event_right_behind_the_subscription_answer_is_kept(
    client: SpotClient, connector: MockConnector
) -> None:
    """Binance may send the first event in the same read as the answer to the subscription: the reader
    sees it before the subscription is noted, and must keep it, not drop it as someone else's."""
    stream = client.user_stream()
    entering = asyncio.ensure_future(stream.__aenter__())
    socket = await connector.next_socket()
    await until(lambda: bool(requests(socket, "userDataStream.subscribe.signature")))
    request = requests(socket, "userDataStream.subscribe.signature")[-1]
    socket.feed_json({"id": request["id"], "status": 200, "result": {"subscriptionId": 3}})
    socket.feed_json({"subscriptionId": 3, "event": report(77)})
    socket.feed_json({"subscriptionId": 4, "event": report(78)})  # another subscription's: dropped
    events = await asyncio.wait_for(entering, 2)
    assert (await next_event(events)).order_id == 77
    socket.feed_json({"subscriptionId": 3, "event": report(79)})
    assert (await next_event(events)).order_id == 79
    await events.aclose()
