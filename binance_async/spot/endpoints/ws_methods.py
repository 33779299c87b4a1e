"""The WebSocket API's method name of each REST endpoint (``POST /api/v3/order`` is ``order.place``).

The WebSocket API takes the same parameters under the same names and answers with the same bodies, so
one endpoint table serves both: `WS_METHODS` says what a request is called on the socket. A REST route
with no WebSocket twin is not listed.
"""

from __future__ import annotations

__all__ = ["WS_METHODS"]

#: (HTTP method, path) -> WebSocket API method.
WS_METHODS: dict[tuple[str, str], str] = {
    # market data
    ("GET", "/api/v3/ping"): "ping",
    ("GET", "/api/v3/time"): "time",
    ("GET", "/api/v3/exchangeInfo"): "exchangeInfo",
    ("GET", "/api/v3/executionRules"): "executionRules",
    ("GET", "/api/v3/depth"): "depth",
    ("GET", "/api/v3/trades"): "trades.recent",
    ("GET", "/api/v3/historicalTrades"): "trades.historical",
    ("GET", "/api/v3/historicalBlockTrades"): "blockTrades.historical",
    ("GET", "/api/v3/aggTrades"): "trades.aggregate",
    ("GET", "/api/v3/klines"): "klines",
    ("GET", "/api/v3/uiKlines"): "uiKlines",
    ("GET", "/api/v3/avgPrice"): "avgPrice",
    ("GET", "/api/v3/ticker/24hr"): "ticker.24hr",
    ("GET", "/api/v3/ticker/tradingDay"): "ticker.tradingDay",
    ("GET", "/api/v3/ticker/price"): "ticker.price",
    ("GET", "/api/v3/ticker/bookTicker"): "ticker.book",
    ("GET", "/api/v3/ticker"): "ticker",
    ("GET", "/api/v3/referencePrice"): "referencePrice",
    ("GET", "/api/v3/referencePrice/calculation"): "referencePrice.calculation",
    # trading
    ("POST", "/api/v3/order"): "order.place",
    ("POST", "/api/v3/order/test"): "order.test",
    ("DELETE", "/api/v3/order"): "order.cancel",
    ("DELETE", "/api/v3/openOrders"): "openOrders.cancelAll",
    ("POST", "/api/v3/order/cancelReplace"): "order.cancelReplace",
    ("PUT", "/api/v3/order/amend/keepPriority"): "order.amend.keepPriority",
    ("POST", "/api/v3/sor/order"): "sor.order.place",
    ("POST", "/api/v3/sor/order/test"): "sor.order.test",
    # order lists
    ("POST", "/api/v3/order/oco"): "orderList.place",
    ("POST", "/api/v3/orderList/oco"): "orderList.place.oco",
    ("POST", "/api/v3/orderList/oto"): "orderList.place.oto",
    ("POST", "/api/v3/orderList/otoco"): "orderList.place.otoco",
    ("POST", "/api/v3/orderList/opo"): "orderList.place.opo",
    ("POST", "/api/v3/orderList/opoco"): "orderList.place.opoco",
    ("DELETE", "/api/v3/orderList"): "orderList.cancel",
    ("GET", "/api/v3/orderList"): "orderList.status",
    ("GET", "/api/v3/allOrderList"): "allOrderLists",
    ("GET", "/api/v3/openOrderList"): "openOrderLists.status",
    # account
    ("GET", "/api/v3/account"): "account.status",
    ("GET", "/api/v3/order"): "order.status",
    ("GET", "/api/v3/openOrders"): "openOrders.status",
    ("GET", "/api/v3/allOrders"): "allOrders",
    ("GET", "/api/v3/myTrades"): "myTrades",
    ("GET", "/api/v3/rateLimit/order"): "account.rateLimits.orders",
    ("GET", "/api/v3/myPreventedMatches"): "myPreventedMatches",
    ("GET", "/api/v3/myAllocations"): "myAllocations",
    ("GET", "/api/v3/account/commission"): "account.commission",
    ("GET", "/api/v3/order/amendments"): "order.amendments",
    ("GET", "/api/v3/myFilters"): "myFilters",
}
