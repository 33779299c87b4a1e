"""`SpotClient.order_book` / `order_books` on the socket fake and a routed transport for the snapshots."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from binance_async import SpotClient
from binance_async.errors import ParameterError, StreamClosedError
from binance_async.streams.config import StreamConfig
from binance_async.testing import (
    MockConnector,
    MockTransport,
    Request,
    Response,
    Router,
    json_response,
    params,
)
from tests.unit.helpers import until

CONFIG = StreamConfig(backoff_base=0.01, backoff_cap=0.05, control_rate=1000.0)
STREAM = "btcusdt@depth@100ms"


def diff(
    first: int,
    last: int,
    bids: list[list[str]] | None = None,
    asks: list[list[str]] | None = None,
    symbol: str = "BTCUSDT",
) -> dict[str, Any]:
    return {
        "e": "depthUpdate",
        "E": 1_700_000_000_000 + last,
        "s": symbol,
        "U": first,
        "u": last,
        "b": bids or [],
        "a": asks or [],
    }


class Snapshots:
    """Answers ``GET /api/v3/depth`` with the snapshots queued, in order, and records the symbols asked."""

    def __init__(self) -> None:
        self.queued: list[dict[str, Any]] = []
        self.asked: list[tuple[str, str]] = []
        self.ready = asyncio.Event()

    def add(self, last_update_id: int, bids: list[list[str]], asks: list[list[str]]) -> None:
        self.queued.append({"lastUpdateId": last_update_id, "bids": bids, "asks": asks})
        self.ready.set()

    async def __call__(self, request: Request) -> Response:
        query = dict(params(request))
        self.asked.append((query["symbol"], query["limit"]))
        while not self.queued:
            self.ready.clear()
            await self.ready.wait()
        return json_response(self.queued.pop(0))


@pytest.fixture
def snapshots() -> Snapshots:
    return Snapshots()


@pytest.fixture
def connector() -> MockConnector:
    return MockConnector()


@pytest.fixture
async def client(snapshots: Snapshots, connector: MockConnector) -> AsyncIterator[SpotClient]:
    router = Router()
    router.get("/api/v3/depth", snapshots, times=None)
    async with SpotClient(
        transport=MockTransport(router),
        connector=connector,
        stream_url="wss://x.example",
        stream_config=CONFIG,
    ) as c:
        yield c


async def test_book_follows_the_documented_algorithm(
    client: SpotClient, connector: MockConnector, snapshots: Snapshots
) -> None:
    book = client.order_book("BTCUSDT", depth=100)
    entering = asyncio.ensure_future(book.__aenter__())
    socket = await connector.next_socket()
    await until(lambda: socket.streams == [STREAM])
    socket.feed_event(STREAM, diff(95, 100, bids=[["99", "1"]]))  # older than the snapshot: dropped
    socket.feed_event(STREAM, diff(101, 103, bids=[["100", "2"]], asks=[["102", "0"]]))  # straddles it
    await until(lambda: bool(snapshots.asked))
    assert snapshots.asked == [("BTCUSDT", "100")]
    assert book.stale
    snapshots.add(102, bids=[["100", "1"], ["99", "5"]], asks=[["101", "1"], ["102", "3"]])
    await asyncio.wait_for(entering, 5)
    assert not book.stale and book.last_update_id == 103
    assert book.bids() == [(Decimal("100"), Decimal("2")), (Decimal("99"), Decimal("5"))]
    assert book.asks() == [(Decimal("101"), Decimal("1"))]
    waiting = asyncio.ensure_future(book.wait_update())
    await asyncio.sleep(0)
    socket.feed_event(STREAM, diff(104, 104, asks=[["100.5", "0.25"]]))
    await asyncio.wait_for(waiting, 5)
    assert book.best_ask() == (Decimal("100.5"), Decimal("0.25"))
    assert book.best_bid() == (Decimal("100"), Decimal("2"))
    assert book.levels() == ([("100", "2"), ("99", "5")], [("100.5", "0.25"), ("101", "1")])
    await book.aclose()


async def ready_book(
    client: SpotClient, connector: MockConnector, snapshots: Snapshots, last: int = 10
) -> Any:
    snapshots.add(last, bids=[["100", "1"]], asks=[["101", "1"]])
    book = await client.order_book("BTCUSDT", depth=100).__aenter__()
    return book, await connector.next_socket()


async def test_a_gap_rebuilds_the_book_from_a_new_snapshot(
    client: SpotClient, connector: MockConnector, snapshots: Snapshots
) -> None:
    book, socket = await ready_book(client, connector, snapshots)
    socket.feed_event(STREAM, diff(11, 11, bids=[["100", "3"]]))
    await until(lambda: book.last_update_id == 11)
    socket.feed_event(STREAM, diff(13, 14, bids=[["100", "4"]]))  # 12 never came
    await until(lambda: len(snapshots.asked) == 2)
    assert book.stale and book.gaps == 1
    snapshots.add(14, bids=[["100", "4"], ["98", "1"]], asks=[["101", "1"]])
    await until(lambda: not book.stale)
    assert (book.resyncs, book.last_update_id) == (1, 14)
    assert book.bids() == [(Decimal("100"), Decimal("4")), (Decimal("98"), Decimal("1"))]
    await book.aclose()


async def test_a_crossed_book_is_rebuilt(
    client: SpotClient, connector: MockConnector, snapshots: Snapshots
) -> None:
    book, socket = await ready_book(client, connector, snapshots)
    socket.feed_event(STREAM, diff(11, 11, bids=[["101.5", "1"]]))  # a bid above the best ask
    await until(lambda: len(snapshots.asked) == 2)
    assert book.stale and book.crossed == 1
    snapshots.add(11, bids=[["100", "1"]], asks=[["101", "1"]])
    await until(lambda: not book.stale)
    assert book.resyncs == 1
    await book.aclose()


async def test_a_lost_connection_makes_the_book_stale_until_continuity_is_shown(
    client: SpotClient, connector: MockConnector, snapshots: Snapshots
) -> None:
    book, socket = await ready_book(client, connector, snapshots)
    socket.drop()
    second = await connector.next_socket()
    await until(lambda: second.streams == [STREAM])
    assert book.stale and book.state == "suspect"
    second.feed_event(STREAM, diff(11, 12, bids=[["100", "2"]]))  # follows on from 10: nothing missed
    await until(lambda: not book.stale)
    assert len(snapshots.asked) == 1 and book.last_update_id == 12
    await book.aclose()


async def test_a_lost_connection_with_missed_updates_resyncs(
    client: SpotClient, connector: MockConnector, snapshots: Snapshots
) -> None:
    book, socket = await ready_book(client, connector, snapshots)
    socket.drop()
    second = await connector.next_socket()
    await until(lambda: second.streams == [STREAM])
    second.feed_event(STREAM, diff(20, 21))  # 11..19 happened while away
    await until(lambda: len(snapshots.asked) == 2)
    assert book.stale
    snapshots.add(21, bids=[["100", "9"]], asks=[["101", "1"]])
    await until(lambda: not book.stale)
    assert book.best_bid() == (Decimal("100"), Decimal("9"))
    await book.aclose()


async def test_updates_iterate_without_holding_the_book_back(
    client: SpotClient, connector: MockConnector, snapshots: Snapshots
) -> None:
    book, socket = await ready_book(client, connector, snapshots)
    updates = book.__aiter__()
    for i in range(11, 11 + 1500):  # more than the update queue holds (1000)
        socket.feed_event(STREAM, diff(i, i, bids=[["100", str(i)]]))
    await until(lambda: book.last_update_id == 1510)
    assert book.best_bid() == (Decimal("100"), Decimal("1510"))
    assert book.updates_dropped == 500
    first = await asyncio.wait_for(updates.__anext__(), 5)
    assert first.final_update_id == 511
    await book.aclose()


async def test_many_books_share_a_connection_and_queue_their_snapshots(
    client: SpotClient, connector: MockConnector, snapshots: Snapshots
) -> None:
    symbols = ["BTCUSDT", "ETHUSDT", "BNBUSDT"]
    async with client.order_books(symbols, depth=50) as books:
        [socket] = connector.sockets
        assert sorted(socket.streams) == sorted(f"{s.lower()}@depth@100ms" for s in symbols)
        for _ in range(3):
            snapshots.add(5, bids=[["1", "1"]], asks=[["2", "1"]])
        await asyncio.wait_for(books.wait_ready(), 5)
        assert sorted(s for s, _ in snapshots.asked) == sorted(symbols)
        assert books.stale == [] and len(books) == 3
        assert books["ETHUSDT"].best_ask() == (Decimal("2"), Decimal("1"))
    assert socket.closed


async def test_bad_symbols_are_refused_before_subscribing(
    client: SpotClient, connector: MockConnector
) -> None:
    with pytest.raises(ParameterError):
        client.order_book("btcusdt")
    assert connector.attempts == []


async def test_a_closed_book_keeps_its_last_state(
    client: SpotClient, connector: MockConnector, snapshots: Snapshots
) -> None:
    book, _ = await ready_book(client, connector, snapshots)
    await book.aclose()
    assert book.best_bid() == (Decimal("100"), Decimal("1"))
    with pytest.raises(StreamClosedError):
        await book.wait_update()


@pytest.mark.parametrize("exchange_id", [10, 12])
async def test_a_quiet_book_probes_after_a_reconnect(
    client: SpotClient,
    connector: MockConnector,
    snapshots: Snapshots,
    monkeypatch: pytest.MonkeyPatch,
    exchange_id: int,
) -> None:
    monkeypatch.setattr("binance_async.streams.books.PROBE_AFTER", 0.01)
    book, socket = await ready_book(client, connector, snapshots)
    socket.drop()
    second = await connector.next_socket()
    await until(lambda: len(snapshots.asked) == 2)  # no update comes: a probe asks where Binance is
    assert snapshots.asked[1] == ("BTCUSDT", "5") and book.state == "suspect"
    snapshots.add(exchange_id, bids=[["100", "1"]], asks=[["101", "1"]])
    if exchange_id == 10:  # still where we are: nothing was missed
        await until(lambda: not book.stale)
        assert (book.resyncs, len(snapshots.asked)) == (0, 2)
    else:  # it moved on while we were away: rebuilt from a full snapshot
        await until(lambda: len(snapshots.asked) == 3)
        assert snapshots.asked[2] == ("BTCUSDT", "100") and book.stale and book.gaps == 1
        snapshots.add(12, bids=[["100", "7"]], asks=[["101", "1"]])
        await until(lambda: not book.stale)
        assert book.best_bid() == (Decimal("100"), Decimal("7"))
    assert second.streams == [STREAM]
    await book.aclose()


async def test_a_snapshot_asked_for_before_a_reconnect_is_not_trusted(
    client: SpotClient,
    connector: MockConnector,
    snapshots: Snapshots,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A snapshot in flight when the connection drops was taken while nothing was subscribed (or before
    the new subscription): updates made meanwhile never come on the new connection, and in a quiet
    market no later update would show the gap. Its answer is left unused and a probe asked for instead."""
    monkeypatch.setattr("binance_async.streams.books.PROBE_AFTER", 0.01)
    book, socket = await ready_book(client, connector, snapshots)
    socket.feed_event(STREAM, diff(20, 21))  # a gap: a new snapshot is asked for
    await until(lambda: len(snapshots.asked) == 2)
    socket.drop()  # ... and the connection goes while it is in flight
    second = await connector.next_socket()
    await until(lambda: second.streams == [STREAM])
    snapshots.add(25, bids=[["100", "3"]], asks=[["101", "1"]])  # the old request's answer: not used
    await until(lambda: book.snapshots_discarded == 1)
    assert book.stale
    await until(lambda: len(snapshots.asked) == 3)  # asked again, now that the stream is subscribed
    assert snapshots.asked[2] == ("BTCUSDT", "100")
    snapshots.add(30, bids=[["100", "4"]], asks=[["101", "1"]])
    await until(lambda: not book.stale)
    assert book.last_update_id == 30 and book.best_bid() == (Decimal("100"), Decimal("4"))
    await book.aclose()


async def test_a_snapshot_that_came_while_away_is_asked_for_again_once_back(
    client: SpotClient, connector: MockConnector, snapshots: Snapshots
) -> None:
    """The answer came while the connection was down (left unused); reconnected, the book asks again by
    itself rather than wait for an update that a quiet market may never send."""
    book, socket = await ready_book(client, connector, snapshots)
    socket.feed_event(STREAM, diff(20, 21))
    await until(lambda: len(snapshots.asked) == 2)
    connector.refuse(50)  # the connection stays down a while
    socket.drop()
    await until(lambda: book.stale and not book._subscribed)
    snapshots.add(25, bids=[["100", "3"]], asks=[["101", "1"]])
    await until(lambda: book.snapshots_discarded == 1)
    assert len(snapshots.asked) == 2  # not while away
    connector._refusals = 0
    await until(lambda: len(snapshots.asked) == 3)
    snapshots.add(30, bids=[["100", "4"]], asks=[["101", "1"]])
    await until(lambda: not book.stale)
    assert book.last_update_id == 30
    await book.aclose()
