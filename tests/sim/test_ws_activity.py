"""The seeded market-maker (`binance_async.sim.activity`): deterministic given its seed, off by default,
and what it does shows on the market streams."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from binance_async.sim import Simulator
from binance_async.sim.activity import MARKET_MAKER, MarketActivity
from binance_async.sim.config import SimConfig
from binance_async.sim.ws_streams import StreamSettings
from tests.sim.test_ws_lifetime import eventually
from tests.sim.test_ws_market_data import FrozenClock

SYMBOLS = ("BTCUSDT", "ETHBTC")


def market_state(sim: Simulator) -> list[Any]:
    """What the market-maker changed: every symbol's recent trades and book."""
    state: list[Any] = []
    for symbol in sim.market.symbol_names():
        state.append(sim.market.trades_body(symbol, limit=1000))
        state.append(sim.market.depth_body(symbol, limit=200))
    return state


def run_steps(
    seed: int, steps: int, symbols: tuple[str, ...] | None = None
) -> tuple[list[Any], MarketActivity]:
    sim = Simulator(SimConfig(book_levels=40), clock=FrozenClock())
    activity = MarketActivity(sim.engine, seed=seed, symbols=symbols)
    activity.step(steps)
    return market_state(sim), activity


def test_the_same_seed_gives_the_same_market() -> None:
    first, activity = run_steps(7, 400)
    second, _ = run_steps(7, 400)
    other, _ = run_steps(8, 400)
    assert first == second
    assert first != other
    counts = activity.counts
    assert counts["placed"] > 0 and counts["canceled"] > 0 and counts["market"] > 0
    assert counts["rejected"] <= 400 // 20


def test_a_subset_of_symbols_and_the_user_untouched() -> None:
    sim = Simulator(SimConfig(book_levels=40), clock=FrozenClock())
    before = {symbol: sim.market.tape(symbol).last_id for symbol in sim.market.symbol_names()}
    user = dict(sim.accounts.get(sim.key.account).free)
    activity = MarketActivity(sim.engine, seed=3, symbols=SYMBOLS, max_orders=5)
    activity.step(300)
    for symbol, last_id in before.items():
        traded = sim.market.tape(symbol).last_id > last_id
        assert traded == (symbol in SYMBOLS), symbol
        resting = sim.engine.open_orders(MARKET_MAKER, symbol)
        assert len(resting) <= 5
        assert bool(resting) == (symbol in SYMBOLS)
    assert sim.accounts.get(sim.key.account).free == user
    assert sim.accounts.get(MARKET_MAKER).free["BTC"] > Decimal(10) ** 11


def test_bad_arguments() -> None:
    sim = Simulator(SimConfig(book_levels=10))
    with pytest.raises(ValueError, match="rate"):
        MarketActivity(sim.engine, rate=0)
    with pytest.raises(Exception, match="Invalid symbol"):
        MarketActivity(sim.engine, symbols=["NOPE"])


async def test_activity_is_off_by_default() -> None:
    async with Simulator(SimConfig(book_levels=10)) as sim:
        assert sim.activity is None
        with pytest.raises(KeyError):
            sim.accounts.get(MARKET_MAKER)


async def test_started_activity_moves_the_streams() -> None:
    simulator = Simulator(SimConfig(book_levels=40))
    simulator.streams.settings = StreamSettings(max_messages_per_second=1000, fast_period=0.05)
    names = "btcusdt@trade/btcusdt@depth@100ms"
    async with simulator as sim, aiohttp.ClientSession() as session:
        async with session.ws_connect(f"{sim.stream_url}/stream?streams={names}") as ws:
            activity = sim.start_activity(rate=200.0, seed=5, symbols=["BTCUSDT"])
            assert sim.activity is activity and activity.running
            seen: set[str] = set()
            while len(seen) < 2:
                message = await ws.receive(timeout=10.0)
                seen.add(json.loads(message.data)["stream"])
        sim.stop_activity()
        assert not activity.running
        done = sum(activity.counts.values())
        await asyncio.sleep(0.05)
        assert sum(activity.counts.values()) == done  # stopped means stopped
        assert activity.counts["market"] > 0


async def test_configured_activity_starts_with_the_server() -> None:
    config = SimConfig(book_levels=20, activity_rate=100.0, activity_symbols=("ETHUSDT",))
    async with Simulator(config) as sim:
        activity = sim.activity
        assert activity is not None and activity.symbols == ["ETHUSDT"]
        await eventually(lambda: activity.counts["placed"] >= 3)
    assert not activity.running  # stopping the simulator stops it


def test_activity_in_a_threaded_simulator() -> None:
    sim = Simulator(SimConfig(book_levels=20))
    sim.start_in_thread()
    try:
        activity = sim.start_activity(rate=200.0, symbols=["BNBUSDT"])
        deadline = 100
        while activity.counts["placed"] < 3 and deadline:
            deadline -= 1
            time.sleep(0.05)
        assert activity.counts["placed"] >= 3
        sim.stop_activity()
    finally:
        sim.stop_thread()
