"""The WebSocket API's frames, and how they map onto the REST pipeline's `Request` and `Response`.

A request is ``{"id": n, "method": "order.place", "params": {...}}``; its answer is ``{"id": n,
"status": 200, "result": ... | "error": {...}, "rateLimits": [...]}``. The pipeline is the REST one:
the WebSocket API takes the same parameters under the same names and answers with the same bodies.
So a `Request` carries the method name in ``method`` and the JSON params in ``body``, and an answer
becomes a `Response` whose body is the ``result`` (or the ``error``) exactly as received (no
re-encoding: `msgspec.Raw`) and whose headers are what REST would have sent: the ``rateLimits`` as
``X-MBX-USED-WEIGHT-1M`` / ``X-MBX-ORDER-COUNT-10S`` counts, ``retryAfter`` as ``Retry-After``. The
rate limiter, the error mapping and the decoders cannot tell the difference.

Events (no ``id``): ``{"subscriptionId": n, "event": {...}}`` (user data) and ``{"event": {...}}``
(``serverShutdown``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

import msgspec
from multidict import CIMultiDict, CIMultiDictProxy

__all__ = ["Frame", "RateLimit", "decode_frame", "params_json", "response_headers", "signature_payload"]

_LETTERS = {"SECOND": "S", "MINUTE": "M", "HOUR": "H", "DAY": "D"}
_HEADER_PREFIX = {"REQUEST_WEIGHT": "X-MBX-USED-WEIGHT-", "ORDERS": "X-MBX-ORDER-COUNT-"}
_EMPTY = msgspec.Raw(b"")


class RateLimit(msgspec.Struct, frozen=True, gc=False):
    """One entry of an answer's ``rateLimits``."""

    rateLimitType: str
    interval: str
    intervalNum: int
    limit: int
    count: int


class _ErrorData(msgspec.Struct, frozen=True, gc=False):
    serverTime: int | None = None
    retryAfter: int | None = None


class _ErrorInfo(msgspec.Struct, frozen=True, gc=False):
    data: _ErrorData | None = None


class Frame(msgspec.Struct, frozen=True):
    """One frame from the server: an answer (``status`` set) or an event (``event`` set)."""

    id: int | str | None = None
    status: int = 0
    result: msgspec.Raw = _EMPTY
    error: msgspec.Raw = _EMPTY
    rateLimits: list[RateLimit] | None = None
    subscriptionId: int | None = None
    event: msgspec.Raw = _EMPTY


decode_frame = msgspec.json.Decoder(Frame).decode
_decode_error_info = msgspec.json.Decoder(_ErrorInfo).decode


def response_headers(frame: Frame) -> Mapping[str, str]:
    """The REST headers an answer stands for: rate-limit counts, and ``Retry-After`` after a 429/418.

    A success's go only to the limiter and the clock, which ask for these names as spelled here: a
    plain dict. A failure's go into an error the user may read: case-insensitive, as REST's are.
    """
    counts: dict[str, str] = {}
    for limit in frame.rateLimits or ():
        prefix = _HEADER_PREFIX.get(limit.rateLimitType)
        letter = _LETTERS.get(limit.interval)
        if prefix is not None and letter is not None:
            counts[f"{prefix}{limit.intervalNum}{letter}"] = str(limit.count)
    if frame.status == 200:
        return counts
    headers: CIMultiDict[str] = CIMultiDict(counts)
    if frame.status in (418, 429) and frame.error:
        try:
            data = _decode_error_info(frame.error).data
        except msgspec.DecodeError:
            data = None
        if data is not None and data.retryAfter is not None and data.serverTime is not None:
            seconds = max(0.0, (data.retryAfter - data.serverTime) / 1000.0)
            headers["Retry-After"] = str(math.ceil(seconds))
    return CIMultiDictProxy(headers)


def _text(value: str) -> str:
    return unquote(value) if "%" in value else value


def params_json(encoded: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON params of a request whose REST form is `encoded` (``name=value&...``, percent-encoded,
    every value already checked and formatted by the REST encoder): the same text values, except that
    whole numbers given as ``int`` go as JSON numbers and lists as JSON arrays."""
    out: dict[str, Any] = {}
    if not encoded:
        return out
    for pair in encoded.split("&"):
        name, _, value = pair.partition("=")
        name = _text(name)
        original = params.get(name)
        if type(original) is int:
            out[name] = original
        elif isinstance(original, (list, tuple)):
            out[name] = msgspec.json.decode(_text(value))
        else:
            out[name] = _text(value)
    return out


def signature_payload(params: Mapping[str, Any]) -> bytes:
    """What the WebSocket API signs: every parameter but ``signature``, sorted by name, ``name=value``
    joined with ``&`` (values as sent: text as is, numbers in decimal, arrays as compact JSON)."""
    parts = []
    for name in sorted(params):
        if name == "signature":
            continue
        value = params[name]
        if isinstance(value, str):
            text = value
        elif isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, int):
            text = str(value)
        else:
            text = msgspec.json.encode(value).decode()
        parts.append(f"{name}={text}")
    return "&".join(parts).encode()
