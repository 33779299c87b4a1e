"""Exit codes, and the one line the command line prints for each kind of failure.

=====  ==========================================================================================
code   meaning
=====  ==========================================================================================
0      done
1      the command ran and failed: Binance refused it, the host could not be reached, an unknown
       symbol, an order that breaks the symbol's rules (checked before sending), a file not written
2      usage: bad arguments or values, missing or unreadable API keys; nothing was sent
3      an order or cancel whose outcome is unknown (it may have executed): look it up by its
       client order id before trying again
130    interrupted (Ctrl-C)
=====  ==========================================================================================
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import (
    APIKeyError,
    BinanceAPIError,
    BinanceError,
    ConnectionFailedError,
    ExecutionStatusUnknown,
    InvalidRequestError,
    InvalidResponseError,
    InvalidSignatureError,
    InvalidSymbolError,
    IPBannedError,
    OrderValidationError,
    RateLimitedError,
    RequestTimeoutError,
)
from ..spot.rules import UnknownSymbolError

__all__ = [
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_UNKNOWN_OUTCOME",
    "EXIT_USAGE",
    "CLIError",
    "UsageError",
    "describe",
]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_UNKNOWN_OUTCOME = 3
EXIT_INTERRUPTED = 130


class CLIError(Exception):
    """A failure with the message to print and the exit code to return."""

    code = EXIT_FAILURE

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class UsageError(CLIError):
    """The command line or the environment is wrong; nothing was sent."""

    code = EXIT_USAGE


#: The failures `describe` shows as the error's own text after a prefix (the first kind that matches).
_PREFIXES: tuple[tuple[type[BaseException], str], ...] = (
    (BinanceAPIError, "Binance refused the request: "),
    (ConnectionFailedError, "cannot connect: "),
    (RequestTimeoutError, "no answer in time: "),
    (InvalidResponseError, "unexpected answer from the server: "),
    (BinanceError, ""),
    (OSError, ""),
)


def _symbols_text(symbols: Sequence[str]) -> str:
    return ", ".join(repr(s) for s in symbols)


def describe(error: BaseException, symbols: Sequence[str] = ()) -> tuple[str, int]:
    """The one-line message (without the ``error:`` prefix) and the exit code for `error`.

    `symbols` are the symbols the command was given, to name the unknown one. No message carries a
    key or secret: the library's errors never do, and nothing here adds one.
    """
    if isinstance(error, CLIError):
        return str(error), error.code
    if isinstance(error, ExecutionStatusUnknown):
        cid = error.client_order_id
        lookup = f": look it up by client order id {cid} before retrying" if cid else ""
        return f"outcome unknown, the request may have been executed ({error}){lookup}", EXIT_UNKNOWN_OUTCOME
    if isinstance(error, UnknownSymbolError):
        return f"unknown symbol {error.symbol!r} (not in exchangeInfo)", EXIT_FAILURE
    if isinstance(error, OrderValidationError):
        return f"order not sent, it breaks the symbol's rules: {error}", EXIT_FAILURE
    if isinstance(error, InvalidRequestError):
        return str(error), EXIT_USAGE
    if isinstance(error, InvalidSymbolError):
        named = f" {_symbols_text(symbols)}" if len(symbols) == 1 else ""
        among = f" among {_symbols_text(symbols)}" if len(symbols) > 1 else ""
        return f"unknown symbol{named}{among} (Binance: {error.msg})", EXIT_FAILURE
    if isinstance(error, (RateLimitedError, IPBannedError)):
        wait = error.retry_after
        after = f"; retry after {wait:g} s" if wait is not None else ""
        what = "IP banned" if isinstance(error, IPBannedError) else "rate limited"
        return f"{what} by Binance (HTTP {error.status}, code {error.code}: {error.msg}){after}", EXIT_FAILURE
    if isinstance(error, (APIKeyError, InvalidSignatureError)):
        return (
            f"Binance refused the API key (code {error.code}: {error.msg}); "
            "check the key, its secret or private key, and its permissions",
            EXIT_FAILURE,
        )
    for kind, prefix in _PREFIXES:
        if isinstance(error, kind):
            return f"{prefix}{error}", EXIT_FAILURE
    return f"internal error: {type(error).__name__}: {error} (--debug shows the traceback)", EXIT_FAILURE
