"""A seeded market-maker that gives the simulator's markets life: trades, depth diffs, klines and
tickers move without a user trading.

`MarketActivity` places and cancels small limit orders around the middle of the book, and now and then
a small market order, on every symbol (or a chosen subset), through the matching engine, from a
dedicated account (``"market-maker"``) with ample balances. Off by default: ``sim.start_activity()``
(or ``SimConfig.activity_rate``) starts it on the server's loop, ``sim.stop_activity()`` stops it, and
``activity.step(n)`` takes `n` actions at once, without a timer.

Each action draws from ``random.Random(f"{seed}/activity")`` alone and reads only the books and the
market-maker's own open orders, so the same seed and the same sequence of calls (actions and any other
engine calls in between) give the same orders, trades and books. The timer decides only when actions
happen, never which.

One action, on a symbol drawn uniformly among those TRADING:

* with probability 0.5 (or always, with no order of its own resting there) a LIMIT GTC order of one to
  five minimum notionals, on a side drawn at random, one to eight ticks (geometric) from the opposite
  touch, never crossing it: it rests, inside the spread or at or behind the touch;
* with 0.35 (or always, at `max_orders` resting there) a cancel of one of its resting orders, drawn
  uniformly;
* with 0.15 a MARKET order of one to five minimum notionals, self-trade prevention NONE (it may take
  its own orders: they stand for everyone else's).

An order the engine refuses (a filter, a balance) is counted in ``counts["rejected"]`` and skipped.

Prices move by ticks, not by percents: the market orders are small and the house liquidity behind the
touch is deep, so what changes is the spread, the top levels, the trades and the bars' volumes.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from decimal import ROUND_CEILING, Decimal

from .accounts import Account
from .config import SymbolSpec
from .engine import Engine
from .errors import SimError
from .records import NewOrder
from .values import Side

__all__ = ["MARKET_MAKER", "MarketActivity"]

#: The market-maker's account name.
MARKET_MAKER = "market-maker"
_BALANCE = Decimal(10) ** 12
_PLACE, _CANCEL = 0.5, 0.85  # cumulative: place, cancel, else market


class MarketActivity:
    """A seeded market-maker trading on `engine`'s market at `rate` actions per second when started."""

    def __init__(
        self,
        engine: Engine,
        *,
        seed: int = 1,
        rate: float = 20.0,
        symbols: Sequence[str] | None = None,
        max_orders: int = 40,
        account: str = MARKET_MAKER,
    ) -> None:
        if rate <= 0 or max_orders < 1:
            raise ValueError("rate and max_orders must be positive")
        self.engine = engine
        self.market = engine.market
        self.rate = rate
        self.account = account
        self.max_orders = max_orders
        names = list(symbols) if symbols is not None else self.market.symbol_names()
        for name in names:
            self.market.require(name)  # -1121 for an unknown one
        self.symbols = names
        self._random = random.Random(f"{seed}/activity")
        #: Actions taken, by kind: placed, canceled, market, rejected.
        self.counts: dict[str, int] = {"placed": 0, "canceled": 0, "market": 0, "rejected": 0}
        self._task: asyncio.Task[None] | None = None
        self._ensure_account()

    def _ensure_account(self) -> None:
        """The market-maker's account, with ample balances of every asset of its symbols."""
        accounts = self.engine.accounts
        try:
            holder = accounts.get(self.account)
        except KeyError:
            # Accounts has no public way to add one: it makes those of the configured keys only.
            holder = Account(self.account, uid=999_999_999, update_time=self.engine.clock.now_ms())
            accounts._accounts[self.account] = holder
        for name in self.symbols:
            spec = self.market.require(name)
            for asset in (spec.base_asset, spec.quote_asset):
                holder.free[asset] = max(holder.free.get(asset, Decimal(0)), _BALANCE)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Take `rate` actions a second on the running loop until `stop`."""
        if self.running:
            return
        self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> None:
        """Stop taking actions (between two actions: none is ever cut in half)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            due = max(due + 1.0 / self.rate, loop.time() - 1.0)  # catches up at most a second late
            await asyncio.sleep(max(due - loop.time(), 0.0))
            self.step()

    def step(self, count: int = 1) -> None:
        """Take `count` actions now."""
        for _ in range(count):
            self._act()

    # -- one action -------------------------------------------------------------------------------------

    def _act(self) -> None:
        rng = self._random
        trading = [name for name in self.symbols if self.market.status(name) == "TRADING"]
        if not trading:
            return
        symbol = trading[rng.randrange(len(trading))]
        spec = self.market.require(symbol)
        draw = rng.random()
        side: Side = "BUY" if rng.random() < 0.5 else "SELL"
        notionals = rng.randint(1, 5)
        ticks = 1
        while ticks < 8 and rng.random() < 0.5:
            ticks += 1
        victim = rng.random()
        mine = self.engine.open_orders(self.account, symbol)
        if (draw < _PLACE or not mine) and len(mine) < self.max_orders:
            self._limit(spec, side, notionals, ticks)
        elif draw < _CANCEL or len(mine) >= self.max_orders:
            order = mine[int(victim * len(mine))]
            self.engine.cancel(self.account, symbol, order.order_id, None)
            self.counts["canceled"] += 1
        else:
            self._market(spec, side, notionals)

    def _limit(self, spec: SymbolSpec, side: Side, notionals: int, ticks: int) -> None:
        book = self.market.book(spec.symbol)
        tick = spec.tick_size
        if side == "BUY":
            ask = book.best_ask()
            bid = book.best_bid()
            opposite = ask[0] if ask else (bid[0] + tick if bid else spec.mid_price)
            price = opposite - tick * ticks
        else:
            bid = book.best_bid()
            ask = book.best_ask()
            opposite = bid[0] if bid else (ask[0] - tick if ask else spec.mid_price)
            price = opposite + tick * ticks
        if price < tick:
            return
        qty = _quantity(spec, price, notionals)
        order = NewOrder(spec.symbol, side, "LIMIT", quantity=qty, price=price, time_in_force="GTC")
        self._place(order, "placed")

    def _market(self, spec: SymbolSpec, side: Side, notionals: int) -> None:
        qty = _quantity(spec, self.market.last_price(spec.symbol), notionals)
        order = NewOrder(spec.symbol, side, "MARKET", quantity=qty, stp_mode="NONE")
        self._place(order, "market")

    def _place(self, order: NewOrder, kind: str) -> None:
        try:
            self.engine.place(self.account, order)
        except SimError:
            self.counts["rejected"] += 1
        else:
            self.counts[kind] += 1


def _quantity(spec: SymbolSpec, price: Decimal, notionals: int) -> Decimal:
    """`notionals` minimum notionals' worth at `price` (at least the minimum quantity), in steps."""
    wanted = spec.min_notional * notionals * Decimal("1.05") / price
    steps = (wanted / spec.step_size).to_integral_value(rounding=ROUND_CEILING)
    return max(spec.step_size * steps, spec.min_qty)
