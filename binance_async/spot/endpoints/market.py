"""The market-data endpoints (security NONE)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..._endpoint import Endpoint
from ..models.market import (
    AggTrade,
    AvgPrice,
    BlockTrade,
    BookTicker,
    Depth,
    EmptyResponse,
    ExchangeInfo,
    ExecutionRules,
    Kline,
    ReferencePrice,
    ReferencePriceCalculation,
    ServerTime,
    TickerPrice,
    TickerStats,
    Trade,
)

__all__ = [
    "AGG_TRADES",
    "AVG_PRICE",
    "BOOK_TICKER",
    "DEPTH",
    "EXCHANGE_INFO",
    "EXECUTION_RULES",
    "HISTORICAL_BLOCK_TRADES",
    "HISTORICAL_TRADES",
    "KLINES",
    "MARKET_ENDPOINTS",
    "PING",
    "REFERENCE_PRICE",
    "REFERENCE_PRICE_CALCULATION",
    "SERVER_TIME",
    "TICKER",
    "TICKER_24HR",
    "TICKER_PRICE",
    "TICKER_TRADING_DAY",
    "TRADES",
    "UI_KLINES",
    "depth_weight",
    "execution_rules_weight",
    "one_or_all_weight",
    "per_symbol_weight",
]


def _count(params: Mapping[str, Any], name: str = "symbols") -> int:
    value = params.get(name)
    return len(value) if isinstance(value, (list, tuple)) else 0


def depth_weight(params: Mapping[str, Any]) -> int:
    limit = params.get("limit")
    limit = 100 if limit is None else int(limit)
    return 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250


def execution_rules_weight(params: Mapping[str, Any]) -> int:
    if params.get("symbol") is not None:
        return 2
    if params.get("symbols") is not None:
        return min(2 * _count(params), 40)
    return 40


def ticker_24hr_weight(params: Mapping[str, Any]) -> int:
    if params.get("symbol") is not None:
        return 2
    if params.get("symbols") is None:
        return 80
    count = _count(params)
    return 2 if count <= 20 else 40 if count <= 100 else 80


def per_symbol_weight(params: Mapping[str, Any]) -> int:
    """ticker and ticker/tradingDay: 4 per symbol, at most 200."""
    count = 1 if params.get("symbol") is not None else _count(params)
    return min(4 * count, 200)


def one_or_all_weight(params: Mapping[str, Any]) -> int:
    """ticker/price and ticker/bookTicker: 2 for one symbol, 4 otherwise."""
    return 2 if params.get("symbol") is not None else 4


_TICKER_STATS = TickerStats | list[TickerStats]

PING: Endpoint[EmptyResponse] = Endpoint("ping", "GET", "/api/v3/ping", EmptyResponse)
SERVER_TIME: Endpoint[ServerTime] = Endpoint("server_time", "GET", "/api/v3/time", ServerTime)
EXCHANGE_INFO: Endpoint[ExchangeInfo] = Endpoint(
    "exchange_info", "GET", "/api/v3/exchangeInfo", ExchangeInfo, weight=20
)
EXECUTION_RULES: Endpoint[ExecutionRules] = Endpoint(
    "execution_rules",
    "GET",
    "/api/v3/executionRules",
    ExecutionRules,
    weight=execution_rules_weight,
    weight_doc="2 for one symbol; 2 per symbol for symbols, at most 40; 40 otherwise",
)
DEPTH: Endpoint[Depth] = Endpoint(
    "depth",
    "GET",
    "/api/v3/depth",
    Depth,
    weight=depth_weight,
    weight_doc="by limit: 1-100: 5; 101-500: 25; 501-1000: 50; 1001-5000: 250 (default 100: 5)",
)
TRADES: Endpoint[list[Trade]] = Endpoint("trades", "GET", "/api/v3/trades", list[Trade], weight=25)
HISTORICAL_TRADES: Endpoint[list[Trade]] = Endpoint(
    "historical_trades", "GET", "/api/v3/historicalTrades", list[Trade], weight=25
)
HISTORICAL_BLOCK_TRADES: Endpoint[list[BlockTrade]] = Endpoint(
    "historical_block_trades", "GET", "/api/v3/historicalBlockTrades", list[BlockTrade], weight=25
)
AGG_TRADES: Endpoint[list[AggTrade]] = Endpoint(
    "agg_trades", "GET", "/api/v3/aggTrades", list[AggTrade], weight=4
)
KLINES: Endpoint[list[Kline]] = Endpoint("klines", "GET", "/api/v3/klines", list[Kline], weight=2)
UI_KLINES: Endpoint[list[Kline]] = Endpoint("ui_klines", "GET", "/api/v3/uiKlines", list[Kline], weight=2)
AVG_PRICE: Endpoint[AvgPrice] = Endpoint("avg_price", "GET", "/api/v3/avgPrice", AvgPrice, weight=2)
TICKER_24HR: Endpoint[TickerStats | list[TickerStats]] = Endpoint(
    "ticker_24hr",
    "GET",
    "/api/v3/ticker/24hr",
    _TICKER_STATS,
    weight=ticker_24hr_weight,
    weight_doc="2 for one symbol; symbols 1-20: 2, 21-100: 40, 101 or more: 80; all symbols: 80",
)
TICKER_TRADING_DAY: Endpoint[TickerStats | list[TickerStats]] = Endpoint(
    "ticker_trading_day",
    "GET",
    "/api/v3/ticker/tradingDay",
    _TICKER_STATS,
    weight=per_symbol_weight,
    weight_doc="4 per symbol, at most 200",
)
TICKER_PRICE: Endpoint[TickerPrice | list[TickerPrice]] = Endpoint(
    "ticker_price",
    "GET",
    "/api/v3/ticker/price",
    TickerPrice | list[TickerPrice],
    weight=one_or_all_weight,
    weight_doc="2 for one symbol; 4 for several or all",
)
BOOK_TICKER: Endpoint[BookTicker | list[BookTicker]] = Endpoint(
    "book_ticker",
    "GET",
    "/api/v3/ticker/bookTicker",
    BookTicker | list[BookTicker],
    weight=one_or_all_weight,
    weight_doc="2 for one symbol; 4 for several or all",
)
TICKER: Endpoint[TickerStats | list[TickerStats]] = Endpoint(
    "ticker",
    "GET",
    "/api/v3/ticker",
    _TICKER_STATS,
    weight=per_symbol_weight,
    weight_doc="4 per symbol, at most 200",
)
REFERENCE_PRICE: Endpoint[ReferencePrice] = Endpoint(
    "reference_price", "GET", "/api/v3/referencePrice", ReferencePrice, weight=2
)
REFERENCE_PRICE_CALCULATION: Endpoint[ReferencePriceCalculation] = Endpoint(
    "reference_price_calculation",
    "GET",
    "/api/v3/referencePrice/calculation",
    ReferencePriceCalculation,
    weight=2,
)

MARKET_ENDPOINTS: tuple[Endpoint[Any], ...] = (
    PING,
    SERVER_TIME,
    EXCHANGE_INFO,
    EXECUTION_RULES,
    DEPTH,
    TRADES,
    HISTORICAL_TRADES,
    HISTORICAL_BLOCK_TRADES,
    AGG_TRADES,
    KLINES,
    UI_KLINES,
    AVG_PRICE,
    TICKER_24HR,
    TICKER_TRADING_DAY,
    TICKER_PRICE,
    BOOK_TICKER,
    TICKER,
    REFERENCE_PRICE,
    REFERENCE_PRICE_CALCULATION,
)
