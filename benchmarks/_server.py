"""Local Binance-like HTTP server for the benchmark, run in its own process.

Started by ``bench_pipeline.py`` and ``run.py`` as ``python _server.py``; binds 127.0.0.1 on an
ephemeral port and prints one JSON line ``{"port": ..., "sizes": {...}}`` on stdout once it is
ready.  It stops when its stdin is closed (so it cannot outlive the parent) or on SIGTERM.

Routes (all bodies pre-serialised once at start-up, ``Content-Type: application/json``):

* ``GET /api/v3/ping``, ``GET /api/v3/time``, ``GET /api/v3/exchangeInfo`` (with any query, e.g.
  ``?symbol=BTCUSDT``: a one-symbol body with the same ``rateLimits``),
  ``GET /api/v3/ticker/price``, ``GET /api/v3/depth``
* ``POST /api/v3/order/test`` and ``GET /api/v3/account`` (signed) -- check ``X-MBX-APIKEY``, the
  HMAC-SHA256 signature (query string concatenated with the body, as Binance does) and the
  timestamp/recvWindow; return ``{}`` / an account with a few dozen balances.
* ``GET /_bench/stats`` -- not Binance: the server's own CPU time and request counters, read by the
  harness outside the timed regions to show whether the server was the bottleneck.

Every Binance response carries ``X-MBX-USED-WEIGHT-1M`` with the weight used in the current fixed
one-minute window, counted with the documented endpoint weights.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import _payloads
from _harness import depth_weight, serve_until_stopped
from aiohttp import web
from aiohttp.web_protocol import RequestHandler

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]

JSON_CT = "application/json"
WEIGHT_HEADER = "X-MBX-USED-WEIGHT-1M"


class Stats:
    """Fixed-window request-weight counter plus benchmark bookkeeping."""

    def __init__(self) -> None:
        self.window = -1
        self.used = 0
        self.requests = 0
        self.errors = 0
        self.connections = 0  # TCP connections accepted

    def charge(self, weight: int) -> dict[str, str]:
        window = int(time.time()) // 60
        if window != self.window:
            self.window = window
            self.used = 0
        self.used += weight
        self.requests += 1
        return {"Content-Type": JSON_CT, WEIGHT_HEADER: str(self.used)}


class CountingServer(web.Server):
    """``web.Server`` that counts accepted connections (to spot a client that does not reuse them)."""

    def __init__(self, handler: Handler, stats: Stats, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.stats = stats

    def connection_made(self, handler: RequestHandler, transport: asyncio.Transport) -> None:
        self.stats.connections += 1
        super().connection_made(handler, transport)


def make_handler(payloads: _payloads.Payloads, api_key: str, api_secret: str, stats: Stats) -> Handler:
    """One low-level aiohttp handler dispatching on (method, path).

    ``aiohttp.web.Server`` without an ``Application`` skips routing/middleware machinery, which keeps
    the server's per-request CPU low so that the client, not the server, is what gets measured.
    """
    secret = api_secret.encode()

    def static(body: bytes, weight: int) -> Handler:
        async def handler(request: web.BaseRequest) -> web.Response:
            return web.Response(body=body, headers=stats.charge(weight))

        return handler

    async def server_time(request: web.BaseRequest) -> web.Response:
        body = b'{"serverTime":%d}' % int(time.time() * 1000)
        return web.Response(body=body, headers=stats.charge(1))

    async def depth(request: web.BaseRequest) -> web.Response:
        try:
            limit = int(request.query.get("limit", "100"))
        except ValueError:
            limit = 100
        return web.Response(body=payloads.depth, headers=stats.charge(depth_weight(limit)))

    def error(status: int, code: int, msg: str, weight: int) -> web.Response:
        stats.errors += 1
        body = json.dumps({"code": code, "msg": msg}, separators=(",", ":")).encode()
        return web.Response(status=status, body=body, headers=stats.charge(weight))

    async def verify(request: web.BaseRequest) -> web.Response | None:
        """None if the API key, signature and timestamp are right, else the error response."""
        if request.headers.get("X-MBX-APIKEY") != api_key:
            return error(401, -2015, "Invalid API-key, IP, or permissions for action.", 1)
        query = request.query_string.encode()
        body = await request.read()
        # Binance signs "query string concatenated with body"; the signature may sit in either.
        payload, signature = b"", b""
        for part in (query, body):
            head, sep, sig = part.rpartition(b"signature=")
            if sep:
                signature = sig
                part = head[:-1] if head.endswith(b"&") else head
            payload += part
        expected = hmac.new(secret, payload, hashlib.sha256).hexdigest().encode()
        if not hmac.compare_digest(expected, signature.lower()):
            return error(400, -1022, "Signature for this request is not valid.", 1)
        ts = _param(payload, b"timestamp")
        if ts is None:
            return error(400, -1102, "Mandatory parameter 'timestamp' was not sent.", 1)
        recv_window = _param(payload, b"recvWindow") or 5000.0
        now = time.time() * 1000
        if ts >= now + 1000 or now - ts > recv_window:
            return error(400, -1021, "Timestamp for this request is outside of the recvWindow.", 1)
        return None

    def signed(body: bytes, weight: int) -> Handler:
        async def handler(request: web.BaseRequest) -> web.Response:
            refused = await verify(request)
            if refused is not None:
                return refused
            return web.Response(body=body, headers=stats.charge(weight))

        return handler

    async def exchange_info(request: web.BaseRequest) -> web.Response:
        # ?symbol=... (any query) gets the one-symbol body, with the same rateLimits.
        body = payloads.exchange_info_one if request.query_string else payloads.exchange_info
        return web.Response(body=body, headers=stats.charge(20))

    async def bench_stats(request: web.BaseRequest) -> web.Response:
        body = json.dumps(
            {
                "cpu": time.process_time(),
                "requests": stats.requests,
                "errors": stats.errors,
                "connections": stats.connections,
                "used_weight_1m": stats.used,
            }
        ).encode()
        return web.Response(body=body, content_type=JSON_CT)

    routes: dict[tuple[str, str], Handler] = {
        ("GET", "/api/v3/ping"): static(payloads.ping, 1),
        ("GET", "/api/v3/time"): server_time,
        ("GET", "/api/v3/exchangeInfo"): exchange_info,
        ("GET", "/api/v3/ticker/price"): static(payloads.ticker_price, 2),
        ("GET", "/api/v3/depth"): depth,
        ("POST", "/api/v3/order/test"): signed(payloads.order_test, 1),
        ("GET", "/api/v3/account"): signed(payloads.account, 20),
        ("GET", "/_bench/stats"): bench_stats,
    }

    async def dispatch(request: web.BaseRequest) -> web.StreamResponse:
        route = routes.get((request.method, request.path))
        if route is None:
            return error(404, -1000, f"Unknown route {request.method} {request.path}", 1)
        return await route(request)

    return dispatch


def _param(payload: bytes, name: bytes) -> float | None:
    """Cheap lookup of one numeric form parameter (no full parse of the query string)."""
    start = 0
    key = name + b"="
    while True:
        i = payload.find(key, start)
        if i < 0:
            return None
        if i == 0 or payload[i - 1 : i] == b"&":
            end = payload.find(b"&", i)
            raw = payload[i + len(key) : end if end >= 0 else len(payload)]
            try:
                return float(raw)
            except ValueError:
                return None
        start = i + 1


async def serve(args: argparse.Namespace) -> None:
    payloads = _payloads.build(n_symbols=args.symbols, depth_levels=args.depth_levels)
    stats = Stats()
    handler = make_handler(payloads, _payloads.API_KEY, _payloads.API_SECRET, stats)
    server = CountingServer(handler, stats, access_log=None)
    runner = web.ServerRunner(server, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.port)
    await site.start()
    port = int(runner.addresses[0][1])
    sizes = {
        "ticker_price": len(payloads.ticker_price),
        "depth": len(payloads.depth),
        "exchange_info": len(payloads.exchange_info),
        "exchange_info_one": len(payloads.exchange_info_one),
        "account": len(payloads.account),
    }
    try:
        await serve_until_stopped({"port": port, "sizes": sizes, "n_symbols": payloads.n_symbols})
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--symbols", type=int, default=_payloads.DEFAULT_SYMBOLS)
    parser.add_argument("--depth-levels", type=int, default=_payloads.DEFAULT_DEPTH_LEVELS)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
