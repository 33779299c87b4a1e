"""Binance's WebSocket market streams, served by the simulator's own HTTP server.

Endpoints (``Simulator.stream_url`` is ``ws://127.0.0.1:PORT``):

* ``/ws/<stream>`` (or ``/ws/<a>/<b>``) and ``/ws``: raw streams, each message is the event itself;
* ``/stream?streams=<a>/<b>`` (or ``/stream``): combined streams, ``{"stream": name, "data": event}``.

Live control messages ``{"method": ..., "params": [...], "id": n}`` (`stream_control`): ``SUBSCRIBE``,
``UNSUBSCRIBE``, ``LIST_SUBSCRIPTIONS`` and ``SET_PROPERTY`` / ``GET_PROPERTY`` of ``combined``, answered
``{"result": ..., "id": n}``, or ``{"error": {"code": c, "msg": ...}, "id": n}``.

Streams (names in `stream_names`, events in `stream_payloads`), from the matching engine itself (through
`Market.events`):

* ``<symbol>@trade``: one event per trade, when it is recorded;
* ``<symbol>@aggTrade``: one event per aggregate trade of the market's tape that an engine call touched
  (the fills of one taker order at one price), sent when that call returns; ``a``, ``f``, ``l`` are the
  ids ``GET /api/v3/aggTrades`` and ``/trades`` give;
* ``<symbol>@bookTicker``: when the best bid or ask (price or quantity) changed, after the engine call;
  ``u`` is the book's update id;
* ``<symbol>@depth`` (every 1000 ms) and ``<symbol>@depth@100ms``: diff depth. Every level change of the
  book bumps its ``lastUpdateId`` by one, so an event's ``U``..``u`` are exactly the changes it carries,
  and the documented local-book algorithm on top of ``GET /api/v3/depth`` gives the REST book;
* ``<symbol>@depth5`` / ``10`` / ``20`` (``@100ms``): partial book snapshots ``{lastUpdateId, bids, asks}``,
  sent every period whether or not the book changed;

and, every period, from the market data the REST endpoints answer with at the same moment:

* ``<symbol>@kline_<interval>`` (and ``@kline_<interval>@+08:00``: any ``±HH:MM`` within REST's range):
  every 2000 ms (1000 ms for ``1s``) the current bar, ``x`` false; when a bar has closed since the last
  event, that bar once more with ``x`` true first. ``f`` / ``L`` are -1 for a bar without trades;
* ``<symbol>@ticker`` (``24hrTicker``) and ``<symbol>@miniTicker``: the 24 h rolling ticker, every
  1000 ms;
* ``!miniTicker@arr``: every 1000 ms, the mini tickers that changed since the last event (none: no
  event). The symbols watched are the configured ones and any other once it has traded;
* ``<symbol>@avgPrice``: ``GET /api/v3/avgPrice``'s price and last trade time, every 1000 ms.

Connections (`stream_connection`, `stream_limits`): the server pings every `StreamSettings.ping_interval`
seconds and closes (1008) a connection with a ping unanswered for `pong_timeout` seconds (a pong counts
only if it carries a ping's payload); more than `max_messages_per_second` incoming frames in one second
(pings, pongs and control messages included) close it (1008) too; a connection holds at most
`max_streams` streams. On the simulator's clock (`SimClock`, which a test can `advance`): a connection is
closed (1001, after what is queued) `max_lifetime` (24 h) after it opened; at most `max_attempts` (300)
connection attempts per IP in any `attempt_window` (5 minutes) are admitted, one more is answered HTTP
429 at the upgrade with ``Retry-After``; `MarketStreams.announce_shutdown` sends ``serverShutdown``
(``!serverShutdown`` when combined) to every connection and closes them (1001) after the grace.

Faults (`stream_faults`, ``sim.streams.faults``): dropped connections, stalls, skipped depth updates,
delayed messages, server shutdowns. `MarketStreams.counters` counts connections opened, closed (and
why) and refused, messages sent and faults fired.

Not modelled yet: ``timeUnit``; ``@ticker_<window>`` and ``!ticker_<window>@arr``; ``@referencePrice``
and ``@blockTrade``; bans of IPs that break the message limit repeatedly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from aiohttp import WSCloseCode, web

from .clock import SimClock
from .market import INTERVALS, Market
from .stream_connection import Connection, encode
from .stream_control import control
from .stream_faults import StreamFaults
from .stream_limits import (
    ConnectionAttempts,
    ServerLoop,
    StreamCounters,
    StreamSettings,
    announce_shutdown,
    close_when_due,
)
from .stream_names import ALL_MINI_TICKERS, Stream, parse_stream
from .stream_payloads import (
    DepthDiff,
    PendingTrade,
    agg_event,
    avg_price_event,
    kline_event,
    mini_ticker_event,
    mini_ticker_fields,
    ticker_event,
)
from .values import Side, fmt8

__all__ = ["MarketStreams", "Stream", "StreamSettings", "parse_stream"]

JsonObject = dict[str, Any]
_log = logging.getLogger(__name__)
_CADENCES = ("slow", "fast", "kline", "kline_1s", "ticker")
MiniFields = tuple[str, str, str, str, str, str]


class MarketStreams:
    """The market streams of one simulator: routes, subscriptions, and the events they carry."""

    def __init__(
        self, market: Market, clock: SimClock, settings: StreamSettings | None = None, seed: int = 0
    ) -> None:
        self.market = market
        self.clock = clock
        self._settings = settings or StreamSettings()
        #: Fault injection: ``sim.streams.faults.stall(5.0)``.
        self.faults = StreamFaults(self, seed)
        #: What happened so far: connections opened, closed, refused; messages sent; faults fired.
        self.counters = StreamCounters(faults=self.faults.counts)
        self.attempts = ConnectionAttempts(clock)
        self._subscribers: dict[str, dict[Connection, None]] = {}
        self._streams: dict[str, Stream] = {}
        self._diffs: dict[tuple[str, bool], DepthDiff] = {}
        self._tops: dict[str, tuple[Any, ...]] = {}  # last bookTicker sent, per subscribed symbol
        self._dirty_tops: set[str] = set()
        self._pending_aggs: dict[str, list[PendingTrade]] = {}
        self._kline_opens: dict[str, int] = {}  # kline stream -> open time of the bar last sent
        self._minis: dict[str, MiniFields] = {}  # !miniTicker@arr: the fields last sent, per symbol
        self._traded: set[str] = set()  # symbols traded while !miniTicker@arr is heard
        self._symbol_order: dict[str, int] | None = None  # exchangeInfo's order
        self._flush_scheduled = False
        self._connections: set[Connection] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._home = ServerLoop()

    @property
    def settings(self) -> StreamSettings:
        """Times and limits. A connection keeps those it opened with; the periods change at once."""
        return self._settings

    @settings.setter
    def settings(self, value: StreamSettings) -> None:
        self._settings = value
        if self._tasks:
            self.call_on_loop(self._restart_tasks)

    @property
    def connections(self) -> list[Connection]:
        """The open connections."""
        return list(self._connections)

    # -- wiring -------------------------------------------------------------------------------------

    def install(self, app: web.Application) -> None:
        """Add the stream routes (before any catch-all route) and the life-cycle hooks to `app`."""
        app.router.add_get("/ws", self._raw_handler)
        app.router.add_get("/ws/{streams:.+}", self._raw_handler)
        app.router.add_get("/stream", self._combined_handler)
        app.on_startup.append(self._on_startup)
        app.on_shutdown.append(self._on_shutdown)

    def call_on_loop(self, callback: Callable[..., None], *args: Any) -> None:
        """Run `callback` now if on the server's thread (or not started), else hand it to its loop."""
        self._home.call(callback, *args)

    async def _on_startup(self, app: web.Application) -> None:
        self._home.bind()
        self._restart_tasks()

    def _restart_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks = [asyncio.create_task(self._periodic(cadence)) for cadence in _CADENCES]
        self._tasks.append(asyncio.create_task(self._housekeeping()))

    async def _on_shutdown(self, app: web.Application) -> None:
        if self in self.market.events.listeners:
            self.market.events.listeners.remove(self)
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(
            *(c.close(WSCloseCode.GOING_AWAY, "server shutdown", "server stopped") for c in self._connections)
        )

    # -- connections ----------------------------------------------------------------------------------

    async def _raw_handler(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info.get("streams", "")
        return await self._serve(request, [name for name in tail.split("/") if name], combined=False)

    async def _combined_handler(self, request: web.Request) -> web.StreamResponse:
        names = request.query.get("streams", "")
        return await self._serve(request, [name for name in names.split("/") if name], combined=True)

    async def _serve(self, request: web.Request, names: list[str], combined: bool) -> web.StreamResponse:
        settings = self._settings
        refusal = self.attempts.refusal(request.remote or "127.0.0.1", settings)
        if refusal is not None:
            self.counters.refused += 1
            return refusal
        for name in names:
            if self.stream(name) is None:
                self.counters.refused += 1
                return _bad_request(f"Invalid request: unknown stream '{name}'")
        if len(set(names)) > settings.max_streams:
            self.counters.refused += 1
            return _bad_request(f"Invalid request: more than {settings.max_streams} streams")
        ws = web.WebSocketResponse(autoping=False, timeout=settings.close_timeout)
        connection = Connection(self, request, ws, settings, combined)
        connection.drop_after = self.faults.drop_for_new_connection()
        self._connections.add(connection)
        for name in names:  # before the handshake: no event is missed once the client is connected
            self.subscribe(connection, name)
        opened = False
        try:
            await ws.prepare(request)
            opened = True
            self.counters.opened += 1
            await connection.run()
        finally:
            for name in list(connection.streams):
                self.unsubscribe(connection, name)
            self._connections.discard(connection)
            if opened:
                self.counters.count_close(connection.close_reason)
        return ws

    def stream(self, name: str) -> Stream | None:
        """The stream called `name`, or None if there is no such stream."""
        stream = self._streams.get(name)
        if stream is None:
            stream = parse_stream(name, self.market)
            if stream is not None:
                self._streams[name] = stream
        return stream

    def subscribe(self, connection: Connection, name: str) -> None:
        stream = self._streams[name]
        connection.streams[name] = None
        if not self._subscribers and self not in self.market.events.listeners:
            self.market.events.listeners.append(self)  # the market pays for events only while heard
        self._subscribers.setdefault(name, {})[connection] = None
        if stream.kind == "depth":
            self._diffs.setdefault((stream.symbol, stream.fast), DepthDiff())
        elif stream.kind == "bookTicker" and stream.symbol not in self._tops:
            self._tops[stream.symbol] = self._top(stream.symbol)

    def unsubscribe(self, connection: Connection, name: str) -> None:
        connection.streams.pop(name, None)
        subscribers = self._subscribers.get(name)
        if subscribers is None:
            return
        subscribers.pop(connection, None)
        if subscribers:
            return
        del self._subscribers[name]
        if not self._subscribers and self in self.market.events.listeners:
            self.market.events.listeners.remove(self)
        stream = self._streams[name]
        if stream.kind == "depth":
            self._diffs.pop((stream.symbol, stream.fast), None)
        elif stream.kind == "bookTicker":
            self._tops.pop(stream.symbol, None)
        elif stream.kind == "kline":
            self._kline_opens.pop(name, None)
        elif stream.kind == ALL_MINI_TICKERS:
            self._minis.clear()
            self._traded.clear()

    def control(self, connection: Connection, text: str) -> JsonObject:
        """The answer to one control message."""
        return control(self, connection, text)

    def _publish(self, name: str, event: JsonObject | list[JsonObject]) -> None:
        subscribers = self._subscribers.get(name)
        if not subscribers:
            return
        raw = encode(event).decode()
        for connection in subscribers:
            connection.send_event(name, raw)

    # -- the connections' lifetime --------------------------------------------------------------------

    def announce_shutdown(self, close_after: float = 0.0) -> None:
        """``serverShutdown`` to every open connection; each is closed (1001) `close_after` seconds later
        on the simulator's clock (0: right after the event). New connections are still accepted."""
        self.call_on_loop(self._announce_shutdown, close_after)

    def _announce_shutdown(self, close_after: float) -> None:
        now = self.clock.now_ms()
        raw = encode({"e": "serverShutdown", "E": now}).decode()
        announce_shutdown(
            self._connections,
            now,
            close_after,
            lambda connection: connection.send_event("!serverShutdown", raw),  # type: ignore[attr-defined]
            self.faults.fired,
        )

    async def _housekeeping(self) -> None:
        """Close the connections whose lifetime (or shutdown grace) ended on the simulator's clock."""
        await close_when_due(self._connections, self.clock, lambda: self._settings.housekeeping_interval)

    # -- what the market tells (MarketListener) --------------------------------------------------------

    def book_changed(self, symbol: str, side: Side, price: Decimal, total: Decimal, update_id: int) -> None:
        if self._home.hand_off(self.book_changed, symbol, side, price, total, update_id):
            return
        for fast in (False, True):
            diff = self._diffs.get((symbol, fast))
            if diff is not None:
                diff.record(side, price, total, update_id)
        if symbol in self._tops:
            self._dirty_tops.add(symbol)
            self._schedule_flush()

    def traded(
        self, symbol: str, trade_id: int, price: Decimal, qty: Decimal, is_buyer_maker: bool, time_ms: int
    ) -> None:
        if self._home.hand_off(self.traded, symbol, trade_id, price, qty, is_buyer_maker, time_ms):
            return
        if ALL_MINI_TICKERS in self._subscribers:
            self._traded.add(symbol)
        lowered = symbol.lower()
        trade_stream = f"{lowered}@trade"
        if trade_stream in self._subscribers:
            event = {
                "e": "trade",
                "E": self.clock.now_ms(),
                "s": symbol,
                "t": trade_id,
                "p": fmt8(price),
                "q": fmt8(qty),
                "T": time_ms,
                "m": is_buyer_maker,
                "M": True,
            }
            self._publish(trade_stream, event)
        if f"{lowered}@aggTrade" in self._subscribers:
            tape = self.market.tape(symbol)
            agg_id = tape.first_agg_id + len(tape.agg_starts) - 1
            pending = PendingTrade(agg_id, trade_id, price, qty, is_buyer_maker, time_ms)
            self._pending_aggs.setdefault(symbol, []).append(pending)
            self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._flush_scheduled:
            return
        loop = self._home.loop
        if loop is None:
            self._flush()
            return
        self._flush_scheduled = True
        loop.call_soon(self._flush)

    def _flush(self) -> None:
        """After an engine call: its aggregate trades and the changed best bids and asks."""
        self._flush_scheduled = False
        pending, self._pending_aggs = self._pending_aggs, {}
        now = self.clock.now_ms()
        for symbol, trades in pending.items():
            name = f"{symbol.lower()}@aggTrade"
            start = 0
            for end in range(1, len(trades) + 1):
                if end == len(trades) or trades[end].agg_id != trades[start].agg_id:
                    self._publish(name, agg_event(symbol, trades[start:end], now))
                    start = end
        dirty, self._dirty_tops = self._dirty_tops, set()
        for symbol in dirty:
            if symbol not in self._tops:
                continue
            top = self._top(symbol)
            if top != self._tops[symbol]:
                self._tops[symbol] = top
                bid_price, bid_qty, ask_price, ask_qty = top
                event = {
                    "u": self.market.book(symbol).last_update_id,
                    "s": symbol,
                    "b": fmt8(bid_price),
                    "B": fmt8(bid_qty),
                    "a": fmt8(ask_price),
                    "A": fmt8(ask_qty),
                }
                self._publish(f"{symbol.lower()}@bookTicker", event)

    def _top(self, symbol: str) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        book = self.market.book(symbol)
        zero = Decimal(0)
        bid = book.best_bid() or (zero, zero)
        ask = book.best_ask() or (zero, zero)
        return bid[0], bid[1], ask[0], ask[1]

    # -- periodic streams -----------------------------------------------------------------------------

    def _period(self, cadence: str) -> float:
        settings = self._settings
        periods = {
            "slow": settings.slow_period,
            "fast": settings.fast_period,
            "kline": settings.kline_period,
            "kline_1s": settings.kline_1s_period,
            "ticker": settings.ticker_period,
        }
        return periods[cadence]

    async def _periodic(self, cadence: str) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            due = max(due + self._period(cadence), loop.time())
            await asyncio.sleep(due - loop.time())
            try:
                self.tick(cadence)
            except Exception:  # a bug must not silence the stream for good
                _log.exception("market streams: the %s tick failed", cadence)

    def tick(self, cadence: str) -> None:
        """What one period of `cadence` (slow, fast, kline, kline_1s, ticker) sends, now."""
        now = self.clock.now_ms()
        if cadence in ("slow", "fast"):
            fast = cadence == "fast"
            for (symbol, diff_fast), diff in list(self._diffs.items()):
                if diff_fast == fast and diff.first_id:
                    self._diffs[(symbol, fast)] = DepthDiff()
                    if self.faults.skip(symbol, fast):
                        continue
                    name = f"{symbol.lower()}@depth@100ms" if fast else f"{symbol.lower()}@depth"
                    self._publish(name, diff.event(symbol, now))
        market = self.market
        for name in list(self._subscribers):
            stream = self._streams[name]
            if stream.cadence != cadence or stream.kind == "depth":
                continue
            kind, symbol = stream.kind, stream.symbol
            if kind == "partial":
                self._publish(name, market.book(symbol).depth_body(stream.levels))
            elif kind == "kline":
                self._publish_kline(stream, now)
            elif kind == "ticker":
                self._publish(name, ticker_event(market, symbol, now))
            elif kind == "miniTicker":
                self._publish(name, mini_ticker_event(symbol, mini_ticker_fields(market, symbol), now))
            elif kind == "avgPrice":
                self._publish(name, avg_price_event(market, symbol, now))
            elif kind == ALL_MINI_TICKERS:
                self._publish_changed_minis(now)

    def _publish_kline(self, stream: Stream, now: int) -> None:
        """The bar last sent once more, closed, if a new one began since; then the current bar."""
        open_ms = INTERVALS[stream.interval].start(now, stream.offset_ms)
        last = self._kline_opens.get(stream.name)
        if last is not None and last != open_ms:
            closed = kline_event(self.market, stream, last, True, now)
            if closed is not None:
                self._publish(stream.name, closed)
        event = kline_event(self.market, stream, open_ms, False, now)
        if event is not None:
            self._publish(stream.name, event)
        self._kline_opens[stream.name] = open_ms

    def _publish_changed_minis(self, now: int) -> None:
        if self._symbol_order is None:
            self._symbol_order = {name: i for i, name in enumerate(self.market.symbol_names())}
        configured = [spec.symbol for spec in self.market.config.symbols]
        watched = {*configured, *self._minis, *self._traded}
        self._traded.clear()
        events = []
        for symbol in sorted(watched, key=self._symbol_order.__getitem__):
            fields = mini_ticker_fields(self.market, symbol)
            if self._minis.get(symbol) != fields:
                self._minis[symbol] = fields
                events.append(mini_ticker_event(symbol, fields, now))
        if events:
            self._publish(ALL_MINI_TICKERS, events)


def _bad_request(msg: str) -> web.Response:
    return web.Response(status=400, body=encode({"code": 2, "msg": msg}), content_type="application/json")
