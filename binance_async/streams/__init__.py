"""WebSocket market streams: the typed events and their decoder, the connection supervisor, and local
order books kept from the diff depth stream.

`events` holds one typed event per market stream (`Trade`, `DepthUpdate`, `Kline` ...) and
`decode_message`, which turns one message of a combined-stream connection into one of them. The
event names are re-exported here.
"""

from __future__ import annotations

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

__all__ = [
    "AggTrade",
    "AvgPrice",
    "BlockTrade",
    "BookTicker",
    "ControlError",
    "ControlReply",
    "DepthUpdate",
    "Envelope",
    "Kline",
    "KlineBar",
    "MiniTicker",
    "MiniTickers",
    "PartialDepth",
    "RawEvent",
    "ReferencePrice",
    "ServerShutdown",
    "StreamEvent",
    "Ticker",
    "Trade",
    "WindowTicker",
    "WindowTickers",
    "decode_message",
    "sequence_of",
    "stream_event_type",
]
