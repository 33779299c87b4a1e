"""The order endpoints (security TRADE): place, test, cancel, cancel-replace, amend, SOR."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from ..._endpoint import Endpoint
from ..models.trading import (
    CanceledOrder,
    CancelReplaceResult,
    OrderAck,
    OrderAmendment,
    OrderFull,
    OrderResult,
    TestOrderCommission,
)

__all__ = [
    "AMEND_ORDER_KEEP_PRIORITY",
    "CANCEL_OPEN_ORDERS",
    "CANCEL_ORDER",
    "CANCEL_REPLACE_ORDER",
    "NEW_ORDER",
    "NEW_SOR_ORDER",
    "TEST_NEW_ORDER",
    "TEST_NEW_SOR_ORDER",
    "TRADING_ENDPOINTS",
    "test_order_weight",
]

#: The response type for each ``newOrderRespType``.
ORDER_VARIANTS: dict[str, Any] = {"ACK": OrderAck, "RESULT": OrderResult, "FULL": OrderFull}
_SUCCESS_FREE = "1 (0 when successful since 2026-04-02)"


def test_order_weight(params: Mapping[str, Any]) -> int:
    """order/test and sor/order/test: 20 with computeCommissionRates=true, else 1."""
    return 20 if params.get("computeCommissionRates") is True else 1


def trade_endpoint(name: str, method: str, path: str, response: Any, **options: Any) -> Endpoint[Any]:
    """A TRADE endpoint (here and in `order_lists`): by default of weight 1, free when successful."""
    options.setdefault("weight_doc", _SUCCESS_FREE)
    return Endpoint(name, method, path, response, security="TRADE", **options)


def _new_order(name: str, path: str) -> Endpoint[OrderFull]:
    """order and sor/order: one order, answered in the ``newOrderRespType`` asked for."""
    return trade_endpoint(name, "POST", path, OrderFull, orders=1, variants=ORDER_VARIANTS)


def _test_order(name: str, path: str) -> Endpoint[TestOrderCommission]:
    """order/test and sor/order/test."""
    return trade_endpoint(
        name,
        "POST",
        path,
        TestOrderCommission,
        weight=test_order_weight,
        weight_doc="1; 20 with compute_commission_rates=True",
    )


NEW_ORDER: Endpoint[OrderFull] = _new_order("new_order", "/api/v3/order")
TEST_NEW_ORDER: Endpoint[TestOrderCommission] = _test_order("test_new_order", "/api/v3/order/test")
CANCEL_ORDER: Endpoint[CanceledOrder] = trade_endpoint(
    "cancel_order", "DELETE", "/api/v3/order", CanceledOrder
)
#: Canceled orders and order lists in one array (told apart by ``contingencyType``).
CANCEL_OPEN_ORDERS: Endpoint[list[msgspec.Raw]] = trade_endpoint(
    "cancel_open_orders", "DELETE", "/api/v3/openOrders", list[msgspec.Raw]
)
CANCEL_REPLACE_ORDER: Endpoint[CancelReplaceResult[OrderFull]] = trade_endpoint(
    "cancel_replace_order",
    "POST",
    "/api/v3/order/cancelReplace",
    CancelReplaceResult[OrderFull],
    orders=1,
    variants={
        "ACK": CancelReplaceResult[OrderAck],
        "RESULT": CancelReplaceResult[OrderResult],
        "FULL": CancelReplaceResult[OrderFull],
    },
)
AMEND_ORDER_KEEP_PRIORITY: Endpoint[OrderAmendment] = trade_endpoint(
    "amend_order_keep_priority",
    "PUT",
    "/api/v3/order/amend/keepPriority",
    OrderAmendment,
    weight=4,
    weight_doc="4 (0 only when the amendment makes the order expire, since 2026-04-02)",
)
NEW_SOR_ORDER: Endpoint[OrderFull] = _new_order("new_sor_order", "/api/v3/sor/order")
TEST_NEW_SOR_ORDER: Endpoint[TestOrderCommission] = _test_order(
    "test_new_sor_order", "/api/v3/sor/order/test"
)

TRADING_ENDPOINTS: tuple[Endpoint[Any], ...] = (
    NEW_ORDER,
    TEST_NEW_ORDER,
    CANCEL_ORDER,
    CANCEL_OPEN_ORDERS,
    CANCEL_REPLACE_ORDER,
    AMEND_ORDER_KEEP_PRIORITY,
    NEW_SOR_ORDER,
    TEST_NEW_SOR_ORDER,
)
