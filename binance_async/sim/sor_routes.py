"""Smart Order Routing, SOR allocations and prevented matches, served by the matching engine.

The simulator has one venue per symbol, so an SOR order executes on the symbol's own book like a
normal order; its response carries ``workingFloor`` "SOR" and ``usedSor``, and each fill it takes
becomes an allocation (``fills[].allocId``, GET /api/v3/myAllocations).

Every handler reads each parameter it accepts through the `Params` getters and calls
``params.finish()`` before it changes any state.
"""

from __future__ import annotations

from typing import Any

from . import sor
from .engine import Engine
from .enums import ORDER_SIDES, RESPONSE_TYPES, TIME_IN_FORCE
from .errors import SimError
from .history import read_window
from .market import STP_MODES
from .order_params import account_of, check_strategy_type, known_symbol, symbol_request, test_order_weight
from .params import Params
from .records import Allocation, NewOrder, OrderResult
from .routes import Call, Route, weight_if_sent
from .values import fmt8

__all__ = ["sor_routes"]

SIDES = ORDER_SIDES
SOR_TYPES = ("LIMIT", "MARKET")


def _read_sor_order(engine: Engine, params: Params) -> tuple[NewOrder, str]:
    """The parameters of sor/order and sor/order/test: the request and the response type."""
    symbol = known_symbol(engine, params)
    side = params.enum("side", SIDES, required=True, code=-1117)
    order_type = params.enum("type", SOR_TYPES, required=True, code=-1116)
    assert side is not None and order_type is not None
    time_in_force = params.enum("timeInForce", TIME_IN_FORCE, code=-1115)
    quantity = params.decimal("quantity", required=True)
    if params.decimal("quoteOrderQty") is not None:
        raise SimError(-1106, "Parameter 'quoteOrderQty' sent when not required.")
    response_type = params.enum("newOrderRespType", RESPONSE_TYPES) or "FULL"
    strategy_type = check_strategy_type(params.integer("strategyType"))
    request = NewOrder(
        symbol=symbol,
        side="BUY" if side == "BUY" else "SELL",
        type=order_type,
        quantity=quantity,
        price=params.decimal("price"),
        time_in_force=time_in_force,
        iceberg_qty=params.decimal("icebergQty"),
        client_order_id=params.text("newClientOrderId"),
        stp_mode=params.enum("selfTradePreventionMode", STP_MODES),
        strategy_id=params.integer("strategyId"),
        strategy_type=strategy_type,
    )
    return request, response_type


def _sor_body(result: OrderResult, allocations: list[Allocation], response_type: str) -> dict[str, Any]:
    if response_type == "ACK":
        return result.order.ack_body(result.transact_time)
    body = result.order.result_body(result.transact_time)
    stp_mode = body.pop("selfTradePreventionMode")
    if response_type == "FULL":
        body["fills"] = [
            {
                "matchType": "ONE_PARTY_TRADE_REPORT",
                "price": fmt8(a.price),
                "qty": fmt8(a.qty),
                "commission": fmt8(a.commission),
                "commissionAsset": a.commission_asset,
                "tradeId": -1,
                "allocId": a.allocation_id,
            }
            for a in allocations
        ]
    body["workingFloor"] = "SOR"
    body["selfTradePreventionMode"] = stp_mode
    body["usedSor"] = True
    return body


def _commission_for_order(engine: Engine, symbol: str) -> dict[str, Any]:
    rates = engine.commission_body(symbol)
    standard, tax = rates["standardCommission"], rates["taxCommission"]
    return {
        "standardCommissionForOrder": {"maker": standard["maker"], "taker": standard["taker"]},
        "taxCommissionForOrder": {"maker": tax["maker"], "taker": tax["taker"]},
        "discount": rates["discount"],
    }


def sor_routes(engine: Engine) -> list[Route]:
    """POST /api/v3/sor/order, POST /api/v3/sor/order/test, GET /api/v3/myAllocations and
    GET /api/v3/myPreventedMatches."""

    def sor_order(call: Call) -> Any:
        account = account_of(call)
        request, response_type = _read_sor_order(engine, call.params)
        call.params.finish()
        result = engine.place(account, request)
        allocations = sor.allocate(engine.matcher, account, request, result)
        return _sor_body(result, allocations, response_type)

    def sor_order_test(call: Call) -> Any:
        account = account_of(call)
        request, _ = _read_sor_order(engine, call.params)
        compute = call.params.boolean("computeCommissionRates")
        call.params.finish()
        engine.validate(account, request)  # every check a real order gets; nothing is placed
        return _commission_for_order(engine, request.symbol) if compute else {}

    def my_allocations(call: Call) -> Any:
        params, account, symbol = symbol_request(engine, call)
        window = read_window(
            params, "startTime", "endTime", "fromAllocationId", "orderId", from_name="fromAllocationId"
        )
        params.finish()
        found = sor.allocations(engine.matcher, account, symbol, window)
        return [a.body() for a in found]

    def my_prevented_matches(call: Call) -> Any:
        params, account, symbol = symbol_request(engine, call)
        prevented_id = params.integer("preventedMatchId")
        window = read_window(params, "orderId", "fromPreventedMatchId", from_name="fromPreventedMatchId")
        params.finish()
        found = sor.prevented_matches(engine.matcher, account, symbol, prevented_id, window)
        return [p.body() for p in found]

    prevented_weight = weight_if_sent("orderId", 20, 2)
    return [
        Route("POST", "/api/v3/sor/order", sor_order, weight=1, security="TRADE", orders=1),
        Route("POST", "/api/v3/sor/order/test", sor_order_test, weight=test_order_weight, security="TRADE"),
        Route("GET", "/api/v3/myAllocations", my_allocations, weight=20, security="USER_DATA"),
        Route(
            "GET",
            "/api/v3/myPreventedMatches",
            my_prevented_matches,
            weight=prevented_weight,
            security="USER_DATA",
        ),
    ]
