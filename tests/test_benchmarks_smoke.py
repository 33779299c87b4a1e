"""``python -m benchmarks`` in a tiny quick mode: it runs, every part reports, nothing fails.

No timing is asserted (the figures of so short a run mean nothing): only that the harness produces
the rows it should. The peers are measured when installed (python-binance comes with the ``test``
extra; ccxt, orjson and matplotlib only with ``bench``) and reported as skipped otherwise.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKLOADS = ["ticker", "order_test"]


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench") / "quick.json"
    sides = ["floor", "binance_async", "python-binance", "ccxt"]
    command = [
        sys.executable,
        "-m",
        "benchmarks",
        "--quick",
        "--runs",
        "1",
        "--only",
        ",".join([*WORKLOADS, "limiter", "decode"]),
        "--sides",
        ",".join(sides),
        "--limiter-windows",
        "1",
        "--limiter-tasks",
        "20",
        "--no-chart",
        "--json",
        str(out),
    ]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    doc: dict[str, Any] = json.loads(out.read_text())
    doc["stdout"] = proc.stdout
    return doc


def expected_sides() -> list[str]:
    return ["floor", "binance_async"] + [
        side for side, module in (("python-binance", "binance"), ("ccxt", "ccxt")) if installed(module)
    ]


def test_throughput_table_has_every_workload_and_side(quick_run: dict[str, Any]) -> None:
    tp = quick_run["throughput"]
    sides = expected_sides()
    assert tp["sides"] == sides
    assert all("error" not in m for m in tp["measurements"]), tp["measurements"]
    assert len(tp["measurements"]) == len(WORKLOADS) * len(sides)
    cells = tp["summary"]["cells"]
    assert sorted(cells) == sorted(WORKLOADS)
    for workload in WORKLOADS:
        assert sorted(cells[workload]) == sorted(sides)
        for side in sides:
            assert cells[workload][side]["req_per_s"]["median"] > 0
            assert cells[workload][side]["peak_rss_mb"]["median"] > 0
        for side in sides[1:]:
            assert f"{side}/floor" in tp["summary"]["ratios"][workload]
    for m in tp["measurements"]:  # no side sent anything but the measured requests while timed
        assert m["server_requests"] == m["requests"], m
        assert m["server_errors"] == 0, m
    if not installed("ccxt"):
        assert "ccxt" in tp["skipped"]
    assert "| ticker (" in quick_run["stdout"]  # the Markdown table was printed


def test_limiter_reports_each_library(quick_run: dict[str, Any]) -> None:
    results = {r["lib"]: r for r in quick_run["limiter"]["results"]}
    assert sorted(results) == sorted(["binance_async", "python-binance", "ccxt"])
    ours = results["binance_async"]
    assert "error" not in ours and len(ours["windows"]) == 1
    assert ours["ok"] > 0
    for lib, module in (("python-binance", "binance"), ("ccxt", "ccxt")):
        assert ("windows" in results[lib]) if installed(module) else ("skipped" in results[lib])


def test_decode_rows(quick_run: dict[str, Any]) -> None:
    rows = quick_run["decode"]["rows"]
    decoders = {(r["payload"], r["decoder"]) for r in rows}
    for payload in ("depth", "exchange_info"):
        for decoder in ("json.loads", "msgspec (dicts)", "binance_async Structs"):
            assert (payload, decoder) in decoders
        assert (payload, "orjson.loads") in decoders or not installed("orjson")
    assert all(r["median_ms"] > 0 for r in rows)
    assert all(r["retained_mb"] > 0 for r in rows if r["payload"] == "exchange_info")


def test_chart(quick_run: dict[str, Any], tmp_path: Path) -> None:
    if not installed("matplotlib"):
        pytest.skip("matplotlib is not installed (the bench extra)")
    doc = {k: v for k, v in quick_run.items() if k != "stdout"}
    source = tmp_path / "quick.json"
    source.write_text(json.dumps(doc))
    png = tmp_path / "chart.png"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "chart.py"), str(source), str(png)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bench_streams_quick_produces_figures(tmp_path: Path) -> None:
    """``bench_streams.py --quick`` for the floor and binance_async: every workload gives figures."""
    out = tmp_path / "streams.json"
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "bench_streams.py"),
        "--quick",
        "--sides",
        "floor,binance_async",
        "--json",
        str(out),
    ]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    doc: dict[str, Any] = json.loads(out.read_text())
    measurements = doc["measurements"]
    assert all("error" not in m for m in measurements), measurements
    assert {(m["workload"], m["side"]) for m in measurements} == {
        (w, s) for w in ("depth", "trades", "memory", "books") for s in ("floor", "binance_async")
    }
    cells = doc["summary"]["cells"]
    for m in measurements:
        cell = cells[m["task"]][m["side"]]
        if m["workload"] == "memory":
            assert cell["kb_per_book"]["median"] > 0
        else:
            assert cell["msgs_per_s"]["median"] > 0 and cell["cpu_us_per_msg"]["median"] > 0
        if m["workload"] == "depth":  # every message of the region applied, no resync, the server's book
            assert m["server_sent"] == m["processed"] and m["resyncs"] == 0 and m["book_equal"], m
        if m["workload"] == "books":
            assert m["cpu_share"] > 0 and m["resyncs"] == 0 and m["book_equal"], m
    depth = next(t["label"] for t in doc["tasks"] if t["workload"] == "depth")
    assert "binance_async/floor" in doc["summary"]["ratios"][depth]
    assert "| binance_async |" in proc.stdout  # the Markdown tables were printed


def test_bench_ws_api_quick_produces_figures(tmp_path: Path) -> None:
    """``bench_ws_api.py --quick`` with an HMAC key: REST and WebSocket API orders, user stream events."""
    out = tmp_path / "ws_api.json"
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "bench_ws_api.py"),
        "--quick",
        "--keys",
        "hmac",
        "--workloads",
        "sequential,events",
        "--orders",
        "100",
        "--burst",
        "300",
        "--json",
        str(out),
    ]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    doc: dict[str, Any] = json.loads(out.read_text())
    measurements = doc["measurements"]
    assert all("error" not in m for m in measurements), measurements
    assert {(m["workload"], m["side"]) for m in measurements} == {
        ("sequential", "rest[hmac]"),
        ("sequential", "ws[hmac]"),
        ("events", "user_stream[hmac]"),
    }
    for m in measurements:  # the checks of every timed region passed: orders placed, reports heard
        assert m["issues"] == [], m
        if m["workload"] == "events":
            assert m["reports"] == m["n"] + m["fills"] and m["reports_per_s"] > 0, m
        else:
            assert m["p50_us"] > 0 and m["p99_us"] >= m["p50_us"], m
    sequential = next(t["label"] for t in doc["tasks"] if t["workload"] == "sequential")
    assert "ws[hmac]/rest[hmac]" in doc["summary"]["ratios"][sequential]
    assert "| ws[hmac] |" in proc.stdout  # the Markdown tables were printed
