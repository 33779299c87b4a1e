"""Local order books on the client's streams: `OrderBook`, `OrderBooks`, and their paced snapshots.

An `OrderBook` listens to ``<symbol>@depth@100ms`` (or ``@depth``) on the client's shared connections
and keeps a `LocalBook` in the socket reader itself, so a slow consumer of its updates cannot put it
out of step. When it needs a snapshot (at the start, after a gap, a crossed book) it asks the client's
`SnapshotQueue`, which fetches snapshots a few at a time through the client's rate limiter: starting
200 books at 5000 levels (weight 250 each) takes as long as the weight limit says, and draws no 429.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Literal

from ..errors import (
    BinanceError,
    IPBanWaitError,
    ParameterError,
    RateLimitWaitError,
    StreamClosedError,
    SubscriptionError,
)
from ..spot.models.market import Depth
from .config import StreamConfig
from .events import DepthUpdate, StreamEvent
from .hub import StreamHub, StreamStatus
from .local_book import BookState, LocalBook
from .subscriber import Subscriber

__all__ = ["OrderBook", "OrderBooks", "SnapshotQueue"]

logger = logging.getLogger("binance_async.streams")

#: ``GET /api/v3/depth``: a symbol and a limit, the snapshot.
FetchDepth = Callable[[str, int], Awaitable[Depth]]
Speed = Literal["100ms", "1000ms"]
#: Levels of a probe (``GET /api/v3/depth`` weight 5 up to 100 levels): its ``lastUpdateId`` is the point.
PROBE_LEVELS = 5
#: How long a book reconnected stays "suspect" waiting for an update before it probes.
PROBE_AFTER = 1.0


class SnapshotQueue:
    """Fetches snapshots for books, first asked first served, `concurrency` at a time.

    A snapshot held back by the rate limiter past the call's timeout (`RateLimitWaitError`,
    `IPBanWaitError`) is asked again once the limiter says it may go; any other failure is retried
    after a growing delay. `fetched`, `probes` and `failures` count what happened.

    A *probe* is a snapshot of `PROBE_LEVELS` levels (weight 5) asked for its ``lastUpdateId`` only:
    after a reconnect it tells a quiet book that nothing changed while it was away.
    """

    def __init__(self, fetch: FetchDepth, *, concurrency: int = 2) -> None:
        self._fetch = fetch
        self._queue: asyncio.Queue[tuple[OrderBook, bool]] = asyncio.Queue()
        self._workers: list[asyncio.Task[None]] = []
        self._concurrency = concurrency
        self.fetched = 0
        self.probes = 0
        self.failures = 0

    def request(self, book: OrderBook, *, probe: bool = False) -> None:
        """Queue a snapshot (or a probe) for `book` (a book asks again only once that one has arrived)."""
        self._queue.put_nowait((book, probe))
        if len(self._workers) < self._concurrency:
            self._workers.append(asyncio.create_task(self._work(), name="binance-async snapshots"))

    async def _work(self) -> None:
        while True:
            book, probe = await self._queue.get()
            if book.closed:
                continue
            failures = 0
            while not book.closed:
                token = book.fetch_token()  # what the stream was when the request left
                try:
                    depth = await self._fetch(book.symbol, PROBE_LEVELS if probe else book.depth)
                except (RateLimitWaitError, IPBanWaitError) as exc:
                    await asyncio.sleep(max(exc.retry_after or 1.0, 0.05))
                    continue
                except asyncio.CancelledError:
                    raise
                except BinanceError as exc:
                    failures += 1
                    self.failures += 1
                    book.snapshot_failed(exc)
                    await asyncio.sleep(min(30.0, 0.5 * 2 ** min(failures, 6)) * random.uniform(0.5, 1.0))
                    continue
                if probe:
                    self.probes += 1
                    book.probe_arrived(depth.last_update_id, token)
                else:
                    self.fetched += 1
                    book.snapshot_arrived(depth, token)
                break

    async def aclose(self) -> None:
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.cancel()
        for worker in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker


class OrderBook:
    """A local order book that is never silently wrong (``async with client.order_book(symbol)``).

    Read it at any time: `bids` / `asks` (best first, ``(price, qty)`` Decimals), `best_bid` /
    `best_ask`, `last_update_id`. `stale` is True whenever the book may not equal Binance's at
    `last_update_id`: before its first snapshot, while it is rebuilt after a gap or a crossed book, and
    after its connection was lost until an update shows nothing was missed. `resyncs` counts rebuilds;
    `gaps`, `crossed` and `snapshots` what caused them.

    Levels beyond the snapshot's depth are unknown until they change (see `LocalBook`).

    `await book.wait_update()` returns after the next applied update; ``async for update in book``
    yields each applied `DepthUpdate` through a bounded queue (the oldest dropped when full, counted in
    `updates_dropped`): the book itself is kept in the socket reader, never behind that queue.
    """

    def __init__(
        self,
        hub: StreamHub,
        snapshots: SnapshotQueue,
        symbol: str,
        *,
        depth: int = 5000,
        speed: Speed = "100ms",
        config: StreamConfig,
    ) -> None:
        if not isinstance(symbol, str) or not symbol or symbol != symbol.upper():
            raise ParameterError(f"symbol must be upper case (e.g. 'BTCUSDT'), got {symbol!r}")
        if not 1 <= depth <= 5000:
            raise ParameterError(f"depth must be 1 to 5000, got {depth!r}")
        self.symbol = symbol
        self.depth = depth
        self.stream = f"{symbol.lower()}@depth" + ("@100ms" if speed == "100ms" else "")
        self._hub = hub
        self._snapshots = snapshots
        self._book = LocalBook(symbol, buffer_size=config.buffer_size, max_levels=max(4 * depth, 1000))
        self._waiter: asyncio.Future[None] | None = None
        self._ready = asyncio.Event()
        self._updates: Subscriber[DepthUpdate] | None = None
        self._queue_size = config.queue_size
        self._closed: BaseException | None = None
        self._started = False
        self._snapshot_asked = False
        # A snapshot tells where the book is only if the stream was subscribed when it was asked for and
        # stayed so until it came: every connection lost or opened again moves `_epoch` on.
        self._subscribed = True
        self._epoch = 0
        #: Rebuilds from a new snapshot after the first (gaps, crossed books, snapshots too old).
        self.resyncs = 0
        #: Snapshots and probes left unused: asked for while the connection was down, or lost since.
        self.snapshots_discarded = 0
        #: The last error a snapshot failed with, if any.
        self.last_error: BaseException | None = None

    def __repr__(self) -> str:
        return f"<OrderBook {self.symbol} {self.state} u={self.last_update_id}>"

    # -- reading -----------------------------------------------------------------------------------

    @property
    def state(self) -> BookState:
        return self._book.state

    @property
    def stale(self) -> bool:
        return self._book.state != "live"

    @property
    def closed(self) -> bool:
        return self._closed is not None

    @property
    def last_update_id(self) -> int:
        return self._book.last_update_id

    @property
    def last_event_time(self) -> int:
        """The event time (ms) of the last applied update; 0 before the first."""
        return self._book.last_event_time

    @property
    def gaps(self) -> int:
        return self._book.gaps

    @property
    def crossed(self) -> int:
        return self._book.crossed

    @property
    def snapshots(self) -> int:
        return self._book.snapshots

    @property
    def updates_dropped(self) -> int:
        return self._updates.dropped if self._updates is not None else 0

    def bids(self, n: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """The best `n` bids (all if None), highest price first."""
        return self._book.bids.top_decimal(n)

    def asks(self, n: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """The best `n` asks (all if None), lowest price first."""
        return self._book.asks.top_decimal(n)

    def best_bid(self) -> tuple[Decimal, Decimal] | None:
        top = self._book.bids.top_decimal(1)
        return top[0] if top else None

    def best_ask(self) -> tuple[Decimal, Decimal] | None:
        top = self._book.asks.top_decimal(1)
        return top[0] if top else None

    def levels(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """Every level as Binance's exact strings: (bids best first, asks best first)."""
        return self._book.bids.top(), self._book.asks.top()

    # -- waiting -----------------------------------------------------------------------------------

    async def wait_ready(self) -> None:
        """Until the book is in step with the stream for the first time."""
        if self._ready.is_set():
            return
        while not self._ready.is_set():  # every update, snapshot and the close wake it
            self._check_open()
            await asyncio.shield(self._update_future())
        self._check_open()

    def _update_future(self) -> asyncio.Future[None]:
        waiter = self._waiter
        if waiter is None or waiter.done():
            waiter = self._waiter = asyncio.get_running_loop().create_future()
        return waiter

    async def wait_update(self) -> None:
        """Until the next update is applied (or the book is rebuilt); raises once the book is closed."""
        self._check_open()
        await asyncio.shield(self._update_future())
        self._check_open()

    def __aiter__(self) -> OrderBook:
        if self._updates is None:
            self._updates = Subscriber(self._queue_size, "drop_oldest")
        return self

    async def __anext__(self) -> DepthUpdate:
        updates = self._updates
        if updates is None:
            updates = self._updates = Subscriber(self._queue_size, "drop_oldest")
        try:
            return await updates.get()
        except StreamClosedError:
            raise StopAsyncIteration from None

    def _check_open(self) -> None:
        if self._closed is not None:
            raise self._closed

    def _notify(self, update: DepthUpdate | None) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)
        if update is not None and self._updates is not None:
            self._updates.offer(update)

    # -- the reader's side (`Listener`) ------------------------------------------------------------

    def offer(self, event: StreamEvent) -> None:
        if type(event) is not DepthUpdate:
            return None
        book = self._book
        before = book.applied
        if book.on_event(event) == "waiting":
            self._want_snapshot()
        elif book.applied != before and (self._waiter is not None or self._updates is not None):
            self._notify(event)  # someone waits for updates
        return None

    def on_status(self, status: StreamStatus) -> None:
        if status.kind == "disconnected":
            self._subscribed = False
            self._epoch += 1
            self._book.connection_lost()
            self._notify(None)
        elif status.kind == "connected":
            self._subscribed = True
            self._epoch += 1
            if self._book.state == "suspect":
                # a quiet market sends no update to prove the book whole: ask Binance where it is
                asyncio.get_running_loop().call_later(PROBE_AFTER, self._probe)
            elif self._book.state == "waiting":  # a snapshot left unused while away is asked for again
                self._want_snapshot()
        elif status.kind == "refused":
            self._close(SubscriptionError(f"{self.stream}: {status.detail}"))

    def closed_by_client(self) -> None:
        self._close(StreamClosedError("the client was closed"))

    # -- snapshots ---------------------------------------------------------------------------------

    def _want_snapshot(self) -> None:
        if not self._snapshot_asked:
            self._snapshot_asked = True
            self._snapshots.request(self)

    def fetch_token(self) -> int:
        """Taken as a snapshot or probe is asked for; handed back with it (see `_current`)."""
        return self._epoch if self._subscribed else -1

    def _current(self, token: int) -> bool:
        """Whether a snapshot asked for under `token` can tell where the book is: the stream was
        subscribed when it was asked for and has not been lost since. Else it is left unused (updates
        made before the stream was subscribed again would be missing for good in a quiet market) and,
        once subscribed, asked for again."""
        if token == self._epoch and self._subscribed:
            return True
        self.snapshots_discarded += 1
        if self._closed is None and self._subscribed:
            if self._book.state == "suspect":
                self._probe()
            elif self._book.state == "waiting":
                self._want_snapshot()
        return False

    def snapshot_arrived(self, depth: Depth, token: int | None = None) -> None:
        self._snapshot_asked = False
        if self._closed is not None or (token is not None and not self._current(token)):
            return
        if self._book.snapshots:
            self.resyncs += 1
        if self._book.on_snapshot(depth.last_update_id, depth.bids, depth.asks) == "waiting":
            self._want_snapshot()
            return
        self.last_error = None
        self._ready.set()
        self._notify(None)

    def _probe(self) -> None:
        if self._closed is None and self._book.state == "suspect" and not self._snapshot_asked:
            self._snapshot_asked = True
            self._snapshots.request(self, probe=True)

    def probe_arrived(self, last_update_id: int, token: int | None = None) -> None:
        """Binance's book is at `last_update_id`: the same as ours, nothing was missed; further on,
        updates may have been lost while disconnected, so the book is rebuilt."""
        self._snapshot_asked = False
        if self._closed is not None or (token is not None and not self._current(token)):
            return
        if self._book.state != "suspect":
            return  # an update settled it first
        if self._book.confirm(last_update_id) == "waiting":
            self._want_snapshot()
        else:
            self._notify(None)

    def snapshot_failed(self, error: BaseException) -> None:
        self.last_error = error
        logger.warning("%s: snapshot failed (%s); retrying", self.symbol, type(error).__name__)

    # -- life cycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Subscribe the depth stream, then ask for the first snapshot."""
        if self._started:
            return
        self._started = True
        await self._hub.attach(self, [self.stream])
        self._want_snapshot()

    def _close(self, error: BaseException) -> None:
        if self._closed is None:
            self._closed = error
        if self._updates is not None:
            self._updates.close()
        self._notify(None)

    async def aclose(self) -> None:
        """Unsubscribe; reads keep the last state, waits raise `StreamClosedError`. Idempotent."""
        if self._closed is not None and not self._started:
            return
        self._close(StreamClosedError(f"the order book of {self.symbol} is closed"))
        if self._started:
            self._started = False
            with contextlib.suppress(StreamClosedError):
                await self._hub.detach(self, [self.stream])

    async def __aenter__(self) -> OrderBook:
        await self.start()
        try:
            await self.wait_ready()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class OrderBooks:
    """Many order books over shared connections (``async with client.order_books([...]) as books``).

    ``books["BTCUSDT"]`` is an `OrderBook`. Entering subscribes every depth stream (paced) and queues
    every snapshot; it returns at once unless ``wait=True``: `wait_ready` waits for all of them.
    """

    def __init__(self, books: Sequence[OrderBook], *, wait: bool = False) -> None:
        self._books = {book.symbol: book for book in books}
        self._wait = wait

    def __getitem__(self, symbol: str) -> OrderBook:
        return self._books[symbol]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._books.values())

    def __len__(self) -> int:
        return len(self._books)

    @property
    def stale(self) -> list[str]:
        """The symbols whose book is stale now."""
        return [symbol for symbol, book in self._books.items() if book.stale]

    async def wait_ready(self) -> None:
        await asyncio.gather(*(book.wait_ready() for book in self._books.values()))

    async def __aenter__(self) -> OrderBooks:
        try:
            await asyncio.gather(*(book.start() for book in self._books.values()))
            if self._wait:
                await self.wait_ready()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await asyncio.gather(*(book.aclose() for book in self._books.values()), return_exceptions=True)
