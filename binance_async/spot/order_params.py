"""Old path of the order methods' options and checks: `binance_async.spot.params.trading` now.

Kept so that existing imports (``from binance_async.spot.order_params import OrderOptions``) keep
working; new code imports from `binance_async.spot.params.trading`.
"""

from __future__ import annotations

from .params.trading import *  # noqa: F403
from .params.trading import __all__ as __all__
