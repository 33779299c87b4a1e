"""The market's trades: the tape of one symbol (trades, aggregate trades, klines, window statistics),
and the seeded history it starts with.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .config import SymbolSpec
from .values import fmt8, plain

__all__ = [
    "HISTORY_SPAN_MS",
    "TradeTape",
    "WindowStats",
    "seed_block_trades",
    "seed_trades",
    "window_indices",
]

JsonObject = dict[str, Any]
ZERO = Decimal(0)
HISTORY_SPAN_MS = 25 * 3_600_000  # a little over a day, so the 24 h ticker has a previous close


@dataclass(frozen=True)
class WindowStats:
    """What a ticker reports about the trades in [open_time, close_time]."""

    open_time: int
    close_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    last: Decimal
    volume: Decimal
    quote_volume: Decimal
    first_id: int
    last_id: int
    count: int

    @property
    def change(self) -> Decimal:
        return self.last - self.open

    @property
    def change_percent(self) -> Decimal:
        return self.change / self.open * 100 if self.open else ZERO

    @property
    def weighted_average(self) -> Decimal:
        return self.quote_volume / self.volume if self.volume else ZERO


class TradeTape:
    """A symbol's trades, oldest first, as columns with running sums, plus their aggregation.

    Trade ids are ``first_id + index``; aggregate ids ``first_agg_id + index``. Consecutive fills at the
    same time, price and side make one aggregate trade (what one taker order sweeping one level makes).
    """

    def __init__(self, first_id: int, first_agg_id: int) -> None:
        self.first_id = first_id
        self.first_agg_id = first_agg_id
        self.times: list[int] = []
        self.prices: list[Decimal] = []
        self.qtys: list[Decimal] = []
        self.buyer_maker: list[bool] = []
        self.cum_qty: list[Decimal] = [ZERO]  # cum_qty[i] = volume of trades [0, i)
        self.cum_quote: list[Decimal] = [ZERO]
        self.cum_taker_qty: list[Decimal] = [ZERO]  # taker buy base volume
        self.cum_taker_quote: list[Decimal] = [ZERO]
        self.agg_starts: list[int] = []  # index of each aggregate's first trade

    def __len__(self) -> int:
        return len(self.times)

    @property
    def last_id(self) -> int:
        return self.first_id + len(self.times) - 1

    def record(self, price: Decimal, qty: Decimal, is_buyer_maker: bool, time_ms: int) -> int:
        """Append one trade (times never go backwards); returns its id."""
        if self.times and time_ms < self.times[-1]:
            time_ms = self.times[-1]
        index = len(self.times)
        joins = (
            index > 0
            and self.times[-1] == time_ms
            and self.prices[-1] == price
            and self.buyer_maker[-1] == is_buyer_maker
        )
        if not joins:
            self.agg_starts.append(index)
        quote = price * qty
        self.times.append(time_ms)
        self.prices.append(price)
        self.qtys.append(qty)
        self.buyer_maker.append(is_buyer_maker)
        self.cum_qty.append(self.cum_qty[-1] + qty)
        self.cum_quote.append(self.cum_quote[-1] + quote)
        taker_buy = not is_buyer_maker
        self.cum_taker_qty.append(self.cum_taker_qty[-1] + (qty if taker_buy else ZERO))
        self.cum_taker_quote.append(self.cum_taker_quote[-1] + (quote if taker_buy else ZERO))
        return self.first_id + index

    def span(self, start_ms: int, end_ms: int) -> tuple[int, int]:
        """Indices [i, j) of the trades with start_ms <= time <= end_ms."""
        return bisect.bisect_left(self.times, start_ms), bisect.bisect_right(self.times, end_ms)

    def volume(self, i: int, j: int) -> tuple[Decimal, Decimal]:
        return self.cum_qty[j] - self.cum_qty[i], self.cum_quote[j] - self.cum_quote[i]

    def stats(self, start_ms: int, end_ms: int) -> WindowStats:
        """Statistics of [start_ms, end_ms]; with no trades there, prices are the last one before."""
        i, j = self.span(start_ms, end_ms)
        if i == j:
            before = self.prices[i - 1] if i else ZERO
            return WindowStats(start_ms, end_ms, before, before, before, before, ZERO, ZERO, -1, -1, 0)
        prices = self.prices[i:j]
        volume, quote = self.volume(i, j)
        return WindowStats(
            start_ms,
            end_ms,
            prices[0],
            max(prices),
            min(prices),
            prices[-1],
            volume,
            quote,
            self.first_id + i,
            self.first_id + j - 1,
            j - i,
        )

    def trade_body(self, index: int) -> JsonObject:
        price, qty = self.prices[index], self.qtys[index]
        return {
            "id": self.first_id + index,
            "price": fmt8(price),
            "qty": fmt8(qty),
            "quoteQty": plain(price * qty),
            "time": self.times[index],
            "isBuyerMaker": self.buyer_maker[index],
            "isBestMatch": True,
        }

    def agg_body(self, k: int) -> JsonObject:
        first = self.agg_starts[k]
        end = self.agg_starts[k + 1] if k + 1 < len(self.agg_starts) else len(self.times)
        return {
            "a": self.first_agg_id + k,
            "p": fmt8(self.prices[first]),
            "q": fmt8(self.cum_qty[end] - self.cum_qty[first]),
            "f": self.first_id + first,
            "l": self.first_id + end - 1,
            "T": self.times[first],
            "m": self.buyer_maker[first],
            "M": True,
        }

    def kline_row(self, open_ms: int, close_ms: int) -> list[Any]:
        i, j = self.span(open_ms, close_ms)
        if i == j:
            close = self.prices[i - 1] if i else ZERO
            o = h = lo = close
        else:
            prices = self.prices[i:j]
            o, h, lo, close = prices[0], max(prices), min(prices), prices[-1]
        volume, quote = self.volume(i, j)
        return [
            open_ms,
            fmt8(o),
            fmt8(h),
            fmt8(lo),
            fmt8(close),
            fmt8(volume),
            close_ms,
            fmt8(quote),
            j - i,
            fmt8(self.cum_taker_qty[j] - self.cum_taker_qty[i]),
            fmt8(self.cum_taker_quote[j] - self.cum_taker_quote[i]),
            "0",
        ]


def window_indices(first: int, stop: int, limit: int, from_start: bool) -> range:
    """At most `limit` indices of [first, stop): the oldest ones if `from_start`, else the newest."""
    first, stop = max(first, 0), max(stop, 0)
    if from_start:
        return range(first, min(stop, first + limit))
    return range(max(first, stop - limit), stop)


def seed_trades(tape: TradeTape, spec: SymbolSpec, rng: random.Random, now_ms: int, count: int) -> None:
    """`count` trades over the `HISTORY_SPAN_MS` before `now_ms`: a random walk that ends at the book's touch.

    About one event in six is a taker filling two or three makers at once (same time, price and side),
    which the aggregate-trades endpoint compresses.
    """
    if count <= 0:
        return
    events: list[tuple[int, int]] = []  # (time, fills)
    total = 0
    while total < count:
        fills = 1 if rng.random() > 0.16 else rng.randint(2, 3)
        fills = min(fills, count - total)
        events.append((now_ms - 1 - int(rng.random() * HISTORY_SPAN_MS), fills))
        total += fills
    events.sort()
    last_time = now_ms - 1 - rng.randint(50, 1500)
    events[-1] = (max(events[-1][0], last_time), events[-1][1])

    tick, step = float(spec.tick_size), float(spec.step_size)
    mid_ticks = round(float(spec.mid_price) / tick)
    sigma = 0.015 / math.sqrt(len(events))
    min_lots = max(1, math.ceil(float(spec.min_qty) / step))
    walk: list[tuple[int, bool, int]] = []  # (price in ticks, buyer is maker, lots), newest first
    level = float(mid_ticks)
    for _ in events:
        buyer_maker = rng.random() < 0.5
        price_ticks = max(1, round(level) + (-1 if buyer_maker else 1))
        notional = float(spec.min_notional) * (1.0 + rng.expovariate(1 / 40))
        lots = max(min_lots, math.ceil(notional / (price_ticks * tick) / step))
        walk.append((price_ticks, buyer_maker, lots))
        level = max(2.0, level * (1.0 + rng.gauss(0.0, sigma)))
    for (time_ms, fills), (price_ticks, buyer_maker, lots) in zip(events, reversed(walk), strict=True):
        price = spec.tick_size * price_ticks
        for _ in range(fills):
            share = max(min_lots, lots // fills + int(rng.random() * min_lots * 4))
            tape.record(price, spec.step_size * share, buyer_maker, time_ms)


def seed_block_trades(spec: SymbolSpec, rng: random.Random, now_ms: int) -> list[JsonObject]:
    """A few large negotiated trades (possibly none), oldest first, in the official body's plain format."""
    blocks = []
    next_id = rng.randint(1, 900)
    times = sorted(now_ms - 1 - int(rng.random() * HISTORY_SPAN_MS) for _ in range(rng.randint(0, 4)))
    for time_ms in times:
        ticks = round(float(spec.mid_price / spec.tick_size) * (1 + rng.uniform(-0.01, 0.01)))
        price = spec.tick_size * max(1, ticks)
        qty = spec.step_size * max(
            1, round(float(spec.min_notional) * rng.uniform(200, 2000) / float(price * spec.step_size))
        )
        blocks.append(
            {
                "id": next_id,
                "price": plain(price),
                "qty": plain(qty),
                "quoteQty": plain(price * qty),
                "time": time_ms,
                "isBuyerMaker": rng.random() < 0.5,
            }
        )
        next_id += rng.randint(1, 5)
    return blocks
