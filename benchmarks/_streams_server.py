"""A Binance-like market-stream server for ``bench_streams.py``, run in its own process.

``python _streams_server.py [--symbols 1100] [--levels 5000]`` binds 127.0.0.1 on an ephemeral port,
prints one JSON line ``{"port": ..., "symbols": [...]}`` once ready, and stops when its stdin closes.

WebSocket (any path with an ``Upgrade`` header; aiohttp does the handshake, the frames are written
straight to the transport):

* ``/stream``: combined streams, events as ``{"stream": name, "data": event}``;
* any other path (``/ws/<name>`` as python-binance opens it, ``/stream/ws/<n>`` as ccxt opens it):
  raw events; a stream named in a ``/ws/<name>`` path is subscribed at once.

``{"method": "SUBSCRIBE" | "UNSUBSCRIBE", "params": [...], "id": n}`` is answered ``{"result": null,
"id": n}`` (an unknown stream: ``{"error": {...}, "id": n}``). Nothing is sent on a stream until the
harness asks (below), so every message of a timed region is one the harness knows about.

Messages are pre-built: per symbol a diff-depth sequence made of `PAIRS` template pairs (A_j changes
20 levels near the top of the book: most quantities changed, some levels removed with
``"0.00000000"``, some new levels inserted between occupied ticks; B_j restores them), so the book
after m messages is the base book (m even) or the base with A_j applied (m odd), and the server can
answer a snapshot or the final book at once. Consecutive messages have ``U`` = previous ``u`` + 1,
so a correct book never resyncs. Trades: `PAIRS` pre-built templates, consecutive trade ids. Only
the ids and the event time are formatted in per message.

REST: ``GET /api/v3/depth?symbol=&limit=`` (the symbol's book now: ``lastUpdateId`` and the top
``limit`` levels of each side), ``/api/v3/exchangeInfo`` (every symbol; with ``?symbol=`` one; generous
``rateLimits``), ``/api/v3/ping``, ``/api/v3/time``.

Harness routes (not Binance): ``POST /_bench/blast?kind=depth|trade&symbol=S&n=N`` sends N messages of
the symbol's stream to every subscriber as fast as their sockets take them and answers at once with
the ids the last one will carry; ``POST /_bench/steady?interval=0.1`` sends every subscribed depth
stream one message per interval (spread over ten slots), ``POST /_bench/steady?stop=1`` stops it;
``GET /_bench/stats`` (CPU time, messages sent, REST requests, connections), ``GET /_bench/ids`` (each
symbol's last ``u``, last trade id), ``GET /_bench/book?symbol=S&top=N`` (the server's book).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import random
import signal
import struct
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import _payloads
from aiohttp import WSMsgType, web
from aiohttp.abc import AbstractStreamWriter

PAIRS = 256  # depth template pairs (A_j, B_j) and trade templates
LEVELS_PER_MESSAGE = 20
MID_CENTS = 6_500_000  # 65000.00
ZERO = "0.00000000"
FIRST_UPDATE_ID = 51_234_567_890
FIRST_TRADE_ID = 3_456_789_012
STEADY_SLOTS = 10

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


def price_text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}000000"


def qty_text(rng: random.Random) -> str:
    value = rng.uniform(0.00001, 2.0) if rng.random() < 0.85 else rng.uniform(2.0, 40.0)
    return f"{value:.8f}"


def frame(payload: bytes) -> bytes:
    """One unmasked, final text frame (server to client)."""
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 65536:
        return struct.pack("!BBH", 0x81, 126, n) + payload
    return struct.pack("!BBQ", 0x81, 127, n) + payload


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


# --------------------------------------------------------------------------- the market


class Market:
    """The base book (shared by every symbol), the depth and trade templates, and each symbol's ids."""

    def __init__(self, symbols: list[str], levels: int, seed: int = 5) -> None:
        rng = random.Random(seed)
        self.symbols = symbols
        self.levels = levels
        # Side books by tick offset from the touch (0 = best possible price); ~70% of ticks occupied.
        self.base: tuple[dict[int, str], dict[int, str]] = ({}, {})
        for side in self.base:
            offset = 0
            while len(side) < levels:
                if offset < 2 or rng.random() < 0.7:
                    side[offset] = qty_text(rng)
                offset += 1
        self.base_sorted = [sorted(side) for side in self.base]
        self.fragments = [
            {o: dumps([self.price(i, o), q]) for o, q in side.items()} for i, side in enumerate(self.base)
        ]
        # Template pairs: A_j (levels as (side, offset, qty)), B_j restores the base.
        self.changes: list[list[tuple[int, int, str]]] = []
        self.restores: list[list[tuple[int, int, str]]] = []
        self.bodies: list[tuple[bytes, bytes]] = []  # (A_j, B_j) as ``"b":[...],"a":[...]``
        self.increments: list[tuple[int, int]] = []  # u - U of A_j and B_j
        for _ in range(PAIRS):
            n_bids = rng.randint(8, 12)
            change: list[tuple[int, int, str]] = []
            restore: list[tuple[int, int, str]] = []
            for side_index, count in ((0, n_bids), (1, LEVELS_PER_MESSAGE - n_bids)):
                side = self.base[side_index]
                offsets: set[int] = set()
                while len(offsets) < count:
                    offsets.add(min(int(rng.expovariate(1 / 25)), 400))
                for offset in sorted(offsets):
                    if offset in side:
                        qty = ZERO if rng.random() < 0.2 else qty_text(rng)
                        restore.append((side_index, offset, side[offset]))
                    else:
                        qty = qty_text(rng)
                        restore.append((side_index, offset, ZERO))
                    change.append((side_index, offset, qty))
            self.changes.append(change)
            self.restores.append(restore)
            self.bodies.append((self._body(change), self._body(restore)))
            self.increments.append((rng.randint(0, 5), rng.randint(0, 5)))
        self.trades: list[bytes] = []  # '","p":"...","q":"...",' tails around the ids
        for _ in range(PAIRS):
            price = price_text(MID_CENTS + rng.randint(-300, 300))
            maker = "true" if rng.random() < 0.5 else "false"
            self.trades.append(f'"p":"{price}","q":"{qty_text(rng)}","T":%d,"m":{maker},"M":true}}'.encode())
        # Per symbol: messages sent so far (m), the last u, the last trade id.
        self.count: dict[str, int] = dict.fromkeys(symbols, 0)
        self.last_u: dict[str, int] = dict.fromkeys(symbols, FIRST_UPDATE_ID)
        self.trade_id: dict[str, int] = dict.fromkeys(symbols, FIRST_TRADE_ID)

    @staticmethod
    def price(side_index: int, offset: int) -> str:
        return price_text(MID_CENTS - 1 - offset if side_index == 0 else MID_CENTS + offset)

    def _body(self, levels: list[tuple[int, int, str]]) -> bytes:
        bids = [[self.price(0, o), q] for s, o, q in levels if s == 0]
        asks = [[self.price(1, o), q] for s, o, q in levels if s == 1]
        return b'"b":' + dumps(bids) + b',"a":' + dumps(asks)

    def next_depth(self, symbol: str) -> tuple[bytes, int, int]:
        """The body of the symbol's next message and its U, u (advances the symbol)."""
        m = self.count[symbol]
        pair = (m // 2) % PAIRS
        second = m & 1
        U = self.last_u[symbol] + 1
        u = U + self.increments[pair][second]
        self.count[symbol] = m + 1
        self.last_u[symbol] = u
        return self.bodies[pair][second], U, u

    def next_trade(self, symbol: str) -> tuple[bytes, int]:
        """The template of the symbol's next trade (``"T"`` left to format) and its id."""
        t = self.trade_id[symbol] + 1
        self.trade_id[symbol] = t
        return self.trades[t % PAIRS], t

    def book(self, symbol: str, top: int) -> bytes:
        """The symbol's book now as JSON: ``lastUpdateId`` and the best `top` levels a side, best first.

        The base book's levels are pre-serialised; the state after m messages differs from it in at most
        the 20 levels of one A_j, so a snapshot costs a list copy and a join, even at 5000 levels.
        """
        m = self.count[symbol]
        changes = self.changes[((m - 1) // 2) % PAIRS] if m % 2 else []
        sides = []
        for side_index in (0, 1):
            offsets = self.base_sorted[side_index]
            fragments = self.fragments[side_index]
            changed = {o: q for s, o, q in changes if s == side_index}
            if changed:
                offsets = offsets.copy()
                for offset, qty in changed.items():
                    present = offset in self.base[side_index]
                    if qty == ZERO and present:
                        offsets.remove(offset)
                    elif qty != ZERO and not present:
                        bisect.insort(offsets, offset)
            parts = [
                fragments[o] if o not in changed else dumps([self.price(side_index, o), changed[o]])
                for o in offsets[:top]
            ]
            sides.append(b",".join(parts))
        return b'{"lastUpdateId":%d,"bids":[%s],"asks":[%s]}' % (self.last_u[symbol], sides[0], sides[1])


# --------------------------------------------------------------------------- connections


class Connection:
    """One client socket: its transport, the stream names it subscribed, its format."""

    def __init__(self, transport: asyncio.Transport, writer: AbstractStreamWriter, combined: bool) -> None:
        self.transport = transport
        self.writer = writer
        self.combined = combined
        self.streams: set[str] = set()
        self.closed = False

    async def write(self, data: bytes) -> None:
        if self.closed or self.transport.is_closing():
            return
        self.transport.write(data)
        await self.writer.drain()


class Server:
    def __init__(self, market: Market) -> None:
        self.market = market
        self.known: dict[str, tuple[str, str]] = {}  # stream name -> (symbol, kind)
        for symbol in market.symbols:
            low = symbol.lower()
            self.known[f"{low}@depth@100ms"] = (symbol, "depth")
            self.known[f"{low}@depth"] = (symbol, "depth")
            self.known[f"{low}@trade"] = (symbol, "trade")
        #: (symbol, kind) -> {connection: the stream name it subscribed}
        self.subscribers: dict[tuple[str, str], dict[Connection, str]] = {}
        self.sent = {"depth": 0, "trade": 0}
        self.rest_requests = 0
        self.depth_requests = 0
        self.connections = 0
        self.steady: asyncio.Task[None] | None = None
        self.info_all = b"{}"  # set by serve()
        self.info_one = b"{}"
        self._heads: dict[tuple[str, bool, str], bytes] = {}

    # -- subscriptions -------------------------------------------------------------------------

    def subscribe(self, conn: Connection, names: list[str]) -> str | None:
        unknown = [n for n in names if n not in self.known]
        if unknown:
            return f"unknown stream(s): {unknown[:3]}"
        for name in names:
            conn.streams.add(name)
            self.subscribers.setdefault(self.known[name], {})[conn] = name
        return None

    def unsubscribe(self, conn: Connection, names: list[str]) -> None:
        for name in names:
            conn.streams.discard(name)
            key = self.known.get(name)
            if key is not None and key in self.subscribers:
                self.subscribers[key].pop(conn, None)

    def drop(self, conn: Connection) -> None:
        conn.closed = True
        self.unsubscribe(conn, list(conn.streams))

    # -- messages ------------------------------------------------------------------------------

    def head(self, name: str, combined: bool, kind: str) -> bytes:
        key = (name, combined, kind)
        head = self._heads.get(key)
        if head is None:
            event = "depthUpdate" if kind == "depth" else "trade"
            inner = b'{"e":"%s","E":' % event.encode()
            head = self._heads[key] = (
                (b'{"stream":"%s","data":' % name.encode() + inner) if combined else inner
            )
        return head

    def depth_frames(
        self, symbol: str, targets: list[tuple[Connection, str]], count: int, now_ms: int
    ) -> list[bytes]:
        """The symbol's next `count` depth messages, framed: one bytes string per target."""
        market = self.market
        sym = symbol.encode()
        parts: list[tuple[bytes, bytes, list[bytes]]] = [
            (
                self.head(name, conn.combined, "depth") + b'%d,"s":"%s","U":' % (now_ms, sym),
                b"}}" if conn.combined else b"}",
                [],
            )
            for conn, name in targets
        ]
        for _ in range(count):
            body, U, u = market.next_depth(symbol)
            ids = b'%d,"u":%d,' % (U, u)
            for pre, close, out in parts:
                out.append(frame(pre + ids + body + close))
        self.sent["depth"] += count * len(targets)
        return [b"".join(out) for _, _, out in parts]

    def trade_frames(
        self, symbol: str, targets: list[tuple[Connection, str]], count: int, now_ms: int
    ) -> list[bytes]:
        """The symbol's next `count` trades, framed: one bytes string per target."""
        market = self.market
        sym = symbol.encode()
        parts: list[tuple[bytes, dict[int, bytes], bytes, list[bytes]]] = [
            (
                self.head(name, conn.combined, "trade") + b'%d,"s":"%s","t":' % (now_ms, sym),
                {},
                b"}" if conn.combined else b"",
                [],
            )
            for conn, name in targets
        ]
        for _ in range(count):
            _, t = market.next_trade(symbol)
            tid = b"%d," % t
            j = t % PAIRS
            for pre, tails, close, out in parts:
                tail = tails.get(j)
                if tail is None:
                    tail = tails[j] = (market.trades[j] % now_ms) + close
                out.append(frame(pre + tid + tail))
        self.sent["trade"] += count * len(targets)
        return [b"".join(out) for _, _, _, out in parts]

    async def blast(self, symbol: str, kind: str, n: int) -> None:
        targets = list(self.subscribers.get((symbol, kind), {}).items())
        make = self.depth_frames if kind == "depth" else self.trade_frames
        batch = 128
        for start in range(0, n, batch):
            now_ms = int(time.time() * 1000)
            chunks = make(symbol, targets, min(batch, n - start), now_ms)
            for (conn, _), data in zip(targets, chunks, strict=True):
                await conn.write(data)

    async def run_steady(self, interval: float) -> None:
        loop = asyncio.get_running_loop()
        slot_time = interval / STEADY_SLOTS
        next_at = loop.time()
        slot = 0
        while True:
            symbols = sorted(s for (s, kind), subs in self.subscribers.items() if kind == "depth" and subs)
            now_ms = int(time.time() * 1000)
            per_conn: dict[Connection, list[bytes]] = {}
            for index in range(slot, len(symbols), STEADY_SLOTS):
                symbol = symbols[index]
                targets = list(self.subscribers[(symbol, "depth")].items())
                for (conn, _), data in zip(
                    targets, self.depth_frames(symbol, targets, 1, now_ms), strict=True
                ):
                    per_conn.setdefault(conn, []).append(data)
            for conn, frames in per_conn.items():
                await conn.write(b"".join(frames))
            slot = (slot + 1) % STEADY_SLOTS
            next_at += slot_time
            await asyncio.sleep(max(0.0, next_at - loop.time()))

    # -- HTTP ----------------------------------------------------------------------------------

    async def websocket(self, request: web.BaseRequest) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=1 << 20)
        writer = await ws.prepare(request)
        transport = request.transport
        assert transport is not None
        path = request.path
        conn = Connection(transport, writer, combined=path == "/stream")
        self.connections += 1
        if path.startswith("/ws/") and "@" in path:
            self.subscribe(conn, [n for n in path[4:].split("/") if n])
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    request_obj = json.loads(msg.data)
                    method, params, rid = (
                        request_obj["method"],
                        request_obj.get("params", []),
                        request_obj["id"],
                    )
                except (ValueError, KeyError, TypeError):
                    await conn.write(frame(b'{"error":{"code":3,"msg":"Invalid JSON"},"id":null}'))
                    continue
                if method == "SUBSCRIBE":
                    error = self.subscribe(conn, list(params))
                elif method == "UNSUBSCRIBE":
                    self.unsubscribe(conn, list(params))
                    error = None
                else:
                    error = f"unknown method {method}"
                if error is None:
                    reply = {"result": None, "id": rid}
                else:
                    reply = {"error": {"code": 2, "msg": error}, "id": rid}
                await conn.write(frame(dumps(reply)))
        finally:
            self.drop(conn)
        return ws

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self.websocket(request)
        path, query = request.path, request.query
        if path.startswith("/api/"):
            self.rest_requests += 1
        if path == "/api/v3/depth":
            self.depth_requests += 1
            symbol = query.get("symbol", "")
            if symbol not in self.market.count:
                return json_response({"code": -1121, "msg": "Invalid symbol."}, status=400)
            limit = min(int(query.get("limit", "100")), self.market.levels)
            return web.Response(body=self.market.book(symbol, limit), headers=JSON_CT)
        if path == "/api/v3/exchangeInfo":
            return web.Response(body=self.info_one if "symbol" in query else self.info_all, headers=JSON_CT)
        if path == "/api/v3/ping":
            return json_response({})
        if path == "/api/v3/time":
            return json_response({"serverTime": int(time.time() * 1000)})
        if path == "/_bench/stats":
            return json_response(
                {
                    "cpu": time.process_time(),
                    "sent": dict(self.sent),
                    "rest_requests": self.rest_requests,
                    "depth_requests": self.depth_requests,
                    "connections": self.connections,
                }
            )
        if path == "/_bench/ids":
            return json_response({"last_u": self.market.last_u, "trade_id": self.market.trade_id})
        if path == "/_bench/book":
            book = self.market.book(query["symbol"], int(query.get("top", "500")))
            return web.Response(body=book, headers=JSON_CT)
        if path == "/_bench/blast":
            symbol, kind, n = query["symbol"], query["kind"], int(query["n"])
            before = self.market.last_u[symbol] if kind == "depth" else self.market.trade_id[symbol]
            subscribers = len(self.subscribers.get((symbol, kind), {}))
            task = asyncio.ensure_future(self.blast(symbol, kind, n))
            BACKGROUND.add(task)
            task.add_done_callback(BACKGROUND.discard)
            # the ids the last message will carry: compute them by dry-run arithmetic
            if kind == "depth":
                last = before
                m = self.market.count[symbol]
                for k in range(n):
                    pair = ((m + k) // 2) % PAIRS
                    last += 1 + self.market.increments[pair][(m + k) & 1]
            else:
                last = before + n
            return json_response({"first_after": before, "last": last, "n": n, "subscribers": subscribers})
        if path == "/_bench/steady":
            if "stop" in query:
                if self.steady is not None:
                    self.steady.cancel()
                    self.steady = None
            elif self.steady is None:
                self.steady = asyncio.ensure_future(self.run_steady(float(query.get("interval", "0.1"))))
            return json_response({"steady": self.steady is not None})
        return json_response({"code": -1, "msg": f"no route {path}"}, status=404)


BACKGROUND: set[asyncio.Task[None]] = set()
JSON_CT = {"Content-Type": "application/json"}


def json_response(obj: Any, status: int = 200) -> web.Response:
    return web.Response(body=dumps(obj), status=status, headers=JSON_CT)


async def serve(symbols_n: int, levels: int) -> None:
    info = _payloads.exchange_info_obj(symbols_n)
    trading = [s for s in info["symbols"] if s["status"] == "TRADING"]
    trading.sort(key=lambda s: s["symbol"] != "BTCUSDT")  # BTCUSDT first
    info["symbols"] = trading
    symbols = [s["symbol"] for s in trading]
    server = Server(Market(symbols, levels))
    server.info_all = dumps(info)
    server.info_one = dumps(dict(info, symbols=trading[:1]))
    low = web.Server(server.handle, access_log=None)
    runner = web.ServerRunner(low, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = int(runner.addresses[0][1])
    print(json.dumps({"port": port, "symbols": symbols}), flush=True)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def watch_stdin() -> None:
        sys.stdin.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=watch_stdin, daemon=True).start()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description="market-stream server for bench_streams.py")
    parser.add_argument(
        "--symbols", type=int, default=1400, help="symbols generated (the TRADING ones are served)"
    )
    parser.add_argument("--levels", type=int, default=5000, help="levels a side in the base book")
    args = parser.parse_args()
    asyncio.run(serve(args.symbols, args.levels))


if __name__ == "__main__":
    main()
