"""`SpotClient`: typed async methods for the Binance Spot ``/api/v3`` REST API.

Each method names its endpoint (see `endpoints`) and passes its arguments under Binance's names;
the shared pipeline does the rest. Docstrings carry the endpoint and its weight rule from the table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar, overload

import aiohttp

from .._base_client import BaseClient
from .._endpoint import Endpoint
from .._limits import RateLimiter, parse_rate_limits
from .._pipeline import Pipeline
from .._retry import RetryPolicy
from .._transport import Transport
from .._urls import MAINNET
from ..errors import InvalidRequestError
from . import endpoints as E
from .models import (
    AggTrade,
    AvgPrice,
    BlockTrade,
    BookTicker,
    Depth,
    ExchangeInfo,
    ExecutionRules,
    Kline,
    ReferencePrice,
    ReferencePriceCalculation,
    TickerPrice,
    TickerStats,
    Trade,
)

__all__ = ["KlineInterval", "SpotClient", "SymbolStatus", "TickerType"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

KlineInterval = Literal[
    "1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"
]
TickerType = Literal["FULL", "MINI"]
SymbolStatus = Literal["TRADING", "HALT", "BREAK", "CANCEL_ONLY"]
Timestamp = int | datetime  # milliseconds since the epoch, or an aware datetime

MAX_DEPTH_LIMIT = 5000
MAX_SYMBOLS = 100


def _documents(endpoint: Endpoint[Any]) -> Callable[[F], F]:
    """Put ``METHOD /path`` and the weight rule from the table under the docstring's first line."""

    def apply(method: F) -> F:
        summary, _, rest = (method.__doc__ or endpoint.name).partition("\n")
        where = f"``{endpoint.method} {endpoint.path}``, weight {endpoint.weight_doc}."
        method.__doc__ = f"{summary}\n\n        {where}\n{rest}"
        return method

    return apply


def _symbol_or_symbols(
    symbol: str | None, symbols: Sequence[str] | None, *, required: bool, max_symbols: int | None = None
) -> None:
    if symbol is not None and symbols is not None:
        raise InvalidRequestError("give symbol or symbols, not both")
    if required and symbol is None and not symbols:
        raise InvalidRequestError("give symbol or a non-empty symbols list")
    if symbols is not None:
        if isinstance(symbols, str):
            raise InvalidRequestError("symbols must be a list of symbols, not one string")
        if max_symbols is not None and len(symbols) > max_symbols:
            raise InvalidRequestError(f"at most {max_symbols} symbols per request, got {len(symbols)}")


def _limit(value: int | None, maximum: int) -> int | None:
    if value is not None and not 1 <= value <= maximum:
        raise InvalidRequestError(f"limit must be between 1 and {maximum}, got {value}")
    return value


class SpotClient(BaseClient):
    """Async client for the Binance Spot REST API.

    ::

        async with SpotClient(api_key=..., api_secret=...) as client:
            book = await client.depth("BTCUSDT", limit=100)

    Credentials: ``api_secret`` for HMAC keys, or ``private_key`` (PKCS#8 PEM, optionally encrypted
    with ``private_key_password``) for Ed25519 or RSA keys. Public market data needs neither.
    ``base_url`` defaults to mainnet; see `binance_async.TESTNET`, `DEMO` and `MARKET_DATA`. Plain
    ``http://`` is accepted only for loopback hosts (the embedded simulator).
    ``session`` shares a caller's ``aiohttp.ClientSession`` (left open on close; its silent resend of
    requests after a dropped keep-alive connection is turned off, see `_transport`); ``proxy`` and
    ``trust_env`` go to aiohttp. ``recv_window`` (ms, at most 60000) applies to signed requests.
    """

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | bytes | None = None,
        *,
        private_key: str | bytes | None = None,
        private_key_password: str | bytes | None = None,
        base_url: str = MAINNET,
        session: aiohttp.ClientSession | None = None,
        proxy: str | None = None,
        trust_env: bool = False,
        timeout: float | None = 10.0,
        recv_window: int = 5000,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        transport: Transport | None = None,
    ) -> None:
        super().__init__(
            base_url,
            api_key=api_key,
            api_secret=api_secret,
            private_key=private_key,
            private_key_password=private_key_password,
            session=session,
            proxy=proxy,
            trust_env=trust_env,
            timeout=timeout,
            recv_window=recv_window,
            limiter=limiter,
            retry=retry,
            transport=transport,
        )

    @staticmethod
    async def _server_ms(pipeline: Pipeline) -> int:
        return (await pipeline.call(E.SERVER_TIME)).server_time

    async def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        signed: bool = False,
        *,
        weight: int | None = None,
    ) -> Any:
        """Call any endpoint through the same pipeline; returns the decoded JSON.

        Parameters use Binance's names and are encoded like every other call. The weight comes from
        the endpoint table when the route is known, else ``weight`` (default 1).
        """
        method = method.upper()
        params = params or {}
        known = E.BY_ROUTE.get((method, path))
        if weight is None:
            weight = known.weight_for(params) if known is not None else 1
        elif weight < 0:
            raise InvalidRequestError(f"weight must not be negative, got {weight}")
        orders = known.orders if known is not None else 0
        return await self._pipeline.call_raw(
            method, path, params, signed=signed, weight=weight, orders=orders
        )

    # -- general -------------------------------------------------------------------------------------

    @_documents(E.PING)
    async def ping(self) -> None:
        """Test connectivity to the REST API."""
        await self._pipeline.call(E.PING)

    @_documents(E.SERVER_TIME)
    async def server_time(self) -> int:
        """The server's current time, in milliseconds since the epoch."""
        return await self._server_ms(self._pipeline)

    @_documents(E.EXCHANGE_INFO)
    async def exchange_info(
        self,
        symbol: str | None = None,
        *,
        symbols: Sequence[str] | None = None,
        permissions: str | Sequence[str] | None = None,
        show_permission_sets: bool | None = None,
        symbol_status: SymbolStatus | None = None,
    ) -> ExchangeInfo:
        """Trading rules, rate limits and symbol information.

        The response's ``rateLimits`` replace the limiter's windows (entries that are not usable
        limits are skipped; the defaults stay if none is).
        """
        if symbols is not None:
            _symbol_or_symbols(symbol, symbols, required=False)
        info = await self._pipeline.call(
            E.EXCHANGE_INFO,
            {
                "symbol": symbol,
                "symbols": symbols,
                "permissions": permissions,
                "showPermissionSets": show_permission_sets,
                "symbolStatus": symbol_status,
            },
        )
        limits = parse_rate_limits(info.rate_limits)
        if limits:
            self.limiter.configure(limits)
        return info

    @_documents(E.EXECUTION_RULES)
    async def execution_rules(
        self,
        symbol: str | None = None,
        *,
        symbols: Sequence[str] | None = None,
        symbol_status: SymbolStatus | None = None,
    ) -> ExecutionRules:
        """Execution rules (price ranges) for one symbol, several, or all with a status."""
        if symbols is not None:
            _symbol_or_symbols(symbol, symbols, required=False)
        if symbol_status is not None and (symbol is not None or symbols is not None):
            raise InvalidRequestError("symbol_status cannot be combined with symbol or symbols")
        return await self._pipeline.call(
            E.EXECUTION_RULES, {"symbol": symbol, "symbols": symbols, "symbolStatus": symbol_status}
        )

    # -- market data -----------------------------------------------------------------------------------

    @_documents(E.DEPTH)
    async def depth(
        self, symbol: str, *, limit: int | None = None, symbol_status: SymbolStatus | None = None
    ) -> Depth:
        """The order book: bids and asks as exact decimal strings (see `Depth`)."""
        return await self._pipeline.call(
            E.DEPTH,
            {"symbol": symbol, "limit": _limit(limit, MAX_DEPTH_LIMIT), "symbolStatus": symbol_status},
        )

    @_documents(E.TRADES)
    async def trades(self, symbol: str, *, limit: int | None = None) -> list[Trade]:
        """Recent trades (up to 1000, default 500)."""
        return await self._pipeline.call(E.TRADES, {"symbol": symbol, "limit": _limit(limit, 1000)})

    @_documents(E.HISTORICAL_TRADES)
    async def historical_trades(
        self, symbol: str, *, limit: int | None = None, from_id: int | None = None
    ) -> list[Trade]:
        """Older trades, from trade id ``from_id`` (default: the most recent)."""
        return await self._pipeline.call(
            E.HISTORICAL_TRADES, {"symbol": symbol, "limit": _limit(limit, 1000), "fromId": from_id}
        )

    @_documents(E.HISTORICAL_BLOCK_TRADES)
    async def historical_block_trades(
        self, symbol: str, from_id: int, *, limit: int | None = None
    ) -> list[BlockTrade]:
        """Block trades from block trade id ``from_id``."""
        return await self._pipeline.call(
            E.HISTORICAL_BLOCK_TRADES, {"symbol": symbol, "fromId": from_id, "limit": _limit(limit, 1000)}
        )

    @_documents(E.AGG_TRADES)
    async def agg_trades(
        self,
        symbol: str,
        *,
        from_id: int | None = None,
        start_time: Timestamp | None = None,
        end_time: Timestamp | None = None,
        limit: int | None = None,
    ) -> list[AggTrade]:
        """Compressed (aggregate) trades: fills at the same time, price and side merged."""
        return await self._pipeline.call(
            E.AGG_TRADES,
            {
                "symbol": symbol,
                "fromId": from_id,
                "startTime": start_time,
                "endTime": end_time,
                "limit": _limit(limit, 1000),
            },
        )

    async def _klines(
        self,
        endpoint: Endpoint[list[Kline]],
        symbol: str,
        interval: KlineInterval,
        start_time: Timestamp | None,
        end_time: Timestamp | None,
        time_zone: str | None,
        limit: int | None,
    ) -> list[Kline]:
        return await self._pipeline.call(
            endpoint,
            {
                "symbol": symbol,
                "interval": interval,
                "startTime": start_time,
                "endTime": end_time,
                "timeZone": time_zone,
                "limit": _limit(limit, 1000),
            },
        )

    @_documents(E.KLINES)
    async def klines(
        self,
        symbol: str,
        interval: KlineInterval,
        *,
        start_time: Timestamp | None = None,
        end_time: Timestamp | None = None,
        time_zone: str | None = None,
        limit: int | None = None,
    ) -> list[Kline]:
        """Candlesticks for a symbol and interval."""
        return await self._klines(E.KLINES, symbol, interval, start_time, end_time, time_zone, limit)

    @_documents(E.UI_KLINES)
    async def ui_klines(
        self,
        symbol: str,
        interval: KlineInterval,
        *,
        start_time: Timestamp | None = None,
        end_time: Timestamp | None = None,
        time_zone: str | None = None,
        limit: int | None = None,
    ) -> list[Kline]:
        """Candlesticks adjusted for presentation (same shape as `klines`)."""
        return await self._klines(E.UI_KLINES, symbol, interval, start_time, end_time, time_zone, limit)

    @_documents(E.AVG_PRICE)
    async def avg_price(self, symbol: str) -> AvgPrice:
        """The current average price of a symbol."""
        return await self._pipeline.call(E.AVG_PRICE, {"symbol": symbol})

    @overload
    async def ticker_24hr(
        self, symbol: str, *, type: TickerType | None = None, symbol_status: SymbolStatus | None = None
    ) -> TickerStats: ...
    @overload
    async def ticker_24hr(
        self,
        symbol: None = None,
        *,
        symbols: Sequence[str] | None = None,
        type: TickerType | None = None,
        symbol_status: SymbolStatus | None = None,
    ) -> list[TickerStats]: ...
    @_documents(E.TICKER_24HR)
    async def ticker_24hr(
        self,
        symbol: str | None = None,
        *,
        symbols: Sequence[str] | None = None,
        type: TickerType | None = None,
        symbol_status: SymbolStatus | None = None,
    ) -> TickerStats | list[TickerStats]:
        """24-hour rolling price change statistics: one symbol, several, or all."""
        if symbols is not None:
            _symbol_or_symbols(symbol, symbols, required=False)
        return await self._pipeline.call(
            E.TICKER_24HR, {"symbol": symbol, "symbols": symbols, "type": type, "symbolStatus": symbol_status}
        )

    @overload
    async def ticker_trading_day(
        self,
        symbol: str,
        *,
        time_zone: str | None = None,
        type: TickerType | None = None,
        symbol_status: SymbolStatus | None = None,
    ) -> TickerStats: ...
    @overload
    async def ticker_trading_day(
        self,
        symbol: None = None,
        *,
        symbols: Sequence[str],
        time_zone: str | None = None,
        type: TickerType | None = None,
        symbol_status: SymbolStatus | None = None,
    ) -> list[TickerStats]: ...
    @_documents(E.TICKER_TRADING_DAY)
    async def ticker_trading_day(
        self,
        symbol: str | None = None,
        *,
        symbols: Sequence[str] | None = None,
        time_zone: str | None = None,
        type: TickerType | None = None,
        symbol_status: SymbolStatus | None = None,
    ) -> TickerStats | list[TickerStats]:
        """Price change statistics for the current trading day (one symbol or up to 100)."""
        _symbol_or_symbols(symbol, symbols, required=True, max_symbols=MAX_SYMBOLS)
        return await self._pipeline.call(
            E.TICKER_TRADING_DAY,
            {
                "symbol": symbol,
                "symbols": symbols,
                "timeZone": time_zone,
                "type": type,
                "symbolStatus": symbol_status,
            },
        )

    @overload
    async def ticker_price(
        self, symbol: str, *, symbol_status: SymbolStatus | None = None
    ) -> TickerPrice: ...
    @overload
    async def ticker_price(
        self,
        symbol: None = None,
        *,
        symbols: Sequence[str] | None = None,
        symbol_status: SymbolStatus | None = None,
    ) -> list[TickerPrice]: ...
    @_documents(E.TICKER_PRICE)
    async def ticker_price(
        self,
        symbol: str | None = None,
        *,
        symbols: Sequence[str] | None = None,
        symbol_status: SymbolStatus | None = None,
    ) -> TickerPrice | list[TickerPrice]:
        """The latest price: one symbol, several, or all."""
        if symbols is not None:
            _symbol_or_symbols(symbol, symbols, required=False)
        return await self._pipeline.call(
            E.TICKER_PRICE, {"symbol": symbol, "symbols": symbols, "symbolStatus": symbol_status}
        )

    @overload
    async def book_ticker(self, symbol: str, *, symbol_status: SymbolStatus | None = None) -> BookTicker: ...
    @overload
    async def book_ticker(
        self,
        symbol: None = None,
        *,
        symbols: Sequence[str] | None = None,
        symbol_status: SymbolStatus | None = None,
    ) -> list[BookTicker]: ...
    @_documents(E.BOOK_TICKER)
    async def book_ticker(
        self,
        symbol: str | None = None,
        *,
        symbols: Sequence[str] | None = None,
        symbol_status: SymbolStatus | None = None,
    ) -> BookTicker | list[BookTicker]:
        """The best bid and ask on the book: one symbol, several, or all."""
        if symbols is not None:
            _symbol_or_symbols(symbol, symbols, required=False)
        return await self._pipeline.call(
            E.BOOK_TICKER, {"symbol": symbol, "symbols": symbols, "symbolStatus": symbol_status}
        )

    @overload
    async def ticker(
        self,
        symbol: str,
        *,
        window_size: str | None = None,
        type: TickerType | None = None,
        symbol_status: SymbolStatus | None = None,
    ) -> TickerStats: ...
    @overload
    async def ticker(
        self,
        symbol: None = None,
        *,
        symbols: Sequence[str],
        window_size: str | None = None,
        type: TickerType | None = None,
        symbol_status: SymbolStatus | None = None,
    ) -> list[TickerStats]: ...
    @_documents(E.TICKER)
    async def ticker(
        self,
        symbol: str | None = None,
        *,
        symbols: Sequence[str] | None = None,
        window_size: str | None = None,
        type: TickerType | None = None,
        symbol_status: SymbolStatus | None = None,
    ) -> TickerStats | list[TickerStats]:
        """Rolling-window price change statistics (``window_size`` 1m..59m, 1h..23h, 1d..7d; default 1d)."""
        _symbol_or_symbols(symbol, symbols, required=True, max_symbols=MAX_SYMBOLS)
        return await self._pipeline.call(
            E.TICKER,
            {
                "symbol": symbol,
                "symbols": symbols,
                "windowSize": window_size,
                "type": type,
                "symbolStatus": symbol_status,
            },
        )

    @_documents(E.REFERENCE_PRICE)
    async def reference_price(self, symbol: str) -> ReferencePrice:
        """The symbol's reference price (``None`` when not set)."""
        return await self._pipeline.call(E.REFERENCE_PRICE, {"symbol": symbol})

    @_documents(E.REFERENCE_PRICE_CALCULATION)
    async def reference_price_calculation(
        self, symbol: str, *, symbol_status: SymbolStatus | None = None
    ) -> ReferencePriceCalculation:
        """How the symbol's reference price is calculated."""
        return await self._pipeline.call(
            E.REFERENCE_PRICE_CALCULATION, {"symbol": symbol, "symbolStatus": symbol_status}
        )
