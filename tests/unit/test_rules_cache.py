"""`binance_async.spot.rules.RulesCache`: one shared exchangeInfo fetch per TTL, rules per symbol."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import msgspec
import pytest

from binance_async.errors import InvalidRequestError
from binance_async.spot.models import ExchangeInfo
from binance_async.spot.rules import RulesCache, SymbolRules, UnknownSymbolError


def exchange_info(tick: str = "0.01") -> ExchangeInfo:
    """An exchangeInfo with BTCUSDT and ETHBTC (tick size of BTCUSDT as given) and one exchange filter."""

    def symbol(name: str, base: str, quote: str, tick_size: str) -> dict[str, Any]:
        return {
            "symbol": name,
            "status": "TRADING",
            "baseAsset": base,
            "baseAssetPrecision": 8,
            "quoteAsset": quote,
            "quoteAssetPrecision": 8,
            "orderTypes": ["LIMIT", "MARKET"],
            "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": "0", "maxPrice": "0", "tickSize": tick_size},
            ],
        }

    body = {
        "timezone": "UTC",
        "serverTime": 1565246363776,
        "exchangeFilters": [{"filterType": "EXCHANGE_MAX_NUM_ORDERS", "maxNumOrders": 1000}],
        "symbols": [symbol("BTCUSDT", "BTC", "USDT", tick), symbol("ETHBTC", "ETH", "BTC", "0.000001")],
    }
    return msgspec.json.decode(json.dumps(body).encode(), type=ExchangeInfo)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Fetcher:
    """A fetch that counts its calls, can be held open with `gate`, and can be told to fail."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate: asyncio.Event | None = None
        self.failures: list[BaseException] = []
        self.ticks = ["0.01", "0.5", "1"]

    async def __call__(self) -> ExchangeInfo:
        self.calls += 1
        tick = self.ticks[(self.calls - 1) % len(self.ticks)]
        if self.gate is not None:
            await self.gate.wait()
        if self.failures:
            raise self.failures.pop(0)
        return exchange_info(tick)


async def settle() -> None:
    """Let every ready task run until it blocks."""
    for _ in range(5):
        await asyncio.sleep(0)


@pytest.fixture
def fetcher() -> Fetcher:
    return Fetcher()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def test_get_builds_rules_from_the_fetched_exchange_info(fetcher: Fetcher) -> None:
    cache = RulesCache(fetcher)
    rules = await cache.get("BTCUSDT")
    assert isinstance(rules, SymbolRules)
    assert (rules.symbol, rules.base_asset, rules.quote_asset) == ("BTCUSDT", "BTC", "USDT")
    assert rules.price_filter is not None and str(rules.round_price("1.234", "BUY")) == "1.23"
    assert rules.exchange_max_num_orders is not None and rules.exchange_max_num_orders.max_num_orders == 1000


async def test_one_fetch_serves_every_symbol_until_the_ttl_passes(fetcher: Fetcher, clock: FakeClock) -> None:
    cache = RulesCache(fetcher, ttl=300.0, clock=clock)
    first = await cache.get("BTCUSDT")
    await cache.get("ETHBTC")
    clock.now += 299.9
    assert await cache.get("BTCUSDT") is first  # memoised per fetch
    assert fetcher.calls == 1
    clock.now += 0.1
    refreshed = await cache.get("BTCUSDT")
    assert fetcher.calls == 2
    assert refreshed is not first and str(refreshed.round_price("1.2", "SELL")) == "1.5"  # the new tick


async def test_ttl_counts_from_when_the_fetch_completed(fetcher: Fetcher, clock: FakeClock) -> None:
    fetcher.gate = asyncio.Event()
    cache = RulesCache(fetcher, ttl=10.0, clock=clock)
    pending = asyncio.create_task(cache.get("BTCUSDT"))
    await settle()
    clock.now += 5  # the fetch takes 5 s
    fetcher.gate.set()
    await pending
    clock.now += 9.9
    await cache.get("BTCUSDT")
    assert fetcher.calls == 1


async def test_zero_ttl_fetches_every_time(fetcher: Fetcher, clock: FakeClock) -> None:
    cache = RulesCache(fetcher, ttl=0, clock=clock)
    await cache.get("BTCUSDT")
    await cache.get("BTCUSDT")
    assert fetcher.calls == 2


async def test_concurrent_gets_share_one_fetch(fetcher: Fetcher) -> None:
    fetcher.gate = asyncio.Event()
    cache = RulesCache(fetcher)
    tasks = [asyncio.create_task(cache.get("BTCUSDT" if i % 2 else "ETHBTC")) for i in range(50)]
    await settle()
    assert fetcher.calls == 1 and not any(t.done() for t in tasks)
    fetcher.gate.set()
    results = await asyncio.gather(*tasks)
    assert fetcher.calls == 1
    assert len({id(r) for r in results}) == 2  # one SymbolRules per symbol, shared by every caller
    assert {r.symbol for r in results} == {"BTCUSDT", "ETHBTC"}


async def test_a_failed_fetch_reaches_every_waiter_and_the_next_call_retries(fetcher: Fetcher) -> None:
    fetcher.gate = asyncio.Event()
    failure = ConnectionError("exchangeInfo unavailable")
    fetcher.failures.append(failure)
    cache = RulesCache(fetcher)
    tasks = [asyncio.create_task(cache.get("BTCUSDT")) for _ in range(5)]
    await settle()
    fetcher.gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert results == [failure] * 5
    assert fetcher.calls == 1
    rules = await cache.get("BTCUSDT")
    assert rules.symbol == "BTCUSDT" and fetcher.calls == 2


async def test_a_failed_refresh_after_expiry_raises_then_recovers(fetcher: Fetcher, clock: FakeClock) -> None:
    cache = RulesCache(fetcher, ttl=60, clock=clock)
    await cache.get("BTCUSDT")
    clock.now += 60
    fetcher.failures.append(TimeoutError("slow"))
    with pytest.raises(TimeoutError):
        await cache.get("BTCUSDT")
    assert (await cache.get("BTCUSDT")).symbol == "BTCUSDT"
    assert fetcher.calls == 3


async def test_a_cancelled_caller_does_not_cancel_the_shared_fetch(fetcher: Fetcher) -> None:
    fetcher.gate = asyncio.Event()
    cache = RulesCache(fetcher)
    first = asyncio.create_task(cache.get("BTCUSDT"))
    second = asyncio.create_task(cache.get("ETHBTC"))
    await settle()
    first.cancel()
    await settle()
    fetcher.gate.set()
    assert (await second).symbol == "ETHBTC"
    assert first.cancelled() and fetcher.calls == 1


async def test_unknown_symbol(fetcher: Fetcher) -> None:
    cache = RulesCache(fetcher)
    with pytest.raises(UnknownSymbolError, match="'NOPE'") as caught:
        await cache.get("NOPE")
    assert isinstance(caught.value, InvalidRequestError) and caught.value.symbol == "NOPE"
    await cache.get("BTCUSDT")
    assert fetcher.calls == 1  # the response was kept: an unknown symbol does not refetch


async def test_get_many(fetcher: Fetcher) -> None:
    cache = RulesCache(fetcher)
    found = await cache.get_many(["ETHBTC", "BTCUSDT"])
    assert list(found) == ["ETHBTC", "BTCUSDT"]
    assert found["BTCUSDT"] is await cache.get("BTCUSDT")
    assert fetcher.calls == 1
    with pytest.raises(UnknownSymbolError):
        await cache.get_many(["BTCUSDT", "NOPE"])
    assert await cache.get_many([]) == {}


async def test_invalidate_forces_a_new_fetch(fetcher: Fetcher) -> None:
    cache = RulesCache(fetcher)
    before = await cache.get("BTCUSDT")
    cache.invalidate()
    after = await cache.get("BTCUSDT")
    assert fetcher.calls == 2 and after is not before


async def test_invalidate_during_a_fetch_discards_its_result_for_later_callers() -> None:
    gates = [asyncio.Event(), asyncio.Event()]
    ticks = ["0.01", "0.5"]
    calls = 0

    async def fetch() -> ExchangeInfo:
        nonlocal calls
        n, calls = calls, calls + 1
        await gates[n].wait()
        return exchange_info(ticks[n])

    cache = RulesCache(fetch)
    early = asyncio.create_task(cache.get("BTCUSDT"))
    await settle()
    cache.invalidate()
    late = asyncio.create_task(cache.get("BTCUSDT"))
    await settle()
    assert calls == 2
    gates[1].set()  # the newer fetch completes first ...
    late_rules = await late
    gates[0].set()  # ... and the older one after it
    early_rules = await early
    assert str(early_rules.round_price("1.2", "SELL")) == "1.20"  # its own response (tick 0.01)
    assert str(late_rules.round_price("1.2", "SELL")) == "1.5"  # the newer response (tick 0.5)
    assert await cache.get("BTCUSDT") is late_rules  # the older response did not replace it
    assert calls == 2


def test_the_cache_binds_to_no_event_loop_before_use(fetcher: Fetcher) -> None:
    cache = RulesCache(fetcher, ttl=0)  # created outside any running loop
    assert asyncio.run(cache.get("BTCUSDT")).symbol == "BTCUSDT"
    assert asyncio.run(cache.get("ETHBTC")).symbol == "ETHBTC"  # a second loop works too
    assert fetcher.calls == 2


def test_a_fetch_in_flight_on_another_loop_is_not_reused(fetcher: Fetcher) -> None:
    cache = RulesCache(fetcher)
    other = asyncio.new_event_loop()
    try:
        fetcher.gate = asyncio.Event()  # not set: the fetch on `other` stays in flight
        stranded = other.create_task(cache.get("BTCUSDT"))
        other.run_until_complete(settle())
        assert fetcher.calls == 1 and not stranded.done()
        gate, fetcher.gate = fetcher.gate, None
        assert asyncio.run(cache.get("BTCUSDT")).symbol == "BTCUSDT"  # a new loop fetches afresh
        assert fetcher.calls == 2
        gate.set()
        assert other.run_until_complete(stranded).symbol == "BTCUSDT"
    finally:
        other.close()


@pytest.mark.parametrize("ttl", [-1.0, float("nan")])
def test_ttl_must_be_non_negative(fetcher: Fetcher, ttl: float) -> None:
    with pytest.raises(ValueError, match="ttl"):
        RulesCache(fetcher, ttl=ttl)
