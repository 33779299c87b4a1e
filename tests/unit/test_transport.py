"""The aiohttp transport against a real HTTP server on an ephemeral 127.0.0.1 port: the exact bytes
on the wire, the session's life cycle (the unclosed-client warning, proxy and trust_env). The rest of
the unit tests use the transport seam (`binance_async.testing`) instead."""

from __future__ import annotations

import gc
import hashlib
import hmac
import warnings
from collections.abc import AsyncIterator
from decimal import Decimal

import aiohttp
import pytest
from aiohttp import web

from binance_async import (
    ClientClosedError,
    ConnectionFailedError,
    RetryPolicy,
    SendStatusUnknownError,
    SpotClient,
)
from binance_async._transport import AiohttpTransport
from tests.unit.helpers import KEY, SECRET


class Recorder:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, bytes, dict[str, str]]] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append((request.method, request.raw_path, body, dict(request.headers)))
        if request.path == "/api/v3/time":
            return web.json_response({"serverTime": 1_600_000_000_000})
        return web.json_response(
            {"symbol": "BTCUSDT", "price": "1.00000000"}, headers={"X-MBX-USED-WEIGHT-1M": "9"}
        )


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, Recorder]]:
    recorder = Recorder()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", recorder.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", recorder
    await runner.cleanup()


async def test_exact_query_bytes_and_signature_on_the_wire(server: tuple[str, Recorder]) -> None:
    base_url, recorder = server
    async with SpotClient(api_key=KEY, api_secret=SECRET, base_url=base_url, recv_window=60_000) as client:
        await client.request(
            "GET",
            "/api/v3/account",
            {
                "symbol": "１２３４５６",
                "symbols": ["BTCUSDT", "BNBBTC"],
                "price": Decimal("1E-8"),
                "flag": True,
            },
            signed=True,
        )
    method, raw_path, _, headers = recorder.requests[-1]
    path, _, raw_query = raw_path.partition("?")
    assert (method, path) == ("GET", "/api/v3/account")
    expected_start = (
        "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96"
        "&symbols=%5B%22BTCUSDT%22%2C%22BNBBTC%22%5D&price=0.00000001&flag=true&recvWindow=60000&timestamp="
    )
    assert raw_query.startswith(expected_start)
    payload, _, signature = raw_query.rpartition("&signature=")
    assert signature == hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()
    assert headers["X-MBX-APIKEY"] == KEY


async def test_signed_post_sends_form_body_and_empty_query(server: tuple[str, Recorder]) -> None:
    base_url, recorder = server
    async with SpotClient(api_key=KEY, api_secret=SECRET, base_url=base_url) as client:
        await client.request(
            "POST", "/api/v3/order/test", {"symbol": "BTCUSDT", "quantity": 0.1}, signed=True
        )
    method, raw_path, body, headers = recorder.requests[-1]
    assert (method, raw_path) == ("POST", "/api/v3/order/test")
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    payload, _, signature = body.decode().rpartition("&signature=")
    assert payload.startswith("symbol=BTCUSDT&quantity=0.1&recvWindow=5000&timestamp=16")
    assert signature == hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()


async def test_session_is_lazy_and_closed_once(server: tuple[str, Recorder]) -> None:
    base_url, _ = server
    client = SpotClient(base_url=base_url)
    transport = client._pipeline.transport
    assert isinstance(transport, AiohttpTransport)
    assert not transport.opened_session
    await client.ticker_price("BTCUSDT")
    assert transport.opened_session
    await client.aclose()
    await client.aclose()  # idempotent
    assert client.closed and not transport.opened_session
    with pytest.raises(ClientClosedError):
        await client.ticker_price("BTCUSDT")


async def test_shared_session_is_left_open(server: tuple[str, Recorder]) -> None:
    base_url, recorder = server
    async with aiohttp.ClientSession() as session:
        async with SpotClient(base_url=base_url, session=session) as client:
            await client.ticker_price("BTCUSDT")
        assert not session.closed
        async with SpotClient(base_url=base_url, session=session) as again:
            await again.ticker_price("BTCUSDT")
    assert len(recorder.requests) == 2


async def test_unclosed_client_warns(server: tuple[str, Recorder]) -> None:
    base_url, _ = server
    client = SpotClient(base_url=base_url)
    await client.ticker_price("BTCUSDT")
    session = client._pipeline.transport._session  # type: ignore[attr-defined]
    with pytest.warns(ResourceWarning, match="unclosed SpotClient"):
        del client  # no reference cycle: the warning comes at once, not at the next GC pass
    await session.close()


async def test_closed_or_unused_client_does_not_warn(server: tuple[str, Recorder]) -> None:
    base_url, _ = server
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        unused = SpotClient(base_url=base_url)
        del unused
        async with SpotClient(base_url=base_url) as client:
            await client.ticker_price("BTCUSDT")
        del client
        gc.collect()


async def test_proxy_and_trust_env_reach_aiohttp(server: tuple[str, Recorder]) -> None:
    proxy, recorder = server
    # Nothing listens on port 9: the answer can only have come through the proxy.
    async with SpotClient(base_url="http://127.0.0.1:9", proxy=proxy, trust_env=True) as client:
        await client.ticker_price("BTCUSDT")
        session: aiohttp.ClientSession = client._pipeline.transport._session  # type: ignore[attr-defined]
        assert session.trust_env is True
    [(method, target, _, _)] = recorder.requests
    assert (method, target) == ("GET", "http://127.0.0.1:9/api/v3/ticker/price?symbol=BTCUSDT")


async def test_connection_refused_is_typed() -> None:
    async with SpotClient(base_url="http://127.0.0.1:9", retry=RetryPolicy(max_retries=0)) as client:
        with pytest.raises(ConnectionFailedError) as info:
            await client.ping()
    assert "GET /api/v3/ping" in str(info.value)


async def test_a_dropped_delete_is_never_sent_twice() -> None:
    """aiohttp resends DELETE once when a kept-alive connection drops; the client must not let it."""
    received: list[str] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        received.append(request.method)
        if request.method == "DELETE":
            assert request.transport is not None
            request.transport.close()  # processed, then the connection drops: no response
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with SpotClient(base_url=base_url) as client:
            await client.ping()  # opens the keep-alive connection the DELETE will reuse
            with pytest.raises(SendStatusUnknownError):
                await client.request("DELETE", "/api/v3/openOrders", {"symbol": "BTCUSDT"})
    finally:
        await runner.cleanup()
    assert received == ["GET", "DELETE"]
