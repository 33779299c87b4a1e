"""The trading and order-query endpoints, served by the matching engine.

Each handler reads every parameter it accepts through the `Params` getters, then calls
``params.finish()`` (-1104 for an unknown extra parameter) BEFORE touching the engine, so a request that
is going to be refused never places or cancels anything.
"""

from __future__ import annotations

from typing import Any

from .engine import Engine
from .enums import CANCEL_RESTRICTIONS
from .history import page_limit, read_window
from .order_params import account_of, read_new_order, symbol_request, test_order_weight
from .routes import Call, Route, weight_if_sent

__all__ = ["order_routes"]


def _commission_for_order(engine: Engine, symbol: str) -> dict[str, Any]:
    """``order/test`` with ``computeCommissionRates=true``: the rates this order would pay."""
    rates = engine.commission_body(symbol)["standardCommission"]
    per_order = {"maker": rates["maker"], "taker": rates["taker"]}
    zero = {"maker": "0.00000000", "taker": "0.00000000"}
    return {
        "standardCommissionForOrder": per_order,
        "specialCommissionForOrder": zero,
        "taxCommissionForOrder": zero,
        "discount": {
            "enabledForAccount": False,
            "enabledForSymbol": False,
            "discountAsset": "BNB",
            "discount": "0.25000000",
        },
    }


def order_routes(engine: Engine) -> list[Route]:
    """Every order endpoint the engine serves."""

    def new_order(call: Call) -> Any:
        account = account_of(call)
        request, response_type = read_new_order(engine, call.params)
        call.params.finish()
        return engine.place(account, request).body(response_type)

    def test_order(call: Call) -> Any:
        account = account_of(call)
        request, _ = read_new_order(engine, call.params)
        compute = call.params.boolean("computeCommissionRates")
        call.params.finish()
        engine.validate(account, request)  # every check a real order gets, then nothing is placed
        return _commission_for_order(engine, request.symbol) if compute else {}

    def cancel_order(call: Call) -> Any:
        params, account, symbol = symbol_request(engine, call)
        order_id = params.integer("orderId")
        client_id = params.text("origClientOrderId")
        new_client_id = params.text("newClientOrderId")
        restriction = params.enum("cancelRestrictions", CANCEL_RESTRICTIONS, code=-1145)
        params.finish()
        return engine.cancel(account, symbol, order_id, client_id, new_client_id, restriction)

    def cancel_open_orders(call: Call) -> Any:
        params, account, symbol = symbol_request(engine, call)
        params.finish()
        return engine.cancel_all(account, symbol)

    def get_order(call: Call) -> Any:
        params, account, symbol = symbol_request(engine, call)
        order_id = params.integer("orderId")
        client_id = params.text("origClientOrderId")
        params.finish()
        return engine.get_order(account, symbol, order_id, client_id).query_body()

    def open_orders(call: Call) -> Any:
        params = call.params
        account = account_of(call)
        symbol = params.symbol(required=False)
        if symbol is not None:
            engine.market.require(symbol)
        params.finish()
        return [order.query_body() for order in engine.open_orders(account, symbol)]

    def all_orders(call: Call) -> Any:
        params, account, symbol = symbol_request(engine, call)
        window = read_window(params, "orderId", "startTime", "endTime", from_name="orderId")
        params.finish()
        orders = engine.all_orders(account, symbol, window)
        return [order.query_body() for order in orders]

    def my_trades(call: Call) -> Any:
        params, account, symbol = symbol_request(engine, call)
        window = read_window(params, "orderId", "fromId", "startTime", "endTime")
        params.finish()
        trades = engine.my_trades(account, symbol, window)
        return [trade.body() for trade in trades]

    def rate_limit_order(call: Call) -> Any:
        account = account_of(call)
        call.params.finish()
        return engine.limits.order_counts(account)

    def commission(call: Call) -> Any:
        params, _, symbol = symbol_request(engine, call)
        params.finish()
        return engine.commission_body(symbol)

    def amend_keep_priority(call: Call) -> Any:
        params, account, symbol = symbol_request(engine, call)
        order_id = params.integer("orderId")
        client_id = params.text("origClientOrderId")
        new_client_id = params.text("newClientOrderId")
        new_qty = params.decimal("newQty", required=True)
        assert new_qty is not None
        params.finish()
        return engine.amend_keep_priority(account, symbol, order_id, client_id, new_qty, new_client_id)

    def amendments(call: Call) -> Any:
        params, account, symbol = symbol_request(engine, call)
        order_id = params.integer("orderId", required=True)
        assert order_id is not None
        from_execution_id = params.integer("fromExecutionId")
        limit = page_limit(params)
        params.finish()
        return [a.body() for a in engine.amendments(account, symbol, order_id, from_execution_id, limit)]

    open_orders_weight = weight_if_sent("symbol", 6, 80)
    my_trades_weight = weight_if_sent("orderId", 5, 20)
    return [
        Route("POST", "/api/v3/order", new_order, weight=1, security="TRADE", orders=1),
        Route("POST", "/api/v3/order/test", test_order, weight=test_order_weight, security="TRADE"),
        Route("DELETE", "/api/v3/order", cancel_order, weight=1, security="TRADE"),
        Route("DELETE", "/api/v3/openOrders", cancel_open_orders, weight=1, security="TRADE"),
        Route("GET", "/api/v3/order", get_order, weight=4, security="USER_DATA"),
        Route("GET", "/api/v3/openOrders", open_orders, weight=open_orders_weight, security="USER_DATA"),
        Route("GET", "/api/v3/allOrders", all_orders, weight=20, security="USER_DATA"),
        Route("GET", "/api/v3/myTrades", my_trades, weight=my_trades_weight, security="USER_DATA"),
        Route("GET", "/api/v3/rateLimit/order", rate_limit_order, weight=40, security="USER_DATA"),
        Route("GET", "/api/v3/account/commission", commission, weight=20, security="USER_DATA"),
        Route("PUT", "/api/v3/order/amend/keepPriority", amend_keep_priority, weight=4, security="TRADE"),
        Route("GET", "/api/v3/order/amendments", amendments, weight=4, security="USER_DATA"),
    ]
