"""The embedded simulator (`binance_async.sim.Simulator`) in a process of its own, for ``bench_ws_api.py``.

``python _ws_api_server.py [--markets 100]`` binds 127.0.0.1 on an ephemeral port and prints one JSON
line once it serves: the port, an HMAC key and its secret, an Ed25519 key with its private key (PEM,
generated for this process; the simulator knows the public key), both trading for the same account,
and the markets. It stops when its stdin is closed (so it cannot outlive the harness) or on SIGTERM.

The simulator is the library's own, unchanged, with roomy rate limits (so no limiter in the client or the
simulator paces anything) and roomy balances; its markets are seeded and its start-up objects frozen out
of the cyclic GC before it serves. In front of it, not Binance, routes the harness and the
workers read outside their timed regions:

* ``GET /_bench/stats``: the process's CPU time, the orders and trades the engine holds (every symbol,
  every account), the HTTP requests served (these routes left out) and the WebSocket API's requests and
  messages sent;
* ``POST /_bench/burst?n=N&chunk=C``: N MARKET orders (BUY and SELL in turn, 0.0002 of a market, going
  round the markets) placed straight into the engine for the account, C at a time, the loop free between
  chunks so that the user data streams' writers send meanwhile; answers the orders and fills made;
* ``POST /_bench/profile?action=start|stop``: cProfile of this process between the two (``stop`` answers
  the top of the list as text).

``_ws_api_local_server.py`` (the local server) reuses this module's markets, keys, start-up line and
command line (`config`, `new_ed25519`, `Profiler`, `hello`, `main`), so the harness drives both alike.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # the working tree's binance_async
    sys.path.insert(1, str(HERE.parent))

from _harness import profile_text, serve_until_stopped  # noqa: E402
from aiohttp import web  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: E402

from binance_async.sim import ApiKey, LimitSpec, SimConfig, Simulator  # noqa: E402
from binance_async.sim.config import DEFAULT_SYMBOLS, SymbolSpec, generated_key  # noqa: E402
from binance_async.sim.records import NewOrder  # noqa: E402
from binance_async.sim.values import Side  # noqa: E402

ACCOUNT = "default"
QUANTITY = Decimal("0.0002")
#: The markets the orders go round (BTCUSDT's filters and prices under other names): the simulator's
#: order checks scan the symbol's orders (MAX_NUM_ORDERS, a client order id in use), so that a symbol's
#: thousands of orders would make its every order slower; spread over 100 markets (``--markets``), each
#: holds few.
MARKETS = 100
ED25519_KEY = "ed25519" * 9 + "k"  # 64 characters, as Binance's keys

LIMITS = (
    LimitSpec("REQUEST_WEIGHT", "MINUTE", 1, 100_000_000),
    LimitSpec("RAW_REQUESTS", "MINUTE", 5, 100_000_000),
    LimitSpec("ORDERS", "SECOND", 10, 100_000_000),
    LimitSpec("ORDERS", "DAY", 1, 100_000_000),
)


def market_names(count: int) -> list[str]:
    return [f"BT{i:03d}USDT" for i in range(count)]


def balances(names: list[str]) -> dict[str, Decimal]:
    roomy = {
        "USDT": Decimal("100000000"),
        "BTC": Decimal("1000"),
        "ETH": Decimal("1000"),
        "BNB": Decimal("1000"),
    }
    return {**roomy, **{name[:-4]: Decimal("1000") for name in names}}


def symbols(names: list[str]) -> tuple[SymbolSpec, ...]:
    """Ours first: the simulator's last configured symbol is the one that never had a reference price."""
    btc = DEFAULT_SYMBOLS[0]
    ours = tuple(replace(btc, symbol=name, base_asset=name[:-4]) for name in names)
    return (*ours, *DEFAULT_SYMBOLS)


def new_ed25519() -> tuple[str, str]:
    """A fresh Ed25519 key pair: the private key (PKCS8 PEM) and the public key (SubjectPublicKeyInfo PEM)."""
    private = ed25519.Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


def config(names: list[str], hmac_key: ApiKey, public_pem: str) -> SimConfig:
    """The simulator's configuration: the markets, roomy limits and balances, both keys on one account."""
    return SimConfig(
        symbols=symbols(names),
        limits=LIMITS,
        balances=balances(names),
        api_keys=[hmac_key, ApiKey(ED25519_KEY, public_key_pem=public_pem, account=ACCOUNT)],
    )


class Profiler:
    """cProfile of this process between ``start`` and ``stop`` (``POST /_bench/profile?action=...``)."""

    def __init__(self) -> None:
        self.profiler: cProfile.Profile | None = None

    def control(self, action: str) -> str:
        if action == "start":
            self.profiler = cProfile.Profile()
            self.profiler.enable()
            return "started"
        if self.profiler is None:
            return "not started"
        self.profiler.disable()
        text = profile_text(self.profiler)
        self.profiler = None
        return text


def hello(base_url: str, hmac_key: ApiKey, private_pem: str, names: list[str]) -> dict[str, Any]:
    """The start-up line the harness reads: where, both keys (the Ed25519 one's private key), the markets."""
    return {
        "base_url": base_url,
        "api_key": hmac_key.key,
        "api_secret": hmac_key.hmac_secret,
        "ed25519_key": ED25519_KEY,
        "ed25519_private_pem": private_pem,
        "symbols": names,
        "quantity": str(QUANTITY),
    }


def main(serve: Callable[[int], Coroutine[Any, Any, None]], description: str | None) -> None:
    """The command line of either server: ``serve(--markets)`` until stopped."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--markets", type=int, default=MARKETS, help="markets the orders go round")
    asyncio.run(serve(parser.parse_args().markets))


class BenchSimulator(Simulator):
    """The simulator with the ``/_bench/`` routes in front of its dispatch."""

    def __init__(self, config: SimConfig, markets: list[str]) -> None:
        super().__init__(config)
        self.markets = markets
        self.http_requests = 0
        self.profiler = Profiler()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith("/_bench/"):
            return await self._bench(request)
        self.http_requests += 1
        return await super()._dispatch(request)

    def counts(self) -> tuple[int, int]:
        """Orders and trades in the engine (every symbol, every account)."""
        states = self.engine.matcher.symbols.values()
        return sum(len(s.orders) for s in states), sum(len(s.trades) for s in states)

    async def _bench(self, request: web.Request) -> web.Response:
        if request.path == "/_bench/stats":
            orders, trades = self.counts()
            counters = self.ws_api.counters
            return web.json_response(
                {
                    "cpu": time.process_time(),
                    "orders": orders,
                    "trades": trades,
                    "http_requests": self.http_requests,
                    "ws_requests": counters.requests,
                    "ws_messages_sent": counters.messages_sent,
                    "ws_opened": counters.opened,
                }
            )
        if request.path == "/_bench/burst":
            return web.json_response(await self.burst(int(request.query["n"]), int(request.query["chunk"])))
        if request.path == "/_bench/profile":
            return web.Response(text=self.profiler.control(request.query["action"]))
        return web.Response(status=404)

    async def burst(self, n: int, chunk: int) -> dict[str, float]:
        place = self.engine.place
        markets = self.markets
        orders = fills = 0
        c0, t0 = time.process_time(), time.perf_counter()
        while orders < n:
            for _ in range(min(chunk, n - orders)):
                side: Side = "BUY" if orders % 2 == 0 else "SELL"
                symbol = markets[orders // 2 % len(markets)]
                result = place(ACCOUNT, NewOrder(symbol=symbol, side=side, type="MARKET", quantity=QUANTITY))
                if result.order.status != "FILLED":
                    raise RuntimeError(f"a burst order is {result.order.status}")
                fills += len(result.fills)
                orders += 1
            await asyncio.sleep(0)  # the connections' writers send what the engine told
        return {
            "orders": orders,
            "fills": fills,
            "engine_s": time.perf_counter() - t0,
            "engine_cpu_s": time.process_time() - c0,
        }


async def serve(count: int) -> None:
    names = market_names(count)
    private_pem, public_pem = new_ed25519()
    hmac_key = generated_key()
    sim = BenchSimulator(config(names, hmac_key, public_pem), names)
    for symbol in names:  # seeded now (a day of trades, the book) rather than by a timed order
        sim.market.tape(symbol)
        sim.market.book(symbol)
    # A day of trades for 100 markets is ~1M objects: out of the cyclic GC's sight, or a full collection
    # in a timed region stalls every order in flight for tens of milliseconds.
    gc.collect()
    gc.freeze()
    base_url = await sim.start("127.0.0.1", 0)
    try:
        await serve_until_stopped(hello(base_url, hmac_key, private_pem, names))
    finally:
        await sim.stop()


if __name__ == "__main__":
    main(serve, __doc__)
