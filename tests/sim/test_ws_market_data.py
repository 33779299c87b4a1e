"""Klines, tickers, mini tickers and the average price on the simulator's market streams: the events of a
moment are what the REST endpoints answer at that moment.

The simulator's clock is frozen here (`FrozenClock`), so "the same moment" is exact: a stream event and
a REST body read afterwards see the same 24 h window and the same kline bar.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aiohttp import ClientWebSocketResponse

from binance_async.sim import SimClock, Simulator
from binance_async.sim.config import SimConfig
from binance_async.sim.records import NewOrder
from binance_async.sim.ws_streams import StreamSettings
from tests.sim.test_ws_streams import call, place, receive_json, rest

SYMBOL = "BTCUSDT"
#: 2026-01-05 10:20:30.123 UTC: inside a minute, an hour and a day, far from their ends.
FROZEN_MS = 1_767_608_430_123


class FrozenClock(SimClock):
    """The simulator's clock standing still until a test advances it."""

    def __init__(self, now_ms: int = FROZEN_MS) -> None:
        super().__init__(now_ms)
        self._now = now_ms

    def now_ms(self) -> int:
        return self._now

    def advance(self, ms: float) -> None:
        self._now += int(ms)


FAST = StreamSettings(
    max_messages_per_second=1000,
    kline_period=0.05,
    kline_1s_period=0.05,
    ticker_period=0.05,
    fast_period=0.05,
    slow_period=0.05,
)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator(SimConfig(book_levels=60, extra_symbols=3), clock=FrozenClock())
    simulator.streams.settings = FAST
    async with simulator:
        yield simulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def receive_until(
    ws: ClientWebSocketResponse[bool], done: Callable[[Any], bool], timeout: float = 5.0
) -> Any:
    """The first message `done` accepts (earlier ones are skipped), within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        message = await receive_json(ws, timeout=max(deadline - time.monotonic(), 0.01))
        if done(message):
            return message


def last_trade_id(sim: Simulator, symbol: str = SYMBOL) -> int:
    return sim.market.tape(symbol).last_id


async def test_kline_event_is_the_rest_bar_of_the_moment(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(f"{sim.stream_url}/ws/btcusdt@kline_1m") as ws:
        place(sim, "BUY", "MARKET", "0.002")
        place(sim, "SELL", "MARKET", "0.001")
        last_id = last_trade_id(sim)
        event = await receive_until(ws, lambda e: e["k"]["L"] == last_id)

    assert list(event) == ["e", "E", "s", "k"]
    assert list(event["k"]) == [
        *("t", "T", "s", "i", "f", "L", "o", "c", "h", "l", "v", "n", "x", "q", "V", "Q", "B"),
    ]
    assert (event["e"], event["E"], event["s"]) == ("kline", FROZEN_MS, SYMBOL)
    k = event["k"]
    assert (k["s"], k["i"], k["x"]) == (SYMBOL, "1m", False)
    assert k["t"] == FROZEN_MS // 60_000 * 60_000
    [row] = await rest(session, sim, "/api/v3/klines", interval="1m", startTime=k["t"], limit=1)
    assert [k[f] for f in ("t", "o", "h", "l", "c", "v", "T", "q", "n", "V", "Q", "B")] == row
    trades = await rest(session, sim, "/api/v3/trades", limit=1000)
    in_bar = [t["id"] for t in trades if k["t"] <= t["time"] <= k["T"]]
    assert (k["f"], k["L"], k["n"]) == (in_bar[0], in_bar[-1], len(in_bar))


async def test_a_closed_bar_is_sent_once_with_x_true(sim: Simulator, session: aiohttp.ClientSession) -> None:
    async with session.ws_connect(f"{sim.stream_url}/ws/btcusdt@kline_1m") as ws:
        first = (await receive_json(ws))["k"]
        place(sim, "BUY", "MARKET", "0.001")
        last_id = last_trade_id(sim)
        await receive_until(ws, lambda e: e["k"]["L"] == last_id)
        sim.clock.advance(60_000)  # the bar ends
        closed = await receive_until(ws, lambda e: e["k"]["x"])
        following = await receive_json(ws)
        again = await receive_json(ws)

    assert closed["k"]["t"] == first["t"]
    assert closed["k"]["L"] == last_id
    [row] = await rest(session, sim, "/api/v3/klines", interval="1m", startTime=first["t"], limit=1)
    assert closed["k"]["c"] == row[4]
    assert closed["k"]["n"] == row[8]
    k = following["k"]  # the new bar: no trade yet, the last close carried
    assert (k["t"], k["x"], k["n"], k["f"], k["L"]) == (first["t"] + 60_000, False, 0, -1, -1)
    assert k["o"] == k["h"] == k["l"] == k["c"] == row[4]
    assert k["v"] == "0.00000000"
    assert again["k"]["t"] == k["t"]
    assert again["k"]["x"] is False  # the closed bar went once


async def test_kline_1s_and_time_zone_streams(sim: Simulator, session: aiohttp.ClientSession) -> None:
    sim.streams.settings = StreamSettings(
        max_messages_per_second=1000, kline_period=3600.0, kline_1s_period=0.05
    )
    async with session.ws_connect(f"{sim.stream_url}/ws/btcusdt@kline_1s") as ws:
        k = (await receive_json(ws))["k"]
        assert (k["i"], k["t"], k["T"]) == ("1s", FROZEN_MS // 1000 * 1000, FROZEN_MS // 1000 * 1000 + 999)

    sim.streams.settings = FAST
    async with session.ws_connect(f"{sim.stream_url}/ws/btcusdt@kline_1d@+08:00") as ws:
        k = (await receive_json(ws))["k"]
    [row] = await rest(session, sim, "/api/v3/klines", interval="1d", timeZone="8", limit=1)
    assert k["i"] == "1d"
    assert (k["t"], k["T"], k["o"], k["c"], k["n"]) == (row[0], row[6], row[1], row[4], row[8])
    assert (k["t"] + 8 * 3_600_000) % 86_400_000 == 0  # opens at midnight UTC+8


async def test_ticker_mini_ticker_and_avg_price_agree_with_rest(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    names = "btcusdt@ticker/btcusdt@miniTicker/btcusdt@avgPrice"
    async with session.ws_connect(f"{sim.stream_url}/stream?streams={names}") as ws:
        place(sim, "BUY", "MARKET", "0.003")
        last_id = last_trade_id(sim)
        got: dict[str, Any] = {}

        def fresh(message: Any) -> bool:
            data = message["data"]
            if message["stream"] == "btcusdt@ticker" and data["L"] != last_id:
                return False  # from before the trade
            got.setdefault(message["stream"], data)
            return len(got) == 3

        await receive_until(ws, fresh)
    full = await rest(session, sim, "/api/v3/ticker/24hr")
    mini = await rest(session, sim, "/api/v3/ticker/24hr", type="MINI")
    average = await rest(session, sim, "/api/v3/avgPrice")

    ticker = got["btcusdt@ticker"]
    assert list(ticker) == [
        *("e", "E", "s", "p", "P", "w", "x", "c", "Q", "b", "B", "a", "A"),
        *("o", "h", "l", "v", "q", "O", "C", "F", "L", "n"),
    ]
    assert (ticker["e"], ticker["E"], ticker["s"]) == ("24hrTicker", FROZEN_MS, SYMBOL)
    renamed = {
        "p": "priceChange",
        "P": "priceChangePercent",
        "w": "weightedAvgPrice",
        "x": "prevClosePrice",
        "c": "lastPrice",
        "Q": "lastQty",
        "b": "bidPrice",
        "B": "bidQty",
        "a": "askPrice",
        "A": "askQty",
        "o": "openPrice",
        "h": "highPrice",
        "l": "lowPrice",
        "v": "volume",
        "q": "quoteVolume",
        "O": "openTime",
        "C": "closeTime",
        "F": "firstId",
        "L": "lastId",
        "n": "count",
    }
    assert {key: ticker[key] for key in renamed} == {key: full[name] for key, name in renamed.items()}
    assert ticker["L"] == last_id

    mini_event = got["btcusdt@miniTicker"]
    assert mini_event == {
        "e": "24hrMiniTicker",
        "E": FROZEN_MS,
        "s": SYMBOL,
        "c": mini["lastPrice"],
        "o": mini["openPrice"],
        "h": mini["highPrice"],
        "l": mini["lowPrice"],
        "v": mini["volume"],
        "q": mini["quoteVolume"],
    }
    assert got["btcusdt@avgPrice"] == {
        "e": "avgPrice",
        "E": FROZEN_MS,
        "s": SYMBOL,
        "i": "5m",
        "w": average["price"],
        "T": average["closeTime"],
    }


async def test_all_mini_tickers_carry_only_the_changed_ones(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    configured = [spec.symbol for spec in sim.config.symbols]
    async with session.ws_connect(f"{sim.stream_url}/ws/!miniTicker@arr") as ws:
        first = await receive_json(ws)  # everything is new to the stream
        assert [m["s"] for m in first] == configured
        for mini in first:
            assert list(mini) == ["e", "E", "s", "c", "o", "h", "l", "v", "q"]
            assert mini["e"] == "24hrMiniTicker"

        place(sim, "BUY", "MARKET", "0.001")
        changed = await receive_json(ws)
        assert [m["s"] for m in changed] == [SYMBOL]
        body = await rest(session, sim, "/api/v3/ticker/24hr", type="MINI")
        assert (changed[0]["c"], changed[0]["v"]) == (body["lastPrice"], body["volume"])

        # A generated symbol joins once it trades.
        order = NewOrder("SYM0002USDT", "BUY", "MARKET", quote_order_qty=Decimal("50"))
        sim.engine.place(sim.key.account, order)
        changed = await receive_json(ws)
        assert [m["s"] for m in changed] == ["SYM0002USDT"]


async def test_new_stream_names_parse_and_bad_ones_are_refused(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(f"{sim.stream_url}/ws") as ws:
        good = [
            "btcusdt@kline_1M",
            "btcusdt@kline_1w",
            "btcusdt@kline_1h@-03:30",
            "ethbtc@ticker",
            "ethbtc@miniTicker",
            "ethbtc@avgPrice",
            "!miniTicker@arr",
        ]
        assert await call(ws, {"method": "SUBSCRIBE", "params": good, "id": 1}) == {"result": None, "id": 1}
    for bad in ("btcusdt@kline_7m", "btcusdt@kline_1h@+15:00", "btcusdt@kline_1h@8", "!ticker@arr"):
        with pytest.raises(aiohttp.WSServerHandshakeError) as raised:
            await session.ws_connect(f"{sim.stream_url}/ws/{bad}")
        assert raised.value.status == 400
