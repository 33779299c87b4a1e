"""A sleep another task can cut short: what the head of a rate limiter's queue waits in.

The rate limiter (`_limits`) and its shared-store pump (`_shared_limits`) each sleep until the next
window boundary or the end of a pause; a pause, a reconfiguration or an outage wakes them early
(`Nap.wake`) so that they look again. A sleep is a future and one loop timer, no polling.
"""

from __future__ import annotations

import asyncio

__all__ = ["Nap"]


class Nap:
    """One sleeper at a time: `sleep` for a while, or until `wake`."""

    __slots__ = ("_future",)

    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None

    async def sleep(self, delay_ms: int) -> None:
        """Sleep `delay_ms`, or until `wake` is called."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        handle = loop.call_later(delay_ms / 1000.0, _resolve, future)
        self._future = future
        try:
            await future
        finally:
            handle.cancel()
            self._future = None

    def wake(self) -> None:
        """End the current sleep now (nothing if none)."""
        if self._future is not None:
            _resolve(self._future)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
