"""A subscriber's bounded queue (binance_async.streams.subscriber): order, overflow policies, closing."""

from __future__ import annotations

import asyncio

import pytest

from binance_async.errors import StreamClosedError, StreamError, StreamOverflowError
from binance_async.streams.subscriber import Subscriber


async def drain(subscriber: Subscriber[int], count: int) -> list[int]:
    return [await subscriber.get() for _ in range(count)]


async def test_events_come_out_in_the_order_they_were_offered() -> None:
    subscriber: Subscriber[int] = Subscriber(10, "drop_oldest")
    for item in range(5):
        assert subscriber.offer(item) is None
    assert subscriber.queued == 5 and subscriber.delivered == 0
    assert await drain(subscriber, 5) == [0, 1, 2, 3, 4]
    assert subscriber.queued == 0 and subscriber.delivered == 5 and subscriber.dropped == 0


async def test_a_waiting_get_is_woken_by_the_next_offer() -> None:
    subscriber: Subscriber[str] = Subscriber(4, "drop_oldest")
    reader = asyncio.create_task(subscriber.get())
    await asyncio.sleep(0)
    assert not reader.done()
    subscriber.offer("event")
    assert await asyncio.wait_for(reader, 1) == "event"
    assert subscriber.delivered == 1 and subscriber.queued == 0


async def test_get_nowait_gives_the_next_event_or_none() -> None:
    subscriber: Subscriber[int] = Subscriber(4, "drop_oldest")
    assert subscriber.get_nowait() is None
    subscriber.offer(1)
    subscriber.offer(2)
    assert subscriber.get_nowait() == 1
    assert await subscriber.get() == 2
    assert subscriber.get_nowait() is None and subscriber.delivered == 2


# -- drop_oldest ---------------------------------------------------------------------------------------


async def test_drop_oldest_makes_room_with_the_oldest_event_and_counts_it() -> None:
    subscriber: Subscriber[int] = Subscriber(3, "drop_oldest")
    for item in range(7):
        assert subscriber.offer(item) is None  # never makes the reader wait
    assert subscriber.queued == 3 and subscriber.dropped == 4
    assert await drain(subscriber, 3) == [4, 5, 6]
    assert subscriber.delivered == 3


# -- raise -------------------------------------------------------------------------------------------------


async def test_raise_drops_new_events_and_the_next_get_raises_once_then_the_queue_goes_on() -> None:
    subscriber: Subscriber[int] = Subscriber(2, "raise")
    for item in range(5):
        assert subscriber.offer(item) is None
    assert subscriber.queued == 2 and subscriber.dropped == 3
    with pytest.raises(StreamOverflowError) as caught:
        await subscriber.get()
    assert caught.value.dropped == 3 and isinstance(caught.value, StreamError)
    assert await drain(subscriber, 2) == [0, 1]  # the events queued before the overflow
    assert subscriber.delivered == 2
    subscriber.offer(9)
    assert await subscriber.get() == 9  # raised once only


async def test_raise_counts_each_overflow_once() -> None:
    subscriber: Subscriber[int] = Subscriber(1, "raise")
    subscriber.offer(0)
    subscriber.offer(1)
    with pytest.raises(StreamOverflowError) as first:
        await subscriber.get()
    assert first.value.dropped == 1
    assert await subscriber.get() == 0
    subscriber.offer(2)
    subscriber.offer(3)
    subscriber.offer(4)
    with pytest.raises(StreamOverflowError) as second:
        await subscriber.get()
    assert second.value.dropped == 2  # only those since the last error
    assert subscriber.dropped == 3
    assert await subscriber.get() == 2


# -- block -------------------------------------------------------------------------------------------------


async def test_block_hands_the_reader_a_future_that_completes_when_a_get_makes_room() -> None:
    subscriber: Subscriber[int] = Subscriber(2, "block")
    assert subscriber.offer(0) is None and subscriber.offer(1) is None  # room: no waiting
    room = subscriber.offer(2)
    assert room is not None and not room.done()
    assert subscriber.dropped == 0  # nothing is lost under block
    assert await subscriber.get() == 0
    assert not room.done()  # two queued: still full
    assert await subscriber.get() == 1
    assert room.done()
    await asyncio.wait_for(room, 1)
    assert subscriber.offer(3) is None
    assert await drain(subscriber, 2) == [2, 3]
    assert subscriber.dropped == 0 and subscriber.delivered == 4


async def test_block_holds_back_a_reader_until_the_consumer_catches_up() -> None:
    subscriber: Subscriber[int] = Subscriber(2, "block")
    waits = 0

    async def reader() -> None:
        nonlocal waits
        for item in range(10):
            room = subscriber.offer(item)
            if room is not None:
                waits += 1
                await room
            assert subscriber.queued <= 3

    feeding = asyncio.create_task(reader())
    got = [await asyncio.wait_for(subscriber.get(), 1) for _ in range(10)]
    await asyncio.wait_for(feeding, 1)
    assert got == list(range(10)) and waits > 0 and subscriber.dropped == 0


async def test_get_nowait_also_makes_room_for_a_blocked_reader() -> None:
    subscriber: Subscriber[int] = Subscriber(1, "block")
    subscriber.offer(0)
    room = subscriber.offer(1)
    assert room is not None
    assert subscriber.get_nowait() == 0
    assert subscriber.get_nowait() == 1  # the queue is empty now
    assert room.done()


# -- close -------------------------------------------------------------------------------------------------


async def test_close_lets_the_queue_drain_then_raises_stream_closed() -> None:
    subscriber: Subscriber[int] = Subscriber(4, "drop_oldest")
    subscriber.offer(1)
    subscriber.offer(2)
    subscriber.close()
    assert await drain(subscriber, 2) == [1, 2]
    for _ in range(2):  # and keeps raising
        with pytest.raises(StreamClosedError):
            await subscriber.get()
    assert subscriber.delivered == 2


async def test_close_raises_the_error_it_was_given() -> None:
    subscriber: Subscriber[int] = Subscriber(4, "drop_oldest")
    subscriber.offer(1)
    subscriber.close(ConnectionResetError("gone"))
    subscriber.close()  # a second close keeps the first error
    assert await subscriber.get() == 1
    with pytest.raises(ConnectionResetError, match="gone"):
        await subscriber.get()


async def test_close_wakes_a_waiting_get() -> None:
    subscriber: Subscriber[int] = Subscriber(4, "drop_oldest")
    reader = asyncio.create_task(subscriber.get())
    await asyncio.sleep(0)
    assert not reader.done()
    subscriber.close()
    with pytest.raises(StreamClosedError):
        await asyncio.wait_for(reader, 1)


async def test_events_offered_after_close_are_not_queued() -> None:
    subscriber: Subscriber[int] = Subscriber(4, "drop_oldest")
    subscriber.close()
    assert subscriber.offer(1) is None
    assert subscriber.queued == 0
    with pytest.raises(StreamClosedError):
        await subscriber.get()


async def test_close_releases_a_blocked_reader() -> None:
    subscriber: Subscriber[int] = Subscriber(1, "block")
    subscriber.offer(0)
    room = subscriber.offer(1)
    assert room is not None and not room.done()
    subscriber.close()
    assert room.done()
    assert await drain(subscriber, 2) == [0, 1]


async def test_an_overflow_error_comes_before_the_close() -> None:
    subscriber: Subscriber[int] = Subscriber(1, "raise")
    subscriber.offer(0)
    subscriber.offer(1)
    subscriber.close()
    with pytest.raises(StreamOverflowError):
        await subscriber.get()
    assert await subscriber.get() == 0
    with pytest.raises(StreamClosedError):
        await subscriber.get()
