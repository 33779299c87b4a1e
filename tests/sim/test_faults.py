"""Fault injection seen by a real aiohttp client, through a dispatcher wired as `Simulator._dispatch` is."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web

from binance_async.sim.faults import NO_FAULT, FaultRule, Faults


@dataclass
class Server:
    faults: Faults
    url: str
    handled: list[str] = field(default_factory=list)


async def _serve(faults: Faults) -> AsyncIterator[Server]:
    server = Server(faults, "")

    async def dispatch(request: web.Request) -> web.StreamResponse:
        decision = faults.decide(request.method, request.path)
        early = await faults.before(request, decision)
        if early is not None:
            return early
        server.handled.append(request.path)  # "the order is placed"
        response = web.json_response({"orderId": len(server.handled)})
        return await faults.after(request, decision, response)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", dispatch)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield server
    finally:
        await runner.cleanup()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    async for s in _serve(Faults([], seed=7)):
        yield s


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def test_no_rules_passes_through(server: Server, session: aiohttp.ClientSession) -> None:
    async with session.post(server.url + "/api/v3/order") as resp:
        assert resp.status == 200
        assert await resp.json() == {"orderId": 1}
    assert server.faults.decide("POST", "/api/v3/order") is NO_FAULT
    assert server.faults.total == 0


async def test_error_before_json_has_no_effect(server: Server, session: aiohttp.ClientSession) -> None:
    server.faults.add(FaultRule("error_before", 1.0, "POST", "/api/v3/order"))
    async with session.post(server.url + "/api/v3/order") as resp:
        assert resp.status == 503
        assert await resp.json() == {
            "code": -1001,
            "msg": "Internal error; unable to process your request. Please try again.",
        }
    assert server.handled == []
    async with session.get(server.url + "/api/v3/time") as resp:  # other paths unaffected
        assert resp.status == 200
    assert server.faults.counts["error_before"] == 1
    assert server.faults.log == [("POST", "/api/v3/order", "error_before")]


async def test_error_before_html_proxy_page(server: Server, session: aiohttp.ClientSession) -> None:
    server.faults.add(FaultRule("error_before", 1.0, status=502, body="html"))
    async with session.get(server.url + "/api/v3/ping") as resp:
        assert resp.status == 502
        assert resp.content_type == "text/html"
        assert "502 Bad Gateway" in await resp.text()
    assert server.handled == []


@pytest.mark.parametrize("status", [503, 408])
async def test_error_after_runs_the_handler(
    server: Server, session: aiohttp.ClientSession, status: int
) -> None:
    server.faults.add(FaultRule("error_after", 1.0, "POST", "/api/v3/order*", status=status))
    async with session.post(server.url + "/api/v3/order") as resp:
        assert resp.status == status
        body = await resp.json()
    assert body["code"] == -1007
    assert body["msg"] == (
        "Timeout waiting for response from backend server. Send status unknown; execution status unknown."
    )
    assert server.handled == ["/api/v3/order"]
    assert server.faults.counts["error_after"] == 1


async def test_drop_before_disconnects_without_effect(server: Server, session: aiohttp.ClientSession) -> None:
    server.faults.add(FaultRule("drop_before", 1.0, "POST", "/api/v3/order"))
    with pytest.raises(aiohttp.ServerDisconnectedError):
        async with session.post(server.url + "/api/v3/order", data="symbol=BTCUSDT") as resp:
            await resp.read()
    assert server.handled == []
    assert server.faults.counts["drop_before"] == 1
    server.faults.clear()
    async with session.post(server.url + "/api/v3/order") as resp:  # the session recovers
        assert resp.status == 200


async def test_drop_after_disconnects_after_effect(server: Server, session: aiohttp.ClientSession) -> None:
    server.faults.add(FaultRule("drop_after", 1.0))
    with pytest.raises(aiohttp.ServerDisconnectedError):
        async with session.post(server.url + "/api/v3/order") as resp:
            await resp.read()
    assert server.handled == ["/api/v3/order"]
    assert server.faults.counts == {
        "error_before": 0,
        "error_after": 0,
        "drop_before": 0,
        "drop_after": 1,
        "latency": 0,
    }


async def test_aiohttp_retries_idempotent_methods_once(
    server: Server, session: aiohttp.ClientSession
) -> None:
    """aiohttp's ClientSession silently resends GET/HEAD/OPTIONS/TRACE/PUT/DELETE once after a
    disconnect (RFC 9112 9.3.1.1): a dropped DELETE (cancel order) reaches the handler twice."""
    server.faults.add(FaultRule("drop_after", 1.0, "DELETE"))
    with pytest.raises(aiohttp.ServerDisconnectedError):
        async with session.delete(server.url + "/api/v3/order") as resp:
            await resp.read()
    assert server.handled == ["/api/v3/order", "/api/v3/order"]
    assert server.faults.counts["drop_after"] == 2


async def test_latency(server: Server, session: aiohttp.ClientSession) -> None:
    server.faults.add(FaultRule("latency", 1.0, path="/api/*", latency_s=0.2))
    start = time.monotonic()
    async with session.get(server.url + "/api/v3/time") as resp:
        assert resp.status == 200
    assert time.monotonic() - start >= 0.2
    start = time.monotonic()
    async with session.get(server.url + "/sapi/v1/x") as resp:
        assert resp.status == 200
    assert time.monotonic() - start < 0.2
    assert server.faults.counts["latency"] == 1


async def test_latency_then_timeout_client_side(server: Server, session: aiohttp.ClientSession) -> None:
    server.faults.add(FaultRule("latency", 1.0, latency_s=0.5))
    with pytest.raises(TimeoutError):
        async with session.get(server.url + "/x", timeout=aiohttp.ClientTimeout(total=0.1)) as resp:
            await resp.read()


async def test_latency_delays_the_answer_not_the_processing(
    server: Server, session: aiohttp.ClientSession
) -> None:
    """As on Binance, a slow answer does not mean the order was not placed: it was, at once."""
    server.faults.add(FaultRule("latency", 1.0, "POST", "/api/v3/order", latency_s=0.5))
    with pytest.raises(TimeoutError):
        async with session.post(
            server.url + "/api/v3/order", timeout=aiohttp.ClientTimeout(total=0.1)
        ) as resp:
            await resp.read()
    assert server.handled == ["/api/v3/order"]  # placed, though the answer is still 0.4 s away
    assert server.faults.log == [("POST", "/api/v3/order", "latency")]


async def test_latency_before_an_error_before_still_processes_nothing(
    server: Server, session: aiohttp.ClientSession
) -> None:
    server.faults.add(FaultRule("latency", 1.0, latency_s=0.2))
    server.faults.add(FaultRule("error_before", 1.0))
    start = time.monotonic()
    async with session.post(server.url + "/api/v3/order") as resp:
        assert resp.status == 503
    assert time.monotonic() - start >= 0.2
    assert server.handled == []
    assert server.faults.log == [
        ("POST", "/api/v3/order", "latency"),
        ("POST", "/api/v3/order", "error_before"),
    ]


def test_matching() -> None:
    rule = FaultRule("drop_before", 1.0, "get", "/api/v3/order*")
    assert rule.matches("GET", "/api/v3/order")
    assert rule.matches("GET", "/api/v3/orderList")
    assert not rule.matches("POST", "/api/v3/order")
    assert not rule.matches("GET", "/api/v3/openOrders")
    exact = FaultRule("drop_before", 1.0, path="/api/v3/order")
    assert exact.matches("POST", "/api/v3/order") and not exact.matches("POST", "/api/v3/orderList")
    with pytest.raises(ValueError, match="kind"):
        FaultRule("explode", 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="probability"):
        FaultRule("latency", 1.5)


def _sequence(seed: int) -> list[tuple[str, ...]]:
    faults = Faults(
        [
            FaultRule("error_before", 0.1),
            FaultRule("drop_after", 0.2, "POST"),
            FaultRule("latency", 0.3, latency_s=0.01),
        ],
        seed=seed,
    )
    methods = ["GET", "POST", "DELETE"]
    return [faults.decide(methods[i % 3], "/api/v3/order").fired for i in range(500)]


def test_reproducible_from_seed() -> None:
    assert _sequence(42) == _sequence(42)
    assert _sequence(42) != _sequence(43)


def test_probability_roughly_respected() -> None:
    faults = Faults([FaultRule("error_after", 0.3)], seed=1)
    fired = sum(faults.decide("GET", "/x").after is not None for _ in range(1000))
    assert 220 <= fired <= 380
    assert Faults([FaultRule("error_after", 0.0)], 1).decide("GET", "/x") is NO_FAULT


def test_before_wins_over_after() -> None:
    faults = Faults([FaultRule("error_after", 1.0), FaultRule("drop_before", 1.0)], seed=1)
    decision = faults.decide("GET", "/x")
    assert decision.before is not None and decision.before.kind == "drop_before"
    assert decision.after is None
    assert decision.fired == ("drop_before",)


async def test_reproducible_over_http(session: aiohttp.ClientSession) -> None:
    async def run() -> list[int]:
        statuses: list[int] = []
        async for srv in _serve(Faults([FaultRule("error_before", 0.5)], seed=3)):
            for _ in range(30):
                async with session.get(srv.url + "/x") as resp:
                    statuses.append(resp.status)
        return statuses

    first = await run()
    assert first == await run()
    assert {200, 503} == set(first)
