"""The simulator's order records: what an order request asks for, the orders, lists, fills and trades
the engine keeps, and the answers each one gives (shaped like Binance's official examples).

Plain dataclasses and the constants the rest of the engine shares; no behaviour beyond their bodies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .values import Side, fmt8

__all__ = [
    "COMMISSION_RATE",
    "EIGHT",
    "LIMIT_TYPES",
    "OPEN_STATUSES",
    "STOP_TYPES",
    "ZERO",
    "Allocation",
    "Amendment",
    "Fill",
    "JsonObject",
    "NewOrder",
    "Order",
    "OrderList",
    "OrderResult",
    "OwnTrade",
    "PreventedMatch",
]

JsonObject = dict[str, Any]
ZERO = Decimal(0)
EIGHT = Decimal("0.00000001")
COMMISSION_RATE = Decimal("0.001")
OPEN_STATUSES = frozenset({"NEW", "PARTIALLY_FILLED"})
STOP_TYPES = frozenset({"STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"})
LIMIT_TYPES = frozenset({"LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"})


@dataclass
class NewOrder:
    """What POST /api/v3/order asks for, after parameter parsing."""

    symbol: str
    side: Side
    type: str
    quantity: Decimal | None = None
    quote_order_qty: Decimal | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: str | None = None
    iceberg_qty: Decimal | None = None
    client_order_id: str | None = None
    stp_mode: str | None = None
    strategy_id: int | None = None
    strategy_type: int | None = None
    trailing_delta: int | None = None
    peg_price_type: str | None = None  # PRIMARY_PEG or MARKET_PEG
    peg_offset_type: str | None = None  # PRICE_LEVEL
    peg_offset_value: int | None = None


@dataclass
class Fill:
    """One fill of an order, as in a FULL response's ``fills``."""

    price: Decimal
    qty: Decimal
    commission: Decimal
    commission_asset: str
    trade_id: int

    def body(self) -> JsonObject:
        return {
            "price": fmt8(self.price),
            "qty": fmt8(self.qty),
            "commission": fmt8(self.commission),
            "commissionAsset": self.commission_asset,
            "tradeId": self.trade_id,
        }


@dataclass(kw_only=True)
class _AccountFill:
    """What a trade (`OwnTrade`) and an SOR allocation (`Allocation`) both record of a fill of an
    account's order, and answer from ``orderId`` to ``isBuyer``."""

    order_id: int
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    time: int
    is_buyer: bool

    def _fill_body(self) -> JsonObject:
        return {
            "orderId": self.order_id,
            "orderListId": -1,
            "price": fmt8(self.price),
            "qty": fmt8(self.qty),
            "quoteQty": fmt8(self.quote_qty),
            "commission": fmt8(self.commission),
            "commissionAsset": self.commission_asset,
            "time": self.time,
            "isBuyer": self.is_buyer,
        }


@dataclass(kw_only=True)
class OwnTrade(_AccountFill):
    """One side of a fill, as an account sees it in GET /api/v3/myTrades."""

    symbol: str
    id: int
    is_maker: bool

    def body(self) -> JsonObject:
        return {
            "symbol": self.symbol,
            "id": self.id,
            **self._fill_body(),
            "isMaker": self.is_maker,
            "isBestMatch": True,
        }


@dataclass
class Order:
    """One account order and its state."""

    symbol: str
    order_id: int
    client_order_id: str
    account: str
    side: Side
    type: str
    time_in_force: str
    price: Decimal
    orig_qty: Decimal
    stop_price: Decimal
    iceberg_qty: Decimal
    orig_quote_order_qty: Decimal
    stp_mode: str
    time: int
    update_time: int
    working_time: int
    is_working: bool
    strategy_id: int | None = None
    strategy_type: int | None = None
    order_list_id: int = -1
    executed_qty: Decimal = ZERO
    cumm_quote_qty: Decimal = ZERO
    status: str = "NEW"
    expiry_reason: str | None = None
    #: what is still locked for this order, in `lock_asset`, and how much one unit of fill releases
    lock_asset: str = ""
    locked: Decimal = ZERO
    lock_per_unit: Decimal = ZERO
    #: quantity self-trade prevention (DECREMENT) took away, and the last such prevented match
    prevented_qty: Decimal = ZERO
    prevented_match_id: int | None = None
    #: trailing stops: the delta in BIPS, when trailing started (-1: not yet) and the best price since
    trailing_delta: int | None = None
    trailing_time: int = -1
    trail_best: Decimal = ZERO
    #: pegged orders: the peg asked for, and the price it selected (None until it enters the book);
    #: `price` is then the price the order works at, `sent_price` the ``price`` it was sent with (or 0)
    peg_price_type: str | None = None
    peg_offset_type: str | None = None
    peg_offset_value: int | None = None
    pegged_price: Decimal | None = None
    sent_price: Decimal = ZERO
    #: what happened to the order as a taker: its fills and the matches self-trade prevention stopped
    fills: list[Fill] = field(default_factory=list)
    prevented: list[PreventedMatch] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal:
        return self.orig_qty - self.executed_qty - self.prevented_qty

    @property
    def shown_price(self) -> Decimal:
        """``price`` in answers: a pegged order's own price (0 if none was sent), else its price."""
        return self.sent_price if self.peg_price_type is not None else self.price

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def extras(self) -> JsonObject:
        extras: JsonObject = {}
        if self.iceberg_qty:
            extras["icebergQty"] = fmt8(self.iceberg_qty)
        if self.type in STOP_TYPES:
            extras["stopPrice"] = fmt8(self.stop_price)
        extras.update(self._conditional())
        return extras

    def _conditional(self) -> JsonObject:
        """preventedMatchId/preventedQuantity (once self-trade prevention took quantity from the order),
        trailingDelta/trailingTime, the peg fields (peggedPrice once the peg selected a price), and
        strategyId/strategyType when they were sent."""
        out: JsonObject = {}
        if self.prevented_match_id is not None:
            out["preventedMatchId"] = self.prevented_match_id
            out["preventedQuantity"] = fmt8(self.prevented_qty)
        if self.trailing_delta is not None:
            out["trailingDelta"] = self.trailing_delta
            if self.trailing_time >= 0:
                out["trailingTime"] = self.trailing_time
        if self.peg_price_type is not None:
            out["pegPriceType"] = self.peg_price_type
            if self.peg_offset_type is not None:
                out["pegOffsetType"] = self.peg_offset_type
                out["pegOffsetValue"] = self.peg_offset_value
            if self.pegged_price is not None:
                out["peggedPrice"] = fmt8(self.pegged_price)
        if self.strategy_id is not None:
            out["strategyId"] = self.strategy_id
        if self.strategy_type is not None:
            out["strategyType"] = self.strategy_type
        return out

    def _state(self) -> JsonObject:
        """The order's price, quantities, status and kind, as its placement and its cancel answer them."""
        return {
            "price": fmt8(self.shown_price),
            "origQty": fmt8(self.orig_qty),
            "executedQty": fmt8(self.executed_qty),
            "origQuoteOrderQty": fmt8(self.orig_quote_order_qty),
            "cummulativeQuoteQty": fmt8(self.cumm_quote_qty),
            "status": self.status,
            "timeInForce": self.time_in_force,
            "type": self.type,
            "side": self.side,
        }

    def ack_body(self, transact_time: int) -> JsonObject:
        return {
            "symbol": self.symbol,
            "orderId": self.order_id,
            "orderListId": self.order_list_id,
            "clientOrderId": self.client_order_id,
            "transactTime": transact_time,
        }

    def result_body(self, transact_time: int) -> JsonObject:
        body = self.ack_body(transact_time)
        body.update(self._state())
        body["workingTime"] = self.working_time
        body.update(self.extras())
        body["selfTradePreventionMode"] = self.stp_mode
        if self.expiry_reason is not None:
            body["expiryReason"] = self.expiry_reason
        return body

    def placement_body(self, transact_time: int, response_type: str) -> JsonObject:
        """The order as its placement answers it (alone or in an order list's ``orderReports``):
        ACK, RESULT, or FULL with its fills and the matches self-trade prevention stopped."""
        if response_type == "ACK":
            return self.ack_body(transact_time)
        body = self.result_body(transact_time)
        if response_type == "FULL":
            body["fills"] = [fill.body() for fill in self.fills]
            if self.prevented:
                body["preventedMatches"] = [match.taker_body() for match in self.prevented]
        return body

    def query_body(self) -> JsonObject:
        """GET /api/v3/order, openOrders and allOrders."""
        body: JsonObject = {
            "symbol": self.symbol,
            "orderId": self.order_id,
            "orderListId": self.order_list_id,
            "clientOrderId": self.client_order_id,
            "price": fmt8(self.shown_price),
            "origQty": fmt8(self.orig_qty),
            "executedQty": fmt8(self.executed_qty),
            "cummulativeQuoteQty": fmt8(self.cumm_quote_qty),
            "status": self.status,
            "timeInForce": self.time_in_force,
            "type": self.type,
            "side": self.side,
            "stopPrice": fmt8(self.stop_price),
            "icebergQty": fmt8(self.iceberg_qty),
            "time": self.time,
            "updateTime": self.update_time,
            "isWorking": self.is_working,
            "workingTime": self.working_time,
            "origQuoteOrderQty": fmt8(self.orig_quote_order_qty),
            "selfTradePreventionMode": self.stp_mode,
        }
        body.update(self._conditional())
        return body

    def cancel_body(self, cancel_client_id: str, transact_time: int) -> JsonObject:
        """DELETE /api/v3/order and the elements of DELETE /api/v3/openOrders."""
        body: JsonObject = {
            "symbol": self.symbol,
            "origClientOrderId": self.client_order_id,
            "orderId": self.order_id,
            "orderListId": self.order_list_id,
            "clientOrderId": cancel_client_id,
            "transactTime": transact_time,
            **self._state(),
        }
        body.update(self.extras())
        body["selfTradePreventionMode"] = self.stp_mode
        return body


@dataclass
class OrderList:
    """An order list (OCO, OTO, OTOCO, OPO, OPOCO) and its legs, in the order Binance reports them."""

    order_list_id: int
    contingency_type: str  # OCO or OTO
    list_client_order_id: str
    symbol: str
    account: str
    orders: list[Order]
    transaction_time: int
    working: Order | None = None  # the working leg of an OTO/OTOCO/OPO/OPOCO
    oco: list[Order] = field(default_factory=list)  # the legs of which one cancels the other
    opo: bool = False  # pending quantity = what the working BUY received, net of commission
    list_status_type: str = "EXEC_STARTED"
    list_order_status: str = "EXECUTING"

    @property
    def is_open(self) -> bool:
        return self.list_order_status == "EXECUTING"

    def body(self) -> JsonObject:
        """GET /api/v3/orderList (no orderReports)."""
        return {
            "orderListId": self.order_list_id,
            "contingencyType": self.contingency_type,
            "listStatusType": self.list_status_type,
            "listOrderStatus": self.list_order_status,
            "listClientOrderId": self.list_client_order_id,
            "transactionTime": self.transaction_time,
            "symbol": self.symbol,
            "orders": [
                {"symbol": o.symbol, "orderId": o.order_id, "clientOrderId": o.client_order_id}
                for o in self.orders
            ],
        }


@dataclass
class OrderResult:
    """A placed order, its fills (taker side) and when it was processed."""

    order: Order
    fills: list[Fill]
    transact_time: int

    def body(self, response_type: str) -> JsonObject:
        return self.order.placement_body(self.transact_time, response_type)


@dataclass
class Amendment:
    """One PUT /api/v3/order/amend/keepPriority, as GET /api/v3/order/amendments lists it."""

    account: str
    symbol: str
    order_id: int
    execution_id: int
    orig_client_order_id: str
    new_client_order_id: str
    orig_qty: Decimal
    new_qty: Decimal
    time: int

    def body(self) -> JsonObject:
        return {
            "symbol": self.symbol,
            "orderId": self.order_id,
            "executionId": self.execution_id,
            "origClientOrderId": self.orig_client_order_id,
            "newClientOrderId": self.new_client_order_id,
            "origQty": fmt8(self.orig_qty),
            "newQty": fmt8(self.new_qty),
            "time": self.time,
        }


@dataclass(kw_only=True)
class Allocation(_AccountFill):
    """One SOR allocation, as GET /api/v3/myAllocations lists it."""

    account: str
    symbol: str
    allocation_id: int

    def body(self) -> JsonObject:
        return {
            "symbol": self.symbol,
            "allocationId": self.allocation_id,
            "allocationType": "SOR",
            **self._fill_body(),
            "isMaker": False,
            "isAllocator": False,
        }


@dataclass
class PreventedMatch:
    """One match prevented by self-trade prevention, as GET /api/v3/myPreventedMatches lists it."""

    account: str
    symbol: str
    prevented_match_id: int
    taker_order_id: int
    maker_order_id: int
    mode: str
    price: Decimal
    maker_prevented_qty: Decimal
    transact_time: int
    trade_group_id: int = -1  # accounts belong to no trade group
    #: what the match took from the taker (EXPIRE_TAKER, EXPIRE_BOTH, DECREMENT); None: nothing
    taker_prevented_qty: Decimal | None = None

    def body(self) -> JsonObject:
        """GET /api/v3/myPreventedMatches. Binance's STP FAQ shows ``makerPreventedQuantity`` only when
        the maker lost quantity; it is always here ("0" for EXPIRE_TAKER), as in the endpoint's example
        (the client reads it as optional)."""
        body: JsonObject = {
            "symbol": self.symbol,
            "preventedMatchId": self.prevented_match_id,
            "takerOrderId": self.taker_order_id,
            "makerSymbol": self.symbol,
            "makerOrderId": self.maker_order_id,
            "tradeGroupId": self.trade_group_id,
            "selfTradePreventionMode": self.mode,
            "price": fmt8(self.price),
        }
        if self.taker_prevented_qty is not None:
            body["takerPreventedQuantity"] = fmt8(self.taker_prevented_qty)
        body["makerPreventedQuantity"] = fmt8(self.maker_prevented_qty)
        body["transactTime"] = self.transact_time
        return body

    def taker_body(self) -> JsonObject:
        """One ``preventedMatches`` entry of the taker's FULL placement answer (STP FAQ scenarios B-F):
        each quantity only for the side that lost some."""
        body: JsonObject = {
            "preventedMatchId": self.prevented_match_id,
            "makerOrderId": self.maker_order_id,
            "price": fmt8(self.price),
        }
        if self.taker_prevented_qty is not None:
            body["takerPreventedQuantity"] = fmt8(self.taker_prevented_qty)
        if self.maker_prevented_qty > 0:
            body["makerPreventedQuantity"] = fmt8(self.maker_prevented_qty)
        return body
