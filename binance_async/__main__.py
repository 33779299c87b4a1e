"""``python -m binance_async``: the command line (see `binance_async.cli`)."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main(prog="python -m binance_async"))
