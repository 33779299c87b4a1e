"""Keyword options of the order methods, typed, and their checks before anything is sent.

The order endpoints take up to 35 optional parameters. Each method declares them once, as a
`TypedDict` of snake_case names (``time_in_force``, ``quote_order_qty`` ...), so type checkers and
IDEs see every option with its type, and `wire_params` turns them into Binance's camelCase names,
refusing names the endpoint does not take. `check_order_shape` applies Binance's per-type rules
(which parameters a LIMIT, MARKET or STOP_LOSS order needs) so that a malformed order is refused
locally with a clear `InvalidRequestError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypedDict, get_type_hints

from ..._encoding import check_recv_window as _check_recv_window
from ..._encoding import encode_value
from ...errors import InvalidRequestError, ParameterError
from .._common import check_enum, literal_values
from ..enums import (
    CancelRestrictions,
    OrderRateLimitExceededMode,
    OrderResponseType,
    PegOffsetType,
    PegPriceType,
    SelfTradePreventionMode,
    TimeInForce,
)

__all__ = [
    "CancelReplaceOptions",
    "Number",
    "OrderOptions",
    "SorOrderOptions",
    "TestOrderOptions",
    "TestSorOrderOptions",
    "camel",
    "check_order_shape",
    "check_positive",
    "check_recv_window",
    "snake",
    "wire_params",
]

#: A decimal amount: ``Decimal`` (best), ``int``, ``str`` (ASCII digits), or ``float`` (sent as its
#: shortest repr; refused when that has more than 8 decimals, like ``0.1 + 0.2``).
Number = Decimal | int | float | str


class OrderOptions(TypedDict, total=False):
    """Options of ``POST /api/v3/order`` besides symbol, side, type and newOrderRespType."""

    time_in_force: TimeInForce
    quantity: Number
    quote_order_qty: Number
    price: Number
    new_client_order_id: str
    strategy_id: int
    strategy_type: int
    stop_price: Number
    trailing_delta: int
    iceberg_qty: Number
    self_trade_prevention_mode: SelfTradePreventionMode
    peg_price_type: PegPriceType
    peg_offset_value: int
    peg_offset_type: PegOffsetType
    recv_window: int


class TestOrderOptions(OrderOptions, total=False):
    """Options of ``POST /api/v3/order/test``: a new order's, plus commission rates."""

    new_order_resp_type: OrderResponseType
    compute_commission_rates: bool


class CancelReplaceOptions(OrderOptions, total=False):
    """Options of ``POST /api/v3/order/cancelReplace``: which order to cancel, then the new one."""

    cancel_order_id: int
    cancel_orig_client_order_id: str
    cancel_new_client_order_id: str
    cancel_restrictions: CancelRestrictions
    order_rate_limit_exceeded_mode: OrderRateLimitExceededMode


class SorOrderOptions(TypedDict, total=False):
    """Options of ``POST /api/v3/sor/order`` besides symbol, side, type and quantity."""

    time_in_force: TimeInForce
    price: Number
    new_client_order_id: str
    strategy_id: int
    strategy_type: int
    iceberg_qty: Number
    self_trade_prevention_mode: SelfTradePreventionMode
    recv_window: int


class TestSorOrderOptions(SorOrderOptions, total=False):
    """Options of ``POST /api/v3/sor/order/test``."""

    new_order_resp_type: OrderResponseType
    compute_commission_rates: bool


@lru_cache(maxsize=512)
def camel(name: str) -> str:
    """``quote_order_qty`` -> ``quoteOrderQty``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


#: Option types checked before sending; other options (amounts) have checks of their own, and an
#: enumeration (a Literal of strings) is checked for its spelling (`check_enum`).
_PLAIN = (int, str, bool)


def _schema(options: type) -> dict[str, type | frozenset[str] | None]:
    """Every option name of a TypedDict, with its type if that is int, str or bool, or the values of
    its Literal."""
    schema: dict[str, type | frozenset[str] | None] = {}
    for name, hint in get_type_hints(options).items():
        schema[name] = hint if hint in _PLAIN else literal_values(hint)
    return schema


_SCHEMAS: dict[type, dict[str, type | frozenset[str] | None]] = {}


def wire_params(options: Mapping[str, Any], allowed: type, method: str) -> dict[str, Any]:
    """`options` under Binance's names; an option `allowed` (a TypedDict) does not list is refused.

    None values are dropped. An option typed int, str or bool must be one (an int option is never a
    bool or a numeric string), an enumeration given in the wrong case (``time_in_force="gtc"``) is
    refused with its spelling (`check_enum`), and ``recv_window`` must be within Binance's 60000 ms
    ceiling.
    """
    schema = _SCHEMAS.get(allowed)
    if schema is None:
        schema = _SCHEMAS[allowed] = _schema(allowed)
    wire: dict[str, Any] = {}
    for name, value in options.items():
        if name not in schema:
            raise InvalidRequestError(f"{method}() got an unknown option {name!r}")
        if value is None:
            continue
        expected = schema[name]
        if isinstance(expected, frozenset):
            check_enum(name, value, expected)
        elif expected is not None and not (
            isinstance(value, str) if expected is str else type(value) is expected
        ):
            raise ParameterError(
                f"{method}() option {name} must be {expected.__name__}, got {type(value).__name__}"
            )
        wire[camel(name)] = value
    check_recv_window(wire.get("recvWindow"))
    return wire


def check_recv_window(window: object) -> int | None:
    """`window` if None (the client's default applies), else `binance_async._encoding.check_recv_window`."""
    return None if window is None else _check_recv_window(window)


_AMOUNTS = ("quantity", "quoteOrderQty", "price", "stopPrice", "icebergQty")


_PLAIN_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?|\.[0-9]+")


def check_positive(params: Mapping[str, Any], names: tuple[str, ...] = _AMOUNTS) -> None:
    """Refuse an amount that is not a plain decimal number greater than zero, as it would be sent.

    Strings are sent as given, so one must already be plain decimal digits (``"0.001"``, never
    ``"1e-3"``, ``" 1"`` or ``"-1"``); numbers are encoded first (`encode_value`), then checked.
    """
    for name in names:
        value = params.get(name)
        if value is None:
            continue
        text = encode_value(name, value)
        if _PLAIN_DECIMAL.fullmatch(text) is None:
            raise ParameterError(f"{name} must be a plain decimal number greater than zero, got {value!r}")
        if not Decimal(text) > 0:
            raise ParameterError(f"{name} must be greater than zero, got {value!r}")


# What each order type needs (Binance's "conditional mandatory" rules). A tuple inside the
# tuple means "at least one of".
_NEEDS: dict[str, tuple[str | tuple[str, ...], ...]] = {
    "LIMIT": ("timeInForce", "quantity", ("price", "pegPriceType")),
    "MARKET": (("quantity", "quoteOrderQty"),),
    "STOP_LOSS": ("quantity", ("stopPrice", "trailingDelta")),
    "TAKE_PROFIT": ("quantity", ("stopPrice", "trailingDelta")),
    "STOP_LOSS_LIMIT": ("timeInForce", "quantity", ("price", "pegPriceType"), ("stopPrice", "trailingDelta")),
    "TAKE_PROFIT_LIMIT": (
        "timeInForce",
        "quantity",
        ("price", "pegPriceType"),
        ("stopPrice", "trailingDelta"),
    ),
    "LIMIT_MAKER": ("quantity", ("price", "pegPriceType")),
}


def check_order_shape(order_type: str, params: Mapping[str, Any], prefix: str = "") -> None:
    """Refuse an order missing what its type needs, or giving what it cannot take.

    `prefix` names one leg of an order list (``"above"``, ``"working"`` ...), whose parameters
    carry it (``abovePrice``); messages use the snake_case option names.
    """

    def key(name: str) -> str:
        return prefix + name[0].upper() + name[1:] if prefix else name

    def given(name: str) -> bool:
        return params.get(key(name)) is not None

    def option(name: str) -> str:
        return snake(key(name))

    needs = _NEEDS.get(order_type) if isinstance(order_type, str) else None  # a list is unhashable
    if needs is None:
        raise ParameterError(f"unknown order type {order_type!r}; expected one of {', '.join(_NEEDS)}")
    for need in needs:
        if isinstance(need, str):
            if not given(need):
                raise InvalidRequestError(f"a {order_type} order needs {option(need)}")
        elif not any(given(name) for name in need):
            choices = " or ".join(option(name) for name in need)
            raise InvalidRequestError(f"a {order_type} order needs {choices}")
    if order_type == "MARKET" and given("quantity") and given("quoteOrderQty"):
        raise InvalidRequestError("a MARKET order takes quantity or quote_order_qty, not both")
    if order_type != "MARKET" and given("quoteOrderQty"):
        raise InvalidRequestError(f"quote_order_qty is only for MARKET orders, not {order_type}")
    if given("pegOffsetValue") != given("pegOffsetType"):
        raise InvalidRequestError(f"{option('pegOffsetValue')} and {option('pegOffsetType')} go together")
    check_positive(params, tuple(key(name) for name in _AMOUNTS))


def snake(name: str) -> str:
    """``quoteOrderQty`` -> ``quote_order_qty`` (Binance's name as the option's name)."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
