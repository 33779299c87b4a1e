"""What a user data stream missed while its connection was down, rebuilt over REST.

Binance does not replay a user data stream: the events of a gap between a dropped connection and its
new subscription are gone. `UserStream` therefore keeps a `Ledger` of what it has told its consumer
(every fill by symbol and trade id, the highest trade id per symbol, the open orders with their
executed totals, the newest event time), and after a reconnect `recover` asks REST what happened:

1. the open orders and the account (the `UserStreamResynced` snapshot);
2. per symbol of interest (every symbol the stream has heard of, every symbol with an open order, and
   the ``symbols=`` the user named), the account's trades after the last one told: ``myTrades``
   from the next trade id, or, where none was told yet, from the newest event time (less a second),
   page after page;
3. the orders those trades belong to, and the orders the ledger held open that are open no more
   (``GET /api/v3/order`` for each).

From these it builds the `ExecutionReport` s the stream would have sent: a ``NEW`` for an order placed
in the gap, a ``TRADE`` per missed fill (executed totals counted on from what was told, or back from
the order's totals for an order heard of for the first time), and the ``CANCELED`` / ``EXPIRED`` /
``TRADE_PREVENTION`` that ended an order. They are marked ``recovered=True`` and come oldest first.
A fill is told exactly once: the ledger drops a live event for a fill already recovered and the
other way round.

What REST cannot tell is not invented: amendments (``REPLACED``) and balance events made in the gap
are covered by the snapshot only, and a fill on a symbol the stream had no reason to know of is missed
unless the symbol is named with ``client.user_stream(symbols=[...])``.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple, TypeVar, cast

from .user_events import ExecutionReport

if TYPE_CHECKING:
    from ..spot.client import SpotClient
    from ..spot.enums import OrderSide, OrderType, TimeInForce
    from ..spot.models.account import AccountInfo, AccountTrade
    from ..spot.models.trading import Order

__all__ = ["Ledger", "Recovery", "recover"]

T = TypeVar("T")

#: Fills remembered by (symbol, trade id), to tell each exactly once.
_FILLS_REMEMBERED = 65_536
#: Trades per ``myTrades`` page (Binance's maximum).
_PAGE = 1000
#: REST calls of one recovery in flight at once.
_CONCURRENCY = 4
#: How far before the newest event told the trades of a symbol with no fill told yet are asked for.
_SLACK_MS = 1000
_ZERO = Decimal(0)
#: The execution type of the report that ends an order, by its final status.
_ENDING = {"CANCELED": "CANCELED", "EXPIRED": "EXPIRED", "EXPIRED_IN_MATCH": "TRADE_PREVENTION"}


class _Told(NamedTuple):
    """An open order as the ledger last told it."""

    executed_qty: Decimal
    cumulative_quote_qty: Decimal


class Ledger:
    """What the stream has told its consumer (see the module)."""

    def __init__(self, symbols: Iterable[str] = (), *, since_ms: int = 0) -> None:
        self.symbols: set[str] = set(symbols)
        self.fills: OrderedDict[tuple[str, int], None] = OrderedDict()
        self.last_trade: dict[str, int] = {}
        self._forgotten: dict[str, int] = {}  # per symbol, the highest trade id no longer remembered
        self.open: dict[tuple[str, int], _Told] = {}  # by (symbol, order id): ids are per symbol
        #: The newest event time told (ms), or when the stream was first subscribed.
        self.heard_ms = since_ms

    def told(self, symbol: str, trade_id: int) -> bool:
        """Whether the fill was told already (recovered, or live)."""
        return (symbol, trade_id) in self.fills or trade_id <= self._forgotten.get(symbol, -1)

    def record(self, report: ExecutionReport) -> bool:
        """Note a report about to be told; False if it is a fill already told (leave it out)."""
        symbol = report.symbol
        if report.is_fill and report.trade_id >= 0:
            if self.told(symbol, report.trade_id):
                return False
            fills = self.fills
            fills[symbol, report.trade_id] = None
            if len(fills) > _FILLS_REMEMBERED:
                (old_symbol, old_id), _ = fills.popitem(last=False)
                self._forgotten[old_symbol] = max(self._forgotten.get(old_symbol, -1), old_id)
            if report.trade_id > self.last_trade.get(symbol, -1):
                self.last_trade[symbol] = report.trade_id
        self.symbols.add(symbol)
        key = (symbol, report.order_id)
        if report.is_final:
            self.open.pop(key, None)
        else:
            self.open[key] = _Told(report.executed_qty, report.cumulative_quote_qty)
        self.heard_ms = max(self.heard_ms, report.event_time)
        return True

    def heard(self, event_time: int) -> None:
        self.heard_ms = max(self.heard_ms, event_time)


class Recovery(NamedTuple):
    """One recovery's findings: the reports missed (oldest first) and the state after them."""

    reports: list[ExecutionReport]
    open_orders: list[Order]
    account: AccountInfo


async def recover(client: SpotClient, ledger: Ledger) -> Recovery:
    """Ask REST what the stream missed since the ledger's last word (see the module)."""
    # The ledger's word as it stands now: what is told while this runs must not move the start.
    heard = ledger.heard_ms  # orders placed later were placed in the gap
    since = max(heard - _SLACK_MS, 0)
    last_trade, told_open, known = dict(ledger.last_trade), dict(ledger.open), set(ledger.symbols)
    gate = asyncio.Semaphore(_CONCURRENCY)

    async def gated(call: Awaitable[T]) -> T:
        async with gate:
            return await call

    async def trades_since(symbol: str) -> list[AccountTrade]:
        """The account's trades on `symbol` after the last one told, every page."""
        last = last_trade.get(symbol)
        if last is None:
            page = await gated(client.my_trades(symbol, start_time=since, limit=_PAGE))
        else:
            page = await gated(client.my_trades(symbol, from_id=last + 1, limit=_PAGE))
        trades = list(page)
        while len(page) == _PAGE:
            page = await gated(client.my_trades(symbol, from_id=page[-1].id + 1, limit=_PAGE))
            trades.extend(page)
        return trades

    open_orders, account = await asyncio.gather(gated(client.open_orders()), gated(client.account()))
    symbols = sorted(known | {o.symbol for o in open_orders})
    pages = await asyncio.gather(*(trades_since(symbol) for symbol in symbols))
    missed = [t for trades in pages for t in trades if not ledger.told(t.symbol, t.id)]
    still_open = {(o.symbol, o.order_id) for o in open_orders}
    wanted = {(t.symbol, t.order_id) for t in missed} | (told_open.keys() - still_open)
    orders = await asyncio.gather(*(gated(client.get_order(s, order_id=oid)) for s, oid in sorted(wanted)))
    by_key = {(o.symbol, o.order_id): o for o in orders}
    for order in open_orders:  # placed in the gap, not filled yet
        key = (order.symbol, order.order_id)
        if key not in told_open and key not in by_key and order.time > heard:
            by_key[key] = order
    fills_of: dict[tuple[str, int], list[AccountTrade]] = {}
    for trade in sorted(missed, key=lambda t: t.id):
        fills_of.setdefault((trade.symbol, trade.order_id), []).append(trade)
    reports: list[ExecutionReport] = []
    for key, order in by_key.items():
        reports.extend(_reports_for(order, fills_of.get(key, []), told_open.get(key), heard))
    reports.sort(key=lambda r: (r.transact_time, r.order_id, r.trade_id))
    return Recovery(reports, list(open_orders), account)


def _reports_for(
    order: Order, fills: list[AccountTrade], told: _Told | None, heard: int
) -> list[ExecutionReport]:
    """The reports the stream would have sent about `order` since the ledger's last word on it."""
    reports: list[ExecutionReport] = []
    if told is None:
        executed = max(order.executed_qty - sum((t.qty for t in fills), _ZERO), _ZERO)
        quote = max(order.cumulative_quote_qty - sum((t.quote_qty for t in fills), _ZERO), _ZERO)
        if order.time > heard:  # placed in the gap: its NEW report was missed too
            reports.append(_report(order, "NEW", "NEW", order.time, executed, quote))
    else:
        executed, quote = told.executed_qty, told.cumulative_quote_qty
    for fill in fills:
        executed += fill.qty
        quote += fill.quote_qty
        status = "FILLED" if executed >= order.orig_qty else "PARTIALLY_FILLED"
        reports.append(_report(order, "TRADE", status, fill.time, executed, quote, fill))
    ending = _ENDING.get(order.status)
    if ending is not None:
        reports.append(_report(order, ending, order.status, order.update_time, executed, quote))
    return reports


def _report(
    order: Order,
    execution_type: str,
    status: str,
    at: int,
    executed: Decimal,
    quote: Decimal,
    fill: AccountTrade | None = None,
) -> ExecutionReport:
    return ExecutionReport(
        event_time=at,
        symbol=order.symbol,
        client_order_id=order.client_order_id,
        side=cast("OrderSide", order.side),
        type=cast("OrderType", order.type),
        time_in_force=cast("TimeInForce", order.time_in_force),
        orig_qty=order.orig_qty,
        price=order.price,
        stop_price=order.stop_price or _ZERO,
        iceberg_qty=order.iceberg_qty or _ZERO,
        order_list_id=order.order_list_id,
        orig_client_order_id="",
        execution_type=execution_type,
        status=status,
        reject_reason="NONE",
        order_id=order.order_id,
        last_fill_qty=fill.qty if fill else _ZERO,
        executed_qty=executed,
        last_fill_price=fill.price if fill else _ZERO,
        commission=fill.commission if fill else _ZERO,
        commission_asset=fill.commission_asset if fill else None,
        transact_time=at,
        trade_id=fill.id if fill else -1,
        execution_id=-1,
        is_working=status in ("NEW", "PARTIALLY_FILLED") and order.is_working,
        is_maker=fill.is_maker if fill else False,
        order_creation_time=order.time,
        cumulative_quote_qty=quote,
        last_fill_quote_qty=fill.quote_qty if fill else _ZERO,
        orig_quote_order_qty=order.orig_quote_order_qty or _ZERO,
        self_trade_prevention_mode=order.self_trade_prevention_mode or "NONE",
        working_time=order.working_time,
        expiry_reason=order.expiry_reason,
        recovered=True,
    )
