"""Typed responses of the order endpoints: placing, testing, canceling, replacing, amending, querying.

Conventions as in `binance_async.spot.models`: frozen msgspec Structs, snake_case attributes, money
as ``Decimal``, unknown keys ignored, keys that only some variants carry default to ``None``.

A new order answers in one of three shapes chosen by ``newOrderRespType``: `OrderAck` (ids only),
`OrderResult` (its state after matching) or `OrderFull` (the state plus its fills, extending
`OrderResult`). All order shapes share `OrderIds` (symbol, order id, list id, client order id).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Generic, TypeVar

import msgspec

from ._base import _Model, _Scalar

R = TypeVar("R", bound="OrderIds")

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


class OrderIds(_Scalar, frozen=True, kw_only=True):
    """What identifies an order; every order shape has these."""

    symbol: str
    order_id: int
    order_list_id: int = -1
    client_order_id: str


class _OrderState(OrderIds, frozen=True, kw_only=True):
    """Fields every order report shares beyond its ids (RESULT, FULL, query, cancel)."""

    price: Decimal
    orig_qty: Decimal
    executed_qty: Decimal
    cumulative_quote_qty: Decimal = msgspec.field(name="cummulativeQuoteQty")
    orig_quote_order_qty: Decimal | None = None
    status: str
    time_in_force: str
    type: str
    side: str
    stop_price: Decimal | None = None
    iceberg_qty: Decimal | None = None
    trailing_delta: int | None = None
    trailing_time: int | None = None
    working_time: int | None = None
    self_trade_prevention_mode: str | None = None
    strategy_id: int | None = None
    strategy_type: int | None = None
    prevented_match_id: int | None = None
    prevented_quantity: Decimal | None = None
    peg_price_type: str | None = None
    peg_offset_type: str | None = None
    peg_offset_value: int | None = None
    pegged_price: Decimal | None = None
    used_sor: bool | None = None
    working_floor: str | None = None
    expiry_reason: str | None = None


class OrderAck(OrderIds, frozen=True, kw_only=True):
    """``POST /api/v3/order`` with ``newOrderRespType=ACK``: the order's ids."""

    transact_time: int


class OrderResult(_OrderState, frozen=True, kw_only=True):
    """``newOrderRespType=RESULT``: the ids and the order's state after matching."""

    transact_time: int


class Fill(_Scalar, frozen=True, kw_only=True):
    """One fill of a FULL order response (SOR fills add ``match_type`` and ``alloc_id``)."""

    price: Decimal
    qty: Decimal
    commission: Decimal
    commission_asset: str
    trade_id: int
    match_type: str | None = None
    alloc_id: int | None = None


class PreventedMatchReport(_Scalar, frozen=True, kw_only=True):
    """One ``preventedMatches`` entry of a FULL answer: a match self-trade prevention stopped.

    Each quantity is there only for the side that lost some (the taker is the order just placed).
    """

    prevented_match_id: int
    maker_order_id: int
    price: Decimal
    taker_prevented_quantity: Decimal | None = None
    maker_prevented_quantity: Decimal | None = None


class OrderFull(OrderResult, frozen=True, kw_only=True):
    """``newOrderRespType=FULL``: the RESULT fields, the fills and any matches prevented by STP."""

    fills: tuple[Fill, ...] = ()
    prevented_matches: tuple[PreventedMatchReport, ...] = ()

    @property
    def filled_quote(self) -> Decimal:
        """Quote asset spent (BUY) or received (SELL) over the fills, before commission."""
        return sum((fill.price * fill.qty for fill in self.fills), Decimal(0))


class Order(_OrderState, frozen=True, kw_only=True):
    """An order as ``GET /api/v3/order``, ``openOrders`` and ``allOrders`` report it."""

    time: int
    update_time: int
    is_working: bool


class CanceledOrder(_OrderState, frozen=True, kw_only=True):
    """``DELETE /api/v3/order``: the canceled order (``client_order_id`` is the cancel's own id)."""

    orig_client_order_id: str
    transact_time: int | None = None


class OrderListEntry(_Scalar, frozen=True):
    """``orders[]`` of an order list: the ids of one of its orders."""

    symbol: str
    order_id: int
    client_order_id: str


class OrderListStatus(_Scalar, frozen=True, kw_only=True):
    """An order list without order reports (query, cancel-all entries, amend's ``listStatus``)."""

    order_list_id: int
    contingency_type: str
    list_status_type: str | None = None
    list_order_status: str
    list_client_order_id: str
    transaction_time: int | None = None
    symbol: str
    orders: tuple[OrderListEntry, ...] = ()


class CancelReplaceResult(_Model, Generic[R], frozen=True, kw_only=True):
    """``POST /api/v3/order/cancelReplace`` when both halves succeeded.

    ``new_order_response`` has the shape ``newOrderRespType`` chose (`OrderAck`, `OrderResult` or
    `OrderFull`). A half that failed raises `binance_async.CancelReplaceError` instead: its
    ``data`` holds the same keys, with the failed half as ``{"code", "msg"}``.
    """

    cancel_result: str
    new_order_result: str
    cancel_response: CanceledOrder
    new_order_response: R


class AmendedOrder(_Scalar, frozen=True, kw_only=True):
    """``amendedOrder`` of ``PUT /api/v3/order/amend/keepPriority``."""

    symbol: str
    order_id: int
    order_list_id: int = -1
    orig_client_order_id: str
    client_order_id: str
    price: Decimal
    qty: Decimal
    executed_qty: Decimal
    prevented_qty: Decimal | None = None
    quote_order_qty: Decimal | None = None
    cumulative_quote_qty: Decimal
    status: str
    time_in_force: str
    type: str
    side: str
    working_time: int | None = None
    self_trade_prevention_mode: str | None = None


class OrderAmendment(_Scalar, frozen=True, kw_only=True):
    """``PUT /api/v3/order/amend/keepPriority``: the amended order (and its list, if any)."""

    transact_time: int
    execution_id: int
    amended_order: AmendedOrder
    list_status: OrderListStatus | None = None


class CommissionRates(_Scalar, frozen=True):
    """Maker and taker commission rates."""

    maker: Decimal
    taker: Decimal


class TestOrderDiscount(_Scalar, frozen=True):
    """``discount`` of a test order's commission report (BNB discount)."""

    enabled_for_account: bool
    enabled_for_symbol: bool
    discount_asset: str | None
    discount: Decimal


class TestOrderCommission(_Scalar, frozen=True, kw_only=True):
    """``POST /api/v3/order/test`` answer: empty unless ``computeCommissionRates=true``."""

    standard_commission_for_order: CommissionRates | None = None
    special_commission_for_order: CommissionRates | None = None
    tax_commission_for_order: CommissionRates | None = None
    discount: TestOrderDiscount | None = None
