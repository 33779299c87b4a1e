"""Stream names from symbols: ``client.stream(names.trade("BTCUSDT"), names.kline("ETHUSDT", "1m"))``.

Each function takes a symbol as the REST methods do (``"BTCUSDT"``; its spelling is checked the same
way) and returns Binance's stream name (``"btcusdt@trade"``). Typed arguments say what each stream
takes: kline intervals, depth levels and speeds, ticker windows.
"""

from __future__ import annotations

import typing
from typing import Literal

from ..errors import ParameterError
from ..spot._common import check_symbol
from ..spot.enums import KlineInterval

__all__ = [
    "agg_trade",
    "avg_price",
    "book_ticker",
    "depth",
    "kline",
    "mini_ticker",
    "partial_depth",
    "ticker",
    "trade",
]

Speed = Literal["100ms", "1000ms"]
TickerWindow = Literal["1h", "4h", "1d"]

_INTERVALS: frozenset[str] = frozenset(typing.get_args(KlineInterval))


def _base(symbol: str) -> str:
    if not isinstance(symbol, str):
        raise ParameterError(f"symbol must be a str, got {symbol!r}")
    check_symbol(symbol)
    return symbol.lower()


def _speed(speed: Speed) -> str:
    if speed not in ("100ms", "1000ms"):
        raise ParameterError(f"speed must be '100ms' or '1000ms', got {speed!r}")
    return "@100ms" if speed == "100ms" else ""


def trade(symbol: str) -> str:
    """``<symbol>@trade``: every trade (`Trade`)."""
    return f"{_base(symbol)}@trade"


def agg_trade(symbol: str) -> str:
    """``<symbol>@aggTrade``: trades aggregated per taker order and price (`AggTrade`)."""
    return f"{_base(symbol)}@aggTrade"


def book_ticker(symbol: str) -> str:
    """``<symbol>@bookTicker``: the best bid and ask on every change (`BookTicker`)."""
    return f"{_base(symbol)}@bookTicker"


def depth(symbol: str, speed: Speed = "100ms") -> str:
    """``<symbol>@depth@100ms`` (or ``@depth`` every second): diff depth (`DepthUpdate`)."""
    return f"{_base(symbol)}@depth{_speed(speed)}"


def partial_depth(symbol: str, levels: Literal[5, 10, 20] = 20, speed: Speed = "100ms") -> str:
    """``<symbol>@depth<levels>@100ms``: the top `levels` of the book, every period (`PartialDepth`)."""
    if levels not in (5, 10, 20):
        raise ParameterError(f"levels must be 5, 10 or 20, got {levels!r}")
    return f"{_base(symbol)}@depth{levels}{_speed(speed)}"


def kline(symbol: str, interval: KlineInterval) -> str:
    """``<symbol>@kline_<interval>``: the current bar, updated (`Kline`)."""
    if interval not in _INTERVALS:
        raise ParameterError(f"interval must be one of {sorted(_INTERVALS)}, got {interval!r}")
    return f"{_base(symbol)}@kline_{interval}"


def ticker(symbol: str, window: TickerWindow | None = None) -> str:
    """``<symbol>@ticker`` (24 h, `Ticker`) or ``<symbol>@ticker_<window>`` (`WindowTicker`)."""
    if window is None:
        return f"{_base(symbol)}@ticker"
    if window not in ("1h", "4h", "1d"):
        raise ParameterError(f"window must be '1h', '4h' or '1d', got {window!r}")
    return f"{_base(symbol)}@ticker_{window}"


def mini_ticker(symbol: str | None = None) -> str:
    """``<symbol>@miniTicker`` (`MiniTicker`), or ``!miniTicker@arr`` for every symbol (`MiniTickers`)."""
    return "!miniTicker@arr" if symbol is None else f"{_base(symbol)}@miniTicker"


def avg_price(symbol: str) -> str:
    """``<symbol>@avgPrice``: the average price over 5 minutes (`AvgPrice`)."""
    return f"{_base(symbol)}@avgPrice"
