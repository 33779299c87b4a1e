"""Symbol trading rules: round prices and quantities to a symbol's filters and validate orders locally.

:class:`SymbolRules` is built once from one ``exchangeInfo`` symbol (plus, optionally, the exchange-wide
filters) and answers three questions before an order is sent:

* :meth:`SymbolRules.round_price` / :meth:`SymbolRules.round_quantity`: the nearest value Binance
  accepts, in the direction that is safe for the order (a BUY never pays more, a SELL never sells for
  less, a quantity never grows), exactly, with :class:`~decimal.Decimal`;
* :meth:`SymbolRules.validate`: does the order pass every filter Binance would check?  A violation
  raises :class:`~binance_async.errors.OrderValidationError` naming the filter, the parameter, the
  value and the limits;
* :meth:`SymbolRules.needs_ref_price`: does that check need the symbol's reference price (so a
  client fetches ``avgPrice`` only when it must)?

:class:`RulesCache` keeps one ``exchangeInfo`` response for a TTL, shares one fetch between concurrent
callers and builds each symbol's rules on first use.

Grid steps are measured from the filter's minimum, ``(value - min) % step == 0`` (the conventional
reading of Binance's ``value % step == 0``); a zero ``tickSize`` / ``stepSize`` / bound disables that
rule, as Binance documents for PRICE_FILTER and LOT_SIZE (a zero ``maxNotional`` is read the same way).
"""

from __future__ import annotations

import asyncio
import decimal
import enum
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any, TypeAlias

import msgspec

from ...errors import InvalidResponseError, OrderValidationError, ParameterError, UnknownSymbolError
from ..models.market import (
    ExchangeInfo,
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
    SymbolInfo,
    TrailingDelta,
    UnknownFilter,
)

__all__ = ["ORDER_PARAMS", "ORDER_TYPE", "Number", "RulesCache", "SymbolRules", "UnknownSymbolError"]

#: A number accepted by the rounding and validation helpers (a float goes through its shortest repr).
Number: TypeAlias = Decimal | int | str | float

#: ``filter_type`` of an :class:`OrderValidationError` for an order type the symbol does not allow.
ORDER_TYPE = "ORDER_TYPE"
#: ``filter_type`` of an :class:`OrderValidationError` for a missing, unused or non-positive parameter.
ORDER_PARAMS = "ORDER_PARAMS"

# Arithmetic here is exact: with unlimited precision, +, -, *, divmod and quantize never round.  Never
# use true division (``/``) under this context: a non-terminating quotient would exhaust memory.
_EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------


def _to_decimal(name: str, value: Number) -> Decimal:
    """``value`` as a finite Decimal; floats via their shortest repr, never their binary expansion."""
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, bool) or not isinstance(value, (int, str, float)):
        raise ParameterError(f"{name}: expected a Decimal, int, str or float, got {type(value).__name__}")
    else:
        text = repr(value) if isinstance(value, float) else value
        if isinstance(text, str) and not text.isascii():  # Decimal("٣٣") is 33: Binance reads ASCII digits
            raise ParameterError(f"{name}: write numbers with the ASCII digits 0-9, got {value!r}")
        try:
            number = Decimal(text)
        except decimal.InvalidOperation:
            raise ParameterError(f"{name}: {value!r} is not a number") from None
    if not number.is_finite():
        raise ParameterError(f"{name}: {value} is not a finite number")
    return number


def _optional_decimal(name: str, value: Number | None) -> Decimal | None:
    return None if value is None else _to_decimal(name, value)


def _optional_int(name: str, value: int | None, *, minimum: int | None = None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        least = "" if minimum is None else f" >= {minimum}"
        raise ParameterError(f"{name}: expected an int{least}, got {value!r}")
    return value


def _fmt(value: Decimal) -> str:
    """Plain notation without trailing zeros: ``Decimal("100000.00000000")`` -> ``100000``."""
    return format(value.normalize(_EXACT), "f")


def _choice(name: str, value: str, allowed: Iterable[str]) -> str:
    """``value`` (or a str Enum's value) if it is one of ``allowed``."""
    text = value.value if isinstance(value, enum.Enum) else value
    if isinstance(text, str) and text in allowed:
        return text
    raise ParameterError(f"{name}: {value!r} is not one of {', '.join(allowed)}")


# --------------------------------------------------------------------------------------------
# Stepped filters (PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Stepped:
    """A ``min ≤ value ≤ max`` range with a grid ``min + k * step``; a zero bound or step is disabled."""

    filter_type: str
    names: tuple[str, str, str]  # Binance's names of min, max and step, for messages and `allowed`
    low: Decimal
    high: Decimal
    step: Decimal
    quantum: Decimal  # 10 ** exponent of the finest of min and step (at most 1): results carry it

    @classmethod
    def build(
        cls, filter_type: str, names: tuple[str, str, str], low: Decimal, high: Decimal, step: Decimal
    ) -> _Stepped:
        exponent = min(int(step.normalize(_EXACT).as_tuple().exponent), 0)
        if low:
            exponent = min(exponent, int(low.normalize(_EXACT).as_tuple().exponent))
        return cls(filter_type, names, low, high, step, Decimal((0, (1,), exponent)))

    @classmethod
    def of_price(cls, f: PriceFilter) -> _Stepped:
        names = ("minPrice", "maxPrice", "tickSize")
        return cls.build(f.filter_type, names, f.min_price, f.max_price, f.tick_size)

    @classmethod
    def of_quantity(cls, f: LotSize | MarketLotSize) -> _Stepped:
        return cls.build(f.filter_type, ("minQty", "maxQty", "stepSize"), f.min_qty, f.max_qty, f.step_size)

    def snap(self, value: Decimal, rounding: str) -> Decimal:
        """The grid point below (ROUND_FLOOR), above (ROUND_CEILING) or nearest (ROUND_HALF_EVEN)."""
        if not self.step:
            return value
        steps, rest = divmod(value - self.low, self.step)  # truncates toward zero
        if rest < 0:
            steps, rest = steps - 1, rest + self.step  # floor instead: 0 <= rest < step
        lower = self.low + steps * self.step
        if rest and _rounds_up(rest, lower, self.step, rounding):
            lower += self.step
        return lower.quantize(self.quantum, context=_EXACT)

    def allowed(self) -> dict[str, Decimal]:
        return dict(zip(self.names, (self.low, self.high, self.step), strict=True))

    def check(self, field_name: str, value: Decimal) -> None:
        """Raise OrderValidationError if ``value`` is out of range or off the grid."""
        min_name, max_name, step_name = self.names
        if self.low and value < self.low:
            problem = f"is below {min_name} {_fmt(self.low)}"
        elif self.high and value > self.high:
            problem = f"is above {max_name} {_fmt(self.high)}"
        elif self.step and (value - self.low) % self.step:
            problem = f"is not a multiple of {step_name} {_fmt(self.step)} from {min_name} {_fmt(self.low)}"
        else:
            return
        span = f"{_fmt(self.low)}..{_fmt(self.high) if self.high else ''}"
        raise _violation(self.filter_type, field_name, value, f"{problem} (allowed {span})", self.allowed())


def _rounds_up(rest: Decimal, lower: Decimal, step: Decimal, rounding: str) -> bool:
    """Whether ``lower + rest`` (0 < rest < step) goes up to the next grid point ``lower + step``.

    Half-even ties go to the point whose ``value // step`` is even: the usual last-digit-even rule
    when the grid is aligned on multiples of the step.
    """
    if rounding == ROUND_FLOOR:
        return False
    if rounding == ROUND_CEILING:
        return True
    twice = rest * 2
    return twice > step or (twice == step and (lower // step) % 2 == 1)


def _violation(
    filter_type: str, field_name: str, value: Any, problem: str, allowed: Mapping[str, Any]
) -> OrderValidationError:
    shown = _fmt(value) if isinstance(value, Decimal) else value
    return OrderValidationError(
        f"{filter_type}: {field_name} {shown} {problem}",
        filter_type=filter_type,
        field=field_name,
        value=value,
        allowed=allowed,
    )


# --------------------------------------------------------------------------------------------
# Orders
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Kind:
    """What an order type takes and how Binance treats it."""

    priced: bool  # takes a limit price
    market: bool  # executes as a market order: MARKET_LOT_SIZE and the applyToMarket rules
    stop: bool  # takes stopPrice / trailingDelta; an "algo" order for MAX_NUM_ALGO_ORDERS


_KINDS: dict[str, _Kind] = {
    "LIMIT": _Kind(priced=True, market=False, stop=False),
    "LIMIT_MAKER": _Kind(priced=True, market=False, stop=False),
    "MARKET": _Kind(priced=False, market=True, stop=False),
    "STOP_LOSS": _Kind(priced=False, market=True, stop=True),
    "STOP_LOSS_LIMIT": _Kind(priced=True, market=False, stop=True),
    "TAKE_PROFIT": _Kind(priced=False, market=True, stop=True),
    "TAKE_PROFIT_LIMIT": _Kind(priced=True, market=False, stop=True),
}
_SIDES = ("BUY", "SELL")
_ROUNDING_BY_SIDE = {"BUY": ROUND_FLOOR, "SELL": ROUND_CEILING, None: ROUND_HALF_EVEN}


@dataclass(frozen=True, slots=True)
class _Order:
    """The parameters of one order, checked for type and converted to Decimal."""

    side: str
    type: str
    kind: _Kind
    quantity: Decimal | None
    price: Decimal | None
    quote_order_qty: Decimal | None
    stop_price: Decimal | None
    trailing_delta: int | None
    iceberg_qty: Decimal | None
    ref_price: Decimal | None
    open_orders: int | None
    open_algo_orders: int | None
    open_iceberg_orders: int | None

    def decimals(self) -> dict[str, Decimal | None]:
        """The order's decimal parameters under Binance's names."""
        return {
            "quantity": self.quantity,
            "price": self.price,
            "quoteOrderQty": self.quote_order_qty,
            "stopPrice": self.stop_price,
            "icebergQty": self.iceberg_qty,
        }

    def notional(self) -> tuple[Decimal, str] | None:
        """price * quantity (refPrice for market orders, or quoteOrderQty itself) and how it was got."""
        if self.quote_order_qty is not None:
            return self.quote_order_qty, "quoteOrderQty"
        price, name = (self.ref_price, "refPrice") if self.kind.market else (self.price, "price")
        if price is None or self.quantity is None:
            return None
        return price * self.quantity, f"{name} {_fmt(price)} * quantity {_fmt(self.quantity)}"


def _params_violation(field_name: str, value: Any, message: str) -> OrderValidationError:
    return OrderValidationError(
        f"{ORDER_PARAMS}: {message}", filter_type=ORDER_PARAMS, field=field_name, value=value, allowed={}
    )


def _check_params(order: _Order) -> None:
    """Parameters the order type requires or does not take, and that every amount is positive."""
    kind, name = order.kind, order.type
    amounts: dict[str, Decimal | int | None] = {**order.decimals(), "trailingDelta": order.trailing_delta}
    for field_name, value in amounts.items():
        if value is not None and value <= 0:
            shown = _fmt(value) if isinstance(value, Decimal) else value
            raise _params_violation(field_name, value, f"{field_name} {shown} must be greater than 0")
    if kind.priced and order.price is None:
        raise _params_violation("price", None, f"{name} requires price")
    if not kind.priced and order.price is not None:
        raise _params_violation("price", order.price, f"price is not used by {name}")
    if kind.stop and order.stop_price is None and order.trailing_delta is None:
        raise _params_violation("stopPrice", None, f"{name} requires stopPrice or trailingDelta")
    for field_name, value in (("stopPrice", order.stop_price), ("trailingDelta", order.trailing_delta)):
        if value is not None and not kind.stop:
            raise _params_violation(field_name, value, f"{field_name} is not used by {name}")
    if order.iceberg_qty is not None and not kind.priced:
        raise _params_violation("icebergQty", order.iceberg_qty, f"icebergQty is not used by {name}")
    _check_amount_params(order)


def _check_amount_params(order: _Order) -> None:
    """MARKET takes exactly one of quantity and quoteOrderQty; every other type takes quantity."""
    if order.type == "MARKET":
        if (order.quantity is None) == (order.quote_order_qty is None):
            raise _params_violation(
                "quantity", order.quantity, "MARKET takes one of quantity and quoteOrderQty"
            )
    elif order.quote_order_qty is not None:
        message = f"quoteOrderQty is not used by {order.type}"
        raise _params_violation("quoteOrderQty", order.quote_order_qty, message)
    elif order.quantity is None:
        raise _params_violation("quantity", None, f"{order.type} requires quantity")


def _multipliers(f: PercentPrice | PercentPriceBySide, side: str) -> dict[str, Decimal]:
    """The (down, up) multipliers that apply to ``side``, under Binance's names."""
    if isinstance(f, PercentPrice):
        return {"multiplierDown": f.multiplier_down, "multiplierUp": f.multiplier_up}
    if side == "BUY":
        return {"bidMultiplierDown": f.bid_multiplier_down, "bidMultiplierUp": f.bid_multiplier_up}
    return {"askMultiplierDown": f.ask_multiplier_down, "askMultiplierUp": f.ask_multiplier_up}


def _check_band(
    filter_type: str, price: Decimal, ref_price: Decimal, multipliers: dict[str, Decimal]
) -> None:
    """refPrice * down <= price <= refPrice * up (PERCENT_PRICE, PERCENT_PRICE_BY_SIDE)."""
    (down_name, down), (up_name, up) = multipliers.items()
    low, high = ref_price * down, ref_price * up
    if low <= price <= high:
        return
    problem = (
        f"is outside {_fmt(low)}..{_fmt(high)} "
        f"(refPrice {_fmt(ref_price)} * {down_name} {_fmt(down)} .. {up_name} {_fmt(up)})"
    )
    allowed = {**multipliers, "refPrice": ref_price, "min": low, "max": high}
    raise _violation(filter_type, "price", price, problem, allowed)


def _check_count(
    filter_type: str, field_name: str, open_count: int | None, limit_name: str, limit: int
) -> None:
    """Placing one more order must not take the open count past the limit."""
    if open_count is not None and open_count + 1 > limit:
        problem = f"already open: one more would exceed {limit_name} {limit}"
        raise _violation(filter_type, field_name, open_count, problem, {limit_name: limit})


def _check_bounds(
    filter_type: str,
    value: Decimal,
    how: str,
    bounds: tuple[Decimal | None, Decimal | None],
    allowed: Mapping[str, Decimal],
) -> None:
    """low ≤ notional ≤ high, each bound skipped when None (MIN_NOTIONAL, NOTIONAL)."""
    low, high = bounds
    if low is not None and value < low:
        problem = f"is below minNotional {_fmt(low)}"
    elif high is not None and value > high:
        problem = f"is above maxNotional {_fmt(high)}"
    else:
        return
    raise _violation(filter_type, "notional", value, f"({how}) {problem}", allowed)


def _delta_bounds(f: TrailingDelta, above: bool) -> dict[str, int]:
    """The TRAILING_DELTA (min, max) pair in use, under Binance's names."""
    if above:
        return {
            "minTrailingAboveDelta": f.min_trailing_above_delta,
            "maxTrailingAboveDelta": f.max_trailing_above_delta,
        }
    return {
        "minTrailingBelowDelta": f.min_trailing_below_delta,
        "maxTrailingBelowDelta": f.max_trailing_below_delta,
    }


def _uses_above_delta(order_type: str, side: str) -> bool:
    """TRAILING_DELTA: STOP_LOSS* BUY and TAKE_PROFIT* SELL use the "above" bounds, the rest "below"."""
    return order_type.startswith("STOP_LOSS") == (side == "BUY")


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
    :mod:`binance_async.spot.models` (None when the symbol does not have it).  The ``exchange_*``
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
            symbol=info.symbol,
            status=info.status,
            base_asset=info.base_asset,
            quote_asset=info.quote_asset,
            base_asset_precision=info.base_asset_precision,
            quote_asset_precision=info.quote_asset_precision,
            order_types=info.order_types,
            iceberg_allowed=info.iceberg_allowed,
            oco_allowed=info.oco_allowed,
            quote_order_qty_market_allowed=info.quote_order_qty_market_allowed,
            allow_trailing_stop=info.allow_trailing_stop,
            is_spot_trading_allowed=info.is_spot_trading_allowed,
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


# --------------------------------------------------------------------------------------------
# RulesCache
# --------------------------------------------------------------------------------------------


class _Snapshot:
    """One exchangeInfo response and the SymbolRules built from it so far."""

    __slots__ = ("_exchange_filters", "_info", "_rules", "expires_at")

    def __init__(self, info: ExchangeInfo, expires_at: float) -> None:
        self._info = info
        try:
            self._exchange_filters = tuple(info.exchange_filters())
        except msgspec.DecodeError as exc:
            raise _undecodable("exchangeFilters", info.raw_exchange_filters, exc) from None
        self._rules: dict[str, SymbolRules] = {}
        self.expires_at = expires_at

    def rules(self, symbol: str) -> SymbolRules:
        """The symbol's rules, built on first use; UnknownSymbolError if the response lacks it,
        InvalidResponseError if its filters cannot be decoded."""
        if not isinstance(symbol, str):  # a list or dict would be unhashable
            raise UnknownSymbolError(symbol)
        rules = self._rules.get(symbol)
        if rules is None:
            try:
                info = self._info.symbol(symbol)
            except KeyError:
                raise UnknownSymbolError(symbol) from None
            try:
                rules = SymbolRules.from_symbol_info(info, self._exchange_filters)
            except msgspec.DecodeError as exc:
                raise _undecodable(f"the filters of {symbol}", info.raw_filters, exc) from None
            self._rules[symbol] = rules
        return rules


def _undecodable(what: str, raw: msgspec.Raw, exc: msgspec.DecodeError) -> InvalidResponseError:
    return InvalidResponseError(
        f"GET /api/v3/exchangeInfo: {what} could not be decoded ({exc})",
        status=200,
        body=bytes(raw),
        method="GET",
        path="/api/v3/exchangeInfo",
    )


class RulesCache:
    """SymbolRules for every symbol from one ``exchangeInfo`` fetch, refreshed after ``ttl`` seconds.

    ``fetch`` returns a fresh :class:`~binance_async.spot.models.ExchangeInfo` (e.g.
    ``client.exchange_info``).  Concurrent callers while a fetch is in flight share it; if it fails,
    every one of them gets the error and the next call fetches again.  A symbol's rules are built the
    first time it is asked for and kept until the next fetch.  Nothing binds to an event loop before
    the first :meth:`get`.
    """

    __slots__ = ("_clock", "_fetch", "_pending", "_snapshot", "_ttl")

    def __init__(
        self,
        fetch: Callable[[], Awaitable[ExchangeInfo]],
        ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not ttl >= 0:
            raise ValueError(f"ttl must be a non-negative number of seconds, got {ttl!r}")
        self._fetch = fetch
        self._ttl = ttl
        self._clock = clock
        self._snapshot: _Snapshot | None = None
        self._pending: asyncio.Task[_Snapshot] | None = None

    async def get(self, symbol: str) -> SymbolRules:
        """The rules of ``symbol``; raises :class:`UnknownSymbolError` if exchangeInfo lacks it."""
        return (await self._current()).rules(symbol)

    async def get_many(self, symbols: Iterable[str]) -> dict[str, SymbolRules]:
        """The rules of each symbol (one fetch at most), in the order given."""
        snapshot = await self._current()
        return {symbol: snapshot.rules(symbol) for symbol in symbols}

    def invalidate(self) -> None:
        """Forget the cached response: the next call fetches again (a fetch in flight is not reused)."""
        self._snapshot = None
        self._pending = None

    async def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is not None and self._clock() < snapshot.expires_at:
            return snapshot
        loop = asyncio.get_running_loop()
        task = self._pending
        if task is None or task.get_loop() is not loop:  # none in flight, or stranded on another loop
            task = self._pending = loop.create_task(self._refresh())
        # shield: one caller being cancelled must not cancel the fetch the others are waiting for.
        return await asyncio.shield(task)

    async def _refresh(self) -> _Snapshot:
        this = asyncio.current_task()
        try:
            info = await self._fetch()
            snapshot = _Snapshot(info, self._clock() + self._ttl)
            if self._pending is this:  # not invalidated meanwhile
                self._snapshot = snapshot
            return snapshot
        finally:
            if self._pending is this:
                self._pending = None
