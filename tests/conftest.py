"""Shared test setup.

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

import os

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
