"""What the client refuses to send (issue 12).

* ``recv_window``: one check (`binance_async._encoding.check_recv_window`) for the client's setting and
  a call's: an int, not a bool, in 1..60000.
* Numbers written in non-ASCII digits (``"٣٣"`` is 33 to Python's Decimal and int): refused as the
  value of a numeric parameter; Decimal and int values always go out in ASCII digits.
* A float whose shortest repr has more than 8 decimals (``0.1 + 0.2``) is binary noise: refused, with
  a message pointing to Decimal and the rounding helpers. Decimals are sent exactly as given.
"""

from __future__ import annotations

import enum
from decimal import Decimal

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binance_async import InvalidRequestError, ParameterError, SpotClient
from binance_async._encoding import check_recv_window, encode_params, encode_value, is_numeric_name
from binance_async.spot.models import SymbolInfo
from binance_async.spot.params.trading import check_recv_window as check_optional_recv_window
from binance_async.spot.rules import SymbolRules
from binance_async.testing import MockTransport, Router
from tests.unit.helpers import KEY, SECRET, calls

# -- recv_window ---------------------------------------------------------------------------------------------


class Window(enum.IntEnum):
    FIVE_SECONDS = 5000


@pytest.mark.parametrize("value", [1, 5000, 60_000])
def test_recv_window_in_range_is_returned(value: int) -> None:
    assert check_recv_window(value) == value
    assert check_optional_recv_window(value) == value


@pytest.mark.parametrize(
    "value",
    [
        0,
        -1,
        60_001,
        2.5,
        5000.0,
        Decimal(5000),
        Decimal("2.5"),
        "5000",
        True,
        False,
        Window.FIVE_SECONDS,
        None,
        [5000],
    ],
    ids=repr,
)
def test_recv_window_that_is_not_an_int_in_range_is_refused(value: object) -> None:
    with pytest.raises(
        ParameterError, match=r"recv_window must be an int of milliseconds in 1\.\.60000"
    ) as caught:
        check_recv_window(value)
    assert isinstance(caught.value, InvalidRequestError)
    if value is not None:  # None is "not given" per call: the client's setting applies
        with pytest.raises(ParameterError, match="recv_window"):
            check_optional_recv_window(value)


def test_recv_window_check_names_the_setting() -> None:
    with pytest.raises(ParameterError, match=r"^window must be .* got 2\.5 \(float\)$"):
        check_recv_window(2.5, "window")
    assert check_optional_recv_window(None) is None


@pytest.mark.parametrize("value", [2.5, True, Decimal(5000)], ids=repr)
async def test_a_per_call_recv_window_is_refused_before_sending(
    router: Router, transport: MockTransport, value: object
) -> None:
    async with SpotClient(api_key=KEY, api_secret=SECRET, transport=transport) as client:
        with pytest.raises(ParameterError, match="recv_window"):
            await client.account(recv_window=value)  # type: ignore[arg-type]
    assert calls(transport) == []


@pytest.mark.parametrize("value", [2.5, True, Decimal(5000), "5000"], ids=repr)
def test_the_client_refuses_the_same_recv_window_values(value: object) -> None:
    with pytest.raises(InvalidRequestError, match="recv_window"):
        SpotClient(recv_window=value)  # type: ignore[arg-type]


# -- non-ASCII digits ----------------------------------------------------------------------------------------

NON_ASCII_NUMBERS = ["٣٣", "۳۳", "३३", "３３", "3٣", "0.٥", "1\u00a0", "²"]


@pytest.mark.parametrize("text", NON_ASCII_NUMBERS)
@pytest.mark.parametrize(
    "name",
    ["price", "quantity", "quoteOrderQty", "stopLimitPrice", "orderId", "startTime", "limit", "newQty"],
)
def test_a_numeric_parameter_in_non_ascii_characters_is_refused(name: str, text: str) -> None:
    with pytest.raises(ParameterError, match=f"parameter '{name}': write numbers with the ASCII digits 0-9"):
        encode_value(name, text)
    with pytest.raises(ParameterError, match=name):
        encode_params({"symbol": "BTCUSDT", name: text})


async def test_the_raw_escape_hatch_refuses_them_too(router: Router, transport: MockTransport) -> None:
    async with SpotClient(transport=transport) as client:
        with pytest.raises(ParameterError, match="limit"):
            await client.request("GET", "/api/v3/trades", {"symbol": "BTCUSDT", "limit": "٥"})
    assert calls(transport) == []


def test_text_parameters_may_hold_non_ascii_digits() -> None:
    """Binance's own signing example uses a symbol in fullwidth digits."""
    assert encode_value("symbol", "１２３４５６") == "%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96"
    assert encode_value("timeZone", "+٠٨:٠٠").startswith("%2B")
    assert encode_value("newClientOrderId", "٣٣")  # Binance refuses it; it is not read as a number


@pytest.mark.parametrize(
    ("name", "numeric"),
    [
        ("price", True),
        ("quantity", True),
        ("quoteOrderQty", True),
        ("icebergQty", True),
        ("pendingAboveStopPrice", True),
        ("workingQuantity", True),
        ("trailingDelta", True),
        ("pegOffsetValue", True),
        ("orderId", True),
        ("orderListId", True),
        ("fromPreventedMatchId", True),
        ("strategyId", True),
        ("strategyType", True),
        ("belowStrategyType", True),
        ("startTime", True),
        ("timestamp", True),
        ("recvWindow", True),
        ("limit", True),
        ("symbol", False),
        ("symbols", False),
        ("newClientOrderId", False),
        ("listClientOrderId", False),
        ("pendingAboveClientOrderId", False),
        ("timeInForce", False),
        ("pegPriceType", False),
        ("timeZone", False),
        ("windowSize", False),
        ("side", False),
    ],
)
def test_numeric_parameters_are_known_by_name(name: str, numeric: bool) -> None:
    assert is_numeric_name(name) is numeric


@pytest.mark.parametrize("text", NON_ASCII_NUMBERS)
def test_the_rounding_helpers_refuse_non_ascii_digits_too(text: str) -> None:
    rules = SymbolRules.from_symbol_info(
        SymbolInfo(
            "BTCUSDT",
            "TRADING",
            "BTC",
            "USDT",
            8,
            8,
            raw_filters=msgspec.Raw(
                b'[{"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"1000000","tickSize":"0.01"},'
                b'{"filterType":"LOT_SIZE","minQty":"0.001","maxQty":"9000","stepSize":"0.001"}]'
            ),
        )
    )
    assert rules.round_price("33.333") == Decimal("33.33") and rules.round_quantity(0.1 + 0.2) == Decimal(
        "0.3"
    )
    with pytest.raises(ParameterError, match="ASCII"):
        rules.round_price(text)
    with pytest.raises(ParameterError, match="ASCII"):
        rules.round_quantity(text)


def test_python_reads_non_ascii_digits_as_numbers() -> None:
    """Why: the same text means 33 to Python (and to any parser that takes Unicode digits)."""
    assert Decimal("٣٣") == 33 and int("３３") == 33


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.decimals(
            allow_nan=False, allow_infinity=False, min_value=Decimal("-1e39"), max_value=Decimal("1e39")
        ),
        st.integers(),
        st.from_regex(r"[0-9٠-٩０-９]{1,6}", fullmatch=True).map(Decimal),
    )
)
def test_decimal_and_int_values_are_written_in_ascii_digits(value: Decimal | int) -> None:
    if isinstance(value, Decimal) and value and not Decimal("1e-40") <= abs(value) < Decimal("1e41"):
        return
    text = encode_value("price", value)
    assert text.isascii() and Decimal(text) == value


# -- float noise ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [0.1 + 0.2, 0.1 + 0.2 - 0.3, 1e-9, 1.000000001, 65000.123456789, 0.000000015],
    ids=repr,
)
def test_a_float_with_more_than_8_decimals_is_refused(value: float) -> None:
    with pytest.raises(ParameterError, match=r"more than 8 decimals") as caught:
        encode_value("price", value)
    message = str(caught.value)
    assert "Decimal" in message and "round_price" in message and "round_quantity" in message
    assert repr(value) in message


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.1"),
        (1e-8, "0.00000001"),
        (2.5e-7, "0.00000025"),
        (0.30000001, "0.30000001"),
        (65000.12345678, "65000.12345678"),
        (1e16, "10000000000000000"),
        (100.0, "100.0"),
        (-0.0, "-0.0"),
    ],
    ids=repr,
)
def test_a_float_with_at_most_8_decimals_is_sent_from_its_shortest_repr(value: float, text: str) -> None:
    assert encode_value("quantity", value) == text


def test_decimals_are_sent_exactly_as_given() -> None:
    assert encode_value("price", Decimal("0.30000000000000004")) == "0.30000000000000004"
    assert encode_value("price", Decimal("5.551115123125783E-17")) == "0.00000000000000005551115123125783"


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.integers(0, 8))
def test_a_float_rounded_to_8_decimals_or_fewer_is_accepted(value: float, places: int) -> None:
    rounded = round(value, places)
    if rounded and abs(rounded) < 1e-40:
        return
    assert Decimal(encode_value("price", rounded)) == Decimal(repr(rounded))


async def test_a_noisy_float_order_is_refused_before_sending(
    router: Router, transport: MockTransport
) -> None:
    async with SpotClient(api_key=KEY, api_secret=SECRET, transport=transport) as client:
        with pytest.raises(ParameterError, match="quantity"):
            await client.new_order("BTCUSDT", "BUY", "MARKET", quantity=0.1 + 0.2)
        with pytest.raises(ParameterError, match="price"):
            await client.new_order(
                "BTCUSDT", "BUY", "LIMIT", quantity=Decimal(1), price=0.1 + 0.2, time_in_force="GTC"
            )
    assert calls(transport) == []


# -- a numeric parameter given as text must be a plain decimal number --------------------------------------


@pytest.mark.parametrize(
    "text", ["1e-5", "1E+2", "+3", " 1", "1 ", "0x10", "1_000", ".5", "5.", "inf", "NaN"]
)
def test_a_numeric_string_that_binance_would_refuse_is_refused_before_sending(text: str) -> None:
    from binance_async._encoding import encode_params

    with pytest.raises(ParameterError, match="plain decimal number"):
        encode_params({"price": text})


@pytest.mark.parametrize("text", ["0.00001", "100", "-5", "12.50"])
def test_a_plain_decimal_string_is_sent_as_given(text: str) -> None:
    from binance_async._encoding import encode_params

    assert encode_params({"price": text, "pegOffsetValue": "-5"}) == f"price={text}&pegOffsetValue=-5"


def test_text_ids_are_not_numbers() -> None:
    from binance_async._encoding import encode_params

    assert (
        encode_params({"quoteId": "a1b2c3", "newClientOrderId": "x-1"})
        == "quoteId=a1b2c3&newClientOrderId=x-1"
    )


@pytest.mark.parametrize("method", ["iter_klines", "iter_ui_klines", "iter_agg_trades"])
async def test_the_iterators_refuse_a_lower_case_symbol_before_sending(method: str) -> None:
    from binance_async import SpotClient

    transport = MockTransport(Router())  # no route: anything sent fails the test
    async with SpotClient(transport=transport) as client:
        args = ("btcusdt", "1h") if "klines" in method else ("btcusdt",)
        with pytest.raises(ParameterError, match="upper case"):
            async for _ in getattr(client, method)(*args):
                pass
    assert transport.requests == []
