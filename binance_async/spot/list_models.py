"""Old path of the order-list models: they live in `binance_async.spot.models.order_lists` now.

Kept so that existing imports (``from binance_async.spot.list_models import OrderListFull``) keep
working; new code imports from `binance_async.spot.models` (every model) or its `order_lists` module.
"""

from __future__ import annotations

from .models.order_lists import *  # noqa: F403
from .models.order_lists import __all__ as __all__
