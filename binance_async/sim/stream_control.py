"""The live control messages of a market-stream connection: ``SUBSCRIBE``, ``UNSUBSCRIBE``,
``LIST_SUBSCRIPTIONS``, ``SET_PROPERTY`` / ``GET_PROPERTY`` (``combined``), and their errors: 0 unknown
property, 1 not a boolean, 2 invalid request, 3 invalid JSON.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import msgspec

from .stream_connection import Connection, error_body

if TYPE_CHECKING:
    from .ws_streams import MarketStreams

__all__ = ["control"]

JsonObject = dict[str, Any]
_METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")
_STRING_ID = re.compile(r"[A-Za-z0-9]{1,36}")
_INT64 = 1 << 63


def control(server: MarketStreams, connection: Connection, text: str) -> JsonObject:
    """The answer to one control message."""
    try:
        request = msgspec.json.decode(text)
    except msgspec.DecodeError as exc:
        return error_body(3, f"Invalid JSON: {exc}", None)
    if not isinstance(request, dict):
        return error_body(2, "Invalid request: expected an object", None)
    request_id = request.get("id")
    if "id" not in request or not _valid_id(request_id):
        return error_body(2, "Invalid request: request ID must be an unsigned integer", None)
    method = request.get("method")
    if method is None:
        return error_body(2, "Invalid request: missing field `method`", request_id)
    if method not in _METHODS:
        expected = ", ".join(f"`{m}`" for m in _METHODS)
        msg = f"Invalid request: unknown variant `{method}`, expected one of {expected}"
        return error_body(2, msg, request_id)
    params = request.get("params", [])
    if not isinstance(params, list):
        return error_body(2, "Invalid request: params must be an array", request_id)
    if method == "LIST_SUBSCRIPTIONS":
        return {"result": list(connection.streams), "id": request_id}
    if method in ("SET_PROPERTY", "GET_PROPERTY"):
        return _property(connection, method, params, request_id)
    if not all(isinstance(name, str) for name in params):
        return error_body(2, "Invalid request: params must be an array of stream names", request_id)
    for name in params:
        if server.stream(name) is None:
            return error_body(2, f"Invalid request: unknown stream '{name}'", request_id)
    if method == "UNSUBSCRIBE":
        for name in params:
            server.unsubscribe(connection, name)
        return {"result": None, "id": request_id}
    fresh = {name: None for name in params if name not in connection.streams}
    limit = server.settings.max_streams
    if len(connection.streams) + len(fresh) > limit:
        return error_body(2, f"Invalid request: at most {limit} streams per connection", request_id)
    for name in fresh:
        server.subscribe(connection, name)
    return {"result": None, "id": request_id}


def _property(connection: Connection, method: str, params: list[Any], request_id: Any) -> JsonObject:
    if not params or not isinstance(params[0], str):
        return error_body(2, "Invalid request: property name must be a string", request_id)
    if params[0] != "combined":
        return error_body(0, "Unknown property", request_id)
    if method == "GET_PROPERTY":
        return {"result": connection.combined, "id": request_id}
    if len(params) != 2 or not isinstance(params[1], bool):
        return error_body(1, "Invalid value type: expected Boolean", request_id)
    connection.combined = params[1]
    return {"result": None, "id": request_id}


def _valid_id(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -_INT64 <= value < _INT64
    return isinstance(value, str) and _STRING_ID.fullmatch(value) is not None
