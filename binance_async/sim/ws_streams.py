"""Binance's WebSocket market streams, served by the simulator's own HTTP server.

Endpoints (``Simulator.stream_url`` is ``ws://127.0.0.1:PORT``):

* ``/ws/<stream>`` (or ``/ws/<a>/<b>``) and ``/ws``: raw streams, each message is the event itself;
* ``/stream?streams=<a>/<b>`` (or ``/stream``): combined streams, ``{"stream": name, "data": event}``.

Live control messages ``{"method": ..., "params": [...], "id": n}``: ``SUBSCRIBE``, ``UNSUBSCRIBE``,
``LIST_SUBSCRIPTIONS`` and ``SET_PROPERTY`` / ``GET_PROPERTY`` of ``combined``, answered
``{"result": ..., "id": n}``, or ``{"error": {"code": c, "msg": ...}, "id": n}`` (0 unknown property,
1 not a boolean, 2 invalid request, 3 invalid JSON).

Streams, produced by the matching engine itself (through `Market.events`):

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
  sent every period whether or not the book changed.

Connections: the server pings every `StreamSettings.ping_interval` seconds and closes (1008) a connection
with a ping unanswered for `pong_timeout` seconds (a pong counts only if it carries a ping's payload);
more than `max_messages_per_second` incoming frames in one second (pings, pongs and control messages
included) close it (1008) too; a connection holds at most `max_streams` streams.

Not modelled yet: klines, tickers, avgPrice and the other streams; ``timeUnit``; ``serverShutdown``; the
24 h lifetime; connection-attempt limits; faults.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec
from aiohttp import WSCloseCode, WSMsgType, web

from .clock import SimClock
from .market import Market
from .values import Side, fmt8

__all__ = ["MarketStreams", "StreamSettings"]

JsonObject = dict[str, Any]
_encode = msgspec.json.Encoder(decimal_format="string").encode
_PARTIAL_LEVELS = {"depth5": 5, "depth10": 10, "depth20": 20}
_METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")
_STRING_ID = re.compile(r"[A-Za-z0-9]{1,36}")
_INT64 = 1 << 63


@dataclass
class StreamSettings:
    """Times in seconds. Binance's values by default; tests shorten them."""

    ping_interval: float = 20.0
    pong_timeout: float = 60.0
    max_messages_per_second: int = 5
    max_streams: int = 1024
    #: The period of ``@depth`` and ``@depth<N>``; the ``@100ms`` variants use `fast_period`.
    slow_period: float = 1.0
    fast_period: float = 0.1
    #: How long a close handshake may take before the connection is dropped.
    close_timeout: float = 2.0


@dataclass(frozen=True)
class Stream:
    """A parsed stream name: `kind` is trade, aggTrade, bookTicker, depth (diff) or partial."""

    name: str
    symbol: str  # upper case, as in events
    kind: str
    levels: int = 0
    fast: bool = False


def parse_stream(name: str, market: Market) -> Stream | None:
    """The stream called `name` (lower-case symbol), or None if the simulator has no such stream."""
    lowered, sep, rest = name.partition("@")
    if not sep or lowered != lowered.lower() or not market.has_symbol(lowered.upper()):
        return None
    symbol = lowered.upper()
    fast = rest.endswith("@100ms")
    if fast:
        rest = rest.removesuffix("@100ms")
    if rest in ("trade", "aggTrade", "bookTicker") and not fast:
        return Stream(name, symbol, rest)
    if rest == "depth":
        return Stream(name, symbol, "depth", fast=fast)
    levels = _PARTIAL_LEVELS.get(rest)
    if levels is not None:
        return Stream(name, symbol, "partial", levels, fast)
    return None


class _DepthDiff:
    """The level changes of one symbol since the last diff event (price -> new total, per side)."""

    def __init__(self) -> None:
        self.first_id = 0
        self.last_id = 0
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}

    def record(self, side: Side, price: Decimal, total: Decimal, update_id: int) -> None:
        if not self.first_id:
            self.first_id = update_id
        self.last_id = update_id
        (self.bids if side == "BUY" else self.asks)[price] = total

    def event(self, symbol: str, now_ms: int) -> JsonObject:
        bids = sorted(self.bids.items(), reverse=True)
        asks = sorted(self.asks.items())
        return {
            "e": "depthUpdate",
            "E": now_ms,
            "s": symbol,
            "U": self.first_id,
            "u": self.last_id,
            "b": [[fmt8(price), fmt8(qty)] for price, qty in bids],
            "a": [[fmt8(price), fmt8(qty)] for price, qty in asks],
        }


@dataclass
class _PendingTrade:
    agg_id: int
    trade_id: int
    price: Decimal
    qty: Decimal
    is_buyer_maker: bool
    time_ms: int


class MarketStreams:
    """The market streams of one simulator: routes, subscriptions, and the events they carry."""

    def __init__(self, market: Market, clock: SimClock, settings: StreamSettings | None = None) -> None:
        self.market = market
        self.clock = clock
        #: Read when a connection opens; replace it before connecting to change the times and limits.
        self.settings = settings or StreamSettings()
        self._subscribers: dict[str, dict[_Connection, None]] = {}
        self._streams: dict[str, Stream] = {}
        self._diffs: dict[tuple[str, bool], _DepthDiff] = {}
        self._tops: dict[str, tuple[Any, ...]] = {}  # last bookTicker sent, per subscribed symbol
        self._dirty_tops: set[str] = set()
        self._pending_aggs: dict[str, list[_PendingTrade]] = {}
        self._flush_scheduled = False
        self._connections: set[_Connection] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread_id: int | None = None

    # -- wiring -------------------------------------------------------------------------------------

    def install(self, app: web.Application) -> None:
        """Add the stream routes (before any catch-all route) and the life-cycle hooks to `app`."""
        app.router.add_get("/ws", self._raw_handler)
        app.router.add_get("/ws/{streams:.+}", self._raw_handler)
        app.router.add_get("/stream", self._combined_handler)
        app.on_startup.append(self._on_startup)
        app.on_shutdown.append(self._on_shutdown)

    async def _on_startup(self, app: web.Application) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread_id = threading.get_ident()
        self._tasks = [
            asyncio.create_task(self._ticker(fast=False)),
            asyncio.create_task(self._ticker(fast=True)),
        ]

    async def _on_shutdown(self, app: web.Application) -> None:
        if self in self.market.events.listeners:
            self.market.events.listeners.remove(self)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await asyncio.gather(*(c.close(WSCloseCode.GOING_AWAY, "server shutdown") for c in self._connections))

    # -- connections ----------------------------------------------------------------------------------

    async def _raw_handler(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info.get("streams", "")
        return await self._serve(request, [name for name in tail.split("/") if name], combined=False)

    async def _combined_handler(self, request: web.Request) -> web.StreamResponse:
        names = request.query.get("streams", "")
        return await self._serve(request, [name for name in names.split("/") if name], combined=True)

    async def _serve(self, request: web.Request, names: list[str], combined: bool) -> web.StreamResponse:
        for name in names:
            if self._stream(name) is None:
                return _bad_request(f"Invalid request: unknown stream '{name}'")
        if len(set(names)) > self.settings.max_streams:
            return _bad_request(f"Invalid request: more than {self.settings.max_streams} streams")
        settings = self.settings
        ws = web.WebSocketResponse(autoping=False, timeout=settings.close_timeout)
        connection = _Connection(self, ws, settings, combined)
        self._connections.add(connection)
        for name in names:  # before the handshake: no event is missed once the client is connected
            self._subscribe(connection, name)
        try:
            await ws.prepare(request)
            await connection.run()
        finally:
            for name in list(connection.streams):
                self._unsubscribe(connection, name)
            self._connections.discard(connection)
        return ws

    def _stream(self, name: str) -> Stream | None:
        stream = self._streams.get(name)
        if stream is None:
            stream = parse_stream(name, self.market)
            if stream is not None:
                self._streams[name] = stream
        return stream

    def _subscribe(self, connection: _Connection, name: str) -> None:
        stream = self._streams[name]
        connection.streams[name] = None
        if not self._subscribers and self not in self.market.events.listeners:
            self.market.events.listeners.append(self)  # the market pays for events only while heard
        self._subscribers.setdefault(name, {})[connection] = None
        if stream.kind == "depth":
            self._diffs.setdefault((stream.symbol, stream.fast), _DepthDiff())
        elif stream.kind == "bookTicker" and stream.symbol not in self._tops:
            self._tops[stream.symbol] = self._top(stream.symbol)

    def _unsubscribe(self, connection: _Connection, name: str) -> None:
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

    def _publish(self, name: str, event: JsonObject) -> None:
        subscribers = self._subscribers.get(name)
        if not subscribers:
            return
        raw = _encode(event).decode()
        wrapped = None
        for connection in subscribers:
            if connection.combined:
                if wrapped is None:
                    wrapped = f'{{"stream":"{name}","data":{raw}}}'
                connection.send(wrapped)
            else:
                connection.send(raw)

    # -- what the market tells (MarketListener) --------------------------------------------------------

    def _on_loop(self, callback: Callable[..., None], *args: Any) -> bool:
        """False if called on the server's thread; else hands `callback` to the server's loop."""
        if self._loop is None or threading.get_ident() == self._thread_id:
            return False
        self._loop.call_soon_threadsafe(callback, *args)
        return True

    def book_changed(self, symbol: str, side: Side, price: Decimal, total: Decimal, update_id: int) -> None:
        if self._on_loop(self.book_changed, symbol, side, price, total, update_id):
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
        if self._on_loop(self.traded, symbol, trade_id, price, qty, is_buyer_maker, time_ms):
            return
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
            pending = _PendingTrade(agg_id, trade_id, price, qty, is_buyer_maker, time_ms)
            self._pending_aggs.setdefault(symbol, []).append(pending)
            self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._flush_scheduled:
            return
        if self._loop is None:
            self._flush()
            return
        self._flush_scheduled = True
        self._loop.call_soon(self._flush)

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
                    self._publish(name, _agg_event(symbol, trades[start:end], now))
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

    async def _ticker(self, fast: bool) -> None:
        """Every period: the diff depth events with changes, and the partial book snapshots."""
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            due = max(due + (self.settings.fast_period if fast else self.settings.slow_period), loop.time())
            await asyncio.sleep(due - loop.time())
            self._tick(fast)

    def _tick(self, fast: bool) -> None:
        now = self.clock.now_ms()
        for (symbol, diff_fast), diff in list(self._diffs.items()):
            if diff_fast == fast and diff.first_id:
                self._diffs[(symbol, fast)] = _DepthDiff()
                name = f"{symbol.lower()}@depth@100ms" if fast else f"{symbol.lower()}@depth"
                self._publish(name, diff.event(symbol, now))
        for name in list(self._subscribers):
            stream = self._streams[name]
            if stream.kind == "partial" and stream.fast == fast:
                self._publish(name, self.market.book(stream.symbol).depth_body(stream.levels))

    # -- control messages ---------------------------------------------------------------------------

    def control(self, connection: _Connection, text: str) -> JsonObject:
        """The answer to one control message."""
        try:
            request = msgspec.json.decode(text)
        except msgspec.DecodeError as exc:
            return _error(3, f"Invalid JSON: {exc}", None)
        if not isinstance(request, dict):
            return _error(2, "Invalid request: expected an object", None)
        request_id = request.get("id")
        if "id" not in request or not _valid_id(request_id):
            return _error(2, "Invalid request: request ID must be an unsigned integer", None)
        method = request.get("method")
        if method is None:
            return _error(2, "Invalid request: missing field `method`", request_id)
        if method not in _METHODS:
            expected = ", ".join(f"`{m}`" for m in _METHODS)
            msg = f"Invalid request: unknown variant `{method}`, expected one of {expected}"
            return _error(2, msg, request_id)
        params = request.get("params", [])
        if not isinstance(params, list):
            return _error(2, "Invalid request: params must be an array", request_id)
        if method == "LIST_SUBSCRIPTIONS":
            return {"result": list(connection.streams), "id": request_id}
        if method in ("SET_PROPERTY", "GET_PROPERTY"):
            return self._property(connection, method, params, request_id)
        if not all(isinstance(name, str) for name in params):
            return _error(2, "Invalid request: params must be an array of stream names", request_id)
        for name in params:
            if self._stream(name) is None:
                return _error(2, f"Invalid request: unknown stream '{name}'", request_id)
        if method == "UNSUBSCRIBE":
            for name in params:
                self._unsubscribe(connection, name)
            return {"result": None, "id": request_id}
        fresh = {name: None for name in params if name not in connection.streams}
        limit = self.settings.max_streams
        if len(connection.streams) + len(fresh) > limit:
            return _error(2, f"Invalid request: at most {limit} streams per connection", request_id)
        for name in fresh:
            self._subscribe(connection, name)
        return {"result": None, "id": request_id}

    def _property(
        self, connection: _Connection, method: str, params: list[Any], request_id: Any
    ) -> JsonObject:
        if not params or not isinstance(params[0], str):
            return _error(2, "Invalid request: property name must be a string", request_id)
        if params[0] != "combined":
            return _error(0, "Unknown property", request_id)
        if method == "GET_PROPERTY":
            return {"result": connection.combined, "id": request_id}
        if len(params) != 2 or not isinstance(params[1], bool):
            return _error(1, "Invalid value type: expected Boolean", request_id)
        connection.combined = params[1]
        return {"result": None, "id": request_id}


def _agg_event(symbol: str, trades: list[_PendingTrade], now_ms: int) -> JsonObject:
    first = trades[0]
    return {
        "e": "aggTrade",
        "E": now_ms,
        "s": symbol,
        "a": first.agg_id,
        "p": fmt8(first.price),
        "q": fmt8(sum((t.qty for t in trades), Decimal(0))),
        "f": first.trade_id,
        "l": trades[-1].trade_id,
        "T": first.time_ms,
        "m": first.is_buyer_maker,
        "M": True,
    }


def _valid_id(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -_INT64 <= value < _INT64
    return isinstance(value, str) and _STRING_ID.fullmatch(value) is not None


def _error(code: int, msg: str, request_id: Any) -> JsonObject:
    return {"error": {"code": code, "msg": msg}, "id": request_id}


def _bad_request(msg: str) -> web.Response:
    return web.Response(status=400, body=_encode({"code": 2, "msg": msg}), content_type="application/json")


class _Connection:
    """One WebSocket client: its streams, its outgoing queue, its keep-alive and its message budget."""

    def __init__(
        self, server: MarketStreams, ws: web.WebSocketResponse, settings: StreamSettings, combined: bool
    ) -> None:
        self.server = server
        self.ws = ws
        self.settings = settings
        self.combined = combined
        self.streams: dict[str, None] = {}  # subscription order
        self._outgoing: asyncio.Queue[str] = asyncio.Queue()
        self._received: deque[float] = deque()
        self._pings: set[bytes] = set()
        self._unanswered_since: float | None = None
        self._closing: asyncio.Task[bool] | None = None

    def send(self, text: str) -> None:
        if self._closing is None:
            self._outgoing.put_nowait(text)

    def close_soon(self, code: int, message: str) -> None:
        if self._closing is None:
            self._closing = asyncio.ensure_future(self.ws.close(code=code, message=message.encode()))

    async def close(self, code: int, message: str) -> None:
        self.close_soon(code, message)
        assert self._closing is not None
        await asyncio.gather(self._closing, return_exceptions=True)

    async def run(self) -> None:
        writer = asyncio.create_task(self._write())
        keepalive = asyncio.create_task(self._keepalive())
        try:
            async for message in self.ws:
                if not self._within_budget():
                    self.close_soon(WSCloseCode.POLICY_VIOLATION, "too many messages")
                    break
                if message.type == WSMsgType.PING:
                    await self.ws.pong(message.data)
                elif message.type == WSMsgType.PONG:
                    if bytes(message.data) in self._pings:  # unsolicited pongs do not keep it alive
                        self._pings.clear()
                        self._unanswered_since = None
                elif message.type == WSMsgType.TEXT:
                    self.send(_encode(self.server.control(self, message.data)).decode())
                elif message.type == WSMsgType.BINARY:
                    self.send(_encode(_error(3, "Invalid JSON: expected a text frame", None)).decode())
        finally:
            for task in (writer, keepalive):
                task.cancel()
            await asyncio.gather(writer, keepalive, return_exceptions=True)
            if self._closing is not None:
                await asyncio.gather(self._closing, return_exceptions=True)

    def _within_budget(self) -> bool:
        now = asyncio.get_running_loop().time()
        received = self._received
        received.append(now)
        while received and received[0] <= now - 1.0:
            received.popleft()
        return len(received) <= self.settings.max_messages_per_second

    async def _write(self) -> None:
        while True:
            text = await self._outgoing.get()
            try:
                await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return

    async def _keepalive(self) -> None:
        loop = asyncio.get_running_loop()
        settings = self.settings
        next_ping = loop.time() + settings.ping_interval
        sequence = 0
        while not self.ws.closed:
            now = loop.time()
            if self._unanswered_since is not None and now - self._unanswered_since >= settings.pong_timeout:
                self.close_soon(WSCloseCode.POLICY_VIOLATION, "pong timeout")
                return
            if now >= next_ping:
                sequence += 1
                payload = b"%d" % sequence
                self._pings.add(payload)
                if self._unanswered_since is None:
                    self._unanswered_since = now
                try:
                    await self.ws.ping(payload)
                except (ConnectionError, RuntimeError):
                    return
                next_ping = now + settings.ping_interval
            wake = next_ping
            if self._unanswered_since is not None:
                wake = min(wake, self._unanswered_since + settings.pong_timeout)
            await asyncio.sleep(max(wake - loop.time(), 0.001))
