"""Request deadlines with one timer for every request in flight, not one per request.

aiohttp's own per-request timeout builds a timeout handle, a timer context and an event-loop timer for
every request and cancels the timer afterwards: measured under valgrind, that is ~28,000 instructions of
a ~360,000-instruction ticker request (8%). Here a request costs two dictionary operations: its task
is recorded with its deadline when it starts and forgotten when it ends. While anything is in flight,
one timer looks every tenth of the timeout and cancels the tasks whose deadline has passed (as
aiohttp does, by cancelling the task); the transport turns that cancellation into
`RequestTimeoutError`. So a request times out between `timeout` and `timeout` plus a tenth of it.
Nothing runs while nothing is in flight.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

__all__ = ["Deadlines"]

#: How often, as a share of the timeout, the timer looks for requests past their deadline.
CHECK_SHARE = 0.1


class Deadlines:
    """Deadlines of the requests in flight, keyed by the task that waits for each."""

    __slots__ = ("_due", "_expired", "_handle", "_loop", "_tick", "timeout")

    def __init__(self, timeout: float) -> None:
        if not timeout > 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        self.timeout = timeout
        self._tick = timeout * CHECK_SHARE
        self._due: dict[asyncio.Task[Any], float] = {}
        self._expired: set[asyncio.Task[Any]] = set()
        self._handle: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def in_flight(self) -> int:
        return len(self._due)

    @property
    def watching(self) -> bool:
        """Whether the timer is scheduled (only while a request is in flight)."""
        return self._handle is not None

    def start(self) -> asyncio.Task[Any] | None:
        """Record the current task's deadline; None when there is no task to cancel (then no deadline)."""
        task = asyncio.current_task()
        if task is None:
            return None
        loop = task.get_loop()
        self._due[task] = loop.time() + self.timeout
        if self._handle is None:
            self._loop = loop
            self._handle = loop.call_later(self._tick, self._check)
        return task

    def finish(self, task: asyncio.Task[Any]) -> None:
        """Forget the task's deadline (the request ended, one way or another)."""
        self._due.pop(task, None)
        if self._expired:
            self._expired.discard(task)

    def timed_out(self, task: asyncio.Task[Any]) -> bool:
        """Whether this task was cancelled because its deadline passed; takes that cancellation back.

        Call it on `asyncio.CancelledError`. If it returns False, the cancellation came from elsewhere
        and must propagate. On Python 3.11+ a cancellation that also came from elsewhere at the same
        time still counts as such (the task stays cancelling) and this returns False.
        """
        if task not in self._expired:
            return False
        self._expired.discard(task)
        if sys.version_info >= (3, 11):
            return task.uncancel() == 0
        return True

    def _check(self) -> None:
        loop = self._loop
        assert loop is not None
        now = loop.time()
        due = self._due
        for task in [task for task, deadline in due.items() if deadline <= now]:
            del due[task]
            self._expired.add(task)
            task.cancel()
        self._handle = loop.call_later(self._tick, self._check) if due else None

    def close(self) -> None:
        """Stop the timer (the transport is closing)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
