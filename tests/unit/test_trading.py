"""SpotClient order methods: wire params, client order ids, local refusals, unknown outcomes."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from binance_async import (
    CancelReplaceError,
    ExecutionStatusUnknown,
    ExecutionStatusUnknownError,
    InvalidRequestError,
    OrderValidationError,
    ParameterError,
    RequestTimeoutError,
    SendStatusUnknownError,
    SpotClient,
)
from binance_async.spot.models import (
    CanceledOrder,
    Order,
    OrderAck,
    OrderFull,
    OrderListStatus,
    OrderResult,
)
from binance_async.testing import MockTransport, Router
from tests.reference import example
from tests.unit.helpers import CLIENT_ID, KEY, SECRET, calls, iter_strings, query, sent

# Signed calls sync the clock first: GET /api/v3/time is answered in every test (tests/unit/conftest.py).
pytestmark = pytest.mark.usefixtures("router_with_time")

ORDER = "/api/v3/order"
ORDER_TEST = "/api/v3/order/test"
CANCEL_REPLACE = "/api/v3/order/cancelReplace"
OPEN_ORDERS = "/api/v3/openOrders"
EXCHANGE_INFO = "/api/v3/exchangeInfo"
AVG_PRICE = "/api/v3/avgPrice"


# -- new orders ---------------------------------------------------------------------------------------


async def test_new_order_sends_params_in_order_with_a_generated_client_id(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.post(ORDER, json=example("POST_api_v3_order__FULL.json"))
    order = await client.new_order(
        "BTCUSDT", "BUY", "LIMIT", time_in_force="GTC", quantity=Decimal("0.00100"), price=Decimal("1E+4")
    )
    assert isinstance(order, OrderFull)
    assert order.fills[0].trade_id == 56
    fields = sent(transport)[0]
    names = [name for name, _ in fields]
    assert names[:8] == [
        "symbol",
        "side",
        "type",
        "timeInForce",
        "quantity",
        "price",
        "newClientOrderId",
        "newOrderRespType",
    ]
    values = dict(fields)
    assert values["price"] == "10000" and values["quantity"] == "0.00100"
    assert values["newOrderRespType"] == "FULL"
    assert CLIENT_ID.fullmatch(values["newClientOrderId"])


async def test_generated_client_ids_are_unique_and_carry_the_prefix(
    router: Router, transport: MockTransport
) -> None:
    router.post(ORDER, json=example("POST_api_v3_order__ACK.json"), times=None)
    async with SpotClient(KEY, SECRET, client_order_id_prefix="bot7-", transport=transport) as client:
        for _ in range(20):
            await client.new_order("BTCUSDT", "SELL", "MARKET", quantity="1", new_order_resp_type="ACK")
    ids = [dict(fields)["newClientOrderId"] for fields in sent(transport)]
    assert len(set(ids)) == 20
    assert all(i.startswith("bot7-") and CLIENT_ID.fullmatch(i) for i in ids)


@pytest.mark.parametrize("prefix", ["has space", "x" * 15, "é"])
def test_bad_client_id_prefixes_are_refused(prefix: str) -> None:
    with pytest.raises(InvalidRequestError):
        SpotClient(KEY, SECRET, client_order_id_prefix=prefix)


@pytest.mark.parametrize(
    ("resp_type", "model", "example_file"),
    [
        ("ACK", OrderAck, "POST_api_v3_order__ACK.json"),
        ("RESULT", OrderResult, "POST_api_v3_order__RESULT.json"),
        ("FULL", OrderFull, "POST_api_v3_order__FULL.json"),
    ],
)
async def test_response_type_chooses_the_struct(
    client: SpotClient,
    router: Router,
    transport: MockTransport,
    resp_type: str,
    model: type,
    example_file: str,
) -> None:
    router.post(ORDER, json=example(example_file))
    new_order: Any = client.new_order  # the response type is chosen at run time here
    order = await new_order("BTCUSDT", "SELL", "MARKET", quantity=10, new_order_resp_type=resp_type)
    assert type(order) is model
    assert isinstance(order, (OrderAck, OrderResult, OrderFull))
    assert order.client_order_id == "6gCrw2kRUAF9CvJDGP16IP"
    assert dict(sent(transport)[0])["newOrderRespType"] == resp_type


async def test_a_given_client_id_is_sent_as_is(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.post(ORDER, json=example("POST_api_v3_order__ACK.json"))
    await client.new_order(
        "BTCUSDT",
        "BUY",
        "MARKET",
        quote_order_qty="10",
        new_client_order_id="my-id_1",
        new_order_resp_type="ACK",
    )
    assert dict(sent(transport)[0])["newClientOrderId"] == "my-id_1"


@pytest.mark.parametrize(
    ("order_type", "options", "message"),
    [
        ("LIMIT", {"quantity": "1", "price": "1"}, "time_in_force"),
        ("LIMIT", {"time_in_force": "GTC", "quantity": "1"}, "price or peg_price_type"),
        ("MARKET", {}, "quantity or quote_order_qty"),
        ("MARKET", {"quantity": "1", "quote_order_qty": "1"}, "not both"),
        ("LIMIT_MAKER", {"quantity": "1", "price": "1", "quote_order_qty": "5"}, "only for MARKET"),
        ("STOP_LOSS", {"quantity": "1"}, "stop_price or trailing_delta"),
        ("TAKE_PROFIT_LIMIT", {"quantity": "1", "price": "1", "time_in_force": "GTC"}, "stop_price"),
        ("MARKET", {"quantity": "-1"}, "greater than zero"),
        ("MARKET", {"quantity": Decimal("0")}, "greater than zero"),
        ("MARKET", {"quantity": float("nan")}, "finite"),
        ("MARKET", {"quantity": "1e-3"}, "number"),
        ("MARKET", {"quantity": "1", "recv_window": 60_001}, "recv_window"),
        ("MARKET", {"quantity": "1", "quantiy": "1"}, "unknown option 'quantiy'"),
        ("MARKET", {"quantity": "1", "new_client_order_id": "x" * 37}, "new_client_order_id"),
        ("MARKET", {"quantity": "1", "new_client_order_id": "a b"}, "new_client_order_id"),
        (
            "LIMIT",
            {"quantity": "1", "peg_price_type": "PRIMARY_PEG", "time_in_force": "GTC", "peg_offset_value": 1},
            "go together",
        ),
        ("ICEBERG", {"quantity": "1"}, "unknown order type"),
        ("MARKET", {"quantity": "1", "strategy_id": "7"}, "option strategy_id must be int, got str"),
        ("MARKET", {"quantity": "1", "strategy_type": 1_000_000.0}, "option strategy_type must be int"),
        ("MARKET", {"quantity": "1", "recv_window": True}, "option recv_window must be int, got bool"),
        ("STOP_LOSS", {"quantity": "1", "trailing_delta": "100"}, "option trailing_delta must be int"),
        ("MARKET", {"quantity": "1", "new_client_order_id": 12345}, "option new_client_order_id must be str"),
    ],
)
async def test_malformed_orders_are_refused_before_sending(
    client: SpotClient,
    router: Router,
    transport: MockTransport,
    order_type: str,
    options: dict[str, Any],
    message: str,
) -> None:
    new_order: Any = client.new_order  # deliberately ill-typed input
    with pytest.raises(InvalidRequestError, match=re.escape(message)):
        await new_order("BTCUSDT", "BUY", order_type, **options)
    assert calls(transport, "POST") == []


async def test_a_per_call_recv_window_replaces_the_default(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.post(ORDER, json=example("POST_api_v3_order__ACK.json"))
    await client.new_order(
        "BTCUSDT", "BUY", "MARKET", quantity="1", recv_window=1500, new_order_resp_type="ACK"
    )
    values = [value for name, value in sent(transport)[0] if name == "recvWindow"]
    assert values == ["1500"]


async def test_test_order_with_commission_rates_weighs_20(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.post(ORDER_TEST, json=example("POST_api_v3_order_test__computeCommissionRates.json"))
    await client._pipeline.sync_clock()
    before = {
        (s.interval, s.interval_num): s.used
        for s in client.limiter.state()
        if s.limit_type == "REQUEST_WEIGHT"
    }
    result = await client.test_new_order(
        "BTCUSDT", "BUY", "MARKET", quantity="1", compute_commission_rates=True
    )
    after = {
        (s.interval, s.interval_num): s.used
        for s in client.limiter.state()
        if s.limit_type == "REQUEST_WEIGHT"
    }
    assert result.discount is not None and result.discount.discount == Decimal("0.25")
    assert before and all(after[k] - before[k] == 20 for k in before), (before, after)
    assert "newClientOrderId" not in dict(sent(transport, path="/api/v3/order/test")[0])


# -- unknown outcomes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (503, {"code": -1001, "msg": "Internal error"}),
        (500, "<html><body><h1>500 Internal Server Error</h1></body></html>"),
        (502, "<html><body>Bad gateway</body></html>"),
        (408, {"code": -1007, "msg": "Timeout waiting for response from backend server."}),
        (400, {"code": -1006, "msg": "An unexpected response was received from the message bus."}),
    ],
)
async def test_unknown_outcome_carries_the_client_id_and_is_never_resent(
    client: SpotClient, router: Router, transport: MockTransport, status: int, body: Any
) -> None:
    if isinstance(body, dict):
        router.post(ORDER, status=status, json=body, times=None)
    else:
        router.post(ORDER, status=status, body=body, times=None)
    with pytest.raises(ExecutionStatusUnknownError) as caught:
        await client.new_order("BTCUSDT", "BUY", "LIMIT", time_in_force="GTC", quantity="1", price="2")
    error = caught.value
    client_id = dict(sent(transport)[0])["newClientOrderId"]
    assert error.client_order_id == client_id
    assert error.request is not None
    assert (error.request.method, error.request.path) == ("POST", "/api/v3/order")
    assert error.request.params["newClientOrderId"] == client_id
    assert error.request.params["price"] == "2"
    assert "signature" not in error.request.params and "timestamp" not in error.request.params
    assert len(calls(transport, "POST")) == 1


async def test_a_timeout_on_an_order_is_unknown_and_not_resent(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.post(ORDER, RequestTimeoutError("no response within 10.0 s"), times=None)
    with pytest.raises(SendStatusUnknownError) as caught:
        await client.new_order("BTCUSDT", "BUY", "MARKET", quantity="1", new_client_order_id="t-1")
    assert isinstance(caught.value, ExecutionStatusUnknown)
    assert caught.value.client_order_id == "t-1"
    assert caught.value.request is not None and caught.value.request.params["quantity"] == "1"
    assert len(calls(transport, "POST")) == 1


async def test_a_5xx_on_a_cancel_carries_the_order_id_and_is_not_resent(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.delete(ORDER, status=503, body="Service Unavailable", times=None)
    with pytest.raises(ExecutionStatusUnknownError) as caught:
        await client.cancel_order("BTCUSDT", orig_client_order_id="abc")
    assert caught.value.client_order_id == "abc"
    assert len(calls(transport, "DELETE")) == 1


async def test_secrets_are_not_in_the_unknown_outcome_error(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.post(ORDER, status=503, json={"code": -1001, "msg": "x"})
    with pytest.raises(ExecutionStatusUnknownError) as caught:
        await client.new_order("BTCUSDT", "BUY", "MARKET", quantity="1")
    signature = dict(sent(transport)[0])["signature"]
    texts = [str(caught.value), repr(caught.value), *iter_strings(vars(caught.value))]
    assert not any(KEY in t or SECRET in t or signature in t for t in texts)


# -- reconcile -------------------------------------------------------------------------------------------


async def test_reconcile_finds_the_order_by_client_id(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.get(ORDER, json=example("GET_api_v3_order.json"))
    order = await client.reconcile_order("LTCBTC", "myOrder1")
    assert isinstance(order, Order) and order.client_order_id == "myOrder1"
    params = query(calls(transport, "GET", "/api/v3/order")[0][1])
    assert params["origClientOrderId"] == "myOrder1" and params["symbol"] == "LTCBTC"


async def test_reconcile_answers_none_when_binance_does_not_know_it(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.get(ORDER, status=400, json={"code": -2013, "msg": "Order does not exist."}, times=None)
    assert await client.reconcile_order("BTCUSDT", "gone", attempts=3, interval=0.001) is None
    assert len(calls(transport, "GET", "/api/v3/order")) == 3


async def test_reconcile_looks_again_until_the_order_appears(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.get(ORDER, status=400, json={"code": -2013, "msg": "Order does not exist."})
    router.get(ORDER, json=example("GET_api_v3_order.json"))
    order = await client.reconcile_order("LTCBTC", "myOrder1", attempts=3, interval=0.001)
    assert order is not None and order.order_id == 1
    assert len(calls(transport, "GET", "/api/v3/order")) == 2


# -- cancel, cancel-all, cancel-replace, amend ----------------------------------------------------------


async def test_cancel_needs_an_order_id_or_client_id(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    with pytest.raises(InvalidRequestError, match="order_id or orig_client_order_id"):
        await client.cancel_order("BTCUSDT")
    assert calls(transport, "DELETE") == []


async def test_cancel_open_orders_tells_orders_and_lists_apart(client: SpotClient, router: Router) -> None:
    router.delete(OPEN_ORDERS, json=example("DELETE_api_v3_openOrders.json"))
    canceled = await client.cancel_open_orders("BTCUSDT")
    kinds = [type(entry) for entry in canceled]
    assert kinds == [CanceledOrder, CanceledOrder, OrderListStatus]
    first = canceled[0]
    assert isinstance(first, CanceledOrder) and first.orig_client_order_id == "E6APeyTJvkMvLMYMqu1KQ4"
    assert first.price == Decimal("0.089853")
    last = canceled[2]
    assert isinstance(last, OrderListStatus) and [o.order_id for o in last.orders] == [20, 21]


async def test_cancel_replace_success_and_partial_failure(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.post(CANCEL_REPLACE, json=example("POST_api_v3_order_cancelReplace__success.json"))
    partial = example("POST_api_v3_order_cancelReplace__cancel_failed_new_ok_ALLOW_FAILURE.json")
    router.post(CANCEL_REPLACE, status=409, json=partial)
    ok = await client.cancel_replace_order(
        "BTCUSDT",
        "BUY",
        "LIMIT",
        "STOP_ON_FAILURE",
        cancel_order_id=9,
        time_in_force="GTC",
        quantity="1",
        price="2",
    )
    assert ok.cancel_response.status == "CANCELED" and ok.new_order_response.order_id == 10
    with pytest.raises(CancelReplaceError) as caught:
        await client.cancel_replace_order(
            "BTCUSDT",
            "BUY",
            "LIMIT",
            "ALLOW_FAILURE",
            cancel_order_id=9,
            time_in_force="GTC",
            quantity="1",
            price="2",
        )
    error = caught.value
    assert error.code == -2021 and error.status == 409
    assert error.new_order_placed and not error.canceled
    assert (
        error.client_order_id
        == dict(sent(transport, path="/api/v3/order/cancelReplace")[1])["newClientOrderId"]
    )
    assert error.data["newOrderResponse"]["orderId"] == 11


async def test_cancel_replace_needs_the_order_to_cancel(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    with pytest.raises(InvalidRequestError, match="cancel_order_id or cancel_orig_client_order_id"):
        await client.cancel_replace_order("BTCUSDT", "BUY", "MARKET", "STOP_ON_FAILURE", quantity="1")
    assert calls(transport, "POST") == []


async def test_amend_generates_the_new_client_id(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.put(
        "/api/v3/order/amend/keepPriority",
        json=example("PUT_api_v3_order_amend_keepPriority__single_order.json"),
    )
    amended = await client.amend_order_keep_priority("BTCUSDT", "5", order_id=33)
    assert amended.amended_order.qty == Decimal(5)
    fields = dict(sent(transport, "PUT")[0])
    assert fields["newQty"] == "5" and CLIENT_ID.fullmatch(fields["newClientOrderId"])
    with pytest.raises(ParameterError):
        await client.amend_order_keep_priority("BTCUSDT", "-5", order_id=33)


# -- validation against the symbol's filters --------------------------------------------------------------


def _exchange_info() -> dict[str, Any]:
    filters = [
        {"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1000000", "tickSize": "0.01"},
        {"filterType": "LOT_SIZE", "minQty": "0.00001", "maxQty": "9000", "stepSize": "0.00001"},
        {
            "filterType": "NOTIONAL",
            "minNotional": "5",
            "applyMinToMarket": True,
            "maxNotional": "9000000",
            "applyMaxToMarket": False,
            "avgPriceMins": 5,
        },
    ]
    return {
        "timezone": "UTC",
        "serverTime": 1,
        "rateLimits": [],
        "exchangeFilters": [],
        "symbols": [
            {
                "symbol": "BTCUSDT",
                "status": "TRADING",
                "baseAsset": "BTC",
                "quoteAsset": "USDT",
                "baseAssetPrecision": 8,
                "quoteAssetPrecision": 8,
                "orderTypes": ["LIMIT", "MARKET", "LIMIT_MAKER"],
                "filters": filters,
            }
        ],
    }


async def test_validate_refuses_an_invalid_order_without_sending_it(
    router: Router, transport: MockTransport
) -> None:
    router.get(EXCHANGE_INFO, json=_exchange_info())
    router.post(ORDER, json=example("POST_api_v3_order__FULL.json"), times=None)
    async with SpotClient(KEY, SECRET, validate_orders=True, transport=transport) as client:
        with pytest.raises(OrderValidationError) as caught:
            await client.new_order(
                "BTCUSDT", "BUY", "LIMIT", time_in_force="GTC", quantity="0.000015", price="100"
            )
        assert caught.value.filter_type == "LOT_SIZE" and caught.value.field == "quantity"
        with pytest.raises(OrderValidationError) as caught:
            await client.new_order(
                "BTCUSDT", "BUY", "LIMIT", time_in_force="GTC", quantity="0.01", price="100.001"
            )
        assert caught.value.filter_type == "PRICE_FILTER"
        assert calls(transport, "POST") == []
        await client.new_order("BTCUSDT", "BUY", "LIMIT", time_in_force="GTC", quantity="0.01", price="1000")
        # validate=False on the call skips the check
        await client.new_order(
            "BTCUSDT", "BUY", "LIMIT", time_in_force="GTC", quantity="0.000015", price="1", validate=False
        )
    assert len(calls(transport, "POST")) == 2
    assert len(calls(transport, "GET", "/api/v3/exchangeInfo")) == 1  # the rules are cached


async def test_validate_fetches_the_average_price_for_a_market_notional(
    router: Router, transport: MockTransport
) -> None:
    router.get(EXCHANGE_INFO, json=_exchange_info())
    router.get(AVG_PRICE, json={"mins": 5, "price": "100.00", "closeTime": 1}, times=None)
    router.post(ORDER, json=example("POST_api_v3_order__FULL.json"), times=None)
    async with SpotClient(KEY, SECRET, transport=transport) as client:
        with pytest.raises(OrderValidationError) as caught:
            await client.new_order("BTCUSDT", "SELL", "MARKET", quantity="0.01", validate=True)  # 1 USDT
        assert caught.value.filter_type == "NOTIONAL"
        await client.new_order("BTCUSDT", "SELL", "MARKET", quantity="0.1", validate=True)  # 10 USDT
        await client.new_order(
            "BTCUSDT", "SELL", "LIMIT", time_in_force="GTC", quantity="1", price="9", validate=True
        )
    assert len(calls(transport, "GET", "/api/v3/avgPrice")) == 2  # not for the LIMIT order
    assert len(calls(transport, "POST")) == 2


async def test_a_bool_option_must_be_a_bool(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    test_new_order: Any = client.test_new_order  # deliberately ill-typed input
    with pytest.raises(ParameterError, match="option compute_commission_rates must be bool, got str"):
        await test_new_order("BTCUSDT", "BUY", "MARKET", quantity="1", compute_commission_rates="false")
    assert calls(transport, "POST") == []
