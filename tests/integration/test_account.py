"""Account methods against the simulator: balances, orders, fills, counts and histories follow real orders."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from binance_async import InvalidSymbolError, NoSuchOrderError, SpotClient
from binance_async.sim import Simulator
from binance_async.spot.models import LotSize, MaxNumOrders, OrderFull, PriceFilter

SYMBOL = "BTCUSDT"
TICK = Decimal("0.01")
ZERO = Decimal(0)


@pytest.fixture
def sim(binance_sim: Simulator) -> Simulator:
    """The plugin's simulator (its own thread, a deep book): the shared `client` connects to it."""
    return binance_sim


async def rest_buy(
    client: SpotClient, qty: str = "0.01", price: str = "64000", symbol: str = SYMBOL
) -> OrderFull:
    """A LIMIT BUY well under the market (inside PERCENT_PRICE_BY_SIDE): it rests."""
    order = await client.new_order(symbol, "BUY", "LIMIT", time_in_force="GTC", quantity=qty, price=price)
    assert order.status == "NEW"
    return order


async def market(client: SpotClient, side: str, qty: str) -> OrderFull:
    order = await client.new_order(SYMBOL, "BUY" if side == "BUY" else "SELL", "MARKET", quantity=qty)
    assert order.status == "FILLED" and order.fills
    return order


# -- account ------------------------------------------------------------------------------------------------


async def test_balances_follow_resting_and_filled_orders(client: SpotClient) -> None:
    start = await client.account()
    assert start.account_type == "SPOT" and start.can_trade and start.permissions == ["SPOT"]
    assert start.balance("BTC") == start.balances_by_asset()["BTC"]
    btc, usdt = start.balance("BTC").free, start.balance("USDT").free
    assert btc > 0 and usdt > 0 and start.balance("USDT").locked == ZERO

    await rest_buy(client, "0.01", "64000")  # locks 640 USDT
    resting = await client.account()
    assert resting.balance("USDT").locked == Decimal("640")
    assert resting.balance("USDT").free == usdt - Decimal("640")
    assert resting.balance("USDT").total == usdt

    bought = await market(client, "BUY", "0.02")
    received = sum((f.qty for f in bought.fills), ZERO) - sum((f.commission for f in bought.fills), ZERO)
    assert {f.commission_asset for f in bought.fills} == {"BTC"}
    after = await client.account()
    assert after.balance("BTC").free == btc + received
    assert after.balance("USDT").free == usdt - Decimal("640") - bought.cumulative_quote_qty
    assert after.update_time >= start.update_time


async def test_omit_zero_balances(client: SpotClient) -> None:
    bnb = (await client.account()).balance("BNB").free
    sold = await client.new_order("BNBUSDT", "SELL", "MARKET", quantity=bnb)
    assert sold.executed_qty == bnb
    everything = await client.account()
    assert everything.balance("BNB") == everything.balances_by_asset()["BNB"]
    assert everything.balance("BNB").total == ZERO
    non_zero = await client.account(omit_zero_balances=True)
    assert "BNB" not in non_zero.balances_by_asset()
    assert non_zero.balance("BNB").total == ZERO  # not listed: zero
    assert {b.asset for b in non_zero.balances} == {b.asset for b in everything.balances} - {"BNB"}


async def test_commission_rates_are_what_fills_pay(client: SpotClient) -> None:
    rates = await client.account_commission(SYMBOL)
    assert rates.symbol == SYMBOL
    account = await client.account()
    assert account.commission_rates is not None
    assert (rates.standard_commission.maker, rates.standard_commission.taker) == (
        account.commission_rates.maker,
        account.commission_rates.taker,
    )
    assert account.taker_commission == int(account.commission_rates.taker * 10_000)  # basis points
    bought = await market(client, "BUY", "0.003")
    for fill in bought.fills:  # a taker BUY pays the taker rate on the base asset received
        assert fill.commission == (fill.qty * rates.standard_commission.taker).quantize(Decimal("1E-8"))
    with pytest.raises(InvalidSymbolError):
        await client.account_commission("NOPEUSDT")


async def test_order_rate_limits_count_unfilled_orders(binance_sim: Simulator, client: SpotClient) -> None:
    now = binance_sim.clock.now_ms()
    binance_sim.clock.advance(10_000 - now % 10_000)  # a fresh 10-second window: nothing rolls over mid-test
    before = await client.order_rate_limits()
    assert [(c.rate_limit_type, c.interval, c.interval_num, c.count) for c in before] == [
        ("ORDERS", "SECOND", 10, 0),
        ("ORDERS", "DAY", 1, 0),
    ]
    await rest_buy(client, price="64000")
    await rest_buy(client, price="63000")
    await market(client, "SELL", "0.001")  # counted, then its first fill takes it off again
    after = await client.order_rate_limits()
    assert [c.count for c in after] == [2, 2]
    assert [c.remaining for c in after] == [c.limit - 2 for c in before]


async def test_my_filters_are_the_symbols_filters(client: SpotClient) -> None:
    mine = await client.my_filters(SYMBOL)
    info = await client.exchange_info(SYMBOL)
    assert mine.symbol_filters == info.symbol(SYMBOL).filters()
    price = mine.filter(PriceFilter)
    lot = mine.filter(LotSize)
    orders = mine.filter(MaxNumOrders)
    assert price is not None and price.tick_size == TICK
    assert lot is not None and lot.step_size == Decimal("0.00001")
    assert orders is not None and orders.max_num_orders > 0
    assert mine.max_asset("BTC") is None
    with pytest.raises(InvalidSymbolError):
        await client.my_filters("NOPEUSDT")


# -- orders -----------------------------------------------------------------------------------------------


async def test_get_open_and_all_orders(client: SpotClient) -> None:
    resting = await rest_buy(client)
    filled = await market(client, "SELL", "0.001")
    other = await rest_buy(client, "0.1", "3000", symbol="ETHUSDT")

    by_id = await client.get_order(SYMBOL, order_id=resting.order_id)
    by_client_id = await client.get_order(SYMBOL, orig_client_order_id=resting.client_order_id)
    assert by_id == by_client_id
    assert (by_id.status, by_id.orig_qty, by_id.price, by_id.is_working) == (
        "NEW",
        Decimal("0.01"),
        Decimal(64000),
        True,
    )
    done = await client.get_order(SYMBOL, order_id=filled.order_id)
    assert (done.status, done.executed_qty) == ("FILLED", Decimal("0.001"))
    with pytest.raises(NoSuchOrderError):
        await client.get_order(SYMBOL, order_id=999_999)

    assert [o.order_id for o in await client.open_orders(SYMBOL)] == [resting.order_id]
    everywhere = {(o.symbol, o.order_id) for o in await client.open_orders()}
    assert everywhere == {(SYMBOL, resting.order_id), ("ETHUSDT", other.order_id)}

    history = await client.all_orders(SYMBOL)
    assert [(o.order_id, o.status) for o in history] == [
        (resting.order_id, "NEW"),
        (filled.order_id, "FILLED"),
    ]
    assert [o.order_id for o in await client.all_orders(SYMBOL, order_id=filled.order_id)] == [
        filled.order_id
    ]
    assert [o.order_id for o in await client.all_orders(SYMBOL, limit=1)] == [filled.order_id]
    now = datetime.now(timezone.utc)
    recent = await client.all_orders(
        SYMBOL, start_time=now - timedelta(hours=1), end_time=now + timedelta(hours=1)
    )
    assert len(recent) == 2
    assert (
        await client.all_orders(SYMBOL, start_time=now - timedelta(days=3), end_time=now - timedelta(days=2))
        == []
    )


async def test_my_trades_are_the_fills(client: SpotClient) -> None:
    bought = await market(client, "BUY", "0.02")
    sold = await market(client, "SELL", "0.005")

    trades = await client.my_trades(SYMBOL)
    assert [t.order_id for t in trades] == [bought.order_id] * len(bought.fills) + [sold.order_id] * len(
        sold.fills
    )
    assert [(t.id, t.price, t.qty, t.commission) for t in trades] == [
        (f.trade_id, f.price, f.qty, f.commission) for f in (*bought.fills, *sold.fills)
    ]
    assert all(t.quote_qty == t.price * t.qty for t in trades)

    mine = await client.my_trades(SYMBOL, order_id=sold.order_id)
    assert mine and all(t.side == "SELL" and not t.is_buyer for t in mine)
    assert sum((t.qty for t in mine), ZERO) == Decimal("0.005")

    assert [t.id for t in await client.my_trades(SYMBOL, from_id=trades[1].id)] == [t.id for t in trades[1:]]
    assert [t.id for t in await client.my_trades(SYMBOL, limit=1)] == [trades[-1].id]
    first = trades[0]
    assert first in await client.my_trades(SYMBOL, start_time=first.time, end_time=first.time)
    assert await client.my_trades(SYMBOL, start_time=first.time - 10_000, end_time=first.time - 1) == []


async def test_amendments_of_an_order(client: SpotClient) -> None:
    order = await rest_buy(client, "0.01")
    first = await client.amend_order_keep_priority(SYMBOL, "0.008", order_id=order.order_id)
    second = await client.amend_order_keep_priority(
        SYMBOL, "0.005", orig_client_order_id=first.amended_order.client_order_id
    )

    history = await client.order_amendments(SYMBOL, order.order_id)
    assert [(a.orig_qty, a.new_qty) for a in history] == [
        (Decimal("0.01"), Decimal("0.008")),
        (Decimal("0.008"), Decimal("0.005")),
    ]
    assert [a.execution_id for a in history] == [first.execution_id, second.execution_id]
    assert history[0].orig_client_order_id == order.client_order_id
    assert history[1].orig_client_order_id == history[0].new_client_order_id
    assert history[1].new_client_order_id == second.amended_order.client_order_id
    assert await client.order_amendments(SYMBOL, order.order_id, from_execution_id=second.execution_id) == [
        history[1]
    ]
    assert await client.order_amendments(SYMBOL, order.order_id, limit=1) == [history[0]]

    now = await client.get_order(SYMBOL, order_id=order.order_id)
    assert (now.orig_qty, now.client_order_id) == (Decimal("0.005"), second.amended_order.client_order_id)
    assert await client.order_amendments(SYMBOL, (await rest_buy(client)).order_id) == []


# -- self-trade prevention and SOR --------------------------------------------------------------------------


async def test_prevented_match_of_a_self_trade(client: SpotClient) -> None:
    book = await client.book_ticker(SYMBOL)
    price = book.bid_price + TICK
    assert price < book.ask_price, "the simulator's book needs a gap inside the spread"
    maker = await client.new_order(
        SYMBOL, "SELL", "LIMIT", time_in_force="GTC", quantity="0.001", price=price
    )
    assert maker.status == "NEW"  # the best ask now
    taker = await client.new_order(
        SYMBOL,
        "BUY",
        "LIMIT",
        time_in_force="GTC",
        quantity="0.001",
        price=price,
        self_trade_prevention_mode="EXPIRE_TAKER",
    )
    assert taker.status == "EXPIRED_IN_MATCH" and not taker.fills
    [report] = taker.prevented_matches  # the FULL answer says what STP stopped
    assert (report.maker_order_id, report.price) == (maker.order_id, price)
    assert report.taker_prevented_quantity == Decimal("0.001") and report.maker_prevented_quantity is None

    [match] = await client.my_prevented_matches(SYMBOL, order_id=taker.order_id)
    assert match.prevented_match_id == report.prevented_match_id
    assert match.taker_prevented_quantity == Decimal("0.001")
    assert (match.taker_order_id, match.maker_order_id) == (taker.order_id, maker.order_id)
    assert (match.self_trade_prevention_mode, match.price, match.symbol) == ("EXPIRE_TAKER", price, SYMBOL)
    assert await client.my_prevented_matches(SYMBOL, prevented_match_id=match.prevented_match_id) == [match]
    assert await client.my_prevented_matches(SYMBOL, order_id=maker.order_id) == [match]
    assert (
        await client.my_prevented_matches(
            SYMBOL, order_id=taker.order_id, from_prevented_match_id=match.prevented_match_id + 1, limit=10
        )
        == []
    )
    assert (await client.get_order(SYMBOL, order_id=maker.order_id)).status == "NEW"  # the maker stays
    assert await client.my_trades(SYMBOL) == []  # nothing traded


async def test_allocations_of_an_sor_order(client: SpotClient) -> None:
    await market(client, "BUY", "0.001")  # a plain order: no allocation
    assert await client.my_allocations(SYMBOL) == []

    sor = await client.new_sor_order(SYMBOL, "BUY", "MARKET", "0.002")
    assert sor.status == "FILLED" and sor.used_sor
    allocations = await client.my_allocations(SYMBOL)
    assert [a.allocation_id for a in allocations] == [f.alloc_id for f in sor.fills]
    assert all(
        a.order_id == sor.order_id and a.allocation_type == "SOR" and a.side == "BUY" for a in allocations
    )
    assert sum((a.qty for a in allocations), ZERO) == sor.executed_qty
    assert sum((a.quote_qty for a in allocations), ZERO) == sor.cumulative_quote_qty
    assert await client.my_allocations(SYMBOL, order_id=sor.order_id) == allocations
    last = allocations[-1].allocation_id
    assert await client.my_allocations(SYMBOL, from_allocation_id=last + 1) == []
    assert await client.my_allocations(SYMBOL, order_id=sor.order_id, from_allocation_id=last) == [
        allocations[-1]
    ]
    assert await client.my_allocations(SYMBOL, order_id=sor.order_id + 1000) == []
