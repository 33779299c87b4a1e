"""The WebSocket API's frames: a request ``{id, method, params}`` read from one text frame, and the
answers ``{id, status, result | error, rateLimits}`` written back.

A request's ``params`` become the strings a REST query would carry, so the REST handlers read them
unchanged (`Params`): a JSON string is its text, a number its text as sent (``0.10`` stays ``0.10``), a
boolean ``true`` / ``false``, null an empty (absent) value, an array or object its JSON text (as
``symbols`` is sent to REST).

Malformed requests (the simulator's reading of Binance's answers, which its documentation does not list):
not JSON, or not an object: 400 / -1135 "Invalid JSON Request"; an ``id`` that is not an integer, a string
of 1 to 36 of ``[a-zA-Z0-9-_]`` or null: 400 / -1135 "Invalid 'id' in JSON request; ..." with id null;
``method`` missing or not a string, ``params`` not an object: 400 / -1135 naming the field; an unknown
method: 400 / -1020 "This operation is not supported.". None of these is charged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from .config import LimitSpec
from .errors import SimError
from .limits import INTERVAL_LETTERS

__all__ = [
    "ApiRequest",
    "FrameError",
    "encode",
    "error_answer",
    "parse_request",
    "rate_limits",
    "result_answer",
]

JsonObject = dict[str, Any]
encode = msgspec.json.Encoder(decimal_format="string").encode
_ID = re.compile(r"[a-zA-Z0-9\-_]{1,36}")
_INT64 = 1 << 63
_RAW_OBJECT = msgspec.json.Decoder(dict[str, msgspec.Raw])


@dataclass(frozen=True)
class ApiRequest:
    """One well-formed request: its id (echoed), its method (without a ``v3/`` prefix), its params as
    REST strings."""

    id: Any
    method: str
    params: dict[str, str]


class FrameError(Exception):
    """A request that cannot be read: answered with `answer` (id null, unless the id was readable)."""

    def __init__(self, msg: str, request_id: Any = None) -> None:
        super().__init__(msg)
        self.answer = error_answer(request_id, SimError(-1135, msg))


def _text(raw: msgspec.Raw) -> str:
    data = bytes(raw)
    first = data[:1]
    if first == b'"':
        return msgspec.json.decode(data, type=str)
    if data == b"null":
        return ""
    return data.decode("utf-8")  # numbers as sent, true / false, arrays and objects as JSON text


def parse_request(text: str | bytes) -> ApiRequest:
    """The request in one text frame, or `FrameError`."""
    try:
        fields = _RAW_OBJECT.decode(text)
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise FrameError("Invalid JSON Request") from None
    request_id: Any = None
    raw_id = fields.get("id")
    if raw_id is not None:
        request_id = msgspec.json.decode(raw_id)
    if raw_id is None or not _valid_id(request_id):
        raise FrameError(
            "Invalid 'id' in JSON request; expected an integer, a string matching '^[a-zA-Z0-9-_]{1,36}$', "
            "or null."
        )
    raw_method = fields.get("method")
    method = None if raw_method is None else msgspec.json.decode(raw_method)
    if not isinstance(method, str):
        raise FrameError("Invalid 'method' in JSON request; expected a string.", request_id)
    params: dict[str, str] = {}
    raw_params = fields.get("params")
    if raw_params is not None and bytes(raw_params) != b"null":
        try:
            values = _RAW_OBJECT.decode(raw_params)
        except msgspec.ValidationError:
            raise FrameError("Invalid 'params' in JSON request; expected an object.", request_id) from None
        params = {name: _text(value) for name, value in values.items()}
    return ApiRequest(request_id, method.removeprefix("v3/"), params)


def _valid_id(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -_INT64 <= value < _INT64
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def rate_limits(
    specs: tuple[LimitSpec, ...], weight_headers: Mapping[str, str], orders: list[JsonObject] | None
) -> list[JsonObject]:
    """``rateLimits``: the ORDERS windows (when the request placed orders), then REQUEST_WEIGHT, built from
    the counters REST reports in its ``X-MBX-USED-WEIGHT-*`` headers."""
    out = list(orders or [])
    for spec in specs:
        if spec.rate_limit_type != "REQUEST_WEIGHT":
            continue
        suffix = f"{spec.interval_num}{INTERVAL_LETTERS[spec.interval]}"
        out.append(
            {
                "rateLimitType": spec.rate_limit_type,
                "interval": spec.interval,
                "intervalNum": spec.interval_num,
                "limit": spec.limit,
                "count": int(weight_headers.get(f"X-MBX-USED-WEIGHT-{suffix}", 0)),
            }
        )
    return out


def result_answer(request_id: Any, body: Any, limits: list[JsonObject] | None) -> bytes:
    """``{id, status: 200, result, rateLimits}``; `body` may be JSON already encoded (bytes)."""
    result = body if isinstance(body, bytes) else encode(body)
    tail = b"}" if limits is None else b',"rateLimits":' + encode(limits) + b"}"
    return b'{"id":' + encode(request_id) + b',"status":200,"result":' + result + tail


def error_answer(
    request_id: Any, error: SimError, limits: list[JsonObject] | None = None, extra: JsonObject | None = None
) -> bytes:
    """``{id, status, error: {code, msg[, data]}, rateLimits}``."""
    body: JsonObject = {"code": error.code, "msg": error.msg}
    data = error.data if error.data is not None else extra
    if data is not None:
        body["data"] = data
    answer: JsonObject = {"id": request_id, "status": error.status, "error": body}
    if limits is not None:
        answer["rateLimits"] = limits
    return encode(answer)
