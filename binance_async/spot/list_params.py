"""Old path of the order-list methods' options: `binance_async.spot.params.order_lists` now.

Kept so that existing imports (``from binance_async.spot.list_params import OcoOptions``) keep
working; new code imports from `binance_async.spot.params.order_lists`.
"""

from __future__ import annotations

from .params.order_lists import *  # noqa: F403
from .params.order_lists import __all__ as __all__
