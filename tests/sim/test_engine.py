"""The engine's own work and its order routes: queries, cancels, amendments, and bodies shaped like the
official examples. Matching is tested in test_matching, the checks before it in test_order_checks.

Handlers are called directly (no HTTP) and bodies go through JSON, so what is checked is what a
client would decode.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from binance_async.sim.errors import SimError
from binance_async.sim.params import Params
from tests.reference import example
from tests.sim.engine_harness import START, SYMBOL, EngineHarness, error

D = Decimal
Sim = EngineHarness


@pytest.fixture
def sim() -> Sim:
    return Sim()


def d(text: str) -> Decimal:
    return Decimal(text)


# -- queries and cancels --------------------------------------------------------------------------------


def test_query_by_either_or_both_ids(sim: Sim) -> None:
    placed = sim.order(
        side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="64000", newClientOrderId="abc"
    )
    by_id = sim.call("GET", "/api/v3/order", orderId=placed["orderId"])
    by_client = sim.call("GET", "/api/v3/order", origClientOrderId="abc")
    both = sim.call("GET", "/api/v3/order", orderId=placed["orderId"], origClientOrderId="abc")
    assert by_id == by_client == both
    assert by_id["status"] == "NEW" and by_id["isWorking"] is True and by_id["price"] == "64000.00000000"
    err = error(sim, "GET", "/api/v3/order", orderId=placed["orderId"], origClientOrderId="other")
    assert (err.code, err.msg) == (-2013, "Order does not exist.")
    err = error(sim, "GET", "/api/v3/order", orderId=999)
    assert err.code == -2013
    err = error(sim, "GET", "/api/v3/order")
    assert (err.code, err.msg) == (
        -1102,
        "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
    )
    # Another account cannot see it.
    with pytest.raises(SimError):
        sim.call("GET", "/api/v3/order", "other", orderId=placed["orderId"])


def test_cancel_and_cancel_all_release_locked_balances(sim: Sim) -> None:
    one = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="64000")
    sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.02", price="63000")
    sim.order(side="SELL", type="LIMIT", timeInForce="GTC", quantity="0.5", price="67000")
    assert sim.locked("USDT") == d("640") + d("1260") and sim.locked("BTC") == d("0.5")
    body = sim.call("DELETE", "/api/v3/order", orderId=one["orderId"], newClientOrderId="cancelMe")
    assert body["status"] == "CANCELED" and body["clientOrderId"] == "cancelMe"
    assert body["origClientOrderId"] == one["clientOrderId"]
    assert sim.locked("USDT") == d("1260")
    assert sim.book.quantity("BUY", d("64000")) == 0
    err = error(sim, "DELETE", "/api/v3/order", orderId=one["orderId"])
    assert (err.code, err.msg, err.status) == (-2011, "Unknown order sent.", 400)
    err = error(sim, "DELETE", "/api/v3/order", orderId=12345)
    assert (err.code, err.msg) == (-2011, "Unknown order sent.")
    bodies = sim.call("DELETE", "/api/v3/openOrders")
    assert [b["status"] for b in bodies] == ["CANCELED", "CANCELED"]
    assert sim.locked("USDT") == 0 and sim.locked("BTC") == 0
    assert sim.free("USDT") == d("100000") and sim.free("BTC") == d("2")
    assert sim.call("GET", "/api/v3/openOrders") == []
    assert error(sim, "DELETE", "/api/v3/openOrders").code == -2011


def test_cancel_of_a_filled_order_is_unknown(sim: Sim) -> None:
    body = sim.order(side="BUY", type="MARKET", quantity="0.0001")
    assert body["status"] == "FILLED"
    err = error(sim, "DELETE", "/api/v3/order", orderId=body["orderId"])
    assert (err.code, err.msg) == (-2011, "Unknown order sent.")


def test_open_orders_all_orders_and_my_trades(sim: Sim) -> None:
    resting = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="64000")
    sim.clock.advance(1000)
    market = sim.order(side="BUY", type="MARKET", quantity="0.05")
    sim.clock.advance(1000)
    sim.order(side="SELL", type="MARKET", quantity="0.001")
    open_orders = sim.call("GET", "/api/v3/openOrders")
    assert [o["orderId"] for o in open_orders] == [resting["orderId"]]
    assert sim.call("GET", "/api/v3/openOrders", symbol=None) == open_orders
    all_orders = sim.call("GET", "/api/v3/allOrders")
    assert [o["orderId"] for o in all_orders] == [1, 2, 3]
    assert [o["status"] for o in all_orders] == ["NEW", "FILLED", "FILLED"]
    assert [o["orderId"] for o in sim.call("GET", "/api/v3/allOrders", orderId=2)] == [2, 3]
    assert [o["orderId"] for o in sim.call("GET", "/api/v3/allOrders", limit=1)] == [3]
    assert [
        o["orderId"]
        for o in sim.call("GET", "/api/v3/allOrders", startTime=START + 500, endTime=START + 1500)
    ] == [2]

    trades = sim.call("GET", "/api/v3/myTrades")
    fills = market["fills"]
    assert len(trades) == len(fills) + 1
    assert [t["id"] for t in trades[: len(fills)]] == [f["tradeId"] for f in fills]
    assert all(t["isBuyer"] and not t["isMaker"] for t in trades[: len(fills)])
    assert trades[-1]["isBuyer"] is False and trades[-1]["commissionAsset"] == "USDT"
    by_order = sim.call("GET", "/api/v3/myTrades", orderId=market["orderId"])
    assert by_order == trades[: len(fills)]
    assert sim.call("GET", "/api/v3/myTrades", fromId=trades[1]["id"], limit=1) == [trades[1]]
    assert sim.call("GET", "/api/v3/myTrades", limit=1) == [trades[-1]]
    # The tape has the same trades.
    tape = {t["id"]: t for t in sim.market.trades_body(SYMBOL, 50)}
    assert all(tape[t["id"]]["price"] == t["price"] and tape[t["id"]]["qty"] == t["qty"] for t in trades)


# -- amending -------------------------------------------------------------------------------------------


def test_amend_keep_priority_reduces_quantity_and_keeps_place(sim: Sim) -> None:
    first = sim.order(side="SELL", type="LIMIT", timeInForce="GTC", quantity="0.05", price="66000")
    second = sim.order("other", side="SELL", type="LIMIT", timeInForce="GTC", quantity="0.01", price="66000")
    assert sim.locked("BTC") == d("0.05")
    body = sim.call(
        "PUT",
        "/api/v3/order/amend/keepPriority",
        orderId=first["orderId"],
        newQty="0.02",
        newClientOrderId="smaller",
    )
    assert_shape(body, "PUT_api_v3_order_amend_keepPriority__single_order")
    amended = body["amendedOrder"]
    assert amended["qty"] == "0.02000000" and amended["clientOrderId"] == "smaller"
    assert amended["origClientOrderId"] == first["clientOrderId"] and amended["status"] == "NEW"
    assert sim.locked("BTC") == d("0.02")
    assert sim.book.quantity("SELL", d("66000")) == d("0.03")
    for qty, msg in (
        ("0.03", "Order amend (quantity increase) is not supported."),
        ("0.02", "The requested action would change no state; rejecting"),
    ):
        err = error(sim, "PUT", "/api/v3/order/amend/keepPriority", orderId=first["orderId"], newQty=qty)
        assert (err.code, err.msg) == (-2038, msg)
    err = error(sim, "PUT", "/api/v3/order/amend/keepPriority", orderId=999, newQty="0.01")
    assert err.code == -2013
    # It kept its place ahead of the other account's order at 66000.
    below = sum((q for p, q in sim.asks(1000) if p < d("66000")), D(0))
    taker = sim.order(
        "other", side="BUY", type="LIMIT", timeInForce="IOC", quantity=str(below + d("0.02")), price="66000"
    )
    assert taker["status"] == "FILLED"
    assert sim.call("GET", "/api/v3/order", orderId=first["orderId"])["status"] == "FILLED"
    assert sim.call("GET", "/api/v3/order", "other", orderId=second["orderId"])["status"] == "NEW"
    assert sim.locked("BTC") == 0
    history = sim.call("GET", "/api/v3/order/amendments", orderId=first["orderId"])
    assert_shape(history, "GET_api_v3_order_amendments")
    assert [(h["origQty"], h["newQty"]) for h in history] == [("0.05000000", "0.02000000")]


def test_amend_to_executed_quantity_expires_the_order(sim: Sim) -> None:
    price, qty = sim.asks(1)[0]
    placed = sim.order(
        side="BUY", type="LIMIT", timeInForce="GTC", quantity=str(qty + d("0.01")), price=str(price)
    )
    assert placed["status"] == "PARTIALLY_FILLED" and sim.locked("USDT") == price * d("0.01")
    body = sim.call("PUT", "/api/v3/order/amend/keepPriority", orderId=placed["orderId"], newQty=str(qty))
    assert body["amendedOrder"]["status"] == "EXPIRED"
    assert sim.locked("USDT") == 0 and sim.book.quantity("BUY", price) == 0
    assert sim.call("GET", "/api/v3/openOrders") == []


# -- bodies and weights ---------------------------------------------------------------------------------


def json_types(value: Any) -> Any:
    """The JSON shape of `value`: keys and types, recursively (lists by their first element)."""
    if isinstance(value, dict):
        return {key: json_types(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_types(value[0])] if value else []
    return type(value).__name__


def assert_shape(body: Any, name: str) -> None:
    expected = example(name)
    if isinstance(expected, list):
        expected, body = expected[0], body[0]
    assert json_types(body) == json_types(expected)  # same keys, same JSON types


def test_bodies_have_the_official_shapes(sim: Sim) -> None:
    ack = sim.order(side="BUY", type="MARKET", quantity="0.001", newOrderRespType="ACK")
    assert_shape(ack, "POST_api_v3_order__ACK")
    result = sim.order(side="SELL", type="MARKET", quantity="0.001", newOrderRespType="RESULT")
    assert_shape(result, "POST_api_v3_order__RESULT")
    full = sim.order(side="SELL", type="MARKET", quantity="0.002")
    assert_shape(full, "POST_api_v3_order__FULL")
    sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="64000")
    placed = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="63000")
    assert_shape(sim.call("GET", "/api/v3/order", orderId=placed["orderId"]), "GET_api_v3_order")
    assert_shape(sim.call("GET", "/api/v3/openOrders"), "GET_api_v3_openOrders")
    assert_shape(sim.call("GET", "/api/v3/allOrders"), "GET_api_v3_allOrders")
    assert_shape(sim.call("GET", "/api/v3/myTrades"), "GET_api_v3_myTrades")
    assert_shape(sim.call("GET", "/api/v3/rateLimit/order", symbol=None), "GET_api_v3_rateLimit_order")
    assert_shape(sim.call("GET", "/api/v3/account/commission"), "GET_api_v3_account_commission")
    assert_shape(sim.call("DELETE", "/api/v3/order", orderId=placed["orderId"]), "DELETE_api_v3_order")
    assert_shape(sim.call("DELETE", "/api/v3/openOrders"), "DELETE_api_v3_openOrders")


def test_default_response_types(sim: Sim) -> None:
    assert "fills" in sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="64000")
    assert "fills" in sim.order(side="BUY", type="MARKET", quantity="0.001")
    maker = sim.order(side="BUY", type="LIMIT_MAKER", quantity="0.01", price="64000")
    assert "status" not in maker


def test_route_weights(sim: Sim) -> None:
    routes = sim.routes
    assert routes[("POST", "/api/v3/order")].orders == 1
    assert routes[("GET", "/api/v3/order")].weight_for(Params("")) == 4
    assert routes[("GET", "/api/v3/openOrders")].weight_for(Params("symbol=BTCUSDT")) == 6
    assert routes[("GET", "/api/v3/openOrders")].weight_for(Params("")) == 80
    assert routes[("GET", "/api/v3/myTrades")].weight_for(Params("symbol=BTCUSDT&orderId=1")) == 5
    assert routes[("GET", "/api/v3/myTrades")].weight_for(Params("symbol=BTCUSDT")) == 20
    assert routes[("GET", "/api/v3/allOrders")].weight_for(Params("")) == 20
    assert routes[("GET", "/api/v3/rateLimit/order")].weight_for(Params("")) == 40
    assert routes[("GET", "/api/v3/account/commission")].weight_for(Params("")) == 20
