"""The aiohttp transport against hostile or broken servers: a cap on the answer's size, no secret in errors.

A real aiohttp server on an ephemeral 127.0.0.1 port serves (a) a body announced as 2 GiB, (b) a
chunked body that never ends, and (c) a gzip bomb; the transport refuses each with
`InvalidResponseError` once it is past `max_response_bytes`, promptly and with bounded memory
(traced with tracemalloc; the servers count what they managed to send). Every failure of a request
whose URL carries a signature and whose headers carry an API key is then rendered the way an error
reporter does (``capture_locals=True``), and its ``__context__`` / ``__cause__`` chain walked: neither
secret may appear.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
import traceback
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from binance_async import ConnectionFailedError, RequestTimeoutError, SpotClient, TransportError
from binance_async._transport import DEFAULT_MAX_RESPONSE_BYTES, AiohttpTransport, Request
from binance_async.errors import InvalidResponseError
from tests.unit.helpers import FAST_RETRY, iter_strings

CAP = 1024 * 1024
#: What a hostile server sends at most here, so that a failing (uncapped) run cannot eat the machine.
SAFETY = 64 * CAP
CHUNK = b"x" * 65536
PATH = "/api/v3/exchangeInfo"
QUERY = "?symbol=BTCUSDT&timestamp=1700000000000&signature=SECRETSIG"
HEADERS = {"X-MBX-APIKEY": "SECRETKEY"}
SECRETS = ("SECRETSIG", "SECRETKEY")


class Server:
    """What a streaming handler managed to send, and when it stopped (the client hung up or SAFETY)."""

    def __init__(self) -> None:
        self.base_url = ""
        self.requests = 0
        self.sent = 0
        self.done = asyncio.Event()
        self.stop = asyncio.Event()  # set on teardown: handlers that wait for it return

    async def stream(self, request: web.Request, resp: web.StreamResponse, limit: int = SAFETY) -> None:
        """Write CHUNKs until the client hangs up or `limit` bytes are out.

        The socket's send buffer is kept small, so that `sent` is close to what the client took in.
        """
        sock = request.transport.get_extra_info("socket") if request.transport is not None else None
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, len(CHUNK))
        await resp.prepare(request)
        try:
            while self.sent < limit:
                await resp.write(CHUNK)
                self.sent += len(CHUNK)
        except ConnectionError:
            pass
        finally:
            self.done.set()


Handler = Callable[[Server, web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[Server]:
    server = Server()

    async def handle(request: web.Request) -> web.StreamResponse:
        server.requests += 1
        return await handler(server, request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    server.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield server
    finally:
        server.stop.set()
        await runner.cleanup()


def request_to(base_url: str) -> Request:
    return Request("GET", base_url + PATH + QUERY, PATH, HEADERS)


async def failure(transport: AiohttpTransport, base_url: str) -> BaseException:
    """The exception that sending one signed-looking request raises (no secret in this frame's locals)."""
    try:
        await transport.send(request_to(base_url))
    except BaseException as exc:
        return exc
    raise AssertionError("the request did not fail")


async def measured(awaitable: Awaitable[Any], within: float = 5.0) -> tuple[Any, float, int]:
    """(result or exception, seconds, peak bytes traced by tracemalloc) of `awaitable`."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = await asyncio.wait_for(awaitable, within)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, time.perf_counter() - started, peak


# -- the size cap ---------------------------------------------------------------------------------------


def test_the_default_cap_fits_a_full_exchange_info() -> None:
    assert DEFAULT_MAX_RESPONSE_BYTES == 64 * 1024 * 1024
    assert DEFAULT_MAX_RESPONSE_BYTES > 8 * 7_500_000  # mainnet exchangeInfo: ~7.5 MB and growing
    assert AiohttpTransport()._max_response_bytes == DEFAULT_MAX_RESPONSE_BYTES


@pytest.mark.parametrize("bad", [0, -1, 1.5, "1", True])
def test_the_cap_must_be_a_positive_int_or_none(bad: Any) -> None:
    with pytest.raises(ValueError, match="max_response_bytes"):
        AiohttpTransport(max_response_bytes=bad)


def test_none_or_a_positive_int_is_accepted() -> None:
    assert AiohttpTransport(max_response_bytes=None)._max_response_bytes is None
    assert AiohttpTransport(max_response_bytes=1)._max_response_bytes == 1


def assert_refused(exc: BaseException) -> None:
    assert isinstance(exc, InvalidResponseError), repr(exc)
    assert str(exc) == f"GET {PATH}: the answer is larger than max_response_bytes ({CAP} bytes)"
    assert (exc.status, exc.body, exc.method, exc.path) == (200, b"", "GET", PATH)


async def announced_2_gib(server: Server, request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "application/json"})
    resp.content_length = 2 * 1024**3
    await server.stream(request, resp)
    if request.transport is not None:
        request.transport.close()  # past SAFETY: the body can never be complete
    return resp


async def endless_chunked(server: Server, request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "application/json"})
    resp.enable_chunked_encoding()
    await server.stream(request, resp)
    return resp


async def test_a_2_gib_content_length_is_refused_before_reading() -> None:
    async with serve(announced_2_gib) as server:
        transport = AiohttpTransport(max_response_bytes=CAP, timeout=3.0)
        try:
            exc, seconds, peak = await measured(failure(transport, server.base_url))
            await asyncio.wait_for(server.done.wait(), 5.0)  # the connection was closed: writes failed
        finally:
            await transport.aclose()
    assert_refused(exc)
    assert seconds < 2.0
    assert peak < 4 * CAP
    assert server.sent < 10 * CAP


async def test_an_endless_chunked_body_stops_at_the_cap() -> None:
    async with serve(endless_chunked) as server:
        transport = AiohttpTransport(max_response_bytes=CAP, timeout=3.0)
        try:
            exc, seconds, peak = await measured(failure(transport, server.base_url))
            await asyncio.wait_for(server.done.wait(), 5.0)
        finally:
            await transport.aclose()
    assert_refused(exc)
    assert seconds < 2.0
    assert peak < 4 * CAP
    assert server.sent < 10 * CAP  # what it managed to send before the client hung up


def bomb(size: int) -> bytes:
    """gzip of `size` zero bytes (64 MiB compress to ~64 KiB)."""
    return gzip.compress(b"\0" * size, compresslevel=9)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_gzip_bomb_stops_at_the_cap_counting_decompressed_bytes(chunked: bool) -> None:
    compressed = bomb(SAFETY)
    assert len(compressed) < CAP // 4  # its Content-Length is well under the cap

    async def handler(server: Server, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
        if chunked:
            resp.enable_chunked_encoding()
        else:
            resp.content_length = len(compressed)
        await resp.prepare(request)
        try:
            await resp.write(compressed)
            await resp.write_eof()
        except ConnectionError:
            pass
        return resp

    async with serve(handler) as server:
        transport = AiohttpTransport(max_response_bytes=CAP, timeout=3.0)
        try:
            exc, seconds, peak = await measured(failure(transport, server.base_url))
        finally:
            await transport.aclose()
    assert_refused(exc)
    assert seconds < 2.0
    assert peak < 4 * CAP  # uncapped, the 64 MiB are decompressed and held


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("compressed", [False, True], ids=["identity", "gzip"])
async def test_a_body_of_exactly_the_cap_is_read_and_one_byte_more_is_refused(
    chunked: bool, compressed: bool
) -> None:
    async def handler(server: Server, request: web.Request) -> web.StreamResponse:
        size = int(request.query["size"])
        body = b"y" * size
        resp = web.StreamResponse()
        if compressed:
            body = gzip.compress(body)
            resp.headers["Content-Encoding"] = "gzip"
        if chunked:
            resp.enable_chunked_encoding()
        else:
            resp.content_length = len(body)
        await resp.prepare(request)
        for start in range(0, len(body), 100_000):
            await resp.write(body[start : start + 100_000])
        await resp.write_eof()
        return resp

    async with serve(handler) as server:
        transport = AiohttpTransport(max_response_bytes=CAP)
        try:
            response = await transport.send(Request("GET", f"{server.base_url}{PATH}?size={CAP}", PATH, {}))
            assert response.status == 200 and response.body == b"y" * CAP
            again = await transport.send(Request("GET", f"{server.base_url}{PATH}?size=10", PATH, {}))
            assert again.body == b"y" * 10
            with pytest.raises(InvalidResponseError) as caught:
                await transport.send(Request("GET", f"{server.base_url}{PATH}?size={CAP + 1}", PATH, {}))
            after = await transport.send(Request("GET", f"{server.base_url}{PATH}?size=10", PATH, {}))
            assert after.body == b"y" * 10  # the transport still works after a refusal
        finally:
            await transport.aclose()
    assert str(caught.value) == f"GET {PATH}: the answer is larger than max_response_bytes ({CAP} bytes)"
    assert "size" not in str(caught.value)  # never the query string


async def test_no_cap_when_none() -> None:
    async def handler(server: Server, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        resp.enable_chunked_encoding()
        await server.stream(request, resp, limit=2 * CAP)
        await resp.write_eof()
        return resp

    async with serve(handler) as server:
        transport = AiohttpTransport(max_response_bytes=None)
        try:
            response = await transport.send(request_to(server.base_url))
        finally:
            await transport.aclose()
    assert len(response.body) == 2 * CAP


async def test_small_answers_keep_the_connection_alive() -> None:
    """The hot path (an answer already all in, taken without a further read) hands the connection back."""
    ports: list[int] = []

    async def handler(server: Server, request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        ports.append(request.transport.get_extra_info("peername")[1])
        return web.json_response({"symbol": "BTCUSDT", "price": "1.00000000"})

    async with serve(handler) as server:
        for cap in (CAP, None):
            transport = AiohttpTransport(max_response_bytes=cap)
            try:
                for _ in range(3):
                    response = await transport.send(request_to(server.base_url))
                    assert response.body == b'{"symbol": "BTCUSDT", "price": "1.00000000"}'
            finally:
                await transport.aclose()
    assert len(ports) == 6 and len(set(ports[:3])) == 1 and len(set(ports[3:])) == 1


async def test_a_refused_answer_is_not_retried() -> None:
    """InvalidResponseError is not a TransportError: the pipeline raises it on the first attempt."""
    async with serve(endless_chunked) as server:
        transport = AiohttpTransport(max_response_bytes=CAP, timeout=3.0)
        async with SpotClient(base_url=server.base_url, transport=transport, retry=FAST_RETRY) as client:
            with pytest.raises(InvalidResponseError):
                await client.exchange_info()
        await transport.aclose()
    assert server.requests == 1


# -- no secret reachable from the transport's errors ------------------------------------------------------


def secrets_in(exc: BaseException) -> list[str]:
    """Where SECRETS appear: the capture_locals rendering, and the whole __context__/__cause__ chain."""
    found = []
    text = "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())
    found += [f"rendered: {secret}" for secret in SECRETS if secret in text]
    seen: set[int] = set()
    chain: list[BaseException] = [exc]
    while chain:
        current = chain.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if current is not exc and isinstance(current, aiohttp.ClientError):
            found.append(f"an aiohttp error is reachable: {type(current).__name__}")
        strings = [repr(current), str(current), *iter_strings(getattr(current, "__dict__", {}))]
        tb = current.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code
            strings += [f"{code.co_name}.{name}={value!r}" for name, value in tb.tb_frame.f_locals.items()]
            tb = tb.tb_next
        for string in strings:
            found += [f"{type(current).__name__}: {string[:300]}" for secret in SECRETS if secret in string]
        chain += [e for e in (current.__context__, current.__cause__) if e is not None]
    return found


def partial(*, chunked: bool, then_close: bool) -> Handler:
    """Headers and the start of a body (with a Content-Length, read whole; or chunked, streamed), then
    the connection closes, or nothing more comes until the test ends."""

    async def handler(server: Server, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        if chunked:
            resp.enable_chunked_encoding()
        else:
            resp.content_length = 1000
        await resp.prepare(request)
        await resp.write(b'{"symbols": [')
        server.done.set()
        if then_close:
            await asyncio.sleep(0.05)
            assert request.transport is not None
            request.transport.close()
        else:
            await server.stop.wait()
        return resp

    return handler


async def no_headers_until_stopped(server: Server, request: web.Request) -> web.StreamResponse:
    await server.stop.wait()
    return web.Response()


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (None, ConnectionFailedError),
        (partial(chunked=False, then_close=True), TransportError),
        (partial(chunked=True, then_close=True), TransportError),
        (no_headers_until_stopped, RequestTimeoutError),
        (partial(chunked=False, then_close=False), RequestTimeoutError),
        (partial(chunked=True, then_close=False), RequestTimeoutError),
        (announced_2_gib, InvalidResponseError),
        (endless_chunked, InvalidResponseError),
    ],
    ids=[
        "connection-refused",
        "closed-mid-body",
        "closed-mid-body-chunked",
        "timeout-before-headers",
        "timeout-mid-body",
        "timeout-mid-body-chunked",
        "oversize-content-length",
        "oversize-streamed",
    ],
)
async def test_no_secret_is_reachable_from_a_transport_error(
    handler: Handler | None, expected: type[BaseException]
) -> None:
    transport = AiohttpTransport(max_response_bytes=CAP, timeout=0.3)
    try:
        if handler is None:
            exc = await failure(transport, "http://127.0.0.1:9")
        else:
            async with serve(handler) as server:
                exc = await failure(transport, server.base_url)
    finally:
        await transport.aclose()
    assert type(exc) is expected, repr(exc)
    assert secrets_in(exc) == []
    assert exc.__cause__ is None and exc.__context__ is None


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_cancelled_request_still_raises_cancelled_error_and_holds_no_secret(chunked: bool) -> None:
    async with serve(partial(chunked=chunked, then_close=False)) as server:
        transport = AiohttpTransport(max_response_bytes=CAP, timeout=10.0)
        try:
            task = asyncio.ensure_future(failure(transport, server.base_url))
            await asyncio.wait_for(server.done.wait(), 5.0)  # headers and part of the body are out
            await asyncio.sleep(0.05)
            task.cancel()
            exc = await task  # failure() returns what send raised
        finally:
            await transport.aclose()
    assert type(exc) is asyncio.CancelledError
    assert secrets_in(exc) == []


@pytest.mark.parametrize("compressed", [False, True], ids=["identity", "gzip"])
async def test_a_small_answer_that_arrived_whole_is_still_held_to_the_cap(compressed: bool) -> None:
    body = b'{"symbol": "BTCUSDT", "price": "1.00000000"}'

    async def handler(server: Server, request: web.Request) -> web.StreamResponse:
        if compressed:
            return web.Response(body=gzip.compress(body), headers={"Content-Encoding": "gzip"})
        return web.Response(body=body)

    async with serve(handler) as server:
        for cap, refused in ((len(body) - 1, True), (len(body), False)):
            transport = AiohttpTransport(max_response_bytes=cap)
            try:
                if refused:
                    with pytest.raises(InvalidResponseError, match=f"max_response_bytes \\({cap} bytes\\)"):
                        await transport.send(request_to(server.base_url))
                else:
                    assert (await transport.send(request_to(server.base_url))).body == body
            finally:
                await transport.aclose()
