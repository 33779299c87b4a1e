"""Limiters sharing a real Redis in one process: exact sharing, and an outage (the server killed, then
started again, empty) that they ride out on their local share, saying so, and rejoin."""

from __future__ import annotations

import asyncio
import logging

import pytest

from binance_async._limit_store import Identity
from binance_async._limits import RateLimiter, WindowSpec
from binance_async._redis_store import RedisLimitStore
from tests.redis.redis_server import RedisServer

MINUTE = WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 1000)
WHO = Identity("nat-a", "acct")


def limiter(url: str, prefix: str) -> RateLimiter:
    return RateLimiter([MINUTE], store=RedisLimitStore(url, prefix=prefix), identity=WHO, share=0.5)


async def test_two_limiters_through_redis_admit_the_limit_together_and_no_more(
    redis_server: RedisServer, prefix: str
) -> None:
    one, two = limiter(redis_server.url, prefix), limiter(redis_server.url, prefix)
    try:
        calls = [lim.acquire(7, timeout=0.0001) for lim in (one, two) for _ in range(100)]
        results = await asyncio.gather(*calls, return_exceptions=True)
        admitted = [r for r in results if not isinstance(r, BaseException)]
        # 1000 // 7 = 142 fit in the minute (a boundary may fall in between: then both windows see them).
        assert len(admitted) <= 142
        assert {lim.store_status for lim in (one, two)} == {"shared"}
        assert max(s.used for lim in (one, two) for s in lim.state()) <= 1000
    finally:
        for lim in (one, two):
            await lim.aclose()
            assert lim.shared is not None
            await lim.shared.store.aclose()


async def test_redis_killed_and_restarted_the_limiters_fall_back_and_rejoin(
    fresh_redis: RedisServer, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    one, two = limiter(fresh_redis.url, prefix), limiter(fresh_redis.url, prefix)
    try:
        await one.acquire(10)
        await two.acquire(10)
        fresh_redis.kill()
        with caplog.at_level(logging.WARNING, logger="binance_async"):
            for _ in range(3):
                for lim in (one, two):
                    admission = await lim.acquire(1, timeout=5.0)  # never a crash: the local share
                    assert not admission.shared
        assert one.store_status == two.store_status == "fallback"
        assert {s.scope for lim in (one, two) for s in lim.state()} == {"fallback"}
        assert len([r for r in caplog.records if "unreachable" in r.message]) == 2  # once per limiter
        fresh_redis.start()
        for _ in range(100):
            if one.store_status == two.store_status == "shared":
                break
            await asyncio.sleep(0.1)
        assert one.store_status == two.store_status == "shared"
        admission = await one.acquire(1, timeout=5.0)
        assert admission.shared
        # The empty server learnt what the two admitted on their own (and the others' shares on top).
        assert max(s.used for s in one.state()) >= 6
    finally:
        for lim in (one, two):
            await lim.aclose()
            assert lim.shared is not None
            await lim.shared.store.aclose()
