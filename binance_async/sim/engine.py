"""The simulator's matching engine: where an order request goes, and the order queries.

`Engine` is the front the order, order-list and SOR routes call. It composes the rooms of the engine:

* `records`: the order records (`NewOrder`, `Order`, `OrderList`, fills, trades, amendments,
  allocations, prevented matches) and the answers they give;
* `order_checks`: every check a request passes before it reaches the book (`Engine.validate`);
* `matching`: the book of account orders on top of the house liquidity, locked funds, price-time
  matching, self-trade prevention, stops and trailing stops (`Matcher`, as `Engine.matcher`);
* `order_lists`: OCO, OTO, OTOCO, OPO and OPOCO (`OrderLists`, as `Engine.lists`);
* `sor`: SOR allocations and the prevented-match query (functions of the `Matcher`);
* `history`: the windows and pages of the history queries.

The engine itself places a single order (check, peg, lock, match or arm, then triggers and list rules),
cancels and amends orders, and answers the order, trade and commission queries. Each call that changed
orders ends with ``matcher.events.orders_changed(symbol)`` (`account_events`: the user data streams read
what changed from the records; nothing listens, nothing is done).

Pegged orders (pegged-orders FAQ) are limit orders priced from the book when they enter it: at
placement for LIMIT and LIMIT_MAKER (and a list's working order or OCO limit-maker leg), when the working
order fills for an OTO's pending limit order, at the trigger for STOP_LOSS_LIMIT/TAKE_PROFIT_LIMIT (which
then lock funds for that price, or expire REJECTED). The price does not follow the book afterwards.

Not modelled: iceberg display (icebergQty is stored and echoed, the full quantity shows in depth), trade
groups, pegged prices that follow the book.
"""

from __future__ import annotations

from decimal import Decimal

from .accounts import Accounts
from .clock import SimClock
from .config import SymbolSpec
from .errors import SimError, no_such_order, rejected, unknown_order
from .history import LATEST, Window, invalid_combination, page
from .limits import SimLimits
from .market import Market
from .matching import Matcher, Plan, lock_need
from .order_checks import check_amendment, check_market_funds, check_post_only, make_order, validate
from .order_lists import OrderLists
from .records import (
    COMMISSION_RATE,
    STOP_TYPES,
    ZERO,
    Amendment,
    Fill,
    JsonObject,
    NewOrder,
    Order,
    OrderResult,
    OwnTrade,
)
from .values import fmt8

__all__ = ["Engine"]


class Engine:
    """Matches account orders against each other and the house liquidity of `market`."""

    def __init__(self, market: Market, accounts: Accounts, limits: SimLimits, clock: SimClock) -> None:
        self.market = market
        self.accounts = accounts
        self.limits = limits
        self.clock = clock
        self.matcher = Matcher(market, accounts, limits, clock)
        self.lists = OrderLists(self.matcher)
        #: what the house liquidity gained (positive) or gave (negative), per asset
        self.house = self.matcher.house
        #: commissions charged, per asset
        self.commissions = self.matcher.commissions

    def validate(self, account_name: str, request: NewOrder) -> SymbolSpec:
        """Every check that happens before the matching engine (-1102, -1106, -1013, ...)."""
        return validate(self.matcher, account_name, request)

    def place(self, account_name: str, request: NewOrder) -> OrderResult:
        """Validate and place an order; answers the order, its fills and the transaction time."""
        spec = self.validate(account_name, request)
        state = self.matcher.state(request.symbol)
        account = self.accounts.get(account_name)
        now = self.clock.now_ms()
        order = make_order(self.matcher, account_name, request, state, now)
        is_stop = order.type in STOP_TYPES
        if order.peg_price_type is not None and not is_stop:
            self.matcher.peg(order)
        check_post_only(self.market, order)
        last = self.market.last_price(request.symbol)
        if is_stop and request.stop_price is not None and self.matcher.stop_triggered(order, [last]):
            raise rejected("Order would trigger immediately.")
        need = lock_need(order, spec)
        if need is not None:
            self.matcher.lock(account, order, *need)
        plan: Plan | None = None
        if order.type == "MARKET":
            plan = self.matcher.plan(order, spec)
            check_market_funds(account, order, spec, plan)
        order.order_id = state.next_order_id
        state.next_order_id += 1
        state.orders[order.order_id] = order
        account.update_time = now
        fills: list[Fill] = []
        if is_stop:
            self.matcher.arm(order)
            state.stops.append(order)
        else:
            fills = self.matcher.execute(order, spec, plan)
        self.matcher.run_triggers(request.symbol, spec)
        self.lists.settle(request.symbol, spec)
        self.matcher.events.orders_changed(request.symbol)  # the user data streams (account_events)
        return OrderResult(order, fills, now)

    def _find(self, account: str, symbol: str, order_id: int | None, client_id: str | None) -> Order | None:
        state = self.matcher.state(symbol)
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
        self.matcher.cancel(order)
        self.lists.settle(symbol, self.market.require(symbol))
        body = order.cancel_body(new_client_id or self.matcher.new_client_order_id(), self.clock.now_ms())
        self.matcher.events.orders_changed(symbol, {order.order_id: body["clientOrderId"]})
        return body

    def cancel_all(self, account: str, symbol: str) -> list[JsonObject]:
        """DELETE /api/v3/openOrders (-2011 if the account has none on `symbol`)."""
        orders = self.open_orders(account, symbol)
        if not orders:
            raise unknown_order()
        bodies = []
        for order in orders:
            self.matcher.cancel(order)
            bodies.append(order.cancel_body(self.matcher.new_client_order_id(), self.clock.now_ms()))
        self.lists.settle(symbol, self.market.require(symbol))
        self.matcher.events.orders_changed(symbol, {b["orderId"]: b["clientOrderId"] for b in bodies})
        return bodies

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
        check_amendment(self.matcher, account, order, new_qty, new_client_id)
        state = self.matcher.state(symbol)
        now = self.clock.now_ms()
        amendment = Amendment(
            account=account,
            symbol=symbol,
            order_id=order.order_id,
            execution_id=state.next_execution_id,
            orig_client_order_id=order.client_order_id,
            new_client_order_id=new_client_id or self.matcher.new_client_order_id(),
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
        self.matcher.release(holder, order, order.lock_per_unit * cut)
        order.orig_qty = new_qty
        order.client_order_id = amendment.new_client_order_id
        order.update_time = now
        if order.remaining <= 0:
            self.matcher.unrest(order)
            order.status = "EXPIRED"
            self.matcher.release(holder, order)
            self.lists.settle(symbol, self.market.require(symbol))
        holder.update_time = now
        self.matcher.events.orders_changed(symbol)
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
            for a in self.matcher.state(symbol).amendments
            if a.order_id == order_id and (from_execution_id is None or a.execution_id >= from_execution_id)
        ]
        return found[:limit]

    def open_orders(self, account: str, symbol: str | None = None) -> list[Order]:
        states = [self.matcher.state(symbol)] if symbol is not None else list(self.matcher.symbols.values())
        return [o for state in states for o in state.orders.values() if o.account == account and o.is_open]

    def all_orders(self, account: str, symbol: str, window: Window = LATEST) -> list[Order]:
        """GET /api/v3/allOrders: from the window's `from_id` (``orderId``) on, oldest first, else the latest
        `limit` in its times."""
        window.check_span()
        orders = [o for o in self.matcher.state(symbol).orders.values() if o.account == account]
        return page(orders, lambda o: o.order_id, lambda o: o.time, window)

    def my_trades(self, account: str, symbol: str, window: Window = LATEST) -> list[OwnTrade]:
        """GET /api/v3/myTrades, oldest first; only the window's `order_id`'s trades if it has one."""
        if window.order_id is not None and window.timed:
            raise invalid_combination()
        window.check()
        trades = [t for a, t in self.matcher.state(symbol).trades if a == account]
        if window.order_id is not None:
            trades = [t for t in trades if t.order_id == window.order_id]
        return page(trades, lambda t: t.id, lambda t: t.time, window)

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
