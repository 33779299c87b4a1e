"""Request parameters read the way Binance reads them.

Parameters come from the query string and/or an ``application/x-www-form-urlencoded`` body; a name
in both takes the query string's value; a name twice in the same place is -1101. Getters check the
value's characters (-1100 with Binance's legal-range pattern), presence (-1102) and bounds, and mark
the parameter as read; `finish` answers -1104 if the request carried parameters nobody read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl

import msgspec

from .errors import SimError, duplicate_param, illegal_chars, mandatory, unread

__all__ = ["Params", "is_int", "json_strings"]

INT_PATTERN = "^[0-9]{1,20}$"
DECIMAL_PATTERN = "^([0-9]{1,20})(\\.[0-9]{1,20})?$"
SYMBOL_PATTERN = "^[A-Z0-9-_.]{1,20}$"
_INT = re.compile(INT_PATTERN)
_SIGNED_INT = re.compile("^-?[0-9]{1,20}$")
_DECIMAL = re.compile(DECIMAL_PATTERN)
_SYMBOL = re.compile(SYMBOL_PATTERN)
#: Parameters the security layer reads for signed endpoints.
SECURITY_PARAMS = frozenset({"signature", "timestamp", "recvWindow"})


def is_int(value: str) -> bool:
    """Whether `value` is what Binance takes for an integer: 1 to 20 ASCII digits, nothing else."""
    return _INT.fullmatch(value) is not None


def json_strings(value: str) -> list[str]:
    """A JSON array of strings, e.g. ``["BTCUSDT","BNBBTC"]``.

    Raises ``msgspec.ValidationError`` for JSON that is not an array of strings (without descending
    into nested arrays or objects, however deep) and ``msgspec.DecodeError`` for malformed JSON.
    """
    return msgspec.json.decode(value, type=list[str])


def _pairs(raw: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(raw, keep_blank_values=True, strict_parsing=False, errors="strict")
    except UnicodeDecodeError:
        raise SimError(-1100, "Illegal characters found in a parameter.") from None


class Params:
    """The parameters of one request, by name, with Binance's validation."""

    def __init__(self, raw_query: str, raw_body: str = "") -> None:
        self.values: dict[str, str] = {}
        for source in (_pairs(raw_query), _pairs(raw_body)):
            seen: set[str] = set()
            for name, value in source:
                if name in seen:
                    raise duplicate_param()
                seen.add(name)
                self.values.setdefault(name, value)  # the query string wins over the body
        self._read: set[str] = set()

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def raw(self, name: str) -> str | None:
        """The value as sent (an empty value counts as absent), marked as read."""
        self._read.add(name)
        value = self.values.get(name)
        return value if value else None

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.raw(name)
        if value is None and required:
            raise mandatory(name)
        return value

    def symbol(self, name: str = "symbol", *, required: bool = True) -> str | None:
        value = self.text(name, required=required)
        if value is not None and not _SYMBOL.fullmatch(value):
            raise illegal_chars(name, SYMBOL_PATTERN)
        return value

    def integer(
        self,
        name: str,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
        signed: bool = False,
    ) -> int | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        if not (_SIGNED_INT if signed else _INT).fullmatch(value):
            raise illegal_chars(name, INT_PATTERN)
        number = int(value)
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise SimError(-1130, f"Data sent for parameter '{name}' is not valid.")
        return number

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        if not _DECIMAL.fullmatch(value):
            raise illegal_chars(name, DECIMAL_PATTERN)
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            raise illegal_chars(name, DECIMAL_PATTERN) from None

    def enum(
        self, name: str, allowed: Iterable[str], *, required: bool = False, code: int = -1130
    ) -> str | None:
        value = self.text(name, required=required)
        if value is not None and value not in allowed:
            raise SimError(code, f"Data sent for parameter '{name}' is not valid.")
        return value

    def boolean(self, name: str) -> bool | None:
        value = self.text(name)
        if value is None:
            return None
        if value.lower() not in ("true", "false"):
            raise SimError(-1130, f"Data sent for parameter '{name}' is not valid.")
        return value.lower() == "true"

    def symbols(self, name: str = "symbols") -> list[str] | None:
        """A JSON array of symbols, e.g. ``["BTCUSDT","BNBBTC"]``."""
        value = self.text(name)
        if value is None:
            return None
        try:
            items = json_strings(value)
        except msgspec.ValidationError:  # JSON, but not an array of strings
            raise mandatory(name) from None
        except msgspec.DecodeError:
            raise SimError(-1100, f"Illegal characters found in parameter '{name}'.") from None
        if not items:
            raise mandatory(name)
        for item in items:
            if not _SYMBOL.fullmatch(item):
                raise illegal_chars(name, SYMBOL_PATTERN)
        if len(set(items)) != len(items):
            raise SimError(-1151, "Symbol is present multiple times in the list.")
        return items

    def finish(self) -> None:
        """-1104 if the request carried parameters that were not read."""
        unread_names = set(self.values) - self._read
        if unread_names:
            raise unread(len(self.values) - len(unread_names), len(self.values))
