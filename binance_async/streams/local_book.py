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
import itertools
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
#: Levels gone (tombstones) a side may hold beyond twice its live levels before they are swept out.
_SPARE = 256


class BookSide:
    """One side's levels: quantity text by price text, and a heap of the prices for the best.

    Keyed by Binance's price text, and applied with one ``dict.update`` per message: a level whose
    price text is already kept (most levels of an update: a quantity changed, a level removed, a
    level coming back at a price seen before) costs no Python code at all. A zero quantity stays in
    the dict as a *tombstone* (a level gone) until it is swept out: when it reaches the top of the
    heap, or when tombstones outnumber the live levels. Only price texts the side has not kept yet
    (found after the update at the end of the dict, which keeps insertion order) are looked at one
    by one: a zero for a level not kept is dropped at once, a new level gets its price as a float
    (signed: negated for bids, so that the best is the smallest), pushed on a heap. So the best level
    is at hand after every update, and the full order is sorted only when it is read.

    A price written another way (``"0.1"`` for ``"0.10"``) is recognised by its float when that text
    first appears: it is the same level, kept under the text it came with first (that message is then
    applied level by level). A zero quantity is one of `_ZEROS` for a kept level, and any text
    ``float()`` reads as 0 for a level not kept.
    """

    __slots__ = ("_heap", "_levels", "_limit", "_sign", "_text", "max_levels")

    def __init__(self, descending: bool, max_levels: int | None = None) -> None:
        self._sign = -1.0 if descending else 1.0
        #: At most this many levels are kept (the farthest from the best are forgotten).
        self.max_levels = max_levels
        self._levels: dict[str, str] = {}  # price text -> quantity text; a zero quantity: gone
        self._text: dict[float, str] = {}  # signed price -> the price text of every key of _levels
        self._heap: list[float] = []  # signed prices, the best first: each of _text's, maybe some gone
        self._limit = self._limit_for(0)  # sweep (and trim) once _levels holds more than this

    def _limit_for(self, live: int) -> int:
        limit = 2 * live + _SPARE
        return limit if self.max_levels is None else min(limit, self.max_levels)

    @property
    def levels(self) -> dict[str, str]:
        """Quantity text by price text, for every level present (a copy)."""
        zeros = _ZEROS
        return {price: qty for price, qty in self._levels.items() if qty not in zeros}

    def __len__(self) -> int:
        zeros = _ZEROS
        return sum(1 for qty in self._levels.values() if qty not in zeros)

    def clear(self) -> None:
        self._levels.clear()
        self._text.clear()
        self._heap.clear()
        self._limit = self._limit_for(0)

    def load(self, levels: Iterable[Level]) -> None:
        """Replace every level (zero quantities skipped)."""
        self.clear()
        self.apply(levels)
        self._heap = sorted(self._text)

    def apply(self, levels: Iterable[Level]) -> float | None:
        """Set each level, in order; a zero quantity removes it. Returns `best_key` after."""
        return self.update(levels if type(levels) is list else list(levels))

    def update(self, levels: list[Level]) -> float | None:
        """`apply` for a list (a `DepthUpdate`'s): what every update of every book runs."""
        book = self._levels
        before = len(book)
        book.update(levels)
        after = len(book)
        if after != before:  # price texts not kept before (the dict only grows then)
            self._arrived(levels, after - before)
            if after > self._limit:
                self.sweep()
                book = self._levels
        heap = self._heap
        if heap:  # the best level as it was, most often
            key = heap[0]
            price = self._text.get(key)
            if price is not None and book[price] not in _ZEROS:
                return key
            return self.best_key()
        return None

    def _arrived(self, levels: list[Level], count: int) -> None:
        """The update added `count` price texts not kept before: take each, or drop it."""
        book = self._levels
        text = self._text
        sign = self._sign
        new = list(itertools.islice(reversed(book), count))
        keys = [sign * float(price) for price in new]
        if len(set(keys)) != count or not text.keys().isdisjoint(keys):
            # A price under another text (kept, or twice in this message): level by level.
            for price in new:
                del book[price]
            for price, qty in levels:
                self._set(price, qty)
            if len(self._heap) > self._limit:  # levels removed under another text leave heap entries
                self.sweep()
            return
        zeros = _ZEROS
        heap = self._heap
        for price, key in zip(new, keys, strict=True):
            qty = book[price]
            if qty in zeros or not float(qty):  # a zero for a level not kept
                del book[price]
            else:
                text[key] = price
                heapq.heappush(heap, key)

    def _set(self, price: str, qty: str) -> None:
        """One level, on its own (the rare path of `_arrived`)."""
        book = self._levels
        if price in book:
            book[price] = qty
            return
        key = self._sign * float(price)
        known = self._text.get(key)
        gone = qty in _ZEROS or not float(qty)
        if known is None:
            if not gone:
                book[price] = qty
                self._text[key] = price
                heapq.heappush(self._heap, key)
        elif gone:
            del book[known]
            del self._text[key]
        elif book[known] in _ZEROS:  # the level had gone: back under this text
            del book[known]
            book[price] = qty
            self._text[key] = price
        else:
            book[known] = qty

    def sweep(self) -> None:
        """Forget the levels gone, and those beyond `max_levels` farthest from the best."""
        zeros = _ZEROS
        book = self._levels = {price: qty for price, qty in self._levels.items() if qty not in zeros}
        text = self._text = {key: price for key, price in self._text.items() if price in book}
        order = sorted(text)
        if self.max_levels is not None and len(order) > self.max_levels:
            for key in order[self.max_levels :]:
                del book[text.pop(key)]
            del order[self.max_levels :]
        self._heap = order
        self._limit = self._limit_for(len(book))

    def best_key(self) -> float | None:
        """The best level's signed price (None if the side is empty)."""
        heap = self._heap
        text = self._text
        book = self._levels
        while heap:
            key = heap[0]
            price = text.get(key)
            if price is not None:
                if book[price] not in _ZEROS:
                    return key
                del book[price]  # gone: swept out now
                del text[key]
            heapq.heappop(heap)
        return None

    def best_price(self) -> float | None:
        key = self.best_key()
        return None if key is None else key * self._sign

    def _live_keys(self) -> list[float]:
        zeros = _ZEROS
        book = self._levels
        return [key for key, price in self._text.items() if book[price] not in zeros]

    @property
    def prices(self) -> list[float]:
        """Every price present as a float, ascending."""
        sign = self._sign
        return sorted(key * sign for key in self._live_keys())

    def trim(self, max_levels: int) -> None:
        """Keep at most `max_levels` levels from now on, forgetting the farthest from the best."""
        self.max_levels = max_levels
        self.sweep()

    def top(self, n: int | None = None) -> list[Level]:
        """The best `n` levels (all if None) as Binance's strings, best first."""
        if n is not None and n <= 0:
            return []
        text = self._text
        book = self._levels
        if n == 1:
            key = self.best_key()
            return [] if key is None else [(text[key], book[text[key]])]
        live = self._live_keys()
        chosen = sorted(live) if n is None or n >= len(live) else heapq.nsmallest(n, live)
        return [(text[key], book[text[key]]) for key in chosen]

    def top_decimal(self, n: int | None = None) -> list[tuple[Decimal, Decimal]]:
        return [(Decimal(p), Decimal(q)) for p, q in self.top(n)]


class LocalBook:
    """The algorithm's state for one symbol (see the module). Counters only grow."""

    def __init__(self, symbol: str, *, buffer_size: int = 2000, max_levels: int = 20_000) -> None:
        self.symbol = symbol
        self.bids = BookSide(descending=True, max_levels=max_levels)
        self.asks = BookSide(descending=False, max_levels=max_levels)
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
        # `_apply`, inline: this runs for every update of every book.
        best_bid = self.bids.update(event.bids)  # negated
        best_ask = self.asks.update(event.asks)
        self.last_update_id = event.final_update_id
        self.last_event_time = event.event_time
        self.applied += 1
        if best_bid is not None and best_ask is not None and -best_bid >= best_ask:
            self.crossed += 1
            self._restart()
            return "waiting"
        self.state = "live"
        return "live"

    def _apply(self, event: DepthUpdate) -> bool:
        """Apply one event; False if it left the book crossed (the book then waits for a snapshot)."""
        best_bid = self.bids.update(event.bids)  # negated
        best_ask = self.asks.update(event.asks)
        self.last_update_id = event.final_update_id
        self.last_event_time = event.event_time
        self.applied += 1
        if best_bid is not None and best_ask is not None and -best_bid >= best_ask:
            self.crossed += 1
            self._restart()
            return False
        return True

    def _settle(self) -> bool:
        """After a change: False (and waiting for a snapshot) if the book is crossed. (Each side
        keeps itself within `max_levels`.)"""
        best_bid = self.bids.best_key()  # negated
        if best_bid is None:
            return True
        best_ask = self.asks.best_key()
        if best_ask is not None and -best_bid >= best_ask:
            self.crossed += 1
            self._restart()
            return False
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
