"""How streams behave: the supervisor's times, Binance's per-connection limits, subscriber queues."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from ..errors import ParameterError

__all__ = ["Overflow", "StreamConfig"]

#: What a subscriber's full queue does with the next event: ``"drop_oldest"`` (the oldest queued event
#: makes room and is counted in ``dropped``), ``"raise"`` (the new event is dropped and the next read
#: raises `StreamOverflowError` once), ``"block"`` (the socket reader waits for room; such a
#: subscription gets a connection of its own so that it holds back no one else).
Overflow = Literal["drop_oldest", "raise", "block"]


@dataclass(frozen=True)
class StreamConfig:
    """``SpotClient(stream_config=StreamConfig(...))``. Times in seconds; Binance's limits by default.

    * `silence_timeout`: a connection on which no frame at all arrived for this long (Binance pings
      every 20 s, so a live connection is never quiet for long) is dropped and reopened.
    * `max_lifetime`: connections are replaced (make-before-break) after this long; Binance cuts every
      connection at 24 h.
    * `backoff_base`, `backoff_cap`: reconnect delays grow from `backoff_base` doubling up to
      `backoff_cap`, each drawn at random from its upper half (jitter).
    * `control_rate`: control messages (SUBSCRIBE, UNSUBSCRIBE) per second and connection. Binance
      drops a connection over 5 incoming messages a second (pongs count), so the default 3 leaves room.
    * `control_timeout`: how long the server may take to answer a control message.
    * `max_streams_per_connection`: Binance allows 1024; more streams open more connections.
    * `connect_attempts` per `attempts_period`: Binance allows 300 connection attempts per 5 minutes
      per IP; attempts beyond wait (counted for all streams of one client).
    * `queue_size`, `overflow`: each subscriber's bounded queue and what happens when it is full.
    * `buffer_size`: depth updates an order book keeps while it waits for its snapshot.
    * `own_reader`: the sockets read their frames with this library's WebSocket client (a raw asyncio
      protocol handing the reader every message of a network read at once) whenever the client
      connects straight to the host (no proxy, no ``trust_env``, the client's own session); False:
      always through aiohttp's socket.
    """

    silence_timeout: float = 60.0
    max_lifetime: float = 23.5 * 3600
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    control_rate: float = 3.0
    control_timeout: float = 10.0
    max_streams_per_connection: int = 1024
    connect_attempts: int = 300
    attempts_period: float = 300.0
    queue_size: int = 1000
    overflow: Overflow = "drop_oldest"
    buffer_size: int = 2000
    own_reader: bool = True

    def __post_init__(self) -> None:
        for name in (
            "silence_timeout",
            "max_lifetime",
            "backoff_cap",
            "control_rate",
            "control_timeout",
            "attempts_period",
        ):
            if not _number(getattr(self, name)) > 0:
                raise ParameterError(
                    f"StreamConfig.{name} must be a positive number, got {getattr(self, name)!r}"
                )
        if not _number(self.backoff_base) >= 0:
            raise ParameterError(
                f"StreamConfig.backoff_base must be a number >= 0, got {self.backoff_base!r}"
            )
        if self.backoff_base > self.backoff_cap:
            raise ParameterError("StreamConfig.backoff_base must not exceed backoff_cap")
        for name in ("connect_attempts", "queue_size", "buffer_size", "max_streams_per_connection"):
            value = getattr(self, name)
            if type(value) is not int or value < 1:
                raise ParameterError(f"StreamConfig.{name} must be an int of at least 1, got {value!r}")
        if self.max_streams_per_connection > 1024:
            raise ParameterError(
                "StreamConfig.max_streams_per_connection must be 1 to 1024 (Binance's limit)"
            )
        if type(self.own_reader) is not bool:
            raise ParameterError(f"StreamConfig.own_reader must be a bool, got {self.own_reader!r}")
        if self.overflow not in ("drop_oldest", "raise", "block"):
            raise ParameterError(
                f"StreamConfig.overflow must be drop_oldest, raise or block, got {self.overflow!r}"
            )


def _number(value: object) -> float:
    """`value` as a float if it is an int or float (not a bool, not NaN), else NaN (fails every test)."""
    if type(value) in (int, float):
        return float(value)  # type: ignore[arg-type]
    return math.nan
