"""Values every part of the simulator shares: an order side, and the two ways Binance writes a decimal."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

__all__ = ["Side", "fmt8", "plain"]

Side = Literal["BUY", "SELL"]


def fmt8(value: Decimal) -> str:
    """Binance's fixed 8-decimal form: ``Decimal("0.01")`` -> ``"0.01000000"``."""
    return format(value, ".8f")


def plain(value: Decimal) -> str:
    """The shortest plain form, as in ``quoteQty``: ``Decimal("48.00001200")`` -> ``"48.000012"``."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
