"""The command line's arguments (argparse), and the parsers of its values.

Connection options (``--sim``, ``--testnet``, ``--base-url``, ``--private-key``, ``--timeout``,
``--debug``) are accepted before or after the command: ``binance-async --sim price BTCUSDT`` and
``binance-async price BTCUSDT --sim`` mean the same.

Symbols, sides, order types and time in force are upper-cased (``btcusdt buy limit`` is ``BTCUSDT BUY
LIMIT``): a command line is typed by hand. The library itself refuses the wrong case (see
`binance_async.spot._common`).

A usage error (bad arguments, an order missing a flag its type needs or given one it does not take,
missing keys) is one line on stderr, ``error: <what> (see '<prog> <command> --help')``, naming the
command line's flags (``--price``, never a keyword of the library), and exit code 2; nothing was sent.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn, TypeVar, get_args

from .. import __version__
from .._constants import DEFAULT_TIMEOUT
from ..errors import ParameterError
from ..spot._common import check_client_order_id
from ..spot.enums import KlineInterval, OrderType, TimeInForce
from ..streams.events import RawEvent, ServerShutdown, stream_event_type
from ..streams.hub import check_stream_name
from ._errors import EXIT_USAGE

__all__ = [
    "COMMANDS",
    "build_parser",
    "check_order_flags",
    "client_order_id_value",
    "decimal_value",
    "depth_value",
    "positive_int",
    "stream_value",
    "symbol_value",
    "timestamp_value",
]

PROG = "binance-async"
_N = TypeVar("_N", int, float, Decimal)

#: The commands, in the order --help lists them, with their one-line help.
COMMANDS: dict[str, str] = {
    "demo": "a tour against the embedded simulator: market data fan-out, rules, orders, limiter",
    "price": "latest price of one or more symbols (all symbols if none is given)",
    "depth": "the top of a symbol's order book",
    "rules": "a symbol's trading rules (filters)",
    "klines": "download candles over a time range to CSV",
    "watch": "print market stream events as JSON lines (btcusdt@trade, ethusdt@kline_1m, ...)",
    "book": "a live view of a symbol's order book (JSON lines when stdout is not a terminal)",
    "account": "balances of the account (needs keys)",
    "order": "place an order, checked against the symbol's rules first (needs keys)",
    "cancel": "cancel an open order (needs keys)",
    "status": "look an order up by id or client order id (needs keys)",
    "orders": "the open orders; --follow: then their updates as they happen (needs keys)",
    "sim": "serve the embedded Binance simulator on 127.0.0.1 until Ctrl-C",
}

EPILOG = """\
keys: signed commands read BINANCE_API_KEY and either BINANCE_API_SECRET (HMAC) or a PKCS#8 PEM private key
(Ed25519 or RSA) from --private-key FILE or BINANCE_PRIVATE_KEY_FILE; an encrypted key's password comes from
BINANCE_PRIVATE_KEY_PASSWORD (or is asked for on a terminal). With --sim no key is needed.

hosts: mainnet by default; --testnet, --base-url URL, or --sim (a simulator started in-process).
demo uses the simulator unless --testnet or --base-url is given.

case: symbols, sides, order types and time in force may be typed in lower case (btcusdt buy limit);
they are sent upper-cased, as Binance spells them.

times: ms since the epoch, ISO 8601 (UTC unless a zone is given), 'now', or a span before now: -30m,
-24h, -7d, -2w (units s, m, h, d, w).

exit codes: 0 done; 1 failed (Binance refused, host unreachable, unknown symbol, order breaks the rules);
2 usage (bad arguments, missing keys; nothing sent); 3 an order or cancel whose outcome is unknown (look it
up by its client order id before retrying); 130 interrupted.
"""


def usage_line(message: str, prog: str) -> str:
    """A usage error's line (without the newline): ``error: <message> (see '<prog> --help')``."""
    return f"error: {message} (see '{prog} --help')"


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: ``error: <what> (see '<prog> --help')``."""

    #: The parser of each command (on the top-level parser), for errors found after parsing.
    commands: dict[str, argparse.ArgumentParser]

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, usage_line(message, self.prog) + "\n")


# -- value parsers (argparse ``type=``): a ValueError or ArgumentTypeError becomes a usage error ----------


def _converted(text: str, convert: Callable[[str], _N], kind: str) -> _N:
    """`text` converted (``not a <kind>`` when it will not be)."""
    try:
        return convert(text)
    except (ValueError, InvalidOperation):
        raise argparse.ArgumentTypeError(f"not a {kind}: {text!r}") from None


def _greater_than_0(value: _N, text: str) -> _N:
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0: {text!r}")
    return value


def decimal_value(text: str) -> Decimal:
    """A finite decimal number, as typed (``0.001``, ``1e-3``)."""
    value = _converted(text, lambda t: Decimal(t.strip()), "decimal number")
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def positive_decimal(text: str) -> Decimal:
    return _greater_than_0(decimal_value(text), text)


def positive_int(text: str) -> int:
    return _greater_than_0(_converted(text, int, "whole number"), text)


def positive_float(text: str) -> float:
    value = _converted(text, float, "number")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
    return value


def symbol_value(text: str) -> str:
    """A symbol as Binance spells it (upper case): ``btcusdt`` -> ``BTCUSDT``."""
    symbol = text.strip().upper()
    if not symbol or any(c.isspace() or c in "\"'[],/" for c in symbol):
        raise argparse.ArgumentTypeError(f"not a symbol: {text!r}")
    return symbol


#: What ``watch`` names as examples of the stream types it knows.
STREAM_EXAMPLES = (
    "btcusdt@trade, @aggTrade, @bookTicker, @depth, @depth@100ms, @depth5 (10, 20), @kline_1m, @ticker, "
    "@ticker_1h, @miniTicker, @avgPrice, !miniTicker@arr"
)
#: The windows of ``@ticker_<window>`` and ``!ticker_<window>@arr``.
TICKER_WINDOWS = ("1h", "4h", "1d")


def stream_value(text: str) -> str:
    """A market stream name as Binance spells it, its symbol lower-cased (``BTCUSDT@trade`` ->
    ``btcusdt@trade``; the part after ``@`` is kept: ``@kline_1M`` is a month). Refused: a name the
    library would refuse (`check_stream_name`), a stream type it does not know, a kline interval or a
    ticker window Binance does not have, and ``!serverShutdown`` (not a stream one subscribes to)."""
    raw = text.strip()
    symbol, at, rest = raw.partition("@")
    name = raw if raw.startswith("!") else symbol.lower() + at + rest
    try:
        check_stream_name(name)
    except ParameterError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    kind = stream_event_type(name)
    if kind is RawEvent or kind is ServerShutdown:
        raise argparse.ArgumentTypeError(f"unknown stream {text!r} (streams: {STREAM_EXAMPLES})")
    suffix = rest if not raw.startswith("!") else name[1:].partition("@")[0]
    if suffix.startswith("kline_"):
        interval = suffix[len("kline_") :].partition("@")[0]
        if interval not in get_args(KlineInterval):
            raise argparse.ArgumentTypeError(
                f"unknown kline interval {interval!r} in {text!r} ({' '.join(get_args(KlineInterval))})"
            )
    elif suffix.startswith("ticker_"):
        window = suffix[len("ticker_") :]
        if window not in TICKER_WINDOWS:
            raise argparse.ArgumentTypeError(
                f"unknown ticker window {window!r} in {text!r} ({', '.join(TICKER_WINDOWS)})"
            )
    return name


def depth_value(text: str) -> int:
    """An order book depth: 1 to 5000 levels (the snapshot's ``limit``)."""
    depth = positive_int(text)
    if depth > 5000:
        raise argparse.ArgumentTypeError(f"must be at most 5000: {text!r}")
    return depth


def client_order_id_value(text: str) -> str:
    """A client order id Binance accepts (1-36 of a-z, A-Z, 0-9, ``-`` and ``_``), as typed."""
    try:
        return check_client_order_id(text, "id")
    except ParameterError:
        raise argparse.ArgumentTypeError(
            f"not a client order id: {text!r} (1-36 characters of a-z, A-Z, 0-9, '-' and '_')"
        ) from None


_DIGITS = re.compile(r"[0-9]+")
#: A span before now: ``-90s``, ``-30m``, ``-24h``, ``-7d``, ``-2w``.
RELATIVE = re.compile(r"-([0-9]+)([smhdw])")
_UNIT_MS = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}


def timestamp_value(text: str) -> int:
    """Milliseconds since the epoch, from ms (``1700000000000``), ``now``, a span before now (``-30m``,
    ``-24h``, ``-7d``, ``-2w``; units s, m, h, d, w), or ISO 8601 (``2024-05-01``, ``2024-05-01T12:30``,
    ``2024-05-01T12:30:00+02:00``, a trailing ``Z``). A time without a zone is UTC."""
    raw = text.strip()
    if _DIGITS.fullmatch(raw):
        return int(raw)
    now = int(datetime.now(timezone.utc).timestamp() * 1000)
    if raw.lower() == "now":
        return now
    relative = RELATIVE.fullmatch(raw)
    if relative:
        return now - int(relative[1]) * _UNIT_MS[relative[2]]
    iso = raw[:-1] + "+00:00" if raw[-1:] in ("Z", "z") else raw
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a time: {text!r} (ms since the epoch, 'now', a span before now such as -24h, "
            "or ISO 8601 such as 2024-05-01T12:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


def _upper(text: str) -> str:
    return text.strip().upper()


def iso_time(ms: int) -> str:
    """``2024-05-01T00:00:00Z`` (with milliseconds only when there are some)."""
    moment = datetime.fromtimestamp(ms / 1000, timezone.utc)
    text = moment.isoformat(timespec="milliseconds" if ms % 1000 else "seconds")
    return text.replace("+00:00", "Z")


# -- what each order type takes -------------------------------------------------------------------------

#: Per order type: does it need --price, does it need --stop-price, does it take --time-in-force.
#: (Binance's rules; the command line has no pegged or trailing orders, so a price and a stop price
#: are the only ways to give them.) Every type needs --quantity, except MARKET: --quantity or
#: --quote-quantity.
ORDER_FLAGS: dict[str, tuple[bool, bool, bool]] = {
    "LIMIT": (True, False, True),
    "MARKET": (False, False, False),
    "STOP_LOSS": (False, True, False),
    "TAKE_PROFIT": (False, True, False),
    "STOP_LOSS_LIMIT": (True, True, True),
    "TAKE_PROFIT_LIMIT": (True, True, True),
    "LIMIT_MAKER": (True, False, False),
}


def _and(names: list[str], word: str) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {word} {names[-1]}"


def check_order_flags(args: argparse.Namespace) -> str | None:
    """What is wrong with an ``order`` command's flags for its type (None if nothing): the flags it
    needs and lacks, else those it was given and does not take."""
    kind = args.type
    needs_price, needs_stop, takes_tif = ORDER_FLAGS[kind]
    missing: list[str] = []
    extra: list[str] = []
    if kind == "MARKET":
        if args.quantity is None and args.quote_quantity is None:
            missing.append("--quantity or --quote-quantity")
    else:
        if args.quantity is None:
            missing.append("--quantity")
        if args.quote_quantity is not None:
            extra.append("--quote-quantity")
    for flag, value, needed in (
        ("--price", args.price, needs_price),
        ("--stop-price", args.stop_price, needs_stop),
    ):
        if needed and value is None:
            missing.append(flag)
        elif not needed and value is not None:
            extra.append(flag)
    if args.time_in_force is not None and not takes_tif:
        extra.append("--time-in-force")
    article = "an" if kind[0] in "AEIOU" else "a"
    if missing:
        return f"{article} {kind} order needs {_and(missing, 'and')}"
    if extra:
        return f"{article} {kind} order takes no {_and(extra, 'or')}"
    return None


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
        default=default(DEFAULT_TIMEOUT),
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

    parser.commands = {}

    def command(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=COMMANDS[name], description=COMMANDS[name], **kwargs)
        if name != "sim":
            _connection_options(sub, sub=True)
        parser.commands[name] = sub
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
        help="a span before now (-24h, -7d), ISO 8601 (UTC unless a zone), ms, or now",
    )
    klines.add_argument(
        "--end", type=timestamp_value, metavar="TIME", help="like --start (default: now); both ends included"
    )
    klines.add_argument("--out", metavar="FILE.csv", default="-", help="CSV file to write (default stdout)")
    klines.add_argument(
        "--progress", action="store_true", help="show a progress bar even when stderr is not a terminal"
    )

    watch = command(
        "watch",
        epilog='Each event is one JSON line {"stream": ..., "type": ..., "data": {...}}, data as Binance '
        'names it, numbers as fixed-point strings; --status adds {"type": "StreamStatus", ...} lines when '
        "a connection is lost, reopened or switched. Symbols may be typed in upper case.",
    )
    watch.add_argument(
        "streams",
        nargs="+",
        type=stream_value,
        metavar="STREAM",
        help="e.g. btcusdt@trade, btcusdt@depth@100ms, ethusdt@kline_1m, !miniTicker@arr",
    )
    watch.add_argument("--count", type=positive_int, metavar="N", help="stop after N events")
    watch.add_argument("--status", action="store_true", help="also print connection status lines")

    book = command(
        "book",
        epilog="On a terminal the view is redrawn in place: the best bids and asks, the spread, the last "
        "update id, and whether the book is stale, with its resyncs and gaps. Otherwise (or with --json) "
        "one JSON line per update, or per --interval.",
    )
    book.add_argument("symbol", type=symbol_value, metavar="SYMBOL", help="e.g. BTCUSDT")
    book.add_argument(
        "--depth",
        type=depth_value,
        default=100,
        metavar="N",
        help="levels of the snapshot the book starts from (1-5000, default 100: weight 5)",
    )
    book.add_argument(
        "--levels", type=positive_int, default=10, metavar="K", help="levels shown per side (default 10)"
    )
    book.add_argument(
        "--interval",
        type=positive_float,
        metavar="SECONDS",
        help="show the book every SECONDS instead of on every update",
    )
    book.add_argument("--count", type=positive_int, metavar="N", help="stop after N updates shown")
    book.add_argument("--json", action="store_true", help="JSON lines even on a terminal")

    account = command("account")
    _json_option(account)

    order = command(
        "order",
        epilog="Each type takes its own flags: LIMIT --quantity --price [--time-in-force]; MARKET "
        "--quantity or --quote-quantity; STOP_LOSS and TAKE_PROFIT --quantity --stop-price; "
        "STOP_LOSS_LIMIT and TAKE_PROFIT_LIMIT --quantity --price --stop-price [--time-in-force]; "
        "LIMIT_MAKER --quantity --price. Symbol, side, type and time in force may be typed in lower case.",
    )
    order.add_argument("symbol", type=symbol_value, metavar="SYMBOL", help="e.g. BTCUSDT (upper-cased)")
    order.add_argument(
        "side", type=_upper, choices=("BUY", "SELL"), metavar="SIDE", help="BUY or SELL (upper-cased)"
    )
    order.add_argument(
        "type",
        type=_upper,
        choices=get_args(OrderType),
        metavar="TYPE",
        help=", ".join(get_args(OrderType)) + " (upper-cased)",
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
        help="GTC, IOC or FOK (default GTC for LIMIT, STOP_LOSS_LIMIT and TAKE_PROFIT_LIMIT)",
    )
    order.add_argument(
        "--client-order-id",
        type=client_order_id_value,
        metavar="ID",
        help="your id for the order (default: generated)",
    )
    order.add_argument("--test", action="store_true", help="check the order with Binance without placing it")
    _json_option(order)

    cancel = command("cancel")
    _order_ref(cancel)
    _json_option(cancel)

    status = command("status")
    _order_ref(status)
    _json_option(status)

    orders = command(
        "orders",
        epilog="--follow subscribes to the user data stream, prints the open orders, then each execution "
        "report as it happens: one line on a terminal (time, symbol, side, type, execution type, status, "
        "last fill qty @ price, filled / ordered, client order id), one JSON line per event when piped or "
        'with --json ({"type": "ExecutionReport", "data": {...}}, Binance\'s keys, fixed-point numbers; the '
        'open orders first as {"type": "OpenOrders", "data": [...]}). After a reconnect a line says so and '
        "lists the open orders fetched again. With --sim a resting LIMIT BUY is placed first and, with "
        "--follow, a MARKET order every second in the background (on SYMBOL, default BTCUSDT); they stop "
        "with the command.",
    )
    orders.add_argument(
        "symbol",
        nargs="?",
        type=symbol_value,
        metavar="SYMBOL",
        help="only this symbol's orders (e.g. BTCUSDT)",
    )
    orders.add_argument(
        "--follow", action="store_true", help="then print order updates as they happen, until Ctrl-C"
    )
    orders.add_argument(
        "--all-events",
        action="store_true",
        help="--follow: also print balance, order list and other account events",
    )
    orders.add_argument(
        "--count", type=positive_int, metavar="N", help="--follow: stop after N events printed"
    )
    orders.add_argument(
        "--json",
        action="store_true",
        help="print the result as JSON (--follow: JSON lines even on a terminal)",
    )

    command("sim", add_help=False, prefix_chars="-")  # its options are those of python -m binance_async.sim
    return parser


_TIME_OPTIONS = ("--start", "--end")


def _join_relative_times(argv: list[str]) -> list[str]:
    """``--start -24h`` as ``--start=-24h``: argparse would read ``-24h`` as an unknown option."""
    joined: list[str] = []
    for arg in argv:
        if joined and joined[-1] in _TIME_OPTIONS and RELATIVE.fullmatch(arg.strip()):
            joined[-1] = f"{joined[-1]}={arg}"
        else:
            joined.append(arg)
    return joined


def parse(argv: list[str] | None, prog: str = PROG) -> tuple[argparse.Namespace, list[str]]:
    """The parsed arguments, and the ones left for ``sim`` (any left over elsewhere is an error).

    Checks that need several arguments are made here too, so that every usage error has one voice:
    one host option, what an order's type takes, a time range in order. ``args.prog`` is `prog`.
    """
    parser = build_parser(prog)
    given = sys.argv[1:] if argv is None else argv
    args, rest = parser.parse_known_args(_join_relative_times(list(given)))
    if rest and args.command != "sim":
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    chosen = [name for name in ("sim", "testnet", "base_url") if getattr(args, name, None)]
    if len(chosen) > 1:
        options = ", ".join("--" + name.replace("_", "-") for name in chosen)
        parser.error(f"give one of --sim, --testnet and --base-url, not {options}")
    command = parser.commands[args.command] if isinstance(parser, _Parser) else parser
    if args.command == "order":
        problem = check_order_flags(args)
        if problem:
            command.error(problem)
    if args.command == "book" and args.levels > args.depth:
        command.error(
            f"--levels {args.levels} is more than --depth {args.depth}: levels beyond it are unknown"
        )
    if args.command == "klines":
        end = args.end if args.end is not None else timestamp_value("now")
        if args.start > end:
            command.error(f"--start ({iso_time(args.start)}) is after --end ({iso_time(end)})")
    args.prog = prog
    return args, rest
