"""Shared test setup.

aioresponses 0.7.9 (the newest release) builds ``aiohttp.ClientResponse`` without the keyword-only
``stream_writer`` argument that aiohttp 3.14 made mandatory (pnuckowski/aioresponses#289). Until a
release fixes it, the response class aioresponses uses by default is swapped for a subclass that
supplies a stand-in writer. Only the test suite is affected; the library runs on any aiohttp >= 3.9.
Only the OAuth unit tests (the ``mocked`` fixture of tests/unit/conftest.py) still use aioresponses;
the rest answer requests through ``binance_async.testing``. This patch goes with the last of them.

Hypothesis runs under one of two profiles, chosen here (before any test module is imported, so every
``@settings(...)`` in the tests inherits from it):

* ``ci`` when the environment variable ``CI`` is set (CI runs with ``CI=true``): derandomized, so each
  property test sees the same examples on every run and a failure reproduces exactly; no example
  database (nothing replayed from an earlier run); the failing example's reproduction blob printed;
  no deadline and no too-slow health check (a shared 2-core machine).
* ``dev`` otherwise: Hypothesis's defaults (random examples, failures saved to ``.hypothesis/`` and
  replayed first).

``HYPOTHESIS_PROFILE=ci`` (or ``dev``), or pytest's ``--hypothesis-profile``, picks one explicitly.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

import aioresponses.core
from aiohttp import ClientResponse
from hypothesis import HealthCheck, settings

settings.register_profile("dev", settings.get_profile("default"))
settings.register_profile(
    "ci",
    settings.get_profile("default"),
    derandomize=True,
    database=None,
    print_blob=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE")
    or ("ci" if os.environ.get("CI", "").lower() not in ("", "0", "false", "no") else "dev")
)

_NEEDS_WRITER = "stream_writer" in inspect.signature(ClientResponse.__init__).parameters


class _FinishedUpload:
    output_size = 0


class _CompatResponse(ClientResponse):
    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        if _NEEDS_WRITER:
            kwargs.setdefault("stream_writer", _FinishedUpload())
        super().__init__(method, url, **kwargs)


setattr(aioresponses.core, "ClientResponse", _CompatResponse)  # noqa: B010 - the module does not export it
