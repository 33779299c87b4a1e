"""The matching engine and its order routes: matching against house liquidity and other accounts,
balances (locked, released, conserved), filters, queries, cancels, stops, and bodies shaped like the
official examples.

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
from tests.sim.engine_harness import START, SYMBOL, EngineHarness

D = Decimal


class Sim(EngineHarness):
    """One engine with its routes, two accounts ("default" and "other")."""

    def asks(self, count: int) -> list[tuple[Decimal, Decimal]]:
        return self.book.asks.top(count)

    def bids(self, count: int) -> list[tuple[Decimal, Decimal]]:
        return self.book.bids.top(count)


@pytest.fixture
def sim() -> Sim:
    return Sim()


def error(sim: Sim, method: str, path: str, **params: Any) -> SimError:
    with pytest.raises(SimError) as caught:
        sim.call(method, path, **params)
    return caught.value


def place_error(sim: Sim, **params: Any) -> SimError:
    return error(sim, "POST", "/api/v3/order", **params)


def d(text: str) -> Decimal:
    return Decimal(text)


# -- resting and crossing -----------------------------------------------------------------------------


def test_limit_that_rests_shows_in_depth_and_locks_quote(sim: Sim) -> None:
    body = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="64000")
    assert body["status"] == "NEW"
    assert body["fills"] == []
    assert body["orderId"] == 1 and len(body["clientOrderId"]) == 22
    assert sim.book.quantity("BUY", d("64000")) == d("0.01")
    assert sim.locked("USDT") == d("640.00")
    assert sim.free("USDT") == d("100000") - d("640")
    depth = sim.market.depth_body(SYMBOL, 5000)
    assert ["64000.00000000", "0.01000000"] in depth["bids"]


def test_limit_crossing_fills_at_maker_prices_then_rests(sim: Sim) -> None:
    levels = sim.asks(3)
    limit = levels[2][0]
    qty = sum((q for _, q in levels), D(0)) + d("0.001")
    body = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity=str(qty), price=str(limit))
    assert body["status"] == "PARTIALLY_FILLED"
    assert [(d(f["price"]), d(f["qty"])) for f in body["fills"]] == levels
    for fill in body["fills"]:
        assert fill["commissionAsset"] == "BTC"
        assert d(fill["commission"]) == d(fill["qty"]) * d("0.001")
    cost = sum((p * q for p, q in levels), D(0))
    assert d(body["cummulativeQuoteQty"]) == cost
    assert d(body["executedQty"]) == qty - d("0.001")
    # The remainder rests at the limit price, which is now the best bid; its quote stays locked.
    assert sim.book.best_bid() == (limit, d("0.001"))
    assert sim.locked("USDT") == limit * d("0.001")
    assert sim.free("USDT") == d("100000") - cost - limit * d("0.001")
    bought = qty - d("0.001")
    assert sim.free("BTC") == d("2") + bought - bought * d("0.001")


def test_market_by_quantity_sweeps_bids(sim: Sim) -> None:
    levels = sim.bids(2)
    qty = levels[0][1] + (levels[1][1] / 2).quantize(d("0.00001"))
    body = sim.order(side="SELL", type="MARKET", quantity=str(qty))
    assert body["status"] == "FILLED"
    assert [d(f["price"]) for f in body["fills"]] == [levels[0][0], levels[1][0]]
    assert all(f["commissionAsset"] == "USDT" for f in body["fills"])
    received = d(body["cummulativeQuoteQty"])
    commission = sum((d(f["commission"]) for f in body["fills"]), D(0))
    assert sim.free("USDT") == d("100000") + received - commission
    assert sim.free("BTC") == d("2") - qty
    assert sim.book.quantity("BUY", levels[1][0]) == levels[0][1] + levels[1][1] - qty


def test_market_by_quote_order_qty(sim: Sim) -> None:
    body = sim.order(side="BUY", type="MARKET", quoteOrderQty="1000")
    assert body["status"] == "FILLED"
    spent = d(body["cummulativeQuoteQty"])
    assert d("999") < spent <= d("1000")
    assert body["origQty"] == body["executedQty"]
    assert d(body["origQuoteOrderQty"]) == d("1000")
    assert sim.free("USDT") == d("100000") - spent


def test_ioc_remainder_expires(sim: Sim) -> None:
    price, qty = sim.asks(1)[0]
    body = sim.order(
        side="BUY", type="LIMIT", timeInForce="IOC", quantity=str(qty + d("0.01")), price=str(price)
    )
    assert body["status"] == "EXPIRED"
    assert d(body["executedQty"]) == qty
    assert sim.locked("USDT") == 0
    assert sim.free("USDT") == d("100000") - price * qty
    assert sim.engine.open_orders("default", SYMBOL) == []


def test_fok_not_fillable_expires_without_fills(sim: Sim) -> None:
    price, qty = sim.asks(1)[0]
    before = sim.totals()
    body = sim.order(
        side="BUY", type="LIMIT", timeInForce="FOK", quantity=str(qty + d("0.01")), price=str(price)
    )
    assert body["status"] == "EXPIRED"
    assert body["fills"] == [] and d(body["executedQty"]) == 0
    assert sim.totals() == before
    assert sim.free("USDT") == d("100000") and sim.locked("USDT") == 0
    assert sim.asks(1)[0] == (price, qty)


def test_limit_maker_that_would_take_is_rejected(sim: Sim) -> None:
    price, _ = sim.asks(1)[0]
    err = place_error(sim, side="BUY", type="LIMIT_MAKER", quantity="0.001", price=str(price))
    assert (err.code, err.msg) == (-2010, "Order would immediately match and take.")
    assert sim.engine.all_orders("default", SYMBOL) == []
    body = sim.order(side="BUY", type="LIMIT_MAKER", quantity="0.001", price="64000")
    assert set(body) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}  # ACK


def test_insufficient_balance(sim: Sim) -> None:
    msg = "Account has insufficient balance for requested action."
    err = place_error(sim, side="BUY", type="LIMIT", timeInForce="GTC", quantity="2", price="64000")
    assert (err.code, err.msg) == (-2010, msg)
    err = place_error(sim, side="SELL", type="LIMIT", timeInForce="GTC", quantity="3", price="66000")
    assert (err.code, err.msg) == (-2010, msg)
    err = place_error(sim, side="SELL", type="MARKET", quantity="3")
    assert (err.code, err.msg) == (-2010, msg)
    assert sim.locked("USDT") == 0 and sim.locked("BTC") == 0
    assert sim.engine.all_orders("default", SYMBOL) == []


@pytest.mark.parametrize(
    ("params", "failure"),
    [
        ({"type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01", "price": "64000.001"}, "PRICE_FILTER"),
        ({"type": "LIMIT", "timeInForce": "GTC", "quantity": "0.000015", "price": "64000"}, "LOT_SIZE"),
        ({"type": "LIMIT", "timeInForce": "GTC", "quantity": "0.00001", "price": "64000"}, "NOTIONAL"),
        (
            {"type": "LIMIT", "timeInForce": "GTC", "quantity": "0.0001", "price": "400000"},
            "PERCENT_PRICE_BY_SIDE",
        ),
        ({"type": "MARKET", "quantity": "0.00001"}, "NOTIONAL"),
        ({"type": "MARKET", "quoteOrderQty": "1"}, "NOTIONAL"),
    ],
)
def test_filter_failures(sim: Sim, params: dict[str, str], failure: str) -> None:
    err = place_error(sim, side="BUY", **params)
    assert (err.code, err.msg) == (-1013, f"Filter failure: {failure}")


def test_percent_price_by_side_for_sells_and_market_lot_size(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    err = place_error(sim, side="SELL", type="LIMIT", timeInForce="GTC", quantity="0.01", price="1000")
    assert err.msg == "Filter failure: PERCENT_PRICE_BY_SIDE"
    filters = sim.market.filters(SYMBOL)
    patched = [{**f, "maxQty": "0.01000000"} if f["filterType"] == "MARKET_LOT_SIZE" else f for f in filters]
    monkeypatch.setattr(sim.market, "filters", lambda symbol: patched)
    err = place_error(sim, side="SELL", type="MARKET", quantity="0.02")
    assert (err.code, err.msg) == (-1013, "Filter failure: MARKET_LOT_SIZE")
    assert sim.order(side="SELL", type="MARKET", quantity="0.01")["status"] == "FILLED"


def test_parameter_rules(sim: Sim) -> None:
    err = place_error(sim, side="BUY", type="LIMIT", quantity="0.01", price="64000")
    assert (err.code, err.msg) == (
        -1102,
        "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.",
    )
    err = place_error(sim, side="BUY", type="MARKET", quantity="0.01", price="64000")
    assert (err.code, err.msg) == (-1106, "Parameter 'price' sent when not required.")
    err = place_error(sim, side="BUY", type="MARKET")
    assert err.code == -1102
    # An unknown extra parameter is refused before anything is placed.
    err = place_error(
        sim, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="64000", extra="1"
    )
    assert err.code == -1104
    assert sim.engine.all_orders("default", SYMBOL) == [] and sim.locked("USDT") == 0


def test_duplicate_client_order_id(sim: Sim) -> None:
    params = {"side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01", "price": "64000"}
    first = sim.order(newClientOrderId="myOrder1", **params)
    assert first["clientOrderId"] == "myOrder1"
    err = place_error(sim, newClientOrderId="myOrder1", **params)
    assert (err.code, err.msg) == (-2010, "Duplicate order sent.")
    assert sim.locked("USDT") == d("640")
    # Another account may use it, and so may this one once the first order is closed.
    assert sim.order("other", newClientOrderId="myOrder1", **params)["status"] == "NEW"
    sim.call("DELETE", "/api/v3/order", orderId=first["orderId"])
    assert sim.order(newClientOrderId="myOrder1", **params)["status"] == "NEW"


# -- queries and cancels ------------------------------------------------------------------------------


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


# -- accounts against each other ---------------------------------------------------------------------


def test_house_first_then_account_orders_and_balances_conserved(sim: Sim) -> None:
    before = sim.totals()
    price, house_qty = sim.asks(1)[0]
    maker = sim.order(
        "other", side="SELL", type="LIMIT", timeInForce="GTC", quantity="0.01", price=str(price)
    )
    assert maker["status"] == "NEW"
    assert sim.book.quantity("SELL", price) == house_qty + d("0.01")
    # The house liquidity at the level is older: it fills first.
    first = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity=str(house_qty), price=str(price))
    assert first["status"] == "FILLED"
    assert sim.call("GET", "/api/v3/order", "other", orderId=maker["orderId"])["status"] == "NEW"
    second = sim.order(side="BUY", type="MARKET", quantity="0.004")
    assert [(d(f["price"]), d(f["qty"])) for f in second["fills"]] == [(price, d("0.004"))]
    maker_now = sim.call("GET", "/api/v3/order", "other", orderId=maker["orderId"])
    assert maker_now["status"] == "PARTIALLY_FILLED" and d(maker_now["executedQty"]) == d("0.004")
    assert sim.locked("BTC", "other") == d("0.006")
    assert sim.free("USDT", "other") == d("100000") + price * d("0.004") * d("0.999")
    maker_trades = sim.call("GET", "/api/v3/myTrades", "other")
    assert (
        len(maker_trades) == 1 and maker_trades[0]["isMaker"] is True and maker_trades[0]["isBuyer"] is False
    )
    assert maker_trades[0]["id"] == second["fills"][0]["tradeId"]
    # Fill the rest and more; then everything adds up, commissions apart.
    sim.order(side="BUY", type="MARKET", quantity="0.02")
    sim.order("other", side="SELL", type="MARKET", quantity="0.03")
    assert sim.call("GET", "/api/v3/order", "other", orderId=maker["orderId"])["status"] == "FILLED"
    assert sim.locked("BTC", "other") == 0
    assert sim.totals() == {asset: before.get(asset, D(0)) for asset in sim.totals()}
    assert sim.engine.commissions["BTC"] > 0 and sim.engine.commissions["USDT"] > 0


def test_self_trade_prevention_expires_maker(sim: Sim) -> None:
    ask = sim.asks(1)[0][0]
    tick = d("0.01")
    own = sim.order(side="SELL", type="LIMIT", timeInForce="GTC", quantity="0.01", price=str(ask - tick))
    body = sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.001", price=str(ask))
    assert body["selfTradePreventionMode"] == "EXPIRE_MAKER"
    assert [d(f["price"]) for f in body["fills"]] == [ask]
    assert sim.call("GET", "/api/v3/order", orderId=own["orderId"])["status"] == "EXPIRED_IN_MATCH"
    assert sim.locked("BTC") == 0
    assert sim.book.quantity("SELL", ask - tick) == 0


def test_rate_limit_order_counts_drop_on_first_fill(sim: Sim) -> None:
    sim.limits.charge_orders("default")
    sim.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="64000")
    sim.limits.charge_orders("default")
    sim.order(side="BUY", type="MARKET", quantity="0.001")
    counts = sim.call("GET", "/api/v3/rateLimit/order", symbol=None)
    assert [c["count"] for c in counts] == [1, 1]
    assert {c["interval"] for c in counts} == {"SECOND", "DAY"}


# -- stops ----------------------------------------------------------------------------------------------


def test_stop_loss_triggers_when_a_later_trade_crosses(sim: Sim) -> None:
    sim.order(side="SELL", type="MARKET", quantity="0.0001")  # the last price is now the best bid
    bids = sim.bids(8)
    stop = bids[4][0]
    err = place_error(sim, side="SELL", type="STOP_LOSS", quantity="0.001", stopPrice=str(bids[0][0] + 1))
    assert (err.code, err.msg) == (-2010, "Order would trigger immediately.")
    placed = sim.order(side="SELL", type="STOP_LOSS", quantity="0.001", stopPrice=str(stop))
    assert set(placed) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
    limit_stop = sim.order(
        side="SELL",
        type="STOP_LOSS_LIMIT",
        timeInForce="GTC",
        quantity="0.002",
        price="66000",
        stopPrice=str(stop),
        newOrderRespType="RESULT",
    )
    assert limit_stop["stopPrice"] == f"{stop:.8f}" and limit_stop["workingTime"] == -1
    pending = sim.call("GET", "/api/v3/order", orderId=placed["orderId"])
    assert pending["isWorking"] is False and pending["status"] == "NEW"
    assert sim.locked("BTC") == d("0.003")
    # A trade above the stop price does not trigger it; one at or below does.
    sim.clock.advance(5)
    sim.order(side="SELL", type="MARKET", quantity=str((bids[0][1] / 2).quantize(d("0.00001"))))
    assert sim.call("GET", "/api/v3/order", orderId=placed["orderId"])["isWorking"] is False
    sweep = sum((q for _, q in bids[:5]), D(0))
    sim.order("other", side="SELL", type="MARKET", quantity=str(sweep))
    triggered = sim.call("GET", "/api/v3/order", orderId=placed["orderId"])
    assert triggered["status"] == "FILLED" and triggered["isWorking"] is True
    assert triggered["workingTime"] >= START + 5
    resting = sim.call("GET", "/api/v3/order", orderId=limit_stop["orderId"])
    assert resting["isWorking"] is True and resting["status"] == "NEW"
    assert sim.book.quantity("SELL", d("66000")) == d("0.002")
    assert sim.locked("BTC") == d("0.002")


# -- amending ------------------------------------------------------------------------------------------


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


# -- bodies ---------------------------------------------------------------------------------------------


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


def test_iceberg_parts_filter(sim: Sim) -> None:
    params = {"side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": "64000"}
    err = place_error(sim, quantity="0.10100", icebergQty="0.001", **params)
    assert err.msg == "Filter failure: ICEBERG_PARTS"
    body = sim.order(quantity="0.1", icebergQty="0.001", **params)
    assert body["icebergQty"] == "0.00100000"


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
