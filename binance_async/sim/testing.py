"""The pytest fixture: ``def test_x(binance_sim): ...`` gets a running `Simulator`.

Installed as a pytest plugin (entry point ``pytest11``), so any project with binance-async installed
has the fixture. The simulator runs in its own thread and event loop, on an ephemeral 127.0.0.1 port,
so it serves sync tests and tests on any event loop alike. Read `base_url`, `api_key` and
`api_secret` from it; `clock.advance(ms)` moves its time.

pytest loads this module in every run of such a project, fixture used or not, so it imports nothing
but pytest: the simulator (aiohttp's server, the engine) is imported when a test first asks for it.
For another configuration, start your own: ``Simulator(SimConfig(...)).start_in_thread()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .app import Simulator

__all__ = ["binance_sim"]


@pytest.fixture
def binance_sim() -> Iterator[Simulator]:
    """A fresh simulated Binance (seed 1) for one test."""
    from .app import Simulator
    from .config import SimConfig

    simulator = Simulator(SimConfig(book_levels=5000))
    simulator.start_in_thread()
    try:
        yield simulator
    finally:
        simulator.stop_thread()
