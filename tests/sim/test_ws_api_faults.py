"""The WebSocket API's connections and faults (`binance_async.sim.ws_api`, `binance_async.sim.ws_api_faults`):
pings and the pong timeout, the 24 h lifetime on the simulator's clock, serverShutdown, and each fault:
dropped before or right after processing, errors before and after (5xx / -1001, -1007), latency, stall,
delay, every open connection dropped.

Timing: a fault's duration is only ever a lower bound here (an answer delayed by 0.2 s comes no sooner),
never an upper one.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import aiohttp
from aiohttp import ClientWebSocketResponse

from binance_async.sim import Simulator
from binance_async.sim.faults import FaultRule
from tests.sim.test_ws_api_support import ED25519, HMAC, make_sim, rest, session, sim, ws_api
from tests.sim.test_ws_lifetime import eventually

__all__ = ["session", "sim"]

SYMBOL = "BTCUSDT"
ORDER = {
    "symbol": SYMBOL,
    "side": "BUY",
    "type": "LIMIT",
    "timeInForce": "GTC",
    "quantity": "0.001",
    "price": "60000",
}
PLACE = "/api/v3/order"  # order.place's REST route


async def dropped(ws: ClientWebSocketResponse[bool], timeout: float = 5.0) -> bool:
    """True if the connection ends without a close frame (text frames before are skipped)."""
    while True:
        message = await ws.receive(timeout=timeout)
        if message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            return True
        if message.type == aiohttp.WSMsgType.CLOSE:
            return False


async def closed_with(ws: ClientWebSocketResponse[bool], timeout: float = 5.0) -> int:
    """The close code the server sends next (text frames before it are skipped)."""
    while True:
        message = await ws.receive(timeout=timeout)
        if message.type == aiohttp.WSMsgType.CLOSE:
            return int(message.data)
        assert message.type == aiohttp.WSMsgType.TEXT, message


async def open_orders(session: aiohttp.ClientSession, sim: Simulator) -> int:
    status, body, _ = await rest(session, sim, "GET", "/api/v3/openOrders", {"symbol": SYMBOL})
    assert status == 200
    return len(body)


async def test_pings_and_a_connection_that_never_pongs_is_closed(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    sim.ws_api.settings = replace(sim.ws_api.settings, ping_interval=0.05, pong_timeout=1.0)
    async with session.ws_connect(sim.ws_api_url, autoping=False) as silent:
        ping = await silent.receive(timeout=5)
        assert ping.type == aiohttp.WSMsgType.PING
        assert await closed_with_pings(silent) == aiohttp.WSCloseCode.POLICY_VIOLATION
    api = await ws_api(session, sim)  # aiohttp answers the pings it reads: open past the timeout
    async with api.ws:
        loop = asyncio.get_running_loop()
        until = loop.time() + 1.5
        while loop.time() < until:
            assert (await api.call("ping"))["status"] == 200
            await asyncio.sleep(0.05)
    await eventually(lambda: sim.ws_api.counters.closed == 2)
    assert sim.ws_api.counters.close_reasons == {"pong timeout": 1, "client": 1}


async def closed_with_pings(ws: ClientWebSocketResponse[bool]) -> int:
    while True:
        message = await ws.receive(timeout=5)
        if message.type == aiohttp.WSMsgType.CLOSE:
            return int(message.data)
        assert message.type == aiohttp.WSMsgType.PING


async def test_a_connection_lives_24_hours_on_the_simulator_clock(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    api = await ws_api(session, sim)
    async with api.ws:
        sim.clock.advance(24 * 3_600_000 - 1)
        await asyncio.sleep(0.1)  # a few housekeeping rounds: still open
        assert (await api.call("ping"))["status"] == 200
        sim.clock.advance(1)
        assert await closed_with(api.ws) == aiohttp.WSCloseCode.GOING_AWAY
    await eventually(lambda: sim.ws_api.counters.closed == 1)
    assert sim.ws_api.counters.close_reasons == {"lifetime": 1}


async def test_server_shutdown_is_announced_then_connections_close(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    api = await ws_api(session, sim)
    async with api.ws:
        await api.signed("userDataStream.subscribe.signature")
        now = sim.clock.now_ms()
        sim.ws_api.faults.server_shutdown(close_after=30.0)
        assert await api.receive() == {"event": {"e": "serverShutdown", "E": now}}  # no subscriptionId
        assert (await api.call("ping"))["status"] == 200  # within the grace it still works
        sim.clock.advance(30_000)
        assert await closed_with(api.ws) == aiohttp.WSCloseCode.GOING_AWAY
    second = await ws_api(session, sim)
    async with second.ws:
        sim.ws_api.announce_shutdown()
        assert (await second.receive())["event"]["e"] == "serverShutdown"
        assert await closed_with(second.ws) == aiohttp.WSCloseCode.GOING_AWAY
    await eventually(lambda: sim.ws_api.counters.closed == 2)
    assert sim.ws_api.counters.close_reasons == {"shutdown": 2}
    assert sim.ws_api.faults.counts["server_shutdown"] == 2
    assert sim.ws_api.user_data.accounts_heard == []


async def test_drop_right_after_an_order_is_placed(sim: Simulator, session: aiohttp.ClientSession) -> None:
    watcher = await ws_api(session, sim)
    await watcher.signed("userDataStream.subscribe.signature")
    sim.ws_api.faults.add(FaultRule("drop_after", 1.0, method="POST", path=PLACE))
    api = await ws_api(session, sim)
    async with api.ws, watcher.ws:
        assert (await api.call("ping"))["status"] == 200  # other methods are not touched
        await api.send("order.place", HMAC.sign(ORDER, sim.clock.now_ms()))
        assert await dropped(api.ws)  # no answer, no close frame
        assert await open_orders(session, sim) == 1  # but the order was placed
        assert (await watcher.event())["event"]["x"] == "NEW"
    assert sim.faults.counts["drop_after"] == 1  # counted with REST's, as REST's
    assert sim.faults.log == [("POST", "/api/v3/order", "drop_after")]
    await eventually(lambda: sim.ws_api.counters.close_reasons.get("dropped") == 1)


async def test_drop_before_places_nothing(sim: Simulator, session: aiohttp.ClientSession) -> None:
    sim.ws_api.faults.add(FaultRule("drop_before", 1.0, method="POST", path=PLACE))
    api = await ws_api(session, sim)
    async with api.ws:
        await api.send("order.place", HMAC.sign(ORDER, sim.clock.now_ms()))
        assert await dropped(api.ws)
    assert await open_orders(session, sim) == 0


async def test_errors_before_and_after_processing(sim: Simulator, session: aiohttp.ClientSession) -> None:
    api = await ws_api(session, sim)
    async with api.ws:
        sim.ws_api.faults.add(FaultRule("error_after", 1.0, status=503, method="POST", path=PLACE))
        answer = await api.signed("order.place", ORDER)
        assert answer == {
            "id": 1,
            "status": 503,
            "error": {
                "code": -1007,
                "msg": "Timeout waiting for response from backend server. Send status unknown; "
                "execution status unknown.",
            },
        }
        assert await open_orders(session, sim) == 1  # the execution status was unknown: it is placed
        sim.ws_api.faults.clear()
        sim.ws_api.faults.add(FaultRule("error_before", 1.0, status=500, method="POST", path=PLACE))
        answer = await api.signed("order.place", ORDER)
        assert answer["status"] == 500
        assert answer["error"] == {
            "code": -1001,
            "msg": "Internal error; unable to process your request. Please try again.",
        }
        assert await open_orders(session, sim) == 1
        sim.ws_api.faults.clear()
        sim.ws_api.faults.add(FaultRule("error_before", 1.0, method="WS", path="session.logon"))
        assert (await api.signed("session.logon", signer=ED25519))["status"] == 503
        assert (await api.call("session.status"))["result"]["apiKey"] is None
    assert sim.faults.counts["error_after"] == 1
    assert sim.faults.counts["error_before"] == 2
    assert sim.faults.log[-1] == ("WS", "session.logon", "error_before")


async def test_latency_delays_the_answer_not_the_order(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    sim.ws_api.faults.add(FaultRule("latency", 1.0, latency_s=0.3, method="POST", path=PLACE))
    api = await ws_api(session, sim)
    async with api.ws:
        loop = asyncio.get_running_loop()
        started = loop.time()
        request_id = await api.send("order.place", HMAC.sign(ORDER, sim.clock.now_ms()))
        await eventually(lambda: sim.engine.open_orders("default", SYMBOL) != [])  # placed at once
        answer = await api.answer(request_id)
        assert answer["status"] == 200
        assert loop.time() - started >= 0.3
        assert (await api.call("ping"))["status"] == 200  # a method no rule matches
    assert sim.faults.counts["latency"] == 1


async def test_stall_then_everything_arrives_in_order(sim: Simulator, session: aiohttp.ClientSession) -> None:
    api = await ws_api(session, sim)
    async with api.ws:
        await api.call("ping")
        loop = asyncio.get_running_loop()
        started = loop.time()
        sim.ws_api.faults.stall(0.3)
        first = await api.send("ping")
        second = await api.send("time")
        assert (await api.answer(first))["result"] == {}
        assert "serverTime" in (await api.answer(second))["result"]
        assert loop.time() - started >= 0.3
    assert sim.ws_api.faults.counts["stall"] == 1


async def test_delay_every_message(sim: Simulator, session: aiohttp.ClientSession) -> None:
    api = await ws_api(session, sim)
    async with api.ws:
        loop = asyncio.get_running_loop()
        sim.ws_api.faults.delay(0.2)
        started = loop.time()
        await api.call("ping")
        assert loop.time() - started >= 0.2
        sim.ws_api.faults.delay(0)
        await api.call("ping")
    assert sim.ws_api.faults.counts["delay"] == 1


async def test_drop_open_connections(sim: Simulator, session: aiohttp.ClientSession) -> None:
    one = await ws_api(session, sim)
    two = await ws_api(session, sim)
    async with one.ws, two.ws:
        await eventually(lambda: len(sim.ws_api.connections) == 2)
        sim.ws_api.faults.drop_open_connections()
        assert await dropped(one.ws)
        assert await dropped(two.ws)
    assert sim.ws_api.faults.counts["drop"] == 2
    await eventually(lambda: sim.ws_api.connections == [])


async def test_rules_draw_from_their_seed(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """The same seed and the same requests fire the same faults."""

    async def statuses() -> list[int]:
        sim.faults.reseed(7)
        api = await ws_api(session, sim)
        async with api.ws:
            return [(await api.call("time"))["status"] for _ in range(20)]

    sim.ws_api.faults.add(FaultRule("error_before", 0.5, path="/api/v3/time"))
    first = await statuses()
    assert 0 < first.count(503) < 20
    assert await statuses() == first


async def test_a_rule_applies_to_both_transports(sim: Simulator, session: aiohttp.ClientSession) -> None:
    sim.faults.add(FaultRule("error_before", 1.0, status=502, method="GET", path="/api/v3/time"))
    api = await ws_api(session, sim)
    async with api.ws:
        assert (await api.call("time"))["status"] == 502
        async with session.get(f"{sim.base_url}/api/v3/time") as response:
            assert response.status == 502
        sim.ws_api.faults.clear()  # the same rules
        assert (await api.call("time"))["status"] == 200
    assert sim.faults.counts["error_before"] == 2


async def test_stopping_the_simulator_closes_its_connections(session: aiohttp.ClientSession) -> None:
    simulator = make_sim()
    await simulator.start()
    api = await ws_api(session, simulator)
    await api.signed("userDataStream.subscribe.signature")
    await simulator.stop()
    assert await closed_with(api.ws) == aiohttp.WSCloseCode.GOING_AWAY
    assert simulator.ws_api.counters.close_reasons == {"server stopped": 1}
    assert simulator.engine.matcher.events.listeners == []
