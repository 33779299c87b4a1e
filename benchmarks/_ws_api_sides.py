"""One measurement of ``bench_ws_api.py`` in a fresh client process.

``python _ws_api_sides.py '{"workload": ..., ...}'`` prints one line ``@@result {json}``. Workloads:

* ``orders``: ``SpotClient`` (HMAC or Ed25519 key) places ``n`` MARKET orders (BUY and SELL in turn,
  0.0002 of one of the server's markets after another, FULL answers) over REST
  (``client.new_order``) or the WebSocket API (``async with client.ws_api() as ws: ws.new_order``),
  one at a time (``concurrency`` 1) or from ``concurrency`` tasks; each call is timed. Untimed before:
  ``exchange_info(symbol=...)`` and ``warm`` orders of the same kind (the clock sync, the connection
  and, for an Ed25519 key, the logon happen there). Key ``floor``: the same orders without the
  library, bare aiohttp (`floor`), for the local server.
* ``events``: ``async with client.user_stream() as events`` (a consumer task in ``async for``), then the
  simulator places ``n`` MARKET orders straight into its engine (``POST /_bench/burst``); timed from that
  request until the consumer has seen every execution report the burst made (a NEW and a TRADE per fill
  of each order).

The server is the simulator (``_ws_api_server.py``) or the local server (``_ws_api_local_server.py``,
orders only); both answer ``GET /_bench/stats`` and ``POST /_bench/profile``.

Checks, reported in ``issues`` (never raised): the server holds exactly ``n`` more orders after the timed
region (the simulator: in its engine; the local server: placed, no client order id seen twice, nothing
refused), its HTTP and WebSocket API request counts moved by exactly the orders sent over each (nothing
else: no clock sync, no retry), every answer is FILLED with an order id of its own; for events,
the execution reports equal the orders + fills, with every order's NEW and every fill's trade id once,
nothing dropped, nothing more after a pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import gc
import itertools
import json
import statistics
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # benchmark the working tree's binance_async
    sys.path.insert(1, str(HERE.parent))

import aiohttp  # noqa: E402
from _harness import percentile, profile_text, report, server_stats  # noqa: E402

from binance_async import SpotClient  # noqa: E402
from binance_async.ws_api import ExecutionReport, OutboundAccountPosition  # noqa: E402


def server_profile(base_url: str, action: str) -> str:
    request = urllib.request.Request(f"{base_url}/_bench/profile?action={action}", method="POST")
    with urllib.request.urlopen(request, timeout=30) as resp:
        text: str = resp.read().decode()
        return text


def make_client(spec: dict[str, Any]) -> SpotClient:
    if spec["key"] == "ed25519":
        return SpotClient(
            spec["ed25519_key"], private_key=spec["ed25519_private_pem"], base_url=spec["base_url"]
        )
    return SpotClient(spec["api_key"], spec["api_secret"], base_url=spec["base_url"])


@contextlib.contextmanager
def profiled(enabled: bool, out: dict[str, Any], base_url: str) -> Any:
    """cProfile of this process, and of the server's, around the timed region (``--profile``)."""
    if not enabled:
        yield
        return
    server_profile(base_url, "start")
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        out["profile_client"] = profile_text(profiler)
        out["profile_server"] = server_profile(base_url, "stop")


# --------------------------------------------------------------------------- orders


#: Places one MARKET order (symbol, side); its status and order id.
Place = Callable[[str, str], Awaitable[tuple[str, int]]]


@contextlib.asynccontextmanager
async def library(spec: dict[str, Any], issues: list[str]) -> AsyncIterator[Place]:
    """binance_async: ``client.new_order`` (REST) or ``ws.new_order`` in ``async with client.ws_api()``."""
    over_ws = spec["transport"] == "ws"
    quantity = Decimal(spec["quantity"])
    async with make_client(spec) as client:
        # the server's (roomy) rate limits into the limiter
        await client.exchange_info(symbol=spec["symbols"][0])
        api_context: contextlib.AbstractAsyncContextManager[Any] = (
            client.ws_api() if over_ws else contextlib.nullcontext(client)
        )
        async with api_context as api:

            async def place(symbol: str, side: str) -> tuple[str, int]:
                placed = await api.new_order(symbol, side, "MARKET", quantity=quantity)
                return placed.status, placed.order_id

            yield place
            if over_ws:
                if spec["key"] == "ed25519" and not api.logged_on:
                    issues.append("the WebSocket API session is not logged on")
                stats = api.stats
                if stats.reconnects or stats.lost or stats.timeouts:
                    issues.append(
                        f"WebSocket API: {stats.reconnects} reconnects, {stats.lost} lost, "
                        f"{stats.timeouts} timeouts"
                    )


#: The floor's order: what the library sends, with a fixed stand-in for the signature (nothing signs).
FLOOR_FORM = (
    "symbol=%s&side=%s&type=MARKET&quantity=%s&newClientOrderId=floor%017d&newOrderRespType=FULL"
    "&recvWindow=5000&timestamp=%d&signature=" + "0" * 64
)
FLOOR_FRAME = (
    '{"id":%d,"method":"order.place","params":{"symbol":"%s","side":"%s","type":"MARKET","quantity":"%s",'
    '"newClientOrderId":"floor%017d","newOrderRespType":"FULL","timestamp":%d,"recvWindow":5000,'
    '"apiKey":"%s","signature":"' + "0" * 64 + '"}}'
)


@contextlib.asynccontextmanager
async def floor(spec: dict[str, Any], issues: list[str]) -> AsyncIterator[Place]:
    """Bare aiohttp, no library: the order as a ready-made form body (``session.post``) or text frame
    (``ws_connect``, ``send_str``; one at a time: ``receive`` in the caller; from several tasks: a reader
    task hands each answer to its caller by id), the answer read with ``json.loads``. Unsigned (a fixed
    64-character stand-in): the local server checks no signature."""
    quantity, key = spec["quantity"], spec["api_key"]
    ids = itertools.count(1)
    async with aiohttp.ClientSession() as session:
        if spec["transport"] == "rest":
            url = spec["base_url"] + "/api/v3/order"
            headers = {"X-MBX-APIKEY": key, "Content-Type": "application/x-www-form-urlencoded"}

            async def post(symbol: str, side: str) -> tuple[str, int]:
                body = FLOOR_FORM % (symbol, side, quantity, next(ids), time.time() * 1000)
                async with session.post(url, data=body.encode(), headers=headers) as resp:
                    answer = json.loads(await resp.read())
                return answer["status"], answer["orderId"]

            yield post
            return
        ws = await session.ws_connect(
            spec["base_url"].replace("http://", "ws://", 1) + "/ws-api/v3", compress=0
        )
        pending: dict[int, asyncio.Future[dict[str, Any]]] = {}

        def frame(symbol: str, side: str) -> tuple[int, str]:
            i = next(ids)
            return i, FLOOR_FRAME % (i, symbol, side, quantity, i, time.time() * 1000, key)

        async def in_turn(symbol: str, side: str) -> tuple[str, int]:
            await ws.send_str(frame(symbol, side)[1])
            answer = json.loads((await ws.receive()).data)["result"]
            return answer["status"], answer["orderId"]

        async def read() -> None:
            async for message in ws:
                answer = json.loads(message.data)
                waiter = pending.pop(answer["id"], None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(answer["result"])

        async def multiplexed(symbol: str, side: str) -> tuple[str, int]:
            i, text = frame(symbol, side)
            waiter = pending[i] = asyncio.get_running_loop().create_future()
            await ws.send_str(text)
            answer = await waiter
            return answer["status"], answer["orderId"]

        reader = asyncio.create_task(read()) if spec["concurrency"] > 1 else None
        try:
            yield in_turn if reader is None else multiplexed
        finally:
            if reader is not None:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
            await ws.close()


async def measure_orders(spec: dict[str, Any]) -> dict[str, Any]:
    base_url, n, concurrency = spec["base_url"], spec["n"], spec["concurrency"]
    over_ws = spec["transport"] == "ws"
    result: dict[str, Any] = {}
    issues: list[str] = []
    symbols: list[str] = spec["symbols"]
    counter = 0
    order_ids: list[tuple[str, int]] = []
    not_filled = 0
    placer = floor if spec["key"] == "floor" else library

    async with placer(spec, issues) as place:

        async def order() -> None:
            nonlocal counter, not_filled
            side = "BUY" if counter % 2 == 0 else "SELL"
            symbol = symbols[counter // 2 % len(symbols)]
            counter += 1
            status, order_id = await place(symbol, side)
            if status != "FILLED":
                not_filled += 1
            order_ids.append((symbol, order_id))

        for _ in range(spec["warm"]):
            await order()
        order_ids.clear()
        not_filled = 0
        latencies: list[float] = []
        before = server_stats(base_url)
        gc.collect()
        with profiled(spec.get("profile", False), result, base_url):
            c0 = time.process_time()
            t0 = time.perf_counter()
            await drive(order, n, concurrency, latencies)
            wall = time.perf_counter() - t0
            cpu = time.process_time() - c0
        after = server_stats(base_url)

    delta = {k: after[k] - before[k] for k in ("orders", "http_requests", "ws_requests", "cpu")}
    if delta["orders"] != n:
        issues.append(f"the server placed {delta['orders']} orders, {n} were sent")
    for tally in ("duplicates", "refused"):  # the local server's
        if after.get(tally, 0) != before.get(tally, 0):
            issues.append(f"{after[tally] - before[tally]} {tally} in the region")
    expected_http, expected_ws = (0, n) if over_ws else (n, 0)
    if delta["http_requests"] != expected_http:
        issues.append(f"{delta['http_requests']} HTTP requests in the region (expected {expected_http})")
    if delta["ws_requests"] != expected_ws:
        issues.append(f"{delta['ws_requests']} WebSocket API requests in the region (expected {expected_ws})")
    if len(set(order_ids)) != n:
        issues.append(f"{len(set(order_ids))} distinct order ids in {n} answers")
    if not_filled:
        issues.append(f"{not_filled} answers not FILLED")
    latencies.sort()
    result.update(
        {
            "n": n,
            "wall_s": wall,
            "orders_per_s": n / wall,
            "p50_us": statistics.median(latencies) * 1e6,
            "p99_us": percentile(latencies, 0.99) * 1e6,
            "mean_us": statistics.fmean(latencies) * 1e6,
            "max_us": latencies[-1] * 1e6,
            "over_10ms": sum(1 for x in latencies if x > 0.01),
            "client_cpu_us": cpu / n * 1e6,
            "server_cpu_us": delta["cpu"] / n * 1e6,
            "server_cpu_util": delta["cpu"] / wall,
            "issues": issues,
        }
    )
    return result


async def drive(
    call: Callable[[], Awaitable[None]], n: int, concurrency: int, latencies: list[float]
) -> None:
    """``n`` calls from ``concurrency`` tasks (one: in sequence), each timed."""
    remaining = n
    clock = time.perf_counter

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            t = clock()
            await call()
            latencies.append(clock() - t)

    await asyncio.gather(*(worker() for _ in range(min(concurrency, n))))


# --------------------------------------------------------------------------- events


class Heard:
    """What the consumer saw (`reset` between the warm-up and the timed region)."""

    def __init__(self) -> None:
        self.changed = asyncio.Event()
        self.reset()

    def reset(self) -> None:
        self.news: set[tuple[str, int]] = set()  # (symbol, order id): ids are per symbol
        self.trades: set[tuple[str, int]] = set()
        self.reports = 0
        self.positions = 0
        self.other = 0
        self.repeated = 0
        self.first_at = 0.0
        self.last_at = 0.0


async def consume(events: AsyncIterator[Any], heard: Heard) -> None:
    clock = time.perf_counter
    async for event in events:
        if isinstance(event, ExecutionReport):
            heard.reports += 1
            if event.execution_type == "NEW":
                key = (event.symbol, event.order_id)
                if key in heard.news:
                    heard.repeated += 1
                heard.news.add(key)
            elif event.execution_type == "TRADE":
                key = (event.symbol, event.trade_id)
                if key in heard.trades:
                    heard.repeated += 1
                heard.trades.add(key)
        elif isinstance(event, OutboundAccountPosition):
            heard.positions += 1
        else:
            heard.other += 1
        heard.last_at = clock()
        if not heard.first_at:
            heard.first_at = heard.last_at
        heard.changed.set()


async def measure_events(spec: dict[str, Any]) -> dict[str, Any]:
    base_url, n = spec["base_url"], spec["n"]
    result: dict[str, Any] = {}
    issues: list[str] = []
    overflow = spec.get("overflow")
    async with make_client(spec) as client, aiohttp.ClientSession() as session:
        await client.exchange_info(symbol=spec["symbols"][0])
        options: dict[str, Any] = {"overflow": overflow} if overflow else {}
        async with client.user_stream(**options) as events:
            heard = Heard()
            consumer = asyncio.create_task(consume(events, heard))
            # warm-up: one order through the engine, its reports heard
            async with session.post(f"{base_url}/_bench/burst", params={"n": "1", "chunk": "1"}) as resp:
                warm = await resp.json()
            await wait_for_reports(heard, 1 + int(warm["fills"]), 10)
            warm_reports = heard.reports
            heard.reset()
            before = server_stats(base_url)
            gc.collect()
            with profiled(spec.get("profile", False), result, base_url):
                c0 = time.process_time()
                t0 = time.perf_counter()
                params = {"n": str(n), "chunk": str(spec["chunk"])}
                async with session.post(f"{base_url}/_bench/burst", params=params) as resp:
                    burst = await resp.json()
                answered = time.perf_counter()
                expected = n + int(burst["fills"])
                complete = await wait_for_reports(heard, expected, 60)
                wall = heard.last_at - t0
                cpu = time.process_time() - c0
            after = server_stats(base_url)
            await asyncio.sleep(0.3)  # nothing more may come
            dropped = events.dropped
            consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await consumer
    if not complete:
        issues.append(f"{heard.reports:,} execution reports of {expected:,} within 60 s")
    elif heard.reports != expected:
        issues.append(f"{heard.reports:,} execution reports, {expected:,} expected")
    if len(heard.news) != n:
        issues.append(f"NEW heard for {len(heard.news):,} orders of {n:,}")
    if len(heard.trades) != burst["fills"]:
        issues.append(f"{len(heard.trades):,} trade ids heard of {burst['fills']:,} fills")
    if heard.repeated:
        issues.append(f"{heard.repeated} reports repeated")
    if dropped:
        issues.append(f"{dropped:,} events dropped by the queue")
    if after["orders"] - before["orders"] != n:
        issues.append(f"the engine holds {after['orders'] - before['orders']} new orders, {n} expected")
    server_cpu = after["cpu"] - before["cpu"]
    events_total = heard.reports + heard.positions + heard.other
    result.update(
        {
            "n": n,
            "fills": burst["fills"],
            "reports": heard.reports,
            "positions": heard.positions,
            "warm_reports": warm_reports,
            "wall_s": wall,
            "reports_per_s": heard.reports / wall,
            "events_per_s": events_total / wall,
            "engine_s": burst["engine_s"],
            "engine_cpu_s": burst["engine_cpu_s"],
            "answered_s": answered - t0,
            "first_event_ms": (heard.first_at - t0) * 1e3,
            "client_cpu_us": cpu / events_total * 1e6,
            "server_cpu_us": server_cpu / events_total * 1e6,
            "client_cpu_util": cpu / wall,
            "server_cpu_util": server_cpu / wall,
            "ws_messages_sent": after["ws_messages_sent"] - before["ws_messages_sent"],
            "issues": issues,
        }
    )
    return result


async def wait_for_reports(heard: Heard, expected: int, timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while heard.reports < expected:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return False
        heard.changed.clear()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(heard.changed.wait(), remaining)
    return True


def main() -> int:
    spec = json.loads(sys.argv[1])
    measure = measure_events if spec["workload"] == "events" else measure_orders
    return report(measure(spec))


if __name__ == "__main__":
    sys.exit(main())
