"""Old path of the account models: they live in `binance_async.spot.models.account` now.

Kept so that existing imports (``from binance_async.spot.account_models import AccountInfo``) keep
working; new code imports from `binance_async.spot.models` (every model) or its `account` module.
"""

from __future__ import annotations

from .models.account import (
    AccountCommission,
    AccountInfo,
    AccountTrade,
    Allocation,
    Balance,
    CommissionDiscount,
    MyFilters,
    OrderAmendmentRecord,
    OrderCount,
    PreventedMatch,
    RawMyFilters,
    TradeCommissionRates,
)

__all__ = [
    "AccountCommission",
    "AccountInfo",
    "AccountTrade",
    "Allocation",
    "Balance",
    "CommissionDiscount",
    "MyFilters",
    "OrderAmendmentRecord",
    "OrderCount",
    "PreventedMatch",
    "RawMyFilters",
    "TradeCommissionRates",
]
