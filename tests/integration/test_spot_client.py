"""`SpotClient` against the simulator over real HTTP: every public endpoint read, signed calls and the
typed errors of a bad signature or key, the clock resynced after -1021, the limiter keeping a tiny window
free of 429s, bans as typed errors, and an order answered 5xx found rather than resent.

The simulator runs the configuration of its own HTTP tests (``tests/sim/official_example.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

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
from binance_async.sim import LimitSpec, Simulator
from tests.sim.official_example import VECTOR_KEY, VECTOR_SECRET, small_config


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(small_config()) as simulator:
        yield simulator


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
