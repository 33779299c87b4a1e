"""The app's request path (`app`, `params`) against bad input: answered the way Binance answers it (a 4xx
JSON error, never aiohttp's plain 500), GET parameters read from the query string only, a latency fault
that delays the answer, not the order, and the Date header on the simulator's clock. The OAuth server's
own hardening is in test_oauth.

Driven over HTTP on 127.0.0.1 with raw aiohttp requests, so that nothing in our client can hide what
the simulator answers.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import AsyncIterator
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import pytest

from binance_async.sim import Simulator
from binance_async.sim.faults import FaultRule

INT_RANGE = "^[0-9]{1,20}$"
DEEP = 1200  # deeper than Python's default recursion limit
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def _get(session: aiohttp.ClientSession, url: str) -> tuple[int, str, Any]:
    async with session.get(url) as resp:
        return resp.status, resp.content_type, await resp.json(content_type=None)


def _signed(sim: Simulator, query: str) -> str:
    """`query` with a timestamp and its HMAC signature appended."""
    query = f"{query}&timestamp={sim.clock.now_ms()}" if query else f"timestamp={sim.clock.now_ms()}"
    signature = hmac.new(sim.api_secret.encode(), query.encode(), hashlib.sha256).hexdigest()
    return f"{query}&signature={signature}"


# -- integer parameters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "limit",
    [
        "%C2%B2",  # '²': str.isdigit() is True, int() refuses it
        "%D9%A3",  # '٣' (ARABIC-INDIC DIGIT THREE): int() takes it as 3, Binance's pattern does not
        "1" * 5000,  # more digits than int() converts
    ],
    ids=["superscript-two", "arabic-indic-three", "5000-digits"],
)
async def test_depth_limit_that_is_not_ascii_digits_is_minus_1100(
    sim: Simulator, session: aiohttp.ClientSession, limit: str
) -> None:
    status, _, body = await _get(session, f"{sim.base_url}/api/v3/depth?symbol=BTCUSDT&limit={limit}")
    assert (status, body) == (
        400,
        {
            "code": -1100,
            "msg": f"Illegal characters found in parameter 'limit'; legal range is '{INT_RANGE}'.",
        },
    )


@pytest.mark.parametrize("value", ["5%0A", "%0A5", "5%20"], ids=["newline-after", "newline-before", "space"])
async def test_integer_with_whitespace_is_minus_1100(
    sim: Simulator, session: aiohttp.ClientSession, value: str
) -> None:
    """Binance's pattern must match the whole value (a regex ``$`` also matches before a final newline)."""
    status, _, body = await _get(session, f"{sim.base_url}/api/v3/depth?symbol=BTCUSDT&limit={value}")
    assert (status, body["code"]) == (400, -1100)


# -- JSON array parameters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v3/ticker/24hr",
        "/api/v3/ticker/price",
        "/api/v3/ticker/bookTicker",
        "/api/v3/ticker",
        "/api/v3/ticker/tradingDay",
        "/api/v3/exchangeInfo",
        "/api/v3/executionRules",
    ],
)
async def test_deeply_nested_symbols_is_answered_like_a_shallow_nested_one(
    sim: Simulator, session: aiohttp.ClientSession, path: str
) -> None:
    shallow = await _get(session, f"{sim.base_url}{path}?symbols=[[%22BTCUSDT%22]]")
    assert shallow[0] == 400
    deep = await _get(session, f"{sim.base_url}{path}?symbols={'[' * DEEP}{']' * DEEP}")
    assert deep == shallow
    assert deep[2] == {
        "code": -1102,
        "msg": "Mandatory parameter 'symbols' was not sent, was empty/null, or malformed.",
    }


async def test_deeply_nested_permissions_is_answered_like_a_shallow_nested_one(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    url = f"{sim.base_url}/api/v3/exchangeInfo?permissions="
    shallow = await _get(session, url + "[[%22SPOT%22]]")
    assert shallow[0] == 400
    assert await _get(session, url + "[" * DEEP + "]" * DEEP) == shallow


async def test_malformed_symbols_is_still_minus_1100(sim: Simulator, session: aiohttp.ClientSession) -> None:
    status, _, body = await _get(session, f"{sim.base_url}/api/v3/ticker/price?symbols=[%22BTCUSDT%22")
    assert (status, body["code"]) == (400, -1100)
    status, _, body = await _get(
        session, f"{sim.base_url}/api/v3/ticker/price?symbols=[%22BTCUSDT%22,%22ETHUSDT%22]"
    )
    assert status == 200 and [t["symbol"] for t in body] == ["BTCUSDT", "ETHUSDT"]


# -- GET parameters come from the query string only --------------------------------------------------------


async def test_signed_get_does_not_read_parameters_from_its_body(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    headers = {"X-MBX-APIKEY": sim.api_key}
    order = "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.00100&newClientOrderId=body-test"
    async with session.post(f"{sim.base_url}/api/v3/order?{_signed(sim, order)}", headers=headers) as resp:
        assert resp.status == 200, await resp.text()

    # The signed query string names no order; the (unsigned) body does. Binance ignores a GET body.
    url = f"{sim.base_url}/api/v3/order?{_signed(sim, '')}"
    body = "symbol=BTCUSDT&origClientOrderId=body-test"
    async with session.get(url, data=body, headers={**headers, **FORM}) as resp:
        assert (resp.status, await resp.json()) == (
            400,
            {
                "code": -1102,
                "msg": "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
            },
        )

    # A signature in the body of a GET is not read either.
    signed = _signed(sim, "symbol=BTCUSDT&origClientOrderId=body-test")
    query, _, signature = signed.rpartition("&")
    async with session.get(
        f"{sim.base_url}/api/v3/order?{query}", data=signature, headers={**headers, **FORM}
    ) as resp:
        assert resp.status == 400
        assert (await resp.json())["msg"] == (
            "Mandatory parameter 'signature' was not sent, was empty/null, or malformed."
        )

    # Everything in the query string: found (and the body, still ignored, is not "unread").
    async with session.get(
        f"{sim.base_url}/api/v3/order?{signed}", data="extra=1", headers={**headers, **FORM}
    ) as resp:
        assert resp.status == 200
        assert (await resp.json())["clientOrderId"] == "body-test"


async def test_public_get_does_not_read_parameters_from_its_body(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    async with session.get(f"{sim.base_url}/api/v3/depth", data="symbol=BTCUSDT", headers=FORM) as resp:
        assert resp.status == 400
        assert (await resp.json())["code"] == -1102


# -- the latency fault delays the answer, not the order ---------------------------------------------------


async def test_latency_applies_after_the_order_is_placed(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    latency_s = 1.5
    sim.faults.add(FaultRule("latency", 1.0, method="POST", path="/api/v3/order", latency_s=latency_s))
    headers = {"X-MBX-APIKEY": sim.api_key}
    order = "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.00100&newClientOrderId=slow-1"
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(TimeoutError):  # the client gives up: the order's fate is unknown to it
        async with session.post(
            f"{sim.base_url}/api/v3/order?{_signed(sim, order)}",
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=0.2),
        ) as resp:
            await resp.read()
    # Still within the latency: the answer has not been sent, yet the order is there.
    query = _signed(sim, "symbol=BTCUSDT&origClientOrderId=slow-1")
    async with session.get(f"{sim.base_url}/api/v3/order?{query}", headers=headers) as resp:
        assert resp.status == 200, await resp.text()
        found = await resp.json()
    assert loop.time() - started < latency_s
    assert (found["clientOrderId"], found["status"]) == ("slow-1", "FILLED")
    assert sim.faults.counts["latency"] == 1


async def test_latency_delays_the_answer_of_a_processed_request(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    sim.faults.add(FaultRule("latency", 1.0, method="POST", path="/api/v3/order", latency_s=0.3))
    loop = asyncio.get_running_loop()
    query = _signed(sim, "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.00100")
    started = loop.time()
    async with session.post(
        f"{sim.base_url}/api/v3/order?{query}", headers={"X-MBX-APIKEY": sim.api_key}
    ) as resp:
        assert resp.status == 200
        assert (await resp.json())["status"] == "FILLED"
    assert loop.time() - started >= 0.3


# -- the Date header ------------------------------------------------------------------------------------


async def test_the_date_header_follows_the_simulators_clock() -> None:
    async with Simulator() as sim:
        sim.clock.advance(3_600_000)
        async with aiohttp.ClientSession() as session, session.get(sim.base_url + "/api/v3/ping") as resp:
            date = parsedate_to_datetime(resp.headers["Date"]).timestamp()
        assert abs(date * 1000 - sim.clock.now_ms()) < 2_000
