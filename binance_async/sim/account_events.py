"""What the engine tells about accounts: their orders changed, their balances moved. The account
counterpart of `stream_events` (which tells about books and trades).

The engine publishes; the WebSocket API's user data streams (`ws_api_user_data`) listen. With no listener
a publication costs one empty loop, so the REST-only simulator pays nothing.

The hooks are few on purpose: one `AccountEvents.orders_changed` call per engine call that changes orders
(at the end of `Engine.place`, `cancel`, `cancel_all`, `amend_keep_priority` and
`OrderLists.place_list`, `cancel_list`, on `Matcher.events`), naming the symbol and the client order ids
the cancels answered with. What changed is then read from the engine's own records by an `AccountFeed`,
one per account listened to, which remembers what it last reported:

* the orders placed since (order ids are a sequence per symbol): an ``executionReport`` NEW each (a
  pending leg of an OTO/OTOCO/OPO/OPOCO is NEW with status ``PENDING_NEW``);
* the account's trades since (``SymbolState.trades`` only grows): one ``executionReport`` TRADE per fill,
  with the trade id, price, quantity and commission, in trade order; the order's first fill on a call is
  preceded by its NEW once a stop triggered or a pending leg started;
* the amendments since (``order.amend.keepPriority``): ``REPLACED``;
* every order it knows as open: ``TRADE_PREVENTION`` when self-trade prevention took quantity,
  ``CANCELED``, ``EXPIRED`` (with ``eR``), ``EXPIRED_IN_MATCH`` once it ends; NEW when a stop triggers or a
  pending leg starts without trading;
* the order lists placed since, and those whose status changed: ``listStatus``;
* the balances: one ``outboundAccountPosition`` with the assets that changed.

Deposits and external locks are not engine calls: `adjust_balance` moves the balance and publishes a
``balanceUpdate`` (or ``externalLockUpdate``) event.

Not modelled: the SOR fields (``k``, ``uS``, ``b``, ``a``: allocations are made after the engine call),
trade groups (``u`` is -1), the execution id of an amendment (``I`` is the feed's own sequence).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from .accounts import Accounts
from .clock import SimClock
from .records import LIMIT_TYPES, STOP_TYPES, ZERO, Order, OrderList, OwnTrade, PreventedMatch
from .values import fmt8

if TYPE_CHECKING:
    from .matching import Matcher

__all__ = [
    "AccountEvents",
    "AccountFeed",
    "AccountListener",
    "adjust_balance",
    "execution_report",
    "list_status",
]

JsonObject = dict[str, Any]
_FINAL = frozenset({"FILLED", "CANCELED", "EXPIRED", "EXPIRED_IN_MATCH", "REJECTED"})


class AccountListener(Protocol):
    def orders_changed(self, symbol: str, cancel_ids: Mapping[int, str]) -> None:
        """Orders of `symbol` may have changed; `cancel_ids`: the cancel's client order id, by order id."""

    def balance_changed(self, account: str, event: JsonObject) -> None:
        """A balance of `account` moved outside the engine (`event`: balanceUpdate, externalLockUpdate)."""


class AccountEvents:
    """The engine's account observers. `listeners` is a plain list: append to listen, remove to stop."""

    def __init__(self) -> None:
        self.listeners: list[AccountListener] = []
        self._execution_id = 0

    def orders_changed(self, symbol: str, cancel_ids: Mapping[int, str] | None = None) -> None:
        for listener in self.listeners:
            listener.orders_changed(symbol, cancel_ids or {})

    def balance_changed(self, account: str, event: JsonObject) -> None:
        for listener in self.listeners:
            listener.balance_changed(account, event)

    def next_execution_id(self) -> int:
        """``I`` of the next execution report (one sequence for every feed)."""
        self._execution_id += 1
        return self._execution_id


def adjust_balance(
    accounts: Accounts,
    events: AccountEvents,
    account: str,
    asset: str,
    delta: Decimal,
    *,
    lock: bool,
    now: int,
) -> JsonObject:
    """Move `account`'s `asset` by `delta` from outside the engine and publish it: a deposit (positive)
    or withdrawal (negative) of its free balance (``balanceUpdate``), or, with `lock`, `delta` moved from
    free to locked (negative: back) by an external system (``externalLockUpdate``). ValueError if a
    balance would go below zero."""
    holder = accounts.get(account)
    free = holder.free.get(asset, ZERO)
    locked = holder.locked.get(asset, ZERO)
    new_free, new_locked = (free - delta, locked + delta) if lock else (free + delta, locked)
    if new_free < 0 or new_locked < 0:
        raise ValueError(f"{asset} of {account!r} would go below zero")
    holder.free[asset] = new_free
    if lock:
        holder.locked[asset] = new_locked
    holder.update_time = now
    kind = "externalLockUpdate" if lock else "balanceUpdate"
    event = {"e": kind, "E": now, "a": asset, "d": fmt8(delta), "T": now}
    events.balance_changed(account, event)
    return event


# -- the events -------------------------------------------------------------------------------------------


def execution_report(
    order: Order,
    execution_type: str,
    status: str,
    *,
    now: int,
    execution_id: int,
    executed: Decimal,
    quote: Decimal,
    transaction_time: int,
    trade: OwnTrade | None = None,
    client_id: str | None = None,
    orig_client_id: str = "",
    prevented: PreventedMatch | None = None,
    last_prevented: Decimal = ZERO,
) -> JsonObject:
    """One ``executionReport``, its fields in the documented order, the conditional ones when they apply.

    `executed` and `quote` are the cumulative quantities as of this event; `trade` the fill of a TRADE
    event; `client_id` / `orig_client_id` the ``c`` / ``C`` of a cancel or an amendment."""
    last_qty = trade.qty if trade is not None else ZERO
    last_price = trade.price if trade is not None else ZERO
    on_book = (
        status in ("NEW", "PARTIALLY_FILLED")
        and order.is_working
        and order.type in LIMIT_TYPES  # a triggered stop-limit order works as a limit order
        and order.time_in_force == "GTC"
    )
    event: JsonObject = {
        "e": "executionReport",
        "E": now,
        "s": order.symbol,
        "c": client_id or order.client_order_id,
        "S": order.side,
        "o": order.type,
        "f": order.time_in_force,
        "q": fmt8(order.orig_qty),
        "p": fmt8(order.shown_price),
        "P": fmt8(order.stop_price),
        "F": fmt8(order.iceberg_qty),
        "g": order.order_list_id,
        "C": orig_client_id,
        "x": execution_type,
        "X": status,
        "r": "NONE",
        "i": order.order_id,
        "l": fmt8(last_qty),
        "z": fmt8(executed),
        "L": fmt8(last_price),
        "n": fmt8(trade.commission) if trade is not None else "0",
        "N": trade.commission_asset if trade is not None else None,
        "T": transaction_time,
        "t": trade.id if trade is not None else -1,
    }
    if prevented is not None:
        own = prevented.taker_prevented_qty if prevented.taker_order_id == order.order_id else None
        qty = own if own is not None else prevented.maker_prevented_qty
        counter = (
            prevented.maker_order_id
            if prevented.taker_order_id == order.order_id
            else prevented.taker_order_id
        )
        event.update(
            {
                "v": prevented.prevented_match_id,
                "A": fmt8(order.prevented_qty),
                "B": fmt8(last_prevented),
                "u": prevented.trade_group_id,
                "U": counter,
                "Cs": prevented.symbol,
                "pl": fmt8(qty),
                "pL": fmt8(prevented.price),
                "pY": fmt8(qty * prevented.price),
            }
        )
    event.update(
        {
            "I": execution_id,
            "w": on_book,
            "m": trade.is_maker if trade is not None else False,
            "M": False,
            "O": order.time,
            "Z": fmt8(quote),
            "Y": fmt8(trade.quote_qty if trade is not None else ZERO),
            "Q": fmt8(order.orig_quote_order_qty),
        }
    )
    if order.is_working and order.working_time >= 0:
        event["W"] = order.working_time
    event["V"] = order.stp_mode
    if order.trailing_delta is not None:
        event["d"] = order.trailing_delta
        if order.trailing_time >= 0:
            event["D"] = order.trailing_time
    if order.strategy_id is not None:
        event["j"] = order.strategy_id
    if order.strategy_type is not None:
        event["J"] = order.strategy_type
    if order.peg_price_type is not None:
        event["gP"] = order.peg_price_type
        if order.peg_offset_type is not None:
            event["gOT"] = order.peg_offset_type
            event["gOV"] = order.peg_offset_value
        if order.pegged_price is not None:
            event["gp"] = fmt8(order.pegged_price)
    if status == "EXPIRED" and order.expiry_reason is not None:
        event["eR"] = order.expiry_reason
    return event


def list_status(order_list: OrderList, now: int) -> JsonObject:
    """One ``listStatus``."""
    return {
        "e": "listStatus",
        "E": now,
        "s": order_list.symbol,
        "g": order_list.order_list_id,
        "c": order_list.contingency_type,
        "l": order_list.list_status_type,
        "L": order_list.list_order_status,
        "r": "NONE",
        "C": order_list.list_client_order_id,
        "T": order_list.transaction_time,
        "O": [{"s": o.symbol, "i": o.order_id, "c": o.client_order_id} for o in order_list.orders],
    }


# -- what an account's feed last reported ------------------------------------------------------------------


@dataclass
class _Seen:
    """An order as its last event showed it."""

    status: str
    executed: Decimal = ZERO
    quote: Decimal = ZERO
    prevented: Decimal = ZERO
    working: bool = True

    @classmethod
    def now(cls, order: Order) -> _Seen:
        return cls(
            order.status, order.executed_qty, order.cumm_quote_qty, order.prevented_qty, order.is_working
        )


class AccountFeed:
    """The user data events of one account, read from the engine's records since the feed began (or
    last flushed). Nothing that happened before it began is reported."""

    def __init__(
        self, account: str, matcher: Matcher, accounts: Accounts, clock: SimClock, events: AccountEvents
    ) -> None:
        self.account = account
        self._matcher = matcher
        self._accounts = accounts
        self._clock = clock
        self._events = events
        self._next_order: dict[str, int] = {}
        self._next_trade: dict[str, int] = {}
        self._next_amendment: dict[str, int] = {}
        self._orders: dict[tuple[str, int], _Seen] = {}
        for symbol, state in matcher.symbols.items():
            self._next_order[symbol] = state.next_order_id
            self._next_trade[symbol] = len(state.trades)
            self._next_amendment[symbol] = len(state.amendments)
            for order in state.orders.values():
                if order.account == account and order.status not in _FINAL:
                    self._orders[(symbol, order.order_id)] = _Seen.now(order)
        self._next_list = max(matcher.lists, default=-1) + 1
        self._lists: dict[int, tuple[str, str]] = {
            lst.order_list_id: (lst.list_status_type, lst.list_order_status)
            for lst in matcher.lists.values()
            if lst.account == account and lst.is_open
        }
        self._balances = self._snapshot()

    def flush(self, symbol: str, cancel_ids: Mapping[int, str]) -> list[JsonObject]:
        """The events of what changed on `symbol` (and in the balances) since the last flush, in order."""
        state = self._matcher.symbols.get(symbol)
        if state is None:
            return self.balance_events()
        now = self._clock.now_ms()
        out: list[JsonObject] = []
        account = self.account
        start = self._next_amendment.get(symbol, 0)
        self._next_amendment[symbol] = len(state.amendments)
        for amendment in state.amendments[start:]:
            seen = self._orders.get((symbol, amendment.order_id))
            if amendment.account == account and seen is not None:
                order = state.orders[amendment.order_id]
                status = order.status if order.is_open else seen.status
                out.append(
                    self._report(
                        order,
                        "REPLACED",
                        status,
                        seen,
                        now,
                        order.update_time,
                        client_id=amendment.new_client_order_id,
                        orig_client_id=amendment.orig_client_order_id,
                    )
                )
        first = self._next_order.get(symbol, 1)
        self._next_order[symbol] = state.next_order_id
        for order_id in range(first, state.next_order_id):
            placed = state.orders.get(order_id)
            if placed is None or placed.account != account:
                continue
            pending = self._placed_pending(placed)
            seen = _Seen(
                "PENDING_NEW" if pending else "NEW", working=not pending and placed.type not in STOP_TYPES
            )
            self._orders[(symbol, order_id)] = seen
            out.append(self._report(placed, "NEW", seen.status, seen, now, placed.time))
        start = self._next_trade.get(symbol, 0)
        self._next_trade[symbol] = len(state.trades)
        for owner, trade in state.trades[start:]:
            if owner != account:
                continue
            order = state.orders[trade.order_id]
            seen = self._orders.setdefault((symbol, order.order_id), _Seen("NEW"))
            if self._started(order, seen):
                out.append(self._started_report(order, seen, now))
            seen.executed += trade.qty
            seen.quote += trade.quote_qty
            filled = order.status == "FILLED" and seen.executed >= order.executed_qty
            seen.status = "FILLED" if filled else "PARTIALLY_FILLED"
            out.append(self._report(order, "TRADE", seen.status, seen, now, trade.time, trade=trade))
        for key in [key for key in self._orders if key[0] == symbol]:
            order = state.orders[key[1]]
            seen = self._orders[key]
            out.extend(self._changes(order, seen, now, cancel_ids))
            if order.status in _FINAL:
                del self._orders[key]
        out.extend(self._list_events(now))
        out.extend(self.balance_events())
        return out

    def balance_events(self) -> list[JsonObject]:
        """An ``outboundAccountPosition`` of the assets whose balance changed since the last one."""
        balances = self._snapshot()
        changed = [asset for asset, value in balances.items() if self._balances.get(asset) != value]
        self._balances = balances
        if not changed:
            return []
        return [
            {
                "e": "outboundAccountPosition",
                "E": self._clock.now_ms(),
                "u": self._accounts.get(self.account).update_time,
                "B": [
                    {"a": a, "f": fmt8(balances[a][0]), "l": fmt8(balances[a][1])} for a in sorted(changed)
                ],
            }
        ]

    # -- reading the records ------------------------------------------------------------------------

    def _snapshot(self) -> dict[str, tuple[Decimal, Decimal]]:
        holder = self._accounts.get(self.account)
        assets = set(holder.free) | set(holder.locked)
        return {a: (holder.free.get(a, ZERO), holder.locked.get(a, ZERO)) for a in assets}

    def _placed_pending(self, order: Order) -> bool:
        """Whether `order` entered as a pending leg (of an OTO, OTOCO, OPO or OPOCO)."""
        order_list = self._matcher.lists.get(order.order_list_id) if order.order_list_id >= 0 else None
        return order_list is not None and order_list.working is not None and order is not order_list.working

    def _started(self, order: Order, seen: _Seen) -> bool:
        """Whether `order` started working since its last event: a pending leg whose working order
        filled, or a stop that triggered."""
        if seen.status == "PENDING_NEW":
            order_list = self._matcher.lists.get(order.order_list_id)
            return (
                order_list is not None
                and order_list.working is not None
                and order_list.working.status == "FILLED"
            )
        return not seen.working and order.is_working

    def _started_report(self, order: Order, seen: _Seen, now: int) -> JsonObject:
        seen.status, seen.working = "NEW", order.is_working
        return self._report(order, "NEW", "NEW", seen, now, order.update_time)

    def _changes(
        self, order: Order, seen: _Seen, now: int, cancel_ids: Mapping[int, str]
    ) -> list[JsonObject]:
        """A known order's events other than fills: started, prevented, ended."""
        out: list[JsonObject] = []
        if self._started(order, seen):
            out.append(self._started_report(order, seen, now))
        status = order.status
        if order.prevented_qty > seen.prevented:
            last = order.prevented_qty - seen.prevented
            seen.prevented = order.prevented_qty
            match = self._prevented_match(order)
            shown = status if status != "PENDING_NEW" else seen.status
            seen.status = shown
            out.append(
                self._report(
                    order,
                    "TRADE_PREVENTION",
                    shown,
                    seen,
                    now,
                    order.update_time,
                    prevented=match,
                    last_prevented=last,
                )
            )
            return out
        if status == seen.status or status not in _FINAL or status == "FILLED":
            return out
        seen.status = status
        if status == "CANCELED":
            cancel_id = cancel_ids.get(order.order_id, order.client_order_id)
            out.append(
                self._report(
                    order,
                    "CANCELED",
                    status,
                    seen,
                    now,
                    order.update_time,
                    client_id=cancel_id,
                    orig_client_id=order.client_order_id,
                )
            )
        else:  # EXPIRED, EXPIRED_IN_MATCH (REJECTED: the engine does not produce it for placed orders)
            kind = "TRADE_PREVENTION" if status == "EXPIRED_IN_MATCH" else "EXPIRED"
            out.append(self._report(order, kind, status, seen, now, order.update_time))
        return out

    def _prevented_match(self, order: Order) -> PreventedMatch | None:
        match_id = order.prevented_match_id
        if match_id is None:
            return None
        for match in reversed(self._matcher.state(order.symbol).prevented):
            if match.prevented_match_id == match_id:
                return match
        return None

    def _list_events(self, now: int) -> list[JsonObject]:
        lists = self._matcher.lists
        out = []
        last = max(lists, default=-1)
        for list_id in range(self._next_list, last + 1):
            order_list = lists.get(list_id)
            if order_list is not None and order_list.account == self.account:
                out.append(list_status(order_list, now))
                if order_list.is_open:
                    self._lists[list_id] = (order_list.list_status_type, order_list.list_order_status)
        self._next_list = max(self._next_list, last + 1)
        for list_id, shown in list(self._lists.items()):
            order_list = lists[list_id]
            current = (order_list.list_status_type, order_list.list_order_status)
            if current != shown:
                out.append(list_status(order_list, now))
                self._lists[list_id] = current
            if not order_list.is_open:
                del self._lists[list_id]
        return out

    def _report(
        self,
        order: Order,
        execution_type: str,
        status: str,
        seen: _Seen,
        now: int,
        transaction_time: int,
        **extra: Any,
    ) -> JsonObject:
        return execution_report(
            order,
            execution_type,
            status,
            now=now,
            execution_id=self._events.next_execution_id(),
            executed=seen.executed,
            quote=seen.quote,
            transaction_time=transaction_time,
            **extra,
        )
