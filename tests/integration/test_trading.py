"""Order methods against the simulator: unknown outcomes are reconciled, never duplicated."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from binance_async import (
    CancelReplaceError,
    ExecutionStatusUnknownError,
    OrderValidationError,
    SendStatusUnknownError,
    SpotClient,
)
from binance_async.sim import Simulator
from binance_async.sim.faults import FaultRule


async def orders_with_id(client: SpotClient, client_order_id: str) -> list[dict[str, Any]]:
    everything = await client.request("GET", "/api/v3/allOrders", {"symbol": "BTCUSDT"}, signed=True)
    return [order for order in everything if order["clientOrderId"] == client_order_id]


async def test_placed_then_5xx_is_reconciled_without_a_duplicate(sim: Simulator, client: SpotClient) -> None:
    sim.faults.add(FaultRule("error_after", 1.0, method="POST", path="/api/v3/order"))
    with pytest.raises(ExecutionStatusUnknownError) as caught:
        await client.new_order("BTCUSDT", "BUY", "MARKET", quantity=Decimal("0.001"))
    client_id = caught.value.client_order_id
    assert client_id is not None
    sim.faults.clear()
    order = await client.reconcile_order("BTCUSDT", client_id)
    assert order is not None and order.status == "FILLED" and order.executed_qty == Decimal("0.001")
    assert len(await orders_with_id(client, client_id)) == 1  # placed once, never resent
    assert sim.faults.counts["error_after"] == 1


async def test_rejected_before_processing_is_reconciled_as_absent(sim: Simulator, client: SpotClient) -> None:
    sim.faults.add(FaultRule("error_before", 1.0, method="POST", path="/api/v3/order", body="html"))
    with pytest.raises(ExecutionStatusUnknownError) as caught:
        await client.new_order(
            "BTCUSDT", "SELL", "LIMIT", time_in_force="GTC", quantity="0.001", price="66000"
        )
    sim.faults.clear()
    assert caught.value.client_order_id is not None
    assert await client.reconcile_order("BTCUSDT", caught.value.client_order_id) is None


async def test_dropped_after_placing_is_found_by_its_client_id(sim: Simulator, client: SpotClient) -> None:
    await client.server_time()  # a keep-alive connection exists before the drop
    sim.faults.add(FaultRule("drop_after", 1.0, method="POST", path="/api/v3/order"))
    with pytest.raises(SendStatusUnknownError) as caught:
        await client.new_order(
            "BTCUSDT",
            "SELL",
            "LIMIT",
            time_in_force="GTC",
            quantity="0.002",
            price="66000",
            new_client_order_id="d-1",
        )
    assert caught.value.client_order_id == "d-1"
    sim.faults.clear()
    order = await client.reconcile_order("BTCUSDT", "d-1")
    assert order is not None and order.status == "NEW" and order.orig_qty == Decimal("0.002")
    assert len(await orders_with_id(client, "d-1")) == 1


async def test_cancel_replace_partial_failure_tells_that_the_new_order_exists(client: SpotClient) -> None:
    with pytest.raises(CancelReplaceError) as caught:
        await client.cancel_replace_order(
            "BTCUSDT",
            "SELL",
            "LIMIT",
            "ALLOW_FAILURE",
            cancel_orig_client_order_id="never-placed",
            time_in_force="GTC",
            quantity="0.001",
            price="66000",
        )
    error = caught.value
    assert error.code == -2021 and not error.canceled and error.new_order_placed
    assert error.client_order_id is not None
    placed = await client.reconcile_order("BTCUSDT", error.client_order_id)
    assert placed is not None and placed.status == "NEW"


async def test_rules_from_the_simulator_round_orders_it_accepts(client: SpotClient) -> None:
    rules = await client.symbol_rules("BTCUSDT")
    price = rules.round_price(Decimal("64000.123456"), "BUY")
    quantity = rules.round_quantity(Decimal("0.0012345678"))
    assert price == Decimal("64000.12") and quantity == Decimal("0.00123")
    order = await client.new_order(
        "BTCUSDT", "BUY", "LIMIT", time_in_force="GTC", quantity=quantity, price=price, validate=True
    )
    assert order.price == price and order.orig_qty == quantity
    with pytest.raises(OrderValidationError) as caught:
        await client.new_order(
            "BTCUSDT", "BUY", "LIMIT", time_in_force="GTC", quantity="0.0012345", price=price, validate=True
        )
    assert caught.value.filter_type == "LOT_SIZE"
    with pytest.raises(OrderValidationError) as caught:  # far below the market: PERCENT_PRICE_BY_SIDE
        await client.new_order(
            "BTCUSDT", "BUY", "LIMIT", time_in_force="GTC", quantity="1", price="100", validate=True
        )
    assert caught.value.filter_type == "PERCENT_PRICE_BY_SIDE"


async def test_amend_then_cancel_then_cancel_all(client: SpotClient) -> None:
    first = await client.new_order(
        "BTCUSDT", "SELL", "LIMIT", time_in_force="GTC", quantity="0.004", price="66000"
    )
    await client.new_order("BTCUSDT", "SELL", "LIMIT", time_in_force="GTC", quantity="0.001", price="66100")
    amended = await client.amend_order_keep_priority(
        "BTCUSDT", "0.003", orig_client_order_id=first.client_order_id
    )
    assert amended.amended_order.qty == Decimal("0.003")
    new_id = amended.amended_order.client_order_id
    canceled = await client.cancel_order("BTCUSDT", orig_client_order_id=new_id)
    assert canceled.status == "CANCELED" and canceled.orig_client_order_id == new_id
    rest = await client.cancel_open_orders("BTCUSDT")
    assert [entry.status for entry in rest if hasattr(entry, "status")] == ["CANCELED"]
