"""What the Spot method mixins share: a base class, docstring decoration, argument checks, client ids."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .._base_client import BaseClient
from .._endpoint import Endpoint
from ..errors import InvalidRequestError, ParameterError

__all__ = [
    "MAX_CLIENT_ID_PREFIX",
    "MAX_DEPTH_LIMIT",
    "MAX_SYMBOLS",
    "SpotBase",
    "check_client_order_id",
    "check_limit",
    "check_one_of",
    "check_symbols",
    "documents",
    "new_client_order_id",
]

F = TypeVar("F", bound=Callable[..., Any])

MAX_DEPTH_LIMIT = 5000
MAX_SYMBOLS = 100


def documents(endpoint: Endpoint[Any]) -> Callable[[F], F]:
    """Put ``METHOD /path`` and the weight rule from the table under the docstring's first line."""

    def apply(method: F) -> F:
        summary, _, rest = (method.__doc__ or endpoint.name).partition("\n")
        where = f"``{endpoint.method} {endpoint.path}``, weight {endpoint.weight_doc}."
        method.__doc__ = f"{summary}\n\n        {where}\n{rest}"
        return method

    return apply


def check_symbols(
    symbol: str | None, symbols: Sequence[str] | None, *, required: bool, max_symbols: int | None = None
) -> None:
    """Refuse symbol together with symbols, a missing one when `required`, or too many symbols."""
    if symbol is not None and symbols is not None:
        raise InvalidRequestError("give symbol or symbols, not both")
    if required and symbol is None and not symbols:
        raise InvalidRequestError("give symbol or a non-empty symbols list")
    if symbols is not None:
        if isinstance(symbols, str):
            raise InvalidRequestError("symbols must be a list of symbols, not one string")
        if max_symbols is not None and len(symbols) > max_symbols:
            raise InvalidRequestError(f"at most {max_symbols} symbols per request, got {len(symbols)}")


def check_one_of(first: tuple[str, Any], second: tuple[str, Any]) -> None:
    """Refuse a call that gives neither of two (name, value) alternatives, e.g. an id or a client id."""
    if first[1] is None and second[1] is None:
        raise InvalidRequestError(f"give {first[0]} or {second[0]}")


def check_limit(value: int | None, maximum: int) -> int | None:
    """`value` if it is None or within 1..maximum, else InvalidRequestError."""
    if value is not None and not 1 <= value <= maximum:
        raise InvalidRequestError(f"limit must be between 1 and {maximum}, got {value}")
    return value


_CLIENT_ID = re.compile(r"[a-zA-Z0-9_-]{1,36}")
#: Characters a generated client order id adds after the prefix (22 url-safe characters, 131 bits).
_GENERATED_LENGTH = 22
MAX_CLIENT_ID_PREFIX = 36 - _GENERATED_LENGTH


def check_client_order_id(value: str, name: str = "client_order_id") -> str:
    """`value` if Binance accepts it as a client order id (``^[a-zA-Z0-9-_]{1,36}$``)."""
    if not isinstance(value, str) or _CLIENT_ID.fullmatch(value) is None:
        raise ParameterError(f"{name} must be 1-36 characters of a-z, A-Z, 0-9, '-' and '_', got {value!r}")
    return value


def new_client_order_id(prefix: str = "") -> str:
    """A fresh random client order id: `prefix` then 22 url-safe random characters."""
    return prefix + secrets.token_urlsafe(16)


class SpotBase(BaseClient):
    """State the Spot method mixins share (set by `SpotClient.__init__`)."""

    _client_id_prefix: str = ""

    def _client_order_id(self, given: str | None, name: str = "new_client_order_id") -> str:
        """The caller's id (checked), or a new one: every order this client places carries one."""
        if given is None:
            return new_client_order_id(self._client_id_prefix)
        return check_client_order_id(given, name)
