"""Keyword options of the order-list methods, typed (one `TypedDict` per method), and their checks.

Each placing method takes its parameters as snake_case keywords (``working_price``,
``pending_above_stop_price`` ...) which `params.trading.wire_params` turns into Binance's names. The
keys a method cannot do without are required keys of its TypedDict, so type checkers report a
missing one; the method refuses it at run time too. Leg options are declared once per leg prefix
(``above``, ``below``, ``working``, ``pending``, ``pendingAbove``, ``pendingBelow``) and combined.

The checks before anything is sent (`list_wire_params`, `check_oco`, `check_legacy_oco`,
`check_oto`): what each order of a list needs for its type (`params.trading.check_order_shape`), an OCO
pair's order types for its side, an OPO's sides; each returns the orders (`OrderLeg`) that
``validate=`` checks against the symbol's filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal, TypeAlias, TypedDict

from ..._encoding import encode_value
from ...errors import InvalidRequestError, ParameterError
from ..enums import OrderSide, OrderType, PegOffsetType, PegPriceType, SelfTradePreventionMode, TimeInForce
from ..rules.validation import OrderLeg
from .trading import Number, check_order_shape, check_positive, snake, wire_params

__all__ = [
    "LegacyOcoOptions",
    "OcoLegType",
    "OcoOptions",
    "OpoOptions",
    "OpocoOptions",
    "OtoOptions",
    "OtocoOptions",
    "WorkingType",
    "check_leg",
    "check_legacy_oco",
    "check_oco",
    "check_oto",
    "list_wire_params",
]

#: The working order of an OTO, OTOCO, OPO or OPOCO.
WorkingType: TypeAlias = Literal["LIMIT", "LIMIT_MAKER"]
#: An order of an OCO pair. Binance's table lists LIMIT_MAKER for the above order only, but its own
#: BUY rule (LIMIT_MAKER price below the last price) and ``belowPrice`` description use it below.
#: In a SELL OCO the above order is LIMIT_MAKER/TAKE_PROFIT(_LIMIT) and the below one
#: STOP_LOSS(_LIMIT); in a BUY OCO the reverse.
OcoLegType: TypeAlias = Literal[
    "STOP_LOSS", "STOP_LOSS_LIMIT", "LIMIT_MAKER", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"
]


class _ListOptions(TypedDict, total=False):
    """What every new order list takes."""

    list_client_order_id: str
    self_trade_prevention_mode: SelfTradePreventionMode
    recv_window: int


# -- the legs, one TypedDict per prefix (TypedDict keys cannot be generated) -------------------------------


class _AboveLeg(TypedDict, total=False):
    """The above order of an OCO."""

    above_client_order_id: str
    above_iceberg_qty: Number
    above_price: Number
    above_stop_price: Number
    above_trailing_delta: int
    above_time_in_force: TimeInForce
    above_strategy_id: int
    above_strategy_type: int
    above_peg_price_type: PegPriceType
    above_peg_offset_type: PegOffsetType
    above_peg_offset_value: int


class _BelowLeg(TypedDict, total=False):
    """The below order of an OCO."""

    below_client_order_id: str
    below_iceberg_qty: Number
    below_price: Number
    below_stop_price: Number
    below_trailing_delta: int
    below_time_in_force: TimeInForce
    below_strategy_id: int
    below_strategy_type: int
    below_peg_price_type: PegPriceType
    below_peg_offset_type: PegOffsetType
    below_peg_offset_value: int


class _Working(TypedDict):
    """The working order's mandatory parameters."""

    working_type: WorkingType
    working_side: OrderSide
    working_price: Number
    working_quantity: Number


class _WorkingLeg(TypedDict, total=False):
    """The working order's optional parameters."""

    working_client_order_id: str
    working_iceberg_qty: Number
    working_time_in_force: TimeInForce
    working_strategy_id: int
    working_strategy_type: int
    working_peg_price_type: PegPriceType
    working_peg_offset_type: PegOffsetType
    working_peg_offset_value: int


class _PendingLeg(TypedDict, total=False):
    """The pending order of an OTO or OPO."""

    pending_client_order_id: str
    pending_price: Number
    pending_stop_price: Number
    pending_trailing_delta: int
    pending_iceberg_qty: Number
    pending_time_in_force: TimeInForce
    pending_strategy_id: int
    pending_strategy_type: int
    pending_peg_price_type: PegPriceType
    pending_peg_offset_type: PegOffsetType
    pending_peg_offset_value: int


class _PendingAboveLeg(TypedDict, total=False):
    """The pending above order of an OTOCO or OPOCO."""

    pending_above_client_order_id: str
    pending_above_price: Number
    pending_above_stop_price: Number
    pending_above_trailing_delta: int
    pending_above_iceberg_qty: Number
    pending_above_time_in_force: TimeInForce
    pending_above_strategy_id: int
    pending_above_strategy_type: int
    pending_above_peg_price_type: PegPriceType
    pending_above_peg_offset_type: PegOffsetType
    pending_above_peg_offset_value: int


class _PendingBelowLeg(TypedDict, total=False):
    """The pending below order of an OTOCO or OPOCO (Binance marks ``pendingBelowType`` optional)."""

    pending_below_type: OcoLegType
    pending_below_client_order_id: str
    pending_below_price: Number
    pending_below_stop_price: Number
    pending_below_trailing_delta: int
    pending_below_iceberg_qty: Number
    pending_below_time_in_force: TimeInForce
    pending_below_strategy_id: int
    pending_below_strategy_type: int
    pending_below_peg_price_type: PegPriceType
    pending_below_peg_offset_type: PegOffsetType
    pending_below_peg_offset_value: int


# -- mandatory parameters of each list kind ---------------------------------------------------------------


class _LegacyOco(TypedDict):
    """The deprecated OCO's two prices."""

    price: Number
    stop_price: Number


class _Oco(TypedDict):
    """An OCO's two order types."""

    above_type: OcoLegType
    below_type: OcoLegType


class _Pending(TypedDict):
    """The pending order of an OTO or OPO."""

    pending_type: OrderType
    pending_side: OrderSide


class _PendingPair(TypedDict):
    """The pending OCO pair of an OTOCO or OPOCO (the below order is optional)."""

    pending_side: OrderSide
    pending_above_type: OcoLegType


class _PendingQuantity(TypedDict):
    """The pending quantity (OTO, OTOCO; an OPO derives it from the working order's fill)."""

    pending_quantity: Number


# -- the options of each method ---------------------------------------------------------------------------


class LegacyOcoOptions(_LegacyOco, _ListOptions, total=False):
    """Options of ``POST /api/v3/order/oco`` (deprecated) besides symbol, side and quantity.

    ``price`` (the LIMIT_MAKER order) and ``stop_price`` (the STOP_LOSS order; STOP_LOSS_LIMIT with
    ``stop_limit_price`` and ``stop_limit_time_in_force``) are required.
    """

    limit_client_order_id: str
    limit_strategy_id: int
    limit_strategy_type: int
    limit_iceberg_qty: Number
    trailing_delta: int
    stop_client_order_id: str
    stop_strategy_id: int
    stop_strategy_type: int
    stop_limit_price: Number
    stop_iceberg_qty: Number
    stop_limit_time_in_force: TimeInForce


class OcoOptions(_Oco, _ListOptions, _AboveLeg, _BelowLeg, total=False):
    """Options of ``POST /api/v3/orderList/oco`` besides symbol, side and quantity.

    ``above_type`` and ``below_type`` are required.
    """


class OpoOptions(_Working, _Pending, _ListOptions, _WorkingLeg, _PendingLeg, total=False):
    """Options of ``POST /api/v3/orderList/opo`` besides symbol.

    Required: ``working_type``, ``working_side``, ``working_price``, ``working_quantity``,
    ``pending_type``, ``pending_side``.
    """


class OtoOptions(OpoOptions, _PendingQuantity, total=False):
    """Options of ``POST /api/v3/orderList/oto`` besides symbol: an OPO's plus ``pending_quantity``."""


class OpocoOptions(
    _Working, _PendingPair, _ListOptions, _WorkingLeg, _PendingAboveLeg, _PendingBelowLeg, total=False
):
    """Options of ``POST /api/v3/orderList/opoco`` besides symbol.

    Required: ``working_type``, ``working_side``, ``working_price``, ``working_quantity``,
    ``pending_side``, ``pending_above_type``.
    """


class OtocoOptions(OpocoOptions, _PendingQuantity, total=False):
    """Options of ``POST /api/v3/orderList/otoco`` besides symbol: an OPOCO's plus ``pending_quantity``."""


# -- the checks ----------------------------------------------------------------------------------------

_STOP_LOSS = frozenset({"STOP_LOSS", "STOP_LOSS_LIMIT"})
_PROFIT = frozenset({"LIMIT_MAKER", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"})
#: The order types allowed as an OCO's (above, below) orders, by side.
_OCO_TYPES = {"SELL": (_PROFIT, _STOP_LOSS), "BUY": (_STOP_LOSS, _PROFIT)}
_WORKING_TYPES = frozenset({"LIMIT", "LIMIT_MAKER"})
#: What `SymbolRules.validate` checks of a list's order besides its quantity, under single-order names.
_LEG_AMOUNTS = ("price", "stopPrice", "trailingDelta", "icebergQty")
_LEGACY_AMOUNTS = ("quantity", "price", "stopPrice", "stopLimitPrice", "limitIcebergQty", "stopIcebergQty")


def list_wire_params(
    method: str, head: dict[str, Any], options: Mapping[str, Any], allowed: Any
) -> dict[str, Any]:
    """`head` then the options under Binance's names; a required option of `allowed` must be there."""
    missing = [name for name in sorted(allowed.__required_keys__) if options.get(name) is None]
    if missing:
        raise InvalidRequestError(f"{method}() needs {', '.join(missing)}")
    return {**head, **wire_params(options, allowed, method)}


def check_leg(side: str, order_type: str, params: Mapping[str, Any], prefix: str, quantity: Any) -> OrderLeg:
    """One order of a list, checked as `check_order_shape` checks a single order; what to validate.

    Orders that have no quantity of their own (an OCO's share ``quantity``, an OPO's pending orders
    get what the working order bought) are checked with `quantity`.
    """
    check_order_shape(order_type, {**params, f"{prefix}Quantity": quantity}, prefix)
    amounts = {name: params.get(prefix + name[0].upper() + name[1:]) for name in _LEG_AMOUNTS}
    return OrderLeg(side, order_type, {"quantity": quantity, **amounts}, prefix)


def check_oco(side: str, params: Mapping[str, Any], above: str, below: str, quantity: Any) -> list[OrderLeg]:
    """An OCO pair: the right type at the right place for `side`, then each order's shape.

    An absent below type is let through (only OTOCO/OPOCO's ``pendingBelowType`` is optional).
    """
    types = _OCO_TYPES.get(side)
    if types is None:
        raise ParameterError(f"side must be BUY or SELL, got {side!r}")
    legs = []
    for prefix, allowed in zip((above, below), types, strict=True):
        order_type = params.get(f"{prefix}Type")
        if order_type is None:
            continue
        if order_type not in allowed:
            raise InvalidRequestError(
                f"in a {side} OCO the {snake(prefix)} order is {' or '.join(sorted(allowed))}, "
                f"not {order_type!r}"
            )
        legs.append(check_leg(side, order_type, params, prefix, quantity))
    return legs


def check_legacy_oco(params: Mapping[str, Any]) -> list[OrderLeg]:
    """The deprecated OCO: positive amounts, stop-limit price with its time in force, price order.

    Its orders: ``limit``, a LIMIT_MAKER at ``price``, and ``stop``, a STOP_LOSS at ``stopPrice``
    (STOP_LOSS_LIMIT at ``stopLimitPrice`` when that is given).
    """
    check_positive(params, _LEGACY_AMOUNTS)
    if (params.get("stopLimitPrice") is None) != (params.get("stopLimitTimeInForce") is None):
        raise InvalidRequestError("stop_limit_price and stop_limit_time_in_force go together")
    side = params["side"]
    if side not in _OCO_TYPES:
        raise ParameterError(f"side must be BUY or SELL, got {side!r}")
    price = Decimal(encode_value("price", params["price"]))
    stop = Decimal(encode_value("stopPrice", params["stopPrice"]))
    if price == stop or (price < stop) != (side == "BUY"):
        where = "below" if side == "BUY" else "above"
        raise InvalidRequestError(f"a {side} OCO's price (its LIMIT_MAKER order) must be {where} stop_price")
    quantity, stop_limit_price = params["quantity"], params.get("stopLimitPrice")
    limit_leg = {"quantity": quantity, "price": params["price"], "icebergQty": params.get("limitIcebergQty")}
    stop_leg = {
        "quantity": quantity,
        "price": stop_limit_price,
        "stopPrice": params["stopPrice"],
        "trailingDelta": params.get("trailingDelta"),
        "icebergQty": params.get("stopIcebergQty"),
    }
    stop_type = "STOP_LOSS" if stop_limit_price is None else "STOP_LOSS_LIMIT"
    return [OrderLeg(side, "LIMIT_MAKER", limit_leg, "limit"), OrderLeg(side, stop_type, stop_leg, "stop")]


def check_oto(params: Mapping[str, Any], *, opo: bool, pair: bool) -> list[OrderLeg]:
    """The working order, the OPO sides, then the pending order or OCO pair."""
    working_type = params["workingType"]
    if working_type not in _WORKING_TYPES:
        raise InvalidRequestError(f"the working order is LIMIT or LIMIT_MAKER, not {working_type!r}")
    working_quantity = params["workingQuantity"]
    working = check_leg(params["workingSide"], working_type, params, "working", working_quantity)
    pending_side = params["pendingSide"]
    if opo and (params["workingSide"] != "BUY" or pending_side != "SELL"):
        raise InvalidRequestError("in an OPO the working order is a BUY and the pending orders SELL")
    quantity = working_quantity if opo else params["pendingQuantity"]
    if pair:
        return [working, *check_oco(pending_side, params, "pendingAbove", "pendingBelow", quantity)]
    return [working, check_leg(pending_side, params["pendingType"], params, "pending", quantity)]
