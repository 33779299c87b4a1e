"""The simulator (`app`) over real HTTP on an ephemeral 127.0.0.1 port: requests built by hand from
Binance's docs, the pytest fixture, the command line, and the endpoint table.

Requests are raw aiohttp ones, or our client's raw `SpotClient.request` used as a transport. How the
client's typed methods read these answers is tested against the same configuration in
``tests/integration/test_spot_client.py``, so that client and simulator cannot agree on the same mistake.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from urllib.parse import quote

import aiohttp
import pytest

from binance_async import SpotClient
from binance_async.sim.app import Simulator
from tests.reference import spot_rows
from tests.sim.official_example import (
    VECTOR_KEY,
    VECTOR_QUERY,
    VECTOR_SECRET,
    VECTOR_SIGNATURE,
    VECTOR_TIMESTAMP,
    small_config,
)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(small_config()) as simulator:
        yield simulator


# -- raw HTTP, built from the docs -------------------------------------------------------------------


async def test_public_endpoints_answer_like_binance(sim: Simulator) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{sim.base_url}/api/v3/ping") as resp:
            assert resp.status == 200
            assert await resp.json() == {}
            assert resp.headers["X-MBX-USED-WEIGHT-1M"] == "1"
        async with session.get(f"{sim.base_url}/api/v3/depth?symbol=BTCUSDT&limit=5000") as resp:
            body = await resp.json()
            assert resp.headers["X-MBX-USED-WEIGHT-1M"] == str(1 + 250)
        assert len(body["bids"]) == len(body["asks"]) == 200  # every resting level
        assert Decimal(body["bids"][0][0]) < Decimal(body["asks"][0][0])
        async with session.get(f"{sim.base_url}/api/v3/ticker/price?symbol=NOPE") as resp:
            assert resp.status == 400
            assert await resp.json() == {"code": -1121, "msg": "Invalid symbol."}


async def test_request_signed_like_the_official_vector(sim: Simulator) -> None:
    """The docs' HMAC example, with the timestamp moved to now (the signature covers it)."""
    query = VECTOR_QUERY.replace(str(VECTOR_TIMESTAMP), str(sim.clock.now_ms()))
    signature = hmac.new(VECTOR_SECRET.encode(), query.encode(), hashlib.sha256).hexdigest()
    headers = {"X-MBX-APIKEY": VECTOR_KEY}
    async with aiohttp.ClientSession() as session:
        url = f"{sim.base_url}/api/v3/order/test?{query}&signature={signature}"
        async with session.post(url, headers=headers) as resp:
            assert (resp.status, await resp.json()) == (200, {})
        tampered = query.replace("quantity=1", "quantity=2")
        url = f"{sim.base_url}/api/v3/order/test?{tampered}&signature={signature}"
        async with session.post(url, headers=headers) as resp:
            assert resp.status == 400
            assert (await resp.json())["code"] == -1022
        body = f"{query}&signature={signature}"  # the same payload as a form body
        form = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
        async with session.post(f"{sim.base_url}/api/v3/order/test", data=body, headers=form) as resp:
            assert (resp.status, await resp.json()) == (200, {})


async def test_official_vector_verbatim_is_checked_against_the_simulators_clock() -> None:
    """The docs' request, byte for byte with the docs' signature, at its own time; a day later it is stale."""
    async with Simulator(small_config(start_ms=VECTOR_TIMESTAMP + 100)) as sim:
        url = f"{sim.base_url}/api/v3/order/test?{VECTOR_QUERY}&signature={VECTOR_SIGNATURE}"
        async with aiohttp.ClientSession() as session:
            async with session.post(url, headers={"X-MBX-APIKEY": VECTOR_KEY}) as resp:
                assert (resp.status, await resp.json()) == (200, {})
            sim.clock.advance(86_400_000)
            async with session.post(url, headers={"X-MBX-APIKEY": VECTOR_KEY}) as resp:
                assert await resp.json() == {
                    "code": -1021,
                    "msg": "Timestamp for this request is outside of the recvWindow.",
                }


async def test_non_ascii_must_be_signed_percent_encoded(sim: Simulator) -> None:
    timestamp = sim.clock.now_ms()
    raw = f"symbol=１２３４５６&side=BUY&type=LIMIT&timestamp={timestamp}"
    encoded = f"symbol={quote('１２３４５６')}&side=BUY&type=LIMIT&timestamp={timestamp}"
    async with aiohttp.ClientSession() as session:
        for signed_text, expected in ((raw, -1022), (encoded, -1100)):  # -1100: not a valid symbol name
            signature = hmac.new(VECTOR_SECRET.encode(), signed_text.encode(), hashlib.sha256).hexdigest()
            url = f"{sim.base_url}/api/v3/order/test?{encoded}&signature={signature}"
            async with session.post(url, headers={"X-MBX-APIKEY": VECTOR_KEY}) as resp:
                assert (await resp.json())["code"] == expected


# -- fixture and command line ----------------------------------------------------------------------------


def test_the_pytest_fixture_serves_sync_tests(binance_sim: Simulator) -> None:
    async def check() -> str:
        async with SpotClient(
            binance_sim.api_key, binance_sim.api_secret, base_url=binance_sim.base_url
        ) as c:
            account = await c.request("GET", "/api/v3/account", signed=True)
            return str(account["accountType"])

    assert asyncio.run(check()) == "SPOT"


def test_command_line_prints_url_and_keys() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "binance_async.sim",
            "--port",
            "0",
            "--api-key",
            "K" * 64,
            "--api-secret",
            "S" * 64,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        base_url = lines[0].rsplit(" ", 1)[1].strip()
        assert base_url.startswith("http://127.0.0.1:")
        assert "K" * 64 in lines[1]
        assert "S" * 64 in lines[2]

        async def ping() -> object:
            async with aiohttp.ClientSession() as session, session.get(f"{base_url}/api/v3/ping") as resp:
                return json.loads(await resp.read())

        assert asyncio.run(ping()) == {}
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


async def test_orders_rest_fill_and_cancel_over_http(sim: Simulator) -> None:
    async with SpotClient(VECTOR_KEY, VECTOR_SECRET, base_url=sim.base_url) as client:
        before = await client.request("GET", "/api/v3/account", signed=True)
        book = await client.depth("BTCUSDT", limit=5)
        best_bid, best_ask = book.best_bid(), book.best_ask()
        assert best_bid is not None
        assert best_ask is not None
        rest = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
        rest |= {
            "quantity": "0.01000",
            "price": str(best_bid[0] - Decimal("100")),
            "newClientOrderId": "demo-1",
        }
        placed = await client.request("POST", "/api/v3/order", rest, signed=True)
        assert placed["status"] == "NEW"
        assert placed["clientOrderId"] == "demo-1"
        found = await client.request(
            "GET", "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "demo-1"}, signed=True
        )
        assert found["orderId"] == placed["orderId"]
        open_orders = await client.request("GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"}, signed=True)
        assert [o["orderId"] for o in open_orders] == [placed["orderId"]]
        cancelled = await client.request(
            "DELETE", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": placed["orderId"]}, signed=True
        )
        assert cancelled["status"] == "CANCELED"
        market = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01000"}
        filled = await client.request("POST", "/api/v3/order", market, signed=True)
        assert filled["status"] == "FILLED"
        assert filled["fills"]
        after = await client.request("GET", "/api/v3/account", signed=True)
    free = {b["asset"]: Decimal(b["free"]) for b in before["balances"]}
    free_after = {b["asset"]: Decimal(b["free"]) for b in after["balances"]}
    spent = Decimal(filled["cummulativeQuoteQty"])
    assert free_after["USDT"] == free["USDT"] - spent
    received = Decimal(filled["executedQty"]) - sum(Decimal(f["commission"]) for f in filled["fills"])
    assert free_after["BTC"] == free["BTC"] + received


def test_every_endpoint_of_the_reference_table_is_served() -> None:
    rows = spot_rows()
    served = {(route.method, route.path): route for route in Simulator()._routes.values()}
    assert len(rows) == 48
    for row in rows:
        route = served.get((row["method"], row["path"]))
        assert route is not None, f"{row['method']} {row['path']}"
        assert route.security == row["security"]
