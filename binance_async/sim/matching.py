"""Matching and the book: the account orders of every symbol, the funds they lock, price-time matching,
self-trade prevention, stop and trailing-stop triggers.

Each symbol has a book of resting account orders (FIFO per price level) on top of the market's seeded
HOUSE liquidity, which belongs to no account. At a price level the house quantity is older than any
account order, so an incoming order takes the house quantity first, then the account orders in time
order. Fills happen at the maker's price; each one is recorded on the market's tape
(`Market.record_trade`), and resting account orders are mirrored in the market's `OrderBook` so depth
shows them.

Balances: a LIMIT (or *_LIMIT stop) BUY locks ``price * quantity`` of the quote asset, any SELL that
rests locks its base quantity; MARKET orders are paid from free balances. The commission is 0.1% of
the received asset. What the house gives and takes is kept in `Matcher.house` and every commission in
`Matcher.commissions`, so balances are conserved: accounts + house + commissions never change.

Self-trade prevention follows the taker's mode. DECREMENT reduces both orders by the overlap (the one
left with nothing expires IN_MATCH, the other keeps working); TRANSFER between orders of one account
behaves as DECREMENT (Binance's STP FAQ: only orders of different accounts in one trade group
transfer, and the simulator has no trade groups). Every order that lost quantity is marked with
``preventedMatchId`` and ``preventedQuantity``; a FULL placement answer lists the taker's
``preventedMatches``.

Trailing stops (``trailingDelta`` in BIPS): without a stopPrice the order trails from the last price at
once; with one it starts trailing when the stopPrice condition is met. A SELL triggers when a trade is
``trailingDelta`` below the highest trade price since then, a BUY when one is that far above the lowest.

Pegged orders take their price from the book as they enter it (`Matcher.peg`); when that is, is the
engine's and the order lists' business (see `engine`).

The `Matcher` also keeps every order list by id (`Matcher.lists`): a triggered stop that is an OCO leg
expires its siblings. The list rules themselves live in `order_lists`.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from .account_events import AccountEvents
from .accounts import Account, Accounts
from .clock import SimClock
from .config import SymbolSpec
from .errors import SimError, insufficient_balance, rejected
from .limits import SimLimits
from .market import Market
from .records import (
    COMMISSION_RATE,
    EIGHT,
    LIMIT_TYPES,
    ZERO,
    Allocation,
    Amendment,
    Fill,
    Order,
    OrderList,
    OwnTrade,
    PreventedMatch,
)
from .values import Side

__all__ = ["Match", "Matcher", "Plan", "SymbolState", "lock_need"]

_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _opposite(side: Side) -> Side:
    return "SELL" if side == "BUY" else "BUY"


def _commission(amount: Decimal) -> Decimal:
    return (amount * COMMISSION_RATE).quantize(EIGHT, rounding=ROUND_HALF_UP)


def _add(balances: dict[str, Decimal], asset: str, amount: Decimal) -> None:
    balances[asset] = balances.get(asset, ZERO) + amount


def _stp_behaviour(taker_mode: str) -> str:
    """What STP does for a self-match: the taker's mode, with TRANSFER as DECREMENT. The simulator
    has no trade groups, so both orders are of one account, where Binance's TRANSFER is DECREMENT
    (whatever the maker's mode)."""
    return "DECREMENT" if taker_mode == "TRANSFER" else taker_mode


def lock_need(order: Order, spec: SymbolSpec) -> tuple[str, Decimal, Decimal] | None:
    """What placing `order` on its own would lock: (asset, amount, per unit), or None."""
    if order.side == "BUY" and order.type in LIMIT_TYPES:
        return spec.quote_asset, order.price * order.orig_qty, order.price
    if order.side == "SELL" and order.type != "MARKET":
        return spec.base_asset, order.orig_qty, Decimal(1)
    return None


@dataclass
class Match:
    """One fill a taker would get: from `maker`, at its price."""

    maker: Order | None  # None: house liquidity
    price: Decimal
    qty: Decimal


@dataclass
class Plan:
    """What an order would take now (`Matcher.plan`), and what self-trade prevention would do."""

    matches: list[Match] = field(default_factory=list)
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
class SymbolState:
    """One symbol's account orders (by id), their book levels and stops, and the histories queried."""

    next_order_id: int = 1
    orders: dict[int, Order] = field(default_factory=dict)
    levels: dict[str, dict[Decimal, deque[Order]]] = field(default_factory=lambda: {"BUY": {}, "SELL": {}})
    stops: list[Order] = field(default_factory=list)
    trades: list[tuple[str, OwnTrade]] = field(default_factory=list)  # (account, trade)
    amendments: list[Amendment] = field(default_factory=list)
    next_execution_id: int = 1
    prevented: list[PreventedMatch] = field(default_factory=list)
    next_prevented_id: int = 1
    allocations: list[Allocation] = field(default_factory=list)
    next_allocation_id: int = 0


class Matcher:
    """The account orders of every symbol: their book, locks, matching, stops; and every order list."""

    def __init__(self, market: Market, accounts: Accounts, limits: SimLimits, clock: SimClock) -> None:
        self.market = market
        self.accounts = accounts
        self.limits = limits
        self.clock = clock
        #: each symbol's account orders, book levels, stops, trades and histories
        self.symbols: dict[str, SymbolState] = {}
        self._ids = random.Random("binance-sim-client-order-ids")
        #: what the house liquidity gained (positive) or gave (negative), per asset
        self.house: dict[str, Decimal] = {}
        #: commissions charged, per asset
        self.commissions: dict[str, Decimal] = {}
        self._last_prices: list[Decimal] = []  # trade prices not yet checked against stop orders
        #: every order list, by orderListId (one sequence over all symbols; see `order_lists`)
        self.lists: dict[int, OrderList] = {}
        #: who hears about account orders and balances: the engine and the order lists call
        #: ``events.orders_changed(symbol)`` once an engine call is done (`account_events`)
        self.events = AccountEvents()

    # -- state, ids and funds ---------------------------------------------------------------------

    def state(self, symbol: str) -> SymbolState:
        state = self.symbols.get(symbol)
        if state is None:
            self.market.require(symbol)
            state = self.symbols[symbol] = SymbolState()
        return state

    def new_client_order_id(self) -> str:
        """A random 22-character id like Binance's (``6gCrw2kRUAF9CvJDGP16IP``)."""
        return "".join(self._ids.choice(_ID_ALPHABET) for _ in range(22))

    def lock(self, account: Account, order: Order, asset: str, amount: Decimal, per_unit: Decimal) -> None:
        if account.free.get(asset, ZERO) < amount:
            raise insufficient_balance()
        _add(account.free, asset, -amount)
        _add(account.locked, asset, amount)
        order.lock_asset, order.locked, order.lock_per_unit = asset, amount, per_unit

    def release(self, account: Account, order: Order, amount: Decimal | None = None) -> None:
        """Move `amount` (default: all that is left) of the order's lock back to free."""
        amount = order.locked if amount is None else min(amount, order.locked)
        if amount <= 0 or not order.lock_asset:
            return
        _add(account.locked, order.lock_asset, -amount)
        _add(account.free, order.lock_asset, amount)
        order.locked -= amount

    # -- pegs ------------------------------------------------------------------------------------

    def peg_price(self, symbol: str, side: Side, peg: str, offset: int) -> Decimal:
        """The book price a peg selects: the best price of the order's own side (PRIMARY_PEG) or of
        the opposite side (MARKET_PEG), `offset` price levels deeper into the book."""
        book_side = side if peg == "PRIMARY_PEG" else _opposite(side)
        levels = self.market.book(symbol).side(book_side).top(offset + 1)
        if len(levels) <= offset:
            raise rejected("Order book liquidity is too low for this pegged order.")
        return levels[offset][0]

    def peg(self, order: Order) -> None:
        """Price a pegged order from the book as it enters it (-2010 if the book is too thin)."""
        assert order.peg_price_type is not None
        price = self.peg_price(order.symbol, order.side, order.peg_price_type, order.peg_offset_value or 0)
        order.price = order.pegged_price = price

    # -- matching --------------------------------------------------------------------------------

    def plan(self, order: Order, spec: SymbolSpec) -> Plan:
        """What `order` would take now, without changing anything."""
        state = self.state(order.symbol)
        book = self.market.book(order.symbol)
        opposite = _opposite(order.side)
        side = book.side(opposite)
        limit = order.price if order.type in LIMIT_TYPES else None
        by_quote = order.orig_quote_order_qty > 0 and order.orig_qty == 0
        remaining = order.remaining
        quote_left = order.orig_quote_order_qty - order.cumm_quote_qty
        plan = Plan()
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
                    plan.matches.append(Match(maker, price, take))
                    remaining -= take
                    quote_left -= take * price
            count *= 2

    def execute(self, order: Order, spec: SymbolSpec, plan: Plan | None = None) -> list[Fill]:
        """Match `order` as a taker, then rest or expire what is left."""
        plan = plan if plan is not None else self.plan(order, spec)
        account = self.accounts.get(order.account)
        if order.time_in_force == "FOK" and plan.qty < order.orig_qty:
            order.status, order.expiry_reason = "EXPIRED", "UNFILLED_FOK_ORDER_EXPIRED"
            self.release(account, order)
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
            self.release(account, order, order.lock_per_unit * plan.taker_decrement)
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
            self.release(account, order)
        elif order.remaining <= 0 and order.executed_qty > 0:
            order.status = "FILLED"
            self.release(account, order)
        elif order.type in ("MARKET", "STOP_LOSS", "TAKE_PROFIT") or order.time_in_force == "IOC":
            if order.orig_quote_order_qty > 0 and order.executed_qty > 0 and not plan.exhausted:
                order.status = "FILLED"
            else:
                order.status = "EXPIRED"
                is_ioc = order.time_in_force == "IOC" and order.type in LIMIT_TYPES
                order.expiry_reason = "UNFILLED_IOC_QUANTITY_EXPIRED" if is_ioc else "INSUFFICIENT_LIQUIDITY"
            self.release(account, order)
        else:  # rests
            state = self.state(order.symbol)
            state.levels[order.side].setdefault(order.price, deque()).append(order)
            self.market.book(order.symbol).add(order.side, order.price, order.remaining)
        return fills

    def _record_prevented(self, taker: Order, plan: Plan) -> None:
        """One `PreventedMatch` per maker that self-trade prevention kept from matching `taker` (after
        the taker's fills). Each order that lost quantity to a match carries its ``preventedMatchId``
        (the last one) and ``preventedQuantity`` (STP FAQ): makers expired by EXPIRE_MAKER/EXPIRE_BOTH,
        the taker expired by EXPIRE_TAKER/EXPIRE_BOTH (its whole remaining quantity), both orders of a
        DECREMENT (the overlap)."""
        state = self.state(taker.symbol)
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

    def _fill(self, taker: Order, match: Match, spec: SymbolSpec) -> Fill:
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
                _add(self.house, spec.base_asset, -qty)
                _add(self.house, spec.quote_asset, quote)
            else:
                _add(self.house, spec.base_asset, qty)
                _add(self.house, spec.quote_asset, -quote)
        else:
            self._settle(maker, price, qty, quote, trade_id, now, spec, is_maker=True)
            if maker.remaining <= 0:
                self.unrest(maker)
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
        self.release(account, order, order.lock_per_unit * qty)
        _add(account.free, paid_asset, -paid)
        commission = _commission(got)
        _add(account.free, got_asset, got - commission)
        _add(self.commissions, got_asset, commission)
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
        self.state(order.symbol).trades.append((order.account, trade))
        self._last_prices.append(price)
        return Fill(price, qty, commission, got_asset, trade_id)

    def unrest(self, order: Order) -> None:
        """Take a resting order off its level (its book quantity is already gone or removed here)."""
        state = self.state(order.symbol)
        level = state.levels[order.side].get(order.price)
        if level is not None and order in level:
            level.remove(order)
            if not level:
                del state.levels[order.side][order.price]
        if order in state.stops:
            state.stops.remove(order)

    def take_off_book(self, order: Order) -> None:
        state = self.state(order.symbol)
        level = state.levels[order.side].get(order.price)
        if level is not None and order in level and order.remaining > 0:
            self.market.book(order.symbol).remove(order.side, order.price, order.remaining)
        self.unrest(order)

    def _expire_in_match(self, maker: Order) -> None:
        self.take_off_book(maker)
        maker.prevented_qty += maker.remaining  # all of it expires (preventedQuantity)
        maker.status = "EXPIRED_IN_MATCH"
        maker.update_time = self.clock.now_ms()
        self.release(self.accounts.get(maker.account), maker)

    def _decrement(self, maker: Order, qty: Decimal) -> None:
        """STP DECREMENT on a resting order: `qty` less of it, in depth and locks; at zero it expires."""
        state = self.state(maker.symbol)
        level = state.levels[maker.side].get(maker.price)
        if level is not None and maker in level:
            self.market.book(maker.symbol).remove(maker.side, maker.price, qty)
        account = self.accounts.get(maker.account)
        maker.prevented_qty += qty
        maker.update_time = self.clock.now_ms()
        self.release(account, maker, maker.lock_per_unit * qty)
        if maker.remaining <= 0:
            self.unrest(maker)
            maker.status = "EXPIRED_IN_MATCH"
            self.release(account, maker)

    def cancel(self, order: Order) -> None:
        self.take_off_book(order)
        order.status = "CANCELED"
        now = self.clock.now_ms()
        order.update_time = now
        account = self.accounts.get(order.account)
        self.release(account, order)
        account.update_time = now

    def expire(self, order: Order, reason: str) -> None:
        self.take_off_book(order)
        order.status, order.expiry_reason = "EXPIRED", reason
        order.update_time = self.clock.now_ms()
        self.release(self.accounts.get(order.account), order)

    # -- stops -----------------------------------------------------------------------------------

    def arm(self, stop: Order) -> None:
        """A trailing stop without a stopPrice trails from the last price at once (from when it was
        placed, or started as a pending order)."""
        if stop.trailing_delta is not None and stop.stop_price == 0 and stop.trailing_time < 0:
            stop.trail_best = self.market.last_price(stop.symbol)
            stop.trailing_time = stop.update_time

    def _advance(self, stop: Order, prices: list[Decimal]) -> bool:
        """Whether `prices` (in trade order) trigger `stop`; a trailing stop follows them."""
        if stop.trailing_delta is None:
            return self.stop_triggered(stop, prices)
        delta = Decimal(stop.trailing_delta) / 10_000
        for price in prices:
            if stop.trailing_time < 0:  # waiting for its activation (stop) price
                if self.stop_triggered(stop, [price]):
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
    def stop_triggered(order: Order, prices: list[Decimal]) -> bool:
        if not prices:
            return False
        rises = (order.type.startswith("STOP_LOSS")) == (order.side == "BUY")
        return max(prices) >= order.stop_price if rises else min(prices) <= order.stop_price

    def run_triggers(self, symbol: str, spec: SymbolSpec) -> None:
        state = self.state(symbol)
        while self._last_prices:
            prices, self._last_prices = self._last_prices, []
            for stop in [s for s in state.stops if self._advance(s, prices)]:
                if stop not in state.stops or not self._before_trigger(stop, spec):
                    continue
                state.stops.remove(stop)
                now = self.clock.now_ms()
                stop.is_working, stop.working_time, stop.update_time = True, now, now
                self.execute(stop, spec)

    def _before_trigger(self, stop: Order, spec: SymbolSpec) -> bool:
        """A triggered list leg expires its OCO siblings and takes over the lock; a pegged stop-limit
        takes its price from the book and locks for it. False: it cannot (too thin a book, no funds)."""
        if stop.order_list_id >= 0:
            order_list = self.lists[stop.order_list_id]
            if stop in order_list.oco:
                for sibling in order_list.oco:
                    if sibling is not stop and sibling.is_open:
                        self.expire(sibling, "OCO_TRIGGER")
        account = self.accounts.get(stop.account)
        try:
            if stop.peg_price_type is not None:
                self.peg(stop)
                self.release(account, stop)  # what it locked was for the price it was sent with
            need = lock_need(stop, spec)
            if need is not None and stop.locked == 0:
                self.lock(account, stop, *need)
        except SimError:
            self.state(stop.symbol).stops.remove(stop)
            stop.status, stop.expiry_reason = "EXPIRED", "REJECTED"
            self.release(account, stop)
            return False
        return True
