"""Old path of the account models: they live in `binance_async.spot.models.account` now.

Kept so that existing imports (``from binance_async.spot.account_models import AccountInfo``) keep
working; new code imports from `binance_async.spot.models` (every model) or its `account` module.
"""

from __future__ import annotations

from .models.account import *  # noqa: F403
from .models.account import __all__ as __all__
