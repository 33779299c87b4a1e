"""The faults a WebSocket server of the simulator (market streams, WebSocket API) can inflict on its open
connections, on demand: drop them, stall them, delay what they send, announce a ``serverShutdown``.
`StreamFaults` and `WsApiFaults` add their own kinds on top; both count what fired in `counts` (by kind)
and `log` (oldest first). Arming is thread-safe; a fault acting on open connections runs on the
server's loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from typing import Any, Protocol

__all__ = ["ConnectionFaults"]


class _Connection(Protocol):
    def abort(self) -> None: ...

    def stall(self, seconds: float) -> None: ...


class _Server(Protocol):
    @property
    def connections(self) -> Iterable[_Connection]: ...

    def call_on_loop(self, callback: Callable[..., None], *args: Any) -> None: ...

    def announce_shutdown(self, close_after: float = 0.0) -> None: ...


class ConnectionFaults:
    """Connection faults of one server; `kinds` are those `counts` holds."""

    def __init__(self, server: _Server, kinds: Iterable[str]) -> None:
        self._server = server
        self._lock = threading.Lock()
        self.counts: dict[str, int] = dict.fromkeys(kinds, 0)
        self.log: list[tuple[str, str]] = []
        self._delay_s = 0.0

    # -- arming ---------------------------------------------------------------------------------------

    def drop_open_connections(self) -> None:
        """Drop every open connection now, without a close frame."""
        self._server.call_on_loop(self._drop_open)

    def _drop_open(self) -> None:
        for connection in list(self._server.connections):
            self.fired("drop", "open connection")
            connection.abort()

    def stall(self, seconds: float) -> None:
        """Every open connection sends nothing and answers no ping for `seconds`."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        self._server.call_on_loop(self._stall, seconds)

    def _stall(self, seconds: float) -> None:
        for connection in list(self._server.connections):
            self.fired("stall", f"{seconds} s")
            connection.stall(seconds)

    def delay(self, seconds: float) -> None:
        """Send every message queued from now on `seconds` later (0: stop delaying)."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        with self._lock:
            self._delay_s = seconds

    def server_shutdown(self, close_after: float = 0.0) -> None:
        """``serverShutdown`` to every connection, closed `close_after` seconds later (simulator clock)."""
        self._server.announce_shutdown(close_after)

    def reset_counts(self) -> None:
        """Forget the faults fired."""
        with self._lock:
            for kind in self.counts:
                self.counts[kind] = 0
            self.log.clear()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    # -- what the server asks -------------------------------------------------------------------------

    def fired(self, kind: str, detail: str) -> None:
        with self._lock:
            self.counts[kind] += 1
            self.log.append(self._entry(kind, detail))

    def _entry(self, kind: str, detail: str) -> tuple[str, str]:
        """One `log` entry: (kind, detail)."""
        return (kind, detail)

    def due(self, count: bool = True) -> float:
        """When a message queued now may go out (event loop time)."""
        now = asyncio.get_running_loop().time()
        delay = self._delay_s
        if delay <= 0:
            return now
        if count:
            self.fired("delay", f"{delay} s")
        return now + delay
