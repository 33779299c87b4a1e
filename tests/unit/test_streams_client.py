"""`SpotClient.stream` on the socket-level fake (`binance_async.testing.MockConnector`): subscribing,
typed events, pings, reconnects, the watchdog, make-before-break switches, pacing, limits, overflow."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from binance_async import SpotClient
from binance_async.errors import (
    ClientClosedError,
    ParameterError,
    StreamClosedError,
    StreamOverflowError,
    SubscriptionError,
)
from binance_async.streams import Trade
from binance_async.streams.config import StreamConfig
from binance_async.streams.hub import EventStream, StreamStatus
from binance_async.testing import MockConnector, MockTransport, MockWebSocket, Router
from tests.unit.helpers import until

FAST = StreamConfig(silence_timeout=30.0, backoff_base=0.01, backoff_cap=0.05, control_rate=1000.0)


def trade(trade_id: int, price: str = "65000.01", symbol: str = "BTCUSDT") -> dict[str, Any]:
    return {
        "e": "trade",
        "E": 1000 + trade_id,
        "s": symbol,
        "t": trade_id,
        "p": price,
        "q": "0.5",
        "T": 1000 + trade_id,
        "m": False,
    }


async def next_event(events: EventStream, timeout: float = 5.0) -> Any:
    return await asyncio.wait_for(events.__anext__(), timeout)


def fake_client(connector: MockConnector, config: StreamConfig = FAST) -> SpotClient:
    """A client whose sockets are `connector`'s fakes (and no HTTP route: nothing here needs one)."""
    return SpotClient(
        transport=MockTransport(Router()),
        connector=connector,
        stream_url="wss://x.example",
        stream_config=config,
    )


@pytest.fixture
def connector() -> MockConnector:
    return MockConnector()


@pytest.fixture
async def client(connector: MockConnector) -> AsyncIterator[SpotClient]:
    async with fake_client(connector) as c:
        yield c


async def test_events_arrive_typed_with_their_stream(client: SpotClient, connector: MockConnector) -> None:
    async with client.stream("btcusdt@trade") as events:
        [socket] = connector.sockets
        assert socket.url == "wss://x.example/stream"
        assert socket.subscribe_requests == [{"method": "SUBSCRIBE", "params": ["btcusdt@trade"], "id": 1}]
        socket.feed_event("btcusdt@trade", trade(7))
        event = await next_event(events)
    assert isinstance(event, Trade)
    assert (event.stream, event.trade_id, event.price) == ("btcusdt@trade", 7, Decimal("65000.01"))


async def test_default_stream_url_follows_base_url() -> None:
    assert SpotClient().stream_url == "wss://stream.binance.com:9443"
    assert (
        SpotClient(base_url="https://testnet.binance.vision").stream_url
        == "wss://stream.testnet.binance.vision"
    )
    assert SpotClient(base_url="http://127.0.0.1:8123").stream_url == "ws://127.0.0.1:8123"


async def test_stream_names_are_checked_before_connecting(
    client: SpotClient, connector: MockConnector
) -> None:
    with pytest.raises(ParameterError, match="send 'btcusdt@trade'"):
        client.stream("BTCUSDT@trade")
    with pytest.raises(ParameterError):
        client.stream("btcusdt trade")
    assert connector.attempts == []


async def test_two_subscribers_share_one_subscription(client: SpotClient, connector: MockConnector) -> None:
    async with (
        client.stream("btcusdt@trade") as first,
        client.stream("btcusdt@trade", "ethusdt@trade") as second,
    ):
        [socket] = connector.sockets
        assert socket.streams == ["btcusdt@trade", "ethusdt@trade"]
        socket.feed_event("btcusdt@trade", trade(1))
        socket.feed_event("ethusdt@trade", trade(2, symbol="ETHUSDT"))
        assert (await next_event(first)).trade_id == 1
        assert [(await next_event(second)).trade_id for _ in range(2)] == [1, 2]
        assert first.queued == 0
    await until(lambda: socket.closed)  # the last subscriber gone: the connection closes


async def test_unsubscribe_when_the_last_listener_leaves(
    client: SpotClient, connector: MockConnector
) -> None:
    async with client.stream("btcusdt@trade", "ethusdt@trade") as events:
        socket = connector.sockets[0]
        await events.unsubscribe("ethusdt@trade")
        assert socket.streams == ["btcusdt@trade"]
        assert events.streams == ("btcusdt@trade",)
        await events.subscribe("bnbusdt@bookTicker")
        assert socket.streams == ["btcusdt@trade", "bnbusdt@bookTicker"]


async def test_pings_are_answered_with_their_payload_while_the_consumer_sleeps(
    client: SpotClient, connector: MockConnector
) -> None:
    async with client.stream("btcusdt@trade", queue_size=2) as events:
        socket = connector.sockets[0]
        for i in range(10):  # nobody reads: the queue overflows, the reader goes on
            socket.feed_event("btcusdt@trade", trade(i))
        socket.ping(b"payload-1")
        await until(lambda: socket.pongs == [b"payload-1"])
        assert events.dropped == 8
        assert [(await next_event(events)).trade_id for _ in range(2)] == [8, 9]


async def test_a_burst_larger_than_the_queue_reaches_a_consumer_that_keeps_up(
    client: SpotClient, connector: MockConnector
) -> None:
    """The reader lets the consumer run every few events of a burst: a queue of 200 takes a burst of
    2000 events already buffered on the socket without dropping one (the reader never waits for it)."""
    async with client.stream("btcusdt@trade", queue_size=200) as events:
        socket = connector.sockets[0]
        seen: list[int] = []

        async def consume() -> None:
            async for event in events:
                seen.append(event.trade_id)  # type: ignore[union-attr]
                if len(seen) == 2000:
                    return

        consumer = asyncio.ensure_future(consume())
        await asyncio.sleep(0)
        for i in range(2000):  # all on the socket before the reader looks
            socket.feed_event("btcusdt@trade", trade(i))
        await asyncio.wait_for(consumer, 10)
        assert seen == list(range(2000)) and events.dropped == 0 and events.delivered == 2000


async def test_drop_reconnects_and_resubscribes(client: SpotClient, connector: MockConnector) -> None:
    async with client.stream("btcusdt@trade", "ethusdt@trade", status=True) as events:
        first = connector.sockets[0]
        first.drop()
        assert await connector.next_socket() is first
        second = await connector.next_socket()
        await until(lambda: second.streams == ["btcusdt@trade", "ethusdt@trade"])
        lost = await next_event(events)
        back = await next_event(events)
        assert isinstance(lost, StreamStatus) and lost.kind == "disconnected"
        assert isinstance(back, StreamStatus) and back.kind == "connected"
        assert set(lost.streams) == {"btcusdt@trade", "ethusdt@trade"}
        second.feed_event("btcusdt@trade", trade(3))
        assert (await next_event(events)).trade_id == 3
        assert events.disconnects == 1
        [stats] = client.stream_stats().values()
        assert (stats.connects, stats.reconnects) == (2, 1)


async def test_watchdog_reconnects_a_silent_connection(connector: MockConnector) -> None:
    config = StreamConfig(silence_timeout=0.2, backoff_base=0.01, backoff_cap=0.05, control_rate=1000.0)
    async with (
        fake_client(connector, config) as client,
        client.stream("btcusdt@trade"),
    ):
        first = await connector.next_socket()
        second = await connector.next_socket(timeout=5)  # nothing arrived on the first for 0.2 s
        assert first.closed and not second.closed
        [stats] = client.stream_stats().values()
        assert stats.silences >= 1 and stats.reconnects >= 1


async def test_pings_keep_a_quiet_connection_alive(connector: MockConnector) -> None:
    config = StreamConfig(silence_timeout=0.3, control_rate=1000.0)
    async with (
        fake_client(connector, config) as client,
        client.stream("btcusdt@trade"),
    ):
        socket = await connector.next_socket()
        for _ in range(8):  # 0.8 s of pings every 0.1 s, no event
            socket.ping(b"x")
            await asyncio.sleep(0.1)
        assert len(connector.sockets) == 1 and not socket.closed


def answer(socket: MockWebSocket) -> None:
    """Answer the socket's last control message as Binance does (a connector with auto_reply=False)."""
    request = socket.subscribe_requests[-1]
    socket.feed_json({"result": None, "id": request["id"]})


async def test_server_shutdown_switches_before_breaking() -> None:
    connector = MockConnector(auto_reply=False)
    async with fake_client(connector) as client:
        entering = asyncio.ensure_future(client.stream("btcusdt@trade").__aenter__())
        old = await connector.next_socket()
        await until(lambda: bool(old.subscribe_requests))
        answer(old)
        events = await entering
        old.feed_event("btcusdt@trade", trade(1))
        assert (await next_event(events)).trade_id == 1
        old.feed_event("!serverShutdown", {"e": "serverShutdown", "E": 5})
        new = await connector.next_socket()
        assert new.url == "wss://x.example/stream?streams=btcusdt@trade"  # subscribed by its handshake
        # the new link's events wait while the old one drains: it is asked to UNSUBSCRIBE
        new.feed_event("btcusdt@trade", trade(2))
        new.feed_event("btcusdt@trade", trade(3))
        await until(lambda: len(old.subscribe_requests) == 2)
        assert old.subscribe_requests[-1]["method"] == "UNSUBSCRIBE"
        old.feed_event("btcusdt@trade", trade(2))  # sent by the server before it took the UNSUBSCRIBE
        assert (await next_event(events)).trade_id == 2
        assert events.queued == 0 and not old.closed
        answer(old)  # drained: the held events newer than 2 go on, then the old link closes
        await until(lambda: old.closed)
        new.feed_event("btcusdt@trade", trade(4))
        assert [(await next_event(events)).trade_id for _ in range(2)] == [3, 4]
        assert events.queued == 0
        [stats] = client.stream_stats().values()
        assert (stats.rotations, stats.reconnects, stats.server_shutdowns) == (1, 0, 1)
        assert stats.repeats == 1
        await events.aclose()


async def test_connections_are_replaced_before_their_lifetime_ends(connector: MockConnector) -> None:
    config = StreamConfig(max_lifetime=0.3, control_rate=1000.0)
    async with (
        fake_client(connector, config) as client,
        client.stream("btcusdt@trade", status=True) as events,
    ):
        first = await connector.next_socket()
        second = await connector.next_socket()
        await until(lambda: first.closed)
        assert second.streams == ["btcusdt@trade"] and not second.closed
        status = await next_event(events)
        assert isinstance(status, StreamStatus) and status.kind == "rotated"


async def test_many_streams_go_in_batches_over_connections_with_room(connector: MockConnector) -> None:
    config = StreamConfig(max_streams_per_connection=150, control_rate=1000.0)
    names = [f"s{i}usdt@trade" for i in range(400)]
    async with fake_client(connector, config) as client, client.stream(*names):
        assert [len(s.streams) for s in connector.sockets] == [150, 150, 100]
        sizes = [len(m["params"]) for s in connector.sockets for m in s.subscribe_requests]  # type: ignore[arg-type]
        assert max(sizes) <= 100 and sum(sizes) == 400


async def test_control_messages_are_paced(connector: MockConnector) -> None:
    config = StreamConfig(control_rate=20.0)
    async with fake_client(connector, config) as client:
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with client.stream("a@trade") as events:
            for i in range(6):
                await events.subscribe(f"s{i}@trade")
            elapsed = loop.time() - started
        assert len(connector.sockets[0].subscribe_requests) == 7
        assert elapsed >= 6 / 20 * 0.9  # 7 messages at 20 per second: at least 6 intervals


async def test_a_refused_subscription_raises(connector: MockConnector) -> None:
    connector = MockConnector(auto_reply=False)
    async with fake_client(connector, FAST) as client:
        entering = asyncio.ensure_future(client.stream("nosuch@trade").__aenter__())
        socket = await connector.next_socket()
        await until(lambda: bool(socket.subscribe_requests))
        request_id = socket.subscribe_requests[0]["id"]
        socket.feed_json({"error": {"code": 2, "msg": "Invalid request: unknown stream"}, "id": request_id})
        with pytest.raises(SubscriptionError, match="unknown stream") as caught:
            await entering
        assert caught.value.code == 2


async def test_failed_connects_are_retried(client: SpotClient, connector: MockConnector) -> None:
    connector.refuse(3)
    async with client.stream("btcusdt@trade"):
        assert len(connector.attempts) == 4
        [stats] = client.stream_stats().values()
        assert stats.failed_attempts == 3


async def test_malformed_frames_are_counted_and_skipped(client: SpotClient, connector: MockConnector) -> None:
    async with client.stream("btcusdt@trade") as events:
        socket = connector.sockets[0]
        socket.feed("{not json")
        socket.feed_event("btcusdt@trade", trade(1))
        assert (await next_event(events)).trade_id == 1
        [stats] = client.stream_stats().values()
        assert stats.malformed == 1


async def test_raise_policy_tells_the_consumer(client: SpotClient, connector: MockConnector) -> None:
    async with client.stream("btcusdt@trade", queue_size=3, overflow="raise") as events:
        socket = connector.sockets[0]
        for i in range(5):
            socket.feed_event("btcusdt@trade", trade(i))
        await until(lambda: events.dropped == 2)
        with pytest.raises(StreamOverflowError) as caught:
            await next_event(events)
        assert caught.value.dropped == 2
        assert [(await next_event(events)).trade_id for _ in range(3)] == [0, 1, 2]


async def test_block_policy_holds_back_only_its_own_connection(
    client: SpotClient, connector: MockConnector
) -> None:
    async with (
        client.stream("btcusdt@trade", queue_size=2, overflow="block") as slow,
        client.stream("btcusdt@trade") as fast,
    ):
        assert len(connector.sockets) == 2  # the blocking subscriber has a connection of its own
        own, shared = connector.sockets
        for i in range(6):
            own.feed_event("btcusdt@trade", trade(i))
            shared.feed_event("btcusdt@trade", trade(i))
        assert [(await next_event(fast)).trade_id for _ in range(6)] == list(range(6))
        assert [(await next_event(slow)).trade_id for _ in range(6)] == list(range(6))  # none dropped
        assert slow.dropped == 0


async def test_closing_the_client_ends_streams(connector: MockConnector) -> None:
    client = fake_client(connector, FAST)
    events = await client.stream("btcusdt@trade").__aenter__()
    socket = connector.sockets[0]
    reading = asyncio.ensure_future(next_event(events))
    await client.aclose()
    with pytest.raises(StreamClosedError):
        await reading
    assert socket.closed
    with pytest.raises(ClientClosedError):
        client.stream("btcusdt@trade")


async def test_leaving_the_block_ends_iteration(client: SpotClient, connector: MockConnector) -> None:
    received: list[int] = []

    async def consume(events: EventStream) -> None:
        async for event in events:
            assert isinstance(event, Trade)
            received.append(event.trade_id)

    async with client.stream("btcusdt@trade") as events:
        task = asyncio.ensure_future(consume(events))
        connector.sockets[0].feed_event("btcusdt@trade", trade(1))
        await until(lambda: received == [1])
    await asyncio.wait_for(task, 2)


async def test_concurrent_subscribers_share_paced_messages() -> None:
    connector = MockConnector(unknown_streams=frozenset({"nosuch@trade"}))
    async with fake_client(connector) as client:
        streams = [client.stream(f"s{i}usdt@trade") for i in range(200)]
        bad = client.stream("nosuch@trade")
        both = [*streams[:50], bad, *streams[50:]]  # the bad one is in the first message's batch
        entered = await asyncio.gather(*(s.__aenter__() for s in both), return_exceptions=True)
        results = [*entered[:50], *entered[51:], entered[50]]
        [socket] = connector.sockets
        assert isinstance(results[-1], SubscriptionError)  # the bad one fails alone
        assert all(isinstance(r, EventStream) for r in results[:-1])
        assert len(socket.streams) == 200
        # 201 callers in a few messages: 3 batches of up to 100, then one stream at a time for the
        # refused batch only (a refused message does not say which stream was bad)
        assert len(socket.subscribe_requests) <= 3 + 100
        await asyncio.gather(*(s.aclose() for s in streams))
        assert socket.closed
