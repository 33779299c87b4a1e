"""Cancel-replace and order lists (OCO, OTO, OTOCO, OPO): outcomes, HTTP statuses, list rules,
balances conserved, and bodies shaped like the official examples.

Handlers are called directly (no HTTP); bodies go through JSON, so what is checked is what a client
would decode.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from binance_async.sim.errors import SimError
from binance_async.sim.list_routes import list_routes
from tests.reference import example
from tests.sim.engine_harness import SYMBOL, EngineHarness, error

D = Decimal


class Sim(EngineHarness):
    """One engine with the order and list routes, two accounts ("default" and "other")."""

    def get(self, order_id: int, account: str = "default") -> Any:
        return self.call("GET", "/api/v3/order", account, orderId=order_id)

    def conserved(self, before: dict[str, Decimal]) -> bool:
        after = self.totals()
        return all(after.get(a, D(0)) == before.get(a, D(0)) for a in set(after) | set(before))


def buy_through(sim: Sim, price: str, leave: str = "0") -> None:
    """Another account buys every ask up to `price` (but `leave` of the last one)."""
    qty = sum((q for p, q in sim.book.asks.top(1000) if p <= D(price)), D(0)) - D(leave)
    sim.order("other", side="BUY", type="LIMIT", timeInForce="GTC", quantity=str(qty), price=price)


@pytest.fixture
def sim() -> Sim:
    return Sim()


def json_types(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: json_types(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_types(item) for item in value]
    return type(value).__name__


def assert_shape(body: Any, name: str) -> None:
    expected = example(name)
    if isinstance(expected, list):
        expected, body = expected[0], body[0]
    assert json_types(body) == json_types(expected)  # same keys, same JSON types


def data_shape(error: SimError) -> Any:
    return json_types(json.loads(json.dumps(error.data)))


# -- cancelReplace --------------------------------------------------------------------------------

CR = "/api/v3/order/cancelReplace"


def resting_sell(sim: Sim, price: str = "70000", qty: str = "0.01") -> Any:
    return sim.order(side="SELL", type="LIMIT", timeInForce="GTC", quantity=qty, price=price)


def test_cancel_replace_success(sim: Sim) -> None:
    before = sim.totals()
    old = resting_sell(sim)
    body = sim.call(
        "POST",
        CR,
        side="SELL",
        type="LIMIT",
        timeInForce="GTC",
        quantity="0.02",
        price="71000",
        cancelReplaceMode="STOP_ON_FAILURE",
        cancelOrderId=old["orderId"],
    )
    assert body["cancelResult"] == "SUCCESS" and body["newOrderResult"] == "SUCCESS"
    assert body["cancelResponse"]["status"] == "CANCELED"
    assert body["newOrderResponse"]["status"] == "NEW"
    assert sim.locked("BTC") == D("0.02")
    assert sim.conserved(before)
    assert_shape(body, "POST_api_v3_order_cancelReplace__success")


def test_cancel_replace_cancel_fails_stop_on_failure(sim: Sim) -> None:
    caught = error(
        sim,
        "POST",
        CR,
        side="SELL",
        type="LIMIT_MAKER",
        quantity="0.01",
        price="71000",
        cancelReplaceMode="STOP_ON_FAILURE",
        cancelOrderId=99,
    )
    assert (caught.code, caught.status, caught.msg) == (-2022, 400, "Order cancel-replace failed.")
    assert caught.data is not None and caught.data["newOrderResult"] == "NOT_ATTEMPTED"
    assert sim.engine.open_orders("default") == []
    assert data_shape(caught) == json_types(
        example("POST_api_v3_order_cancelReplace__cancel_failed_STOP_ON_FAILURE")["data"]
    )


def test_cancel_replace_cancel_fails_new_ok_allow_failure(sim: Sim) -> None:
    caught = error(
        sim,
        "POST",
        CR,
        side="SELL",
        type="LIMIT_MAKER",
        quantity="0.01",
        price="71000",
        cancelReplaceMode="ALLOW_FAILURE",
        cancelOrderId=99,
    )
    assert (caught.code, caught.status) == (-2021, 409)
    assert caught.data is not None and caught.data["newOrderResult"] == "SUCCESS"
    assert len(sim.engine.open_orders("default")) == 1
    assert data_shape(caught) == json_types(
        example("POST_api_v3_order_cancelReplace__cancel_failed_new_ok_ALLOW_FAILURE")["data"]
    )


def test_cancel_replace_cancel_ok_new_fails(sim: Sim) -> None:
    old = resting_sell(sim)
    bid = sim.book.best_bid()
    assert bid is not None
    caught = error(
        sim,
        "POST",
        CR,
        side="SELL",
        type="LIMIT_MAKER",
        quantity="0.01",
        price=str(bid[0]),
        cancelReplaceMode="STOP_ON_FAILURE",
        cancelOrderId=old["orderId"],
    )
    assert (caught.code, caught.status) == (-2021, 409)
    assert caught.data is not None
    assert caught.data["cancelResult"] == "SUCCESS" and caught.data["newOrderResult"] == "FAILURE"
    assert caught.data["newOrderResponse"] == {
        "code": -2010,
        "msg": "Order would immediately match and take.",
    }
    assert sim.get(old["orderId"])["status"] == "CANCELED" and sim.locked("BTC") == 0
    expected = example("POST_api_v3_order_cancelReplace__cancel_ok_new_failed")["data"]
    assert data_shape(caught) == json_types(expected)


def test_cancel_replace_both_fail_allow_failure(sim: Sim) -> None:
    bid = sim.book.best_bid()
    assert bid is not None
    caught = error(
        sim,
        "POST",
        CR,
        side="SELL",
        type="LIMIT_MAKER",
        quantity="0.01",
        price=str(bid[0]),
        cancelReplaceMode="ALLOW_FAILURE",
        cancelOrderId=99,
    )
    assert (caught.code, caught.status) == (-2022, 400)
    assert caught.data is not None and caught.data["newOrderResult"] == "FAILURE"
    expected = example("POST_api_v3_order_cancelReplace__both_failed_ALLOW_FAILURE")["data"]
    assert data_shape(caught) == json_types(expected)


def test_cancel_replace_filter_failure_changes_nothing(sim: Sim) -> None:
    old = resting_sell(sim)
    caught = error(
        sim,
        "POST",
        CR,
        side="SELL",
        type="LIMIT",
        timeInForce="GTC",
        quantity="0.000001",
        price="71000",
        cancelReplaceMode="ALLOW_FAILURE",
        cancelOrderId=old["orderId"],
    )
    assert caught.code == -1013
    assert sim.get(old["orderId"])["status"] == "NEW"


# -- OCO ------------------------------------------------------------------------------------------

OCO = "/api/v3/orderList/oco"


def sell_oco(sim: Sim, **extra: Any) -> Any:
    params: dict[str, Any] = {
        "side": "SELL",
        "quantity": "0.01",
        "aboveType": "LIMIT_MAKER",
        "abovePrice": "66000",
        "belowType": "STOP_LOSS_LIMIT",
        "belowStopPrice": "64000",
        "belowPrice": "63900",
        "belowTimeInForce": "GTC",
    }
    params.update(extra)
    return sim.call("POST", OCO, **{k: v for k, v in params.items() if v is not None})


def test_oco_body_shape_and_single_lock(sim: Sim) -> None:
    body = sell_oco(sim, belowIcebergQty="0.005")
    assert body["contingencyType"] == "OCO" and body["listOrderStatus"] == "EXECUTING"
    assert [r["type"] for r in body["orderReports"]] == ["STOP_LOSS_LIMIT", "LIMIT_MAKER"]
    assert all(r["orderListId"] == body["orderListId"] for r in body["orderReports"])
    assert sim.locked("BTC") == D("0.01")  # one lock for both legs
    assert_shape(body, "POST_api_v3_orderList_oco")


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"abovePrice": "64000"}, -1166),  # SELL limit must be above the last price
        ({"belowStopPrice": "66000", "belowPrice": "66000"}, -1197),  # SELL stop loss must be below
        (
            {"aboveType": "TAKE_PROFIT", "abovePrice": None, "aboveStopPrice": "64000"},
            -1199,
        ),
        ({"aboveType": "STOP_LOSS", "abovePrice": None, "aboveStopPrice": "66000"}, -1158),
    ],
)
def test_oco_price_rules(sim: Sim, extra: dict[str, Any], code: int) -> None:
    params: dict[str, Any] = {
        "side": "SELL",
        "quantity": "0.01",
        "aboveType": "LIMIT_MAKER",
        "abovePrice": "66000",
        "belowType": "STOP_LOSS_LIMIT",
        "belowStopPrice": "64000",
        "belowPrice": "63900",
        "belowTimeInForce": "GTC",
    }
    params.update(extra)
    params = {k: v for k, v in params.items() if v is not None}
    assert error(sim, "POST", OCO, **params).code == code
    assert sim.locked("BTC") == 0 and sim.engine.open_orders("default") == []


def test_buy_oco_price_rules(sim: Sim) -> None:
    params: dict[str, Any] = {
        "side": "BUY",
        "quantity": "0.01",
        "aboveType": "STOP_LOSS",
        "aboveStopPrice": "64000",
        "belowType": "LIMIT_MAKER",
        "belowPrice": "64000",
    }
    assert error(sim, "POST", OCO, **params).code == -1196
    params["aboveStopPrice"] = "66000"
    params["belowPrice"] = "66000"
    assert error(sim, "POST", OCO, **params).code == -1165


def test_oco_limit_leg_fill_expires_the_other(sim: Sim) -> None:
    before = sim.totals()
    body = sell_oco(sim)
    stop_id, limit_id = (r["orderId"] for r in body["orderReports"])
    buy_through(sim, "66000")
    assert sim.get(limit_id)["status"] == "FILLED"
    stop = sim.engine.get_order("default", SYMBOL, stop_id, None)
    assert stop.status == "EXPIRED" and stop.expiry_reason == "OCO_TRIGGER"
    listed = sim.call("GET", "/api/v3/orderList", symbol=None, orderListId=body["orderListId"])
    assert listed["listOrderStatus"] == "ALL_DONE" and listed["listStatusType"] == "ALL_DONE"
    assert sim.locked("BTC") == 0
    assert sim.call("GET", "/api/v3/openOrderList", symbol=None) == []
    assert sim.conserved(before)


def test_oco_stop_leg_trigger_expires_the_limit_leg(sim: Sim) -> None:
    before = sim.totals()
    body = sell_oco(
        sim, belowType="STOP_LOSS", belowStopPrice="64999.50", belowPrice=None, belowTimeInForce=None
    )
    stop_id, limit_id = (r["orderId"] for r in body["orderReports"])
    # Someone sells down to the stop price: the stop triggers and sells at market.
    qty = sum((q for p, q in sim.book.bids.top(1000) if p >= D("64999.50")), D(0))
    sim.order("other", side="SELL", type="MARKET", quantity=str(qty))
    assert sim.market.last_price(SYMBOL) <= D("64999.50")
    assert sim.get(stop_id)["status"] == "FILLED"
    limit = sim.engine.get_order("default", SYMBOL, limit_id, None)
    assert limit.status == "EXPIRED" and limit.expiry_reason == "OCO_TRIGGER"
    assert sim.locked("BTC") == 0 and sim.free("BTC") == D("2") - D("0.01")
    assert sim.conserved(before)


def test_cancel_leg_cancels_the_list(sim: Sim) -> None:
    body = sell_oco(sim)
    stop_id, limit_id = (r["orderId"] for r in body["orderReports"])
    sim.call("DELETE", "/api/v3/order", orderId=limit_id)
    assert sim.get(stop_id)["status"] == "CANCELED"
    assert sim.locked("BTC") == 0


def test_cancel_order_list(sim: Sim) -> None:
    before = sim.totals()
    body = sell_oco(sim)
    cancelled = sim.call("DELETE", "/api/v3/orderList", orderListId=body["orderListId"])
    assert cancelled["listOrderStatus"] == "ALL_DONE"
    assert [r["status"] for r in cancelled["orderReports"]] == ["CANCELED", "CANCELED"]
    assert sim.locked("BTC") == 0 and sim.conserved(before)
    assert_shape(cancelled, "DELETE_api_v3_orderList")
    again = error(sim, "DELETE", "/api/v3/orderList", orderListId=body["orderListId"])
    assert again.code == -2011


def test_list_queries_shapes(sim: Sim) -> None:
    body = sell_oco(sim)
    got = sim.call("GET", "/api/v3/orderList", symbol=None, orderListId=body["orderListId"])
    assert got == {k: v for k, v in body.items() if k != "orderReports"}
    assert_shape(got, "GET_api_v3_orderList")
    assert_shape(sim.call("GET", "/api/v3/openOrderList", symbol=None), "GET_api_v3_openOrderList")
    assert_shape(sim.call("GET", "/api/v3/allOrderList", symbol=None), "GET_api_v3_allOrderList")
    by_client = sim.call("GET", "/api/v3/orderList", symbol=None, origClientOrderId=body["listClientOrderId"])
    assert by_client["orderListId"] == body["orderListId"]
    assert error(sim, "GET", "/api/v3/orderList", symbol=None, orderListId=99).code == -2013


# -- OTO / OTOCO / OPO ---------------------------------------------------------------------------


def test_oto_pending_placed_when_working_fills(sim: Sim) -> None:
    before = sim.totals()
    body = sim.call(
        "POST",
        "/api/v3/orderList/oto",
        workingType="LIMIT",
        workingSide="SELL",
        workingPrice="66000",
        workingQuantity="0.01",
        workingTimeInForce="GTC",
        pendingType="LIMIT",
        pendingSide="BUY",
        pendingPrice="60000",
        pendingTimeInForce="GTC",
        pendingQuantity="0.01",
    )
    working_id, pending_id = (r["orderId"] for r in body["orderReports"])
    assert body["orderReports"][1]["status"] == "PENDING_NEW"
    assert sim.get(pending_id)["status"] == "PENDING_NEW"
    buy_through(sim, "66000", leave="0.005")
    assert sim.get(working_id)["status"] == "PARTIALLY_FILLED"
    assert sim.get(pending_id)["status"] == "PENDING_NEW"  # only a full fill starts the pending leg
    buy_through(sim, "66000")
    assert sim.get(working_id)["status"] == "FILLED"
    assert sim.get(pending_id)["status"] == "NEW"
    assert sim.locked("USDT") == D("600") and sim.locked("BTC") == 0
    got = sim.call("GET", "/api/v3/orderList", symbol=None, orderListId=body["orderListId"])
    assert got["listOrderStatus"] == "EXECUTING"
    sim.call("DELETE", "/api/v3/order", orderId=pending_id)
    got = sim.call("GET", "/api/v3/orderList", symbol=None, orderListId=body["orderListId"])
    assert got["listOrderStatus"] == "ALL_DONE"
    assert sim.conserved(before)


def test_oto_body_shape(sim: Sim) -> None:
    body = sim.call(
        "POST",
        "/api/v3/orderList/oto",
        workingType="LIMIT",
        workingSide="SELL",
        workingPrice="66000",
        workingQuantity="0.01",
        workingTimeInForce="GTC",
        pendingType="MARKET",
        pendingSide="BUY",
        pendingQuantity="0.01",
    )
    assert_shape(body, "POST_api_v3_orderList_oto")


def test_oto_cancel_pending_leg_cancels_working(sim: Sim) -> None:
    body = sim.call(
        "POST",
        "/api/v3/orderList/oto",
        workingType="LIMIT_MAKER",
        workingSide="BUY",
        workingPrice="60000",
        workingQuantity="0.01",
        pendingType="LIMIT",
        pendingSide="SELL",
        pendingPrice="70000",
        pendingTimeInForce="GTC",
        pendingQuantity="0.01",
    )
    assert sim.locked("USDT") == D("600")
    cancelled = sim.call("DELETE", "/api/v3/orderList", orderListId=body["orderListId"])
    assert [r["status"] for r in cancelled["orderReports"]] == ["CANCELED", "CANCELED"]
    assert sim.locked("USDT") == 0


def test_otoco_shape_and_flow(sim: Sim) -> None:
    before = sim.totals()
    body = sim.call(
        "POST",
        "/api/v3/orderList/otoco",
        workingType="LIMIT",
        workingSide="BUY",
        workingPrice="66000",
        workingQuantity="0.01",
        workingTimeInForce="GTC",
        pendingSide="SELL",
        pendingQuantity="0.01",
        pendingAboveType="LIMIT_MAKER",
        pendingAbovePrice="67000",
        pendingBelowType="STOP_LOSS",
        pendingBelowStopPrice="63000",
    )
    assert_shape(body, "POST_api_v3_orderList_otoco")
    assert len(body["orders"]) == 3
    working, stop, limit = (r["orderId"] for r in body["orderReports"])
    # The working BUY crossed the house asks and filled: the OCO pair is live.
    assert sim.get(working)["status"] == "FILLED"
    assert sim.get(stop)["status"] == "NEW" and sim.get(limit)["status"] == "NEW"
    assert sim.locked("BTC") == D("0.01")
    buy_through(sim, "67000")
    assert sim.get(limit)["status"] == "FILLED"
    assert sim.engine.get_order("default", SYMBOL, stop, None).expiry_reason == "OCO_TRIGGER"
    assert sim.conserved(before)


def test_opo_pending_quantity_is_net_of_commission(sim: Sim) -> None:
    body = sim.call(
        "POST",
        "/api/v3/orderList/opo",
        workingType="LIMIT",
        workingSide="BUY",
        workingPrice="66000",
        workingQuantity="0.01",
        workingTimeInForce="GTC",
        pendingType="LIMIT_MAKER",
        pendingSide="SELL",
        pendingPrice="70000",
    )
    pending = sim.get(body["orderReports"][1]["orderId"])
    assert pending["status"] == "NEW" and D(pending["origQty"]) == D("0.00999")
    assert sim.locked("BTC") == D("0.00999")


def test_opo_body_shape(sim: Sim) -> None:
    body = sim.call(
        "POST",
        "/api/v3/orderList/opo",
        workingType="LIMIT",
        workingSide="BUY",
        workingPrice="60000",
        workingQuantity="0.01",
        workingTimeInForce="GTC",
        pendingType="MARKET",
        pendingSide="SELL",
    )
    assert_shape(body, "POST_api_v3_orderList_opo")


def test_opo_sides(sim: Sim) -> None:
    params: dict[str, Any] = {
        "workingType": "LIMIT",
        "workingSide": "SELL",
        "workingPrice": "70000",
        "workingQuantity": "0.01",
        "workingTimeInForce": "GTC",
        "pendingType": "LIMIT_MAKER",
        "pendingSide": "SELL",
        "pendingPrice": "70000",
    }
    assert error(sim, "POST", "/api/v3/orderList/opo", **params).code == -1222
    params.update(workingSide="BUY", workingPrice="60000", pendingSide="BUY", pendingPrice="50000")
    assert error(sim, "POST", "/api/v3/orderList/opo", **params).code == -1223


def test_my_filters(sim: Sim) -> None:
    body = sim.call("GET", "/api/v3/myFilters")
    assert set(body) == {"exchangeFilters", "symbolFilters", "assetFilters"}
    assert body["symbolFilters"] == json.loads(json.dumps(sim.market.filters(SYMBOL)))


def test_route_weights_and_orders(sim: Sim) -> None:
    routes = {(r.method, r.path): r for r in list_routes(sim.engine)}
    assert routes[("POST", CR)].orders == 1
    assert routes[("POST", OCO)].orders == 2
    assert routes[("POST", "/api/v3/orderList/oto")].orders == 2
    assert routes[("POST", "/api/v3/orderList/otoco")].orders == 3
    assert routes[("GET", "/api/v3/orderList")].weight == 4
    assert routes[("GET", "/api/v3/allOrderList")].weight == 20
    assert routes[("GET", "/api/v3/openOrderList")].weight == 6
