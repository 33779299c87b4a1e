"""Binance's connection-attempt budget: 300 attempts per 5 minutes per IP, for every stream of a client."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

__all__ = ["AttemptBudget"]


class AttemptBudget:
    """A sliding log of connection attempts: `acquire` waits while `limit` attempts lie within `period`.

    One budget serves all of a client's connections (a reconnect storm of many connections cannot go
    over it). `attempts` and `waits` count what happened.
    """

    def __init__(self, limit: int, period: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._log: deque[float] = deque()
        self._lock = asyncio.Lock()
        #: Attempts admitted so far.
        self.attempts = 0
        #: Attempts that had to wait for the budget.
        self.waits = 0

    def used(self) -> int:
        """Attempts within the last `period`."""
        self._forget(self._clock())
        return len(self._log)

    def _forget(self, now: float) -> None:
        log = self._log
        while log and log[0] <= now - self.period:
            log.popleft()

    async def acquire(self) -> None:
        async with self._lock:  # FIFO: the first to ask is the first admitted
            now = self._clock()
            self._forget(now)
            if len(self._log) >= self.limit:
                self.waits += 1
                while len(self._log) >= self.limit:
                    await asyncio.sleep(max(self._log[0] + self.period - now, 0.001))
                    now = self._clock()
                    self._forget(now)
            self._log.append(now)
            self.attempts += 1
