"""Old path of the order models: they live in `binance_async.spot.models.trading` now.

Kept so that existing imports (``from binance_async.spot.order_models import OrderFull``) keep
working; new code imports from `binance_async.spot.models` (every model) or its `trading` module.
"""

from __future__ import annotations

from .models.trading import (
    AmendedOrder,
    CanceledOrder,
    CancelReplaceResult,
    CommissionRates,
    Fill,
    Order,
    OrderAck,
    OrderAmendment,
    OrderFull,
    OrderIds,
    OrderListEntry,
    OrderListStatus,
    OrderResult,
    PreventedMatchReport,
    TestOrderCommission,
    TestOrderDiscount,
)

__all__ = [
    "AmendedOrder",
    "CancelReplaceResult",
    "CanceledOrder",
    "CommissionRates",
    "Fill",
    "Order",
    "OrderAck",
    "OrderAmendment",
    "OrderFull",
    "OrderIds",
    "OrderListEntry",
    "OrderListStatus",
    "OrderResult",
    "PreventedMatchReport",
    "TestOrderCommission",
    "TestOrderDiscount",
]
