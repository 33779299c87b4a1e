"""Each WebSocket API method answers its REST twin's body (`binance_async.sim.ws_api_methods`), and signed
methods check signatures and timestamps as REST does, over the WebSocket API's payload (params sorted).

Twins: two simulators with the same seed on the same frozen clock give the same answers to the same
calls, so one runs a script over the WebSocket API and the other over REST, and every answer must be
equal (status and body).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from binance_async.sim import Simulator
from binance_async.sim.records import NewOrder
from binance_async.sim.values import Side
from tests.sim.test_ws_api_support import ED25519, HMAC, OTHER, RSA, Api, make_sim, rest, session, sim, ws_api

__all__ = ["session", "sim"]

SYMBOL = "BTCUSDT"

MARKET_DATA: list[tuple[str, dict[str, Any], str]] = [
    ("ping", {}, "/api/v3/ping"),
    ("time", {}, "/api/v3/time"),
    ("exchangeInfo", {"symbol": SYMBOL}, "/api/v3/exchangeInfo"),
    ("exchangeInfo", {"symbols": [SYMBOL, "ETHBTC"]}, "/api/v3/exchangeInfo"),
    ("exchangeInfo", {"permissions": ["SPOT"]}, "/api/v3/exchangeInfo"),
    ("executionRules", {"symbol": SYMBOL}, "/api/v3/executionRules"),
    ("depth", {"symbol": SYMBOL, "limit": 10}, "/api/v3/depth"),
    ("trades.recent", {"symbol": SYMBOL, "limit": 5}, "/api/v3/trades"),
    ("trades.historical", {"symbol": SYMBOL, "fromId": 0, "limit": 3}, "/api/v3/historicalTrades"),
    ("blockTrades.historical", {"symbol": SYMBOL, "fromId": 0}, "/api/v3/historicalBlockTrades"),
    ("trades.aggregate", {"symbol": SYMBOL, "limit": 5}, "/api/v3/aggTrades"),
    ("klines", {"symbol": SYMBOL, "interval": "1m", "limit": 3}, "/api/v3/klines"),
    ("uiKlines", {"symbol": SYMBOL, "interval": "1h", "limit": 2}, "/api/v3/uiKlines"),
    ("avgPrice", {"symbol": SYMBOL}, "/api/v3/avgPrice"),
    ("ticker.24hr", {"symbol": SYMBOL}, "/api/v3/ticker/24hr"),
    ("ticker.24hr", {"symbols": [SYMBOL, "ETHUSDT"], "type": "MINI"}, "/api/v3/ticker/24hr"),
    ("ticker.tradingDay", {"symbol": SYMBOL}, "/api/v3/ticker/tradingDay"),
    ("ticker", {"symbol": SYMBOL, "windowSize": "2h"}, "/api/v3/ticker"),
    ("ticker.price", {}, "/api/v3/ticker/price"),
    ("ticker.book", {"symbols": [SYMBOL]}, "/api/v3/ticker/bookTicker"),
    ("referencePrice", {"symbol": SYMBOL}, "/api/v3/referencePrice"),
    ("referencePrice.calculation", {"symbol": SYMBOL}, "/api/v3/referencePrice/calculation"),
    ("depth", {"symbol": "NOPE"}, "/api/v3/depth"),  # errors too
    ("klines", {"symbol": SYMBOL, "interval": "2m"}, "/api/v3/klines"),
]

LIMIT_BUY = {"symbol": SYMBOL, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.001"}
#: The trading and account script: (method, params, HTTP method, path).
SCRIPT: list[tuple[str, dict[str, Any], str, str]] = [
    ("order.place", {**LIMIT_BUY, "price": "60000", "newClientOrderId": "first"}, "POST", "/api/v3/order"),
    (
        "order.place",
        {"symbol": SYMBOL, "side": "BUY", "type": "MARKET", "quantity": 0.002},
        "POST",
        "/api/v3/order",
    ),
    (
        "order.test",
        {**LIMIT_BUY, "price": "60000", "computeCommissionRates": True},
        "POST",
        "/api/v3/order/test",
    ),
    ("order.status", {"symbol": SYMBOL, "orderId": 4}, "GET", "/api/v3/order"),  # 1-3: the twins' setup
    ("order.status", {"symbol": SYMBOL, "origClientOrderId": "first"}, "GET", "/api/v3/order"),
    ("order.status", {"symbol": SYMBOL, "orderId": 99}, "GET", "/api/v3/order"),
    (
        "order.amend.keepPriority",
        {"symbol": SYMBOL, "orderId": 4, "newQty": "0.0005"},
        "PUT",
        "/api/v3/order/amend/keepPriority",
    ),
    ("order.amendments", {"symbol": SYMBOL, "orderId": 4}, "GET", "/api/v3/order/amendments"),
    (
        "order.cancelReplace",
        {**LIMIT_BUY, "price": "59000", "cancelOrderId": 4, "cancelReplaceMode": "STOP_ON_FAILURE"},
        "POST",
        "/api/v3/order/cancelReplace",
    ),
    (
        "order.cancelReplace",  # the order is gone: -2022 with both answers in data
        {**LIMIT_BUY, "price": "59000", "cancelOrderId": 4, "cancelReplaceMode": "STOP_ON_FAILURE"},
        "POST",
        "/api/v3/order/cancelReplace",
    ),
    ("openOrders.status", {"symbol": SYMBOL}, "GET", "/api/v3/openOrders"),
    ("openOrders.status", {}, "GET", "/api/v3/openOrders"),
    ("order.cancel", {"symbol": SYMBOL, "orderId": 6}, "DELETE", "/api/v3/order"),
    ("order.cancel", {"symbol": SYMBOL, "orderId": 6}, "DELETE", "/api/v3/order"),
    (
        "orderList.place.oco",
        {
            "symbol": SYMBOL,
            "side": "SELL",
            "quantity": "0.001",
            "aboveType": "LIMIT_MAKER",
            "abovePrice": "70000",
            "belowType": "STOP_LOSS",
            "belowStopPrice": "60000",
        },
        "POST",
        "/api/v3/orderList/oco",
    ),
    ("orderList.status", {"orderListId": 0}, "GET", "/api/v3/orderList"),
    ("openOrderLists.status", {}, "GET", "/api/v3/openOrderList"),
    ("orderList.cancel", {"symbol": SYMBOL, "orderListId": 0}, "DELETE", "/api/v3/orderList"),
    (
        "orderList.place",
        {"symbol": SYMBOL, "side": "SELL", "quantity": "0.001", "price": "70000", "stopPrice": "60000"},
        "POST",
        "/api/v3/order/oco",
    ),
    (
        "orderList.place.oto",
        {
            "symbol": SYMBOL,
            "workingType": "LIMIT",
            "workingSide": "BUY",
            "workingPrice": "60000",
            "workingQuantity": "0.001",
            "workingTimeInForce": "GTC",
            "pendingType": "LIMIT_MAKER",
            "pendingSide": "SELL",
            "pendingPrice": "70000",
            "pendingQuantity": "0.001",
        },
        "POST",
        "/api/v3/orderList/oto",
    ),
    (
        "orderList.place.otoco",
        {
            "symbol": SYMBOL,
            "workingType": "LIMIT",
            "workingSide": "BUY",
            "workingPrice": "60000",
            "workingQuantity": "0.001",
            "workingTimeInForce": "GTC",
            "pendingSide": "SELL",
            "pendingQuantity": "0.001",
            "pendingAboveType": "LIMIT_MAKER",
            "pendingAbovePrice": "70000",
            "pendingBelowType": "STOP_LOSS",
            "pendingBelowStopPrice": "58000",
        },
        "POST",
        "/api/v3/orderList/otoco",
    ),
    (
        "orderList.place.opo",
        {
            "symbol": SYMBOL,
            "workingType": "LIMIT",
            "workingSide": "BUY",
            "workingPrice": "66000",
            "workingQuantity": "0.001",
            "workingTimeInForce": "GTC",
            "pendingType": "LIMIT_MAKER",
            "pendingSide": "SELL",
            "pendingPrice": "70000",
        },
        "POST",
        "/api/v3/orderList/opo",
    ),
    (
        "orderList.place.opoco",
        {
            "symbol": SYMBOL,
            "workingType": "LIMIT",
            "workingSide": "BUY",
            "workingPrice": "60000",
            "workingQuantity": "0.001",
            "workingTimeInForce": "GTC",
            "pendingSide": "SELL",
            "pendingAboveType": "LIMIT_MAKER",
            "pendingAbovePrice": "70000",
            "pendingBelowType": "STOP_LOSS",
            "pendingBelowStopPrice": "58000",
        },
        "POST",
        "/api/v3/orderList/opoco",
    ),
    ("allOrderLists", {}, "GET", "/api/v3/allOrderList"),
    ("openOrders.cancelAll", {"symbol": SYMBOL}, "DELETE", "/api/v3/openOrders"),
    (
        "sor.order.place",
        {"symbol": SYMBOL, "side": "SELL", "type": "MARKET", "quantity": "0.001"},
        "POST",
        "/api/v3/sor/order",
    ),
    (
        "sor.order.test",
        {
            "symbol": SYMBOL,
            "side": "SELL",
            "type": "MARKET",
            "quantity": "0.001",
            "computeCommissionRates": True,
        },
        "POST",
        "/api/v3/sor/order/test",
    ),
    ("account.status", {"omitZeroBalances": True}, "GET", "/api/v3/account"),
    ("account.rateLimits.orders", {}, "GET", "/api/v3/rateLimit/order"),
    ("account.commission", {"symbol": SYMBOL}, "GET", "/api/v3/account/commission"),
    ("allOrders", {"symbol": SYMBOL}, "GET", "/api/v3/allOrders"),
    ("myTrades", {"symbol": SYMBOL}, "GET", "/api/v3/myTrades"),
    ("myPreventedMatches", {"symbol": SYMBOL, "orderId": 4}, "GET", "/api/v3/myPreventedMatches"),
    ("myAllocations", {"symbol": SYMBOL}, "GET", "/api/v3/myAllocations"),
    ("myFilters", {"symbol": SYMBOL}, "GET", "/api/v3/myFilters"),
]


@pytest.fixture
async def twins() -> AsyncIterator[tuple[Simulator, Simulator]]:
    async with make_sim() as one, make_sim() as two:
        for simulator in (one, two):  # trades on the tape for the market data
            sides: tuple[Side, ...] = ("BUY", "SELL", "BUY")
            for side in sides:
                order = NewOrder(SYMBOL, side, "MARKET", quantity=Decimal("0.01"))
                simulator.engine.place("other", order)
        yield one, two


def _same(answer: dict[str, Any], status: int, body: Any) -> None:
    assert answer["status"] == status, (answer, body)
    assert (answer["result"] if status == 200 else answer["error"]) == body


async def test_market_data_methods_answer_the_rest_bodies(
    twins: tuple[Simulator, Simulator], session: aiohttp.ClientSession
) -> None:
    ws_sim, rest_sim = twins
    api = await ws_api(session, ws_sim)
    async with api.ws:
        for method, params, path in MARKET_DATA:
            answer = await api.call(method, params)
            status, body, _ = await rest(session, rest_sim, "GET", path, params, signer=None)
            _same(answer, status, body)


async def test_trading_and_account_methods_answer_the_rest_bodies(
    twins: tuple[Simulator, Simulator], session: aiohttp.ClientSession
) -> None:
    ws_sim, rest_sim = twins
    api = await ws_api(session, ws_sim)
    async with api.ws:
        for method, params, http_method, path in SCRIPT:
            answer = await api.signed(method, params)
            status, body, _ = await rest(session, rest_sim, http_method, path, params)
            _same(answer, status, body)
    assert ws_sim.engine.matcher.lists.keys() == rest_sim.engine.matcher.lists.keys()


async def test_signatures_of_every_key_type(sim: Simulator, session: aiohttp.ClientSession) -> None:
    api = await ws_api(session, sim)
    async with api.ws:
        for signer in (HMAC, ED25519, RSA):
            result = await api.result("account.status", signer=signer)
            assert result["uid"] == 354937868  # the "default" account, whoever signs
        assert (await api.result("account.status", signer=OTHER))["uid"] == 354937871
        params = HMAC.sign({"symbol": SYMBOL}, sim.clock.now_ms())
        params["signature"] = params["signature"].upper()  # HMAC signatures are case-insensitive
        assert (await api.call("account.commission", dict(reversed(params.items()))))["status"] == 200


async def _error(api: Api, method: str, params: dict[str, Any]) -> dict[str, Any]:
    answer = await api.call(method, params)
    assert "result" not in answer, answer
    return {"status": answer["status"], **answer["error"]}


async def test_signature_and_timestamp_failures(sim: Simulator, session: aiohttp.ClientSession) -> None:
    now = sim.clock.now_ms()
    order = {**LIMIT_BUY, "price": "60000"}
    api = await ws_api(session, sim)
    async with api.ws:
        tampered = HMAC.sign(order, now)
        tampered["price"] = "60001"
        assert await _error(api, "order.place", tampered) == {
            "status": 400,
            "code": -1022,
            "msg": "Signature for this request is not valid.",
        }
        unsigned = dict(order, apiKey=HMAC.key, timestamp=now)
        assert (await _error(api, "order.place", unsigned))["code"] == -1102
        assert await _error(api, "order.place", dict(order, timestamp=now, signature="00")) == {
            "status": 401,
            "code": -2014,
            "msg": "API-key format invalid.",
        }
        stranger = dict(HMAC.sign(order, now), apiKey="x" * 64)
        assert await _error(api, "order.place", stranger) == {
            "status": 401,
            "code": -2015,
            "msg": "Invalid API-key, IP, or permissions for action.",
        }
        old = await _error(api, "order.place", HMAC.sign(order, now - 5001))
        assert old == {
            "status": 400,
            "code": -1021,
            "msg": "Timestamp for this request is outside of the recvWindow.",
        }
        assert (await api.call("order.place", HMAC.sign({**order, "recvWindow": 6000}, now - 5001)))[
            "status"
        ] == 200
        ahead = await _error(api, "order.place", HMAC.sign(order, now + 1000))
        assert ahead["msg"] == "Timestamp for this request was 1000ms ahead of the server's time."
        assert (await _error(api, "order.place", HMAC.sign({**order, "recvWindow": 60001}, now)))[
            "code"
        ] == -1130
        micro = HMAC.sign({**order, "recvWindow": "5000.5"}, now * 1000)  # µs timestamps, µs windows
        assert (await api.call("order.place", micro))["status"] == 200
        assert (await _error(api, "order.place", HMAC.sign({**order, "recvWindow": "1.2345"}, now)))[
            "code"
        ] == -1111
        # A refused order costs the IP its weight and places nothing.
        status, body, _ = await rest(session, sim, "GET", "/api/v3/openOrders", {"symbol": SYMBOL})
        assert status == 200 and len(body) == 2


async def test_the_signature_covers_numbers_as_sent(sim: Simulator, session: aiohttp.ClientSession) -> None:
    api = await ws_api(session, sim)
    async with api.ws:
        order = {**LIMIT_BUY, "quantity": 0.0010, "price": 60000.10}  # JSON numbers: signed as their text
        placed = await api.result("order.place", order)
        assert placed["origQty"] == "0.00100000" and placed["price"] == "60000.10000000"
