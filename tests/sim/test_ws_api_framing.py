"""The WebSocket API's framing (`binance_async.sim.ws_api_framing`): requests and answers, malformed
requests, ``rateLimits`` and what they count (the same IP weight as REST, 2 per connection), 429 / 418 and
-1015 with ``retryAfter``."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from binance_async.sim import Simulator
from binance_async.sim.config import LimitSpec
from tests.sim.test_ws_api_support import HMAC, make_sim, rest, session, sim, ws_api

__all__ = ["session", "sim"]

WEIGHT_LIMIT = {
    "rateLimitType": "REQUEST_WEIGHT",
    "interval": "MINUTE",
    "intervalNum": 1,
    "limit": 6000,
}


def weight(answer: dict[str, Any]) -> int:
    """The REQUEST_WEIGHT count an answer reports."""
    (entry,) = [e for e in answer["rateLimits"] if e["rateLimitType"] == "REQUEST_WEIGHT"]
    return int(entry["count"])


async def test_ping_and_time_with_rate_limits(sim: Simulator, session: aiohttp.ClientSession) -> None:
    api = await ws_api(session, sim)
    async with api.ws:
        assert await api.call("ping") == {
            "id": 1,
            "status": 200,
            "result": {},
            "rateLimits": [{**WEIGHT_LIMIT, "count": 3}],  # 2 for the connection, 1 for the ping
        }
        answer = await api.call("v3/time")  # a version prefix is allowed
        assert answer["result"] == {"serverTime": sim.clock.now_ms()}
        assert weight(answer) == 4


@pytest.mark.parametrize(
    "request_id", [7, -3, 2**63 - 1, "e2a85d9f-07a5-4f94-8d5f-789dc3deb097", "a_b", None]
)
async def test_ids_are_echoed(sim: Simulator, session: aiohttp.ClientSession, request_id: object) -> None:
    api = await ws_api(session, sim)
    async with api.ws:
        await api.ws.send_str(json.dumps({"id": request_id, "method": "ping"}))
        answer = await api.receive()
        assert answer["id"] == request_id and answer["status"] == 200


async def test_return_rate_limits_per_request_and_per_connection(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    api = await ws_api(session, sim)
    async with api.ws:
        answer = await api.call("ping", {"returnRateLimits": False})
        assert answer == {"id": 1, "status": 200, "result": {}}
        answer = await api.call("ping", {"returnRateLimits": "false"})
        assert "rateLimits" not in answer
        bad = await api.call("ping", {"returnRateLimits": "maybe"})
        assert bad["status"] == 400 and bad["error"]["code"] == -1130
    quiet = await ws_api(session, sim, "?returnRateLimits=false")
    async with quiet.ws:
        assert "rateLimits" not in await quiet.call("ping")
        shown = await quiet.call("ping", {"returnRateLimits": True})
        assert weight(shown) > 0
        status = await quiet.call("session.status")
        assert status["result"]["returnRateLimits"] is False


@pytest.mark.parametrize(
    ("frame", "msg", "echoed"),
    [
        ("not json", "Invalid JSON Request", None),
        ("[1, 2]", "Invalid JSON Request", None),
        ('{"id": true, "method": "ping"}', "Invalid 'id' in JSON request", None),
        ('{"id": 1.5, "method": "ping"}', "Invalid 'id' in JSON request", None),
        ('{"id": "' + "x" * 37 + '", "method": "ping"}', "Invalid 'id' in JSON request", None),
        ('{"id": "a b", "method": "ping"}', "Invalid 'id' in JSON request", None),
        ('{"method": "ping"}', "Invalid 'id' in JSON request", None),
        ('{"id": 5}', "Invalid 'method' in JSON request", 5),
        ('{"id": 5, "method": 3}', "Invalid 'method' in JSON request", 5),
        ('{"id": 6, "method": "ping", "params": [1]}', "Invalid 'params' in JSON request", 6),
    ],
)
async def test_malformed_requests(
    sim: Simulator, session: aiohttp.ClientSession, frame: str, msg: str, echoed: object
) -> None:
    api = await ws_api(session, sim)
    async with api.ws:
        await api.ws.send_str(frame)
        answer = await api.receive()
        assert answer["id"] == echoed and answer["status"] == 400
        assert answer["error"]["code"] == -1135 and answer["error"]["msg"].startswith(msg)
        assert "rateLimits" not in answer
        assert weight(await api.call("ping")) == 3  # not charged


async def test_a_binary_frame_and_an_unknown_method(sim: Simulator, session: aiohttp.ClientSession) -> None:
    api = await ws_api(session, sim)
    async with api.ws:
        await api.ws.send_bytes(b'{"id": 1, "method": "ping"}')
        assert (await api.receive())["error"]["code"] == -1135
        answer = await api.call("order.teleport")
        assert answer["status"] == 400
        assert answer["error"] == {"code": -1020, "msg": "This operation is not supported."}
        assert weight(answer) == 2  # not charged
        assert (await api.call("v1/ping"))["error"]["code"] == -1020  # only v3


async def test_unread_and_malformed_params_as_rest(sim: Simulator, session: aiohttp.ClientSession) -> None:
    api = await ws_api(session, sim)
    async with api.ws:
        answer = await api.call("ping", {"foo": 1})
        assert answer["status"] == 400
        assert answer["error"]["code"] == -1104
        answer = await api.call("depth", {"symbol": "BTCUSDT", "limit": "many"})
        assert answer["error"]["code"] == -1100
        answer = await api.call("depth", {"symbol": "NOPE"})
        assert answer["error"] == {"code": -1121, "msg": "Invalid symbol."}
        answer = await api.call("depth", {})
        assert answer["error"]["code"] == -1102
        answer = await api.call("depth", {"symbol": "BTCUSDT", "limit": None})  # null: not sent
        assert answer["status"] == 200 and len(answer["result"]["bids"]) == 40  # 100 asked, 40 levels


async def test_weight_is_shared_with_rest(sim: Simulator, session: aiohttp.ClientSession) -> None:
    status, _, headers = await rest(session, sim, "GET", "/api/v3/ping", signer=None)
    assert status == 200 and headers["X-MBX-USED-WEIGHT-1M"] == "1"
    api = await ws_api(session, sim)  # 2 more
    async with api.ws:
        assert weight(await api.call("ping")) == 4
        _, _, headers = await rest(session, sim, "GET", "/api/v3/depth", {"symbol": "BTCUSDT"}, signer=None)
        assert headers["X-MBX-USED-WEIGHT-1M"] == "9"  # depth of 100 levels weighs 5
        assert weight(await api.call("exchangeInfo")) == 29
        second = await ws_api(session, sim)  # another connection, the same IP
        async with second.ws:
            assert weight(await second.call("ping")) == 32
    assert sim.limits.state()["ips"]["127.0.0.1"][0]["count"] == 32


async def test_429_carries_retry_after_then_a_ban_is_418_and_closes() -> None:
    limits = (LimitSpec("REQUEST_WEIGHT", "MINUTE", 1, 6), LimitSpec("ORDERS", "SECOND", 10, 50))
    async with make_sim(limits=limits, requests_before_ban=1) as sim, aiohttp.ClientSession() as http:
        api = await ws_api(http, sim)
        async with api.ws:
            for _ in range(4):
                assert (await api.call("ping"))["status"] == 200
            now = sim.clock.now_ms()
            answer = await api.call("ping")
            assert answer["status"] == 429
            assert answer["error"]["code"] == -1003
            assert answer["error"]["msg"].startswith("Too much request weight used; current limit is 6")
            assert answer["error"]["data"] == {"serverTime": now, "retryAfter": (now // 60_000 + 1) * 60_000}
            assert weight(answer) == 7
            banned = await api.call("ping")
            assert banned["status"] == 418
            until = sim.limits.state()["bans"]["127.0.0.1"]["until"]
            assert banned["error"]["msg"].startswith(
                f"Way too much request weight used; IP banned until {until}"
            )
            assert banned["error"]["data"]["retryAfter"] == until
            closed = await api.ws.receive(timeout=5)
            assert (
                closed.type == aiohttp.WSMsgType.CLOSE and closed.data == aiohttp.WSCloseCode.POLICY_VIOLATION
            )
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:  # banned IPs cannot connect
            await http.ws_connect(sim.ws_api_url)
        assert refused.value.status == 418
    assert sim.ws_api.counters.close_reasons == {"banned": 1}
    assert sim.ws_api.counters.refused == 1


async def test_too_many_orders_is_429_with_retry_after() -> None:
    limits = (LimitSpec("REQUEST_WEIGHT", "MINUTE", 1, 6000), LimitSpec("ORDERS", "SECOND", 10, 1))
    async with make_sim(limits=limits) as sim, aiohttp.ClientSession() as http:
        api = await ws_api(http, sim)
        async with api.ws:
            order = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
            order.update(quantity="0.001", price="60000")
            placed = await api.signed("order.place", order)
            assert placed["status"] == 200
            assert placed["rateLimits"][0] == {
                "rateLimitType": "ORDERS",
                "interval": "SECOND",
                "intervalNum": 10,
                "limit": 1,
                "count": 1,
            }
            now = sim.clock.now_ms()
            refused = await api.signed("order.place", order)
            assert refused["status"] == 429
            assert refused["error"]["code"] == -1015
            assert refused["error"]["data"] == {"serverTime": now, "retryAfter": (now // 10_000 + 1) * 10_000}
            assert refused["rateLimits"][0]["count"] == 1
            status, body, _ = await rest(http, sim, "GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"}, HMAC)
            assert status == 200 and len(body) == 1


async def test_connection_attempts_are_limited(session: aiohttp.ClientSession) -> None:
    from dataclasses import replace

    async with make_sim() as sim:
        sim.ws_api.settings = replace(sim.ws_api.settings, max_attempts=2)
        for _ in range(2):
            api = await ws_api(session, sim)
            await api.ws.close()
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(sim.ws_api_url)
        assert refused.value.status == 429
        sim.clock.advance(300_000)
        api = await ws_api(session, sim)
        await api.ws.close()
