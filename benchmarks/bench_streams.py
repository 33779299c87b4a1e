"""WebSocket market streams (issue 15): binance_async's order books and event streams against the floor
and the peers.

Run from the repository root::

    python benchmarks/bench_streams.py                      # every workload and side, 5 runs (~7 min)
    python benchmarks/bench_streams.py --quick              # a smoke test: small counts, 1 run
    python benchmarks/bench_streams.py --runs 3 --workloads depth,trades --sides floor,binance_async
    python benchmarks/bench_streams.py --ccxt-python /tmp/ccxtvenv/bin/python   # ccxt in its own venv
    python benchmarks/bench_streams.py --profile            # + cProfile of binance_async's timed regions
    python benchmarks/bench_streams.py --instructions       # only: valgrind instructions per depth message
    python benchmarks/bench_streams.py --json out.json --markdown out.md

One server process (``_streams_server.py``: pre-built messages, sent only when the harness asks) and,
for every measurement, a fresh client process (``_streams_sides.py``). Within a run every side is
measured back to back, their order rotating from run to run. Workloads:

* ``depth``: one book (``BTCUSDT``, 1000-level snapshot); the server blasts N diff-depth messages of 20
  levels as fast as the socket takes them; timed until the book is at the last message's ``u``.
* ``trades``: N ``btcusdt@trade`` events blasted, timed until the consumer's loop has seen the last id.
* ``memory``: books loaded from 5000-level snapshots; what they keep, per book (tracemalloc).
* ``books``: 200 and 1000 books (1000-level snapshots), each sent one 20-level update every 100 ms over
  the shared connections; the client process's CPU share over ``--seconds``.

Checks in every timed region: the server sent exactly the messages of the region, the side processed
them all (where it can be counted; ccxt checks each update's ``U`` itself), no resync (no snapshot
request inside the region, ``resyncs``/``gaps``/``crossed`` 0), the book equal to the server's
(best 500 levels a side) at the last ``u``, trade ids consecutive. A failed check is reported, never
hidden. Ratios are medians of per-run ratios to the floor measured in the same run. Targets (issue 15,
reported, not asserted): book maintenance >= 2x the floor and >= 3x every peer; trades delivered
>= 1.2x the floor; 1000 books at 100 ms under half a core.

The peers are skipped with a note when missing: python-binance (``binance``) in this interpreter,
ccxt in this interpreter or the one given by ``--ccxt-python`` / ``$BENCH_CCXT_PYTHON``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the sibling modules, however this script is started
    sys.path.insert(0, str(HERE))

from _harness import RESULT_PREFIX, ChildServer, cell, git_revision, rotated, run_worker, stats, times  # noqa: E402

SIDES = ("floor", "binance_async", "binance_async[block]", "python-binance", "ccxt")
OURS = "binance_async"
PEERS = ("python-binance", "ccxt")
WORKLOADS = ("depth", "trades", "memory", "books")

SIDE_NOTES = {
    "floor": "bare aiohttp `ws_connect` + `json.loads`; a dict per side per book, zero quantities removed, "
    "`U` = last `u` + 1 checked",
    "binance_async": "`SpotClient(stream_url=...)` defaults: `order_book` / `order_books` (kept in the "
    "socket reader), `stream()` (queue of 1000, `drop_oldest`); the sockets are the library's own "
    "WebSocket client (the client connects directly: no proxy, its own session)",
    "binance_async[block]": "trades only: `stream(..., overflow='block')`: the reader waits for the consumer "
    "(a connection of its own)",
    "python-binance": "`DepthCacheManager(ws_interval=100)` (a socket per book), `trade_socket`; "
    "`BinanceSocketManager(max_queue_size=1_000_000)`: at its default 100 a blast stops its read loop",
    "ccxt": "`ccxt.pro.binance` `watch_order_book` / `watch_trades` in a loop; spot markets only, "
    "`enableRateLimit=False`",
}


@dataclass(frozen=True)
class Task:
    """One row of the report: a workload and its parameters."""

    workload: str
    label: str
    sides: tuple[str, ...]
    spec: dict[str, Any]


# --------------------------------------------------------------------------- processes


class StreamServer(ChildServer):
    """``_streams_server.py`` in a child process; it exits when its stdin closes."""

    def __init__(self) -> None:
        super().__init__("_streams_server.py", what="the stream server")
        self.port: int = self.hello["port"]
        self.symbols: list[str] = self.hello["symbols"]


def interpreters(args: argparse.Namespace) -> tuple[dict[str, str], dict[str, str]]:
    """Which interpreter runs each side, and why a side is skipped."""
    python: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for side in args.sides:
        if side == "python-binance" and importlib.util.find_spec("binance") is None:
            skipped[side] = "python-binance is not installed (pip install python-binance)"
        elif side == "ccxt":
            candidates = [args.ccxt_python, os.environ.get("BENCH_CCXT_PYTHON"), sys.executable]
            found = next((c for c in candidates if c and _imports(c, "ccxt.pro")), None)
            if found is None:
                skipped[side] = (
                    "ccxt is not installed here and no --ccxt-python / $BENCH_CCXT_PYTHON with ccxt was given"
                )
            else:
                python[side] = found
        else:
            python[side] = sys.executable
    return python, skipped


def _imports(python: str, module: str) -> bool:
    try:
        probe = subprocess.run([python, "-c", f"import {module}, aiohttp"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def versions(python: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] = {"python": platform.python_version()}
    for dist in ("aiohttp", "msgspec", "python-binance", "websockets"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found[dist] = importlib.metadata.version(dist)
    if "ccxt" in python:
        probe = subprocess.run(
            [python["ccxt"], "-c", "import ccxt, aiohttp; print(ccxt.__version__, aiohttp.__version__)"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0:
            ccxt_version, aiohttp_version = probe.stdout.split()
            found["ccxt"] = f"{ccxt_version} (aiohttp {aiohttp_version}, {python['ccxt']})"
    return found


# --------------------------------------------------------------------------- the runs


def tasks(args: argparse.Namespace, symbols: list[str]) -> list[Task]:
    quick = args.quick
    books_sides = tuple(s for s in ("floor", OURS) if s in args.sides)
    book_sides = tuple(s for s in args.sides if s != "binance_async[block]")
    out: list[Task] = []
    if "depth" in args.workloads:
        n = args.depth_messages or (3000 if quick else 50_000)
        spec = {"symbol": "BTCUSDT", "n": n, "warm": 500 if quick else 2000, "book_depth": 1000}
        out.append(Task("depth", f"depth ({n:,} messages of 20 levels, 1000-level book)", book_sides, spec))
    if "trades" in args.workloads:
        n = args.trade_messages or (10_000 if quick else 200_000)
        spec = {"symbol": "BTCUSDT", "n": n, "warm": 1000 if quick else 5000}
        out.append(Task("trades", f"trades ({n:,} events)", tuple(args.sides), spec))
    if "memory" in args.workloads:
        n = 3 if quick else args.memory_books
        spec = {"symbols": symbols[-(n + 1) :], "book_depth": 5000}
        out.append(Task("memory", f"memory ({n} books of 5000 levels a side)", book_sides, spec))
    if "books" in args.workloads:
        counts = [50] if quick else args.books
        for count in counts:
            if count + 1 > len(symbols):
                raise SystemExit(f"the server has {len(symbols)} symbols, fewer than {count} books need")
            spec = {
                "symbols": symbols[1 : count + 1],
                "book_depth": 1000,
                "seconds": 1.0 if quick else args.seconds,
                "warm_s": 0.3 if quick else 1.0,
            }
            label = f"books_{count}"
            out.append(Task("books", label, books_sides, spec))
    return out


def fmt_measurement(m: dict[str, Any]) -> str:
    head = f"run {m['run']} {m['task']:<11} {m['side']:<21}"
    if "error" in m:
        return f"{head} ERROR: {m['error'].strip().splitlines()[-1]}"
    issues = "  [" + "; ".join(m["issues"]) + "]" if m["issues"] else ""
    if m["workload"] == "memory":
        return f"{head} {m['kb_per_book']:>9,.0f} KiB/book{issues}"
    line = f"{head} {m['msgs_per_s']:>10,.0f} msg/s {m['cpu_us_per_msg']:>7.2f} us CPU/msg"
    if m["workload"] == "books":
        line += f"  CPU share {m['cpu_share']:.1%}  opening {m['opening_s']:.1f} s"
    else:
        line += f"  server CPU {m['server_cpu_util']:.0%}"
    return line + issues + f"  ({m.get('process_s', 0):.1f} s)"


def issues_of(m: dict[str, Any], spec: dict[str, Any]) -> list[str]:
    """What the checks of a timed region found (empty: all passed)."""
    found: list[str] = []
    workload = m["workload"]
    if workload in ("depth", "trades"):
        n = spec["n"]
        if m["server_sent"] != n:
            found.append(f"server sent {m['server_sent']} of {n}")
        if m.get("processed") is not None and m["processed"] != n:
            found.append(f"processed {m['processed']:,} of {n:,}")
    if workload == "books" and m.get("processed") is not None and m["processed"] != m["server_sent"]:
        found.append(f"processed {m['processed']}, server sent {m['server_sent']} (in flight at the edges)")
    if m.get("resyncs"):
        found.append(f"{m['resyncs']} resyncs")
    if workload == "trades":
        if m["gaps"]:
            found.append(f"trade ids jumped {m['gaps']:,} times (events lost)")
        if not m["last_equal"]:
            found.append("the last trade id differs")
    if workload in ("depth", "books") and not m.get("book_equal"):
        found.append("book not at the server's last u")
    return found


def run_all(
    args: argparse.Namespace, python: dict[str, str], log: Callable[[str], None]
) -> tuple[list[Task], list[dict[str, Any]]]:
    server = StreamServer()
    measurements: list[dict[str, Any]] = []
    try:
        log(f"server: pid {server.proc.pid}, port {server.port}, {len(server.symbols)} symbols")
        plan = tasks(args, server.symbols)
        for run in range(1, args.runs + 1):
            for task in plan:
                sides = [s for s in task.sides if s in python]
                for side in rotated(sides, run - 1):
                    spec = dict(task.spec, side=side, workload=task.workload, port=server.port)
                    if args.profile and side.startswith(OURS) and task.workload != "memory":
                        spec["profile"] = True
                    m: dict[str, Any] = {
                        "run": run,
                        "task": task.label,
                        "workload": task.workload,
                        "side": side,
                    }
                    started = time.perf_counter()
                    m.update(run_worker("_streams_sides.py", spec, 300, python[side]))
                    m["process_s"] = time.perf_counter() - started
                    if "error" not in m:
                        m["issues"] = issues_of(m, task.spec)
                    log(fmt_measurement(m))
                    if "profile" in m:
                        log(m["profile"])
                    measurements.append(m)
    finally:
        server.close()
    return plan, measurements


# --------------------------------------------------------------------------- summary


METRICS = {
    "depth": ("msgs_per_s", "cpu_us_per_msg", "server_cpu_util", "peak_rss_mb"),
    "trades": ("msgs_per_s", "delivered_per_s", "cpu_us_per_msg", "server_cpu_util", "peak_rss_mb"),
    "memory": ("kb_per_book", "peak_kb_per_book", "wall_s"),
    "books": ("cpu_share", "cpu_us_per_msg", "msgs_per_s", "opening_s", "peak_rss_mb"),
}


def summarise(plan: list[Task], ms: list[dict[str, Any]]) -> dict[str, Any]:
    """Per (task, side): medians with min-max; per-run ratios between sides measured in the same run."""
    good = [m for m in ms if "error" not in m]
    cells: dict[str, dict[str, Any]] = {}
    ratios: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    for task in plan:
        by_side = {
            s: {m["run"]: m for m in good if m["task"] == task.label and m["side"] == s} for s in task.sides
        }
        cells[task.label] = {}
        for side, runs in by_side.items():
            if runs:
                cells[task.label][side] = {
                    k: stats(m[k] for m in runs.values()) for k in METRICS[task.workload]
                }
                cells[task.label][side]["checks"] = checks_text(task, list(runs.values()))
                cells[task.label][side]["runs_with_issues"] = sum(1 for m in runs.values() if m["issues"])
        ratios[task.label] = {}
        for a in task.sides:
            for b in task.sides:
                pairs = [(by_side[a][r], by_side[b][r]) for r in by_side[a] if r in by_side[b]]
                if a == b or not pairs:
                    continue
                entry: dict[str, Any] = {}
                if task.workload in ("depth", "trades"):
                    # higher is better for a: its msg/s over b's, and b's CPU per message over a's
                    entry["msgs_per_s"] = stats(x["msgs_per_s"] / y["msgs_per_s"] for x, y in pairs)
                    entry["cpu"] = stats(y["cpu_us_per_msg"] / x["cpu_us_per_msg"] for x, y in pairs)
                    if task.workload == "trades":
                        entry["delivered"] = stats(
                            x["delivered_per_s"] / y["delivered_per_s"] for x, y in pairs
                        )
                elif task.workload == "memory":
                    entry["memory"] = stats(y["kb_per_book"] / x["kb_per_book"] for x, y in pairs)
                else:
                    entry["cpu"] = stats(y["cpu_share"] / x["cpu_share"] for x, y in pairs)
                ratios[task.label][f"{a}/{b}"] = entry
    for m in ms:
        if "error" in m:
            notes.append(
                f"run {m['run']} {m['task']}/{m['side']} failed: {m['error'].strip().splitlines()[-1]}"
            )
    shares = {
        t.label: [m["cpu_share"] for m in good if m["task"] == t.label and m["side"] == OURS]
        for t in plan
        if t.workload == "books"
    }
    return {"cells": cells, "ratios": ratios, "notes": notes, "ours_cpu_shares": shares}


def checks_text(task: Task, rows: list[dict[str, Any]]) -> str:
    """The checks of a (task, side) over its runs, in a few words (each run's are in the JSON)."""
    runs = len(rows)
    parts: list[str] = []
    if task.workload in ("depth", "trades"):
        n = task.spec["n"]
        sent = [m["server_sent"] for m in rows if m["server_sent"] != n]
        if sent:
            parts.append(f"server sent {min(sent):,}–{max(sent):,} of {n:,} in {len(sent)} of {runs} runs")
        counted = [m["processed"] for m in rows if m.get("processed") is not None]
        short = [c for c in counted if c != n]
        if short:
            parts.append(
                f"**{min(short):,}–{max(short):,} of {n:,} delivered** "
                f"({len(short)} of {runs} runs; the rest lost)"
            )
        elif not counted:
            parts.append("not counted; every update's `U` = its `u` + 1 checked by ccxt, none failed")
        if task.workload == "trades" and any(not m["last_equal"] for m in rows):
            parts.append("last trade id differs")
    if task.workload == "books":
        diffs = [m["server_sent"] - m["processed"] for m in rows if m.get("processed") is not None]
        if any(diffs):
            parts.append(f"processed = sent − {min(diffs)}…{max(diffs)} (in flight at the region's edges)")
    resyncs = sum(m.get("resyncs") or 0 for m in rows)
    if resyncs:
        parts.append(f"**{resyncs} resyncs**")
    if task.workload in ("depth", "books"):
        equal = sum(1 for m in rows if m.get("book_equal"))
        parts.append(f"no resync; book = server's in {equal} of {runs}" if not resyncs else "")
    return "; ".join(p for p in parts if p) or "all passed"


# --------------------------------------------------------------------------- report


def pct(x: float) -> str:
    return f"{x:.1%}"


def markdown(plan: list[Task], summary: dict[str, Any], runs: int) -> str:
    cells, ratios = summary["cells"], summary["ratios"]
    out: list[str] = []

    def add(*lines: str) -> None:
        out.extend(lines)

    for task in plan:
        row = cells.get(task.label, {})
        rat = ratios.get(task.label, {})
        sides = [s for s in task.sides if s in row]
        if not sides:
            continue
        if task.workload in ("depth", "trades"):
            what = (
                "diff-depth maintenance"
                if task.workload == "depth"
                else "trade events delivered to a consumer"
            )
            add(f"### {what}: {task.label}, median of {runs} run(s) (min–max)", "")
            trades = task.workload == "trades"
            add(
                "| side | msg/s | "
                + ("delivered/s | delivered/s vs floor | " if trades else "")
                + "CPU µs/msg | msg/s vs floor | CPU vs floor (floor ÷ side) | server CPU | checks |",
                "| --- | ---: | "
                + ("---: | ---: | " if trades else "")
                + "---: | ---: | ---: | ---: | --- |",
            )
            for side in sides:
                c = row[side]
                vs = rat.get(f"{side}/floor", {})
                delivered = ""
                if trades:
                    ratio = cell(vs.get("delivered"), times) if side != "floor" else "1"
                    delivered = f"{cell(c['delivered_per_s'])} | {ratio} | "
                add(
                    f"| {side} | {cell(c['msgs_per_s'])} | {delivered}{cell(c['cpu_us_per_msg'])} | "
                    f"{cell(vs.get('msgs_per_s'), times) if side != 'floor' else '1'} | "
                    f"{cell(vs.get('cpu'), times) if side != 'floor' else '1'} | "
                    f"{cell(c['server_cpu_util'], pct)} | {c['checks']} |"
                )
            add("")
            ours = [s for s in sides if s.startswith(OURS)]
            peers = [p for p in PEERS if p in sides]
            if ours and peers:
                add(
                    "binance_async against each peer, same runs (msg/s ours ÷ theirs; CPU theirs ÷ ours):",
                    "",
                    "| ours | " + " | ".join(f"msg/s vs {p} | CPU vs {p}" for p in peers) + " |",
                    "| --- | " + " | ".join("---: | ---:" for _ in peers) + " |",
                )
                for o in ours:
                    parts = []
                    for p in peers:
                        r = rat.get(f"{o}/{p}", {})
                        parts.append(f"{cell(r.get('msgs_per_s'), times)} | {cell(r.get('cpu'), times)}")
                    add(f"| {o} | " + " | ".join(parts) + " |")
                add("")
        elif task.workload == "memory":
            add(f"### Memory: {task.label}, kept per book (tracemalloc), median of {runs} run(s)", "")
            add("| side | KiB per book | peak KiB per book while loading | vs floor (floor ÷ side) |")
            add("| --- | ---: | ---: | ---: |")
            for side in sides:
                c = row[side]
                vs = rat.get(f"{side}/floor", {}).get("memory")
                add(
                    f"| {side} | {cell(c['kb_per_book'])} | {cell(c['peak_kb_per_book'])} | "
                    f"{cell(vs, times) if side != 'floor' else '1'} |"
                )
            add("")
    books = [t for t in plan if t.workload == "books" and cells.get(t.label)]
    if books:
        add(
            "### Many books, one 20-level update per book every 100 ms: client CPU share, "
            f"median of {runs} run(s)",
            "",
            "| books | side | CPU share of one core | CPU µs/msg | msg/s | vs floor (floor ÷ side) | "
            "opening (s) | checks |",
            "| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |",
        )
        for task in books:
            for side in [s for s in task.sides if s in cells[task.label]]:
                c = cells[task.label][side]
                vs = ratios[task.label].get(f"{side}/floor", {}).get("cpu")
                add(
                    f"| {len(task.spec['symbols'])} | {side} | {cell(c['cpu_share'], pct)} | "
                    f"{cell(c['cpu_us_per_msg'])} | {cell(c['msgs_per_s'])} | "
                    f"{cell(vs, times) if side != 'floor' else '1'} | {cell(c['opening_s'])} | "
                    f"{c['checks']} |"
                )
        add("")
    targets = target_lines(plan, summary)
    if targets:
        add("Targets of issue 15 (medians of the per-run ratios):", "", *targets, "")
    if summary["notes"]:
        add("Notes:", "", *[f"* {n}" for n in summary["notes"]], "")
    return "\n".join(out)


def target_lines(plan: list[Task], summary: dict[str, Any]) -> list[str]:
    ratios, cells = summary["ratios"], summary["cells"]
    lines: list[str] = []

    def verdict(value: float, goal: float, below: bool = False) -> str:
        met = value < goal if below else value >= goal
        return "met" if met else "**not met**"

    for task in plan:
        rat = ratios.get(task.label, {})
        if task.workload == "depth" and f"{OURS}/floor" in rat:
            r = rat[f"{OURS}/floor"]
            lines.append(
                f"* book maintenance >= 2× the floor: msg/s {r['msgs_per_s']['median']:.2f}×, CPU "
                f"{r['cpu']['median']:.2f}×: {verdict(r['msgs_per_s']['median'], 2.0)}"
            )
            for peer in PEERS:
                if f"{OURS}/{peer}" in rat:
                    p = rat[f"{OURS}/{peer}"]
                    lines.append(
                        f"* book maintenance >= 3× {peer}: msg/s {p['msgs_per_s']['median']:.2f}×, CPU "
                        f"{p['cpu']['median']:.2f}×: {verdict(p['msgs_per_s']['median'], 3.0)}"
                    )
        if task.workload == "trades":
            for ours in (OURS, f"{OURS}[block]"):
                if f"{ours}/floor" in rat:
                    r = rat[f"{ours}/floor"]
                    lines.append(
                        f"* trades delivered >= 1.2× the floor ({ours}): delivered/s "
                        f"{r['delivered']['median']:.2f}× (read and decoded: msg/s "
                        f"{r['msgs_per_s']['median']:.2f}×, CPU {r['cpu']['median']:.2f}×): "
                        f"{verdict(r['delivered']['median'], 1.2)}"
                    )
        if (
            task.workload == "books"
            and len(task.spec["symbols"]) == 1000
            and OURS in cells.get(task.label, {})
        ):
            share = cells[task.label][OURS]["cpu_share"]
            above = sum(1 for x in summary["ours_cpu_shares"][task.label] if x >= 0.5)
            runs = share["n"]
            lines.append(
                f"* 1000 books at 100 ms under half a core: {share['median']:.1%} "
                f"({share['min']:.1%}–{share['max']:.1%}): {verdict(share['median'], 0.5, below=True)}"
                + (f" by the median; {above} of {runs} runs at or above half a core" if above else "")
            )
    return lines


# --------------------------------------------------------------------------- valgrind


def instructions(args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    """Client instructions per depth message (callgrind), floor and ours: (I(n2) - I(n1)) / (n2 - n1)."""
    if shutil.which("valgrind") is None:
        log("valgrind is not installed: --instructions skipped")
        return {"skipped": "valgrind is not installed"}
    server = StreamServer()
    per_message: dict[str, float] = {}
    try:
        for side in ("floor", OURS):
            counts = []
            for n in (args.n1, args.n2):
                spec = {"side": side, "workload": "depth", "port": server.port, "symbol": "BTCUSDT", "n": n}
                spec.update(warm=200, book_depth=1000)
                command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
                command += [str(HERE / "_streams_sides.py"), json.dumps(spec)]
                proc = subprocess.run(command, capture_output=True, text=True, cwd=str(HERE), timeout=1800)
                match = re.search(r"Collected : (\d+)", proc.stderr)
                if match is None or RESULT_PREFIX + '{"error"' in proc.stdout:
                    raise RuntimeError(f"{side}, n={n}: {proc.stdout[-1500:]}{proc.stderr[-1500:]}")
                counts.append(int(match.group(1)))
            per_message[side] = (counts[1] - counts[0]) / (args.n2 - args.n1)
            log(f"  {side:15s} {per_message[side]:12,.0f} instructions per depth message")
    finally:
        server.close()
    ratio = per_message["floor"] / per_message[OURS]
    log(f"  floor ÷ ours: {ratio:.2f}×")
    return {"per_message": per_message, "n1": args.n1, "n2": args.n2, "floor_over_ours": ratio}


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=None, help="runs (default 5; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a smoke test: small counts, short regions")
    parser.add_argument("--sides", default=",".join(SIDES), help="comma-separated, from: " + ", ".join(SIDES))
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help="from: " + ", ".join(WORKLOADS))
    parser.add_argument("--books", default="200,1000", help="book counts of the books workload")
    parser.add_argument("--seconds", type=float, default=8.0, help="timed seconds of the books workload")
    parser.add_argument("--memory-books", type=int, default=10, help="books traced in the memory workload")
    parser.add_argument("--depth-messages", type=int, default=None, help="messages of the depth workload")
    parser.add_argument("--trade-messages", type=int, default=None, help="events of the trades workload")
    parser.add_argument(
        "--ccxt-python", default=None, help="an interpreter with ccxt (and aiohttp) installed"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile binance_async's timed regions")
    parser.add_argument("--instructions", action="store_true", help="only the valgrind instruction counts")
    parser.add_argument("--n1", type=int, default=500, help="--instructions: messages of the short run")
    parser.add_argument("--n2", type=int, default=2500, help="--instructions: messages of the long run")
    parser.add_argument("--json", default=None, help="write everything as JSON here")
    parser.add_argument("--markdown", default=None, help="write the tables here")
    args = parser.parse_args(argv)
    args.runs = args.runs or (1 if args.quick else 5)
    args.sides = [s for s in args.sides.split(",") if s]
    args.workloads = [w for w in args.workloads.split(",") if w]
    args.books = [int(b) for b in args.books.split(",") if b]
    for side in args.sides:
        if side not in SIDES:
            parser.error(f"unknown side {side!r}")
    for workload in args.workloads:
        if workload not in WORKLOADS:
            parser.error(f"unknown workload {workload!r}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def log(line: str) -> None:
        print(line, flush=True)

    started = time.perf_counter()
    if args.instructions:
        result = instructions(args, log)
        if args.json:
            Path(args.json).write_text(json.dumps({"instructions": result}, indent=2))
        return 0 if "per_message" in result or "skipped" in result else 1
    python, skipped = interpreters(args)
    for side, why in skipped.items():
        log(f"skipped {side}: {why}")
    if "floor" not in python:
        log("note: without the floor there are no ratios")
    env = {
        "date": datetime.date.today().isoformat(),
        "git": git_revision(),
        "platform": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "versions": versions(python),
    }
    log(f"environment: {env}")
    plan, measurements = run_all(args, python, log)
    summary = summarise(plan, measurements)
    report = markdown(plan, summary, args.runs)
    elapsed = time.perf_counter() - started
    log("")
    log(report)
    log(f"elapsed {elapsed:.0f} s")
    if args.markdown:
        Path(args.markdown).write_text(report + "\n")
    if args.json:
        doc = {
            "environment": env,
            "args": {k: v for k, v in vars(args).items()},
            "sides": {s: SIDE_NOTES[s] for s in python},
            "skipped": skipped,
            "tasks": [{"label": t.label, "workload": t.workload, "sides": t.sides} for t in plan],
            "measurements": measurements,
            "summary": summary,
            "elapsed_s": elapsed,
        }
        Path(args.json).write_text(json.dumps(doc, indent=2))
    return 1 if any("error" in m for m in measurements) else 0


if __name__ == "__main__":
    sys.exit(main())
