"""Client CPU cost per request as instruction counts (valgrind callgrind): repeatable on a noisy machine.

Wall-clock ratios on a shared 2-core machine swing by tens of percent between runs; instruction counts
of the client process do not depend on what else the machine is doing. For each variant this script
runs a small client program twice under callgrind (N1 and N2 requests, the server outside valgrind)
and reports (instructions(N2) - instructions(N1)) / (N2 - N1): start-up, imports and warm-up cancel out.

Variants (ticker: GET /api/v3/ticker/price?symbol=BTCUSDT at 100 concurrent):

* ``floor``: ``async with session.get(url)`` + ``read`` + ``json.loads``;
* ``ours``: ``SpotClient.ticker_price`` in its default configuration, limits loaded from exchangeInfo;
* ``ours_without_limiter``: the same with the limiter's two calls replaced by no-ops, which isolates
  what the limiter costs when it does not bind.

Needs ``valgrind`` on PATH. Usage: ``python benchmarks/bench_instructions.py [--n1 200 --n2 2200]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VARIANTS = ("floor", "ours", "ours_without_limiter")
CONCURRENCY = 100


async def _client(variant: str, base_url: str, n: int) -> None:
    """The measured program: `n` ticker requests at 100 concurrent."""
    import aiohttp

    url = f"{base_url}/api/v3/ticker/price?symbol=BTCUSDT"
    remaining = iter(range(n))

    async def fan(call: object) -> None:
        async def worker() -> None:
            for _ in remaining:
                await call()  # type: ignore[operator]

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))

    if variant == "floor":
        async with aiohttp.ClientSession() as session:

            async def floor() -> object:
                async with session.get(url) as resp:
                    return json.loads(await resp.read())

            await fan(floor)
        return

    sys.path.insert(0, str(HERE.parent))
    from binance_async import SpotClient

    async with SpotClient(base_url=base_url) as client:
        await client.exchange_info()  # the server's generous rateLimits, as a bot loads them at start-up
        if variant == "ours_without_limiter":
            from binance_async._limits import Admission

            limiter = client.limiter
            admitted = Admission(0, 0, 0, 0)
            limiter.try_acquire = lambda weight, orders=0: admitted  # type: ignore[method-assign]
            limiter.reconcile = lambda *args: None  # type: ignore[method-assign]

        async def ours() -> object:
            return await client.ticker_price("BTCUSDT")

        await fan(ours)


def _instructions(variant: str, base_url: str, n: int) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--client",
        variant,
        base_url,
        str(n),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stderr
    match = re.search(r"Collected : (\d+)", output)
    if match is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{output[-2000:]}")
    return int(match.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n1", type=int, default=200)
    parser.add_argument("--n2", type=int, default=2200)
    parser.add_argument("--client", nargs=3, metavar=("VARIANT", "BASE_URL", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        variant, base_url, n = args.client
        asyncio.run(_client(variant, base_url, int(n)))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed", file=sys.stderr)
        return 2
    server = subprocess.Popen(
        [sys.executable, str(HERE / "_server.py"), "--symbols", "50"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = json.loads(server.stdout.readline())["port"]
        base_url = f"http://127.0.0.1:{port}"
        per_request = {}
        for variant in VARIANTS:
            low = _instructions(variant, base_url, args.n1)
            high = _instructions(variant, base_url, args.n2)
            per_request[variant] = (high - low) / (args.n2 - args.n1)
    finally:
        server.terminate()
        server.wait()
    floor = per_request["floor"]
    print(f"ticker fan-out, client instructions per request (N = {args.n2} - {args.n1})")
    for variant, count in per_request.items():
        print(f"  {variant:22s} {count:10,.0f}   {count / floor:5.3f} x floor")
    limiter = per_request["ours"] - per_request["ours_without_limiter"]
    print(f"  limiter (not binding)  {limiter:10,.0f}   {limiter / per_request['ours']:6.1%} of ours")
    return 0


if __name__ == "__main__":
    sys.exit(main())
