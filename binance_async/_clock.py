"""The server clock: our estimate of Binance's time, for signed requests' ``timestamp``.

The offset is measured lazily (before the first signed request) from ``GET /api/v3/time``, taking
the midpoint of the round trip, and measured again when Binance answers -1021. Only one sync runs
at a time; concurrent callers wait for it instead of sending their own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

__all__ = ["ServerClock"]


class ServerClock:
    """Milliseconds on Binance's clock, as estimated from the last sync."""

    __slots__ = ("_lock", "_syncs", "_wall", "offset_ms", "round_trip_ms")

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._lock: asyncio.Lock | None = None
        self.offset_ms = 0.0
        self.round_trip_ms = 0.0
        self._syncs = 0

    @property
    def synced(self) -> bool:
        """Whether the offset has been measured at least once."""
        return self._syncs > 0

    def now_ms(self) -> int:
        """Binance's current time in milliseconds (local time if never synced)."""
        return int(self._wall() * 1000.0 + self.offset_ms)

    async def sync(self, fetch_server_ms: Callable[[], Awaitable[int]], *, force: bool = False) -> None:
        """Measure the offset with `fetch_server_ms`, unless a sync already happened (or ran meanwhile)."""
        if self.synced and not force:
            return
        if self._lock is None:
            self._lock = asyncio.Lock()
        seen = self._syncs
        async with self._lock:
            if self._syncs != seen:
                return  # another task synced while we waited for the lock
            start = self._wall()
            server_ms = await fetch_server_ms()
            end = self._wall()
            self.round_trip_ms = (end - start) * 1000.0
            self.offset_ms = server_ms - (start + end) * 500.0
            self._syncs += 1
