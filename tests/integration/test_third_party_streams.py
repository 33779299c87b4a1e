"""python-binance's WebSocket side, unmodified, against the simulator's market streams.

python-binance is pointed at the simulator only through attributes it exposes: the REST client's
``API_URL`` (as in ``test_third_party.py``) and the socket manager's ``STREAM_URL``. Its sockets then
connect exactly as they would to Binance: ``STREAM_URL + "ws/<stream>"`` for one stream and
``STREAM_URL + "stream?streams=<a>/<b>"`` for a multiplex socket.

* its trade socket, and a multiplex socket of two trade streams, receive the market-maker's trades with
  Binance's fields, the same trades ``GET /api/v3/trades`` lists;
* its `DepthCacheManager` (defaults: a 500-level snapshot, ``<symbol>@depth`` every second, no periodic
  refresh) keeps BTCUSDT's book while the market-maker runs; once the maker stops and both books have
  applied the simulator's last update id, its levels equal the simulator's REST depth and our own
  ``client.order_book`` (on the same simulator, ``@depth@100ms``, a 5000-level snapshot).

Two things python-binance's cache relies on, both Binance's and the simulator's behaviour: a level is
removed only when its quantity is the exact string ``"0.00000000"`` (a ``"0"`` would stay in its cache
as a zero level); and since it fetches its snapshot before its socket connects, its first diff starts
after that snapshot, so it fetches a second one, applies that first (older) diff over it and carries on
from the diff's ``u``: its book is right again once the next diffs are applied, hence the comparison
only after settling.
"""

from __future__ import annotations

import pytest

pytest.importorskip("binance", reason="python-binance is not installed (pip install python-binance)")

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from binance import AsyncClient, BinanceSocketManager, DepthCacheManager

from binance_async import SpotClient
from binance_async.sim import SimConfig, Simulator
from binance_async.sim.ws_streams import StreamSettings
from tests.unit.helpers import until

SYMBOL = "BTCUSDT"
OTHER = "ETHUSDT"
#: A trade event's fields, as Binance documents them (web-socket-streams.md, "Trade Streams").
TRADE_FIELDS = {"e", "E", "s", "t", "p", "q", "T", "m", "M"}
#: The levels a side compared between the books. python-binance's cache knows the 500 levels of its
#: snapshot (its default ``limit``) and whatever the diffs touched since: a level that was below its
#: 500th when it took the snapshot, untouched since, and that rose into the top 500 (the maker cancels
#: its levels above it; a market order takes some) is missing from its cache, as it would be against
#: Binance. The maker moves the top by a few dozen levels at most, so the first 250 are known to all.
COMPARED = 250
#: How long python-binance's socket waits for a frame before it looks whether it was asked to close.
SOCKET_POLL = 0.2

Levels = list[tuple[Decimal, Decimal]]


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    """A simulator with Binance's deep books (5000 levels a side) and a market-maker on two symbols."""
    simulator = Simulator(SimConfig(activity_rate=150.0, activity_symbols=(SYMBOL, OTHER)))
    # Pings every 0.25 s, a connection closed after 2 s without a pong (Binance: 20 s and a minute), so
    # that a few seconds also show python-binance's sockets answering pings (see `no_pong_timeout`).
    simulator.streams.settings = StreamSettings(ping_interval=0.25, pong_timeout=2.0)
    async with simulator:
        yield simulator


@pytest.fixture
async def pb_client(sim: Simulator) -> AsyncIterator[AsyncClient]:
    """python-binance's async REST client on the simulator (market data: no key needed)."""
    client = AsyncClient()
    client.API_URL = f"{sim.base_url}/api"  # public attribute; the docs do this for the testnet
    try:
        yield client
    finally:
        await client.close_connection()


@pytest.fixture
def manager(sim: Simulator, pb_client: AsyncClient) -> BinanceSocketManager:
    """python-binance's socket manager on the simulator's stream server."""
    bm = BinanceSocketManager(pb_client)
    # STREAM_URL is the base of every spot socket: the class says "wss://stream.binance.{}:9443/" and
    # __init__ stores it on the instance formatted with the client's tld; `_get_stream_url` then returns
    # it (the client is neither testnet nor demo) and each socket appends "ws/<stream>" or
    # "stream?streams=<a>/<b>". Setting it on the instance, after __init__, is all it takes.
    bm.STREAM_URL = f"{sim.stream_url}/"
    return bm


def quick_to_close(socket: Any) -> Any:
    """`socket` (a python-binance ReconnectingWebsocket), closing at once even on a quiet stream.

    Its read loop waits up to ``TIMEOUT`` (a class attribute, 10 s) for a frame before it looks whether
    it was asked to exit, so closing a socket whose stream went quiet (the maker stopped) would take
    that long. Set on the instance: only how often the loop looks changes, never what it receives.
    """
    socket.TIMEOUT = SOCKET_POLL
    return socket


def no_pong_timeout(sim: Simulator) -> None:
    assert "pong timeout" not in sim.streams.counters.close_reasons, sim.streams.counters


async def next_message(socket: Any) -> dict[str, Any]:
    message: dict[str, Any] = await asyncio.wait_for(socket.recv(), timeout=10)
    assert message.get("e") != "error", f"python-binance's socket reported {message}"
    return message


def check_trades(symbol: str, events: list[dict[str, Any]], tape: list[dict[str, Any]]) -> None:
    """`events` are Binance trade events of `symbol`, consecutive, each the trade the REST tape lists."""
    by_id = {trade["id"]: trade for trade in tape}
    ids = [event["t"] for event in events]
    assert ids == list(range(ids[0], ids[0] + len(ids))), "trade ids not consecutive"
    for event in events:
        assert set(event) == TRADE_FIELDS, event
        assert event["e"] == "trade" and event["s"] == symbol and event["M"] is True
        assert isinstance(event["E"], int) and isinstance(event["T"], int) and event["T"] <= event["E"]
        assert Decimal(event["p"]) > 0 and Decimal(event["q"]) > 0
        trade = by_id.get(event["t"])
        assert trade is not None, f"trade {event['t']} is not on the REST tape"
        assert (event["p"], event["q"], event["T"], event["m"]) == (
            trade["price"],
            trade["qty"],
            trade["time"],
            trade["isBuyerMaker"],
        )


async def test_trade_socket_receives_the_simulators_trades(
    sim: Simulator, pb_client: AsyncClient, manager: BinanceSocketManager
) -> None:
    sim.start_activity(seed=11)
    events: list[dict[str, Any]] = []
    async with quick_to_close(manager.trade_socket(SYMBOL)) as socket:
        while len(events) < 20:
            events.append(await next_message(socket))
    tape = await pb_client.get_recent_trades(symbol=SYMBOL, limit=1000)
    sim.stop_activity()
    check_trades(SYMBOL, events, tape)
    no_pong_timeout(sim)


async def test_multiplex_socket_receives_both_streams(
    sim: Simulator, pb_client: AsyncClient, manager: BinanceSocketManager
) -> None:
    sim.start_activity(seed=12)
    streams = {f"{SYMBOL.lower()}@trade": SYMBOL, f"{OTHER.lower()}@trade": OTHER}
    events: dict[str, list[dict[str, Any]]] = {name: [] for name in streams}
    async with quick_to_close(manager.multiplex_socket(list(streams))) as socket:
        while min(len(received) for received in events.values()) < 5:
            message = await next_message(socket)
            assert set(message) == {"stream", "data"}, message  # Binance's combined-stream wrapper
            events[message["stream"]].append(message["data"])
    tapes = {
        symbol: await pb_client.get_recent_trades(symbol=symbol, limit=1000) for symbol in streams.values()
    }
    sim.stop_activity()
    for name, symbol in streams.items():
        check_trades(symbol, events[name], tapes[symbol])
    no_pong_timeout(sim)


def decimals(rows: list[list[str]]) -> Levels:
    return [(Decimal(price), Decimal(qty)) for price, qty in rows]


def cached(rows: list[list[Decimal]]) -> Levels:
    return [(price, qty) for price, qty in rows]


async def test_depth_cache_equals_the_simulator_and_our_book(
    sim: Simulator, pb_client: AsyncClient, manager: BinanceSocketManager
) -> None:
    # The manager gets its socket from `manager.depth_socket(SYMBOL)` (default ws_interval: the 1 s
    # "@depth"), which the socket manager keeps one of per stream: this is that very socket.
    quick_to_close(manager.depth_socket(SYMBOL))
    # conv_type=Decimal (a constructor argument): exact levels to compare, not floats.
    dcm = DepthCacheManager(pb_client, SYMBOL, bm=manager, conv_type=Decimal)
    errors: list[dict[str, Any]] = []

    def applied_id() -> int:
        # The last update id python-binance applied: it keeps it in `_last_update_id` and has no public
        # reader for it (read only; the depth cache's `update_time` is the event time).
        return dcm._last_update_id or 0

    async def read() -> None:
        """python-binance applies a diff only when `recv` is called: call it as a user's loop would."""
        while True:
            result = await dcm.recv()
            if isinstance(result, dict):  # an error reported by the socket, else the depth cache
                errors.append(result)

    sim.start_activity(seed=13)
    start = sim.market.depth_body(SYMBOL, limit=1)["lastUpdateId"]
    ours = SpotClient(sim.api_key, sim.api_secret, base_url=sim.base_url)
    async with ours, ours.order_book(SYMBOL) as book, dcm:
        reader = asyncio.create_task(read())
        try:
            await until(lambda: min(applied_id(), book.last_update_id) > start + 200, timeout=10)
            sim.stop_activity()
            final = (await pb_client.get_order_book(symbol=SYMBOL, limit=1))["lastUpdateId"]
            await until(lambda: applied_id() == book.last_update_id == final, timeout=5)
            rest = await pb_client.get_order_book(symbol=SYMBOL, limit=5000)
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
        ours_bids, ours_asks = book.bids(COMPARED), book.asks(COMPARED)
        assert not book.stale
        cache = dcm.get_depth_cache()
        assert cache is not None
        theirs_bids, theirs_asks = cached(cache.get_bids()), cached(cache.get_asks())

    assert errors == []
    assert rest["lastUpdateId"] == final
    rest_bids, rest_asks = decimals(rest["bids"])[:COMPARED], decimals(rest["asks"])[:COMPARED]
    assert len(rest_bids) == len(rest_asks) == COMPARED
    assert len(theirs_bids) >= COMPARED and len(theirs_asks) >= COMPARED
    assert theirs_bids[:COMPARED] == rest_bids == ours_bids
    assert theirs_asks[:COMPARED] == rest_asks == ours_asks
    no_pong_timeout(sim)
