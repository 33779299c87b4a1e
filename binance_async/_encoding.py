"""Parameters to the exact bytes that are sent (and signed).

Values:

* ``str``: sent as is, percent-encoded (UTF-8) where not in ``A-Z a-z 0-9 - _ . ~``.
* ``bool``: ``true`` / ``false``.
* ``int``: decimal digits.
* ``Decimal``: fixed-point, never scientific notation: ``Decimal("1E-8")`` -> ``0.00000001``,
  ``Decimal("1E+2")`` -> ``100``. NaN and infinities are refused.
* ``float``: converted exactly from its shortest repr (``0.1`` -> ``0.1``, ``1e-08`` -> ``0.00000001``),
  never from its binary expansion; NaN and infinities are refused. Prefer ``Decimal`` for money.
* ``enum.Enum``: its value, encoded as above.
* lists and tuples (``symbols``): a compact JSON array of strings, percent-encoded.
* ``None``: the parameter is left out.

Anything else raises `ParameterError` before a request is built.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from .errors import ParameterError

__all__ = ["encode_params", "encode_value"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.~-]").search


def _quote(text: str) -> str:
    return quote(text, safe="") if _UNSAFE(text) else text


def _decimal_text(name: str, value: Decimal) -> str:
    if not value.is_finite():
        raise ParameterError(f"parameter {name!r}: {value} is not a finite number")
    return format(value, "f")


def encode_value(name: str, value: Any) -> str:
    """One value as it appears after ``name=`` on the wire."""
    cls = type(value)
    if cls is str:
        return _quote(value)
    if cls is bool:
        return "true" if value else "false"
    if cls is int:
        return str(value)
    if cls is Decimal:
        return _decimal_text(name, value)
    if cls is float:
        if value != value or value in (float("inf"), float("-inf")):
            raise ParameterError(f"parameter {name!r}: {value} is not a finite number")
        return _decimal_text(name, Decimal(repr(value)))
    if isinstance(value, enum.Enum):
        return encode_value(name, value.value)
    if isinstance(value, (list, tuple)):
        items = [_json_item(name, item) for item in value]
        return quote(json.dumps(items, separators=(",", ":"), ensure_ascii=False), safe="")
    if isinstance(value, (str, int, Decimal, float)):  # subclasses: normalise, then encode
        base = next(b for b in (bool, str, int, Decimal, float) if isinstance(value, b))
        return encode_value(name, base(value))
    raise ParameterError(f"parameter {name!r}: cannot send a value of type {cls.__name__}")


def _json_item(name: str, item: Any) -> str:
    if isinstance(item, enum.Enum):
        item = item.value
    if not isinstance(item, str):
        raise ParameterError(f"parameter {name!r}: list items must be strings, got {type(item).__name__}")
    return item


def encode_params(params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None) -> str:
    """``name=value&...`` in the given order, ``None`` values left out."""
    if not params:
        return ""
    items = params.items() if isinstance(params, Mapping) else params
    return "&".join(
        f"{_quote(name)}={encode_value(name, value)}" for name, value in items if value is not None
    )
