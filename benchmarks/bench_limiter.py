"""Rate-limiter benchmark: 200 tasks against a small REQUEST_WEIGHT window of the simulator.

Run from the repository root::

    python benchmarks/bench_limiter.py                        # 1200 weight / 10 s, 4 windows, 200 tasks
    python benchmarks/bench_limiter.py --libs binance_async --window 1 --limit 120 --windows 3

For each library, in its own process with a fresh simulator (``binance_async.sim``, in that process's
event loop; every library starts with a clean IP, never banned): the simulator's only binding limit
is ``REQUEST_WEIGHT <limit> per <window> s`` (RAW_REQUESTS is generous). The client is created in
its default setup, and from the first window boundary on, ``tasks`` tasks read back to back for
``windows`` whole windows: 30% ``depth(limit=100)`` (weight 5), 70% ``ticker_price(symbol)`` (weight
2, over three symbols). At the end the tasks are cancelled. A middleware in front of the simulator
records every answer by the window it fell in, so all figures are the server's own:

* **utilisation** of a window = the weight of the requests answered 200 in it / the limit;
* **429** (rate limited) and **418** (IP banned: the simulator bans an IP that still sends after 20
  429s in one window, for 2 minutes as Binance does) answers.

Default setups: ``binance_async``: ``SpotClient(base_url=...)`` and ``exchange_info()`` at start-up
(which loads the window into its limiter); python-binance: ``AsyncClient`` plus what
``AsyncClient.create`` does (ping, server time), it has no client-side limiter; ccxt:
``ccxt.async_support.binance`` with its default throttle (``enableRateLimit=True``, ``rateLimit``
50 ms; its cost table makes that 6000 weight per minute, Binance's limit).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # the working tree's binance_async
    sys.path.insert(1, str(HERE.parent))

from _harness import parse_result, report, request_weight  # noqa: E402

LIBS: tuple[str, ...] = ("binance_async", "python-binance", "ccxt")
SYMBOLS = ("BTCUSDT", "ETHUSDT", "BNBUSDT")
DEPTH_SHARE = 0.3

Read = Callable[[random.Random], Awaitable[object]]

SETUPS: dict[str, str] = {
    "binance_async": "SpotClient defaults; exchange_info() at start-up loads the limits",
    "python-binance": "AsyncClient defaults (no client-side limiter)",
    "ccxt": "binance() defaults: enableRateLimit=True, rateLimit=50 ms",
}


@dataclass
class Config:
    window_s: int = 10
    limit: int = 1200
    windows: int = 4
    tasks: int = 200
    ban_seconds: float = 120.0  # Binance's first ban

    @property
    def window_ms(self) -> int:
        return self.window_s * 1000


@dataclass
class Window:
    ok_weight: int = 0  # weight of the requests answered 200
    max_used_header: int = 0  # highest X-MBX-USED-WEIGHT-<window> seen on a 200 answer
    statuses: Counter[int] = field(default_factory=Counter)


# --------------------------------------------------------------------------- the clients


@asynccontextmanager
async def binance_async_client(base_url: str) -> AsyncIterator[Read]:
    from binance_async import SpotClient

    async with SpotClient(base_url=base_url) as client:
        await client.exchange_info()

        async def read(rng: random.Random) -> object:
            if rng.random() < DEPTH_SHARE:
                return await client.depth("BTCUSDT", limit=100)
            return await client.ticker_price(rng.choice(SYMBOLS))

        yield read


@asynccontextmanager
async def python_binance_client(base_url: str) -> AsyncIterator[Read]:
    from binance import AsyncClient

    client = AsyncClient()
    client.API_URL = f"{base_url}/api"
    try:
        await client.ping()  # what AsyncClient.create() does
        client.timestamp_offset = (await client.get_server_time())["serverTime"] - int(time.time() * 1000)

        async def read(rng: random.Random) -> object:
            if rng.random() < DEPTH_SHARE:
                return await client.get_order_book(symbol="BTCUSDT", limit=100)
            return await client.get_symbol_ticker(symbol=rng.choice(SYMBOLS))

        yield read
    finally:
        await client.close_connection()


@asynccontextmanager
async def ccxt_client(base_url: str) -> AsyncIterator[Read]:
    from _peers import ccxt_exchange

    exchange = ccxt_exchange(base_url, rate_limit=True)  # ccxt's default
    try:

        async def read(rng: random.Random) -> object:
            if rng.random() < DEPTH_SHARE:
                return await exchange.public_get_depth({"symbol": "BTCUSDT", "limit": 100})
            return await exchange.public_get_ticker_price({"symbol": rng.choice(SYMBOLS)})

        yield read
    finally:
        await exchange.close()


CLIENTS: dict[str, Callable[[str], Any]] = {
    "binance_async": binance_async_client,
    "python-binance": python_binance_client,
    "ccxt": ccxt_client,
}


# --------------------------------------------------------------------------- one library (worker)


async def measure(lib: str, cfg: Config) -> dict[str, Any]:
    from aiohttp import web

    from binance_async.sim import LimitSpec, SimConfig, Simulator

    windows: dict[int, Window] = {}
    header = f"X-MBX-USED-WEIGHT-{cfg.window_s}S"
    limits = (
        LimitSpec("REQUEST_WEIGHT", "SECOND", cfg.window_s, cfg.limit),
        LimitSpec("RAW_REQUESTS", "MINUTE", 5, 10_000_000),
        LimitSpec("ORDERS", "SECOND", 10, 100),
        LimitSpec("ORDERS", "DAY", 1, 200_000),
    )

    class ObservedSimulator(Simulator):
        """The simulator behind a middleware recording each answer in the window it fell in."""

        def app(self) -> web.Application:
            application = super().app()
            application.middlewares.append(observe)
            return application

    @web.middleware
    async def observe(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        response = await handler(request)
        index = sim.clock.now_ms() // cfg.window_ms  # the window it was charged to
        window = windows.setdefault(index, Window())
        window.statuses[response.status] += 1
        if response.status == 200:
            window.ok_weight += request_weight(request.path, dict(request.query))
            used = response.headers.get(header)
            if used is not None:
                window.max_used_header = max(window.max_used_header, int(used))
        return response

    sim = ObservedSimulator(SimConfig(limits=limits, book_levels=100, ban_seconds=cfg.ban_seconds))

    client_counts: Counter[str] = Counter()
    async with sim, CLIENTS[lib](sim.base_url) as read:
        now = sim.clock.now_ms()
        start = (now + 200) // cfg.window_ms * cfg.window_ms + cfg.window_ms  # next boundary, >= 0.2 s away
        end = start + cfg.windows * cfg.window_ms

        async def task(n: int) -> None:
            rng = random.Random(n)
            while True:
                try:
                    await read(rng)
                    client_counts["ok"] += 1
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # counted; the server's answers are what is reported
                    client_counts[type(exc).__name__] += 1

        await asyncio.sleep((start - sim.clock.now_ms()) / 1000)
        tasks = [asyncio.create_task(task(n)) for n in range(cfg.tasks)]
        await asyncio.sleep((end - sim.clock.now_ms()) / 1000)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    full = [windows.get(i, Window()) for i in range(start // cfg.window_ms, end // cfg.window_ms)]
    per_window = [
        {
            "utilisation": round(w.ok_weight / cfg.limit, 4),
            "ok_weight": w.ok_weight,
            "max_used_header": w.max_used_header,
            "ok": w.statuses[200],
            "429": w.statuses[429],
            "418": w.statuses[418],
            "other": sum(n for s, n in w.statuses.items() if s not in (200, 429, 418)),
        }
        for w in full
    ]
    return {
        "lib": lib,
        "setup": SETUPS[lib],
        "limit": f"REQUEST_WEIGHT {cfg.limit} per {cfg.window_s} s",
        "tasks": cfg.tasks,
        "windows": per_window,
        "utilisation_mean": round(sum(w["utilisation"] for w in per_window) / len(per_window), 4),
        "utilisation_min": min(w["utilisation"] for w in per_window),
        "429": sum(w["429"] for w in per_window),
        "418": sum(w["418"] for w in per_window),
        "ok": sum(w["ok"] for w in per_window),
        "client_outcomes": dict(client_counts),
    }


# --------------------------------------------------------------------------- driver


def availability(lib: str) -> tuple[bool, str]:
    from _peers import availability as side_availability

    return side_availability(lib)


def run(libs: list[str], cfg: Config, *, log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Each library in a fresh process with a fresh simulator; skipped ones get a ``skipped`` note."""
    results: list[dict[str, Any]] = []
    for lib in libs:
        ok, version = availability(lib)
        if not ok:
            results.append({"lib": lib, "setup": SETUPS[lib], "skipped": version})
            log(f"limiter {lib:<15} skipped: {version}")
            continue
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            lib,
            "--window",
            str(cfg.window_s),
            "--limit",
            str(cfg.limit),
            "--windows",
            str(cfg.windows),
            "--tasks",
            str(cfg.tasks),
        ]
        timeout = 120 + cfg.windows * cfg.window_s * 2
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=HERE)
        result = parse_result(proc.stdout, proc.returncode, proc.stderr)
        result.setdefault("lib", lib)
        result.setdefault("setup", SETUPS[lib])
        result["version"] = version
        results.append(result)
        log(format_result(result))
    return results


def format_result(r: dict[str, Any]) -> str:
    if "skipped" in r:
        return f"limiter {r['lib']:<15} skipped: {r['skipped']}"
    if "error" in r:
        return f"limiter {r['lib']:<15} ERROR: {r['error'].strip().splitlines()[-1]}"
    utils = " ".join(f"{w['utilisation']:.0%}" for w in r["windows"])
    return (
        f"limiter {r['lib']:<15} utilisation per window {utils} (mean {r['utilisation_mean']:.1%}); "
        f"429: {r['429']}, 418: {r['418']}, 200: {r['ok']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--libs", default=",".join(LIBS), help=f"comma-separated subset of {','.join(LIBS)}")
    parser.add_argument("--window", type=int, default=10, help="window length in seconds (default 10)")
    parser.add_argument("--limit", type=int, default=1200, help="REQUEST_WEIGHT per window (default 1200)")
    parser.add_argument("--windows", type=int, default=4, help="whole windows measured (default 4)")
    parser.add_argument("--tasks", type=int, default=200, help="concurrent tasks (default 200)")
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON")
    parser.add_argument("--worker", choices=LIBS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    cfg = Config(window_s=args.window, limit=args.limit, windows=args.windows, tasks=args.tasks)
    if args.worker:
        return report(measure(args.worker, cfg))
    libs = [lib.strip() for lib in args.libs.split(",") if lib.strip()]
    unknown = [lib for lib in libs if lib not in LIBS]
    if unknown:
        parser.error(f"unknown libraries {unknown}; choose from {list(LIBS)}")
    results = run(libs, cfg)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
