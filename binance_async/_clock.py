"""The server clock: our estimate of Binance's time, for signed requests' ``timestamp`` and for the
rate limiter's windows.

The offset is measured lazily (before the first signed request) from ``GET /api/v3/time``, taking
the midpoint of the round trip, and measured again when Binance answers -1021. Only the round trip
on the wire is timed (the caller's measuring function starts the watch after the rate limiter, see
`Pipeline.sync_clock`); a sample whose round trip is longer than `GOOD_ROUND_TRIP_MS` is measured
again, up to `MAX_SAMPLES` times, and the sample with the shortest round trip wins. Only one sync
runs at a time; concurrent callers wait for it instead of sending their own.

A client that never signs never syncs: the ``Date`` header of its first answer aligns the clock
(to about half a second, the header's resolution) when the local clock is more than a second off,
so that its rate-limit windows follow Binance's. Whenever the offset moves, the listeners (the rate
limiter's `rebase`) are told by how much.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from typing import NamedTuple

__all__ = ["ClockSample", "ServerClock"]

log = logging.getLogger("binance_async")

#: A round trip longer than this (ms) makes a sample suspect: it is measured again.
GOOD_ROUND_TRIP_MS = 1000.0
#: At most this many samples per sync; the one with the shortest round trip is used.
MAX_SAMPLES = 3
#: The Date header moves the clock only when it disagrees by more than this (ms).
DATE_TOLERANCE_MS = 1000.0


class ClockSample(NamedTuple):
    """One measurement: the server's time, and our wall clock (s) when the request left and when
    the answer came back."""

    server_ms: int
    sent: float
    received: float

    @property
    def round_trip_ms(self) -> float:
        return (self.received - self.sent) * 1000.0


class ServerClock:
    """Milliseconds on Binance's clock, as estimated from the last sync."""

    __slots__ = ("_listeners", "_lock", "_syncs", "_wall", "aligned", "offset_ms", "round_trip_ms", "samples")

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._lock: asyncio.Lock | None = None
        self.offset_ms = 0.0
        self.round_trip_ms = 0.0
        self._syncs = 0
        #: Whether the offset is known at least roughly (a sync, or a Date header).
        self.aligned = False
        #: Samples taken by syncs so far (including the ones discarded for a long round trip).
        self.samples = 0
        self._listeners: list[Callable[[int], None]] = []

    @property
    def synced(self) -> bool:
        """Whether the offset has been measured at least once."""
        return self._syncs > 0

    def wall(self) -> float:
        """The local wall clock (s), as this clock reads it."""
        return self._wall()

    def now_ms(self) -> int:
        """Binance's current time in milliseconds (local time if never synced)."""
        return int(self._wall() * 1000.0 + self.offset_ms)

    def on_jump(self, listener: Callable[[int], None]) -> None:
        """Call `listener(delta_ms)` whenever the offset changes by a whole millisecond or more."""
        self._listeners.append(listener)

    def _set_offset(self, offset_ms: float) -> None:
        delta = round(offset_ms - self.offset_ms)
        self.offset_ms = offset_ms
        self.aligned = True
        if delta:
            for listener in self._listeners:
                listener(delta)

    async def sync(self, measure: Callable[[], Awaitable[ClockSample]], *, force: bool = False) -> None:
        """Measure the offset with `measure`, unless a sync already happened (or ran meanwhile)."""
        if self.synced and not force:
            return
        if self._lock is None:
            self._lock = asyncio.Lock()
        seen = self._syncs
        async with self._lock:
            if self._syncs != seen:
                return  # another task synced while we waited for the lock
            best: ClockSample | None = None
            for _ in range(MAX_SAMPLES):
                sample = await measure()
                self.samples += 1
                if best is None or sample.round_trip_ms < best.round_trip_ms:
                    best = sample
                if best.round_trip_ms <= GOOD_ROUND_TRIP_MS:
                    break
            assert best is not None
            if best.round_trip_ms > GOOD_ROUND_TRIP_MS:
                log.warning(
                    "server clock: every round trip was long (best %.0f ms); the offset may be off by half",
                    best.round_trip_ms,
                )
            self.round_trip_ms = best.round_trip_ms
            self._set_offset(best.server_ms - (best.sent + best.received) * 500.0)
            self._syncs += 1

    def align(self, date: str | None) -> None:
        """Align a never-synced clock to an answer's ``Date`` header (once; see the module doc)."""
        if self.aligned:
            return
        self.aligned = True  # one look: a missing or odd header leaves the local clock as it is
        if date is None:
            return
        try:
            server_s = parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return
        # The header is truncated to the second: the server's time was within [server_s, server_s + 1).
        offset = (server_s + 0.5 - self._wall()) * 1000.0
        if abs(offset - self.offset_ms) > DATE_TOLERANCE_MS:
            log.info("local clock is %.1f s off the server's Date: aligning to it", offset / 1000.0)
            self._set_offset(offset)
