"""A subscriber's bounded queue between the socket reader and one consumer, with its overflow policy.

The reader calls `Subscriber.offer` for every event of the subscriber's streams. `offer` never
waits: with ``"drop_oldest"`` or ``"raise"`` a full queue costs the subscriber an event (counted in
`dropped`), never the reader. With ``"block"`` it returns a future the reader awaits until there is
room; such subscriptions get a connection of their own, so only they are held back.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

from ..errors import StreamClosedError, StreamOverflowError
from .config import Overflow

__all__ = ["Subscriber"]

T = TypeVar("T")


class Subscriber(Generic[T]):
    """A bounded FIFO of events for one consumer. Counters: `delivered`, `dropped`, `queued`."""

    __slots__ = (
        "_closed",
        "_getter",
        "_items",
        "_overflowed",
        "_room",
        "delivered",
        "dropped",
        "maxsize",
        "overflow",
    )

    def __init__(self, maxsize: int, overflow: Overflow) -> None:
        self.maxsize = maxsize
        self.overflow: Overflow = overflow
        self._items: deque[T] = deque()
        self._getter: asyncio.Future[None] | None = None
        self._room: asyncio.Future[None] | None = None
        self._closed: BaseException | None = None
        self._overflowed = 0
        #: Events handed to the consumer.
        self.delivered = 0
        #: Events lost to a full queue (the oldest with ``drop_oldest``, the newest with ``raise``).
        self.dropped = 0

    @property
    def queued(self) -> int:
        return len(self._items)

    def offer(self, item: T) -> asyncio.Future[None] | None:
        """Queue `item` (called by the reader). A future to await only for ``block`` and a full queue."""
        items = self._items
        if self._closed is not None:
            return None
        if len(items) >= self.maxsize:
            if self.overflow == "drop_oldest":
                items.popleft()
                self.dropped += 1
            elif self.overflow == "raise":
                self.dropped += 1
                self._overflowed += 1
                self._wake()
                return None
            else:
                items.append(item)
                self._wake()
                if self._room is None or self._room.done():
                    self._room = asyncio.get_running_loop().create_future()
                return self._room
        items.append(item)
        getter = self._getter
        if getter is not None and not getter.done():
            getter.set_result(None)
        return None

    def _wake(self) -> None:
        getter = self._getter
        if getter is not None and not getter.done():
            getter.set_result(None)

    async def get(self) -> T:
        """The next event; raises `StreamOverflowError` once after an overflow under ``raise``, and
        `StreamClosedError` (or the error the stream was closed with) once the queue is empty and closed."""
        while True:
            if self._overflowed:
                dropped, self._overflowed = self._overflowed, 0
                raise StreamOverflowError(
                    f"the consumer fell behind: {dropped} event(s) dropped (queue of {self.maxsize})",
                    dropped=dropped,
                )
            items = self._items
            if items:
                item = items.popleft()
                self.delivered += 1
                self._make_room()
                return item
            if self._closed is not None:
                raise self._closed
            self._getter = asyncio.get_running_loop().create_future()
            try:
                await self._getter
            finally:
                self._getter = None

    def get_nowait(self) -> T | None:
        """The next queued event, or None if there is none."""
        items = self._items
        if not items:
            return None
        self.delivered += 1
        item = items.popleft()
        self._make_room()
        return item

    def _make_room(self) -> None:
        room = self._room
        if room is not None and len(self._items) < self.maxsize and not room.done():
            room.set_result(None)

    def close(self, error: BaseException | None = None) -> None:
        """No more events: reads drain the queue, then raise `error` (default `StreamClosedError`)."""
        if self._closed is None:
            self._closed = error if error is not None else StreamClosedError("the stream is closed")
        self._wake()
        room = self._room
        if room is not None and not room.done():
            room.set_result(None)
