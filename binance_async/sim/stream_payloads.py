"""The events of the market streams, built from the simulator's own market data.

Klines, tickers and the average price are read through the same `Market` methods the REST endpoints
answer with (``klines_body``, ``ticker_24hr_body``, ``avg_price``), so a stream event and the REST body
of the same moment agree field for field. Nothing here changes the market.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .market import INTERVALS, Market
from .stream_names import Stream
from .values import Side, fmt8

__all__ = [
    "DepthDiff",
    "PendingTrade",
    "agg_event",
    "avg_price_event",
    "kline_event",
    "mini_ticker_event",
    "mini_ticker_fields",
    "ticker_event",
]

JsonObject = dict[str, Any]


class DepthDiff:
    """The level changes of one symbol since the last diff event (price -> new total, per side)."""

    def __init__(self) -> None:
        self.first_id = 0
        self.last_id = 0
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}

    def record(self, side: Side, price: Decimal, total: Decimal, update_id: int) -> None:
        if not self.first_id:
            self.first_id = update_id
        self.last_id = update_id
        (self.bids if side == "BUY" else self.asks)[price] = total

    def event(self, symbol: str, now_ms: int) -> JsonObject:
        bids = sorted(self.bids.items(), reverse=True)
        asks = sorted(self.asks.items())
        return {
            "e": "depthUpdate",
            "E": now_ms,
            "s": symbol,
            "U": self.first_id,
            "u": self.last_id,
            "b": [[fmt8(price), fmt8(qty)] for price, qty in bids],
            "a": [[fmt8(price), fmt8(qty)] for price, qty in asks],
        }


@dataclass
class PendingTrade:
    agg_id: int
    trade_id: int
    price: Decimal
    qty: Decimal
    is_buyer_maker: bool
    time_ms: int


def agg_event(symbol: str, trades: list[PendingTrade], now_ms: int) -> JsonObject:
    first = trades[0]
    return {
        "e": "aggTrade",
        "E": now_ms,
        "s": symbol,
        "a": first.agg_id,
        "p": fmt8(first.price),
        "q": fmt8(sum((t.qty for t in trades), Decimal(0))),
        "f": first.trade_id,
        "l": trades[-1].trade_id,
        "T": first.time_ms,
        "m": first.is_buyer_maker,
        "M": True,
    }


def kline_event(market: Market, stream: Stream, open_ms: int, closed: bool, now_ms: int) -> JsonObject | None:
    """The ``kline`` event of `stream`'s bar opening at `open_ms` (None if the symbol never traded): the
    row ``GET /api/v3/klines`` gives for that bar, with the first and last trade ids (-1 if none)."""
    interval = INTERVALS[stream.interval]
    symbol = stream.symbol
    rows = market.klines_body(symbol, interval, open_ms, open_ms, 1, stream.offset_ms)
    if not rows:
        return None
    row = rows[0]
    tape = market.tape(symbol)
    i, j = tape.span(row[0], row[6])
    first_id, last_id = (tape.first_id + i, tape.first_id + j - 1) if i < j else (-1, -1)
    return {
        "e": "kline",
        "E": now_ms,
        "s": symbol,
        "k": {
            "t": row[0],
            "T": row[6],
            "s": symbol,
            "i": stream.interval,
            "f": first_id,
            "L": last_id,
            "o": row[1],
            "c": row[4],
            "h": row[2],
            "l": row[3],
            "v": row[5],
            "n": row[8],
            "x": closed,
            "q": row[7],
            "V": row[9],
            "Q": row[10],
            "B": row[11],
        },
    }


def ticker_event(market: Market, symbol: str, now_ms: int) -> JsonObject:
    """``24hrTicker``: the FULL ``GET /api/v3/ticker/24hr`` body of the same moment, renamed."""
    body = market.ticker_24hr_body(symbol, full=True)
    return {
        "e": "24hrTicker",
        "E": now_ms,
        "s": symbol,
        "p": body["priceChange"],
        "P": body["priceChangePercent"],
        "w": body["weightedAvgPrice"],
        "x": body["prevClosePrice"],
        "c": body["lastPrice"],
        "Q": body["lastQty"],
        "b": body["bidPrice"],
        "B": body["bidQty"],
        "a": body["askPrice"],
        "A": body["askQty"],
        "o": body["openPrice"],
        "h": body["highPrice"],
        "l": body["lowPrice"],
        "v": body["volume"],
        "q": body["quoteVolume"],
        "O": body["openTime"],
        "C": body["closeTime"],
        "F": body["firstId"],
        "L": body["lastId"],
        "n": body["count"],
    }


def mini_ticker_fields(market: Market, symbol: str) -> tuple[str, str, str, str, str, str]:
    """What a ``24hrMiniTicker`` reports (close, open, high, low, volume, quote volume): the MINI
    ``GET /api/v3/ticker/24hr`` body's. Equal fields: the ticker did not change."""
    body = market.ticker_24hr_body(symbol, full=False)
    return (
        body["lastPrice"],
        body["openPrice"],
        body["highPrice"],
        body["lowPrice"],
        body["volume"],
        body["quoteVolume"],
    )


def mini_ticker_event(symbol: str, fields: tuple[str, str, str, str, str, str], now_ms: int) -> JsonObject:
    close, open_, high, low, volume, quote_volume = fields
    return {
        "e": "24hrMiniTicker",
        "E": now_ms,
        "s": symbol,
        "c": close,
        "o": open_,
        "h": high,
        "l": low,
        "v": volume,
        "q": quote_volume,
    }


def avg_price_event(market: Market, symbol: str, now_ms: int) -> JsonObject:
    """``avgPrice``: ``GET /api/v3/avgPrice``'s price (``w``) and last trade time (``T``)."""
    body = market.avg_price_body(symbol)
    return {
        "e": "avgPrice",
        "E": now_ms,
        "s": symbol,
        "i": f"{body['mins']}m",
        "w": body["price"],
        "T": body["closeTime"],
    }
