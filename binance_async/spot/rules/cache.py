"""`RulesCache`: every symbol's rules from one ``exchangeInfo`` fetch; and the client's side of it.

`RulesMixin` gives `SpotClient` ``symbol_rules`` / ``symbols_rules`` (a `RulesCache` per client) and
the ``validate=`` of its order and order-list methods.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

import msgspec

from ..._encoding import encode_value
from ...errors import InvalidResponseError, OrderValidationError, ParameterError, UnknownSymbolError
from .. import endpoints as E
from .._common import SpotBase
from ..methods.market import load_exchange_info
from ..models.market import ExchangeInfo
from ..params.trading import snake
from .symbol import SymbolRules
from .validation import OrderLeg

__all__ = ["RulesCache", "RulesMixin"]

# --------------------------------------------------------------------------------------------
# RulesCache
# --------------------------------------------------------------------------------------------


class _Snapshot:
    """One exchangeInfo response and the SymbolRules built from it so far."""

    __slots__ = ("_exchange_filters", "_info", "_rules", "expires_at")

    def __init__(self, info: ExchangeInfo, expires_at: float) -> None:
        self._info = info
        try:
            self._exchange_filters = tuple(info.exchange_filters())
        except msgspec.DecodeError as exc:
            raise _undecodable("exchangeFilters", info.raw_exchange_filters, exc) from None
        self._rules: dict[str, SymbolRules] = {}
        self.expires_at = expires_at

    def rules(self, symbol: str) -> SymbolRules:
        """The symbol's rules, built on first use; UnknownSymbolError if the response lacks it,
        InvalidResponseError if its filters cannot be decoded."""
        if not isinstance(symbol, str):  # a list or dict would be unhashable
            raise UnknownSymbolError(symbol)
        rules = self._rules.get(symbol)
        if rules is None:
            try:
                info = self._info.symbol(symbol)
            except KeyError:
                raise UnknownSymbolError(symbol) from None
            try:
                rules = SymbolRules.from_symbol_info(info, self._exchange_filters)
            except msgspec.DecodeError as exc:
                raise _undecodable(f"the filters of {symbol}", info.raw_filters, exc) from None
            self._rules[symbol] = rules
        return rules


def _undecodable(what: str, raw: msgspec.Raw, exc: msgspec.DecodeError) -> InvalidResponseError:
    return InvalidResponseError(
        f"GET /api/v3/exchangeInfo: {what} could not be decoded ({exc})",
        status=200,
        body=bytes(raw),
        method="GET",
        path="/api/v3/exchangeInfo",
    )


class RulesCache:
    """SymbolRules for every symbol from one ``exchangeInfo`` fetch, refreshed after ``ttl`` seconds.

    ``fetch`` returns a fresh :class:`~binance_async.spot.models.ExchangeInfo` (e.g.
    ``client.exchange_info``).  Concurrent callers while a fetch is in flight share it; if it fails,
    every one of them gets the error and the next call fetches again.  A symbol's rules are built the
    first time it is asked for and kept until the next fetch.  Nothing binds to an event loop before
    the first :meth:`get`.
    """

    __slots__ = ("_clock", "_fetch", "_pending", "_snapshot", "_ttl")

    def __init__(
        self,
        fetch: Callable[[], Awaitable[ExchangeInfo]],
        ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not ttl >= 0:
            raise ValueError(f"ttl must be a non-negative number of seconds, got {ttl!r}")
        self._fetch = fetch
        self._ttl = ttl
        self._clock = clock
        self._snapshot: _Snapshot | None = None
        self._pending: asyncio.Task[_Snapshot] | None = None

    async def get(self, symbol: str) -> SymbolRules:
        """The rules of ``symbol``; raises :class:`UnknownSymbolError` if exchangeInfo lacks it."""
        return (await self._current()).rules(symbol)

    async def get_many(self, symbols: Iterable[str]) -> dict[str, SymbolRules]:
        """The rules of each symbol (one fetch at most), in the order given."""
        snapshot = await self._current()
        return {symbol: snapshot.rules(symbol) for symbol in symbols}

    def invalidate(self) -> None:
        """Forget the cached response: the next call fetches again (a fetch in flight is not reused)."""
        self._snapshot = None
        self._pending = None

    async def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is not None and self._clock() < snapshot.expires_at:
            return snapshot
        loop = asyncio.get_running_loop()
        task = self._pending
        if task is None or task.get_loop() is not loop:  # none in flight, or stranded on another loop
            task = self._pending = loop.create_task(self._refresh())
        # shield: one caller being cancelled must not cancel the fetch the others are waiting for.
        return await asyncio.shield(task)

    async def _refresh(self) -> _Snapshot:
        this = asyncio.current_task()
        try:
            info = await self._fetch()
            snapshot = _Snapshot(info, self._clock() + self._ttl)
            if self._pending is this:  # not invalidated meanwhile
                self._snapshot = snapshot
            return snapshot
        finally:
            if self._pending is this:
                self._pending = None


# --------------------------------------------------------------------------------------------
# RulesMixin
# --------------------------------------------------------------------------------------------

_INTEGER = re.compile(r"-?[0-9]+")


def _decimal(params: Mapping[str, Any], name: str) -> Decimal | None:
    value = params.get(name)
    return None if value is None else Decimal(encode_value(name, value))


def _int(params: Mapping[str, Any], name: str) -> int | None:
    """The integer `params[name]` is sent as (never ``int(value)``, which truncates 1.5 and raises on
    "abc" or NaN); ParameterError when what is sent is not an integer."""
    value = params.get(name)
    if value is None:
        return None
    text = encode_value(name, value)
    if _INTEGER.fullmatch(text) is None:
        raise ParameterError(f"{snake(name)} must be an integer, got {value!r}")
    return int(text)


class RulesMixin(SpotBase):
    """Symbol rules, and validating orders against them (shared by single orders and order lists)."""

    _validate_orders: bool = False
    _rules_ttl: float = 300.0
    _rules_cache: RulesCache | None = None

    # -- symbol rules ------------------------------------------------------------------------------

    async def symbol_rules(self, symbol: str) -> SymbolRules:
        """The trading rules (filters) of `symbol`, with Decimal rounding helpers and `validate`.

        Rules come from one ``exchangeInfo`` call (weight 20) shared by every symbol and cached for
        ``rules_ttl`` seconds (see `SpotClient`); concurrent callers share one call in flight.
        """
        return await self._rules().get(symbol)

    async def symbols_rules(self, symbols: list[str]) -> dict[str, SymbolRules]:
        """`symbol_rules` for several symbols at once (still one ``exchangeInfo`` call)."""
        return await self._rules().get_many(symbols)

    def _rules(self) -> RulesCache:
        cache = self._rules_cache
        if cache is None:
            cache = self._rules_cache = RulesCache(
                partial(load_exchange_info, self._pipeline), self._rules_ttl
            )
        return cache

    async def _validate(self, symbol: str, legs: Sequence[OrderLeg], validate: bool | None) -> None:
        """Check every leg against `symbol`'s filters, if asked (`validate`, else ``validate_orders``).

        One `symbol_rules` lookup; ``avgPrice`` is fetched once, only if some leg needs it. A list
        order's violation is raised with its message prefixed by the order's name
        (``"pending_below order: PRICE_FILTER: ..."``), the other attributes unchanged.
        """
        if not (self._validate_orders if validate is None else validate):
            return
        rules = await self.symbol_rules(symbol)
        ref_price = None
        if any(
            rules.needs_ref_price(leg.type, quote_order_qty=leg.params.get("quoteOrderQty") is not None)
            for leg in legs
        ):
            ref_price = (await self._pipeline.call(E.AVG_PRICE, {"symbol": symbol})).price
        for side, order_type, params, name in legs:
            try:
                rules.validate(
                    side=side,
                    type=order_type,
                    quantity=_decimal(params, "quantity"),
                    price=_decimal(params, "price"),
                    quote_order_qty=_decimal(params, "quoteOrderQty"),
                    stop_price=_decimal(params, "stopPrice"),
                    trailing_delta=_int(params, "trailingDelta"),
                    iceberg_qty=_decimal(params, "icebergQty"),
                    ref_price=ref_price,
                )
            except OrderValidationError as exc:
                if not name:
                    raise
                raise OrderValidationError(
                    f"{snake(name)} order: {exc}",
                    filter_type=exc.filter_type,
                    field=exc.field,
                    value=exc.value,
                    allowed=exc.allowed,
                    leg=snake(name),
                ) from None
