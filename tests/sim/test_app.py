"""The simulator over real HTTP on an ephemeral 127.0.0.1 port.

Driven two ways: with raw aiohttp requests built by hand from Binance's docs, and with our client, so
that client and simulator cannot agree on the same mistake.
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

from binance_async import (
    APIKeyError,
    BinanceAPIError,
    InvalidSignatureError,
    InvalidSymbolError,
    IPBannedError,
    RetryPolicy,
    SpotClient,
)
from binance_async.sim.app import Simulator
from binance_async.sim.config import DEFAULT_SYMBOLS, ApiKey, LimitSpec, SimConfig, SymbolSpec
from tests.reference import spot_rows

# The official REST HMAC example key pair (binance-spot-api-docs, rest-api.md).
VECTOR_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
VECTOR_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
VECTOR_TIMESTAMP = 1499827319559
VECTOR_QUERY = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559"
)
VECTOR_SIGNATURE = (
    "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"  # from the docs, verbatim
)
# A market in which the docs' example order (buy 1 LTC at 0.1 BTC) passes every filter.
LTCBTC = SymbolSpec(
    "LTCBTC",
    "LTC",
    "BTC",
    Decimal("0.100000"),
    Decimal("0.000001"),
    Decimal("0.01"),
    Decimal("0.01"),
    min_notional=Decimal("0.0001"),
    max_notional=Decimal("100"),
)


def small_config(**changes: object) -> SimConfig:
    config = SimConfig(
        book_levels=200,
        symbols=(*DEFAULT_SYMBOLS, LTCBTC),
        api_keys=[ApiKey(VECTOR_KEY, hmac_secret=VECTOR_SECRET)],
    )
    for name, value in changes.items():
        setattr(config, name, value)
    return config


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


# -- our client -----------------------------------------------------------------------------------------


async def test_client_reads_every_public_endpoint(sim: Simulator) -> None:
    async with SpotClient(base_url=sim.base_url) as client:
        await client.ping()
        assert abs(await client.server_time() - sim.clock.now_ms()) < 5_000
        info = await client.exchange_info()
        assert info.symbol("BTCUSDT").filter("LOT_SIZE") is not None
        assert (await client.depth("BTCUSDT", limit=5)).best_bid() is not None
        trades = await client.trades("BTCUSDT", limit=10)
        assert len(trades) == 10
        assert await client.historical_trades("BTCUSDT", limit=5, from_id=trades[0].id)
        assert await client.agg_trades("BTCUSDT", limit=5)
        candles = await client.klines("BTCUSDT", "1m", limit=3)
        assert all(c.low <= c.open <= c.high for c in candles)
        assert await client.ui_klines("ETHUSDT", "1h", limit=2)
        assert (await client.avg_price("BTCUSDT")).price > 0
        stats = await client.ticker_24hr("BTCUSDT")
        assert stats.last_price == trades[-1].price or stats.last_price > 0
        assert len(await client.ticker_24hr(symbols=["BTCUSDT", "ETHUSDT"], type="MINI")) == 2
        assert (await client.ticker_trading_day("BTCUSDT")).symbol == "BTCUSDT"
        assert len(await client.ticker_price()) == len(info.symbols)
        book = await client.book_ticker("BTCUSDT")
        assert book.bid_price < book.ask_price
        assert (await client.ticker("BTCUSDT", window_size="1h")).symbol == "BTCUSDT"
        await client.historical_block_trades("BTCUSDT", from_id=0)
        await client.execution_rules("BTCUSDT")
        *with_reference, without = [spec.symbol for spec in sim.config.symbols]  # the last one never had one
        for symbol in with_reference:
            assert (await client.reference_price(symbol)).symbol == symbol
            assert (await client.reference_price_calculation(symbol)).symbol == symbol
        for never_set in (client.reference_price, client.reference_price_calculation):
            with pytest.raises(BinanceAPIError) as never:
                await never_set(without)
            assert never.value.code == -2043
        with pytest.raises(InvalidSymbolError):
            await client.avg_price("NOPE")


async def test_client_signed_calls_and_errors(sim: Simulator) -> None:
    async with SpotClient(VECTOR_KEY, VECTOR_SECRET, base_url=sim.base_url) as client:
        account = await client.request("GET", "/api/v3/account", signed=True)
        assert {b["asset"] for b in account["balances"]} >= {"BTC", "USDT"}
        order: dict[str, object] = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
        order |= {"quantity": Decimal("0.001"), "price": Decimal("60000.01")}
        assert await client.request("POST", "/api/v3/order/test", order, signed=True) == {}
        rates = await client.request(
            "POST", "/api/v3/order/test", {**order, "computeCommissionRates": True}, signed=True
        )
        assert set(rates) == {
            "standardCommissionForOrder",
            "specialCommissionForOrder",
            "taxCommissionForOrder",
            "discount",
        }
    async with SpotClient(VECTOR_KEY, "wrong-secret", base_url=sim.base_url) as client:
        with pytest.raises(InvalidSignatureError):
            await client.request("GET", "/api/v3/account", signed=True)
    async with SpotClient("unknown" * 8, VECTOR_SECRET, base_url=sim.base_url) as client:
        with pytest.raises(APIKeyError):
            await client.request("GET", "/api/v3/account", signed=True)


async def test_client_resyncs_its_clock_after_minus_1021(sim: Simulator) -> None:
    async with SpotClient(VECTOR_KEY, VECTOR_SECRET, base_url=sim.base_url) as client:
        await client.request("GET", "/api/v3/account", signed=True)
        sim.clock.advance(60_000)  # the exchange's clock jumps: our offset is now a minute stale
        await client.request("GET", "/api/v3/account", signed=True)
        assert client.clock.offset_ms > 59_000


async def test_client_limiter_keeps_a_tiny_window_free_of_429s() -> None:
    limits = (LimitSpec("REQUEST_WEIGHT", "SECOND", 1, 40), LimitSpec("RAW_REQUESTS", "MINUTE", 1, 100_000))
    async with Simulator(small_config(limits=limits)) as sim:
        async with SpotClient(base_url=sim.base_url) as client:
            await client.exchange_info()  # weight 20: loads the 40-per-second window
            prices = await asyncio.gather(*(client.ticker_price("BTCUSDT") for _ in range(60)))
        assert len(prices) == 60  # 120 weight through a 40/s window: held back, never rejected


async def test_429_then_418_ban_reach_the_client_as_typed_errors() -> None:
    limits = (LimitSpec("REQUEST_WEIGHT", "MINUTE", 1, 10),)
    async with Simulator(small_config(limits=limits, requests_before_ban=2)) as sim:
        statuses = []
        async with aiohttp.ClientSession() as session:
            for _ in range(16):  # behind any limiter's back: ping costs 1
                async with session.get(f"{sim.base_url}/api/v3/ping") as resp:
                    statuses.append(resp.status)
        assert statuses[:10] == [200] * 10
        assert statuses[10] == 429
        assert statuses[-1] == 418
        async with SpotClient(base_url=sim.base_url, retry=RetryPolicy(max_retries=0)) as client:
            with pytest.raises(IPBannedError) as info:
                await client.ping()
        assert info.value.retry_after is not None
        assert info.value.retry_after > 0


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


async def test_an_order_placed_then_answered_5xx_is_known_to_exist(sim: Simulator) -> None:
    from binance_async import ExecutionStatusUnknownError
    from binance_async.sim.faults import FaultRule

    sim.faults.add(FaultRule("error_after", 1.0, method="POST", path="/api/v3/order"))
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.00100"}
    async with SpotClient(VECTOR_KEY, VECTOR_SECRET, base_url=sim.base_url) as client:
        with pytest.raises(ExecutionStatusUnknownError):
            await client.request(
                "POST", "/api/v3/order", {**order, "newClientOrderId": "maybe-1"}, signed=True
            )
        found = await client.request(
            "GET", "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "maybe-1"}, signed=True
        )
    assert found["status"] == "FILLED"  # it was placed: the client raised, did not resend, and can look it up
    assert sim.faults.counts["error_after"] == 1


def test_every_endpoint_of_the_reference_table_is_served() -> None:
    rows = spot_rows()
    served = {(route.method, route.path): route for route in Simulator()._routes.values()}
    assert len(rows) == 48
    for row in rows:
        route = served.get((row["method"], row["path"]))
        assert route is not None, f"{row['method']} {row['path']}"
        assert route.security == row["security"]
