"""The simulator's matching engine: account orders, price-time matching, balances, account trades.

Each symbol has a book of resting account orders (FIFO per price level) on top of the market's seeded
HOUSE liquidity, which belongs to no account. At a price level the house quantity is older than any
account order, so an incoming order takes the house quantity first, then the account orders in time
order. Fills happen at the maker's price; each one is recorded on the market's tape
(`Market.record_trade`), and resting account orders are mirrored in the market's `OrderBook` so depth
shows them.

Balances: a LIMIT (or *_LIMIT stop) BUY locks ``price * quantity`` of the quote asset, any SELL that
rests locks its base quantity; MARKET orders are paid from free balances. The commission is 0.1% of
the received asset. What the house gives and takes is kept in `Engine.house` and every commission in
`Engine.commissions`, so balances are conserved: accounts + house + commissions never change.

Self-trade prevention follows the taker's mode. DECREMENT reduces both orders by the overlap (the one
left with nothing expires IN_MATCH, the other keeps working); TRANSFER between orders of one account
behaves as DECREMENT (Binance's STP FAQ: only orders of different accounts in one trade group
transfer, and the simulator has no trade groups).

Trailing stops (``trailingDelta`` in BIPS): without a stopPrice the order trails from the last price at
once; with one it starts trailing when the stopPrice condition is met. A SELL triggers when a trade is
``trailingDelta`` below the highest trade price since then, a BUY when one is that far above the lowest.

Pegged orders (pegged-orders FAQ) are limit orders priced from the book when they enter it: at
placement for LIMIT and LIMIT_MAKER (and a list's working order or OCO limit-maker leg), when the working
order fills for an OTO's pending limit order, at the trigger for STOP_LOSS_LIMIT/TAKE_PROFIT_LIMIT (which
then lock funds for that price, or expire REJECTED). The price does not follow the book afterwards.

Self-trade prevention marks every order that lost quantity with ``preventedMatchId`` and
``preventedQuantity``; a FULL placement answer lists the taker's ``preventedMatches``.

Exchange filters (EXCHANGE_MAX_NUM_*) and asset filters (MAX_ASSET) apply when `SimConfig` has them.

Not modelled: iceberg display (icebergQty is stored and echoed, the full quantity shows in depth), trade
groups, pegged prices that follow the book.
"""

from __future__ import annotations

import random
import re
from collections import deque
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from .accounts import Account, Accounts
from .clock import SimClock
from .config import SymbolSpec
from .errors import SimError, illegal_chars
from .limits import SimLimits
from .market import Market, Side, fmt8

__all__ = [
    "COMMISSION_RATE",
    "Allocation",
    "Amendment",
    "Engine",
    "Fill",
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
CLIENT_ID_PATTERN = "^[a-zA-Z0-9-_]{1,36}$"
_CLIENT_ID = re.compile(CLIENT_ID_PATTERN)
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def rejected(msg: str) -> SimError:
    return SimError(-2010, msg)


def insufficient_balance() -> SimError:
    return rejected("Account has insufficient balance for requested action.")


def filter_failure(name: str) -> SimError:
    return SimError(-1013, f"Filter failure: {name}")


def unknown_order() -> SimError:
    return SimError(-2011, "Unknown order sent.")


def no_such_order() -> SimError:
    return SimError(-2013, "Order does not exist.")


def _opposite(side: Side) -> Side:
    return "SELL" if side == "BUY" else "BUY"


def _commission(amount: Decimal) -> Decimal:
    return (amount * COMMISSION_RATE).quantize(EIGHT, rounding=ROUND_HALF_UP)


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


@dataclass
class OwnTrade:
    """One side of a fill, as an account sees it in GET /api/v3/myTrades."""

    symbol: str
    id: int
    order_id: int
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    time: int
    is_buyer: bool
    is_maker: bool

    def body(self) -> JsonObject:
        return {
            "symbol": self.symbol,
            "id": self.id,
            "orderId": self.order_id,
            "orderListId": -1,
            "price": fmt8(self.price),
            "qty": fmt8(self.qty),
            "quoteQty": fmt8(self.quote_qty),
            "commission": fmt8(self.commission),
            "commissionAsset": self.commission_asset,
            "time": self.time,
            "isBuyer": self.is_buyer,
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
        if self.strategy_id is not None:
            extras["strategyId"] = self.strategy_id
        if self.strategy_type is not None:
            extras["strategyType"] = self.strategy_type
        return extras

    def _conditional(self) -> JsonObject:
        """preventedMatchId/preventedQuantity (once self-trade prevention took quantity from the order),
        trailingDelta/trailingTime, and the peg fields (peggedPrice once the peg selected a price)."""
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
        return out

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
        body.update(
            {
                "price": fmt8(self.shown_price),
                "origQty": fmt8(self.orig_qty),
                "executedQty": fmt8(self.executed_qty),
                "origQuoteOrderQty": fmt8(self.orig_quote_order_qty),
                "cummulativeQuoteQty": fmt8(self.cumm_quote_qty),
                "status": self.status,
                "timeInForce": self.time_in_force,
                "type": self.type,
                "side": self.side,
                "workingTime": self.working_time,
            }
        )
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
        if self.strategy_id is not None:
            body["strategyId"] = self.strategy_id
        if self.strategy_type is not None:
            body["strategyType"] = self.strategy_type
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


@dataclass
class Allocation:
    """One SOR allocation, as GET /api/v3/myAllocations lists it."""

    account: str
    symbol: str
    allocation_id: int
    order_id: int
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    time: int
    is_buyer: bool

    def body(self) -> JsonObject:
        return {
            "symbol": self.symbol,
            "allocationId": self.allocation_id,
            "allocationType": "SOR",
            "orderId": self.order_id,
            "orderListId": -1,
            "price": fmt8(self.price),
            "qty": fmt8(self.qty),
            "quoteQty": fmt8(self.quote_qty),
            "commission": fmt8(self.commission),
            "commissionAsset": self.commission_asset,
            "time": self.time,
            "isBuyer": self.is_buyer,
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


@dataclass
class _Match:
    maker: Order | None  # None: house liquidity
    price: Decimal
    qty: Decimal


@dataclass
class _Plan:
    matches: list[_Match] = field(default_factory=list)
    expire_makers: list[Order] = field(default_factory=list)
    #: (maker, price, makerPreventedQuantity, mode) per prevented match
    prevented: list[tuple[Order, Decimal, Decimal, str]] = field(default_factory=list)
    decrements: list[tuple[Order, Decimal]] = field(default_factory=list)  # (maker, overlap): DECREMENT
    taker_decrement: Decimal = ZERO  # what DECREMENT takes from the taker
    taker_prevented: bool = False  # the taker expires in match
    exhausted: bool = False  # the opposite side ran out of (acceptable) liquidity

    @property
    def qty(self) -> Decimal:
        return sum((m.qty for m in self.matches), ZERO)

    @property
    def quote(self) -> Decimal:
        return sum((m.qty * m.price for m in self.matches), ZERO)


@dataclass
class _SymbolState:
    next_order_id: int = 1
    orders: dict[int, Order] = field(default_factory=dict)
    levels: dict[str, dict[Decimal, deque[Order]]] = field(default_factory=lambda: {"BUY": {}, "SELL": {}})
    stops: list[Order] = field(default_factory=list)
    trades: list[tuple[str, OwnTrade]] = field(default_factory=list)  # (account, trade)
    amendments: list[Amendment] = field(default_factory=list)
    next_execution_id: int = 1
    next_list_id: int = 0
    prevented: list[PreventedMatch] = field(default_factory=list)
    next_prevented_id: int = 1
    allocations: list[Allocation] = field(default_factory=list)
    next_allocation_id: int = 0


class Engine:
    """Matches account orders against each other and the house liquidity of `market`."""

    def __init__(self, market: Market, accounts: Accounts, limits: SimLimits, clock: SimClock) -> None:
        self.market = market
        self.accounts = accounts
        self.limits = limits
        self.clock = clock
        self._symbols: dict[str, _SymbolState] = {}
        self._ids = random.Random("binance-sim-client-order-ids")
        #: what the house liquidity gained (positive) or gave (negative), per asset
        self.house: dict[str, Decimal] = {}
        #: commissions charged, per asset
        self.commissions: dict[str, Decimal] = {}
        self._last_prices: list[Decimal] = []  # trade prices not yet checked against stop orders
        self._lists: dict[int, OrderList] = {}  # by orderListId (one sequence over all symbols)
        self._next_list_id = 0

    # -- helpers ---------------------------------------------------------------------------------

    def _state(self, symbol: str) -> _SymbolState:
        state = self._symbols.get(symbol)
        if state is None:
            self.market.require(symbol)
            state = self._symbols[symbol] = _SymbolState()
        return state

    def new_client_order_id(self) -> str:
        """A random 22-character id like Binance's (``6gCrw2kRUAF9CvJDGP16IP``)."""
        return "".join(self._ids.choice(_ID_ALPHABET) for _ in range(22))

    @staticmethod
    def _add(balances: dict[str, Decimal], asset: str, amount: Decimal) -> None:
        balances[asset] = balances.get(asset, ZERO) + amount

    def _lock(self, account: Account, order: Order, asset: str, amount: Decimal, per_unit: Decimal) -> None:
        if account.free.get(asset, ZERO) < amount:
            raise insufficient_balance()
        self._add(account.free, asset, -amount)
        self._add(account.locked, asset, amount)
        order.lock_asset, order.locked, order.lock_per_unit = asset, amount, per_unit

    def _release(self, account: Account, order: Order, amount: Decimal | None = None) -> None:
        """Move `amount` (default: all that is left) of the order's lock back to free."""
        amount = order.locked if amount is None else min(amount, order.locked)
        if amount <= 0 or not order.lock_asset:
            return
        self._add(account.locked, order.lock_asset, -amount)
        self._add(account.free, order.lock_asset, amount)
        order.locked -= amount

    # -- placing ---------------------------------------------------------------------------------

    def validate(self, account_name: str, request: NewOrder) -> SymbolSpec:
        """Every check that happens before the matching engine (-1102, -1106, -1013, ...)."""
        spec = self.market.require(request.symbol)
        kind = request.type
        takes_price = kind in LIMIT_TYPES
        need_tif = kind in ("LIMIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT")
        if need_tif and request.time_in_force is None:
            raise _mandatory("timeInForce")
        if not need_tif and request.time_in_force is not None:
            raise _not_required("timeInForce")
        if kind == "MARKET":
            if request.quantity is None and request.quote_order_qty is None:
                raise SimError(
                    -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"
                )
            if request.quantity is not None and request.quote_order_qty is not None:
                raise _not_required("quoteOrderQty")
        else:
            if request.quantity is None:
                raise _mandatory("quantity")
            if request.quote_order_qty is not None:
                raise _not_required("quoteOrderQty")
        if takes_price and request.price is None and request.peg_price_type is None:
            raise _mandatory("price")  # a pegged order's price is optional
        if not takes_price and request.price is not None:
            raise _not_required("price")
        if kind in STOP_TYPES and request.stop_price is None and request.trailing_delta is None:
            raise _mandatory("stopPrice")
        if kind not in STOP_TYPES and request.trailing_delta is not None:
            raise _not_required("trailingDelta")
        if kind not in STOP_TYPES and request.stop_price is not None:
            raise _not_required("stopPrice")
        if request.iceberg_qty is not None:
            if kind not in LIMIT_TYPES:
                raise _not_required("icebergQty")
            if kind != "LIMIT_MAKER" and request.time_in_force != "GTC":
                raise rejected("Iceberg orders are not supported for this symbol.")
            if request.quantity is not None and request.iceberg_qty > request.quantity:
                raise rejected("IcebergQty exceeds QTY.")
        if self.market.status(request.symbol) != "TRADING":
            raise rejected("Market is closed.")
        pegged = self._check_peg(request)
        self._check_filters(account_name, request, spec)
        if pegged is not None:  # a pegged order passes the filters at its price and its pegged price
            self._check_filters(account_name, replace(request, price=pegged), spec)
        return spec

    def _check_peg(self, request: NewOrder) -> Decimal | None:
        """The peg rules (pegged-orders FAQ); the price the peg selects now for an order that enters the
        book at once (LIMIT, LIMIT_MAKER), None for a stop-limit (pegged when it triggers) or no peg."""
        peg = request.peg_price_type
        if peg is None:
            if request.peg_offset_type is not None:
                raise _not_required("pegOffsetType")
            return None
        kind = request.type
        if kind not in LIMIT_TYPES:
            raise rejected("This order type may not use pegged price.")
        if (kind == "LIMIT_MAKER" and peg == "MARKET_PEG") or (
            kind == "LIMIT" and peg == "PRIMARY_PEG" and request.time_in_force != "GTC"
        ):
            raise rejected("This price peg cannot be used with this order type.")
        if kind in STOP_TYPES:
            return None
        return self._peg_price(request.symbol, request.side, peg, request.peg_offset_value or 0)

    def _peg_price(self, symbol: str, side: Side, peg: str, offset: int) -> Decimal:
        """The book price a peg selects: the best price of the order's own side (PRIMARY_PEG) or of
        the opposite side (MARKET_PEG), `offset` price levels deeper into the book."""
        book_side = side if peg == "PRIMARY_PEG" else _opposite(side)
        levels = self.market.book(symbol).side(book_side).top(offset + 1)
        if len(levels) <= offset:
            raise rejected("Order book liquidity is too low for this pegged order.")
        return levels[offset][0]

    def _peg(self, order: Order) -> None:
        """Price a pegged order from the book as it enters it (-2010 if the book is too thin)."""
        assert order.peg_price_type is not None
        price = self._peg_price(order.symbol, order.side, order.peg_price_type, order.peg_offset_value or 0)
        order.price = order.pegged_price = price

    def _check_filters(self, account_name: str, request: NewOrder, spec: SymbolSpec) -> None:
        symbol = request.symbol
        is_market = request.type in ("MARKET", "STOP_LOSS", "TAKE_PROFIT")
        for entry in self.market.filters(symbol):
            kind = entry["filterType"]
            if kind == "PRICE_FILTER":
                for value in (request.price, request.stop_price):
                    if value is not None and not _price_ok(value, entry):
                        raise filter_failure(kind)
            elif kind == "LOT_SIZE":
                for value in (request.quantity, request.iceberg_qty):
                    if value is not None and not _qty_ok(value, entry):
                        raise filter_failure(kind)
            elif kind == "ICEBERG_PARTS":
                if request.iceberg_qty and request.quantity is not None:
                    parts = (request.quantity / request.iceberg_qty).to_integral_value(rounding=ROUND_CEILING)
                    if parts > int(entry["limit"]):
                        raise filter_failure(kind)
            elif kind == "TRAILING_DELTA":
                if request.trailing_delta is not None and not _trailing_ok(request, entry):
                    raise filter_failure(kind)
            elif kind == "MARKET_LOT_SIZE":
                if is_market and request.quantity is not None and not _qty_ok(request.quantity, entry):
                    raise filter_failure(kind)
            elif kind == "PERCENT_PRICE_BY_SIDE":
                if request.price is not None:
                    reference = self._reference_price(symbol, int(entry["avgPriceMins"]))
                    up, down = ("bidMultiplierUp", "bidMultiplierDown")
                    if request.side == "SELL":
                        up, down = ("askMultiplierUp", "askMultiplierDown")
                    low, high = reference * Decimal(entry[down]), reference * Decimal(entry[up])
                    if not low <= request.price <= high:
                        raise filter_failure(kind)
            elif kind == "NOTIONAL":
                self._check_notional(request, entry, is_market)
            elif kind == "MAX_NUM_ORDERS":
                state = self._state(symbol)
                count = sum(1 for o in state.orders.values() if o.account == account_name and o.is_open)
                if count >= int(entry["maxNumOrders"]):
                    raise filter_failure(kind)
            elif kind == "MAX_NUM_ALGO_ORDERS" and request.type in STOP_TYPES:
                state = self._state(symbol)
                count = sum(
                    1
                    for o in state.orders.values()
                    if o.account == account_name and o.is_open and o.type in STOP_TYPES
                )
                if count >= int(entry["maxNumAlgoOrders"]):
                    raise filter_failure(kind)
        self._check_exchange_filters(account_name, request)
        self._check_asset_filters(request)

    def _check_exchange_filters(self, account_name: str, request: NewOrder) -> None:
        """EXCHANGE_MAX_NUM_ORDERS/_ALGO_ORDERS/_ICEBERG_ORDERS: the account's open orders on every
        symbol (``SimConfig.exchange_filters``; none by default, as on Binance's exchangeInfo)."""
        filters = self.market.config.exchange_filters
        if not filters:
            return
        mine = [
            o
            for state in self._symbols.values()
            for o in state.orders.values()
            if o.account == account_name and o.is_open
        ]
        for entry in filters:
            kind = entry["filterType"]
            if kind == "EXCHANGE_MAX_NUM_ORDERS":
                count, limit = len(mine), entry["maxNumOrders"]
            elif kind == "EXCHANGE_MAX_NUM_ALGO_ORDERS" and request.type in STOP_TYPES:
                count, limit = sum(o.type in STOP_TYPES for o in mine), entry["maxNumAlgoOrders"]
            elif kind == "EXCHANGE_MAX_NUM_ICEBERG_ORDERS" and request.iceberg_qty:
                count, limit = sum(o.iceberg_qty > 0 for o in mine), entry["maxNumIcebergOrders"]
            else:
                continue
            if count >= int(limit):
                raise filter_failure(kind)

    def _check_asset_filters(self, request: NewOrder) -> None:
        """MAX_ASSET (``SimConfig.asset_filters``): at most ``limit`` of the asset in one order, the
        quantity for the base asset, the notional for the quote asset."""
        filters = self.market.config.asset_filters
        if not filters:
            return
        spec = self.market.require(request.symbol)
        for entry in filters:
            if entry["filterType"] != "MAX_ASSET":
                continue
            if entry["asset"] == spec.base_asset:
                amount = request.quantity
            elif entry["asset"] == spec.quote_asset:
                amount = request.quote_order_qty
                if amount is None and request.quantity is not None:
                    price = request.price or self.market.last_price(request.symbol)
                    amount = request.quantity * price
            else:
                continue
            if amount is not None and amount > Decimal(entry["limit"]):
                raise filter_failure("MAX_ASSET")

    def _check_list_count(self, account_name: str) -> None:
        """EXCHANGE_MAX_NUM_ORDER_LISTS: the account's open order lists on every symbol."""
        for entry in self.market.config.exchange_filters:
            if entry["filterType"] == "EXCHANGE_MAX_NUM_ORDER_LISTS":
                count = sum(1 for lst in self._lists.values() if lst.account == account_name and lst.is_open)
                if count >= int(entry["maxNumOrderLists"]):
                    raise filter_failure("EXCHANGE_MAX_NUM_ORDER_LISTS")

    def _check_notional(self, request: NewOrder, entry: JsonObject, is_market: bool) -> None:
        if is_market:
            if request.quote_order_qty is not None:
                notional = request.quote_order_qty
            else:
                assert request.quantity is not None
                notional = request.quantity * self._reference_price(
                    request.symbol, int(entry["avgPriceMins"])
                )
            check_min, check_max = bool(entry["applyMinToMarket"]), bool(entry["applyMaxToMarket"])
        else:
            if request.price is None:  # a pegged stop-limit without a price: checked at its trigger
                return
            assert request.quantity is not None
            notional = request.quantity * request.price
            check_min = check_max = True
        if check_min and notional < Decimal(entry["minNotional"]):
            raise filter_failure("NOTIONAL")
        if check_max and notional > Decimal(entry["maxNotional"]):
            raise filter_failure("NOTIONAL")

    def _reference_price(self, symbol: str, mins: int) -> Decimal:
        try:
            reference = self.market.reference_price(symbol)
        except SimError:  # -2043: the symbol never had one
            reference = None
        if reference is not None:
            return reference
        return self.market.avg_price(symbol, mins)[0] if mins else self.market.last_price(symbol)

    def place(self, account_name: str, request: NewOrder) -> OrderResult:
        """Validate and place an order; answers the order, its fills and the transaction time."""
        spec = self.validate(account_name, request)
        state = self._state(request.symbol)
        account = self.accounts.get(account_name)
        now = self.clock.now_ms()
        order = self._make_order(account_name, request, state, now)
        is_stop = order.type in STOP_TYPES
        if order.peg_price_type is not None and not is_stop:
            self._peg(order)
        self._check_post_only(order)
        last = self.market.last_price(request.symbol)
        if is_stop and request.stop_price is not None and self._stop_triggered(order, [last]):
            raise rejected("Order would trigger immediately.")
        need = self._lock_need(order, spec)
        if need is not None:
            self._lock(account, order, *need)
        plan: _Plan | None = None
        if order.type == "MARKET":
            plan = self._plan(order, spec)
            self._check_market_funds(account, order, spec, plan)
        order.order_id = state.next_order_id
        state.next_order_id += 1
        state.orders[order.order_id] = order
        account.update_time = now
        fills: list[Fill] = []
        if is_stop:
            self._arm(order)
            state.stops.append(order)
        else:
            fills = self._execute(order, spec, plan)
        self._run_triggers(request.symbol, spec)
        self._settle_lists(request.symbol, spec)
        return OrderResult(order, fills, now)

    def _check_post_only(self, order: Order) -> None:
        """A LIMIT_MAKER that would take is rejected."""
        if order.type != "LIMIT_MAKER":
            return
        book = self.market.book(order.symbol)
        best = book.best_ask() if order.side == "BUY" else book.best_bid()
        if best is not None and (order.price >= best[0] if order.side == "BUY" else order.price <= best[0]):
            raise rejected("Order would immediately match and take.")

    def _check_market_funds(self, account: Account, order: Order, spec: SymbolSpec, plan: _Plan) -> None:
        if order.side == "BUY":
            need = order.orig_quote_order_qty if order.orig_quote_order_qty else plan.quote
            if account.free.get(spec.quote_asset, ZERO) < need:
                raise insufficient_balance()
        else:
            need = order.orig_qty if order.orig_qty else plan.qty
            if account.free.get(spec.base_asset, ZERO) + order.locked < need:
                raise insufficient_balance()

    # -- matching --------------------------------------------------------------------------------

    def _plan(self, order: Order, spec: SymbolSpec) -> _Plan:
        """What `order` would take now, without changing anything."""
        state = self._state(order.symbol)
        book = self.market.book(order.symbol)
        opposite = _opposite(order.side)
        side = book.side(opposite)
        limit = order.price if order.type in LIMIT_TYPES else None
        by_quote = order.orig_quote_order_qty > 0 and order.orig_qty == 0
        remaining = order.remaining
        quote_left = order.orig_quote_order_qty - order.cumm_quote_qty
        plan = _Plan()
        seen = 0
        count = 16
        while True:
            levels = side.top(count)
            if len(levels) <= seen:
                plan.exhausted = True
                return plan
            for price, total in levels[seen:]:
                seen += 1
                if limit is not None and (price > limit if order.side == "BUY" else price < limit):
                    plan.exhausted = True
                    return plan
                resting = state.levels[opposite].get(price, deque())
                house = total - sum((o.remaining for o in resting), ZERO)
                for maker in [None, *resting]:
                    available = house if maker is None else maker.remaining
                    if by_quote:
                        want = (quote_left / price).quantize(spec.step_size, rounding=ROUND_DOWN)
                        if want <= 0:
                            return plan
                    else:
                        want = remaining
                        if want <= 0:
                            return plan
                    if maker is not None and maker.account == order.account and order.stp_mode != "NONE":
                        mode = _stp_behaviour(order.stp_mode)
                        if mode == "DECREMENT":
                            overlap = min(available, want)
                            if overlap <= 0:
                                continue
                            plan.prevented.append((maker, price, overlap, order.stp_mode))
                            plan.decrements.append((maker, overlap))
                            plan.taker_decrement += overlap
                            remaining -= overlap
                            quote_left -= overlap * price
                            if not by_quote and remaining <= 0:
                                plan.taker_prevented = True
                                return plan
                            continue
                        expires_maker = mode in ("EXPIRE_MAKER", "EXPIRE_BOTH")
                        plan.prevented.append(
                            (maker, price, maker.remaining if expires_maker else ZERO, order.stp_mode)
                        )
                        if expires_maker:
                            plan.expire_makers.append(maker)
                        if mode != "EXPIRE_MAKER":
                            plan.taker_prevented = True
                            return plan
                        continue
                    take = min(available, want)
                    if take <= 0:
                        continue
                    plan.matches.append(_Match(maker, price, take))
                    remaining -= take
                    quote_left -= take * price
            count *= 2

    def _execute(self, order: Order, spec: SymbolSpec, plan: _Plan | None = None) -> list[Fill]:
        """Match `order` as a taker, then rest or expire what is left."""
        plan = plan if plan is not None else self._plan(order, spec)
        account = self.accounts.get(order.account)
        if order.time_in_force == "FOK" and plan.qty < order.orig_qty:
            order.status, order.expiry_reason = "EXPIRED", "UNFILLED_FOK_ORDER_EXPIRED"
            self._release(account, order)
            return []
        paid_from_free = order.type in ("MARKET", "STOP_LOSS", "TAKE_PROFIT") and order.side == "BUY"
        if paid_from_free and account.free.get(spec.quote_asset, ZERO) < plan.quote:
            order.status, order.expiry_reason = "EXPIRED", "REJECTED"  # a triggered stop that cannot pay
            return []
        for maker in plan.expire_makers:
            self._expire_in_match(maker)
        for maker, overlap in plan.decrements:
            self._decrement(maker, overlap)
        if plan.taker_decrement > 0:
            order.prevented_qty += plan.taker_decrement
            self._release(account, order, order.lock_per_unit * plan.taker_decrement)
        fills = [self._fill(order, match, spec) for match in plan.matches]
        order.fills.extend(fills)
        now = self.clock.now_ms()
        order.update_time = now
        if order.orig_qty == 0 and order.orig_quote_order_qty > 0:  # MARKET by quoteOrderQty
            order.orig_qty = order.executed_qty + order.prevented_qty
        self._record_prevented(order, plan)
        if plan.taker_prevented:
            order.status = "EXPIRED_IN_MATCH"
            order.expiry_reason = None
            self._release(account, order)
        elif order.remaining <= 0 and order.executed_qty > 0:
            order.status = "FILLED"
            self._release(account, order)
        elif order.type in ("MARKET", "STOP_LOSS", "TAKE_PROFIT") or order.time_in_force == "IOC":
            if order.orig_quote_order_qty > 0 and order.executed_qty > 0 and not plan.exhausted:
                order.status = "FILLED"
            else:
                order.status = "EXPIRED"
                is_ioc = order.time_in_force == "IOC" and order.type in LIMIT_TYPES
                order.expiry_reason = "UNFILLED_IOC_QUANTITY_EXPIRED" if is_ioc else "INSUFFICIENT_LIQUIDITY"
            self._release(account, order)
        else:  # rests
            state = self._state(order.symbol)
            state.levels[order.side].setdefault(order.price, deque()).append(order)
            self.market.book(order.symbol).add(order.side, order.price, order.remaining)
        return fills

    def _record_prevented(self, taker: Order, plan: _Plan) -> None:
        """One `PreventedMatch` per maker that self-trade prevention kept from matching `taker` (after
        the taker's fills). Each order that lost quantity to a match carries its ``preventedMatchId``
        (the last one) and ``preventedQuantity`` (STP FAQ): makers expired by EXPIRE_MAKER/EXPIRE_BOTH,
        the taker expired by EXPIRE_TAKER/EXPIRE_BOTH (its whole remaining quantity), both orders of a
        DECREMENT (the overlap)."""
        state = self._state(taker.symbol)
        now = self.clock.now_ms()
        last = len(plan.prevented) - 1
        for index, (maker, price, maker_qty, mode) in enumerate(plan.prevented):
            match_id = state.next_prevented_id
            state.next_prevented_id += 1
            taker_qty: Decimal | None = None
            behaviour = _stp_behaviour(mode)
            if behaviour == "DECREMENT":
                taker_qty = maker_qty  # the overlap, taken from both
                taker.prevented_match_id = match_id
            elif behaviour != "EXPIRE_MAKER" and plan.taker_prevented and index == last:
                taker_qty = taker.remaining  # EXPIRE_TAKER/EXPIRE_BOTH: what is left expires
                taker.prevented_qty += taker_qty
                taker.prevented_match_id = match_id
            if maker_qty > 0:
                maker.prevented_match_id = match_id
            match = PreventedMatch(
                account=taker.account,
                symbol=taker.symbol,
                prevented_match_id=match_id,
                taker_order_id=taker.order_id,
                maker_order_id=maker.order_id,
                mode=taker.stp_mode,
                price=price,
                maker_prevented_qty=maker_qty,
                transact_time=now,
                taker_prevented_qty=taker_qty,
            )
            state.prevented.append(match)
            taker.prevented.append(match)

    def _fill(self, taker: Order, match: _Match, spec: SymbolSpec) -> Fill:
        symbol, price, qty = taker.symbol, match.price, match.qty
        quote = price * qty
        now = self.clock.now_ms()
        trade_id = self.market.record_trade(symbol, price, qty, taker.side == "SELL", now)
        book = self.market.book(symbol)
        book.remove(_opposite(taker.side), price, qty)
        fill = self._settle(taker, price, qty, quote, trade_id, now, spec, is_maker=False)
        maker = match.maker
        if maker is None:  # the house gives what the taker receives and takes what it pays
            if taker.side == "BUY":
                self._add(self.house, spec.base_asset, -qty)
                self._add(self.house, spec.quote_asset, quote)
            else:
                self._add(self.house, spec.base_asset, qty)
                self._add(self.house, spec.quote_asset, -quote)
        else:
            self._settle(maker, price, qty, quote, trade_id, now, spec, is_maker=True)
            if maker.remaining <= 0:
                self._unrest(maker)
        return fill

    def _settle(
        self,
        order: Order,
        price: Decimal,
        qty: Decimal,
        quote: Decimal,
        trade_id: int,
        now: int,
        spec: SymbolSpec,
        *,
        is_maker: bool,
    ) -> Fill:
        account = self.accounts.get(order.account)
        first = order.executed_qty == 0
        order.executed_qty += qty
        order.cumm_quote_qty += quote
        order.update_time = now
        order.status = "FILLED" if order.orig_qty and order.remaining <= 0 else "PARTIALLY_FILLED"
        if order.side == "BUY":
            paid_asset, paid, got_asset, got = spec.quote_asset, quote, spec.base_asset, qty
        else:
            paid_asset, paid, got_asset, got = spec.base_asset, qty, spec.quote_asset, quote
        self._release(account, order, order.lock_per_unit * qty)
        self._add(account.free, paid_asset, -paid)
        commission = _commission(got)
        self._add(account.free, got_asset, got - commission)
        self._add(self.commissions, got_asset, commission)
        account.update_time = now
        if first:
            self.limits.order_filled(order.account)
        trade = OwnTrade(
            symbol=order.symbol,
            id=trade_id,
            order_id=order.order_id,
            price=price,
            qty=qty,
            quote_qty=quote,
            commission=commission,
            commission_asset=got_asset,
            time=now,
            is_buyer=order.side == "BUY",
            is_maker=is_maker,
        )
        self._state(order.symbol).trades.append((order.account, trade))
        self._last_prices.append(price)
        return Fill(price, qty, commission, got_asset, trade_id)

    def _unrest(self, order: Order) -> None:
        """Take a resting order off its level (its book quantity is already gone or removed here)."""
        state = self._state(order.symbol)
        level = state.levels[order.side].get(order.price)
        if level is not None and order in level:
            level.remove(order)
            if not level:
                del state.levels[order.side][order.price]
        if order in state.stops:
            state.stops.remove(order)

    def _take_off_book(self, order: Order) -> None:
        state = self._state(order.symbol)
        level = state.levels[order.side].get(order.price)
        if level is not None and order in level and order.remaining > 0:
            self.market.book(order.symbol).remove(order.side, order.price, order.remaining)
        self._unrest(order)

    def _expire_in_match(self, maker: Order) -> None:
        self._take_off_book(maker)
        maker.prevented_qty += maker.remaining  # all of it expires (preventedQuantity)
        maker.status = "EXPIRED_IN_MATCH"
        maker.update_time = self.clock.now_ms()
        self._release(self.accounts.get(maker.account), maker)

    def _decrement(self, maker: Order, qty: Decimal) -> None:
        """STP DECREMENT on a resting order: `qty` less of it, in depth and locks; at zero it expires."""
        state = self._state(maker.symbol)
        level = state.levels[maker.side].get(maker.price)
        if level is not None and maker in level:
            self.market.book(maker.symbol).remove(maker.side, maker.price, qty)
        account = self.accounts.get(maker.account)
        maker.prevented_qty += qty
        maker.update_time = self.clock.now_ms()
        self._release(account, maker, maker.lock_per_unit * qty)
        if maker.remaining <= 0:
            self._unrest(maker)
            maker.status = "EXPIRED_IN_MATCH"
            self._release(account, maker)

    # -- stops -----------------------------------------------------------------------------------

    def _arm(self, stop: Order) -> None:
        """A trailing stop without a stopPrice trails from the last price at once (from when it was
        placed, or started as a pending order)."""
        if stop.trailing_delta is not None and stop.stop_price == 0 and stop.trailing_time < 0:
            stop.trail_best = self.market.last_price(stop.symbol)
            stop.trailing_time = stop.update_time

    def _advance(self, stop: Order, prices: list[Decimal]) -> bool:
        """Whether `prices` (in trade order) trigger `stop`; a trailing stop follows them."""
        if stop.trailing_delta is None:
            return self._stop_triggered(stop, prices)
        delta = Decimal(stop.trailing_delta) / 10_000
        for price in prices:
            if stop.trailing_time < 0:  # waiting for its activation (stop) price
                if self._stop_triggered(stop, [price]):
                    stop.trail_best, stop.trailing_time = price, self.clock.now_ms()
                continue
            if stop.side == "SELL":
                if price <= stop.trail_best * (1 - delta):
                    return True
                stop.trail_best = max(stop.trail_best, price)
            else:
                if price >= stop.trail_best * (1 + delta):
                    return True
                stop.trail_best = min(stop.trail_best, price)
        return False

    @staticmethod
    def _stop_triggered(order: Order, prices: list[Decimal]) -> bool:
        if not prices:
            return False
        rises = (order.type.startswith("STOP_LOSS")) == (order.side == "BUY")
        return max(prices) >= order.stop_price if rises else min(prices) <= order.stop_price

    def _run_triggers(self, symbol: str, spec: SymbolSpec) -> None:
        state = self._state(symbol)
        while self._last_prices:
            prices, self._last_prices = self._last_prices, []
            for stop in [s for s in state.stops if self._advance(s, prices)]:
                if stop not in state.stops or not self._before_trigger(stop, spec):
                    continue
                state.stops.remove(stop)
                now = self.clock.now_ms()
                stop.is_working, stop.working_time, stop.update_time = True, now, now
                self._execute(stop, spec)

    # -- cancelling ------------------------------------------------------------------------------

    def _find(self, account: str, symbol: str, order_id: int | None, client_id: str | None) -> Order | None:
        state = self._state(symbol)
        if order_id is not None:
            order = state.orders.get(order_id)
            if order is None or order.account != account:
                return None
            if client_id is not None and order.client_order_id != client_id:
                return None
            return order
        if client_id is None:
            raise SimError(
                -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"
            )
        candidates = [
            o for o in state.orders.values() if o.account == account and o.client_order_id == client_id
        ]
        open_ones = [o for o in candidates if o.is_open]
        if open_ones:
            return open_ones[-1]
        return candidates[-1] if candidates else None

    def get_order(self, account: str, symbol: str, order_id: int | None, client_id: str | None) -> Order:
        """GET /api/v3/order (-2013 if unknown or the ids disagree)."""
        order = self._find(account, symbol, order_id, client_id)
        if order is None:
            raise no_such_order()
        return order

    def _cancel(self, order: Order) -> None:
        self._take_off_book(order)
        order.status = "CANCELED"
        now = self.clock.now_ms()
        order.update_time = now
        account = self.accounts.get(order.account)
        self._release(account, order)
        account.update_time = now

    def cancel(
        self,
        account: str,
        symbol: str,
        order_id: int | None,
        client_id: str | None,
        new_client_id: str | None = None,
        restriction: str | None = None,
    ) -> JsonObject:
        """DELETE /api/v3/order (-2011 "Unknown order sent." if unknown or no longer open).

        `restriction` is ``ONLY_NEW`` or ``ONLY_PARTIALLY_FILLED`` (cancelRestrictions).
        """
        order = self._find(account, symbol, order_id, client_id)
        if order is None or not order.is_open:
            raise unknown_order()
        if restriction is not None and order.status != restriction.removeprefix("ONLY_"):
            raise SimError(-2011, "Order was not canceled due to cancel restrictions.")
        self._cancel(order)
        self._settle_lists(symbol, self.market.require(symbol))
        return order.cancel_body(new_client_id or self.new_client_order_id(), self.clock.now_ms())

    def cancel_all(self, account: str, symbol: str) -> list[JsonObject]:
        """DELETE /api/v3/openOrders (-2011 if the account has none on `symbol`)."""
        orders = self.open_orders(account, symbol)
        if not orders:
            raise unknown_order()
        bodies = []
        for order in orders:
            self._cancel(order)
            bodies.append(order.cancel_body(self.new_client_order_id(), self.clock.now_ms()))
        self._settle_lists(symbol, self.market.require(symbol))
        return bodies

    # -- amending --------------------------------------------------------------------------------

    def amend_keep_priority(
        self,
        account: str,
        symbol: str,
        order_id: int | None,
        client_id: str | None,
        new_qty: Decimal,
        new_client_id: str | None = None,
    ) -> JsonObject:
        """PUT /api/v3/order/amend/keepPriority: reduce an open order's quantity, keeping its place.

        A new quantity at or below the executed quantity expires the order.
        """
        order = self._find(account, symbol, order_id, client_id)
        if order is None or not order.is_open:
            raise no_such_order()
        if new_client_id is not None and not _CLIENT_ID.fullmatch(new_client_id):
            raise illegal_chars("newClientOrderId", CLIENT_ID_PATTERN)
        if new_qty > order.orig_qty:
            raise SimError(-2038, "Order amend (quantity increase) is not supported.")
        if new_qty == order.orig_qty:
            raise SimError(-2038, "The requested action would change no state; rejecting")
        for entry in self.market.filters(symbol):
            if entry["filterType"] == "LOT_SIZE" and not _qty_ok(new_qty, entry):
                raise filter_failure("LOT_SIZE")
        state = self._state(symbol)
        limit = next(
            (
                int(f["maxNumOrderAmends"])
                for f in self.market.filters(symbol)
                if f["filterType"] == "MAX_NUM_ORDER_AMENDS"
            ),
            None,
        )
        done = sum(1 for a in state.amendments if a.order_id == order.order_id)
        if limit is not None and done >= limit:
            raise SimError(-2038, "Filter failure: MAX_NUM_ORDER_AMENDS")
        if new_client_id not in (None, order.client_order_id) and _taken(state, account, new_client_id):
            raise rejected("Duplicate order sent.")
        now = self.clock.now_ms()
        amendment = Amendment(
            account=account,
            symbol=symbol,
            order_id=order.order_id,
            execution_id=state.next_execution_id,
            orig_client_order_id=order.client_order_id,
            new_client_order_id=new_client_id or self.new_client_order_id(),
            orig_qty=order.orig_qty,
            new_qty=new_qty,
            time=now,
        )
        state.next_execution_id += 1
        state.amendments.append(amendment)
        holder = self.accounts.get(account)
        resting = order in state.levels[order.side].get(order.price, ())
        cut = min(order.orig_qty - new_qty, order.remaining)
        if resting and cut > 0:
            self.market.book(symbol).remove(order.side, order.price, cut)
        self._release(holder, order, order.lock_per_unit * cut)
        order.orig_qty = new_qty
        order.client_order_id = amendment.new_client_order_id
        order.update_time = now
        if order.remaining <= 0:
            self._unrest(order)
            order.status = "EXPIRED"
            self._release(holder, order)
            self._settle_lists(symbol, self.market.require(symbol))
        holder.update_time = now
        return {
            "transactTime": now,
            "executionId": amendment.execution_id,
            "amendedOrder": {
                "symbol": symbol,
                "orderId": order.order_id,
                "orderListId": -1,
                "origClientOrderId": amendment.orig_client_order_id,
                "clientOrderId": order.client_order_id,
                "price": fmt8(order.shown_price),
                "qty": fmt8(order.orig_qty),
                "executedQty": fmt8(order.executed_qty),
                "preventedQty": fmt8(ZERO),
                "quoteOrderQty": fmt8(order.orig_quote_order_qty),
                "cumulativeQuoteQty": fmt8(order.cumm_quote_qty),
                "status": order.status,
                "timeInForce": order.time_in_force,
                "type": order.type,
                "side": order.side,
                "workingTime": order.working_time,
                **order.extras(),
                "selfTradePreventionMode": order.stp_mode,
            },
        }

    def amendments(
        self, account: str, symbol: str, order_id: int, from_execution_id: int | None = None, limit: int = 500
    ) -> list[Amendment]:
        """GET /api/v3/order/amendments, oldest first (-2013 if the order is unknown)."""
        if self._find(account, symbol, order_id, None) is None:
            raise no_such_order()
        found = [
            a
            for a in self._state(symbol).amendments
            if a.order_id == order_id and (from_execution_id is None or a.execution_id >= from_execution_id)
        ]
        return found[:limit]

    # -- order lists -----------------------------------------------------------------------------

    def _lock_need(self, order: Order, spec: SymbolSpec) -> tuple[str, Decimal, Decimal] | None:
        """What placing `order` on its own would lock: (asset, amount, per unit), or None."""
        if order.side == "BUY" and order.type in LIMIT_TYPES:
            return spec.quote_asset, order.price * order.orig_qty, order.price
        if order.side == "SELL" and order.type != "MARKET":
            return spec.base_asset, order.orig_qty, Decimal(1)
        return None

    def _lock_group(self, account: Account, legs: list[Order], spec: SymbolSpec) -> None:
        """One lock for legs of which only one can execute: the largest need, on its leg."""
        needs = [(need, leg) for leg in legs if (need := self._lock_need(leg, spec)) is not None]
        if needs:
            (asset, amount, per_unit), leg = max(needs, key=lambda item: item[0][1])
            self._lock(account, leg, asset, amount, per_unit)

    def _start_legs(self, legs: list[Order], spec: SymbolSpec) -> None:
        """Stops wait for their trigger, the others match (and rest)."""
        state = self._state(spec.symbol)
        for leg in legs:
            if not leg.is_open:
                continue
            if leg.type in STOP_TYPES:
                self._arm(leg)
                state.stops.append(leg)
            elif (
                leg.type == "MARKET"
                and leg.side == "SELL"
                and (self.accounts.get(leg.account).free.get(spec.base_asset, ZERO) < leg.orig_qty)
            ):
                leg.status, leg.expiry_reason = "EXPIRED", "REJECTED"
            else:
                self._execute(leg, spec)

    def _expire_leg(self, order: Order, reason: str) -> None:
        self._take_off_book(order)
        order.status, order.expiry_reason = "EXPIRED", reason
        order.update_time = self.clock.now_ms()
        self._release(self.accounts.get(order.account), order)

    def _before_trigger(self, stop: Order, spec: SymbolSpec) -> bool:
        """A triggered list leg expires its OCO siblings and takes over the lock; a pegged stop-limit
        takes its price from the book and locks for it. False: it cannot (too thin a book, no funds)."""
        if stop.order_list_id >= 0:
            order_list = self._lists[stop.order_list_id]
            if stop in order_list.oco:
                for sibling in order_list.oco:
                    if sibling is not stop and sibling.is_open:
                        self._expire_leg(sibling, "OCO_TRIGGER")
        account = self.accounts.get(stop.account)
        try:
            if stop.peg_price_type is not None:
                self._peg(stop)
                self._release(account, stop)  # what it locked was for the price it was sent with
            need = self._lock_need(stop, spec)
            if need is not None and stop.locked == 0:
                self._lock(account, stop, *need)
        except SimError:
            self._state(stop.symbol).stops.remove(stop)
            stop.status, stop.expiry_reason = "EXPIRED", "REJECTED"
            self._release(account, stop)
            return False
        return True

    def _settle_lists(self, symbol: str, spec: SymbolSpec) -> None:
        while self._sweep_lists(spec):
            self._run_triggers(symbol, spec)

    def _sweep_lists(self, spec: SymbolSpec) -> bool:
        """Apply the list rules to what happened; True if pending legs started."""
        started = False
        for order_list in self._lists.values():
            if not order_list.is_open or order_list.symbol != spec.symbol:
                continue
            trigger = next((o for o in order_list.oco if o.status not in ("NEW", "PENDING_NEW")), None)
            if trigger is not None:
                for sibling in order_list.oco:
                    if sibling is trigger:
                        continue
                    if sibling.status == "PENDING_NEW":
                        sibling.status = "CANCELED"
                    elif sibling.is_open:
                        if trigger.status == "CANCELED":
                            self._cancel(sibling)
                        else:
                            self._expire_leg(sibling, "OCO_TRIGGER")
            working = order_list.working
            if working is not None:
                pending = [o for o in order_list.orders if o.status == "PENDING_NEW"]
                if pending and working.status == "FILLED":
                    self._start_pending(order_list, pending, spec)
                    started = True
                elif pending and not working.is_open:
                    for leg in pending:
                        if working.status == "CANCELED":
                            leg.status = "CANCELED"
                        else:
                            leg.status, leg.expiry_reason = "EXPIRED", "OTO_PHASE_ONE_EXPIRED"
                elif working.is_open and any(
                    o.status == "CANCELED" for o in order_list.orders if o is not working
                ):
                    self._cancel(working)
                    for leg in pending:
                        leg.status = "CANCELED"
            if all(o.status not in OPEN_STATUSES and o.status != "PENDING_NEW" for o in order_list.orders):
                order_list.list_status_type = order_list.list_order_status = "ALL_DONE"
        return started

    def _start_pending(self, order_list: OrderList, pending: list[Order], spec: SymbolSpec) -> None:
        working = order_list.working
        assert working is not None
        if order_list.opo:
            fees = sum(
                (t.commission for a, t in self._state(spec.symbol).trades if t.order_id == working.order_id),
                ZERO,
            )
            qty = ((working.executed_qty - fees) / spec.step_size).to_integral_value(rounding=ROUND_DOWN)
            for leg in pending:
                leg.orig_qty = qty * spec.step_size
        now = self.clock.now_ms()
        for leg in pending:
            is_stop = leg.type in STOP_TYPES
            leg.status, leg.update_time = "NEW", now
            leg.is_working, leg.working_time = not is_stop, -1 if is_stop else now
            if leg.orig_qty <= 0:
                leg.status, leg.expiry_reason = "EXPIRED", "REJECTED"
            elif leg.peg_price_type is not None and not is_stop:  # a pegged leg enters at the best price
                try:
                    self._peg(leg)
                except SimError:
                    leg.status, leg.expiry_reason = "EXPIRED", "REJECTED"
        live = [leg for leg in pending if leg.is_open]
        try:
            self._lock_group(self.accounts.get(order_list.account), live, spec)
        except SimError:
            for leg in live:
                leg.status, leg.expiry_reason = "EXPIRED", "REJECTED"
            return
        self._start_legs(live, spec)

    def _make_order(self, account: str, request: NewOrder, state: _SymbolState, now: int) -> Order:
        client_id = request.client_order_id
        if client_id is not None:
            if not _CLIENT_ID.fullmatch(client_id):
                raise illegal_chars("newClientOrderId", CLIENT_ID_PATTERN)
            if _taken(state, account, client_id):
                raise rejected("Duplicate order sent.")
        is_stop = request.type in STOP_TYPES
        return Order(
            symbol=request.symbol,
            order_id=0,
            client_order_id=client_id or self.new_client_order_id(),
            account=account,
            side=request.side,
            type=request.type,
            time_in_force=request.time_in_force or "GTC",
            price=request.price or ZERO,
            orig_qty=request.quantity or ZERO,
            stop_price=request.stop_price or ZERO,
            iceberg_qty=request.iceberg_qty or ZERO,
            orig_quote_order_qty=request.quote_order_qty or ZERO,
            stp_mode=request.stp_mode or "EXPIRE_MAKER",
            time=now,
            update_time=now,
            working_time=-1 if is_stop else now,
            is_working=not is_stop,
            strategy_id=request.strategy_id,
            strategy_type=request.strategy_type,
            trailing_delta=request.trailing_delta,
            peg_price_type=request.peg_price_type,
            peg_offset_type=request.peg_offset_type,
            peg_offset_value=request.peg_offset_value,
            sent_price=request.price or ZERO,
        )

    def place_list(
        self,
        account_name: str,
        working: NewOrder | None,
        legs: list[NewOrder],
        list_client_id: str | None = None,
        *,
        oco: bool = False,
        opo: bool = False,
    ) -> tuple[OrderList, list[Order]]:
        """Place an order list: an OCO (`working` None, `legs` the pair), or an OTO/OPO (`working` and
        one pending leg) or OTOCO/OPOCO (two pending legs with `oco`). Answers the list and its orders in
        report order. The requests must be validated; the pending quantity of an OPO is a placeholder."""
        symbol = legs[0].symbol
        spec = self.market.require(symbol)
        state = self._state(symbol)
        account = self.accounts.get(account_name)
        if list_client_id is not None:
            if not _CLIENT_ID.fullmatch(list_client_id):
                raise illegal_chars("listClientOrderId", CLIENT_ID_PATTERN)
            if any(
                lst.list_client_order_id == list_client_id and lst.account == account_name and lst.is_open
                for lst in self._lists.values()
            ):
                raise rejected("Duplicate order sent.")
        now = self.clock.now_ms()
        first = None if working is None else self._make_order(account_name, working, state, now)
        orders = [self._make_order(account_name, leg, state, now) for leg in legs]
        ids = [o.client_order_id for o in ([first] if first else []) + orders]
        if len(set(ids)) != len(ids):
            raise rejected("Duplicate order sent.")
        self._check_list_count(account_name)
        for order in [first] if first else orders:  # the orders that enter the book now
            if order.peg_price_type is not None and order.type not in STOP_TYPES:
                self._peg(order)
            self._check_post_only(order)
        if first is None:
            self._lock_group(account, orders, spec)  # raises before anything changed
        else:
            need = self._lock_need(first, spec)
            if need is not None:
                self._lock(account, first, *need)
        list_id = self._next_list_id
        self._next_list_id += 1
        every = ([first] if first else []) + orders
        for order in every:
            order.order_id = state.next_order_id
            order.order_list_id = list_id
            state.next_order_id += 1
            state.orders[order.order_id] = order
        order_list = OrderList(
            order_list_id=list_id,
            contingency_type="OCO" if first is None else "OTO",
            list_client_order_id=list_client_id or self.new_client_order_id(),
            symbol=symbol,
            account=account_name,
            orders=every,
            transaction_time=now,
            working=first,
            oco=orders if (first is None or oco) else [],
            opo=opo,
        )
        self._lists[list_id] = order_list
        account.update_time = now
        if first is None:
            self._start_legs(orders, spec)
        else:
            for order in orders:
                order.status, order.is_working, order.working_time = "PENDING_NEW", False, -1
            self._start_legs([first], spec)
        self._run_triggers(symbol, spec)
        self._settle_lists(symbol, spec)
        return order_list, every

    def _find_list(self, account: str, list_id: int | None, client_id: str | None) -> OrderList | None:
        if list_id is None and client_id is None:
            raise SimError(
                -1102, "Param 'origClientOrderId' or 'orderListId' must be sent, but both were empty/null!"
            )
        for order_list in reversed(list(self._lists.values())):
            if order_list.account != account:
                continue
            if list_id is not None and order_list.order_list_id != list_id:
                continue
            if client_id is not None and order_list.list_client_order_id != client_id:
                continue
            return order_list
        return None

    def get_list(self, account: str, list_id: int | None, client_id: str | None) -> OrderList:
        """GET /api/v3/orderList (-2013 if unknown)."""
        order_list = self._find_list(account, list_id, client_id)
        if order_list is None:
            raise SimError(-2013, "Order list does not exist.")
        return order_list

    def cancel_list(
        self,
        account: str,
        symbol: str,
        list_id: int | None,
        client_id: str | None,
        new_client_id: str | None = None,
    ) -> JsonObject:
        """DELETE /api/v3/orderList: cancel every leg still open or pending (-2011 if none)."""
        spec = self.market.require(symbol)
        order_list = self._find_list(account, list_id, client_id)
        if order_list is None or order_list.symbol != symbol or not order_list.is_open:
            raise SimError(-2011, "Unknown order list sent.")
        for order in order_list.orders:
            if order.is_open:
                self._cancel(order)
            elif order.status == "PENDING_NEW":
                order.status, order.update_time = "CANCELED", self.clock.now_ms()
        self._settle_lists(symbol, spec)
        now = self.clock.now_ms()
        cancel_id = new_client_id or self.new_client_order_id()
        body = order_list.body()
        body["transactionTime"] = now
        body["orderReports"] = [o.cancel_body(cancel_id, now) for o in order_list.orders]
        return body

    def all_lists(
        self,
        account: str,
        from_id: int | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 500,
    ) -> list[OrderList]:
        """GET /api/v3/allOrderList, oldest first."""
        if from_id is not None and (start_ms is not None or end_ms is not None):
            raise SimError(-1128, "Combination of optional parameters invalid.")
        _check_span(start_ms, end_ms)
        lists = [lst for lst in self._lists.values() if lst.account == account]
        if from_id is not None:
            return [lst for lst in lists if lst.order_list_id >= from_id][:limit]
        lists = [lst for lst in lists if _within(lst.transaction_time, start_ms, end_ms)]
        if start_ms is not None and end_ms is None:
            return lists[:limit]
        return lists[-limit:]

    def open_lists(self, account: str) -> list[OrderList]:
        """GET /api/v3/openOrderList."""
        return [lst for lst in self._lists.values() if lst.account == account and lst.is_open]

    # -- SOR, allocations, prevented matches ----------------------------------------------------

    def place_sor(self, account_name: str, request: NewOrder) -> tuple[OrderResult, list[Allocation]]:
        """POST /api/v3/sor/order: place on the symbol's own book (the only venue simulated); every
        fill of the order as a taker becomes one allocation."""
        result = self.place(account_name, request)
        state = self._state(request.symbol)
        allocations = []
        for fill in result.fills:
            allocation = Allocation(
                account=account_name,
                symbol=request.symbol,
                allocation_id=state.next_allocation_id,
                order_id=result.order.order_id,
                price=fill.price,
                qty=fill.qty,
                quote_qty=fill.price * fill.qty,
                commission=fill.commission,
                commission_asset=fill.commission_asset,
                time=result.transact_time,
                is_buyer=request.side == "BUY",
            )
            state.next_allocation_id += 1
            state.allocations.append(allocation)
            allocations.append(allocation)
        return result, allocations

    def allocations(
        self,
        account: str,
        symbol: str,
        order_id: int | None = None,
        from_id: int | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 500,
    ) -> list[Allocation]:
        """GET /api/v3/myAllocations, oldest first."""
        if from_id is not None and (start_ms is not None or end_ms is not None):
            raise SimError(-1128, "Combination of optional parameters invalid.")
        _check_span(start_ms, end_ms)
        found = [a for a in self._state(symbol).allocations if a.account == account]
        if order_id is not None:
            found = [a for a in found if a.order_id == order_id]
        if from_id is not None:
            return [a for a in found if a.allocation_id >= from_id][:limit]
        found = [a for a in found if _within(a.time, start_ms, end_ms)]
        if start_ms is not None and end_ms is None:
            return found[:limit]
        return found[-limit:]

    def prevented_matches(
        self,
        account: str,
        symbol: str,
        prevented_match_id: int | None = None,
        order_id: int | None = None,
        from_id: int | None = None,
        limit: int = 500,
    ) -> list[PreventedMatch]:
        """GET /api/v3/myPreventedMatches: by ``preventedMatchId``, or by ``orderId`` (taker or maker)
        from ``fromPreventedMatchId`` on; other combinations are -1128."""
        by_id = prevented_match_id is not None
        if by_id == (order_id is not None) or (by_id and from_id is not None):
            raise SimError(-1128, "Combination of optional parameters invalid.")
        found = [p for p in self._state(symbol).prevented if p.account == account]
        if by_id:
            return [p for p in found if p.prevented_match_id == prevented_match_id]
        found = [p for p in found if order_id in (p.taker_order_id, p.maker_order_id)]
        if from_id is not None:
            found = [p for p in found if p.prevented_match_id >= from_id]
        return found[:limit]

    # -- queries ---------------------------------------------------------------------------------

    def open_orders(self, account: str, symbol: str | None = None) -> list[Order]:
        states = [self._state(symbol)] if symbol is not None else list(self._symbols.values())
        return [o for state in states for o in state.orders.values() if o.account == account and o.is_open]

    def all_orders(
        self,
        account: str,
        symbol: str,
        order_id: int | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 500,
    ) -> list[Order]:
        """GET /api/v3/allOrders: from `order_id` on (oldest first), else the latest `limit` in the window."""
        _check_span(start_ms, end_ms)
        orders = [o for o in self._state(symbol).orders.values() if o.account == account]
        if order_id is not None:
            return [o for o in orders if o.order_id >= order_id][:limit]
        orders = [o for o in orders if _within(o.time, start_ms, end_ms)]
        if start_ms is not None and end_ms is None:
            return orders[:limit]
        return orders[-limit:]

    def my_trades(
        self,
        account: str,
        symbol: str,
        order_id: int | None = None,
        from_id: int | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 500,
    ) -> list[OwnTrade]:
        """GET /api/v3/myTrades, oldest first."""
        if from_id is not None and (start_ms is not None or end_ms is not None):
            raise SimError(-1128, "Combination of optional parameters invalid.")
        if order_id is not None and (start_ms is not None or end_ms is not None):
            raise SimError(-1128, "Combination of optional parameters invalid.")
        _check_span(start_ms, end_ms)
        trades = [t for a, t in self._state(symbol).trades if a == account]
        if order_id is not None:
            trades = [t for t in trades if t.order_id == order_id]
        if from_id is not None:
            return [t for t in trades if t.id >= from_id][:limit]
        trades = [t for t in trades if _within(t.time, start_ms, end_ms)]
        if start_ms is not None and end_ms is None:
            return trades[:limit]
        return trades[-limit:]

    def commission_body(self, symbol: str) -> JsonObject:
        """GET /api/v3/account/commission."""
        self.market.require(symbol)
        zero = fmt8(ZERO)
        return {
            "symbol": symbol,
            "standardCommission": {
                "maker": fmt8(COMMISSION_RATE),
                "taker": fmt8(COMMISSION_RATE),
                "buyer": zero,
                "seller": zero,
            },
            "specialCommission": {"maker": zero, "taker": zero, "buyer": zero, "seller": zero},
            "taxCommission": {"maker": zero, "taker": zero, "buyer": zero, "seller": zero},
            "discount": {
                "enabledForAccount": False,
                "enabledForSymbol": False,
                "discountAsset": "BNB",
                "discount": "0.25000000",
            },
        }


def _taken(state: _SymbolState, account: str, client_id: str | None) -> bool:
    """Whether `client_id` names one of the account's open orders on the symbol."""
    return any(
        o.client_order_id == client_id and o.account == account and o.is_open for o in state.orders.values()
    )


def _mandatory(name: str) -> SimError:
    return SimError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


def _not_required(name: str) -> SimError:
    return SimError(-1106, f"Parameter '{name}' sent when not required.")


def _stp_behaviour(taker_mode: str) -> str:
    """What STP does for a self-match: the taker's mode, with TRANSFER as DECREMENT. The simulator
    has no trade groups, so both orders are of one account, where Binance's TRANSFER is DECREMENT
    (whatever the maker's mode)."""
    return "DECREMENT" if taker_mode == "TRANSFER" else taker_mode


def _trailing_ok(request: NewOrder, entry: JsonObject) -> bool:
    """The TRAILING_DELTA filter: above-delta bounds for STOP_LOSS* BUY and TAKE_PROFIT* SELL,
    below-delta bounds for the other four."""
    assert request.trailing_delta is not None
    above = request.type.startswith("STOP_LOSS") == (request.side == "BUY")
    which = "Above" if above else "Below"
    low, high = int(entry[f"minTrailing{which}Delta"]), int(entry[f"maxTrailing{which}Delta"])
    return low <= request.trailing_delta <= high


def _price_ok(price: Decimal, entry: JsonObject) -> bool:
    low, high, tick = Decimal(entry["minPrice"]), Decimal(entry["maxPrice"]), Decimal(entry["tickSize"])
    if price <= 0:
        return False
    if low and price < low:
        return False
    if high and price > high:
        return False
    return not tick or (price - low) % tick == 0


def _qty_ok(qty: Decimal, entry: JsonObject) -> bool:
    low, high, step = Decimal(entry["minQty"]), Decimal(entry["maxQty"]), Decimal(entry["stepSize"])
    if qty <= 0:
        return False
    if low and qty < low:
        return False
    if high and qty > high:
        return False
    return not step or (qty - low) % step == 0


def _check_span(start_ms: int | None, end_ms: int | None) -> None:
    """startTime/endTime of allOrders, myTrades, allOrderList and myAllocations: at most 24 hours apart
    (-1127, documented), and not reversed. Binance documents no error for startTime > endTime; the one
    reported from the exchange (binance-spot-api-docs pull request #38, allOrders) is -1102 naming
    ``endTime``, which is what the simulator answers. Equal times are accepted."""
    if start_ms is not None and end_ms is not None:
        if end_ms < start_ms:
            raise _mandatory("endTime")
        if end_ms - start_ms > 86_400_000:
            raise SimError(-1127, "More than 24 hours between startTime and endTime.")


def _within(time_ms: int, start_ms: int | None, end_ms: int | None) -> bool:
    return (start_ms is None or time_ms >= start_ms) and (end_ms is None or time_ms <= end_ms)
