"""The streams of one client: connections shared by every subscriber, and what each subscriber gets.

A `StreamHub` places each stream on a connection with room (`StreamConfig.max_streams_per_connection`,
Binance allows 1024), subscribes it once however many subscribers want it, and hands every event to
the listeners of its stream, in the socket reader (`dispatch`). A listener is an `EventStream` (a
bounded queue the user iterates) or an order book (kept up to date in the reader itself). A stream's
last listener leaving unsubscribes it; a connection's last stream leaving closes it.

A subscriber with ``overflow="block"`` gets a connection of its own: when its queue is full the reader
of that connection waits, and no other subscriber is held back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from typing import Protocol

import msgspec

from .._websocket import Connector
from ..errors import ParameterError, StreamClosedError, SubscriptionError
from ._budget import AttemptBudget
from ._wire import stream_connector
from .config import Overflow, StreamConfig
from .connection import ConnectionStats, Sink, StatusKind, StreamConnection
from .events import StreamEvent
from .subscriber import Subscriber

__all__ = ["EventStream", "Listener", "StreamHub", "StreamStatus", "check_stream_name"]

logger = logging.getLogger("binance_async.streams")


class StreamStatus(msgspec.Struct, frozen=True):
    """What happened to the connection behind a stream (``client.stream(..., status=True)``).

    ``"disconnected"``: the connection was lost and is being reopened; events sent meanwhile are lost.
    ``"connected"``: it is open again and the streams subscribed. ``"rotated"``: a planned switch
    (serverShutdown, 24 h) was made before the old connection closed: nothing was lost.
    ``"refused"``: the server refused the streams when they were subscribed again.
    """

    kind: StatusKind
    streams: tuple[str, ...]
    detail: str = ""
    stream: str = ""


class Listener(Protocol):
    """What the hub hands events and news to."""

    def offer(self, event: StreamEvent) -> asyncio.Future[None] | None: ...

    def on_status(self, status: StreamStatus) -> None: ...


def check_stream_name(name: object) -> str:
    """`name` if it can be a Binance stream name, else a `ParameterError` saying what to send.

    Stream names are ASCII without spaces or ``/``; the symbol before ``@`` is lower case
    (``btcusdt@trade``, not ``BTCUSDT@trade``); ``!miniTicker@arr`` style names start with ``!``. The
    part after ``@`` is left as given: ``@kline_1M`` (a month) is not ``@kline_1m`` (a minute).
    """
    if not isinstance(name, str) or not name:
        raise ParameterError(f"a stream name must be a non-empty str, got {name!r}")
    if not name.isascii() or any(c.isspace() or c in '/?#&"' for c in name):
        raise ParameterError(f"stream name {name!r} cannot contain spaces, '/', '?', '#', '&' or non-ASCII")
    symbol, at, _ = name.partition("@")
    if not at and not name.startswith("!"):
        raise ParameterError(f"stream name {name!r} needs a type after '@' (e.g. {name.lower()}@trade)")
    if symbol != symbol.lower() and not symbol.startswith("!"):
        raise ParameterError(
            f"stream names are lower case: send {symbol.lower() + name[len(symbol) :]!r}, got {name!r}"
        )
    return name


class StreamHub:
    """Every stream connection of one client (see the module)."""

    def __init__(
        self, base_url: str, connector: Connector, config: StreamConfig, budget: AttemptBudget | None = None
    ) -> None:
        self.base_url = base_url
        self.config = config
        self.budget = budget or AttemptBudget(config.connect_attempts, config.attempts_period)
        self._connector = stream_connector(connector, config.own_reader)
        self._connections: list[StreamConnection] = []
        self._where: dict[str, StreamConnection] = {}
        self._listeners: dict[str, list[Listener]] = {}
        #: A blocking subscriber's own connection, by the subscriber's id, and its owner by the connection's.
        self._dedicated: dict[int, StreamConnection] = {}
        self._owners: dict[int, Listener] = {}
        self._lock = asyncio.Lock()
        self._count = 0
        self._closed = False

    @property
    def connections(self) -> tuple[StreamConnection, ...]:
        """The open connections (shared and dedicated)."""
        return (*self._connections, *self._dedicated.values())

    def stats(self) -> dict[str, ConnectionStats]:
        """Each connection's counters, by its name."""
        return {c.name: c.stats for c in self.connections}

    # -- listeners ---------------------------------------------------------------------------------

    async def attach(self, listener: Listener, names: Sequence[str], *, dedicated: bool = False) -> None:
        """Deliver `names`' events to `listener` from now on; returns once they are subscribed."""
        if self._closed:
            raise StreamClosedError("the client's streams are closed")
        if dedicated:
            await self._attach_dedicated(listener, names)
            return
        for name in names:
            self._listeners.setdefault(name, []).append(listener)
        try:
            async with self._lock:
                plan = self._place([n for n in dict.fromkeys(names) if n not in self._where])
            await asyncio.gather(*(connection.add(batch) for connection, batch in plan))
        except BaseException:
            await self.detach(listener, names)
            raise

    async def _attach_dedicated(self, listener: Listener, names: Sequence[str]) -> None:
        connection = self._dedicated.get(id(listener))
        if connection is None:
            connection = self._dedicated[id(listener)] = self._new_connection(listener.offer, blocking=True)
            self._owners[id(connection)] = listener
        try:
            await connection.add(dict.fromkeys(names))
        except BaseException:
            if not connection.streams:
                await self._drop_dedicated(listener)
            raise

    async def _drop_dedicated(self, listener: Listener) -> None:
        connection = self._dedicated.pop(id(listener), None)
        if connection is not None:
            self._owners.pop(id(connection), None)
            await connection.aclose()

    def _place(self, names: list[str]) -> list[tuple[StreamConnection, list[str]]]:
        """Assign new streams to connections with room, opening connections as needed."""
        plan: dict[int, tuple[StreamConnection, list[str]]] = {}
        for name in names:
            connection = next(
                (c for c in self._connections if c.room - len(plan.get(id(c), (c, []))[1]) > 0), None
            )
            if connection is None:
                connection = self._new_connection(self.dispatch, routes=self._listeners)
                self._connections.append(connection)
            plan.setdefault(id(connection), (connection, []))[1].append(name)
            self._where[name] = connection
        return list(plan.values())

    def _new_connection(
        self, sink: Sink, *, blocking: bool = False, routes: dict[str, list[Listener]] | None = None
    ) -> StreamConnection:
        self._count += 1
        return StreamConnection(
            self.base_url,
            self._connector,
            self.config,
            self.budget,
            sink,
            self._on_status,
            self._on_refused,
            name=f"streams-{self._count}",
            blocking=blocking,
            routes=routes,
        )

    async def detach(self, listener: Listener, names: Iterable[str]) -> None:
        """Stop delivering `names` to `listener`; streams no one listens to any more are unsubscribed."""
        dedicated = self._dedicated.get(id(listener))
        if dedicated is not None:
            leaving = set(names)
            if any(n not in leaving for n in dedicated.streams):
                await dedicated.remove([n for n in dedicated.streams if n in leaving])
            else:
                await self._drop_dedicated(listener)
            return
        unused: dict[int, tuple[StreamConnection, list[str]]] = {}
        for name in dict.fromkeys(names):
            listeners = self._listeners.get(name)
            if listeners is None:
                continue
            with contextlib.suppress(ValueError):
                listeners.remove(listener)
            if listeners:
                continue
            del self._listeners[name]
            connection = self._where.pop(name, None)
            if connection is not None:
                unused.setdefault(id(connection), (connection, []))[1].append(name)
        for connection, gone in unused.values():
            if len(gone) >= len(connection.streams):
                if connection in self._connections:
                    self._connections.remove(connection)
                await connection.aclose()
            else:
                await connection.remove(gone)

    # -- the reader's side -----------------------------------------------------------------------

    def dispatch(self, event: StreamEvent) -> None:
        """Hand `event` to its stream's listeners (called by a shared connection's reader)."""
        listeners = self._listeners.get(event.stream)
        if listeners is None:
            return
        for listener in listeners:
            try:
                listener.offer(event)
            except Exception:  # one listener's failure must not cost the others their events
                logger.exception("a stream listener failed on %s", event.stream)

    def _listeners_of(self, connection: StreamConnection) -> list[tuple[Listener, list[str]]]:
        owner = self._owners.get(id(connection))
        if owner is not None:
            return [(owner, list(connection.streams))]
        found: dict[int, tuple[Listener, list[str]]] = {}
        for name in connection.streams:
            for listener in self._listeners.get(name, ()):
                found.setdefault(id(listener), (listener, []))[1].append(name)
        return list(found.values())

    def _on_status(self, connection: StreamConnection, kind: StatusKind) -> None:
        for listener, names in self._listeners_of(connection):
            listener.on_status(StreamStatus(kind, tuple(names)))

    def _on_refused(self, connection: StreamConnection, names: list[str], error: SubscriptionError) -> None:
        owner = self._owners.get(id(connection))
        for name in names:
            if owner is not None:
                owner.on_status(StreamStatus("refused", (name,), str(error)))
                continue
            self._where.pop(name, None)
            for listener in self._listeners.pop(name, ()):
                listener.on_status(StreamStatus("refused", (name,), str(error)))

    async def aclose(self) -> None:
        """Close every connection; listeners are told the streams are closed."""
        self._closed = True
        connections = self.connections
        self._connections.clear()
        listeners = {id(x): x for xs in self._listeners.values() for x in xs}
        listeners.update(self._owners)
        self._dedicated.clear()
        self._owners.clear()
        self._where.clear()
        self._listeners.clear()
        await asyncio.gather(*(c.aclose() for c in connections), return_exceptions=True)
        for listener in listeners.values():
            closer = getattr(listener, "closed_by_client", None)
            if closer is not None:
                closer()


class EventStream:
    """``async with client.stream(*names) as events: async for event in events:`` (see `SpotClient.stream`).

    Events arrive typed (`Trade`, `DepthUpdate`, ... or `RawEvent`), each with its ``stream``. The
    queue is bounded (`queue_size`) and full queues follow `overflow`; `dropped`, `delivered` and
    `queued` say how it goes. With ``status=True`` a `StreamStatus` is queued whenever the connection
    behind these streams is lost, reopened or switched, so a consumer knows when events may be missing;
    `disconnects` counts the losses either way.
    """

    def __init__(
        self, hub: StreamHub, names: Sequence[str], *, queue_size: int, overflow: Overflow, status: bool
    ) -> None:
        self._hub = hub
        self._names: list[str] = list(dict.fromkeys(check_stream_name(n) for n in names))
        self._queue: Subscriber[StreamEvent | StreamStatus] = Subscriber(queue_size, overflow)
        #: Called by the reader for each event (the queue's own `offer`: no extra call per event).
        self.offer: Sink = self._queue.offer
        self._status = status
        self._entered = False
        self._closed = False
        #: Times the connection behind these streams was lost.
        self.disconnects = 0

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(self._names)

    @property
    def dropped(self) -> int:
        return self._queue.dropped

    @property
    def delivered(self) -> int:
        return self._queue.delivered

    @property
    def queued(self) -> int:
        return self._queue.queued

    def on_status(self, status: StreamStatus) -> None:
        if status.kind == "disconnected":
            self.disconnects += 1
        if status.kind == "refused":
            for name in status.streams:
                if name in self._names:
                    self._names.remove(name)
        if self._status or status.kind == "refused":
            self._queue.offer(status)

    def closed_by_client(self) -> None:
        self._closed = True
        self._queue.close(StreamClosedError("the client was closed"))

    async def __aenter__(self) -> EventStream:
        if self._entered:
            raise StreamClosedError("an EventStream is entered once")
        self._entered = True
        await self._hub.attach(self, self._names, dedicated=self._queue.overflow == "block")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Unsubscribe and end the iteration (what is queued is dropped). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._queue.close()
        with contextlib.suppress(StreamClosedError):
            await self._hub.detach(self, self._names)

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> StreamEvent | StreamStatus:
        queue = self._queue
        items = queue._items
        if items and not queue._overflowed:  # `Subscriber.get`'s fast path, inline: no second coroutine
            queue.delivered += 1
            item = items.popleft()
            if queue._room is not None:
                queue._make_room()
            return item
        try:
            return await queue.get()
        except StreamClosedError:
            if self._closed and not self._hub._closed:
                raise StopAsyncIteration from None
            raise

    async def subscribe(self, *names: str) -> None:
        """Add streams to this subscription (subscribed before this returns)."""
        fresh = [n for n in dict.fromkeys(check_stream_name(n) for n in names) if n not in self._names]
        if fresh:
            await self._hub.attach(self, fresh, dedicated=self._queue.overflow == "block")
            self._names.extend(fresh)

    async def unsubscribe(self, *names: str) -> None:
        """Remove streams from this subscription."""
        gone = [n for n in names if n in self._names]
        for name in gone:
            self._names.remove(name)
        if gone:
            await self._hub.detach(self, gone)
