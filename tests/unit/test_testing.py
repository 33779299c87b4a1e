"""`binance_async.testing`, the public test seam: handlers (plain and async), recording, errors raised
as the transport's, case-insensitive headers, the router, and a `SpotClient` driven end to end."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest

import binance_async
from binance_async import (
    ClientClosedError,
    ConnectionFailedError,
    ExecutionStatusUnknown,
    RequestTimeoutError,
    SendStatusUnknownError,
    SpotClient,
    TransportError,
)
from binance_async.testing import (
    Exchange,
    MockTransport,
    NoRouteError,
    RecordingTransport,
    Request,
    Response,
    Router,
    bytes_response,
    json_response,
    params,
    server_time,
)
from tests.unit.helpers import FAST_RETRY, KEY, SECRET

GET = Request("GET", "https://api.binance.com/api/v3/ping?a=1&b=x%20y&a=2", "/api/v3/ping", {})
POST = Request(
    "POST", "https://api.binance.com/api/v3/order", "/api/v3/order", {}, b"symbol=BTCUSDT&side=BUY&note="
)


def test_the_seam_is_public() -> None:
    from binance_async import testing

    assert binance_async.Transport is testing.Transport
    assert binance_async.Request is Request and binance_async.Response is Response
    assert {"Transport", "Request", "Response"} <= set(binance_async.__all__)
    for name in testing.__all__:
        assert getattr(testing, name) is not None, name


async def test_a_plain_handler_answers_and_every_request_is_recorded() -> None:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return json_response({"path": request.path}, status=201)

    transport = MockTransport(handler)
    first = await transport.send(GET)
    second = await transport.send(POST)
    assert (first.status, first.body) == (201, b'{"path": "/api/v3/ping"}')
    assert second.body == b'{"path": "/api/v3/order"}'
    assert seen == [GET, POST]
    assert transport.requests == [GET, POST]
    assert transport.exchanges == [Exchange(GET, first), Exchange(POST, second)]
    assert transport.find("POST") == [POST]
    assert transport.find(path="/api/v3/ping") == [GET]
    assert transport.find(path="https://api.binance.com/api/v3/order") == [POST]
    assert transport.find("GET", "/api/v3/order") == []
    transport.clear()
    assert transport.requests == []


async def test_an_async_handler_is_awaited() -> None:
    async def handler(request: Request) -> Response:
        await asyncio.sleep(0)
        return bytes_response("pong")

    response = await MockTransport(handler).send(GET)
    assert (response.status, response.body) == (200, b"pong")


async def test_a_handler_that_answers_no_response_is_a_type_error() -> None:
    transport = MockTransport(lambda request: b"{}")  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match="not a Response"):
        await transport.send(GET)


@pytest.mark.parametrize(
    "error",
    [ConnectionFailedError("refused"), RequestTimeoutError("slow"), TransportError("reset"), ValueError("x")],
)
async def test_what_the_handler_raises_is_what_send_raises_and_it_is_recorded(error: Exception) -> None:
    def handler(request: Request) -> Response:
        raise error

    transport = MockTransport(handler)
    with pytest.raises(type(error)) as caught:
        await transport.send(GET)
    assert caught.value is error
    assert transport.exchanges == [Exchange(GET, None, error)]


async def test_a_closed_transport_refuses_to_send() -> None:
    transport = MockTransport(lambda request: bytes_response())
    await transport.aclose()
    assert transport.closed
    with pytest.raises(ClientClosedError):
        await transport.send(GET)
    assert transport.requests == []


async def test_a_recording_transport_passes_requests_on_and_closes_the_inner_one() -> None:
    inner = MockTransport(lambda request: bytes_response(b"inner"))
    recorder = RecordingTransport(inner)
    response = await recorder.send(POST)
    assert response.body == b"inner"
    assert recorder.requests == inner.requests == [POST]
    await recorder.aclose()
    assert inner.closed


def test_params_reads_the_form_body_else_the_query_in_order() -> None:
    assert params(GET) == [("a", "1"), ("b", "x y"), ("a", "2")]
    assert params(POST) == [("symbol", "BTCUSDT"), ("side", "BUY"), ("note", "")]
    assert params(Request("DELETE", "https://h/p?ignored=1", "/p", {}, b"")) == []


def test_headers_are_case_insensitive_and_may_repeat() -> None:
    response = json_response({}, headers={"x-mbx-used-weight-1m": "12", "Retry-After": "3"})
    assert response.headers.get("X-MBX-USED-WEIGHT-1M") == "12"
    assert response.headers["retry-after"] == "3"
    assert response.headers.get("content-type") == "application/json"
    assert json_response({}, headers={"content-type": "text/plain"}).headers.getall("Content-Type") == [  # type: ignore[attr-defined]
        "text/plain"
    ]
    pairs = bytes_response(b"", headers=[("Set-Cookie", "a=1"), ("set-cookie", "b=2")])
    assert pairs.headers.getall("SET-COOKIE") == ["a=1", "b=2"]  # type: ignore[attr-defined]
    assert "Content-Type" not in bytes_response(b"x").headers


def test_server_time_answers_the_local_clock() -> None:
    before = int(time.time() * 1000)
    answer = server_time(GET)
    assert answer.status == 200
    served = int(answer.body.split(b":")[1].strip(b" }"))
    assert before <= served <= int(time.time() * 1000)


async def test_the_router_answers_by_method_and_path_in_order_then_fails_the_test() -> None:
    router = Router()
    router.get("/api/v3/ping", json={"n": 1})
    router.get("/api/v3/ping", status=503, body="busy", headers={"Retry-After": "1"}, times=2)
    router.post("/api/v3/order", lambda request: json_response(params(request)))
    transport = MockTransport(router)
    answers = [await transport.send(GET) for _ in range(3)]
    assert [(a.status, a.body) for a in answers] == [(200, b'{"n": 1}'), (503, b"busy"), (503, b"busy")]
    assert answers[1].headers.get("retry-after") == "1"
    assert (await transport.send(POST)).body == b'[["symbol", "BTCUSDT"], ["side", "BUY"], ["note", ""]]'
    assert router.pending() == []
    with pytest.raises(NoRouteError, match="GET /api/v3/ping"):
        await transport.send(GET)  # used up
    assert [r.calls for r in router.routes] == [1, 2, 1]


async def test_router_answers_for_ever_raise_exceptions_and_match_full_urls() -> None:
    router = Router()
    router.get("https://api.binance.com/api/v3/ping", json={}, times=None)
    router.delete("/api/v3/order", ConnectionFailedError("refused"), times=None)
    transport = MockTransport(router)
    for _ in range(5):
        assert (await transport.send(GET)).status == 200
    assert router.pending() == []
    delete = POST._replace(method="DELETE")
    for _ in range(2):
        with pytest.raises(ConnectionFailedError):
            await transport.send(delete)
    other_host = GET._replace(url="https://testnet.binance.vision/api/v3/ping")
    with pytest.raises(NoRouteError):
        await transport.send(other_host)


def test_router_refuses_contradictory_routes() -> None:
    router = Router()
    with pytest.raises(TypeError):
        router.get("/x", json_response({}), json={})
    with pytest.raises(TypeError):
        router.get("/x", json={}, body=b"")
    with pytest.raises(ValueError, match="times must be"):
        router.get("/x", json={}, times=0)


async def test_a_spot_client_end_to_end_a_signed_order_with_the_clock_sync_answered() -> None:
    router = Router()
    router.get("/api/v3/time", server_time, times=None)
    order = {
        "symbol": "BTCUSDT",
        "orderId": 7,
        "orderListId": -1,
        "clientOrderId": "seam-1",
        "transactTime": int(time.time() * 1000),
        "price": "0.00000000",
        "origQty": "0.01000000",
        "executedQty": "0.01000000",
        "cummulativeQuoteQty": "650.00000000",
        "status": "FILLED",
        "timeInForce": "GTC",
        "type": "MARKET",
        "side": "BUY",
        "workingTime": int(time.time() * 1000),
        "selfTradePreventionMode": "NONE",
        "fills": [],
    }
    router.post("/api/v3/order", json=order, headers={"x-mbx-used-weight-1m": "7"})
    transport = MockTransport(router)
    async with SpotClient(KEY, SECRET, transport=transport, retry=FAST_RETRY) as client:
        placed = await client.new_order(
            "BTCUSDT", "BUY", "MARKET", quantity=Decimal("0.01"), new_client_order_id="seam-1"
        )
        assert placed.order_id == 7 and placed.executed_qty == Decimal("0.01")
        used = {w.interval: w.used for w in client.limiter.state() if w.limit_type == "REQUEST_WEIGHT"}
        assert 7 in used.values()  # the count came from the (lower-case) header
    assert transport.closed  # closing the client closes its transport
    sync, sent = transport.requests
    assert (sync.method, sync.path) == ("GET", "/api/v3/time")
    assert (sent.method, sent.path, sent.headers["X-MBX-APIKEY"]) == ("POST", "/api/v3/order", KEY)
    fields = params(sent)
    assert [name for name, _ in fields][-2:] == ["timestamp", "signature"]
    assert ("newClientOrderId", "seam-1") in fields and ("quantity", "0.01") in fields


async def test_a_spot_client_reads_are_retried_on_a_simulated_network_failure_orders_are_not() -> None:
    router = Router()
    router.get("/api/v3/time", server_time, times=None)
    router.get("/api/v3/ping", ConnectionFailedError("refused"), times=2)
    router.get("/api/v3/ping", json={})
    router.post("/api/v3/order", TransportError("connection reset after sending"))
    transport = MockTransport(router)
    async with SpotClient(KEY, SECRET, transport=transport, retry=FAST_RETRY) as client:
        await client.ping()
        assert len(transport.find("GET", "/api/v3/ping")) == 3
        with pytest.raises(SendStatusUnknownError) as caught:
            await client.new_order(
                "BTCUSDT", "BUY", "MARKET", quantity=Decimal("1"), new_client_order_id="x1"
            )
        assert isinstance(caught.value, ExecutionStatusUnknown)
        assert len(transport.find("POST", "/api/v3/order")) == 1
        assert "x1" in client.unknown_outcomes
