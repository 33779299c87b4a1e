"""Fixtures shared by the unit tests: Binance mocked with aioresponses, and a signed client."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import pytest
from aioresponses import aioresponses

from binance_async import SpotClient
from tests.unit.helpers import FAST_RETRY, KEY, SECRET, TIME


@pytest.fixture
def mocked() -> Iterator[aioresponses]:
    """Every HTTP request answered by aioresponses: only what a test mocks is served."""
    with aioresponses() as m:
        yield m


@pytest.fixture
def mocked_with_time(mocked: aioresponses) -> aioresponses:
    """`mocked`, with ``GET /api/v3/time`` answering the local clock as often as asked.

    A signed call first syncs the clock; with this, a test mocks only the call it is about. It is the
    same aioresponses instance as `mocked`.
    """
    mocked.get(TIME, payload={"serverTime": int(time.time() * 1000)}, repeat=True)
    return mocked


@pytest.fixture
async def client() -> AsyncIterator[SpotClient]:
    """A client with the documented HMAC key, retrying like the default policy but without waiting."""
    async with SpotClient(api_key=KEY, api_secret=SECRET, retry=FAST_RETRY) as c:
        yield c
