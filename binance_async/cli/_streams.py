"""Market stream commands: ``watch`` (events as JSON lines) and ``book`` (a live order book).

``watch STREAM...`` prints one JSON line per event, ``{"stream": ..., "type": ..., "data": {...}}``:
``type`` is the library's event class (``Trade``, ``DepthUpdate``, ``Kline`` ...), ``data`` the event
under Binance's keys (``"p"``, ``"q"``; an array stream's data is its list), every Decimal a fixed-point
string (``"65000.01000000"``, as `print_json` writes them). ``--status`` adds a line
``{"type": "StreamStatus", "kind": ..., "streams": [...], "detail": ...}`` whenever the connection behind
the streams is lost, reopened or switched.

``book SYMBOL`` keeps a local order book (``client.order_book``). On a terminal it is redrawn in place
with ANSI sequences (the cursor moved up over the previous frame, each line cleared and rewritten): the
best `--levels` bids and asks, the spread, the last update id and its time, and whether the book is
stale, with its resyncs, gaps and crossed books. When stdout is not a terminal (or with ``--json``) it
prints one JSON line per update, or per ``--interval``, instead.

Both stop after ``--count`` events or updates, else at Ctrl-C. A stream the server refuses ends the
command with exit code 1; streams that cannot be subscribed, or a book with no snapshot, within the
connection's ``--timeout`` (twice it for the snapshot) too. With ``--sim`` the simulator's market-maker
trades the symbols watched (every symbol for an all-market stream), so that there is something to see.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shutil
import sys
from collections.abc import Awaitable, Iterator, Sequence
from decimal import Decimal
from typing import Any, TextIO

import msgspec

from ..errors import (
    BinanceAPIError,
    InvalidRequestError,
    IPBannedError,
    RateLimitedError,
    SubscriptionError,
)
from ..sim import Simulator
from ..spot import SpotClient
from ..spot.models import json_ready
from ..streams.books import OrderBook
from ..streams.events import MiniTickers, RawEvent, StreamEvent, WindowTickers
from ..streams.hub import StreamStatus
from ._connect import connect
from ._errors import CLIError, describe
from ._output import fmt, table
from ._parser import iso_time

__all__ = [
    "SIM_ACTIVITY_RATE",
    "Screen",
    "book",
    "book_json",
    "book_lines",
    "event_json",
    "status_json",
    "watch",
]

#: The simulator's market-maker, for ``--sim``: actions a second on the symbols watched.
SIM_ACTIVITY_RATE = 20.0
#: How often the wait for a book's first snapshot looks at why the last one failed (seconds).
_POLL = 0.1

_encode = msgspec.json.Encoder().encode


def _write_line(value: Any) -> None:
    """`value` as one compact JSON line on stdout, flushed (a pipe reader sees it at once)."""
    out = sys.stdout
    out.write(_encode(value).decode() + "\n")
    out.flush()


def _symbols_of(streams: Sequence[str]) -> list[str]:
    """The symbols `streams` name (none if one of them is an all-market stream, ``!...``)."""
    if any(name.startswith("!") for name in streams):
        return []
    return list(dict.fromkeys(name.partition("@")[0].upper() for name in streams))


def _start_market_maker(sim: Simulator, symbols: Sequence[str]) -> None:
    """The simulator's market-maker on `symbols` (those it lists; every symbol if none)."""
    known = set(sim.market.symbol_names())
    chosen = [symbol for symbol in symbols if symbol in known]
    sim.start_activity(rate=SIM_ACTIVITY_RATE, symbols=chosen or None)


def _stream_failure(client: SpotClient) -> str:
    errors = [s.last_error for s in client.stream_stats().values() if s.last_error]
    return f" ({errors[-1]})" if errors else ""


async def _subscribed(started: Awaitable[Any], client: SpotClient, timeout: float) -> Any:
    """`started` (entering a stream, starting a book) awaited for at most `timeout` seconds (then the
    last connection failure is named); a server's refusal is said as such."""
    task = asyncio.ensure_future(started)
    try:
        await asyncio.wait({task}, timeout=timeout)
        if not task.done():
            raise CLIError(
                f"no connection to the market streams at {client.stream_url} in {timeout:g} s"
                + _stream_failure(client)
            )
        return task.result()
    except SubscriptionError as error:
        raise CLIError(f"cannot subscribe: {error}") from None
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@contextlib.contextmanager
def _quiet_library_log() -> Iterator[None]:
    """No warning of the library's on stderr while a stream command runs (reconnects, failed snapshots:
    what ``--status``, the view's state and the one error line say), unless ``--debug`` configured
    logging: a handler on ``binance_async`` keeps Python's last-resort handler from printing them."""
    quiet = logging.NullHandler()
    library = logging.getLogger("binance_async")
    library.addHandler(quiet)
    try:
        yield
    finally:
        library.removeHandler(quiet)


# -- watch ---------------------------------------------------------------------------------------------


def _without_stream(value: Any) -> Any:
    if isinstance(value, dict):
        value.pop("stream", None)
    return value


def event_json(event: StreamEvent) -> dict[str, Any]:
    """An event's line: its stream, its type, and its data under Binance's keys, Decimals fixed-point."""
    plain = json_ready(event)
    if isinstance(event, RawEvent):
        data = plain["data"]
    elif isinstance(event, (MiniTickers, WindowTickers)):
        data = [_without_stream(ticker) for ticker in plain["tickers"]]
    else:
        data = _without_stream(plain)
    return {"stream": event.stream, "type": type(event).__name__, "data": data}


def status_json(status: StreamStatus) -> dict[str, Any]:
    """A connection status line (``--status``)."""
    return {
        "type": "StreamStatus",
        "kind": status.kind,
        "streams": list(status.streams),
        "detail": status.detail,
    }


async def watch(args: argparse.Namespace) -> int:
    names: list[str] = list(dict.fromkeys(args.streams))
    limit: int | None = args.count
    with _quiet_library_log():
        return await _watch(args, names, limit)


async def _watch(args: argparse.Namespace, names: list[str], limit: int | None) -> int:
    async with connect(args, signed=False) as conn:
        if conn.simulator is not None:
            _start_market_maker(conn.simulator, _symbols_of(names))
        events = conn.client.stream(*names, status=args.status)
        async with contextlib.AsyncExitStack() as stack:
            await _subscribed(events.__aenter__(), conn.client, args.timeout)
            stack.push_async_exit(events.__aexit__)
            shown = 0
            async for item in events:
                if isinstance(item, StreamStatus):
                    if args.status:
                        _write_line(status_json(item))
                    if item.kind == "refused":
                        raise CLIError(f"the server refused {', '.join(item.streams)}: {item.detail}")
                    continue
                _write_line(event_json(item))
                shown += 1
                if limit is not None and shown >= limit:
                    break
    return 0


# -- book ----------------------------------------------------------------------------------------------

_STATES = {
    "live": "live",
    "waiting": "STALE: rebuilding from a new snapshot",
    "suspect": "STALE: connection lost, not yet confirmed",
}


def _spread(bids: list[tuple[Decimal, Decimal]], asks: list[tuple[Decimal, Decimal]]) -> Decimal | None:
    return asks[0][0] - bids[0][0] if bids and asks else None


def book_json(book: OrderBook, levels: int) -> dict[str, Any]:
    """One JSON line of the book: its best `levels` per side as ``[price, qty]`` fixed-point strings,
    the spread, the last update id and event time, and its state and counters."""
    bids, asks = book.bids(levels), book.asks(levels)
    line = {
        "symbol": book.symbol,
        "lastUpdateId": book.last_update_id,
        "eventTime": book.last_event_time,
        "state": book.state,
        "stale": book.stale,
        "resyncs": book.resyncs,
        "gaps": book.gaps,
        "crossed": book.crossed,
        "bids": bids,
        "asks": asks,
        "spread": _spread(bids, asks),
    }
    result: dict[str, Any] = json_ready(line)
    return result


def _aligned(values: list[Decimal]) -> list[str]:
    """`values` with as many decimals as the longest needs (so that their points line up)."""
    places = 0
    for value in values:
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int):
            places = max(places, -exponent)
    return [f"{value:.{places}f}" for value in values]


def book_lines(book: OrderBook, levels: int) -> list[str]:
    """The terminal view: a header, `levels` rows of bids and asks (blank where a side has fewer), and
    the spread with the book's counters. Always ``levels + 3`` lines."""
    bids, asks = book.bids(levels), book.asks(levels)
    when = f" at {iso_time(book.last_event_time)}" if book.last_event_time else ""
    header = f"{book.symbol}  {_STATES[book.state]}  last update id {book.last_update_id}{when}"
    columns = [
        _aligned([q for _, q in bids]),
        _aligned([p for p, _ in bids]),
        _aligned([p for p, _ in asks]),
        _aligned([q for _, q in asks]),
    ]
    rows = []
    for i in range(levels):
        cells = [column[i] if i < len(column) else "" for column in columns]
        rows.append((str(i + 1), *cells))
    spread = _spread(bids, asks)
    if spread is None:
        spread_text = "spread -"
    else:
        spread_text = f"spread {fmt(spread)} ({float(spread / asks[0][0] * 10_000):.3g} bp)"
    footer = f"{spread_text}  resyncs {book.resyncs}  gaps {book.gaps}  crossed {book.crossed}"
    return [
        header,
        *table(("#", "bid qty", "bid price", "ask price", "ask qty"), rows, indent="  "),
        footer,
    ]


class Screen:
    """Frames redrawn in place on a terminal: the cursor goes back up over the previous frame, each line
    is cleared and rewritten, and what a taller previous frame left below is erased. Lines are cut to
    the terminal's width (a wrapped line would break the count of lines to go up) and the frame to its
    height; the cursor is hidden while drawing and shown again by `close`."""

    HIDE_CURSOR = "\x1b[?25l"
    SHOW_CURSOR = "\x1b[?25h"
    CLEAR_LINE = "\x1b[2K"
    CLEAR_BELOW = "\x1b[J"

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.height = 0

    @staticmethod
    def up(lines: int) -> str:
        """To the start of the line `lines` above."""
        return f"\r\x1b[{lines}A"

    def draw(self, lines: Sequence[str]) -> None:
        size = shutil.get_terminal_size()
        width = max(size.columns - 1, 1)
        shown = list(lines[: max(size.lines - 1, 1)])
        parts = [self.up(self.height) if self.height else self.HIDE_CURSOR]
        parts.extend(f"{self.CLEAR_LINE}{line[:width]}\n" for line in shown)
        parts.append(self.CLEAR_BELOW)
        self.out.write("".join(parts))
        self.out.flush()
        self.height = len(shown)

    def close(self) -> None:
        if self.height:
            self.out.write(self.SHOW_CURSOR)
            self.out.flush()


def _refused(error: BaseException | None) -> bool:
    """Whether a snapshot's failure will not go away by asking again (an unknown symbol, a bad
    parameter), as opposed to a rate limit or a server or network failure."""
    if isinstance(error, InvalidRequestError):
        return True
    return (
        isinstance(error, BinanceAPIError)
        and 400 <= error.status < 500
        and not isinstance(error, (RateLimitedError, IPBannedError))
    )


async def _open_book(book: OrderBook, client: SpotClient, timeout: float) -> None:
    """Subscribe `book` (within `timeout`) and wait for its first snapshot (within twice `timeout`);
    a snapshot refused for good (an unknown symbol) fails at once."""
    await _subscribed(book.start(), client, timeout)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 2 * timeout
    ready = asyncio.ensure_future(book.wait_ready())
    try:
        while not ready.done():
            await asyncio.wait({ready}, timeout=min(_POLL, max(deadline - loop.time(), 0.0)))
            if ready.done():
                break
            error = book.last_error
            if _refused(error):
                assert error is not None
                raise error
            if loop.time() >= deadline:
                why = f" (last snapshot: {describe(error)[0]})" if error is not None else ""
                raise CLIError(f"the order book of {book.symbol} is not ready after {2 * timeout:g} s{why}")
        ready.result()
    finally:
        if not ready.done():
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready


async def _next_update(book: OrderBook, interval: float | None, due: float) -> float:
    """Until the book should be shown again: its next update (or change of state), or with an
    `interval` the time `due`; returns the next due time. Raises once the book is closed."""
    if interval is None:
        await book.wait_update()
        return due
    loop = asyncio.get_running_loop()
    while True:
        remaining = due - loop.time()
        if remaining <= 0:
            following = due + interval
            return following if following > loop.time() else loop.time() + interval
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(book.wait_update(), remaining)  # wakes early only to raise if closed


async def book(args: argparse.Namespace) -> int:
    with _quiet_library_log():
        return await _book(args)


async def _book(args: argparse.Namespace) -> int:
    limit: int | None = args.count
    levels: int = args.levels
    out = sys.stdout
    screen = None if args.json or not out.isatty() else Screen(out)
    async with connect(args, signed=False) as conn:
        if conn.simulator is not None:
            _start_market_maker(conn.simulator, [args.symbol])
        order_book = conn.client.order_book(args.symbol, depth=args.depth)
        try:
            await _open_book(order_book, conn.client, args.timeout)
            loop = asyncio.get_running_loop()
            due = loop.time() + (args.interval or 0.0)
            shown = 0
            while True:
                if screen is None:
                    _write_line(book_json(order_book, levels))
                else:
                    screen.draw(book_lines(order_book, levels))
                shown += 1
                if limit is not None and shown >= limit:
                    break
                due = await _next_update(order_book, args.interval, due)
        finally:
            if screen is not None:
                screen.close()
            await order_book.aclose()
    return 0
