"""WebSocket market streams: typed events, supervised connections, and local order books.

Use them from a client: ``client.stream(*names)``, ``client.order_book(symbol)``,
``client.order_books(symbols)`` (`binance_async.spot.SpotClient`). The modules, one concern each:

- `events`: one typed event per market stream (`Trade`, `DepthUpdate`, `Kline` ...) and
  `decode_message`, which turns one combined-stream message into one of them;
- `config`: `StreamConfig` (the supervisor's times, Binance's limits, queues) and `Overflow`;
- `connection`: `StreamConnection`, one supervised socket (reconnects, watchdog, pings,
  make-before-break rotation, paced control messages) and its `ConnectionStats`;
- `hub`: `StreamHub`, the connections of one client shared by every subscriber, and `EventStream`,
  what ``client.stream`` returns; `StreamStatus` events;
- `subscriber`: the bounded queue between the reader and one consumer;
- `names`: stream names from symbols (``names.trade("BTCUSDT")`` is ``"btcusdt@trade"``);
- `local_book`: Binance's local order book algorithm as plain data (`LocalBook`);
- `books`: `OrderBook` / `OrderBooks` on the client's streams, and their paced snapshots;
- `_wire`: the sockets' own WebSocket client (RFC 6455 on a raw asyncio protocol, every message of a
  network read handed to the reader at once), used whenever the client connects straight to the host
  (no proxy, its own session); aiohttp's socket otherwise (`StreamConfig.own_reader`).
"""

from __future__ import annotations

from . import names
from .books import OrderBook, OrderBooks
from .config import Overflow, StreamConfig
from .connection import ConnectionStats
from .events import (
    AggTrade,
    AvgPrice,
    BlockTrade,
    BookTicker,
    ControlError,
    ControlReply,
    DepthUpdate,
    Envelope,
    Kline,
    KlineBar,
    MiniTicker,
    MiniTickers,
    PartialDepth,
    RawEvent,
    ReferencePrice,
    ServerShutdown,
    StreamEvent,
    Ticker,
    Trade,
    WindowTicker,
    WindowTickers,
    decode_message,
    sequence_of,
    stream_event_type,
)
from .hub import EventStream, StreamStatus
from .local_book import LocalBook

__all__ = [
    "AggTrade",
    "AvgPrice",
    "BlockTrade",
    "BookTicker",
    "ConnectionStats",
    "ControlError",
    "ControlReply",
    "DepthUpdate",
    "Envelope",
    "EventStream",
    "Kline",
    "KlineBar",
    "LocalBook",
    "MiniTicker",
    "MiniTickers",
    "OrderBook",
    "OrderBooks",
    "Overflow",
    "PartialDepth",
    "RawEvent",
    "ReferencePrice",
    "ServerShutdown",
    "StreamConfig",
    "StreamEvent",
    "StreamStatus",
    "Ticker",
    "Trade",
    "WindowTicker",
    "WindowTickers",
    "decode_message",
    "names",
    "sequence_of",
    "stream_event_type",
]
