"""The WebSocket seam: every socket the streams (and the WebSocket API) open goes through a `Connector`.

A `Connector` opens a `WebSocket` for a URL; a `WebSocket` is the part of aiohttp's
``ClientWebSocketResponse`` the library uses: ``receive()`` one frame (an ``aiohttp.WSMessage``),
``send_str``, ``pong`` and ``close``. `AiohttpConnector` is the real one (the client's session, its
proxy and ``trust_env``); ``binance_async.testing.MockConnector`` is the socket-level fake for tests.
The market streams open their sockets with their own frame reader when `AiohttpConnector.direct` says
the session would connect straight to the host (``binance_async.streams._wire``).

Sockets are opened with ``autoping=False``: the reader answers each server ping with its payload itself
(Binance counts a pong only if it carries the ping's payload), and sees every frame, so a watchdog can
tell a live but quiet connection (pings keep coming) from a dead one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol, cast

import aiohttp

from ._transport import AiohttpTransport
from .errors import ConnectionFailedError

__all__ = ["DEFAULT_MAX_FRAME_BYTES", "AiohttpConnector", "Connector", "WebSocket"]

#: The largest frame a socket accepts (a larger one closes the socket with an error: nothing Binance
#: sends on a market stream comes near it; ``!miniTicker@arr`` is ~300 KB).
DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024


class WebSocket(Protocol):
    """One open socket, as the readers use it."""

    @property
    def closed(self) -> bool: ...

    async def receive(self) -> aiohttp.WSMessage: ...

    async def send_str(self, data: str) -> None: ...

    async def pong(self, message: bytes = b"") -> None: ...

    async def close(self, *, code: int = 1000, message: bytes = b"") -> bool: ...


class Connector(Protocol):
    """Opens sockets. ``connect`` raises `ConnectionFailedError` (or `TransportError`) on failure."""

    async def connect(self, url: str) -> WebSocket: ...


class AiohttpConnector:
    """Opens sockets on an aiohttp session: the client's own (`session()` gives it), with its proxy."""

    def __init__(
        self,
        session: Callable[[], aiohttp.ClientSession],
        *,
        proxy: str | None = None,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
        handshake_timeout: float = 10.0,
    ) -> None:
        self._session = session
        self._proxy = proxy
        self._max_frame_bytes = max_frame_bytes
        self._timeout = aiohttp.ClientWSTimeout(ws_receive=None, ws_close=5.0)
        self._handshake_timeout = handshake_timeout

    @property
    def max_frame_bytes(self) -> int:
        return self._max_frame_bytes

    @property
    def handshake_timeout(self) -> float:
        return self._handshake_timeout

    def direct(self) -> bool:
        """Whether a socket of this connector goes straight to its host with Python's default TLS
        context: no proxy (given, or taken from the environment with ``trust_env``), on the session
        the client opened itself (a session passed in keeps its own settings: TLS, resolver, local
        address). Only then may a socket skip aiohttp (the market streams' own frame reader)."""
        if self._proxy is not None:
            return False
        session = self._session()
        if session.trust_env:
            return False
        owner = getattr(self._session, "__self__", None)
        return isinstance(owner, AiohttpTransport) and owner.opened_session

    async def connect(self, url: str) -> WebSocket:
        session = self._session()

        async def opening() -> WebSocket:
            # aiohttp's socket is a `WebSocket` (its type varies between aiohttp versions)
            return cast(
                WebSocket,
                await session.ws_connect(
                    url,
                    autoping=False,
                    autoclose=True,
                    proxy=self._proxy,
                    max_msg_size=self._max_frame_bytes,
                    timeout=self._timeout,
                    compress=0,
                ),
            )

        try:
            # the handshake's own deadline: once open, a socket's life is watched by its reader
            return await asyncio.wait_for(opening(), self._handshake_timeout)
        except aiohttp.WSServerHandshakeError as exc:
            raise ConnectionFailedError(
                f"WebSocket handshake refused: HTTP {exc.status} for {_where(url)}"
            ) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise ConnectionFailedError(f"cannot open {_where(url)}: {type(exc).__name__}") from None


def _where(url: str) -> str:
    """The URL without its query (stream lists can be long)."""
    return url.partition("?")[0]
