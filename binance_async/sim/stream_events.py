"""What the market tells its observers: every change of a book level and every trade.

The market (`Market.events`) publishes; the WebSocket market streams (`ws_streams`) listen. With no
listener registered a publication costs one truth test, so the REST-only simulator pays nothing.

Book changes come from `ObservedBook`, the market's `OrderBook`: each `add` / `remove` bumps the book's
``last_update_id`` by one, and the listener hears that id with the level's new total, which is what lets
the diff depth stream's ``U`` / ``u`` agree with ``GET /api/v3/depth``'s ``lastUpdateId``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from .book import BookSide, OrderBook
from .values import Side

__all__ = ["MarketEvents", "MarketListener", "ObservedBook"]


class MarketListener(Protocol):
    def book_changed(self, symbol: str, side: Side, price: Decimal, total: Decimal, update_id: int) -> None:
        """The `side` level at `price` now holds `total` (0: gone); `update_id` is the change's id."""

    def traded(
        self, symbol: str, trade_id: int, price: Decimal, qty: Decimal, is_buyer_maker: bool, time_ms: int
    ) -> None:
        """A trade was recorded on `symbol`'s tape."""


class MarketEvents:
    """The market's observers. `listeners` is a plain list: append to listen, remove to stop."""

    def __init__(self) -> None:
        self.listeners: list[MarketListener] = []

    def book_changed(self, symbol: str, side: Side, price: Decimal, total: Decimal, update_id: int) -> None:
        for listener in self.listeners:
            listener.book_changed(symbol, side, price, total, update_id)

    def traded(
        self, symbol: str, trade_id: int, price: Decimal, qty: Decimal, is_buyer_maker: bool, time_ms: int
    ) -> None:
        for listener in self.listeners:
            listener.traded(symbol, trade_id, price, qty, is_buyer_maker, time_ms)


class ObservedBook(OrderBook):
    """An `OrderBook` that reports every level change to `events` (BUY: bids, SELL: asks)."""

    def __init__(
        self, symbol: str, bids: BookSide, asks: BookSide, last_update_id: int, events: MarketEvents
    ) -> None:
        super().__init__(symbol, bids, asks, last_update_id)
        self.events = events

    def add(self, side: Side, price: Decimal, qty: Decimal) -> Decimal:
        total = super().add(side, price, qty)
        if self.events.listeners:
            self.events.book_changed(self.symbol, side, price, total, self.last_update_id)
        return total

    def remove(self, side: Side, price: Decimal, qty: Decimal) -> Decimal:
        total = super().remove(side, price, qty)
        if self.events.listeners:
            self.events.book_changed(self.symbol, side, price, total, self.last_update_id)
        return total
