"""The market-data models: what the public endpoints (security NONE) answer.

Conventions are in `binance_async.spot.models`; the symbol filters of ``exchangeInfo`` are in
`binance_async.spot.models.filters`.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Any, ClassVar, TypeVar, overload

import msgspec

from ._base import EMPTY_ARRAY, _Model, _Scalar
from .filters import SymbolFilter, _find_filter, decode_filters

__all__ = [
    "AggTrade",
    "AvgPrice",
    "BlockTrade",
    "BookTicker",
    "Depth",
    "EmptyResponse",
    "ExchangeInfo",
    "ExecutionRules",
    "Kline",
    "PriceRangeRule",
    "RateLimit",
    "ReferencePrice",
    "ReferencePriceCalculation",
    "ServerTime",
    "Sor",
    "SymbolExecutionRules",
    "SymbolInfo",
    "TickerPrice",
    "TickerStats",
    "Trade",
]

# --------------------------------------------------------------------------------------------
# General endpoints
# --------------------------------------------------------------------------------------------


class EmptyResponse(_Scalar, frozen=True):
    """``GET /api/v3/ping`` (the body is ``{}``)."""


class ServerTime(_Scalar, frozen=True):
    """``GET /api/v3/time``."""

    server_time: int


class RateLimit(_Scalar, frozen=True):
    """``rateLimits[]`` entry of ``GET /api/v3/exchangeInfo`` (all keys optional)."""

    rate_limit_type: str = ""
    interval: str = ""
    interval_num: int = 0
    limit: int = 0


class Sor(_Model, frozen=True):
    """``sors[]`` entry of ``GET /api/v3/exchangeInfo`` (Smart Order Routing configuration)."""

    base_asset: str
    symbols: list[str]


_F = TypeVar("_F", bound=msgspec.Struct)
_permission_sets_decoder = msgspec.json.Decoder(list[list[str]])


# --------------------------------------------------------------------------------------------
# exchangeInfo / executionRules
# --------------------------------------------------------------------------------------------


class SymbolInfo(_Scalar, frozen=True):
    """``symbols[]`` entry of ``GET /api/v3/exchangeInfo``.

    ``filters`` and ``permissionSets`` are kept as raw JSON (``raw_filters``,
    ``raw_permission_sets``) and decoded on demand by :meth:`filters` / :meth:`permission_sets`:
    with ~3000 symbols, eagerly decoding them would make up most of the decode time of
    ``exchangeInfo`` (a real ``permissionSets`` lists dozens of ``TRD_GRP_*`` names per symbol).
    Each call decodes afresh, so keep the result if you need it repeatedly.  The other list-valued
    keys are decoded to tuples, which keeps the struct immutable and lets it skip GC tracking.

    Raw fields are zero-copy views that keep the response body alive while the struct lives, and
    compare byte for byte (so equality is sensitive to the JSON's whitespace).
    """

    symbol: str
    status: str
    base_asset: str
    quote_asset: str
    base_asset_precision: int
    quote_asset_precision: int
    raw_filters: msgspec.Raw = msgspec.field(name="filters", default=EMPTY_ARRAY)
    order_types: tuple[str, ...] = ()
    quote_precision: int | None = None  # deprecated by Binance in favour of quoteAssetPrecision
    base_commission_precision: int | None = None
    quote_commission_precision: int | None = None
    iceberg_allowed: bool = False
    oco_allowed: bool = False
    oto_allowed: bool = False
    opo_allowed: bool = False
    quote_order_qty_market_allowed: bool = False
    allow_trailing_stop: bool = False
    cancel_replace_allowed: bool = False
    amend_allowed: bool = False
    peg_instructions_allowed: bool = False
    is_spot_trading_allowed: bool = False
    is_margin_trading_allowed: bool = False
    permissions: tuple[str, ...] = ()
    raw_permission_sets: msgspec.Raw = msgspec.field(name="permissionSets", default=EMPTY_ARRAY)
    default_self_trade_prevention_mode: str | None = None
    allowed_self_trade_prevention_modes: tuple[str, ...] = ()

    def filters(self) -> list[SymbolFilter]:
        """Decode and return this symbol's filters (unknown types as :class:`UnknownFilter`)."""
        return decode_filters(self.raw_filters)

    def permission_sets(self) -> list[list[str]]:
        """Decode and return ``permissionSets`` (empty if Binance omitted it).

        An account may trade the symbol if, for every inner list, it holds at least one of that
        list's permissions: ``[["A", "B"]]`` means A or B, ``[["A"], ["B"]]`` means A and B.
        """
        return _permission_sets_decoder.decode(self.raw_permission_sets)

    @overload
    def filter(self, filter_type: str) -> SymbolFilter | None: ...

    @overload
    def filter(self, filter_type: type[_F]) -> _F | None: ...

    def filter(self, filter_type: str | type[Any]) -> Any:
        """Return the first filter with this ``filterType`` name (or of this class), else None.

        ``symbol.filter("LOT_SIZE")`` and ``symbol.filter(LotSize)`` are equivalent; the second
        form is typed as ``LotSize | None``.
        """
        return _find_filter(self.filters(), filter_type)


class ExchangeInfo(_Model, frozen=True, dict=True):
    """``GET /api/v3/exchangeInfo``.

    Exchange filters are kept as raw JSON (``raw_exchange_filters``) and decoded on demand by
    :meth:`exchange_filters`.  ``dict=True`` only provides room for the lazily built symbol index
    used by :meth:`symbol`; it is not part of equality or encoding.
    """

    timezone: str
    server_time: int
    rate_limits: list[RateLimit] = msgspec.field(default_factory=list)
    raw_exchange_filters: msgspec.Raw = msgspec.field(name="exchangeFilters", default=EMPTY_ARRAY)
    symbols: list[SymbolInfo] = msgspec.field(default_factory=list)
    sors: list[Sor] = msgspec.field(default_factory=list)

    def exchange_filters(self) -> list[SymbolFilter]:
        """Decode and return the exchange-wide filters (unknown types as :class:`UnknownFilter`)."""
        return decode_filters(self.raw_exchange_filters)

    @cached_property
    def _symbol_index(self) -> dict[str, SymbolInfo]:
        # Built on first lookup only, so decoding stays as fast as possible.
        return {info.symbol: info for info in self.symbols}

    def symbol(self, name: str) -> SymbolInfo:
        """Return the :class:`SymbolInfo` named ``name`` (exact, e.g. ``"BTCUSDT"``).

        Raises :class:`KeyError` if the response does not contain that symbol.
        """
        try:
            return self._symbol_index[name]
        except KeyError:
            raise KeyError(
                f"symbol {name!r} not found in exchangeInfo ({len(self.symbols)} symbols)"
            ) from None


class PriceRangeRule(_Scalar, frozen=True):
    """``rules[]`` entry of ``GET /api/v3/executionRules`` (``ruleType`` ``PRICE_RANGE``)."""

    rule_type: str
    bid_limit_mult_up: Decimal | None = None
    bid_limit_mult_down: Decimal | None = None
    ask_limit_mult_up: Decimal | None = None
    ask_limit_mult_down: Decimal | None = None


class SymbolExecutionRules(_Model, frozen=True):
    """``symbolRules[]`` entry of ``GET /api/v3/executionRules``."""

    symbol: str
    rules: list[PriceRangeRule] = msgspec.field(default_factory=list)


class ExecutionRules(_Model, frozen=True):
    """``GET /api/v3/executionRules``."""

    symbol_rules: list[SymbolExecutionRules] = msgspec.field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Order book, trades, klines
# --------------------------------------------------------------------------------------------


def _to_decimal_levels(levels: list[tuple[str, str]]) -> list[tuple[Decimal, Decimal]]:
    return [(Decimal(price), Decimal(qty)) for price, qty in levels]


class Depth(_Model, frozen=True):
    """``GET /api/v3/depth``.

    ``bids`` (best first, descending price) and ``asks`` (best first, ascending price) are lists
    of ``(price, qty)`` tuples holding the exact decimal *strings* Binance sent.  This is the hot
    path of the library (up to 5000 levels per side, polled often): decoding to ``tuple[str, str]``
    is about 3.5x faster than to ``tuple[Decimal, Decimal]``, and it loses nothing since the
    strings are exact.  Convert with :meth:`bid_levels`, :meth:`ask_levels`, :meth:`best_bid`,
    :meth:`best_ask` or ``Decimal(price)`` when arithmetic is needed.
    """

    #: Fields holding numbers as text: checked once decoded (finite, ASCII digits) where the body
    #: gives a reason to look (see `binance_async._decimal_checks`).
    __number_text__: ClassVar[tuple[str, ...]] = ("bids", "asks")

    last_update_id: int
    bids: list[tuple[str, str]]
    asks: list[tuple[str, str]]

    def bid_levels(self) -> list[tuple[Decimal, Decimal]]:
        """All bid levels as ``(price, qty)`` Decimals, best (highest) first."""
        return _to_decimal_levels(self.bids)

    def ask_levels(self) -> list[tuple[Decimal, Decimal]]:
        """All ask levels as ``(price, qty)`` Decimals, best (lowest) first."""
        return _to_decimal_levels(self.asks)

    def best_bid(self) -> tuple[Decimal, Decimal] | None:
        """The best bid as ``(price, qty)`` Decimals, or None if there are no bids."""
        if not self.bids:
            return None
        price, qty = self.bids[0]
        return Decimal(price), Decimal(qty)

    def best_ask(self) -> tuple[Decimal, Decimal] | None:
        """The best ask as ``(price, qty)`` Decimals, or None if there are no asks."""
        if not self.asks:
            return None
        price, qty = self.asks[0]
        return Decimal(price), Decimal(qty)


class _TradeBase(_Scalar, frozen=True):
    """Fields shared by :class:`Trade` and :class:`BlockTrade`."""

    id: int
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    time: int
    is_buyer_maker: bool


class Trade(_TradeBase, frozen=True):
    """``GET /api/v3/trades`` and ``GET /api/v3/historicalTrades`` list entry."""

    is_best_match: bool | None = None


class BlockTrade(_TradeBase, frozen=True):
    """``GET /api/v3/historicalBlockTrades`` list entry."""


class AggTrade(_Scalar, frozen=True):
    """``GET /api/v3/aggTrades`` list entry (Binance's one-letter keys get readable names)."""

    agg_trade_id: int = msgspec.field(name="a")
    price: Decimal = msgspec.field(name="p")
    qty: Decimal = msgspec.field(name="q")
    first_trade_id: int = msgspec.field(name="f")
    last_trade_id: int = msgspec.field(name="l")
    time: int = msgspec.field(name="T")
    is_buyer_maker: bool = msgspec.field(name="m")
    is_best_match: bool | None = msgspec.field(name="M", default=None)


class Kline(_Scalar, frozen=True, array_like=True):
    """``GET /api/v3/klines`` and ``GET /api/v3/uiKlines`` list entry (a JSON array).

    msgspec ignores extra trailing array elements of ``array_like`` structs (unless
    ``forbid_unknown_fields`` is set, which it is not), so should Binance append a 13th element
    it is silently dropped; this is covered by a unit test.
    """

    open_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    close_time: int
    quote_volume: Decimal
    trades: int
    taker_buy_base_volume: Decimal
    taker_buy_quote_volume: Decimal
    unused: str | int | float | None = None  # documented as "Unused field, ignore." (sent as "0")


# --------------------------------------------------------------------------------------------
# Prices and tickers
# --------------------------------------------------------------------------------------------


class AvgPrice(_Scalar, frozen=True):
    """``GET /api/v3/avgPrice``."""

    mins: int
    price: Decimal
    close_time: int | None = None


class TickerStats(_Scalar, frozen=True):
    """``GET /api/v3/ticker/24hr``, ``GET /api/v3/ticker`` and ``GET /api/v3/ticker/tradingDay``.

    One struct for the FULL and MINI shapes of all three: keys only present in FULL responses
    (and, for the bid/ask/last-qty/prev-close keys, only in ``ticker/24hr``) default to None.
    """

    symbol: str
    open_price: Decimal
    high_price: Decimal
    low_price: Decimal
    last_price: Decimal
    volume: Decimal
    quote_volume: Decimal
    open_time: int
    close_time: int
    first_id: int
    last_id: int
    count: int
    price_change: Decimal | None = None
    price_change_percent: Decimal | None = None
    weighted_avg_price: Decimal | None = None
    prev_close_price: Decimal | None = None
    last_qty: Decimal | None = None
    bid_price: Decimal | None = None
    bid_qty: Decimal | None = None
    ask_price: Decimal | None = None
    ask_qty: Decimal | None = None


class TickerPrice(_Scalar, frozen=True):
    """``GET /api/v3/ticker/price`` (object, or list entry)."""

    symbol: str
    price: Decimal


class BookTicker(_Scalar, frozen=True):
    """``GET /api/v3/ticker/bookTicker`` (object, or list entry)."""

    symbol: str
    bid_price: Decimal
    bid_qty: Decimal
    ask_price: Decimal
    ask_qty: Decimal


class ReferencePrice(_Scalar, frozen=True):
    """``GET /api/v3/referencePrice`` (``reference_price`` is None when not set)."""

    symbol: str
    reference_price: Decimal | None
    timestamp: int


class ReferencePriceCalculation(_Scalar, frozen=True):
    """``GET /api/v3/referencePrice/calculation``."""

    symbol: str
    calculation_type: str
    bucket_count: int | None = None
    bucket_width_ms: int | None = None
    external_calculation_id: int | None = None
