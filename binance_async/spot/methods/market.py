"""Market-data methods of `SpotClient` (the 19 endpoints with security NONE)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

from ..._endpoint import Endpoint
from ..._limits import parse_rate_limits
from ..._pipeline import Pipeline
from ...errors import InvalidRequestError
from .. import endpoints as E
from .._common import MAX_DEPTH_LIMIT, MAX_SYMBOLS, SpotBase, check_limit, check_symbols, documents
from ..enums import KlineInterval, SymbolStatus, TickerType, Timestamp
from ..models.market import (
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

__all__ = ["MarketDataMixin", "load_exchange_info"]

# The ticker endpoints answer one object for ``symbol`` and a list otherwise; the table's response
# type allows both, so each method asks for the shape it promises: anything else is an
# InvalidResponseError, never a list where one ticker was expected (or the reverse).
_TICKER_24HR: tuple[Endpoint[TickerStats], Endpoint[list[TickerStats]]] = (
    E.TICKER_24HR.returning(TickerStats),
    E.TICKER_24HR.returning(list[TickerStats]),
)
_TICKER_TRADING_DAY: tuple[Endpoint[TickerStats], Endpoint[list[TickerStats]]] = (
    E.TICKER_TRADING_DAY.returning(TickerStats),
    E.TICKER_TRADING_DAY.returning(list[TickerStats]),
)
_TICKER_PRICE: tuple[Endpoint[TickerPrice], Endpoint[list[TickerPrice]]] = (
    E.TICKER_PRICE.returning(TickerPrice),
    E.TICKER_PRICE.returning(list[TickerPrice]),
)
_BOOK_TICKER: tuple[Endpoint[BookTicker], Endpoint[list[BookTicker]]] = (
    E.BOOK_TICKER.returning(BookTicker),
    E.BOOK_TICKER.returning(list[BookTicker]),
)
_TICKER: tuple[Endpoint[TickerStats], Endpoint[list[TickerStats]]] = (
    E.TICKER.returning(TickerStats),
    E.TICKER.returning(list[TickerStats]),
)


async def load_exchange_info(pipeline: Pipeline, params: Mapping[str, Any] | None = None) -> ExchangeInfo:
    """``GET /api/v3/exchangeInfo``; its ``rateLimits`` replace the limiter's windows."""
    info = await pipeline.call(E.EXCHANGE_INFO, params)
    limits = parse_rate_limits(info.rate_limits)
    if limits:
        pipeline.limiter.configure(limits)
    return info


class MarketDataMixin(SpotBase):
    """Public market data: no key needed."""

    # -- general -------------------------------------------------------------------------------------

    @documents(E.PING)
    async def ping(self) -> None:
        """Test connectivity to the REST API."""
        await self._pipeline.call(E.PING)

    @documents(E.SERVER_TIME)
    async def server_time(self) -> int:
        """The server's current time, in milliseconds since the epoch."""
        return (await self._pipeline.call(E.SERVER_TIME)).server_time

    @documents(E.EXCHANGE_INFO)
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
            check_symbols(symbol, symbols, required=False)
        return await load_exchange_info(
            self._pipeline,
            {
                "symbol": symbol,
                "symbols": symbols,
                "permissions": permissions,
                "showPermissionSets": show_permission_sets,
                "symbolStatus": symbol_status,
            },
        )

    @documents(E.EXECUTION_RULES)
    async def execution_rules(
        self,
        symbol: str | None = None,
        *,
        symbols: Sequence[str] | None = None,
        symbol_status: SymbolStatus | None = None,
    ) -> ExecutionRules:
        """Execution rules (price ranges) for one symbol, several, or all with a status."""
        if symbols is not None:
            check_symbols(symbol, symbols, required=False)
        if symbol_status is not None and (symbol is not None or symbols is not None):
            raise InvalidRequestError("symbol_status cannot be combined with symbol or symbols")
        return await self._pipeline.call(
            E.EXECUTION_RULES, {"symbol": symbol, "symbols": symbols, "symbolStatus": symbol_status}
        )

    # -- market data -----------------------------------------------------------------------------------

    @documents(E.DEPTH)
    async def depth(
        self, symbol: str, *, limit: int | None = None, symbol_status: SymbolStatus | None = None
    ) -> Depth:
        """The order book: bids and asks as exact decimal strings (see `Depth`)."""
        return await self._pipeline.call(
            E.DEPTH,
            {"symbol": symbol, "limit": check_limit(limit, MAX_DEPTH_LIMIT), "symbolStatus": symbol_status},
        )

    @documents(E.TRADES)
    async def trades(self, symbol: str, *, limit: int | None = None) -> list[Trade]:
        """Recent trades (up to 1000, default 500)."""
        return await self._pipeline.call(E.TRADES, {"symbol": symbol, "limit": check_limit(limit, 1000)})

    @documents(E.HISTORICAL_TRADES)
    async def historical_trades(
        self, symbol: str, *, limit: int | None = None, from_id: int | None = None
    ) -> list[Trade]:
        """Older trades, from trade id ``from_id`` (default: the most recent)."""
        return await self._pipeline.call(
            E.HISTORICAL_TRADES, {"symbol": symbol, "limit": check_limit(limit, 1000), "fromId": from_id}
        )

    @documents(E.HISTORICAL_BLOCK_TRADES)
    async def historical_block_trades(
        self, symbol: str, from_id: int, *, limit: int | None = None
    ) -> list[BlockTrade]:
        """Block trades from block trade id ``from_id``."""
        return await self._pipeline.call(
            E.HISTORICAL_BLOCK_TRADES,
            {"symbol": symbol, "fromId": from_id, "limit": check_limit(limit, 1000)},
        )

    @documents(E.AGG_TRADES)
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
                "limit": check_limit(limit, 1000),
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
                "limit": check_limit(limit, 1000),
            },
        )

    @documents(E.KLINES)
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

    @documents(E.UI_KLINES)
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

    @documents(E.AVG_PRICE)
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
    @documents(E.TICKER_24HR)
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
            check_symbols(symbol, symbols, required=False)
        params = {"symbol": symbol, "symbols": symbols, "type": type, "symbolStatus": symbol_status}
        if symbol is not None:
            return await self._pipeline.call(_TICKER_24HR[0], params)
        return await self._pipeline.call(_TICKER_24HR[1], params)

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
    @documents(E.TICKER_TRADING_DAY)
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
        check_symbols(symbol, symbols, required=True, max_symbols=MAX_SYMBOLS)
        params = {
            "symbol": symbol,
            "symbols": symbols,
            "timeZone": time_zone,
            "type": type,
            "symbolStatus": symbol_status,
        }
        if symbol is not None:
            return await self._pipeline.call(_TICKER_TRADING_DAY[0], params)
        return await self._pipeline.call(_TICKER_TRADING_DAY[1], params)

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
    @documents(E.TICKER_PRICE)
    async def ticker_price(
        self,
        symbol: str | None = None,
        *,
        symbols: Sequence[str] | None = None,
        symbol_status: SymbolStatus | None = None,
    ) -> TickerPrice | list[TickerPrice]:
        """The latest price: one symbol, several, or all."""
        if symbols is not None:
            check_symbols(symbol, symbols, required=False)
        params = {"symbol": symbol, "symbols": symbols, "symbolStatus": symbol_status}
        if symbol is not None:
            return await self._pipeline.call(_TICKER_PRICE[0], params)
        return await self._pipeline.call(_TICKER_PRICE[1], params)

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
    @documents(E.BOOK_TICKER)
    async def book_ticker(
        self,
        symbol: str | None = None,
        *,
        symbols: Sequence[str] | None = None,
        symbol_status: SymbolStatus | None = None,
    ) -> BookTicker | list[BookTicker]:
        """The best bid and ask on the book: one symbol, several, or all."""
        if symbols is not None:
            check_symbols(symbol, symbols, required=False)
        params = {"symbol": symbol, "symbols": symbols, "symbolStatus": symbol_status}
        if symbol is not None:
            return await self._pipeline.call(_BOOK_TICKER[0], params)
        return await self._pipeline.call(_BOOK_TICKER[1], params)

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
    @documents(E.TICKER)
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
        check_symbols(symbol, symbols, required=True, max_symbols=MAX_SYMBOLS)
        params = {
            "symbol": symbol,
            "symbols": symbols,
            "windowSize": window_size,
            "type": type,
            "symbolStatus": symbol_status,
        }
        if symbol is not None:
            return await self._pipeline.call(_TICKER[0], params)
        return await self._pipeline.call(_TICKER[1], params)

    @documents(E.REFERENCE_PRICE)
    async def reference_price(self, symbol: str) -> ReferencePrice:
        """The symbol's reference price (``None`` when not set)."""
        return await self._pipeline.call(E.REFERENCE_PRICE, {"symbol": symbol})

    @documents(E.REFERENCE_PRICE_CALCULATION)
    async def reference_price_calculation(
        self, symbol: str, *, symbol_status: SymbolStatus | None = None
    ) -> ReferencePriceCalculation:
        """How the symbol's reference price is calculated."""
        return await self._pipeline.call(
            E.REFERENCE_PRICE_CALCULATION, {"symbol": symbol, "symbolStatus": symbol_status}
        )
