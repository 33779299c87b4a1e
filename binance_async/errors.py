"""Every error binance_async raises on purpose.

::

    BinanceError                              base of everything below
    ├── ClientClosedError (RuntimeError)      the client was used after aclose()
    ├── InvalidRequestError (ValueError)      refused before anything was sent
    │   ├── ParameterError                    a value that cannot be encoded (NaN, inf, bad type)
    │   ├── OrderValidationError              an order breaks a symbol filter (.filter_type, .allowed)
    │   ├── UnknownSymbolError                not in exchangeInfo's symbols (.symbol; symbol rules)
    │   ├── RequestTooHeavyError              weight larger than a whole rate-limit window
    │   ├── OAuthScopeError                   the OAuth token lacks the scope an API needs
    │   └── OAuthNotAuthenticatedError        no OAuth token yet (log in first)
    ├── TransportError                        no HTTP response was received
    │   ├── ConnectionFailedError             could not connect: the request was never sent
    │   └── RequestTimeoutError               timed out waiting for the response
    ├── ExecutionStatusUnknown                mixin: the request may have been executed
    │   ├── SendStatusUnknownError            (also TransportError) a write was sent, then the
    │   │                                     connection dropped or timed out
    │   └── ExecutionStatusUnknownError       (also BinanceAPIError) 5xx, 408, -1006, -1007
    ├── InvalidResponseError                  a 2xx body that could not be decoded, or an answer
    │                                         larger than max_response_bytes
    ├── OAuthCallbackError                    the authorization callback: an error, or a wrong state
    ├── TokenStoreError                       an OAuth token store could not load, save or clear (.path)
    ├── StreamError                           a WebSocket stream could not do what was asked
    │   ├── StreamOverflowError               a subscriber's queue overflowed (overflow="raise"); .dropped
    │   ├── SubscriptionError                 the server refused a SUBSCRIBE / UNSUBSCRIBE (.code)
    │   └── StreamClosedError                 the stream (or its client) was closed
    └── BinanceAPIError(status, code, msg, headers)   Binance answered with an error
        ├── RateLimitedError                  HTTP 429 (-1003, -1015); .retry_after
        │   └── RateLimitWaitError            held back locally past the call's timeout (not sent)
        ├── IPBannedError                     HTTP 418; .retry_after
        │   └── IPBanWaitError                paused by a 418 past the call's timeout (not sent)
        ├── WAFRejectedError                  HTTP 403
        ├── RestrictedLocationError           HTTP 451
        ├── TimestampError                    -1021
        ├── InvalidSignatureError             -1022
        ├── FilterFailureError                -1013 (.filter_type names the filter)
        ├── InvalidSymbolError                -1121
        ├── OrderRejectedError                -2010
        ├── CancelRejectedError               -2011
        ├── NoSuchOrderError                  -2013
        ├── CancelReplaceError                -2021 / -2022: .data says which half failed
        ├── APIKeyError                       -2014, -2015
        └── OAuthError                        OAuth token endpoint or oauth-api error (.error, .oauth_code)
            ├── OAuthInvalidTokenError        HTTP 401: the access token is invalid or expired
            └── OAuthInsufficientScopeError   HTTP 403 from an oauth-api: scope not granted

Every class above can be imported from here and from ``binance_async``
(``from binance_async import ExecutionStatusUnknown``).

`error_from_response` picks the class: the HTTP status first (429, 418, 403, 451, 5xx, 408), then the
code table `_CODE_CLASSES`. No message carries the API key, the secret, a signature or a token: the
request is identified by method and path only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from ._constants import ERROR_EXCERPT, MAX_RETRY_AFTER

__all__ = [
    "APIKeyError",
    "BinanceAPIError",
    "BinanceError",
    "CancelRejectedError",
    "CancelReplaceError",
    "ClientClosedError",
    "ConnectionFailedError",
    "ExecutionStatusUnknown",
    "ExecutionStatusUnknownError",
    "FilterFailureError",
    "IPBanWaitError",
    "IPBannedError",
    "InvalidRequestError",
    "InvalidResponseError",
    "InvalidSignatureError",
    "InvalidSymbolError",
    "NoSuchOrderError",
    "OAuthCallbackError",
    "OAuthError",
    "OAuthInsufficientScopeError",
    "OAuthInvalidTokenError",
    "OAuthNotAuthenticatedError",
    "OAuthScopeError",
    "OrderRejectedError",
    "OrderValidationError",
    "ParameterError",
    "RateLimitWaitError",
    "RateLimitedError",
    "RequestTimeoutError",
    "RequestTooHeavyError",
    "RestrictedLocationError",
    "SendStatusUnknownError",
    "SentRequest",
    "StreamClosedError",
    "StreamError",
    "StreamOverflowError",
    "SubscriptionError",
    "TimestampError",
    "TokenStoreError",
    "TransportError",
    "UnknownSymbolError",
    "WAFRejectedError",
    "error_from_response",
]


class BinanceError(Exception):
    """Base of every error binance_async raises on purpose."""


class ClientClosedError(BinanceError, RuntimeError):
    """The client was used after it was closed."""


class InvalidResponseError(BinanceError):
    """A successful (2xx) response whose body could not be decoded into the expected type, or any
    answer larger than ``max_response_bytes`` (refused unread: `body` empty).

    For an order, an undecodable answer means the order WAS accepted, and an oversized one that its
    fate is unknown: `client_order_id` names it, and it is in ``unknown_outcomes``. `body` keeps the
    raw bytes of an undecodable answer.
    """

    client_order_id: str | None = None

    def __init__(self, message: str, *, status: int, body: bytes, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.method = method
        self.path = path


class InvalidRequestError(BinanceError, ValueError):
    """The request was refused before anything was sent."""


class ParameterError(InvalidRequestError):
    """A parameter value cannot be encoded for Binance."""


class OrderValidationError(InvalidRequestError):
    """An order breaks one of its symbol's filters (checked locally; the order was not sent).

    `filter_type` names the Binance filter (``"LOT_SIZE"``, ``"PRICE_FILTER"`` ...), `field` the
    order parameter at fault (``"quantity"``, ``"price"`` ...), `value` what was given, and
    `allowed` the limits that apply (e.g. ``{"minQty": Decimal("0.001"), "stepSize": ...}``). In an
    order list, `leg` names the order at fault (``"above"``, ``"working"``, ``"pending_below"`` ...);
    None for a single order.
    """

    def __init__(
        self,
        message: str,
        *,
        filter_type: str,
        field: str | None = None,
        value: Any = None,
        allowed: Mapping[str, Any] | None = None,
        leg: str | None = None,
    ) -> None:
        super().__init__(message)
        self.filter_type = filter_type
        self.field = field
        self.value = value
        self.allowed: Mapping[str, Any] = dict(allowed) if allowed is not None else {}
        self.leg = leg


class UnknownSymbolError(InvalidRequestError):
    """The symbol is not in the exchangeInfo response the rules were built from (`symbol` names it).

    Raised by `SpotClient.symbol_rules` and `RulesCache`, and by ``validate=True`` orders; nothing was
    sent. Also importable from ``binance_async.spot``.
    """

    def __init__(self, symbol: str) -> None:
        super().__init__(f"unknown symbol {symbol!r}: not in exchangeInfo")
        self.symbol = symbol


class RequestTooHeavyError(InvalidRequestError):
    """The request's weight exceeds a whole rate-limit window: it could never be sent."""


class TransportError(BinanceError):
    """No HTTP response was received."""

    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class ConnectionFailedError(TransportError):
    """The connection could not be established; the request was never sent."""


class RequestTimeoutError(TransportError):
    """No response arrived in time."""


class SentRequest(NamedTuple):
    """What an order request asked for: method, path and its parameters under Binance's names.

    The signature, timestamp and API key are not part of it.
    """

    method: str
    path: str
    params: Mapping[str, Any]


class ExecutionStatusUnknown(BinanceError):
    """The request may or may not have been executed by Binance.

    Never resend an order on this error: look it up (by its client order id) first, e.g. with
    `SpotClient.reconcile_order`. `client_order_id` is set when the request carried one;
    `request` describes what was sent (method, path and parameters; never a key or signature).
    """

    client_order_id: str | None = None
    request: SentRequest | None = None


class SendStatusUnknownError(TransportError, ExecutionStatusUnknown):
    """A non-idempotent request was sent, but the connection dropped or timed out."""

    def __init__(
        self, message: str, *, method: str = "", path: str = "", client_order_id: str | None = None
    ) -> None:
        super().__init__(message, method=method, path=path)
        self.client_order_id = client_order_id


class BinanceAPIError(BinanceError):
    """Binance answered with an error status.

    `status` is the HTTP status, `code` Binance's error code (0 when the body had none, e.g. an HTML
    page from a proxy), `msg` Binance's message (or a short excerpt of a non-JSON body), `headers`
    the response headers, `data` the body's ``data`` member when it had one (cancelReplace), and
    `client_order_id` the client order id of the order the request placed or canceled, if any.
    """

    data: Any = None
    client_order_id: str | None = None

    def __init__(
        self,
        status: int,
        code: int,
        msg: str,
        headers: Mapping[str, str] | None = None,
        *,
        method: str = "",
        path: str = "",
    ) -> None:
        self.status = status
        self.code = code
        self.msg = msg
        self.headers: Mapping[str, str] = headers if headers is not None else {}
        self.method = method
        self.path = path
        where = f"{method} {path}: " if method else ""
        super().__init__(f"{where}HTTP {status}, code {code}: {msg}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.status, self.code, self.msg, dict(self.headers)))


def _rebuild(
    cls: type[BinanceAPIError], status: int, code: int, msg: str, headers: dict[str, str]
) -> BinanceAPIError:
    return cls(status, code, msg, headers)


class _RetryAfterMixin(BinanceAPIError):
    _retry_after: float | None = None

    @property
    def retry_after(self) -> float | None:
        """Seconds to wait before sending again: the Retry-After header, if given (or, for an
        error raised before sending, what is left of the pause or the wait)."""
        if self._retry_after is not None:
            return self._retry_after
        return parse_retry_after(self.headers.get("Retry-After"))


class RateLimitedError(_RetryAfterMixin):
    """HTTP 429: a request-weight, raw-request or order-count limit was broken."""


class IPBannedError(_RetryAfterMixin):
    """HTTP 418: the IP is banned for continuing after 429s."""


class _HeldBack(_RetryAfterMixin):
    def __init__(
        self, message: str, *, retry_after: float, status: int, method: str = "", path: str = ""
    ) -> None:
        BinanceError.__init__(self, message)
        self.status = status
        self.code = 0
        self.msg = message
        self.headers = {}
        self.method = method
        self.path = path
        self._retry_after = retry_after

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_held_back, (type(self), self.msg, self._retry_after, self.status))


def _rebuild_held_back(cls: type[_HeldBack], msg: str, retry_after: float, status: int) -> _HeldBack:
    return cls(msg, retry_after=retry_after, status=status)


class RateLimitWaitError(_HeldBack, RateLimitedError):
    """Nothing was sent: the rate limiter would have held the request back longer than the call's
    timeout (a full window, or a pause after a 429). `retry_after` is the time left; `status` is 429
    when a 429's pause caused it, 0 when the local windows did."""


class IPBanWaitError(_HeldBack, IPBannedError):
    """Nothing was sent: a 418's ban outlasts the call's timeout; `retry_after` is the time left."""


class WAFRejectedError(BinanceAPIError):
    """HTTP 403: the web application firewall rejected the request."""


class RestrictedLocationError(BinanceAPIError):
    """HTTP 451: the service is unavailable from this location."""


class TimestampError(BinanceAPIError):
    """-1021: the timestamp was outside recvWindow or ahead of the server's time."""


class InvalidSignatureError(BinanceAPIError):
    """-1022: the signature does not match the request."""


class FilterFailureError(BinanceAPIError):
    """-1013: a symbol or exchange filter rejected the request."""

    @property
    def filter_type(self) -> str | None:
        """The filter named in "Filter failure: <TYPE>", if the message names one."""
        prefix = "Filter failure: "
        return self.msg[len(prefix) :].strip() if self.msg.startswith(prefix) else None


class InvalidSymbolError(BinanceAPIError):
    """-1121: the symbol does not exist."""


class OrderRejectedError(BinanceAPIError):
    """-2010: the matching engine rejected the new order."""


class CancelRejectedError(BinanceAPIError):
    """-2011: the cancel was rejected."""


class NoSuchOrderError(BinanceAPIError):
    """-2013: the order does not exist."""


class APIKeyError(BinanceAPIError):
    """-2014 / -2015: the API key is malformed, unknown, or lacks permission for this IP or action."""


class CancelReplaceError(BinanceAPIError):
    """-2021 (one half failed) or -2022 (both failed) from ``POST /api/v3/order/cancelReplace``.

    Read `new_order_placed` before anything else: with -2021 the new order may have been placed
    although the call raised. `data` holds Binance's ``data`` object as sent
    (``cancelResult``, ``newOrderResult``, ``cancelResponse``, ``newOrderResponse``).
    """

    def _result(self, key: str) -> str | None:
        data = self.data
        value = data.get(key) if isinstance(data, dict) else None
        return value if isinstance(value, str) else None

    @property
    def cancel_result(self) -> str | None:
        """``SUCCESS``, ``FAILURE`` or ``NOT_ATTEMPTED``."""
        return self._result("cancelResult")

    @property
    def new_order_result(self) -> str | None:
        """``SUCCESS``, ``FAILURE`` or ``NOT_ATTEMPTED``."""
        return self._result("newOrderResult")

    @property
    def canceled(self) -> bool:
        """The old order was canceled."""
        return self.cancel_result == "SUCCESS"

    @property
    def new_order_placed(self) -> bool:
        """The new order was placed (it exists on the book or has filled)."""
        return self.new_order_result == "SUCCESS"


class OAuthError(BinanceAPIError):
    """An error from Binance's OAuth server: the token endpoint or an oauth-api.

    `error` is the RFC 6749 error name of a token-endpoint answer (``"invalid_grant"``), if any;
    `oauth_code` the oauth-api envelope's string code (``"100002001"``), if any (`code` holds it as
    an int when it is numeric).
    """

    error: str | None = None
    oauth_code: str | None = None


class OAuthInvalidTokenError(OAuthError):
    """HTTP 401 from an oauth-api: the access token is invalid, expired or revoked."""


class OAuthInsufficientScopeError(OAuthError):
    """HTTP 403 from an oauth-api: the token was not granted the scope the API needs."""


class OAuthScopeError(InvalidRequestError):
    """The OAuth token lacks the scope an API needs; nothing was sent.

    `required` is the scope the API needs, `granted` the scopes the token has.
    """

    def __init__(self, message: str, *, required: str, granted: frozenset[str]) -> None:
        super().__init__(message)
        self.required = required
        self.granted = granted


class OAuthNotAuthenticatedError(InvalidRequestError):
    """An OAuth user API was called before any token was obtained (or after it was revoked)."""


class OAuthCallbackError(BinanceError):
    """The authorization callback carried an ``error`` or a state that does not match.

    `error` is the callback's ``error`` parameter (``"access_denied"``) or ``"state_mismatch"``;
    `description` its ``error_description`` if any.
    """

    def __init__(self, message: str, *, error: str, description: str | None = None) -> None:
        super().__init__(message)
        self.error = error
        self.description = description


class TokenStoreError(BinanceError):
    """A token store could not load, save or clear its token (unreadable, corrupt or unsafe file), or
    `Token.from_dict` was given something that is not a stored token.

    `path` is the file concerned, when there is one. The message never contains a token. Also
    importable from ``binance_async.oauth``.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class StreamError(BinanceError):
    """A WebSocket market stream could not do what was asked."""


class StreamOverflowError(StreamError):
    """A subscriber with ``overflow="raise"`` fell behind: its queue was full and `dropped` events were
    not queued. Raised once by the next read; iterating again goes on with what is queued."""

    def __init__(self, message: str, *, dropped: int) -> None:
        super().__init__(message)
        self.dropped = dropped


class SubscriptionError(StreamError):
    """The server answered a control message (SUBSCRIBE, UNSUBSCRIBE) with an error, or not in time."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class StreamClosedError(StreamError):
    """The stream, its order book or its client was closed."""


class ExecutionStatusUnknownError(BinanceAPIError, ExecutionStatusUnknown):
    """A 5xx, 408, -1006 or -1007: Binance does not know whether the request was executed."""

    def __init__(
        self,
        status: int,
        code: int,
        msg: str,
        headers: Mapping[str, str] | None = None,
        *,
        method: str = "",
        path: str = "",
        client_order_id: str | None = None,
    ) -> None:
        super().__init__(status, code, msg, headers, method=method, path=path)
        self.client_order_id = client_order_id


_STATUS_CLASSES: dict[int, type[BinanceAPIError]] = {
    429: RateLimitedError,
    418: IPBannedError,
    403: WAFRejectedError,
    451: RestrictedLocationError,
}

_CODE_CLASSES: dict[int, type[BinanceAPIError]] = {
    -1006: ExecutionStatusUnknownError,
    -1007: ExecutionStatusUnknownError,
    -1013: FilterFailureError,
    -1021: TimestampError,
    -1022: InvalidSignatureError,
    -1121: InvalidSymbolError,
    -2010: OrderRejectedError,
    -2011: CancelRejectedError,
    -2013: NoSuchOrderError,
    -2014: APIKeyError,
    -2015: APIKeyError,
    -2021: CancelReplaceError,
    -2022: CancelReplaceError,
}


def json_or_none(body: bytes) -> Any:
    """An error body as JSON, or None when it is not JSON (an HTML page from a proxy, nothing)."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def parse_error_body(body: bytes) -> tuple[int, str, Any]:
    """Binance's `{"code": -1121, "msg": "...", "data": ...}` as (code, msg, data), or
    (0, an excerpt, None) for anything else."""
    data = json_or_none(body)
    if isinstance(data, dict) and type(data.get("code")) is int:
        return data["code"], str(data.get("msg", "")), data.get("data")
    text = body[:ERROR_EXCERPT].decode("utf-8", "replace").strip()
    return 0, text or "(empty body)", None


def error_from_response(
    status: int, headers: Mapping[str, str], body: bytes, *, method: str = "", path: str = ""
) -> BinanceAPIError:
    """The typed error for a non-2xx response (the status decides first, then the code)."""
    code, msg, data = parse_error_body(body)
    cls = _STATUS_CLASSES.get(status)
    if cls is None:
        unknown = status >= 500 or status == 408  # Binance answers -1007 with 408 too, or a proxy's page
        cls = ExecutionStatusUnknownError if unknown else _CODE_CLASSES.get(code, BinanceAPIError)
    error = cls(status, code, msg, headers, method=method, path=path)
    if data is not None:
        error.data = data
    return error


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds, capped at the longest ban; None when absent or not delta-seconds.

    Binance sends delta-seconds: 1 to 10 ASCII digits (RFC 9110); a fraction of up to 3 digits is
    read too. Anything else (``-5``, ``nan``, ``inf``, ``1e9``, ``+3``, an HTTP date, non-ASCII digits)
    is not a Retry-After.
    """
    if value is None or _RETRY_AFTER.fullmatch(value) is None:
        return None
    return min(float(value), MAX_RETRY_AFTER)


_RETRY_AFTER = re.compile(r"[0-9]{1,10}(?:\.[0-9]{1,3})?", re.ASCII)
