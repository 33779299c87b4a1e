"""Typed responses of the account endpoints: balances, own trades, order counts, commission, filters.

Conventions as in `binance_async.spot.models`: frozen msgspec Structs, snake_case attributes, money
as ``Decimal``, unknown keys ignored, keys that Binance leaves out in some answers default (to
``None``, ``-1``, ``False``, zero or empty). Orders (``GET /api/v3/order``, ``openOrders``,
``allOrders``) decode to `binance_async.spot.models.trading.Order`.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Any, TypeVar, overload

import msgspec

from ._base import EMPTY_ARRAY, _Model, _Scalar
from .filters import MaxAsset, SymbolFilter, _find_filter, decode_filters
from .market import RateLimit
from .trading import CommissionRates, TestOrderDiscount

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

_F = TypeVar("_F", bound=msgspec.Struct)
_ZERO = Decimal(0)

#: ``discount`` of ``GET /api/v3/account/commission`` (the BNB discount; same shape as a test order's).
CommissionDiscount = TestOrderDiscount


# --------------------------------------------------------------------------------------------
# GET /api/v3/account
# --------------------------------------------------------------------------------------------


class TradeCommissionRates(CommissionRates, frozen=True):
    """Commission rates as fractions (``0.001`` = 0.1 %): maker, taker, and the buyer/seller extras."""

    buyer: Decimal = _ZERO
    seller: Decimal = _ZERO


class Balance(_Scalar, frozen=True):
    """``balances[]`` entry of ``GET /api/v3/account``: what is free to use and what open orders lock."""

    asset: str
    free: Decimal
    locked: Decimal

    @property
    def total(self) -> Decimal:
        """Free plus locked."""
        return self.free + self.locked


class AccountInfo(_Model, frozen=True, dict=True):
    """``GET /api/v3/account``.

    ``maker_commission`` and friends are the legacy rates in basis points (15 = 0.15 %);
    ``commission_rates`` holds the same as fractions. `balance` looks one asset up (an asset the answer
    does not list, e.g. with ``omit_zero_balances=True``, has a zero balance). ``dict=True`` only makes
    room for the lazily built asset index; it is not part of equality or encoding.
    """

    maker_commission: int = 0
    taker_commission: int = 0
    buyer_commission: int = 0
    seller_commission: int = 0
    commission_rates: TradeCommissionRates | None = None
    can_trade: bool = False
    can_withdraw: bool = False
    can_deposit: bool = False
    brokered: bool = False
    require_self_trade_prevention: bool = False
    prevent_sor: bool = False
    update_time: int = 0
    account_type: str = ""
    balances: list[Balance] = msgspec.field(default_factory=list)
    permissions: list[str] = msgspec.field(default_factory=list)
    uid: int | None = None

    @cached_property
    def _balance_index(self) -> dict[str, Balance]:
        return {b.asset: b for b in self.balances}

    def balance(self, asset: str) -> Balance:
        """The free and locked amounts of `asset` (zero for an asset the answer does not list)."""
        found = self._balance_index.get(asset)
        return Balance(asset, _ZERO, _ZERO) if found is None else found

    def balances_by_asset(self) -> dict[str, Balance]:
        """Every listed balance keyed by asset (a new dict on each call)."""
        return dict(self._balance_index)


# --------------------------------------------------------------------------------------------
# Own trades and SOR allocations
# --------------------------------------------------------------------------------------------


class _OwnFill(_Scalar, frozen=True, kw_only=True):
    """What a trade and an SOR allocation of the account both report."""

    symbol: str
    order_id: int
    order_list_id: int = -1
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    time: int
    is_buyer: bool
    is_maker: bool

    @property
    def side(self) -> str:
        """``"BUY"`` or ``"SELL"``: the account's side of the fill."""
        return "BUY" if self.is_buyer else "SELL"


class AccountTrade(_OwnFill, frozen=True, kw_only=True):
    """``GET /api/v3/myTrades`` list entry: one fill of one of the account's orders."""

    id: int
    is_best_match: bool | None = None


class Allocation(_OwnFill, frozen=True, kw_only=True):
    """``GET /api/v3/myAllocations`` list entry: a quantity an SOR order received."""

    allocation_id: int
    allocation_type: str = "SOR"
    is_allocator: bool = False


# --------------------------------------------------------------------------------------------
# Order counts, prevented matches, amendments
# --------------------------------------------------------------------------------------------


class OrderCount(RateLimit, frozen=True):
    """``GET /api/v3/rateLimit/order`` list entry: an ORDERS window and the account's count in it."""

    count: int = 0

    @property
    def remaining(self) -> int:
        """How many more unfilled orders this window allows now (never negative)."""
        return max(self.limit - self.count, 0)


class PreventedMatch(_Scalar, frozen=True, kw_only=True):
    """``GET /api/v3/myPreventedMatches`` list entry: a match self-trade prevention stopped."""

    symbol: str
    prevented_match_id: int
    taker_order_id: int
    maker_symbol: str | None = None
    maker_order_id: int
    trade_group_id: int = -1
    self_trade_prevention_mode: str
    price: Decimal
    #: What the match took from each side; Binance omits a side that lost nothing (EXPIRE_TAKER: the maker).
    maker_prevented_quantity: Decimal | None = None
    taker_prevented_quantity: Decimal | None = None
    transact_time: int


class OrderAmendmentRecord(_Scalar, frozen=True, kw_only=True):
    """``GET /api/v3/order/amendments`` list entry: one quantity reduction of an order (oldest first)."""

    symbol: str
    order_id: int
    execution_id: int
    orig_client_order_id: str
    new_client_order_id: str
    orig_qty: Decimal
    new_qty: Decimal
    time: int


# --------------------------------------------------------------------------------------------
# Commission and filters
# --------------------------------------------------------------------------------------------


class AccountCommission(_Scalar, frozen=True, kw_only=True):
    """``GET /api/v3/account/commission``: the account's rates on one symbol (fractions, 0.001 = 0.1 %)."""

    symbol: str
    standard_commission: TradeCommissionRates
    special_commission: TradeCommissionRates | None = None
    tax_commission: TradeCommissionRates | None = None
    discount: CommissionDiscount | None = None


class RawMyFilters(_Scalar, frozen=True):
    """``GET /api/v3/myFilters`` as sent: three undecoded filter arrays (see `MyFilters.from_raw`)."""

    exchange_filters: msgspec.Raw = EMPTY_ARRAY
    symbol_filters: msgspec.Raw = EMPTY_ARRAY
    asset_filters: msgspec.Raw = EMPTY_ARRAY


class MyFilters(_Model, frozen=True):
    """``GET /api/v3/myFilters``: the filters that apply to the account on one symbol.

    Each list holds typed filters (`binance_async.spot.models.filters.SymbolFilter`; types this library does
    not know become `UnknownFilter`). ``asset_filters`` carries `MaxAsset`, shown by no other endpoint.
    """

    exchange_filters: list[SymbolFilter] = msgspec.field(default_factory=list)
    symbol_filters: list[SymbolFilter] = msgspec.field(default_factory=list)
    asset_filters: list[SymbolFilter] = msgspec.field(default_factory=list)

    @classmethod
    def from_raw(cls, raw: RawMyFilters) -> MyFilters:
        """Decode the three filter arrays of a `RawMyFilters`."""
        return cls(
            decode_filters(raw.exchange_filters),
            decode_filters(raw.symbol_filters),
            decode_filters(raw.asset_filters),
        )

    @overload
    def filter(self, filter_type: str) -> SymbolFilter | None: ...

    @overload
    def filter(self, filter_type: type[_F]) -> _F | None: ...

    def filter(self, filter_type: str | type[Any]) -> Any:
        """The first filter of this ``filterType`` name (or class) in any of the three lists, else None."""
        return _find_filter([*self.exchange_filters, *self.symbol_filters, *self.asset_filters], filter_type)

    def max_asset(self, asset: str) -> MaxAsset | None:
        """The ``MAX_ASSET`` filter of `asset` (the largest quantity of it one order may carry), if any."""
        return next((f for f in self.asset_filters if isinstance(f, MaxAsset) and f.asset == asset), None)
