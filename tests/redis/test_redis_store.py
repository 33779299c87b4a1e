"""`RedisLimitStore` against a real redis-server: the Lua scripts do what `InProcessStore` does, atomically.

The admission script is compared with the in-process reference on random batches (margins, several
windows and kinds, pauses); concurrent admissions from many connections never go over a limit; keys say
whose window they count and expire after it; an unreachable server fails a call within about a second.
"""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from binance_async._limit_store import KEY_SLACK_MS, Identity, InProcessStore, StoreWindow, account_name
from binance_async._redis_store import RedisLimitStore
from binance_async._windows import ORDERS, RAW, WEIGHT
from tests.redis.redis_server import RedisServer, free_port

BASE_MS = 1_700_006_400_000  # on a UTC day boundary
WINDOWS = (
    StoreWindow("REQUEST_WEIGHT", 1000, 40, 100, WEIGHT),
    StoreWindow("RAW_REQUESTS", 10_000, 25, 500, RAW),
    StoreWindow("ORDERS", 10_000, 6, 500, ORDERS),
)
WHO = Identity("nat-a", account_name("some-api-key"))


async def test_the_script_admits_exactly_what_the_reference_does(store: RedisLimitStore) -> None:
    reference = InProcessStore()
    rng = random.Random(17)
    now = BASE_MS
    for step in range(300):
        now += rng.choice((0, 1, 7, 60, 95, 250, 900))
        batch = [(rng.randint(0, 12), rng.choice((0, 0, 0, 1, 2))) for _ in range(rng.randint(0, 6))]
        forced = (rng.choice((0, 0, 3)), 0, 0)
        if step % 97 == 50:
            for s in (store, reference):
                await s.pause(WHO, now + 300, 429, now)
        got = await store.admit(WHO, WINDOWS, now, batch, forced)
        want = await reference.admit(WHO, WINDOWS, now, batch, forced)
        assert got == want, (step, now - BASE_MS, batch)


async def test_concurrent_admissions_never_go_over_the_limit(redis_server: RedisServer, prefix: str) -> None:
    stores = [RedisLimitStore(redis_server.url, prefix=prefix) for _ in range(8)]
    window = StoreWindow("REQUEST_WEIGHT", 60_000, 500, 500, WEIGHT)
    now = BASE_MS + 30_000  # mid-minute: one window

    async def one(store: RedisLimitStore) -> int:
        result = await store.admit(WHO, [window], now, [(3, 0)])
        return result.admitted

    try:
        admitted = await asyncio.gather(*(one(stores[n % 8]) for n in range(400)))
    finally:
        for s in stores:
            await s.aclose()
    assert sum(admitted) == 500 // 3  # 166 of the 400 fit, never one more


async def test_keys_name_the_ip_and_the_account_and_expire_after_their_window(
    store: RedisLimitStore, prefix: str
) -> None:
    now = int(time.time() * 1000)
    await store.admit(WHO, WINDOWS, now, [(5, 1)])
    keys = sorted(k.decode() for k in await store.client.keys(f"{{{prefix}}}:*"))
    assert all("some-api-key" not in k for k in keys)
    assert f"{{{prefix}}}:ip:nat-a:REQUEST_WEIGHT:1000:{now // 1000}" in keys
    assert f"{{{prefix}}}:acct:{WHO.account}:ORDERS:10000:{now // 10_000}" in keys
    ttl = await store.client.pttl(f"{{{prefix}}}:ip:nat-a:REQUEST_WEIGHT:1000:{now // 1000}")
    assert 0 < ttl <= (now // 1000 + 1) * 1000 + 100 - now + KEY_SLACK_MS


async def test_a_server_count_raises_only_above_the_store_plus_later_ones(store: RedisLimitStore) -> None:
    window = WINDOWS[0]
    index = BASE_MS // 1000
    first = await store.admit(WHO, [window], BASE_MS + 500, [(5, 0)])
    mark = first.totals[WEIGHT]
    await store.admit(WHO, [window], BASE_MS + 500, [(4, 0)])  # admitted after it
    assert await store.raise_count(WHO, window, index, 7, mark, BASE_MS + 500) == 9  # not above: kept
    assert await store.raise_count(WHO, window, index, 20, mark, BASE_MS + 500) == 24  # 20 + the 4 after
    assert await store.raise_count(WHO, window, index, 21, None, BASE_MS + 500) == 24


async def test_a_pause_is_shared_and_never_shortened(store: RedisLimitStore) -> None:
    await store.pause(WHO, BASE_MS + 5000, 418, BASE_MS)
    await store.pause(WHO, BASE_MS + 2000, 429, BASE_MS)
    result = await store.admit(WHO, WINDOWS, BASE_MS + 100, [(1, 0)])
    assert (result.admitted, result.paused_until_ms, result.pause_status) == (0, BASE_MS + 5000, 418)
    other = Identity("nat-b", WHO.account)  # another IP is not paused
    assert (await store.admit(other, WINDOWS, BASE_MS + 100, [(1, 0)])).admitted == 1


async def test_connection_attempts_are_a_sliding_log_per_ip(store: RedisLimitStore) -> None:
    assert [await store.attempt(WHO, 3, 60_000) for _ in range(3)] == [0, 0, 0]
    wait = await store.attempt(WHO, 3, 60_000)
    assert 59_000 < wait <= 60_001
    assert await store.attempt(Identity("nat-b", "x"), 3, 60_000) == 0


async def test_an_unreachable_server_fails_a_call_within_about_a_second() -> None:
    store = RedisLimitStore(f"redis://127.0.0.1:{free_port()}/0")
    began = time.monotonic()
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever redis-py raises: the limiter takes any
        await store.admit(WHO, WINDOWS, BASE_MS, [(1, 0)])
    assert time.monotonic() - began < 1.5
    await store.aclose()


def test_the_name_never_shows_a_password() -> None:
    store = RedisLimitStore("redis://user:hunter2@127.0.0.1:6390/0")
    assert "hunter2" not in store.name and "hunter2" not in repr(store)
    assert store.name == "redis://user:***@127.0.0.1:6390/0"
