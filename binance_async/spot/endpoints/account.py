"""The account and order-query endpoints (security USER_DATA)."""

from __future__ import annotations

from typing import Any

from ..._endpoint import Endpoint
from ..order_models import Order

__all__ = ["ACCOUNT_ENDPOINTS", "GET_ORDER"]

GET_ORDER: Endpoint[Order] = Endpoint(
    "get_order", "GET", "/api/v3/order", Order, weight=4, security="USER_DATA"
)

ACCOUNT_ENDPOINTS: tuple[Endpoint[Any], ...] = (GET_ORDER,)
