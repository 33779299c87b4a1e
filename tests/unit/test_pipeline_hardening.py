"""The pipeline's promises under cancellation, a skewed clock, a busy limiter and absurd Retry-After
(issue 12): an order is never lost, a bot is never frozen or banned."""

from __future__ import annotations

import asyncio
import time
from email.utils import formatdate

import pytest

from binance_async import (
    ExecutionStatusUnknown,
    InvalidRequestError,
    InvalidResponseError,
    IPBannedError,
    IPBanWaitError,
    OrderRejectedError,
    RateLimitedError,
    RateLimiter,
    RateLimitWaitError,
    SendStatusUnknownError,
    SpotClient,
    WindowSpec,
)
from binance_async.errors import RequestTimeoutError
from binance_async.testing import Handler, MockTransport, Request, Response, json_response, params
from tests.unit.helpers import KEY, SECRET

ORDER = {  # GET /api/v3/order, as Binance documents it
    "symbol": "BTCUSDT",
    "orderId": 7,
    "orderListId": -1,
    "clientOrderId": "myOrder1",
    "price": "0.1",
    "origQty": "1.0",
    "executedQty": "0.0",
    "cummulativeQuoteQty": "0.0",
    "status": "NEW",
    "timeInForce": "GTC",
    "type": "LIMIT",
    "side": "BUY",
    "stopPrice": "0.0",
    "icebergQty": "0.0",
    "time": 1499827319559,
    "updateTime": 1499827319559,
    "isWorking": True,
    "workingTime": 1499827319559,
    "origQuoteOrderQty": "0.000000",
    "selfTradePreventionMode": "NONE",
}


def answer(status: int, body: object, **headers: str) -> Response:
    return json_response(body, status=status, headers=headers)


def server_time(offset_ms: int = 0) -> Response:
    return answer(200, {"serverTime": int(time.time() * 1000) + offset_ms})


def Fake(handler: Handler) -> MockTransport:
    """A transport that hands every request to `handler` (the public test seam)."""
    return MockTransport(handler)


def params_of(request: Request) -> dict[str, str]:
    return dict(params(request))


# -- a cancelled order call does not lose the order ---------------------------------------------------------


async def test_a_cancelled_order_call_is_recorded_and_still_cancelled() -> None:
    sent = asyncio.Event()

    async def handler(request: Request) -> Response:
        if request.path == "/api/v3/time":
            return server_time()
        sent.set()
        await asyncio.sleep(3600)  # the exchange is slow to answer; the order may well be placed
        raise AssertionError("unreachable")

    async with SpotClient(KEY, SECRET, transport=Fake(handler)) as client:
        task = asyncio.create_task(
            client.new_order("BTCUSDT", "BUY", "LIMIT", quantity="1", price="100", time_in_force="GTC")
        )
        await sent.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        [(client_order_id, request)] = client.unknown_outcomes.items()
        assert request.path == "/api/v3/order" and request.params["newClientOrderId"] == client_order_id
        assert request.params["quantity"] == "1"


async def test_wait_for_timing_out_an_order_call_records_it() -> None:
    async def handler(request: Request) -> Response:
        if request.path == "/api/v3/time":
            return server_time()
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async with SpotClient(KEY, SECRET, transport=Fake(handler)) as client:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.new_order("BTCUSDT", "SELL", "MARKET", quantity="1"), 0.2)
        assert len(client.unknown_outcomes) == 1


async def test_a_call_cancelled_before_sending_is_not_recorded() -> None:
    async def handler(request: Request) -> Response:
        await asyncio.sleep(3600)  # the clock sync never answers: the order never leaves
        raise AssertionError("unreachable")

    async with SpotClient(KEY, SECRET, transport=Fake(handler)) as client:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.new_order("BTCUSDT", "SELL", "MARKET", quantity="1"), 0.2)
        assert len(client.unknown_outcomes) == 0


@pytest.mark.parametrize(
    "fault",
    [
        answer(500, {"code": -1000, "msg": "boom"}),
        answer(503, {"code": -1007, "msg": "Timeout waiting for response from backend server."}),
        answer(408, {"code": -1007, "msg": "timeout"}),
        answer(400, {"code": -1006, "msg": "An unexpected response was received."}),
        answer(200, "not an order"),  # accepted, but the answer cannot be read
        RequestTimeoutError("POST /api/v3/order: no response within 10 s"),
    ],
    ids=["500", "503", "408", "-1006", "undecodable-2xx", "timeout"],
)
async def test_every_unknown_outcome_is_recorded_until_reconciled(fault: Response | Exception) -> None:
    found = {"yes": True}

    async def handler(request: Request) -> Response:
        if request.path == "/api/v3/time":
            return server_time()
        if request.method == "GET":  # the reconciliation
            if found["yes"]:
                return answer(
                    200,
                    {**ORDER, "status": "FILLED", "clientOrderId": params_of(request)["origClientOrderId"]},
                )
            return answer(400, {"code": -2013, "msg": "Order does not exist."})
        if isinstance(fault, Exception):
            raise fault
        return fault

    async with SpotClient(KEY, SECRET, transport=Fake(handler)) as client:
        with pytest.raises((ExecutionStatusUnknown, InvalidResponseError)) as info:
            await client.new_order("BTCUSDT", "BUY", "MARKET", quantity="1")
        client_order_id = getattr(info.value, "client_order_id", None)
        assert isinstance(client_order_id, str) and client_order_id in client.unknown_outcomes
        assert client.unknown_outcomes.recorded == 1
        order = await client.reconcile_order("BTCUSDT", client_order_id)
        assert order is not None and order.client_order_id == client_order_id
        assert client_order_id not in client.unknown_outcomes  # settled: found
        with pytest.raises((ExecutionStatusUnknown, InvalidResponseError)):
            await client.new_order("BTCUSDT", "BUY", "MARKET", quantity="1")
        found["yes"] = False
        [second] = client.unknown_outcomes
        assert await client.reconcile_order("BTCUSDT", second) is None
        assert len(client.unknown_outcomes) == 0  # settled: not found


async def test_an_order_refused_with_a_known_error_is_not_recorded() -> None:
    async def handler(request: Request) -> Response:
        if request.path == "/api/v3/time":
            return server_time()
        return answer(400, {"code": -2010, "msg": "Account has insufficient balance."})

    async with SpotClient(KEY, SECRET, transport=Fake(handler)) as client:
        with pytest.raises(OrderRejectedError):
            await client.new_order("BTCUSDT", "BUY", "MARKET", quantity="1")
        assert len(client.unknown_outcomes) == 0


async def test_a_cancel_by_order_id_is_recorded_and_reconciled_by_that_order_id() -> None:
    looked_up: list[dict[str, str]] = []

    async def handler(request: Request) -> Response:
        if request.path == "/api/v3/time":
            return server_time()
        if request.method == "GET":
            looked_up.append(params_of(request))
            return answer(200, {**ORDER, "status": "CANCELED"})
        return answer(502, "<html>bad gateway</html>")

    async with SpotClient(KEY, SECRET, transport=Fake(handler)) as client:
        with pytest.raises(ExecutionStatusUnknown) as info:
            await client.cancel_order("BTCUSDT", order_id=7)
        key = info.value.client_order_id
        assert key is not None and client.unknown_outcomes[key].params["orderId"] == 7
        order = await client.reconcile_order("BTCUSDT", key)
        assert order is not None and order.status == "CANCELED"
        assert looked_up[0]["orderId"] == "7" and "origClientOrderId" not in looked_up[0]
        assert key not in client.unknown_outcomes


async def test_unknown_outcomes_is_read_only() -> None:
    async with SpotClient(KEY, SECRET, transport=Fake(lambda r: server_time())) as client:
        with pytest.raises(TypeError):
            client.unknown_outcomes["x"] = None  # type: ignore[index]


async def test_a_dropped_connection_on_an_order_is_recorded() -> None:
    async def handler(request: Request) -> Response:
        if request.path == "/api/v3/time":
            return server_time()
        from binance_async.errors import TransportError

        raise TransportError(
            "POST /api/v3/order: ServerDisconnectedError", method="POST", path="/api/v3/order"
        )

    async with SpotClient(KEY, SECRET, transport=Fake(handler)) as client:
        with pytest.raises(SendStatusUnknownError):
            await client.new_order("BTCUSDT", "BUY", "MARKET", quantity="1")
        assert len(client.unknown_outcomes) == 1


# -- the clock sync times the wire, not the limiter's queue -------------------------------------------------


async def test_the_clock_sync_passes_the_queue_and_times_only_the_wire() -> None:
    skew_ms = 30_000

    async def handler(request: Request) -> Response:
        if request.path == "/api/v3/time":
            return server_time(skew_ms)
        return answer(200, {"symbol": "BTCUSDT", "price": "1"})

    limiter = RateLimiter([WindowSpec("REQUEST_WEIGHT", "SECOND", 10, 4)], margin_ms=0, smooth=False)
    async with SpotClient(KEY, SECRET, transport=Fake(handler), limiter=limiter, timeout=60.0) as client:
        client.clock.aligned = True  # keep the Date alignment out of this test
        for _ in range(4):  # the window is full: the next request waits up to 10 s
            await client.ticker_price("BTCUSDT")
        queued = [asyncio.create_task(client.ticker_price("BTCUSDT")) for _ in range(3)]
        await asyncio.sleep(0.05)
        await asyncio.wait_for(client._pipeline.sync_clock(), 1.0)  # not behind the queue
        assert client.clock.round_trip_ms < 200
        assert client.clock.offset_ms == pytest.approx(skew_ms, abs=200)
        for task in queued:
            task.cancel()
        await asyncio.gather(*queued, return_exceptions=True)
        state = next(s for s in limiter.state() if s.limit_type == "REQUEST_WEIGHT")
        assert state.used >= 5  # the time request was still charged


async def test_a_sample_with_a_long_round_trip_is_measured_again() -> None:
    answers = iter([1.3, 0.0])

    async def handler(request: Request) -> Response:
        delay = next(answers)
        await asyncio.sleep(delay)
        # The slow answer carries a time read right away (as a server would, then a slow network).
        return server_time(5_000 - int(delay * 1000))

    async with SpotClient(KEY, SECRET, transport=Fake(handler)) as client:
        await client._pipeline.sync_clock()
        assert client.clock.samples == 2
        assert client.clock.round_trip_ms < 500
        assert client.clock.offset_ms == pytest.approx(5_000, abs=200)


# -- a public-only client aligns its windows to the server ---------------------------------------------------


async def test_a_public_client_aligns_its_clock_to_the_first_answers_date() -> None:
    skew_s = 30

    async def handler(request: Request) -> Response:
        return answer(
            200,
            {"symbol": "BTCUSDT", "price": "1"},
            Date=formatdate(time.time() + skew_s, usegmt=True),
            **{"X-MBX-USED-WEIGHT-1M": "2"},
        )

    async with SpotClient(transport=Fake(handler)) as client:
        await client.ticker_price("BTCUSDT")
        assert client.clock.offset_ms == pytest.approx(skew_s * 1000, abs=1_100)
        assert not client.clock.synced  # a signed call still measures precisely
        assert client.limiter.rebases == 1
        await client.ticker_price("BTCUSDT")
        assert client.limiter.rebases == 1  # once


async def test_a_date_within_a_second_leaves_the_clock_alone() -> None:
    async def handler(request: Request) -> Response:
        return answer(200, {"symbol": "BTCUSDT", "price": "1"}, Date=formatdate(time.time(), usegmt=True))

    async with SpotClient(transport=Fake(handler)) as client:
        await client.ticker_price("BTCUSDT")
        assert client.clock.offset_ms == 0.0


# -- Retry-After: strict, capped, and never a silent freeze -------------------------------------------------


@pytest.mark.parametrize(("status", "header"), [(418, "999999999"), (418, "inf"), (429, "999999999")])
async def test_an_absurd_retry_after_raises_instead_of_freezing(status: int, header: str) -> None:
    calls = 0

    async def handler(request: Request) -> Response:
        nonlocal calls
        calls += 1
        return answer(
            status, {"code": -1003, "msg": "Too much request weight used"}, **{"Retry-After": header}
        )

    async with SpotClient(transport=Fake(handler), timeout=5.0) as client:
        with pytest.raises((RateLimitedError, IPBannedError)):
            await client.ticker_price("BTCUSDT")
        started = time.monotonic()
        expected = IPBanWaitError if status == 418 else RateLimitWaitError
        with pytest.raises(expected) as info:
            await client.ticker_price("BTCUSDT")
        assert time.monotonic() - started < 1.0
        assert calls == 1  # nothing more was sent
        assert info.value.retry_after is not None and info.value.retry_after > 5.0
        assert client.limiter.paused_for() <= 3 * 24 * 3600 + 1


@pytest.mark.parametrize("header", ["-5", "nan", "1e3", "soon"])
async def test_an_unreadable_retry_after_on_a_429_pauses_until_the_minute_boundary(header: str) -> None:
    async def handler(request: Request) -> Response:
        return answer(429, {"code": -1003, "msg": "Too much request weight used"}, **{"Retry-After": header})

    async with SpotClient(transport=Fake(handler)) as client:
        client.clock.aligned = True
        with pytest.raises(RateLimitedError) as info:
            await client.ticker_price("BTCUSDT")
        assert info.value.retry_after is None
        now_ms = client.clock.now_ms()
        to_boundary = (60_000 - now_ms % 60_000) / 1000.0
        assert client.limiter.paused_for() == pytest.approx(to_boundary, abs=0.1)


async def test_an_unreadable_retry_after_on_a_418_pauses_two_minutes() -> None:
    async def handler(request: Request) -> Response:
        return answer(418, {"code": -1003, "msg": "banned"}, **{"Retry-After": "nan"})

    async with SpotClient(transport=Fake(handler)) as client:
        with pytest.raises(IPBannedError):
            await client.ticker_price("BTCUSDT")
        assert client.limiter.paused_for() == pytest.approx(120.0, abs=0.5)


async def test_a_full_window_longer_than_the_timeout_raises() -> None:
    async def handler(request: Request) -> Response:
        return answer(200, {"symbol": "BTCUSDT", "price": "1"})

    limiter = RateLimiter([WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 4)], margin_ms=0, smooth=False)
    async with SpotClient(transport=Fake(handler), limiter=limiter, timeout=0.3) as client:
        await client.ticker_price("BTCUSDT")
        await client.ticker_price("BTCUSDT")
        started = time.monotonic()
        with pytest.raises(RateLimitWaitError) as info:
            await client.ticker_price("BTCUSDT")
        assert time.monotonic() - started < 0.25  # the wait is known to be longer: no waiting first
        assert info.value.status == 0 and info.value.retry_after is not None


# -- cancel-all's entries are checked like any answer -------------------------------------------------------


@pytest.mark.parametrize("price", ["NaN", "٣٣", "Infinity"], ids=["nan", "arabic-digits", "infinity"])
async def test_a_bad_entry_of_cancel_all_is_an_invalid_response(price: object) -> None:
    entry = {
        "symbol": "BTCUSDT",
        "origClientOrderId": "E6APeyTJvkMvLMYMqu1KQ4",
        "orderId": 11,
        "orderListId": -1,
        "clientOrderId": "pXLV6Hz6mprAcVYpVMTGgx",
        "transactTime": 1684804350068,
        "price": price,
        "origQty": "1.00000000",
        "executedQty": "0.00000000",
        "cummulativeQuoteQty": "0.00000000",
        "status": "CANCELED",
        "timeInForce": "GTC",
        "type": "LIMIT",
        "side": "BUY",
        "selfTradePreventionMode": "NONE",
    }

    async def handler(request: Request) -> Response:
        if request.path == "/api/v3/time":
            return server_time()
        return answer(200, [entry])

    async with SpotClient(KEY, SECRET, transport=Fake(handler)) as client:
        with pytest.raises(InvalidResponseError, match="openOrders"):
            await client.cancel_open_orders("BTCUSDT")


async def test_non_ascii_digits_written_as_json_escapes_are_refused() -> None:
    async def handler(request: Request) -> Response:
        return answer(200, {"symbol": "BTCUSDT", "price": "٣٣"})  # json.dumps writes "\\u0663\\u0663"

    async with SpotClient(transport=Fake(handler)) as client:
        with pytest.raises(InvalidResponseError, match="ASCII"):
            await client.ticker_price("BTCUSDT")


# -- an answer larger than max_response_bytes ---------------------------------------------------------------


async def test_an_order_whose_answer_is_too_large_is_an_unknown_outcome() -> None:
    async def handler(request: Request) -> Response:
        if request.path == "/api/v3/time":
            return server_time()
        raise InvalidResponseError(
            "POST /api/v3/order: the answer is larger than max_response_bytes (10 bytes)",
            status=200,
            body=b"",
            method="POST",
            path="/api/v3/order",
        )

    async with SpotClient(KEY, SECRET, transport=Fake(handler)) as client:
        with pytest.raises(InvalidResponseError) as info:
            await client.new_order("BTCUSDT", "BUY", "MARKET", quantity="1")
        assert info.value.client_order_id is not None
        assert info.value.client_order_id in client.unknown_outcomes


# -- order lists: recorded by their listClientOrderId, settled by reconcile_order_list --------------------

ORDER_LIST = {  # GET /api/v3/orderList, as Binance documents it
    "orderListId": 27,
    "contingencyType": "OCO",
    "listStatusType": "EXEC_STARTED",
    "listOrderStatus": "EXECUTING",
    "listClientOrderId": "h2USkA5YQpaXHPIrkd96xE",
    "transactionTime": 1565245656253,
    "symbol": "BTCUSDT",
    "orders": [
        {"symbol": "BTCUSDT", "orderId": 4, "clientOrderId": "qD1gy3kc3Gx0rihm9Y3xwS"},
        {"symbol": "BTCUSDT", "orderId": 5, "clientOrderId": "ARzZ9I00CPM8i3NhmU9Ega"},
    ],
}


async def test_an_order_list_with_an_unknown_outcome_is_settled_by_reconcile_order_list() -> None:
    looked_up: list[dict[str, str]] = []

    async def handler(request: Request) -> Response:
        if request.path == "/api/v3/time":
            return server_time()
        if request.method == "GET":
            looked_up.append(params_of(request))
            return answer(200, ORDER_LIST)
        return answer(503, {"code": -1007, "msg": "Timeout waiting for response from backend server."})

    async with SpotClient(KEY, SECRET, transport=Fake(handler)) as client:
        with pytest.raises(ExecutionStatusUnknown) as info:
            await client.new_oco(
                "BTCUSDT",
                "SELL",
                "0.01",
                above_type="LIMIT_MAKER",
                above_price="66000",
                below_type="STOP_LOSS_LIMIT",
                below_stop_price="64000",
                below_price="63900",
                below_time_in_force="GTC",
            )
        list_id = info.value.client_order_id
        assert list_id is not None and list_id in client.unknown_outcomes
        with pytest.raises(InvalidRequestError, match="reconcile_order_list"):
            await client.reconcile_order("BTCUSDT", list_id)
        found = await client.reconcile_order_list(list_id)
        assert found is not None and found.order_list_id == 27
        assert looked_up == [{**looked_up[0], "origClientOrderId": list_id}]
        assert len(client.unknown_outcomes) == 0
