"""How OAuth answers become errors of the tree in `binance_async.errors`.

* 429, 418, 408 and 5xx keep their Spot meaning (`error_from_response`): rate limited, banned, and
  execution status unknown (so a 5xx on ``ocbs/confirm`` is an `ExecutionStatusUnknownError`).
* The token endpoint's RFC 6749 JSON, ``{"error": "invalid_grant", "error_description": "..."}``:
  `OAuthError` with ``.error`` (Binance does not document its format; this is the RFC's and the
  simulator's).
* An oauth-api envelope, ``{"code": "100002001", "message": "...", "success": false}``: HTTP 401 is
  `OAuthInvalidTokenError`, 403 `OAuthInsufficientScopeError`, anything else `OAuthError`; ``.oauth_code``
  holds the string code and ``.code`` the same as an int when it is numeric (else 0). A 200 envelope
  with ``success: false`` maps the same way (`error_from_envelope`).
* A 401 without a recognisable body is still `OAuthInvalidTokenError`, and a 403 whose
  ``WWW-Authenticate`` says ``insufficient_scope`` still `OAuthInsufficientScopeError`; any other
  body (a proxy's HTML page, a WAF's 403) falls back to `error_from_response`.

Messages name the method and path, never a token or the client secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._constants import ERROR_EXCERPT
from ..errors import (
    BinanceAPIError,
    OAuthError,
    OAuthInsufficientScopeError,
    OAuthInvalidTokenError,
    error_from_response,
    json_or_none,
)

__all__ = ["error_from_envelope", "oauth_error_from_response"]


def _text(value: Any) -> str | None:
    return value[:ERROR_EXCERPT] if isinstance(value, str) and value else None


def _numeric(code: str) -> int:
    try:
        return int(code)
    except ValueError:
        return 0


def error_from_envelope(
    status: int,
    code: str,
    message: str | None,
    headers: Mapping[str, str] | None = None,
    *,
    method: str = "",
    path: str = "",
) -> OAuthError:
    """The error for an oauth-api envelope that reports failure (any HTTP status, 200 included)."""
    cls: type[OAuthError] = OAuthError
    if status == 401:
        cls = OAuthInvalidTokenError
    elif status == 403:
        cls = OAuthInsufficientScopeError
    error = cls(status, _numeric(code), message or "(no message)", headers, method=method, path=path)
    error.oauth_code = code
    return error


def oauth_error_from_response(
    status: int, headers: Mapping[str, str], body: bytes, *, method: str = "", path: str = ""
) -> BinanceAPIError:
    """The typed error for a non-2xx answer of the token endpoint or an oauth-api (see the module)."""
    if status in (429, 418, 408) or status >= 500:
        return error_from_response(status, headers, body, method=method, path=path)
    data = json_or_none(body)
    if isinstance(data, dict):
        name = _text(data.get("error"))
        if name is not None:
            message = _text(data.get("error_description")) or name
            error = OAuthError(status, 0, message, headers, method=method, path=path)
            error.error = name
            return error
        code = data.get("code")
        if isinstance(code, (str, int)) and not isinstance(code, bool) and "msg" not in data:
            return error_from_envelope(
                status, str(code), _text(data.get("message")), headers, method=method, path=path
            )
    if status == 401:
        return OAuthInvalidTokenError(
            status, 0, "the access token was rejected", headers, method=method, path=path
        )
    if status == 403 and "insufficient_scope" in headers.get("WWW-Authenticate", ""):
        return OAuthInsufficientScopeError(
            status, 0, "the access token lacks the scope", headers, method=method, path=path
        )
    return error_from_response(status, headers, body, method=method, path=path)
