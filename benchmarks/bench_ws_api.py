"""The WebSocket API (issue 16): an order's round trip over ``client.ws_api()`` against REST, and the user
data stream's execution reports delivered to a consumer, through binance_async against the embedded
simulator (`binance_async.sim`) and against a local server that answers orders at once.

Run from the repository root::

    python benchmarks/bench_ws_api.py                    # every workload, side and server, 5 runs
    python benchmarks/bench_ws_api.py --quick            # a smoke test: small counts, 1 run
    python benchmarks/bench_ws_api.py --runs 3 --workloads sequential --keys hmac --server local
    python benchmarks/bench_ws_api.py --profile          # + cProfile of client and server (sequential)
    python benchmarks/bench_ws_api.py --json out.json --markdown out.md

Servers (``--server sim|local|both``, default both: one run reports both):

* ``sim``: the simulator (``_ws_api_server.py``: the library's `Simulator`, unchanged, roomy rate limits
  and balances, 100 markets); an order goes through its matching engine (~150-200 µs of its CPU,
  the same on both transports);
* ``local``: ``_ws_api_local_server.py``, aiohttp answering ``POST /api/v3/order`` and the WebSocket API's
  ``order.place`` (and ``session.logon``) at once with a ready-made FULL answer, the rate-limit headers
  and ``rateLimits`` Binance sends, the simulator's exchangeInfo; it verifies no signature (see its
  docstring). The transports compared without the engine's fixed cost. Orders only (no ``events``).

``--floor`` adds, against the local server, the sides ``rest[floor]`` and ``ws[floor]``: the same orders
sent with bare aiohttp (no library: a ready-made form body or text frame, ``json.loads`` of the answer,
no signature; see ``_ws_api_sides.floor``), and a table of what the library adds to them per order.

Every measurement has a fresh server process and a fresh client process (``_ws_api_sides.py``), on
127.0.0.1. Within a run the sides go back to back, REST and WebSocket in turn, their order rotating from
run to run. Workloads:

* ``sequential``: N MARKET orders one after another (BUY and SELL in turn, going round the markets, FULL
  answers), each timed from the call to its typed answer: median (p50) and p99 latency per order.
  Sides: REST (``await client.new_order(...)``) and the WebSocket API (``async with client.ws_api() as
  ws: await ws.new_order(...)``), each with an HMAC key (every request signed) and an Ed25519 key (REST:
  every request signed; WebSocket: ``session.logon`` once, then no signature).
* ``concurrent``: the same from 10 tasks (one connection for the WebSocket API, aiohttp's pool for REST).
* ``events``: a consumer in ``async with client.user_stream() as events: async for event in events``
  while the simulator places N MARKET orders straight into its engine (50 at a time, its loop free
  between), timed until the consumer has seen every execution report (a NEW per order, a TRADE per fill).

Checks in every timed region (``issues``; a failed one is reported, never hidden): the server holds
exactly the orders sent (the simulator's engine; the local server: placed, no client order id twice,
nothing refused); its HTTP and WebSocket API request counts moved by exactly the orders sent
over each (no clock sync, retry or reconnect inside); every answer FILLED, every order id once; for
events, every order's NEW and every fill's trade id heard once, nothing dropped by the queue, nothing
more after a pause. Ratios are medians of per-run ratios of two sides measured in the same run. Target
(issue 16, reported, not asserted): the WebSocket API's median latency >= 1.5x lower than REST's on
loopback.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.metadata
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the sibling modules, however this script is started
    sys.path.insert(0, str(HERE))

from _harness import ChildServer, cell, git_revision, rotated, run_worker, stats, times  # noqa: E402

WORKLOADS = ("sequential", "concurrent", "events")
KEYS = ("hmac", "ed25519")
#: The servers (``--server``): their script and what the report calls them.
SERVERS = {"sim": "_ws_api_server.py", "local": "_ws_api_local_server.py"}
SERVER_TITLES = {"sim": "simulator", "local": "local server"}
FLOOR = "floor"
TARGET = 1.5

SIDE_NOTES = {
    "rest": "`await client.new_order(...)` (`SpotClient` defaults: aiohttp, limiter on)",
    "ws": "`async with client.ws_api() as ws: await ws.new_order(...)` (one connection)",
    "rest[floor]": "bare aiohttp `session.post` of a ready-made form body, `json.loads` (no library)",
    "ws[floor]": "bare aiohttp `ws_connect`, `send_str` of a ready-made frame, `json.loads` (no library)",
    "user_stream": "`async with client.user_stream() as events: async for event in events` "
    "(defaults: queue of 1000, `drop_oldest`)",
}


@dataclass(frozen=True)
class Task:
    """One table of the report: a workload and its parameters."""

    workload: str
    server: str
    label: str
    sides: tuple[str, ...]
    spec: dict[str, Any]


def side_name(transport: str, key: str) -> str:
    return f"{transport}[{key}]"


def side_parts(side: str) -> tuple[str, str]:
    transport, _, key = side.partition("[")
    return transport, key.rstrip("]")


# --------------------------------------------------------------------------- processes


class Server(ChildServer):
    """The simulator or the local server (`SERVERS`) in a child process; it exits when its stdin closes."""

    def __init__(self, kind: str, markets: int) -> None:
        super().__init__(SERVERS[kind], "--markets", str(markets), what=f"the {SERVER_TITLES[kind]}")


def measure(spec: dict[str, Any], server_kind: str, markets: int) -> dict[str, Any]:
    """One measurement: a fresh server, a fresh client process."""
    try:
        server = Server(server_kind, markets)
    except (OSError, RuntimeError, ValueError) as error:
        return {"error": f"the {SERVER_TITLES[server_kind]} did not start: {error}"}
    try:
        return run_worker("_ws_api_sides.py", dict(spec, **server.hello), 300)
    finally:
        server.close()


def versions() -> dict[str, str]:
    found: dict[str, str] = {"python": platform.python_version()}
    for dist in ("aiohttp", "msgspec", "cryptography"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found[dist] = importlib.metadata.version(dist)
    return found


# --------------------------------------------------------------------------- the runs


def tasks(args: argparse.Namespace) -> list[Task]:
    """The tables, in the order they are measured within a run: each workload against each server."""
    quick = args.quick
    library_sides = tuple(side_name(t, k) for k in args.keys for t in ("rest", "ws"))
    floor_sides = (side_name("rest", FLOOR), side_name("ws", FLOOR)) if args.floor else ()
    out: list[Task] = []

    def against(server: str) -> str:
        return f"against the {SERVER_TITLES[server]}"

    def order_sides(server: str) -> tuple[str, ...]:
        return library_sides + floor_sides if server == "local" else library_sides

    if "sequential" in args.workloads:
        n = args.orders or (200 if quick else 2000)
        spec = {"workload": "orders", "n": n, "concurrency": 1, "warm": 20 if quick else 50}
        for server in args.servers:
            label = f"sequential ({n:,} orders, one at a time) {against(server)}"
            out.append(Task("sequential", server, label, order_sides(server), spec))
    if "concurrent" in args.workloads:
        n = args.orders or (200 if quick else 2000)
        c = args.concurrency
        spec = {"workload": "orders", "n": n, "concurrency": c, "warm": 20 if quick else 50}
        for server in args.servers:
            label = f"concurrent ({n:,} orders from {c} tasks) {against(server)}"
            out.append(Task("concurrent", server, label, order_sides(server), spec))
    if "events" in args.workloads and "sim" in args.servers:  # the simulator's engine makes the events
        n = args.burst or (500 if quick else 10_000)
        spec = {"workload": "events", "n": n, "chunk": 50}
        sides = tuple(side_name("user_stream", k) for k in args.keys)
        label = f"events ({n:,} MARKET orders placed in the engine)"
        out.append(Task("events", "sim", label, sides, spec))
    return out


def fmt_measurement(m: dict[str, Any]) -> str:
    head = f"run {m['run']} {m['server']:<5} {m['workload']:<10} {m['side']:<20}"
    if "error" in m:
        return f"{head} ERROR: {m['error'].strip().splitlines()[-1]}"
    issues = "  [" + "; ".join(m["issues"]) + "]" if m["issues"] else ""
    if m["workload"] == "events":
        line = (
            f"{head} {m['reports_per_s']:>9,.0f} reports/s {m['events_per_s']:>9,.0f} events/s "
            f"client {m['client_cpu_us']:.1f} us/event ({m['client_cpu_util']:.0%}) "
            f"server {m['server_cpu_util']:.0%}"
        )
    else:
        line = (
            f"{head} p50 {m['p50_us']:>7,.0f} us  p99 {m['p99_us']:>7,.0f} us  {m['orders_per_s']:>7,.0f} "
            f"orders/s  CPU/order client {m['client_cpu_us']:.0f} us, server {m['server_cpu_us']:.0f} us"
        )
    return line + issues + f"  ({m.get('process_s', 0):.1f} s)"


def run_all(args: argparse.Namespace, log: Callable[[str], None]) -> tuple[list[Task], list[dict[str, Any]]]:
    plan = tasks(args)
    measurements: list[dict[str, Any]] = []
    for run in range(1, args.runs + 1):
        for task in plan:
            for side in rotated(list(task.sides), run - 1):
                transport, key = side_parts(side)
                spec = dict(task.spec, transport=transport, key=key)
                if args.profile and task.workload in ("sequential", "events") and key == "hmac" and run == 1:
                    spec["profile"] = True
                m: dict[str, Any] = {
                    "run": run,
                    "task": task.label,
                    "workload": task.workload,
                    "server": task.server,
                    "side": side,
                }
                started = time.perf_counter()
                m.update(measure(spec, task.server, args.markets))
                m["process_s"] = time.perf_counter() - started
                log(fmt_measurement(m))
                for part in ("profile_client", "profile_server"):
                    if part in m:
                        log(f"--- {part} ({side}, {task.workload}, {SERVER_TITLES[task.server]})\n{m[part]}")
                measurements.append(m)
    return plan, measurements


# --------------------------------------------------------------------------- summary


METRICS = {
    "orders": ("p50_us", "p99_us", "mean_us", "orders_per_s", "client_cpu_us", "server_cpu_us"),
    "events": (
        "reports_per_s",
        "events_per_s",
        "client_cpu_us",
        "server_cpu_us",
        "client_cpu_util",
        "server_cpu_util",
        "first_event_ms",
    ),
}


def summarise(plan: list[Task], ms: list[dict[str, Any]]) -> dict[str, Any]:
    """Per (task, side): medians with min-max; per-run ratios REST ÷ WebSocket measured in the same run;
    per-run differences of each library side to the floor of its transport (``over_floor``)."""
    good = [m for m in ms if "error" not in m]
    cells: dict[str, dict[str, Any]] = {}
    ratios: dict[str, dict[str, Any]] = {}
    over_floor: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    for task in plan:
        by_side = {
            s: {m["run"]: m for m in good if m["task"] == task.label and m["side"] == s} for s in task.sides
        }
        metrics = METRICS["events" if task.workload == "events" else "orders"]
        cells[task.label] = {}
        for side, runs in by_side.items():
            if runs:
                cell: dict[str, Any] = {k: stats(m[k] for m in runs.values()) for k in metrics}
                cell["runs_with_issues"] = sum(1 for m in runs.values() if m["issues"])
                cell["issues"] = sorted({i for m in runs.values() for i in m["issues"]})
                cells[task.label][side] = cell
        ratios[task.label] = {}
        if task.workload == "events":
            continue
        pairs_of = [(side_name("rest", k), side_name("ws", k)) for k in KEYS]
        pairs_of.append((side_name("rest", "hmac"), side_name("ws", "ed25519")))
        pairs_of.append((side_name("rest", FLOOR), side_name("ws", FLOOR)))
        for rest, ws in pairs_of:
            pairs = [
                (by_side[rest][r], by_side[ws][r]) for r in by_side.get(rest, {}) if r in by_side.get(ws, {})
            ]
            if not pairs:
                continue
            # higher is better for the WebSocket API: REST's latency over its own, its orders/s over REST's
            ratios[task.label][f"{ws}/{rest}"] = {
                "p50": stats(a["p50_us"] / b["p50_us"] for a, b in pairs),
                "p99": stats(a["p99_us"] / b["p99_us"] for a, b in pairs),
                "orders_per_s": stats(b["orders_per_s"] / a["orders_per_s"] for a, b in pairs),
                "client_cpu": stats(a["client_cpu_us"] / b["client_cpu_us"] for a, b in pairs),
                "server_cpu": stats(a["server_cpu_us"] / b["server_cpu_us"] for a, b in pairs),
            }
        over_floor[task.label] = {}
        for side in task.sides:
            transport, key = side_parts(side)
            base = by_side.get(side_name(transport, FLOOR), {})
            both = [(by_side[side][r], base[r]) for r in by_side[side] if r in base]
            if key == FLOOR or not both:
                continue
            over_floor[task.label][side] = {
                k: stats(a[f"{k}_us"] - b[f"{k}_us"] for a, b in both) for k in ("p50", "p99", "client_cpu")
            }
    for m in ms:
        if "error" in m:
            notes.append(
                f"run {m['run']} {m['workload']}/{m['side']} against the {SERVER_TITLES[m['server']]} "
                f"failed: {m['error'].strip().splitlines()[-1]}"
            )
    return {"cells": cells, "ratios": ratios, "over_floor": over_floor, "notes": notes}


# --------------------------------------------------------------------------- report


def pct(x: float) -> str:
    return f"{x:.0%}"


def signed(x: float) -> str:
    """A difference in µs, with its sign."""
    return f"{x:+,.0f}" if abs(x) >= 10 else f"{x:+.1f}"


def checks_text(c: dict[str, Any], runs: int) -> str:
    if not c["runs_with_issues"]:
        return "all passed"
    return f"**{c['runs_with_issues']} of {runs} runs:** " + "; ".join(c["issues"])


def markdown(plan: list[Task], summary: dict[str, Any], runs: int) -> str:
    cells, ratios = summary["cells"], summary["ratios"]
    out: list[str] = []
    add = out.extend
    for task in plan:
        row = cells.get(task.label, {})
        sides = [s for s in task.sides if s in row]
        if not sides:
            continue
        if task.workload == "events":
            add(
                [
                    f"### Execution reports delivered to a consumer: {task.label}, median of {runs} run(s) "
                    "(min–max)",
                    "",
                    "| side | execution reports/s | all events/s | client CPU µs/event | client CPU share | "
                    "simulator CPU µs/event | simulator CPU share | checks |",
                    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
                ]
            )
            for side in sides:
                c = row[side]
                n = c["reports_per_s"]["n"]
                add(
                    [
                        f"| {side} | {cell(c['reports_per_s'])} | {cell(c['events_per_s'])} | "
                        f"{cell(c['client_cpu_us'])} | {cell(c['client_cpu_util'], pct)} | "
                        f"{cell(c['server_cpu_us'])} | {cell(c['server_cpu_util'], pct)} | "
                        f"{checks_text(c, int(n))} |"
                    ]
                )
            add([""])
            continue
        server = SERVER_TITLES[task.server]
        add(
            [
                f"### Order round trip, {task.label}: latency per order, median of {runs} run(s) (min–max)",
                "",
                "| side | p50 µs | p99 µs | orders/s | client CPU µs/order | "
                f"{server} CPU µs/order | checks |",
                "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
            ]
        )
        for side in sides:
            c = row[side]
            add(
                [
                    f"| {side} | {cell(c['p50_us'])} | {cell(c['p99_us'])} | {cell(c['orders_per_s'])} | "
                    f"{cell(c['client_cpu_us'])} | {cell(c['server_cpu_us'])} | "
                    f"{checks_text(c, int(c['p50_us']['n']))} |"
                ]
            )
        add([""])
        rat = ratios.get(task.label, {})
        if rat:
            add(
                [
                    "WebSocket API against REST, same runs (latency and CPU: REST ÷ WS; orders/s: WS ÷ REST; "
                    "higher = WS better):",
                    "",
                    f"| pair | p50 | p99 | orders/s | client CPU | {server} CPU |",
                    "| --- | ---: | ---: | ---: | ---: | ---: |",
                ]
            )
            for pair, r in rat.items():
                add(
                    [
                        f"| {pair.replace('/', ' vs ')} | {cell(r['p50'], times)} | "
                        f"{cell(r['p99'], times)} | "
                        f"{cell(r['orders_per_s'], times)} | {cell(r['client_cpu'], times)} | "
                        f"{cell(r['server_cpu'], times)} |"
                    ]
                )
            add([""])
        above = summary["over_floor"].get(task.label, {})
        if above:
            add(
                [
                    "What binance_async adds to the floor of its transport, same runs (µs per order: side − "
                    "floor):",
                    "",
                    "| side | p50 | p99 | client CPU |",
                    "| --- | ---: | ---: | ---: |",
                ]
            )
            for side, d in above.items():
                add(
                    [
                        f"| {side} | {cell(d['p50'], signed)} | {cell(d['p99'], signed)} | "
                        f"{cell(d['client_cpu'], signed)} |"
                    ]
                )
            add([""])
    targets = target_lines(plan, summary)
    if targets:
        add(["Target of issue 16 (median latency, median of the per-run ratios):", "", *targets, ""])
    if summary["notes"]:
        add(["Notes:", "", *[f"* {n}" for n in summary["notes"]], ""])
    return "\n".join(out)


def target_lines(plan: list[Task], summary: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for task in plan:
        if task.workload == "events":
            continue
        for pair, r in summary["ratios"].get(task.label, {}).items():
            if FLOOR in pair:  # not through our client: a reference
                continue
            value = r["p50"]["median"]
            verdict = "met" if value >= TARGET else "**not met**"
            lines.append(
                f"* {SERVER_TITLES[task.server]}, {task.workload}, {pair.replace('/', ' vs ')}: "
                f"{value:.2f}× lower median latency "
                f"({r['p50']['min']:.2f}×–{r['p50']['max']:.2f}×): {verdict} (>= {TARGET}×)"
            )
    return lines


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=None, help="runs (default 5; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a smoke test: small counts")
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help="from: " + ", ".join(WORKLOADS))
    parser.add_argument("--keys", default=",".join(KEYS), help="from: " + ", ".join(KEYS))
    parser.add_argument(
        "--server",
        choices=("both", *SERVERS),
        default="both",
        help="the simulator, the local server, or both in each run (default); events: simulator only",
    )
    parser.add_argument("--orders", type=int, default=None, help="orders per measurement (default 2000)")
    parser.add_argument("--concurrency", type=int, default=10, help="tasks of the concurrent workload")
    parser.add_argument("--burst", type=int, default=None, help="orders of the events workload (10000)")
    parser.add_argument(
        "--markets", type=int, default=None, help="markets the orders go round (default 100; 10 with --quick)"
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="add bare-aiohttp sides (rest[floor], ws[floor]) against the local server",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile client and server (HMAC, run 1)")
    parser.add_argument("--json", default=None, help="write everything as JSON here")
    parser.add_argument("--markdown", default=None, help="write the tables here")
    args = parser.parse_args(argv)
    args.runs = args.runs or (1 if args.quick else 5)
    args.markets = args.markets or (10 if args.quick else 100)
    args.workloads = [w for w in args.workloads.split(",") if w]
    args.keys = [k for k in args.keys.split(",") if k]
    for workload in args.workloads:
        if workload not in WORKLOADS:
            parser.error(f"unknown workload {workload!r}")
    for key in args.keys:
        if key not in KEYS:
            parser.error(f"unknown key {key!r}")
    args.servers = list(SERVERS) if args.server == "both" else [args.server]
    if args.floor and "local" not in args.servers:
        parser.error("--floor: against the local server only (--server local or both)")
    if args.workloads == ["events"] and args.servers == ["local"]:
        parser.error("the events workload runs against the simulator only (--server sim or both)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def log(line: str) -> None:
        print(line, flush=True)

    started = time.perf_counter()
    env = {
        "date": datetime.date.today().isoformat(),
        "git": git_revision(),
        "platform": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "versions": versions(),
    }
    log(f"environment: {env}")
    if "events" in args.workloads and "sim" not in args.servers:
        log("events: against the simulator only, left out with --server local")
    plan, measurements = run_all(args, log)
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
            "args": dict(vars(args)),
            "sides": SIDE_NOTES,
            "tasks": [
                {"label": t.label, "workload": t.workload, "server": t.server, "sides": t.sides} for t in plan
            ],
            "measurements": measurements,
            "summary": summary,
            "elapsed_s": elapsed,
        }
        Path(args.json).write_text(json.dumps(doc, indent=2))
    return 1 if any("error" in m for m in measurements) else 0


if __name__ == "__main__":
    sys.exit(main())
