"""The iter_* paginators against the simulator: every item once, in order, paced by the limiter."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from binance_async import InvalidRequestError, SpotClient
from binance_async.sim import Simulator

MINUTE = 60_000


def weight_used(client: SpotClient) -> int:
    return max(s.used for s in client.limiter.state() if s.limit_type == "REQUEST_WEIGHT")


async def test_klines_over_a_range_come_once_each_in_order(client: SpotClient) -> None:
    latest = (await client.klines("BTCUSDT", "1m", limit=1))[-1].open_time
    start, end = latest - 1_345 * MINUTE, latest - 5 * MINUTE  # the simulator keeps 1500 minutes
    before = weight_used(client)
    klines = [k async for k in client.iter_klines("BTCUSDT", "1m", start_time=start, end_time=end, limit=300)]
    times = [k.open_time for k in klines]
    assert times == list(range(start, end + 1, MINUTE))  # contiguous, no gap, no repeat
    assert weight_used(client) - before == 2 * 5  # 1341 klines: four full pages of 300 and one of 141


async def test_ui_klines_accept_aware_datetimes(client: SpotClient) -> None:
    latest = (await client.ui_klines("BTCUSDT", "1h", limit=1))[-1].open_time
    start = datetime.fromtimestamp((latest - 20 * 3_600_000) / 1000, tz=timezone.utc)
    klines = [k async for k in client.iter_ui_klines("BTCUSDT", "1h", start_time=start, limit=7)]
    assert [k.open_time for k in klines] == list(range(latest - 20 * 3_600_000, latest + 1, 3_600_000))


async def test_agg_trades_by_time_range_and_by_id_agree(client: SpotClient) -> None:
    recent = await client.agg_trades("BTCUSDT", limit=1000)
    start, end = recent[100].time, recent[900].time
    by_time = [t async for t in client.iter_agg_trades("BTCUSDT", start_time=start, end_time=end, limit=150)]
    assert by_time[0].time >= start and by_time[-1].time <= end
    ids = [t.agg_trade_id for t in by_time]
    assert ids == sorted(set(ids)) and ids == list(range(ids[0], ids[-1] + 1))
    expected = [t.agg_trade_id for t in recent if start <= t.time <= end]
    assert ids == expected
    by_id = [t async for t in client.iter_agg_trades("BTCUSDT", from_id=ids[0], end_time=end, limit=333)]
    assert [t.agg_trade_id for t in by_id] == ids


async def test_agg_trades_in_an_empty_range_yield_nothing(client: SpotClient) -> None:
    first = (await client.agg_trades("BTCUSDT", from_id=0, limit=1))[0].time
    assert [
        t
        async for t in client.iter_agg_trades("BTCUSDT", start_time=first - 5 * 3_600_000, end_time=first - 1)
    ] == []


async def test_historical_trades_by_id_up_to_a_bound(client: SpotClient) -> None:
    first = (await client.historical_trades("BTCUSDT", from_id=0, limit=1))[0].id
    trades = [
        t
        async for t in client.iter_historical_trades(
            "BTCUSDT", from_id=first, until_id=first + 1_999, limit=300
        )
    ]
    assert [t.id for t in trades] == list(range(first, first + 2_000))
    newest = (await client.historical_trades("BTCUSDT", limit=1))[0].id
    tail = [t async for t in client.iter_historical_trades("BTCUSDT", from_id=newest - 449, limit=150)]
    assert [t.id for t in tail] == list(range(newest - 449, newest + 1))  # a last, empty page ends it


async def test_bad_ranges_are_refused_before_sending(client: SpotClient) -> None:
    with pytest.raises(InvalidRequestError, match="after end_time"):
        async for _ in client.iter_klines("BTCUSDT", "1m", start_time=10, end_time=5):
            pass
    with pytest.raises(InvalidRequestError, match="not both"):
        async for _ in client.iter_agg_trades("BTCUSDT", from_id=1, start_time=5):
            pass
    with pytest.raises(InvalidRequestError, match="limit"):
        async for _ in client.iter_historical_trades("BTCUSDT", limit=1001):
            pass
    assert weight_used(client) == 0


async def test_all_orders_and_my_trades_walk_the_account_history(sim: Simulator, client: SpotClient) -> None:
    placed = []
    for i in range(23):
        order = await client.new_order(
            "BTCUSDT", "BUY", "MARKET", quantity="0.0001", new_order_resp_type="ACK"
        )
        placed.append(order.order_id)
        if i == 9:
            sim.clock.advance(60_000)
    orders = [o async for o in client.iter_all_orders("BTCUSDT", order_id=0, limit=7)]
    assert [o.order_id for o in orders] == placed
    later = [o async for o in client.iter_all_orders("BTCUSDT", start_time=orders[10].time, limit=4)]
    assert [o.order_id for o in later] == placed[10:]
    bounded = [
        o async for o in client.iter_all_orders("BTCUSDT", order_id=0, end_time=orders[9].time, limit=4)
    ]
    assert [o.order_id for o in bounded] == placed[:10]

    trades = [t async for t in client.iter_my_trades("BTCUSDT", limit=5)]
    ids = [t.id for t in trades]
    assert ids == sorted(set(ids)) and {t.order_id for t in trades} == set(placed)
    assert sum(t.qty for t in trades) == Decimal("0.0023")
    recent = [t async for t in client.iter_my_trades("BTCUSDT", start_time=orders[10].time, limit=5)]
    assert {t.order_id for t in recent} == set(placed[10:])


async def test_all_order_lists_walk_by_list_id(sim: Simulator, client: SpotClient) -> None:
    ids = []
    for i in range(9):
        placed = await client.new_oco(
            "BTCUSDT",
            "SELL",
            "0.001",
            above_type="LIMIT_MAKER",
            above_price="66000",
            below_type="STOP_LOSS_LIMIT",
            below_stop_price="64000",
            below_price="63900",
            below_time_in_force="GTC",
            new_order_resp_type="ACK",
        )
        ids.append(placed.order_list_id)
        await client.cancel_order_list("BTCUSDT", order_list_id=placed.order_list_id)  # MAX_NUM_ALGO_ORDERS
        if i == 4:
            sim.clock.advance(1_000)
    lists = [entry async for entry in client.iter_all_order_lists(from_id=0, limit=4)]
    assert [entry.order_list_id for entry in lists] == ids
    later = [
        entry async for entry in client.iter_all_order_lists(start_time=lists[5].transaction_time, limit=2)
    ]
    assert [entry.order_list_id for entry in later] == ids[5:]
