"""A long run of streams against the simulator: many make-before-break switches (our lifetime, Binance's
``serverShutdown``), then the simulator's 24 h cut several times over, with its market-maker trading all
along. No trade may be lost or repeated across a planned switch, the book must end equal to the exchange's,
and the memory the streams hold must stay flat."""

from __future__ import annotations

import asyncio
import gc
import itertools
import tracemalloc
from decimal import Decimal

from binance_async import SpotClient
from binance_async.sim import Simulator
from binance_async.sim.config import SimConfig
from binance_async.sim.ws_streams import StreamSettings
from binance_async.streams import OrderBook, Trade
from binance_async.streams.config import StreamConfig
from tests.unit.helpers import until

SYMBOL = "BTCUSDT"
DAY_MS = 24 * 3600 * 1000
#: Allocations still held by the streams' own modules may grow this much between the two halves of the run.
MAX_GROWTH = 256 * 1024


def held_by_streams(snapshot: tracemalloc.Snapshot) -> int:
    kept = snapshot.filter_traces([tracemalloc.Filter(True, "*binance_async/streams/*")])
    return sum(stat.size for stat in kept.statistics("filename"))


def levels(book: OrderBook) -> tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]:
    bids, asks = book.levels()
    return ({Decimal(p): Decimal(q) for p, q in bids}, {Decimal(p): Decimal(q) for p, q in asks})


def rest_levels(sim: Simulator) -> tuple[int, dict[Decimal, Decimal], dict[Decimal, Decimal]]:
    body = sim.market.depth_body(SYMBOL, limit=5000)
    return (
        body["lastUpdateId"],
        {Decimal(p): Decimal(q) for p, q in body["bids"]},
        {Decimal(p): Decimal(q) for p, q in body["asks"]},
    )


async def test_switches_lose_nothing_and_memory_stays_flat() -> None:
    sim = Simulator(SimConfig(book_levels=100, activity_rate=300.0, activity_symbols=(SYMBOL,)))
    sim.streams.settings = StreamSettings(ping_interval=0.5, pong_timeout=5.0, fast_period=0.05)
    config = StreamConfig(max_lifetime=0.5, silence_timeout=5.0, backoff_base=0.05, backoff_cap=0.2)
    received: list[int] = []
    async with (
        sim,
        SpotClient(base_url=sim.base_url, stream_config=config) as client,
        client.stream("btcusdt@trade", queue_size=100_000) as events,
        client.order_book(SYMBOL, depth=1000) as book,
    ):

        async def consume() -> None:
            async for event in events:
                if isinstance(event, Trade):
                    received.append(event.trade_id)

        consumer = asyncio.ensure_future(consume())
        sim.start_activity(seed=21)
        tracemalloc.start(5)
        try:

            def rotations() -> int:
                return sum(s.rotations for s in client.stream_stats().values())

            # 1. planned switches only: our lifetime every 0.5 s, and serverShutdown notices
            for round_ in range(8):
                target = rotations() + 2
                if round_ % 2:
                    sim.streams.faults.server_shutdown(close_after=0.2)
                await until(lambda t=target: rotations() >= t, timeout=30)  # type: ignore[misc]
                if round_ == 1:
                    gc.collect()
                    first = held_by_streams(tracemalloc.take_snapshot())
            stats = client.stream_stats()
            assert sum(s.reconnects for s in stats.values()) == 0, stats
            holes = [(a, b) for a, b in itertools.pairwise(received) if b != a + 1]
            assert holes == [], (holes, stats, sim.streams.counters)
            assert (book.gaps, book.resyncs) == (0, 0)  # no depth update lost in a switch either
            gc.collect()
            second = held_by_streams(tracemalloc.take_snapshot())
            assert second - first < MAX_GROWTH, (first, second)
        finally:
            tracemalloc.stop()

        consumer.cancel()
    assert len(received) > 100
    assert sim.streams.counters.faults["server_shutdown"] >= 4


async def test_the_24_hour_cut_reconnects_and_the_book_catches_up() -> None:
    sim = Simulator(SimConfig(book_levels=100, activity_rate=300.0, activity_symbols=(SYMBOL,)))
    sim.streams.settings = StreamSettings(ping_interval=0.5, pong_timeout=5.0, fast_period=0.05)
    config = StreamConfig(silence_timeout=5.0, backoff_base=0.05, backoff_cap=0.2)
    async with (
        sim,
        SpotClient(base_url=sim.base_url, stream_config=config) as client,
        client.order_book(SYMBOL, depth=1000) as book,
    ):
        sim.start_activity(seed=23)
        for day in range(1, 4):  # the simulator's clock: a day passes, Binance cuts the connection
            sim.clock.advance(DAY_MS)
            # the new connection open on the simulator (its day counts from there) before the next day
            await until(lambda d=day: reconnected(client, d) and sim.streams.counters.opened > d, timeout=30)  # type: ignore[misc]
        sim.stop_activity()
        final, bids, asks = rest_levels(sim)
        try:
            await until(lambda: book.last_update_id == final and not book.stale, timeout=60)
        except TimeoutError:
            state = (book.state, book.last_update_id, final, book.gaps, book.resyncs, book.snapshots)
            raise AssertionError(f"book not in step: {state} {client.stream_stats()}") from None
        assert levels(book) == (bids, asks)
    assert sim.streams.counters.close_reasons.get("lifetime", 0) >= 3, sim.streams.counters


def reconnected(client: SpotClient, times: int) -> bool:
    """Whether the connection was reopened `times` times (its new socket open: a day counts from it)."""
    [stats] = client.stream_stats().values()
    return stats.reconnects >= times and stats.connects >= times + 1
