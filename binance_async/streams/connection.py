"""One supervised WebSocket connection serving a set of combined streams.

A `StreamConnection` keeps a set of stream names subscribed on one socket at a time (a *link*) and
never gives up on it:

* **Reconnects** when the socket ends, errs, or is silent for `StreamConfig.silence_timeout` (the
  watchdog; Binance pings every 20 s, so silence means a dead path), after a capped, jittered backoff,
  and subscribes every stream again. Each attempt passes the client's `AttemptBudget` (Binance: 300
  per 5 minutes per IP).
* **Rotates make-before-break** when Binance announces ``serverShutdown`` and before its 24 h cut
  (`StreamConfig.max_lifetime`): a new link is opened and subscribed while the old one still
  delivers; what the new one receives meanwhile is held back. Then the old link is drained: an
  UNSUBSCRIBE, whose answer comes after every event the server sent on it (or its end, if the server
  closes it first). Only then are the held-back events passed on, those newer than the last the old
  link passed on for their stream (trade id, aggregate id, final update id, book-ticker update id,
  event time), and the old link closes: the switch neither loses nor repeats an event, unless the
  server cut the old link before the new one was subscribed.
* **Answers pings** with their payload, from the reader, which never waits for a consumer (except for a
  ``"block"`` subscriber, which has a connection of its own).
* **Paces control messages** (`StreamConfig.control_rate` per second; Binance drops a connection over
  5 incoming messages a second) and puts up to `_BATCH` streams in one SUBSCRIBE.

What happens is visible: `stats` (a `ConnectionStats`), `state`, and the `on_status` callback that the
hub turns into status events and stale order books.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import msgspec
from aiohttp import WSMsgType
from aiolimiter import AsyncLimiter

from .._supervision import (
    LinkStats,
    SocketLink,
    Supervision,
    close_link,
    supervise,
)
from .._websocket import Connector, WebSocket
from ..errors import BinanceError, StreamClosedError, SubscriptionError
from ._budget import AttemptBudget
from .config import StreamConfig
from .events import ControlReply, ServerShutdown, StreamEvent, decode_message, sequence_of

__all__ = ["ConnectionState", "ConnectionStats", "Sink", "StatusCallback", "StatusKind", "StreamConnection"]

logger = logging.getLogger("binance_async.streams")

#: Streams per SUBSCRIBE message.
_BATCH = 100
#: The longest list of streams put in a URL (``a/b/c``; URLs over ~2 KB are refused by some proxies).
_MAX_URL_STREAMS = 1800
#: Events a new link may hold back while the old one drains (a drain takes one round trip).
_MAX_HELD = 100_000
#: Events the reader passes on before it lets the other tasks (the consumers) run once.
_BURST = 128
#: What `decode_message` gives that is not an event (its exact types: none has subclasses).
_NOT_EVENTS = frozenset({ControlReply, ServerShutdown})

ConnectionState = Literal["idle", "connecting", "open", "reconnecting", "closed"]
StatusKind = Literal["connected", "disconnected", "rotated", "refused"]
#: Where the reader hands events: returns a future to await only for a blocking subscriber.
Sink = Callable[[StreamEvent], "asyncio.Future[None] | None"]


class Offerer(Protocol):
    """What takes a stream's events (a subscriber's queue, an order book)."""

    def offer(self, event: StreamEvent) -> asyncio.Future[None] | None: ...


#: Told of ``"connected"``, ``"disconnected"`` and ``"rotated"``.
StatusCallback = Callable[["StreamConnection", StatusKind], None]
#: Told of streams the server refused when a new link subscribed them again (they are dropped).
RefusedCallback = Callable[["StreamConnection", list[str], SubscriptionError], None]


@dataclass
class ConnectionStats(LinkStats):
    """Counters of one market-stream connection (they only grow)."""

    #: Events dropped as repeats during a switch.
    repeats: int = 0
    #: Control messages sent.
    control_messages: int = 0
    #: Loop time of the last frame received, None before the first.
    last_frame_at: float | None = None


class _Request:
    """Names for one control method, from one caller, waiting in a link's outbox."""

    __slots__ = ("alone", "done", "method", "names")

    def __init__(self, method: str, names: list[str], done: asyncio.Future[None]) -> None:
        self.method = method
        self.names = names
        self.done = done
        #: Sent in a message of its own (after a combined message was refused).
        self.alone = False


class _Link(SocketLink):
    """One socket of the connection, its reader, and its control messages."""

    def __init__(self, socket: WebSocket, opened_at: float, control_rate: float) -> None:
        super().__init__(socket, opened_at)
        #: Binance counts control messages per connection: each link has its own pace.
        self.pacer = AsyncLimiter(1, 1.0 / control_rate)
        self.pending: dict[int, asyncio.Future[ControlReply]] = {}
        self.outbox: deque[_Request] = deque()
        self.sender: asyncio.Task[None] | None = None
        #: Replaced by a newer link: its events are no longer passed on.
        self.retired = False

    def resolve(self, reply: ControlReply) -> None:
        waiter = self.pending.pop(reply.id, None) if isinstance(reply.id, int) else None
        if waiter is not None and not waiter.done():
            waiter.set_result(reply)

    def end(self) -> None:
        super().end()
        for waiter in self.pending.values():
            if not waiter.done():
                waiter.set_exception(SubscriptionError("the connection closed before the server answered"))
        self.pending.clear()
        while self.outbox:
            request = self.outbox.popleft()
            if not request.done.done():
                request.done.set_exception(SubscriptionError("the connection closed before it was sent"))
        if self.sender is not None:
            self.sender.cancel()


class _Overlap:
    """A switch in progress: the old link still delivers; the new link's events wait in `held`."""

    __slots__ = ("held", "last", "old")

    def __init__(self, old: _Link) -> None:
        self.old = old
        self.held: deque[StreamEvent] = deque(maxlen=_MAX_HELD)
        #: The newest sequence the old link passed on, per stream.
        self.last: dict[str, int] = {}

    def passed_on(self, event: StreamEvent) -> None:
        """The old link passed `event` on."""
        key = sequence_of(event)
        if key is not None:
            self.last[event.stream] = key

    def fresh(self, event: StreamEvent) -> bool:
        """Whether a held event is newer than what the old link passed on for its stream."""
        key = sequence_of(event)
        if key is None:
            return True
        previous = self.last.get(event.stream)
        if previous is not None and key <= previous:
            return False
        self.last[event.stream] = key
        return True


class StreamConnection:
    """A supervised connection to ``{base_url}/stream`` for a changing set of streams."""

    def __init__(
        self,
        base_url: str,
        connector: Connector,
        config: StreamConfig,
        budget: AttemptBudget,
        sink: Sink,
        on_status: StatusCallback | None = None,
        on_refused: RefusedCallback | None = None,
        *,
        name: str = "streams",
        blocking: bool = False,
        routes: Mapping[str, Sequence[Offerer]] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.name = name
        #: Whether `sink` may return a future to wait for (a ``"block"`` subscriber's connection).
        self._blocking = blocking
        #: Who takes each stream's events (the hub's table), when the reader may hand them over itself
        #: instead of calling `sink` (which then does the same).
        self._routes = routes
        self.config = config
        self.stats = ConnectionStats()
        self.state: ConnectionState = "idle"
        #: The streams this connection serves (wanted; subscribed once `state` is ``"open"``).
        self.streams: dict[str, None] = {}
        self._connector = connector
        self._budget = budget
        self._sink = sink
        self._on_status = on_status
        self._on_refused = on_refused
        self._ids = itertools.count(1)
        self._link: _Link | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._opened = asyncio.Event()
        self._closing = False
        self._overlap: _Overlap | None = None
        #: Why streams were refused while a link opened, for the `add` waiting on them.
        self._refusals: dict[str, SubscriptionError] = {}
        self._loop = asyncio.get_running_loop()

    def __repr__(self) -> str:
        return f"<StreamConnection {self.name} {self.state} streams={len(self.streams)}>"

    @property
    def room(self) -> int:
        """How many more streams this connection may take."""
        return self.config.max_streams_per_connection - len(self.streams)

    # -- what the hub calls ------------------------------------------------------------------------

    async def add(self, names: Iterable[str]) -> None:
        """Serve `names` too: subscribed on the open link (paced), or part of the next one opened."""
        self._check_open()
        new = [n for n in names if n not in self.streams]
        for name in new:
            self.streams[name] = None
        if self._supervisor is None:
            self._supervisor = asyncio.create_task(self._supervise(), name=f"binance-async {self.name}")
        link = self._link
        if link is None or link.ended or not new:
            await self.wait_open()  # the link being opened subscribes them
            refused = [self._refusals.pop(n) for n in new if n in self._refusals]
            if refused:
                raise refused[0]
            return
        try:
            await self._control(link, "SUBSCRIBE", new)
        except SubscriptionError as exc:
            if exc.code is None:  # the link went: the next one subscribes them
                await self.wait_open()
                return
            for name in new:  # refused by the server: not served
                self.streams.pop(name, None)
            raise

    async def remove(self, names: Iterable[str]) -> None:
        """Stop serving `names` (an UNSUBSCRIBE on the open link)."""
        gone = [n for n in names if n in self.streams]
        for name in gone:
            del self.streams[name]
        link = self._link
        if link is not None and not link.ended and gone and not self._closing:
            with contextlib.suppress(SubscriptionError):
                await self._control(link, "UNSUBSCRIBE", gone)

    async def wait_open(self) -> None:
        """Until a link is open with every stream subscribed (raises once the connection is closed)."""
        while not self._opened.is_set():
            self._check_open()
            supervisor = self._supervisor
            waiter = asyncio.ensure_future(self._opened.wait())
            try:
                if supervisor is None:
                    await waiter
                else:
                    await asyncio.wait({waiter, supervisor}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
            if supervisor is not None and supervisor.done():
                self._check_open()
                raise StreamClosedError(f"{self.name}: the connection stopped")

    async def aclose(self) -> None:
        """Close the socket and stop supervising. Idempotent."""
        if self._closing:
            return
        self._closing = True
        self.state = "closed"
        supervisor, self._supervisor = self._supervisor, None
        if supervisor is not None:
            supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await supervisor
        link, self._link = self._link, None
        if link is not None:
            await close_link(link)

    def _check_open(self) -> None:
        if self._closing:
            raise StreamClosedError(f"{self.name}: the connection is closed")

    # -- supervision -------------------------------------------------------------------------------

    async def _supervise(self) -> None:
        try:
            await supervise(
                Supervision(
                    name=self.name,
                    stats=self.stats,
                    config=self.config,
                    stopping=lambda: self._closing,
                    opening=self._before_opening,
                    open_link=self._open_link,
                    install=self._install,
                    replace=self._replace,
                    losing=self._losing,
                    lost=self._lost,
                    silent=self._silent,
                ),
                logger,
            )
        finally:
            self._opened.clear()

    def _before_opening(self) -> None:
        self.state = "connecting" if self.stats.connects == 0 else "reconnecting"

    def _losing(self) -> None:
        self._opened.clear()
        self.state = "reconnecting"

    def _lost(self) -> None:
        self._link = None
        self._status("disconnected")

    def _silent(self) -> None:
        self.stats.silences += 1

    def _install(self, link: _Link) -> None:
        self._link = link
        self.state = "open"
        self._opened.set()
        if self.stats.reconnects:  # the first opening is no news: subscribing returns after it
            self._status("connected")

    def _status(self, what: StatusKind) -> None:
        if self._on_status is not None:
            try:
                self._on_status(self, what)
            except Exception:  # a status listener must not stop the supervisor
                logger.exception("%s: status callback failed", self.name)

    async def _replace(self, old: _Link) -> _Link | None:
        """Make before break (see the module): None if the new link could not be opened."""
        overlap = self._overlap = _Overlap(old)
        try:
            new = await self._open_link(in_url=True)
        except asyncio.CancelledError:
            self._overlap = None
            raise
        except (BinanceError, OSError, TimeoutError) as exc:
            self._overlap = None
            self.stats.last_error = f"rotation: {type(exc).__name__}: {exc}"
            return None
        try:
            if not old.ended and self.streams:
                with contextlib.suppress(SubscriptionError):  # the old link drained, or ended meanwhile
                    await self._control(old, "UNSUBSCRIBE", list(self.streams))
            old.retired = True
            self._link = new
            self.stats.rotations += 1
            sink = self._sink
            held = overlap.held
            while held:  # the new link's reader adds to it while a blocking sink makes us wait
                event = held.popleft()
                if not overlap.fresh(event):
                    self.stats.repeats += 1
                    continue
                self.stats.events += 1
                wait = sink(event)
                if wait is not None:
                    await wait
        except BaseException:  # stopped (closed) in the middle: the link not installed is closed here
            self._overlap = None
            await close_link(old if self._link is new else new)
            raise
        self._overlap = None
        await close_link(old)
        self._status("rotated")
        return new

    # -- links -------------------------------------------------------------------------------------

    async def _open_link(self, *, in_url: bool = False) -> _Link:
        """A socket to ``/stream`` with every current stream subscribed (in paced batches).

        Streams go in SUBSCRIBE messages: a refused stream is then named by its batch's answer (an
        unknown stream in a URL fails the whole handshake with a bare HTTP 400). `in_url` (a switch, whose
        streams the server took already) puts as many as fit in the URL, so that the new link delivers
        from its handshake on, with no round trip.
        """
        await self._budget.acquire()
        self.stats.connects += 1
        done: set[str] = set()
        url = f"{self.base_url}/stream"
        if in_url:
            fitting = list(itertools.islice(self.streams, _BATCH))
            if fitting and sum(len(n) + 1 for n in fitting) <= _MAX_URL_STREAMS:
                url += "?streams=" + "/".join(fitting)
                done.update(fitting)
        socket = await self._connector.connect(url)
        link = _Link(socket, self._loop.time(), self.config.control_rate)
        link.reader = asyncio.create_task(self._read(link), name=f"binance-async {self.name} reader")
        try:
            while True:  # streams added while this link opened are subscribed too
                todo = [n for n in self.streams if n not in done]
                if not todo:
                    break
                done.update(todo)
                for start in range(0, len(todo), _BATCH):
                    batch = todo[start : start + _BATCH]
                    try:
                        await self._control(link, "SUBSCRIBE", batch)
                    except SubscriptionError as exc:
                        if exc.code is None:
                            raise
                        await self._subscribe_one_by_one(link, batch, exc)
        except BaseException:
            await close_link(link)
            raise
        return link

    async def _subscribe_one_by_one(self, link: _Link, batch: list[str], error: SubscriptionError) -> None:
        """A batch was refused: find the streams the server refuses (each on its own), drop those."""
        refused: list[str] = []
        for name in batch if len(batch) > 1 else ():
            try:
                await self._control(link, "SUBSCRIBE", [name])
            except SubscriptionError as exc:
                if exc.code is None:
                    raise
                refused.append(name)
                error = exc
        for name in refused or batch:
            self.streams.pop(name, None)
            if len(self._refusals) < _BATCH:
                self._refusals[name] = error
        if self._on_refused is not None:
            self._on_refused(self, refused or batch, error)

    async def _control(self, link: _Link, method: str, names: list[str]) -> None:
        """`method` for `names` on `link`, answered. Requests wait in the link's outbox; one sender sends
        them paced, putting consecutive requests of one method into one message (up to `_BATCH`
        streams), so 200 callers subscribing at once cost a few messages, not 200."""
        for start in range(0, len(names), _BATCH):
            request = _Request(method, names[start : start + _BATCH], self._loop.create_future())
            link.outbox.append(request)
            if link.sender is None or link.sender.done():
                link.sender = asyncio.create_task(
                    self._send_outbox(link), name=f"binance-async {self.name} control"
                )
            await request.done

    async def _send_outbox(self, link: _Link) -> None:
        outbox = link.outbox
        while outbox:
            await link.pacer.acquire()  # meanwhile more requests may join the next message
            first = outbox.popleft()
            batch = [first]
            size = len(first.names)
            while (
                not first.alone
                and outbox
                and outbox[0].method == first.method
                and not outbox[0].alone
                and size + len(outbox[0].names) <= _BATCH
            ):
                size += len(outbox[0].names)
                batch.append(outbox.popleft())
            try:
                await self._exchange(
                    link, first.method, list(dict.fromkeys(n for r in batch for n in r.names))
                )
            except SubscriptionError as exc:
                if exc.code is not None and len(batch) > 1:
                    for request in reversed(batch):  # one caller's bad stream must not fail the others
                        request.alone = True
                        outbox.appendleft(request)
                    continue
                for request in batch:
                    if not request.done.done():
                        request.done.set_exception(exc)
            else:
                for request in batch:
                    if not request.done.done():
                        request.done.set_result(None)

    async def _exchange(self, link: _Link, method: str, names: list[str]) -> None:
        """One control message and its answer."""
        request_id = next(self._ids)
        waiter: asyncio.Future[ControlReply] = self._loop.create_future()
        link.pending[request_id] = waiter
        message = msgspec.json.encode({"method": method, "params": names, "id": request_id}).decode()
        try:
            await link.socket.send_str(message)
        except Exception as exc:
            link.pending.pop(request_id, None)
            raise SubscriptionError(f"{method} could not be sent: {type(exc).__name__}") from None
        self.stats.control_messages += 1
        try:
            reply = await asyncio.wait_for(waiter, self.config.control_timeout)
        except asyncio.TimeoutError:
            link.pending.pop(request_id, None)
            raise SubscriptionError(f"{method}: no answer in {self.config.control_timeout} s") from None
        if reply.error is not None:
            raise SubscriptionError(f"{method} refused: {reply.error.msg}", code=reply.error.code)

    async def _read(self, link: _Link) -> None:
        """The reader: every frame of the link, as it comes; events to the sink.

        A socket with ``receive_batch`` (`WireSocket`) gives every message of a network read at
        once; aiohttp's gives one at a time. Every `_BURST` events the reader lets the other tasks run
        once (``sleep(0)``), so that consumers empty their queues while a burst is still being read;
        it never waits for them (except for a ``"block"`` subscriber, whose connection is its own).
        """
        try:
            if getattr(link.socket, "receive_batch", None) is not None:
                await self._read_batches(link)
            else:
                await self._read_frames(link)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the socket failed: the supervisor reconnects
            self.stats.last_error = f"reader: {type(exc).__name__}"
        finally:
            link.end()

    async def _read_frames(self, link: _Link) -> None:
        """aiohttp's socket (or a test's): one frame at a time. A text frame on a link in service, for
        a sink that never waits, is decoded and handed to the sink here; anything else goes through
        `_take`."""
        receive = link.socket.receive
        stats = self.stats
        now = self._loop.time
        sink = self._sink
        blocking = self._blocking
        text = WSMsgType.TEXT
        burst = 0
        while True:
            frame = await receive()
            link.last_frame_at = stats.last_frame_at = now()
            if frame.type is not text or blocking or link.retired or self._overlap is not None:
                item = frame.data if frame.type is text else (frame.type, frame.data)
                burst = await self._take(link, (item,), burst)
                if burst < 0:
                    return
                continue
            try:
                event = decode_message(frame.data)
            except msgspec.DecodeError:
                stats.malformed += 1
                continue
            if type(event) in _NOT_EVENTS:
                self._not_event(link, event)
                continue
            stats.events += 1
            sink(event)  # type: ignore[arg-type]  # not a ControlReply; never waits (not blocking)
            burst += 1
            if burst == _BURST:
                burst = 0
                await asyncio.sleep(0)

    async def _read_batches(self, link: _Link) -> None:
        """A `WireSocket`: every message of a network read at once, `_BURST` at a time. A run of text
        messages on a link in service, for a sink that never waits, takes the short way: decode, hand
        over; anything else (a ping, a switch, a ``"block"`` subscriber) goes through `_take`."""
        receive_batch: Callable[[], Awaitable[tuple[list[Any], int]]] = link.socket.receive_batch  # type: ignore[attr-defined]
        stats = self.stats
        now = self._loop.time
        blocking = self._blocking or self._routes is None
        routes = self._routes or {}
        decode = decode_message
        while True:
            batch, specials = await receive_batch()
            link.last_frame_at = stats.last_frame_at = now()
            count = len(batch)
            start = 0
            while start < count:
                chunk = batch[start : start + _BURST] if start or count > _BURST else batch
                start += _BURST
                if specials or blocking or link.retired or self._overlap is not None:
                    if await self._take(link, chunk, 0) < 0:
                        return
                else:
                    passed = len(chunk)
                    for item in chunk:
                        try:
                            event = decode(item)
                        except msgspec.DecodeError:
                            stats.malformed += 1
                            passed -= 1
                            continue
                        if type(event) in _NOT_EVENTS:  # not isinstance: a miss would look up __class__
                            self._not_event(link, event)
                            passed -= 1
                            continue
                        # What `sink` (the hub's dispatch) does, without a call: listeners never wait.
                        stream = event.stream  # type: ignore[union-attr]  # not a ControlReply
                        takers = routes.get(stream)
                        if takers is not None:
                            for taker in takers:
                                try:
                                    taker.offer(event)  # type: ignore[arg-type]  # not a ControlReply
                                except Exception:  # one's failure must not cost the others their events
                                    logger.exception("a stream listener failed on %s", stream)
                    stats.events += passed
                if start < count:
                    await asyncio.sleep(0)  # consumers' turn

    async def _take(self, link: _Link, items: Iterable[Any], burst: int) -> int:
        """Every item in order (a text payload, or ``(WSMsgType, data)``); the events passed on since
        the reader last let consumers run, or -1 once the link has ended (a close, an error)."""
        stats = self.stats
        sink = self._sink
        for item in items:
            if type(item) is tuple:
                kind, data = item
                if kind is WSMsgType.PING:
                    stats.pings += 1
                    await link.socket.pong(data)
                elif kind is WSMsgType.BINARY:
                    stats.malformed += 1
                elif kind is not WSMsgType.PONG:  # CLOSE, CLOSING, CLOSED, ERROR
                    return -1
                continue
            try:
                event = decode_message(item)
            except msgspec.DecodeError:
                stats.malformed += 1
                continue
            if isinstance(event, (ControlReply, ServerShutdown)):
                self._not_event(link, event)
                continue
            if link.retired:
                stats.repeats += 1  # switched away from: the new link delivers it
                continue
            overlap = self._overlap
            if overlap is not None:
                if link is not overlap.old:
                    overlap.held.append(event)  # the new link, while the old one drains
                    continue
                overlap.passed_on(event)
            stats.events += 1
            wait = sink(event)
            if wait is not None:
                await wait
            burst += 1
            if burst == _BURST:
                burst = 0
                await asyncio.sleep(0)
        return burst

    def _not_event(self, link: _Link, message: StreamEvent | ControlReply) -> None:
        """An answer to a control message, or Binance's notice that it will close the link."""
        if isinstance(message, ControlReply):
            link.resolve(message)
        else:
            self.stats.server_shutdowns += 1
            link.announce_shutdown()
