"""The client's timeout against a slow simulator: reads fail typed after their retries, writes are unknown."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from binance_async import ExecutionStatusUnknown, InvalidResponseError, RequestTimeoutError, SpotClient
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
    assert client_order_id in slow_client.unknown_outcomes
    found = await slow_client.reconcile_order("BTCUSDT", client_order_id)
    orders = await slow_client.all_orders("BTCUSDT")
    # As on Binance, a slow answer does not mean a rejected order: the simulator placed it at once.
    assert found is not None and found.status == "FILLED"
    assert [o.client_order_id for o in orders] == [client_order_id]  # placed once, never resent
    assert client_order_id not in slow_client.unknown_outcomes  # settled


async def test_a_cancelled_order_call_is_found_by_reconciling(sim: Simulator) -> None:
    sim.faults.add(FaultRule("latency", 1.0, method="POST", path="/api/v3/order", latency_s=SLOW_S))
    async with SpotClient(sim.api_key, sim.api_secret, base_url=sim.base_url) as client:
        await client.account()  # the clock synced, the connection open
        task = asyncio.create_task(client.new_order("BTCUSDT", "BUY", "MARKET", quantity="0.001"))
        await asyncio.sleep(0.3)  # the order is on its way (and placed): the caller gives up
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        [(client_order_id, sent)] = client.unknown_outcomes.items()
        assert sent.params["side"] == "BUY"
        found = await client.reconcile_order("BTCUSDT", client_order_id)
        assert found is not None and found.client_order_id == client_order_id
        assert len(client.unknown_outcomes) == 0
        assert len(await client.all_orders("BTCUSDT")) == 1


async def test_cancelling_a_request_from_outside_still_cancels(slow_client: SpotClient) -> None:
    task = asyncio.create_task(slow_client.ticker_price("BTCUSDT"))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_an_answer_larger_than_max_response_bytes_is_refused_and_not_retried(sim: Simulator) -> None:
    async with SpotClient(base_url=sim.base_url, max_response_bytes=4096) as client:
        assert (await client.ticker_price("BTCUSDT")).price > 0  # small answers pass
        with pytest.raises(InvalidResponseError, match="larger than max_response_bytes"):
            await client.exchange_info()
        with pytest.raises(InvalidResponseError):
            await client.depth("BTCUSDT", limit=5000)
    with pytest.raises(ValueError, match="max_response_bytes"):
        SpotClient(base_url=sim.base_url, max_response_bytes=0)
