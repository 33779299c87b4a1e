"""Market stream names: what ``btcusdt@kline_1m`` means, and which of the server's cadences sends it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .market import INTERVALS, Market

__all__ = ["ALL_MINI_TICKERS", "Stream", "parse_stream"]

_PARTIAL_LEVELS = {"depth5": 5, "depth10": 10, "depth20": 20}
#: The all-market mini ticker stream's name (and its `Stream.kind`).
ALL_MINI_TICKERS = "!miniTicker@arr"
_TIME_ZONE = re.compile(r"([+-])(\d{2}):(\d{2})")
_PERIODIC = {"ticker", "miniTicker", "avgPrice"}


@dataclass(frozen=True)
class Stream:
    """A parsed stream name.

    `kind` is trade, aggTrade, bookTicker, depth (diff), partial, kline, ticker, miniTicker, avgPrice or
    ``!miniTicker@arr`` (whose `symbol` is empty).
    """

    name: str
    symbol: str  # upper case, as in events
    kind: str
    levels: int = 0
    fast: bool = False
    interval: str = ""  # klines
    offset_ms: int = 0  # klines in a time zone ahead of UTC (``@+08:00``)

    @property
    def cadence(self) -> str:
        """Which periodic task sends it: slow, fast, kline, kline_1s, ticker; "" for real time."""
        if self.kind in ("depth", "partial"):
            return "fast" if self.fast else "slow"
        if self.kind == "kline":
            return "kline_1s" if self.interval == "1s" else "kline"
        if self.kind in _PERIODIC or self.kind == ALL_MINI_TICKERS:
            return "ticker"
        return ""


def parse_stream(name: str, market: Market) -> Stream | None:
    """The stream called `name` (lower-case symbol), or None if the simulator has no such stream."""
    if name == ALL_MINI_TICKERS:
        return Stream(name, "", ALL_MINI_TICKERS)
    lowered, sep, rest = name.partition("@")
    if not sep or lowered != lowered.lower() or not market.has_symbol(lowered.upper()):
        return None
    symbol = lowered.upper()
    if rest.startswith("kline_"):
        return _kline(name, symbol, rest.removeprefix("kline_"))
    if rest in _PERIODIC:
        return Stream(name, symbol, rest)
    fast = rest.endswith("@100ms")
    if fast:
        rest = rest.removesuffix("@100ms")
    if rest in ("trade", "aggTrade", "bookTicker") and not fast:
        return Stream(name, symbol, rest)
    if rest == "depth":
        return Stream(name, symbol, "depth", fast=fast)
    levels = _PARTIAL_LEVELS.get(rest)
    if levels is not None:
        return Stream(name, symbol, "partial", levels, fast)
    return None


def _kline(name: str, symbol: str, rest: str) -> Stream | None:
    """``<interval>`` or ``<interval>@+08:00`` (a time zone within [-12:00, +14:00], as REST's)."""
    interval, _, zone = rest.partition("@")
    if interval not in INTERVALS:
        return None
    offset_ms = 0
    if zone:
        match = _TIME_ZONE.fullmatch(zone)
        if match is None:
            return None
        hours, minutes = int(match[2]), int(match[3])
        total = (hours * 60 + minutes) * (-1 if match[1] == "-" else 1)
        if minutes >= 60 or not -12 * 60 <= total <= 14 * 60:
            return None
        offset_ms = total * 60_000
    return Stream(name, symbol, "kline", interval=interval, offset_ms=offset_ms)
