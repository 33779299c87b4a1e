"""Fixtures shared by the unit tests: Binance answered through the transport seam, and a signed client.

`router` is a `binance_async.testing.Router` (empty: a test adds the answers it needs),
`router_with_time` the same router also answering the clock sync, `transport` the `MockTransport`
over it (its ``requests`` are what the client sent), and `client` a `SpotClient` on that transport.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from binance_async import SpotClient
from binance_async.testing import MockTransport, Router, server_time
from tests.unit.helpers import FAST_RETRY, KEY, SECRET


@pytest.fixture
def router() -> Router:
    """What answers the client's requests: only what a test adds is served (anything else fails it)."""
    return Router()


@pytest.fixture
def router_with_time(router: Router) -> Router:
    """`router`, also answering ``GET /api/v3/time`` with the local clock as often as asked.

    A signed call first syncs the clock; with this, a test adds only the call it is about. It is the
    same router as `router`.
    """
    router.get("/api/v3/time", server_time, times=None)
    return router


@pytest.fixture
def transport(router: Router) -> MockTransport:
    """The transport of `client`: answers with `router` and keeps every request sent."""
    return MockTransport(router)


@pytest.fixture
async def client(transport: MockTransport) -> AsyncIterator[SpotClient]:
    """A client with the documented HMAC key on `transport`, retrying like the default policy but
    without waiting."""
    async with SpotClient(api_key=KEY, api_secret=SECRET, retry=FAST_RETRY, transport=transport) as c:
        yield c
