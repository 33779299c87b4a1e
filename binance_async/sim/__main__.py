"""``python -m binance_async.sim``: serve a simulated Binance on 127.0.0.1 until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .app import Simulator
from .config import ApiKey, SimConfig, generated_key


def parse_args(
    argv: list[str] | None = None, prog: str = "python -m binance_async.sim"
) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (0: any free port; default 8080)")
    parser.add_argument("--api-key", help="API key to accept (generated if not given)")
    parser.add_argument("--api-secret", help="its HMAC secret (generated if not given)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the simulated market (default 1)")
    parser.add_argument("--extra-symbols", type=int, default=0, help="generated symbols beyond the defaults")
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> SimConfig:
    key = generated_key()
    key = ApiKey(key=args.api_key or key.key, hmac_secret=args.api_secret or key.hmac_secret)
    return SimConfig(seed=args.seed, api_keys=[key], extra_symbols=args.extra_symbols)


async def serve(args: argparse.Namespace) -> None:
    simulator = Simulator(config_from(args))
    base_url = await simulator.start(args.host, args.port)
    print(f"Binance simulator listening on {base_url}")
    print(f"  api key:    {simulator.api_key}")
    print(f"  api secret: {simulator.api_secret}")
    print("Ctrl-C to stop.", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await simulator.stop()


def main(argv: list[str] | None = None, prog: str = "python -m binance_async.sim") -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv, prog)))


if __name__ == "__main__":
    main()
