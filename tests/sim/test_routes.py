"""The order, order-list and SOR routes answer over HTTP the way Binance documents: order-list FULL
answers with fills, peg parameters on orders and list legs, trailingDelta on the legacy OCO, reversed
time ranges, myFilters' three filter lists and self-trade prevention fields.

Requests go through our client's raw `SpotClient.request`, so what is checked is the HTTP answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from binance_async import BinanceAPIError, SpotClient
from binance_async.sim import Simulator
from binance_async.sim.config import SimConfig

D = Decimal
SYMBOL = "BTCUSDT"
ORDER = "/api/v3/order"


async def call(client: SpotClient, method: str, path: str, **params: Any) -> Any:
    """A signed request; ``symbol`` defaults to BTCUSDT, a None value leaves the parameter out."""
    params.setdefault("symbol", SYMBOL)
    sent = {name: str(value) for name, value in params.items() if value is not None}
    return await client.request(method, path, sent, signed=True)


async def refused(client: SpotClient, method: str, path: str, **params: Any) -> BinanceAPIError:
    with pytest.raises(BinanceAPIError) as caught:
        await call(client, method, path, **params)
    return caught.value


async def book(client: SpotClient, levels: int = 5) -> tuple[list[D], list[D]]:
    """The best `levels` bid and ask prices."""
    depth = await client.request("GET", "/api/v3/depth", {"symbol": SYMBOL, "limit": levels})
    return [D(p) for p, _ in depth["bids"]], [D(p) for p, _ in depth["asks"]]


def fmt(value: D) -> str:
    return f"{value:.8f}"


# -- 1. order-list FULL answers carry each report's fills ---------------------------------------------


async def test_oto_full_answer_has_the_fills_of_a_working_order_that_crossed(client: SpotClient) -> None:
    _, asks = await book(client)
    body = await call(
        client,
        "POST",
        "/api/v3/orderList/oto",
        workingType="LIMIT",
        workingSide="BUY",
        workingPrice=asks[2],
        workingQuantity="0.01",
        workingTimeInForce="GTC",
        pendingType="LIMIT_MAKER",
        pendingSide="SELL",
        pendingPrice=asks[-1] + 1000,
        pendingQuantity="0.01",
        newOrderRespType="FULL",
    )
    working, pending = body["orderReports"]
    assert working["status"] == "FILLED" and working["fills"]
    assert sum(D(f["qty"]) for f in working["fills"]) == D(working["executedQty"]) == D("0.01")
    assert sum(D(f["price"]) * D(f["qty"]) for f in working["fills"]) == D(working["cummulativeQuoteQty"])
    trades = await call(client, "GET", "/api/v3/myTrades", orderId=working["orderId"])
    assert [f["tradeId"] for f in working["fills"]] == [t["id"] for t in trades]
    assert pending["status"] == "NEW" and pending["fills"] == []


async def test_oco_full_answer_has_empty_fills_and_result_none(client: SpotClient) -> None:
    bids, asks = await book(client)
    oco = {
        "side": "SELL",
        "quantity": "0.01",
        "aboveType": "LIMIT_MAKER",
        "abovePrice": asks[0] + 100,
        "belowType": "STOP_LOSS",
        "belowStopPrice": bids[0] - 100,
    }
    full = await call(client, "POST", "/api/v3/orderList/oco", newOrderRespType="FULL", **oco)
    assert [report["fills"] for report in full["orderReports"]] == [[], []]
    result = await call(client, "POST", "/api/v3/orderList/oco", **oco)
    assert all("fills" not in report for report in result["orderReports"])


# -- 2. peg parameters ----------------------------------------------------------------------------------


async def test_pegged_limit_orders_take_their_price_from_the_book(client: SpotClient) -> None:
    bids, asks = await book(client)
    primary = await call(
        client, "POST", ORDER, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.001",
        pegPriceType="PRIMARY_PEG", newOrderRespType="RESULT",
    )  # fmt: skip
    assert (primary["status"], primary["price"]) == ("NEW", "0.00000000")  # no price was sent
    assert (primary["pegPriceType"], primary["peggedPrice"]) == ("PRIMARY_PEG", fmt(bids[0]))
    queried = await call(client, "GET", ORDER, orderId=primary["orderId"])
    assert (queried["pegPriceType"], queried["peggedPrice"]) == ("PRIMARY_PEG", fmt(bids[0]))

    deeper = await call(
        client, "POST", ORDER, side="SELL", type="LIMIT_MAKER", quantity="0.001", price=asks[4],
        pegPriceType="PRIMARY_PEG", pegOffsetType="PRICE_LEVEL", pegOffsetValue=2,
        newOrderRespType="RESULT",
    )  # fmt: skip
    assert deeper["price"] == fmt(asks[4]) and deeper["peggedPrice"] == fmt(asks[2])
    assert (deeper["pegOffsetType"], deeper["pegOffsetValue"]) == ("PRICE_LEVEL", 2)

    taker = await call(
        client, "POST", ORDER, side="BUY", type="LIMIT", timeInForce="IOC", quantity="1",
        pegPriceType="MARKET_PEG",
    )  # fmt: skip
    assert taker["peggedPrice"] == fmt(asks[0]) and taker["status"] in ("FILLED", "EXPIRED")
    assert {f["price"] for f in taker["fills"]} == {fmt(asks[0])}  # that price level only


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"pegPriceType": "BEST"}, -1210),
        ({"pegPriceType": "PRIMARY_PEG", "pegOffsetType": "TICKS", "pegOffsetValue": 1}, -1211),
        ({"pegPriceType": "PRIMARY_PEG", "pegOffsetType": "PRICE_LEVEL", "pegOffsetValue": 101}, -1102),
        ({"pegPriceType": "PRIMARY_PEG", "pegOffsetType": "PRICE_LEVEL"}, -1128),
        ({"pegPriceType": "PRIMARY_PEG", "pegOffsetValue": 1}, -1128),
        ({"pegPriceType": "PRIMARY_PEG", "timeInForce": "IOC"}, -2010),  # PRIMARY_PEG LIMIT: GTC only
        ({"pegPriceType": "MARKET_PEG", "type": "LIMIT_MAKER", "timeInForce": None}, -2010),
        ({"pegPriceType": "PRIMARY_PEG", "type": "MARKET", "timeInForce": None}, -2010),
        ({"pegOffsetType": "PRICE_LEVEL", "pegOffsetValue": 1, "price": "60000"}, -1106),  # no peg
    ],
)
async def test_peg_parameters_are_validated(client: SpotClient, params: dict[str, Any], code: int) -> None:
    order = {"side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.001", **params}
    assert (await refused(client, "POST", ORDER, **order)).code == code
    assert await call(client, "GET", "/api/v3/openOrders") == []


async def test_pegged_list_legs_are_accepted_and_echoed(client: SpotClient) -> None:
    bids, asks = await book(client)
    oto = await call(
        client,
        "POST",
        "/api/v3/orderList/oto",
        workingType="LIMIT",
        workingSide="BUY",
        workingQuantity="0.001",
        workingTimeInForce="GTC",
        workingPegPriceType="PRIMARY_PEG",
        workingPegOffsetType="PRICE_LEVEL",
        workingPegOffsetValue=1,
        pendingType="LIMIT_MAKER",
        pendingSide="SELL",
        pendingQuantity="0.001",
        pendingPegPriceType="PRIMARY_PEG",
    )
    working, pending = oto["orderReports"]
    assert (working["pegPriceType"], working["peggedPrice"]) == ("PRIMARY_PEG", fmt(bids[1]))
    assert working["pegOffsetValue"] == 1 and working["status"] == "NEW"
    # The pending order is priced when it enters the book, after the working order fills.
    assert pending["pegPriceType"] == "PRIMARY_PEG" and "peggedPrice" not in pending

    oco = await call(
        client,
        "POST",
        "/api/v3/orderList/oco",
        side="SELL",
        quantity="0.001",
        aboveType="LIMIT_MAKER",
        abovePegPriceType="PRIMARY_PEG",
        belowType="STOP_LOSS_LIMIT",
        belowStopPrice=bids[0] - 100,
        belowPrice=bids[0] - 200,
        belowTimeInForce="GTC",
        belowPegPriceType="MARKET_PEG",
    )
    stop, maker = oco["orderReports"]
    assert (maker["pegPriceType"], maker["peggedPrice"]) == ("PRIMARY_PEG", fmt(asks[0]))
    assert stop["pegPriceType"] == "MARKET_PEG" and "peggedPrice" not in stop  # priced at its trigger
    error = await refused(
        client, "POST", "/api/v3/orderList/oco", side="SELL", quantity="0.001", aboveType="LIMIT_MAKER",
        abovePegPriceType="MARKET_PEG", belowType="STOP_LOSS", belowStopPrice=bids[0] - 100,
    )  # fmt: skip
    assert (error.code, error.msg) == (-2010, "This price peg cannot be used with this order type.")


async def test_cancel_replace_reads_peg_and_trailing_delta(client: SpotClient) -> None:
    bids, _ = await book(client)
    resting = {"side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.001", "price": bids[4]}
    placed = await call(client, "POST", ORDER, **resting)
    replace = {"path": "/api/v3/order/cancelReplace", "cancelReplaceMode": "STOP_ON_FAILURE"}
    body = await call(
        client, "POST", **replace, cancelOrderId=placed["orderId"], side="BUY", type="LIMIT",
        timeInForce="GTC", quantity="0.001", pegPriceType="PRIMARY_PEG",
    )  # fmt: skip
    assert body["newOrderResponse"]["peggedPrice"] == fmt(bids[0])
    body = await call(
        client, "POST", **replace, cancelOrderId=body["newOrderResponse"]["orderId"], side="SELL",
        type="STOP_LOSS", quantity="0.001", trailingDelta=100, newOrderRespType="RESULT",
    )  # fmt: skip
    assert body["newOrderResponse"]["trailingDelta"] == 100


# -- 2b. trailingDelta on the legacy OCO ------------------------------------------------------------------


async def test_legacy_oco_stop_leg_trails(client: SpotClient) -> None:
    bids, asks = await book(client)
    body = await call(
        client, "POST", "/api/v3/order/oco", side="SELL", quantity="0.001", price=asks[0] + 100,
        stopPrice=bids[0] - 100, trailingDelta=100,
    )  # fmt: skip
    stop, limit = body["orderReports"]
    assert (stop["type"], stop["trailingDelta"]) == ("STOP_LOSS", 100)
    assert limit["type"] == "LIMIT_MAKER" and "trailingDelta" not in limit
    queried = await call(client, "GET", ORDER, orderId=stop["orderId"])
    assert queried["trailingDelta"] == 100


# -- 3. time ranges ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v3/allOrders", "/api/v3/myTrades", "/api/v3/allOrderList", "/api/v3/myAllocations"]
)
async def test_reversed_time_range_is_not_the_24_hour_error(client: SpotClient, path: str) -> None:
    symbol = {"symbol": None} if path == "/api/v3/allOrderList" else {}  # every symbol's lists
    start = 1_700_000_000_000
    error = await refused(client, "GET", path, startTime=start, endTime=start - 1, **symbol)
    assert (error.code, error.msg) == (
        -1102,
        "Mandatory parameter 'endTime' was not sent, was empty/null, or malformed.",
    )
    too_long = await refused(client, "GET", path, startTime=start, endTime=start + 86_400_001, **symbol)
    assert (too_long.code, too_long.msg) == (-1127, "More than 24 hours between startTime and endTime.")
    assert await call(client, "GET", path, startTime=start, endTime=start, **symbol) == []


# -- 4. myFilters -------------------------------------------------------------------------------------------

EXCHANGE_FILTERS = [
    {"filterType": "EXCHANGE_MAX_NUM_ORDERS", "maxNumOrders": 3},
    {"filterType": "EXCHANGE_MAX_NUM_ORDER_LISTS", "maxNumOrderLists": 1},
]
ASSET_FILTERS = [{"filterType": "MAX_ASSET", "asset": "USDT", "limit": "1000.00000000"}]


@pytest.fixture
async def filtered() -> AsyncIterator[SpotClient]:
    config = SimConfig(book_levels=200, exchange_filters=EXCHANGE_FILTERS, asset_filters=ASSET_FILTERS)
    async with (
        Simulator(config) as simulator,
        SpotClient(simulator.api_key, simulator.api_secret, base_url=simulator.base_url) as c,
    ):
        yield c


async def test_my_filters_has_the_three_lists(client: SpotClient) -> None:
    body = await call(client, "GET", "/api/v3/myFilters")
    info = await client.request("GET", "/api/v3/exchangeInfo", {"symbol": SYMBOL})
    assert list(body) == ["exchangeFilters", "symbolFilters", "assetFilters"]
    assert body["exchangeFilters"] == info["exchangeFilters"] == []  # as Binance's exchangeInfo
    assert body["symbolFilters"] == info["symbols"][0]["filters"]
    assert body["assetFilters"] == []


async def test_configured_exchange_and_asset_filters_are_listed_and_enforced(filtered: SpotClient) -> None:
    client = filtered
    body = await call(client, "GET", "/api/v3/myFilters")
    assert (body["exchangeFilters"], body["assetFilters"]) == (EXCHANGE_FILTERS, ASSET_FILTERS)
    info = await client.request("GET", "/api/v3/exchangeInfo")
    assert info["exchangeFilters"] == EXCHANGE_FILTERS
    bids, asks = await book(client)
    over = await refused(
        client, "POST", ORDER, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.02", price=bids[4]
    )  # about 1300 USDT
    assert (over.code, over.msg) == (-1013, "Filter failure: MAX_ASSET")
    oco = {
        "side": "SELL",
        "quantity": "0.001",
        "aboveType": "LIMIT_MAKER",
        "abovePrice": asks[0] + 100,
        "belowType": "STOP_LOSS",
        "belowStopPrice": bids[0] - 100,
    }
    await call(client, "POST", "/api/v3/orderList/oco", **oco)
    second = await refused(client, "POST", "/api/v3/orderList/oco", **oco)
    assert second.msg == "Filter failure: EXCHANGE_MAX_NUM_ORDER_LISTS"
    eth = {"symbol": "ETHUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01"}
    await call(client, "POST", ORDER, price="3000", **eth)  # the third open order, on another symbol
    fourth = await refused(client, "POST", ORDER, price="3001", **eth)
    assert (fourth.code, fourth.msg) == (-1013, "Filter failure: EXCHANGE_MAX_NUM_ORDERS")


# -- 5. self-trade prevention ----------------------------------------------------------------------------


async def test_expire_taker_answer_has_the_prevented_match(client: SpotClient) -> None:
    bids, asks = await book(client)
    inside = bids[0] + (asks[0] - bids[0]) / 2
    inside = inside.quantize(D("0.01"))
    maker = await call(client, "POST", ORDER, side="SELL", type="LIMIT_MAKER", quantity="0.001", price=inside)
    taker = await call(
        client, "POST", ORDER, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.003",
        price=inside, selfTradePreventionMode="EXPIRE_TAKER",
    )  # fmt: skip
    [match] = await call(client, "GET", "/api/v3/myPreventedMatches", orderId=taker["orderId"])
    assert taker["status"] == "EXPIRED_IN_MATCH" and taker["fills"] == []
    assert (taker["preventedMatchId"], taker["preventedQuantity"]) == (
        match["preventedMatchId"],
        "0.00300000",
    )
    assert taker["preventedMatches"] == [
        {
            "preventedMatchId": match["preventedMatchId"],
            "makerOrderId": maker["orderId"],
            "price": fmt(inside),
            "takerPreventedQuantity": "0.00300000",
        }
    ]
    assert match["takerPreventedQuantity"] == "0.00300000"
    queried = await call(client, "GET", ORDER, orderId=taker["orderId"])
    assert (queried["preventedMatchId"], queried["preventedQuantity"]) == (
        match["preventedMatchId"],
        "0.00300000",
    )
    assert "preventedMatchId" not in await call(client, "GET", ORDER, orderId=maker["orderId"])
