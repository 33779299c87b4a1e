"""`SymbolRules`: one symbol's filters, decoded once from ``exchangeInfo``, with rounding and validation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from decimal import ROUND_FLOOR, Decimal, localcontext
from typing import Any

from ..models.filters import (
    ExchangeMaxNumAlgoOrders,
    ExchangeMaxNumIcebergOrders,
    ExchangeMaxNumOrderLists,
    ExchangeMaxNumOrders,
    IcebergParts,
    LotSize,
    MarketLotSize,
    MaxNumAlgoOrders,
    MaxNumIcebergOrders,
    MaxNumOrderAmends,
    MaxNumOrderLists,
    MaxNumOrders,
    MaxPosition,
    MinNotional,
    Notional,
    PercentPrice,
    PercentPriceBySide,
    PriceFilter,
    SymbolFilter,
    TrailingDelta,
    UnknownFilter,
)
from ..models.market import SymbolInfo
from .rounding import (
    _EXACT,
    _ROUNDING_BY_SIDE,
    _SIDES,
    Number,
    _choice,
    _fmt,
    _optional_decimal,
    _optional_int,
    _Stepped,
    _to_decimal,
    _violation,
)
from .validation import (
    _KINDS,
    ORDER_TYPE,
    _check_band,
    _check_bounds,
    _check_count,
    _check_params,
    _delta_bounds,
    _multipliers,
    _Order,
    _uses_above_delta,
)

__all__ = ["SymbolRules"]

# --------------------------------------------------------------------------------------------
# SymbolRules
# --------------------------------------------------------------------------------------------

_FILTER_ATTRS: dict[type[Any], str] = {
    PriceFilter: "price_filter",
    PercentPrice: "percent_price",
    PercentPriceBySide: "percent_price_by_side",
    LotSize: "lot_size",
    MarketLotSize: "market_lot_size",
    MinNotional: "min_notional",
    Notional: "notional",
    IcebergParts: "iceberg_parts",
    MaxPosition: "max_position",
    TrailingDelta: "trailing_delta",
    MaxNumOrders: "max_num_orders",
    MaxNumAlgoOrders: "max_num_algo_orders",
    MaxNumIcebergOrders: "max_num_iceberg_orders",
    MaxNumOrderLists: "max_num_order_lists",
    MaxNumOrderAmends: "max_num_order_amends",
    ExchangeMaxNumOrders: "exchange_max_num_orders",
    ExchangeMaxNumAlgoOrders: "exchange_max_num_algo_orders",
    ExchangeMaxNumIcebergOrders: "exchange_max_num_iceberg_orders",
    ExchangeMaxNumOrderLists: "exchange_max_num_order_lists",
}


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class SymbolRules:
    """One symbol's trading rules, decoded once from ``exchangeInfo``: rounding and local validation.

    Build it with :meth:`from_symbol_info`.  Each filter is kept as its typed struct from
    :mod:`binance_async.spot.models.filters` (None when the symbol does not have it).  The ``exchange_*``
    filters and MAX_POSITION, MAX_NUM_ORDER_LISTS and MAX_NUM_ORDER_AMENDS are kept for reference
    only: they depend on account-wide counts and balances, which :meth:`validate` does not take.
    """

    symbol: str
    status: str
    base_asset: str
    quote_asset: str
    base_asset_precision: int
    quote_asset_precision: int
    order_types: tuple[str, ...] = ()
    iceberg_allowed: bool = False
    oco_allowed: bool = False
    quote_order_qty_market_allowed: bool = False
    allow_trailing_stop: bool = False
    is_spot_trading_allowed: bool = False
    #: Every filterType of the symbol, then of the exchange, in Binance's order (unknown ones included).
    filter_types: tuple[str, ...] = ()
    price_filter: PriceFilter | None = None
    percent_price: PercentPrice | None = None
    percent_price_by_side: PercentPriceBySide | None = None
    lot_size: LotSize | None = None
    market_lot_size: MarketLotSize | None = None
    min_notional: MinNotional | None = None
    notional: Notional | None = None
    iceberg_parts: IcebergParts | None = None
    max_position: MaxPosition | None = None
    trailing_delta: TrailingDelta | None = None
    max_num_orders: MaxNumOrders | None = None
    max_num_algo_orders: MaxNumAlgoOrders | None = None
    max_num_iceberg_orders: MaxNumIcebergOrders | None = None
    max_num_order_lists: MaxNumOrderLists | None = None
    max_num_order_amends: MaxNumOrderAmends | None = None
    exchange_max_num_orders: ExchangeMaxNumOrders | None = None
    exchange_max_num_algo_orders: ExchangeMaxNumAlgoOrders | None = None
    exchange_max_num_iceberg_orders: ExchangeMaxNumIcebergOrders | None = None
    exchange_max_num_order_lists: ExchangeMaxNumOrderLists | None = None
    unknown_filters: tuple[UnknownFilter, ...] = ()
    _price: _Stepped | None = field(init=False, compare=False)
    _lot: _Stepped | None = field(init=False, compare=False)
    _market_lot: _Stepped | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # The grids used by rounding and validation, derived once.
        price, lot, market_lot = self.price_filter, self.lot_size, self.market_lot_size
        object.__setattr__(self, "_price", None if price is None else _Stepped.of_price(price))
        object.__setattr__(self, "_lot", None if lot is None else _Stepped.of_quantity(lot))
        object.__setattr__(
            self, "_market_lot", None if market_lot is None else _Stepped.of_quantity(market_lot)
        )

    @classmethod
    def from_symbol_info(cls, info: SymbolInfo, exchange_filters: Iterable[SymbolFilter] = ()) -> SymbolRules:
        """Decode ``info``'s filters (and the exchange filters, if given) into a SymbolRules.

        When a filter type appears more than once, the first one counts.
        """
        filters: dict[str, Any] = {}
        unknown: list[UnknownFilter] = []
        all_filters = [*info.filters(), *exchange_filters]
        for item in all_filters:
            if isinstance(item, UnknownFilter):
                unknown.append(item)
            elif (attr := _FILTER_ATTRS.get(type(item))) is not None:
                filters.setdefault(attr, item)
        return cls(
            **{name: getattr(info, name) for name in _FROM_INFO},
            filter_types=tuple(f.filter_type for f in all_filters),
            unknown_filters=tuple(unknown),
            **filters,
        )

    def __repr__(self) -> str:
        tick = None if self.price_filter is None else _fmt(self.price_filter.tick_size)
        step = None if self.lot_size is None else _fmt(self.lot_size.step_size)
        return (
            f"SymbolRules({self.symbol} {self.status} {self.base_asset}/{self.quote_asset}, "
            f"tickSize={tick}, stepSize={step}, filters=[{', '.join(self.filter_types)}])"
        )

    # -- rounding ------------------------------------------------------------------------------

    def round_price(self, price: Number, side: str | None = None) -> Decimal:
        """``price`` on the PRICE_FILTER grid: BUY rounds down, SELL up, None to the nearest (half even).

        Also right for ``stopPrice``, which shares the grid.  The result carries the tick's exponent
        (tick 0.01 gives ``Decimal("123.45")``); with no PRICE_FILTER or a zero tickSize the value is
        returned unchanged.  Bounds are not applied: :meth:`validate` reports a price out of range.
        """
        value = _to_decimal("price", price)
        rounding = _ROUNDING_BY_SIDE[None if side is None else _choice("side", side, _SIDES)]
        if self._price is None:
            return value
        with localcontext(_EXACT):
            return self._price.snap(value, rounding)

    def round_quantity(self, quantity: Number, *, market: bool = False) -> Decimal:
        """``quantity`` rounded down onto the LOT_SIZE stepSize grid (never more than asked).

        With ``market=True`` it is then rounded down onto the MARKET_LOT_SIZE grid too, when that
        filter has a non-zero stepSize: Binance checks a MARKET order's quantity against both filters
        (MARKET_LOT_SIZE usually has stepSize 0, which leaves LOT_SIZE alone).  A missing filter or a
        zero step leaves the value unchanged; the result carries the step's exponent.
        """
        value = _to_decimal("quantity", quantity)
        grids = [self._lot, self._market_lot if market else None]
        with localcontext(_EXACT):
            for grid in grids:
                if grid is not None:
                    value = grid.snap(value, ROUND_FLOOR)
        return value

    # -- validation ----------------------------------------------------------------------------

    def needs_ref_price(self, type: str, *, quote_order_qty: bool = False) -> bool:
        """Whether :meth:`validate` would use ``ref_price`` for an order of this type.

        True for a priced order under PERCENT_PRICE(_BY_SIDE), and for a MARKET-executed order
        sized by quantity under a MIN_NOTIONAL / NOTIONAL bound that applies to market orders.
        """
        kind = _KINDS[_choice("type", type, _KINDS)]
        if kind.priced:
            return self.percent_price is not None or self.percent_price_by_side is not None
        return kind.market and not quote_order_qty and self._notional_applies_to_market()

    def _notional_applies_to_market(self) -> bool:
        by_min_notional = self.min_notional is not None and self.min_notional.apply_to_market
        notional = self.notional
        by_notional = notional is not None and (notional.apply_min_to_market or notional.apply_max_to_market)
        return by_min_notional or by_notional

    def validate(
        self,
        *,
        side: str,
        type: str,
        quantity: Number | None = None,
        price: Number | None = None,
        quote_order_qty: Number | None = None,
        stop_price: Number | None = None,
        trailing_delta: int | None = None,
        iceberg_qty: Number | None = None,
        ref_price: Number | None = None,
        open_orders: int | None = None,
        open_algo_orders: int | None = None,
        open_iceberg_orders: int | None = None,
    ) -> None:
        """Check an order against the symbol's filters as Binance would; raise on the first violation.

        Raises :class:`~binance_async.errors.OrderValidationError` (``filter_type`` names the filter,
        or ``"ORDER_TYPE"`` / ``"ORDER_PARAMS"`` for a type the symbol does not allow or a missing,
        unused or non-positive parameter) and :class:`~binance_async.errors.ParameterError` for a value
        that is not a finite number or an unknown side or type.

        ``ref_price`` is the symbol's reference price (``avgPrice``).  Without it PERCENT_PRICE and
        PERCENT_PRICE_BY_SIDE are skipped, as is MIN_NOTIONAL / NOTIONAL for a MARKET-executed order
        sized by quantity; :meth:`needs_ref_price` says when it matters.  The open counts, when given,
        are this account's open orders on this symbol (all, STOP_LOSS* / TAKE_PROFIT*, iceberg).
        LOT_SIZE applies to every order's quantity and icebergQty.  MARKET, STOP_LOSS and TAKE_PROFIT
        execute as market orders: their quantity is also checked against MARKET_LOT_SIZE, and the
        notional filters apply to them only as their applyToMarket flags say (priced at ``ref_price``,
        or at ``quote_order_qty`` itself).
        """
        order_type = _choice("type", type, _KINDS)
        order = _Order(
            side=_choice("side", side, _SIDES),
            type=order_type,
            kind=_KINDS[order_type],
            quantity=_optional_decimal("quantity", quantity),
            price=_optional_decimal("price", price),
            quote_order_qty=_optional_decimal("quoteOrderQty", quote_order_qty),
            stop_price=_optional_decimal("stopPrice", stop_price),
            trailing_delta=_optional_int("trailingDelta", trailing_delta),
            iceberg_qty=_optional_decimal("icebergQty", iceberg_qty),
            ref_price=_optional_decimal("refPrice", ref_price),
            open_orders=_optional_int("open_orders", open_orders, minimum=0),
            open_algo_orders=_optional_int("open_algo_orders", open_algo_orders, minimum=0),
            open_iceberg_orders=_optional_int("open_iceberg_orders", open_iceberg_orders, minimum=0),
        )
        with localcontext(_EXACT):
            self._check_order_type(order.type)
            _check_params(order)
            self._check_price_filter(order)
            self._check_lot_sizes(order)
            self._check_notional(order)
            self._check_percent_price(order)
            self._check_iceberg_parts(order)
            self._check_trailing_delta(order)
            self._check_open_counts(order)

    def _check_order_type(self, order_type: str) -> None:
        if self.order_types and order_type not in self.order_types:
            problem = f"is not allowed on {self.symbol} (allowed {', '.join(self.order_types)})"
            raise _violation(ORDER_TYPE, "type", order_type, problem, {"orderTypes": self.order_types})

    def _check_price_filter(self, order: _Order) -> None:
        if self._price is None:
            return
        for field_name, value in (("price", order.price), ("stopPrice", order.stop_price)):
            if value is not None:
                self._price.check(field_name, value)

    def _check_lot_sizes(self, order: _Order) -> None:
        """LOT_SIZE for quantity and icebergQty; MARKET_LOT_SIZE too for a market order's quantity."""
        checks = [(self._lot, "quantity", order.quantity), (self._lot, "icebergQty", order.iceberg_qty)]
        if order.kind.market:
            checks.append((self._market_lot, "quantity", order.quantity))
        for rule, field_name, value in checks:
            if rule is not None and value is not None:
                rule.check(field_name, value)

    def _check_notional(self, order: _Order) -> None:
        """MIN_NOTIONAL and NOTIONAL; for market orders only the bounds that apply to market."""
        computed = order.notional()
        if computed is None:
            return
        value, how = computed
        market = order.kind.market
        if (mn := self.min_notional) is not None and (not market or mn.apply_to_market):
            _check_bounds(
                mn.filter_type, value, how, (mn.min_notional, None), {"minNotional": mn.min_notional}
            )
        if (n := self.notional) is not None:
            low = n.min_notional if not market or n.apply_min_to_market else None
            high = n.max_notional if (not market or n.apply_max_to_market) and n.max_notional else None
            allowed = {"minNotional": n.min_notional, "maxNotional": n.max_notional}
            _check_bounds(n.filter_type, value, how, (low, high), allowed)

    def _check_percent_price(self, order: _Order) -> None:
        """PERCENT_PRICE and PERCENT_PRICE_BY_SIDE, for a priced order when ``ref_price`` is known."""
        price, ref = order.price, order.ref_price
        if price is None or ref is None:
            return
        for f in (self.percent_price, self.percent_price_by_side):
            if f is not None:
                _check_band(f.filter_type, price, ref, _multipliers(f, order.side))

    def _check_iceberg_parts(self, order: _Order) -> None:
        """ceil(quantity / icebergQty) must not exceed the ICEBERG_PARTS limit."""
        if self.iceberg_parts is None or order.iceberg_qty is None or order.quantity is None:
            return
        whole, rest = divmod(order.quantity, order.iceberg_qty)
        parts = int(whole) + (1 if rest else 0)
        limit = self.iceberg_parts.limit
        if parts > limit:
            problem = f"splits quantity {_fmt(order.quantity)} into {parts} parts, more than limit {limit}"
            raise _violation("ICEBERG_PARTS", "icebergQty", order.iceberg_qty, problem, {"limit": limit})

    def _check_trailing_delta(self, order: _Order) -> None:
        """trailingDelta within the above- or below-bounds that the type and side select."""
        if self.trailing_delta is None or order.trailing_delta is None:
            return
        bounds = _delta_bounds(self.trailing_delta, _uses_above_delta(order.type, order.side))
        (low_name, low), (high_name, high) = bounds.items()
        if not low <= order.trailing_delta <= high:
            problem = f"is outside {low_name}..{high_name} {low}..{high} for {order.type} {order.side}"
            raise _violation("TRAILING_DELTA", "trailingDelta", order.trailing_delta, problem, bounds)

    def _check_open_counts(self, order: _Order) -> None:
        """MAX_NUM_ORDERS, MAX_NUM_ALGO_ORDERS (stop types), MAX_NUM_ICEBERG_ORDERS (iceberg orders)."""
        if (mo := self.max_num_orders) is not None:
            _check_count(mo.filter_type, "open_orders", order.open_orders, "maxNumOrders", mo.max_num_orders)
        if (ma := self.max_num_algo_orders) is not None and order.kind.stop:
            limit = ma.max_num_algo_orders
            _check_count(
                ma.filter_type, "open_algo_orders", order.open_algo_orders, "maxNumAlgoOrders", limit
            )
        if (mi := self.max_num_iceberg_orders) is not None and order.iceberg_qty is not None:
            limit = mi.max_num_iceberg_orders
            _check_count(
                mi.filter_type, "open_iceberg_orders", order.open_iceberg_orders, "maxNumIcebergOrders", limit
            )


#: What `SymbolRules.from_symbol_info` copies as it is: every field of SymbolRules that SymbolInfo has
#: too (symbol, status, assets, precisions, order types and the ``*_allowed`` flags).
_FROM_INFO = tuple(f.name for f in fields(SymbolRules) if f.name in SymbolInfo.__struct_fields__)
