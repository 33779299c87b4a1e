"""The transport seam: one method, ``send(request) -> response``, that tests can replace.

`AiohttpTransport` owns (or borrows) one ``aiohttp.ClientSession``, created lazily inside the running
event loop on the first request. It sends the URL and body exactly as built (the URL is marked as
already encoded, so nothing re-quotes the bytes that were signed) and reads the whole body.
aiohttp's exceptions become this library's transport errors; their messages name the method and
path only, never the query string (which may carry a signature). The timeout covers the whole
request (connect, send, read) and is enforced by `Deadlines` (one timer for all requests in flight)
instead of aiohttp's per-request timers, which cost 8% of a small request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import NamedTuple, Protocol

import aiohttp
from yarl import URL

from ._deadlines import Deadlines
from .errors import ClientClosedError, ConnectionFailedError, RequestTimeoutError, TransportError

__all__ = ["AiohttpTransport", "Request", "Response", "Transport"]

#: Passed with every request: aiohttp sets no timers of its own (`Deadlines` enforces the timeout).
_NO_AIOHTTP_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=None, sock_read=None, sock_connect=None)


class Request(NamedTuple):
    method: str
    url: str  # fully percent-encoded
    path: str  # for logs and errors: never the query string
    headers: Mapping[str, str]
    body: bytes | None = None

    def __repr__(self) -> str:
        return f"Request({self.method} {self.path})"


class Response(NamedTuple):
    status: int
    headers: Mapping[str, str]  # case-insensitive
    body: bytes  # may hold tokens (the OAuth token endpoint's answer): never in the repr

    def __repr__(self) -> str:
        return f"Response({self.status}, {len(self.body)} bytes)"


class Transport(Protocol):
    async def send(self, request: Request) -> Response: ...

    async def aclose(self) -> None: ...


def _no_silent_resend(session: aiohttp.ClientSession) -> None:
    """Stop aiohttp from silently sending a request a second time.

    When a kept-alive connection drops, aiohttp resends GET, HEAD, OPTIONS, TRACE, PUT and DELETE once
    on a new connection, so a cancel (DELETE) or an amend (PUT) could reach Binance twice without the
    caller knowing. The pipeline retries reads itself, under its own policy, and never resends a
    write; aiohttp offers no public switch, so the session attribute behind it is turned off.
    """
    if hasattr(session, "_retry_connection"):
        session._retry_connection = False


class AiohttpTransport:
    """Sends requests with aiohttp; closes the session on `aclose` only if it created it."""

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        proxy: str | None = None,
        trust_env: bool = False,
        timeout: float | None = 10.0,
    ) -> None:
        self._session = session
        self._owns_session = session is None
        if session is not None:
            _no_silent_resend(session)
        self._proxy = proxy
        self._trust_env = trust_env
        if timeout is not None and not timeout > 0:
            raise ValueError(f"timeout must be positive or None, got {timeout}")
        self._timeout = timeout
        self._deadlines = Deadlines(timeout) if timeout is not None else None
        self.closed = False

    @property
    def opened_session(self) -> bool:
        """Whether this transport created a session that it must close."""
        return self._owns_session and self._session is not None and not self._session.closed

    def _open(self) -> aiohttp.ClientSession:
        if self.closed:
            raise ClientClosedError("the client is closed")
        self._session = aiohttp.ClientSession(timeout=_NO_AIOHTTP_TIMEOUT, trust_env=self._trust_env)
        _no_silent_resend(self._session)
        return self._session

    async def send(self, request: Request) -> Response:
        session = self._session or self._open()
        deadlines = self._deadlines
        task = deadlines.start() if deadlines is not None else None
        try:
            # Awaiting the request (rather than ``async with``) skips a context-manager layer that
            # measurably costs CPU per request; release() hands the connection back to the pool.
            resp = await session.request(
                request.method,
                URL(request.url, encoded=True),
                headers=request.headers or None,
                data=request.body,
                proxy=self._proxy,
                allow_redirects=False,  # never replay a (signed) request to another URL
                timeout=_NO_AIOHTTP_TIMEOUT,
            )
            try:
                body = await resp.read()
            finally:
                resp.release()
            return Response(resp.status, resp.headers, body)
        except asyncio.CancelledError:
            if deadlines is None or task is None or not deadlines.timed_out(task):
                raise
            raise self._timed_out(request) from None
        except aiohttp.ClientConnectorError as exc:
            raise ConnectionFailedError(
                f"{request.method} {request.path}: cannot connect ({type(exc).__name__})",
                method=request.method,
                path=request.path,
            ) from None
        except asyncio.TimeoutError:
            raise self._timed_out(request) from None
        except aiohttp.ClientError as exc:
            raise TransportError(
                f"{request.method} {request.path}: {type(exc).__name__}",
                method=request.method,
                path=request.path,
            ) from None
        finally:
            if deadlines is not None and task is not None:
                deadlines.finish(task)

    def _timed_out(self, request: Request) -> RequestTimeoutError:
        return RequestTimeoutError(
            f"{request.method} {request.path}: no response within {self._timeout} s",
            method=request.method,
            path=request.path,
        )

    async def aclose(self) -> None:
        self.closed = True
        if self._deadlines is not None:
            self._deadlines.close()
        session, self._session = self._session, None  # later sends fail with ClientClosedError
        if self._owns_session and session is not None and not session.closed:
            await session.close()
