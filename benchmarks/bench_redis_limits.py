"""Rate limits shared through Redis: several client processes saturating one IP's small window.

Run from the repository root (needs ``redis-server`` on PATH and ``pip install -e '.[redis]'``)::

    python benchmarks/bench_redis_limits.py                     # 1200 weight / 10 s, 4 windows, 3 runs
    python benchmarks/bench_redis_limits.py --window 2 --limit 600 --windows 3 --runs 1 --scenarios shared

Every scenario of every run gets a fresh simulator process (``_limits_server.py``: REQUEST_WEIGHT
``--limit`` per ``--window`` s, counted per IP: every process here is 127.0.0.1) and a fresh
``redis-server`` (no persistence, a free port). ``--processes`` client processes (``_limits_worker.py``)
with ``--tasks`` tasks each start reading together at a window boundary and read back to back for
``--windows`` whole windows; the figures are the server's (its answers, by the window they fell in):

* ``shared``: ``SpotClient(limit_store=<redis>)``: one Redis admits for all.
* ``none``: ``SpotClient()`` defaults, no store: each process sees the others only in the headers.
* ``share``: no store, ``limit_share=1/processes`` each (the way without Redis).
* ``skew``: as ``shared``, the processes in two groups whose local clocks are ``--skew`` ms apart
  (before and after the server's); each syncs its clock to the server's.
* ``outage``: as ``shared``; Redis is killed (SIGKILL) a quarter into the run and started again
  (empty) at half; the clients fall back to their local share and rejoin.
* ``overhead``: one process, in a process of its own per run: the limiter's admission alone (in-process
  counters against one Redis call, sequential; median and p99), requests per second one process admits
  through Redis from 100 tasks, and ``ticker_price`` round trips against the simulator with and without
  the store (the added latency per request).

The simulator bans an IP after 20 429s in one window (418, for ``--ban-seconds``, Binance's 120 by
default), as Binance does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # the working tree's binance_async (and tests.redis)
    sys.path.insert(1, str(HERE.parent))

from _harness import (  # noqa: E402
    ChildServer,
    cell,
    git_revision,
    num,
    parse_result,
    percentile,
    report,
    stats,
)

from tests.redis.redis_server import RedisServer  # noqa: E402

SCENARIOS = ("shared", "none", "share", "skew", "outage", "overhead")
SETUPS = {
    "shared": "limit_store=redis",
    "none": "no store (defaults)",
    "share": "no store, limit_share=1/processes",
    "skew": "limit_store=redis, two clock groups",
    "outage": "limit_store=redis, killed and restarted",
}


class LimitsServer(ChildServer):
    """``_limits_server.py`` in a child process (see there)."""

    def __init__(self, window_s: int, limit: int, ban_seconds: float) -> None:
        super().__init__(
            "_limits_server.py",
            *("--window", str(window_s), "--limit", str(limit), "--ban-seconds", str(ban_seconds)),
            what="the simulator",
        )
        self.base_url = f"http://127.0.0.1:{self.hello['port']}"
        self.api_key: str = self.hello["api_key"]
        self.api_secret: str = self.hello["api_secret"]

    def windows(self) -> dict[int, dict[str, Any]]:
        with urllib.request.urlopen(f"{self.base_url}/_bench/windows", timeout=10) as resp:
            return {int(k): v for k, v in json.loads(resp.read()).items()}


# --------------------------------------------------------------------------- one saturation run


async def _start_worker(spec: dict[str, Any]) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(HERE / "_limits_worker.py"),
        json.dumps(spec),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=str(HERE),
    )
    assert proc.stdout is not None
    ready = await asyncio.wait_for(proc.stdout.readline(), timeout=60)
    if ready != b"ready\n":
        out, err = await proc.communicate()
        raise RuntimeError(
            f"a worker failed to start: {(ready + out).decode()[-2000:]}{err.decode()[-2000:]}"
        )
    return proc


async def _result(proc: asyncio.subprocess.Process, timeout: float) -> dict[str, Any]:
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    return parse_result(out.decode(), proc.returncode, err.decode())


async def saturate(scenario: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """One scenario once: a fresh simulator and Redis, the workers, the server's figures."""
    window_ms = args.window * 1000
    server = LimitsServer(args.window, args.limit, args.ban_seconds)
    redis = RedisServer(workdir / f"redis-{uuid.uuid4().hex[:8]}")
    redis.start()
    procs: list[asyncio.subprocess.Process] = []
    try:
        prefix = "bench" + uuid.uuid4().hex[:8]
        uses_store = scenario in ("shared", "skew", "outage")
        for n in range(args.processes):
            skew = 0
            if scenario == "skew":
                skew = -args.skew // 2 if n % 2 == 0 else args.skew - args.skew // 2
            spec = {
                "base_url": server.base_url,
                "api_key": server.api_key,
                "api_secret": server.api_secret,
                "store": redis.url if uses_store else None,
                "prefix": prefix,
                "share": 1 / args.processes if scenario == "share" else None,
                "tasks": args.tasks,
                "seed": n,
                "skew_ms": skew,
            }
            procs.append(await _start_worker(spec))
        start = (int(time.time() * 1000) + 500) // window_ms * window_ms + window_ms
        end = start + args.windows * window_ms
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(f"{start} {end}\n".encode())
            await proc.stdin.drain()
        outage: dict[str, int] = {}
        if scenario == "outage":
            kill_at = start + (end - start) // 4
            restart_at = start + (end - start) // 2
            await asyncio.sleep(max(0.0, kill_at / 1000 - time.time()))
            redis.kill()
            outage["killed_ms"] = int(time.time() * 1000)
            await asyncio.sleep(max(0.0, restart_at / 1000 - time.time()))
            redis.start()
            outage["restarted_ms"] = int(time.time() * 1000)
        timeout = 60 + (end - start) / 1000
        results = await asyncio.gather(*(_result(p, timeout) for p in procs))
        windows = server.windows()
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        server.close()
        redis.stop()
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        return {"scenario": scenario, "error": errors[0]}
    full = [
        windows.get(i, {"statuses": {}, "ok_weight": 0}) for i in range(start // window_ms, end // window_ms)
    ]
    everything = list(windows.values())
    per_window = [
        {
            "utilisation": round(w["ok_weight"] / args.limit, 4),
            "ok_weight": w["ok_weight"],
            "429": w["statuses"].get("429", 0),
            "418": w["statuses"].get("418", 0),
        }
        for w in full
    ]
    return {
        "scenario": scenario,
        "setup": SETUPS[scenario],
        "windows": per_window,
        "utilisation_mean": round(sum(w["utilisation"] for w in per_window) / len(per_window), 4),
        "utilisation_min": min(w["utilisation"] for w in per_window),
        # The whole run (start-up requests included), as the server answered.
        "429": sum(w["statuses"].get("429", 0) for w in everything),
        "418": sum(w["statuses"].get("418", 0) for w in everything),
        "ok": sum(w["statuses"].get("200", 0) for w in everything),
        "workers": results,
        "outage": outage,
    }


# --------------------------------------------------------------------------- overhead (one process)


async def overhead(redis_url: str, base_url: str) -> dict[str, Any]:
    """What the store adds: admission alone, admissions per second, and a ticker round trip."""
    from binance_async import SpotClient
    from binance_async._limit_store import Identity
    from binance_async._limits import RateLimiter, WindowSpec

    roomy = [
        WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 10**12),
        WindowSpec("RAW_REQUESTS", "MINUTE", 5, 10**12),
        WindowSpec("ORDERS", "SECOND", 10, 10**12),
        WindowSpec("ORDERS", "DAY", 1, 10**12),
    ]
    headers = {"X-MBX-USED-WEIGHT-1M": "1"}
    clock = time.perf_counter_ns

    local = RateLimiter(roomy)
    samples: list[float] = []
    for _ in range(20_000):
        t0 = clock()
        admission = local.try_acquire(2)
        if admission is None:
            admission = await local.acquire(2)
        local.reconcile(headers, admission)
        samples.append((clock() - t0) / 1000.0)
    local_us = sorted(samples)

    prefix = "ovh" + uuid.uuid4().hex[:8]
    shared = RateLimiter(roomy, store=redis_url, identity=Identity(prefix, prefix))
    samples = []
    for _ in range(5_000):
        t0 = clock()
        admission = shared.try_acquire(2) or await shared.acquire(2)
        shared.reconcile(headers, admission)
        samples.append((clock() - t0) / 1000.0)
    redis_us = sorted(samples)

    admitted = 0
    stop_at = time.perf_counter() + 2.0

    async def admit_loop() -> None:
        nonlocal admitted
        while time.perf_counter() < stop_at:
            await shared.acquire(2)
            admitted += 1

    began = time.perf_counter()
    await asyncio.gather(*(admit_loop() for _ in range(100)))
    per_second = admitted / (time.perf_counter() - began)
    await shared.aclose()

    async def round_trips(store: str | None, n: int) -> list[float]:
        async with SpotClient(base_url=base_url, limit_store=store, limit_ip=prefix + "-rt") as client:
            await client.exchange_info()
            for _ in range(50):  # warm-up
                await client.ticker_price("BTCUSDT")
            times: list[float] = []
            for _ in range(n):
                t0 = clock()
                await client.ticker_price("BTCUSDT")
                times.append((clock() - t0) / 1000.0)
            return sorted(times)

    without = await round_trips(None, 1500)
    with_store = await round_trips(redis_url, 1500)
    return {
        "admission_local_p50_us": statistics.median(local_us),
        "admission_local_p99_us": percentile(local_us, 0.99),
        "admission_redis_p50_us": statistics.median(redis_us),
        "admission_redis_p99_us": percentile(redis_us, 0.99),
        "admits_per_s_100_tasks": per_second,
        "ticker_p50_us_without": statistics.median(without),
        "ticker_p99_us_without": percentile(without, 0.99),
        "ticker_p50_us_with": statistics.median(with_store),
        "ticker_p99_us_with": percentile(with_store, 0.99),
    }


def run_overhead(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """`overhead` in a fresh process, with its own Redis and a simulator with roomy limits."""
    redis = RedisServer(workdir / f"redis-{uuid.uuid4().hex[:8]}")
    redis.start()
    server = LimitsServer(60, 100_000_000, args.ban_seconds)
    try:
        command = [sys.executable, __file__, "--overhead-worker", redis.url, server.base_url]
        proc = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=HERE)
    finally:
        server.close()
        redis.stop()
    return {"scenario": "overhead", **parse_result(proc.stdout, proc.returncode, proc.stderr)}


# --------------------------------------------------------------------------- report


def format_run(r: dict[str, Any]) -> str:
    name = r["scenario"]
    if "error" in r:
        return f"{name:<9} ERROR: {r['error'].strip().splitlines()[-1]}"
    if name == "overhead":
        return (
            f"{name:<9} admission p50/p99 {r['admission_local_p50_us']:.2f}/"
            f"{r['admission_local_p99_us']:.2f} us local, {r['admission_redis_p50_us']:.0f}/"
            f"{r['admission_redis_p99_us']:.0f} us redis; "
            f"{r['admits_per_s_100_tasks']:,.0f} admits/s; ticker p50 {r['ticker_p50_us_without']:.0f} -> "
            f"{r['ticker_p50_us_with']:.0f} us, p99 {r['ticker_p99_us_without']:.0f} -> "
            f"{r['ticker_p99_us_with']:.0f} us"
        )
    utils = " ".join(f"{w['utilisation']:.0%}" for w in r["windows"])
    held = sum(w["counts"].get("held_too_long", 0) for w in r["workers"])
    line = (
        f"{name:<9} utilisation {utils} (mean {r['utilisation_mean']:.1%}); "
        f"429: {r['429']}, 418: {r['418']}, 200: {r['ok']}, held too long: {held}"
    )
    if name == "outage":
        finals = [w["final_status"] for w in r["workers"]]
        fell = sum(1 for w in r["workers"] if any(s == "fallback" for _, s in w["statuses"]))
        line += f"; fell back: {fell}/{len(finals)}, final: {','.join(finals)}"
    return line


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per scenario: median, min and max over runs of each figure."""
    by: dict[str, list[dict[str, Any]]] = {}
    for r in runs:
        if "error" not in r:
            by.setdefault(r["scenario"], []).append(r)
    out: dict[str, Any] = {}
    for scenario, rs in by.items():
        if scenario == "overhead":
            out[scenario] = {k: stats(r[k] for r in rs) for k in rs[0] if k != "scenario"}
        else:
            out[scenario] = {
                "utilisation_mean": stats(r["utilisation_mean"] for r in rs),
                "utilisation_min": stats(r["utilisation_min"] for r in rs),
                "429": stats(r["429"] for r in rs),
                "418": stats(r["418"] for r in rs),
            }
    return out


def row(name: str, p50: dict[str, float], p99: dict[str, float]) -> str:
    return f"| {name} | {cell(p50)} | {cell(p99)} |"


def markdown(result: dict[str, Any]) -> str:
    s = result["summary"]
    a = result["args"]
    pct = lambda x: f"{x * 100:.1f}%"  # noqa: E731
    lines = [
        f"REQUEST_WEIGHT {a['limit']} per {a['window']} s, {a['processes']} processes × {a['tasks']} tasks, "
        f"{a['windows']} whole windows, {a['runs']} run(s) (median, min–max)",
        "",
        "| setup | mean utilisation | lowest window | 429 | 418 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for scenario in SCENARIOS:
        if scenario in s and scenario != "overhead":
            f = s[scenario]
            lines.append(
                f"| {SETUPS[scenario]} | {cell(f['utilisation_mean'], pct)} "
                f"| {cell(f['utilisation_min'], pct)} | {cell(f['429'])} | {cell(f['418'])} |"
            )
    if "overhead" in s:
        o = s["overhead"]
        lines += [
            "",
            "| overhead | p50 µs | p99 µs |",
            "| --- | ---: | ---: |",
            row("admission, in-process", o["admission_local_p50_us"], o["admission_local_p99_us"]),
            row("admission, Redis", o["admission_redis_p50_us"], o["admission_redis_p99_us"]),
            row("ticker round trip, in-process", o["ticker_p50_us_without"], o["ticker_p99_us_without"]),
            row("ticker round trip, Redis", o["ticker_p50_us_with"], o["ticker_p99_us_with"]),
            "",
            "Admissions per second through Redis, one process, 100 tasks: "
            + cell(o["admits_per_s_100_tasks"]),
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--window", type=int, default=10, help="window length in seconds (default 10)")
    parser.add_argument("--limit", type=int, default=1200, help="REQUEST_WEIGHT per window (default 1200)")
    parser.add_argument("--windows", type=int, default=4, help="whole windows measured (default 4)")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--tasks", type=int, default=50, help="tasks per process (default 50)")
    parser.add_argument(
        "--skew", type=int, default=4000, help="ms between the two clock groups (default 4000)"
    )
    parser.add_argument("--ban-seconds", type=float, default=120.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON")
    parser.add_argument(
        "--overhead-worker", nargs=2, metavar=("REDIS_URL", "BASE_URL"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.overhead_worker:
        return report(overhead(*args.overhead_worker))
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenarios {unknown}; choose from {list(SCENARIOS)}")
    started = time.time()
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as tmp:
        for run in range(args.runs):
            for scenario in scenarios:
                if scenario == "overhead":
                    r = run_overhead(args, Path(tmp))
                else:
                    try:
                        r = asyncio.run(saturate(scenario, args, Path(tmp)))
                    except Exception:
                        r = {"scenario": scenario, "error": traceback.format_exc()}
                r["run"] = run
                runs.append(r)
                print(f"run {run + 1}/{args.runs} {format_run(r)}", flush=True)
    result: dict[str, Any] = {
        "args": vars(args),
        "git": git_revision(),
        "python": sys.version.split()[0],
        "elapsed_s": round(time.time() - started, 1),
        "runs": runs,
        "summary": summary(runs),
    }
    print()
    print(markdown(result))
    print(f"\n{num(result['elapsed_s'])} s; git {result['git']}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 1 if any("error" in r for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
