"""The simulator driven by a widely used third-party client, python-binance, unmodified.

python-binance is pointed at the simulator only through what it supports publicly: its ``API_URL``
attribute (as its docs do for the testnet), set on a client built with ``ping=False`` (the sync
client pings in its constructor). Then the Postman guide's flow runs: exchangeInfo and the BTCUSDT
trading rules, balances, price, depth, a test order, a resting LIMIT order (status, open orders,
cancel), a MARKET order that fills, and balances that moved by what the fill says.

A step the simulator answers wrongly is recorded (request and response) and the test ends as xfail
naming it, after the remaining steps have run; assertion failures are real failures.
"""

from __future__ import annotations

import pytest

pytest.importorskip("binance", reason="python-binance is not installed (pip install python-binance)")

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import Any

from binance import AsyncClient, Client
from binance.exceptions import (
    BinanceAPIException,
    BinanceRequestException,
)

from binance_async.sim import SimConfig, Simulator

SYMBOL = "BTCUSDT"
#: A python-binance method by name, called with keyword parameters, awaited whatever the client.
Call = Callable[..., Awaitable[Any]]


@pytest.fixture
def threaded_sim() -> Iterator[Simulator]:
    """A simulator in its own thread and loop, so that the blocking sync client can reach it."""
    simulator = Simulator(SimConfig(book_levels=200))
    simulator.start_in_thread()
    try:
        yield simulator
    finally:
        simulator.stop_thread()


@pytest.fixture
async def sync_call(threaded_sim: Simulator) -> AsyncIterator[Call]:
    client = Client(threaded_sim.api_key, threaded_sim.api_secret, ping=False)
    client.API_URL = f"{threaded_sim.base_url}/api"  # public attribute; the docs do this for the testnet
    await asyncio.to_thread(client.ping)  # what the constructor would have done

    async def call(name: str, **params: Any) -> Any:
        return await asyncio.to_thread(getattr(client, name), **params)

    try:
        yield call
    finally:
        client.close_connection()


@pytest.fixture
async def async_call(threaded_sim: Simulator) -> AsyncIterator[Call]:
    client = AsyncClient(threaded_sim.api_key, threaded_sim.api_secret)
    client.API_URL = f"{threaded_sim.base_url}/api"
    try:
        # What AsyncClient.create does after construction: ping, then the clock offset.
        await client.ping()
        server_time = (await client.get_server_time())["serverTime"]
        assert isinstance(server_time, int)

        async def call(name: str, **params: Any) -> Any:
            return await getattr(client, name)(**params)

        yield call
    finally:
        await client.close_connection()


# -- recording deviations ----------------------------------------------------------------------------


def describe(error: BinanceAPIException | BinanceRequestException) -> str:
    """The exact request and response behind a python-binance error."""
    if isinstance(error, BinanceRequestException):
        return f"BinanceRequestException: {error.message}"
    response = error.response
    request = getattr(response, "request", None)
    if request is not None:  # requests.Response (sync client)
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        sent = f"{request.method} {request.url} body={body!r}"
    else:  # aiohttp.ClientResponse (async client): the body it sent is not kept
        sent = f"{response.method} {response.url}"
    if not error.code:  # not Binance's {"code", "msg"} body (python-binance's message is then noise)
        return f"{sent} -> HTTP {error.status_code} without a Binance error body"
    return f"{sent} -> HTTP {error.status_code} code={error.code} msg={error.message!r}"


class Flow:
    """Runs the steps; a step the simulator rejects is recorded and its dependants are skipped.

    A rejection (4xx, e.g. a missing endpoint or a parameter refused) is a deviation to record; a crash
    (5xx) is a simulator bug and fails the test.
    """

    def __init__(self, call: Call) -> None:
        self._call = call
        self.deviations: list[str] = []

    async def step(self, label: str, name: str, **params: Any) -> Any:
        try:
            return await self._call(name, **params)
        except (BinanceAPIException, BinanceRequestException) as error:
            if isinstance(error, BinanceAPIException) and error.status_code >= 500:
                raise
            self.deviations.append(f"{label} ({name}): {describe(error)}")
            return None

    def finish(self) -> None:
        if self.deviations:
            pytest.xfail("simulator deviations: " + " | ".join(self.deviations))


# -- helpers -------------------------------------------------------------------------------------------


def rules(symbol_info: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["filterType"]: f for f in symbol_info["filters"]}


def balances(account: dict[str, Any]) -> dict[str, tuple[Decimal, Decimal]]:
    return {b["asset"]: (Decimal(b["free"]), Decimal(b["locked"])) for b in account["balances"]}


def on_step(value: Decimal, step: Decimal, rounding: str = ROUND_DOWN) -> Decimal:
    return (value / step).to_integral_value(rounding=rounding) * step


def plain(value: Decimal) -> str:
    """A decimal as Binance wants it: no exponent, no trailing zeros."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# -- the flow ------------------------------------------------------------------------------------------


async def run_postman_flow(call: Call) -> None:
    flow = Flow(call)

    # 1. exchangeInfo and the trading rules of BTCUSDT.
    info = await flow.step("exchange info", "get_exchange_info")
    if info is not None:
        assert isinstance(info["serverTime"], int)
        assert {limit["rateLimitType"] for limit in info["rateLimits"]} >= {"REQUEST_WEIGHT", "ORDERS"}
    symbol_info = await flow.step("trading rules", "get_symbol_info", symbol=SYMBOL)
    assert symbol_info is not None, "python-binance found no BTCUSDT in exchangeInfo"
    assert (symbol_info["baseAsset"], symbol_info["quoteAsset"]) == ("BTC", "USDT")
    assert symbol_info["status"] == "TRADING"
    assert {"LIMIT", "MARKET"} <= set(symbol_info["orderTypes"])
    filters = rules(symbol_info)
    tick = Decimal(filters["PRICE_FILTER"]["tickSize"])
    step = Decimal(filters["LOT_SIZE"]["stepSize"])
    min_qty = Decimal(filters["LOT_SIZE"]["minQty"])
    min_notional = Decimal(filters["NOTIONAL"]["minNotional"])
    bid_down = Decimal(filters["PERCENT_PRICE_BY_SIDE"]["bidMultiplierDown"])

    # 2. Balances.
    account = await flow.step("account", "get_account")
    if account is not None:
        assert account["canTrade"] is True
        start = balances(account)
        assert start["USDT"][0] > 0
    usdt = await flow.step("asset balance", "get_asset_balance", asset="USDT")
    if usdt is not None:
        assert usdt["asset"] == "USDT" and Decimal(usdt["free"]) > 0

    # 3. Current price.
    ticker = await flow.step("ticker price", "get_symbol_ticker", symbol=SYMBOL)
    assert ticker is not None, "no price: the rest of the flow needs one"
    assert ticker["symbol"] == SYMBOL
    price = Decimal(ticker["price"])
    assert price > 0 and on_step(price, tick) == price

    # 4. Depth.
    depth = await flow.step("depth", "get_order_book", symbol=SYMBOL, limit=10)
    if depth is not None:
        assert isinstance(depth["lastUpdateId"], int)
        assert len(depth["bids"]) == len(depth["asks"]) == 10
        bids = [Decimal(p) for p, _ in depth["bids"]]
        asks = [Decimal(p) for p, _ in depth["asks"]]
        assert bids == sorted(bids, reverse=True) and asks == sorted(asks)
        assert bids[0] < asks[0]

    # 5. A test order: validated, not placed.
    test_order = await flow.step(
        "test order", "create_test_order", symbol=SYMBOL, side="BUY", type="MARKET", quantity="0.001"
    )
    if test_order is not None:
        assert test_order == {}

    # 6. A LIMIT buy far below the market (half the price, within PERCENT_PRICE_BY_SIDE): it rests.
    limit_price = on_step(price * max(Decimal("0.5"), bid_down * 2), tick)
    limit_qty = max(min_qty, on_step(min_notional * 2 / limit_price, step, ROUND_UP))
    limit = await flow.step(
        "limit order",
        "order_limit_buy",
        symbol=SYMBOL,
        quantity=plain(limit_qty),
        price=plain(limit_price),
    )
    if limit is not None:
        assert limit["status"] == "NEW" and limit["type"] == "LIMIT" and limit["side"] == "BUY"
        assert limit["timeInForce"] == "GTC"
        assert Decimal(limit["price"]) == limit_price and Decimal(limit["origQty"]) == limit_qty
        assert Decimal(limit["executedQty"]) == 0
        assert limit["clientOrderId"].startswith(Client.SPOT_ORDER_PREFIX)
        order_id = limit["orderId"]

        # 7. Its status.
        status = await flow.step("order status", "get_order", symbol=SYMBOL, orderId=order_id)
        if status is not None:
            assert status["orderId"] == order_id and status["status"] == "NEW"
            assert status["clientOrderId"] == limit["clientOrderId"]
            assert status["isWorking"] is True

        # 8. Open orders, and what the order locks.
        open_orders = await flow.step("open orders", "get_open_orders", symbol=SYMBOL)
        if open_orders is not None:
            assert [o["orderId"] for o in open_orders] == [order_id]
        locked = await flow.step("locked balance", "get_asset_balance", asset="USDT")
        if locked is not None:
            assert Decimal(locked["locked"]) == limit_price * limit_qty

        # 9. Cancel.
        cancelled = await flow.step("cancel", "cancel_order", symbol=SYMBOL, orderId=order_id)
        if cancelled is not None:
            assert cancelled["orderId"] == order_id and cancelled["status"] == "CANCELED"
        after_cancel = await flow.step("open orders after cancel", "get_open_orders", symbol=SYMBOL)
        if after_cancel is not None:
            assert after_cancel == []
        final = await flow.step("cancelled status", "get_order", symbol=SYMBOL, orderId=order_id)
        if final is not None:
            assert final["status"] == "CANCELED"

    # 10. A MARKET buy that fills, and balances that moved by exactly what the fill says.
    before = await flow.step("account before market", "get_account")
    market = await flow.step("market order", "order_market_buy", symbol=SYMBOL, quantity="0.01")
    after = await flow.step("account after market", "get_account")
    if market is not None:
        assert market["status"] == "FILLED" and market["type"] == "MARKET"
        executed = Decimal(market["executedQty"])
        spent = Decimal(market["cummulativeQuoteQty"])
        assert executed == Decimal("0.01") and spent > 0
        fills = market["fills"]
        assert fills, "a FULL response (the MARKET default) lists its fills"
        assert sum(Decimal(f["qty"]) for f in fills) == executed
        assert sum(Decimal(f["price"]) * Decimal(f["qty"]) for f in fills) == spent
        commission: dict[str, Decimal] = {}
        for fill in fills:
            asset = fill["commissionAsset"]
            commission[asset] = commission.get(asset, Decimal(0)) + Decimal(fill["commission"])
        if before is not None and after is not None:
            old, new = balances(before), balances(after)
            expected = {
                "BTC": executed - commission.get("BTC", Decimal(0)),
                "USDT": -spent - commission.get("USDT", Decimal(0)),
            }
            for asset, amount in commission.items():
                expected.setdefault(asset, -amount)
            for asset in set(old) | set(new):
                free_old, locked_old = old.get(asset, (Decimal(0), Decimal(0)))
                free_new, locked_new = new.get(asset, (Decimal(0), Decimal(0)))
                assert free_new - free_old == expected.get(asset, Decimal(0)), asset
                assert locked_new == locked_old == 0, asset
        trades = await flow.step("my trades", "get_my_trades", symbol=SYMBOL)
        if trades is not None:
            mine = [t for t in trades if t["orderId"] == market["orderId"]]
            assert sum(Decimal(t["qty"]) for t in mine) == executed
            assert all(t["isBuyer"] is True for t in mine)

    flow.finish()


async def test_python_binance_sync_client_completes_the_postman_flow(sync_call: Call) -> None:
    await run_postman_flow(sync_call)


async def test_python_binance_async_client_completes_the_postman_flow(async_call: Call) -> None:
    await run_postman_flow(async_call)
