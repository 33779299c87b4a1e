"""`WsApiTransport`: the REST pipeline's `Transport`, over one supervised WebSocket API connection.

``send(request)`` writes one request frame (method and JSON params from the `Request`, see `wire`)
on the open link, with an id of its own, and returns the answer as a `Response`. Requests are
multiplexed: any number may be in flight; the reader hands each answer to its caller by id.

What can go wrong, and what the caller sees (the pipeline turns these into its usual errors, so an
order whose fate is unknown is recorded in ``unknown_outcomes`` and never resent):

* no link could be opened in time: `ConnectionFailedError` (nothing was sent);
* the link dropped after the frame was written: `TransportError` (it may have been executed);
* no answer within the timeout: `RequestTimeoutError` (it may have been executed).

The link is supervised as the market streams' are: opened on first use, reopened with a capped,
jittered backoff after a drop or `silence_timeout` without a frame, pings answered with their
payload, and replaced make-before-break on ``serverShutdown`` and before `max_lifetime`: new
requests go to the new link, the old one stays open until its requests are answered (or the
timeout passes). After each opening, `on_open` runs first (an Ed25519 ``session.logon``, the user
data stream's subscriptions) before any request is written. Events (frames without an id) go to
`on_event`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import msgspec
from aiohttp import WSMsgType

from .._secret import SecretBytes
from .._supervision import (
    LinkStats,
    SocketLink,
    Supervision,
    close_link,
    supervise,
)
from .._transport import Request, Response
from .._websocket import Connector, WebSocket
from ..errors import (
    BinanceError,
    ClientClosedError,
    ConnectionFailedError,
    RequestTimeoutError,
    TransportError,
)
from ..streams._budget import AttemptBudget
from ..streams.config import StreamConfig
from .wire import Frame, decode_frame, response_headers

__all__ = ["WsApiStats", "WsApiTransport"]

logger = logging.getLogger("binance_async.ws_api")

#: Sends one request on a link being opened: WebSocket API method, JSON params; the answer.
LinkSender = Callable[[str, bytes], Awaitable[Response]]
#: Called after a link opens, before any other request is written on it, with a sender on that link.
OnOpen = Callable[[LinkSender], Awaitable[None]]
#: Told of every event frame: the number of the link it came on (`WsApiTransport.opening_link` when
#: that link was opened), its subscription id (None for connection events) and the raw event.
#: Subscription ids are per connection (each new one starts again at 0): the link tells them apart.
OnEvent = Callable[[int, int | None, bytes], None]


@dataclass
class WsApiStats(LinkStats):
    """Counters of the WebSocket API connection (they only grow)."""

    #: Requests written.
    requests: int = 0
    #: Requests whose link dropped before the answer came (their outcome is unknown).
    lost: int = 0
    #: Requests whose answer did not come within the timeout.
    timeouts: int = 0


class _AnswerTimeout(Exception):
    """A request's answer did not come within the transport's timeout (raised into its waiter)."""


def _nothing() -> None:
    pass


def _expire(waiter: asyncio.Future[Frame]) -> None:
    if not waiter.done():
        waiter.set_exception(_AnswerTimeout())


class _Link(SocketLink):
    """One socket of the connection, the requests waiting for their answers on it."""

    def __init__(self, socket: WebSocket, opened_at: float, number: int, stats: WsApiStats) -> None:
        super().__init__(socket, opened_at)
        self.number = number
        self.pending: dict[int, asyncio.Future[Frame]] = {}
        self.ready = False  # `on_open` done: requests may be written
        #: Set while no request waits for an answer (a retired link closes then).
        self.idle = asyncio.Event()
        self.idle.set()
        self._stats = stats

    def end(self) -> None:
        if self.ended:
            return
        super().end()
        for waiter in self.pending.values():
            if not waiter.done():
                self._stats.lost += 1
                waiter.set_exception(
                    TransportError("the WebSocket API connection was lost before the answer")
                )
        self.pending.clear()


class WsApiTransport:
    """A `Transport` over the WebSocket API at `url` (see the module)."""

    def __init__(
        self,
        url: str,
        connector: Connector,
        budget: AttemptBudget,
        *,
        timeout: float | None,
        config: StreamConfig | None = None,
        on_open: OnOpen | None = None,
        on_event: OnEvent | None = None,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.config = config or StreamConfig()
        self.stats = WsApiStats()
        self.on_open = on_open
        self.on_event = on_event
        self._connector = connector
        self._budget = budget
        self._ids = itertools.count(1)
        self._link_numbers = itertools.count(1)
        self._link: _Link | None = None
        self._opened = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._closed = False
        self._retiring: set[asyncio.Task[None]] = set()
        self._loop = asyncio.get_running_loop()
        #: Run before a switched-away-from link closes, with a sender on it (the user data stream
        #: drains it there: an UNSUBSCRIBE whose answer follows every event sent on it).
        self.before_retire: OnOpen | None = None
        #: Why the link being opened is opened: ``"first"``, ``"reconnect"`` (events may have been
        #: missed) or ``"rotation"`` (make-before-break: nothing was missed). Read by `on_open`.
        self.opening: str = "first"
        #: The number of the link being opened (its events come with it, see `OnEvent`). Read by
        #: `on_open`.
        self.opening_link = 0

    @property
    def connected(self) -> bool:
        link = self._link
        return link is not None and link.ready and not link.ended

    # -- the Transport protocol --------------------------------------------------------------------

    async def send(self, request: Request) -> Response:
        link = await self._ready_link(request)
        return await self.request_on(link, request.method, request.body or b"{}", path=request.path)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        supervisor, self._supervisor = self._supervisor, None
        if supervisor is not None:
            supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await supervisor
        for task in list(self._retiring):
            task.cancel()
        link, self._link = self._link, None
        if link is not None:
            await close_link(link)

    # -- requests ----------------------------------------------------------------------------------

    async def _ready_link(self, request: Request) -> _Link:
        if self._closed:
            raise ClientClosedError("the WebSocket API connection is closed")
        link = self._link
        if link is None or not link.ready or link.ended:
            await self.wait_ready(method=request.method, path=request.path)
            link = self._link
            assert link is not None
        return link

    async def wait_ready(self, *, method: str = "", path: str = "") -> None:
        """Until a link is open and ready (within the timeout, else `ConnectionFailedError`)."""
        self.start()
        try:
            await asyncio.wait_for(self._wait_open(), self.timeout)
        except asyncio.TimeoutError:
            raise ConnectionFailedError(
                f"no WebSocket API connection within {self.timeout} s", method=method, path=path
            ) from None

    async def _wait_open(self) -> None:
        while not self.connected:
            if self._closed:
                raise ClientClosedError("the WebSocket API connection is closed")
            self._opened.clear()
            await self._opened.wait()

    async def request_on(self, link: _Link, method: str, params: bytes, *, path: str = "") -> Response:
        """Write one request on `link` and wait for its answer (used by `send` and by `on_open`)."""
        request_id = next(self._ids)
        # Masked, as the params are (`WsPipeline`): a signed request's frame holds the key and signature.
        frame = SecretBytes(b'{"id":%d,"method":"%s","params":%s}' % (request_id, method.encode(), params))
        waiter: asyncio.Future[Frame] = self._loop.create_future()
        link.pending[request_id] = waiter
        link.idle.clear()
        try:
            await link.socket.send_str(frame.decode())
        except Exception as exc:  # the socket was closing: the frame did not leave
            link.pending.pop(request_id, None)
            # The reader has not seen the close yet: no more requests on this link (a caller trying
            # again at once would fail here again); they wait for the next one.
            link.ready = False
            raise ConnectionFailedError(
                f"{method}: not sent ({type(exc).__name__})", method=method, path=path
            ) from None
        self.stats.requests += 1
        # One timer per request, no wrapping task: the reader resolves the waiter itself.
        timeout = self.timeout
        timer = None if timeout is None else self._loop.call_later(timeout, _expire, waiter)
        try:
            answer = await waiter
        except _AnswerTimeout:
            self._forget(link, request_id)
            self.stats.timeouts += 1
            raise RequestTimeoutError(
                f"{method}: no answer in {self.timeout} s", method=method, path=path
            ) from None
        except asyncio.CancelledError:
            self._forget(link, request_id)
            raise
        finally:
            if timer is not None:
                timer.cancel()
        return Response(answer.status, response_headers(answer), bytes(answer.error or answer.result))

    @staticmethod
    def _forget(link: _Link, request_id: int) -> None:
        """A request no longer waited for: its answer, if it comes, is dropped by the reader."""
        link.pending.pop(request_id, None)
        if not link.pending:
            link.idle.set()

    # -- supervision -------------------------------------------------------------------------------

    def start(self) -> None:
        """Open the connection now (it is also opened by the first request)."""
        if self._supervisor is None and not self._closed:
            self._supervisor = asyncio.create_task(self._supervise(), name="binance-async ws-api")

    async def _supervise(self) -> None:
        await supervise(
            Supervision(
                name="WebSocket API",
                stats=self.stats,
                config=self.config,
                stopping=lambda: self._closed,
                opening=self._before_opening,
                open_link=self._open_link,
                install=self._install,
                replace=self._replace,
                losing=_nothing,
                lost=self._lost,
                silent=self._silent,
            ),
            logger,
        )

    def _before_opening(self) -> None:
        self.opening = "first" if self.stats.connects == 0 else "reconnect"

    async def _replace(self, old: _Link) -> _Link | None:
        """A planned switch: the new link in service, the old one retired once its requests are answered."""
        self.opening = "rotation"
        try:
            new = await self._open_link()
        except (BinanceError, OSError, TimeoutError) as exc:
            self.stats.last_error = f"rotation: {type(exc).__name__}: {exc}"
            return None
        self.stats.rotations += 1
        self._retire(old)
        self._install(new)
        return new

    def _lost(self) -> None:
        self._link = None

    def _silent(self) -> None:
        self.stats.silences += 1

    def _install(self, link: _Link) -> None:
        self._link = link
        self._opened.set()

    async def _open_link(self) -> _Link:
        await self._budget.acquire()
        self.stats.connects += 1
        socket = await self._connector.connect(self.url)
        link = _Link(socket, self._loop.time(), next(self._link_numbers), self.stats)
        self.opening_link = link.number
        link.reader = asyncio.create_task(self._read(link), name="binance-async ws-api reader")
        try:
            if self.on_open is not None:

                async def send_here(method: str, params: bytes) -> Response:
                    return await self.request_on(link, method, params)

                await self.on_open(send_here)
            link.ready = True
        except BaseException:
            await close_link(link)
            raise
        return link

    def _retire(self, link: _Link) -> None:
        """Close an old link once its requests are answered (or the timeout has passed)."""

        async def retire() -> None:
            if self.before_retire is not None and not link.ended:

                async def send_there(method: str, params: bytes) -> Response:
                    return await self.request_on(link, method, params)

                with contextlib.suppress(Exception):
                    await self.before_retire(send_there)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(link.idle.wait(), self.timeout or 10.0)
            await close_link(link)

        task = asyncio.create_task(retire(), name="binance-async ws-api retire")
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def _read(self, link: _Link) -> None:
        socket = link.socket
        stats = self.stats
        now = self._loop.time
        try:
            while True:
                message = await socket.receive()
                link.last_frame_at = now()
                kind = message.type
                if kind is WSMsgType.TEXT:
                    try:
                        frame = decode_frame(message.data)
                    except msgspec.DecodeError:
                        stats.malformed += 1
                        continue
                    if frame.status:
                        waiter = link.pending.pop(frame.id, None) if isinstance(frame.id, int) else None
                        if waiter is not None and not waiter.done():
                            waiter.set_result(frame)
                        if not link.pending:
                            link.idle.set()
                        continue
                    if frame.event:
                        self._event(link, frame)
                        continue
                    stats.malformed += 1
                elif kind is WSMsgType.PING:
                    stats.pings += 1
                    await socket.pong(message.data)
                elif kind in (WSMsgType.PONG, WSMsgType.BINARY):
                    continue
                else:
                    break
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            stats.last_error = f"reader: {type(exc).__name__}"
        finally:
            link.end()

    def _event(self, link: _Link, frame: Frame) -> None:
        raw = bytes(frame.event)
        if frame.subscriptionId is None and b'"serverShutdown"' in raw:
            self.stats.server_shutdowns += 1
            link.announce_shutdown()
            return
        self.stats.events += 1
        if self.on_event is not None:
            try:
                self.on_event(link.number, frame.subscriptionId, raw)
            except Exception:
                logger.exception("WebSocket API: an event listener failed")
