"""Parameter helpers shared by the order, order-list and SOR endpoints."""

from __future__ import annotations

from .engine import Engine
from .enums import ORDER_SIDES, ORDER_TYPES, RESPONSE_TYPES, TIME_IN_FORCE
from .errors import SimError
from .market import STP_MODES
from .params import Params
from .records import NewOrder
from .routes import Call
from .values import Side

__all__ = [
    "PEG_PRICE_TYPES",
    "Peg",
    "account_of",
    "check_strategy_type",
    "known_symbol",
    "read_new_order",
    "read_peg",
    "symbol_request",
    "test_order_weight",
]

PEG_PRICE_TYPES = ("PRIMARY_PEG", "MARKET_PEG")
PEG_OFFSET_TYPES = ("PRICE_LEVEL",)
MAX_PEG_OFFSET = 100
PEG_NAMES = ("PegPriceType", "PegOffsetType", "PegOffsetValue")
#: pegPriceType, pegOffsetType, pegOffsetValue
Peg = tuple[str | None, str | None, int | None]


def account_of(call: Call) -> str:
    """The account of a signed request."""
    if call.account is None:  # the app sets it for every signed route
        raise SimError(-2015, "Invalid API-key, IP, or permissions for action.", status=401)
    return call.account


def known_symbol(engine: Engine, params: Params) -> str:
    """The mandatory ``symbol``, which must be listed (-1121 otherwise)."""
    symbol = params.symbol()
    assert symbol is not None  # required
    engine.market.require(symbol)
    return symbol


def symbol_request(engine: Engine, call: Call) -> tuple[Params, str, str]:
    """A signed request on one listed symbol: its parameters, its account (`account_of`) and the
    symbol (`known_symbol`)."""
    params = call.params
    return params, account_of(call), known_symbol(engine, params)


def check_strategy_type(strategy_type: int | None) -> int | None:
    """`strategy_type` as read, unless it is below 1000000 (-1134)."""
    if strategy_type is not None and strategy_type < 1_000_000:
        raise SimError(-1134, "strategyType was less than 1000000.")
    return strategy_type


def test_order_weight(params: Params) -> int:
    """order/test and sor/order/test: 20 with ``computeCommissionRates=true``, else 1."""
    return 20 if params.values.get("computeCommissionRates", "").lower() == "true" else 1


def read_peg(params: Params, prefix: str = "") -> Peg:
    """``pegPriceType``, ``pegOffsetType`` and ``pegOffsetValue`` (``{prefix}PegPriceType`` ... for an
    order-list leg): -1210/-1211 for an unknown type, -1102 for an offset above 100, -1128 unless the
    two offset parameters come together. The engine checks the rest (`Engine.validate`)."""
    names = [f"{prefix}{n}" if prefix else n[0].lower() + n[1:] for n in PEG_NAMES]
    price_type, offset_type, offset_value = names
    peg = params.text(price_type)
    if peg is not None and peg not in PEG_PRICE_TYPES:
        raise SimError(-1210, "Invalid pegPriceType.")
    kind = params.text(offset_type)
    if kind is not None and kind not in PEG_OFFSET_TYPES:
        raise SimError(-1211, "Invalid pegOffsetType.")
    value = params.integer(offset_value)
    if value is not None and value > MAX_PEG_OFFSET:
        raise SimError(
            -1102, f"'{offset_value}' contains unexpected value. Cannot be greater than {MAX_PEG_OFFSET}."
        )
    if (kind is None) != (value is None):
        raise SimError(
            -1128,
            f"Combination of optional fields invalid. Recommendation: '{offset_type}' and "
            f"'{offset_value}' must both be sent.",
        )
    return peg, kind, value


def read_new_order(engine: Engine, params: Params) -> tuple[NewOrder, str]:
    """The new order of ``POST /api/v3/order``, its test twin and cancelReplace, and the response type
    asked for (by default FULL for MARKET and LIMIT orders, else ACK)."""
    symbol = known_symbol(engine, params)
    side = params.enum("side", ORDER_SIDES, required=True, code=-1117)
    order_type = params.enum("type", ORDER_TYPES, required=True, code=-1116)
    assert side is not None and order_type is not None
    time_in_force = params.enum("timeInForce", TIME_IN_FORCE, code=-1115)
    response_type = params.enum("newOrderRespType", RESPONSE_TYPES)
    stp_mode = params.enum("selfTradePreventionMode", STP_MODES)
    strategy_type = check_strategy_type(params.integer("strategyType"))
    side_value: Side = "BUY" if side == "BUY" else "SELL"
    peg_price_type, peg_offset_type, peg_offset_value = read_peg(params)
    request = NewOrder(
        symbol=symbol,
        side=side_value,
        type=order_type,
        quantity=params.decimal("quantity"),
        quote_order_qty=params.decimal("quoteOrderQty"),
        price=params.decimal("price"),
        stop_price=params.decimal("stopPrice"),
        trailing_delta=params.integer("trailingDelta"),
        time_in_force=time_in_force,
        iceberg_qty=params.decimal("icebergQty"),
        client_order_id=params.text("newClientOrderId"),
        stp_mode=stp_mode,
        strategy_id=params.integer("strategyId"),
        strategy_type=strategy_type,
        peg_price_type=peg_price_type,
        peg_offset_type=peg_offset_type,
        peg_offset_value=peg_offset_value,
    )
    if response_type is None:
        response_type = "FULL" if order_type in ("MARKET", "LIMIT") else "ACK"
    return request, response_type
