"""One market-stream connection: its streams, its outgoing queue, its keep-alive, its message budget,
its end (lifetime, ``serverShutdown``), and the faults it can suffer (dropped, stalled, delayed).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import WSCloseCode, WSMsgType, web

from .stream_limits import StreamSettings

if TYPE_CHECKING:
    from .ws_streams import MarketStreams

__all__ = ["Connection", "encode", "error_body"]

JsonObject = dict[str, Any]
encode = msgspec.json.Encoder(decimal_format="string").encode


def error_body(code: int, msg: str, request_id: Any) -> JsonObject:
    return {"error": {"code": code, "msg": msg}, "id": request_id}


class _Close:
    """The writer's cue to close once everything queued before it is sent."""

    def __init__(self, code: int, reason: str) -> None:
        self.code = code
        self.reason = reason


class Connection:
    """One WebSocket client of `server`."""

    def __init__(
        self,
        server: MarketStreams,
        request: web.Request,
        ws: web.WebSocketResponse,
        settings: StreamSettings,
        combined: bool,
    ) -> None:
        self.server = server
        self.request = request
        self.ws = ws
        self.settings = settings
        self.combined = combined
        self.streams: dict[str, None] = {}  # subscription order
        #: When it is closed (1001), on the simulator's clock: its lifetime's end, or a shutdown's grace.
        self.deadline_ms = server.clock.now_ms() + int(settings.max_lifetime * 1000)
        self.deadline_reason = "lifetime"
        #: Why it ended (counted by the server when it does).
        self.close_reason = "client"
        #: Messages sent; the connection is dropped once it reaches `drop_after` (a fault), if set.
        self.sent = 0
        self.drop_after: int | None = None
        self._stalled_until = 0.0  # loop time
        self._outgoing: asyncio.Queue[tuple[float, str | _Close]] = asyncio.Queue()
        self._received: deque[float] = deque()
        self._pings: set[bytes] = set()
        self._unanswered_since: float | None = None
        self._closing: asyncio.Task[bool] | None = None
        self._finishing = False

    # -- what the server does to it ---------------------------------------------------------------------

    def send(self, text: str) -> None:
        if self._closing is None and not self._finishing:
            self._outgoing.put_nowait((self.server.faults.due(), text))

    def send_event(self, stream: str, raw: str) -> None:
        """One event, framed as this connection wants it now (raw or combined)."""
        self.send(f'{{"stream":"{stream}","data":{raw}}}' if self.combined else raw)

    def close_soon(self, code: int, message: str, reason: str | None = None) -> None:
        """Close now (a close frame, whatever is still queued is lost)."""
        if self._closing is None:
            if reason is not None:
                self.close_reason = reason
            self._closing = asyncio.ensure_future(self.ws.close(code=code, message=message.encode()))

    async def close(self, code: int, message: str, reason: str | None = None) -> None:
        self.close_soon(code, message, reason)
        assert self._closing is not None
        await asyncio.gather(self._closing, return_exceptions=True)

    def finish(self, code: int, reason: str) -> None:
        """Close once everything queued so far is sent (a ``serverShutdown`` event goes first)."""
        if self._closing is None and not self._finishing:
            self._finishing = True
            self.close_reason = reason
            self._outgoing.put_nowait((self.server.faults.due(count=False), _Close(code, reason)))

    def abort(self) -> None:
        """Drop the TCP connection: no close frame, nothing more sent (a fault)."""
        self.close_reason = "dropped"
        transport = self.request.transport
        if transport is not None:
            transport.abort()

    async def _drop(self, detail: str) -> None:
        """The drop fault: once what was sent has left (at most a second), the TCP connection goes."""
        self.server.faults.fired("drop", detail)
        transport = self.request.transport
        for _ in range(200):
            if transport is None or not transport.get_write_buffer_size():
                break
            await asyncio.sleep(0.005)
        self.abort()

    def stall(self, seconds: float) -> None:
        """Send nothing, ping nothing and answer no ping for `seconds` (queued messages wait)."""
        loop = asyncio.get_running_loop()
        self._stalled_until = max(self._stalled_until, loop.time() + seconds)

    @property
    def stalled(self) -> bool:
        return asyncio.get_running_loop().time() < self._stalled_until

    # -- its life ---------------------------------------------------------------------------------------

    async def run(self) -> None:
        writer = asyncio.create_task(self._write())
        keepalive = asyncio.create_task(self._keepalive())
        try:
            if self.drop_after == 0:
                await self._drop("after the handshake")
            async for message in self.ws:
                if not self._within_budget():
                    self.close_soon(WSCloseCode.POLICY_VIOLATION, "too many messages", "too many messages")
                    break
                if message.type == WSMsgType.PING:
                    if not self.stalled:
                        await self.ws.pong(message.data)
                elif message.type == WSMsgType.PONG:
                    if bytes(message.data) in self._pings:  # unsolicited pongs do not keep it alive
                        self._pings.clear()
                        self._unanswered_since = None
                elif message.type == WSMsgType.TEXT:
                    self.send(encode(self.server.control(self, message.data)).decode())
                elif message.type == WSMsgType.BINARY:
                    self.send(encode(error_body(3, "Invalid JSON: expected a text frame", None)).decode())
        finally:
            for task in (writer, keepalive):
                task.cancel()
            await asyncio.gather(writer, keepalive, return_exceptions=True)
            if self._closing is not None:
                await asyncio.gather(self._closing, return_exceptions=True)

    def _within_budget(self) -> bool:
        now = asyncio.get_running_loop().time()
        received = self._received
        received.append(now)
        while received and received[0] <= now - 1.0:
            received.popleft()
        return len(received) <= self.settings.max_messages_per_second

    async def _write(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due, item = await self._outgoing.get()
            while True:  # until it is due and no stall holds it (a stall may begin or grow meanwhile)
                wait = max(due, self._stalled_until) - loop.time()
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            if isinstance(item, _Close):
                self.close_soon(item.code, item.reason)
                return
            try:
                await self.ws.send_str(item)
            except (ConnectionError, RuntimeError):
                return
            self.sent += 1
            self.server.counters.messages_sent += 1
            if self.drop_after is not None and self.sent >= self.drop_after:
                await self._drop(f"after {self.sent} messages")
                return

    async def _keepalive(self) -> None:
        loop = asyncio.get_running_loop()
        settings = self.settings
        next_ping = loop.time() + settings.ping_interval
        sequence = 0
        while not self.ws.closed:
            now = loop.time()
            if now < self._stalled_until:  # a stalled server pings nobody and times out nobody
                await asyncio.sleep(self._stalled_until - now)
                next_ping = max(next_ping, self._stalled_until)
                if self._unanswered_since is not None:
                    self._unanswered_since = self._stalled_until
                continue
            if self._unanswered_since is not None and now - self._unanswered_since >= settings.pong_timeout:
                self.close_soon(WSCloseCode.POLICY_VIOLATION, "pong timeout", "pong timeout")
                return
            if now >= next_ping:
                sequence += 1
                payload = b"%d" % sequence
                self._pings.add(payload)
                if self._unanswered_since is None:
                    self._unanswered_since = now
                try:
                    await self.ws.ping(payload)
                except (ConnectionError, RuntimeError):
                    return
                next_ping = now + settings.ping_interval
            wake = next_ping
            if self._unanswered_since is not None:
                wake = min(wake, self._unanswered_since + settings.pong_timeout)
            await asyncio.sleep(max(wake - loop.time(), 0.001))
