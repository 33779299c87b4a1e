"""1000 orders through `SpotClient.new_order` against the simulator while it injects faults.

The simulator answers 5xx before processing, places the order and then answers 5xx / -1007 (JSON
and HTML pages, 408 and 5xx statuses), drops connections before and after processing, and delays
answers. Every order whose outcome the client reports as unknown is reconciled by its client order
id. The simulator's own records (allOrders, myTrades, account, read with the faults cleared) must
then show: no client order id twice, no order the caller does not know about, no order reconciled
as absent, and balances that are exactly the starting balances moved by the fills.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import pytest

from binance_async import (
    BinanceError,
    ExecutionStatusUnknown,
    ExecutionStatusUnknownError,
    RetryPolicy,
    SpotClient,
)
from binance_async.sim import Simulator
from binance_async.sim.config import LimitSpec, SimConfig
from binance_async.sim.faults import FaultRule
from binance_async.spot.enums import OrderSide

pytestmark = pytest.mark.slow

SEED = 7_2024
ORDERS = 1000
CONCURRENCY = 50
ORDER_PATH = "/api/v3/order"  # POST places; GET (reconcile) and DELETE are faulted too
FAST_RETRY = RetryPolicy(max_retries=2, base_delay=0.002, max_delay=0.01)

#: 5% error_before, 5% error_after (JSON -1007 on 503 and 408, HTML pages on 502, 504 and 408),
#: 2% drop_before, 2% drop_after, and latency on every path. A request draws once per rule, so the
#: probabilities of rules of one kind are split to give the kind's share.
FAULTS = (
    FaultRule("error_before", 0.0253, path=ORDER_PATH, status=503),
    FaultRule("error_before", 0.0253, path=ORDER_PATH, status=502, body="html"),
    FaultRule("error_after", 0.0102, path=ORDER_PATH, status=503),
    FaultRule("error_after", 0.0102, path=ORDER_PATH, status=408),
    FaultRule("error_after", 0.0102, path=ORDER_PATH, status=502, body="html"),
    FaultRule("error_after", 0.0102, path=ORDER_PATH, status=504, body="html"),
    FaultRule("error_after", 0.0102, path=ORDER_PATH, status=408, body="html"),
    FaultRule("drop_before", 0.02, path=ORDER_PATH),
    FaultRule("drop_after", 0.02, path=ORDER_PATH),
    FaultRule("latency", 0.3, latency_s=0.001),
    FaultRule("latency", 0.1, latency_s=0.005),
    FaultRule("latency", 0.02, latency_s=0.03),
)

#: Room for 1000 orders in a few seconds; the client picks these up from exchangeInfo.
LIMITS = (
    LimitSpec("REQUEST_WEIGHT", "MINUTE", 1, 1_000_000),
    LimitSpec("RAW_REQUESTS", "MINUTE", 5, 1_000_000),
    LimitSpec("ORDERS", "SECOND", 10, 100_000),
    LimitSpec("ORDERS", "DAY", 1, 1_000_000),
)

#: symbol -> (base, quote, quantity, resting BUY price, resting SELL price). The quantities are small
#: (notional 10-20 USDT, 0.0005 BTC); resting prices are 3% off the mid, beyond the seeded book, so
#: no MARKET order reaches them; 1000 orders over 5 symbols stay under MAX_NUM_ORDERS (200).
PLAN_SYMBOLS: dict[str, tuple[str, str, Decimal, Decimal, Decimal]] = {
    "BTCUSDT": ("BTC", "USDT", Decimal("0.0002"), Decimal("63050.00"), Decimal("66950.00")),
    "ETHUSDT": ("ETH", "USDT", Decimal("0.005"), Decimal("3104.00"), Decimal("3296.00")),
    "BNBUSDT": ("BNB", "USDT", Decimal("0.02"), Decimal("562.6"), Decimal("597.4")),
    "ETHBTC": ("ETH", "BTC", Decimal("0.01"), Decimal("0.04772"), Decimal("0.05068")),
    "BNBBTC": ("BNB", "BTC", Decimal("0.05"), Decimal("0.008633"), Decimal("0.009167")),
}


EIGHT = Decimal("0.00000001")


@dataclass(frozen=True)
class PlannedOrder:
    symbol: str
    side: OrderSide
    type: Literal["MARKET", "LIMIT"]  # LIMIT: GTC, resting
    client_order_id: str


@dataclass
class Outcome:
    """What the caller learned about one order."""

    planned: PlannedOrder
    answered: dict[str, Any] | None = None  # orderId, executedQty, cummulativeQuoteQty, fills
    unknown: BinanceError | None = None  # the ExecutionStatusUnknown error, if any
    reconciled: dict[str, Any] | None = None  # the order reconcile_order found
    reconciled_absent: bool = False
    rejected: BinanceError | None = None  # a definite failure (the order was not placed)
    reconcile_failures: int = 0

    @property
    def seen(self) -> dict[str, Any] | None:
        """The order as the caller knows it: from its answer, or from reconciliation."""
        return self.answered or self.reconciled


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)
    unknown_kinds: Counter[str] = field(default_factory=Counter)


def plan_orders(rng: random.Random, prefix: str = f"rel-{SEED}") -> list[PlannedOrder]:
    """`ORDERS` orders, MARKET or resting LIMIT, BUY or SELL, over `PLAN_SYMBOLS`, ids ``<prefix>-<n>``."""
    symbols = list(PLAN_SYMBOLS)
    plan = []
    for n in range(ORDERS):
        kind: Literal["MARKET", "LIMIT"] = "MARKET" if rng.random() < 0.5 else "LIMIT"
        side: OrderSide = "BUY" if rng.random() < 0.5 else "SELL"
        plan.append(PlannedOrder(rng.choice(symbols), side, kind, f"{prefix}-{n}"))
    return plan


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator(SimConfig(seed=SEED, limits=LIMITS))
    async with simulator:
        yield simulator


async def place(client: SpotClient, order: PlannedOrder) -> dict[str, Any]:
    _, _, qty, buy_price, sell_price = PLAN_SYMBOLS[order.symbol]
    if order.type == "MARKET":
        placed = await client.new_order(
            order.symbol, order.side, "MARKET", quantity=qty, new_client_order_id=order.client_order_id
        )
    else:
        placed = await client.new_order(
            order.symbol,
            order.side,
            "LIMIT",
            time_in_force="GTC",
            quantity=qty,
            price=buy_price if order.side == "BUY" else sell_price,
            new_client_order_id=order.client_order_id,
        )
    assert placed.client_order_id == order.client_order_id
    return {
        "orderId": placed.order_id,
        "executedQty": placed.executed_qty,
        "cummulativeQuoteQty": placed.cumulative_quote_qty,
        "fills": [(f.qty, f.price * f.qty, f.commission) for f in placed.fills],
    }


async def reconcile(client: SpotClient, outcome: Outcome) -> None:
    """Look the order up by its client order id; a lookup that fails after its retries is counted."""
    symbol, client_id = outcome.planned.symbol, outcome.planned.client_order_id
    try:
        found = await client.reconcile_order(symbol, client_id)
    except BinanceError:
        outcome.reconcile_failures += 1
        return
    if found is None:
        outcome.reconciled_absent = True
    else:
        assert found.client_order_id == client_id
        outcome.reconciled = {
            "orderId": found.order_id,
            "executedQty": found.executed_qty,
            "cummulativeQuoteQty": found.cumulative_quote_qty,
        }


async def run_one(client: SpotClient, order: PlannedOrder, tally: Tally) -> None:
    outcome = Outcome(order)
    tally.outcomes.append(outcome)
    try:
        outcome.answered = await place(client, order)
    except BinanceError as error:
        if not isinstance(error, ExecutionStatusUnknown):
            outcome.rejected = error
            return
        outcome.unknown = error
    if outcome.unknown is None:
        return
    unknown = outcome.unknown
    assert isinstance(unknown, ExecutionStatusUnknown)
    assert unknown.client_order_id == order.client_order_id  # the error says which order
    assert unknown.request is not None
    assert unknown.request.params["newClientOrderId"] == order.client_order_id
    assert "signature" not in unknown.request.params
    if isinstance(unknown, ExecutionStatusUnknownError):
        tally.unknown_kinds[f"HTTP {unknown.status} code {unknown.code}"] += 1
    else:
        tally.unknown_kinds[type(unknown).__name__] += 1
    await reconcile(client, outcome)


async def pages(client: SpotClient, path: str, symbol: str, cursor: str, key: str) -> list[dict[str, Any]]:
    """Every row of a signed history endpoint (allOrders by orderId, myTrades by fromId)."""
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


def opened_lock(order: dict[str, Any], quote: str, base: str) -> tuple[str, Decimal]:
    left = Decimal(order["origQty"]) - Decimal(order["executedQty"])
    if order["side"] == "BUY":
        return quote, left * Decimal(order["price"])
    return base, left


async def test_1000_orders_under_faults_no_duplicate_no_unknown_order_balances_exact(
    sim: Simulator, figures: dict[str, Any]
) -> None:
    started = time.perf_counter()
    plan = plan_orders(random.Random(SEED))
    tally = Tally()
    async with SpotClient(sim.api_key, sim.api_secret, base_url=sim.base_url, retry=FAST_RETRY) as client:
        await client.exchange_info()  # the limiter takes the simulator's (roomy) limits
        for rule in FAULTS:
            sim.faults.add(rule)
        queue: asyncio.Queue[PlannedOrder] = asyncio.Queue()
        for planned in plan:
            queue.put_nowait(planned)

        async def worker() -> None:
            while not queue.empty():
                await run_one(client, queue.get_nowait(), tally)

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        placing_s = time.perf_counter() - started
        placements = Counter(kind for method, _, kind in sim.faults.log if method == "POST")
        lookups = Counter(kind for method, _, kind in sim.faults.log if method == "GET")

        # What the caller could not settle under faults is looked up again once they stop.
        sim.faults.clear()
        retried = [o for o in tally.outcomes if o.reconcile_failures and o.reconciled is None]
        for outcome in retried:
            if not outcome.reconciled_absent:
                await reconcile(client, outcome)

        # The simulator's own records, read with the faults cleared.
        orders: dict[str, list[dict[str, Any]]] = {}
        trades: dict[str, list[dict[str, Any]]] = {}
        for symbol in PLAN_SYMBOLS:
            orders[symbol] = await pages(client, "/api/v3/allOrders", symbol, "orderId", "orderId")
            trades[symbol] = await pages(client, "/api/v3/myTrades", symbol, "fromId", "id")
        account = await client.request("GET", "/api/v3/account", signed=True)

    outcomes = tally.outcomes
    assert len(outcomes) == ORDERS
    by_id = {o.planned.client_order_id: o for o in outcomes}
    sim_orders = [row for rows in orders.values() for row in rows]
    sim_ids = Counter(row["clientOrderId"] for row in sim_orders)

    # 1. No duplicates: each client order id at most once in the simulator (it also refuses a reused
    #    id with -2010 "Duplicate order sent.", which would show up as a rejection below).
    duplicates = {cid: n for cid, n in sim_ids.items() if n > 1}
    assert duplicates == {}

    # 2. No order the caller does not know about: every order in the simulator was answered or found
    #    by reconciliation, with the same order id; nothing reconciled as absent (or rejected) exists.
    unknown_to_caller = [cid for cid in sim_ids if cid not in by_id or by_id[cid].seen is None]
    assert unknown_to_caller == [], [(cid, repr(by_id[cid].rejected)) for cid in unknown_to_caller]
    for row in sim_orders:
        seen = by_id[row["clientOrderId"]].seen
        assert seen is not None and seen["orderId"] == row["orderId"]
    answered_missing = [cid for cid, o in by_id.items() if o.answered and not sim_ids[cid]]
    absent_but_placed = [cid for cid, o in by_id.items() if o.reconciled_absent and sim_ids[cid]]
    rejected_but_placed = [cid for cid, o in by_id.items() if o.rejected and sim_ids[cid]]
    unsettled = [cid for cid, o in by_id.items() if o.unknown and not (o.reconciled or o.reconciled_absent)]
    assert (answered_missing, absent_but_placed, rejected_but_placed, unsettled) == ([], [], [], [])
    rejections = Counter(type(o.rejected).__name__ for o in outcomes if o.rejected is not None)
    assert rejections == Counter(), [str(o.rejected) for o in outcomes if o.rejected][:5]

    # 3. What the caller learned about each order's execution is what the simulator executed, and
    #    an answered order's fills are the simulator's trades of that order.
    sim_by_cid = {row["clientOrderId"]: row for row in sim_orders}
    own_trades: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for rows in trades.values():
        for trade in rows:
            own_trades.setdefault((trade["symbol"], trade["orderId"]), []).append(trade)
    for cid, recorded in sim_by_cid.items():
        seen = by_id[cid].seen
        assert seen is not None
        assert seen["executedQty"] == Decimal(recorded["executedQty"])
        assert seen["cummulativeQuoteQty"] == Decimal(recorded["cummulativeQuoteQty"])
        if by_id[cid].planned.type == "LIMIT":  # resting far from the market: never fills
            assert recorded["status"] == "NEW" and seen["executedQty"] == 0
        else:
            assert recorded["status"] == "FILLED"
        fills = own_trades.get((recorded["symbol"], recorded["orderId"]), [])
        assert sum((Decimal(t["qty"]) for t in fills), Decimal(0)) == seen["executedQty"]
        exact_quote = sum((Decimal(t["price"]) * Decimal(t["qty"]) for t in fills), Decimal(0))
        assert exact_quote.quantize(EIGHT) == seen["cummulativeQuoteQty"]
        if by_id[cid].answered is not None:
            assert seen["fills"] == [
                (Decimal(t["qty"]), Decimal(t["price"]) * Decimal(t["qty"]), Decimal(t["commission"]))
                for t in fills
            ]

    # 4. Balances: free + locked = start + what the fills moved - commission, per asset (quote amounts
    #    at full precision, as the simulator keeps them, shown to 8 decimals); locked = what the open
    #    orders hold.
    start_balances = SimConfig().balances
    expected: dict[str, Decimal] = dict(start_balances)
    commission_paid: dict[str, Decimal] = dict.fromkeys(start_balances, Decimal(0))
    for symbol, rows in trades.items():
        base, quote, *_ = PLAN_SYMBOLS[symbol]
        for t in rows:
            qty, commission = Decimal(t["qty"]), Decimal(t["commission"])
            quote_qty = Decimal(t["price"]) * qty
            received = base if t["isBuyer"] else quote
            assert t["commissionAsset"] == received
            assert commission == ((qty if t["isBuyer"] else quote_qty) * Decimal("0.001")).quantize(
                EIGHT, ROUND_HALF_UP
            )
            if t["isBuyer"]:
                expected[base] += qty - commission
                expected[quote] -= quote_qty
            else:
                expected[base] -= qty
                expected[quote] += quote_qty - commission
            commission_paid[received] += commission
    expected_locked: dict[str, Decimal] = dict.fromkeys(start_balances, Decimal(0))
    for symbol, rows in orders.items():
        base, quote, *_ = PLAN_SYMBOLS[symbol]
        for row in rows:
            if row["status"] in ("NEW", "PARTIALLY_FILLED"):
                asset, amount = opened_lock(row, quote, base)
                expected_locked[asset] += amount
    balances = {b["asset"]: (Decimal(b["free"]), Decimal(b["locked"])) for b in account["balances"]}
    for asset in start_balances:
        free, locked = balances[asset]
        assert locked == expected_locked[asset], asset
        assert free + locked == expected[asset].quantize(EIGHT), asset

    unknown = [o for o in outcomes if o.unknown is not None]
    present = sum(1 for o in unknown if o.reconciled is not None)
    absent = sum(1 for o in unknown if o.reconciled_absent)
    figures.update(
        {
            "orders planned": ORDERS,
            "concurrency": CONCURRENCY,
            "faults fired on placements (simulator's log)": dict(placements),
            "faults fired on reconcile lookups": dict(lookups),
            "answered": sum(1 for o in outcomes if o.answered),
            "unknown outcomes": len(unknown),
            "unknown by kind": dict(tally.unknown_kinds),
            "reconciled present / absent": f"{present} / {absent}",
            "reconcile lookups that failed under faults (looked up again after)": len(retried),
            "definite rejections": dict(rejections),
            "orders in simulator": len(sim_orders),
            "duplicate client order ids": len(duplicates),
            "orders unknown to the caller": len(unknown_to_caller),
            "trades": sum(len(rows) for rows in trades.values()),
            "commission paid": {k: str(v) for k, v in commission_paid.items() if v},
            "placing + reconciling (s)": round(placing_s, 2),
            "total (s)": round(time.perf_counter() - started, 2),
        }
    )
    print(figures)
    # The fault mix really happened: each kind fired a fair number of times.
    assert placements["error_before"] >= 20 and placements["error_after"] >= 20
    assert placements["drop_before"] >= 8 and placements["drop_after"] >= 8
    assert present >= 20 and absent >= 20
