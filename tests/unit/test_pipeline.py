"""The request pipeline, with Binance answered through the transport seam (`binance_async.testing`).

Network failures are raised as the real transport raises them (`ConnectionFailedError`,
`RequestTimeoutError`, `TransportError`); how aiohttp's errors become those is tested against a real
server in test_transport*.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging

import pytest

from binance_async import (
    APIKeyError,
    BinanceAPIError,
    CancelRejectedError,
    ConnectionFailedError,
    ExecutionStatusUnknown,
    ExecutionStatusUnknownError,
    FilterFailureError,
    InvalidResponseError,
    InvalidSignatureError,
    InvalidSymbolError,
    IPBannedError,
    NoSuchOrderError,
    OrderRejectedError,
    RateLimitedError,
    RateLimiter,
    RequestTimeoutError,
    RequestTooHeavyError,
    RestrictedLocationError,
    RetryPolicy,
    SendStatusUnknownError,
    SpotClient,
    TimestampError,
    TransportError,
    WAFRejectedError,
    WindowSpec,
)
from binance_async.testing import MockTransport, Router
from tests.unit.helpers import BASE, FAST_RETRY, KEY, SECRET, calls, form, iter_strings, query

ORDER_TEST = "/api/v3/order/test"
PRICE = "/api/v3/ticker/price"


TIME = "/api/v3/time"


def _connector_error() -> ConnectionFailedError:
    return ConnectionFailedError("cannot connect (ClientConnectorError)")


# -- signing and the clock ---------------------------------------------------------------------------


async def test_signed_post_signs_exact_body_with_synced_timestamp(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    server_ms = 1_700_000_000_000
    router.get(TIME, json={"serverTime": server_ms})
    router.post(ORDER_TEST, json={})

    result = await client.request(
        "POST", "/api/v3/order/test", {"symbol": "１２３４５６", "side": "BUY", "quantity": "1"}, signed=True
    )

    assert result == {}
    (_, url, kwargs) = calls(transport, "POST")[0]
    assert url == BASE + "/api/v3/order/test"  # nothing in the query string
    body: bytes = kwargs["data"]
    payload, _, signature = body.decode().rpartition("&signature=")
    expected = hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()
    assert signature == expected
    assert payload.startswith(
        "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&quantity=1&"
    )
    fields = dict(form(body))
    assert fields["recvWindow"] == "5000"
    # the timestamp follows the server clock, not ours (the mocked server lives in 2023)
    assert abs(int(fields["timestamp"]) - server_ms) < 5_000
    assert kwargs["headers"]["X-MBX-APIKEY"] == KEY
    assert kwargs["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


async def test_clock_syncs_once_for_concurrent_signed_requests(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.get(TIME, json={"serverTime": 1}, times=None)
    router.post(ORDER_TEST, json={}, times=None)
    await asyncio.gather(*(client.request("POST", "/api/v3/order/test", {}, signed=True) for _ in range(10)))
    assert len(calls(transport, "GET", "/api/v3/time")) == 1
    assert len(calls(transport, "POST")) == 10


async def test_unsigned_requests_do_not_send_the_api_key(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.get(PRICE, json={"symbol": "BTCUSDT", "price": "1"})
    await client.ticker_price("BTCUSDT")
    (_, _, kwargs) = calls(transport)[0]
    assert "X-MBX-APIKEY" not in (kwargs.get("headers") or {})


async def test_minus_1021_resyncs_and_retries_once(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.get(TIME, json={"serverTime": 1}, times=None)
    stale = {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."}
    router.post(ORDER_TEST, status=400, json=stale)
    router.post(ORDER_TEST, json={"ok": True})
    assert await client.request("POST", "/api/v3/order/test", {}, signed=True) == {"ok": True}
    assert len(calls(transport, "GET", "/api/v3/time")) == 2
    assert len(calls(transport, "POST")) == 2


async def test_minus_1021_twice_raises_timestamp_error(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.get(TIME, json={"serverTime": 1}, times=None)
    stale = {"code": -1021, "msg": "Timestamp for this request was 1000ms ahead of the server's time."}
    router.post(ORDER_TEST, status=400, json=stale, times=None)
    with pytest.raises(TimestampError) as info:
        await client.request("POST", "/api/v3/order/test", {}, signed=True)
    assert info.value.code == -1021
    assert len(calls(transport, "POST")) == 2


# -- rate limits -----------------------------------------------------------------------------------------


async def test_429_pauses_every_request_until_retry_after(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    too_much = {
        "code": -1003,
        "msg": "Too much request weight used; current limit is 6000 request weight per 1 MINUTE.",
    }
    router.get(PRICE, status=429, json=too_much, headers={"Retry-After": "0.3"})
    router.get(PRICE, json={"symbol": "BTCUSDT", "price": "1"}, times=None)
    loop = asyncio.get_running_loop()

    with pytest.raises(RateLimitedError) as info:
        await client.ticker_price("BTCUSDT")
    assert info.value.retry_after == pytest.approx(0.3)
    assert info.value.status == 429 and info.value.code == -1003

    started = loop.time()
    await asyncio.gather(client.ticker_price("BTCUSDT"), client.ticker_price("BTCUSDT"))
    assert loop.time() - started >= 0.25  # held back, not sent and rejected again
    assert len(calls(transport)) == 3


async def test_418_is_a_ban_with_retry_after(client: SpotClient, router: Router) -> None:
    banned = {"code": -1003, "msg": "Way too much request weight used; IP banned until 1700000000000."}
    router.get(PRICE, status=418, json=banned, headers={"Retry-After": "120"})
    with pytest.raises(IPBannedError) as info:
        await client.ticker_price("BTCUSDT")
    assert info.value.retry_after == 120
    assert client.limiter.paused_until_ms >= client.clock.now_ms() + 119_000


async def test_server_weight_header_wins_when_higher(client: SpotClient, router: Router) -> None:
    router.get(PRICE, json={"symbol": "BTCUSDT", "price": "1"}, headers={"X-MBX-USED-WEIGHT-1M": "4321"})
    router.get(PRICE, json={"symbol": "BTCUSDT", "price": "1"}, headers={"x-mbx-used-weight-1m": "3"})
    await client.ticker_price("BTCUSDT")
    weight = next(s for s in client.limiter.state() if s.limit_type == "REQUEST_WEIGHT")
    assert weight.used == 4321
    await client.ticker_price("BTCUSDT")
    weight = next(s for s in client.limiter.state() if s.limit_type == "REQUEST_WEIGHT")
    assert weight.used == 4323  # ours (4321 + 2) is higher than the server's 3


async def test_weight_from_the_table_is_charged(client: SpotClient, router: Router) -> None:
    router.get("/api/v3/depth", json={"lastUpdateId": 1, "bids": [], "asks": []}, times=None)
    await client.depth("BTCUSDT", limit=5000)
    await client.request("GET", "/api/v3/depth", {"symbol": "BTCUSDT", "limit": 500})
    weight = next(s for s in client.limiter.state() if s.limit_type == "REQUEST_WEIGHT")
    assert weight.used == 250 + 25


async def test_request_heavier_than_a_window_fails_fast_without_sending(
    router: Router, transport: MockTransport
) -> None:
    limiter = RateLimiter([WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 100)])
    async with SpotClient(limiter=limiter, transport=transport) as c:
        with pytest.raises(RequestTooHeavyError):
            await c.depth("BTCUSDT", limit=5000)
    assert calls(transport) == []


# -- retries --------------------------------------------------------------------------------------------


async def test_get_retried_after_5xx_then_succeeds(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.get(PRICE, status=503, body="<html>Service Unavailable</html>")
    router.get(PRICE, json={"symbol": "BTCUSDT", "price": "2.5"})
    price = await client.ticker_price("BTCUSDT")
    assert str(price.price) == "2.5"
    assert len(calls(transport)) == 2


async def test_get_retry_budget_is_exact(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.get(PRICE, status=502, body="<html>Bad Gateway</html>", times=None)
    with pytest.raises(ExecutionStatusUnknownError) as info:
        await client.ticker_price("BTCUSDT")
    assert len(calls(transport)) == 1 + FAST_RETRY.max_retries
    assert info.value.status == 502 and info.value.code == 0
    assert "Bad Gateway" in info.value.msg


async def test_get_retried_after_transport_errors(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.get(PRICE, _connector_error())
    router.get(PRICE, TransportError("ServerDisconnectedError"))
    router.get(PRICE, json={"symbol": "BTCUSDT", "price": "1"})
    await client.ticker_price("BTCUSDT")
    assert len(calls(transport)) == 3


async def test_get_transport_error_after_budget(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.get(PRICE, RequestTimeoutError("no response within 10.0 s"), times=None)
    with pytest.raises(RequestTimeoutError):
        await client.ticker_price("BTCUSDT")
    assert len(calls(transport)) == 3


async def test_retry_after_on_5xx_is_honoured(client: SpotClient, router: Router) -> None:
    router.get(PRICE, status=503, json={"code": -1008, "msg": "busy"}, headers={"Retry-After": "0.2"})
    router.get(PRICE, json={"symbol": "BTCUSDT", "price": "1"})
    loop = asyncio.get_running_loop()
    started = loop.time()
    await client.ticker_price("BTCUSDT")
    assert loop.time() - started >= 0.19


async def test_retry_after_beyond_policy_gives_up_at_once(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.get(PRICE, status=503, json={"code": -1008, "msg": "busy"}, headers={"Retry-After": "3600"})
    with pytest.raises(ExecutionStatusUnknownError):
        await client.ticker_price("BTCUSDT")
    assert len(calls(transport)) == 1


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
async def test_writes_are_never_resent_after_5xx(
    client: SpotClient, router: Router, transport: MockTransport, method: str
) -> None:
    router.get(TIME, json={"serverTime": 1})
    router.add(method, "/api/v3/order", status=500, body="Internal error", times=None)
    with pytest.raises(ExecutionStatusUnknownError) as info:
        await client.request(method, "/api/v3/order", {"symbol": "BTCUSDT"}, signed=True)
    assert isinstance(info.value, ExecutionStatusUnknown)
    assert len(calls(transport, method)) == 1


@pytest.mark.parametrize("code", [-1006, -1007])
async def test_unknown_execution_codes_on_writes(
    client: SpotClient, router: Router, transport: MockTransport, code: int
) -> None:
    router.get(TIME, json={"serverTime": 1})
    msg = "Timeout waiting for response from backend server. Send status unknown; execution status unknown."
    router.post("/api/v3/order", status=408, json={"code": code, "msg": msg}, times=None)
    with pytest.raises(ExecutionStatusUnknownError):
        await client.request("POST", "/api/v3/order", {"symbol": "BTCUSDT"}, signed=True)
    assert len(calls(transport, "POST")) == 1


async def test_write_timeout_is_status_unknown_and_not_resent(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.get(TIME, json={"serverTime": 1})
    router.post("/api/v3/order", RequestTimeoutError("no response within 10.0 s"), times=None)
    with pytest.raises(SendStatusUnknownError) as info:
        await client.request("POST", "/api/v3/order", {"symbol": "BTCUSDT"}, signed=True)
    assert isinstance(info.value, TransportError) and isinstance(info.value, ExecutionStatusUnknown)
    assert len(calls(transport, "POST")) == 1


async def test_write_connect_failure_is_known_not_sent(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.get(TIME, json={"serverTime": 1})
    router.post("/api/v3/order", _connector_error(), times=None)
    with pytest.raises(ConnectionFailedError) as info:
        await client.request("POST", "/api/v3/order", {"symbol": "BTCUSDT"}, signed=True)
    assert not isinstance(info.value, ExecutionStatusUnknown)
    assert len(calls(transport, "POST")) == 1


# -- error mapping ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, -1013, FilterFailureError),
        (400, -1021, TimestampError),
        (400, -1022, InvalidSignatureError),
        (400, -1121, InvalidSymbolError),
        (400, -2010, OrderRejectedError),
        (400, -2011, CancelRejectedError),
        (400, -2013, NoSuchOrderError),
        (401, -2014, APIKeyError),
        (401, -2015, APIKeyError),
        (400, -1100, BinanceAPIError),
        (429, -1015, RateLimitedError),
        (503, -1008, ExecutionStatusUnknownError),
    ],
)
async def test_error_codes_map_to_classes(
    router: Router, transport: MockTransport, status: int, code: int, cls: type[BinanceAPIError]
) -> None:
    router.get(PRICE, status=status, json={"code": code, "msg": "Filter failure: LOT_SIZE"})
    async with SpotClient(retry=RetryPolicy(max_retries=0), transport=transport) as c:
        with pytest.raises(BinanceAPIError) as info:
            await c.ticker_price("BTCUSDT")
    assert type(info.value) is cls
    assert (info.value.status, info.value.code) == (status, code)
    assert "GET /api/v3/ticker/price" in str(info.value)


async def test_filter_failure_names_the_filter(client: SpotClient, router: Router) -> None:
    router.get(PRICE, status=400, json={"code": -1013, "msg": "Filter failure: PRICE_FILTER"})
    with pytest.raises(FilterFailureError) as info:
        await client.ticker_price("BTCUSDT")
    assert info.value.filter_type == "PRICE_FILTER"


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (403, "<html><body>403 Forbidden</body></html>", WAFRejectedError),
        (451, "<html>Unavailable For Legal Reasons</html>", RestrictedLocationError),
        (404, "", BinanceAPIError),
    ],
)
async def test_non_json_error_bodies_become_typed_errors(
    client: SpotClient, router: Router, status: int, body: str, cls: type[BinanceAPIError]
) -> None:
    router.get(PRICE, status=status, body=body)
    with pytest.raises(cls) as info:
        await client.ticker_price("BTCUSDT")
    assert info.value.code == 0
    assert info.value.msg == (body[:200] or "(empty body)")


async def test_undecodable_success_body_is_invalid_response(client: SpotClient, router: Router) -> None:
    router.get(PRICE, body='{"symbol": "BTCUSDT", "pri')
    with pytest.raises(InvalidResponseError) as info:
        await client.ticker_price("BTCUSDT")
    assert info.value.body.startswith(b'{"symbol"')


# -- secrets -------------------------------------------------------------------------------------------


async def test_no_secret_in_logs_reprs_or_errors(
    router: Router, transport: MockTransport, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="binance_async")
    router.get(TIME, json={"serverTime": 1}, times=None)
    router.post(ORDER_TEST, json={})
    router.post(
        ORDER_TEST, status=400, json={"code": -1022, "msg": "Signature for this request is not valid."}
    )
    router.post(ORDER_TEST, RequestTimeoutError("no response within 10.0 s"))
    router.get(
        "/api/v3/account",
        status=429,
        json={"code": -1003, "msg": "x"},
        headers={"Retry-After": "0"},
    )
    errors: list[BaseException] = []
    async with SpotClient(
        api_key=KEY, api_secret=SECRET, retry=RetryPolicy(max_retries=0), transport=transport
    ) as c:
        await c.request("POST", "/api/v3/order/test", {"symbol": "BTCUSDT"}, signed=True)
        for method, path in [("POST", "/api/v3/order/test")] * 2 + [("GET", "/api/v3/account")]:
            try:
                await c.request(method, path, {"symbol": "BTCUSDT"}, signed=True)
            except Exception as error:
                errors.append(error)
        texts = [repr(c), str(c), repr(c._pipeline), repr(c._pipeline.signer)]
    signatures = [
        dict(form(kwargs.get("data"))).get("signature") or query(url).get("signature") or ""
        for _, url, kwargs in calls(transport)
        if "time" not in url
    ]
    assert len(errors) == 3 and all(s for s in signatures)
    for exc in errors:
        texts += [str(exc), repr(exc), *iter_strings(vars(exc))]
    for record in caplog.records:
        texts += [record.getMessage(), *iter_strings(record.args)]
    assert any("POST /api/v3/order/test" in t for t in texts)  # the logs do say what happened
    for text in texts:
        for secret in [KEY, SECRET, *signatures]:
            assert secret not in text
