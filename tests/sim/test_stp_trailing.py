"""Self-trade prevention modes (DECREMENT, TRANSFER, NONE next to the EXPIRE_* ones) and trailing stops.

Handlers are called directly (no HTTP) and bodies go through JSON, so what is checked is what a
client would decode. The house liquidity (one level a side) is taken away first, so every trade here
is between the test's own orders at the prices they name.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from binance_async.sim.engine import NewOrder, _trailing_ok
from binance_async.sim.errors import SimError
from tests.sim.engine_harness import SYMBOL, EngineHarness

ACCOUNTS = ("default", "other", "third")
PREVENTED = "/api/v3/myPreventedMatches"
ORDER = "/api/v3/order"
D = Decimal


class Sim(EngineHarness):
    """One engine with the order and SOR routes, three accounts, and an empty book."""

    def __init__(self) -> None:
        super().__init__(ACCOUNTS, book_levels=1)
        # "third" takes the house liquidity on both sides.
        (_, ask_qty), (_, bid_qty) = self.book.asks.top(1)[0], self.book.bids.top(1)[0]
        self.order("third", side="BUY", type="MARKET", quantity=str(ask_qty))
        self.order("third", side="SELL", type="MARKET", quantity=str(bid_qty))
        assert self.book.asks.top(1) == [] and self.book.bids.top(1) == []

    def limit(self, account: str, side: str, qty: str, price: str, **params: Any) -> Any:
        return self.order(
            account, side=side, type="LIMIT", timeInForce="GTC", quantity=qty, price=price, **params
        )

    def query(self, order_id: int, account: str = "default") -> Any:
        return self.call("GET", ORDER, account, orderId=order_id)

    def trade_at(self, price: str) -> None:
        """One trade on the tape at `price`, between "other" (maker) and "third" (taker)."""
        self.limit("other", "SELL", "0.001", price)
        taken = self.order("third", side="BUY", type="MARKET", quantity="0.001")
        assert [D(f["price"]) for f in taken["fills"]] == [D(price)]

    def totals(self) -> dict[str, Decimal]:
        """As the harness's, without assets that sum to zero."""
        return {asset: amount for asset, amount in super().totals().items() if amount}


@pytest.fixture
def sim() -> Sim:
    return Sim()


def place_error(sim: Sim, **params: Any) -> SimError:
    with pytest.raises(SimError) as caught:
        sim.order(**params)
    return caught.value


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
def test_trailing_delta_filter(sim: Sim, side: str, kind: str, delta: int, ok: bool) -> None:
    sim.trade_at("60000")
    params: dict[str, Any] = {"side": side, "type": kind, "quantity": "0.001", "trailingDelta": delta}
    if ok:
        assert sim.order(**params)["orderId"] > 0
    else:
        err = place_error(sim, **params)
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


def test_trailing_delta_parameter_rules(sim: Sim) -> None:
    err = place_error(sim, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.001", price="60000",
                      trailingDelta=100)  # fmt: skip
    assert (err.code, err.msg) == (-1106, "Parameter 'trailingDelta' sent when not required.")
    err = place_error(sim, side="BUY", type="MARKET", quantity="0.001", trailingDelta=100)
    assert err.code == -1106
    err = place_error(sim, side="SELL", type="STOP_LOSS", quantity="0.001")
    assert err.code == -1102 and "stopPrice" in err.msg
    # The order test endpoint applies the same rules.
    with pytest.raises(SimError) as caught:
        sim.call("POST", "/api/v3/order/test", side="SELL", type="STOP_LOSS", quantity="0.001",
                 trailingDelta=5)  # fmt: skip
    assert caught.value.code == -1013


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


# -- pegged stop-limit orders ------------------------------------------------------------------------------


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
