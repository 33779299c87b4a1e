"""Fixtures shared by the simulator tests: `sim` and `client` (``tests/simulator_fixtures.py``)."""

from __future__ import annotations

from tests.simulator_fixtures import client, sim

__all__ = ["client", "sim"]
