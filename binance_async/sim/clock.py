"""The simulator's clock: wall time plus an offset that tests can advance (or a fixed start)."""

from __future__ import annotations

import time

__all__ = ["SimClock"]


class SimClock:
    """Milliseconds since the epoch. `advance` moves it forward; `start_ms` pins where it starts."""

    def __init__(self, start_ms: int | None = None) -> None:
        self._offset_ms = 0.0 if start_ms is None else start_ms - time.time() * 1000.0

    def now_ms(self) -> int:
        return int(time.time() * 1000.0 + self._offset_ms)

    def advance(self, ms: float) -> None:
        self._offset_ms += ms
