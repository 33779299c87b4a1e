"""Typed response models for the public Binance Spot market-data endpoints.

Every model is a frozen :class:`msgspec.Struct` decoded straight from the response bytes with
``msgspec.json.decode(body, type=Model)`` (or ``type=list[Model]`` for list responses).

Conventions
-----------
* **snake_case attributes.** Binance's camelCase keys are mapped automatically
  (``rename="camel"``: ``quoteQty`` -> ``quote_qty``); the single-letter keys of ``aggTrades``
  are given readable names explicitly.
* **Decimal money.** Prices, quantities, notionals and multipliers arrive as JSON strings and are
  decoded to :class:`decimal.Decimal`, so no precision is lost (``"0.00000001"`` stays exactly
  ``Decimal("0.00000001")``).  Ids, counts and millisecond timestamps are ``int``.
* **Fixed-point text.** ``str()`` of a Decimal may use an exponent: Binance's ``"0.00000000"``
  decodes to ``Decimal("0E-8")``, which prints as ``0E-8``. :func:`fixed` writes one Decimal as
  Binance does (``"0.00000000"``), and :func:`json_ready` turns a whole answer (a model, or lists
  and dicts of them) into plain JSON-ready values with every Decimal so written; the models' fields
  stay Decimal.
* **String depth levels.** :class:`Depth` keeps its levels as the exact ``(price, qty)`` strings
  Binance sent (a hot path: see the class docstring); helpers convert them to ``Decimal``.
* **Finite, ASCII numbers.** A Decimal field never holds NaN or an infinity (every model with one
  refuses them, decoded or built by hand), and an answer whose numbers are written in non-ASCII
  digits (``"٣٣"``, which ``Decimal`` reads as 33) or whose depth levels are not finite fails to
  decode (see `binance_async._decimal_checks`).
* **Lazy filters.** ``exchangeInfo`` is large (~3000 symbols, several MB).  Each symbol's filter
  list is kept as undecoded :class:`msgspec.Raw` JSON and only turned into typed filter structs
  when :meth:`SymbolInfo.filters` / :meth:`SymbolInfo.filter` is called (``permissionSets``
  likewise, via :meth:`SymbolInfo.permission_sets`).  Filter types this module does not know yet
  decode to :class:`UnknownFilter` instead of failing.  ``msgspec.Raw`` is a zero-copy view, so
  the response body stays in memory for as long as the decoded model does.
* **Tolerance.** Unknown keys are ignored; keys that Binance omits in some variants (MINI vs FULL
  tickers, newer or deprecated symbol flags, ...) default to ``None`` (or ``False`` / empty).
* **GC.** Models that can only hold scalars, tuples or :class:`msgspec.Raw` use ``gc=False``: they
  can never be part of a reference cycle, and skipping GC tracking keeps large decodes (thousands
  of symbols or trades) from triggering collector passes.  Models holding lists or dicts keep the
  default.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Any, ClassVar, TypeAlias, TypeVar, get_args, overload

import msgspec

from ..._decimal_checks import DECIMALS, check_numbers, install_finite_check

__all__ = [
    "AggTrade",
    "AvgPrice",
    "BlockTrade",
    "BookTicker",
    "Depth",
    "EmptyResponse",
    "ExchangeInfo",
    "ExchangeMaxNumAlgoOrders",
    "ExchangeMaxNumIcebergOrders",
    "ExchangeMaxNumOrderLists",
    "ExchangeMaxNumOrders",
    "ExecutionRules",
    "IcebergParts",
    "Kline",
    "LotSize",
    "MarketLotSize",
    "MaxAsset",
    "MaxNumAlgoOrders",
    "MaxNumIcebergOrders",
    "MaxNumOrderAmends",
    "MaxNumOrderLists",
    "MaxNumOrders",
    "MaxPosition",
    "MinNotional",
    "Notional",
    "PercentPrice",
    "PercentPriceBySide",
    "PriceFilter",
    "PriceRangeRule",
    "RateLimit",
    "ReferencePrice",
    "ReferencePriceCalculation",
    "ServerTime",
    "Sor",
    "SymbolExecutionRules",
    "SymbolFilter",
    "SymbolInfo",
    "TickerPrice",
    "TickerStats",
    "Trade",
    "TrailingDelta",
    "UnknownFilter",
    "decode_filters",
    "fixed",
    "json_ready",
]


def fixed(value: Decimal) -> str:
    """`value` in fixed-point notation, never with an exponent, its digits kept:
    ``fixed(Decimal("0E-8")) == "0.00000000"`` (``str()`` gives ``"0E-8"``), ``fixed(Decimal("1E+2"))
    == "100"``, ``fixed(Decimal("65000.01000000")) == "65000.01000000"``. A number decoded from a
    Binance answer comes back as Binance wrote it. Only for Decimals (a float or an int would be
    written with six decimals by ``format``): anything else is a TypeError.
    """
    if not isinstance(value, Decimal):
        raise TypeError(f"fixed() takes a Decimal, got {type(value).__name__}")
    return format(value, "f")


def _raw_json(value: Any) -> Any:
    if isinstance(value, msgspec.Raw):  # exchangeInfo's filters and permission sets, kept undecoded
        return msgspec.json.decode(value)
    raise NotImplementedError(f"cannot turn {type(value).__name__} into JSON")


def _fixed_decimals(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {key: _fixed_decimals(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_fixed_decimals(item) for item in value]
    return value


def json_ready(value: Any) -> Any:
    """`value` (a model, or lists, tuples and dicts holding models and Decimals) as plain dicts, lists,
    strings, numbers, booleans and None, ready for any JSON encoder: keys as Binance names them
    (``executedQty``), a `Kline` as its array, raw JSON kept by a model (``SymbolInfo``'s filters)
    decoded, and every Decimal as its `fixed` text (``"0.00000000"``, never ``"0E-8"``)::

        json.dumps(binance_async.spot.models.json_ready(order))
    """
    return _fixed_decimals(msgspec.to_builtins(value, builtin_types=(Decimal,), enc_hook=_raw_json))


# msgspec passes struct options (frozen, rename, gc, tag_field, ...) on to subclasses at runtime.
# ``frozen=True`` is nevertheless repeated on every subclass because mypy's dataclass_transform
# support does not inherit it and would otherwise report "Non-frozen dataclass cannot inherit
# from a frozen dataclass".


class _Model(msgspec.Struct, frozen=True, rename="camel"):
    """Base of every model: immutable, camelCase JSON keys, unknown keys ignored.

    A subclass with ``Decimal`` fields gets a ``__post_init__`` refusing NaN and infinities (see
    `install_finite_check`): decoding such an answer fails, and so does building such a model.
    """

    def __init_subclass__(cls, *args: Any, **kwargs: Any) -> None:
        super().__init_subclass__(*args, **kwargs)
        install_finite_check(cls)


class _Scalar(_Model, frozen=True, gc=False):
    """Base of models holding only scalars / tuples / Raw, which therefore skip GC tracking.

    ``gc=False`` is inherited: never add a list, dict or other mutable container field to a
    subclass (derive from :class:`_Model` instead).
    """


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


# --------------------------------------------------------------------------------------------
# Filters (GET /api/v3/exchangeInfo symbols[].filters / exchangeFilters, GET /api/v3/myFilters)
# --------------------------------------------------------------------------------------------


class _Filter(_Scalar, frozen=True, tag_field="filterType"):
    """Base of the typed filters: a tagged union on Binance's ``filterType`` key."""

    @property
    def filter_type(self) -> str:
        """The Binance ``filterType`` name of this filter, e.g. ``"PRICE_FILTER"``."""
        return str(type(self).__struct_config__.tag)


class PriceFilter(_Filter, frozen=True, tag="PRICE_FILTER"):
    """``PRICE_FILTER`` symbol filter (``GET /api/v3/exchangeInfo``)."""

    min_price: Decimal
    max_price: Decimal
    tick_size: Decimal


class PercentPrice(_Filter, frozen=True, tag="PERCENT_PRICE"):
    """``PERCENT_PRICE`` symbol filter (``GET /api/v3/exchangeInfo``)."""

    multiplier_up: Decimal
    multiplier_down: Decimal
    avg_price_mins: int


class PercentPriceBySide(_Filter, frozen=True, tag="PERCENT_PRICE_BY_SIDE"):
    """``PERCENT_PRICE_BY_SIDE`` symbol filter (``GET /api/v3/exchangeInfo``)."""

    bid_multiplier_up: Decimal
    bid_multiplier_down: Decimal
    ask_multiplier_up: Decimal
    ask_multiplier_down: Decimal
    avg_price_mins: int


class _QtyRange(_Filter, frozen=True):
    """Fields shared by ``LOT_SIZE`` and ``MARKET_LOT_SIZE``."""

    min_qty: Decimal
    max_qty: Decimal
    step_size: Decimal


class LotSize(_QtyRange, frozen=True, tag="LOT_SIZE"):
    """``LOT_SIZE`` symbol filter (``GET /api/v3/exchangeInfo``)."""


class MarketLotSize(_QtyRange, frozen=True, tag="MARKET_LOT_SIZE"):
    """``MARKET_LOT_SIZE`` symbol filter (``GET /api/v3/exchangeInfo``)."""


class MinNotional(_Filter, frozen=True, tag="MIN_NOTIONAL"):
    """``MIN_NOTIONAL`` symbol filter (``GET /api/v3/exchangeInfo``)."""

    min_notional: Decimal
    apply_to_market: bool
    avg_price_mins: int


class Notional(_Filter, frozen=True, tag="NOTIONAL"):
    """``NOTIONAL`` symbol filter (``GET /api/v3/exchangeInfo``)."""

    min_notional: Decimal
    apply_min_to_market: bool
    max_notional: Decimal
    apply_max_to_market: bool
    avg_price_mins: int


class IcebergParts(_Filter, frozen=True, tag="ICEBERG_PARTS"):
    """``ICEBERG_PARTS`` symbol filter (``GET /api/v3/exchangeInfo``)."""

    limit: int


class MaxPosition(_Filter, frozen=True, tag="MAX_POSITION"):
    """``MAX_POSITION`` symbol filter (``GET /api/v3/exchangeInfo``)."""

    max_position: Decimal


class TrailingDelta(_Filter, frozen=True, tag="TRAILING_DELTA"):
    """``TRAILING_DELTA`` symbol filter (``GET /api/v3/exchangeInfo``); values are in BIPS."""

    min_trailing_above_delta: int
    max_trailing_above_delta: int
    min_trailing_below_delta: int
    max_trailing_below_delta: int


class MaxNumOrderAmends(_Filter, frozen=True, tag="MAX_NUM_ORDER_AMENDS"):
    """``MAX_NUM_ORDER_AMENDS`` symbol filter (``GET /api/v3/exchangeInfo``)."""

    max_num_order_amends: int


# The per-symbol and the exchange-wide order-count filters share their field names.


class _MaxNumOrdersBase(_Filter, frozen=True):
    max_num_orders: int


class _MaxNumAlgoOrdersBase(_Filter, frozen=True):
    max_num_algo_orders: int


class _MaxNumIcebergOrdersBase(_Filter, frozen=True):
    max_num_iceberg_orders: int


class _MaxNumOrderListsBase(_Filter, frozen=True):
    max_num_order_lists: int


class MaxNumOrders(_MaxNumOrdersBase, frozen=True, tag="MAX_NUM_ORDERS"):
    """``MAX_NUM_ORDERS`` symbol filter (``GET /api/v3/exchangeInfo``)."""


class MaxNumAlgoOrders(_MaxNumAlgoOrdersBase, frozen=True, tag="MAX_NUM_ALGO_ORDERS"):
    """``MAX_NUM_ALGO_ORDERS`` symbol filter (``GET /api/v3/exchangeInfo``)."""


class MaxNumIcebergOrders(_MaxNumIcebergOrdersBase, frozen=True, tag="MAX_NUM_ICEBERG_ORDERS"):
    """``MAX_NUM_ICEBERG_ORDERS`` symbol filter (``GET /api/v3/exchangeInfo``)."""


class MaxNumOrderLists(_MaxNumOrderListsBase, frozen=True, tag="MAX_NUM_ORDER_LISTS"):
    """``MAX_NUM_ORDER_LISTS`` symbol filter (``GET /api/v3/exchangeInfo``)."""


class ExchangeMaxNumOrders(_MaxNumOrdersBase, frozen=True, tag="EXCHANGE_MAX_NUM_ORDERS"):
    """``EXCHANGE_MAX_NUM_ORDERS`` exchange filter (``GET /api/v3/exchangeInfo``)."""


class ExchangeMaxNumAlgoOrders(_MaxNumAlgoOrdersBase, frozen=True, tag="EXCHANGE_MAX_NUM_ALGO_ORDERS"):
    """``EXCHANGE_MAX_NUM_ALGO_ORDERS`` exchange filter (``GET /api/v3/exchangeInfo``)."""


class ExchangeMaxNumIcebergOrders(
    _MaxNumIcebergOrdersBase, frozen=True, tag="EXCHANGE_MAX_NUM_ICEBERG_ORDERS"
):
    """``EXCHANGE_MAX_NUM_ICEBERG_ORDERS`` exchange filter (``GET /api/v3/exchangeInfo``)."""


class ExchangeMaxNumOrderLists(_MaxNumOrderListsBase, frozen=True, tag="EXCHANGE_MAX_NUM_ORDER_LISTS"):
    """``EXCHANGE_MAX_NUM_ORDER_LISTS`` exchange filter (``GET /api/v3/exchangeInfo``)."""


class MaxAsset(_Filter, frozen=True, tag="MAX_ASSET"):
    """``MAX_ASSET`` asset filter (only shown by ``GET /api/v3/myFilters``)."""

    asset: str
    limit: Decimal


class UnknownFilter(_Model, frozen=True):
    """A filter whose ``filterType`` this library does not know (any filter endpoint).

    ``data`` is the complete JSON object as sent, ``filterType`` key included.
    """

    filter_type: str
    data: dict[str, Any]


_KnownFilter: TypeAlias = (
    PriceFilter
    | PercentPrice
    | PercentPriceBySide
    | LotSize
    | MarketLotSize
    | MinNotional
    | Notional
    | IcebergParts
    | MaxPosition
    | TrailingDelta
    | MaxNumOrderAmends
    | MaxNumOrders
    | MaxNumAlgoOrders
    | MaxNumIcebergOrders
    | MaxNumOrderLists
    | ExchangeMaxNumOrders
    | ExchangeMaxNumAlgoOrders
    | ExchangeMaxNumIcebergOrders
    | ExchangeMaxNumOrderLists
    | MaxAsset
)

#: Any decoded filter: one of the typed filter structs, or :class:`UnknownFilter`.
SymbolFilter: TypeAlias = _KnownFilter | UnknownFilter

_F = TypeVar("_F", bound=msgspec.Struct)


class _FilterHead(_Scalar, frozen=True):
    """Just the tag of one filter object, to route it to the right decoder."""

    filter_type: str = ""


_known_list_decoder: msgspec.json.Decoder[list[SymbolFilter]] = msgspec.json.Decoder(list[_KnownFilter])
_raw_list_decoder = msgspec.json.Decoder(list[msgspec.Raw])
_head_decoder = msgspec.json.Decoder(_FilterHead)
_object_decoder = msgspec.json.Decoder(dict[str, Any])
_decoder_by_tag: dict[str, msgspec.json.Decoder[Any]] = {
    str(cls.__struct_config__.tag): msgspec.json.Decoder(cls) for cls in get_args(_KnownFilter)
}


def decode_filters(raw: bytes | msgspec.Raw) -> list[SymbolFilter]:
    """Decode a JSON array of Binance filter objects, tolerating unknown ``filterType`` values.

    Known filter types become their typed struct; unknown ones become :class:`UnknownFilter`.
    A known filter type whose fields are malformed (or hold NaN, an infinity or non-ASCII digits)
    still raises :class:`msgspec.ValidationError`.
    """
    try:
        # Fast path: a single tagged-union decode when every filter type is known.
        result = _known_list_decoder.decode(raw)
    except msgspec.ValidationError:
        result = _decode_filters_one_by_one(raw)
    body = raw if type(raw) is bytes else bytes(raw)
    if not body.isascii():
        check_numbers(result, body, DECIMALS)
    return result


def _decode_filters_one_by_one(raw: bytes | msgspec.Raw) -> list[SymbolFilter]:
    # Slow path (some tag is unknown, or a known filter is malformed): route each element by tag.
    result: list[SymbolFilter] = []
    for item in _raw_list_decoder.decode(raw):
        tag = _head_decoder.decode(item).filter_type
        decoder = _decoder_by_tag.get(tag)
        if decoder is None:
            result.append(UnknownFilter(filter_type=tag, data=_object_decoder.decode(item)))
        else:
            result.append(decoder.decode(item))
    return result


def _find_filter(filters: list[SymbolFilter], key: str | type[Any]) -> Any:
    if isinstance(key, str):
        return next((f for f in filters if f.filter_type == key), None)
    return next((f for f in filters if isinstance(f, key)), None)


_EMPTY_ARRAY = msgspec.Raw(b"[]")
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
    raw_filters: msgspec.Raw = msgspec.field(name="filters", default=_EMPTY_ARRAY)
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
    raw_permission_sets: msgspec.Raw = msgspec.field(name="permissionSets", default=_EMPTY_ARRAY)
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
    raw_exchange_filters: msgspec.Raw = msgspec.field(name="exchangeFilters", default=_EMPTY_ARRAY)
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
