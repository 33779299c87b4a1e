"""The ``binance-async`` command line (also ``python -m binance_async``).

::

    binance-async demo                                   # a tour against the embedded simulator
    binance-async price BTCUSDT ETHUSDT                  # mainnet; --testnet, --base-url URL, --sim
    binance-async depth BTCUSDT --limit 5
    binance-async rules BTCUSDT
    binance-async klines BTCUSDT --interval 1h --start -24h --out btc.csv   # or --start 2024-05-01 --end ...
    binance-async watch btcusdt@trade ethusdt@kline_1m --count 10   # one JSON line per event
    binance-async book BTCUSDT --levels 10               # redrawn in place; JSON lines when piped
    binance-async account                                # needs BINANCE_API_KEY and BINANCE_API_SECRET
    binance-async order BTCUSDT BUY LIMIT --quantity 0.001 --price 60000 [--test]
    binance-async cancel BTCUSDT --client-order-id ID
    binance-async orders BTCUSDT --follow                # open orders, then their updates as they happen
    binance-async sim --port 8080                        # serve the simulator

One module per concern: `_parser` (arguments), `_connect` (host, keys, in-process simulator),
`_output` (numbers, tables, JSON, progress bar), `_errors` (one-line messages and exit codes: 0 done,
1 failed, 2 usage, 3 unknown order outcome, 130 interrupted), and the commands in `_market`,
`_streams` (``watch`` and ``book``), `_trading`, `_orders` (``orders``), `_demo` and `_serve`. A failure
is one ``error: ...`` line on stderr, never a traceback (``--debug`` shows it, with the library's DEBUG
log); a usage error's line ends with ``(see '<prog> <command> --help')`` wherever it was found (see
`_parser`).

Numbers are written in fixed point everywhere: text and CSV without trailing zeros (``0``, ``0.001``),
``--json`` as Binance writes them (``"0.00000000"``, never ``"0E-8"``; see
`binance_async.spot.models.fixed`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import traceback
from collections.abc import Callable, Coroutine
from typing import Any

from . import _demo, _market, _orders, _serve, _streams, _trading
from ._errors import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, describe
from ._parser import PROG, parse, usage_line

__all__ = ["main"]

Command = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]

COMMANDS: dict[str, Command] = {
    "demo": _demo.demo,
    "price": _market.price,
    "depth": _market.depth,
    "rules": _market.rules,
    "klines": _market.klines,
    "watch": _streams.watch,
    "book": _streams.book,
    "account": _trading.account,
    "order": _trading.order,
    "cancel": _trading.cancel,
    "status": _trading.status,
    "orders": _orders.orders,
}


def _symbols(args: argparse.Namespace) -> list[str]:
    """The symbols the command was given (to name an unknown one)."""
    if getattr(args, "symbols", None):
        return list(args.symbols)
    symbol = getattr(args, "symbol", None)
    return [symbol] if symbol else []


def main(argv: list[str] | None = None, prog: str = PROG) -> int:
    """Run one command; returns the exit code (see `_errors`)."""
    args, rest = parse(argv, prog)
    debug = bool(getattr(args, "debug", False))
    if debug:
        logging.basicConfig(level=logging.DEBUG, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        if args.command == "sim":
            return _serve.sim(rest)
        return asyncio.run(COMMANDS[args.command](args))
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the exit's flush of stdout cannot fail again
        return EXIT_FAILURE
    except Exception as error:
        if debug:
            traceback.print_exc()
        message, code = describe(error, _symbols(args))
        line = usage_line(message, f"{prog} {args.command}") if code == EXIT_USAGE else f"error: {message}"
        print(line, file=sys.stderr)
        return code
