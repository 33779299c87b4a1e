"""``binance-async sim``: serve the simulator; this is ``python -m binance_async.sim``, reused as is."""

from __future__ import annotations

from ..sim.__main__ import main as serve_simulator

__all__ = ["sim"]


def sim(argv: list[str]) -> int:
    """Serve until Ctrl-C; `argv` takes the options of ``python -m binance_async.sim`` (its --help too)."""
    serve_simulator(argv, prog="binance-async sim")
    return 0
