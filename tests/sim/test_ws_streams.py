"""The simulator's WebSocket market streams (`binance_async.sim.ws_streams`), through aiohttp's client.

Orders go straight to the running simulator's engine (same loop, same account as its API key); REST
bodies come from plain HTTP requests, so these tests need nothing of the client library.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aiohttp import ClientWebSocketResponse

from binance_async.sim import Simulator
from binance_async.sim.config import SimConfig
from binance_async.sim.records import NewOrder
from binance_async.sim.values import Side
from binance_async.sim.ws_streams import StreamSettings

SYMBOL = "BTCUSDT"


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator(SimConfig(book_levels=60))
    simulator.streams.settings = StreamSettings(max_messages_per_second=1000)
    async with simulator:
        yield simulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def place(sim: Simulator, side: Side, type_: str, qty: str, price: str | None = None) -> None:
    order = NewOrder(
        SYMBOL,
        side,
        type_,
        quantity=Decimal(qty),
        price=None if price is None else Decimal(price),
        time_in_force="GTC" if type_ == "LIMIT" else None,
    )
    sim.engine.place(sim.key.account, order)


async def rest(session: aiohttp.ClientSession, sim: Simulator, path: str, **params: Any) -> Any:
    async with session.get(f"{sim.base_url}{path}", params={"symbol": SYMBOL, **params}) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def receive_json(ws: ClientWebSocketResponse[bool], timeout: float = 2.0) -> Any:
    message = await ws.receive(timeout=timeout)
    assert message.type == aiohttp.WSMsgType.TEXT, message
    return json.loads(message.data)


async def call(ws: ClientWebSocketResponse[bool], request: dict[str, Any]) -> Any:
    """Send a control message; the next message with an ``id`` is its answer (events are skipped)."""
    await ws.send_str(json.dumps(request))
    while True:
        body = await receive_json(ws)
        if "id" in body and ("result" in body or "error" in body):
            return body


async def test_trade_and_agg_trade_events_in_combined_framing(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    url = f"{sim.stream_url}/stream?streams=btcusdt@trade/btcusdt@aggTrade"
    async with session.ws_connect(url) as ws:
        asks = sim.market.book(SYMBOL).asks.top(3)
        sweep = asks[0][1] + asks[1][1] + (asks[2][1] / 2).quantize(Decimal("0.00001"))  # three prices
        place(sim, "BUY", "MARKET", str(sweep))
        trades = await rest(session, sim, "/api/v3/trades", limit=1000)
        aggs = await rest(session, sim, "/api/v3/aggTrades", limit=3)
        mine = [t for t in trades if t["id"] >= aggs[0]["f"]]
        received: dict[str, list[Any]] = {"btcusdt@trade": [], "btcusdt@aggTrade": []}
        while len(received["btcusdt@trade"]) < len(mine) or len(received["btcusdt@aggTrade"]) < 3:
            message = await receive_json(ws)
            assert set(message) == {"stream", "data"}
            received[message["stream"]].append(message["data"])

    for event, trade in zip(received["btcusdt@trade"], mine, strict=True):
        assert list(event) == ["e", "E", "s", "t", "p", "q", "T", "m", "M"]
        assert event["e"] == "trade"
        assert event["s"] == SYMBOL
        assert isinstance(event["E"], int)
        assert (event["t"], event["p"], event["q"], event["T"], event["m"], event["M"]) == (
            trade["id"],
            trade["price"],
            trade["qty"],
            trade["time"],
            trade["isBuyerMaker"],
            True,
        )
        assert event["m"] is False  # a taker buy: the buyer is not the maker
    prices = [event["p"] for event in received["btcusdt@aggTrade"]]
    assert prices == [format(price, ".8f") for price, _ in asks]
    for event, agg in zip(received["btcusdt@aggTrade"], aggs, strict=True):
        assert list(event) == ["e", "E", "s", "a", "p", "q", "f", "l", "T", "m", "M"]
        assert event["e"] == "aggTrade"
        assert event["s"] == SYMBOL
        assert {k: event[k] for k in agg} == agg  # a, p, q, f, l, T, m, M as REST gives them


async def test_diff_depth_rebuilds_the_rest_book(sim: Simulator, session: aiohttp.ClientSession) -> None:
    async with session.ws_connect(f"{sim.stream_url}/ws/btcusdt@depth@100ms") as ws:
        best_bid = sim.market.book(SYMBOL).best_bid()
        assert best_bid is not None
        place(sim, "BUY", "LIMIT", "0.01", str(best_bid[0] + Decimal("0.01")))  # a new level
        place(sim, "SELL", "MARKET", "0.02")  # takes it and part of the next
        snapshot = await rest(session, sim, "/api/v3/depth", limit=5000)
        place(sim, "BUY", "LIMIT", "0.003", str(best_bid[0] - Decimal("5.00")))  # joins or makes a level
        place(sim, "BUY", "MARKET", "0.05")  # sweeps asks
        final = await rest(session, sim, "/api/v3/depth", limit=5000)
        assert final["lastUpdateId"] > snapshot["lastUpdateId"]

        events: list[Any] = []
        while not events or events[-1]["u"] < final["lastUpdateId"]:
            events.append(await receive_json(ws))

    assert events[0]["U"] <= snapshot["lastUpdateId"]  # the stream started before the snapshot
    assert events[-1]["u"] == final["lastUpdateId"]
    for event in events:
        assert list(event) == ["e", "E", "s", "U", "u", "b", "a"]
        assert (event["e"], event["s"]) == ("depthUpdate", SYMBOL)
    for before, after in itertools.pairwise(events):
        assert after["U"] == before["u"] + 1  # no gaps

    # The documented algorithm.
    book = {
        "b": {price: qty for price, qty in snapshot["bids"]},
        "a": {price: qty for price, qty in snapshot["asks"]},
    }
    local_id = snapshot["lastUpdateId"]
    applied = [event for event in events if event["u"] > local_id]
    assert applied[0]["U"] <= local_id + 1 <= applied[0]["u"]
    for event in applied:
        assert event["U"] <= local_id + 1
        for side in ("b", "a"):
            for price, qty in event[side]:
                if Decimal(qty) == 0:
                    book[side].pop(price, None)
                else:
                    book[side][price] = qty
        local_id = event["u"]
    bids = sorted(book["b"].items(), key=lambda row: Decimal(row[0]), reverse=True)
    asks = sorted(book["a"].items(), key=lambda row: Decimal(row[0]))
    assert [list(row) for row in bids] == final["bids"]
    assert [list(row) for row in asks] == final["asks"]


async def test_partial_depth_and_book_ticker(sim: Simulator, session: aiohttp.ClientSession) -> None:
    async with session.ws_connect(f"{sim.stream_url}/ws/btcusdt@depth5@100ms/btcusdt@bookTicker") as ws:
        partial = await receive_json(ws)
        assert partial == await rest(session, sim, "/api/v3/depth", limit=5)
        best_bid = sim.market.book(SYMBOL).best_bid()
        assert best_bid is not None
        price = best_bid[0] + Decimal("0.01")
        place(sim, "BUY", "LIMIT", "0.01", str(price))
        while "u" not in (event := await receive_json(ws)):
            assert set(event) == {"lastUpdateId", "bids", "asks"}
        ticker = await rest(session, sim, "/api/v3/ticker/bookTicker")
        assert list(event) == ["u", "s", "b", "B", "a", "A"]
        assert event["u"] == sim.market.book(SYMBOL).last_update_id
        assert event == {
            "u": event["u"],
            "s": SYMBOL,
            "b": ticker["bidPrice"],
            "B": ticker["bidQty"],
            "a": ticker["askPrice"],
            "A": ticker["askQty"],
        }
        assert event["b"] == format(price, ".8f")
        partial = await receive_json(ws)
        assert partial["bids"][0] == [format(price, ".8f"), "0.01000000"]


async def test_subscribe_unsubscribe_list_and_properties(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(f"{sim.stream_url}/ws") as ws:
        assert await call(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 1}) == {"result": [], "id": 1}
        subscribe = {"method": "SUBSCRIBE", "params": ["btcusdt@trade", "ethusdt@depth"], "id": 2}
        assert await call(ws, subscribe) == {"result": None, "id": 2}
        listed = await call(ws, {"method": "LIST_SUBSCRIPTIONS", "id": "abc3"})
        assert listed == {"result": ["btcusdt@trade", "ethusdt@depth"], "id": "abc3"}
        unsubscribe = {"method": "UNSUBSCRIBE", "params": ["ethusdt@depth"], "id": 4}
        assert await call(ws, unsubscribe) == {"result": None, "id": 4}
        assert await call(ws, {"method": "LIST_SUBSCRIPTIONS", "id": None}) == {
            "result": ["btcusdt@trade"],
            "id": None,
        }

        place(sim, "BUY", "MARKET", "0.001")  # raw framing on /ws
        assert (await receive_json(ws))["e"] == "trade"
        assert await call(ws, {"method": "GET_PROPERTY", "params": ["combined"], "id": 5}) == {
            "result": False,
            "id": 5,
        }
        set_combined = {"method": "SET_PROPERTY", "params": ["combined", True], "id": 6}
        assert await call(ws, set_combined) == {"result": None, "id": 6}
        place(sim, "BUY", "MARKET", "0.001")
        wrapped = await receive_json(ws)
        assert wrapped["stream"] == "btcusdt@trade"
        assert wrapped["data"]["e"] == "trade"

        errors = [
            ({"method": "SUBSCRIBE", "params": ["btcusdt@nope"], "id": 7}, 2),
            ({"method": "SUBSCRIBE", "params": ["BTCUSDT@trade"], "id": 8}, 2),
            ({"method": "PUBLISH", "params": [], "id": 9}, 2),
            ({"params": [], "id": 10}, 2),
            ({"method": "SET_PROPERTY", "params": ["combined", "yes"], "id": 11}, 1),
            ({"method": "GET_PROPERTY", "params": ["colour"], "id": 12}, 0),
        ]
        for request, code in errors:
            answer = await call(ws, request)
            assert answer["id"] == request["id"]
            assert answer["error"]["code"] == code
            assert answer["error"]["msg"]
        assert (await call(ws, {"method": "SUBSCRIBE", "params": [], "id": [1]}))["error"]["code"] == 2
        await ws.send_str("{not json")
        invalid = await receive_json(ws)
        assert invalid["error"]["code"] == 3
        assert invalid["error"]["msg"].startswith("Invalid JSON")


async def test_at_most_max_streams_per_connection(sim: Simulator, session: aiohttp.ClientSession) -> None:
    sim.streams.settings = StreamSettings(max_streams=3, max_messages_per_second=1000)
    async with session.ws_connect(f"{sim.stream_url}/stream?streams=btcusdt@trade/ethusdt@trade") as ws:
        subscribe = {"method": "SUBSCRIBE", "params": ["bnbusdt@trade", "ethbtc@trade"], "id": 1}
        answer = await call(ws, subscribe)
        assert answer["error"]["code"] == 2
        assert await call(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 2}) == {
            "result": ["btcusdt@trade", "ethusdt@trade"],
            "id": 2,
        }
        subscribe["params"] = ["bnbusdt@trade", "btcusdt@trade"]  # one new stream: within the limit
        assert await call(ws, subscribe) == {"result": None, "id": 1}


async def test_unknown_stream_in_the_url_is_refused(sim: Simulator, session: aiohttp.ClientSession) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as raised:
        await session.ws_connect(f"{sim.stream_url}/ws/btcusdt@kline_2m")
    assert raised.value.status == 400


async def test_pings_and_a_connection_that_never_pongs_is_closed(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    sim.streams.settings = StreamSettings(ping_interval=0.1, pong_timeout=0.4, max_messages_per_second=1000)
    loop = asyncio.get_running_loop()
    url = f"{sim.stream_url}/ws/btcusdt@trade"
    async with (
        session.ws_connect(url, autoping=False) as polite,
        session.ws_connect(url, autoping=False) as rude,
    ):
        opened = loop.time()
        # The polite one answers every ping with its payload and outlives several pong timeouts.
        pings = 0
        while loop.time() - opened < 1.0:
            message = await polite.receive(timeout=1.0)
            assert message.type == aiohttp.WSMsgType.PING
            assert message.data
            await polite.pong(message.data)
            pings += 1
        assert pings >= 5
        assert not polite.closed

        # The rude one saw pings too, never answered, and was closed 1008 after the pong timeout.
        kinds = []
        while True:
            message = await rude.receive(timeout=1.0)
            kinds.append(message.type)
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                break
        assert kinds[0] == aiohttp.WSMsgType.PING
        assert kinds[-1] == aiohttp.WSMsgType.CLOSE
        assert message.data == aiohttp.WSCloseCode.POLICY_VIOLATION


async def test_unsolicited_pongs_do_not_keep_a_connection_alive(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    sim.streams.settings = StreamSettings(ping_interval=0.1, pong_timeout=0.3, max_messages_per_second=1000)
    async with session.ws_connect(f"{sim.stream_url}/ws", autoping=False) as ws:
        while True:
            message = await ws.receive(timeout=1.0)
            if message.type == aiohttp.WSMsgType.PING:
                await ws.pong(b"not-the-payload")
            else:
                break
        assert message.type == aiohttp.WSMsgType.CLOSE
        assert message.data == aiohttp.WSCloseCode.POLICY_VIOLATION


async def test_more_than_five_messages_a_second_closes(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    sim.streams.settings = StreamSettings()  # Binance's limits
    async with session.ws_connect(f"{sim.stream_url}/ws") as ws:
        for n in range(5):
            assert await call(ws, {"method": "LIST_SUBSCRIPTIONS", "id": n}) == {"result": [], "id": n}
        await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 5}))
        message = await ws.receive(timeout=2.0)
        assert message.type == aiohttp.WSMsgType.CLOSE
        assert message.data == aiohttp.WSCloseCode.POLICY_VIOLATION


async def test_five_messages_a_second_are_fine(sim: Simulator, session: aiohttp.ClientSession) -> None:
    sim.streams.settings = StreamSettings()
    async with session.ws_connect(f"{sim.stream_url}/ws") as ws:
        for n in range(8):
            if n == 5:
                await asyncio.sleep(1.05)
            assert await call(ws, {"method": "LIST_SUBSCRIPTIONS", "id": n}) == {"result": [], "id": n}


async def test_stopping_the_simulator_closes_its_connections() -> None:
    async with Simulator(SimConfig(book_levels=10)) as simulator, aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{simulator.stream_url}/ws/btcusdt@trade")
        await simulator.stop()
        message = await ws.receive(timeout=2.0)
        assert message.type == aiohttp.WSMsgType.CLOSE
        assert message.data == aiohttp.WSCloseCode.GOING_AWAY
        assert simulator.streams not in simulator.market.events.listeners
        await ws.close()


async def test_the_market_is_heard_only_while_someone_listens(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    assert sim.market.events.listeners == []
    async with session.ws_connect(f"{sim.stream_url}/ws/btcusdt@depth") as ws:
        assert sim.market.events.listeners == [sim.streams]
        assert await call(ws, {"method": "UNSUBSCRIBE", "params": ["btcusdt@depth"], "id": 1}) == {
            "result": None,
            "id": 1,
        }
        assert sim.market.events.listeners == []


async def test_a_simulator_in_its_own_thread_streams_engine_calls_from_another(
    session: aiohttp.ClientSession,
) -> None:
    simulator = Simulator(SimConfig(book_levels=10))
    simulator.start_in_thread()
    try:
        async with session.ws_connect(f"{simulator.stream_url}/ws/btcusdt@trade") as ws:
            place(simulator, "SELL", "MARKET", "0.001")  # from this thread, not the simulator's
            event = await receive_json(ws)
            assert (event["e"], event["s"], event["q"], event["m"]) == ("trade", SYMBOL, "0.00100000", True)
    finally:
        simulator.stop_thread()
