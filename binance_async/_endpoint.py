"""An endpoint as data: everything that differs between one API call and another.

Typed client methods stay thin: they name their endpoint and pass their arguments; the pipeline
reads the rest (method, path, security, weight, order count, response type) from here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import msgspec

from ._decimal_checks import NONE, TEXT, check_numbers, numbers_kind
from .errors import ParameterError

__all__ = ["Endpoint", "Weight"]

T = TypeVar("T")

#: A fixed weight, or a function of the request's parameters (by their Binance names).
Weight = int | Callable[[Mapping[str, Any]], int]

SIGNED_SECURITY = frozenset({"TRADE", "USER_DATA"})

_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}


def decoder_for(response_type: Any) -> msgspec.json.Decoder[Any]:
    """One cached msgspec decoder per response type."""
    decoder = _decoders.get(response_type)
    if decoder is None:
        decoder = _decoders[response_type] = msgspec.json.Decoder(response_type)
    return decoder


class Endpoint(Generic[T]):
    """One REST endpoint. `weight_doc` is the documented weight rule, quoted in method docstrings."""

    __slots__ = (
        "_decoder",
        "_numbers",
        "_returning",
        "_variants",
        "method",
        "name",
        "orders",
        "path",
        "response",
        "security",
        "weight",
        "weight_doc",
    )

    def __init__(
        self,
        name: str,
        method: str,
        path: str,
        response: type[T] | Any,
        *,
        weight: Weight = 1,
        weight_doc: str | None = None,
        security: str = "NONE",
        orders: int = 0,
        variants: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.method = method
        self.path = path
        self.response = response
        self.weight = weight
        self.weight_doc = weight_doc if weight_doc is not None else str(weight)
        self.security = security
        self.orders = orders  # how many unfilled orders a success adds (ORDERS windows)
        self._decoder: msgspec.json.Decoder[Any] | None = None
        self._numbers = NONE  # what check_numbers looks at (set with the decoder)
        self._variants: dict[str, Any] = dict(variants) if variants else {}
        self._returning: dict[Any, Endpoint[Any]] = {}

    @property
    def signed(self) -> bool:
        return self.security in SIGNED_SECURITY

    def weight_for(self, params: Mapping[str, Any]) -> int:
        weight = self.weight
        return weight if type(weight) is int else weight(params)  # type: ignore[operator]

    def decode(self, body: bytes) -> T:
        """`body` decoded into the response type; `msgspec.ValidationError` or `msgspec.DecodeError`.

        Models refuse NaN and infinities themselves. A number written in non-ASCII digits
        (``"٣٣"``) can only show in a body that is not ASCII or has a JSON escape (``"\\u0663"``),
        and a non-finite one in number text
        (`Depth` levels) only in a body with an ``n``: only then does `check_numbers` walk the result.
        """
        decoder = self._decoder
        if decoder is None:
            decoder = self._decoder = decoder_for(self.response)
            self._numbers = numbers_kind(self.response)
        result: T = decoder.decode(body)
        numbers = self._numbers
        if numbers and (
            not body.isascii() or b"\\" in body or (numbers == TEXT and (b"n" in body or b"N" in body))
        ):
            check_numbers(result, body, numbers)
        return result

    def returning(self, response: Any) -> Endpoint[Any]:
        """The same endpoint decoding into `response` (built once per type, then cached).

        For a method that knows the shape of the answer better than the table: a single-symbol
        ticker is one object, never a list (``TickerPrice`` out of ``TickerPrice | list[TickerPrice]``).
        """
        found = self._returning.get(response)
        if found is None:
            found = self._returning[response] = self._decoding(response)
        return found

    def variant(self, key: str | None) -> Endpoint[Any]:
        """The same endpoint decoding into the response type registered for `key`.

        Used where a parameter chooses the response shape (``newOrderRespType``: ACK, RESULT,
        FULL). Variants are built once and cached. An endpoint without variants gives `self`; on one
        with variants, any other key (None, ``""``, ``"full"``, a list ...) raises `ParameterError`:
        Binance would answer in a shape the client does not expect (its default for the order type
        when the value is empty), so an order that was placed would look like a failure.
        """
        if not self._variants:
            return self
        if not isinstance(key, str) or (found := self._variants.get(key)) is None:  # a list is unhashable
            allowed = ", ".join(self._variants)
            raise ParameterError(f"new_order_resp_type must be one of {allowed}, got {key!r}")
        if not isinstance(found, Endpoint):
            found = self._variants[key] = self._decoding(found)
        return found

    def _decoding(self, response: Any) -> Endpoint[Any]:
        """A new endpoint like this one (no variants) that decodes into `response`."""
        return Endpoint(
            self.name,
            self.method,
            self.path,
            response,
            weight=self.weight,
            weight_doc=self.weight_doc,
            security=self.security,
            orders=self.orders,
        )

    def __repr__(self) -> str:
        return f"Endpoint({self.name}: {self.method} {self.path})"
