"""Stream faults (`binance_async.sim.stream_faults`, ``sim.streams.faults``): dropped connections,
stalls, skipped depth updates, delayed messages; and the counters tests read them with.

Timing: a fault's duration is only ever a lower bound here (a delayed event arrives no sooner than its
delay), never an upper one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal

import aiohttp
import pytest
from aiohttp import ClientWebSocketResponse

from binance_async.sim import Simulator
from binance_async.sim.config import SimConfig
from binance_async.sim.ws_streams import StreamSettings
from tests.sim.test_ws_lifetime import eventually
from tests.sim.test_ws_streams import call, place, receive_json, rest

SYMBOL = "BTCUSDT"
SETTINGS = StreamSettings(max_messages_per_second=1000, fast_period=0.05, slow_period=0.05)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator(SimConfig(book_levels=60))
    simulator.streams.settings = SETTINGS
    async with simulator:
        yield simulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def dropped(ws: ClientWebSocketResponse[bool], timeout: float = 5.0) -> bool:
    """True if the connection ends without a close frame (events before are skipped)."""
    while True:
        message = await ws.receive(timeout=timeout)
        if message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            return True
        if message.type == aiohttp.WSMsgType.CLOSE:
            return False


async def connect_or_drop(session: aiohttp.ClientSession, url: str) -> bool:
    """Connect and see whether the connection is dropped right away (True) or serves (False)."""
    try:
        ws = await session.ws_connect(url)
    except aiohttp.ClientConnectionError:  # dropped before the client read the handshake
        return True
    async with ws:
        try:
            await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 1}))
        except ConnectionError:
            return True
        answer = await ws.receive(timeout=5.0)
        if answer.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            return True
        assert json.loads(answer.data) == {"result": [], "id": 1}
        return False


async def test_drop_open_connections_without_a_close_frame(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    async with (
        session.ws_connect(f"{sim.stream_url}/ws/btcusdt@trade") as one,
        session.ws_connect(f"{sim.stream_url}/stream?streams=btcusdt@depth") as two,
    ):
        await eventually(lambda: len(sim.streams.connections) == 2)
        sim.streams.faults.drop_open_connections()
        assert await dropped(one)
        assert await dropped(two)
    counters = sim.streams.counters
    await eventually(lambda: counters.closed == 2)
    assert counters.close_reasons == {"dropped": 2}
    assert counters.faults["drop"] == 2
    assert sim.streams.faults.log == [("drop", "open connection")] * 2
    async with session.ws_connect(f"{sim.stream_url}/ws") as three:  # new connections are fine
        assert await call(three, {"method": "LIST_SUBSCRIPTIONS", "id": 1}) == {"result": [], "id": 1}


async def test_drop_the_next_connections_after_some_messages(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    sim.streams.faults.drop_new_connections(2, after_messages=1)
    url = f"{sim.stream_url}/ws/btcusdt@trade"
    async with (
        session.ws_connect(url) as first,
        session.ws_connect(url) as second,
        session.ws_connect(url) as third,  # beyond the count: left alone
    ):
        await eventually(lambda: len(sim.streams.connections) == 3)
        place(sim, "BUY", "MARKET", "0.001")
        for ws in (first, second):
            assert (await receive_json(ws))["e"] == "trade"  # the one message
            assert await dropped(ws)
        assert (await receive_json(third))["e"] == "trade"
        place(sim, "BUY", "MARKET", "0.001")
        assert (await receive_json(third))["e"] == "trade"
    assert sim.streams.faults.counts["drop"] == 2
    assert sim.streams.faults.log == [("drop", "after 1 messages")] * 2


async def test_dropping_every_new_connection_by_chance_is_reproducible(
    session: aiohttp.ClientSession,
) -> None:
    patterns = []
    for _ in range(2):
        async with Simulator(SimConfig(book_levels=10, seed=42)) as simulator:
            simulator.streams.faults.drop_new_connections(None, probability=0.5)
            url = f"{simulator.stream_url}/ws"
            pattern = [await connect_or_drop(session, url) for _ in range(12)]
            patterns.append(pattern)
            assert simulator.streams.faults.counts["drop"] == sum(pattern)
            simulator.streams.faults.clear()
            assert not await connect_or_drop(session, url)
    assert patterns[0] == patterns[1]
    assert 0 < sum(patterns[0]) < 12


async def test_stall_sends_nothing_and_answers_no_ping(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    sim.streams.settings = StreamSettings(max_messages_per_second=1000, ping_interval=3600.0)
    loop = asyncio.get_running_loop()
    async with session.ws_connect(f"{sim.stream_url}/ws/btcusdt@trade", autoping=False) as ws:
        await eventually(lambda: len(sim.streams.connections) == 1)
        stalled_at = loop.time()
        sim.streams.faults.stall(1.0)
        place(sim, "BUY", "MARKET", "0.001")
        await ws.ping(b"during")
        await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 1}))
        message = await ws.receive(timeout=5.0)
        assert loop.time() - stalled_at >= 0.99  # nothing came before the stall's end
        assert message.type == aiohttp.WSMsgType.TEXT
        assert json.loads(message.data)["e"] == "trade"  # then, in order, what was queued
        assert json.loads((await ws.receive(timeout=5.0)).data) == {"result": ["btcusdt@trade"], "id": 1}
        await ws.ping(b"after")
        pong = await ws.receive(timeout=5.0)
        assert (pong.type, pong.data) == (aiohttp.WSMsgType.PONG, b"after")  # "during" never answered
    assert sim.streams.faults.counts["stall"] == 1


async def test_a_stalled_server_times_out_nobody(sim: Simulator, session: aiohttp.ClientSession) -> None:
    sim.streams.settings = StreamSettings(max_messages_per_second=1000, ping_interval=0.05, pong_timeout=0.2)
    loop = asyncio.get_running_loop()
    async with session.ws_connect(f"{sim.stream_url}/ws", autoping=False) as ws:
        first = await ws.receive(timeout=5.0)
        assert first.type == aiohttp.WSMsgType.PING
        await ws.pong(first.data)
        stalled_at = loop.time()
        sim.streams.faults.stall(0.6)  # three pong timeouts long
        while True:  # pings sent before the stall began may still come; then the next after it
            message = await ws.receive(timeout=5.0)
            assert message.type == aiohttp.WSMsgType.PING  # never a close for a pong timeout
            await ws.pong(message.data)
            if loop.time() - stalled_at >= 0.6:
                break
        assert await call(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 1}) == {"result": [], "id": 1}
    assert "pong timeout" not in sim.streams.counters.close_reasons


async def test_skip_depth_update_leaves_a_gap_the_client_must_detect(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    book = sim.market.book(SYMBOL)
    best_bid = book.best_bid()
    assert best_bid is not None
    async with session.ws_connect(f"{sim.stream_url}/ws/btcusdt@depth@100ms") as ws:
        await eventually(lambda: len(sim.streams.connections) == 1)
        snapshot = await rest(session, sim, "/api/v3/depth", limit=1000)
        sim.streams.faults.skip_depth_update(SYMBOL)
        place(sim, "BUY", "LIMIT", "0.01", str(best_bid[0] + Decimal("0.01")))  # withheld
        withheld_id = book.last_update_id
        await eventually(lambda: sim.streams.faults.counts["skip_depth"] == 1)
        place(sim, "BUY", "LIMIT", "0.02", str(best_bid[0] + Decimal("0.02")))
        event = await receive_json(ws)
    assert snapshot["lastUpdateId"] == withheld_id - 1
    assert event["U"] == withheld_id + 1 > snapshot["lastUpdateId"] + 1  # the gap
    assert event["u"] == book.last_update_id
    assert sim.streams.faults.log == [("skip_depth", "BTCUSDT @depth@100ms")]


async def test_delay_every_outgoing_message(sim: Simulator, session: aiohttp.ClientSession) -> None:
    loop = asyncio.get_running_loop()
    async with session.ws_connect(f"{sim.stream_url}/ws/btcusdt@trade") as ws:
        await eventually(lambda: len(sim.streams.connections) == 1)
        sim.streams.faults.delay(0.5)
        sent_at = loop.time()
        place(sim, "BUY", "MARKET", "0.001")
        place(sim, "SELL", "MARKET", "0.001")
        first = await receive_json(ws)
        assert loop.time() - sent_at >= 0.49
        second = await receive_json(ws)
        assert (first["m"], second["m"]) == (False, True)  # order kept
        assert first["t"] + 1 == second["t"]
        delayed = sim.streams.faults.counts["delay"]
        assert delayed == 2
        sim.streams.faults.delay(0)
        place(sim, "BUY", "MARKET", "0.001")
        assert (await receive_json(ws))["e"] == "trade"
        assert sim.streams.faults.counts["delay"] == delayed


async def test_counters(sim: Simulator, session: aiohttp.ClientSession) -> None:
    counters = sim.streams.counters
    async with session.ws_connect(f"{sim.stream_url}/ws/btcusdt@trade") as ws:
        await eventually(lambda: counters.opened == 1)
        first_id = sim.market.tape(SYMBOL).last_id + 1
        for _ in range(3):
            place(sim, "BUY", "MARKET", "0.001")
        trades = sim.market.tape(SYMBOL).last_id - first_id + 1
        for _ in range(trades):
            await receive_json(ws)
        assert counters.messages_sent == trades >= 3
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await session.ws_connect(f"{sim.stream_url}/ws/btcusdt@nothing")
    await eventually(lambda: counters.closed == 1)
    assert (counters.opened, counters.closed, counters.refused) == (1, 1, 1)
    assert counters.close_reasons == {"client": 1}
    assert counters.faults is sim.streams.faults.counts
    assert sim.streams.faults.total == 0
