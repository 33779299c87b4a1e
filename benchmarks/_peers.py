"""The sides of ``python -m benchmarks``: the floor (two decoders), binance_async, python-binance, ccxt.

Each side is an async context manager ``side(base_url, workload, expect)`` that creates its client,
does everything a real program does once at start-up plus one request of the workload (untimed,
sanity-checked, then dropped), and yields a zero-argument coroutine function doing one request.
Libraries are imported inside the side, so a missing peer only fails its own measurements;
`availability` tells the harness beforehand which peers are installed.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.metadata
import importlib.util
import json
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import _payloads
import aiohttp
import msgspec
from _harness import ORDER

Call = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Expect:
    """What the server's payloads contain, to sanity-check each side's warm-up answer."""

    symbols: int
    depth_levels: int
    balances: int = _payloads.DEFAULT_BALANCES


Side = Callable[[str, str, Expect], AbstractAsyncContextManager[Call]]

#: side -> (module that must be importable, distribution whose version is reported)
_REQUIREMENTS: dict[str, tuple[str, str]] = {
    "floor": ("aiohttp", "aiohttp"),
    "floor_msgspec": ("msgspec", "msgspec"),
    "binance_async": ("binance_async", "binance-async"),
    "python-binance": ("binance", "python-binance"),
    "ccxt": ("ccxt", "ccxt"),
}


def availability(side: str) -> tuple[bool, str]:
    """(installed?, version or the reason it is not) without importing the library."""
    module, dist = _REQUIREMENTS[side]
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return False, f"{dist} is not installed (pip install -e '.[bench]')"
    try:
        return True, importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return True, "?"


# --------------------------------------------------------------------------- checks


def _get(obj: Any, key: str) -> Any:
    return obj[key] if isinstance(obj, dict) else getattr(obj, key, None)


def check_answer(side: str, workload: str, answer: Any, expect: Expect) -> None:
    """Raise if the warm-up answer is not the payload the server sends for `workload`."""

    def fail(what: str) -> None:
        raise AssertionError(f"{side}/{workload} warm-up: {what}; got {str(answer)[:200]}")

    if workload in ("ticker", "ticker_seq"):
        if _get(answer, "symbol") != "BTCUSDT":
            fail("expected the BTCUSDT ticker")
    elif workload == "depth":
        if not len(_get(answer, "bids")) == len(_get(answer, "asks")) == expect.depth_levels:
            fail(f"expected {expect.depth_levels} levels a side")
    elif workload == "exchange_info":
        if len(_get(answer, "symbols")) != expect.symbols:
            fail(f"expected {expect.symbols} symbols")
    elif workload == "account":
        if len(_get(answer, "balances")) != expect.balances:
            fail(f"expected {expect.balances} balances")
    elif workload == "order_test":
        empty = answer == {} or all(
            _get(answer, f) is None for f in ("standard_commission_for_order", "discount")
        )
        if not empty:
            fail("expected an empty answer")
    else:
        raise ValueError(f"unknown workload {workload!r}")


# --------------------------------------------------------------------------- the floor


def _floor(decode: Callable[[bytes], Any]) -> Side:
    @asynccontextmanager
    async def side(base_url: str, workload: str, expect: Expect) -> AsyncIterator[Call]:
        connector = aiohttp.TCPConnector(limit=100)  # aiohttp's default, the same as the clients'
        async with aiohttp.ClientSession(connector=connector) as session:
            secret = _payloads.API_SECRET.encode()
            key_header = {"X-MBX-APIKEY": _payloads.API_KEY}
            call: Call
            if workload in ("ticker", "ticker_seq", "depth", "exchange_info"):
                url = {
                    "ticker": f"{base_url}/api/v3/ticker/price?symbol=BTCUSDT",
                    "ticker_seq": f"{base_url}/api/v3/ticker/price?symbol=BTCUSDT",
                    "depth": f"{base_url}/api/v3/depth?symbol=BTCUSDT&limit=5000",
                    "exchange_info": f"{base_url}/api/v3/exchangeInfo",
                }[workload]

                async def call() -> object:
                    async with session.get(url) as resp:
                        body = await resp.read()
                        if resp.status != 200:
                            raise RuntimeError(f"HTTP {resp.status}: {body[:200]!r}")
                        return decode(body)

            elif workload == "account":
                account_url = f"{base_url}/api/v3/account"

                async def call() -> object:
                    query = urllib.parse.urlencode({"recvWindow": 5000, "timestamp": int(time.time() * 1000)})
                    signature = hmac.new(secret, query.encode(), hashlib.sha256).hexdigest()
                    url = f"{account_url}?{query}&signature={signature}"
                    async with session.get(url, headers=key_header) as resp:
                        body = await resp.read()
                        if resp.status != 200:
                            raise RuntimeError(f"HTTP {resp.status}: {body[:200]!r}")
                        return decode(body)

            elif workload == "order_test":
                order_url = f"{base_url}/api/v3/order/test"
                headers = {**key_header, "Content-Type": "application/x-www-form-urlencoded"}

                async def call() -> object:
                    params = {**ORDER, "recvWindow": 5000, "timestamp": int(time.time() * 1000)}
                    query = urllib.parse.urlencode(params)
                    signature = hmac.new(secret, query.encode(), hashlib.sha256).hexdigest()
                    data = f"{query}&signature={signature}".encode()
                    async with session.post(order_url, data=data, headers=headers) as resp:
                        body = await resp.read()
                        if resp.status != 200:
                            raise RuntimeError(f"HTTP {resp.status}: {body[:200]!r}")
                        return decode(body)

            else:
                raise ValueError(f"unknown workload {workload!r}")

            check_answer("floor", workload, await call(), expect)
            yield call

    return side


floor = _floor(json.loads)
floor_msgspec = _floor(msgspec.json.Decoder().decode)


# --------------------------------------------------------------------------- binance_async


@asynccontextmanager
async def binance_async_side(base_url: str, workload: str, expect: Expect) -> AsyncIterator[Call]:
    """``SpotClient`` in its default configuration.

    Start-up as a bot does it: ``exchange_info(symbol=...)`` loads the server's (generous) rate limits
    into the limiter. The one-symbol form keeps the 7.5 MB body out of the other workloads' peak RSS.
    """
    from decimal import Decimal

    from binance_async import SpotClient

    async with SpotClient(_payloads.API_KEY, _payloads.API_SECRET, base_url=base_url) as client:
        await client.exchange_info(symbol="BTCUSDT")
        if not client.limiter.state():
            raise AssertionError("exchange_info() loaded no rate limits into client.limiter")
        call: Call
        if workload in ("ticker", "ticker_seq"):

            async def call() -> object:
                return await client.ticker_price("BTCUSDT")

        elif workload == "depth":

            async def call() -> object:
                return await client.depth("BTCUSDT", limit=5000)

        elif workload == "exchange_info":

            async def call() -> object:
                return await client.exchange_info()

        elif workload == "account":

            async def call() -> object:
                return await client.account()

        elif workload == "order_test":
            quantity, price = Decimal(ORDER["quantity"]), Decimal(ORDER["price"])

            async def call() -> object:
                return await client.test_new_order(
                    "BTCUSDT", "BUY", "LIMIT", time_in_force="GTC", quantity=quantity, price=price
                )

        else:
            raise ValueError(f"unknown workload {workload!r}")

        check_answer("binance_async", workload, await call(), expect)  # + the lazy clock sync if signed
        yield call


# --------------------------------------------------------------------------- python-binance


@asynccontextmanager
async def python_binance_side(base_url: str, workload: str, expect: Expect) -> AsyncIterator[Call]:
    """python-binance's ``AsyncClient``, pointed at the server through its public ``API_URL``."""
    from binance import AsyncClient

    client = AsyncClient(_payloads.API_KEY, _payloads.API_SECRET)
    client.API_URL = f"{base_url}/api"
    try:
        # What AsyncClient.create() does after construction: ping, then the clock offset.
        await client.ping()
        client.timestamp_offset = (await client.get_server_time())["serverTime"] - int(time.time() * 1000)
        call: Call
        if workload in ("ticker", "ticker_seq"):

            async def call() -> object:
                return await client.get_symbol_ticker(symbol="BTCUSDT")

        elif workload == "depth":

            async def call() -> object:
                return await client.get_order_book(symbol="BTCUSDT", limit=5000)

        elif workload == "exchange_info":

            async def call() -> object:
                return await client.get_exchange_info()

        elif workload == "account":

            async def call() -> object:
                return await client.get_account()

        elif workload == "order_test":

            async def call() -> object:
                return await client.create_test_order(**ORDER)

        else:
            raise ValueError(f"unknown workload {workload!r}")

        check_answer("python-binance", workload, await call(), expect)
        yield call
    finally:
        await client.close_connection()


# --------------------------------------------------------------------------- ccxt


def ccxt_exchange(base_url: str, *, rate_limit: bool) -> Any:
    """ccxt's async ``binance`` with the Spot REST URLs pointed at `base_url`."""
    import ccxt.async_support as ccxt_async

    exchange = ccxt_async.binance(
        {"apiKey": _payloads.API_KEY, "secret": _payloads.API_SECRET, "enableRateLimit": rate_limit}
    )
    exchange.urls["api"]["public"] = f"{base_url}/api/v3"
    exchange.urls["api"]["private"] = f"{base_url}/api/v3"
    return exchange


def ccxt_side(rate_limit: bool) -> Side:
    @asynccontextmanager
    async def side(base_url: str, workload: str, expect: Expect) -> AsyncIterator[Call]:
        """ccxt's implicit raw methods: no market loading, no unified parsing (ccxt's fastest path)."""
        exchange = ccxt_exchange(base_url, rate_limit=rate_limit)
        try:
            call: Call
            if workload in ("ticker", "ticker_seq"):

                async def call() -> object:
                    return await exchange.public_get_ticker_price({"symbol": "BTCUSDT"})

            elif workload == "depth":

                async def call() -> object:
                    return await exchange.public_get_depth({"symbol": "BTCUSDT", "limit": 5000})

            elif workload == "exchange_info":

                async def call() -> object:
                    return await exchange.public_get_exchangeinfo()

            elif workload == "account":

                async def call() -> object:
                    return await exchange.private_get_account()

            elif workload == "order_test":

                async def call() -> object:
                    return await exchange.private_post_order_test(dict(ORDER))

            else:
                raise ValueError(f"unknown workload {workload!r}")

            check_answer("ccxt", workload, await call(), expect)
            yield call
        finally:
            await exchange.close()

    return side


SIDE_FACTORIES: dict[str, Side] = {
    "floor": floor,
    "floor_msgspec": floor_msgspec,
    "binance_async": binance_async_side,
    "python-binance": python_binance_side,
    # Throughput runs only: with its default throttle (enableRateLimit) ccxt would take minutes here;
    # the limiter benchmark (bench_limiter.py) runs it in its default setup.
    "ccxt": ccxt_side(rate_limit=False),
}
