"""What the benchmark harnesses share: the payload server process, the request driver, the test order."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

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
