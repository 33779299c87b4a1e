"""Fixtures of the integration tests (our client, its command line and third-party clients against the
simulator): `sim` and `client`, shared with the simulator's own tests (``tests/simulator_fixtures.py``)."""

from __future__ import annotations

from tests.simulator_fixtures import client, sim

__all__ = ["client", "sim"]
