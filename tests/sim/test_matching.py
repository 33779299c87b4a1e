"""Matching (`matching`): self-trade prevention modes (DECREMENT, TRANSFER, NONE next to the EXPIRE_*
ones), trailing stops and pegged stop-limit orders on an empty book (`BareBook`: every trade is between
the test's own orders at the prices they name); then resting, crossing, IOC/FOK, accounts against each
other, balances conserved and stop triggers on the seeded book (`seeded`).

Handlers are called directly (no HTTP) and bodies go through JSON, so what is checked is what a
client would decode.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from binance_async.sim.errors import SimError
from tests.sim.engine_harness import START, SYMBOL, BareBook, EngineHarness

PREVENTED = "/api/v3/myPreventedMatches"
ORDER = "/api/v3/order"
D = Decimal
Sim = BareBook


@pytest.fixture
def sim() -> Sim:
    return BareBook()


def place_error(sim: EngineHarness, **params: Any) -> SimError:
    with pytest.raises(SimError) as caught:
        sim.order(**params)
    return caught.value


@pytest.fixture
def seeded() -> EngineHarness:
    """Two accounts on the market's seeded book."""
    return EngineHarness()


# -- self-trade prevention ------------------------------------------------------------------------------


def test_decrement_taker_larger_keeps_matching_and_rests(sim: Sim) -> None:
    before = sim.totals()
    own = sim.limit("default", "SELL", "0.01", "65000")
    theirs = sim.limit("other", "SELL", "0.02", "65000")
    body = sim.limit(
        "default", "BUY", "0.05", "65000", selfTradePreventionMode="DECREMENT", newOrderRespType="FULL"
    )
    assert body["status"] == "PARTIALLY_FILLED" and D(body["executedQty"]) == D("0.02")
    assert D(body["preventedQuantity"]) == D("0.01") and isinstance(body["preventedMatchId"], int)
    assert [(D(f["price"]), D(f["qty"])) for f in body["fills"]] == [(D("65000"), D("0.02"))]
    maker = sim.query(own["orderId"])
    assert maker["status"] == "EXPIRED_IN_MATCH" and D(maker["preventedQuantity"]) == D("0.01")
    assert sim.query(theirs["orderId"], "other")["status"] == "FILLED"
    # What is left of the taker (0.05 - 0.02 filled - 0.01 prevented) rests and stays locked.
    assert sim.book.quantity("BUY", D("65000")) == D("0.02")
    assert sim.book.quantity("SELL", D("65000")) == 0
    assert sim.locked("USDT") == D("0.02") * D("65000")
    assert sim.locked("BTC") == 0
    assert sim.totals() == before


def test_decrement_maker_larger_keeps_the_maker(sim: Sim) -> None:
    before = sim.totals()
    own = sim.limit("default", "SELL", "0.05", "65000")
    body = sim.limit(
        "default", "BUY", "0.02", "65000", selfTradePreventionMode="DECREMENT", newOrderRespType="RESULT"
    )
    assert body["status"] == "EXPIRED_IN_MATCH" and D(body["executedQty"]) == 0
    assert D(body["preventedQuantity"]) == D("0.02")
    maker = sim.query(own["orderId"])
    assert maker["status"] == "NEW" and D(maker["preventedQuantity"]) == D("0.02")
    assert maker["preventedMatchId"] == body["preventedMatchId"]
    assert sim.book.quantity("SELL", D("65000")) == D("0.03")
    assert sim.locked("BTC") == D("0.03") and sim.locked("USDT") == 0
    # The rest of the maker still trades with someone else.
    sim.order("other", side="BUY", type="MARKET", quantity="0.03")
    assert sim.query(own["orderId"])["status"] == "FILLED"
    assert sim.locked("BTC") == 0
    assert sim.totals() == before


def test_decrement_equal_expires_both_and_records_the_match(sim: Sim) -> None:
    before = sim.totals()
    own = sim.limit("default", "SELL", "0.02", "65000")
    body = sim.limit("default", "BUY", "0.02", "65000", selfTradePreventionMode="DECREMENT")
    assert body["status"] == "EXPIRED_IN_MATCH"
    assert sim.query(own["orderId"])["status"] == "EXPIRED_IN_MATCH"
    assert sim.book.quantity("SELL", D("65000")) == 0 and sim.book.quantity("BUY", D("65000")) == 0
    assert sim.locked("BTC") == 0 and sim.locked("USDT") == 0
    (match,) = sim.call("GET", PREVENTED, orderId=body["orderId"])
    assert (match["takerOrderId"], match["makerOrderId"]) == (body["orderId"], own["orderId"])
    assert match["selfTradePreventionMode"] == "DECREMENT"
    assert D(match["makerPreventedQuantity"]) == D("0.02") and D(match["price"]) == D("65000")
    assert match["preventedMatchId"] == body["preventedMatchId"]
    assert sim.call("GET", PREVENTED, orderId=own["orderId"]) == [match]
    assert sim.totals() == before


def test_decrement_market_taker_and_sell_side(sim: Sim) -> None:
    before = sim.totals()
    own = sim.limit("default", "BUY", "0.01", "64000")
    sim.limit("other", "BUY", "0.01", "63900")
    body = sim.order(side="SELL", type="MARKET", quantity="0.015", selfTradePreventionMode="DECREMENT")
    assert [(D(f["price"]), D(f["qty"])) for f in body["fills"]] == [(D("63900"), D("0.005"))]
    assert body["status"] == "FILLED" and D(body["preventedQuantity"]) == D("0.01")
    assert sim.query(own["orderId"])["status"] == "EXPIRED_IN_MATCH"
    assert sim.locked("USDT") == 0
    assert sim.totals() == before


def test_transfer_within_one_account_behaves_as_decrement(sim: Sim) -> None:
    own = sim.limit("default", "SELL", "0.05", "65000", selfTradePreventionMode="TRANSFER")
    body = sim.limit("default", "BUY", "0.02", "65000", selfTradePreventionMode="TRANSFER")
    assert body["status"] == "EXPIRED_IN_MATCH" and D(body["executedQty"]) == 0
    assert D(sim.query(own["orderId"])["preventedQuantity"]) == D("0.02")
    (match,) = sim.call("GET", PREVENTED, orderId=body["orderId"])
    assert match["selfTradePreventionMode"] == "TRANSFER"
    assert D(match["makerPreventedQuantity"]) == D("0.02")
    # TRANSFER against a maker of another mode: still DECREMENT.
    other_mode = sim.limit("default", "SELL", "0.01", "65001", selfTradePreventionMode="EXPIRE_MAKER")
    taker = sim.limit("default", "BUY", "0.04", "65001", selfTradePreventionMode="TRANSFER")
    assert sim.query(own["orderId"])["status"] == "EXPIRED_IN_MATCH"  # 0.03 left, all prevented
    assert sim.query(other_mode["orderId"])["status"] == "EXPIRED_IN_MATCH"
    assert taker["status"] == "EXPIRED_IN_MATCH"


def test_none_allows_a_self_trade(sim: Sim) -> None:
    before = sim.totals()
    btc = sim.accounts.get("default").free["BTC"]
    usdt = sim.accounts.get("default").free["USDT"]
    own = sim.limit("default", "SELL", "0.01", "65000")
    body = sim.limit("default", "BUY", "0.01", "65000", selfTradePreventionMode="NONE")
    assert body["status"] == "FILLED" and "preventedQuantity" not in body
    assert [(D(f["price"]), D(f["qty"])) for f in body["fills"]] == [(D("65000"), D("0.01"))]
    assert sim.query(own["orderId"])["status"] == "FILLED"
    trades = sim.call("GET", "/api/v3/myTrades")
    assert sorted((t["isBuyer"], t["isMaker"]) for t in trades) == [(False, True), (True, False)]
    assert sim.call("GET", PREVENTED, orderId=body["orderId"]) == []
    # Nets to zero except the commissions.
    account = sim.accounts.get("default")
    assert account.free["BTC"] == btc - D("0.01") * D("0.001")
    assert account.free["USDT"] == usdt - D("650") * D("0.001")
    assert sim.totals() == before


@pytest.mark.parametrize(
    ("mode", "maker_status", "taker_status"),
    [
        ("EXPIRE_MAKER", "EXPIRED_IN_MATCH", "NEW"),
        ("EXPIRE_TAKER", "NEW", "EXPIRED_IN_MATCH"),
        ("EXPIRE_BOTH", "EXPIRED_IN_MATCH", "EXPIRED_IN_MATCH"),
    ],
)
def test_expire_modes(sim: Sim, mode: str, maker_status: str, taker_status: str) -> None:
    """What each order answers follows Binance's STP FAQ (scenarios B to E): an order expired by STP
    carries preventedMatchId and preventedQuantity (its whole remaining quantity); the taker's FULL
    answer lists preventedMatches, each quantity only for the side that lost it."""
    before = sim.totals()
    own = sim.limit("default", "SELL", "0.05", "65000")
    body = sim.limit("default", "BUY", "0.02", "65000", selfTradePreventionMode=mode)
    assert body["status"] == taker_status and D(body["executedQty"]) == 0
    (match,) = sim.call("GET", PREVENTED, orderId=body["orderId"])
    match_id = match["preventedMatchId"]
    maker = sim.query(own["orderId"])
    taker = sim.query(body["orderId"])
    assert maker["status"] == maker_status
    entry = {"preventedMatchId": match_id, "makerOrderId": own["orderId"], "price": "65000.00000000"}
    if taker_status == "EXPIRED_IN_MATCH":
        assert (body["preventedMatchId"], D(body["preventedQuantity"])) == (match_id, D("0.02"))
        assert (taker["preventedMatchId"], D(taker["preventedQuantity"])) == (match_id, D("0.02"))
        assert D(match["takerPreventedQuantity"]) == D("0.02")
        entry["takerPreventedQuantity"] = "0.02000000"
    else:
        assert "preventedQuantity" not in body and "preventedQuantity" not in taker
        assert "takerPreventedQuantity" not in match
    if maker_status == "EXPIRED_IN_MATCH":
        assert (maker["preventedMatchId"], D(maker["preventedQuantity"])) == (match_id, D("0.05"))
        entry["makerPreventedQuantity"] = "0.05000000"
    else:
        assert "preventedQuantity" not in maker
    assert body["preventedMatches"] == [entry]
    expected = D("0.05") if maker_status == "EXPIRED_IN_MATCH" else D(0)
    assert match["selfTradePreventionMode"] == mode and D(match["makerPreventedQuantity"]) == expected
    assert sim.totals() == before


def test_expired_taker_keeps_its_fills(sim: Sim) -> None:
    """EXPIRE_TAKER after some fills: executedQty + preventedQuantity = origQty (STP FAQ)."""
    sim.limit("other", "SELL", "0.01", "64000")  # someone else's ask first in line
    own = sim.limit("default", "SELL", "0.05", "64000")
    body = sim.limit("default", "BUY", "0.03", "64000", selfTradePreventionMode="EXPIRE_TAKER")
    assert body["status"] == "EXPIRED_IN_MATCH" and D(body["executedQty"]) == D("0.01")
    assert D(body["preventedQuantity"]) == D("0.02") and len(body["fills"]) == 1
    assert [m["makerOrderId"] for m in body["preventedMatches"]] == [own["orderId"]]
    assert sim.query(own["orderId"])["status"] == "NEW"


# -- trailing stops -------------------------------------------------------------------------------------


def test_trailing_sell_stop_loss_triggers_after_a_rise_then_a_fall(sim: Sim) -> None:
    sim.trade_at("60000")
    sim.limit("other", "BUY", "0.001", "50000")  # liquidity for the stop once it triggers
    placed = sim.order(
        side="SELL", type="STOP_LOSS", quantity="0.001", trailingDelta=100, newOrderRespType="RESULT"
    )
    placed_at = placed["transactTime"]
    assert placed["trailingDelta"] == 100 and placed["trailingTime"] == placed_at
    assert placed["stopPrice"] == "0.00000000" and placed["workingTime"] == -1
    sim.trade_at("62000")  # a new high
    sim.trade_at("61500")  # 0.8% below it: not yet
    assert sim.query(placed["orderId"])["isWorking"] is False
    sim.trade_at("61380.01")  # just short of 1%
    assert sim.query(placed["orderId"])["status"] == "NEW"
    sim.trade_at("61380")  # 1% below the high
    triggered = sim.query(placed["orderId"])
    assert triggered["isWorking"] is True and triggered["status"] == "FILLED"
    assert triggered["trailingDelta"] == 100 and triggered["trailingTime"] == placed_at
    assert sim.locked("BTC") == 0


def test_trailing_sell_stop_loss_does_not_trigger_on_small_moves(sim: Sim) -> None:
    sim.trade_at("60000")
    placed = sim.order(side="SELL", type="STOP_LOSS_LIMIT", timeInForce="GTC", quantity="0.001",
                       price="50000", trailingDelta=200)  # fmt: skip
    for price in ("59500", "60500", "59800", "61000", "59900"):  # never 2% below the high so far
        sim.trade_at(price)
    assert sim.query(placed["orderId"])["isWorking"] is False
    assert sim.locked("BTC") == D("0.001")
    sim.trade_at("59780")  # 2% below 61000
    working = sim.query(placed["orderId"])
    assert working["isWorking"] is True and working["status"] == "NEW"  # rests at its limit price
    assert sim.book.quantity("SELL", D("50000")) == D("0.001")


def test_trailing_buy_stop_loss_follows_the_low(sim: Sim) -> None:
    sim.trade_at("60000")
    sim.limit("other", "SELL", "0.001", "70000")  # liquidity for the stop once it triggers
    placed = sim.order(side="BUY", type="STOP_LOSS", quantity="0.001", trailingDelta=200)
    assert set(placed) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
    sim.trade_at("58000")  # a new low
    sim.trade_at("59000")  # 1.7% above it
    assert sim.query(placed["orderId"])["isWorking"] is False
    sim.trade_at("59160")  # 2% above the low
    triggered = sim.query(placed["orderId"])
    assert triggered["status"] == "FILLED" and D(triggered["cummulativeQuoteQty"]) == D("70")


def test_trailing_take_profit_with_an_activation_price(sim: Sim) -> None:
    sim.trade_at("60000")
    sim.limit("other", "BUY", "0.001", "50000")
    err = place_error(sim, side="SELL", type="TAKE_PROFIT", quantity="0.001", stopPrice="59000",
                      trailingDelta=100)  # fmt: skip
    assert (err.code, err.msg) == (-2010, "Order would trigger immediately.")
    placed = sim.order(
        side="SELL",
        type="TAKE_PROFIT",
        quantity="0.001",
        stopPrice="62000",
        trailingDelta=100,
        newOrderRespType="RESULT",
    )
    assert placed["trailingDelta"] == 100 and "trailingTime" not in placed
    sim.trade_at("61000")
    sim.trade_at("60000")  # more than 1% down, but not trailing yet
    query = sim.query(placed["orderId"])
    assert query["isWorking"] is False and "trailingTime" not in query
    sim.clock.advance(11)
    started = sim.clock.now_ms()
    sim.trade_at("62000")  # reaches the activation price: trailing starts
    assert started <= sim.query(placed["orderId"])["trailingTime"] <= sim.clock.now_ms()
    sim.trade_at("63000")
    sim.trade_at("62500")
    assert sim.query(placed["orderId"])["isWorking"] is False
    sim.trade_at("62370")  # 1% below 63000
    assert sim.query(placed["orderId"])["status"] == "FILLED"


def test_trailing_pending_leg_of_an_oto(sim: Sim) -> None:
    sim.trade_at("60000")
    sim.limit("other", "BUY", "0.001", "50000")
    listed = sim.call(
        "POST",
        "/api/v3/orderList/oto",
        workingType="LIMIT",
        workingSide="BUY",
        workingPrice="60000",
        workingQuantity="0.001",
        workingTimeInForce="GTC",
        pendingType="STOP_LOSS",
        pendingSide="SELL",
        pendingQuantity="0.001",
        pendingTrailingDelta=100,
    )
    pending_id = listed["orders"][1]["orderId"]
    assert sim.query(pending_id)["status"] == "PENDING_NEW"
    sim.limit("other", "SELL", "0.001", "60000")  # fills the working order: the stop trails from 60000
    assert sim.query(pending_id)["status"] == "NEW" and "trailingTime" in sim.query(pending_id)
    sim.trade_at("61000")
    sim.trade_at("60500")
    assert sim.query(pending_id)["isWorking"] is False
    sim.trade_at("60390")  # 1% below 61000
    assert sim.query(pending_id)["status"] == "FILLED"


# -- pegged stop-limit orders ---------------------------------------------------------------------------


def test_pegged_stop_limit_takes_its_price_when_it_triggers(sim: Sim) -> None:
    """Pegged-orders FAQ: a stop-limit enters at the best price of the moment it triggers."""
    sim.trade_at("60000")
    placed = sim.order(side="SELL", type="STOP_LOSS_LIMIT", timeInForce="GTC", quantity="0.001",
                       stopPrice="59000", pegPriceType="PRIMARY_PEG", newOrderRespType="RESULT")  # fmt: skip
    assert (placed["price"], placed["pegPriceType"]) == ("0.00000000", "PRIMARY_PEG")
    assert "peggedPrice" not in placed and sim.locked("BTC") == D("0.001")
    sim.limit("other", "SELL", "0.002", "61000")  # the best ask when the stop triggers
    sim.trade_at("58900")
    working = sim.query(placed["orderId"])
    assert working["isWorking"] is True and working["status"] == "NEW"
    assert (working["price"], working["peggedPrice"]) == ("0.00000000", "61000.00000000")
    assert sim.book.quantity("SELL", D("61000")) == D("0.003")
    assert sim.locked("BTC") == D("0.001")


def test_pegged_buy_stop_limit_locks_for_its_pegged_price(sim: Sim) -> None:
    sim.trade_at("60000")
    placed = sim.order(side="BUY", type="STOP_LOSS_LIMIT", timeInForce="GTC", quantity="0.001",
                       stopPrice="61000", pegPriceType="PRIMARY_PEG")  # fmt: skip
    assert sim.locked("USDT") == 0  # no price yet
    sim.limit("other", "BUY", "0.001", "59000")  # the best bid when the stop triggers
    sim.trade_at("61500")
    working = sim.query(placed["orderId"])
    assert (working["status"], working["peggedPrice"]) == ("NEW", "59000.00000000")
    assert sim.locked("USDT") == D("59")


def test_pegged_stop_limit_expires_when_the_book_is_too_thin(sim: Sim) -> None:
    sim.trade_at("60000")
    placed = sim.order(side="SELL", type="STOP_LOSS_LIMIT", timeInForce="GTC", quantity="0.001",
                       stopPrice="59000", pegPriceType="PRIMARY_PEG", pegOffsetType="PRICE_LEVEL",
                       pegOffsetValue=3)  # fmt: skip
    sim.trade_at("58900")  # no ask levels at all when it triggers
    expired = sim.query(placed["orderId"])
    assert (expired["status"], expired["pegOffsetValue"]) == ("EXPIRED", 3)
    assert sim.locked("BTC") == 0


# -- resting, crossing and expiring on the seeded book --------------------------------------------------


def test_limit_that_rests_shows_in_depth_and_locks_quote(seeded: EngineHarness) -> None:
    body = seeded.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="64000")
    assert body["status"] == "NEW"
    assert body["fills"] == []
    assert body["orderId"] == 1 and len(body["clientOrderId"]) == 22
    assert seeded.book.quantity("BUY", D("64000")) == D("0.01")
    assert seeded.locked("USDT") == D("640.00")
    assert seeded.free("USDT") == D("100000") - D("640")
    depth = seeded.market.depth_body(SYMBOL, 5000)
    assert ["64000.00000000", "0.01000000"] in depth["bids"]


def test_limit_crossing_fills_at_maker_prices_then_rests(seeded: EngineHarness) -> None:
    levels = seeded.asks(3)
    limit = levels[2][0]
    qty = sum((q for _, q in levels), D(0)) + D("0.001")
    body = seeded.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity=str(qty), price=str(limit))
    assert body["status"] == "PARTIALLY_FILLED"
    assert [(D(f["price"]), D(f["qty"])) for f in body["fills"]] == levels
    for fill in body["fills"]:
        assert fill["commissionAsset"] == "BTC"
        assert D(fill["commission"]) == D(fill["qty"]) * D("0.001")
    cost = sum((p * q for p, q in levels), D(0))
    assert D(body["cummulativeQuoteQty"]) == cost
    assert D(body["executedQty"]) == qty - D("0.001")
    # The remainder rests at the limit price, which is now the best bid; its quote stays locked.
    assert seeded.book.best_bid() == (limit, D("0.001"))
    assert seeded.locked("USDT") == limit * D("0.001")
    assert seeded.free("USDT") == D("100000") - cost - limit * D("0.001")
    bought = qty - D("0.001")
    assert seeded.free("BTC") == D("2") + bought - bought * D("0.001")


def test_market_by_quantity_sweeps_bids(seeded: EngineHarness) -> None:
    levels = seeded.bids(2)
    qty = levels[0][1] + (levels[1][1] / 2).quantize(D("0.00001"))
    body = seeded.order(side="SELL", type="MARKET", quantity=str(qty))
    assert body["status"] == "FILLED"
    assert [D(f["price"]) for f in body["fills"]] == [levels[0][0], levels[1][0]]
    assert all(f["commissionAsset"] == "USDT" for f in body["fills"])
    received = D(body["cummulativeQuoteQty"])
    commission = sum((D(f["commission"]) for f in body["fills"]), D(0))
    assert seeded.free("USDT") == D("100000") + received - commission
    assert seeded.free("BTC") == D("2") - qty
    assert seeded.book.quantity("BUY", levels[1][0]) == levels[0][1] + levels[1][1] - qty


def test_market_by_quote_order_qty(seeded: EngineHarness) -> None:
    body = seeded.order(side="BUY", type="MARKET", quoteOrderQty="1000")
    assert body["status"] == "FILLED"
    spent = D(body["cummulativeQuoteQty"])
    assert D("999") < spent <= D("1000")
    assert body["origQty"] == body["executedQty"]
    assert D(body["origQuoteOrderQty"]) == D("1000")
    assert seeded.free("USDT") == D("100000") - spent


def test_ioc_remainder_expires(seeded: EngineHarness) -> None:
    price, qty = seeded.asks(1)[0]
    body = seeded.order(
        side="BUY", type="LIMIT", timeInForce="IOC", quantity=str(qty + D("0.01")), price=str(price)
    )
    assert body["status"] == "EXPIRED"
    assert D(body["executedQty"]) == qty
    assert seeded.locked("USDT") == 0
    assert seeded.free("USDT") == D("100000") - price * qty
    assert seeded.engine.open_orders("default", SYMBOL) == []


def test_fok_not_fillable_expires_without_fills(seeded: EngineHarness) -> None:
    price, qty = seeded.asks(1)[0]
    before = seeded.totals()
    body = seeded.order(
        side="BUY", type="LIMIT", timeInForce="FOK", quantity=str(qty + D("0.01")), price=str(price)
    )
    assert body["status"] == "EXPIRED"
    assert body["fills"] == [] and D(body["executedQty"]) == 0
    assert seeded.totals() == before
    assert seeded.free("USDT") == D("100000") and seeded.locked("USDT") == 0
    assert seeded.asks(1)[0] == (price, qty)


# -- accounts against each other ------------------------------------------------------------------------


def test_house_first_then_account_orders_and_balances_conserved(seeded: EngineHarness) -> None:
    before = seeded.totals()
    price, house_qty = seeded.asks(1)[0]
    maker = seeded.order(
        "other", side="SELL", type="LIMIT", timeInForce="GTC", quantity="0.01", price=str(price)
    )
    assert maker["status"] == "NEW"
    assert seeded.book.quantity("SELL", price) == house_qty + D("0.01")
    # The house liquidity at the level is older: it fills first.
    first = seeded.order(
        side="BUY", type="LIMIT", timeInForce="GTC", quantity=str(house_qty), price=str(price)
    )
    assert first["status"] == "FILLED"
    assert seeded.call("GET", "/api/v3/order", "other", orderId=maker["orderId"])["status"] == "NEW"
    second = seeded.order(side="BUY", type="MARKET", quantity="0.004")
    assert [(D(f["price"]), D(f["qty"])) for f in second["fills"]] == [(price, D("0.004"))]
    maker_now = seeded.call("GET", "/api/v3/order", "other", orderId=maker["orderId"])
    assert maker_now["status"] == "PARTIALLY_FILLED" and D(maker_now["executedQty"]) == D("0.004")
    assert seeded.locked("BTC", "other") == D("0.006")
    assert seeded.free("USDT", "other") == D("100000") + price * D("0.004") * D("0.999")
    maker_trades = seeded.call("GET", "/api/v3/myTrades", "other")
    assert (
        len(maker_trades) == 1 and maker_trades[0]["isMaker"] is True and maker_trades[0]["isBuyer"] is False
    )
    assert maker_trades[0]["id"] == second["fills"][0]["tradeId"]
    # Fill the rest and more; then everything adds up, commissions apart.
    seeded.order(side="BUY", type="MARKET", quantity="0.02")
    seeded.order("other", side="SELL", type="MARKET", quantity="0.03")
    assert seeded.call("GET", "/api/v3/order", "other", orderId=maker["orderId"])["status"] == "FILLED"
    assert seeded.locked("BTC", "other") == 0
    assert seeded.totals() == {asset: before.get(asset, D(0)) for asset in seeded.totals()}
    assert seeded.engine.commissions["BTC"] > 0 and seeded.engine.commissions["USDT"] > 0


def test_self_trade_prevention_expires_maker(seeded: EngineHarness) -> None:
    ask = seeded.asks(1)[0][0]
    tick = D("0.01")
    own = seeded.order(side="SELL", type="LIMIT", timeInForce="GTC", quantity="0.01", price=str(ask - tick))
    body = seeded.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.001", price=str(ask))
    assert body["selfTradePreventionMode"] == "EXPIRE_MAKER"
    assert [D(f["price"]) for f in body["fills"]] == [ask]
    assert seeded.call("GET", "/api/v3/order", orderId=own["orderId"])["status"] == "EXPIRED_IN_MATCH"
    assert seeded.locked("BTC") == 0
    assert seeded.book.quantity("SELL", ask - tick) == 0


def test_rate_limit_order_counts_drop_on_first_fill(seeded: EngineHarness) -> None:
    seeded.limits.charge_orders("default")
    seeded.order(side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="64000")
    seeded.limits.charge_orders("default")
    seeded.order(side="BUY", type="MARKET", quantity="0.001")
    counts = seeded.call("GET", "/api/v3/rateLimit/order", symbol=None)
    assert [c["count"] for c in counts] == [1, 1]
    assert {c["interval"] for c in counts} == {"SECOND", "DAY"}


# -- stops ----------------------------------------------------------------------------------------------


def test_stop_loss_triggers_when_a_later_trade_crosses(seeded: EngineHarness) -> None:
    seeded.order(side="SELL", type="MARKET", quantity="0.0001")  # the last price is now the best bid
    bids = seeded.bids(8)
    stop = bids[4][0]
    err = place_error(seeded, side="SELL", type="STOP_LOSS", quantity="0.001", stopPrice=str(bids[0][0] + 1))
    assert (err.code, err.msg) == (-2010, "Order would trigger immediately.")
    placed = seeded.order(side="SELL", type="STOP_LOSS", quantity="0.001", stopPrice=str(stop))
    assert set(placed) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
    limit_stop = seeded.order(
        side="SELL",
        type="STOP_LOSS_LIMIT",
        timeInForce="GTC",
        quantity="0.002",
        price="66000",
        stopPrice=str(stop),
        newOrderRespType="RESULT",
    )
    assert limit_stop["stopPrice"] == f"{stop:.8f}" and limit_stop["workingTime"] == -1
    pending = seeded.call("GET", "/api/v3/order", orderId=placed["orderId"])
    assert pending["isWorking"] is False and pending["status"] == "NEW"
    assert seeded.locked("BTC") == D("0.003")
    # A trade above the stop price does not trigger it; one at or below does.
    seeded.clock.advance(5)
    seeded.order(side="SELL", type="MARKET", quantity=str((bids[0][1] / 2).quantize(D("0.00001"))))
    assert seeded.call("GET", "/api/v3/order", orderId=placed["orderId"])["isWorking"] is False
    sweep = sum((q for _, q in bids[:5]), D(0))
    seeded.order("other", side="SELL", type="MARKET", quantity=str(sweep))
    triggered = seeded.call("GET", "/api/v3/order", orderId=placed["orderId"])
    assert triggered["status"] == "FILLED" and triggered["isWorking"] is True
    assert triggered["workingTime"] >= START + 5
    resting = seeded.call("GET", "/api/v3/order", orderId=limit_stop["orderId"])
    assert resting["isWorking"] is True and resting["status"] == "NEW"
    assert seeded.book.quantity("SELL", D("66000")) == D("0.002")
    assert seeded.locked("BTC") == D("0.002")
