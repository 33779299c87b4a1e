"""Order-list methods against the simulator: each list kind placed, queried, listed and canceled.

BTCUSDT trades around 65000 (house book on both sides): a BUY above 65000 fills at once, a BUY below
or a SELL above rests.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from binance_async import (
    BinanceAPIError,
    CancelRejectedError,
    ExecutionStatusUnknownError,
    NoSuchOrderError,
    OrderValidationError,
    SpotClient,
)
from binance_async.sim import Simulator
from binance_async.sim.faults import FaultRule
from binance_async.spot.models import (
    CanceledOrderList,
    ListOrderFull,
    OrderAck,
    OrderListAck,
    OrderListFull,
    OrderListResult,
    OrderListStatus,
)

SYMBOL = "BTCUSDT"
QTY = Decimal("0.01")
SELL_OCO: dict[str, Any] = {
    "above_type": "LIMIT_MAKER",
    "above_price": "66000",
    "below_type": "STOP_LOSS_LIMIT",
    "below_stop_price": "64000",
    "below_price": "63900",
    "below_time_in_force": "GTC",
}
RESTING_BUY: dict[str, Any] = {  # a working order that waits below the price
    "working_type": "LIMIT",
    "working_side": "BUY",
    "working_price": "60000",
    "working_quantity": "0.01",
    "working_time_in_force": "GTC",
}
FILLING_BUY: dict[str, Any] = {**RESTING_BUY, "working_price": "66000"}  # crosses the asks at once
SELL_PAIR: dict[str, Any] = {
    "pending_side": "SELL",
    "pending_above_type": "LIMIT_MAKER",
    "pending_above_price": "70000",
    "pending_below_type": "STOP_LOSS",
    "pending_below_stop_price": "55000",
}


@pytest.fixture
def sim(binance_sim: Simulator) -> Simulator:
    """The plugin's simulator (its own thread, a deep book): the shared `client` connects to it."""
    return binance_sim


async def open_ids(client: SpotClient) -> list[int]:
    return [lst.order_list_id for lst in await client.open_order_lists()]


def assert_ids_match(placed: OrderListStatus, reports: tuple[Any, ...]) -> None:
    """Each report is one of the list's orders, in the same order."""
    assert [(o.order_id, o.client_order_id) for o in placed.orders] == [
        (r.order_id, r.client_order_id) for r in reports
    ]
    assert all(r.order_list_id == placed.order_list_id for r in reports)


async def test_oco_placed_queried_listed_and_canceled(client: SpotClient) -> None:
    placed = await client.new_oco(SYMBOL, "SELL", QTY, list_client_order_id="oco-1", **SELL_OCO)
    assert isinstance(placed, OrderListFull)
    assert (placed.contingency_type, placed.list_order_status) == ("OCO", "EXECUTING")
    assert placed.list_client_order_id == "oco-1" and placed.symbol == SYMBOL
    assert_ids_match(placed, placed.order_reports)
    by_type = {r.type: r for r in placed.order_reports}
    assert set(by_type) == {"STOP_LOSS_LIMIT", "LIMIT_MAKER"}
    assert by_type["LIMIT_MAKER"].price == Decimal(66000) and by_type["STOP_LOSS_LIMIT"].stop_price == 64000
    assert all(r.status == "NEW" and r.orig_qty == QTY and r.side == "SELL" for r in placed.order_reports)

    by_id = await client.get_order_list(order_list_id=placed.order_list_id)
    by_client_id = await client.get_order_list(orig_client_order_id="oco-1")
    assert by_id == by_client_id and by_id.orders == placed.orders
    assert await open_ids(client) == [placed.order_list_id]

    canceled = await client.cancel_order_list(SYMBOL, list_client_order_id="oco-1")
    assert isinstance(canceled, CanceledOrderList) and canceled.list_order_status == "ALL_DONE"
    assert [r.status for r in canceled.order_reports] == ["CANCELED", "CANCELED"]
    assert [r.orig_client_order_id for r in canceled.order_reports] == [
        o.client_order_id for o in placed.orders
    ]
    assert await open_ids(client) == []
    assert (await client.get_order_list(order_list_id=placed.order_list_id)).list_order_status == "ALL_DONE"
    with pytest.raises(CancelRejectedError) as caught:
        await client.cancel_order_list(SYMBOL, order_list_id=placed.order_list_id)
    assert caught.value.code == -2011


async def test_buy_oco_takes_its_stop_above_and_take_profit_below(client: SpotClient) -> None:
    placed = await client.new_oco(
        SYMBOL,
        "BUY",
        "0.002",
        new_order_resp_type="RESULT",
        above_type="STOP_LOSS",
        above_stop_price="66000",
        below_type="TAKE_PROFIT_LIMIT",
        below_stop_price="64000",
        below_price="64000",
        below_time_in_force="GTC",
    )
    assert isinstance(placed, OrderListResult)
    assert {(r.type, r.stop_price) for r in placed.order_reports} == {
        ("STOP_LOSS", Decimal(66000)),
        ("TAKE_PROFIT_LIMIT", Decimal(64000)),
    }
    assert all(r.side == "BUY" and r.orig_qty == Decimal("0.002") for r in placed.order_reports)


async def test_deprecated_oco_warns_and_places_a_stop_limit_and_a_limit_maker(client: SpotClient) -> None:
    with pytest.warns(DeprecationWarning, match="new_oco"):
        placed = await client.new_oco_legacy(
            SYMBOL,
            "SELL",
            QTY,
            price="66000",
            stop_price="64000",
            stop_limit_price="63900",
            stop_limit_time_in_force="GTC",
            limit_client_order_id="tp-1",
        )
    assert placed.contingency_type == "OCO"
    by_type = {r.type: r for r in placed.order_reports}
    assert by_type["LIMIT_MAKER"].client_order_id == "tp-1"
    assert by_type["STOP_LOSS_LIMIT"].price == Decimal(63900)
    assert await open_ids(client) == [placed.order_list_id]


async def test_oto_pending_order_waits_for_the_working_order(client: SpotClient) -> None:
    placed = await client.new_oto(
        SYMBOL,
        new_order_resp_type="RESULT",
        pending_type="LIMIT_MAKER",
        pending_side="SELL",
        pending_price="70000",
        pending_quantity="0.01",
        **RESTING_BUY,
    )
    assert isinstance(placed, OrderListResult) and placed.contingency_type == "OTO"
    assert_ids_match(placed, placed.order_reports)
    working, pending = placed.order_reports
    assert (working.status, working.type, working.side) == ("NEW", "LIMIT", "BUY")
    assert (pending.status, pending.type, pending.orig_qty) == ("PENDING_NEW", "LIMIT_MAKER", QTY)
    canceled = await client.cancel_order_list(SYMBOL, order_list_id=placed.order_list_id)
    assert [r.status for r in canceled.order_reports] == ["CANCELED", "CANCELED"]


async def test_oto_whose_working_order_fills_starts_the_pending_order(client: SpotClient) -> None:
    placed = await client.new_oto(
        SYMBOL,
        pending_type="LIMIT_MAKER",
        pending_side="SELL",
        pending_price="70000",
        pending_quantity="0.01",
        **FILLING_BUY,
    )
    working, pending = placed.order_reports
    assert isinstance(working, ListOrderFull)
    assert working.status == "FILLED" and working.executed_qty == QTY
    assert pending.status == "NEW"
    assert await open_ids(client) == [placed.order_list_id]  # the pending order keeps the list open
    canceled = await client.cancel_order_list(SYMBOL, order_list_id=placed.order_list_id)
    assert [r.status for r in canceled.order_reports] == ["FILLED", "CANCELED"]


async def test_otoco_with_ack_answers_ids_only(client: SpotClient) -> None:
    placed = await client.new_otoco(
        SYMBOL,
        new_order_resp_type="ACK",
        pending_quantity="0.01",
        pending_above_client_order_id="tp-2",
        **RESTING_BUY,
        **SELL_PAIR,
    )
    assert isinstance(placed, OrderListAck) and len(placed.order_reports) == 3
    assert all(type(r) is OrderAck for r in placed.order_reports)
    assert_ids_match(placed, placed.order_reports)
    assert "tp-2" in {r.client_order_id for r in placed.order_reports}
    listed = await client.get_order_list(order_list_id=placed.order_list_id)
    assert listed.contingency_type == "OTO" and listed.orders == placed.orders


async def test_opo_pending_quantity_is_unknown_until_the_working_order_fills(client: SpotClient) -> None:
    waiting = await client.new_opo(SYMBOL, pending_type="MARKET", pending_side="SELL", **RESTING_BUY)
    working, pending = waiting.order_reports
    assert working.orig_qty == QTY and pending.status == "PENDING_NEW" and pending.orig_qty is None

    filled = await client.new_opo(
        SYMBOL, pending_type="LIMIT_MAKER", pending_side="SELL", pending_price="70000", **FILLING_BUY
    )
    working, pending = filled.order_reports
    assert working.status == "FILLED" and pending.status == "NEW"
    sell = await client.reconcile_order(SYMBOL, pending.client_order_id)
    assert sell is not None and Decimal(0) < sell.orig_qty < QTY  # what was bought, net of commission
    assert sorted(await open_ids(client)) == [waiting.order_list_id, filled.order_list_id]


async def test_opoco_places_a_sell_pair_after_the_buy_fills(client: SpotClient) -> None:
    placed = await client.new_opoco(SYMBOL, **FILLING_BUY, **SELL_PAIR)
    assert len(placed.order_reports) == 3
    working, *pair = placed.order_reports
    assert working.status == "FILLED" and working.side == "BUY"
    assert {(r.type, r.status, r.side) for r in pair} == {
        ("LIMIT_MAKER", "NEW", "SELL"),
        ("STOP_LOSS", "NEW", "SELL"),
    }
    canceled = await client.cancel_order_list(SYMBOL, order_list_id=placed.order_list_id)
    assert sorted(r.status for r in canceled.order_reports) == ["CANCELED", "CANCELED", "FILLED"]
    assert await open_ids(client) == []


async def test_all_order_lists_pages_and_windows(client: SpotClient) -> None:
    placed = [
        await client.new_oco(SYMBOL, "SELL", QTY, **SELL_OCO),
        await client.new_oto(
            SYMBOL, pending_type="MARKET", pending_side="SELL", pending_quantity="0.01", **RESTING_BUY
        ),
        await client.new_opo(SYMBOL, pending_type="MARKET", pending_side="SELL", **RESTING_BUY),
    ]
    await client.cancel_order_list(SYMBOL, order_list_id=placed[0].order_list_id)
    ids = [p.order_list_id for p in placed]
    everything = await client.all_order_lists()
    assert [lst.order_list_id for lst in everything] == ids
    assert [lst.list_order_status for lst in everything] == ["ALL_DONE", "EXECUTING", "EXECUTING"]
    assert [lst.order_list_id for lst in await client.all_order_lists(from_id=ids[1])] == ids[1:]
    assert [lst.order_list_id for lst in await client.all_order_lists(from_id=ids[0], limit=1)] == ids[:1]
    first, last = placed[0].transaction_time, placed[-1].transaction_time
    assert first is not None and last is not None
    window = await client.all_order_lists(start_time=first, end_time=last)
    assert [lst.order_list_id for lst in window] == ids
    assert await client.all_order_lists(start_time=last + 1, end_time=last + 1000) == []
    assert sorted(await open_ids(client)) == ids[1:]


async def test_a_rejected_list_carries_its_id_and_leaves_nothing(client: SpotClient) -> None:
    with pytest.raises(BinanceAPIError) as caught:  # a SELL OCO's limit order must be above the price
        await client.new_oco(
            SYMBOL, "SELL", QTY, list_client_order_id="bad-1", **{**SELL_OCO, "above_price": "64000"}
        )
    assert caught.value.code == -1166 and caught.value.client_order_id == "bad-1"
    assert await open_ids(client) == [] and await client.all_order_lists() == []


async def test_an_unknown_outcome_is_found_by_the_list_id(binance_sim: Simulator, client: SpotClient) -> None:
    binance_sim.faults.add(FaultRule("error_after", 1.0, method="POST", path="/api/v3/orderList/oco"))
    with pytest.raises(ExecutionStatusUnknownError) as caught:
        await client.new_oco(SYMBOL, "SELL", QTY, **SELL_OCO)
    list_id = caught.value.client_order_id
    assert list_id is not None
    binance_sim.faults.clear()
    found = await client.get_order_list(orig_client_order_id=list_id)
    assert found.list_client_order_id == list_id and found.list_order_status == "EXECUTING"
    assert len(await client.all_order_lists()) == 1  # placed once, never resent


async def test_a_list_rejected_before_processing_is_not_found(
    binance_sim: Simulator, client: SpotClient
) -> None:
    binance_sim.faults.add(FaultRule("error_before", 1.0, method="POST", path="/api/v3/orderList/oto"))
    with pytest.raises(ExecutionStatusUnknownError) as caught:
        await client.new_oto(
            SYMBOL, pending_type="MARKET", pending_side="SELL", pending_quantity="0.01", **RESTING_BUY
        )
    binance_sim.faults.clear()
    assert caught.value.client_order_id is not None
    with pytest.raises(NoSuchOrderError):
        await client.get_order_list(orig_client_order_id=caught.value.client_order_id)


async def test_valid_lists_pass_local_validation_and_are_placed(client: SpotClient) -> None:
    oco = await client.new_oco(SYMBOL, "SELL", QTY, validate=True, **SELL_OCO)
    otoco = await client.new_otoco(SYMBOL, pending_quantity="0.01", validate=True, **RESTING_BUY, **SELL_PAIR)
    assert (oco.contingency_type, otoco.contingency_type) == ("OCO", "OTO")
    assert len(oco.order_reports) == 2 and len(otoco.order_reports) == 3
    assert sorted(await open_ids(client)) == [oco.order_list_id, otoco.order_list_id]


async def test_an_invalid_list_is_refused_locally_and_never_reaches_the_simulator(client: SpotClient) -> None:
    with pytest.raises(OrderValidationError, match=r"^above order: PRICE_FILTER") as caught:
        await client.new_oco(SYMBOL, "SELL", QTY, validate=True, **{**SELL_OCO, "above_price": "66000.005"})
    assert (caught.value.field, caught.value.value) == ("price", Decimal("66000.005"))
    with pytest.raises(OrderValidationError, match=r"^pending_above order: LOT_SIZE") as caught:
        await client.new_otoco(SYMBOL, pending_quantity="0.000015", validate=True, **RESTING_BUY, **SELL_PAIR)
    assert caught.value.field == "quantity"
    assert await client.all_order_lists() == []
    # without validation the simulator refuses the same OCO with Binance's filter failure
    with pytest.raises(BinanceAPIError) as rejected:
        await client.new_oco(SYMBOL, "SELL", QTY, **{**SELL_OCO, "above_price": "66000.005"})
    assert rejected.value.code == -1013 and "PRICE_FILTER" in str(rejected.value)
