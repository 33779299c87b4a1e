"""The embedded simulator in a process of its own, with one small REQUEST_WEIGHT window, for
``bench_redis_limits.py`` (and the tests in ``tests/redis/`` that run it).

``python _limits_server.py --window 10 --limit 1200 [--ban-seconds 120]`` binds 127.0.0.1 on an ephemeral
port and prints one JSON line once it serves: the port, an API key and its secret. It stops when its
stdin is closed or on SIGTERM (`_harness.serve_until_stopped`). The simulator counts weight per IP
(every client here is 127.0.0.1, whatever its process) in fixed windows of ``--window`` seconds;
RAW_REQUESTS and ORDERS are roomy.

In front of its dispatch, every answer is recorded in the window it fell in (the simulator's clock): its
status, and for a 200 the request's weight (`_harness.request_weight`). ``GET /_bench/windows`` answers
them (``{index: {"statuses": {...}, "ok_weight": n}}``); that route is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # the working tree's binance_async
    sys.path.insert(1, str(HERE.parent))

from _harness import request_weight, serve_until_stopped  # noqa: E402
from aiohttp import web  # noqa: E402

from binance_async.sim import LimitSpec, SimConfig, Simulator  # noqa: E402


class ObservedSimulator(Simulator):
    """The simulator recording each answer of its dispatch in the window it fell in."""

    def __init__(self, config: SimConfig, window_ms: int) -> None:
        super().__init__(config)
        self.window_ms = window_ms
        self.statuses: defaultdict[int, Counter[int]] = defaultdict(Counter)
        self.ok_weight: Counter[int] = Counter()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/_bench/windows":
            return web.json_response(self.windows())
        response = await super()._dispatch(request)
        index = self.clock.now_ms() // self.window_ms
        self.statuses[index][response.status] += 1
        if response.status == 200:
            self.ok_weight[index] += request_weight(request.path, dict(request.query))
        return response

    def windows(self) -> dict[str, Any]:
        return {
            str(index): {"statuses": dict(statuses), "ok_weight": self.ok_weight[index]}
            for index, statuses in sorted(self.statuses.items())
        }


async def serve(window_s: int, limit: int, ban_seconds: float) -> None:
    limits = (
        LimitSpec("REQUEST_WEIGHT", "SECOND", window_s, limit),
        LimitSpec("RAW_REQUESTS", "MINUTE", 5, 10_000_000),
        LimitSpec("ORDERS", "SECOND", 10, 10_000),
        LimitSpec("ORDERS", "DAY", 1, 1_000_000),
    )
    config = SimConfig(limits=limits, book_levels=100, ban_seconds=ban_seconds)
    sim = ObservedSimulator(config, window_s * 1000)
    base_url = await sim.start("127.0.0.1", 0)
    port = int(base_url.rsplit(":", 1)[1])
    try:
        await serve_until_stopped({"port": port, "api_key": sim.api_key, "api_secret": sim.api_secret})
    finally:
        await sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--window", type=int, default=10, help="REQUEST_WEIGHT window (s)")
    parser.add_argument("--limit", type=int, default=1200, help="REQUEST_WEIGHT per window")
    parser.add_argument("--ban-seconds", type=float, default=120.0, help="first ban (Binance: 120 s)")
    args = parser.parse_args()
    asyncio.run(serve(args.window, args.limit, args.ban_seconds))


if __name__ == "__main__":
    main()
