"""Legacy OCO, SOR orders and allocations, and prevented matches: rules, state and bodies shaped like
the official examples.

Handlers are called directly (no HTTP); bodies go through JSON, so what is checked is what a client
would decode.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest

from binance_async.sim.errors import SimError
from binance_async.sim.params import Params
from tests.reference import example
from tests.sim.engine_harness import START, SYMBOL, EngineHarness

D = Decimal
LEGACY_OCO = "/api/v3/order/oco"
SOR = "/api/v3/sor/order"
SOR_TEST = "/api/v3/sor/order/test"
ALLOCATIONS = "/api/v3/myAllocations"
PREVENTED = "/api/v3/myPreventedMatches"


class Sim(EngineHarness):
    """One engine with the order, list and SOR routes, two accounts ("default" and "other")."""

    def weight(self, method: str, path: str, **params: Any) -> int:
        return self.routes[(method, path)].weight_for(Params(urlencode(params)))

    def error(self, method: str, path: str, **params: Any) -> SimError:
        with pytest.raises(SimError) as caught:
            self.call(method, path, **params)
        return caught.value

    def last(self) -> Decimal:
        return self.market.last_price(SYMBOL)


@pytest.fixture
def sim() -> Sim:
    return Sim()


def json_types(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: json_types(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_types(item) for item in value[:1]]  # the first element stands for all
    return type(value).__name__


def assert_shape(body: Any, name: str) -> None:
    expected = example(name)
    if isinstance(expected, list):
        assert body, "an empty list cannot be compared with the example"
        expected, body = expected[0], body[0]
    assert json_types(body) == json_types(expected)  # same keys, same JSON types


def off(price: Decimal, ticks: int) -> str:
    return str(price + ticks * 100)  # well inside PERCENT_PRICE_BY_SIDE, on the tick grid


# -- legacy OCO -----------------------------------------------------------------------------------


def test_legacy_oco_buy_body_shape(sim: Sim) -> None:
    last = sim.last()
    body = sim.call(
        "POST", LEGACY_OCO, side="BUY", quantity="0.01", price=off(last, -10), stopPrice=off(last, 10)
    )
    assert body["contingencyType"] == "OCO" and body["listOrderStatus"] == "EXECUTING"
    assert [r["type"] for r in body["orderReports"]] == ["STOP_LOSS", "LIMIT_MAKER"]
    assert all(r["status"] == "NEW" for r in body["orderReports"])
    assert_shape(body, "POST_api_v3_order_oco")


def test_legacy_oco_sell_stop_limit_leg(sim: Sim) -> None:
    last = sim.last()
    body = sim.call(
        "POST",
        LEGACY_OCO,
        side="SELL",
        quantity="0.01",
        price=off(last, 10),
        stopPrice=off(last, -10),
        stopLimitPrice=off(last, -11),
        stopLimitTimeInForce="GTC",
        limitClientOrderId="limit-leg",
        stopClientOrderId="stop-leg",
    )
    stop, limit = body["orderReports"]
    assert (stop["type"], stop["clientOrderId"], stop["timeInForce"]) == (
        "STOP_LOSS_LIMIT",
        "stop-leg",
        "GTC",
    )
    assert (limit["type"], limit["clientOrderId"]) == ("LIMIT_MAKER", "limit-leg")
    assert sim.locked("BTC") == D("0.01")  # one lock for both legs


@pytest.mark.parametrize(
    ("side", "price", "stop"),
    [
        ("SELL", -10, -20),  # SELL: the limit must be above the last price
        ("SELL", 10, 5),  # SELL: the stop must be below the last price
        ("BUY", 10, 20),  # BUY: the limit must be below the last price
        ("BUY", -10, -5),  # BUY: the stop must be above the last price
    ],
)
def test_legacy_oco_price_rules(sim: Sim, side: str, price: int, stop: int) -> None:
    last = sim.last()
    caught = sim.error(
        "POST", LEGACY_OCO, side=side, quantity="0.01", price=off(last, price), stopPrice=off(last, stop)
    )
    assert caught.code == -2010
    assert sim.engine.open_orders("default") == [] and sim.locked("BTC") == 0


def test_legacy_oco_stop_limit_needs_time_in_force(sim: Sim) -> None:
    last = sim.last()
    params: dict[str, Any] = {
        "side": "SELL",
        "quantity": "0.01",
        "price": off(last, 10),
        "stopPrice": off(last, -10),
        "stopLimitPrice": off(last, -11),
    }
    assert sim.error("POST", LEGACY_OCO, **params).code == -1102
    del params["stopLimitPrice"]
    assert sim.error("POST", LEGACY_OCO, stopLimitTimeInForce="GTC", **params).code == -1106
    assert sim.error("POST", LEGACY_OCO, icebergQty="0.001", **params).code == -1104  # limitIcebergQty
    assert sim.engine.open_orders("default") == []


# -- SOR ------------------------------------------------------------------------------------------


def test_sor_market_fill_and_allocations(sim: Sim) -> None:
    body = sim.call("POST", SOR, side="BUY", type="MARKET", quantity="0.01")
    assert body["status"] == "FILLED" and body["usedSor"] is True and body["workingFloor"] == "SOR"
    assert body["fills"] and all(f["matchType"] == "ONE_PARTY_TRADE_REPORT" for f in body["fills"])
    assert sum(D(f["qty"]) for f in body["fills"]) == D("0.01")
    allocations = sim.call("GET", ALLOCATIONS)
    assert [a["allocationId"] for a in allocations] == [f["allocId"] for f in body["fills"]]
    assert all(a["orderId"] == body["orderId"] and a["isBuyer"] for a in allocations)
    assert sim.call("GET", ALLOCATIONS, orderId=body["orderId"]) == allocations
    assert sim.call("GET", ALLOCATIONS, orderId=body["orderId"] + 1) == []
    assert sim.call("GET", ALLOCATIONS, fromAllocationId=len(allocations)) == []
    assert sim.call("GET", ALLOCATIONS, account="other") == []
    assert_shape(allocations, "GET_api_v3_myAllocations")
    assert sim.error("GET", ALLOCATIONS, fromAllocationId=0, startTime=START).code == -1128


def test_sor_limit_body_shape(sim: Sim) -> None:
    price = off(sim.last(), 20)  # marketable: takes the asks up to it
    body = sim.call("POST", SOR, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price=price)
    assert body["status"] == "FILLED" and body["type"] == "LIMIT"
    assert_shape(body, "POST_api_v3_sor_order")


def test_sor_response_types(sim: Sim) -> None:
    ack = sim.call("POST", SOR, side="SELL", type="MARKET", quantity="0.01", newOrderRespType="ACK")
    assert set(ack) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
    result = sim.call("POST", SOR, side="SELL", type="MARKET", quantity="0.01", newOrderRespType="RESULT")
    assert "fills" not in result and result["usedSor"] is True


def test_sor_refuses_quote_order_qty_and_other_types(sim: Sim) -> None:
    caught = sim.error("POST", SOR, side="BUY", type="MARKET", quoteOrderQty="100")
    assert caught.code == -1102  # quantity is mandatory
    caught = sim.error("POST", SOR, side="BUY", type="MARKET", quantity="0.01", quoteOrderQty="100")
    assert caught.code == -1106
    last = sim.last()
    for order_type in ("LIMIT_MAKER", "STOP_LOSS", "TAKE_PROFIT_LIMIT"):
        caught = sim.error("POST", SOR, side="BUY", type=order_type, quantity="0.01", price=off(last, -10))
        assert caught.code == -1116
    assert (
        sim.error("POST", SOR, side="BUY", type="LIMIT", quantity="0.01", price=off(last, -10)).code == -1102
    )
    assert sim.engine.open_orders("default") == [] and sim.call("GET", ALLOCATIONS) == []


def test_sor_order_test(sim: Sim) -> None:
    assert sim.call("POST", SOR_TEST, side="BUY", type="MARKET", quantity="0.01") == {}
    assert_shape(
        sim.call("POST", SOR_TEST, side="BUY", type="MARKET", quantity="0.01"),
        "POST_api_v3_sor_order_test__empty",
    )
    body = sim.call(
        "POST", SOR_TEST, side="BUY", type="MARKET", quantity="0.01", computeCommissionRates="true"
    )
    assert body["standardCommissionForOrder"]["taker"] == "0.00100000"
    assert_shape(body, "POST_api_v3_sor_order_test__computeCommissionRates")
    assert (
        sim.error("POST", SOR_TEST, side="BUY", type="MARKET", quantity="0.01", quoteOrderQty="1").code
        == -1106
    )
    assert sim.error("POST", SOR_TEST, side="BUY", type="LIMIT", quantity="0.01").code == -1102
    assert sim.call("GET", ALLOCATIONS) == [] and sim.engine.open_orders("default") == []


# -- prevented matches ----------------------------------------------------------------------------


def clear_best_ask(sim: Sim) -> str:
    """Another account takes the house quantity at the best ask; answers that price."""
    book = sim.market.book(SYMBOL)
    best = book.best_ask()
    assert best is not None
    price, qty = best
    sim.call(
        "POST",
        "/api/v3/order",
        "other",
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        quantity=str(qty),
        price=str(price),
    )
    return str(price)


def self_trade(sim: Sim, mode: str) -> tuple[Any, Any]:
    """The default account rests a SELL at the (cleared) best ask, then buys into it with STP `mode`."""
    price = clear_best_ask(sim)
    maker = sim.call("POST", "/api/v3/order", side="SELL", type="LIMIT_MAKER", quantity="0.01", price=price)
    taker = sim.call(
        "POST",
        "/api/v3/order",
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        quantity="0.01",
        price=price,
        selfTradePreventionMode=mode,
    )
    return maker, taker


def test_self_trade_expire_maker_is_a_prevented_match(sim: Sim) -> None:
    maker, taker = self_trade(sim, "EXPIRE_MAKER")
    price = sim.engine.get_order("default", SYMBOL, maker["orderId"], None).price
    assert sim.engine.get_order("default", SYMBOL, maker["orderId"], None).status == "EXPIRED_IN_MATCH"
    found = sim.call("GET", PREVENTED, orderId=taker["orderId"])
    assert len(found) == 1
    match = found[0]
    assert (match["takerOrderId"], match["makerOrderId"]) == (taker["orderId"], maker["orderId"])
    assert match["selfTradePreventionMode"] == "EXPIRE_MAKER" and match["makerSymbol"] == SYMBOL
    assert D(match["makerPreventedQuantity"]) == D("0.01") and D(match["price"]) == D(price)
    assert sim.call("GET", PREVENTED, orderId=maker["orderId"]) == found
    assert sim.call("GET", PREVENTED, preventedMatchId=match["preventedMatchId"]) == found
    assert sim.call("GET", PREVENTED, preventedMatchId=match["preventedMatchId"] + 1) == []
    assert sim.call("GET", PREVENTED, orderId=taker["orderId"], account="other") == []
    assert_shape(found, "GET_api_v3_myPreventedMatches")


def test_self_trade_expire_taker_is_a_prevented_match(sim: Sim) -> None:
    maker, taker = self_trade(sim, "EXPIRE_TAKER")
    assert taker["status"] == "EXPIRED_IN_MATCH"
    assert sim.engine.get_order("default", SYMBOL, maker["orderId"], None).status == "NEW"
    (match,) = sim.call("GET", PREVENTED, orderId=taker["orderId"])
    assert match["selfTradePreventionMode"] == "EXPIRE_TAKER" and match["makerOrderId"] == maker["orderId"]


def test_prevented_matches_parameter_combinations(sim: Sim) -> None:
    _, taker = self_trade(sim, "EXPIRE_BOTH")
    assert sim.error("GET", PREVENTED).code == -1128
    assert sim.error("GET", PREVENTED, preventedMatchId=1, orderId=taker["orderId"]).code == -1128
    assert sim.error("GET", PREVENTED, preventedMatchId=1, fromPreventedMatchId=1).code == -1128
    assert sim.call("GET", PREVENTED, orderId=taker["orderId"], fromPreventedMatchId=2) == []
    assert sim.error("GET", PREVENTED, symbol="NOPE", orderId=1).code == -1121


def test_no_prevented_match_without_self_trade(sim: Sim) -> None:
    price = clear_best_ask(sim)
    maker = sim.call(
        "POST", "/api/v3/order", "other", side="SELL", type="LIMIT_MAKER", quantity="0.01", price=price
    )
    sim.call(
        "POST", "/api/v3/order", side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price=price
    )
    assert sim.call("GET", PREVENTED, orderId=maker["orderId"]) == []


# -- weights --------------------------------------------------------------------------------------


def test_route_weights_and_orders(sim: Sim) -> None:
    routes = sim.routes
    assert (routes[("POST", LEGACY_OCO)].weight, routes[("POST", LEGACY_OCO)].orders) == (1, 2)
    assert routes[("POST", LEGACY_OCO)].security == "TRADE"
    assert (routes[("POST", SOR)].weight, routes[("POST", SOR)].orders) == (1, 1)
    assert routes[("POST", SOR)].security == "TRADE" and routes[("POST", SOR_TEST)].orders == 0
    assert sim.weight("POST", SOR_TEST, symbol=SYMBOL) == 1
    assert sim.weight("POST", SOR_TEST, computeCommissionRates="true") == 20
    assert sim.weight("POST", SOR_TEST, computeCommissionRates="false") == 1
    assert (routes[("GET", ALLOCATIONS)].weight, routes[("GET", ALLOCATIONS)].security) == (20, "USER_DATA")
    assert routes[("GET", PREVENTED)].security == "USER_DATA"
    assert sim.weight("GET", PREVENTED, symbol=SYMBOL, preventedMatchId=1) == 2
    assert sim.weight("GET", PREVENTED, symbol=SYMBOL, orderId=1) == 20
