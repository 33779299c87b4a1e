"""Client processes sharing one IP's limits through one Redis, against one simulator process: the short
version of ``benchmarks/bench_redis_limits.py`` (the same harness; RESULTS.md has the long runs).

4 processes of 50 tasks saturate a window of 600 weight per 2 s (the simulator counts per IP: every
process is 127.0.0.1) for 4 whole windows:

* through Redis: no 429, no 418, and the windows used to at least 90%;
* two groups of processes whose local clocks are 4 s apart (each syncs to the server's clock): no 429;
* Redis killed a quarter into the run and started again (empty) at half: no 418, and every process
  fell back to its local share and was back on the store by the end.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.redis.conftest import NO_REDIS
from tests.redis.redis_server import redis_server_binary

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(redis_server_binary() is None, reason=NO_REDIS)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("bench") / "redis_limits.json"
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "bench_redis_limits.py"),
        *("--window", "2", "--limit", "600", "--windows", "4", "--runs", "1"),
        *("--processes", "4", "--tasks", "50", "--skew", "4000", "--ban-seconds", "5"),
        *("--scenarios", "shared,skew,outage", "--json", str(out)),
    ]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert out.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    print(proc.stdout)
    return {r["scenario"]: r for r in result["runs"]}


def test_processes_sharing_redis_use_the_window_without_a_429(runs: dict[str, dict[str, Any]]) -> None:
    shared = runs["shared"]
    assert "error" not in shared, shared.get("error")
    assert (shared["429"], shared["418"]) == (0, 0)
    assert shared["utilisation_mean"] >= 0.90, shared["windows"]
    assert all(w["final_status"] == "shared" for w in shared["workers"])


def test_processes_with_clocks_seconds_apart_still_see_no_429(runs: dict[str, dict[str, Any]]) -> None:
    skew = runs["skew"]
    assert "error" not in skew, skew.get("error")
    offsets = sorted(w["offset_ms"] for w in skew["workers"])
    assert offsets[0] < -1500 and offsets[-1] > 1500  # the local clocks were off; each synced
    assert (skew["429"], skew["418"]) == (0, 0)
    assert skew["utilisation_mean"] >= 0.85


def test_redis_killed_and_restarted_no_418_and_everyone_rejoins(runs: dict[str, dict[str, Any]]) -> None:
    outage = runs["outage"]
    assert "error" not in outage, outage.get("error")
    assert outage["418"] == 0
    for worker in outage["workers"]:
        seen = [status for _, status in worker["statuses"]]
        assert "fallback" in seen, worker["statuses"]
        assert worker["final_status"] == "shared" and worker["outages"] >= 1
