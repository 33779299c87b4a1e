"""Old path of the order models: they live in `binance_async.spot.models.trading` now.

Kept so that existing imports (``from binance_async.spot.order_models import OrderFull``) keep
working; new code imports from `binance_async.spot.models` (every model) or its `trading` module.
"""

from __future__ import annotations

from .models.trading import *  # noqa: F403
from .models.trading import __all__ as __all__
