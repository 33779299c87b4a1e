"""The transport seam: one method, ``send(request) -> response``, that tests can replace.

`Transport`, `Request` and `Response` are public (``from binance_async import Transport``);
`binance_async.testing` builds test transports on them.

`AiohttpTransport` owns (or borrows) one ``aiohttp.ClientSession``, created lazily inside the running
event loop on the first request. It sends the URL and body exactly as built (the URL is marked as
already encoded, so nothing re-quotes the bytes that were signed) and reads the whole body, up to
``max_response_bytes``: a larger answer (by its Content-Length, or counted as it streams in, after
decompression, so that a gzip bomb stops at the cap too) is refused with `InvalidResponseError` and
its connection closed, never read whole. aiohttp's exceptions become this library's transport
errors; their messages name the method and path only, never the query string (which may carry a
signature). Nothing that holds the signed URL or the API key stays reachable from an error raised
here, as error reporters capture it (frame locals, ``__context__``): the aiohttp response is dropped
from the frame and errors are raised outside the ``except`` that caught aiohttp's. The timeout
covers the whole request (connect, send, read) and is enforced by `Deadlines` (one timer for all
requests in flight) instead of aiohttp's per-request timers, which cost 8% of a small request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import NamedTuple, Protocol

import aiohttp
from aiohttp.hdrs import CONTENT_ENCODING, CONTENT_LENGTH
from yarl import URL

from ._constants import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT
from ._deadlines import Deadlines
from .errors import (
    BinanceError,
    ClientClosedError,
    ConnectionFailedError,
    InvalidResponseError,
    RequestTimeoutError,
    TransportError,
)

__all__ = ["DEFAULT_MAX_RESPONSE_BYTES", "AiohttpTransport", "Request", "Response", "Transport"]

#: Passed with every request: aiohttp sets no timers of its own (`Deadlines` enforces the timeout).
_NO_AIOHTTP_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=None, sock_read=None, sock_connect=None)


class Request(NamedTuple):
    """One HTTP request, exactly as the client sends it (signed, encoded): what a `Transport` gets.

    `url` is the whole URL, fully percent-encoded, query string (and signature) included; `path` is
    the URL's path alone (``/api/v3/order``), for logs and errors, which never show the query string.
    `headers` are the request's own (the API key, ``Content-Type`` of a form); `body` is the
    url-encoded form of a ``POST``, ``PUT`` or ``DELETE`` with parameters, else None. The repr shows
    the method and path only (the URL and the headers carry secrets).
    """

    method: str
    url: str
    path: str
    headers: Mapping[str, str]
    body: bytes | None = None

    def __repr__(self) -> str:
        return f"Request({self.method} {self.path})"


class Response(NamedTuple):
    """One HTTP answer, read whole: what a `Transport` returns.

    `headers` must look names up case-insensitively (the client reads ``Retry-After``, ``Date`` and
    Binance's ``X-MBX-USED-WEIGHT-*`` counts): aiohttp's are a `multidict.CIMultiDictProxy`, and
    `binance_async.testing.json_response` builds one. `body` is the raw bytes (it may hold tokens: the
    repr shows its length only).
    """

    status: int
    headers: Mapping[str, str]
    body: bytes

    def __repr__(self) -> str:
        return f"Response({self.status}, {len(self.body)} bytes)"


class Transport(Protocol):
    """What sends a client's requests: ``SpotClient(transport=...)`` replaces the aiohttp one.

    ``send`` sends one `Request` and returns its `Response`, whatever its status. A failure of the
    network is raised as a `TransportError`: `ConnectionFailedError` if the request never left (the
    client may safely send it again), `RequestTimeoutError` if no answer came in time, `TransportError`
    itself if the connection failed after sending (an order may then have been executed). The client
    retries reads on these and never resends an order. ``aclose`` releases what the transport holds;
    the client calls it when it is closed. `binance_async.testing` has transports for tests.
    """

    async def send(self, request: Request) -> Response:
        """Send `request`; return its answer, or raise a `TransportError`."""
        ...

    async def aclose(self) -> None:
        """Release the transport's resources (the client is being closed)."""
        ...


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
        timeout: float | None = DEFAULT_TIMEOUT,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        if max_response_bytes is not None and (
            type(max_response_bytes) is not int or max_response_bytes <= 0
        ):
            raise ValueError(f"max_response_bytes must be a positive int or None, got {max_response_bytes!r}")
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
        self._max_response_bytes = max_response_bytes
        self.closed = False

    @property
    def opened_session(self) -> bool:
        """Whether this transport created a session that it must close."""
        return self._owns_session and self._session is not None and not self._session.closed

    @property
    def proxy(self) -> str | None:
        return self._proxy

    def session(self) -> aiohttp.ClientSession:
        """The session requests go through, opened now if needed (the client's sockets use it too)."""
        return self._session or self._open()

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
        # The response's repr shows the signed URL: it is dropped (finally) before anything propagates.
        # Errors are raised after the ``try``, so that the aiohttp exception (whose traceback holds the
        # URL and the headers) does not become their ``__context__``.
        resp: aiohttp.ClientResponse | None = None
        error: BinanceError
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
                cap = self._max_response_bytes
                content = resp.content
                if content.is_eof():
                    # The hot path: a small answer arrives with its headers, so it is all in already
                    # (decompressed: total_bytes counts what it decompressed to) and is taken as is,
                    # without a further await (cheaper than resp.read()).
                    body: bytes | None = (
                        content.read_nowait() if cap is None or content.total_bytes <= cap else None
                    )
                elif cap is None:
                    body = await resp.read()
                else:
                    headers = resp.headers
                    length = headers.get(CONTENT_LENGTH)
                    if (
                        length is not None
                        and CONTENT_ENCODING not in headers
                        and length.isdigit()
                        and int(length) > cap
                        and request.method != "HEAD"
                    ):
                        body = None  # announced larger than the cap: not a byte of it is read
                    else:  # chunked, compressed, or not all in yet: counted as it arrives
                        body = await _read_at_most(content, cap)
            except BaseException:
                resp.close()  # the connection is in an unknown state: never back to the pool
                raise
            if body is not None:
                resp.release()
                return Response(resp.status, resp.headers, body)
            resp.close()  # not release(): the rest of the answer is never read
            error = self._too_large(request, resp.status)
        except asyncio.CancelledError as exc:
            if deadlines is None or task is None or not deadlines.timed_out(task):
                # Cancelled from elsewhere: it propagates, without the frames below this one (aiohttp's,
                # whose locals hold the URL and the headers).
                raise exc.with_traceback(None)  # noqa: B904 - the same exception, re-raised
            error = self._timed_out(request)
        except aiohttp.ClientConnectorError as exc:
            error = ConnectionFailedError(
                f"{request.method} {request.path}: cannot connect ({type(exc).__name__})",
                method=request.method,
                path=request.path,
            )
        except asyncio.TimeoutError:
            error = self._timed_out(request)
        except aiohttp.ClientError as exc:
            error = TransportError(
                f"{request.method} {request.path}: {type(exc).__name__}",
                method=request.method,
                path=request.path,
            )
        finally:
            resp = None
            if deadlines is not None and task is not None:
                deadlines.finish(task)
        raise error

    def _too_large(self, request: Request, status: int) -> InvalidResponseError:
        return InvalidResponseError(
            f"{request.method} {request.path}: the answer is larger than max_response_bytes "
            f"({self._max_response_bytes} bytes)",
            status=status,
            body=b"",
            method=request.method,
            path=request.path,
        )

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


async def _read_at_most(content: aiohttp.StreamReader, cap: int) -> bytes | None:
    """The whole body, or None as soon as more than `cap` bytes of it (decompressed) have arrived.

    aiohttp hands the body over as it arrives, decompressing a bounded piece at a time and pausing the
    socket while its buffer is full, so no more than about `cap` bytes are held at any time.
    """
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = await content.readany()
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > cap:
            return None
        chunks.append(chunk)
