"""One measurement of ``bench_streams.py`` in a fresh process, and the sides it measures.

``python _streams_sides.py '{"side": ..., "workload": ..., "port": ..., ...}'`` prints one line
``@@result {json}``. The ccxt side runs under another interpreter (ccxt's own venv), so this module
imports only aiohttp and the standard library at the top; every library is imported by its side.

Sides (`SIDES`): ``floor`` (bare aiohttp ``ws_connect`` + ``json.loads`` + a dict per side),
``binance_async`` (``SpotClient.order_book`` / ``order_books`` / ``stream``), ``python-binance``
(``DepthCacheManager``, ``trade_socket``) and ``ccxt`` (``ccxt.pro`` ``watch_order_book``,
``watch_trades``). Workloads (`WORKLOADS`): ``depth`` (one book, blasted diff-depth messages),
``trades`` (blasted trade events through the consumer's loop), ``memory`` (books loaded from
5000-level snapshots, tracemalloc), ``books`` (many books at one update per 100 ms, CPU share).
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import gc
import io
import json
import pstats
import resource
import sys
import time
import traceback
import tracemalloc
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import aiohttp

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # the working tree's binance_async
    sys.path.insert(1, str(HERE.parent))

RESULT_PREFIX = "@@result "
SIDES = ("floor", "binance_async", "binance_async[block]", "python-binance", "ccxt")
WORKLOADS = ("depth", "trades", "memory", "books")
TOP_CHECKED = 500  # levels a side compared with the server's book
Levels = list[tuple[float, float]]


class Mismatch(AssertionError):
    pass


class Control:
    """The harness routes of the server (a session of its own, outside the measured clients)."""

    def __init__(self, port: int) -> None:
        self.http = f"http://127.0.0.1:{port}"
        self.ws = f"ws://127.0.0.1:{port}"
        self.session = aiohttp.ClientSession()

    async def call(self, method: str, path: str, **params: Any) -> Any:
        async with self.session.request(method, self.http + path, params=params) as resp:
            resp.raise_for_status()
            return await resp.json()

    async def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", "/_bench/stats")
        return result

    async def blast(self, kind: str, symbol: str, n: int) -> int:
        """Have the server send `n` messages; the ``u`` (depth) or trade id the last one carries."""
        reply = await self.call("POST", "/_bench/blast", kind=kind, symbol=symbol, n=n)
        if reply["subscribers"] != 1:
            raise Mismatch(f"{reply['subscribers']} subscribers to {symbol} {kind} on the server, expected 1")
        return int(reply["last"])

    async def book(self, symbol: str) -> tuple[int, Levels, Levels]:
        doc = await self.call("GET", "/_bench/book", symbol=symbol, top=TOP_CHECKED)
        return doc["lastUpdateId"], floats(doc["bids"]), floats(doc["asks"])

    async def close(self) -> None:
        await self.session.close()


def floats(levels: Any) -> Levels:
    return [(float(p), float(q)) for p, q in levels]


def best(book: dict[Any, Any], descending: bool, n: int) -> Levels:
    """The best `n` levels of a price -> qty dict, as floats."""
    pairs = sorted(((float(p), float(q)) for p, q in book.items()), reverse=descending)
    return pairs[:n]


class Waiter:
    """A future resolved once a counter reaches a target (checked by the reader after each message)."""

    __slots__ = ("future", "target")

    def __init__(self) -> None:
        self.target = 1 << 62
        self.future: asyncio.Future[None] | None = None

    def expect(self, target: int) -> asyncio.Future[None]:
        self.target = target
        self.future = asyncio.get_running_loop().create_future()
        return self.future

    def reached(self) -> None:
        if self.future is not None and not self.future.done():
            self.future.set_result(None)


# --------------------------------------------------------------------------- the floor


class FloorBook:
    __slots__ = ("asks", "bids", "buffer", "last", "waiter")

    def __init__(self) -> None:
        self.bids: dict[str, str] = {}
        self.asks: dict[str, str] = {}
        self.last = -1  # no snapshot yet
        self.buffer: list[dict[str, Any]] = []
        self.waiter = Waiter()


class Floor:
    """Bare aiohttp: one ``ws_connect`` per 1024 streams, ``json.loads``, a dict per side per book.

    Each update: ``u`` <= the book's id is ignored, ``U`` must be the id + 1 (else: a gap, an error
    here since the server never skips), every level set or removed (zero quantity).
    """

    name = "floor"

    def __init__(self, control: Control) -> None:
        self.control = control
        self.session = aiohttp.ClientSession()
        self.sockets: list[aiohttp.ClientWebSocketResponse[bool]] = []
        self.readers: list[asyncio.Task[None]] = []
        self.books: dict[str, FloorBook] = {}  # by stream name
        self.replies: dict[int, asyncio.Future[None]] = {}
        self.ids = 0
        self.applied = 0
        self.gaps = 0
        self.trades = 0
        self.trade_gaps = 0
        self.last_trade = 0
        self.trade_waiter = Waiter()

    async def _socket(self, names: list[str]) -> None:
        ws = await self.session.ws_connect(f"{self.control.ws}/stream")
        self.sockets.append(ws)
        self.readers.append(asyncio.create_task(self._read(ws)))
        for start in range(0, len(names), 200):
            self.ids += 1
            reply = self.replies[self.ids] = asyncio.get_running_loop().create_future()
            await ws.send_str(
                json.dumps({"method": "SUBSCRIBE", "params": names[start : start + 200], "id": self.ids})
            )
            await reply

    async def _read(self, ws: aiohttp.ClientWebSocketResponse[bool]) -> None:
        loads = json.loads
        books = self.books
        async for msg in ws:
            obj = loads(msg.data)
            data = obj.get("data")
            if data is None:  # a control reply
                self.replies.pop(obj["id"]).set_result(None)
                continue
            if data["e"] == "trade":
                t = data["t"]
                if t != self.last_trade + 1 and self.last_trade:
                    self.trade_gaps += 1
                self.last_trade = t
                self.trades += 1
                if t >= self.trade_waiter.target:
                    self.trade_waiter.reached()
                continue
            book = books[obj["stream"]]
            if book.last < 0:
                book.buffer.append(data)
                continue
            self._apply(book, data)

    def _apply(self, book: FloorBook, data: dict[str, Any]) -> None:
        u = data["u"]
        last = book.last
        if u <= last:
            return
        if data["U"] != last + 1:
            self.gaps += 1
            raise Mismatch(f"gap: U={data['U']} after {last}")
        bids = book.bids
        for p, q in data["b"]:
            if float(q):
                bids[p] = q
            else:
                bids.pop(p, None)
        asks = book.asks
        for p, q in data["a"]:
            if float(q):
                asks[p] = q
            else:
                asks.pop(p, None)
        book.last = u
        self.applied += 1
        if u >= book.waiter.target:
            book.waiter.reached()

    async def open_books(self, symbols: list[str], depth: int) -> None:
        names = [f"{s.lower()}@depth@100ms" for s in symbols]
        for name in names:
            self.books[name] = FloorBook()
        for start in range(0, len(names), 1024):
            await self._socket(names[start : start + 1024])
        queue = list(zip(symbols, names, strict=True))

        async def fetch() -> None:
            while queue:
                symbol, name = queue.pop()
                url = f"{self.control.http}/api/v3/depth?symbol={symbol}&limit={depth}"
                async with self.session.get(url) as resp:
                    snapshot = json.loads(await resp.read())
                book = self.books[name]
                book.bids = {p: q for p, q in snapshot["bids"] if float(q)}
                book.asks = {p: q for p, q in snapshot["asks"] if float(q)}
                book.last = snapshot["lastUpdateId"]
                buffered, book.buffer = book.buffer, []
                for data in buffered:
                    self._apply(book, data)

        await asyncio.gather(*(fetch() for _ in range(4)))

    async def wait_book(self, symbol: str, last_u: int) -> None:
        book = self.books[f"{symbol.lower()}@depth@100ms"]
        if book.last < last_u:
            await book.waiter.expect(last_u)

    def book_state(self, symbol: str) -> tuple[int, Levels, Levels]:
        book = self.books[f"{symbol.lower()}@depth@100ms"]
        return book.last, best(book.bids, True, TOP_CHECKED), best(book.asks, False, TOP_CHECKED)

    def book_levels(self, symbol: str) -> int:
        book = self.books[f"{symbol.lower()}@depth@100ms"]
        return min(len(book.bids), len(book.asks))

    def depth_processed(self) -> int:
        return self.applied

    def resyncs(self) -> int:
        return self.gaps

    async def open_trades(self, symbol: str) -> None:
        await self._socket([f"{symbol.lower()}@trade"])

    async def wait_trades(self, last_t: int) -> None:
        if self.last_trade < last_t:
            await self.trade_waiter.expect(last_t)

    def trades_processed(self) -> tuple[int, int, int]:
        return self.trades, self.trade_gaps, self.last_trade

    async def close(self) -> None:
        for ws in self.sockets:
            await ws.close()
        for reader in self.readers:
            reader.cancel()
            with contextlib.suppress(BaseException):
                await reader
        await self.session.close()


# --------------------------------------------------------------------------- binance_async


class Ours:
    """``SpotClient`` in its default configuration, the limits loaded by ``exchange_info`` at start-up.

    ``overflow="block"`` (the ``binance_async[block]`` side, trades only): the stream's queue makes
    the socket reader wait instead of dropping the oldest event (a connection of its own).
    """

    name = "binance_async"

    def __init__(self, control: Control, overflow: str | None = None) -> None:
        from binance_async import SpotClient

        self.control = control
        self.overflow = overflow
        self.client = SpotClient(base_url=control.http, stream_url=control.ws)
        self.stack = contextlib.AsyncExitStack()
        self.books: dict[str, Any] = {}
        self.events: Any = None
        self.consumer: asyncio.Task[None] | None = None
        self.trades = 0
        self.trade_gaps = 0
        self.last_trade = 0
        self.trade_waiter = Waiter()
        self.started = False

    async def _start(self) -> None:
        if not self.started:
            self.started = True
            await self.client.exchange_info(symbol="BTCUSDT")  # the server's generous rateLimits

    async def open_books(self, symbols: list[str], depth: int) -> None:
        await self._start()
        books = await self.stack.enter_async_context(self.client.order_books(symbols, depth=depth, wait=True))
        for symbol in symbols:
            self.books[symbol] = books[symbol]

    async def wait_book(self, symbol: str, last_u: int) -> None:
        book = self.books[symbol]
        while book.last_update_id < last_u:
            await book.wait_update()

    def book_state(self, symbol: str) -> tuple[int, Levels, Levels]:
        bids, asks = self.books[symbol].levels()
        return self.books[symbol].last_update_id, floats(bids[:TOP_CHECKED]), floats(asks[:TOP_CHECKED])

    def book_levels(self, symbol: str) -> int:
        bids, asks = self.books[symbol].levels()
        return min(len(bids), len(asks))

    def depth_processed(self) -> int:
        return sum(s.events for s in self.client.stream_stats().values())

    def resyncs(self) -> int:
        return sum(b.resyncs + b.gaps + b.crossed for b in self.books.values())

    async def open_trades(self, symbol: str) -> None:
        await self._start()
        stream = self.client.stream(f"{symbol.lower()}@trade", overflow=self.overflow)  # type: ignore[arg-type]
        self.events = await self.stack.enter_async_context(stream)
        self.consumer = asyncio.create_task(self._consume())

    async def _consume(self) -> None:
        waiter = self.trade_waiter
        async for event in self.events:
            t = event.trade_id
            if t != self.last_trade + 1 and self.last_trade:
                self.trade_gaps += 1
            self.last_trade = t
            self.trades += 1
            if t >= waiter.target:
                waiter.reached()

    async def wait_trades(self, last_t: int) -> None:
        if self.last_trade < last_t:
            await self.trade_waiter.expect(last_t)

    def trades_processed(self) -> tuple[int, int, int]:
        return self.trades, self.trade_gaps, self.last_trade

    async def close(self) -> None:
        if self.consumer is not None:
            self.consumer.cancel()
            with contextlib.suppress(BaseException):
                await self.consumer
        await self.stack.aclose()
        await self.client.aclose()


# --------------------------------------------------------------------------- python-binance


class PythonBinance:
    """python-binance: ``AsyncClient`` (its ``API_URL`` pointed at the server), a
    ``BinanceSocketManager`` (its ``STREAM_URL`` pointed at the server), ``DepthCacheManager`` per book
    (``ws_interval=100``: ``<symbol>@depth@100ms``, one socket per book), ``trade_socket``. Defaults
    otherwise, except the socket manager's ``max_queue_size``: at its default, 100 messages, a socket
    whose consumer falls 100 messages behind stops reading (``BinanceWebsocketQueueOverflow``), which
    a blast does at once; `QUEUE` lets it keep up (the choice is recorded as `setup`)."""

    QUEUE = 1_000_000

    name = "python-binance"

    def __init__(self, control: Control) -> None:
        from binance import AsyncClient, BinanceSocketManager

        self.control = control
        self.client = AsyncClient()
        self.client.API_URL = f"{control.http}/api"
        self.bm = BinanceSocketManager(self.client, max_queue_size=self.QUEUE)
        self.bm.STREAM_URL = f"{control.ws}/"
        self.stack = contextlib.AsyncExitStack()
        self.managers: dict[str, Any] = {}
        self.readers: list[asyncio.Task[None]] = []
        self.applied = 0
        self.trades = 0
        self.trade_gaps = 0
        self.last_trade = 0
        self.trade_waiter = Waiter()
        self.waiters: dict[str, Waiter] = {}
        self.errors: list[str] = []

    async def open_books(self, symbols: list[str], depth: int) -> None:
        from binance import DepthCacheManager

        await self.client.ping()  # as AsyncClient.create() does
        for symbol in symbols:
            dcm = DepthCacheManager(self.client, symbol, bm=self.bm, limit=depth, ws_interval=100)
            self.managers[symbol] = await self.stack.enter_async_context(dcm)
            self.waiters[symbol] = Waiter()
            self.readers.append(asyncio.create_task(self._read(symbol)))

    async def _read(self, symbol: str) -> None:
        dcm = self.managers[symbol]
        waiter = self.waiters[symbol]
        while True:
            cache = await dcm.recv()
            if isinstance(cache, dict):  # its error message (e.g. the queue overflowed)
                self.errors.append(str(cache)[:300])
                waiter.reached()
                return
            self.applied += 1
            if dcm._last_update_id >= waiter.target:
                waiter.reached()

    async def wait_book(self, symbol: str, last_u: int) -> None:
        if self.managers[symbol]._last_update_id < last_u:
            await self.waiters[symbol].expect(last_u)
        if self.errors:
            raise Mismatch(f"python-binance: {self.errors[0]}")

    def book_state(self, symbol: str) -> tuple[int, Levels, Levels]:
        dcm = self.managers[symbol]
        cache = dcm.get_depth_cache()
        return (
            dcm._last_update_id,
            best(cache._bids, True, TOP_CHECKED),
            best(cache._asks, False, TOP_CHECKED),
        )

    def book_levels(self, symbol: str) -> int:
        cache = self.managers[symbol].get_depth_cache()
        return min(len(cache._bids), len(cache._asks))

    def depth_processed(self) -> int:
        return self.applied

    def resyncs(self) -> int:
        return 0  # counted by the server: depth requests inside the timed region

    async def open_trades(self, symbol: str) -> None:
        await self.client.ping()
        socket = await self.stack.enter_async_context(self.bm.trade_socket(symbol))
        self.readers.append(asyncio.create_task(self._read_trades(socket)))

    async def _read_trades(self, socket: Any) -> None:
        waiter = self.trade_waiter
        while True:
            msg = await socket.recv()
            if msg.get("e") == "error":
                self.errors.append(str(msg)[:300])
                waiter.reached()
                return
            t = msg["t"]
            if t != self.last_trade + 1 and self.last_trade:
                self.trade_gaps += 1
            self.last_trade = t
            self.trades += 1
            if t >= waiter.target:
                waiter.reached()

    async def wait_trades(self, last_t: int) -> None:
        if self.last_trade < last_t:
            await self.trade_waiter.expect(last_t)
        if self.errors:
            raise Mismatch(f"python-binance: {self.errors[0]}")

    def trades_processed(self) -> tuple[int, int, int]:
        return self.trades, self.trade_gaps, self.last_trade

    async def close(self) -> None:
        for reader in self.readers:
            reader.cancel()
            with contextlib.suppress(BaseException):
                await reader
        # Not `self.stack.aclose()`: each socket's exit waits until its read loop notices, which takes
        # its 10 s receive timeout, one socket after the other. The process ends here; asyncio.run
        # cancels the read loops.
        await self.client.close_connection()


# --------------------------------------------------------------------------- ccxt


class Ccxt:
    """``ccxt.pro.binance``: its Spot REST and stream URLs pointed at the server, spot markets only,
    ``enableRateLimit=False`` (its throttle would pace the snapshots: 250 cost units of 50 ms each at
    5000 levels), defaults otherwise. ``watch_order_book`` / ``watch_trades`` in a loop, as documented.
    """

    name = "ccxt"

    def __init__(self, control: Control) -> None:
        import ccxt.pro as ccxtpro

        self.control = control
        self.exchange = ccxtpro.binance(
            {
                "enableRateLimit": False,
                "options": {"fetchMarkets": {"types": ["spot"]}, "fetchCurrencies": False},
            }
        )
        self.exchange.urls["api"]["public"] = f"{control.http}/api/v3"
        self.exchange.urls["api"]["ws"]["spot"] = f"{control.ws}/stream/ws"  # '/stream': a spot URL to ccxt
        self.symbols: dict[str, str] = {}
        self.limit = 1000
        self.trades = 0
        self.trade_gaps = 0
        self.last_trade = 0
        self.trade_symbol = ""
        self.first_call: asyncio.Future[Any] | None = None

    async def _unified(self, symbol: str) -> str:
        if self.exchange.markets is None:
            await self.exchange.load_markets()
        unified: str = self.exchange.markets_by_id[symbol][0]["symbol"]
        self.symbols[symbol] = unified
        return unified

    async def open_books(self, symbols: list[str], depth: int) -> None:
        self.limit = depth
        for symbol in symbols:
            await self.exchange.watch_order_book(await self._unified(symbol), depth)

    async def wait_book(self, symbol: str, last_u: int) -> None:
        unified = self.symbols[symbol]
        book = self.exchange.orderbooks[unified]
        while book["nonce"] < last_u:
            await self.exchange.watch_order_book(unified, self.limit)
            book = self.exchange.orderbooks[unified]

    def book_state(self, symbol: str) -> tuple[int, Levels, Levels]:
        book = self.exchange.orderbooks[self.symbols[symbol]]
        bids = [(float(p), float(q)) for p, q in book["bids"][:TOP_CHECKED]]
        asks = [(float(p), float(q)) for p, q in book["asks"][:TOP_CHECKED]]
        return int(book["nonce"]), bids, asks

    def book_levels(self, symbol: str) -> int:
        book = self.exchange.orderbooks[self.symbols[symbol]]
        return min(len(book["bids"]), len(book["asks"]))

    def depth_processed(self) -> int | None:
        return None  # not counted; each update's U = nonce + 1 is checked by ccxt itself

    def resyncs(self) -> int:
        return 0  # counted by the server: depth requests inside the timed region

    async def open_trades(self, symbol: str) -> None:
        self.trade_symbol = await self._unified(symbol)
        task = asyncio.ensure_future(self.exchange.watch_trades(self.trade_symbol))
        await asyncio.sleep(0.5)  # subscribed: the first call returns with the first trades
        self.first_call = task

    async def wait_trades(self, last_t: int) -> None:
        while self.last_trade < last_t:
            if self.first_call is not None:
                trades = await self.first_call
                self.first_call = None
            else:
                trades = await self.exchange.watch_trades(self.trade_symbol)
            for trade in trades:
                t = int(trade["id"])
                if t != self.last_trade + 1 and self.last_trade:
                    self.trade_gaps += 1
                self.last_trade = t
                self.trades += 1

    def trades_processed(self) -> tuple[int, int, int]:
        return self.trades, self.trade_gaps, self.last_trade

    async def close(self) -> None:
        await self.exchange.close()


SIDE_CLASSES: dict[str, Any] = {
    "floor": Floor,
    "binance_async": Ours,
    "binance_async[block]": lambda control: Ours(control, overflow="block"),
    "python-binance": PythonBinance,
    "ccxt": Ccxt,
}


# --------------------------------------------------------------------------- workloads


class Region:
    """The timed region: wall and process CPU time, and a cProfile of it when asked (``profile``)."""

    def __init__(self, profile: bool) -> None:
        self.profiler = cProfile.Profile() if profile else None
        self.text = ""

    def __enter__(self) -> Region:
        gc.collect()
        self.c0, self.t0 = time.process_time(), time.perf_counter()
        if self.profiler is not None:
            self.profiler.enable()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.profiler is not None:
            self.profiler.disable()
        self.wall, self.cpu = time.perf_counter() - self.t0, time.process_time() - self.c0
        if self.profiler is not None:
            out = io.StringIO()
            pstats.Stats(self.profiler, stream=out).sort_stats("tottime").print_stats(20)
            self.text = out.getvalue()


async def settle(waiting: Awaitable[None], timeout: float = 120.0) -> None:
    """`waiting`, or `Mismatch` if the side has not caught up within `timeout` (a stalled reader)."""
    try:
        await asyncio.wait_for(waiting, timeout)
    except asyncio.TimeoutError:
        raise Mismatch(f"the side did not catch up within {timeout:.0f} s") from None


async def depth(side: Any, control: Control, spec: dict[str, Any]) -> dict[str, Any]:
    """One book, `n` diff-depth messages of 20 levels blasted; until the book is at the last ``u``."""
    symbol, n = spec["symbol"], spec["n"]
    await side.open_books([symbol], spec["book_depth"])
    await settle(side.wait_book(symbol, await control.blast("depth", symbol, spec["warm"])))
    before = await control.stats()
    processed = side.depth_processed()
    with Region(spec.get("profile", False)) as timed:
        last_u = await control.blast("depth", symbol, n)
        await settle(side.wait_book(symbol, last_u))
    wall, used = timed.wall, timed.cpu
    after = await control.stats()
    result = region(before, after, wall, "depth")
    result.update(msgs_per_s=n / wall, cpu_us_per_msg=used / n * 1e6, n=n)
    result["processed"] = None if processed is None else side.depth_processed() - processed
    result["resyncs"] = side.resyncs() + after["depth_requests"] - before["depth_requests"]
    result["book_equal"] = await same_book(side, control, symbol, last_u)
    if timed.text:
        result["profile"] = timed.text
    return result


def region(before: dict[str, Any], after: dict[str, Any], wall: float, kind: str) -> dict[str, Any]:
    return {
        "wall_s": wall,
        "server_sent": after["sent"][kind] - before["sent"][kind],
        "server_cpu_util": (after["cpu"] - before["cpu"]) / wall,
    }


async def same_book(side: Any, control: Control, symbol: str, last_u: int) -> bool:
    server_u, bids, asks = await control.book(symbol)
    ours_u, our_bids, our_asks = side.book_state(symbol)
    if (ours_u, our_bids, our_asks) != (server_u, bids, asks):
        detail = (
            f"u {ours_u} vs server {server_u}; bids equal {our_bids == bids}, asks equal {our_asks == asks}"
        )
        raise Mismatch(f"{symbol}: the book differs from the server's: {detail}")
    return server_u == last_u


async def trades(side: Any, control: Control, spec: dict[str, Any]) -> dict[str, Any]:
    """`n` trade events blasted; until the consumer has seen the last trade id."""
    symbol, n = spec["symbol"], spec["n"]
    await side.open_trades(symbol)
    await settle(side.wait_trades(await control.blast("trade", symbol, spec["warm"])))
    before = await control.stats()
    count0, gaps0, _ = side.trades_processed()
    with Region(spec.get("profile", False)) as timed:
        last_t = await control.blast("trade", symbol, n)
        await settle(side.wait_trades(last_t))
    wall, used = timed.wall, timed.cpu
    after = await control.stats()
    count1, gaps1, last_seen = side.trades_processed()
    result = region(before, after, wall, "trade")
    result.update(msgs_per_s=n / wall, cpu_us_per_msg=used / n * 1e6, n=n)
    result.update(processed=count1 - count0, gaps=gaps1 - gaps0, last_equal=last_seen == last_t)
    result["delivered_per_s"] = result["processed"] / wall
    if timed.text:
        result["profile"] = timed.text
    return result


async def memory(side: Any, control: Control, spec: dict[str, Any]) -> dict[str, Any]:
    """``n_books`` books from 5000-level snapshots: what they keep (tracemalloc), per book.

    One book is opened first, untraced (imports, the connection, first-use caches); the rest are
    traced from their opening to all being ready, after a ``gc.collect()``.
    """
    symbols, levels = spec["symbols"], spec["book_depth"]
    await side.open_books(symbols[:1], levels)
    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    await side.open_books(symbols[1:], levels)
    wall = time.perf_counter() - t0
    gc.collect()
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    n = len(symbols) - 1
    short = [s for s in symbols if side.book_levels(s) != levels]
    if short:
        raise Mismatch(f"{len(short)} books without {levels} levels a side (e.g. {short[0]})")
    return {"books": n, "kb_per_book": kept / n / 1024, "peak_kb_per_book": peak / n / 1024, "wall_s": wall}


async def books(side: Any, control: Control, spec: dict[str, Any]) -> dict[str, Any]:
    """``n_books`` books, each sent one 20-level update every 100 ms over the shared connections:
    the client process's CPU share over ``seconds``."""
    symbols, seconds = spec["symbols"], spec["seconds"]
    t_open = time.perf_counter()
    await side.open_books(symbols, spec["book_depth"])
    opening = time.perf_counter() - t_open
    await control.call("POST", "/_bench/steady", interval=0.1)
    await asyncio.sleep(spec["warm_s"])
    before = await control.stats()
    processed = side.depth_processed()
    with Region(spec.get("profile", False)) as timed:
        await asyncio.sleep(seconds)
    used, wall = timed.cpu, timed.wall
    processed = None if processed is None else side.depth_processed() - processed
    after = await control.stats()
    await control.call("POST", "/_bench/steady", stop=1)
    ids = (await control.call("GET", "/_bench/ids"))["last_u"]
    for symbol in symbols:  # every book catches up with the last update sent
        await settle(side.wait_book(symbol, ids[symbol]))
    result = region(before, after, wall, "depth")
    result.update(cpu_share=used / wall, opening_s=opening, books=len(symbols), processed=processed)
    result["msgs_per_s"] = result["server_sent"] / wall
    result["cpu_us_per_msg"] = used / max(result["server_sent"], 1) * 1e6
    result["resyncs"] = side.resyncs() + after["depth_requests"] - before["depth_requests"]
    for symbol in (symbols[0], symbols[len(symbols) // 2], symbols[-1]):
        await same_book(side, control, symbol, ids[symbol])
    result["book_equal"] = True
    if timed.text:
        result["profile"] = timed.text
    return result


WORKLOAD_FUNCTIONS = {"depth": depth, "trades": trades, "memory": memory, "books": books}


async def measure(spec: dict[str, Any]) -> dict[str, Any]:
    control = Control(spec["port"])
    side = SIDE_CLASSES[spec["side"]](control)
    try:
        result: dict[str, Any] = await WORKLOAD_FUNCTIONS[spec["workload"]](side, control, spec)
    finally:
        with contextlib.suppress(Exception):
            await side.close()
        await control.close()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> int:
    spec = json.loads(sys.argv[1])
    try:
        result = asyncio.run(measure(spec))
    except BaseException:
        result = {"error": traceback.format_exc()[-3000:]}
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main())
