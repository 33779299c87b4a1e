"""How results are shown: plain numbers, aligned tables, JSON, and a progress bar on stderr.

Every Decimal is written in fixed point: `fmt` without trailing zeros for people (``0``, ``0.001``),
`print_json` as Binance writes it (``"0.00000000"``, via `binance_async.spot.models.json_ready`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TextIO

import msgspec

from ..spot.models import json_ready

__all__ = ["Progress", "fmt", "print_json", "table", "yes_no"]


def fmt(value: Any) -> str:
    """A number as people read it: Decimal in plain notation without trailing zeros (never ``1E-8``)."""
    if isinstance(value, Decimal):
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("", "-0") else text
    if value is None:
        return "-"
    if isinstance(value, bool):
        return yes_no(value)
    return str(value)


def yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], *, indent: str = "") -> list[str]:
    """Lines of a table: the first column left-aligned, the others (numbers) right-aligned."""
    cells = [list(header), *([fmt(cell) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for row in cells:
        rest = (cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        parts = [row[0].ljust(widths[0]), *rest]
        lines.append(indent + "  ".join(parts).rstrip())
    return lines


def print_json(value: Any) -> None:
    """`value` (Structs, dicts, lists) as indented JSON on stdout, Decimals as fixed-point strings
    (``"0.00000000"``, never ``"0E-8"``)."""
    encoded = msgspec.json.format(msgspec.json.encode(json_ready(value)), indent=2)
    sys.stdout.write(encoded.decode() + "\n")


class Progress:
    """A one-line text progress bar: the share of a span [start, end] covered so far.

    Drawn on `stream` only when `enabled`; redrawn at most every `interval` seconds (and at 100%).
    """

    def __init__(
        self,
        start: int,
        end: int,
        *,
        enabled: bool,
        stream: TextIO | None = None,
        label: str = "",
        unit: str = "items",
        width: int = 30,
        interval: float = 0.1,
    ) -> None:
        self.start, self.end = start, end
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.label, self.unit, self.width, self.interval = label, unit, width, interval
        self._drawn_at = 0.0
        self._shown = False

    def fraction(self, position: int) -> float:
        span = self.end - self.start
        if span <= 0:
            return 1.0
        return min(max((position - self.start) / span, 0.0), 1.0)

    def render(self, position: int, count: int) -> str:
        share = self.fraction(position)
        filled = int(share * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        label = f"{self.label} " if self.label else ""
        return f"{label}[{bar}] {share * 100:3.0f}% {count} {self.unit}"

    def update(self, position: int, count: int, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._drawn_at < self.interval:
            return
        self._drawn_at = now
        self.stream.write("\r" + self.render(position, count))
        self.stream.flush()
        self._shown = True

    def finish(self, count: int) -> None:
        """Draw 100% and end the line."""
        if self.enabled:
            self.update(self.end, count, force=True)
            self.close()

    def close(self) -> None:
        """End the bar's line (so that what follows starts on its own line)."""
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False
