"""A real redis-server for the shared-limit tests: one per session (each test under its own key prefix),
and a fresh one for a test that kills it. Skipped, with the reason, only where the binary is absent
(CI installs Debian's ``redis-server``); fakeredis is no substitute for the scripts' atomicity."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from binance_async._redis_store import RedisLimitStore
from tests.redis.redis_server import RedisServer, redis_server_binary

NO_REDIS = "redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)"


def _server(directory: Path) -> RedisServer:
    if redis_server_binary() is None:
        pytest.skip(NO_REDIS)
    server = RedisServer(directory)
    server.start()
    return server


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = _server(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def fresh_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A server of the test's own, which it may kill and start again."""
    server = _server(tmp_path / "redis")
    yield server
    server.stop()


@pytest.fixture
def prefix() -> str:
    """A key prefix of the test's own: tests sharing the session's server never see each other's counts."""
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture
async def store(redis_server: RedisServer, prefix: str) -> AsyncIterator[RedisLimitStore]:
    opened = RedisLimitStore(redis_server.url, prefix=prefix)
    yield opened
    await opened.aclose()
