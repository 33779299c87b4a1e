"""SpotClient account methods: wire params, weights, local refusals, decoding.

Their rows of the endpoint table are checked with all the others in test_endpoint_table.py.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from binance_async import InvalidRequestError, ParameterError, RateLimiter, SpotClient
from binance_async._endpoint import Endpoint
from binance_async.spot import endpoints as E
from binance_async.spot.models import (
    AccountCommission,
    AccountInfo,
    AccountTrade,
    Allocation,
    Balance,
    ExchangeMaxNumOrders,
    MaxAsset,
    MaxNumOrderLists,
    MyFilters,
    Order,
    OrderAmendmentRecord,
    OrderCount,
    PreventedMatch,
    RawMyFilters,
    TradeCommissionRates,
    UnknownFilter,
)
from binance_async.testing import MockTransport, Router
from tests.reference import example_bytes
from tests.unit.helpers import KEY, SECRET, calls, query

NOW_MS = 1_800_000_000_000
START = datetime(2027, 1, 15, 8, tzinfo=timezone.utc)
START_MS = int(START.timestamp() * 1000)
DAY_MS = 86_400_000

#: The methods this module covers, each with the official example its mocked answer is.
EXAMPLE_OF = {
    "account": "GET_api_v3_account",
    "get_order": "GET_api_v3_order",
    "open_orders": "GET_api_v3_openOrders",
    "all_orders": "GET_api_v3_allOrders",
    "my_trades": "GET_api_v3_myTrades",
    "order_rate_limits": "GET_api_v3_rateLimit_order",
    "my_prevented_matches": "GET_api_v3_myPreventedMatches",
    "my_allocations": "GET_api_v3_myAllocations",
    "account_commission": "GET_api_v3_account_commission",
    "order_amendments": "GET_api_v3_order_amendments",
    "my_filters": "GET_api_v3_myFilters",
}


@pytest.fixture
async def client(router_with_time: Router, transport: MockTransport) -> AsyncIterator[SpotClient]:
    """Unlike the shared `client`: the clock synced already, and the limiter's clock frozen."""
    # A frozen limiter clock: no window boundary can fall between two readings of the weight used.
    limiter = RateLimiter(now_ms=lambda: NOW_MS, smooth=False)
    async with SpotClient(api_key=KEY, api_secret=SECRET, limiter=limiter, transport=transport) as c:
        await c._pipeline.sync_clock()  # the one GET /api/v3/time, out of the way of the weights
        yield c


def used_weight(client: SpotClient) -> int:
    return next(s.used for s in client.limiter.state() if s.limit_type == "REQUEST_WEIGHT")


def sent_requests(transport: MockTransport) -> list[tuple[str, str, Any]]:
    """Every request but the clock sync."""
    return [c for c in calls(transport) if not c[1].split("?")[0].endswith("/api/v3/time")]


# -- weights ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "params", "weight"),
    [
        (E.OPEN_ORDERS, {"symbol": "BTCUSDT"}, 6),
        (E.OPEN_ORDERS, {"symbol": None}, 80),
        (E.OPEN_ORDERS, {}, 80),
        (E.MY_TRADES, {"symbol": "BTCUSDT"}, 20),
        (E.MY_TRADES, {"symbol": "BTCUSDT", "orderId": None}, 20),
        (E.MY_TRADES, {"symbol": "BTCUSDT", "orderId": 0}, 5),
        (E.MY_PREVENTED_MATCHES, {"symbol": "BTCUSDT", "preventedMatchId": 1, "orderId": None}, 2),
        (E.MY_PREVENTED_MATCHES, {"symbol": "BTCUSDT", "orderId": 1}, 20),
        (E.ACCOUNT, {}, 20),
        (E.GET_ORDER, {}, 4),
        (E.ALL_ORDERS, {}, 20),
        (E.ORDER_RATE_LIMITS, {}, 40),
        (E.MY_ALLOCATIONS, {}, 20),
        (E.ACCOUNT_COMMISSION, {}, 20),
        (E.ORDER_AMENDMENTS, {}, 4),
        (E.MY_FILTERS, {}, 40),
    ],
)
def test_documented_weights(endpoint: Endpoint[Any], params: dict[str, Any], weight: int) -> None:
    assert endpoint.weight_for(params) == weight


# -- calls: exact wire parameters and the weight charged ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args", "kwargs", "wire", "weight"),
    [
        ("account", (), {}, {}, 20),
        (
            "account",
            (),
            {"omit_zero_balances": True, "recv_window": 10_000},
            {"omitZeroBalances": "true", "recvWindow": "10000"},
            20,
        ),
        ("get_order", ("BTCUSDT",), {"order_id": 5}, {"symbol": "BTCUSDT", "orderId": "5"}, 4),
        (
            "get_order",
            ("BTCUSDT",),
            {"orig_client_order_id": "my-1"},
            {"symbol": "BTCUSDT", "origClientOrderId": "my-1"},
            4,
        ),
        ("open_orders", (), {}, {}, 80),
        ("open_orders", ("BTCUSDT",), {}, {"symbol": "BTCUSDT"}, 6),
        (
            "all_orders",
            ("BTCUSDT",),
            {"order_id": 3, "start_time": START, "end_time": START + timedelta(hours=24), "limit": 1000},
            {
                "symbol": "BTCUSDT",
                "orderId": "3",
                "startTime": str(START_MS),
                "endTime": str(START_MS + DAY_MS),
                "limit": "1000",
            },
            20,
        ),
        (
            "my_trades",
            ("BTCUSDT",),
            {"order_id": 7, "from_id": 2, "limit": 1},
            {"symbol": "BTCUSDT", "orderId": "7", "fromId": "2", "limit": "1"},
            5,
        ),
        (
            "my_trades",
            ("BTCUSDT",),
            {"start_time": START_MS, "end_time": START_MS},
            {"symbol": "BTCUSDT", "startTime": str(START_MS), "endTime": str(START_MS)},
            20,
        ),
        ("order_rate_limits", (), {}, {}, 40),
        (
            "my_prevented_matches",
            ("BTCUSDT",),
            {"prevented_match_id": 1},
            {"symbol": "BTCUSDT", "preventedMatchId": "1"},
            2,
        ),
        (
            "my_prevented_matches",
            ("BTCUSDT",),
            {"order_id": 3, "from_prevented_match_id": 4, "limit": 10},
            {"symbol": "BTCUSDT", "orderId": "3", "fromPreventedMatchId": "4", "limit": "10"},
            20,
        ),
        (
            "my_allocations",
            ("BTCUSDT",),
            {"order_id": 3, "from_allocation_id": 1, "limit": 5},
            {"symbol": "BTCUSDT", "orderId": "3", "fromAllocationId": "1", "limit": "5"},
            20,
        ),
        (
            "my_allocations",
            ("BTCUSDT",),
            {"start_time": START},
            {"symbol": "BTCUSDT", "startTime": str(START_MS)},
            20,
        ),
        ("account_commission", ("BTCUSDT",), {}, {"symbol": "BTCUSDT"}, 20),
        (
            "order_amendments",
            ("BTCUSDT", 9),
            {"from_execution_id": 22, "limit": 2},
            {"symbol": "BTCUSDT", "orderId": "9", "fromExecutionId": "22", "limit": "2"},
            4,
        ),
        (
            "my_filters",
            ("BTCUSDT",),
            {"recv_window": 60_000},
            {"symbol": "BTCUSDT", "recvWindow": "60000"},
            40,
        ),
    ],
)
async def test_wire_params_and_weight(
    client: SpotClient,
    router: Router,
    transport: MockTransport,
    name: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    wire: dict[str, str],
    weight: int,
) -> None:
    endpoint = E.ENDPOINTS[name]
    router.get(endpoint.path, body=example_bytes(EXAMPLE_OF[name]))
    before = used_weight(client)
    await getattr(client, name)(*args, **kwargs)
    assert used_weight(client) - before == weight
    [(method, url, request)] = sent_requests(transport)
    assert method == "GET"
    assert request["headers"]["X-MBX-APIKEY"] == KEY
    sent = query(url)
    assert re.fullmatch(r"[0-9a-f]{64}", sent.pop("signature"))
    assert abs(int(sent.pop("timestamp")) - time.time() * 1000) < 60_000
    assert sent.pop("recvWindow") == wire.get("recvWindow", "5000")  # the client's default otherwise
    assert sent == {k: v for k, v in wire.items() if k != "recvWindow"}


async def test_request_escape_hatch_charges_the_table_weight(client: SpotClient, router: Router) -> None:
    router.get("/api/v3/openOrders", json=[], times=None)
    before = used_weight(client)
    await client.request("GET", "/api/v3/openOrders", signed=True)
    await client.request("GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"}, signed=True)
    assert used_weight(client) - before == 80 + 6


# -- refused before sending ------------------------------------------------------------------------------

NAIVE = datetime(2027, 1, 15, 8)


@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("get_order", ("BTCUSDT",), {}),
        ("account", (), {"recv_window": 60_001}),
        ("account", (), {"recv_window": 0}),
        ("open_orders", (), {"recv_window": "5000"}),
        ("all_orders", ("BTCUSDT",), {"limit": 0}),
        ("all_orders", ("BTCUSDT",), {"limit": 1001}),
        ("all_orders", ("BTCUSDT",), {"start_time": START_MS + 1, "end_time": START_MS}),
        ("all_orders", ("BTCUSDT",), {"start_time": START_MS, "end_time": START_MS + DAY_MS + 1}),
        (
            "all_orders",
            ("BTCUSDT",),
            {"start_time": START, "end_time": START + timedelta(hours=24, seconds=1)},
        ),
        ("all_orders", ("BTCUSDT",), {"start_time": START + timedelta(seconds=1), "end_time": START_MS}),
        ("all_orders", ("BTCUSDT",), {"start_time": NAIVE}),
        ("my_trades", ("BTCUSDT",), {"order_id": 1, "start_time": START_MS}),
        ("my_trades", ("BTCUSDT",), {"from_id": 1, "end_time": START_MS}),
        ("my_trades", ("BTCUSDT",), {"start_time": START_MS, "end_time": START_MS + DAY_MS + 1}),
        ("my_trades", ("BTCUSDT",), {"limit": 1001}),
        ("my_allocations", ("BTCUSDT",), {"order_id": 1, "end_time": START_MS}),
        ("my_allocations", ("BTCUSDT",), {"from_allocation_id": 1, "start_time": START_MS}),
        ("my_allocations", ("BTCUSDT",), {"start_time": START_MS, "end_time": START_MS - 1}),
        ("my_allocations", ("BTCUSDT",), {"limit": 0}),
        ("my_prevented_matches", ("BTCUSDT",), {}),
        ("my_prevented_matches", ("BTCUSDT",), {"prevented_match_id": 1, "order_id": 2}),
        ("my_prevented_matches", ("BTCUSDT",), {"prevented_match_id": 1, "from_prevented_match_id": 2}),
        ("my_prevented_matches", ("BTCUSDT",), {"prevented_match_id": 1, "limit": 5}),
        ("my_prevented_matches", ("BTCUSDT",), {"order_id": 1, "limit": 5}),
        ("my_prevented_matches", ("BTCUSDT",), {"order_id": 1, "from_prevented_match_id": 1, "limit": 1001}),
        ("order_amendments", ("BTCUSDT", 1), {"limit": 1001}),
        ("my_filters", ("BTCUSDT",), {"recv_window": -1}),
    ],
)
async def test_bad_input_is_refused_before_sending(
    client: SpotClient, transport: MockTransport, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    before = used_weight(client)
    with pytest.raises(InvalidRequestError):
        await getattr(client, name)(*args, **kwargs)
    assert sent_requests(transport) == []
    assert used_weight(client) == before


async def test_naive_datetimes_are_a_parameter_error(client: SpotClient) -> None:
    with pytest.raises(ParameterError, match=r"start_time.*timezone-aware"):
        await client.my_trades("BTCUSDT", start_time=NAIVE, end_time=START)


# -- decoding the official examples ----------------------------------------------------------------------


async def test_every_method_decodes_its_official_example(client: SpotClient, router: Router) -> None:
    assert set(EXAMPLE_OF) == {endpoint.name for endpoint in E.ACCOUNT_ENDPOINTS}
    for name, file in EXAMPLE_OF.items():
        router.get(E.ENDPOINTS[name].path, body=example_bytes(file))

    account = await client.account()
    assert isinstance(account, AccountInfo)
    assert account.balance("BTC") == Balance("BTC", Decimal("4723846.89208129"), Decimal(0))
    assert account.balance("LTC").total == Decimal("4763368.68006011")
    assert account.commission_rates == TradeCommissionRates(
        Decimal("0.0015"), Decimal("0.0015"), Decimal(0), Decimal(0)
    )
    assert (account.maker_commission, account.account_type, account.uid) == (15, "SPOT", 354937868)
    assert account.can_trade and not account.brokered and account.permissions == ["SPOT"]

    order = await client.get_order("LTCBTC", order_id=1)
    assert isinstance(order, Order) and order.client_order_id == "myOrder1" and order.is_working

    for orders in (await client.open_orders("LTCBTC"), await client.all_orders("LTCBTC")):
        assert [(o.order_id, o.price, o.status) for o in orders] == [(1, Decimal("0.1"), "NEW")]

    [trade] = await client.my_trades("BNBBTC")
    assert isinstance(trade, AccountTrade)
    assert (trade.id, trade.order_id, trade.order_list_id, trade.side) == (28457, 100234, -1, "BUY")
    assert (trade.quote_qty, trade.commission, trade.commission_asset) == (
        Decimal("48.000012"),
        Decimal("10.1"),
        "BNB",
    )
    assert trade.is_best_match is True and trade.is_maker is False

    counts = await client.order_rate_limits()
    assert [(c.interval, c.interval_num, c.limit, c.count, c.remaining) for c in counts] == [
        ("SECOND", 10, 50, 0, 50),
        ("DAY", 1, 160000, 0, 160000),
    ]

    [match] = await client.my_prevented_matches("BTCUSDT", prevented_match_id=1)
    assert match == PreventedMatch(
        symbol="BTCUSDT",
        prevented_match_id=1,
        taker_order_id=5,
        maker_symbol="BTCUSDT",
        maker_order_id=3,
        trade_group_id=1,
        self_trade_prevention_mode="EXPIRE_MAKER",
        price=Decimal("1.1"),
        maker_prevented_quantity=Decimal("1.3"),
        transact_time=1669101687094,
    )

    [allocation] = await client.my_allocations("BTCUSDT")
    assert isinstance(allocation, Allocation)
    assert (allocation.allocation_id, allocation.allocation_type, allocation.order_id) == (0, "SOR", 1)
    assert (allocation.qty, allocation.side, allocation.is_allocator) == (Decimal(5), "BUY", False)

    commission = await client.account_commission("BTCUSDT")
    assert isinstance(commission, AccountCommission)
    assert commission.standard_commission.seller == Decimal("0.0000004")
    assert commission.special_commission is not None and commission.special_commission.taker == Decimal(
        "0.02"
    )
    assert commission.tax_commission is not None and commission.tax_commission.buyer == Decimal("0.00000118")
    assert commission.discount is not None and commission.discount.discount == Decimal("0.75")

    first, second = await client.order_amendments("BTCUSDT", 9)
    assert isinstance(first, OrderAmendmentRecord)
    assert (first.execution_id, first.orig_qty, first.new_qty) == (22, Decimal(5), Decimal(4))
    assert second.orig_client_order_id == first.new_client_order_id

    filters = await client.my_filters("BTCUSDT")
    assert isinstance(filters, MyFilters)
    assert filters.exchange_filters == [ExchangeMaxNumOrders(max_num_orders=1000)]
    assert filters.symbol_filters == [MaxNumOrderLists(max_num_order_lists=20)]
    assert filters.max_asset("JPY") == MaxAsset(asset="JPY", limit=Decimal(1_000_000))
    assert filters.max_asset("BTC") is None
    assert filters.filter("MAX_ASSET") == filters.max_asset("JPY")
    max_orders = filters.filter(ExchangeMaxNumOrders)
    assert max_orders is not None and max_orders.max_num_orders == 1000
    assert filters.filter("MAX_NUM_ORDERS") is None


# -- models: tolerance and helpers ---------------------------------------------------------------------------


def test_unknown_keys_are_ignored_and_omitted_ones_default() -> None:
    account = msgspec.json.decode(
        b'{"balances": [{"asset": "X", "free": "1", "locked": "2", "new": 1}]}', type=AccountInfo
    )
    assert account.commission_rates is None and account.uid is None and account.permissions == []
    assert account.balance("X").total == Decimal(3)
    rates = msgspec.json.decode(b'{"maker": "0.1", "taker": "0.2"}', type=TradeCommissionRates)
    assert (rates.buyer, rates.seller) == (Decimal(0), Decimal(0))
    match = msgspec.json.decode(
        b'{"symbol": "A", "preventedMatchId": 1, "takerOrderId": 2, "makerOrderId": 3,'
        b' "selfTradePreventionMode": "EXPIRE_TAKER", "price": "1", "makerPreventedQuantity": "0",'
        b' "transactTime": 4, "somethingNew": true}',
        type=PreventedMatch,
    )
    assert match.maker_symbol is None and match.trade_group_id == -1
    count = msgspec.json.decode(b'{"rateLimitType": "ORDERS", "count": 7}', type=OrderCount)
    assert count.count == 7 and count.remaining == 0  # no limit given: nothing to spare


def test_my_filters_keep_unknown_filter_types_and_missing_lists() -> None:
    raw = msgspec.json.decode(
        b'{"symbolFilters": [{"filterType": "SOMETHING_NEW", "x": 1},'
        b' {"filterType": "MAX_NUM_ORDER_LISTS", "maxNumOrderLists": 5}]}',
        type=RawMyFilters,
    )
    filters = MyFilters.from_raw(raw)
    assert filters.exchange_filters == [] and filters.asset_filters == []
    unknown, known = filters.symbol_filters
    assert unknown == UnknownFilter("SOMETHING_NEW", {"filterType": "SOMETHING_NEW", "x": 1})
    assert known == MaxNumOrderLists(max_num_order_lists=5)
    assert filters.filter("SOMETHING_NEW") is unknown


def test_account_balance_lookups() -> None:
    account = msgspec.json.decode(example_bytes("GET_api_v3_account"), type=AccountInfo)
    assert account.balance("DOGE") == Balance("DOGE", Decimal(0), Decimal(0))  # not listed: nothing held
    by_asset = account.balances_by_asset()
    assert list(by_asset) == ["BTC", "LTC"] and by_asset["LTC"] is account.balances[1]
    by_asset.clear()  # a copy: the account's own index is untouched
    assert account.balance("LTC").free == Decimal("4763368.68006011")
    with pytest.raises(AttributeError):
        account.uid = 1  # type: ignore[misc]


def test_only_models_without_containers_skip_gc() -> None:
    for cls in (
        Balance,
        TradeCommissionRates,
        AccountTrade,
        Allocation,
        OrderCount,
        PreventedMatch,
        OrderAmendmentRecord,
        AccountCommission,
        RawMyFilters,
    ):
        assert cls.__struct_config__.gc is False, cls
        assert cls.__struct_config__.frozen, cls
    for holder in (AccountInfo, MyFilters):
        assert holder.__struct_config__.gc is True and holder.__struct_config__.frozen
    decoded = json.loads(example_bytes("GET_api_v3_myFilters"))
    assert set(decoded) == {"exchangeFilters", "symbolFilters", "assetFilters"}


def test_a_prevented_match_without_the_makers_quantity_decodes() -> None:
    body = (
        b'[{"symbol":"BTCUSDT","preventedMatchId":1,"takerOrderId":5,"makerSymbol":"BTCUSDT","makerOrderId":3,'
        b'"tradeGroupId":-1,"selfTradePreventionMode":"EXPIRE_TAKER","price":"1.10000000",'
        b'"takerPreventedQuantity":"0.50000000","transactTime":1669101687094}]'
    )
    [match] = msgspec.json.decode(body, type=list[PreventedMatch])
    assert match.maker_prevented_quantity is None
    assert match.taker_prevented_quantity == Decimal("0.5")
