"""One measurement of ``python -m benchmarks`` in a fresh process.

``python _worker.py '{"side": ..., "workload": ..., "requests": ..., "concurrency": ..., "base_url": ...,
"symbols": ..., "depth_levels": ...}'`` creates the side's client (untimed start-up and warm-up), makes
``requests`` calls spread over ``concurrency`` tasks, and prints one line ``@@result {json}``.

A fresh process per measurement means no library's imports (ccxt alone brings ~200k objects the
cyclic GC must walk) or leftovers slow another side down, and ``ru_maxrss`` is that side's own peak
resident memory.
"""

from __future__ import annotations

import gc
import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # benchmark the working tree's binance_async
    sys.path.insert(1, str(HERE.parent))

from _harness import drive, percentile, report, server_stats  # noqa: E402
from _peers import SIDE_FACTORIES, Call, Expect  # noqa: E402


async def drive_sequential(call: Call, n: int, latencies: list[float]) -> None:
    clock = time.perf_counter
    for _ in range(n):
        t = clock()
        await call()
        latencies.append(clock() - t)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def measure(spec: dict[str, Any]) -> dict[str, Any]:
    side, workload, base_url = spec["side"], spec["workload"], spec["base_url"]
    n, concurrency = spec["requests"], spec["concurrency"]
    factory = SIDE_FACTORIES[side]
    latencies: list[float] = []
    async with factory(base_url, workload, Expect(spec["symbols"], spec["depth_levels"])) as call:
        before = server_stats(base_url)
        rss_before = peak_rss_mb()
        gc.collect()
        gc_objects = len(gc.get_objects())
        c0 = time.process_time()
        t0 = time.perf_counter()
        if concurrency == 1:
            await drive_sequential(call, n, latencies)
        else:
            await drive(call, n, concurrency)
        wall = time.perf_counter() - t0
        cpu = time.process_time() - c0
        after = server_stats(base_url)
    result: dict[str, Any] = {
        "wall_s": wall,
        "req_per_s": n / wall,
        "cpu_us_per_req": cpu / n * 1e6,
        "server_cpu_util": (after["cpu"] - before["cpu"]) / wall,
        "server_requests": after["requests"] - before["requests"],  # /_bench/stats is not counted
        "server_errors": after["errors"] - before["errors"],
        "new_connections": after["connections"] - before["connections"] - 1,  # minus the stats call
        "peak_rss_mb": peak_rss_mb(),
        "peak_rss_before_timing_mb": rss_before,
        "gc_objects": gc_objects,
    }
    if latencies:
        latencies.sort()
        result["latency_p50_us"] = statistics.median(latencies) * 1e6
        result["latency_p99_us"] = percentile(latencies, 0.99) * 1e6
    return result


def main() -> int:
    return report(measure(json.loads(sys.argv[1])))


if __name__ == "__main__":
    sys.exit(main())
