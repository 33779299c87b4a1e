"""The `sim` and `client` fixtures the simulator's own tests and the integration tests share: a
simulator on the test's event loop, and a signed client of ours on it.

A module whose tests want another simulator (the plugin's `binance_sim`, a small config) defines its
own `sim`; `client` then connects to that one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from binance_async import SpotClient
from binance_async.sim import Simulator

__all__ = ["client", "sim"]


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator() as simulator:
        yield simulator


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[SpotClient]:
    """A signed client with the simulator's key, on its base URL."""
    async with SpotClient(sim.api_key, sim.api_secret, base_url=sim.base_url) as c:
        yield c
