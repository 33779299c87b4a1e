"""Shared by the reliability tests: the ``slow`` marker, and the figures each test measured.

A test asks for the `figures` fixture and fills it (counts, rates, timings); the figures of every
test that ran are printed at the end of the session under "reliability figures", so a run of
``pytest -q tests/reliability`` can be quoted without ``-s``.
"""

from __future__ import annotations

from typing import Any

import pytest

_FIGURES: dict[str, dict[str, Any]] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes seconds (load and fault runs); part of the default run")


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> dict[str, Any]:
    """A dict the test fills with what it measured; reported at the end of the session."""
    return _FIGURES.setdefault(request.node.nodeid, {})


def pytest_terminal_summary(terminalreporter: Any) -> None:
    measured = {name: values for name, values in _FIGURES.items() if values}
    if not measured:
        return
    terminalreporter.section("reliability figures")
    for name, values in measured.items():
        terminalreporter.write_line(name)
        for key, value in values.items():
            terminalreporter.write_line(f"    {key}: {value}")
