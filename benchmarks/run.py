"""``python -m benchmarks``: binance_async, python-binance and ccxt against the floor, in one run.

Run from the repository root::

    python -m benchmarks                          # everything, 5 runs (about 10 minutes)
    python -m benchmarks --quick                  # a smoke test: few requests, 1 run, short windows
    python -m benchmarks --runs 7 --only ticker,depth --sides floor,binance_async,ccxt
    python -m benchmarks --only limiter           # or: decode, throughput, or workload names
    python -m benchmarks --json out.json --markdown out.md --chart out.png

(``python benchmarks/run.py ...`` is the same.) Three parts:

* **throughput**: the workloads of ``_workloads.py`` against one local server process
  (``_server.py``, fixed payloads), every measurement in a fresh client process (``_worker.py``);
  within a run the sides are measured back to back, their order rotating from run to run;
* **limiter**: ``bench_limiter.py``, each library against a simulator with a small weight window;
* **decode**: ``bench_decode.py``, depth(5000) and exchangeInfo through each decoder.

See README.md for what exactly is measured and how.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:  # the sibling modules (python -m benchmarks)
    sys.path.insert(0, str(HERE))
if str(ROOT) not in sys.path:  # the working tree's binance_async
    sys.path.insert(1, str(ROOT))

import _payloads  # noqa: E402
import bench_limiter  # noqa: E402
from _harness import ServerProcess, num, rotated, run_worker, stats  # noqa: E402
from _peers import availability  # noqa: E402
from _workloads import OURS, PEERS, SIDE_DESCRIPTIONS, SIDES, WORKLOADS, Workload  # noqa: E402

PARTS = ("throughput", "limiter", "decode")
QUICK_SYMBOLS = 300
SERVER_BUSY = 0.85  # server CPU share from which req/s may be server-bound

Stats = dict[str, Any]


# --------------------------------------------------------------------------- server


# --------------------------------------------------------------------------- throughput


def fmt_measurement(m: dict[str, Any]) -> str:
    head = f"run {m['run']} {m['workload']:<13} {m['side']:<15}"
    if "error" in m:
        return f"{head} ERROR: {m['error'].strip().splitlines()[-1]}"
    extra = ""
    if m["server_requests"] != m["requests"]:
        extra += f"  [server saw {m['server_requests']} requests]"
    if m["server_errors"]:
        extra += f"  [{m['server_errors']} server-side errors]"
    return (
        f"{head} {m['req_per_s']:>9,.1f} req/s {m['cpu_us_per_req']:>9,.1f} us CPU/req  "
        f"peak RSS {m['peak_rss_mb']:5.1f} MB  server CPU {m['server_cpu_util']:>4.0%}{extra}"
    )


def run_throughput(
    args: argparse.Namespace, sides: list[str], workloads: list[Workload], log: Callable[[str], None]
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    server = ServerProcess(args.symbols, args.depth_levels)
    measurements: list[dict[str, Any]] = []
    try:
        log(f"server: pid {server.proc.pid}, {server.base_url}; payload bytes {server.sizes}")
        for run in range(1, args.runs + 1):
            for w in workloads:
                requests = w.quick_requests if args.quick else w.requests
                for side in rotated(sides, run - 1):  # each side in each position over len(sides) runs
                    spec = {
                        "side": side,
                        "workload": w.name,
                        "requests": requests,
                        "concurrency": w.concurrency,
                        "base_url": server.base_url,
                        "symbols": args.symbols,
                        "depth_levels": args.depth_levels,
                    }
                    m = {"run": run, "workload": w.name, "side": side, "requests": requests}
                    m["concurrency"] = w.concurrency
                    m.update(run_worker("_worker.py", spec, 600))
                    log(fmt_measurement(m))
                    measurements.append(m)
    finally:
        server.close()
    return measurements, server.sizes


def summarise(ms: list[dict[str, Any]], workloads: list[Workload], sides: list[str]) -> dict[str, Any]:
    """Per (workload, side): medians with min-max; per-run paired ratios between sides."""
    good = [m for m in ms if "error" not in m]
    cells: dict[str, dict[str, Any]] = {}
    ratios: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    for w in workloads:
        by_side = {
            s: {m["run"]: m for m in good if m["workload"] == w.name and m["side"] == s} for s in sides
        }
        cells[w.name] = {}
        for side, runs in by_side.items():
            if not runs:
                continue
            rows = list(runs.values())
            cell: dict[str, Any] = {
                "req_per_s": stats(m["req_per_s"] for m in rows),
                "cpu_us_per_req": stats(m["cpu_us_per_req"] for m in rows),
                "peak_rss_mb": stats(m["peak_rss_mb"] for m in rows),
                "server_cpu_util": stats(m["server_cpu_util"] for m in rows),
                "gc_objects": stats(m["gc_objects"] for m in rows),
            }
            if "latency_p50_us" in rows[0]:
                cell["latency_p50_us"] = stats(m["latency_p50_us"] for m in rows)
                cell["latency_p99_us"] = stats(m["latency_p99_us"] for m in rows)
            cells[w.name][side] = cell
            extra = sum(m["server_requests"] - m["requests"] for m in rows)
            errors = sum(m["server_errors"] for m in rows)
            if extra:
                notes.append(f"{w.name}/{side}: {extra} request(s) beyond the measured ones in timed regions")
            if errors:
                notes.append(f"{w.name}/{side}: {errors} server-side error answers")
            if cell["server_cpu_util"]["median"] >= SERVER_BUSY:
                notes.append(
                    f"{w.name}/{side}: the server process used {cell['server_cpu_util']['median']:.0%} of a "
                    "core: req/s may be server-bound, compare CPU/req"
                )
        ratios[w.name] = {}
        for a in sides:
            for b in sides:
                pairs = [(by_side[a][r], by_side[b][r]) for r in by_side[a] if r in by_side[b]]
                if a == b or not pairs:
                    continue
                ratios[w.name][f"{a}/{b}"] = {
                    # higher is better for a: a's req/s over b's, and b's CPU per request over a's
                    "req_per_s": stats(x["req_per_s"] / y["req_per_s"] for x, y in pairs),
                    "cpu": stats(y["cpu_us_per_req"] / x["cpu_us_per_req"] for x, y in pairs),
                }
    for m in ms:
        if "error" in m:
            last = m["error"].strip().splitlines()[-1]
            notes.append(f"run {m['run']} {m['workload']}/{m['side']} failed: {last}")
    return {"cells": cells, "ratios": ratios, "notes": notes}


# --------------------------------------------------------------------------- report


def _range(s: Stats, unit: str = "") -> str:
    if s["n"] == 1:
        return f"{num(s['median'])}{unit}"
    return f"{num(s['median'])}{unit} ({num(s['min'])}–{num(s['max'])})"


def _ratio(s: Stats | None) -> str:
    if s is None:
        return "–"
    if s["n"] == 1:
        return f"{s['median']:.2f}×"
    return f"**{s['median']:.2f}×** ({s['min']:.2f}–{s['max']:.2f})"


def _table(header: list[str], rows: list[list[str]], *, labels: int = 1) -> list[str]:
    """A Markdown table: the first `labels` columns left-aligned, the figures right-aligned."""
    aligns = ["---"] * labels + ["---:"] * (len(header) - labels)
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(aligns) + " |"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def report(doc: dict[str, Any]) -> str:
    """The results as Markdown (what RESULTS.md is made of)."""
    lines: list[str] = []
    env = doc["environment"]
    lines.append(
        f"Date {doc['date']}; {env['machine']}; Python {env['python']}; "
        + ", ".join(f"{k} {v}" for k, v in env["versions"].items())
        + f"; git {env['git']}."
    )
    tp = doc.get("throughput")
    if tp:
        sides = list(tp["sides"])
        cells, ratios = tp["summary"]["cells"], tp["summary"]["ratios"]
        workloads = [w for w in tp["workloads"] if w["name"] in cells]
        runs = tp["runs"]
        lines += ["", f"### Throughput: requests per second, median of {runs} run(s) (min–max)", ""]

        def grid(metric: str, unit: str = "") -> list[list[str]]:
            rows = []
            for w in workloads:
                row = [f"{w['name']} ({w['requests']} at {w['concurrency']})"]
                for s in sides:
                    c = cells[w["name"]].get(s)
                    row.append(_range(c[metric], unit) if c else "–")
                rows.append(row)
            return rows

        lines += _table(["workload", *sides], grid("req_per_s"))
        others = [s for s in sides if s != "floor"]
        if "floor" in sides and others:
            lines += ["", "### req/s relative to the floor (median of the per-run ratios, min–max)", ""]
            rows = []
            for w in workloads:
                r = ratios[w["name"]]
                rows.append([w["name"]] + [_ratio(r.get(f"{s}/floor", {}).get("req_per_s")) for s in others])
            lines += _table(["workload", *others], rows)
        peers = [p for p in PEERS if p in sides]
        if OURS in sides and peers:
            lines += [
                "",
                f"### {OURS} relative to each peer, same runs (req/s: ours ÷ theirs; CPU per request: "
                "theirs ÷ ours; higher = ours better)",
                "",
            ]
            header = ["workload"]
            for p in peers:
                header += [f"req/s vs {p}", f"CPU vs {p}"]
            rows = []
            for w in workloads:
                row = [w["name"]]
                for p in peers:
                    r = ratios[w["name"]].get(f"{OURS}/{p}", {})
                    row += [_ratio(r.get("req_per_s")), _ratio(r.get("cpu"))]
                rows.append(row)
            lines += _table(header, rows)
        lines += ["", "### Client CPU per request, µs (median, min–max)", ""]
        lines += _table(["workload", *sides], grid("cpu_us_per_req"))
        lines += ["", "### Peak RSS of the client process, MB (median, min–max)", ""]
        lines += _table(["workload", *sides], grid("peak_rss_mb"))
        seq = cells.get("ticker_seq", {})
        if seq:
            lines += ["", "### ticker_seq: latency per request, µs (median over runs of p50 / p99)", ""]
            row = [
                f"{num(c['latency_p50_us']['median'])} / {num(c['latency_p99_us']['median'])}"
                if (c := seq.get(s))
                else "–"
                for s in sides
            ]
            lines += _table(sides, [row], labels=0)
        first: dict[str, Any] = next(iter(cells.values()), {})
        gc_row = [f"{c['gc_objects']['median'] / 1000:.0f}k" if (c := first.get(s)) else "–" for s in sides]
        lines += ["", "### Objects tracked by the GC in the client process when timing starts", ""]
        lines += _table(sides, [gc_row], labels=0)
        for note in tp["summary"]["notes"]:
            lines.append(f"\nNote: {note}")
        for side, info in tp["skipped"].items():
            lines.append(f"\nSkipped {side}: {info}")
    lim = doc.get("limiter")
    if lim:
        cfg = lim["config"]
        lines += [
            "",
            f"### Limiter: REQUEST_WEIGHT {cfg['limit']} per {cfg['window_s']} s, {cfg['tasks']} tasks, "
            f"{cfg['windows']} whole windows (the server's counts)",
            "",
        ]
        rows = []
        for r in lim["results"]:
            if "skipped" in r or "error" in r:
                why = r.get("skipped") or r["error"].strip().splitlines()[-1]
                rows.append([r["lib"], r["setup"], f"skipped: {why}", "", "", "", ""])
                continue
            per = " ".join(f"{w['utilisation']:.0%}" for w in r["windows"])
            rows.append(
                [
                    r["lib"],
                    r["setup"],
                    per,
                    f"**{r['utilisation_mean']:.1%}**",
                    str(r["429"]),
                    str(r["418"]),
                    str(r["ok"]),
                ]
            )
        lines += _table(
            ["library", "setup", "utilisation per window", "mean", "429", "418", "200 answers"],
            rows,
            labels=2,
        )
    dec = doc.get("decode")
    if dec:
        lines += [
            "",
            "### Decoding alone (median ms of timeit repeats; memory retained by the decoded result)",
            "",
            f"GC on: as a program runs, here with {dec['live_objects'] / 1000:.0f}k GC-tracked objects from "
            "the imports; GC off: the decoder alone (timeit's default).",
            "",
        ]
        rows = []
        base: dict[str, float] = {}
        for r in dec["rows"]:
            if r["decoder"] == "json.loads":
                base[r["payload"]] = r["median_ms"]
        for r in dec["rows"]:
            payload = {
                "depth": f"depth({dec['depth_levels']}), {r['bytes'] / 1e3:,.0f} KB",
                "exchange_info": f"exchangeInfo ({dec['symbols']} symbols), {r['bytes'] / 1e6:.1f} MB",
                "depth_with_ballast": f"depth, {dec['ballast_objects'] // 1000}k more live objects",
            }[r["payload"]]
            vs = base[r["payload"]] / r["median_ms"]
            gc_off = f"{r['gc_off_median_ms']:.2f}" if "gc_off_median_ms" in r else ""
            memory = f"{r['retained_mb']:.1f}" if "retained_mb" in r else ""
            rows.append(
                [
                    payload,
                    r["decoder"],
                    f"{r['median_ms']:.2f} ({r['min_ms']:.2f}–{r['max_ms']:.2f})",
                    gc_off,
                    f"{vs:.2f}×",
                    memory,
                ]
            )
        header = [
            "payload",
            "decoder",
            "GC on: ms (min–max)",
            "GC off: ms",
            "vs json.loads (GC on)",
            "retained MB",
        ]
        lines += _table(header, rows, labels=2)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- main


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({model})"


def environment() -> dict[str, Any]:
    versions: dict[str, str] = {}
    for side in ("binance_async", "floor", "floor_msgspec", "python-binance", "ccxt"):
        ok, version = availability(side)
        name = {"floor": "aiohttp", "floor_msgspec": "msgspec", "binance_async": "binance-async"}.get(
            side, side
        )
        versions[name] = version if ok else "not installed"
    for dist in ("aiolimiter", "orjson", "matplotlib"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT, timeout=10
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "binance_async"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=10,
        ).stdout.strip()
        if rev and changed:
            rev += " + uncommitted changes in binance_async/"
    except (OSError, subprocess.SubprocessError):
        rev = ""
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "machine": machine(),
        "platform": platform.platform(),
        "versions": versions,
        "git": rev or "?",
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--runs", type=int, help="throughput runs (default 5; 1 with --quick)")
    p.add_argument("--quick", action="store_true", help="few requests, 1 run, 1-second limiter windows")
    p.add_argument(
        "--only",
        help=f"comma-separated parts ({','.join(PARTS)}) and/or workloads ({','.join(WORKLOADS)}) "
        "(default: all)",
    )
    p.add_argument("--sides", default=",".join(SIDES), help=f"comma-separated subset of {','.join(SIDES)}")
    p.add_argument("--json", metavar="PATH", help="write every measurement and the summaries as JSON")
    p.add_argument("--markdown", metavar="PATH", help="write the result tables as Markdown")
    p.add_argument(
        "--chart", metavar="PATH", help="PNG chart (default benchmarks/results.png; not with --quick)"
    )
    p.add_argument("--no-chart", action="store_true", help="do not draw the chart")
    p.add_argument("--limiter-window", type=int, help="limiter window, seconds (default 10; 1 with --quick)")
    p.add_argument(
        "--limiter-limit", type=int, help="REQUEST_WEIGHT per window (default 1200; 120 with --quick)"
    )
    p.add_argument("--limiter-windows", type=int, help="whole windows measured (default 4; 2 with --quick)")
    p.add_argument("--limiter-tasks", type=int, help="concurrent tasks (default 200; 50 with --quick)")
    p.add_argument("--symbols", type=int, help=argparse.SUPPRESS)
    p.add_argument("--depth-levels", type=int, default=_payloads.DEFAULT_DEPTH_LEVELS, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    q = args.quick
    args.runs = args.runs if args.runs is not None else (1 if q else 5)
    args.symbols = (
        args.symbols if args.symbols is not None else (QUICK_SYMBOLS if q else _payloads.DEFAULT_SYMBOLS)
    )
    args.limiter_window = args.limiter_window or (1 if q else 10)
    args.limiter_limit = args.limiter_limit or (120 if q else 1200)
    args.limiter_windows = args.limiter_windows or (2 if q else 4)
    args.limiter_tasks = args.limiter_tasks or (50 if q else 200)
    if args.runs < 1:
        p.error("--runs must be >= 1")
    only = [x.strip() for x in (args.only or ",".join(PARTS)).split(",") if x.strip()]
    unknown = [x for x in only if x not in PARTS and x not in WORKLOADS]
    if unknown or not only:
        p.error(f"--only: unknown {unknown}; choose from {list(PARTS) + list(WORKLOADS)}")
    args.workloads = [WORKLOADS[n] for n in WORKLOADS if n in only or "throughput" in only]
    args.limiter = "limiter" in only
    args.decode = "decode" in only
    args.sides = [s.strip() for s in args.sides.split(",") if s.strip()]
    unknown = [s for s in args.sides if s not in SIDES]
    if unknown or not args.sides:
        p.error(f"--sides: unknown {unknown}; choose from {list(SIDES)}")
    args.sides = [s for s in SIDES if s in args.sides]  # table order
    if args.chart is None and not q:
        args.chart = str(HERE / "results.png")
    if args.no_chart:
        args.chart = None
    return args


def run_decode(quick: bool, log: Callable[[str], None]) -> dict[str, Any]:
    """bench_decode in a fresh process (no harness or peer library objects around)."""
    command = [sys.executable, str(HERE / "bench_decode.py"), "--json", "-"] + (["--quick"] if quick else [])
    proc = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=str(HERE))
    for line in proc.stderr.splitlines():
        log(line)
    if proc.returncode != 0 or not proc.stdout.strip():
        return {"error": f"exit status {proc.returncode}:\n{proc.stderr[-3000:]}"}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()

    def log(line: str) -> None:
        print(line, flush=True)

    env = environment()
    doc: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "environment": env,
        "quick": args.quick,
    }
    log(f"{env['machine']}; {env['python']}; " + ", ".join(f"{k} {v}" for k, v in env["versions"].items()))
    failed = False

    if args.workloads:
        sides, skipped = [], {}
        for side in args.sides:
            ok, info = availability(side)
            if ok:
                sides.append(side)
            else:
                skipped[side] = info
                log(f"skipping {side}: {info}")
        for w in args.workloads:
            n = w.quick_requests if args.quick else w.requests
            log(f"  {w.name}: {n} x {w.description} at concurrency {w.concurrency}")
        ms, sizes = run_throughput(args, sides, args.workloads, log)
        summary = summarise(ms, args.workloads, sides)
        failed |= any("error" in m for m in ms)
        doc["throughput"] = {
            "runs": args.runs,
            "sides": sides,
            "side_descriptions": {s: SIDE_DESCRIPTIONS[s] for s in sides},
            "skipped": skipped,
            "payload_bytes": sizes,
            "symbols": args.symbols,
            "workloads": [
                {
                    "name": w.name,
                    "requests": w.quick_requests if args.quick else w.requests,
                    "concurrency": w.concurrency,
                    "description": w.description,
                }
                for w in args.workloads
            ],
            "measurements": ms,
            "summary": summary,
        }

    if args.limiter:
        cfg = bench_limiter.Config(
            window_s=args.limiter_window,
            limit=args.limiter_limit,
            windows=args.limiter_windows,
            tasks=args.limiter_tasks,
        )
        libs = [lib for lib in bench_limiter.LIBS if lib in args.sides]
        results = bench_limiter.run(libs, cfg, log=log)
        failed |= any("error" in r for r in results)
        doc["limiter"] = {
            "config": {
                "window_s": cfg.window_s,
                "limit": cfg.limit,
                "windows": cfg.windows,
                "tasks": cfg.tasks,
            },
            "results": results,
        }

    if args.decode:
        doc["decode"] = run_decode(args.quick, log)
        failed |= "error" in doc["decode"]

    doc["elapsed_s"] = time.perf_counter() - started
    if "error" in doc.get("decode", {}):
        decode_error = doc.pop("decode")
        text = report(doc)
        doc["decode"] = decode_error
    else:
        text = report(doc)
    log("")
    log(text)
    log(f"total time {doc['elapsed_s']:.0f} s")
    if args.markdown:
        Path(args.markdown).write_text(text)
        log(f"wrote {args.markdown}")
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")
        log(f"wrote {args.json}")
    if args.chart:
        try:
            import chart
        except ImportError as exc:
            log(f"no chart: {exc}")
        else:
            note = chart.draw(doc, Path(args.chart))
            log(note)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
