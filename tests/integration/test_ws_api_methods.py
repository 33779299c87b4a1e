"""The integration tests of the REST methods, run again over the WebSocket API.

`WsApiClient` is the client's own methods over another transport, so the very tests that prove them
over REST against the simulator must pass over the WebSocket API too: the orders, order lists and
account modules are imported here with a `client` fixture that is ``client.ws_api()``. Fault rules of
the simulator name REST routes; the simulator applies them to the WebSocket method of the same route,
so the unknown-outcome tests run here as well.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from binance_async import SpotClient
from binance_async.sim import Simulator
from binance_async.ws_api import WsApiClient
from tests.integration.test_account import *  # noqa: F403
from tests.integration.test_order_lists import *  # noqa: F403
from tests.integration.test_trading import *  # noqa: F403


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[WsApiClient]:
    async with SpotClient(sim.api_key, sim.api_secret, base_url=sim.base_url) as rest, rest.ws_api() as ws:
        yield ws
