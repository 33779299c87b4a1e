"""The order-list endpoints: place (TRADE) OCO, OTO, OTOCO, OPO, OPOCO; cancel (TRADE); query (USER_DATA)."""

from __future__ import annotations

from typing import Any

from ..._endpoint import Endpoint
from ..models.order_lists import CanceledOrderList, OrderListAck, OrderListFull, OrderListResult
from ..models.trading import OrderListStatus
from .trading import trade_endpoint

__all__ = [
    "ALL_ORDER_LISTS",
    "CANCEL_ORDER_LIST",
    "GET_ORDER_LIST",
    "NEW_OCO",
    "NEW_OCO_LEGACY",
    "NEW_OPO",
    "NEW_OPOCO",
    "NEW_OTO",
    "NEW_OTOCO",
    "OPEN_ORDER_LISTS",
    "ORDER_LIST_ENDPOINTS",
]

#: The response type of a new order list for each ``newOrderRespType``.
ORDER_LIST_VARIANTS: dict[str, Any] = {"ACK": OrderListAck, "RESULT": OrderListResult, "FULL": OrderListFull}


def _new_list(name: str, path: str, orders: int) -> Endpoint[OrderListFull]:
    """A list-placing endpoint: they differ only in name, path and how many orders they add."""
    return trade_endpoint(name, "POST", path, OrderListFull, orders=orders, variants=ORDER_LIST_VARIANTS)


#: Deprecated by Binance in favour of `NEW_OCO`.
NEW_OCO_LEGACY = _new_list("new_oco_legacy", "/api/v3/order/oco", 2)
NEW_OCO = _new_list("new_oco", "/api/v3/orderList/oco", 2)
NEW_OTO = _new_list("new_oto", "/api/v3/orderList/oto", 2)
NEW_OTOCO = _new_list("new_otoco", "/api/v3/orderList/otoco", 3)
NEW_OPO = _new_list("new_opo", "/api/v3/orderList/opo", 2)
NEW_OPOCO = _new_list("new_opoco", "/api/v3/orderList/opoco", 3)

CANCEL_ORDER_LIST: Endpoint[CanceledOrderList] = trade_endpoint(
    "cancel_order_list", "DELETE", "/api/v3/orderList", CanceledOrderList
)
GET_ORDER_LIST: Endpoint[OrderListStatus] = Endpoint(
    "get_order_list", "GET", "/api/v3/orderList", OrderListStatus, weight=4, security="USER_DATA"
)
ALL_ORDER_LISTS: Endpoint[list[OrderListStatus]] = Endpoint(
    "all_order_lists", "GET", "/api/v3/allOrderList", list[OrderListStatus], weight=20, security="USER_DATA"
)
OPEN_ORDER_LISTS: Endpoint[list[OrderListStatus]] = Endpoint(
    "open_order_lists", "GET", "/api/v3/openOrderList", list[OrderListStatus], weight=6, security="USER_DATA"
)

ORDER_LIST_ENDPOINTS: tuple[Endpoint[Any], ...] = (
    NEW_OCO_LEGACY,
    NEW_OCO,
    NEW_OTO,
    NEW_OTOCO,
    NEW_OPO,
    NEW_OPOCO,
    CANCEL_ORDER_LIST,
    GET_ORDER_LIST,
    ALL_ORDER_LISTS,
    OPEN_ORDER_LISTS,
)
