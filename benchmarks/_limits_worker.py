"""One client process of ``bench_redis_limits.py``: a `SpotClient` whose tasks read back to back.

``python _limits_worker.py SPEC`` (SPEC: JSON with ``base_url``, ``api_key``, ``api_secret``, ``store``
(a redis:// URL or null), ``prefix``, ``share`` (null: the client's default), ``tasks``, ``seed``,
``skew_ms``). The client's local clock is moved by ``skew_ms`` (a host whose clock is off), then it
signs one request (its clock syncs to the server's), loads exchangeInfo (the window) and opens a
connection per task (``ping``). It prints
``ready``, reads ``START_MS END_MS`` (wall clock) from stdin, and from START_MS to END_MS its tasks read:
30% ``depth(limit=100)`` (weight 5), 70% ``ticker_price(symbol)`` (weight 2); at END_MS they are
cancelled. Then it prints its result (JSON after `RESULT_PREFIX`): outcomes by kind, the limit store's
status as it changed (wall ms, status), and the limiter's store figures.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # the working tree's binance_async
    sys.path.insert(1, str(HERE.parent))

from _harness import report  # noqa: E402

from binance_async import (  # noqa: E402
    BinanceError,
    IPBannedError,
    IPBanWaitError,
    RateLimitedError,
    RateLimitWaitError,
    SpotClient,
)
from binance_async._redis_store import RedisLimitStore  # noqa: E402

SYMBOLS = ("BTCUSDT", "ETHUSDT", "BNBUSDT")
DEPTH_SHARE = 0.3


async def read(client: SpotClient, rng: random.Random) -> None:
    if rng.random() < DEPTH_SHARE:
        await client.depth("BTCUSDT", limit=100)
    else:
        await client.ticker_price(rng.choice(SYMBOLS))


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    store = RedisLimitStore(spec["store"], prefix=spec["prefix"]) if spec["store"] else None
    options: dict[str, Any] = {"timeout": 60.0}
    if spec.get("share") is not None:
        options["limit_share"] = spec["share"]
    client = SpotClient(
        spec["api_key"], spec["api_secret"], base_url=spec["base_url"], limit_store=store, **options
    )
    counts: Counter[str] = Counter()
    statuses: list[tuple[int, str]] = []
    try:
        skew = spec.get("skew_ms", 0) / 1000.0
        if skew:
            client.clock._wall = lambda: time.time() + skew  # this host's clock is off by skew
        await client.account()  # signed: the clock syncs to the server's first
        await client.exchange_info()  # the window's limit
        # One connection per task, opened now: the first window is then measured as any later one.
        await asyncio.gather(*(client.ping() for _ in range(spec["tasks"])))
        offset_ms = client.clock.offset_ms
        print("ready", flush=True)
        start_ms, end_ms = map(int, (await asyncio.to_thread(sys.stdin.readline)).split())
        await asyncio.sleep(max(0.0, start_ms / 1000 - time.time()))

        async def task(n: int) -> None:
            rng = random.Random(spec["seed"] * 1000 + n)
            while True:
                try:
                    await read(client, rng)
                    counts["ok"] += 1
                except (RateLimitWaitError, IPBanWaitError) as exc:
                    counts["held_too_long"] += 1  # raised by the limiter: nothing was sent
                    await asyncio.sleep(min(exc.retry_after or 1.0, 1.0))
                except RateLimitedError:
                    counts["429"] += 1
                except IPBannedError:
                    counts["418"] += 1
                except BinanceError as exc:
                    counts[type(exc).__name__] += 1

        async def watch_status() -> None:
            last = ""
            while True:
                status = client.limiter.store_status
                if status != last:
                    statuses.append((int(time.time() * 1000), status))
                    last = status
                await asyncio.sleep(0.02)

        tasks = [asyncio.create_task(task(n)) for n in range(spec["tasks"])]
        tasks.append(asyncio.create_task(watch_status()))
        await asyncio.sleep(max(0.0, end_ms / 1000 - time.time()))
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        shared = client.limiter.shared
        return {
            "counts": dict(counts),
            "statuses": statuses,
            "final_status": client.limiter.store_status,
            "offset_ms": round(offset_ms, 1),
            "store_calls": shared.calls if shared else 0,
            "store_admitted": shared.admitted if shared else 0,
            "outages": shared.outages if shared else 0,
        }
    finally:
        await client.aclose()
        if store is not None:
            await store.aclose()


def main() -> int:
    return report(run(json.loads(sys.argv[1])))


if __name__ == "__main__":
    sys.exit(main())
