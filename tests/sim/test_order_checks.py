"""The checks an order passes before it reaches the book (`order_checks`): parameter rules, filters
(PRICE_FILTER, LOT_SIZE, NOTIONAL, PERCENT_PRICE_BY_SIDE, MARKET_LOT_SIZE, ICEBERG_PARTS, TRAILING_DELTA),
post-only, funds and duplicate client order ids; a refused order changes nothing.

Handlers are called directly (no HTTP) and bodies go through JSON, so what is checked is what a
client would decode.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from binance_async.sim.errors import SimError
from binance_async.sim.order_checks import _trailing_ok
from binance_async.sim.records import NewOrder
from tests.sim.engine_harness import SYMBOL, BareBook, EngineHarness, place_error

D = Decimal
Sim = EngineHarness


@pytest.fixture
def sim() -> Sim:
    return Sim()


@pytest.fixture
def bare() -> BareBook:
    """An empty book (see `BareBook`), for the trailing stops that need trades at chosen prices."""
    return BareBook()


def d(text: str) -> Decimal:
    return Decimal(text)


# -- parameters, filters, post-only, funds, client order ids --------------------------------------------


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


def test_iceberg_parts_filter(sim: Sim) -> None:
    params = {"side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": "64000"}
    err = place_error(sim, quantity="0.10100", icebergQty="0.001", **params)
    assert err.msg == "Filter failure: ICEBERG_PARTS"
    body = sim.order(quantity="0.1", icebergQty="0.001", **params)
    assert body["icebergQty"] == "0.00100000"


# -- trailingDelta --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "kind", "delta", "ok"),
    [
        ("SELL", "STOP_LOSS", 10, True),
        ("SELL", "STOP_LOSS", 9, False),
        ("SELL", "STOP_LOSS", 2000, True),
        ("SELL", "STOP_LOSS", 2001, False),
        ("BUY", "TAKE_PROFIT", 0, False),
        ("BUY", "STOP_LOSS", 2001, False),
    ],
)
def test_trailing_delta_filter(bare: BareBook, side: str, kind: str, delta: int, ok: bool) -> None:
    bare.trade_at("60000")
    params: dict[str, Any] = {"side": side, "type": kind, "quantity": "0.001", "trailingDelta": delta}
    if ok:
        assert bare.order(**params)["orderId"] > 0
    else:
        err = place_error(bare, **params)
        assert (err.code, err.msg) == (-1013, "Filter failure: TRAILING_DELTA")


@pytest.mark.parametrize(
    ("side", "kind", "bounds"),
    [
        ("BUY", "STOP_LOSS", "Above"),
        ("BUY", "STOP_LOSS_LIMIT", "Above"),
        ("SELL", "TAKE_PROFIT", "Above"),
        ("SELL", "TAKE_PROFIT_LIMIT", "Above"),
        ("SELL", "STOP_LOSS", "Below"),
        ("SELL", "STOP_LOSS_LIMIT", "Below"),
        ("BUY", "TAKE_PROFIT", "Below"),
        ("BUY", "TAKE_PROFIT_LIMIT", "Below"),
    ],
)
def test_trailing_delta_filter_picks_above_or_below_bounds(side: str, kind: str, bounds: str) -> None:
    entry = {
        "filterType": "TRAILING_DELTA",
        "minTrailingAboveDelta": 10,
        "maxTrailingAboveDelta": 100,
        "minTrailingBelowDelta": 200,
        "maxTrailingBelowDelta": 300,
    }
    request = NewOrder(symbol=SYMBOL, side="BUY" if side == "BUY" else "SELL", type=kind)
    for delta, inside in ((50, bounds == "Above"), (250, bounds == "Below")):
        request.trailing_delta = delta
        assert _trailing_ok(request, entry) is inside


def test_trailing_delta_parameter_rules(bare: BareBook) -> None:
    err = place_error(bare, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.001", price="60000",
                      trailingDelta=100)  # fmt: skip
    assert (err.code, err.msg) == (-1106, "Parameter 'trailingDelta' sent when not required.")
    err = place_error(bare, side="BUY", type="MARKET", quantity="0.001", trailingDelta=100)
    assert err.code == -1106
    err = place_error(bare, side="SELL", type="STOP_LOSS", quantity="0.001")
    assert err.code == -1102 and "stopPrice" in err.msg
    # The order test endpoint applies the same rules.
    with pytest.raises(SimError) as caught:
        bare.call("POST", "/api/v3/order/test", side="SELL", type="STOP_LOSS", quantity="0.001",
                 trailingDelta=5)  # fmt: skip
    assert caught.value.code == -1013
