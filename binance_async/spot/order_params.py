"""Old path of the order methods' options and checks: `binance_async.spot.params.trading` now.

Kept so that existing imports (``from binance_async.spot.order_params import OrderOptions``) keep
working; new code imports from `binance_async.spot.params.trading`.
"""

from __future__ import annotations

from .params.trading import (
    CancelReplaceOptions,
    Number,
    OrderOptions,
    SorOrderOptions,
    TestOrderOptions,
    TestSorOrderOptions,
    camel,
    check_order_shape,
    check_positive,
    check_recv_window,
    snake,
    wire_params,
)

__all__ = [
    "CancelReplaceOptions",
    "Number",
    "OrderOptions",
    "SorOrderOptions",
    "TestOrderOptions",
    "TestSorOrderOptions",
    "camel",
    "check_order_shape",
    "check_positive",
    "check_recv_window",
    "snake",
    "wire_params",
]
