"""1000 orders over the WebSocket API (``client.ws_api()``) against the simulator while it injects faults,
with a ``client.user_stream()`` collecting the execution reports on a connection of its own.

The simulator's fault rules on ``POST /api/v3/order`` apply to ``order.place``: it drops the connection
right after placing an order (~10% of placements), answers -1007 (503, 408) after placing it, drops the
connection or answers -1001 (503) before placing it, and delays answers. A drop takes every request in
flight on the connection with it (their outcomes are unknown too). The user stream's own connection is
dropped now and then (its subscription is gone until the stream subscribes again, and a
`UserStreamResynced` follows), and one ``serverShutdown`` moves both connections make-before-break.

Every order whose outcome the client reports as unknown is reconciled by its client order id. Then the
simulator's own records (REST ``allOrders`` and ``myTrades``, read with the faults cleared) must show: no
client order id twice, no order the caller does not know about, nothing left in ``unknown_outcomes``;
and every fill of the account in exactly one execution report of the user stream (order id and trade
id). The server sends an account's events only to the subscriptions that exist when they happen, so
the fills made while the user stream's connection was down never arrive live: the stream rebuilds
them over REST after the reconnect (``recovered=True``, `binance_async.ws_api.recovery`), and they
must all lie inside a drop window closed by a `UserStreamResynced`, with the order's totals right. A
serverShutdown switch loses none and needs no recovery.

Two focused tests pin what the run found in the library: the user stream heard nothing after its
first reconnect (each connection numbers its subscriptions from 0, and the new id was dropped with
the old one), and an order sent again after `ConnectionFailedError` failed again on the same closing
socket until the reader noticed the close.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from binance_async import (
    BinanceError,
    ConnectionFailedError,
    ExecutionStatusUnknown,
    ExecutionStatusUnknownError,
    RetryPolicy,
    SpotClient,
)
from binance_async.sim import Simulator
from binance_async.sim.config import SimConfig
from binance_async.sim.faults import FaultRule
from binance_async.streams.config import StreamConfig
from binance_async.testing import MockConnector, MockTransport, Router, server_time
from binance_async.ws_api import ExecutionReport, UserStream, UserStreamResynced, WsApiClient
from tests.reference import example
from tests.reliability.test_order_faults import LIMITS, ORDERS, PLAN_SYMBOLS, PlannedOrder, plan_orders
from tests.unit.helpers import KEY, SECRET, until

pytestmark = pytest.mark.slow

SEED = 16_2026
CONCURRENCY = 20
ORDER_PATH = "/api/v3/order"
FAST_RETRY = RetryPolicy(max_retries=3, base_delay=0.002, max_delay=0.01)

#: On ``order.place`` (one draw per rule; a "before" fault that fires makes the "after" ones moot):
#: 10% dropped after placing, 3% -1007 after placing, 2% dropped before, 2% -1001 before, and latency.
FAULTS = (
    FaultRule("drop_before", 0.02, method="POST", path=ORDER_PATH),
    FaultRule("error_before", 0.02, method="POST", path=ORDER_PATH, status=503),
    FaultRule("drop_after", 0.10, method="POST", path=ORDER_PATH),
    FaultRule("error_after", 0.02, method="POST", path=ORDER_PATH, status=503),
    FaultRule("error_after", 0.01, method="POST", path=ORDER_PATH, status=408),
    FaultRule("latency", 0.2, latency_s=0.002),
)

#: After how many settled orders the user stream's connection is dropped, and when a serverShutdown
#: (close after a 1 s grace) moves both connections to new ones.
USER_STREAM_DROPS = (90, 200, 310, 420, 620, 730, 840, 940)
SERVER_SHUTDOWN_AT = 500
#: How long before a drop a fill may have been made and still be lost: it was queued on the dropped
#: connection but not yet written (measured: a few ms; the bound is generous for a loaded machine).
QUEUED_SLACK_MS = 500


@dataclass
class Outcome:
    planned: PlannedOrder
    answered_id: int | None = None
    unknown: BinanceError | None = None
    reconciled_id: int | None = None
    reconciled_absent: bool = False
    rejected: BinanceError | None = None
    not_sent: int = 0  # ConnectionFailedError: the frame never left; sent again
    reconcile_failures: int = 0

    @property
    def order_id(self) -> int | None:
        return self.answered_id if self.answered_id is not None else self.reconciled_id


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    unknown_kinds: Counter[str] = field(default_factory=Counter)
    settled: int = 0
    #: Simulator-clock ms of each drop of the user stream's connection, and of the serverShutdown.
    drops_ms: list[int] = field(default_factory=list)
    shutdown_ms: int | None = None


@dataclass
class Heard:
    """What the user stream delivered, in order."""

    reports: list[ExecutionReport] = field(default_factory=list)
    #: Simulator-clock ms at which each `UserStreamResynced` was read, and its error (if any).
    resyncs: list[tuple[int, str | None]] = field(default_factory=list)
    other: int = 0
    last_at: float = 0.0


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator(SimConfig(seed=SEED, limits=LIMITS))
    async with simulator:
        yield simulator


async def place(ws: WsApiClient, order: PlannedOrder) -> int:
    _, _, qty, buy_price, sell_price = PLAN_SYMBOLS[order.symbol]
    if order.type == "MARKET":
        placed = await ws.new_order(
            order.symbol, order.side, "MARKET", quantity=qty, new_client_order_id=order.client_order_id
        )
    else:
        placed = await ws.new_order(
            order.symbol,
            order.side,
            "LIMIT",
            time_in_force="GTC",
            quantity=qty,
            price=buy_price if order.side == "BUY" else sell_price,
            new_client_order_id=order.client_order_id,
        )
    assert placed.client_order_id == order.client_order_id
    return placed.order_id


async def reconcile(ws: WsApiClient, outcome: Outcome) -> None:
    symbol, client_id = outcome.planned.symbol, outcome.planned.client_order_id
    try:
        found = await ws.reconcile_order(symbol, client_id)
    except BinanceError:
        outcome.reconcile_failures += 1
        return
    if found is None:
        outcome.reconciled_absent = True
    else:
        assert found.client_order_id == client_id
        outcome.reconciled_id = found.order_id


async def run_one(ws: WsApiClient, order: PlannedOrder, run: Run) -> None:
    outcome = Outcome(order)
    run.outcomes.append(outcome)
    while True:
        try:
            outcome.answered_id = await place(ws, order)
        except ConnectionFailedError:  # the frame never left (the link was closing): safe to send again
            outcome.not_sent += 1
            if outcome.not_sent < 5:
                continue
            raise
        except BinanceError as error:
            if not isinstance(error, ExecutionStatusUnknown):
                outcome.rejected = error
                return
            outcome.unknown = error
        break
    unknown = outcome.unknown
    if unknown is None:
        return
    assert isinstance(unknown, ExecutionStatusUnknown)
    assert unknown.client_order_id == order.client_order_id
    assert unknown.request is not None
    assert unknown.request.params["newClientOrderId"] == order.client_order_id
    assert "signature" not in unknown.request.params and "apiKey" not in unknown.request.params
    if isinstance(unknown, ExecutionStatusUnknownError):
        run.unknown_kinds[f"status {unknown.status} code {unknown.code}"] += 1
    else:
        run.unknown_kinds[type(unknown).__name__] += 1
    await reconcile(ws, outcome)


def drop_user_stream_connection(sim: Simulator) -> int:
    """Drop (no close frame) the simulator's connections that carry a user data subscription: the user
    stream's. Counted in ``sim.ws_api.faults`` as a drop."""
    dropped = 0
    for connection in sim.ws_api.connections:
        if connection.session.subscriptions:
            sim.ws_api.faults.fired("drop", "the user stream's connection")
            connection.abort()
            dropped += 1
    return dropped


async def listen(stream: UserStream, sim: Simulator, heard: Heard) -> None:
    async for event in stream:
        heard.last_at = time.perf_counter()
        if isinstance(event, ExecutionReport):
            heard.reports.append(event)
        elif isinstance(event, UserStreamResynced):
            heard.resyncs.append((sim.clock.now_ms(), event.error))
        else:
            heard.other += 1


async def pages(client: SpotClient, path: str, symbol: str, cursor: str, key: str) -> list[dict[str, Any]]:
    """Every row of a signed history endpoint over REST (allOrders by orderId, myTrades by fromId)."""
    rows: list[dict[str, Any]] = []
    start = 0
    while True:
        page = await client.request(
            "GET", path, {"symbol": symbol, cursor: start, "limit": 1000}, signed=True
        )
        rows.extend(page)
        if len(page) < 1000:
            return rows
        start = page[-1][key] + 1


async def test_1000_ws_api_orders_under_faults_settled_once_and_every_fill_reported(
    sim: Simulator, figures: dict[str, Any]
) -> None:
    started = time.perf_counter()
    plan = plan_orders(random.Random(SEED), f"wsrel-{SEED}")
    run = Run()
    heard = Heard()
    async with SpotClient(sim.api_key, sim.api_secret, base_url=sim.base_url, retry=FAST_RETRY) as client:
        await client.exchange_info()  # the limiter takes the simulator's (roomy) limits
        async with client.ws_api() as ws, client.user_stream(symbols=PLAN_SYMBOLS) as stream:
            listener = asyncio.create_task(listen(stream, sim, heard))
            for rule in FAULTS:
                sim.faults.add(rule)
            queue: asyncio.Queue[PlannedOrder] = asyncio.Queue()
            for planned in plan:
                queue.put_nowait(planned)
            drops_at = set(USER_STREAM_DROPS)

            async def worker() -> None:
                while not queue.empty():
                    await run_one(ws, queue.get_nowait(), run)
                    run.settled += 1
                    if run.settled in drops_at:
                        run.drops_ms.append(sim.clock.now_ms())
                        if not drop_user_stream_connection(sim):
                            run.drops_ms.pop()  # it was reconnecting: nothing to drop
                    elif run.settled == SERVER_SHUTDOWN_AT:
                        shutdown.append(asyncio.create_task(announce_shutdown()))

            async def announce_shutdown() -> None:
                for _ in range(1000):  # the user stream's connection is to be switched
                    if stream.subscribed:
                        break
                    await asyncio.sleep(0.005)
                run.shutdown_ms = sim.clock.now_ms()
                sim.ws_api.faults.server_shutdown(close_after=1.0)

            shutdown: list[asyncio.Task[None]] = []

            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            await asyncio.gather(*shutdown)
            placing_s = time.perf_counter() - started
            placements = Counter(kind for method, path, kind in sim.faults.log if method == "POST")

            # What could not be settled under faults is looked up again once they stop.
            sim.faults.clear()
            retried = [o for o in run.outcomes if o.reconcile_failures and o.reconciled_id is None]
            for outcome in retried:
                if not outcome.reconciled_absent:
                    await reconcile(ws, outcome)
            left_unknown = dict(client.unknown_outcomes)

            # The simulator's records, over REST.
            orders: dict[str, list[dict[str, Any]]] = {}
            trades: dict[str, list[dict[str, Any]]] = {}
            for symbol in PLAN_SYMBOLS:
                orders[symbol] = await pages(client, "/api/v3/allOrders", symbol, "orderId", "orderId")
                trades[symbol] = await pages(client, "/api/v3/myTrades", symbol, "fromId", "id")

            # Until the user stream has reported every fill, or has been quiet (and subscribed) a while.
            fills = {(t["symbol"], t["orderId"], t["id"]) for rows in trades.values() for t in rows}
            deadline = time.perf_counter() + 10.0
            while time.perf_counter() < deadline:
                reported = {(r.symbol, r.order_id, r.trade_id) for r in heard.reports if r.is_fill}
                quiet = time.perf_counter() - heard.last_at > 1.0
                if fills <= reported or (
                    quiet and stream.subscribed and len(heard.resyncs) >= len(run.drops_ms)
                ):
                    break
                await asyncio.sleep(0.05)
            ws_stats, stream_stats = ws.stats, stream.stats
            stream_dropped, stream_repeats = stream.dropped, stream.repeats
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)

    outcomes = run.outcomes
    assert len(outcomes) == ORDERS
    by_id = {o.planned.client_order_id: o for o in outcomes}
    sim_orders = [row for rows in orders.values() for row in rows]
    sim_ids = Counter(row["clientOrderId"] for row in sim_orders)

    # 1. Every order returned normally or raised an ExecutionStatusUnknown error that reconcile_order
    #    settled: nothing rejected, nothing left unknown (to the caller or in unknown_outcomes).
    rejections = Counter(type(o.rejected).__name__ for o in outcomes if o.rejected is not None)
    assert rejections == Counter(), [str(o.rejected) for o in outcomes if o.rejected][:5]
    unsettled = [
        cid for cid, o in by_id.items() if o.unknown and not (o.reconciled_id or o.reconciled_absent)
    ]
    assert unsettled == [] and left_unknown == {}

    # 2. No duplicates, and the simulator's orders are exactly those the caller knows, with their ids.
    duplicates = {cid: n for cid, n in sim_ids.items() if n > 1}
    assert duplicates == {}
    unknown_to_caller = [cid for cid in sim_ids if cid not in by_id or by_id[cid].order_id is None]
    assert unknown_to_caller == []
    for row in sim_orders:
        assert by_id[row["clientOrderId"]].order_id == row["orderId"]
    answered_missing = [cid for cid, o in by_id.items() if o.answered_id is not None and not sim_ids[cid]]
    absent_but_placed = [cid for cid, o in by_id.items() if o.reconciled_absent and sim_ids[cid]]
    assert (answered_missing, absent_but_placed) == ([], [])
    for row in sim_orders:
        planned = by_id[row["clientOrderId"]].planned
        assert row["status"] == ("NEW" if planned.type == "LIMIT" else "FILLED")

    # 3. Every fill in exactly one execution report (order id + trade id), across the reconnects; those
    #    made while the user stream's connection was down come rebuilt over REST (``recovered``).
    fill_reports = Counter((r.symbol, r.order_id, r.trade_id) for r in heard.reports if r.is_fill)
    repeated = {key: n for key, n in fill_reports.items() if n > 1}
    assert repeated == {}
    assert set(fill_reports) <= fills  # no report of a fill the simulator does not have
    trade_time = {(t["symbol"], t["orderId"], t["id"]): t["time"] for rows in trades.values() for t in rows}
    missing = sorted(fills - set(fill_reports), key=trade_time.__getitem__)
    assert missing == [], missing[:10]
    resync_times = [at for at, _ in heard.resyncs]
    assert [error for _, error in heard.resyncs if error is not None] == []
    # Each drop of the user stream's connection is followed by one resync (a switch is not).
    assert len(heard.resyncs) == len(run.drops_ms) == stream_stats.reconnects
    windows = list(zip(run.drops_ms, resync_times, strict=True))
    recovered = {(r.symbol, r.order_id, r.trade_id) for r in heard.reports if r.is_fill and r.recovered}
    recovered_per_drop: Counter[int] = Counter()
    lead_ms = 0
    for key in recovered:  # rebuilt only for a fill made while the stream was away
        at = trade_time[key]
        window = next(
            (n for n, (drop, resync) in enumerate(windows) if drop - QUEUED_SLACK_MS <= at <= resync), None
        )
        assert window is not None, (key, at, windows)
        recovered_per_drop[window] += 1
        lead_ms = max(lead_ms, windows[window][0] - at)
    # The totals rebuilt are the order's: the last fill report of every order says all of it executed.
    executed = {(row["symbol"], row["orderId"]): Decimal(row["executedQty"]) for row in sim_orders}
    last_fill = {}
    for report in sorted((r for r in heard.reports if r.is_fill), key=lambda r: r.trade_id):
        last_fill[(report.symbol, report.order_id)] = report
    wrong_totals = [key for key, r in last_fill.items() if r.executed_qty != executed[key]]
    assert wrong_totals == []
    assert stream_dropped == 0
    # The serverShutdown switch (make-before-break, no resync) lost nothing: every fill made from the
    # announcement until the old connection had to close was reported live.
    assert run.shutdown_ms is not None
    switch = [
        key
        for key, at in trade_time.items()
        if run.shutdown_ms <= at <= run.shutdown_ms + 1000
        and not any(drop - QUEUED_SLACK_MS <= at <= resync for drop, resync in windows)
    ]
    switch_missing = [key for key in switch if key not in fill_reports or key in recovered]
    assert switch_missing == []

    inside = sum(1 for at in trade_time.values() if any(drop <= at <= resync for drop, resync in windows))
    unknown = [o for o in outcomes if o.unknown is not None]
    present = sum(1 for o in unknown if o.reconciled_id is not None)
    absent = sum(1 for o in unknown if o.reconciled_absent)
    fill_events = sum(fill_reports.values())
    figures.update(
        {
            "orders planned": ORDERS,
            "concurrency": CONCURRENCY,
            "faults fired on order.place (simulator's log)": dict(placements),
            "connection faults (sim.ws_api.faults)": dict(sim.ws_api.faults.counts),
            "answered": sum(1 for o in outcomes if o.answered_id is not None),
            "not sent (link closing), sent again": sum(o.not_sent for o in outcomes),
            "unknown outcomes": len(unknown),
            "unknown by kind": dict(run.unknown_kinds),
            "reconciled present / absent": f"{present} / {absent}",
            "reconcile lookups that failed under faults (looked up again after)": len(retried),
            "left in unknown_outcomes": len(left_unknown),
            "orders in simulator": len(sim_orders),
            "duplicate client order ids": len(duplicates),
            "orders unknown to the caller": len(unknown_to_caller),
            "orders connection: reconnects / rotations / lost answers": (
                f"{ws_stats.reconnects} / {ws_stats.rotations} / {ws_stats.lost}"
            ),
            "user stream: reconnects / rotations / resyncs / repeats recognised": (
                f"{stream_stats.reconnects} / {stream_stats.rotations} / {len(heard.resyncs)}"
                f" / {stream_repeats}"
            ),
            "execution reports": len(heard.reports),
            "fills (simulator's myTrades)": len(fills),
            "fills reported once / twice": f"{fill_events} / {len(repeated)}",
            "fills missing": len(missing),
            "fills recovered over REST after a reconnect": len(recovered),
            "recovered per drop": [recovered_per_drop[n] for n in range(len(windows))],
            "earliest recovered fill before its drop (ms)": lead_ms,
            "drop -> resync read (ms)": [resync - drop for drop, resync in windows],
            "fills made between a drop and its resync / recovered": f"{inside} / {len(recovered)}",
            "reports with wrong executed totals": len(wrong_totals),
            "fills during the serverShutdown switch (outside drop windows) / missing": (
                f"{len(switch)} / {len(switch_missing)}"
            ),
            "placing + reconciling (s)": round(placing_s, 2),
            "total (s)": round(time.perf_counter() - started, 2),
        }
    )
    print(figures)
    # The fault mix really happened.
    assert placements["drop_after"] >= 50 and placements["error_after"] >= 5
    assert placements["drop_before"] >= 5 and placements["error_before"] >= 5
    assert len(run.drops_ms) >= 6 and stream_stats.rotations == 1 and len(switch) >= 1
    assert present >= 50 and absent >= 10


async def next_event(stream: UserStream, kind: type[Any], timeout: float = 5.0) -> Any:
    """The next event of `kind` (others skipped), within `timeout` seconds."""

    async def find() -> Any:
        while True:
            event = await stream.__anext__()
            if isinstance(event, kind):
                return event

    return await asyncio.wait_for(find(), timeout)


async def test_the_user_stream_hears_its_events_after_a_reconnect_and_after_a_switch(sim: Simulator) -> None:
    """Every new connection numbers its subscriptions from 0 (Binance's and the simulator's rule), so
    the subscription after a reconnect or a switch has the id of the one before. The stream used to
    drop the new id with the old one (after a reconnect) or with the drained one (after a switch) and
    then ignored every event: each order's report must still come."""
    client = SpotClient(sim.api_key, sim.api_secret, base_url=sim.base_url)
    async with client, client.user_stream() as stream:
        for step in ("reconnect", "switch", "reconnect"):
            if step == "reconnect":
                assert drop_user_stream_connection(sim) == 1
                await next_event(stream, UserStreamResynced)
            else:
                sim.ws_api.faults.server_shutdown(close_after=1.0)
                for _ in range(200):  # until the old connection is drained and closed
                    if stream.stats.rotations and len(sim.ws_api.connections) == 1:
                        break
                    await asyncio.sleep(0.01)
            placed = await client.new_order("BTCUSDT", "BUY", "MARKET", quantity=Decimal("0.0002"))
            report = await next_event(stream, ExecutionReport)
            assert (report.order_id, report.status) == (placed.order_id, "NEW"), step
            report = await next_event(stream, ExecutionReport)
            assert (report.order_id, report.status) == (placed.order_id, "FILLED"), step
        assert (stream.stats.reconnects, stream.stats.rotations, stream.resyncs) == (2, 1, 2)


async def test_an_order_sent_again_after_not_sent_waits_for_the_new_connection() -> None:
    """A frame the closing socket refused raises `ConnectionFailedError` (never sent: the caller may
    send it again at once). The link is then not used again: sent again before the reader has seen
    the close, the order used to fail the same way (as often as it was tried); it waits for the new
    connection and goes there."""
    connector = MockConnector(auto_reply=False)
    router = Router()
    router.get("/api/v3/time", server_time, times=None)
    client = SpotClient(
        KEY,
        SECRET,
        transport=MockTransport(router),
        connector=connector,
        ws_api_url="wss://x.example/ws-api/v3",
        stream_config=StreamConfig(backoff_base=0.01, backoff_cap=0.05),
        timeout=2.0,
    )
    async with client, client.ws_api() as ws:
        first = connector.sockets[0]
        placing = asyncio.ensure_future(ws.new_order("BTCUSDT", "BUY", "MARKET", quantity="0.001"))
        await until(lambda: len(first.sent) == 1)  # the clock is synced: nothing below waits on it
        (request,) = first.sent
        assert isinstance(request, dict)
        first.feed_json({"id": request["id"], "status": 200, "result": example("POST_api_v3_order__FULL")})
        await placing

        async def answer_on_the_next_socket() -> None:
            await until(lambda: len(connector.sockets) == 2)
            second = connector.sockets[1]
            await until(lambda: len(second.sent) == 1)
            (request,) = second.sent
            assert isinstance(request, dict) and request["params"]["newClientOrderId"] == "again"
            second.feed_json(
                {"id": request["id"], "status": 200, "result": example("POST_api_v3_order__FULL")}
            )

        answering = asyncio.ensure_future(answer_on_the_next_socket())
        # From here to the order sent again nothing yields to the loop: the reader cannot see the close.
        await first.close()
        with pytest.raises(ConnectionFailedError):
            await ws.new_order("BTCUSDT", "BUY", "MARKET", quantity="0.001", new_client_order_id="again")
        await ws.new_order("BTCUSDT", "BUY", "MARKET", quantity="0.001", new_client_order_id="again")
        await answering
        assert len(first.sent) == 1 and ws.stats.reconnects == 1
