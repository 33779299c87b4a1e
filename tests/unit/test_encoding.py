"""`binance_async._encoding`: parameters to the exact bytes that are sent and signed."""

from __future__ import annotations

import enum
import json
import math
import random
import string
import struct
from collections.abc import Iterator
from decimal import Decimal, localcontext
from typing import Any
from urllib.parse import parse_qsl, unquote

import pytest

import binance_async
from binance_async._encoding import encode_params, encode_value
from binance_async.errors import BinanceError, InvalidRequestError, ParameterError

UNRESERVED = frozenset(string.ascii_letters + string.digits + "-_.~")
OFFICIAL_NON_ASCII = "１２３４５６"
OFFICIAL_NON_ASCII_ENCODED = "%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96"


class Side(enum.Enum):
    BUY = "BUY"
    SELL = "SELL"


class OddStr(str, enum.Enum):
    SPACED = "a b&c=d"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 20


class PriceEnum(enum.Enum):
    TICK = Decimal("1E-8")
    FLOAT = 0.1
    BAD = float("nan")


class LoudInt(int):
    def __str__(self) -> str:
        return "not-a-number"

    def __repr__(self) -> str:
        return "LoudInt!"


class LoudStr(str):
    def __str__(self) -> str:
        return "other"


class LoudFloat(float):
    def __repr__(self) -> str:
        return "1e-08-but-wrong"


class LoudDecimal(Decimal):
    def __str__(self) -> str:
        return "1E+2"


def _assert_fixed_point(text: str) -> None:
    assert "e" not in text
    assert "E" not in text
    assert "inf" not in text.lower()
    assert "nan" not in text.lower()


# --- exceptions -----------------------------------------------------------------------------------


def test_parameter_error_hierarchy() -> None:
    assert issubclass(ParameterError, ValueError)
    assert issubclass(ParameterError, BinanceError)
    assert issubclass(ParameterError, InvalidRequestError)
    assert binance_async.ParameterError is ParameterError
    assert binance_async.BinanceError is BinanceError


# --- str -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("BTCUSDT", "BTCUSDT"),
        ("-_.~", "-_.~"),
        ("a b", "a%20b"),
        ("a&b", "a%26b"),
        ("a=b", "a%3Db"),
        ("a+b", "a%2Bb"),
        ("100%", "100%25"),
        ("%41", "%2541"),
        ("a/b", "a%2Fb"),
        ("?#", "%3F%23"),
        ("line\nbreak", "line%0Abreak"),
        ('"quoted"', "%22quoted%22"),
        ("é", "%C3%A9"),
        ("😀", "%F0%9F%98%80"),
        (OFFICIAL_NON_ASCII, OFFICIAL_NON_ASCII_ENCODED),
    ],
)
def test_str_percent_encoded(value: str, expected: str) -> None:
    assert encode_value("symbol", value) == expected


def test_an_empty_string_is_refused_as_binance_would_read_it_as_absent() -> None:
    with pytest.raises(ParameterError, match="empty string"):
        encode_value("timeInForce", "")
    with pytest.raises(ParameterError, match="empty string"):
        encode_params({"symbol": "BTCUSDT", "timeInForce": ""})
    assert encode_params({"symbol": "BTCUSDT", "timeInForce": None}) == "symbol=BTCUSDT"


def test_every_ascii_char_encoded_unless_unreserved() -> None:
    for code in range(128):
        char = chr(code)
        expected = char if char in UNRESERVED else f"%{code:02X}"
        assert encode_value("x", char) == expected, repr(char)


def test_official_non_ascii_symbol_in_query() -> None:
    assert encode_params({"symbol": OFFICIAL_NON_ASCII}) == f"symbol={OFFICIAL_NON_ASCII_ENCODED}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("BTCUSDT&side=SELL", "symbol=BTCUSDT%26side%3DSELL"),
        ("BTCUSDT&signature=00", "symbol=BTCUSDT%26signature%3D00"),
        ("x#frag", "symbol=x%23frag"),
        ("a;b=c", "symbol=a%3Bb%3Dc"),
    ],
)
def test_injection_stays_one_parameter(value: str, expected: str) -> None:
    query = encode_params({"symbol": value})
    assert query == expected
    assert query.count("&") == 0
    assert query.count("=") == 1
    assert parse_qsl(query, keep_blank_values=True, strict_parsing=True) == [("symbol", value)]


def test_names_are_percent_encoded_too() -> None:
    assert encode_params([("a b", "x"), ("c&d", "y")]) == "a%20b=x&c%26d=y"


class ConvertingInt(int):
    def __int__(self) -> int:
        return 99


class ConvertingFloat(float):
    def __float__(self) -> float:
        return 2.5


@pytest.mark.parametrize(
    ("value", "expected"),
    [(LoudStr("A B"), "A%20B"), (ConvertingInt(5), "5"), (ConvertingFloat(1.5), "1.5")],
    ids=["str", "int", "float"],
)
def test_subclass_sent_as_the_value_it_holds(value: Any, expected: str) -> None:
    assert encode_value("symbol", value) == expected


def test_str_subclass_without_str_override() -> None:
    class Symbol(str):
        pass

    assert encode_value("symbol", Symbol("A B")) == "A%20B"
    assert encode_value("symbols", [Symbol("A"), LoudStr("B")]) == encode_value("symbols", ["A", "B"])


# --- bool and int -------------------------------------------------------------------------------


def test_bool_before_int() -> None:
    assert encode_value("flag", True) == "true"
    assert encode_value("flag", False) == "false"
    assert encode_params({"a": True, "b": False, "c": 1, "d": 0}) == "a=true&b=false&c=1&d=0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (1, "1"),
        (-1, "-1"),
        (5000, "5000"),
        (1499827319559, "1499827319559"),
        (2**70, "1180591620717411303424"),
        (-(2**64), "-18446744073709551616"),
    ],
)
def test_int(value: int, expected: str) -> None:
    assert encode_value("n", value) == expected


def test_int_subclass_uses_int_value_not_str() -> None:
    assert encode_value("n", LoudInt(42)) == "42"


def test_int_enum_by_value() -> None:
    assert encode_value("level", Level.HIGH) == "20"
    assert encode_params({"level": Level.LOW}) == "level=1"


def test_str_enum_by_value() -> None:
    assert encode_value("side", Side.SELL) == "SELL"
    assert encode_value("odd", OddStr.SPACED) == "a%20b%26c%3Dd"


def test_enum_with_decimal_and_float_values() -> None:
    assert encode_value("price", PriceEnum.TICK) == "0.00000001"
    assert encode_value("price", PriceEnum.FLOAT) == "0.1"


# --- Decimal ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.00000001", "0.00000001"),
        ("1E-8", "0.00000001"),
        ("1E+2", "100"),
        ("1E-12", "0.000000000001"),
        ("123456789012345678901234567890", "123456789012345678901234567890"),
        ("1.50", "1.50"),
        ("52000.00", "52000.00"),
        ("0", "0"),
        ("0E-8", "0.00000000"),
        ("0E+3", "0"),
        ("-1.5", "-1.5"),
        ("-1E-8", "-0.00000001"),
        ("1.23E+5", "123000"),
        ("1.2345E+2", "123.45"),
        ("0.1", "0.1"),
    ],
)
def test_decimal_fixed_point(value: str, expected: str) -> None:
    assert encode_value("price", Decimal(value)) == expected


def test_decimal_negative_zero_is_a_fixed_point_zero() -> None:
    text = encode_value("price", Decimal("-0"))
    _assert_fixed_point(text)
    assert Decimal(text) == 0
    assert text.lstrip("-") == "0"


def test_decimal_not_rounded_by_context_precision() -> None:
    value = Decimal("123456789012345678901234567890.123456789")
    with localcontext() as ctx:
        ctx.prec = 3
        assert encode_value("price", value) == "123456789012345678901234567890.123456789"


def test_decimal_subclass_normalised() -> None:
    assert encode_value("price", LoudDecimal("1E-8")) == "0.00000001"


def test_random_decimals_never_scientific_and_exact() -> None:
    rng = random.Random(20240611)
    for _ in range(3000):
        digits = str(rng.randrange(10 ** rng.randint(1, 30)))
        exponent = rng.randint(-40, 40)
        sign = rng.choice(("", "-"))
        value = Decimal(f"{sign}{digits}E{exponent}")
        if not -40 <= value.adjusted() <= 40:
            with pytest.raises(ParameterError, match="outside"):
                encode_value("price", value)
            continue
        text = encode_value("price", value)
        _assert_fixed_point(text)
        assert Decimal(text) == value, (value, text)
        if exponent <= 0:  # the quantum (trailing zeros) is kept as given
            assert Decimal(text).as_tuple().exponent == exponent, (value, text)
        else:
            assert "." not in text


# --- float --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.1, "0.1"),
        (1e-8, "0.00000001"),
        (1e16, "10000000000000000"),
        (1e22, "10000000000000000000000"),
        (1.0, "1.0"),
        (100.0, "100.0"),
        (1.5, "1.5"),
        (123456.789, "123456.789"),
        (-0.00001, "-0.00001"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (2.5e-7, "0.00000025"),
    ],
)
def test_float_from_shortest_repr(value: float, expected: str) -> None:
    assert encode_value("price", value) == expected


def test_float_extremes_within_range_are_fixed_point() -> None:
    tiny = encode_value("price", Decimal("1.5e-40"))  # as a float, 1.5e-40 is float noise: refused
    _assert_fixed_point(tiny)
    assert tiny == "0." + "0" * 39 + "15"
    huge = encode_value("price", 1.2345e40)
    _assert_fixed_point(huge)
    assert huge == "12345" + "0" * 36


def test_float_subclass_uses_float_repr_not_its_own() -> None:
    assert encode_value("price", LoudFloat(1e-8)) == "0.00000001"


def _random_floats(count: int, seed: int) -> Iterator[float]:
    rng = random.Random(seed)
    produced = 0
    while produced < count:
        kind = produced % 3
        if kind == 0:  # any bit pattern: covers subnormals and every exponent
            value: float = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        elif kind == 1:  # prices and quantities as people write them
            value = round(rng.uniform(-1e6, 1e6), rng.randint(0, 8))
        else:
            value = rng.random() * 10.0 ** rng.randint(-20, 25)
        if math.isfinite(value):
            produced += 1
            yield value


def _decimals(value: float) -> int:
    """How many decimals `value`'s shortest repr shows."""
    exponent = Decimal(repr(value)).as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def test_random_floats_never_scientific_and_round_trip() -> None:
    for value in _random_floats(6000, seed=7):
        if value and not 1e-40 <= abs(value) < 1e41:
            with pytest.raises(ParameterError, match="outside"):
                encode_value("price", value)
            continue
        if _decimals(value) > 8:
            with pytest.raises(ParameterError, match="decimals"):  # float noise: send a Decimal
                encode_value("price", value)
            continue
        text = encode_value("price", value)
        _assert_fixed_point(text)
        assert float(text) == value, (value, text)
        assert Decimal(text) == Decimal(repr(value)), (value, text)


# --- non-finite --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        float("-inf"),
        -float("nan"),
        Decimal("NaN"),
        Decimal("-NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        LoudFloat("nan"),
        LoudDecimal("Infinity"),
        PriceEnum.BAD,
    ],
    ids=repr,
)
def test_non_finite_refused_naming_the_parameter(value: Any) -> None:
    with pytest.raises(ParameterError, match="stopPrice") as info:
        encode_value("stopPrice", value)
    assert "finite" in str(info.value)
    with pytest.raises(ParameterError, match="stopPrice"):
        encode_params({"symbol": "BTCUSDT", "stopPrice": value})


# --- lists and tuples --------------------------------------------------------------------------


def test_list_official_symbols_format() -> None:
    query = encode_params({"symbols": ["BTCUSDT", "BNBBTC"]})
    assert query == "symbols=%5B%22BTCUSDT%22%2C%22BNBBTC%22%5D"
    raw = unquote(query.partition("=")[2])
    assert raw == '["BTCUSDT","BNBBTC"]'
    assert json.loads(raw) == ["BTCUSDT", "BNBBTC"]


def test_tuple_same_as_list() -> None:
    assert encode_value("symbols", ("BTCUSDT", "BNBBTC")) == encode_value("symbols", ["BTCUSDT", "BNBBTC"])


def test_empty_list() -> None:
    assert encode_value("symbols", []) == "%5B%5D"


def test_list_of_enums_and_awkward_strings() -> None:
    items: list[Any] = [Side.BUY, "a b", 'q"uote', "back\\slash", OFFICIAL_NON_ASCII]
    text = encode_value("symbols", items)
    assert all(c in UNRESERVED or c == "%" for c in text)
    assert json.loads(unquote(text)) == ["BUY", "a b", 'q"uote', "back\\slash", OFFICIAL_NON_ASCII]
    assert OFFICIAL_NON_ASCII_ENCODED in text  # UTF-8, not \\uXXXX escapes


@pytest.mark.parametrize(
    "item",
    [1, 1.5, True, None, Decimal("1"), ["nested"], b"BTCUSDT", Level.LOW],
    ids=repr,
)
def test_list_with_non_string_item_refused(item: Any) -> None:
    with pytest.raises(ParameterError, match="symbols"):
        encode_value("symbols", ["BTCUSDT", item])


# --- None, ordering, input shapes ---------------------------------------------------------------


def test_none_omitted() -> None:
    assert encode_params({"a": 1, "b": None, "c": "x", "d": None}) == "a=1&c=x"
    assert encode_params([("a", None), ("b", 2)]) == "b=2"
    assert encode_params({"a": None}) == ""


@pytest.mark.parametrize("empty", [None, {}, []])
def test_empty_params(empty: Any) -> None:
    assert encode_params(empty) == ""


def test_dict_order_preserved_not_sorted() -> None:
    params = {"timestamp": 1, "symbol": "LTCBTC", "side": "BUY", "recvWindow": 5000, "apiKey": "k"}
    assert encode_params(params) == "timestamp=1&symbol=LTCBTC&side=BUY&recvWindow=5000&apiKey=k"


def test_pairs_order_preserved() -> None:
    pairs = [("z", "1"), ("a", "2"), ("m", "3"), ("a", "4")]
    assert encode_params(pairs) == "z=1&a=2&m=3&a=4"
    assert encode_params(iter(pairs)) == "z=1&a=2&m=3&a=4"


def test_encode_params_matches_encode_value() -> None:
    params: dict[str, Any] = {
        "s": "a b",
        "b": True,
        "i": 7,
        "d": Decimal("1E-8"),
        "f": 0.1,
        "e": Side.BUY,
        "l": ["X"],
    }
    expected = "&".join(f"{name}={encode_value(name, value)}" for name, value in params.items())
    assert encode_params(params) == expected


# --- unsupported types --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [object(), b"BTCUSDT", bytearray(b"x"), {"a": 1}, {"a"}, frozenset(), 1 + 2j, range(3)],
    ids=lambda v: type(v).__name__,
)
def test_unsupported_types_refused(value: Any) -> None:
    with pytest.raises(ParameterError, match="symbol") as info:
        encode_value("symbol", value)
    assert type(value).__name__ in str(info.value)
    with pytest.raises(ParameterError):
        encode_params({"symbol": value})


# --- round trip --------------------------------------------------------------------------------


def _random_text(rng: random.Random) -> str:
    pools = (
        string.printable,
        "&=+%/?#;, \t\r\n\"'\\",
        "".join(chr(c) for c in range(0x80, 0x800)),
        OFFICIAL_NON_ASCII + "€漢字かなカナ한국어",
    )
    chars: list[str] = []
    for _ in range(rng.randint(0, 24)):
        roll = rng.random()
        if roll < 0.6:
            chars.append(rng.choice(rng.choice(pools)))
        else:  # any code point except surrogates (not encodable as UTF-8)
            code = rng.randint(0, 0x10FFFF)
            while 0xD800 <= code <= 0xDFFF:
                code = rng.randint(0, 0x10FFFF)
            chars.append(chr(code))
    return "".join(chars)


def test_parse_qsl_round_trips_random_unicode() -> None:
    rng = random.Random(1234)
    for _ in range(1500):
        # an empty value is refused (see above), so every value here has at least one character
        pairs = [(f"p{i}{_random_text(rng)}", _random_text(rng) or "x") for i in range(rng.randint(1, 5))]
        query = encode_params(pairs)
        assert query.isascii()
        assert all(c in UNRESERVED or c in "%&=" for c in query)
        assert parse_qsl(query, keep_blank_values=True, strict_parsing=True) == pairs


@pytest.mark.parametrize("value", ["BTC\ud800", ["BTC\udc00"]], ids=["str", "list"])
def test_unencodable_str_refused_with_parameter_error(value: Any) -> None:
    with pytest.raises(ParameterError, match="symbol"):
        encode_value("symbol", value)


@pytest.mark.parametrize(
    "value",
    [Decimal("1E+41"), Decimal("-1E+100000"), Decimal("1E-41"), Decimal("0E-100000"), 1e300, 5e-324],
    ids=["1e41", "-1e100000", "1e-41", "0e-100000", "float 1e300", "float 5e-324"],
)
def test_magnitudes_no_binance_field_takes_are_refused_before_being_written_out(value: object) -> None:
    with pytest.raises(ParameterError, match=r"outside 1e-40\.\.1e"):
        encode_value("quantity", value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1E+40"), "1" + "0" * 40),
        (Decimal("1E-40"), "0." + "0" * 39 + "1"),
        (Decimal("0E-5"), "0.00000"),
    ],
)
def test_magnitudes_up_to_1e40_are_written_out(value: Decimal, text: str) -> None:
    assert encode_value("quantity", value) == text
