"""``orders [SYMBOL] [--follow]``: the account's open orders, then (``--follow``) its order updates as they
happen, from the user data stream.

Without ``--follow`` the open orders (``client.open_orders``) are printed one line each, or as JSON with
``--json``, like the other one-shot commands.

With ``--follow`` the user data stream (``client.user_stream()``) is subscribed first, then the open orders
are fetched and printed (so that nothing between the two is missed; an order may appear in both), then
each execution report as it arrives. On a terminal it is one line per event: time, symbol, side, type,
execution type, status, last fill qty @ price, filled / ordered, client order id. Piped (or with
``--json``) it is one JSON line per event, ``{"type": "ExecutionReport", "data": {...}}``, data under
Binance's keys with fixed-point numbers (as ``watch`` prints market events); the open orders come first
as one ``{"type": "OpenOrders", "data": [...]}`` line. ``--all-events`` adds the balance events
(``OutboundAccountPosition``, ``BalanceUpdate``, ``ExternalLockUpdate``), order lists (``ListStatus``),
``EventStreamTerminated`` and events the library does not know. After a reconnect (events may have been
missed) a ``UserStreamResynced`` says so and lists the open orders fetched again. With SYMBOL only that
symbol's orders, execution reports and order lists are shown. ``--count N`` stops after N events shown.

With ``--sim`` there is something to see: a resting LIMIT BUY is placed before the listing, and with
``--follow`` a MARKET order (BUY and SELL in turn) every second, the resting order replaced every five;
they stop with the command (and the simulator with them).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal
from typing import Any

import msgspec

from ..spot import SpotClient
from ..spot.enums import OrderSide
from ..spot.models import Order, json_ready
from ..ws_api.user_events import (
    BalanceUpdate,
    EventStreamTerminated,
    ExecutionReport,
    ExternalLockUpdate,
    ListStatus,
    OutboundAccountPosition,
    UserEvent,
    UserRawEvent,
)
from ..ws_api.user_stream import UserStream, UserStreamResynced
from ._connect import connect
from ._demo import demo_quantity
from ._errors import CLIError, UsageError
from ._output import fmt, print_json
from ._parser import iso_time
from ._streams import _quiet_library_log
from ._trading import describe_order

__all__ = [
    "SIM_INTERVAL",
    "SIM_SYMBOL",
    "event_json",
    "event_lines",
    "order_line",
    "orders",
    "report_line",
    "sim_activity",
    "sim_setup",
]

#: With ``--sim``: the symbol traded when none is given, and the seconds between two MARKET orders.
SIM_SYMBOL = "BTCUSDT"
SIM_INTERVAL = 1.0
#: With ``--sim``: the resting LIMIT order is replaced every this many MARKET orders.
_SIM_REPLACE_EVERY = 5

_encode = msgspec.json.Encoder().encode


def _write_line(value: Any) -> None:
    """`value` as one compact JSON line on stdout, flushed (a pipe reader sees it at once)."""
    out = sys.stdout
    out.write(_encode(value).decode() + "\n")
    out.flush()


def _say(line: str) -> None:
    print(line, flush=True)


# -- lines -------------------------------------------------------------------------------------------------


def order_line(order: Order) -> str:
    """An open order: ``2024-05-01T12:00:00Z  LIMIT BUY 0.001 BTCUSDT @ 60000 (GTC): NEW, executed 0
    (order id 7, client order id abc)``."""
    return (
        f"{iso_time(order.time)}  {describe_order(order)}  "
        f"(order id {order.order_id}, client order id {order.client_order_id})"
    )


def _listing(orders: list[Order], symbol: str | None) -> list[str]:
    where = f" on {symbol}" if symbol else ""
    if not orders:
        return [f"no open orders{where}"]
    plural = "" if len(orders) == 1 else "s"
    return [f"{len(orders)} open order{plural}{where}:", *("  " + order_line(o) for o in orders)]


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + fmt(value)


def report_line(report: ExecutionReport) -> str:
    """An execution report: ``2024-05-01T12:00:00.123Z  BTCUSDT BUY LIMIT @ 60000  TRADE (status
    PARTIALLY_FILLED)  last 0.001 @ 60000  filled 0.001 / 0.002  client order id abc``."""
    r = report
    at = f" @ {fmt(r.price)}" if r.price else ""
    last = f"last {fmt(r.last_fill_qty)} @ {fmt(r.last_fill_price)}" if r.last_fill_qty else "last -"
    if r.orig_quote_order_qty and not r.orig_qty:
        filled = f"filled {fmt(r.cumulative_quote_qty)} / {fmt(r.orig_quote_order_qty)} (quote)"
    else:
        filled = f"filled {fmt(r.executed_qty)} / {fmt(r.orig_qty)}"
    reasons = [reason for reason in (r.reject_reason, r.expiry_reason) if reason and reason != "NONE"]
    why = f"  ({', '.join(reasons)})" if reasons else ""
    return (
        f"{iso_time(r.transact_time)}  {r.symbol} {r.side} {r.type}{at}  "
        f"{r.execution_type} (status {r.status})  {last}  {filled}  client order id {r.client_order_id}{why}"
    )


def _resynced_lines(event: UserStreamResynced, symbol: str | None) -> list[str]:
    head = "the user data stream reconnected (events may have been missed meanwhile)"
    if event.open_orders is None:
        return [f"{head}; the open orders could not be fetched again: {event.error}"]
    listed = _listing(_of_symbol(event.open_orders, symbol), symbol)
    return [f"{head}; the open orders, fetched again: {listed[0]}", *listed[1:]]


def event_lines(event: UserEvent | UserStreamResynced, symbol: str | None = None) -> list[str]:
    """The terminal's lines for an event (one, or a resync's heading and its open orders)."""
    if isinstance(event, ExecutionReport):
        return [report_line(event)]
    if isinstance(event, UserStreamResynced):
        return _resynced_lines(event, symbol)
    if isinstance(event, OutboundAccountPosition):
        balances = ", ".join(f"{b.asset} free {fmt(b.free)} locked {fmt(b.locked)}" for b in event.balances)
        return [f"{iso_time(event.event_time)}  balances  {balances or '-'}"]
    if isinstance(event, (BalanceUpdate, ExternalLockUpdate)):
        what = "balance update" if isinstance(event, BalanceUpdate) else "external lock update"
        when = event.clear_time or event.event_time
        return [f"{iso_time(when)}  {what}  {event.asset} {_signed(event.delta)}"]
    if isinstance(event, ListStatus):
        ids = ", ".join(o.client_order_id for o in event.orders) or "-"
        reason = f"  ({event.list_reject_reason})" if event.list_reject_reason != "NONE" else ""
        return [
            f"{iso_time(event.transaction_time)}  {event.symbol} order list {event.contingency_type} "
            f"{event.list_status_type} (status {event.list_order_status})  orders {ids}  "
            f"list client order id {event.list_client_order_id}{reason}"
        ]
    if isinstance(event, EventStreamTerminated):
        return [f"{iso_time(event.event_time)}  the server ended a user data stream subscription"]
    kind = event.event_type or "?"
    return [f"unknown event {kind}: {_encode(event.data).decode()}"]


def event_json(event: UserEvent | UserStreamResynced, symbol: str | None = None) -> dict[str, Any]:
    """An event's JSON line: ``{"type": <the library's class>, "data": ...}``, data under Binance's keys
    (``"X"``, ``"z"``), Decimals fixed-point. A resync's data is ``{"openOrders": [...] | null, "error"}``
    (the open orders of `symbol` when one is given)."""
    kind = type(event).__name__
    if isinstance(event, UserStreamResynced):
        found = None if event.open_orders is None else _of_symbol(event.open_orders, symbol)
        return {"type": kind, "data": {"openOrders": json_ready(found), "error": event.error}}
    if isinstance(event, UserRawEvent):
        return {"type": kind, "data": event.data}
    return {"type": kind, "data": json_ready(event)}


# -- which events are shown -------------------------------------------------------------------------------


def _of_symbol(found: Iterable[Order], symbol: str | None) -> list[Order]:
    return [o for o in found if symbol is None or o.symbol == symbol]


def _shown(event: UserEvent | UserStreamResynced, symbol: str | None, all_events: bool) -> bool:
    if isinstance(event, UserStreamResynced):
        return True
    if isinstance(event, (ExecutionReport, ListStatus)):
        return (all_events or isinstance(event, ExecutionReport)) and symbol in (None, event.symbol)
    return all_events


# -- --sim: orders placed in the background ---------------------------------------------------------------


async def _quantity(client: SpotClient, symbol: str) -> tuple[Decimal, Decimal]:
    """A small quantity for `symbol` (about three times its minimum notional) and a resting BUY price
    3% below the best bid."""
    rules = await client.symbol_rules(symbol)
    book = await client.book_ticker(symbol)
    price = rules.round_price(book.bid_price * Decimal("0.97"), "BUY")
    return demo_quantity(rules, price), price


async def sim_setup(client: SpotClient, symbol: str) -> None:
    """A resting LIMIT BUY on `symbol`, so that the listing shows an order."""
    quantity, price = await _quantity(client, symbol)
    await client.new_order(
        symbol, "BUY", "LIMIT", quantity=quantity, price=price, time_in_force="GTC", validate=True
    )


async def sim_activity(client: SpotClient, symbol: str) -> None:
    """Until cancelled: a MARKET order on `symbol` every `SIM_INTERVAL` seconds (the first at once;
    BUY and SELL in turn), and every `_SIM_REPLACE_EVERY` of them the resting LIMIT BUYs canceled and a
    new one placed at the current price."""
    count = 0
    while True:
        quantity, price = await _quantity(client, symbol)
        side: OrderSide = "BUY" if count % 2 == 0 else "SELL"
        await client.new_order(symbol, side, "MARKET", quantity=quantity, validate=True)
        count += 1
        if count % _SIM_REPLACE_EVERY == 0:
            for resting in await client.open_orders(symbol):
                await client.cancel_order(symbol, order_id=resting.order_id)
            await client.new_order(
                symbol, "BUY", "LIMIT", quantity=quantity, price=price, time_in_force="GTC", validate=True
            )
        await asyncio.sleep(SIM_INTERVAL)


def _start_sim_activity(
    activity: Callable[[SpotClient, str], Awaitable[None]],
    client: SpotClient,
    symbol: str,
    stream: UserStream,
) -> tuple[asyncio.Task[None], list[BaseException]]:
    """`activity` in a task; if it fails, its error is kept and the stream closed (the command then
    raises it)."""
    failures: list[BaseException] = []

    async def run() -> None:
        try:
            await activity(client, symbol)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            failures.append(error)
            await stream.aclose()

    return asyncio.create_task(run(), name="binance-async orders --sim"), failures


# -- the command --------------------------------------------------------------------------------------------


async def orders(args: argparse.Namespace) -> int:
    if not args.follow:
        given = [
            flag for flag, value in (("--count", args.count), ("--all-events", args.all_events)) if value
        ]
        if given:
            raise UsageError(f"{' and '.join(given)} go{'es' if len(given) == 1 else ''} with --follow")
    with _quiet_library_log():
        return await _orders(args)


async def _orders(args: argparse.Namespace) -> int:
    symbol: str | None = args.symbol
    async with connect(args, signed=True) as conn:
        client = conn.client
        on_sim = conn.simulator is not None
        if on_sim:
            await sim_setup(client, symbol or SIM_SYMBOL)
        if not args.follow:
            found = await client.open_orders(symbol)
            if args.json:
                print_json(found)
            else:
                for line in _listing(found, symbol):
                    print(line)
            return 0
        if client.ws_api_url is None:
            raise UsageError(
                f"--follow needs Binance's WebSocket API, and none is known for {client.base_url}"
            )
        stream = client.user_stream()
        timeout = 2 * args.timeout
        try:
            await asyncio.wait_for(stream.__aenter__(), timeout)
        except asyncio.TimeoutError:
            raise CLIError(f"no user data stream from {client.ws_api_url} in {timeout:g} s") from None
        task: asyncio.Task[None] | None = None
        try:
            json_lines = args.json or not sys.stdout.isatty()
            found = await client.open_orders(symbol)
            if json_lines:
                _write_line({"type": "OpenOrders", "data": json_ready(found)})
            else:
                for line in _listing(found, symbol):
                    _say(line)
                where = f" on {symbol}" if symbol else ""
                sim_note = (
                    f"; --sim: a MARKET order every {SIM_INTERVAL:g} s on {symbol or SIM_SYMBOL}"
                    if on_sim
                    else ""
                )
                _say(f"following order updates{where} (Ctrl-C to stop){sim_note}")
            failures: list[BaseException] = []
            if on_sim:
                task, failures = _start_sim_activity(sim_activity, client, symbol or SIM_SYMBOL, stream)
            await _follow(args, stream, json_lines)
            if failures:
                raise failures[0]
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await stream.aclose()
    return 0


async def _follow(args: argparse.Namespace, stream: UserStream, json_lines: bool) -> None:
    """Print the stream's events that are shown until `--count` of them were (or the stream closes)."""
    symbol: str | None = args.symbol
    limit: int | None = args.count
    shown = 0
    async for event in stream:
        if not _shown(event, symbol, args.all_events):
            continue
        if json_lines:
            _write_line(event_json(event, symbol))
        else:
            for line in event_lines(event, symbol):
                _say(line)
        shown += 1
        if limit is not None and shown >= limit:
            break
