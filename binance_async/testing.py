"""Test doubles for the transport seam: drive a client without a network, a server or aiohttp patches.

Every client sends its HTTP requests through one object, its transport (`Transport`: ``send(request)
-> response`` and ``aclose()``). Pass ``SpotClient(transport=...)`` (or ``OAuthClient``) one of the
transports below and everything else -- parameter encoding, signing, the rate limiter, the clock
sync, retries, error mapping, decoding -- runs exactly as in production::

    from binance_async import SpotClient
    from binance_async.testing import MockTransport, Router, params, server_time

    router = Router()
    router.get("/api/v3/time", server_time, times=None)
    router.get("/api/v3/ticker/price", json={"symbol": "BTCUSDT", "price": "65000.01"})
    transport = MockTransport(router)
    async with SpotClient("key", "secret", transport=transport) as client:
        price = await client.ticker_price("BTCUSDT")
    [request] = transport.requests  # a public call: no clock sync before it
    assert params(request) == [("symbol", "BTCUSDT")]

What is here:

- `MockTransport` answers each `Request` with a handler of yours: a function (plain or ``async``)
  from `Request` to `Response`. An exception the handler raises is what ``send`` raises: a
  `TransportError` subclass (`ConnectionFailedError`, `RequestTimeoutError`, or `TransportError`
  itself for a connection lost after sending) is how a test stands for a network failure, as the
  real transport raises exactly these.
- `RecordingTransport` wraps any transport (the real `AiohttpTransport` against the simulator, say)
  and keeps every request and what came back. A `MockTransport` records the same way.
- `Router`: a handler that answers by method and path, each route a fixed answer, an exception or a
  handler, served once, a number of times or for ever, routes for the same path in the order added.
- `json_response`, `bytes_response`: build a `Response` (headers case-insensitive, as the real
  transport's are); `server_time`: a handler answering ``GET /api/v3/time`` with the local clock.
- `params`: a request's parameters as the server reads them (form body, else query string).

WebSockets have their seam too: every socket a client opens comes from its connector
(``SpotClient(connector=...)``). `MockConnector` hands out `MockWebSocket`s, socket-level fakes that a
test feeds frames (``feed_event``, ``ping``, ``drop``, ``close_from_server``) and reads what the client
sent (``sent``, ``pongs``, ``streams``); control messages are answered as Binance answers them.

Nothing here imports a server or opens a socket.
"""

from __future__ import annotations

import inspect
import json as _json
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, TypeAlias, TypedDict
from urllib.parse import parse_qsl, urlsplit

from multidict import CIMultiDict, CIMultiDictProxy

from ._mock_websocket import MockConnector, MockWebSocket
from ._transport import Request, Response, Transport
from .errors import ClientClosedError

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "Answer",
    "Exchange",
    "Handler",
    "Headers",
    "MockConnector",
    "MockTransport",
    "MockWebSocket",
    "NoRouteError",
    "RecordingTransport",
    "Request",
    "Response",
    "Route",
    "RouteOptions",
    "Router",
    "Transport",
    "bytes_response",
    "json_response",
    "params",
    "server_time",
]

#: What `MockTransport` and `Router` call for an answer: a plain or ``async`` function of the request.
Handler: TypeAlias = Callable[[Request], "Response | Awaitable[Response]"]
#: Response headers as a test gives them: a mapping, or (name, value) pairs (a name may repeat).
Headers: TypeAlias = "Mapping[str, str] | Iterable[tuple[str, str]]"
#: What a `Router` route answers with: a response, an exception to raise, or a handler.
Answer: TypeAlias = "Response | BaseException | Handler"


# -- responses -------------------------------------------------------------------------------------


def _headers(headers: Headers | None, **defaults: str) -> CIMultiDictProxy[str]:
    merged: CIMultiDict[str] = CIMultiDict(defaults)
    if headers:
        items = list(headers.items() if isinstance(headers, Mapping) else headers)
        for name, _ in items:
            merged.popall(name, None)  # what the test gives replaces a default
        merged.extend(items)
    return CIMultiDictProxy(merged)


def bytes_response(
    body: bytes | str = b"",
    status: int = 200,
    headers: Headers | None = None,
) -> Response:
    """A `Response` with this body as is (a `str` is UTF-8 encoded) and these headers.

    The headers are a case-insensitive `multidict.CIMultiDictProxy`, as the real transport gives:
    ``response.headers.get("x-mbx-used-weight-1m")`` finds ``X-MBX-USED-WEIGHT-1M``. Pairs may repeat
    a name.
    """
    data = body.encode() if isinstance(body, str) else body
    return Response(status, _headers(headers), data)


def json_response(
    body: object,
    status: int = 200,
    headers: Headers | None = None,
) -> Response:
    """A `Response` whose body is `body` as JSON, with ``Content-Type: application/json`` (unless
    `headers` sets another) and case-insensitive headers, as `bytes_response`."""
    data = _json.dumps(body).encode()
    return Response(status, _headers(headers, **{"Content-Type": "application/json"}), data)


def server_time(request: Request) -> Response:
    """A handler answering the clock sync (``GET /api/v3/time``) with this machine's clock, so that a
    signed call's timestamp is accepted: ``router.get("/api/v3/time", server_time, times=None)``."""
    return json_response({"serverTime": int(time.time() * 1000)})


# -- requests --------------------------------------------------------------------------------------


def params(request: Request) -> list[tuple[str, str]]:
    """The parameters of `request` as the server reads them: the form body if it has one (Binance's
    ``POST``, ``PUT`` and ``DELETE``), else the query string; decoded, in the order sent, empty
    values kept, the signature and timestamp included. ``dict(params(request))`` for lookups."""
    raw = request.body.decode() if request.body is not None else urlsplit(request.url).query
    return parse_qsl(raw, keep_blank_values=True)


# -- transports ------------------------------------------------------------------------------------


class Exchange(NamedTuple):
    """One request a `RecordingTransport` passed on, and what came back: a response, or the exception
    that ``send`` raised (then `response` is None)."""

    request: Request
    response: Response | None
    error: BaseException | None = None


class RecordingTransport:
    """A transport that passes every request to `inner` and keeps it, with its answer.

    `requests` holds every request in the order sent; `exchanges` pairs each with its `Response` or
    the exception raised (a `TransportError` when the network failed). `find` selects requests by
    method and path. After `aclose` (which closes `inner`), ``send`` raises `ClientClosedError`, as
    the real transport does.
    """

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.exchanges: list[Exchange] = []
        self.closed = False

    @property
    def requests(self) -> list[Request]:
        """Every request sent, in order."""
        return [exchange.request for exchange in self.exchanges]

    def find(self, method: str | None = None, path: str | None = None) -> list[Request]:
        """The requests sent with this method (``"GET"``) and to this path (``"/api/v3/order"``; a
        full URL without its query string matches too), in order; None matches any."""
        return [r for r in self.requests if _matches(r, method, path)]

    def clear(self) -> None:
        """Forget what was recorded so far."""
        self.exchanges.clear()

    async def send(self, request: Request) -> Response:
        if self.closed:
            raise ClientClosedError("the client is closed")
        index = len(self.exchanges)
        self.exchanges.append(Exchange(request, None))
        try:
            response = await self.inner.send(request)
        except BaseException as exc:
            self.exchanges[index] = Exchange(request, None, exc)
            raise
        self.exchanges[index] = Exchange(request, response)
        return response

    async def aclose(self) -> None:
        self.closed = True
        await self.inner.aclose()


class _HandlerTransport:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    async def send(self, request: Request) -> Response:
        answer = self.handler(request)
        if inspect.isawaitable(answer):
            answer = await answer
        if not isinstance(answer, Response):
            raise TypeError(f"the handler answered {request!r} with {answer!r}, not a Response")
        return answer

    async def aclose(self) -> None:
        pass


class MockTransport(RecordingTransport):
    """A transport that answers every request with ``handler(request)``, and records it.

    `handler` is a plain or ``async`` function from `Request` to `Response` (a `Router` is one).
    Whatever it raises, ``send`` raises: raise `ConnectionFailedError` for a request that never left
    (refused connection, DNS failure), `RequestTimeoutError` for one that got no answer in time, and
    `TransportError` for a connection lost after sending -- what the real transport raises, and what
    the client retries (reads) or reports as possibly executed (orders). The requests are kept as
    `RecordingTransport` keeps them.
    """

    def __init__(self, handler: Handler) -> None:
        super().__init__(_HandlerTransport(handler))
        self.handler = handler


# -- routing ---------------------------------------------------------------------------------------


class NoRouteError(AssertionError):
    """A `Router` got a request that no route (left) answers: the test did not expect it.

    An `AssertionError`, not a `TransportError`: the client does not retry it or take it for a
    network failure, so it fails the test at once."""


@dataclass
class Route:
    """One answer source of a `Router`: `answer` for `method` and `path`, `times` more times (None:
    for ever). `calls` counts the requests it answered."""

    method: str
    path: str
    answer: Answer
    times: int | None = 1
    calls: int = 0

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.calls >= self.times


_UNSET: object = object()


class RouteOptions(TypedDict, total=False):
    """The keywords of `Router.add` after the answer: json, body, status, headers and times."""

    json: object
    body: bytes | str | None
    status: int
    headers: Headers | None
    times: int | None


class Router:
    """A handler that answers requests by method and path.

    ::

        router = Router()
        router.get("/api/v3/depth", json={"lastUpdateId": 1, "bids": [], "asks": []})
        router.post("/api/v3/order", ConnectionFailedError("refused"))  # raised when asked
        router.delete("/api/v3/order", on_cancel, times=None)  # a handler, for every cancel
        transport = MockTransport(router)

    A route is matched on the request's method and its path (``request.path``), or, if given as a full
    URL (``"https://api.binance.com/api/v3/depth"``), on the URL without its query string. Its answer
    is a `Response`, an exception (raised), or a handler; ``json=`` (with ``status=`` and
    ``headers=``) or ``body=`` build the response in place. A route answers once by default,
    ``times=n`` n times, ``times=None`` for ever; routes added for the same method and path answer in
    the order added, each until it is used up. A request nothing is left to answer raises
    `NoRouteError`, which fails the test (it is not a network error: the client does not retry it).
    """

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(
        self,
        method: str,
        path: str,
        answer: Answer | None = None,
        *,
        json: object = _UNSET,
        body: bytes | str | None = None,
        status: int = 200,
        headers: Headers | None = None,
        times: int | None = 1,
    ) -> Route:
        """Answer `method` `path` with `answer`, or with ``json_response(json, status, headers)``, or
        ``bytes_response(body, status, headers)`` (an empty 200 if none is given)."""
        built = json is not _UNSET or body is not None or status != 200 or headers is not None
        if answer is not None and built:
            raise TypeError("give either an answer or json=/body=/status=/headers=, not both")
        if json is not _UNSET and body is not None:
            raise TypeError("give json= or body=, not both")
        if times is not None and times < 1:
            raise ValueError(f"times must be a positive int or None, got {times!r}")
        if answer is None:
            answer = (
                json_response(json, status, headers)
                if json is not _UNSET
                else bytes_response(body or b"", status, headers)
            )
        route = Route(method.upper(), path, answer, times)
        self.routes.append(route)
        return route

    def get(self, path: str, answer: Answer | None = None, **options: Unpack[RouteOptions]) -> Route:
        """`add` for ``GET``."""
        return self.add("GET", path, answer, **options)

    def post(self, path: str, answer: Answer | None = None, **options: Unpack[RouteOptions]) -> Route:
        """`add` for ``POST``."""
        return self.add("POST", path, answer, **options)

    def put(self, path: str, answer: Answer | None = None, **options: Unpack[RouteOptions]) -> Route:
        """`add` for ``PUT``."""
        return self.add("PUT", path, answer, **options)

    def delete(self, path: str, answer: Answer | None = None, **options: Unpack[RouteOptions]) -> Route:
        """`add` for ``DELETE``."""
        return self.add("DELETE", path, answer, **options)

    def pending(self) -> list[Route]:
        """The routes that would still answer a request with a limited `times` left (a test can check
        that every answer it set up was asked for: ``assert router.pending() == []``)."""
        return [r for r in self.routes if r.times is not None and not r.exhausted]

    async def __call__(self, request: Request) -> Response:
        for route in self.routes:
            if route.exhausted or not _matches(request, route.method, route.path):
                continue
            route.calls += 1
            answer = route.answer
            if isinstance(answer, Response):
                return answer
            if isinstance(answer, BaseException):
                raise answer.with_traceback(None)  # no frames piled up by earlier raises
            result = answer(request)
            if inspect.isawaitable(result):
                result = await result
            return result
        raise NoRouteError(f"no route answers {request.method} {request.path}")


def _matches(request: Request, method: str | None, path: str | None) -> bool:
    if method is not None and request.method != method.upper():
        return False
    if path is None:
        return True
    if "://" in path:
        return request.url.split("?", 1)[0] == path
    return request.path == path
