"""What every Spot response model shares: the base classes, and Decimals written as Binance writes them.

`fixed` and `json_ready` are re-exported by `binance_async.spot.models`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from ..._decimal_checks import install_finite_check

__all__ = ["EMPTY_ARRAY", "fixed", "json_ready"]

#: An empty JSON array, the default of a raw array field (filters, permission sets) Binance leaves out.
EMPTY_ARRAY = msgspec.Raw(b"[]")


def fixed(value: Decimal) -> str:
    """`value` in fixed-point notation, never with an exponent, its digits kept:
    ``fixed(Decimal("0E-8")) == "0.00000000"`` (``str()`` gives ``"0E-8"``), ``fixed(Decimal("1E+2"))
    == "100"``, ``fixed(Decimal("65000.01000000")) == "65000.01000000"``. A number decoded from a
    Binance answer comes back as Binance wrote it. Only for Decimals (a float or an int would be
    written with six decimals by ``format``): anything else is a TypeError.
    """
    if not isinstance(value, Decimal):
        raise TypeError(f"fixed() takes a Decimal, got {type(value).__name__}")
    return format(value, "f")


def _raw_json(value: Any) -> Any:
    if isinstance(value, msgspec.Raw):  # exchangeInfo's filters and permission sets, kept undecoded
        return msgspec.json.decode(value)
    raise NotImplementedError(f"cannot turn {type(value).__name__} into JSON")


def _fixed_decimals(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {key: _fixed_decimals(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_fixed_decimals(item) for item in value]
    return value


def json_ready(value: Any) -> Any:
    """`value` (a model, or lists, tuples and dicts holding models and Decimals) as plain dicts, lists,
    strings, numbers, booleans and None, ready for any JSON encoder: keys as Binance names them
    (``executedQty``), a `Kline` as its array, raw JSON kept by a model (``SymbolInfo``'s filters)
    decoded, and every Decimal as its `fixed` text (``"0.00000000"``, never ``"0E-8"``)::

        json.dumps(binance_async.spot.models.json_ready(order))
    """
    return _fixed_decimals(msgspec.to_builtins(value, builtin_types=(Decimal,), enc_hook=_raw_json))


# msgspec passes struct options (frozen, rename, gc, tag_field, ...) on to subclasses at runtime.
# ``frozen=True`` is nevertheless repeated on every subclass because mypy's dataclass_transform
# support does not inherit it and would otherwise report "Non-frozen dataclass cannot inherit
# from a frozen dataclass".


class _Model(msgspec.Struct, frozen=True, rename="camel"):
    """Base of every model: immutable, camelCase JSON keys, unknown keys ignored.

    A subclass with ``Decimal`` fields gets a ``__post_init__`` refusing NaN and infinities (see
    `install_finite_check`): decoding such an answer fails, and so does building such a model.
    """

    def __init_subclass__(cls, *args: Any, **kwargs: Any) -> None:
        super().__init_subclass__(*args, **kwargs)
        install_finite_check(cls)


class _Scalar(_Model, frozen=True, gc=False):
    """Base of models holding only scalars / tuples / Raw, which therefore skip GC tracking.

    ``gc=False`` is inherited: never add a list, dict or other mutable container field to a
    subclass (derive from :class:`_Model` instead).
    """
