"""What the benchmark harnesses share: child processes (servers, workers: starting them, their start-up
line and stop, their results), the request driver, the test order, Binance's request weights, the run
order, the summary statistics, percentiles and profiles, and their formatting."""

from __future__ import annotations

import asyncio
import cProfile
import io
import json
import pstats
import signal
import statistics
import subprocess
import sys
import threading
import traceback
import urllib.request
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: What a worker prints before its result (one JSON line).
RESULT_PREFIX = "@@result "

Call = Callable[[], Awaitable[object]]

#: The order every side sends to order/test (Binance's names, as strings).
ORDER: dict[str, str] = {
    "symbol": "BTCUSDT",
    "side": "BUY",
    "type": "LIMIT",
    "timeInForce": "GTC",
    "quantity": "0.01",
    "price": "30000",
}


def depth_weight(limit: int) -> int:
    """Binance's weight of ``GET /api/v3/depth`` for `limit` levels."""
    if limit <= 100:
        return 5
    if limit <= 500:
        return 25
    if limit <= 1000:
        return 50
    return 250


def request_weight(path: str, query: dict[str, str]) -> int:
    """Binance's weights for the routes the benchmarks read (1 for any other)."""
    if path == "/api/v3/ticker/price":
        return 2 if "symbol" in query else 4
    if path == "/api/v3/depth":
        return depth_weight(int(query.get("limit", "100")))
    if path in ("/api/v3/exchangeInfo", "/api/v3/account"):
        return 20
    return 1


def server_stats(base_url: str) -> dict[str, Any]:
    """The server's counters (``GET /_bench/stats``: CPU time, requests, errors, connections)."""
    with urllib.request.urlopen(f"{base_url}/_bench/stats", timeout=10) as resp:
        result: dict[str, Any] = json.loads(resp.read())
        return result


class ChildServer:
    """A server script of this folder in a child process: it prints one JSON line (its hello) once it
    listens, and exits when its stdin closes."""

    def __init__(self, script: str, *args: str, what: str = "the benchmark server") -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / script), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=str(HERE),
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.close()
            raise RuntimeError(f"{what} failed to start (see stderr above)")
        self.hello: dict[str, Any] = json.loads(line)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait(timeout=10)


async def serve_until_stopped(hello: dict[str, Any]) -> None:
    """A server's side of `ChildServer`: print `hello` (one JSON line: the harness waits for it), then
    wait until stdin is closed (the harness gone or done) or SIGTERM / SIGINT."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)

    def watch_stdin() -> None:
        sys.stdin.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=watch_stdin, daemon=True).start()
    print(json.dumps(hello), flush=True)
    await stop.wait()


def run_worker(
    script: str, spec: dict[str, Any], timeout: float, python: str = sys.executable
) -> dict[str, Any]:
    """Run a worker script of this folder in a fresh process with `spec`; its result, or an error."""
    command = [python, str(HERE / script), json.dumps(spec)]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=str(HERE))
    except subprocess.TimeoutExpired:
        return {"error": f"no result within {timeout:.0f} s"}
    return parse_result(proc.stdout, proc.returncode, proc.stderr)


def parse_result(stdout: str, returncode: int | None, stderr: str) -> dict[str, Any]:
    """A worker's result: its last line after `RESULT_PREFIX`, or an error with the end of its stderr."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            result: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            return result
    return {"error": f"exit status {returncode}, no result; stderr:\n{stderr[-3000:]}"}


def report(work: Coroutine[Any, Any, dict[str, Any]]) -> int:
    """A worker's end: run `work` and print its result (its traceback as ``error`` if it raised) after
    `RESULT_PREFIX`; the exit status (1 for an error)."""
    try:
        result = asyncio.run(work)
    except BaseException:
        result = {"error": traceback.format_exc()}
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    return 1 if "error" in result else 0


def rotated(items: list[str], by: int) -> list[str]:
    """`items` started `by` places later: run after run, each side in each position."""
    if not items:
        return items
    by %= len(items)
    return items[by:] + items[:by]


def stats(values: Iterable[float]) -> dict[str, float]:
    """Median, min, max and count of `values`."""
    vs = list(values)
    return {"median": statistics.median(vs), "min": min(vs), "max": max(vs), "n": len(vs)}


def percentile(sorted_values: list[float], q: float) -> float:
    """The `q` quantile (0.99: p99) of values sorted in ascending order."""
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))]


def profile_text(profiler: cProfile.Profile) -> str:
    """A stopped profile's top 20 by own time and top 40 by cumulative time."""
    out = io.StringIO()
    table = pstats.Stats(profiler, stream=out)
    table.sort_stats("tottime").print_stats(20)
    table.sort_stats("cumulative").print_stats(40)
    return out.getvalue()


def git_revision() -> str:
    """The commit measured, and whether binance_async had uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "binance_async"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return head + (" + uncommitted changes to binance_async" if dirty else "")


def num(x: float) -> str:
    """A figure with as many digits as it deserves."""
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def cell(s: dict[str, float] | None, fmt: Callable[[float], str] = num) -> str:
    """A table cell: the median, and the range when there was more than one run."""
    if not s:
        return "–"
    if s["n"] == 1:
        return fmt(s["median"])
    return f"{fmt(s['median'])} ({fmt(s['min'])}–{fmt(s['max'])})"


def times(x: float) -> str:
    return f"{x:.2f}×"


class ServerProcess(ChildServer):
    """``_server.py`` in a child process on an ephemeral 127.0.0.1 port; it exits when we close its stdin."""

    def __init__(self, symbols: int, depth_levels: int) -> None:
        super().__init__(
            "_server.py",
            *("--symbols", str(symbols), "--depth-levels", str(depth_levels)),
            what="benchmark server",
        )
        self.port: int = self.hello["port"]
        self.sizes: dict[str, int] = self.hello["sizes"]
        self.base_url = f"http://127.0.0.1:{self.port}"

    def stats(self) -> dict[str, Any]:
        return server_stats(self.base_url)


async def drive(call: Call, n: int, concurrency: int) -> None:
    """``n`` calls spread over ``concurrency`` worker tasks (the same driver for every side)."""
    remaining = n

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    await asyncio.gather(*(worker() for _ in range(min(concurrency, n))))
