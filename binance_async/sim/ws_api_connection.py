"""One WebSocket API connection: a market-stream `Connection` (its outgoing queue, keep-alive, lifetime,
stall and drop, see `stream_connection`) that reads requests instead of control messages, answers each
one (perhaps late, a fault), and carries its session (`ws_api_sessions.Session`).

Binance sets no per-second message budget on the WebSocket API (its requests cost weight instead), so
none is applied.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, cast

from aiohttp import WSMsgType, web

from .stream_connection import Connection
from .stream_limits import StreamSettings
from .ws_api_framing import FrameError
from .ws_api_sessions import Session

if TYPE_CHECKING:
    from .ws_api import WsApiServer

__all__ = ["ApiConnection"]


class ApiConnection(Connection):
    """One client of `server` (`WsApiServer`), with its `session`."""

    def __init__(
        self,
        server: WsApiServer,
        request: web.Request,
        ws: web.WebSocketResponse,
        settings: StreamSettings,
        session: Session,
    ) -> None:
        # The base class needs of its server only `clock`, `faults.due` / `faults.fired` and
        # `counters.messages_sent`, which `WsApiServer` has too.
        super().__init__(cast(Any, server), request, ws, settings, combined=False)
        self.api = server
        self.session = session
        self.ip = request.remote or "127.0.0.1"
        self._drops: list[asyncio.TimerHandle] = []

    def send_later(self, text: str, delay: float) -> None:
        """Queue `text` to go out `delay` seconds from now at the earliest (order is kept)."""
        if delay <= 0:
            self.send(text)
        elif self._closing is None and not self._finishing:
            due = max(self.api.faults.due(), asyncio.get_running_loop().time() + delay)
            self._outgoing.put_nowait((due, text))

    def drop_later(self, delay: float) -> None:
        """Drop the TCP connection (no close frame) `delay` seconds from now (0: now)."""
        if delay <= 0:
            self.abort()
        else:
            self._drops.append(asyncio.get_running_loop().call_later(delay, self.abort))

    async def run(self) -> None:
        writer = asyncio.create_task(self._write())
        keepalive = asyncio.create_task(self._keepalive())
        try:
            async for message in self.ws:
                if message.type == WSMsgType.PING:
                    if not self.stalled:
                        await self.ws.pong(message.data)
                elif message.type == WSMsgType.PONG:
                    if bytes(message.data) in self._pings:  # unsolicited pongs do not keep it alive
                        self._pings.clear()
                        self._unanswered_since = None
                elif message.type == WSMsgType.TEXT:
                    self.api.handle(self, message.data)
                elif message.type == WSMsgType.BINARY:  # requests come in text frames
                    self.send(FrameError("Invalid JSON Request").answer.decode())
        finally:
            for handle in self._drops:
                handle.cancel()
            for task in (writer, keepalive):
                task.cancel()
            await asyncio.gather(writer, keepalive, return_exceptions=True)
            if self._closing is not None:
                await asyncio.gather(self._closing, return_exceptions=True)
