"""A client that saturates its rate limit: used by `test_load` in its own process, and run as the second
process there (``python -m tests.reliability.load_client BASE_URL TASKS info-first|info-at-start
[SHARE]``),
which prints its counts as JSON."""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections import Counter

from binance_async import BinanceError, IPBannedError, RateLimitedError, SpotClient

SYMBOLS = ("BTCUSDT", "ETHUSDT", "BNBUSDT")


async def read(client: SpotClient, rng: random.Random) -> None:
    """One read from a mix of weights: depth(limit=100) 5, ticker_price(symbol) 2, klines 2."""
    kind = rng.random()
    if kind < 0.3:
        await client.depth("BTCUSDT", limit=100)
    elif kind < 0.7:
        await client.ticker_price(rng.choice(SYMBOLS))
    else:
        await client.klines("ETHUSDT", "1m", limit=10)


async def saturate(client: SpotClient, tasks: int, end_ms: int, counts: Counter[str], seed: int = 0) -> None:
    """`tasks` tasks reading back to back until `end_ms` (wall clock); outcomes counted in `counts`."""

    async def task(n: int) -> None:
        rng = random.Random(seed + n)
        while time.time() * 1000 < end_ms:
            try:
                await read(client, rng)
                counts["ok"] += 1
            except RateLimitedError:
                counts["429"] += 1
            except IPBannedError:
                counts["418"] += 1
            except BinanceError:
                counts["other"] += 1

    await asyncio.gather(*(task(n) for n in range(tasks)))


async def sleep_until(ms: int) -> None:
    await asyncio.sleep(max(0.0, ms / 1000 - time.time()))


async def second_process(base_url: str, tasks: int, info_first: bool, share: float = 1.0) -> Counter[str]:
    """What the second process does: connect, print ``ready``, read ``START_MS END_MS`` from stdin,
    then saturate from START_MS to END_MS. exchangeInfo (its limits, and in the headers the IP's
    count at that moment) is loaded before ``ready`` if `info_first`, else at START_MS."""
    counts: Counter[str] = Counter({"ok": 0, "429": 0, "418": 0, "other": 0})
    async with SpotClient(base_url=base_url, limit_share=share) as client:
        await client.ping()
        if info_first:
            await client.exchange_info()
        print("ready", flush=True)
        start_ms, end_ms = map(int, (await asyncio.to_thread(sys.stdin.readline)).split())
        await sleep_until(start_ms)
        if not info_first:
            await client.exchange_info()
        await saturate(client, tasks, end_ms, counts, seed=1000)
    return counts


if __name__ == "__main__":
    url, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    share = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0
    counts = asyncio.run(second_process(url, n, info_first=mode == "info-first", share=share))
    print(json.dumps(counts), flush=True)
