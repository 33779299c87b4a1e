"""Our streams and order books against the simulator's WebSocket server, with its market-maker and faults.

The simulator runs on the test's loop, so a test can read the exchange's own book at the instant our
book applies an update: `Reference` listens to every level change the matching engine makes and
rebuilds the exchange's book at any update id.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from binance_async import SpotClient
from binance_async._transport import AiohttpTransport
from binance_async.sim import Simulator
from binance_async.sim.config import LimitSpec, SimConfig
from binance_async.sim.values import Side
from binance_async.sim.ws_streams import StreamSettings
from binance_async.streams import Trade
from binance_async.streams.books import OrderBook
from binance_async.streams.config import StreamConfig
from binance_async.testing import RecordingTransport
from tests.unit.helpers import until

SYMBOL = "BTCUSDT"
Levels = dict[Decimal, Decimal]


class Reference:
    """The simulator's book of one symbol at any update id: its state when created, then every change."""

    def __init__(self, sim: Simulator, symbol: str = SYMBOL) -> None:
        body = sim.market.depth_body(symbol, limit=5000)
        self.symbol = symbol
        self.update_id: int = body["lastUpdateId"]
        self.bids: Levels = {Decimal(p): Decimal(q) for p, q in body["bids"]}
        self.asks: Levels = {Decimal(p): Decimal(q) for p, q in body["asks"]}
        self._changes: deque[tuple[int, Side, Decimal, Decimal]] = deque()
        sim.market.events.listeners.append(self)

    def book_changed(self, symbol: str, side: Side, price: Decimal, total: Decimal, update_id: int) -> None:
        if symbol == self.symbol:
            self._changes.append((update_id, side, price, total))

    def traded(self, *args: Any) -> None:
        pass

    def at(self, update_id: int) -> tuple[Levels, Levels]:
        """The book at `update_id` (ids only move forward)."""
        changes = self._changes
        while changes and changes[0][0] <= update_id:
            _, side, price, total = changes.popleft()
            levels = self.bids if side == "BUY" else self.asks
            if total:
                levels[price] = total
            else:
                levels.pop(price, None)
        self.update_id = max(self.update_id, update_id)
        return self.bids, self.asks


def ours(book: OrderBook) -> tuple[Levels, Levels]:
    bids, asks = book.levels()
    return ({Decimal(p): Decimal(q) for p, q in bids}, {Decimal(p): Decimal(q) for p, q in asks})


def watch(book: OrderBook, reference: Reference) -> list[str]:
    """Compare `book` with the exchange after every update it applies (in the reader, which hands each
    event to the book's `offer`); the mismatches."""
    mismatches: list[str] = []
    offer = book.offer

    def check(event: Any) -> None:
        applied = book._book.applied
        offer(event)
        changed = book._book.applied != applied and not book.stale
        if changed and ours(book) != reference.at(book.last_update_id):
            mismatches.append(f"differs at update id {book.last_update_id}")

    book.offer = check  # type: ignore[method-assign]
    return mismatches


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator(SimConfig(book_levels=100, activity_rate=200.0, activity_symbols=(SYMBOL,)))
    simulator.streams.settings = StreamSettings(ping_interval=0.5, pong_timeout=2.0, fast_period=0.05)
    async with simulator:
        yield simulator


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[SpotClient]:
    config = StreamConfig(silence_timeout=3.0, backoff_base=0.05, backoff_cap=0.2)
    async with SpotClient(sim.api_key, sim.api_secret, base_url=sim.base_url, stream_config=config) as c:
        yield c


async def test_book_equals_the_exchange_at_every_update_id(sim: Simulator, client: SpotClient) -> None:
    async with client.order_book(SYMBOL, depth=1000) as book:
        reference = Reference(sim)
        mismatches = watch(book, reference)
        sim.start_activity(seed=7)
        start = reference.update_id
        await until(lambda: book.last_update_id > start + 300, timeout=20)
        sim.stop_activity()
        final = sim.market.depth_body(SYMBOL, limit=5000)["lastUpdateId"]
        await until(lambda: book.last_update_id == final, timeout=10)
        assert mismatches == []
        assert ours(book) == reference.at(final)
        # no gap unless the connection was lost (a loaded machine may starve the watchdog's pings)
        reconnects = sum(s.reconnects for s in client.stream_stats().values())
        assert book.crossed == 0 and book.gaps <= reconnects


async def test_a_skipped_update_is_a_gap_and_the_book_recovers(sim: Simulator, client: SpotClient) -> None:
    async with client.order_book(SYMBOL, depth=1000) as book:
        reference = Reference(sim)
        mismatches = watch(book, reference)
        sim.start_activity(seed=3)
        start = reference.update_id
        await until(lambda: book.last_update_id > start + 50, timeout=20)
        sim.streams.faults.skip_depth_update(SYMBOL)
        await until(lambda: book.gaps == 1 and book.resyncs == 1 and not book.stale, timeout=20)
        sim.stop_activity()
        final = sim.market.depth_body(SYMBOL, limit=5000)["lastUpdateId"]
        await until(lambda: book.last_update_id == final, timeout=10)
        assert mismatches == []
        assert ours(book) == reference.at(final)


async def test_a_dropped_connection_reconnects_and_the_book_catches_up(
    sim: Simulator, client: SpotClient
) -> None:
    async with client.order_book(SYMBOL, depth=1000) as book:
        reference = Reference(sim)
        mismatches = watch(book, reference)
        sim.start_activity(seed=5)
        start = reference.update_id
        await until(lambda: book.last_update_id > start + 50, timeout=20)
        sim.streams.faults.drop_open_connections()
        await until(lambda: sum(s.reconnects for s in client.stream_stats().values()) >= 1, timeout=10)
        sim.stop_activity()
        final = sim.market.depth_body(SYMBOL, limit=5000)["lastUpdateId"]
        await until(lambda: book.last_update_id == final and not book.stale, timeout=10)
        assert mismatches == []
        assert ours(book) == reference.at(final)


async def test_a_stalled_connection_is_found_by_the_watchdog(sim: Simulator, client: SpotClient) -> None:
    async with client.stream("btcusdt@trade") as events:
        sim.streams.faults.stall(8.0)
        await until(lambda: sum(s.silences for s in client.stream_stats().values()) >= 1, timeout=10)
        sim.start_activity(seed=11)
        event = await asyncio.wait_for(events.__anext__(), 10)  # the new connection delivers
        assert isinstance(event, Trade)


async def test_no_trade_is_lost_or_repeated_across_a_server_shutdown(
    sim: Simulator, client: SpotClient
) -> None:
    received: list[int] = []
    async with client.stream("btcusdt@trade") as events:
        sim.start_activity(seed=13)

        async def consume() -> None:
            async for event in events:
                assert isinstance(event, Trade)
                received.append(event.trade_id)

        consumer = asyncio.ensure_future(consume())
        await until(lambda: len(received) >= 20, timeout=20)
        sim.streams.faults.server_shutdown(close_after=0.5)
        await until(lambda: sum(s.rotations for s in client.stream_stats().values()) == 1, timeout=10)
        count = len(received)
        await until(lambda: len(received) >= count + 20, timeout=20)
        sim.stop_activity()
        consumer.cancel()
    assert received == list(range(received[0], received[0] + len(received)))  # consecutive ids


async def test_trades_match_the_rest_tape(sim: Simulator, client: SpotClient) -> None:
    async with client.stream("btcusdt@trade", "btcusdt@aggTrade") as events:
        sim.start_activity(seed=17)
        seen: list[Trade] = []
        while len(seen) < 10:
            event = await asyncio.wait_for(events.__anext__(), 10)
            if isinstance(event, Trade):
                seen.append(event)
        sim.stop_activity()
    tape = {t.id: t for t in await client.trades(SYMBOL, limit=1000)}
    for trade in seen:
        assert (tape[trade.trade_id].price, tape[trade.trade_id].qty) == (trade.price, trade.qty)


async def test_starting_200_books_is_paced_by_the_rate_limiter() -> None:
    limits = (
        LimitSpec("REQUEST_WEIGHT", "SECOND", 1, 300),  # 60 snapshots of weight 5 a second
        LimitSpec("RAW_REQUESTS", "MINUTE", 5, 1_000_000),
        LimitSpec("ORDERS", "SECOND", 10, 100),
    )
    async with Simulator(SimConfig(book_levels=20, extra_symbols=200, limits=limits)) as sim:
        transport = RecordingTransport(AiohttpTransport())
        async with SpotClient(base_url=sim.base_url, transport=transport) as client:
            info = await client.exchange_info()  # the limiter learns the simulator's windows
            symbols = [s.symbol for s in info.symbols][-200:]
            async with client.order_books(symbols, depth=100, wait=True) as books:
                assert books.stale == [] and len(books) == 200
            statuses = [exchange.response.status for exchange in transport.exchanges if exchange.response]
    assert statuses.count(200) == 201 and 429 not in statuses and 418 not in statuses
