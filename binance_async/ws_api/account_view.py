"""`AccountView`: balances and open orders kept current from the user data stream.

``async with client.account_view() as account:`` subscribes the user data stream first, then takes a
snapshot over REST (``GET /api/v3/account`` and ``GET /api/v3/openOrders``), then applies every event:
`OutboundAccountPosition` sets the balances it lists, `ExecutionReport` adds, updates or removes an
open order, a `UserStreamResynced` (after a reconnect) replaces everything with its snapshot. Events
that happened before the snapshot was asked for are left out (their effect is in it).

Read it at any time: `balance` / `balances`, `open_orders` (all, or one symbol's), `order`; ``await
account.wait_update()`` returns after the next change. `stale` is True until the first snapshot and
while a resync's snapshot is missing; `updates` counts the events applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from ..errors import StreamClosedError
from .user_events import FINAL_STATUSES, ExecutionReport, OutboundAccountPosition
from .user_stream import UserStream, UserStreamResynced

if TYPE_CHECKING:
    from ..spot.client import SpotClient
    from ..spot.models.account import AccountInfo
    from ..spot.models.trading import Order

__all__ = ["AccountView", "Holding", "OpenOrder"]

logger = logging.getLogger("binance_async.ws_api")


class Holding(msgspec.Struct, frozen=True, gc=False):
    """One asset's balance: free to use, and locked by open orders."""

    free: Decimal
    locked: Decimal

    @property
    def total(self) -> Decimal:
        return self.free + self.locked


class OpenOrder(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """An open order as the view keeps it (from the snapshot's `Order` or an `ExecutionReport`)."""

    symbol: str
    order_id: int
    client_order_id: str
    side: str
    type: str
    price: Decimal
    orig_qty: Decimal
    executed_qty: Decimal
    status: str
    #: When the order last changed (ms): its report's transaction time, the snapshot's update time.
    update_time: int


_ZERO = Holding(Decimal(0), Decimal(0))


def _from_order(order: Order) -> OpenOrder:
    return OpenOrder(
        symbol=order.symbol,
        order_id=order.order_id,
        client_order_id=order.client_order_id,
        side=order.side,
        type=order.type,
        price=order.price,
        orig_qty=order.orig_qty,
        executed_qty=order.executed_qty,
        status=order.status,
        update_time=order.update_time or order.time,
    )


def _from_report(report: ExecutionReport) -> OpenOrder:
    return OpenOrder(
        symbol=report.symbol,
        order_id=report.order_id,
        client_order_id=report.client_order_id,
        side=report.side,
        type=report.type,
        price=report.price,
        orig_qty=report.orig_qty,
        executed_qty=report.executed_qty,
        status=report.status,
        update_time=report.transact_time,
    )


class AccountView:
    """See the module. Made by ``client.account_view()``; use ``async with``."""

    def __init__(self, client: SpotClient, stream: UserStream) -> None:
        self._client = client
        self._stream = stream
        self._balances: dict[str, Holding] = {}
        self._balance_times: dict[str, int] = {}
        self._orders: dict[tuple[str, int], OpenOrder] = {}
        self._since = 0  # events older than this (ms, server time) are in the snapshot
        self._stale = True
        self._waiter: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        #: Events applied.
        self.updates = 0
        #: Snapshots loaded (the first, then one per resync).
        self.snapshots = 0

    # -- reading -----------------------------------------------------------------------------------

    @property
    def stale(self) -> bool:
        return self._stale

    @property
    def stream(self) -> UserStream:
        """The user data stream behind the view (its counters, its connection's)."""
        return self._stream

    def balance(self, asset: str) -> Holding:
        """`asset`'s balance (zero if the account holds none)."""
        return self._balances.get(asset, _ZERO)

    def balances(self) -> dict[str, Holding]:
        """Every asset with a non-zero balance."""
        return {a: h for a, h in self._balances.items() if h.free or h.locked}

    def open_orders(self, symbol: str | None = None) -> list[OpenOrder]:
        """The open orders (of `symbol`), oldest change first."""
        orders = [o for o in self._orders.values() if symbol is None or o.symbol == symbol]
        return sorted(orders, key=lambda o: (o.update_time, o.order_id))

    def order(self, symbol: str, order_id: int) -> OpenOrder | None:
        return self._orders.get((symbol, order_id))

    async def wait_update(self) -> None:
        """Until the next change is applied (an event or a snapshot)."""
        waiter = self._waiter
        if waiter is None or waiter.done():
            waiter = self._waiter = asyncio.get_running_loop().create_future()
        await asyncio.shield(waiter)

    # -- keeping it ----------------------------------------------------------------------------------

    def _load(self, account: AccountInfo, orders: list[Order]) -> None:
        self._balances = {b.asset: Holding(b.free, b.locked) for b in account.balances}
        self._balance_times = dict.fromkeys(self._balances, account.update_time or 0)
        self._orders = {
            (o.symbol, o.order_id): _from_order(o) for o in orders if o.status not in FINAL_STATUSES
        }
        self.snapshots += 1
        self._stale = False
        self._changed()

    def _apply(self, event: Any) -> None:
        if isinstance(event, ExecutionReport):
            if event.event_time < self._since:
                return
            key = (event.symbol, event.order_id)
            current = self._orders.get(key)
            if current is not None and current.update_time > event.transact_time:
                return  # older than what the view holds
            if event.is_final:
                self._orders.pop(key, None)
            else:
                self._orders[key] = _from_report(event)
        elif isinstance(event, OutboundAccountPosition):
            if event.event_time < self._since:
                return
            for entry in event.balances:
                if self._balance_times.get(entry.asset, 0) > event.update_time:
                    continue
                self._balances[entry.asset] = Holding(entry.free, entry.locked)
                self._balance_times[entry.asset] = event.update_time
        elif isinstance(event, UserStreamResynced):
            if event.account is None or event.open_orders is None:
                self._stale = True
                self._changed()
                return
            self._load(event.account, event.open_orders)
            return
        else:
            return
        self.updates += 1
        self._changed()

    def _changed(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _follow(self) -> None:
        async for event in self._stream:
            try:
                self._apply(event)
            except Exception:  # one odd event must not stop the view
                logger.exception("account view: an event could not be applied")

    # -- life cycle ------------------------------------------------------------------------------------

    async def __aenter__(self) -> AccountView:
        stream = self._stream
        await stream.__aenter__()
        try:
            client = self._client
            self._since = client.clock.now_ms()
            account, orders = await asyncio.gather(client.account(), client.open_orders())
            self._load(account, list(orders))
            self._task = asyncio.create_task(self._follow(), name="binance-async account view")
        except BaseException:
            await stream.aclose()
            raise
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, StreamClosedError):
                await task
        await self._stream.aclose()
