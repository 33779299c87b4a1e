"""The user data stream events and `decode_user_event` (binance_async.ws_api.user_events)."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any, get_args

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binance_async.ws_api.user_events import (
    AccountBalance,
    BalanceUpdate,
    EventStreamTerminated,
    ExecutionReport,
    ExternalLockUpdate,
    ListStatus,
    ListStatusOrder,
    OutboundAccountPosition,
    UserEvent,
    UserRawEvent,
    decode_user_event,
)

# The ``event`` objects of the example payloads of Binance's "User Data Streams for Binance"
# (user-data-stream.md in github.com/binance/binance-spot-api-docs, as of July 2026), comments removed;
# MARKET_FILL is the second example of faqs/market_orders_faq.md there.
OUTBOUND_ACCOUNT_POSITION = {
    "e": "outboundAccountPosition", "E": 1564034571105, "u": 1564034571073,
    "B": [{"a": "ETH", "f": "10000.000000", "l": "0.000000"}],
}  # fmt: skip
BALANCE_UPDATE = {
    "e": "balanceUpdate",
    "E": 1573200697110,
    "a": "BTC",
    "d": "100.00000000",
    "T": 1573200697068,
}
EXECUTION_REPORT = {
    "e": "executionReport", "E": 1499405658658, "s": "ETHBTC", "c": "mUvoqJxFIILMdfAW5iGSOW", "S": "BUY",
    "o": "LIMIT", "f": "GTC", "q": "1.00000000", "p": "0.10264410", "P": "0.00000000", "F": "0.00000000",
    "g": -1, "C": "", "x": "NEW", "X": "NEW", "r": "NONE", "i": 4293153, "l": "0.00000000",
    "z": "0.00000000", "L": "0.00000000", "n": "0", "N": None, "T": 1499405658657, "t": -1, "v": 3,
    "I": 8641984, "w": True, "m": False, "M": False, "O": 1499405658657, "Z": "0.00000000",
    "Y": "0.00000000", "Q": "0.00000000", "W": 1499405658657, "V": "NONE",
}  # fmt: skip
LIST_STATUS = {
    "e": "listStatus", "E": 1564035303637, "s": "ETHBTC", "g": 2, "c": "OCO", "l": "EXEC_STARTED",
    "L": "EXECUTING", "r": "NONE", "C": "F4QN4G8DlFATFlIUQ0cjdD", "T": 1564035303625,
    "O": [
        {"s": "ETHBTC", "i": 17, "c": "AJYsMjErWJesZvqlJCTUgL"},
        {"s": "ETHBTC", "i": 18, "c": "bfYPSQdLoqAJeNrOr9adzq"},
    ],
}  # fmt: skip
EVENT_STREAM_TERMINATED = {"e": "eventStreamTerminated", "E": 1728973001334}
EXTERNAL_LOCK_UPDATE = {
    "e": "externalLockUpdate",
    "E": 1581557507324,
    "a": "NEO",
    "d": "10.00000000",
    "T": 1581557507268,
}
MARKET_FILL = {
    "e": "executionReport", "E": 1719467634107, "s": "LTCBNB", "c": "8LGC97RRgNPVQk979VIhjt", "S": "BUY",
    "o": "MARKET", "f": "GTC", "q": "6.00000000", "p": "0.00000000", "P": "0.00000000", "F": "0.00000000",
    "g": -1, "C": "", "x": "TRADE", "X": "PARTIALLY_FILLED", "r": "NONE", "i": 32, "l": "2.00000000",
    "z": "4.00000000", "L": "1.00000000", "n": "0.00100000", "N": "BNB", "T": 1719467634105, "t": 8,
    "I": 65, "w": False, "m": False, "M": True, "O": 1719467634105, "Z": "4.00000000", "Y": "2.00000000",
    "Q": "0.00000000", "W": 1719467634105, "V": "NONE",
}  # fmt: skip
# Every conditional field, with the value of the "Examples" column of the doc's table
# "Conditional Fields in Execution Report" (together they describe no real order).
CONDITIONAL = {
    "d": 4, "D": 1668680518494, "j": 1, "J": 1000000, "v": 3, "A": "3.000000", "B": "3.000000", "u": 1,
    "U": 37, "Cs": "BTCUSDT", "pl": "2.123456", "pL": "0.10000001", "pY": "0.21234562", "W": 1668683798379,
    "b": "ONE_PARTY_TRADE_REPORT", "a": 1234, "k": "SOR", "uS": True, "gP": "PRIMARY_PEG",
    "gOT": "PRICE_LEVEL", "gOV": 5, "gp": "1.00000000", "eR": "INSUFFICIENT_LIQUIDITY",
}  # fmt: skip

DOCS: list[dict[str, Any]] = [
    OUTBOUND_ACCOUNT_POSITION, BALANCE_UPDATE, EXECUTION_REPORT, LIST_STATUS, EVENT_STREAM_TERMINATED,
    EXTERNAL_LOCK_UPDATE, MARKET_FILL, {**EXECUTION_REPORT, **CONDITIONAL},
]  # fmt: skip
_TYPED = tuple(cls for cls in get_args(UserEvent) if cls is not UserRawEvent)


def dump(payload: Any, *, as_bytes: bool = True) -> bytes | str:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return text.encode() if as_bytes else text


def decode(payload: Any, *, as_bytes: bool = True) -> UserEvent:
    return decode_user_event(dump(payload, as_bytes=as_bytes))


# -- every event, from the documentation's examples ------------------------------------------------


def test_execution_report() -> None:
    event = decode(EXECUTION_REPORT)
    assert event == ExecutionReport(
        event_time=1499405658658, symbol="ETHBTC", client_order_id="mUvoqJxFIILMdfAW5iGSOW", side="BUY",
        type="LIMIT", time_in_force="GTC", orig_qty=Decimal("1.00000000"), price=Decimal("0.10264410"),
        stop_price=Decimal("0.00000000"), iceberg_qty=Decimal("0.00000000"), order_list_id=-1,
        orig_client_order_id="", execution_type="NEW", status="NEW", reject_reason="NONE",
        order_id=4293153, last_fill_qty=Decimal("0.00000000"), executed_qty=Decimal("0.00000000"),
        last_fill_price=Decimal("0.00000000"), commission=Decimal("0"), commission_asset=None,
        transact_time=1499405658657, trade_id=-1, prevented_match_id=3, execution_id=8641984,
        is_working=True, is_maker=False, order_creation_time=1499405658657,
        cumulative_quote_qty=Decimal("0.00000000"), last_fill_quote_qty=Decimal("0.00000000"),
        orig_quote_order_qty=Decimal("0.00000000"), working_time=1499405658657,
        self_trade_prevention_mode="NONE",
    )  # fmt: skip
    assert isinstance(event, ExecutionReport)
    # Exact: the digits Binance wrote, trailing zeros kept.
    assert str(event.price) == "0.10264410" and str(event.orig_qty) == "1.00000000"
    assert format(event.cumulative_quote_qty, "f") == "0.00000000"
    assert (event.is_fill, event.is_final, event.avg_price) == (False, False, None)
    assert event.expiry_reason is None and event.trailing_delta is None and event.used_sor is None


def test_execution_report_of_a_fill() -> None:
    event = decode(MARKET_FILL)
    assert isinstance(event, ExecutionReport)
    assert event.is_fill and not event.is_final and not event.is_working
    assert (event.type, event.execution_type, event.status) == ("MARKET", "TRADE", "PARTIALLY_FILLED")
    assert (event.last_fill_qty, event.last_fill_price, event.last_fill_quote_qty) == (
        Decimal("2.00000000"), Decimal("1.00000000"), Decimal("2.00000000"),
    )  # fmt: skip
    assert (event.executed_qty, event.cumulative_quote_qty) == (Decimal("4"), Decimal("4"))
    assert (event.commission, event.commission_asset, event.trade_id) == (Decimal("0.001"), "BNB", 8)
    assert event.avg_price == Decimal(1)


def test_execution_report_conditional_fields() -> None:
    event = decode({**EXECUTION_REPORT, **CONDITIONAL, "x": "TRADE_PREVENTION", "X": "EXPIRED_IN_MATCH"})
    assert isinstance(event, ExecutionReport)
    assert (event.trailing_delta, event.trailing_time) == (4, 1668680518494)
    assert (event.strategy_id, event.strategy_type) == (1, 1000000)
    assert (event.prevented_match_id, event.trade_group_id, event.counter_order_id) == (3, 1, 37)
    assert (event.prevented_quantity, event.last_prevented_quantity) == (Decimal("3"), Decimal("3"))
    assert event.counter_symbol == "BTCUSDT"
    assert str(event.prevented_execution_qty) == "2.123456"
    assert str(event.prevented_execution_price) == "0.10000001"
    assert str(event.prevented_execution_quote_qty) == "0.21234562"
    assert event.working_time == 1668683798379
    assert (event.match_type, event.alloc_id, event.working_floor, event.used_sor) == (
        "ONE_PARTY_TRADE_REPORT", 1234, "SOR", True,
    )  # fmt: skip
    assert (event.peg_price_type, event.peg_offset_type, event.peg_offset_value) == (
        "PRIMARY_PEG",
        "PRICE_LEVEL",
        5,
    )
    assert str(event.pegged_price) == "1.00000000"
    assert event.expiry_reason == "INSUFFICIENT_LIQUIDITY"
    assert event.is_final and not event.is_fill


def test_outbound_account_position() -> None:
    event = decode(OUTBOUND_ACCOUNT_POSITION)
    assert event == OutboundAccountPosition(
        event_time=1564034571105, update_time=1564034571073,
        balances=[AccountBalance(asset="ETH", free=Decimal("10000.000000"), locked=Decimal("0.000000"))],
    )  # fmt: skip
    assert isinstance(event, OutboundAccountPosition)
    assert str(event.balances[0].free) == "10000.000000" and event.balances[0].total == Decimal(10000)


def test_balance_update() -> None:
    assert decode(BALANCE_UPDATE) == BalanceUpdate(
        event_time=1573200697110, asset="BTC", delta=Decimal("100.00000000"), clear_time=1573200697068
    )
    without_time = decode({key: value for key, value in BALANCE_UPDATE.items() if key != "T"})
    assert isinstance(without_time, BalanceUpdate) and without_time.clear_time is None


def test_list_status() -> None:
    event = decode(LIST_STATUS)
    assert event == ListStatus(
        event_time=1564035303637, symbol="ETHBTC", order_list_id=2, contingency_type="OCO",
        list_status_type="EXEC_STARTED", list_order_status="EXECUTING", list_reject_reason="NONE",
        list_client_order_id="F4QN4G8DlFATFlIUQ0cjdD", transaction_time=1564035303625,
        orders=[
            ListStatusOrder(symbol="ETHBTC", order_id=17, client_order_id="AJYsMjErWJesZvqlJCTUgL"),
            ListStatusOrder(symbol="ETHBTC", order_id=18, client_order_id="bfYPSQdLoqAJeNrOr9adzq"),
        ],
    )  # fmt: skip
    assert isinstance(event, ListStatus) and not event.is_done
    assert decode({**LIST_STATUS, "L": "ALL_DONE"}).is_done  # type: ignore[union-attr]


def test_event_stream_terminated() -> None:
    assert decode(EVENT_STREAM_TERMINATED) == EventStreamTerminated(event_time=1728973001334)


def test_external_lock_update() -> None:
    event = decode(EXTERNAL_LOCK_UPDATE)
    assert event == ExternalLockUpdate(
        event_time=1581557507324, asset="NEO", delta=Decimal("10.00000000"), clear_time=1581557507268
    )
    assert isinstance(event, ExternalLockUpdate) and str(event.delta) == "10.00000000"


@pytest.mark.parametrize("payload", DOCS, ids=lambda payload: str(payload["e"]))
def test_bytes_and_str_decode_alike(payload: dict[str, Any]) -> None:
    as_bytes, as_str = decode(payload), decode(payload, as_bytes=False)
    assert isinstance(as_bytes, _TYPED) and as_bytes == as_str
    assert decode_user_event(json.dumps(payload, indent=2)) == as_bytes  # spaced out


def test_a_json_number_is_read_exactly() -> None:
    raw = json.dumps(BALANCE_UPDATE).replace('"100.00000000"', "-0.10000000")  # a number, not a string
    event = decode_user_event(raw)
    assert isinstance(event, BalanceUpdate) and str(event.delta) == "-0.10000000"


def test_events_are_frozen() -> None:
    event = decode(EXECUTION_REPORT)
    with pytest.raises(AttributeError):
        event.price = Decimal(1)  # type: ignore[misc, union-attr]


# -- what does not fit: the decoded JSON, never an exception ---------------------------------------


def test_unknown_event_gives_the_raw_json() -> None:
    payload = {"e": "listenKeyExpired", "E": 1, "listenKey": "x"}
    event = decode(payload)
    assert event == UserRawEvent(data=payload) and event.event_type == "listenKeyExpired"


@pytest.mark.parametrize(
    "payload",
    [
        {**EXECUTION_REPORT, "i": "4293153"},  # a string where an int belongs
        {**EXECUTION_REPORT, "q": None},  # null where a number belongs
        {**EXECUTION_REPORT, "S": "LEND"},  # not an OrderSide
        {key: value for key, value in EXECUTION_REPORT.items() if key != "X"},  # a field missing
        {**OUTBOUND_ACCOUNT_POSITION, "B": {"a": "ETH", "f": "1", "l": "0"}},  # an object, not a list
        {**LIST_STATUS, "O": [{"s": "ETHBTC", "i": None, "c": "x"}]},
        {**BALANCE_UPDATE, "d": "1e"},  # not a number
        {key: value for key, value in BALANCE_UPDATE.items() if key != "e"},  # no type
        {**EVENT_STREAM_TERMINATED, "e": 5},
        [EVENT_STREAM_TERMINATED],  # not an object
        "eventStreamTerminated",
        None,
    ],
)
def test_data_that_does_not_fit_gives_the_raw_json(payload: Any) -> None:
    assert decode(payload) == UserRawEvent(data=payload) == decode(payload, as_bytes=False)


@pytest.mark.parametrize("number", ["NaN", "nan", "-Infinity", "inf", "sNaN", "-sNaN"])
@pytest.mark.parametrize(
    ("payload", "key"),
    [(EXECUTION_REPORT, "p"), (EXECUTION_REPORT, "gp"), (BALANCE_UPDATE, "d"), (EXTERNAL_LOCK_UPDATE, "d")],
)
def test_non_finite_numbers_are_refused(payload: dict[str, Any], key: str, number: str) -> None:
    bad = {**payload, key: number}
    assert decode(bad) == UserRawEvent(data=bad)


def test_a_non_finite_balance_is_refused() -> None:
    bad = {**OUTBOUND_ACCOUNT_POSITION, "B": [{"a": "ETH", "f": "1", "l": "Infinity"}]}
    assert decode(bad) == UserRawEvent(data=bad) == decode(bad, as_bytes=False)


@pytest.mark.parametrize("digits", ["١٠", "１０", "1٠.5"])  # Arabic-Indic, fullwidth, mixed
def test_non_ascii_digits_are_refused(digits: str) -> None:
    for bad in (
        {**EXECUTION_REPORT, "q": digits},
        {**OUTBOUND_ACCOUNT_POSITION, "B": [{"a": "X", "f": digits, "l": "0"}]},
    ):
        assert decode(bad) == UserRawEvent(data=bad) == decode(bad, as_bytes=False)


def test_non_ascii_names_are_fine() -> None:
    event = decode({**BALANCE_UPDATE, "a": "币安人生"}, as_bytes=False)
    assert isinstance(event, BalanceUpdate) and event.asset == "币安人生" and event.delta == Decimal(100)


def test_invalid_json_raises() -> None:
    with pytest.raises(msgspec.DecodeError):
        decode_user_event(b'{"e": "balanceUpdate",')


def test_a_non_finite_number_is_refused_when_built_by_hand() -> None:
    with pytest.raises(ValueError, match="finite"):
        BalanceUpdate(event_time=1, asset="BTC", delta=Decimal("NaN"))
    with pytest.raises(ValueError, match="finite"):
        AccountBalance(asset="BTC", free=Decimal(1), locked=Decimal("-Infinity"))


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    base=st.sampled_from(DOCS),
    key=st.sampled_from(sorted({key for payload in DOCS for key in payload})),
    value=_JSON,
)
def test_any_value_in_any_field_never_raises(base: dict[str, Any], key: str, value: Any) -> None:
    payload = {**base, key: value}
    for as_bytes in (True, False):
        event = decode_user_event(
            json.dumps(payload, allow_nan=False).encode() if as_bytes else json.dumps(payload)
        )
        assert isinstance(event, (*_TYPED, UserRawEvent))
        if isinstance(event, UserRawEvent):
            assert event.data == json.loads(json.dumps(payload))


# -- how fast -------------------------------------------------------------------------------------


def test_decode_time_of_an_execution_report(capsys: pytest.CaptureFixture[str]) -> None:
    """Printed, not asserted: µs per `decode_user_event` of an executionReport (bytes, best of 5)."""
    results = {}
    for name, payload in (("new", EXECUTION_REPORT), ("fill", MARKET_FILL)):
        raw = json.dumps(payload, separators=(",", ":")).encode()
        assert isinstance(decode_user_event(raw), ExecutionReport)
        runs = 5000
        best = min(_timed(raw, runs) for _ in range(5))
        results[name] = best / runs * 1e6
    with capsys.disabled():
        print(
            f"\ndecode_user_event(executionReport): {results['new']:.2f} µs (NEW), "
            f"{results['fill']:.2f} µs (TRADE)"
        )


def _timed(raw: bytes, runs: int) -> float:
    started = time.perf_counter()
    for _ in range(runs):
        decode_user_event(raw)
    return time.perf_counter() - started
