"""The order books of the market: seeded house liquidity per side, produced on demand, plus what the
matching engine adds and removes (resting account orders), and the depth body.
"""

from __future__ import annotations

import bisect
import math
import operator
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .config import SymbolSpec
from .values import Side, fmt8

__all__ = ["BOOK_CHUNK", "BookSide", "LevelSource", "OrderBook"]

JsonObject = dict[str, Any]
ZERO = Decimal(0)
BOOK_CHUNK = 16


class LevelSource:
    """Seeded resting liquidity, produced on demand, moving away from the touch one or two ticks a level."""

    def __init__(
        self, rng: random.Random, first_ticks: int, direction: int, spec: SymbolSpec, count: int
    ) -> None:
        self._rng = rng
        self._ticks = first_ticks
        self._direction = direction
        self._tick = spec.tick_size
        self._step = spec.step_size
        self._remaining = count
        mid, step = float(spec.mid_price), float(spec.step_size)
        smallest = max(
            1, math.ceil(float(spec.min_qty) / step), math.ceil(float(spec.min_notional) / mid / step)
        )
        self._lot_min = smallest * 10  # each level holds 10 to 400 minimum orders' worth
        self._lot_span = smallest * 390
        self.frontier: Decimal | None = None  # the farthest price produced so far

    @property
    def exhausted(self) -> bool:
        return self._remaining <= 0 or self._ticks < 1

    def take(self, count: int) -> list[tuple[Decimal, Decimal]]:
        levels = []
        rng = self._rng
        while count > 0 and not self.exhausted:
            price = self._tick * self._ticks
            lots = self._lot_min + int(rng.random() * self._lot_span)
            levels.append((price, self._step * lots))
            self._ticks += self._direction * (2 if rng.random() < 0.2 else 1)
            self._remaining -= 1
            count -= 1
            self.frontier = price
        return levels


class BookSide:
    """One side of a book as price levels (price -> total resting quantity), best price first.

    Seeded levels are produced lazily from a `LevelSource`; every level at or better than the source's
    frontier is always materialised, so what callers see never depends on what was asked before.
    """

    def __init__(self, is_bid: bool, source: LevelSource | None = None) -> None:
        self.is_bid = is_bid
        self._prices: list[Decimal] = []  # best first: descending for bids, ascending for asks
        self._qty: dict[Decimal, Decimal] = {}
        self._rows: dict[Decimal, list[str]] = {}  # formatted [price, qty], per level
        self._source = source
        self._key: Callable[[Decimal], Decimal] | None = operator.neg if is_bid else None

    def __len__(self) -> int:
        self._ensure(math.inf)
        return len(self._prices)

    def _position(self, price: Decimal) -> int:
        if self._key is None:
            return bisect.bisect_left(self._prices, price)
        return bisect.bisect_left(self._prices, -price, key=self._key)

    def _beyond(self, price: Decimal, other: Decimal) -> bool:
        """Whether `price` is farther from the touch than `other`."""
        return price < other if self.is_bid else price > other

    def _produce(self, count: int) -> None:
        assert self._source is not None
        for price, qty in self._source.take(count):
            self._prices.append(price)  # always beyond every materialised level
            self._qty[price] = qty

    def _ensure(self, count: float) -> None:
        source = self._source
        while source is not None and not source.exhausted and len(self._prices) < count:
            self._produce(max(BOOK_CHUNK, int(min(count, 1 << 30)) - len(self._prices)))

    def _ensure_through(self, price: Decimal) -> None:
        source = self._source
        while source is not None and not source.exhausted:
            if source.frontier is not None and not self._beyond(price, source.frontier):
                return
            self._produce(BOOK_CHUNK * 16)

    def best(self) -> tuple[Decimal, Decimal] | None:
        self._ensure(1)
        if not self._prices:
            return None
        price = self._prices[0]
        return price, self._qty[price]

    def top(self, count: int) -> list[tuple[Decimal, Decimal]]:
        """The best `count` levels as (price, quantity)."""
        self._ensure(count)
        return [(price, self._qty[price]) for price in self._prices[:count]]

    def rows(self, count: int) -> list[list[str]]:
        """The best `count` levels formatted for a depth body: ``[["price", "qty"], ...]``."""
        self._ensure(count)
        rows = self._rows
        out = []
        for price in self._prices[:count]:
            row = rows.get(price)
            if row is None:
                row = rows[price] = [fmt8(price), fmt8(self._qty[price])]
            out.append(row)
        return out

    def quantity(self, price: Decimal) -> Decimal:
        self._ensure_through(price)
        return self._qty.get(price, ZERO)

    def change(self, price: Decimal, delta: Decimal) -> Decimal:
        """Add `delta` (negative to take away) at `price`; returns the level's new total."""
        self._ensure_through(price)
        total = self._qty.get(price, ZERO) + delta
        if total < 0:
            raise ValueError(f"level {price} holds less than {-delta}")
        self._rows.pop(price, None)
        if total == 0:
            if price in self._qty:
                del self._qty[price]
                del self._prices[self._position(price)]
            return total
        if price not in self._qty:
            self._prices.insert(self._position(price), price)
        self._qty[price] = total
        return total


class OrderBook:
    """A symbol's aggregated book. Every change bumps `last_update_id`; depth bodies are cached per id."""

    def __init__(self, symbol: str, bids: BookSide, asks: BookSide, last_update_id: int) -> None:
        self.symbol = symbol
        self.bids = bids
        self.asks = asks
        self.last_update_id = last_update_id
        self._depth_cache: dict[int, JsonObject] = {}
        self._cache_id = last_update_id

    def side(self, side: Side) -> BookSide:
        """The resting side a `side` order joins: BUY -> bids, SELL -> asks."""
        return self.bids if side == "BUY" else self.asks

    def add(self, side: Side, price: Decimal, qty: Decimal) -> Decimal:
        """Rest `qty` more at `price` (a new or grown maker order); returns the level's total."""
        if qty <= 0:
            raise ValueError("quantity must be positive")
        return self._change(side, price, qty)

    def remove(self, side: Side, price: Decimal, qty: Decimal) -> Decimal:
        """Take `qty` away at `price` (a fill or a cancel); returns what the level still holds."""
        if qty <= 0:
            raise ValueError("quantity must be positive")
        return self._change(side, price, -qty)

    def _change(self, side: Side, price: Decimal, delta: Decimal) -> Decimal:
        total = self.side(side).change(price, delta)
        self.last_update_id += 1
        return total

    def quantity(self, side: Side, price: Decimal) -> Decimal:
        """What rests at `price` on the `side` (BUY: bids, SELL: asks) side; zero for no level."""
        return self.side(side).quantity(price)

    def best_bid(self) -> tuple[Decimal, Decimal] | None:
        return self.bids.best()

    def best_ask(self) -> tuple[Decimal, Decimal] | None:
        return self.asks.best()

    def depth_body(self, limit: int = 100) -> JsonObject:
        """``{"lastUpdateId", "bids", "asks"}`` with up to `limit` levels a side (callers cap it at 5000)."""
        if self._cache_id != self.last_update_id:
            self._depth_cache.clear()
            self._cache_id = self.last_update_id
        body = self._depth_cache.get(limit)
        if body is None:
            if len(self._depth_cache) >= 16:
                self._depth_cache.clear()
            body = {
                "lastUpdateId": self.last_update_id,
                "bids": self.bids.rows(limit),
                "asks": self.asks.rows(limit),
            }
            self._depth_cache[limit] = body
        return body
