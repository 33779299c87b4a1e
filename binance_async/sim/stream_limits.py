"""The rules of a market-stream connection's life: its times and limits (`StreamSettings`), the
connection-attempt budget of an IP (`ConnectionAttempts`), what the server counts (`StreamCounters`), and
the ``serverShutdown`` and lifetime rules both WebSocket servers follow (`announce_shutdown`,
`close_when_due`, `ConnectionCounters`).

Two clocks: the exchange's rules that Binance states in wall time over long spans (the 24 h lifetime,
300 attempts per 5 minutes, a ``serverShutdown``'s grace) run on the simulator's `SimClock`, so a test
can `advance` it past them at once; the transport's short timers (pings, the pong timeout, the
message budget, periods of the streams) run on the event loop's clock.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec
from aiohttp import WSCloseCode, web

from .clock import SimClock

__all__ = [
    "Closable",
    "ConnectionAttempts",
    "ConnectionCounters",
    "ServerLoop",
    "StreamCounters",
    "StreamSettings",
    "announce_shutdown",
    "close_when_due",
]


@dataclass
class StreamSettings:
    """Times in seconds. Binance's values by default; tests shorten them."""

    ping_interval: float = 20.0
    pong_timeout: float = 60.0
    max_messages_per_second: int = 5
    max_streams: int = 1024
    #: The period of ``@depth`` and ``@depth<N>``; the ``@100ms`` variants use `fast_period`.
    slow_period: float = 1.0
    fast_period: float = 0.1
    #: ``@kline_<interval>``: every `kline_period`, ``@kline_1s`` every `kline_1s_period`.
    kline_period: float = 2.0
    kline_1s_period: float = 1.0
    #: ``@ticker``, ``@miniTicker``, ``!miniTicker@arr`` and ``@avgPrice``.
    ticker_period: float = 1.0
    #: How long a close handshake may take before the connection is dropped.
    close_timeout: float = 2.0
    #: A connection is closed (1001) this long after it opened, on the simulator's clock.
    max_lifetime: float = 24 * 3600.0
    #: At most `max_attempts` connection attempts per IP in any `attempt_window` (simulator's clock);
    #: one more is refused at the upgrade with HTTP 429.
    max_attempts: int = 300
    attempt_window: float = 300.0
    #: How often (event loop seconds) lifetimes and ``serverShutdown`` graces are checked.
    housekeeping_interval: float = 1.0


class ConnectionAttempts:
    """A sliding window of admitted connection attempts per IP, on the simulator's clock.

    An attempt is admitted, and counted, if fewer than ``max_attempts`` were admitted in the last
    ``attempt_window``; a refused attempt is not counted, so the wait `admit` reports is exact: after it,
    the oldest admitted attempt has left the window and one more is admitted.
    """

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self._admitted: dict[str, deque[int]] = {}

    def admit(self, ip: str, settings: StreamSettings) -> float | None:
        """None if the attempt is admitted (and counted); else the seconds until one would be."""
        now = self.clock.now_ms()
        window_ms = int(settings.attempt_window * 1000)
        times = self._admitted.setdefault(ip, deque())
        while times and times[0] <= now - window_ms:
            times.popleft()
        if len(times) >= settings.max_attempts:
            if not times:  # a budget of zero: never
                return settings.attempt_window
            return (times[0] + window_ms - now) / 1000.0
        times.append(now)
        return None

    def refusal(self, ip: str, settings: StreamSettings) -> web.Response | None:
        """None if the attempt is admitted (and counted); else the answer to the upgrade: HTTP 429 with
        ``Retry-After`` (the simulator's choice: Binance documents the limit, not the answer)."""
        retry_after = self.admit(ip, settings)
        if retry_after is None:
            return None
        msg = (
            f"Too many connection attempts: at most {settings.max_attempts} per "
            f"{settings.attempt_window:g} s per IP."
        )
        return web.Response(
            status=429,
            body=msgspec.json.encode({"code": -1003, "msg": msg}),
            content_type="application/json",
            headers={"Retry-After": str(max(1, int(retry_after + 0.999)))},
        )

    def used(self, ip: str, settings: StreamSettings) -> int:
        """Attempts of `ip` within the current window."""
        now = self.clock.now_ms()
        window_ms = int(settings.attempt_window * 1000)
        return sum(1 for t in self._admitted.get(ip, ()) if t > now - window_ms)

    def reset(self) -> None:
        self._admitted.clear()


@dataclass
class ConnectionCounters:
    """What a WebSocket server of the simulator did, for tests. `faults` is its faults' counts (fired, by
    kind)."""

    opened: int = 0
    closed: int = 0
    #: Upgrades answered with an HTTP error instead (the attempt budget, and what each server refuses).
    refused: int = 0
    messages_sent: int = 0
    #: Closed connections by reason: client, dropped, lifetime, shutdown, pong timeout, ...
    close_reasons: dict[str, int] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)

    def count_close(self, reason: str) -> None:
        self.closed += 1
        self.close_reasons[reason] = self.close_reasons.get(reason, 0) + 1


@dataclass
class StreamCounters(ConnectionCounters):
    """What the market streams did (refused: 429 for the attempt budget, 400 for an unknown stream;
    closed also for too many messages)."""


class Closable(Protocol):
    """A server connection with a deadline on the simulator's clock."""

    deadline_ms: int
    deadline_reason: str

    def finish(self, code: int, reason: str) -> None: ...


def announce_shutdown(
    connections: Iterable[Closable],
    now_ms: int,
    close_after: float,
    notify: Callable[[Closable], None],
    fired: Callable[[str, str], None],
) -> None:
    """``serverShutdown`` to each connection (`notify` sends it), then a close `close_after` seconds later
    on the simulator's clock (at once for 0)."""
    deadline = now_ms + int(close_after * 1000)
    for connection in list(connections):
        fired("server_shutdown", f"close after {close_after} s")
        notify(connection)
        if deadline <= connection.deadline_ms:
            connection.deadline_ms = deadline
            connection.deadline_reason = "shutdown"
        if close_after <= 0:
            connection.finish(WSCloseCode.GOING_AWAY, "shutdown")


async def close_when_due(
    connections: Iterable[Closable], clock: SimClock, every: Callable[[], float]
) -> None:
    """For ever: close the connections whose lifetime (or shutdown grace) ended on the simulator's clock."""
    while True:
        await asyncio.sleep(every())
        now = clock.now_ms()
        for connection in list(connections):
            if now >= connection.deadline_ms:
                connection.finish(WSCloseCode.GOING_AWAY, connection.deadline_reason)


class ServerLoop:
    """The event loop and thread a WebSocket server of the simulator runs on, once started (`bind`):
    the engine and the market may call it from another thread, and what they tell it must run there."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread_id: int | None = None

    def bind(self) -> None:
        """Called on the server's loop as it starts."""
        self.loop = asyncio.get_running_loop()
        self._thread_id = threading.get_ident()

    def hand_off(self, callback: Callable[..., None], *args: Any) -> bool:
        """False if called on the server's thread (or before it started); else hands `callback` over."""
        loop = self.loop
        if loop is None or threading.get_ident() == self._thread_id:
            return False
        loop.call_soon_threadsafe(callback, *args)
        return True

    def call(self, callback: Callable[..., None], *args: Any) -> None:
        """Run `callback` now if on the server's thread (or not started), else hand it to its loop."""
        if not self.hand_off(callback, *args):
            callback(*args)
