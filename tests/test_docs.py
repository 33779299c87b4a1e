"""The documentation site builds: ``mkdocs build --strict`` from the repository root succeeds.

Strict mode turns every warning into a failure: a broken link between pages or to a heading, a
cross-reference to an API object that does not exist (``[SpotClient][binance_async.spot.SpotClient]``),
a docstring mkdocstrings cannot render, a missing included file (``benchmarks/RESULTS.md``). The
build runs offline. Its dependencies (mkdocs, mkdocs-material, mkdocstrings[python]) are in the test
extra, so this test always runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # Material's end-of-life banner
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, f"mkdocs build --strict failed:\n{built.stdout}\n{built.stderr}"

    assert (site / "index.html").is_file()
    for page in ("getting-started", "order-safety", "rate-limits", "oauth", "simulator", "cli", "benchmarks"):
        assert (site / page / "index.html").is_file(), page

    # The API reference is generated from the docstrings, inherited Spot methods included, with the
    # endpoint line that `@documents` adds at import time.
    spot = (site / "reference" / "spot" / "index.html").read_text(encoding="utf-8")
    assert "reconcile_order" in spot
    assert "reconcile_order_list" in spot
    assert "GET /api/v3/depth" in spot
    errors = (site / "reference" / "errors" / "index.html").read_text(encoding="utf-8")
    assert "ExecutionStatusUnknown" in errors

    # The benchmarks page shows the committed chart and includes the recorded results.
    benchmarks = (site / "benchmarks" / "index.html").read_text(encoding="utf-8")
    assert "assets/benchmarks-results.png" in benchmarks
    assert (site / "assets" / "benchmarks-results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "bench_instructions.py" in benchmarks

    # Nothing on the site is fetched from another host when a page is viewed (no web fonts).
    assert "fonts.googleapis.com" not in (site / "index.html").read_text(encoding="utf-8")
