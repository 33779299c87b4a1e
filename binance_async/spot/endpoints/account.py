"""The account and order-query endpoints (security USER_DATA)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..._endpoint import Endpoint
from ..models.account import (
    AccountCommission,
    AccountInfo,
    AccountTrade,
    Allocation,
    OrderAmendmentRecord,
    OrderCount,
    PreventedMatch,
    RawMyFilters,
)
from ..models.trading import Order

__all__ = [
    "ACCOUNT",
    "ACCOUNT_COMMISSION",
    "ACCOUNT_ENDPOINTS",
    "ALL_ORDERS",
    "GET_ORDER",
    "MY_ALLOCATIONS",
    "MY_FILTERS",
    "MY_PREVENTED_MATCHES",
    "MY_TRADES",
    "OPEN_ORDERS",
    "ORDER_AMENDMENTS",
    "ORDER_RATE_LIMITS",
    "my_trades_weight",
    "open_orders_weight",
    "prevented_matches_weight",
]


def open_orders_weight(params: Mapping[str, Any]) -> int:
    """openOrders: 6 for one symbol, 80 for every symbol."""
    return 6 if params.get("symbol") is not None else 80


def my_trades_weight(params: Mapping[str, Any]) -> int:
    """myTrades: 5 for one order's trades, 20 otherwise."""
    return 5 if params.get("orderId") is not None else 20


def prevented_matches_weight(params: Mapping[str, Any]) -> int:
    """myPreventedMatches: 20 by orderId, 2 by preventedMatchId (Binance also charges 2 for a bad symbol)."""
    return 20 if params.get("orderId") is not None else 2


def _user_data(name: str, path: str, response: Any, **options: Any) -> Endpoint[Any]:
    return Endpoint(name, "GET", path, response, security="USER_DATA", **options)


GET_ORDER: Endpoint[Order] = Endpoint(
    "get_order", "GET", "/api/v3/order", Order, weight=4, security="USER_DATA"
)
ACCOUNT: Endpoint[AccountInfo] = _user_data("account", "/api/v3/account", AccountInfo, weight=20)
OPEN_ORDERS: Endpoint[list[Order]] = _user_data(
    "open_orders",
    "/api/v3/openOrders",
    list[Order],
    weight=open_orders_weight,
    weight_doc="6 with a symbol; 80 without (every symbol)",
)
ALL_ORDERS: Endpoint[list[Order]] = _user_data("all_orders", "/api/v3/allOrders", list[Order], weight=20)
MY_TRADES: Endpoint[list[AccountTrade]] = _user_data(
    "my_trades",
    "/api/v3/myTrades",
    list[AccountTrade],
    weight=my_trades_weight,
    weight_doc="20; 5 with order_id",
)
ORDER_RATE_LIMITS: Endpoint[list[OrderCount]] = _user_data(
    "order_rate_limits", "/api/v3/rateLimit/order", list[OrderCount], weight=40
)
MY_PREVENTED_MATCHES: Endpoint[list[PreventedMatch]] = _user_data(
    "my_prevented_matches",
    "/api/v3/myPreventedMatches",
    list[PreventedMatch],
    weight=prevented_matches_weight,
    weight_doc="2 by prevented_match_id (or for an invalid symbol); 20 by order_id",
)
MY_ALLOCATIONS: Endpoint[list[Allocation]] = _user_data(
    "my_allocations", "/api/v3/myAllocations", list[Allocation], weight=20
)
ACCOUNT_COMMISSION: Endpoint[AccountCommission] = _user_data(
    "account_commission", "/api/v3/account/commission", AccountCommission, weight=20
)
ORDER_AMENDMENTS: Endpoint[list[OrderAmendmentRecord]] = _user_data(
    "order_amendments", "/api/v3/order/amendments", list[OrderAmendmentRecord], weight=4
)
#: Decodes to the raw filter arrays; `SpotClient.my_filters` turns them into `MyFilters`.
MY_FILTERS: Endpoint[RawMyFilters] = _user_data("my_filters", "/api/v3/myFilters", RawMyFilters, weight=40)

ACCOUNT_ENDPOINTS: tuple[Endpoint[Any], ...] = (
    ACCOUNT,
    GET_ORDER,
    OPEN_ORDERS,
    ALL_ORDERS,
    MY_TRADES,
    ORDER_RATE_LIMITS,
    MY_PREVENTED_MATCHES,
    MY_ALLOCATIONS,
    ACCOUNT_COMMISSION,
    ORDER_AMENDMENTS,
    MY_FILTERS,
)
