"""The "ours" side of the benchmark: ``binance_async.SpotClient`` in its default configuration.

Kept in its own module so that ``bench_pipeline`` can still run the floor when the library is not
importable (the import error is raised when this module is imported).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import _payloads
from _harness import ORDER

from binance_async import SpotClient

Call = Callable[[], Awaitable[object]]


def _check_len(obj: Any, attr: str, expected: int, what: str) -> None:
    """Sanity-check a decoded container attribute when the Struct exposes it."""
    value = getattr(obj, attr, None)
    if value is not None and len(value) != expected:
        raise AssertionError(f"{what}: expected {expected} {attr}, got {len(value)}")


@asynccontextmanager
async def ours_side(base_url: str, scenario: str, n_symbols: int, depth_levels: int) -> AsyncIterator[Call]:
    """Yield a zero-argument coroutine function doing one ``scenario`` request with our client.

    Start-up mirrors a real bot: create the client, load exchangeInfo (which feeds the advertised
    rate limits into the client's limiter), then one warm-up call of the scenario itself (for the
    signed scenario this also performs the lazy server-time sync).  None of this is timed.
    """
    async with SpotClient(
        api_key=_payloads.API_KEY, api_secret=_payloads.API_SECRET, base_url=base_url
    ) as client:
        info = await client.exchange_info()
        _check_len(info, "symbols", n_symbols, "exchangeInfo")
        if not client.limiter.state():
            raise AssertionError("exchange_info() did not load any rate limits into client.limiter")

        call: Call
        if scenario == "ticker":

            async def call() -> object:
                return await client.ticker_price(symbol="BTCUSDT")

        elif scenario == "depth":

            async def call() -> object:
                return await client.depth("BTCUSDT", limit=5000)

        elif scenario == "exchange_info":

            async def call() -> object:
                return await client.exchange_info()

        elif scenario == "order_test":

            async def call() -> object:
                return await client.request("POST", "/api/v3/order/test", params=ORDER, signed=True)

        else:
            raise ValueError(f"unknown scenario {scenario!r}")

        first = await call()  # warm-up (untimed)
        if scenario == "depth":
            _check_len(first, "bids", depth_levels, "depth")
            _check_len(first, "asks", depth_levels, "depth")
        elif scenario == "ticker" and getattr(first, "symbol", "BTCUSDT") != "BTCUSDT":
            raise AssertionError(f"ticker_price: unexpected result {first!r}")
        elif scenario == "order_test" and first != {}:
            raise AssertionError(f"order/test: expected {{}}, got {first!r}")
        del info, first  # time the pipeline, not the GC cost of keeping warm-up results alive
        yield call
