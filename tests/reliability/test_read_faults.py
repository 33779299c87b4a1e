"""1000 market-data reads against the simulator while it injects faults: bounded retries, typed errors.

Each logical read carries an id in a request header (added by a transport wrapper on the client's
seam); a middleware in front of the simulator counts the HTTP requests it received per id, dropped
ones included. A read either returns its typed result or raises a `BinanceError` once the retry
budget is spent, and the simulator never sees more than ``1 + RetryPolicy.max_retries`` requests for
one read (aiohttp's own silent resend of a GET after a dropped connection would show here as one more).
"""

from __future__ import annotations

import asyncio
import contextvars
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from binance_async import (
    BinanceError,
    ExecutionStatusUnknownError,
    RetryPolicy,
    SpotClient,
    TransportError,
)
from binance_async._transport import AiohttpTransport, Request, Response
from binance_async.sim import Simulator
from binance_async.sim.config import LimitSpec, SimConfig
from binance_async.sim.faults import FaultRule
from binance_async.spot.models import Depth, ExchangeInfo, Kline, TickerPrice

pytestmark = pytest.mark.slow

SEED = 11
READS = 1000
CONCURRENCY = 50
RETRY = RetryPolicy(max_retries=2, base_delay=0.001, max_delay=0.005)
READ_HEADER = "X-Test-Read-Id"
READ_PATHS = ("/api/v3/ticker/price", "/api/v3/depth", "/api/v3/klines", "/api/v3/exchangeInfo")

#: The order test's mix on the read paths: 5% error_before (JSON and HTML), 5% error_after (-1007 on
#: 503 and 408, HTML on 502 and 504), 2% drop_before, 2% drop_after, and latency.
FAULTS = tuple(
    rule
    for path in READ_PATHS
    for rule in (
        FaultRule("error_before", 0.0253, path=path, status=503),
        FaultRule("error_before", 0.0253, path=path, status=502, body="html"),
        FaultRule("error_after", 0.0127, path=path, status=503),
        FaultRule("error_after", 0.0127, path=path, status=408),
        FaultRule("error_after", 0.0127, path=path, status=502, body="html"),
        FaultRule("error_after", 0.0127, path=path, status=504, body="html"),
        FaultRule("drop_before", 0.02, path=path),
        FaultRule("drop_after", 0.02, path=path),
        FaultRule("latency", 0.3, path=path, latency_s=0.001),
        FaultRule("latency", 0.05, path=path, latency_s=0.01),
    )
)

LIMITS = (
    LimitSpec("REQUEST_WEIGHT", "MINUTE", 1, 1_000_000),
    LimitSpec("RAW_REQUESTS", "MINUTE", 5, 1_000_000),
    LimitSpec("ORDERS", "SECOND", 10, 100),
    LimitSpec("ORDERS", "DAY", 1, 200_000),
)

_read_id: contextvars.ContextVar[str] = contextvars.ContextVar("read_id", default="")


class TaggingTransport(AiohttpTransport):
    """The real transport, adding the current logical read's id as a header to every attempt it is
    asked to send, and counting those attempts."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: Counter[str] = Counter()

    async def send(self, request: Request) -> Response:
        read_id = _read_id.get()
        if read_id:
            self.sent[read_id] += 1
            request = request._replace(headers={**request.headers, READ_HEADER: read_id})
        return await super().send(request)


class CountingSimulator(Simulator):
    """The simulator behind a middleware that counts the requests it receives, per read id."""

    def __init__(self, config: SimConfig) -> None:
        super().__init__(config)
        self.attempts: Counter[str] = Counter()

    def app(self) -> web.Application:
        application = super().app()

        @web.middleware
        async def count(
            request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
        ) -> web.StreamResponse:
            self.attempts[request.headers.get(READ_HEADER, "")] += 1
            return await handler(request)

        application.middlewares.append(count)
        return application


@pytest.fixture
async def sim() -> AsyncIterator[CountingSimulator]:
    simulator = CountingSimulator(SimConfig(seed=SEED, limits=LIMITS))
    async with simulator:
        yield simulator


async def read(client: SpotClient, kind: str, symbol: str) -> object:
    if kind == "ticker_price":
        return await client.ticker_price(symbol)
    if kind == "depth":
        return await client.depth(symbol, limit=100)
    if kind == "klines":
        return await client.klines(symbol, "1m", limit=50)
    return await client.exchange_info()


EXPECTED_TYPE: dict[str, Callable[[object], bool]] = {
    "ticker_price": lambda r: isinstance(r, TickerPrice),
    "depth": lambda r: isinstance(r, Depth) and len(r.bids) == 100,
    "klines": lambda r: isinstance(r, list) and len(r) == 50 and all(isinstance(k, Kline) for k in r),
    "exchange_info": lambda r: isinstance(r, ExchangeInfo) and len(r.symbols) == 5,
}


async def test_1000_reads_under_faults_succeed_or_fail_typed_within_the_retry_budget(
    sim: CountingSimulator, figures: dict[str, Any]
) -> None:
    rng = random.Random(SEED)
    kinds = ["ticker_price", "depth", "klines", "exchange_info"]
    symbols = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "ETHBTC", "BNBBTC"]
    plan = [(f"read-{n}", rng.choice(kinds), rng.choice(symbols)) for n in range(READS)]
    results: dict[str, object] = {}
    failures: dict[str, BaseException] = {}
    started = time.perf_counter()
    transport = TaggingTransport()
    async with SpotClient(base_url=sim.base_url, retry=RETRY, transport=transport) as client:
        await client.exchange_info()  # the roomy limits, before any fault
        for rule in FAULTS:
            sim.faults.add(rule)
        queue: asyncio.Queue[tuple[str, str, str]] = asyncio.Queue()
        for item in plan:
            queue.put_nowait(item)

        async def worker() -> None:
            while not queue.empty():
                read_id, kind, symbol = queue.get_nowait()
                _read_id.set(read_id)
                try:
                    results[read_id] = await read(client, kind, symbol)
                except Exception as exc:  # everything is inspected below: it must be typed
                    failures[read_id] = exc

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started

    budget = 1 + RETRY.max_retries
    assert len(results) + len(failures) == READS
    untyped = {read_id: repr(exc) for read_id, exc in failures.items() if not isinstance(exc, BinanceError)}
    assert untyped == {}
    # Failures are the retryable kinds, after the whole budget was spent.
    for read_id, exc in failures.items():
        assert isinstance(exc, (ExecutionStatusUnknownError, TransportError)), repr(exc)
        assert sim.attempts[read_id] == budget, (read_id, sim.attempts[read_id])
    for read_id, kind, _ in plan:
        if read_id in results:
            assert EXPECTED_TYPE[kind](results[read_id]), (kind, results[read_id])
    attempts = [sim.attempts[read_id] for read_id, _, _ in plan]
    assert min(attempts) >= 1
    assert max(attempts) <= budget
    assert set(sim.attempts) == {"", *(read_id for read_id, _, _ in plan)}  # nothing untagged but setup
    # What the simulator saw is exactly what the pipeline sent: no hidden resend below it (aiohttp
    # resends a GET once after a dropped keep-alive connection unless the transport turns that off).
    hidden = {read_id: (n, transport.sent[read_id]) for read_id, n in sim.attempts.items() if read_id}
    hidden = {read_id: counts for read_id, counts in hidden.items() if counts[0] != counts[1]}
    assert hidden == {}
    # Every retry answered a fault: requests seen = reads + faulted requests that were retried.
    faulted = sum(n for kind, n in sim.faults.counts.items() if kind != "latency")
    assert sum(attempts) == READS + faulted - len(failures)

    histogram = Counter(attempts)
    figures.update(
        {
            "reads": READS,
            "concurrency": CONCURRENCY,
            "retry budget (1 + max_retries)": budget,
            "faults fired (simulator)": dict(sim.faults.counts),
            "requests the simulator saw": sum(attempts),
            "reads by attempts seen": dict(sorted(histogram.items())),
            "max attempts for one read": max(attempts),
            "requests seen but not sent by the pipeline (hidden resends)": len(hidden),
            "succeeded": len(results),
            "failed (typed, after the budget)": dict(Counter(type(e).__name__ for e in failures.values())),
            "untyped exceptions": len(untyped),
            "elapsed (s)": round(elapsed, 2),
        }
    )
    print(figures)
    assert histogram[2] + histogram[3] >= 50  # the faults did force retries
