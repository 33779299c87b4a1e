"""Binance's lifetime rules on the simulator's market streams: ``serverShutdown``, the 24 h lifetime and
the connection-attempt budget per IP, the last two on the simulator's clock (which tests advance)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp import ClientWebSocketResponse

from binance_async.sim import Simulator
from binance_async.sim.config import SimConfig
from binance_async.sim.ws_streams import StreamSettings
from tests.sim.test_ws_market_data import FrozenClock
from tests.sim.test_ws_streams import call, receive_json

SETTINGS = StreamSettings(max_messages_per_second=1000, housekeeping_interval=0.02)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator(SimConfig(book_levels=20), clock=FrozenClock())
    simulator.streams.settings = SETTINGS
    async with simulator:
        yield simulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until `condition()` holds (the server's side of a close is asynchronous)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def closed_with(ws: ClientWebSocketResponse[bool], timeout: float = 5.0) -> int:
    """The close code the server sends next (events before it are skipped)."""
    while True:
        message = await ws.receive(timeout=timeout)
        if message.type == aiohttp.WSMsgType.CLOSE:
            return int(message.data)
        assert message.type == aiohttp.WSMsgType.TEXT, message


async def test_server_shutdown_is_announced_then_connections_close_after_the_grace(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    async with (
        session.ws_connect(f"{sim.stream_url}/ws/btcusdt@trade") as raw,
        session.ws_connect(f"{sim.stream_url}/stream?streams=btcusdt@trade") as combined,
    ):
        await eventually(lambda: len(sim.streams.connections) == 2)
        now = sim.clock.now_ms()
        sim.streams.announce_shutdown(close_after=30.0)
        assert await receive_json(raw) == {"e": "serverShutdown", "E": now}
        assert await receive_json(combined) == {
            "stream": "!serverShutdown",
            "data": {"e": "serverShutdown", "E": now},
        }
        # Within the grace both still work, and a new connection is welcome.
        assert await call(raw, {"method": "LIST_SUBSCRIPTIONS", "id": 1}) == {
            "result": ["btcusdt@trade"],
            "id": 1,
        }
        async with session.ws_connect(f"{sim.stream_url}/ws/btcusdt@trade") as fresh:
            sim.clock.advance(30_000)
            assert await closed_with(raw) == aiohttp.WSCloseCode.GOING_AWAY
            assert await closed_with(combined) == aiohttp.WSCloseCode.GOING_AWAY
            assert await call(fresh, {"method": "LIST_SUBSCRIPTIONS", "id": 2}) == {
                "result": ["btcusdt@trade"],
                "id": 2,
            }
    await eventually(lambda: sim.streams.counters.closed == 3)
    assert sim.streams.counters.close_reasons == {"shutdown": 2, "client": 1}
    assert sim.streams.faults.counts["server_shutdown"] == 2


async def test_server_shutdown_without_grace_closes_right_after_the_event(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(f"{sim.stream_url}/ws") as ws:
        await eventually(lambda: len(sim.streams.connections) == 1)
        sim.streams.faults.server_shutdown(close_after=0)  # the same, as a fault
        assert (await receive_json(ws))["e"] == "serverShutdown"
        assert await closed_with(ws) == aiohttp.WSCloseCode.GOING_AWAY


async def test_a_connection_lives_24_hours_on_the_simulator_clock(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(f"{sim.stream_url}/ws") as ws:
        await eventually(lambda: len(sim.streams.connections) == 1)
        sim.clock.advance(24 * 3_600_000 - 1)
        for n in range(3):  # a few housekeeping rounds: still open
            assert await call(ws, {"method": "LIST_SUBSCRIPTIONS", "id": n}) == {"result": [], "id": n}
            await asyncio.sleep(SETTINGS.housekeeping_interval)
        sim.clock.advance(1)
        assert await closed_with(ws) == aiohttp.WSCloseCode.GOING_AWAY
    await eventually(lambda: sim.streams.counters.closed == 1)
    assert sim.streams.counters.close_reasons == {"lifetime": 1}


async def test_max_lifetime_is_a_setting(sim: Simulator, session: aiohttp.ClientSession) -> None:
    sim.streams.settings = StreamSettings(max_lifetime=60.0, housekeeping_interval=0.02)
    async with session.ws_connect(f"{sim.stream_url}/ws") as ws:
        await eventually(lambda: len(sim.streams.connections) == 1)
        sim.clock.advance(60_000)
        assert await closed_with(ws) == aiohttp.WSCloseCode.GOING_AWAY


async def test_connection_attempts_over_the_budget_are_refused_with_429(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    sim.streams.settings = StreamSettings(max_attempts=3, attempt_window=300.0)

    async def connect() -> ClientWebSocketResponse[bool]:
        return await session.ws_connect(f"{sim.stream_url}/ws/btcusdt@trade")

    first = await connect()
    await first.close()
    sim.clock.advance(100_000)
    for _ in range(2):
        await (await connect()).close()
    with pytest.raises(aiohttp.WSServerHandshakeError) as raised:
        await connect()
    assert raised.value.status == 429
    assert raised.value.headers is not None
    assert raised.value.headers["Retry-After"] == "200"  # when the first attempt leaves the window
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await connect()  # refused attempts are not counted: the wait stays what it was
    async with session.get(f"{sim.stream_url.replace('ws', 'http', 1)}/ws/btcusdt@trade") as response:
        assert response.status == 429
        body = json.loads(await response.text())
        assert body["code"] == -1003
        assert "3 per 300 s" in body["msg"]

    sim.clock.advance(199_999)
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await connect()
    sim.clock.advance(1)
    await (await connect()).close()  # one slot freed
    assert sim.streams.attempts.used("127.0.0.1", sim.streams.settings) == 3
    counters = sim.streams.counters
    assert (counters.opened, counters.refused) == (4, 4)
    await eventually(lambda: counters.closed == 4)
