"""Binance's error answers, as the simulator sends them: ``{"code": -1121, "msg": "Invalid symbol."}``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

__all__ = ["SimError", "error_response"]


class SimError(Exception):
    """An error the simulator answers with: HTTP status, Binance code and message, extra headers."""

    def __init__(
        self,
        code: int,
        msg: str,
        status: int = 400,
        headers: dict[str, str] | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.status = status
        self.headers = headers or {}
        self.data = (
            data  # e.g. cancelReplace's {cancelResult, newOrderResult, cancelResponse, newOrderResponse}
        )


def error_response(error: SimError, headers: dict[str, str] | None = None) -> web.Response:
    body: dict[str, Any] = {"code": error.code, "msg": error.msg}
    if error.data is not None:
        body["data"] = error.data
    return web.json_response(
        body,
        status=error.status,
        headers={**error.headers, **(headers or {})},
    )


# Messages exactly as Binance writes them (binance-spot-api-docs errors.md).
def mandatory(name: str) -> SimError:
    return SimError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


def illegal_chars(name: str, legal: str) -> SimError:
    return SimError(-1100, f"Illegal characters found in parameter '{name}'; legal range is '{legal}'.")


def duplicate_param() -> SimError:
    return SimError(-1101, "Duplicate values for a parameter detected.")


def not_required(name: str) -> SimError:
    return SimError(-1106, f"Parameter '{name}' sent when not required.")


def unread(read: int, sent: int) -> SimError:
    return SimError(
        -1104, f"Not all sent parameters were read; read '{read}' parameter(s) but was sent '{sent}'."
    )


def too_much_precision(name: str) -> SimError:
    return SimError(-1111, f"Parameter '{name}' has too much precision.")


def rejected(msg: str) -> SimError:
    return SimError(-2010, msg)


def insufficient_balance() -> SimError:
    return rejected("Account has insufficient balance for requested action.")


def filter_failure(name: str) -> SimError:
    return SimError(-1013, f"Filter failure: {name}")


def unknown_order() -> SimError:
    return SimError(-2011, "Unknown order sent.")


def no_such_order() -> SimError:
    return SimError(-2013, "Order does not exist.")


INVALID_SYMBOL = SimError(-1121, "Invalid symbol.")
INVALID_INTERVAL = SimError(-1120, "Invalid interval.")
INVALID_SIGNATURE = SimError(-1022, "Signature for this request is not valid.")
OUTSIDE_RECV_WINDOW = SimError(-1021, "Timestamp for this request is outside of the recvWindow.")
AHEAD_OF_SERVER = SimError(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
BAD_API_KEY_FORMAT = SimError(-2014, "API-key format invalid.", status=401)
REJECTED_API_KEY = SimError(-2015, "Invalid API-key, IP, or permissions for action.", status=401)
