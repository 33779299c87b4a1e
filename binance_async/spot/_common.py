"""What the Spot method mixins share: a base class, the endpoint decorator, argument checks, client ids.

Spelling rule (every typed method; `SpotClient.request` sends what it is given): Binance's symbols and
enumerations are case-sensitive, and it answers a wrong case with -1100 / -1117 / -1121 after the
request has spent its weight. So a symbol with a lower-case letter (``"btcusdt"``) or a character no
symbol has (a space, ``/``, a comma ...) is refused before sending with a `ParameterError` that says
what to send (``symbol must be upper case: send 'BTCUSDT', got 'btcusdt'``), and so is an enumeration
value that matches a known one except for case (``side="buy"``, ``time_in_force="gtc"``,
``interval="1H"``). Nothing is normalised: a symbol typed in the wrong case may be a typo too. Values
the library does not know (a new enumeration value, a symbol in another script such as
``币安人生USDT``) are sent as given, and Binance judges them.
"""

from __future__ import annotations

import functools
import inspect
import re
import secrets
import types
import typing
from collections.abc import Callable, Collection, Sequence
from typing import Any, Literal, TypeVar

from .._base_client import BaseClient
from .._endpoint import Endpoint
from ..errors import InvalidRequestError, ParameterError

__all__ = [
    "MAX_CLIENT_ID_PREFIX",
    "MAX_DEPTH_LIMIT",
    "MAX_SYMBOLS",
    "SpotBase",
    "check_client_order_id",
    "check_enum",
    "check_limit",
    "check_one_of",
    "check_symbol",
    "check_symbols",
    "documents",
    "new_client_order_id",
]

F = TypeVar("F", bound=Callable[..., Any])

MAX_DEPTH_LIMIT = 5000
MAX_SYMBOLS = 100


def documents(endpoint: Endpoint[Any]) -> Callable[[F], F]:
    """The decorator of every endpoint method: it puts ``METHOD /path`` and the weight rule from the
    table under the docstring's first line, and checks the spelling of the method's symbol, symbols
    and enumeration arguments before the method runs (see the module's docstring, `check_symbol` and
    `check_enum`)."""

    def apply(method: F) -> F:
        summary, _, rest = (method.__doc__ or endpoint.name).partition("\n")
        where = f"``{endpoint.method} {endpoint.path}``, weight {endpoint.weight_doc}."
        method.__doc__ = f"{summary}\n\n        {where}\n{rest}"
        return _spelling_checked(method)

    return apply


# -- spelling: symbols and enumerations ---------------------------------------------------------------

_SYMBOL = re.compile(r"[A-Z0-9._-]+")
#: Symbols seen to be well spelled (bounded: a symbol is checked by the regex once it is full).
_GOOD_SYMBOLS: set[str] = set()
_MAX_GOOD_SYMBOLS = 20_000
_SYMBOL_ASCII = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def check_symbol(value: object, name: str = "symbol") -> None:
    """Refuse a str that no Binance symbol can be, saying what to send.

    A symbol is upper-case ASCII letters, digits, ``-``, ``_`` and ``.`` (Binance's documented
    ``^[A-Z0-9-_.]{1,20}$``), or characters of another script (Binance lists ``币安人生USDT``, and its
    signing example uses a symbol in full-width digits). So only an empty symbol, a lower-case ASCII
    letter (``send 'BTCUSDT'``), other ASCII characters, and spaces or invisible characters are
    refused. A value that is not a str is left to the checks that follow (the encoder, the rules cache).
    """
    if type(value) is not str or value in _GOOD_SYMBOLS:
        return
    if _SYMBOL.fullmatch(value):
        if len(_GOOD_SYMBOLS) < _MAX_GOOD_SYMBOLS:
            _GOOD_SYMBOLS.add(value)  # a set lookup next time instead of a regex
        return
    if not value:
        raise ParameterError(f"{name} must not be empty")
    for char in value:
        if char.isascii():
            if char not in _SYMBOL_ASCII and not ("a" <= char <= "z"):
                raise ParameterError(
                    f"{name} cannot contain {char!r} (a symbol is A-Z, 0-9, '-', '_' and '.'), got {value!r}"
                )
        elif char.isspace() or not char.isprintable():
            raise ParameterError(f"{name} cannot contain {char!r}, got {value!r}")
    upper = value.translate(_ASCII_UPPER)
    if upper != value:
        raise ParameterError(f"{name} must be upper case: send {upper!r}, got {value!r}")


def check_enum(name: str, value: object, allowed: Collection[str]) -> None:
    """Refuse a str that is one of `allowed` but for its case (``"buy"`` for ``"BUY"``), naming the right
    spelling. Any other value passes: Binance may accept a value this library does not know yet."""
    if type(value) is not str or value in allowed:
        return
    folded = value.casefold()
    for known in allowed:
        if known.casefold() == folded:
            how = "upper case" if known == value.upper() else "spelt exactly"
            raise ParameterError(f"{name} must be {how}: send {known!r}, got {value!r}")


def literal_values(hint: Any) -> frozenset[str] | None:
    """The str values of a ``Literal`` type hint (also inside ``X | None``); None if it has none."""
    origin = typing.get_origin(hint)
    if origin is Literal:
        values = frozenset(v for v in typing.get_args(hint) if isinstance(v, str))
        return values or None
    if origin is typing.Union or origin is types.UnionType:
        found: set[str] = set()
        for member in typing.get_args(hint):
            found |= literal_values(member) or set()
        return frozenset(found) or None
    return None


def _check_symbol_list(name: str, value: object) -> None:
    if isinstance(value, (list, tuple)):
        for item in value:
            check_symbol(item, name)


#: One argument to check: its name, its position in ``*args`` (``self`` is 0; None if keyword-only)
#: and the check, called as ``check(name, value)`` for a value that is not None.
_Check = tuple[str, "int | None", Callable[[str, Any], None]]


def _plan(method: Callable[..., Any]) -> list[_Check]:
    """The checks of `method`'s arguments: `check_symbol` for ``symbol``, each of ``symbols``, and
    `check_enum` for every argument typed with a Literal of strings."""
    plan: list[_Check] = []
    for index, parameter in enumerate(inspect.signature(method).parameters.values()):
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        position = None if parameter.kind is parameter.KEYWORD_ONLY else index
        name = parameter.name
        allowed = literal_values(_resolved(method, parameter.annotation))
        if name == "symbol":
            plan.append((name, position, lambda n, v: check_symbol(v, n)))
        elif name == "symbols":
            plan.append((name, position, _check_symbol_list))
        elif allowed is not None:
            plan.append((name, position, functools.partial(_check_enum_of, allowed)))
    return plan


def _resolved(method: Callable[..., Any], annotation: Any) -> Any:
    """A parameter's annotation as a type: postponed annotations are strings, resolved in the method's
    module as `typing.get_type_hints` would (one at a time: some name types imported only for type
    checkers, ``Unpack`` for one). None if it cannot be resolved."""
    if not isinstance(annotation, str):
        return annotation
    try:
        return eval(annotation, getattr(method, "__globals__", {}))  # the package's own source
    except Exception:
        return None


def _check_enum_of(allowed: frozenset[str], name: str, value: object) -> None:
    check_enum(name, value, allowed)


def _spelling_checked(method: F) -> F:
    """`method` (a coroutine function), its symbol and enumeration arguments checked first.

    The checks are worked out on the first call (the annotations name types that may be defined
    after the class); each call then costs a few dictionary and regex lookups.
    """
    plan: list[_Check] | None = None

    @functools.wraps(method)
    async def checked(*args: Any, **kwargs: Any) -> Any:
        nonlocal plan
        if plan is None:
            plan = _plan(method)
        for name, position, check in plan:
            if name in kwargs:
                value = kwargs[name]
            elif position is not None and position < len(args):
                value = args[position]
            else:
                continue
            if value is not None:
                check(name, value)
        return await method(*args, **kwargs)

    return typing.cast(F, checked)


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
