"""Fault injection for the market streams, in the spirit of `faults` (the REST one): what a client's
WebSocket code must survive, on demand and reproducibly (``sim.streams.faults``).

* `drop_open_connections`: every open connection loses its TCP connection at once (no close frame;
  an aiohttp client reads ``CLOSED`` or ``ERROR``, code 1006 for browsers);
* `drop_new_connections`: the next `count` connections (None: every one, until `clear`) are dropped
  once they have been sent `after_messages` messages (0: right after the handshake). With a
  `probability` below 1, each new connection draws once from ``random.Random(seed)``: the same seed and
  the same sequence of connections drop the same ones;
* `stall`: every open connection goes silent for `seconds` (event loop time) while its TCP connection
  stays open: nothing is sent (events and answers wait in its queue, and go out afterwards, in order),
  the server sends no ping and answers no ping. A client sees no data and no pong;
* `skip_depth_update`: the next diff depth event of `symbol` (of each of ``@depth`` and
  ``@depth@100ms``) is never sent, while the book's ``lastUpdateId`` went on: the following event's
  ``U`` is above the last ``u`` + 1, the gap the documented local-book algorithm must detect;
* `delay`: every message queued from now on goes out `seconds` later (0: no more delay); order kept;
* `server_shutdown`: `MarketStreams.announce_shutdown`, the ``serverShutdown`` event then a close.

`counts` holds the faults fired, by kind: a dropped, stalled or shutdown-notified connection counts
once, a delayed message once, a withheld depth event once; `log` says which, oldest first. The server
shows the same dict as ``sim.streams.counters.faults``.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from .connection_faults import ConnectionFaults

if TYPE_CHECKING:
    from .ws_streams import MarketStreams

__all__ = ["STREAM_FAULT_KINDS", "StreamFaults"]

STREAM_FAULT_KINDS = ("drop", "stall", "skip_depth", "delay", "server_shutdown")


class StreamFaults(ConnectionFaults):
    """The armed stream faults of one `MarketStreams` server (`log`: (kind, detail)). Arming is
    thread-safe; a fault that acts on open connections runs on the server's loop."""

    def __init__(self, server: MarketStreams, seed: int = 0) -> None:
        super().__init__(server, STREAM_FAULT_KINDS)
        self._random = random.Random(seed)
        self._drops_left: int | None = 0  # None: every new connection
        self._drop_after = 0
        self._drop_probability = 1.0
        self._skips: dict[tuple[str, bool], int] = {}  # (symbol, fast) -> diff events to withhold

    # -- arming ---------------------------------------------------------------------------------------

    def drop_new_connections(
        self, count: int | None = 1, *, after_messages: int = 0, probability: float = 1.0
    ) -> None:
        """Drop the next `count` new connections (None: all) after `after_messages` messages each."""
        if (count is not None and count < 0) or after_messages < 0:
            raise ValueError("count and after_messages must not be negative")
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be within [0, 1]")
        with self._lock:
            self._drops_left = count
            self._drop_after = after_messages
            self._drop_probability = probability

    def skip_depth_update(self, symbol: str, count: int = 1) -> None:
        """Withhold the next `count` diff depth events of `symbol` (upper case), on both cadences."""
        with self._lock:
            for fast in (False, True):
                self._skips[(symbol, fast)] = self._skips.get((symbol, fast), 0) + count

    def clear(self) -> None:
        """Disarm every fault (a stall under way runs its course; counts and log stay)."""
        with self._lock:
            self._drops_left = 0
            self._delay_s = 0.0
            self._skips.clear()

    def reseed(self, seed: int) -> None:
        with self._lock:
            self._random.seed(seed)

    # -- what the server asks ---------------------------------------------------------------------------

    def drop_for_new_connection(self) -> int | None:
        """After how many messages to drop a connection just opened, or None to leave it alone."""
        with self._lock:
            if self._drops_left == 0:
                return None
            if self._drop_probability < 1.0 and self._random.random() >= self._drop_probability:
                return None
            if self._drops_left is not None:
                self._drops_left -= 1
            return self._drop_after

    def skip(self, symbol: str, fast: bool) -> bool:
        """Whether to withhold the diff depth event of `symbol` about to be sent (and count it)."""
        with self._lock:
            left = self._skips.get((symbol, fast), 0)
            if not left:
                return False
            self._skips[(symbol, fast)] = left - 1
        self.fired("skip_depth", f"{symbol} {'@depth@100ms' if fast else '@depth'}")
        return True
