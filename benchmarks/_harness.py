"""What the benchmark harnesses share: child processes (servers, workers), the request driver, the test
order, the run order, the summary statistics and their formatting."""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import urllib.request
from collections.abc import Awaitable, Callable, Iterable
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


def run_worker(
    script: str, spec: dict[str, Any], timeout: float, python: str = sys.executable
) -> dict[str, Any]:
    """Run a worker script of this folder in a fresh process with `spec`; its result, or an error."""
    command = [python, str(HERE / script), json.dumps(spec)]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=str(HERE))
    except subprocess.TimeoutExpired:
        return {"error": f"no result within {timeout:.0f} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            result: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            return result
    return {"error": f"exit status {proc.returncode}, no result; stderr:\n{proc.stderr[-3000:]}"}


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


class ServerProcess:
    """``_server.py`` in a child process on an ephemeral 127.0.0.1 port; it exits when we close its stdin."""

    def __init__(self, symbols: int, depth_levels: int) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "_server.py"),
                "--symbols",
                str(symbols),
                "--depth-levels",
                str(depth_levels),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=str(HERE),
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.close()
            raise RuntimeError("benchmark server failed to start (see stderr above)")
        hello = json.loads(line)
        self.port: int = hello["port"]
        self.sizes: dict[str, int] = hello["sizes"]
        self.base_url = f"http://127.0.0.1:{self.port}"

    def stats(self) -> dict[str, Any]:
        return server_stats(self.base_url)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait(timeout=10)


async def drive(call: Call, n: int, concurrency: int) -> None:
    """``n`` calls spread over ``concurrency`` worker tasks (the same driver for every side)."""
    remaining = n

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    await asyncio.gather(*(worker() for _ in range(min(concurrency, n))))
