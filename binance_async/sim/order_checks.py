"""Order checks: everything an order request must pass before it reaches the book, in Binance's order.

`validate` checks the parameters each order type takes (-1102, -1106), iceberg and peg rules (-2010),
the symbol's status, and its filters (-1013): PRICE_FILTER, LOT_SIZE, ICEBERG_PARTS, TRAILING_DELTA,
MARKET_LOT_SIZE, PERCENT_PRICE_BY_SIDE, NOTIONAL, MAX_NUM_ORDERS, MAX_NUM_ALGO_ORDERS; then the exchange
filters (EXCHANGE_MAX_NUM_*) and asset filters (MAX_ASSET) when `SimConfig` has them. A pegged order
passes the filters at the price it was sent with and at the price its peg selects now (pegged-orders
FAQ). What can only be checked against the book or the account at placement (post-only, funds, client
order ids, the number of order lists, an amendment's quantity) has its own check here, called by the
engine and the order lists at that moment. `make_order` turns a checked request into an `Order`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import ROUND_CEILING, Decimal

from .accounts import Account
from .config import SymbolSpec
from .errors import (
    SimError,
    filter_failure,
    illegal_chars,
    insufficient_balance,
    mandatory,
    not_required,
    rejected,
)
from .market import Market
from .matching import Matcher, Plan, SymbolState
from .records import LIMIT_TYPES, STOP_TYPES, ZERO, JsonObject, NewOrder, Order

__all__ = [
    "CLIENT_ID_PATTERN",
    "check_amendment",
    "check_client_id",
    "check_list_count",
    "check_market_funds",
    "check_post_only",
    "make_order",
    "validate",
]

CLIENT_ID_PATTERN = "^[a-zA-Z0-9-_]{1,36}$"
_CLIENT_ID = re.compile(CLIENT_ID_PATTERN)


def validate(matcher: Matcher, account_name: str, request: NewOrder) -> SymbolSpec:
    """Every check that happens before the matching engine (-1102, -1106, -1013, ...)."""
    spec = matcher.market.require(request.symbol)
    kind = request.type
    takes_price = kind in LIMIT_TYPES
    need_tif = kind in ("LIMIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT")
    if need_tif and request.time_in_force is None:
        raise mandatory("timeInForce")
    if not need_tif and request.time_in_force is not None:
        raise not_required("timeInForce")
    if kind == "MARKET":
        if request.quantity is None and request.quote_order_qty is None:
            raise SimError(
                -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"
            )
        if request.quantity is not None and request.quote_order_qty is not None:
            raise not_required("quoteOrderQty")
    else:
        if request.quantity is None:
            raise mandatory("quantity")
        if request.quote_order_qty is not None:
            raise not_required("quoteOrderQty")
    if takes_price and request.price is None and request.peg_price_type is None:
        raise mandatory("price")  # a pegged order's price is optional
    if not takes_price and request.price is not None:
        raise not_required("price")
    if kind in STOP_TYPES and request.stop_price is None and request.trailing_delta is None:
        raise mandatory("stopPrice")
    if kind not in STOP_TYPES and request.trailing_delta is not None:
        raise not_required("trailingDelta")
    if kind not in STOP_TYPES and request.stop_price is not None:
        raise not_required("stopPrice")
    if request.iceberg_qty is not None:
        if kind not in LIMIT_TYPES:
            raise not_required("icebergQty")
        if kind != "LIMIT_MAKER" and request.time_in_force != "GTC":
            raise rejected("Iceberg orders are not supported for this symbol.")
        if request.quantity is not None and request.iceberg_qty > request.quantity:
            raise rejected("IcebergQty exceeds QTY.")
    if matcher.market.status(request.symbol) != "TRADING":
        raise rejected("Market is closed.")
    pegged = _check_peg(matcher, request)
    _check_filters(matcher, account_name, request, spec)
    if pegged is not None:  # a pegged order passes the filters at its price and its pegged price
        _check_filters(matcher, account_name, replace(request, price=pegged), spec)
    return spec


def _check_peg(matcher: Matcher, request: NewOrder) -> Decimal | None:
    """The peg rules (pegged-orders FAQ); the price the peg selects now for an order that enters the
    book at once (LIMIT, LIMIT_MAKER), None for a stop-limit (pegged when it triggers) or no peg."""
    peg = request.peg_price_type
    if peg is None:
        if request.peg_offset_type is not None:
            raise not_required("pegOffsetType")
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
    return matcher.peg_price(request.symbol, request.side, peg, request.peg_offset_value or 0)


def _check_filters(matcher: Matcher, account_name: str, request: NewOrder, spec: SymbolSpec) -> None:
    symbol = request.symbol
    is_market = request.type in ("MARKET", "STOP_LOSS", "TAKE_PROFIT")
    for entry in matcher.market.filters(symbol):
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
                reference = _reference_price(matcher.market, symbol, int(entry["avgPriceMins"]))
                up, down = ("bidMultiplierUp", "bidMultiplierDown")
                if request.side == "SELL":
                    up, down = ("askMultiplierUp", "askMultiplierDown")
                low, high = reference * Decimal(entry[down]), reference * Decimal(entry[up])
                if not low <= request.price <= high:
                    raise filter_failure(kind)
        elif kind == "NOTIONAL":
            _check_notional(matcher.market, request, entry, is_market)
        elif kind == "MAX_NUM_ORDERS":
            state = matcher.state(symbol)
            count = sum(1 for o in state.orders.values() if o.account == account_name and o.is_open)
            if count >= int(entry["maxNumOrders"]):
                raise filter_failure(kind)
        elif kind == "MAX_NUM_ALGO_ORDERS" and request.type in STOP_TYPES:
            state = matcher.state(symbol)
            count = sum(
                1
                for o in state.orders.values()
                if o.account == account_name and o.is_open and o.type in STOP_TYPES
            )
            if count >= int(entry["maxNumAlgoOrders"]):
                raise filter_failure(kind)
    _check_exchange_filters(matcher, account_name, request)
    _check_asset_filters(matcher.market, request)


def _check_exchange_filters(matcher: Matcher, account_name: str, request: NewOrder) -> None:
    """EXCHANGE_MAX_NUM_ORDERS/_ALGO_ORDERS/_ICEBERG_ORDERS: the account's open orders on every
    symbol (``SimConfig.exchange_filters``; none by default, as on Binance's exchangeInfo)."""
    filters = matcher.market.config.exchange_filters
    if not filters:
        return
    mine = [
        o
        for state in matcher.symbols.values()
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


def _check_asset_filters(market: Market, request: NewOrder) -> None:
    """MAX_ASSET (``SimConfig.asset_filters``): at most ``limit`` of the asset in one order, the
    quantity for the base asset, the notional for the quote asset."""
    filters = market.config.asset_filters
    if not filters:
        return
    spec = market.require(request.symbol)
    for entry in filters:
        if entry["filterType"] != "MAX_ASSET":
            continue
        if entry["asset"] == spec.base_asset:
            amount = request.quantity
        elif entry["asset"] == spec.quote_asset:
            amount = request.quote_order_qty
            if amount is None and request.quantity is not None:
                price = request.price or market.last_price(request.symbol)
                amount = request.quantity * price
        else:
            continue
        if amount is not None and amount > Decimal(entry["limit"]):
            raise filter_failure("MAX_ASSET")


def _check_notional(market: Market, request: NewOrder, entry: JsonObject, is_market: bool) -> None:
    if is_market:
        if request.quote_order_qty is not None:
            notional = request.quote_order_qty
        else:
            assert request.quantity is not None
            notional = request.quantity * _reference_price(market, request.symbol, int(entry["avgPriceMins"]))
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


def _reference_price(market: Market, symbol: str, mins: int) -> Decimal:
    try:
        reference = market.reference_price(symbol)
    except SimError:  # -2043: the symbol never had one
        reference = None
    if reference is not None:
        return reference
    return market.avg_price(symbol, mins)[0] if mins else market.last_price(symbol)


def check_list_count(matcher: Matcher, account_name: str) -> None:
    """EXCHANGE_MAX_NUM_ORDER_LISTS: the account's open order lists on every symbol."""
    for entry in matcher.market.config.exchange_filters:
        if entry["filterType"] == "EXCHANGE_MAX_NUM_ORDER_LISTS":
            count = sum(1 for lst in matcher.lists.values() if lst.account == account_name and lst.is_open)
            if count >= int(entry["maxNumOrderLists"]):
                raise filter_failure("EXCHANGE_MAX_NUM_ORDER_LISTS")


def check_post_only(market: Market, order: Order) -> None:
    """A LIMIT_MAKER that would take is rejected."""
    if order.type != "LIMIT_MAKER":
        return
    book = market.book(order.symbol)
    best = book.best_ask() if order.side == "BUY" else book.best_bid()
    if best is not None and (order.price >= best[0] if order.side == "BUY" else order.price <= best[0]):
        raise rejected("Order would immediately match and take.")


def check_market_funds(account: Account, order: Order, spec: SymbolSpec, plan: Plan) -> None:
    if order.side == "BUY":
        need = order.orig_quote_order_qty if order.orig_quote_order_qty else plan.quote
        if account.free.get(spec.quote_asset, ZERO) < need:
            raise insufficient_balance()
    else:
        need = order.orig_qty if order.orig_qty else plan.qty
        if account.free.get(spec.base_asset, ZERO) + order.locked < need:
            raise insufficient_balance()


def check_client_id(client_id: str | None, name: str) -> None:
    """A client order id sent in parameter `name` must match `CLIENT_ID_PATTERN` (-1100)."""
    if client_id is not None and not _CLIENT_ID.fullmatch(client_id):
        raise illegal_chars(name, CLIENT_ID_PATTERN)


def check_amendment(
    matcher: Matcher, account: str, order: Order, new_qty: Decimal, new_client_id: str | None
) -> None:
    """PUT /api/v3/order/amend/keepPriority on the open `order`: the new client order id, a smaller
    quantity that passes LOT_SIZE, MAX_NUM_ORDER_AMENDS, no other open order with the new id."""
    symbol = order.symbol
    check_client_id(new_client_id, "newClientOrderId")
    if new_qty > order.orig_qty:
        raise SimError(-2038, "Order amend (quantity increase) is not supported.")
    if new_qty == order.orig_qty:
        raise SimError(-2038, "The requested action would change no state; rejecting")
    for entry in matcher.market.filters(symbol):
        if entry["filterType"] == "LOT_SIZE" and not _qty_ok(new_qty, entry):
            raise filter_failure("LOT_SIZE")
    state = matcher.state(symbol)
    limit = next(
        (
            int(f["maxNumOrderAmends"])
            for f in matcher.market.filters(symbol)
            if f["filterType"] == "MAX_NUM_ORDER_AMENDS"
        ),
        None,
    )
    done = sum(1 for a in state.amendments if a.order_id == order.order_id)
    if limit is not None and done >= limit:
        raise SimError(-2038, "Filter failure: MAX_NUM_ORDER_AMENDS")
    if new_client_id not in (None, order.client_order_id) and _taken(state, account, new_client_id):
        raise rejected("Duplicate order sent.")


def make_order(matcher: Matcher, account: str, request: NewOrder, state: SymbolState, now: int) -> Order:
    """The `Order` a validated request becomes (order id 0 until it is placed), once its client order
    id passes: the pattern (-1100), and no open order of the account on the symbol has it (-2010)."""
    client_id = request.client_order_id
    check_client_id(client_id, "newClientOrderId")
    if client_id is not None and _taken(state, account, client_id):
        raise rejected("Duplicate order sent.")
    is_stop = request.type in STOP_TYPES
    return Order(
        symbol=request.symbol,
        order_id=0,
        client_order_id=client_id or matcher.new_client_order_id(),
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


def _taken(state: SymbolState, account: str, client_id: str | None) -> bool:
    """Whether `client_id` names one of the account's open orders on the symbol."""
    return any(
        o.client_order_id == client_id and o.account == account and o.is_open for o in state.orders.values()
    )


def _trailing_ok(request: NewOrder, entry: JsonObject) -> bool:
    """The TRAILING_DELTA filter: above-delta bounds for STOP_LOSS* BUY and TAKE_PROFIT* SELL,
    below-delta bounds for the other four."""
    assert request.trailing_delta is not None
    above = request.type.startswith("STOP_LOSS") == (request.side == "BUY")
    which = "Above" if above else "Below"
    low, high = int(entry[f"minTrailing{which}Delta"]), int(entry[f"maxTrailing{which}Delta"])
    return low <= request.trailing_delta <= high


def _price_ok(price: Decimal, entry: JsonObject) -> bool:
    return _on_grid(price, entry["minPrice"], entry["maxPrice"], entry["tickSize"])


def _qty_ok(qty: Decimal, entry: JsonObject) -> bool:
    return _on_grid(qty, entry["minQty"], entry["maxQty"], entry["stepSize"])


def _on_grid(value: Decimal, minimum: str, maximum: str, step: str) -> bool:
    """PRICE_FILTER and LOT_SIZE: positive, within the bounds (0: none), on the step from the minimum
    (step 0: any)."""
    low, high, tick = Decimal(minimum), Decimal(maximum), Decimal(step)
    if value <= 0:
        return False
    if low and value < low:
        return False
    if high and value > high:
        return False
    return not tick or (value - low) % tick == 0
