"""Parameters to the exact bytes that are sent (and signed).

Values:

* ``str``: sent as is, percent-encoded (UTF-8) where not in ``A-Z a-z 0-9 - _ . ~``; an empty string is
  refused (Binance would read it as absent). The value of a numeric parameter (``price``, ``quantity``,
  ``orderId``, ``startTime`` ... see `is_numeric_name`) must be a plain decimal number in ASCII digits:
  ``"٣٣"`` (Arabic-Indic digits) is 33 to Python's ``Decimal`` and ``int`` and to any parser that takes
  every Unicode digit, and ``"1e-5"`` is -1100 at Binance.
* ``bool``: ``true`` / ``false``.
* ``int``: decimal digits.
* ``Decimal``: fixed-point, never scientific notation: ``Decimal("1E-8")`` -> ``0.00000001``,
  ``Decimal("1E+2")`` -> ``100``. NaN, infinities and magnitudes beyond 1e±40 (which would be
  written out as dozens to thousands of digits) are refused.
* ``float``: converted exactly from its shortest repr (``0.1`` -> ``0.1``, ``1e-08`` -> ``0.00000001``),
  never from its binary expansion; NaN and infinities are refused, and so is a float whose shortest
  repr has more than 8 decimals (``0.1 + 0.2`` is ``0.30000000000000004``): that is binary rounding
  noise, and no Binance amount has more than 8. Prefer ``Decimal`` for money.
* ``enum.Enum``: its value, encoded as above; subclasses of str, int, float and Decimal are sent as the
  value they hold (their own ``__str__`` and the like are not consulted).
* an aware ``datetime``: milliseconds since the epoch (naive datetimes are refused as ambiguous).
* lists and tuples (``symbols``): a compact JSON array of strings, percent-encoded.
* ``None``: the parameter is left out.

Anything else raises `ParameterError` before a request is built.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from ._constants import MAX_RECV_WINDOW_MS
from .errors import ParameterError

__all__ = [
    "MAX_FLOAT_DECIMALS",
    "MAX_RECV_WINDOW",
    "check_recv_window",
    "encode_params",
    "encode_value",
    "is_numeric_name",
]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.~-]").search
_NAMES: dict[str, str] = {}  # parameter name -> its encoded form (names repeat on every request)
_MAX_NAMES = 4096


#: Binance's ceiling for recvWindow, in milliseconds.
MAX_RECV_WINDOW = MAX_RECV_WINDOW_MS
#: The most decimals a float may show (its shortest repr): Binance amounts have at most 8.
MAX_FLOAT_DECIMALS = 8


def check_recv_window(value: object, name: str = "recv_window") -> int:
    """`value` if it is an int (not a bool) of milliseconds in 1..60000, else `ParameterError`.

    The one check for the client's ``recv_window`` and a call's. Binance also takes up to 3
    decimals (microseconds); this client signs with millisecond timestamps and sends whole
    milliseconds, so a float or Decimal (even ``5000.0``) is refused rather than rounded.
    """
    if type(value) is not int or not 0 < value <= MAX_RECV_WINDOW:
        kind = "" if type(value) is int else f" ({type(value).__name__})"
        raise ParameterError(
            f"{name} must be an int of milliseconds in 1..{MAX_RECV_WINDOW}, got {value!r}{kind}"
        )
    return value


_NUMERIC_SUFFIXES = ("Qty", "Quantity", "Price", "Delta", "Time", "Window", "Value", "Id", "StrategyType")
_NUMERIC_NAMES = frozenset({"price", "quantity", "limit", "timestamp", "strategyType"})
_TEXT_IDS = ("ClientOrderId",)
_TEXT_NAMES = frozenset({"quoteId"})  # the OAuth convert quote's id is a string


#: `is_numeric_name` by parameter name, worked out once per name (see `_numeric`).
_NUMBERS: dict[str, bool] = {}


def _numeric(name: str) -> bool:
    found = _NUMBERS.get(name)
    if found is None:
        found = _NUMBERS[name] = is_numeric_name(name) if isinstance(name, str) else False
    return found


def is_numeric_name(name: str) -> bool:
    """Whether Binance reads parameter `name` as a number (by its name: ``price``, ``*Qty``, ``*Id`` ...).

    ``quantity``, ``quoteOrderQty``, ``abovePrice``, ``stopLimitPrice``, ``trailingDelta``,
    ``orderId``, ``fromId``, ``startTime``, ``recvWindow``, ``pegOffsetValue``, ``strategyType``,
    ``limit`` ...; not ``*ClientOrderId``, ``symbol``, ``timeZone`` or the enum-valued names.
    """
    return name in _NUMERIC_NAMES or (
        name.endswith(_NUMERIC_SUFFIXES) and not name.endswith(_TEXT_IDS) and name not in _TEXT_NAMES
    )


def _text(name: str, text: str) -> str:
    """A str parameter value; a numeric one must be a plain decimal number in ASCII digits."""
    if is_numeric_name(name) and _PLAIN_NUMBER.fullmatch(text) is None:
        if not text.isascii():  # Decimal("٣٣") is 33
            raise ParameterError(f"parameter {name!r}: write numbers with the ASCII digits 0-9, got {text!r}")
        raise ParameterError(
            f"parameter {name!r}: {text!r} is not a plain decimal number (Binance refuses scientific "
            "notation, signs and spaces with -1100); pass a Decimal or an int to have it written out"
        )
    return _quote(name, text)


#: What Binance reads as a number: digits, an optional fraction, an optional minus (pegOffsetValue).
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)


def _quote(name: str, text: str) -> str:
    if text.isascii() and text.isalnum():  # the common case (symbols, enums): no regex needed
        return text
    if not text:  # Binance reads "name=" as absent: a required value would silently be missing
        raise ParameterError(
            f"parameter {name!r}: an empty string is read as absent; pass None to leave it out"
        )
    if not _UNSAFE(text):
        return text
    try:
        return quote(text, safe="")
    except UnicodeEncodeError:  # a lone surrogate
        raise ParameterError(f"parameter {name!r}: not valid Unicode text") from None


def _decimal_text(name: str, value: Decimal) -> str:
    if not Decimal.is_finite(value):
        raise ParameterError(f"parameter {name!r}: {value} is not a finite number")
    if not -_MAX_MAGNITUDE <= value.adjusted() <= _MAX_MAGNITUDE:
        # Written out in full, 1E+100000 would be 100,001 digits: refuse what no Binance field takes.
        raise ParameterError(
            f"parameter {name!r}: {value:.3e} is outside 1e-{_MAX_MAGNITUDE}..1e+{_MAX_MAGNITUDE}"
        )
    return Decimal.__format__(value, "f")


def _float_text(name: str, value: float) -> str:
    if value != value or value in (_INF, -_INF):
        raise ParameterError(f"parameter {name!r}: {value} is not a finite number")
    shortest = float.__repr__(value)
    number = Decimal(shortest)
    text = _decimal_text(name, number)  # refuses magnitudes beyond 1e±40 first
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_FLOAT_DECIMALS:
        raise ParameterError(
            f"parameter {name!r}: the float {shortest} has more than {MAX_FLOAT_DECIMALS} decimals, which"
            " is binary floating-point noise (0.1 + 0.2 is 0.30000000000000004); pass a Decimal"
            " (Decimal('0.3')), or round to the symbol's tick and step with"
            " SymbolRules.round_price / round_quantity"
        )
    return text


_INF = float("inf")
#: Numbers are sent in fixed point; their leading digit must lie within 10**±this.
_MAX_MAGNITUDE = 40
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)


def encode_value(name: str, value: Any) -> str:
    """One value as it appears after ``name=`` on the wire."""
    cls = type(value)
    if cls is str:
        return _text(name, value)
    if cls is int:
        return int.__repr__(value)
    if cls is Decimal:
        return _decimal_text(name, value)
    if cls is bool:
        return "true" if value else "false"
    if cls is float:
        return _float_text(name, value)
    return _encode_other(name, value)


def _encode_other(name: str, value: Any) -> str:
    # Subclasses are sent as the value they hold, never through their own __str__/__int__/__float__.
    if isinstance(value, enum.Enum):
        return encode_value(name, value.value)
    if isinstance(value, str):
        return _text(name, str.__str__(value))
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, Decimal):
        return _decimal_text(name, value)
    if isinstance(value, float):
        return _float_text(name, float.__float__(value))
    if isinstance(value, datetime):
        if value.utcoffset() is None:  # naive (no tzinfo, or one that gives no offset)
            raise ParameterError(
                f"parameter {name!r}: use a timezone-aware datetime (naive times are ambiguous)"
            )
        return str((value - _EPOCH) // _MS)  # exact: timestamp() * 1000 can come out 1 ms short
    if isinstance(value, (list, tuple)):
        items = [_json_item(name, item) for item in value]
        return _quote(name, json.dumps(items, separators=(",", ":"), ensure_ascii=False))
    raise ParameterError(f"parameter {name!r}: cannot send a value of type {type(value).__name__}")


def _json_item(name: str, item: Any) -> str:
    if isinstance(item, enum.Enum):
        item = item.value
    if not isinstance(item, str):
        raise ParameterError(f"parameter {name!r}: list items must be strings, got {type(item).__name__}")
    return str.__str__(item)


def _encode_name(name: Any) -> str:
    encoded = _NAMES.get(name)
    if encoded is None:
        if type(name) is not str:
            raise ParameterError(f"parameter names must be strings, got {type(name).__name__}")
        encoded = _quote(name, name)
        if len(_NAMES) < _MAX_NAMES:
            _NAMES[name] = encoded
    return encoded


def encode_params(params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None) -> str:
    """``name=value&...`` in the given order, ``None`` values left out."""
    if not params:
        return ""
    parts = []
    items = params.items() if type(params) is dict or isinstance(params, Mapping) else params
    for name, value in items:
        if value is None:
            continue
        if (
            type(value) is str
            and value.isalnum()
            and value.isascii()
            and (_NUMBERS.get(name) is False or value.isdigit() or not _numeric(name))
        ):
            text = value  # the common case, inlined: symbols, enum names and whole numbers need no quoting
        else:
            text = encode_value(name, value)
        parts.append(f"{_NAMES.get(name) or _encode_name(name)}={text}")
    return "&".join(parts)
