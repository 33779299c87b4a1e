"""What the market streams' and the WebSocket API's supervisors share: a link, its watch, its end.

A *link* is one open socket of a supervised connection: when it opened, when its last frame came, its
reader task, and a `wake` event the reader sets when the link ends or the server announces its
shutdown. `watch` waits until the link must go and says why; `backoff` is the delay before the next
attempt; `close_link` closes the socket, stops the reader and ends the link.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from ._websocket import WebSocket
from .errors import BinanceError

if TYPE_CHECKING:
    from .streams.config import StreamConfig

__all__ = [
    "ROTATE",
    "LinkStats",
    "SocketLink",
    "Supervision",
    "attempt",
    "backoff",
    "close_link",
    "supervise",
    "watch",
]

L = TypeVar("L", bound="SocketLink")

#: What `watch` returns for a planned switch (``serverShutdown``, the lifetime's end).
ROTATE = "rotate"


@dataclass
class LinkStats:
    """The counters every supervised connection keeps (they only grow)."""

    #: Sockets opened (the first, every reconnect and every rotation).
    connects: int = 0
    #: Reconnects after a drop, an error or silence (events may have been missed).
    reconnects: int = 0
    #: Make-before-break switches (serverShutdown, lifetime).
    rotations: int = 0
    #: Failed connection attempts.
    failed_attempts: int = 0
    #: Times the watchdog found the connection silent.
    silences: int = 0
    #: ``serverShutdown`` notices received.
    server_shutdowns: int = 0
    #: Events passed on.
    events: int = 0
    #: Frames that were not valid JSON (or binary frames), skipped.
    malformed: int = 0
    #: Pings answered.
    pings: int = 0
    #: The last reason the connection was reopened.
    last_error: str | None = None


class SocketLink:
    """One socket of a supervised connection (subclasses add what their protocol needs)."""

    def __init__(self, socket: WebSocket, opened_at: float) -> None:
        self.socket = socket
        self.opened_at = opened_at
        self.last_frame_at = opened_at
        self.reader: asyncio.Task[None] | None = None
        #: Set when the link ends or the server announces its shutdown: the supervisor looks.
        self.wake = asyncio.Event()
        self.shutdown_notice = False
        self._ended = False

    @property
    def ended(self) -> bool:
        return self._ended

    def end(self) -> None:
        """No more frames: fail what waits on this link (subclasses) and wake the supervisor."""
        self._ended = True
        self.wake.set()

    def announce_shutdown(self) -> None:
        """The server said it will close this link: switch to a new one now."""
        self.shutdown_notice = True
        self.wake.set()


def backoff(config: StreamConfig, failures: int) -> float:
    """The delay before attempt `failures` + 1: doubling from `backoff_base` up to `backoff_cap`, drawn
    at random from the upper half (jitter)."""
    ceiling = min(config.backoff_cap, config.backoff_base * 2 ** min(failures - 1, 30))
    return random.uniform(ceiling / 2, ceiling)


async def attempt(
    open_link: Callable[[], Awaitable[L]],
    stats: LinkStats,
    config: StreamConfig,
    failures: int,
    name: str,
    log: logging.Logger,
) -> L | None:
    """One attempt to open a link: the link, or None once the failure is counted and the backoff of
    attempt `failures` + 1 waited."""
    try:
        return await open_link()
    except (BinanceError, OSError, TimeoutError) as exc:
        stats.failed_attempts += 1
        stats.last_error = f"{type(exc).__name__}: {exc}"
        log.warning("%s: connecting failed (%s); retrying", name, stats.last_error)
        await asyncio.sleep(backoff(config, failures + 1))
        return None


async def watch(
    link: SocketLink, config: StreamConfig, now: Callable[[], float], on_silence: Callable[[], None]
) -> str:
    """Until `link` must go: `ROTATE` for a planned switch, else the reason it is lost."""
    period = min(config.silence_timeout / 4, 1.0)
    while True:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(link.wake.wait(), period)
        at = now()
        if link.shutdown_notice:
            return ROTATE
        if link.ended:
            return "the connection closed"
        if at - link.last_frame_at > config.silence_timeout:
            on_silence()
            return f"no frame for {at - link.last_frame_at:.0f} s"
        if at - link.opened_at >= config.max_lifetime:
            return ROTATE


@dataclass(frozen=True)
class Supervision(Generic[L]):
    """What `supervise` keeps connected, and what it tells it."""

    name: str
    stats: LinkStats
    config: StreamConfig
    stopping: Callable[[], bool]
    #: Before each attempt to open a link (say why: first, reconnect).
    opening: Callable[[], None]
    open_link: Callable[[], Awaitable[L]]
    #: A link opened by `open_link` is now the one in service.
    install: Callable[[L], None]
    #: Make before break: the new link, opened and in service, or None if it could not be opened.
    replace: Callable[[L], Awaitable[L | None]]
    #: The link in service is lost: before it is closed, and after.
    losing: Callable[[], None]
    lost: Callable[[], None]
    silent: Callable[[], None]


async def supervise(job: Supervision[L], log: logging.Logger) -> None:
    """Keep a link open until `job.stopping()`: open it (counting failures, with backoff), watch it,
    replace it make-before-break when it must go by plan, reopen it when it is lost (after a short
    jittered pause the first time, the backoff after that)."""
    now = asyncio.get_running_loop().time
    stats = job.stats
    failures = 0
    link: L | None = None
    while not job.stopping():
        if link is None:
            job.opening()
            link = await attempt(job.open_link, stats, job.config, failures, job.name, log)
            if link is None:
                failures += 1
                continue
            failures = 0
            job.install(link)
        reason = await watch(link, job.config, now, job.silent)
        if reason == ROTATE:
            replacement = await job.replace(link)
            if replacement is not None:
                link = replacement
                continue
            reason = "rotation failed"
        job.losing()
        stats.reconnects += 1
        stats.last_error = reason
        log.warning("%s: %s; reconnecting", job.name, reason)
        await close_link(link)
        link = None
        job.lost()
        failures += 1
        await asyncio.sleep(backoff(job.config, failures) if failures > 1 else random.uniform(0, 0.25))


async def close_link(link: SocketLink) -> None:
    """Close the socket (a close frame, 2 s at most), stop the reader, end the link."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(link.socket.close(code=1000), 2.0)
    reader = link.reader
    if reader is not None and not reader.done():
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader
    link.end()
