"""SpotClient order-list methods: wire params, client ids, local refusals, decoding.

Their rows of the endpoint table are checked with all the others in test_endpoint_table.py.
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from binance_async import (
    CancelRejectedError,
    ExecutionStatusUnknownError,
    InvalidRequestError,
    NoSuchOrderError,
    SpotClient,
)
from binance_async.spot import endpoints as E
from binance_async.spot.models import (
    CanceledOrderList,
    ListOrderFull,
    ListOrderResult,
    OrderAck,
    OrderListAck,
    OrderListFull,
    OrderListResult,
    OrderListStatus,
)
from binance_async.spot.params.trading import camel
from binance_async.testing import MockTransport, Router
from tests.reference import example_bytes
from tests.unit.helpers import CLIENT_ID, KEY, SECRET, calls, sent

# Signed calls sync the clock first: GET /api/v3/time is answered in every test (tests/unit/conftest.py).
pytestmark = pytest.mark.usefixtures("router_with_time")

# One valid call of each placing method: positional arguments, options, the example it answers with,
# and the client-id parameters it must send.
SELL_OCO: dict[str, Any] = {
    "above_type": "LIMIT_MAKER",
    "above_price": "66000",
    "below_type": "STOP_LOSS_LIMIT",
    "below_stop_price": "64000",
    "below_price": "63900",
    "below_time_in_force": "GTC",
}
WORKING_BUY: dict[str, Any] = {
    "working_type": "LIMIT",
    "working_side": "BUY",
    "working_price": "60000",
    "working_quantity": "0.01",
    "working_time_in_force": "GTC",
}
PENDING_PAIR: dict[str, Any] = {
    "pending_side": "SELL",
    "pending_above_type": "LIMIT_MAKER",
    "pending_above_price": "70000",
    "pending_below_type": "STOP_LOSS",
    "pending_below_stop_price": "55000",
}
CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any], str, tuple[str, ...]]] = [
    (
        "new_oco_legacy",
        ("BTCUSDT", "SELL", "0.01"),
        {"price": "66000", "stop_price": "64000"},
        "POST_api_v3_order_oco",
        ("listClientOrderId", "limitClientOrderId", "stopClientOrderId"),
    ),
    (
        "new_oco",
        ("BTCUSDT", "SELL", "0.01"),
        SELL_OCO,
        "POST_api_v3_orderList_oco",
        ("listClientOrderId", "aboveClientOrderId", "belowClientOrderId"),
    ),
    (
        "new_oto",
        ("BTCUSDT",),
        {**WORKING_BUY, "pending_type": "MARKET", "pending_side": "SELL", "pending_quantity": "0.01"},
        "POST_api_v3_orderList_oto",
        ("listClientOrderId", "workingClientOrderId", "pendingClientOrderId"),
    ),
    (
        "new_otoco",
        ("BTCUSDT",),
        {**WORKING_BUY, **PENDING_PAIR, "pending_quantity": "0.01"},
        "POST_api_v3_orderList_otoco",
        (
            "listClientOrderId",
            "workingClientOrderId",
            "pendingAboveClientOrderId",
            "pendingBelowClientOrderId",
        ),
    ),
    (
        "new_opo",
        ("BTCUSDT",),
        {**WORKING_BUY, "pending_type": "MARKET", "pending_side": "SELL"},
        "POST_api_v3_orderList_opo",
        ("listClientOrderId", "workingClientOrderId", "pendingClientOrderId"),
    ),
    (
        "new_opoco",
        ("BTCUSDT",),
        {**WORKING_BUY, **PENDING_PAIR},
        "POST_api_v3_orderList_opoco",
        (
            "listClientOrderId",
            "workingClientOrderId",
            "pendingAboveClientOrderId",
            "pendingBelowClientOrderId",
        ),
    ),
]


async def place(client: SpotClient, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    method = getattr(client, name)
    if name == "new_oco_legacy":
        with pytest.warns(DeprecationWarning, match="new_oco"):
            return await method(*args, **kwargs)
    return await method(*args, **kwargs)


# -- wire params and client ids ------------------------------------------------------------------------------


async def test_oco_sends_params_in_order_with_generated_ids(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.post("/api/v3/orderList/oco", body=example_bytes("POST_api_v3_orderList_oco"))
    result = await client.new_oco("BTCUSDT", "SELL", Decimal("1E-2"), recv_window=7000, **SELL_OCO)
    assert isinstance(result, OrderListFull)
    (fields,) = sent(transport, "POST", "/api/v3/orderList/oco")
    assert [name for name, _ in fields] == [
        "symbol",
        "side",
        "quantity",
        "recvWindow",
        "aboveType",
        "abovePrice",
        "belowType",
        "belowStopPrice",
        "belowPrice",
        "belowTimeInForce",
        "listClientOrderId",
        "aboveClientOrderId",
        "belowClientOrderId",
        "newOrderRespType",
        "timestamp",
        "signature",
    ]
    values = dict(fields)
    assert values["quantity"] == "0.01" and values["recvWindow"] == "7000"
    assert values["newOrderRespType"] == "FULL"
    ids = [values["listClientOrderId"], values["aboveClientOrderId"], values["belowClientOrderId"]]
    assert all(CLIENT_ID.fullmatch(i) for i in ids) and len(set(ids)) == 3


@pytest.mark.parametrize(("name", "args", "kwargs", "example", "id_params"), CALLS)
async def test_every_placing_method_sends_a_client_id_for_the_list_and_each_order(
    client: SpotClient,
    router: Router,
    transport: MockTransport,
    name: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    example: str,
    id_params: tuple[str, ...],
) -> None:
    path = E.ENDPOINTS[name].path
    router.post(path, body=example_bytes(example))
    result = await place(client, name, args, kwargs)
    assert isinstance(result, OrderListFull)
    (fields,) = sent(transport, "POST", path)
    values = dict(fields)
    assert len(values) == len(fields)  # no parameter twice
    ids = [values[p] for p in id_params]
    assert all(CLIENT_ID.fullmatch(i) for i in ids) and len(set(ids)) == len(ids)
    assert not {k for k in values if k.endswith("ClientOrderId")} - set(id_params)
    assert values["newOrderRespType"] == "FULL"
    for option, value in kwargs.items():
        assert values[camel(option)] == value


async def test_given_ids_are_sent_as_is_and_only_missing_ones_generated(
    router: Router, transport: MockTransport
) -> None:
    router.post("/api/v3/orderList/otoco", body=example_bytes("POST_api_v3_orderList_otoco"))
    async with SpotClient(KEY, SECRET, client_order_id_prefix="bot7-", transport=transport) as client:
        await client.new_otoco(
            "BTCUSDT",
            list_client_order_id="my-list",
            pending_above_client_order_id="tp_1",
            pending_quantity="0.01",
            **{**WORKING_BUY, **PENDING_PAIR},
        )
    names = [name for name, _ in sent(transport, "POST", "/api/v3/orderList/otoco")[0]]
    values = dict(sent(transport, "POST", "/api/v3/orderList/otoco")[0])
    assert values["listClientOrderId"] == "my-list" and values["pendingAboveClientOrderId"] == "tp_1"
    assert names.index("listClientOrderId") < names.index("workingType")  # kept where it was given
    for generated in ("workingClientOrderId", "pendingBelowClientOrderId"):
        assert values[generated].startswith("bot7-") and CLIENT_ID.fullmatch(values[generated])


async def test_otoco_without_a_below_order_sends_no_below_id(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.post("/api/v3/orderList/otoco", body=example_bytes("POST_api_v3_orderList_otoco"))
    pair = {k: v for k, v in PENDING_PAIR.items() if not k.startswith("pending_below")}
    await client.new_otoco("BTCUSDT", pending_quantity="0.01", **WORKING_BUY, **pair)
    values = dict(sent(transport, "POST", "/api/v3/orderList/otoco")[0])
    assert "pendingBelowClientOrderId" not in values and "pendingBelowType" not in values
    assert CLIENT_ID.fullmatch(values["pendingAboveClientOrderId"])


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"list_client_order_id": "has space"}, "list_client_order_id"),
        ({"above_client_order_id": "x" * 37}, "above_client_order_id"),
    ],
)
async def test_bad_given_ids_are_refused(
    client: SpotClient, router: Router, transport: MockTransport, given: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        await client.new_oco("BTCUSDT", "SELL", "0.01", **{**SELL_OCO, **given})
    assert calls(transport, "POST") == []


async def test_unknown_outcome_carries_the_list_id_and_is_never_resent(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.post("/api/v3/orderList/oto", status=503, body="Service Unavailable", times=None)
    with pytest.raises(ExecutionStatusUnknownError) as caught:
        await client.new_oto(
            "BTCUSDT", pending_type="MARKET", pending_side="SELL", pending_quantity="0.01", **WORKING_BUY
        )
    values = dict(sent(transport, "POST", "/api/v3/orderList/oto")[0])
    assert caught.value.client_order_id == values["listClientOrderId"]
    assert caught.value.request is not None
    assert caught.value.request.params["workingClientOrderId"] == values["workingClientOrderId"]
    assert len(calls(transport, "POST")) == 1


# -- responses -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "args", "kwargs", "example", "id_params"), CALLS)
async def test_official_examples_decode_into_the_full_struct(
    client: SpotClient,
    router: Router,
    name: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    example: str,
    id_params: tuple[str, ...],
) -> None:
    body = example_bytes(example)
    raw = json.loads(body)
    router.post(E.ENDPOINTS[name].path, body=body)
    result = await place(client, name, args, kwargs)
    assert isinstance(result, OrderListFull)
    assert result.order_list_id == raw["orderListId"] and result.contingency_type == raw["contingencyType"]
    assert [o.order_id for o in result.orders] == [o["orderId"] for o in raw["orders"]]
    assert len(result.order_reports) == len(raw["orderReports"])
    for report, expected in zip(result.order_reports, raw["orderReports"], strict=True):
        assert isinstance(report, ListOrderFull) and report.fills == ()
        assert report.client_order_id == expected["clientOrderId"] and report.status == expected["status"]
        assert report.price == Decimal(expected["price"])
        assert report.orig_qty == (Decimal(expected["origQty"]) if "origQty" in expected else None)
        assert report.stop_price == (Decimal(expected["stopPrice"]) if "stopPrice" in expected else None)


async def test_opo_pending_report_has_no_quantity_yet(client: SpotClient, router: Router) -> None:
    router.post("/api/v3/orderList/opo", body=example_bytes("POST_api_v3_orderList_opo"))
    result = await client.new_opo(
        "BTCUSDT", new_order_resp_type="RESULT", pending_type="MARKET", pending_side="SELL", **WORKING_BUY
    )
    assert isinstance(result, OrderListResult)
    working, pending = result.order_reports
    assert isinstance(pending, ListOrderResult)
    assert working.orig_qty == Decimal("0.0006") and pending.orig_qty is None
    assert pending.status == "PENDING_NEW" and pending.working_time == -1


def _ack_body() -> bytes:
    raw = json.loads(example_bytes("POST_api_v3_orderList_oco"))
    keys = ("symbol", "orderId", "orderListId", "clientOrderId", "transactTime")
    raw["orderReports"] = [{k: r[k] for k in keys} for r in raw["orderReports"]]
    return json.dumps(raw).encode()


@pytest.mark.parametrize(
    ("resp_type", "struct", "report"),
    [
        ("ACK", OrderListAck, OrderAck),
        ("RESULT", OrderListResult, ListOrderResult),
        ("FULL", OrderListFull, ListOrderFull),
    ],
)
async def test_response_type_is_sent_and_chooses_the_struct(
    client: SpotClient, router: Router, transport: MockTransport, resp_type: str, struct: type, report: type
) -> None:
    body = _ack_body() if resp_type == "ACK" else example_bytes("POST_api_v3_orderList_oco")
    router.post("/api/v3/orderList/oco", body=body)
    result: Any = await client.new_oco(
        "BTCUSDT",
        "SELL",
        "0.01",
        new_order_resp_type=resp_type,  # type: ignore[call-overload]
        **SELL_OCO,
    )
    reports = result.order_reports
    assert type(result) is struct and len(reports) == 2
    assert all(type(r) is report for r in reports)
    assert dict(sent(transport, "POST", "/api/v3/orderList/oco")[0])["newOrderRespType"] == resp_type


async def test_ack_without_order_reports_decodes(client: SpotClient, router: Router) -> None:
    raw = json.loads(example_bytes("POST_api_v3_orderList_oco"))
    del raw["orderReports"]
    router.post("/api/v3/orderList/oco", json=raw)
    result = await client.new_oco("BTCUSDT", "SELL", "0.01", new_order_resp_type="ACK", **SELL_OCO)
    assert isinstance(result, OrderListAck) and result.order_reports == () and len(result.orders) == 2


# -- cancel and queries --------------------------------------------------------------------------------------


async def test_cancel_order_list_sends_its_params_and_decodes_the_example(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.delete("/api/v3/orderList", body=example_bytes("DELETE_api_v3_orderList"))
    canceled = await client.cancel_order_list("LTCBTC", order_list_id=0, new_client_order_id="undo-1")
    assert isinstance(canceled, CanceledOrderList) and canceled.list_order_status == "ALL_DONE"
    assert [r.status for r in canceled.order_reports] == ["CANCELED", "CANCELED"]
    assert [r.orig_client_order_id for r in canceled.order_reports] == [
        o.client_order_id for o in canceled.orders
    ]
    assert canceled.order_reports[0].orig_qty == Decimal(10)
    fields = sent(transport, "DELETE", "/api/v3/orderList")[0]
    assert [name for name, _ in fields][:3] == ["symbol", "orderListId", "newClientOrderId"]
    assert dict(fields)["orderListId"] == "0" and "listClientOrderId" not in dict(fields)


async def test_a_rejected_cancel_carries_the_list_client_id(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.delete("/api/v3/orderList", status=400, json={"code": -2011, "msg": "Unknown order list sent."})
    with pytest.raises(CancelRejectedError) as caught:
        await client.cancel_order_list("BTCUSDT", list_client_order_id="my-list")
    assert caught.value.client_order_id == "my-list"
    assert dict(sent(transport, "DELETE", "/api/v3/orderList")[0])["listClientOrderId"] == "my-list"


async def test_get_order_list_by_client_id(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.get("/api/v3/orderList", body=example_bytes("GET_api_v3_orderList"))
    found = await client.get_order_list(orig_client_order_id="h2USkA5YQpaXHPIrkd96xE")
    assert type(found) is OrderListStatus and found.order_list_id == 27 and len(found.orders) == 2
    params = dict(sent(transport, "GET", "/api/v3/orderList")[0])
    assert params["origClientOrderId"] == "h2USkA5YQpaXHPIrkd96xE" and "orderListId" not in params


async def test_an_unknown_list_raises_no_such_order(client: SpotClient, router: Router) -> None:
    router.get("/api/v3/orderList", status=400, json={"code": -2013, "msg": "Order list does not exist."})
    with pytest.raises(NoSuchOrderError):
        await client.get_order_list(order_list_id=99)


async def test_all_order_lists_sends_the_window_in_ms(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.get("/api/v3/allOrderList", body=example_bytes("GET_api_v3_allOrderList"))
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    lists = await client.all_order_lists(start_time=start, end_time=start + timedelta(hours=24), limit=1000)
    assert [lst.order_list_id for lst in lists] == [29, 28]
    assert all(type(lst) is OrderListStatus for lst in lists)
    params = dict(sent(transport, "GET", "/api/v3/allOrderList")[0])
    assert (params["startTime"], params["endTime"], params["limit"]) == (
        "1704067200000",
        "1704153600000",
        "1000",
    )


async def test_open_order_lists_decodes_the_example(
    client: SpotClient, router: Router, transport: MockTransport
) -> None:
    router.get("/api/v3/openOrderList", body=example_bytes("GET_api_v3_openOrderList"))
    lists = await client.open_order_lists(recv_window=3000)
    assert [(lst.order_list_id, lst.list_status_type) for lst in lists] == [(31, "EXEC_STARTED")]
    assert dict(sent(transport, "GET", "/api/v3/openOrderList")[0])["recvWindow"] == "3000"


# -- refused before sending ----------------------------------------------------------------------------------

OCO_ARGS = ("BTCUSDT", "SELL", "0.01")
OTO_PENDING = {
    "pending_type": "LIMIT_MAKER",
    "pending_side": "SELL",
    "pending_price": "70000",
    "pending_quantity": "0.01",
}
OPO_PENDING = {"pending_type": "LIMIT_MAKER", "pending_side": "SELL", "pending_price": "70000"}


@pytest.mark.parametrize(
    ("name", "args", "kwargs", "message"),
    [
        # missing or unknown options
        ("new_oco", OCO_ARGS, {k: v for k, v in SELL_OCO.items() if k != "below_type"}, "needs below_type"),
        ("new_oto", ("BTCUSDT",), {**WORKING_BUY, **OPO_PENDING}, "needs pending_quantity"),
        ("new_opo", ("BTCUSDT",), {**WORKING_BUY, **OTO_PENDING}, "unknown option 'pending_quantity'"),
        ("new_oco", OCO_ARGS, {**SELL_OCO, "price": "1"}, "unknown option 'price'"),
        # an OCO's types and each order's shape
        ("new_oco", ("BTCUSDT", "HOLD", "0.01"), SELL_OCO, "side must be BUY or SELL"),
        (
            "new_oco",
            OCO_ARGS,
            {**SELL_OCO, "above_type": "STOP_LOSS", "above_stop_price": "66000"},
            "above order is LIMIT_MAKER or TAKE_PROFIT or TAKE_PROFIT_LIMIT",
        ),
        ("new_oco", ("BTCUSDT", "BUY", "0.01"), SELL_OCO, "in a BUY OCO the above order is STOP_LOSS"),
        (
            "new_oco",
            OCO_ARGS,
            {k: v for k, v in SELL_OCO.items() if k != "below_time_in_force"},
            "needs below_time_in_force",
        ),
        ("new_oco", OCO_ARGS, {**SELL_OCO, "above_price": None}, "needs above_price or above_peg_price_type"),
        ("new_oco", ("BTCUSDT", "SELL", "0"), SELL_OCO, "quantity must be"),
        ("new_oco", OCO_ARGS, {**SELL_OCO, "below_price": "-1"}, "belowPrice must be"),
        ("new_oco", OCO_ARGS, {**SELL_OCO, "above_peg_offset_value": 1}, "go together"),
        # the working and pending orders
        (
            "new_oto",
            ("BTCUSDT",),
            {**WORKING_BUY, **OTO_PENDING, "working_type": "MARKET"},
            "LIMIT or LIMIT_MAKER",
        ),
        (
            "new_oto",
            ("BTCUSDT",),
            {**{k: v for k, v in WORKING_BUY.items() if k != "working_time_in_force"}, **OTO_PENDING},
            "needs working_time_in_force",
        ),
        (
            "new_oto",
            ("BTCUSDT",),
            {**WORKING_BUY, **OTO_PENDING, "pending_quantity": "-0.01"},
            "greater than zero",
        ),
        (
            "new_oto",
            ("BTCUSDT",),
            {**WORKING_BUY, **OTO_PENDING, "pending_type": "STOP_LOSS"},
            "needs pending_stop_price or pending_trailing_delta",
        ),
        (
            "new_otoco",
            ("BTCUSDT",),
            {**WORKING_BUY, **PENDING_PAIR, "pending_quantity": "0.01", "pending_below_type": "TAKE_PROFIT"},
            "pending_below order is STOP_LOSS or STOP_LOSS_LIMIT",
        ),
        (
            "new_otoco",
            ("BTCUSDT",),
            {**WORKING_BUY, **PENDING_PAIR, "pending_quantity": "0.01", "pending_below_stop_price": None},
            "needs pending_below_stop_price or pending_below_trailing_delta",
        ),
        # OPO sides
        (
            "new_opo",
            ("BTCUSDT",),
            {**WORKING_BUY, **OPO_PENDING, "working_side": "SELL"},
            "working order is a BUY",
        ),
        (
            "new_opoco",
            ("BTCUSDT",),
            {**WORKING_BUY, **PENDING_PAIR, "pending_side": "BUY"},
            "working order is a BUY",
        ),
        # the deprecated OCO
        (
            "new_oco_legacy",
            OCO_ARGS,
            {"price": "66000", "stop_price": "64000", "stop_limit_price": "63900"},
            "go together",
        ),
        ("new_oco_legacy", OCO_ARGS, {"price": "64000", "stop_price": "66000"}, "must be above stop_price"),
        ("new_oco_legacy", ("BTCUSDT", "BUY", "0.01"), {"price": "66000", "stop_price": "66000"}, "below"),
        ("new_oco_legacy", OCO_ARGS, {"price": "66000", "stop_price": "0"}, "stopPrice must be"),
        # cancel and queries
        ("cancel_order_list", ("BTCUSDT",), {}, "order_list_id or list_client_order_id"),
        ("get_order_list", (), {}, "order_list_id or orig_client_order_id"),
        ("get_order_list", (), {"order_list_id": 1, "recv_window": 60001}, "recv_window"),
        ("all_order_lists", (), {"limit": 0}, "between 1 and 1000"),
        ("all_order_lists", (), {"limit": 1001}, "between 1 and 1000"),
        ("all_order_lists", (), {"start_time": 2_000, "end_time": 1_000}, "after end_time"),
        ("all_order_lists", (), {"start_time": 0, "end_time": 86_400_001}, "24 hours"),
        ("all_order_lists", (), {"from_id": 3, "end_time": 1_000}, "not both"),
    ],
)
async def test_bad_input_is_refused_before_sending(
    client: SpotClient,
    router: Router,
    transport: MockTransport,
    name: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    message: str,
) -> None:
    legacy = name == "new_oco_legacy"
    warns = pytest.warns(DeprecationWarning, match="new_oco") if legacy else contextlib.nullcontext()
    with warns, pytest.raises(InvalidRequestError, match=re.escape(message)):
        await getattr(client, name)(*args, **kwargs)
    assert calls(transport) == []  # not even the clock was synced
