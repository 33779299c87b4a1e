"""Order lists: OCO, OTO, OTOCO, OPO and OPOCO on the matching engine's book, and their queries.

An OCO's legs share one lock (the larger need, on its leg) since only one can execute; when one leg
fills, triggers or is canceled, the other expires (or is canceled). An OTO/OPO's working order enters the
book at once and its pending legs (PENDING_NEW) start when it fills: an OPO's pending quantity is what
the working BUY received, net of commission. A pegged working order or OCO limit-maker leg is pegged at
placement, an OTO's pending limit order when the working order fills (pegged-orders FAQ). After every
change the list rules are applied (`OrderLists.settle`) until nothing more starts.

`OrderLists` keeps the rules; the lists themselves are in `Matcher.lists`, where a triggered stop finds
its OCO siblings.
"""

from __future__ import annotations

from decimal import ROUND_DOWN

from .accounts import Account
from .config import SymbolSpec
from .errors import SimError, rejected
from .history import LATEST, Window, page
from .matching import Matcher, lock_need
from .order_checks import check_client_id, check_list_count, check_post_only, make_order
from .records import OPEN_STATUSES, STOP_TYPES, ZERO, JsonObject, NewOrder, Order, OrderList

__all__ = ["OrderLists"]


class OrderLists:
    """Places, settles, cancels and finds the order lists of `matcher`."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self.market = matcher.market
        self.accounts = matcher.accounts
        self.clock = matcher.clock
        self._next_id = 0  # orderListId: one sequence over all symbols

    def _lock_group(self, account: Account, legs: list[Order], spec: SymbolSpec) -> None:
        """One lock for legs of which only one can execute: the largest need, on its leg."""
        needs = [(need, leg) for leg in legs if (need := lock_need(leg, spec)) is not None]
        if needs:
            (asset, amount, per_unit), leg = max(needs, key=lambda item: item[0][1])
            self.matcher.lock(account, leg, asset, amount, per_unit)

    def _start_legs(self, legs: list[Order], spec: SymbolSpec) -> None:
        """Stops wait for their trigger, the others match (and rest)."""
        state = self.matcher.state(spec.symbol)
        for leg in legs:
            if not leg.is_open:
                continue
            if leg.type in STOP_TYPES:
                self.matcher.arm(leg)
                state.stops.append(leg)
            elif (
                leg.type == "MARKET"
                and leg.side == "SELL"
                and (self.accounts.get(leg.account).free.get(spec.base_asset, ZERO) < leg.orig_qty)
            ):
                leg.status, leg.expiry_reason = "EXPIRED", "REJECTED"
            else:
                self.matcher.execute(leg, spec)

    def settle(self, symbol: str, spec: SymbolSpec) -> None:
        """Apply the list rules after a change on `symbol`, and the stops that then trigger."""
        while self._sweep(spec):
            self.matcher.run_triggers(symbol, spec)

    def _sweep(self, spec: SymbolSpec) -> bool:
        """Apply the list rules to what happened; True if pending legs started."""
        started = False
        for order_list in self.matcher.lists.values():
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
                            self.matcher.cancel(sibling)
                        else:
                            self.matcher.expire(sibling, "OCO_TRIGGER")
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
                    self.matcher.cancel(working)
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
                (
                    t.commission
                    for a, t in self.matcher.state(spec.symbol).trades
                    if t.order_id == working.order_id
                ),
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
                    self.matcher.peg(leg)
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
        state = self.matcher.state(symbol)
        account = self.accounts.get(account_name)
        if list_client_id is not None:
            check_client_id(list_client_id, "listClientOrderId")
            if any(
                lst.list_client_order_id == list_client_id and lst.account == account_name and lst.is_open
                for lst in self.matcher.lists.values()
            ):
                raise rejected("Duplicate order sent.")
        now = self.clock.now_ms()
        first = None if working is None else make_order(self.matcher, account_name, working, state, now)
        orders = [make_order(self.matcher, account_name, leg, state, now) for leg in legs]
        ids = [o.client_order_id for o in ([first] if first else []) + orders]
        if len(set(ids)) != len(ids):
            raise rejected("Duplicate order sent.")
        check_list_count(self.matcher, account_name)
        for order in [first] if first else orders:  # the orders that enter the book now
            if order.peg_price_type is not None and order.type not in STOP_TYPES:
                self.matcher.peg(order)
            check_post_only(self.market, order)
        if first is None:
            self._lock_group(account, orders, spec)  # raises before anything changed
        else:
            need = lock_need(first, spec)
            if need is not None:
                self.matcher.lock(account, first, *need)
        list_id = self._next_id
        self._next_id += 1
        every = ([first] if first else []) + orders
        for order in every:
            order.order_id = state.next_order_id
            order.order_list_id = list_id
            state.next_order_id += 1
            state.orders[order.order_id] = order
        order_list = OrderList(
            order_list_id=list_id,
            contingency_type="OCO" if first is None else "OTO",
            list_client_order_id=list_client_id or self.matcher.new_client_order_id(),
            symbol=symbol,
            account=account_name,
            orders=every,
            transaction_time=now,
            working=first,
            oco=orders if (first is None or oco) else [],
            opo=opo,
        )
        self.matcher.lists[list_id] = order_list
        account.update_time = now
        if first is None:
            self._start_legs(orders, spec)
        else:
            for order in orders:
                order.status, order.is_working, order.working_time = "PENDING_NEW", False, -1
            self._start_legs([first], spec)
        self.matcher.run_triggers(symbol, spec)
        self.settle(symbol, spec)
        self.matcher.events.orders_changed(symbol)  # the user data streams (account_events)
        return order_list, every

    def _find(self, account: str, list_id: int | None, client_id: str | None) -> OrderList | None:
        if list_id is None and client_id is None:
            raise SimError(
                -1102, "Param 'origClientOrderId' or 'orderListId' must be sent, but both were empty/null!"
            )
        for order_list in reversed(list(self.matcher.lists.values())):
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
        order_list = self._find(account, list_id, client_id)
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
        order_list = self._find(account, list_id, client_id)
        if order_list is None or order_list.symbol != symbol or not order_list.is_open:
            raise SimError(-2011, "Unknown order list sent.")
        for order in order_list.orders:
            if order.is_open:
                self.matcher.cancel(order)
            elif order.status == "PENDING_NEW":
                order.status, order.update_time = "CANCELED", self.clock.now_ms()
        self.settle(symbol, spec)
        now = self.clock.now_ms()
        cancel_id = new_client_id or self.matcher.new_client_order_id()
        body = order_list.body()
        body["transactionTime"] = now
        body["orderReports"] = [o.cancel_body(cancel_id, now) for o in order_list.orders]
        self.matcher.events.orders_changed(symbol, {o.order_id: cancel_id for o in order_list.orders})
        return body

    def all_lists(self, account: str, window: Window = LATEST) -> list[OrderList]:
        """GET /api/v3/allOrderList, oldest first."""
        window.check()
        lists = [lst for lst in self.matcher.lists.values() if lst.account == account]
        return page(lists, lambda lst: lst.order_list_id, lambda lst: lst.transaction_time, window)

    def open_lists(self, account: str) -> list[OrderList]:
        """GET /api/v3/openOrderList."""
        return [lst for lst in self.matcher.lists.values() if lst.account == account and lst.is_open]
