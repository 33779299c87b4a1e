"""`SpotClient.ws_api()` on the socket fake: the same methods over WebSocket API frames, signing,
session logon, rate limits, unknown outcomes that are never resent, reconnects and switches."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from binance_async import (
    ExecutionStatusUnknown,
    ExecutionStatusUnknownError,
    RateLimitedError,
    SendStatusUnknownError,
    SpotClient,
)
from binance_async.spot.models import Order, OrderAck
from binance_async.streams.config import StreamConfig
from binance_async.testing import MockConnector, MockWebSocket
from binance_async.ws_api.client import WsApiClient
from binance_async.ws_api.wire import signature_payload
from tests.reference import example
from tests.unit.helpers import KEY, SECRET, ed25519_key, until, ws_client

CONFIG = StreamConfig(backoff_base=0.01, backoff_cap=0.05)
WEIGHT = {
    "rateLimitType": "REQUEST_WEIGHT",
    "interval": "MINUTE",
    "intervalNum": 1,
    "limit": 6000,
    "count": 17,
}
ORDERS = {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100, "count": 3}


def requests(socket: MockWebSocket, method: str | None = None) -> list[dict[str, Any]]:
    """The request frames the client wrote (of `method`, if given)."""
    return [m for m in socket.sent if isinstance(m, dict) and (method is None or m.get("method") == method)]


async def request_of(socket: MockWebSocket, method: str, index: int = 0) -> dict[str, Any]:
    await until(lambda: len(requests(socket, method)) > index)
    return requests(socket, method)[index]


def answer(socket: MockWebSocket, request: dict[str, Any], result: Any = None, **extra: Any) -> None:
    """The server's answer to `request`: 200 with `result` unless `extra` says otherwise."""
    frame: dict[str, Any] = {
        "id": request["id"],
        "status": 200,
        "result": result,
        "rateLimits": [WEIGHT, ORDERS],
    }
    frame.update(extra)
    if "error" in extra:
        frame.pop("result")
    socket.feed_json(frame)


@pytest.fixture
def connector() -> MockConnector:
    return MockConnector(auto_reply=False)


@pytest.fixture
async def client(connector: MockConnector) -> AsyncIterator[SpotClient]:
    async with ws_client(connector, stream_config=CONFIG, timeout=2.0) as c:
        yield c


async def test_an_order_goes_as_order_place_signed_over_sorted_params(
    client: SpotClient, connector: MockConnector
) -> None:
    async with client.ws_api() as ws:
        socket = connector.sockets[0]
        assert socket.url == "wss://x.example/ws-api/v3"
        placing = asyncio.ensure_future(
            ws.new_order(
                "BTCUSDT",
                "BUY",
                "LIMIT",
                time_in_force="GTC",
                quantity=Decimal("0.001"),
                price=Decimal("10000"),
                new_order_resp_type="ACK",
            )
        )
        request = await request_of(socket, "order.place")
        params = request["params"]
        assert params["symbol"] == "BTCUSDT" and params["quantity"] == "0.001" and params["price"] == "10000"
        assert isinstance(params["timestamp"], int) and params["recvWindow"] == 5000
        assert params["apiKey"] == KEY and params["newClientOrderId"]
        expected = hmac.new(SECRET.encode(), signature_payload(params), hashlib.sha256).hexdigest()
        assert params["signature"] == expected
        assert signature_payload(params).decode().startswith("apiKey=")  # sorted by name
        answer(socket, request, example("POST_api_v3_order__ACK.json"))
        order = await asyncio.wait_for(placing, 2)
    assert isinstance(order, OrderAck) and order.order_id == 28
    [weight, *_] = client.limiter.state()
    assert weight.used >= 17  # the answer's rateLimits reconciled the shared limiter


async def test_reads_decode_into_the_rest_types(client: SpotClient, connector: MockConnector) -> None:
    async with client.ws_api() as ws:
        socket = connector.sockets[0]
        reading = asyncio.ensure_future(ws.get_order("BTCUSDT", order_id=1))
        request = await request_of(socket, "order.status")
        assert request["params"]["orderId"] == 1  # whole numbers as JSON numbers
        answer(socket, request, example("GET_api_v3_order.json"))
        order = await asyncio.wait_for(reading, 2)
    assert isinstance(order, Order)


async def test_a_dropped_connection_makes_an_order_unknown_and_it_is_never_resent(
    client: SpotClient, connector: MockConnector
) -> None:
    async with client.ws_api() as ws:
        first = connector.sockets[0]
        placing = asyncio.ensure_future(
            ws.new_order("BTCUSDT", "BUY", "MARKET", quantity=Decimal("1"), new_client_order_id="cid-1")
        )
        await request_of(first, "order.place")
        first.drop()
        with pytest.raises(SendStatusUnknownError) as caught:
            await asyncio.wait_for(placing, 2)
        assert caught.value.client_order_id == "cid-1"
        assert "cid-1" in client.unknown_outcomes
        second = await connector.next_socket()
        second = await connector.next_socket()
        await until(lambda: ws.connected)
    assert sum(len(requests(s, "order.place")) for s in connector.sockets) == 1
    assert requests(second, "order.place") == []


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (503, {"code": -1001, "msg": "Internal error"}),
        (400, {"code": -1007, "msg": "Timeout waiting for response"}),
    ],
)
async def test_5xx_and_1007_answers_are_unknown_outcomes(
    client: SpotClient, connector: MockConnector, status: int, error: dict[str, Any]
) -> None:
    async with client.ws_api() as ws:
        socket = connector.sockets[0]
        placing = asyncio.ensure_future(ws.new_order("BTCUSDT", "SELL", "MARKET", quantity=Decimal("1")))
        request = await request_of(socket, "order.place")
        answer(socket, request, status=status, error=error)
        with pytest.raises(ExecutionStatusUnknownError) as caught:
            await asyncio.wait_for(placing, 2)
    assert caught.value.client_order_id == request["params"]["newClientOrderId"] in client.unknown_outcomes


async def test_no_answer_in_time_is_an_unknown_outcome(connector: MockConnector) -> None:
    async with (
        ws_client(connector, timeout=0.3) as client,
        client.ws_api() as ws,
    ):
        with pytest.raises(ExecutionStatusUnknown):
            await ws.new_order("BTCUSDT", "BUY", "MARKET", quantity=Decimal("1"), new_client_order_id="slow")
        assert "slow" in client.unknown_outcomes
        assert ws.stats.timeouts == 1


async def test_a_429_pauses_the_shared_limiter(client: SpotClient, connector: MockConnector) -> None:
    async with client.ws_api() as ws:
        socket = connector.sockets[0]
        reading = asyncio.ensure_future(ws.account())
        request = await request_of(socket, "account.status")
        error = {
            "code": -1003,
            "msg": "Too much request weight used",
            "data": {"serverTime": 1000, "retryAfter": 31000},
        }
        answer(socket, request, status=429, error=error)
        with pytest.raises(RateLimitedError):
            await asyncio.wait_for(reading, 2)
    assert client.limiter.paused_for() > 25


async def test_reads_are_retried_after_a_drop(client: SpotClient, connector: MockConnector) -> None:
    async with client.ws_api() as ws:
        first = connector.sockets[0]
        reading = asyncio.ensure_future(ws.get_order("BTCUSDT", order_id=7))
        await request_of(first, "order.status")
        first.drop()
        await connector.next_socket()
        second = await connector.next_socket()
        request = await request_of(second, "order.status")
        answer(second, request, example("GET_api_v3_order.json"))
        assert isinstance(await asyncio.wait_for(reading, 5), Order)


async def test_an_ed25519_key_logs_the_session_on_once_per_connection(connector: MockConnector) -> None:
    key, pem = ed25519_key()
    async with ws_client(
        connector, api_key="ed-key", api_secret=None, private_key=pem, stream_config=CONFIG
    ) as client:
        ws = client.ws_api()
        entering = asyncio.ensure_future(ws.__aenter__())
        socket = await connector.next_socket()
        logon = await request_of(socket, "session.logon")
        params = logon["params"]
        assert params["apiKey"] == "ed-key"
        key.public_key().verify(base64.b64decode(params["signature"]), signature_payload(params))
        answer(socket, logon, {"apiKey": "ed-key", "authorizedSince": 1, "connectedSince": 1})
        await asyncio.wait_for(entering, 2)
        assert ws.logged_on
        reading = asyncio.ensure_future(ws.account())
        request = await request_of(socket, "account.status")
        assert "signature" not in request["params"] and "apiKey" not in request["params"]
        assert isinstance(request["params"]["timestamp"], int)
        answer(socket, request, example("GET_api_v3_account.json"))
        await asyncio.wait_for(reading, 2)
        socket.drop()
        second = await connector.next_socket()
        relogon = await request_of(second, "session.logon")  # logged on again before anything else
        assert requests(second)[0] is relogon
        answer(second, relogon, {"apiKey": "ed-key"})
        await until(lambda: ws.connected)
        await ws.aclose()


async def test_server_shutdown_moves_new_requests_to_a_new_connection(
    client: SpotClient, connector: MockConnector
) -> None:
    async with client.ws_api() as ws:
        old = connector.sockets[0]
        in_flight = asyncio.ensure_future(ws.get_order("BTCUSDT", order_id=1))
        first = await request_of(old, "order.status")
        old.feed_json({"event": {"e": "serverShutdown", "E": 1}})
        new = await connector.next_socket()
        new = await connector.next_socket()
        await until(lambda: ws.stats.rotations == 1)
        later = asyncio.ensure_future(ws.get_order("BTCUSDT", order_id=2))
        second = await request_of(new, "order.status")
        assert not old.closed  # still owes an answer
        answer(old, first, example("GET_api_v3_order.json"))
        answer(new, second, example("GET_api_v3_order.json"))
        await asyncio.wait_for(asyncio.gather(in_flight, later), 2)
        await until(lambda: old.closed)
        assert ws.stats.reconnects == 0 and ws.stats.server_shutdowns == 1


async def test_ws_api_url_follows_base_url() -> None:
    assert SpotClient().ws_api_url == "wss://ws-api.binance.com:443/ws-api/v3"
    assert SpotClient(base_url="http://127.0.0.1:9000").ws_api_url == "ws://127.0.0.1:9000/ws-api/v3"
    assert SpotClient(base_url="https://data-api.binance.vision").ws_api_url is None
    assert isinstance(SpotClient().ws_api(), WsApiClient)


async def test_a_cancelled_request_is_forgotten_and_its_late_answer_dropped(
    client: SpotClient, connector: MockConnector
) -> None:
    async with client.ws_api() as ws:
        socket = connector.sockets[0]
        link = ws._pipeline.transport._link
        assert link is not None
        reading = asyncio.ensure_future(ws.account())
        request = await request_of(socket, "account.status")
        assert link.pending and not link.idle.is_set()
        reading.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reading
        assert not link.pending and link.idle.is_set()  # a retiring link may close now
        answer(socket, request, result={})  # the late answer: nobody waits, nothing breaks
        await asyncio.sleep(0.01)
        assert ws.connected and ws.stats.malformed == 0 and ws.stats.reconnects == 0
