"""Order lists validated against the symbol's filters (``validate=`` / ``validate_orders``).

BTCUSDT here: tickSize 0.01, stepSize 0.00001 (from 0.00001), NOTIONAL at least 5 USDT, also for
market orders (STOP_LOSS, TAKE_PROFIT, MARKET: priced at ``avgPrice``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any, get_args

import pytest

from binance_async import OrderValidationError, SpotClient
from binance_async.spot import endpoints as E
from binance_async.spot.enums import OrderType
from binance_async.testing import MockTransport, Router
from tests.reference import example_bytes
from tests.unit.helpers import FAST_RETRY, KEY, SECRET, calls, sent
from tests.unit.test_order_lists import (
    CALLS,
    OPO_PENDING,
    OTO_PENDING,
    PENDING_PAIR,
    SELL_OCO,
    WORKING_BUY,
    place,
)
from tests.unit.test_trading import _exchange_info

pytestmark = pytest.mark.usefixtures("router_with_time")

ORDER_TYPES = list(get_args(OrderType))
EXCHANGE_INFO = "/api/v3/exchangeInfo"
AVG_PRICE = "/api/v3/avgPrice"


def rules_served(router: Router, avg_price: str = "65000.00") -> None:
    """exchangeInfo (every order type allowed), avgPrice, and every list endpoint answering its example."""
    info = _exchange_info()
    info["symbols"][0]["orderTypes"] = ORDER_TYPES
    router.get(EXCHANGE_INFO, json=info, times=None)
    router.get(AVG_PRICE, json={"mins": 5, "price": avg_price, "closeTime": 1}, times=None)
    for name, _, _, example, _ in CALLS:
        router.post(E.ENDPOINTS[name].path, body=example_bytes(example), times=None)


@pytest.fixture
async def validating(transport: MockTransport) -> AsyncIterator[SpotClient]:
    """A client with ``validate_orders=True``, on the same transport as `client`."""
    async with SpotClient(KEY, SECRET, retry=FAST_RETRY, validate_orders=True, transport=transport) as c:
        yield c


# -- one order of each list breaks a filter ------------------------------------------------------------------

OTO = {**WORKING_BUY, **OTO_PENDING}
OTOCO = {**WORKING_BUY, **PENDING_PAIR, "pending_quantity": "0.01"}
OPO = {**WORKING_BUY, **OPO_PENDING}
OPOCO = {**WORKING_BUY, **PENDING_PAIR}
LEGACY = {
    "price": "66000",
    "stop_price": "64000",
    "stop_limit_price": "63900",
    "stop_limit_time_in_force": "GTC",
}


BASES: dict[str, dict[str, Any]] = {
    "new_oco": SELL_OCO,
    "new_oco_legacy": LEGACY,
    "new_oto": OTO,
    "new_otoco": OTOCO,
    "new_opo": OPO,
    "new_opoco": OPOCO,
}


async def place_changed(client: SpotClient, name: str, changes: dict[str, Any]) -> Any:
    """`name`'s valid list (a SELL OCO of 0.01 BTC, or the module's OTO ...) with `changes`."""
    kwargs = {**BASES[name], **changes}
    args: tuple[Any, ...] = ("BTCUSDT",)
    if name.startswith("new_oco"):
        args = ("BTCUSDT", "SELL", kwargs.pop("quantity", "0.01"))
    return await place(client, name, args, kwargs)


# (method, changes to its valid list, the order at fault, filter, field); a field's value is the first change.
BAD: list[tuple[str, dict[str, Any], str, str, str | None]] = [
    ("new_oco", {"above_price": "66000.005"}, "above", "PRICE_FILTER", "price"),
    ("new_oco", {"below_stop_price": "64000.001"}, "below", "PRICE_FILTER", "stopPrice"),
    ("new_oco", {"quantity": "0.000015"}, "above", "LOT_SIZE", "quantity"),
    ("new_oco", {"below_iceberg_qty": "0.001001"}, "below", "LOT_SIZE", "icebergQty"),
    ("new_oco", {"quantity": "0.00007"}, "above", "NOTIONAL", None),  # 4.62 USDT
    ("new_oco", {"quantity": "0.00008", "below_price": "60000"}, "below", "NOTIONAL", None),  # 5.28, 4.8
    ("new_oco_legacy", {"price": "66000.001"}, "limit", "PRICE_FILTER", "price"),
    ("new_oco_legacy", {"stop_limit_price": "63900.001"}, "stop", "PRICE_FILTER", "price"),
    ("new_oco_legacy", {"limit_iceberg_qty": "0.0000101"}, "limit", "LOT_SIZE", "icebergQty"),
    ("new_oco_legacy", {"quantity": "0.00008", "stop_limit_price": "60000"}, "stop", "NOTIONAL", None),
    ("new_oto", {"working_quantity": "0.010005"}, "working", "LOT_SIZE", "quantity"),
    ("new_oto", {"pending_price": "70000.001"}, "pending", "PRICE_FILTER", "price"),
    ("new_oto", {"pending_quantity": "0.00007"}, "pending", "NOTIONAL", None),  # 4.9 USDT
    ("new_otoco", {"working_price": "60000.001"}, "working", "PRICE_FILTER", "price"),
    ("new_otoco", {"pending_quantity": "0.000015"}, "pending_above", "LOT_SIZE", "quantity"),
    ("new_otoco", {"pending_below_stop_price": "55000.001"}, "pending_below", "PRICE_FILTER", "stopPrice"),
    # 0.00007 * 100000 = 7 USDT above; the STOP_LOSS below at avgPrice: 0.00007 * 65000 = 4.55
    (
        "new_otoco",
        {"pending_quantity": "0.00007", "pending_above_price": "100000"},
        "pending_below",
        "NOTIONAL",
        None,
    ),
    ("new_opo", {"pending_price": "70000.001"}, "pending", "PRICE_FILTER", "price"),
    ("new_opo", {"working_quantity": "0.00008"}, "working", "NOTIONAL", None),  # 4.8 USDT
    ("new_opoco", {"working_quantity": "0.0100001"}, "working", "LOT_SIZE", "quantity"),
    ("new_opoco", {"pending_below_stop_price": "55000.001"}, "pending_below", "PRICE_FILTER", "stopPrice"),
    # the pending orders are checked with the working quantity: 0.0001 * 40000 = 4 USDT
    (
        "new_opoco",
        {"working_quantity": "0.0001", "pending_above_price": "40000"},
        "pending_above",
        "NOTIONAL",
        None,
    ),
]


@pytest.mark.parametrize(("name", "changes", "leg", "filter_type", "field"), BAD)
async def test_an_order_breaking_a_filter_is_named_and_nothing_is_sent(
    validating: SpotClient,
    router: Router,
    transport: MockTransport,
    name: str,
    changes: dict[str, Any],
    leg: str,
    filter_type: str,
    field: str | None,
) -> None:
    rules_served(router)
    with pytest.raises(OrderValidationError, match=f"^{leg} order: {filter_type}: ") as caught:
        await place_changed(validating, name, changes)
    error = caught.value
    assert error.filter_type == filter_type and error.allowed and error.leg == leg
    if field is not None:
        assert error.field == field and error.value == Decimal(next(iter(changes.values())))
    assert calls(transport, "POST") == []


async def test_the_first_bad_order_of_the_list_is_reported(
    validating: SpotClient, router: Router, transport: MockTransport
) -> None:
    rules_served(router)
    bad = {**SELL_OCO, "above_price": "66000.001", "below_price": "63900.001"}
    with pytest.raises(OrderValidationError, match=r"^above order: "):
        await validating.new_oco("BTCUSDT", "SELL", "0.01", **bad)
    with pytest.raises(OrderValidationError, match=r"^below order: ") as caught:
        await validating.new_oco("BTCUSDT", "SELL", "0.01", **{**bad, "above_price": "66000"})
    assert (caught.value.field, caught.value.value) == ("price", Decimal("63900.001"))
    assert calls(transport, "POST") == []


async def test_an_order_type_the_symbol_does_not_allow_names_the_order(
    validating: SpotClient, router: Router, transport: MockTransport
) -> None:
    info = _exchange_info()  # LIMIT, MARKET and LIMIT_MAKER only
    router.get(EXCHANGE_INFO, json=info)
    with pytest.raises(OrderValidationError, match=r"^below order: ORDER_TYPE: ") as caught:
        await validating.new_oco("BTCUSDT", "SELL", "0.01", **SELL_OCO)
    assert caught.value.value == "STOP_LOSS_LIMIT"
    assert calls(transport, "POST") == []


# -- valid lists are sent unchanged --------------------------------------------------------------------------

IGNORED = re.compile(r".*ClientOrderId$|timestamp|signature")


def _fields(transport: MockTransport, path: str) -> list[list[tuple[str, str]]]:
    """The fields of every POST to `path`, without the generated ids, timestamp and signature."""
    return [
        [(k, v) for k, v in fields if not IGNORED.fullmatch(k)] for fields in sent(transport, "POST", path)
    ]


@pytest.mark.parametrize(("name", "args", "kwargs"), [call[:3] for call in CALLS])
async def test_a_valid_list_is_sent_as_it_would_be_without_validation(
    validating: SpotClient,
    router: Router,
    transport: MockTransport,
    name: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    rules_served(router)
    await place(validating, name, args, kwargs)  # validate=None: the client's validate_orders
    await place(validating, name, args, {**kwargs, "validate": True})
    await place(validating, name, args, {**kwargs, "validate": False})
    with_check, explicit, without = _fields(transport, E.ENDPOINTS[name].path)
    assert with_check == explicit == without
    assert len(calls(transport, "GET", "/api/v3/exchangeInfo")) == 1  # one lookup, then cached


# -- validate=None follows validate_orders -------------------------------------------------------------------

BAD_OCO = {**SELL_OCO, "above_price": "66000.005"}


async def test_validate_none_follows_the_client_default(
    client: SpotClient, validating: SpotClient, router: Router, transport: MockTransport
) -> None:
    rules_served(router)
    with pytest.raises(OrderValidationError):
        await validating.new_oco("BTCUSDT", "SELL", "0.01", **BAD_OCO)
    with pytest.raises(OrderValidationError):
        await validating.new_otoco("BTCUSDT", **{**OTOCO, "working_price": "60000.001"})
    assert calls(transport, "POST") == []
    await validating.new_oco("BTCUSDT", "SELL", "0.01", validate=False, **BAD_OCO)  # turned off for one call
    await client.new_oco("BTCUSDT", "SELL", "0.01", **BAD_OCO)  # validate_orders defaults to False
    assert len(calls(transport, "POST")) == 2
    assert len(calls(transport, "GET", "/api/v3/exchangeInfo")) == 1  # the default client never looked
    with pytest.raises(OrderValidationError, match=r"^above order: "):
        await client.new_oco("BTCUSDT", "SELL", "0.01", validate=True, **BAD_OCO)
    assert len(calls(transport, "POST")) == 2


# -- the reference price -------------------------------------------------------------------------------------


async def test_avg_price_is_fetched_once_and_only_when_an_order_needs_it(
    validating: SpotClient, router: Router, transport: MockTransport
) -> None:
    rules_served(router)
    await validating.new_oco("BTCUSDT", "SELL", "0.01", **SELL_OCO)  # LIMIT_MAKER and STOP_LOSS_LIMIT: priced
    await validating.new_oto("BTCUSDT", **OTO)  # LIMIT and LIMIT_MAKER
    assert calls(transport, "GET", "/api/v3/avgPrice") == []
    await validating.new_otoco("BTCUSDT", **OTOCO)  # the pending STOP_LOSS is a market order
    assert len(calls(transport, "GET", "/api/v3/avgPrice")) == 1
    await validating.new_oco(  # two market orders, one avgPrice
        "BTCUSDT",
        "BUY",
        "0.01",
        above_type="STOP_LOSS",
        above_stop_price="66000",
        below_type="TAKE_PROFIT",
        below_stop_price="64000",
    )
    assert len(calls(transport, "GET", "/api/v3/avgPrice")) == 2
    assert len(calls(transport, "POST")) == 4


async def test_a_market_order_of_a_list_is_priced_at_the_average_price(
    validating: SpotClient, router: Router, transport: MockTransport
) -> None:
    rules_served(router, avg_price="40000.00")
    buy_oco: dict[str, Any] = {
        "above_type": "STOP_LOSS",
        "above_stop_price": "66000",
        "below_type": "LIMIT_MAKER",
        "below_price": "64000",
    }
    with pytest.raises(OrderValidationError, match=r"^above order: NOTIONAL: .*refPrice 40000") as caught:
        await validating.new_oco("BTCUSDT", "BUY", "0.0001", **buy_oco)  # 0.0001 * 40000 = 4 USDT
    assert caught.value.filter_type == "NOTIONAL"
    assert calls(transport, "POST") == []
    await validating.new_oco("BTCUSDT", "BUY", "0.00013", **buy_oco)  # 5.2 USDT
    assert len(calls(transport, "POST")) == 1
