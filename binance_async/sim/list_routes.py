"""Cancel-replace and the order-list endpoints, served by the matching engine.

Every handler reads each parameter it accepts through the `Params` getters and calls
``params.finish()`` before it changes any state. ``orderRateLimitExceededMode`` of cancelReplace is
accepted and ignored (the unfilled-order count is checked by the app before the handler runs).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from .engine import Engine
from .enums import CANCEL_RESTRICTIONS, ORDER_SIDES, ORDER_TYPES, RESPONSE_TYPES, TIME_IN_FORCE
from .errors import SimError, mandatory, not_required
from .history import read_window
from .market import STP_MODES
from .order_params import account_of, check_strategy_type, read_new_order, read_peg, symbol_request
from .params import Params
from .records import NewOrder, Order, OrderList
from .routes import Call, Route
from .values import Side

__all__ = ["list_routes"]

SIDES = ORDER_SIDES
ABOVE_TYPES = ("STOP_LOSS_LIMIT", "STOP_LOSS", "LIMIT_MAKER", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
BELOW_TYPES = ("STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT", "LIMIT_MAKER")
WORKING_TYPES = ("LIMIT", "LIMIT_MAKER")
PENDING_TYPES = ORDER_TYPES
STOP_LOSS_TYPES = ("STOP_LOSS", "STOP_LOSS_LIMIT")


def _side(value: str | None) -> Side:
    return "BUY" if value == "BUY" else "SELL"


def _error_body(error: SimError) -> dict[str, Any]:
    return {"code": error.code, "msg": error.msg}


def _list_options(params: Params) -> tuple[str | None, str, str | None]:
    """``listClientOrderId``, ``newOrderRespType`` (default RESULT) and ``selfTradePreventionMode`` of
    a new order list."""
    return (
        params.text("listClientOrderId"),
        params.enum("newOrderRespType", RESPONSE_TYPES) or "RESULT",
        params.enum("selfTradePreventionMode", STP_MODES),
    )


def _leg(params: Params, symbol: str, prefix: str, types: tuple[str, ...], side: Side | None) -> NewOrder:
    """One leg read from ``{prefix}Type``, ``{prefix}Price``, ... (``prefix`` "" reads plain names)."""

    def name(suffix: str) -> str:
        return f"{prefix}{suffix}" if prefix else suffix[0].lower() + suffix[1:]

    order_type = params.enum(name("Type"), types, required=True, code=-1116)
    if side is None:
        side = _side(params.enum(name("Side"), SIDES, required=True, code=-1117))
    assert order_type is not None
    strategy_type = check_strategy_type(params.integer(name("StrategyType")))
    peg_price_type, peg_offset_type, peg_offset_value = read_peg(params, prefix)
    return NewOrder(
        symbol=symbol,
        side=side,
        type=order_type,
        price=params.decimal(name("Price")),
        stop_price=params.decimal(name("StopPrice")),
        trailing_delta=params.integer(name("TrailingDelta")),
        time_in_force=params.enum(name("TimeInForce"), TIME_IN_FORCE, code=-1115),
        iceberg_qty=params.decimal(name("IcebergQty")),
        client_order_id=params.text(name("ClientOrderId")),
        strategy_id=params.integer(name("StrategyId")),
        strategy_type=strategy_type,
        peg_price_type=peg_price_type,
        peg_offset_type=peg_offset_type,
        peg_offset_value=peg_offset_value,
    )


def _check_oco_prices(engine: Engine, side: Side, above: NewOrder, below: NewOrder) -> None:
    """Binance's price relationships of an OCO pair against the last price."""
    if (above.type in STOP_LOSS_TYPES) == (below.type in STOP_LOSS_TYPES):
        raise SimError(-1158, "Order type not supported in OCO.")
    stop_leg, profit_leg = (above, below) if above.type in STOP_LOSS_TYPES else (below, above)
    if (side == "SELL") != (profit_leg is above):
        raise SimError(-1158, "Order type not supported in OCO.")
    last = engine.market.last_price(above.symbol)
    stop = stop_leg.stop_price
    if stop is not None and (stop <= last if side == "BUY" else stop >= last):
        raise SimError(
            -1196 if side == "BUY" else -1197,
            f"A stop loss order in a {side.lower()} OCO must be {'above' if side == 'BUY' else 'below'}.",
        )
    if profit_leg.type == "LIMIT_MAKER":
        price = profit_leg.price
        if price is not None and (price >= last if side == "BUY" else price <= last):
            raise SimError(
                -1165 if side == "BUY" else -1166,
                f"A limit order in a {side.lower()} OCO must be {'below' if side == 'BUY' else 'above'}.",
            )
    else:
        stop = profit_leg.stop_price
        if stop is not None and (stop >= last if side == "BUY" else stop <= last):
            raise SimError(
                -1198 if side == "BUY" else -1199,
                f"A take profit order in a {side.lower()} OCO must be "
                f"{'below' if side == 'BUY' else 'above'}.",
            )


def _list_body(order_list: OrderList, orders: list[Order], response_type: str) -> dict[str, Any]:
    """The placement answer: the list and a report of each order (FULL: with its fills)."""
    body = order_list.body()
    reports = [o.placement_body(order_list.transaction_time, response_type) for o in orders]
    if order_list.opo:  # the pending quantity is not known until the working order fills
        for order, report in zip(orders, reports, strict=True):
            if order.status == "PENDING_NEW":
                report.pop("origQty", None)
    body["orderReports"] = reports
    return body


def list_routes(engine: Engine) -> list[Route]:
    """cancelReplace and the order-list endpoints."""

    def cancel_replace(call: Call) -> Any:
        params = call.params
        account = account_of(call)
        request, response_type = read_new_order(engine, params)
        mode = params.enum("cancelReplaceMode", ("STOP_ON_FAILURE", "ALLOW_FAILURE"), required=True)
        cancel_id = params.integer("cancelOrderId")
        cancel_client_id = params.text("cancelOrigClientOrderId")
        cancel_new_client_id = params.text("cancelNewClientOrderId")
        restriction = params.enum("cancelRestrictions", CANCEL_RESTRICTIONS, code=-1145)
        params.enum("orderRateLimitExceededMode", ("DO_NOTHING", "CANCEL_ONLY"))  # accepted, ignored
        symbol = request.symbol
        if cancel_id is None and cancel_client_id is None:
            raise SimError(
                -1102,
                "Param 'cancelOrigClientOrderId' or 'cancelOrderId' must be sent, but both were empty/null!",
            )
        params.finish()
        engine.validate(account, request)  # filters are checked before anything is processed
        cancel_ok = new_ok = False
        cancel_body: Any = None
        new_body: Any = None
        try:
            cancel_body = engine.cancel(
                account, symbol, cancel_id, cancel_client_id, cancel_new_client_id, restriction
            )
            cancel_ok = True
        except SimError as error:
            cancel_body = _error_body(error)
        new_result = "NOT_ATTEMPTED"
        if cancel_ok or mode == "ALLOW_FAILURE":
            try:
                new_body = engine.place(account, request).body(response_type)
                new_ok, new_result = True, "SUCCESS"
            except SimError as error:
                new_body, new_result = _error_body(error), "FAILURE"
        body = {
            "cancelResult": "SUCCESS" if cancel_ok else "FAILURE",
            "newOrderResult": new_result,
            "cancelResponse": cancel_body,
            "newOrderResponse": new_body,
        }
        if cancel_ok and new_ok:
            return body
        if not cancel_ok and not new_ok:
            raise SimError(-2022, "Order cancel-replace failed.", status=400, data=body)
        raise SimError(-2021, "Order cancel-replace partially failed.", status=409, data=body)

    def oco(call: Call) -> Any:
        params, account, symbol = symbol_request(engine, call)
        side = _side(params.enum("side", SIDES, required=True, code=-1117))
        quantity = params.decimal("quantity", required=True)
        list_client_id, response_type, stp_mode = _list_options(params)
        above = _leg(params, symbol, "above", ABOVE_TYPES, side)
        below = _leg(params, symbol, "below", BELOW_TYPES, side)
        params.finish()
        for leg in (above, below):
            leg.quantity, leg.stp_mode = quantity, stp_mode
            engine.validate(account, leg)
        _check_oco_prices(engine, side, above, below)
        legs = [below, above] if side == "SELL" else [above, below]  # the stop-loss leg first
        order_list, orders = engine.lists.place_list(account, None, legs, list_client_id)
        return _list_body(order_list, orders, response_type)

    def legacy_oco(call: Call) -> Any:
        """The deprecated POST /api/v3/order/oco: a LIMIT_MAKER leg at ``price`` and a STOP_LOSS leg
        at ``stopPrice`` (STOP_LOSS_LIMIT with ``stopLimitPrice``), both of ``quantity``."""
        params, account, symbol = symbol_request(engine, call)
        side = _side(params.enum("side", SIDES, required=True, code=-1117))
        quantity = params.decimal("quantity", required=True)
        list_client_id, response_type, stp_mode = _list_options(params)
        stop_limit_price = params.decimal("stopLimitPrice")
        stop_tif = params.enum("stopLimitTimeInForce", TIME_IN_FORCE, code=-1115)
        limit_type, stop_type = params.integer("limitStrategyType"), params.integer("stopStrategyType")
        for strategy_type in (limit_type, stop_type):  # both read before either is checked
            check_strategy_type(strategy_type)

        def leg(prefix: str, order_type: str, strategy_type: int | None, **fields: Any) -> NewOrder:
            """A leg of `quantity`: `fields` (read first), then ``{prefix}IcebergQty``,
            ``{prefix}ClientOrderId`` and ``{prefix}StrategyId``."""
            return NewOrder(
                symbol=symbol,
                side=side,
                type=order_type,
                quantity=quantity,
                **fields,
                iceberg_qty=params.decimal(f"{prefix}IcebergQty"),
                client_order_id=params.text(f"{prefix}ClientOrderId"),
                stp_mode=stp_mode,
                strategy_id=params.integer(f"{prefix}StrategyId"),
                strategy_type=strategy_type,
            )

        limit = leg("limit", "LIMIT_MAKER", limit_type, price=params.decimal("price", required=True))
        stop = leg(
            "stop",
            "STOP_LOSS" if stop_limit_price is None else "STOP_LOSS_LIMIT",
            stop_type,
            price=stop_limit_price,
            stop_price=params.decimal("stopPrice", required=True),
            trailing_delta=params.integer("trailingDelta"),  # the stop leg trails
            time_in_force=stop_tif,
        )
        params.finish()
        if stop_limit_price is not None and stop_tif is None:
            raise mandatory("stopLimitTimeInForce")
        if stop_limit_price is None and stop_tif is not None:
            raise not_required("stopLimitTimeInForce")
        engine.validate(account, limit)
        engine.validate(account, stop)
        last = engine.market.last_price(symbol)
        assert limit.price is not None and stop.stop_price is not None
        if side == "SELL":
            ordered = limit.price > last > stop.stop_price
        else:
            ordered = limit.price < last < stop.stop_price
        if not ordered:
            raise SimError(-2010, "The relationship of the prices for the orders is not correct.")
        order_list, orders = engine.lists.place_list(account, None, [stop, limit], list_client_id)
        return _list_body(order_list, orders, response_type)

    def oto(call: Call, *, with_oco: bool, opo: bool) -> Any:
        params, account, symbol = symbol_request(engine, call)
        list_client_id, response_type, stp_mode = _list_options(params)
        working = _leg(params, symbol, "working", WORKING_TYPES, None)
        working.quantity = params.decimal("workingQuantity", required=True)
        pending_quantity = None if opo else params.decimal("pendingQuantity", required=True)
        legs: list[NewOrder]
        if with_oco:
            pending_side = _side(params.enum("pendingSide", SIDES, required=True, code=-1117))
            legs = [
                _leg(params, symbol, "pendingAbove", ABOVE_TYPES, pending_side),
                _leg(params, symbol, "pendingBelow", BELOW_TYPES, pending_side),
            ]
        else:
            legs = [_leg(params, symbol, "pending", PENDING_TYPES, None)]
        params.finish()
        if opo and working.side != "BUY":
            raise SimError(-1222, "Working order in an OPO list must be a bid.")
        if opo and any(leg.side != "SELL" for leg in legs):
            raise SimError(-1223, "Pending orders in an OPO list must be asks.")
        working.stp_mode = stp_mode
        engine.validate(account, working)
        for leg in legs:
            leg.stp_mode = stp_mode
            leg.quantity = pending_quantity if pending_quantity is not None else working.quantity
            engine.validate(account, leg)
        if len(legs) == 2:
            _check_oco_prices(engine, legs[0].side, legs[0], legs[1])
            if legs[0].side == "SELL":
                legs.reverse()  # the stop-loss leg first
        order_list, orders = engine.lists.place_list(
            account, working, legs, list_client_id, oco=with_oco, opo=opo
        )
        return _list_body(order_list, orders, response_type)

    def cancel_list(call: Call) -> Any:
        params, account, symbol = symbol_request(engine, call)
        list_id = params.integer("orderListId")
        client_id = params.text("listClientOrderId")
        new_client_id = params.text("newClientOrderId")
        params.finish()
        return engine.lists.cancel_list(account, symbol, list_id, client_id, new_client_id)

    def get_list(call: Call) -> Any:
        params = call.params
        account = account_of(call)
        list_id = params.integer("orderListId")
        client_id = params.text("origClientOrderId")
        params.finish()
        return engine.lists.get_list(account, list_id, client_id).body()

    def all_lists(call: Call) -> Any:
        params = call.params
        account = account_of(call)
        window = read_window(params, "fromId", "startTime", "endTime")
        params.finish()
        return [lst.body() for lst in engine.lists.all_lists(account, window)]

    def open_lists(call: Call) -> Any:
        account = account_of(call)
        call.params.finish()
        return [lst.body() for lst in engine.lists.open_lists(account)]

    def my_filters(call: Call) -> Any:
        params, _, symbol = symbol_request(engine, call)
        params.finish()
        config = engine.market.config
        return {  # the exchange filters are exchangeInfo's; the asset filters apply to every account
            "exchangeFilters": config.exchange_filters,
            "symbolFilters": engine.market.filters(symbol),
            "assetFilters": config.asset_filters,
        }

    return [
        Route("POST", "/api/v3/order/cancelReplace", cancel_replace, weight=1, security="TRADE", orders=1),
        Route("POST", "/api/v3/orderList/oco", oco, weight=1, security="TRADE", orders=2),
        Route("POST", "/api/v3/order/oco", legacy_oco, weight=1, security="TRADE", orders=2),
        *(
            Route(
                "POST",
                f"/api/v3/orderList/{kind}",
                partial(oto, with_oco=with_oco, opo=opo),
                weight=1,
                security="TRADE",
                orders=3 if with_oco else 2,
            )
            for kind, with_oco, opo in (
                ("oto", False, False),
                ("otoco", True, False),
                ("opo", False, True),
                ("opoco", True, True),
            )
        ),
        Route("DELETE", "/api/v3/orderList", cancel_list, weight=1, security="TRADE"),
        Route("GET", "/api/v3/orderList", get_list, weight=4, security="USER_DATA"),
        Route("GET", "/api/v3/allOrderList", all_lists, weight=20, security="USER_DATA"),
        Route("GET", "/api/v3/openOrderList", open_lists, weight=6, security="USER_DATA"),
        Route("GET", "/api/v3/myFilters", my_filters, weight=40, security="USER_DATA"),
    ]
