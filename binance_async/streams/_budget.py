"""Binance's connection-attempt budget: 300 attempts per 5 minutes per IP, for every stream of a client.

With a shared limit store (``SpotClient(limit_store=...)``) the budget is the IP's, across every process
and host using the store: each attempt is counted by the store (`LimitStore.attempt`, a sliding log on
the store's clock), and only the task at the head of this process's queue asks it, waiting for the time
it answers. While the store is unreachable, the local log keeps to the limiter's ``share`` of the limit.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._shared_limits import SharedLimits

__all__ = ["AttemptBudget"]


class AttemptBudget:
    """A sliding log of connection attempts: `acquire` waits while `limit` attempts lie within `period`.

    One budget serves all of a client's connections (a reconnect storm of many connections cannot go
    over it); with `shared` (the limiter's link to a limit store), all of the IP's. `attempts` and
    `waits` count what happened.
    """

    def __init__(
        self,
        limit: int,
        period: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        shared: SharedLimits | None = None,
    ) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._shared = shared
        self._log: deque[float] = deque()
        self._lock = asyncio.Lock()
        #: Attempts admitted so far.
        self.attempts = 0
        #: Attempts that had to wait for the budget.
        self.waits = 0

    def used(self) -> int:
        """Attempts within the last `period` (this process's)."""
        self._forget(self._clock())
        return len(self._log)

    def _forget(self, now: float) -> None:
        log = self._log
        while log and log[0] <= now - self.period:
            log.popleft()

    async def acquire(self) -> None:
        async with self._lock:  # FIFO: the first to ask is the first admitted
            shared = self._shared
            if shared is not None and shared.active and await self._acquire_shared(shared):
                return
            limit = self.limit if shared is None else max(1, int(self.limit * shared.limiter.share))
            now = self._clock()
            self._forget(now)
            if len(self._log) >= limit:
                self.waits += 1
                while len(self._log) >= limit:
                    await asyncio.sleep(max(self._log[0] + self.period - now, 0.001))
                    now = self._clock()
                    self._forget(now)
            self._log.append(now)
            self.attempts += 1

    async def _acquire_shared(self, shared: SharedLimits) -> bool:
        """Count the attempt in the store, waiting as long as it says; False if the store went away."""
        waited = False
        while shared.active:
            try:
                wait_ms = await shared.store.attempt(shared.who, self.limit, int(self.period * 1000))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # unreachable: the local log decides
                shared.lost(exc)
                return False
            if not wait_ms:
                self._log.append(self._clock())  # counted locally too, for a fallback
                self.attempts += 1
                return True
            if not waited:
                waited = True
                self.waits += 1
            await asyncio.sleep(wait_ms / 1000.0)
        return False
