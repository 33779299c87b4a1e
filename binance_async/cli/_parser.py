"""The command line's arguments (argparse), and the parsers of its values.

Connection options (``--sim``, ``--testnet``, ``--base-url``, ``--private-key``, ``--timeout``,
``--debug``) are accepted before or after the command: ``binance-async --sim price BTCUSDT`` and
``binance-async price BTCUSDT --sim`` mean the same. A usage error is one line on stderr and exit
code 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn, get_args

from .. import __version__
from ..spot.enums import KlineInterval, OrderType, TimeInForce
from ._errors import EXIT_USAGE

__all__ = [
    "COMMANDS",
    "build_parser",
    "decimal_value",
    "positive_int",
    "symbol_value",
    "timestamp_value",
]

PROG = "binance-async"

#: The commands, in the order --help lists them, with their one-line help.
COMMANDS: dict[str, str] = {
    "demo": "a tour against the embedded simulator: market data fan-out, rules, orders, limiter",
    "price": "latest price of one or more symbols (all symbols if none is given)",
    "depth": "the top of a symbol's order book",
    "rules": "a symbol's trading rules (filters)",
    "klines": "download candles over a time range to CSV",
    "account": "balances of the account (needs keys)",
    "order": "place an order, checked against the symbol's rules first (needs keys)",
    "cancel": "cancel an open order (needs keys)",
    "status": "look an order up by id or client order id (needs keys)",
    "sim": "serve the embedded Binance simulator on 127.0.0.1 until Ctrl-C",
}

EPILOG = """\
keys: signed commands read BINANCE_API_KEY and either BINANCE_API_SECRET (HMAC) or a PKCS#8 PEM private key
(Ed25519 or RSA) from --private-key FILE or BINANCE_PRIVATE_KEY_FILE; an encrypted key's password comes from
BINANCE_PRIVATE_KEY_PASSWORD (or is asked for on a terminal). With --sim no key is needed.

hosts: mainnet by default; --testnet, --base-url URL, or --sim (a simulator started in-process).
demo uses the simulator unless --testnet or --base-url is given.

exit codes: 0 done; 1 failed (Binance refused, host unreachable, unknown symbol, order breaks the rules);
2 usage (bad arguments, missing keys; nothing sent); 3 an order or cancel whose outcome is unknown (look it
up by its client order id before retrying); 130 interrupted.
"""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: ``error: <what> (see '<prog> --help')``."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"error: {message} (see '{self.prog} --help')\n")


# -- value parsers (argparse ``type=``): a ValueError or ArgumentTypeError becomes a usage error ----------


def decimal_value(text: str) -> Decimal:
    """A finite decimal number, as typed (``0.001``, ``1e-3``)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a decimal number: {text!r}") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def positive_decimal(text: str) -> Decimal:
    value = decimal_value(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0: {text!r}")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0: {text!r}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
    return value


def symbol_value(text: str) -> str:
    """A symbol as Binance spells it (upper case): ``btcusdt`` -> ``BTCUSDT``."""
    symbol = text.strip().upper()
    if not symbol or any(c.isspace() or c in "\"'[],/" for c in symbol):
        raise argparse.ArgumentTypeError(f"not a symbol: {text!r}")
    return symbol


_DIGITS = re.compile(r"[0-9]+")


def timestamp_value(text: str) -> int:
    """Milliseconds since the epoch, from ms (``1700000000000``), ``now``, or ISO 8601
    (``2024-05-01``, ``2024-05-01T12:30``, ``2024-05-01T12:30:00+02:00``, a trailing ``Z``).
    A time without a zone is UTC."""
    raw = text.strip()
    if _DIGITS.fullmatch(raw):
        return int(raw)
    if raw.lower() == "now":
        return int(datetime.now(timezone.utc).timestamp() * 1000)
    iso = raw[:-1] + "+00:00" if raw[-1:] in ("Z", "z") else raw
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a time: {text!r} (ms since the epoch, 'now', or ISO 8601 such as 2024-05-01T12:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


def _upper(text: str) -> str:
    return text.strip().upper()


# -- options --------------------------------------------------------------------------------------------


def _connection_options(parser: argparse.ArgumentParser, *, sub: bool) -> None:
    """The connection options; on a command's parser they default to "not given" so that the same
    option given before the command is kept."""

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if sub else value

    group = parser.add_argument_group("connection")
    group.add_argument(
        "--sim",
        action="store_true",
        default=default(False),
        help="run against an embedded simulator started in-process (no keys, no network)",
    )
    group.add_argument("--testnet", action="store_true", default=default(False), help="use Spot Testnet")
    group.add_argument("--base-url", metavar="URL", default=default(None), help="use this API host")
    group.add_argument(
        "--private-key",
        metavar="FILE",
        default=default(None),
        help="PEM private key (Ed25519 or RSA) instead of BINANCE_API_SECRET",
    )
    group.add_argument(
        "--timeout",
        type=positive_float,
        metavar="SECONDS",
        default=default(10.0),
        help="per-request timeout (default 10)",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=default(False),
        help="log requests (never keys or signatures) and show tracebacks",
    )


def _json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _order_ref(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("symbol", type=symbol_value, metavar="SYMBOL", help="e.g. BTCUSDT")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--order-id", type=positive_int, metavar="ID", help="Binance's order id")
    which.add_argument("--client-order-id", metavar="ID", help="the client order id")


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    """The whole command line."""
    parser = _Parser(
        prog=prog,
        description="Binance Spot from the command line (binance_async).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _connection_options(parser, sub=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=COMMANDS[name], description=COMMANDS[name], **kwargs)
        if name != "sim":
            _connection_options(sub, sub=True)
        return sub

    demo = command("demo")
    demo.add_argument("--symbol", type=symbol_value, help="symbol to trade (default BTCUSDT if listed)")
    demo.add_argument(
        "--fanout",
        type=positive_int,
        metavar="N",
        help="query at most N symbols in the fan-out (default: all on the simulator, 100 elsewhere)",
    )
    demo.add_argument(
        "--extra-symbols",
        type=int,
        default=None,
        metavar="N",
        help="with the embedded simulator: N generated symbols beyond its five (default 45)",
    )

    price = command("price")
    price.add_argument("symbols", nargs="*", type=symbol_value, metavar="SYMBOL", help="e.g. BTCUSDT")
    _json_option(price)

    depth = command("depth")
    depth.add_argument("symbol", type=symbol_value, metavar="SYMBOL", help="e.g. BTCUSDT")
    depth.add_argument("--limit", type=positive_int, default=10, metavar="N", help="levels (default 10)")
    _json_option(depth)

    rules = command("rules")
    rules.add_argument("symbol", type=symbol_value, metavar="SYMBOL", help="e.g. BTCUSDT")
    _json_option(rules)

    klines = command("klines")
    klines.add_argument("symbol", type=symbol_value, metavar="SYMBOL", help="e.g. BTCUSDT")
    klines.add_argument(
        "--interval", default="1m", choices=get_args(KlineInterval), metavar="I", help="1s 1m ... 1M"
    )
    klines.add_argument(
        "--start",
        type=timestamp_value,
        required=True,
        metavar="TIME",
        help="ISO 8601 (UTC unless a zone), ms",
    )
    klines.add_argument("--end", type=timestamp_value, metavar="TIME", help="ISO 8601 or ms (default: now)")
    klines.add_argument("--out", metavar="FILE.csv", default="-", help="CSV file to write (default stdout)")
    klines.add_argument(
        "--progress", action="store_true", help="show a progress bar even when stderr is not a terminal"
    )

    account = command("account")
    _json_option(account)

    order = command("order")
    order.add_argument("symbol", type=symbol_value, metavar="SYMBOL", help="e.g. BTCUSDT")
    order.add_argument("side", type=_upper, choices=("BUY", "SELL"), metavar="SIDE", help="BUY or SELL")
    order.add_argument(
        "type", type=_upper, choices=get_args(OrderType), metavar="TYPE", help=", ".join(get_args(OrderType))
    )
    amount = order.add_mutually_exclusive_group()
    amount.add_argument("--quantity", type=positive_decimal, metavar="QTY", help="base asset quantity")
    amount.add_argument(
        "--quote-quantity", type=positive_decimal, metavar="QTY", help="MARKET: quote asset to spend/receive"
    )
    order.add_argument("--price", type=positive_decimal, help="limit price")
    order.add_argument(
        "--stop-price", type=positive_decimal, metavar="PRICE", help="stop/take-profit trigger"
    )
    order.add_argument(
        "--time-in-force",
        type=_upper,
        choices=get_args(TimeInForce),
        metavar="TIF",
        help="GTC, IOC or FOK (default GTC for the LIMIT types)",
    )
    order.add_argument("--client-order-id", metavar="ID", help="your id for the order (default: generated)")
    order.add_argument("--test", action="store_true", help="check the order with Binance without placing it")
    _json_option(order)

    cancel = command("cancel")
    _order_ref(cancel)
    _json_option(cancel)

    status = command("status")
    _order_ref(status)
    _json_option(status)

    command("sim", add_help=False, prefix_chars="-")  # its options are those of python -m binance_async.sim
    return parser


def parse(argv: list[str] | None, prog: str = PROG) -> tuple[argparse.Namespace, list[str]]:
    """The parsed arguments, and the ones left for ``sim`` (any left over elsewhere is an error)."""
    parser = build_parser(prog)
    args, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if rest and args.command != "sim":
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    chosen = [name for name in ("sim", "testnet", "base_url") if getattr(args, name, None)]
    if len(chosen) > 1:
        options = ", ".join("--" + name.replace("_", "-") for name in chosen)
        parser.error(f"give one of --sim, --testnet and --base-url, not {options}")
    return args, rest
