"""The order vocabulary the simulator accepts (Binance's enums)."""

from __future__ import annotations

__all__ = ["CANCEL_RESTRICTIONS", "ORDER_SIDES", "ORDER_TYPES", "RESPONSE_TYPES", "TIME_IN_FORCE"]

ORDER_SIDES = ("BUY", "SELL")
ORDER_TYPES = (
    "LIMIT",
    "MARKET",
    "STOP_LOSS",
    "STOP_LOSS_LIMIT",
    "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
    "LIMIT_MAKER",
)
TIME_IN_FORCE = ("GTC", "IOC", "FOK")
RESPONSE_TYPES = ("ACK", "RESULT", "FULL")
CANCEL_RESTRICTIONS = ("ONLY_NEW", "ONLY_PARTIALLY_FILLED")
