"""The client's timeout against a slow simulator: reads fail typed after their retries, writes are unknown."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from binance_async import ExecutionStatusUnknown, RequestTimeoutError, SpotClient
from binance_async.sim import Simulator
from binance_async.sim.faults import FaultRule

SLOW_S = 3.0
TIMEOUT_S = 0.2


@pytest.fixture
async def slow_client(sim: Simulator) -> AsyncIterator[SpotClient]:
    sim.faults.add(FaultRule("latency", 1.0, path="/api/v3/ticker/price", latency_s=SLOW_S))
    sim.faults.add(FaultRule("latency", 1.0, method="POST", path="/api/v3/order", latency_s=SLOW_S))
    async with SpotClient(sim.api_key, sim.api_secret, base_url=sim.base_url, timeout=TIMEOUT_S) as client:
        yield client


async def test_a_slow_read_times_out_without_waiting_for_the_answer(slow_client: SpotClient) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(RequestTimeoutError, match=r"GET /api/v3/ticker/price: no response within 0.2 s"):
        await slow_client.ticker_price("BTCUSDT")
    # Three attempts (the retry policy), each cut at its deadline: far less than one slow answer.
    assert loop.time() - started < SLOW_S
    assert (await slow_client.avg_price("BTCUSDT")).price > 0  # other routes are not slow


async def test_a_slow_order_is_an_unknown_outcome_and_is_not_resent(
    sim: Simulator, slow_client: SpotClient
) -> None:
    with pytest.raises(ExecutionStatusUnknown) as info:
        await slow_client.new_order("BTCUSDT", "BUY", "MARKET", quantity="0.001")
    client_order_id = info.value.client_order_id
    assert client_order_id is not None
    await asyncio.sleep(SLOW_S)  # past the simulator's latency: whatever it was going to do is done
    found = await slow_client.reconcile_order("BTCUSDT", client_order_id)
    orders = await slow_client.all_orders("BTCUSDT")
    # The client gave up and closed the connection: the simulator never read the order. Either way,
    # what reconciling says is what the exchange has, and the order was not sent twice.
    assert [o.client_order_id for o in orders] == ([] if found is None else [client_order_id])


async def test_cancelling_a_request_from_outside_still_cancels(slow_client: SpotClient) -> None:
    task = asyncio.create_task(slow_client.ticker_price("BTCUSDT"))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
