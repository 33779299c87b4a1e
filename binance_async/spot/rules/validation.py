"""The checks of one order against a symbol's filters, as Binance makes them (`SymbolRules.validate`).

`OrderLeg` is what a client method hands over to be checked: a single order, or one order of a list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from ...errors import OrderValidationError
from ..models.filters import PercentPrice, PercentPriceBySide, TrailingDelta
from .rounding import _fmt, _violation

__all__ = ["ORDER_PARAMS", "ORDER_TYPE", "OrderLeg"]

#: ``filter_type`` of an :class:`OrderValidationError` for an order type the symbol does not allow.
ORDER_TYPE = "ORDER_TYPE"
#: ``filter_type`` of an :class:`OrderValidationError` for a missing, unused or non-positive parameter.
ORDER_PARAMS = "ORDER_PARAMS"


class OrderLeg(NamedTuple):
    """One order to check against the symbol's filters: a single order, or one order of a list.

    `params` holds the order's amounts under Binance's single-order names (``quantity``, ``price``,
    ``quoteOrderQty``, ``stopPrice``, ``trailingDelta``, ``icebergQty``); `name` is a list order's
    prefix (``"above"``, ``"pendingBelow"`` ...), empty for a single order.
    """

    side: str
    type: str
    params: Mapping[str, Any]
    name: str = ""


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
