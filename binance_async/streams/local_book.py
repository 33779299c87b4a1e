"""A local order book kept by Binance's documented algorithm: plain data and rules, no I/O.

`LocalBook` takes diff-depth events (`on_event`) and REST snapshots (`on_snapshot`) and says what it
needs next (`BookState`). The rules (Binance's "How to manage a local order book correctly"):

1. buffer the stream's events while there is no snapshot;
2. take a snapshot (``GET /api/v3/depth``);
3. drop buffered events with ``u`` <= the snapshot's ``lastUpdateId`` and apply the rest in order;
4. from then on, an event with ``u`` <= the local update id is old and ignored; one with ``U`` > local
   id + 1 means updates were missed (a *gap*): the book is discarded and rebuilt from a new snapshot;
   otherwise every level is set (quantity 0 removes it) and the local id becomes ``u``.

Also: a book whose best bid reaches its best ask (*crossed*) is rebuilt too; after the connection was
lost (`suspect`), the book is stale until the next event shows that nothing was missed (its ``U`` is at
most local id + 1), or `confirm` is told the exchange's book is still at the local id (a quiet market
sends no event); if something was missed, until it is rebuilt.

Levels beyond the snapshot's depth (5000 at most) are not known: the book holds only those the
snapshot gave and those that changed since, so the far levels are missing until they change. The book
keeps at most `max_levels` per side (the farthest are forgotten), so a hostile feed cannot grow it
without bound.

Levels are kept by the exact price text Binance sent (a price written another way, "0.1" for "0.10",
is found by its float: one level), which `bids` / `asks` turn into ``Decimal`` on read; the order is a
lazy heap for the best level, sorted in full only when read.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

from .events import DepthUpdate

__all__ = ["BookSide", "BookState", "LocalBook"]

#: ``"waiting"``: no usable snapshot (buffering, a snapshot is needed); ``"live"``: in step with the
#: stream; ``"suspect"``: in step until the connection was lost, not yet confirmed since.
BookState = Literal["waiting", "live", "suspect"]

Level = tuple[str, str]


#: The ways a zero quantity is written (Binance sends ``"0.00000000"``): a set lookup per level instead
#: of a ``float()``.
_ZEROS = frozenset({"0", *("0." + "0" * n for n in range(0, 21))})


class BookSide:
    """One side's levels: quantity text by price text, and a heap of the prices for the best.

    Keyed by Binance's price text, so that a level that only changes its quantity (most updates) costs
    one dictionary store. A level that appears gets its price as a float (signed: negated for bids, so
    that the best is the smallest), pushed on a heap; one that goes is only forgotten, its heap entry
    dropped when it reaches the top (a lazy heap). So the best level is at hand after every update, and
    the full order is sorted only when it is read. A price written another way (``"0.1"`` for
    ``"0.10"``) is recognised by its float when it appears or goes: it is the same level.
    """

    __slots__ = ("_heap", "_sign", "_text", "levels")

    def __init__(self, descending: bool) -> None:
        self._sign = -1.0 if descending else 1.0
        #: Quantity text by price text.
        self.levels: dict[str, str] = {}
        self._text: dict[float, str] = {}  # signed price -> the price text the level is kept under
        self._heap: list[float] = []  # signed prices, the best first; may hold prices gone since

    def __len__(self) -> int:
        return len(self.levels)

    def clear(self) -> None:
        self.levels.clear()
        self._text.clear()
        self._heap.clear()

    def load(self, levels: Iterable[Level]) -> None:
        """Replace every level (zero quantities skipped)."""
        self.clear()
        self.apply(levels)
        self._heap = sorted(self._text)

    def apply(self, levels: Iterable[Level]) -> None:
        """Set each level; a zero quantity removes it."""
        book = self.levels
        zeros = _ZEROS
        for price, qty in levels:
            if price in book:
                if qty in zeros:
                    del book[price]
                    del self._text[self._sign * float(price)]
                else:
                    book[price] = qty
            elif qty not in zeros:
                key = self._sign * float(price)
                if key in self._text or not float(qty):  # another spelling of a level, or of zero
                    self._appear(price, qty)
                else:
                    book[price] = qty
                    self._text[key] = price
                    heapq.heappush(self._heap, key)
            else:
                self._other_spelling(price)
        if len(self._heap) > 2 * len(book) + 64:  # mostly prices gone: rebuild
            self._heap = sorted(self._text)

    def _appear(self, price: str, qty: str) -> None:
        if not float(qty):  # a zero written another way
            self._other_spelling(price)
            return
        key = self._sign * float(price)
        known = self._text.get(key)
        if known is not None:  # the same level under another spelling
            self.levels[known] = qty
            return
        self.levels[price] = qty
        self._text[key] = price
        heapq.heappush(self._heap, key)

    def _other_spelling(self, price: str) -> None:
        """A zero for a price not kept under this text: remove the level if kept under another."""
        key = self._sign * float(price)
        known = self._text.pop(key, None)
        if known is not None:
            del self.levels[known]

    def best_key(self) -> float | None:
        """The best level's signed price (None if the side is empty)."""
        heap = self._heap
        text = self._text
        while heap and heap[0] not in text:
            heapq.heappop(heap)
        return heap[0] if heap else None

    def best_price(self) -> float | None:
        key = self.best_key()
        return None if key is None else key * self._sign

    @property
    def prices(self) -> list[float]:
        """Every price present as a float, ascending."""
        return sorted(key * self._sign for key in self._text)

    def trim(self, max_levels: int) -> None:
        """Forget the levels farthest from the best beyond `max_levels`."""
        extra = len(self._text) - max_levels
        if extra <= 0:
            return
        order = sorted(self._text)
        for key in order[-extra:]:
            del self.levels[self._text.pop(key)]
        self._heap = order[:-extra]

    def top(self, n: int | None = None) -> list[Level]:
        """The best `n` levels (all if None) as Binance's strings, best first."""
        if n is not None and n <= 0:
            return []
        text = self._text
        chosen = sorted(text) if n is None or n >= len(text) else heapq.nsmallest(n, text)
        levels = self.levels
        return [(text[key], levels[text[key]]) for key in chosen]

    def top_decimal(self, n: int | None = None) -> list[tuple[Decimal, Decimal]]:
        return [(Decimal(p), Decimal(q)) for p, q in self.top(n)]


class LocalBook:
    """The algorithm's state for one symbol (see the module). Counters only grow."""

    def __init__(self, symbol: str, *, buffer_size: int = 2000, max_levels: int = 20_000) -> None:
        self.symbol = symbol
        self.bids = BookSide(descending=True)
        self.asks = BookSide(descending=False)
        self.state: BookState = "waiting"
        #: The update id the book is at (the snapshot's, then each applied event's ``u``); 0 before.
        self.last_update_id = 0
        #: The event time (ms) of the last event applied, 0 before.
        self.last_event_time = 0
        self.max_levels = max_levels
        self._buffer: deque[DepthUpdate] = deque(maxlen=buffer_size)
        #: Events applied, ignored as old, and buffered.
        self.applied = 0
        self.ignored = 0
        #: Updates found missing (``U`` > local id + 1), and books found crossed.
        self.gaps = 0
        self.crossed = 0
        #: Snapshots taken and snapshots refused as too old for the buffered events.
        self.snapshots = 0

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def on_event(self, event: DepthUpdate) -> BookState:
        """Take one diff-depth event; the state after it (``"waiting"``: a snapshot is needed)."""
        state = self.state
        if state == "waiting":
            self._buffer.append(event)
            return state
        local = self.last_update_id
        if event.final_update_id <= local:
            self.ignored += 1
            return state
        if event.first_update_id > local + 1:
            self.gaps += 1
            self._restart()
            self._buffer.append(event)
            return "waiting"
        if not self._apply(event):
            return "waiting"
        self.state = "live"
        return "live"

    def _apply(self, event: DepthUpdate) -> bool:
        """Apply one event; False if it left the book crossed (the book then waits for a snapshot)."""
        bids = self.bids
        asks = self.asks
        bids.apply(event.bids)
        asks.apply(event.asks)
        self.last_update_id = event.final_update_id
        self.last_event_time = event.event_time
        self.applied += 1
        return self._settle()

    def _settle(self) -> bool:
        """After a change: False (and waiting for a snapshot) if the book is crossed; trimmed to
        `max_levels` per side."""
        bids = self.bids
        asks = self.asks
        best_bid = bids.best_key()  # negated
        best_ask = asks.best_key()
        if best_bid is not None and best_ask is not None and -best_bid >= best_ask:
            self.crossed += 1
            self._restart()
            return False
        max_levels = self.max_levels
        if len(bids) > max_levels:
            bids.trim(max_levels)
        if len(asks) > max_levels:
            asks.trim(max_levels)
        return True

    def on_snapshot(self, last_update_id: int, bids: Iterable[Level], asks: Iterable[Level]) -> BookState:
        """Load a snapshot and replay the buffered events after it; ``"waiting"`` if it is too old."""
        self.snapshots += 1
        buffer = self._buffer
        self.bids.load(bids)
        self.asks.load(asks)
        self.last_update_id = last_update_id
        self.state = "live"
        if not self._settle():
            return "waiting"
        while buffer:
            event = buffer.popleft()
            if event.final_update_id <= self.last_update_id:
                continue
            if event.first_update_id > self.last_update_id + 1:
                # the snapshot is older than the first event it must be followed by: take another
                buffer.appendleft(event)
                self.gaps += 1
                self._restart(keep_buffer=True)
                return "waiting"
            if not self._apply(event):
                return "waiting"
        return "live"

    def connection_lost(self) -> None:
        """Events may have been missed: stale until the next one (or `confirm`) proves otherwise."""
        if self.state == "live":
            self.state = "suspect"

    def confirm(self, exchange_update_id: int) -> BookState:
        """A suspect book learns where the exchange's book is (a small snapshot's ``lastUpdateId``):
        at our id nothing was missed (live again); beyond it, updates may have been missed (rebuilt)."""
        if self.state != "suspect":
            return self.state
        if exchange_update_id <= self.last_update_id:
            self.state = "live"
        else:
            self.gaps += 1
            self._restart()
        return self.state

    def _restart(self, *, keep_buffer: bool = False) -> None:
        self.state = "waiting"
        if not keep_buffer:
            self._buffer.clear()
