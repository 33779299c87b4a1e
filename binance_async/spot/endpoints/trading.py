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


NEW_ORDER: Endpoint[OrderFull] = Endpoint(
    "new_order",
    "POST",
    "/api/v3/order",
    OrderFull,
    weight=1,
    weight_doc=_SUCCESS_FREE,
    security="TRADE",
    orders=1,
    variants=ORDER_VARIANTS,
)
TEST_NEW_ORDER: Endpoint[TestOrderCommission] = Endpoint(
    "test_new_order",
    "POST",
    "/api/v3/order/test",
    TestOrderCommission,
    weight=test_order_weight,
    weight_doc="1; 20 with compute_commission_rates=True",
    security="TRADE",
)
CANCEL_ORDER: Endpoint[CanceledOrder] = Endpoint(
    "cancel_order",
    "DELETE",
    "/api/v3/order",
    CanceledOrder,
    weight=1,
    weight_doc=_SUCCESS_FREE,
    security="TRADE",
)
#: Canceled orders and order lists in one array (told apart by ``contingencyType``).
CANCEL_OPEN_ORDERS: Endpoint[list[msgspec.Raw]] = Endpoint(
    "cancel_open_orders",
    "DELETE",
    "/api/v3/openOrders",
    list[msgspec.Raw],
    weight=1,
    weight_doc=_SUCCESS_FREE,
    security="TRADE",
)
CANCEL_REPLACE_ORDER: Endpoint[CancelReplaceResult[OrderFull]] = Endpoint(
    "cancel_replace_order",
    "POST",
    "/api/v3/order/cancelReplace",
    CancelReplaceResult[OrderFull],
    weight=1,
    weight_doc=_SUCCESS_FREE,
    security="TRADE",
    orders=1,
    variants={
        "ACK": CancelReplaceResult[OrderAck],
        "RESULT": CancelReplaceResult[OrderResult],
        "FULL": CancelReplaceResult[OrderFull],
    },
)
AMEND_ORDER_KEEP_PRIORITY: Endpoint[OrderAmendment] = Endpoint(
    "amend_order_keep_priority",
    "PUT",
    "/api/v3/order/amend/keepPriority",
    OrderAmendment,
    weight=4,
    weight_doc="4 (0 only when the amendment makes the order expire, since 2026-04-02)",
    security="TRADE",
)
NEW_SOR_ORDER: Endpoint[OrderFull] = Endpoint(
    "new_sor_order",
    "POST",
    "/api/v3/sor/order",
    OrderFull,
    weight=1,
    weight_doc=_SUCCESS_FREE,
    security="TRADE",
    orders=1,
    variants=ORDER_VARIANTS,
)
TEST_NEW_SOR_ORDER: Endpoint[TestOrderCommission] = Endpoint(
    "test_new_sor_order",
    "POST",
    "/api/v3/sor/order/test",
    TestOrderCommission,
    weight=test_order_weight,
    weight_doc="1; 20 with compute_commission_rates=True",
    security="TRADE",
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
