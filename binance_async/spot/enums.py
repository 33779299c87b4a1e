"""The Spot API's enumerations as `Literal` types (what Binance accepts, spelt as Binance spells it)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypeAlias

__all__ = [
    "CancelReplaceMode",
    "CancelRestrictions",
    "KlineInterval",
    "OrderRateLimitExceededMode",
    "OrderResponseType",
    "OrderSide",
    "OrderType",
    "PegOffsetType",
    "PegPriceType",
    "SelfTradePreventionMode",
    "SymbolStatus",
    "TickerType",
    "TimeInForce",
    "Timestamp",
]

KlineInterval: TypeAlias = Literal[
    "1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"
]
TickerType: TypeAlias = Literal["FULL", "MINI"]
SymbolStatus: TypeAlias = Literal["TRADING", "HALT", "BREAK", "CANCEL_ONLY"]
#: Milliseconds since the epoch, or an aware datetime.
Timestamp: TypeAlias = int | datetime

OrderSide: TypeAlias = Literal["BUY", "SELL"]
OrderType: TypeAlias = Literal[
    "LIMIT", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT", "LIMIT_MAKER"
]
TimeInForce: TypeAlias = Literal["GTC", "IOC", "FOK"]
OrderResponseType: TypeAlias = Literal["ACK", "RESULT", "FULL"]
SelfTradePreventionMode: TypeAlias = Literal[
    "NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT", "TRANSFER"
]
CancelRestrictions: TypeAlias = Literal["ONLY_NEW", "ONLY_PARTIALLY_FILLED"]
CancelReplaceMode: TypeAlias = Literal["STOP_ON_FAILURE", "ALLOW_FAILURE"]
OrderRateLimitExceededMode: TypeAlias = Literal["DO_NOTHING", "CANCEL_ONLY"]
PegPriceType: TypeAlias = Literal["PRIMARY_PEG", "MARKET_PEG"]
PegOffsetType: TypeAlias = Literal["PRICE_LEVEL"]
