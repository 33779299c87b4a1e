"""The simulated exchange's market state: symbols and filters, order books, trades and their statistics.

Everything is deterministic from ``config.seed`` and the market's genesis time (``config.start_ms``, else
the clock at construction). Per-symbol state is built lazily and each symbol draws from its own seeded
generators, so the order in which symbols are first touched never changes what they hold, and a market
of thousands of generated symbols costs little until it is asked about them.

Prices and quantities are `Decimal` everywhere; bodies format them as Binance does (8 decimals,
`values.fmt8`). The matching engine uses `Market.book` (add / remove resting quantity, best levels;
the books are in `book`) and `Market.record_trade` (the tapes are in `tape`); the market data endpoints
read the same state.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import msgspec

from .book import BookSide, LevelSource, OrderBook
from .clock import SimClock
from .config import SimConfig, SymbolSpec
from .errors import SimError
from .stream_events import MarketEvents, ObservedBook
from .tape import TradeTape, WindowStats, seed_block_trades, seed_trades, window_indices
from .values import fmt8

__all__ = ["INTERVALS", "STP_MODES", "SYMBOL_STATUSES", "Market"]

JsonObject = dict[str, Any]

ZERO = Decimal(0)
DAY_MS = 86_400_000
_EPOCH_MONDAY_MS = 4 * DAY_MS  # 1970-01-05, the first Monday: Binance's weeks start on Mondays
CONFIGURED_TRADES = 2400
GENERATED_TRADES = 120

ORDER_TYPES = (
    "LIMIT",
    "LIMIT_MAKER",
    "MARKET",
    "STOP_LOSS",
    "STOP_LOSS_LIMIT",
    "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
)
STP_MODES = ("NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT", "TRANSFER")
SYMBOL_STATUSES = ("TRADING", "HALT", "BREAK")


# Fresh instances: re-raising one shared exception object would grow its traceback on every request.
def invalid_symbol() -> SimError:
    return SimError(-1121, "Invalid symbol.")


def no_reference_price() -> SimError:
    return SimError(-2043, "This symbol doesn't have a reference price.")


# -- intervals -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A kline interval: fixed-width buckets (`width_ms`, aligned to `anchor_ms`) or calendar months."""

    name: str
    width_ms: int  # 0 for months
    anchor_ms: int = 0

    def start(self, time_ms: int, offset_ms: int = 0) -> int:
        """Open time of the bucket holding `time_ms`, in a time zone `offset_ms` ahead of UTC."""
        if self.width_ms:
            shifted = time_ms + offset_ms - self.anchor_ms
            return shifted // self.width_ms * self.width_ms + self.anchor_ms - offset_ms
        local = datetime.fromtimestamp((time_ms + offset_ms) // 1000, timezone.utc)
        return _month_start_ms(local.year, local.month) - offset_ms

    def next(self, start_ms: int, offset_ms: int = 0) -> int:
        """Open time of the bucket after the one opening at `start_ms`."""
        if self.width_ms:
            return start_ms + self.width_ms
        local = datetime.fromtimestamp((start_ms + offset_ms) // 1000, timezone.utc)
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        return _month_start_ms(year, month) - offset_ms


def _month_start_ms(year: int, month: int) -> int:
    return int(datetime(year, month, 1, tzinfo=timezone.utc).timestamp()) * 1000


def _intervals() -> dict[str, Interval]:
    second, minute, hour = 1000, 60_000, 3_600_000
    widths = {"1s": second, "1m": minute, "3m": 3 * minute, "5m": 5 * minute, "15m": 15 * minute}
    widths |= {"30m": 30 * minute, "1h": hour, "2h": 2 * hour, "4h": 4 * hour, "6h": 6 * hour}
    widths |= {"8h": 8 * hour, "12h": 12 * hour, "1d": DAY_MS, "3d": 3 * DAY_MS}
    table = {name: Interval(name, width) for name, width in widths.items()}
    table["1w"] = Interval("1w", 7 * DAY_MS, _EPOCH_MONDAY_MS)
    table["1M"] = Interval("1M", 0)
    return table


#: Kline intervals by name, case-sensitive, as Binance lists them.
INTERVALS: dict[str, Interval] = _intervals()


# -- symbols and filters --------------------------------------------------------------------------------


def generated_symbols(seed: int, count: int) -> list[SymbolSpec]:
    """`count` synthetic USDT markets ``SYM0001USDT``... with prices from 0.001 to 10 000."""
    rng = random.Random(f"{seed}/extra-symbols")
    specs = []
    for number in range(1, count + 1):
        tick_exp = rng.randint(-8, -2)
        tick = Decimal(1).scaleb(tick_exp)
        mid = Decimal(rng.randint(100_000, 999_999)).scaleb(tick_exp)
        step_exp = min(0, max(-8, -(tick_exp + 5) - 2))
        step = Decimal(1).scaleb(step_exp)
        max_qty = Decimal(10) ** max(step_exp + 1, math.ceil(math.log10(9_000_000 / float(mid))))
        base = f"SYM{number:04d}"
        status = "BREAK" if number % 50 == 0 else "TRADING"
        specs.append(
            SymbolSpec(base + "USDT", base, "USDT", mid, tick, step, step, max_qty=max_qty, status=status)
        )
    return specs


def symbol_filters(spec: SymbolSpec) -> list[JsonObject]:
    """The symbol's filters, in Binance's order and formats (decimal strings, integer counts)."""
    max_price = max(spec.mid_price * 1000, Decimal(1000)).quantize(spec.tick_size)
    return [
        {
            "filterType": "PRICE_FILTER",
            "minPrice": fmt8(spec.tick_size),
            "maxPrice": fmt8(max_price),
            "tickSize": fmt8(spec.tick_size),
        },
        {
            "filterType": "LOT_SIZE",
            "minQty": fmt8(spec.min_qty),
            "maxQty": fmt8(spec.max_qty),
            "stepSize": fmt8(spec.step_size),
        },
        {"filterType": "ICEBERG_PARTS", "limit": 100},
        {
            "filterType": "MARKET_LOT_SIZE",
            "minQty": fmt8(ZERO),
            "maxQty": fmt8(spec.max_qty),
            "stepSize": fmt8(ZERO),
        },
        {
            "filterType": "TRAILING_DELTA",
            "minTrailingAboveDelta": 10,
            "maxTrailingAboveDelta": 2000,
            "minTrailingBelowDelta": 10,
            "maxTrailingBelowDelta": 2000,
        },
        {
            "filterType": "PERCENT_PRICE_BY_SIDE",
            "bidMultiplierUp": "5",
            "bidMultiplierDown": "0.2",
            "askMultiplierUp": "5",
            "askMultiplierDown": "0.2",
            "avgPriceMins": 5,
        },
        {
            "filterType": "NOTIONAL",
            "minNotional": fmt8(spec.min_notional),
            "applyMinToMarket": True,
            "maxNotional": fmt8(spec.max_notional),
            "applyMaxToMarket": False,
            "avgPriceMins": 5,
        },
        {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
        {"filterType": "MAX_NUM_ORDER_LISTS", "maxNumOrderLists": 20},
        {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
        {"filterType": "MAX_NUM_ORDER_AMENDS", "maxNumOrderAmends": 10},
    ]


def symbol_entry(spec: SymbolSpec, status: str, permission_sets: list[list[str]]) -> JsonObject:
    """One element of exchangeInfo's ``symbols``, with every field of the official example."""
    return {
        "symbol": spec.symbol,
        "status": status,
        "baseAsset": spec.base_asset,
        "baseAssetPrecision": spec.base_precision,
        "quoteAsset": spec.quote_asset,
        "quotePrecision": spec.quote_precision,
        "quoteAssetPrecision": spec.quote_precision,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": list(ORDER_TYPES),
        "icebergAllowed": True,
        "ocoAllowed": True,
        "otoAllowed": True,
        "opoAllowed": True,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": True,
        "cancelReplaceAllowed": True,
        "amendAllowed": True,
        "pegInstructionsAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": any("MARGIN" in group for group in permission_sets),
        "filters": symbol_filters(spec),
        "permissions": [],
        "permissionSets": permission_sets,
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": list(STP_MODES),
    }


# -- the market -----------------------------------------------------------------------------------------


class Market:
    """Symbols, books and trades of one simulated exchange."""

    def __init__(self, config: SimConfig, clock: SimClock) -> None:
        self.config = config
        self.clock = clock
        #: The "now" the seeded history ends at.
        self.genesis_ms = config.start_ms if config.start_ms is not None else clock.now_ms()
        specs = [*config.symbols, *generated_symbols(config.seed, config.extra_symbols)]
        self._specs: dict[str, SymbolSpec] = {spec.symbol: spec for spec in specs}
        self._names = list(self._specs)
        self._index = {name: i for i, name in enumerate(self._names)}
        self._configured = frozenset(spec.symbol for spec in config.symbols)
        self._status = {name: spec.status for name, spec in self._specs.items()}
        # The last configured symbol never had a reference price (answers -2043), if there are several.
        self._never_referenced = config.symbols[-1].symbol if len(config.symbols) > 1 else None
        self._books: dict[str, OrderBook] = {}
        #: Observers of book changes and trades (the WebSocket market streams).
        self.events = MarketEvents()
        self._tapes: dict[str, TradeTape] = {}
        self._blocks: dict[str, list[JsonObject]] = {}
        self._entries: dict[str, JsonObject] = {}
        self._all_entries: list[JsonObject] | None = None
        self._info_tail: bytes | None = None
        self._rate_limits = [
            {
                "rateLimitType": limit.rate_limit_type,
                "interval": limit.interval,
                "intervalNum": limit.interval_num,
                "limit": limit.limit,
            }
            for limit in config.limits
        ]

    def _rng(self, symbol: str, purpose: str) -> random.Random:
        return random.Random(f"{self.config.seed}/{symbol}/{purpose}")

    # -- symbols ----------------------------------------------------------------------------------------

    def symbol_names(self) -> list[str]:
        """Every symbol, configured ones first."""
        return list(self._names)

    def has_symbol(self, symbol: str) -> bool:
        return symbol in self._specs

    def require(self, symbol: str) -> SymbolSpec:
        """The symbol's spec, or -1121 "Invalid symbol."."""
        spec = self._specs.get(symbol)
        if spec is None:
            raise invalid_symbol()
        return spec

    def status(self, symbol: str) -> str:
        self.require(symbol)
        return self._status[symbol]

    def set_status(self, symbol: str, status: str) -> None:
        """Change a symbol's trading status (TRADING, HALT, BREAK...); exchangeInfo follows."""
        self.require(symbol)
        if self._status[symbol] != status:
            self._status[symbol] = status
            self._entries.pop(symbol, None)
            self._all_entries = None
            self._info_tail = None

    def filters(self, symbol: str) -> list[JsonObject]:
        """The symbol's exchangeInfo filters (what order validation checks)."""
        return list(self._entry(symbol)["filters"])

    def permission_sets(self, symbol: str) -> list[list[str]]:
        """Binance's form: [[SPOT (MARGIN for configured symbols), then trade groups TRD_GRP_*]]."""
        return [list(group) for group in self._entry(symbol)["permissionSets"]]

    def _permission_set(self, symbol: str) -> list[str]:
        first = ["SPOT", "MARGIN"] if symbol in self._configured else ["SPOT"]
        groups = 40 + self._index[symbol] % 17  # real symbols carry dozens of TRD_GRP_* groups
        return first + [f"TRD_GRP_{number:03d}" for number in range(2, 2 + groups)]

    # -- exchangeInfo ------------------------------------------------------------------------------------

    def _entry(self, symbol: str) -> JsonObject:
        entry = self._entries.get(symbol)
        if entry is None:
            spec = self.require(symbol)
            permission_sets = [self._permission_set(symbol)]
            entry = self._entries[symbol] = symbol_entry(spec, self._status[symbol], permission_sets)
        return entry

    def _every_entry(self) -> list[JsonObject]:
        if self._all_entries is None:
            self._all_entries = [self._entry(name) for name in self._names]
        return self._all_entries

    def exchange_info_body(
        self,
        symbols: list[str] | None = None,
        permissions: Iterable[str] | None = None,
        symbol_status: str | None = None,
        show_permission_sets: bool = True,
    ) -> JsonObject:
        """The exchangeInfo body: the given symbols (-1121 if one is unknown), else every symbol having
        one of `permissions` (default SPOT, MARGIN, LEVERAGED) and `symbol_status`. The symbol objects
        are cached and shared between calls: do not mutate them."""
        if symbols is not None:
            entries = [self._entry(name) for name in symbols]
        elif permissions is None and symbol_status is None:
            entries = self._every_entry()
        else:
            wanted = set(permissions if permissions is not None else ("SPOT", "MARGIN", "LEVERAGED"))
            entries = [
                self._entry(name)
                for name in self._names
                if (symbol_status is None or self._status[name] == symbol_status)
                and any(wanted.intersection(group) for group in self._entry(name)["permissionSets"])
            ]
        if not show_permission_sets:
            entries = [{**entry, "permissionSets": []} for entry in entries]
        return {
            "timezone": "UTC",
            "serverTime": self.clock.now_ms(),
            "rateLimits": self._rate_limits,
            "exchangeFilters": self.config.exchange_filters,
            "symbols": entries,
        }

    def exchange_info_json(self) -> bytes:
        """The unfiltered exchangeInfo body as JSON: encoded once, a fresh serverTime spliced in."""
        if self._info_tail is None:
            tail = {
                "rateLimits": self._rate_limits,
                "exchangeFilters": self.config.exchange_filters,
                "symbols": self._every_entry(),
            }
            self._info_tail = msgspec.json.encode(tail)[1:]
        head = b'{"timezone":"UTC","serverTime":%d,' % self.clock.now_ms()
        return head + self._info_tail

    # -- books ------------------------------------------------------------------------------------------

    def book(self, symbol: str) -> OrderBook:
        """The symbol's order book (-1121 if unknown), seeded with `config.book_levels` levels a side."""
        book = self._books.get(symbol)
        if book is None:
            book = self._books[symbol] = self._seed_book(self.require(symbol))
        return book

    def _seed_book(self, spec: SymbolSpec) -> OrderBook:
        mid_ticks = round(spec.mid_price / spec.tick_size)
        levels = self.config.book_levels
        bids = LevelSource(self._rng(spec.symbol, "bids"), mid_ticks - 1, -1, spec, levels)
        asks = LevelSource(self._rng(spec.symbol, "asks"), mid_ticks + 1, 1, spec, levels)
        first_id = self._rng(spec.symbol, "book").randint(1_000_000, 900_000_000)
        return ObservedBook(spec.symbol, BookSide(True, bids), BookSide(False, asks), first_id, self.events)

    def depth_body(self, symbol: str, limit: int = 100) -> JsonObject:
        return self.book(symbol).depth_body(min(limit, 5000))

    # -- trades -----------------------------------------------------------------------------------------

    def tape(self, symbol: str) -> TradeTape:
        """The symbol's trades (-1121 if unknown), seeded with a day of history on first use."""
        tape = self._tapes.get(symbol)
        if tape is None:
            spec = self.require(symbol)
            rng = self._rng(symbol, "trades")
            tape = TradeTape(rng.randint(1, 50_000_000), rng.randint(1, 20_000_000))
            count = CONFIGURED_TRADES if symbol in self._configured else GENERATED_TRADES
            seed_trades(tape, spec, rng, self.genesis_ms, count)
            self._tapes[symbol] = tape
        return tape

    def record_trade(
        self, symbol: str, price: Decimal, qty: Decimal, is_buyer_maker: bool, time_ms: int | None = None
    ) -> int:
        """Record a fill (the matching engine calls this); returns the new trade id."""
        when = self.clock.now_ms() if time_ms is None else time_ms
        tape = self.tape(symbol)
        trade_id = tape.record(price, qty, is_buyer_maker, when)
        if self.events.listeners:
            self.events.traded(symbol, trade_id, price, qty, is_buyer_maker, tape.times[-1])
        return trade_id

    def last_price(self, symbol: str) -> Decimal:
        tape = self.tape(symbol)
        return tape.prices[-1] if len(tape) else self.require(symbol).mid_price

    def trades_body(self, symbol: str, limit: int = 500, from_id: int | None = None) -> list[JsonObject]:
        """Recent trades (or those from trade id `from_id` on), oldest first."""
        tape = self.tape(symbol)
        if from_id is None:
            indices = window_indices(0, len(tape), limit, from_start=False)
        else:
            indices = window_indices(max(from_id - tape.first_id, 0), len(tape), limit, from_start=True)
        return [tape.trade_body(i) for i in indices]

    def agg_trades_body(
        self,
        symbol: str,
        from_id: int | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 500,
    ) -> list[JsonObject]:
        """Aggregate trades: from aggregate id `from_id` and/or within [start_ms, end_ms] (both inclusive);
        the oldest matching ones when a lower bound is given, else the most recent."""
        tape = self.tape(symbol)
        time_of = tape.times.__getitem__
        first, stop = 0, len(tape.agg_starts)
        if from_id is not None:
            first = max(first, from_id - tape.first_agg_id)
        if start_ms is not None:
            first = max(first, bisect.bisect_left(tape.agg_starts, start_ms, key=time_of))
        if end_ms is not None:
            stop = bisect.bisect_right(tape.agg_starts, end_ms, key=time_of)
        from_start = from_id is not None or start_ms is not None
        return [tape.agg_body(k) for k in window_indices(first, stop, limit, from_start)]

    def block_trades_body(self, symbol: str, from_id: int, limit: int = 500) -> list[JsonObject]:
        """Block trades with id >= `from_id`, oldest first."""
        blocks = self._blocks.get(symbol)
        if blocks is None:
            spec = self.require(symbol)
            blocks = self._blocks[symbol] = seed_block_trades(
                spec, self._rng(symbol, "blocks"), self.genesis_ms
            )
        return [block for block in blocks if block["id"] >= from_id][:limit]

    # -- klines -----------------------------------------------------------------------------------------

    def klines_body(
        self,
        symbol: str,
        interval: Interval,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 500,
        offset_ms: int = 0,
    ) -> list[list[Any]]:
        """Klines from the first trade's bucket to the current one (empty buckets carry the last price):
        those opening at or after `start_ms` (oldest first) and at or before `end_ms`, at most `limit`."""
        tape = self.tape(symbol)
        if not len(tape):
            return []
        earliest = interval.start(tape.times[0], offset_ms)
        latest = interval.start(self.clock.now_ms(), offset_ms)
        if end_ms is not None:
            latest = min(latest, interval.start(end_ms, offset_ms))
        opens: list[int] = []
        if start_ms is not None:
            open_ms = max(earliest, interval.start(start_ms, offset_ms))
            if open_ms < start_ms:
                open_ms = interval.next(open_ms, offset_ms)
            while open_ms <= latest and len(opens) < limit:
                opens.append(open_ms)
                open_ms = interval.next(open_ms, offset_ms)
        else:
            open_ms = latest
            while open_ms >= earliest and len(opens) < limit:
                opens.append(open_ms)
                open_ms = interval.start(open_ms - 1, offset_ms)
            opens.reverse()
        return [tape.kline_row(o, interval.next(o, offset_ms) - 1) for o in opens]

    # -- prices and tickers -----------------------------------------------------------------------------

    def avg_price(self, symbol: str, mins: int = 5) -> tuple[Decimal, int]:
        """Volume-weighted price of the last `mins` minutes (the last price if none traded) and the last
        trade's time."""
        tape = self.tape(symbol)
        now = self.clock.now_ms()
        i, j = tape.span(now - mins * 60_000, now)
        volume, quote = tape.volume(i, j)
        price = quote / volume if volume else self.last_price(symbol)
        return price, tape.times[-1] if len(tape) else now

    def avg_price_body(self, symbol: str) -> JsonObject:
        price, close_time = self.avg_price(symbol)
        return {"mins": 5, "price": fmt8(price), "closeTime": close_time}

    def stats(self, symbol: str, start_ms: int, end_ms: int) -> WindowStats:
        return self.tape(symbol).stats(start_ms, end_ms)

    def ticker_24hr_body(self, symbol: str, full: bool = True) -> JsonObject:
        """The rolling 24 h ticker; FULL adds the change, previous close, last quantity and book."""
        now = self.clock.now_ms()
        stats = self.stats(symbol, now - DAY_MS, now)
        return _ticker(symbol, stats, full, self._day_extras(symbol, stats) if full else None)

    def rolling_ticker_body(self, symbol: str, window_ms: int, full: bool = True) -> JsonObject:
        """The rolling window ticker: opens on the minute at or before ``now - window_ms``."""
        now = self.clock.now_ms()
        open_ms = (now - window_ms) // 60_000 * 60_000
        return _ticker(symbol, self.stats(symbol, open_ms, now), full)

    def trading_day_body(self, symbol: str, offset_ms: int = 0, full: bool = True) -> JsonObject:
        """The current trading day (midnight to midnight in the time zone `offset_ms` ahead of UTC)."""
        open_ms = INTERVALS["1d"].start(self.clock.now_ms(), offset_ms)
        return _ticker(symbol, self.stats(symbol, open_ms, open_ms + DAY_MS - 1), full)

    def _day_extras(self, symbol: str, stats: WindowStats) -> JsonObject:
        tape = self.tape(symbol)
        i = bisect.bisect_left(tape.times, stats.open_time)
        prev_close = tape.prices[i - 1] if i else ZERO
        last_qty = tape.qtys[-1] if len(tape) else ZERO
        return {
            "prevClosePrice": fmt8(prev_close),
            "lastPrice": fmt8(stats.last),
            "lastQty": fmt8(last_qty),
            **self._book_fields(symbol),
        }

    def _book_fields(self, symbol: str) -> JsonObject:
        book = self.book(symbol)
        bid = book.best_bid() or (ZERO, ZERO)
        ask = book.best_ask() or (ZERO, ZERO)
        return {
            "bidPrice": fmt8(bid[0]),
            "bidQty": fmt8(bid[1]),
            "askPrice": fmt8(ask[0]),
            "askQty": fmt8(ask[1]),
        }

    def price_ticker_body(self, symbol: str) -> JsonObject:
        return {"symbol": symbol, "price": fmt8(self.last_price(symbol))}

    def book_ticker_body(self, symbol: str) -> JsonObject:
        return {"symbol": symbol, **self._book_fields(symbol)}

    # -- reference prices and execution rules ---------------------------------------------------------

    def _reference_slot(self, symbol: str) -> int:
        """0: price set, averaged; 1: price set, external; 2: no price now (null), averaged."""
        return self._index[symbol] % 3

    def reference_price(self, symbol: str) -> Decimal | None:
        """The symbol's reference price; None when it has none right now; -2043 if it never had one."""
        spec = self.require(symbol)
        if symbol == self._never_referenced:
            raise no_reference_price()
        if self._reference_slot(symbol) == 2:
            return None
        return spec.mid_price.quantize(spec.tick_size)

    def reference_price_body(self, symbol: str) -> JsonObject:
        price = self.reference_price(symbol)
        return {
            "symbol": symbol,
            "referencePrice": None if price is None else format(price, "f"),
            "timestamp": self.clock.now_ms(),
        }

    def reference_calculation_body(self, symbol: str) -> JsonObject:
        self.require(symbol)
        if symbol == self._never_referenced:
            raise no_reference_price()
        index = self._index[symbol]
        if self._reference_slot(symbol) == 1:
            return {"symbol": symbol, "calculationType": "EXTERNAL", "externalCalculationId": 40 + index}
        return {
            "symbol": symbol,
            "calculationType": "ARITHMETIC_MEAN",
            "bucketCount": (10, 20, 40, 80)[index % 4],
            "bucketWidthMs": (1000, 3750)[index % 2],
        }

    def price_range_rule(self, symbol: str) -> JsonObject:
        """The symbol's PRICE_RANGE rule: multipliers of the reference price a fill must stay in."""
        self.require(symbol)
        band = (Decimal("0.05"), Decimal("0.10"), Decimal("0.20"))[self._index[symbol] % 3]
        up, down = format(1 + band, ".4f"), format(1 - band, ".4f")
        return {
            "ruleType": "PRICE_RANGE",
            "bidLimitMultUp": up,
            "bidLimitMultDown": down,
            "askLimitMultUp": up,
            "askLimitMultDown": down,
        }

    def execution_rules_body(self, symbols: list[str]) -> JsonObject:
        return {"symbolRules": [{"symbol": name, "rules": [self.price_range_rule(name)]} for name in symbols]}


def _ticker(symbol: str, stats: WindowStats, full: bool, day_extras: JsonObject | None = None) -> JsonObject:
    """One ticker body. MINI: prices, volumes, window, ids. FULL adds the change (and, for the 24 h ticker,
    `day_extras` — previous close, last price and quantity, best bid and ask — before the prices)."""
    body: JsonObject = {"symbol": symbol}
    if full:
        body["priceChange"] = fmt8(stats.change)
        body["priceChangePercent"] = format(stats.change_percent, ".3f")
        body["weightedAvgPrice"] = fmt8(stats.weighted_average)
        body.update(day_extras or {})
    body["openPrice"] = fmt8(stats.open)
    body["highPrice"] = fmt8(stats.high)
    body["lowPrice"] = fmt8(stats.low)
    body.setdefault("lastPrice", fmt8(stats.last))
    body["volume"] = fmt8(stats.volume)
    body["quoteVolume"] = fmt8(stats.quote_volume)
    body["openTime"] = stats.open_time
    body["closeTime"] = stats.close_time
    body["firstId"] = stats.first_id
    body["lastId"] = stats.last_id
    body["count"] = stats.count
    return body
