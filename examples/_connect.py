"""Shared by the examples: one connected `SpotClient`, on the simulator or on Spot Testnet.

Every example runs against the embedded simulator (a real HTTP server on 127.0.0.1, no keys, no
network) unless BINANCE_API_KEY and BINANCE_API_SECRET are set, or ``--testnet`` is given: then it
runs against Spot Testnet (https://testnet.binance.vision) with those keys. ``--sim`` forces
the simulator even when keys are set.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from binance_async import TESTNET, SpotClient
from binance_async.sim import SimConfig, Simulator

__all__ = ["connect", "parser"]


def parser(doc: str | None) -> argparse.ArgumentParser:
    """An argument parser with the example's docstring as help and the ``--testnet``/``--sim`` flags."""
    result = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = result.add_mutually_exclusive_group()
    where.add_argument(
        "--testnet", action="store_true", help="use Spot Testnet with BINANCE_API_KEY/BINANCE_API_SECRET"
    )
    where.add_argument("--sim", action="store_true", help="use the simulator even if keys are set")
    return result


@asynccontextmanager
async def connect(
    args: argparse.Namespace, sim_config: SimConfig | None = None, *, limit_share: float = 1.0
) -> AsyncIterator[SpotClient]:
    """A `SpotClient` on Spot Testnet (keys in the environment) or on a simulator built from `sim_config`."""
    key = os.environ.get("BINANCE_API_KEY", "")
    secret = os.environ.get("BINANCE_API_SECRET", "")
    if args.testnet or (key and secret and not args.sim):
        if not (key and secret):
            raise SystemExit("--testnet needs BINANCE_API_KEY and BINANCE_API_SECRET in the environment")
        print(f"Spot Testnet at {TESTNET}")
        async with SpotClient(key, secret, base_url=TESTNET, limit_share=limit_share) as client:
            yield client
        return
    async with Simulator(sim_config or SimConfig()) as sim:
        print(f"simulator at {sim.base_url}")
        async with SpotClient(
            sim.api_key, sim.api_secret, base_url=sim.base_url, limit_share=limit_share
        ) as client:
            yield client
