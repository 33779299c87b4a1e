"""End-to-end request pipeline benchmark: ``binance_async.SpotClient`` vs. a bare aiohttp "floor".

Run from the repository root::

    python benchmarks/bench_pipeline.py                   # all scenarios, 5 runs
    python benchmarks/bench_pipeline.py --runs 3 --scenarios ticker,depth --json out.json
    python benchmarks/bench_pipeline.py --profile ticker  # + cProfile of one "ours" ticker pass

A Binance-like aiohttp.web server (``_server.py``) runs in a separate process on 127.0.0.1 with an
ephemeral port.  For every run and scenario the floor and our client are measured back to back in
this process (the order alternates between runs); the summary reports medians over the runs.
See README.md for what exactly is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import hashlib
import hmac
import io
import json
import os
import platform
import pstats
import statistics
import sys
import time
import traceback
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Benchmark the working tree's library, not whatever may be installed elsewhere.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import _payloads  # noqa: E402
import aiohttp  # noqa: E402
from _harness import ORDER, ServerProcess, drive  # noqa: E402

Call = Callable[[], Awaitable[object]]
SideFactory = Callable[[str, str, int, int], AbstractAsyncContextManager[Call]]

CONNECTOR_LIMIT = 100  # aiohttp's TCPConnector default, which our client uses too


@dataclass(frozen=True)
class Scenario:
    name: str
    requests: int
    concurrency: int
    target: float  # required ours/floor req/s ratio
    description: str


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("ticker", 2000, 100, 1.0, "GET /api/v3/ticker/price?symbol=BTCUSDT"),
        Scenario("depth", 200, 20, 1.8, "GET /api/v3/depth?symbol=BTCUSDT&limit=5000"),
        Scenario("exchange_info", 20, 1, 3.0, "GET /api/v3/exchangeInfo"),
        Scenario("order_test", 1000, 50, 1.0, "signed POST /api/v3/order/test"),
    )
}


@dataclass
class Measurement:
    run: int
    scenario: str
    side: str
    requests: int
    concurrency: int
    wall_s: float
    req_per_s: float
    cpu_us_per_req: float
    server_cpu_util: float  # server-process CPU seconds / wall seconds (1.0 = one core saturated)
    server_requests: int  # requests the server saw during the timed region
    server_errors: int
    new_connections: int  # TCP connections the server accepted during the timed region


@dataclass
class Summary:
    scenario: str
    target: float
    floor_req_s: float
    floor_cpu_us: float
    floor_server_cpu: float
    ours_req_s: float | None = None
    ours_cpu_us: float | None = None
    ours_server_cpu: float | None = None
    ratio_req_s: float | None = None  # median over runs of (ours req/s / floor req/s)
    ratio_cpu: float | None = None  # median over runs of (floor cpu/req / ours cpu/req)
    met: bool | None = None
    run_ratios: list[float] = field(default_factory=list)  # ours/floor req/s, per run
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- the floor


@asynccontextmanager
async def floor_side(base_url: str, scenario: str, n_symbols: int, depth_levels: int) -> AsyncIterator[Call]:
    """Bare aiohttp: ``session.get(url)`` + ``await resp.read()`` + ``json.loads``."""
    connector = aiohttp.TCPConnector(limit=CONNECTOR_LIMIT)
    async with aiohttp.ClientSession(connector=connector) as session:
        call: Call
        if scenario in ("ticker", "depth", "exchange_info"):
            url = {
                "ticker": f"{base_url}/api/v3/ticker/price?symbol=BTCUSDT",
                "depth": f"{base_url}/api/v3/depth?symbol=BTCUSDT&limit=5000",
                "exchange_info": f"{base_url}/api/v3/exchangeInfo",
            }[scenario]

            async def call() -> object:
                async with session.get(url) as resp:
                    body = await resp.read()
                    if resp.status != 200:
                        raise RuntimeError(f"HTTP {resp.status}: {body[:200]!r}")
                    return json.loads(body)

        elif scenario == "order_test":
            url = f"{base_url}/api/v3/order/test"
            secret = _payloads.API_SECRET.encode()
            headers = {
                "X-MBX-APIKEY": _payloads.API_KEY,
                "Content-Type": "application/x-www-form-urlencoded",
            }

            async def call() -> object:
                params = {**ORDER, "recvWindow": 5000, "timestamp": int(time.time() * 1000)}
                query = urllib.parse.urlencode(params)
                signature = hmac.new(secret, query.encode(), hashlib.sha256).hexdigest()
                data = f"{query}&signature={signature}".encode()
                async with session.post(url, data=data, headers=headers) as resp:
                    body = await resp.read()
                    if resp.status != 200:
                        raise RuntimeError(f"HTTP {resp.status}: {body[:200]!r}")
                    return json.loads(body)

        else:
            raise ValueError(f"unknown scenario {scenario!r}")

        first = await call()  # warm-up (untimed)
        ok = True
        if scenario == "exchange_info" and isinstance(first, dict):
            ok = len(first["symbols"]) == n_symbols
        elif scenario == "depth" and isinstance(first, dict):
            ok = len(first["bids"]) == len(first["asks"]) == depth_levels
        if not ok:
            raise RuntimeError(f"floor warm-up: unexpected {scenario} payload")
        del first  # time the pipeline, not the GC cost of keeping warm-up results alive
        yield call


# --------------------------------------------------------------------------- measuring


async def measure(
    factory: SideFactory,
    side: str,
    run: int,
    sc: Scenario,
    server: ServerProcess,
    n_symbols: int,
    depth_levels: int,
    profiler: cProfile.Profile | None = None,
) -> Measurement:
    async with factory(server.base_url, sc.name, n_symbols, depth_levels) as call:
        before = server.stats()
        gc.collect()
        if profiler is not None:
            profiler.enable()
        c0 = time.process_time()
        t0 = time.perf_counter()
        await drive(call, sc.requests, sc.concurrency)
        wall = time.perf_counter() - t0
        cpu = time.process_time() - c0
        if profiler is not None:
            profiler.disable()
        after = server.stats()
    return Measurement(
        run=run,
        scenario=sc.name,
        side=side,
        requests=sc.requests,
        concurrency=sc.concurrency,
        wall_s=wall,
        req_per_s=sc.requests / wall,
        cpu_us_per_req=cpu / sc.requests * 1e6,
        server_cpu_util=(after["cpu"] - before["cpu"]) / wall,
        server_requests=after["requests"] - before["requests"],
        server_errors=after["errors"] - before["errors"],
        new_connections=after["connections"] - before["connections"] - 1,  # minus the stats call
    )


def fmt_m(m: Measurement) -> str:
    extra = ""
    if m.server_requests != m.requests:
        extra += f"  [server saw {m.server_requests} requests]"
    if m.server_errors:
        extra += f"  [{m.server_errors} server-side errors]"
    return (
        f"run {m.run} {m.scenario:<13} {m.side:<5} {m.req_per_s:>9,.1f} req/s  "
        f"{m.cpu_us_per_req:>9,.1f} us CPU/req  server CPU {m.server_cpu_util:>4.0%}  "
        f"new conns {m.new_connections:>3}{extra}"
    )


def summarise(scenarios: list[Scenario], ms: list[Measurement]) -> list[Summary]:
    out: list[Summary] = []
    med = statistics.median
    for sc in scenarios:
        floor = [m for m in ms if m.scenario == sc.name and m.side == "floor"]
        ours = {m.run: m for m in ms if m.scenario == sc.name and m.side == "ours"}
        s = Summary(
            scenario=sc.name,
            target=sc.target,
            floor_req_s=med(m.req_per_s for m in floor),
            floor_cpu_us=med(m.cpu_us_per_req for m in floor),
            floor_server_cpu=med(m.server_cpu_util for m in floor),
        )
        pairs = [(f, ours[f.run]) for f in floor if f.run in ours]
        extra = sum(o.server_requests - o.requests for _, o in pairs)
        if pairs:
            o = [p[1] for p in pairs]
            s.ours_req_s = med(m.req_per_s for m in o)
            s.ours_cpu_us = med(m.cpu_us_per_req for m in o)
            s.ours_server_cpu = med(m.server_cpu_util for m in o)
            s.run_ratios = [round(b.req_per_s / a.req_per_s, 3) for a, b in pairs]
            s.ratio_req_s = med(s.run_ratios)
            s.ratio_cpu = med(a.cpu_us_per_req / b.cpu_us_per_req for a, b in pairs)
            s.met = s.ratio_req_s >= sc.target
        if max(s.floor_server_cpu, s.ours_server_cpu or 0.0) >= 0.85:
            s.notes.append("server near one full core: req/s may be server-bound, compare CPU/req")
        if extra:
            s.notes.append(f"ours issued {extra} extra request(s) inside timed regions")
        out.append(s)
    return out


def print_table(summaries: list[Summary], runs: int) -> None:
    print()
    print(f"Medians over {runs} run(s); ratio = median of per-run ours/floor.")
    hdr = (
        f"{'scenario':<13} | {'floor req/s':>11} | {'ours req/s':>10} | {'req/s ratio':>11} | "
        f"{'target':>7} | {'floor CPU us/req':>16} | {'ours CPU us/req':>15} | {'CPU ratio':>9} | "
        f"{'server CPU f/o':>14}"
    )
    print(hdr)
    print("-" * len(hdr))
    for s in summaries:
        ours_rs = f"{s.ours_req_s:,.1f}" if s.ours_req_s is not None else "n/a"
        ours_cpu = f"{s.ours_cpu_us:,.1f}" if s.ours_cpu_us is not None else "n/a"
        ratio = f"{s.ratio_req_s:.2f}x" if s.ratio_req_s is not None else "n/a"
        ratio += "" if s.met is None else (" ok" if s.met else " MISS")
        cpu_ratio = f"{s.ratio_cpu:.2f}x" if s.ratio_cpu is not None else "n/a"
        srv_ours = f"{s.ours_server_cpu:.0%}" if s.ours_server_cpu is not None else "-"
        srv = f"{s.floor_server_cpu:.0%}/{srv_ours}"
        print(
            f"{s.scenario:<13} | {s.floor_req_s:>11,.1f} | {ours_rs:>10} | {ratio:>11} | "
            f"{'>=' + format(s.target, '.1f') + 'x':>7} | {s.floor_cpu_us:>16,.1f} | {ours_cpu:>15} | "
            f"{cpu_ratio:>9} | {srv:>14}"
        )
    for s in summaries:
        if s.run_ratios:
            print(f"per-run req/s ratios {s.scenario}: " + ", ".join(f"{r:.2f}" for r in s.run_ratios))
    for s in summaries:
        for note in s.notes:
            print(f"note: {s.scenario}: {note}")
    print("CPU ratio = floor CPU/req / ours CPU/req (higher is better); server CPU = server-process")
    print("CPU time / wall time during the timed region (100% = the single server worker saturated).")


# --------------------------------------------------------------------------- main


def load_ours() -> tuple[SideFactory | None, str]:
    try:
        from _ours import ours_side

        import binance_async
    except Exception as exc:  # ImportError, AttributeError, SyntaxError, ... in the library
        return None, f"{type(exc).__name__}: {exc}"
    return ours_side, str(getattr(binance_async, "__file__", "?"))


def environment() -> dict[str, Any]:
    import msgspec

    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "aiohttp": aiohttp.__version__,
        "msgspec": msgspec.__version__,
    }


async def run_all(
    args: argparse.Namespace, server: ServerProcess, ours: SideFactory | None
) -> list[Measurement]:
    scenarios = [SCENARIOS[name] for name in args.scenarios]
    ms: list[Measurement] = []
    for run in range(1, args.runs + 1):
        for sc in scenarios:
            sides: list[tuple[str, SideFactory]] = [("floor", floor_side)]
            if ours is not None:
                sides.append(("ours", ours))
                if run % 2 == 0:  # alternate who goes first to cancel drift/thermal bias
                    sides.reverse()
            for side, factory in sides:
                m = await measure(factory, side, run, sc, server, args.symbols, args.depth_levels)
                print(fmt_m(m), flush=True)
                ms.append(m)
    return ms


async def profile_ours(args: argparse.Namespace, server: ServerProcess, ours: SideFactory) -> str:
    sc = SCENARIOS[args.profile]
    prof = cProfile.Profile()
    m = await measure(ours, "ours", 0, sc, server, args.symbols, args.depth_levels, profiler=prof)
    buf = io.StringIO()
    buf.write(f"cProfile of ours/{sc.name} (profiled pass, slower than normal): {fmt_m(m)}\n")
    for key in ("tottime", "cumulative"):
        buf.write(f"\n--- top {args.profile_top} by {key} ---\n")
        pstats.Stats(prof, stream=buf).sort_stats(key).print_stats(args.profile_top)
    return buf.getvalue()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="binance_async vs bare-aiohttp pipeline benchmark")
    p.add_argument("--runs", type=int, default=5, help="repetitions per scenario (default 5)")
    p.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated subset of {','.join(SCENARIOS)} (default: all)",
    )
    p.add_argument("--json", metavar="PATH", help="also write raw measurements and summary as JSON")
    p.add_argument("--floor-only", action="store_true", help="do not measure binance_async")
    p.add_argument("--profile", choices=list(SCENARIOS), help="after the runs, cProfile one 'ours' pass")
    p.add_argument("--profile-top", type=int, default=30, help="rows per cProfile listing (default 30)")
    p.add_argument("--symbols", type=int, default=_payloads.DEFAULT_SYMBOLS, help=argparse.SUPPRESS)
    p.add_argument("--depth-levels", type=int, default=_payloads.DEFAULT_DEPTH_LEVELS, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in args.scenarios if s not in SCENARIOS]
    if unknown or not args.scenarios:
        p.error(f"unknown scenario(s) {unknown}; choose from {list(SCENARIOS)}")
    if args.runs < 1:
        p.error("--runs must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = environment()
    print("environment: " + ", ".join(f"{k}={v}" for k, v in env.items()))

    ours: SideFactory | None = None
    ours_status = "skipped (--floor-only)"
    if not args.floor_only:
        ours, where = load_ours()
        if ours is None:
            ours_status = f"SKIPPED: binance_async.SpotClient not importable ({where})"
        else:
            ours_status = f"binance_async from {where}"
    print(f"ours: {ours_status}")

    t_start = time.perf_counter()
    server = ServerProcess(args.symbols, args.depth_levels)
    profile_text: str | None = None
    error: str | None = None
    ms: list[Measurement] = []
    try:
        sz = server.sizes
        levels = args.depth_levels
        info_mb = sz["exchange_info"] / 1e6
        print(f"server: pid {server.proc.pid}, {server.base_url}, 1 aiohttp.web worker process")
        print(f"payloads: ticker {sz['ticker_price']} B, depth {sz['depth']:,} B ({levels}+{levels} levels),")
        print(f"          exchangeInfo {sz['exchange_info']:,} B ({info_mb:.2f} MB, {args.symbols} symbols)")
        for name in args.scenarios:
            sc = SCENARIOS[name]
            print(f"  {sc.name}: {sc.requests} x {sc.description} at concurrency {sc.concurrency}")
        try:
            ms = asyncio.run(run_all(args, server, ours))
            if args.profile and ours is not None:
                profile_text = asyncio.run(profile_ours(args, server, ours))
        except Exception:
            error = traceback.format_exc()
            print("\nERROR during benchmark:\n" + error, file=sys.stderr)
    finally:
        server.close()

    scenarios = [SCENARIOS[n] for n in args.scenarios]
    done = [sc for sc in scenarios if any(m.scenario == sc.name and m.side == "floor" for m in ms)]
    summaries = summarise(done, ms) if done else []
    if summaries:
        print_table(summaries, args.runs)
    if profile_text:
        print()
        print(profile_text)
    elapsed = time.perf_counter() - t_start
    print(f"\ntotal time {elapsed:.1f}s")

    if args.json:
        doc = {
            "environment": env,
            "ours": ours_status,
            "runs": args.runs,
            "connector_limit": CONNECTOR_LIMIT,
            "payload_bytes": server.sizes,
            "scenarios": [asdict(sc) for sc in scenarios],
            "measurements": [asdict(m) for m in ms],
            "summary": [asdict(s) for s in summaries],
            "error": error,
            "profile": profile_text,
            "elapsed_s": elapsed,
        }
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 1 if error else 0


if __name__ == "__main__":
    sys.exit(main())
