"""The browser half of Binance Login: the authorization URL (with PKCE and state) and its callback.

Binance documents (binance-api.md f.1) ``GET https://accounts.binance.com/en/oauth/authorize`` with
``response_type=code``, ``client_id``, ``redirect_uri`` (URL-encoded), ``scope`` (comma-separated) and
``state``, plus ``code_challenge`` and ``code_challenge_method=S256`` for PKCE; the user comes back to
``redirect_uri?code=...&state=...``. The challenge is RFC 7636's S256,
BASE64URL-no-padding(SHA-256(verifier)).

Typical use::

    request = build_authorization_request(AUTHORIZE_URL, client_id=..., redirect_uri=..., scopes=[...])
    # send the user to request.url; keep request.state and request.code_verifier for the callback
    code = parse_callback(callback_url, request.state)  # then exchange code + code_verifier

Nothing here puts a code, a code verifier or a state into an error message or a repr.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlsplit

from .._secret import Secret
from ..errors import BinanceError, InvalidRequestError, OAuthCallbackError, ParameterError

__all__ = [
    "AuthorizationRequest",
    "build_authorization_request",
    "code_challenge",
    "new_code_verifier",
    "new_state",
    "parse_callback",
]

#: RFC 7636 4.1: code-verifier = 43*128unreserved, unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~".
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
#: RFC 6749 3.3 scope-token (%x21 / %x23-5B / %x5D-7E), without the comma Binance uses as separator.
_SCOPE = re.compile(r"[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]+")
#: The query parameters `build_authorization_request` sets.
_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)
#: A URL's start (``scheme://``), to tell a callback URL from a bare query string.
_URL_START = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
#: Longest callback ``error`` / ``error_description`` quoted in a message.
_MAX_QUOTED = 200
#: How many unfinished authorization requests (their PKCE verifiers) a client remembers.
MAX_PENDING = 32


def new_code_verifier() -> str:
    """A new PKCE code verifier: 64 characters (384 random bits) from the RFC 7636 unreserved set."""
    return secrets.token_urlsafe(48)


def code_challenge(verifier: str) -> str:
    """The S256 code challenge of `verifier`: BASE64URL-no-padding(SHA-256(verifier)) (RFC 7636 4.2).

    Raises `ParameterError` when `verifier` is not 43 to 128 characters of ``A-Z a-z 0-9 - . _ ~``.
    """
    if not isinstance(verifier, str) or _VERIFIER.fullmatch(verifier) is None:
        length = len(verifier) if isinstance(verifier, str) else "?"
        raise ParameterError(
            f"a PKCE code_verifier must be 43 to 128 characters from A-Z a-z 0-9 - . _ ~ "
            f"(RFC 7636 4.1); got {length} characters or others"
        )
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state() -> str:
    """A new ``state`` (CSRF token): 43 URL-safe characters, 256 random bits."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True, repr=False)
class AuthorizationRequest:
    """An authorization URL and what the callback and the token exchange will need.

    Send the user to `url`; give `state` to `parse_callback` and `code_verifier` (None without PKCE)
    and `redirect_uri` to the token exchange. The repr shows neither the URL, the state nor the
    verifier; the verifier `build_authorization_request` makes is a `Secret` (its repr is masked).
    """

    url: str
    state: str
    code_verifier: str | None
    redirect_uri: str
    scopes: tuple[str, ...]

    @property
    def pkce(self) -> bool:
        """True when the request carries a PKCE code challenge."""
        return self.code_verifier is not None

    def parse_callback(self, url_or_query: str | Mapping[str, str]) -> str:
        """`parse_callback` with this request's state: the authorization code."""
        result = _callback_code(url_or_query, self.state)
        del url_or_query  # it holds the code: not in this frame's locals when the error is raised
        if isinstance(result, BinanceError):
            raise result
        return result

    def __repr__(self) -> str:
        return (
            f"AuthorizationRequest(redirect_uri={self.redirect_uri!r}, scopes={self.scopes!r}, "
            f"pkce={self.pkce})"
        )


class PendingAuthorizations:
    """The authorization requests a client waits on (by state) and the codes their callbacks gave.

    What lets ``exchange_code(code)`` find the PKCE verifier by itself: `add` remembers a request
    (`OAuthClient.authorization_url`), `add_code` the state a code came back with
    (`OAuthClient.parse_callback`), and `take` finds the request a code answers and forgets it. Each
    keeps the `limit` newest entries. The repr shows neither states, codes nor verifiers.
    """

    __slots__ = ("_code_states", "_limit", "_requests")

    def __init__(self, limit: int = MAX_PENDING) -> None:
        self._limit = limit
        self._requests: dict[str, AuthorizationRequest] = {}  # state -> request, oldest first
        self._code_states: dict[str, str] = {}  # code -> state, from parse_callback

    def add(self, request: AuthorizationRequest) -> None:
        """Remember `request` by its state (replacing one with the same state)."""
        self._requests.pop(request.state, None)
        self._requests[request.state] = request
        while len(self._requests) > self._limit:
            del self._requests[next(iter(self._requests))]

    def add_code(self, code: str, state: str) -> None:
        """Remember that the callback of `state` gave `code`."""
        self._code_states[code] = state
        while len(self._code_states) > self._limit:
            del self._code_states[next(iter(self._code_states))]

    def take(self, code: str, state: str | None, verifier: str | None) -> AuthorizationRequest | None:
        """The request `code` answers, forgotten: by `state`, by the callback that gave `code`, or the
        only one pending (none is needed when the caller gives the `verifier`). Raises
        `InvalidRequestError` when several are pending and nothing tells which."""
        state = state if state is not None else self._code_states.pop(code, None)
        if state is not None:
            return self._requests.pop(state, None)
        if verifier is not None:
            return None
        if len(self._requests) > 1:
            raise InvalidRequestError(
                "several authorization requests are pending: pass state= (or code_verifier=) to exchange_code"
            )
        return self._requests.popitem()[1] if self._requests else None

    def __repr__(self) -> str:
        return f"PendingAuthorizations(requests={len(self._requests)}, codes={len(self._code_states)})"


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(url: object, name: str) -> str:
    """`url` if it is an absolute http(s) URL without fragment (http only for loopback hosts)."""
    if not isinstance(url, str) or not url:
        raise ParameterError(f"{name} must be a non-empty string")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ParameterError(f"{name} is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise ParameterError(f"{name} must be an absolute http(s) URL")
    if scheme == "http" and not _is_loopback(host):
        raise ParameterError(f"{name} must use https (http is allowed for loopback hosts only)")
    if parts.fragment or url.endswith("#"):
        raise ParameterError(f"{name} must not contain a fragment (RFC 6749 3.1)")
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise ParameterError(f"{name} must not contain whitespace or control characters")
    return url


def build_authorization_request(
    authorize_url: str,
    *,
    client_id: str,
    redirect_uri: str,
    scopes: Sequence[str],
    state: str | None = None,
    pkce: bool = True,
) -> AuthorizationRequest:
    """The URL to send the user to, with a new state (unless given) and PKCE verifier (unless off).

    The query is ``response_type=code``, ``client_id``, ``redirect_uri`` (percent-encoded),
    ``scope`` (comma-joined, duplicates dropped), ``state`` and, with `pkce`, ``code_challenge`` and
    ``code_challenge_method=S256``, appended to any query `authorize_url` already has. Raises
    `ParameterError` for an empty `client_id` or `state`, no scopes, a scope that is not an RFC 6749
    scope-token or contains a comma, a `redirect_uri` or `authorize_url` that is not an absolute
    https URL (http is allowed for loopback hosts), or an `authorize_url` that already sets one of
    these parameters.
    """
    _check_url(authorize_url, "authorize_url")
    _check_url(redirect_uri, "redirect_uri")
    if not isinstance(client_id, str) or not client_id.strip():
        raise ParameterError("client_id must be a non-empty string")
    if isinstance(scopes, str) or not isinstance(scopes, Sequence):
        raise ParameterError("scopes must be a sequence of scope names (not one string)")
    unique: list[str] = []
    for scope in scopes:
        if not isinstance(scope, str) or _SCOPE.fullmatch(scope) is None:
            raise ParameterError(
                f"invalid scope {scope!r}: a scope is a non-empty name of visible ASCII characters "
                "without commas, spaces, quotes or backslashes"
            )
        if scope not in unique:
            unique.append(scope)
    if not unique:
        raise ParameterError("at least one scope is required")
    if state is None:
        state = new_state()
    elif not isinstance(state, str) or not state:
        raise ParameterError("state must be a non-empty string")

    base, _, existing_query = authorize_url.partition("?")
    existing = parse_qsl(existing_query, keep_blank_values=True)
    clash = sorted({name for name, _ in existing} & set(_PARAMS))
    if clash:
        raise ParameterError(f"authorize_url already has the parameter(s) {', '.join(clash)}")

    params: list[tuple[str, str, str]] = [
        ("response_type", "code", ""),
        ("client_id", client_id, ""),
        ("redirect_uri", redirect_uri, ""),
        ("scope", ",".join(unique), ":,"),  # as in Binance's example: scope=user:openId,create:apikey
        ("state", state, ""),
    ]
    verifier: str | None = None
    if pkce:
        verifier = Secret(new_code_verifier())
        params.append(("code_challenge", code_challenge(verifier), ""))
        params.append(("code_challenge_method", "S256", ""))
    query = "&".join(f"{name}={quote(value, safe=safe)}" for name, value, safe in params)
    separator = "&" if existing_query else ""
    url = f"{base}?{existing_query}{separator}{query}"
    return AuthorizationRequest(
        url=url, state=state, code_verifier=verifier, redirect_uri=redirect_uri, scopes=tuple(unique)
    )


def _quoted(value: str) -> str:
    """`value` safe to put in a message: printable, at most `_MAX_QUOTED` characters."""
    text = "".join(c if c.isprintable() else "?" for c in value)
    return text if len(text) <= _MAX_QUOTED else text[:_MAX_QUOTED] + "..."


def _callback_params(url_or_query: str | Mapping[str, str]) -> dict[str, list[str]] | ParameterError:
    values: dict[str, list[str]] = {}
    if isinstance(url_or_query, Mapping):
        for name, value in url_or_query.items():
            if not isinstance(name, str) or not isinstance(value, str):
                return ParameterError("a callback mapping must map parameter names to strings")
            values.setdefault(name, []).append(value)  # a multidict may repeat a name
        return values
    if not isinstance(url_or_query, str):
        return ParameterError("the callback must be a URL, a query string or a mapping")
    text = url_or_query.strip()
    if _URL_START.match(text) or text.startswith("/"):
        query = urlsplit(text).query
    else:
        query = text.removeprefix("?").partition("#")[0]
    for name, value in parse_qsl(query, keep_blank_values=True):
        values.setdefault(name, []).append(value)
    return values


def parse_callback(url_or_query: str | Mapping[str, str], expected_state: str) -> str:
    """The authorization code from the redirect back to ``redirect_uri``.

    Accepts the full callback URL, its query string (with or without the leading ``?``) or a mapping
    of its parameters. Raises `OAuthCallbackError` with ``.error`` set to ``"state_mismatch"`` when
    ``state`` is missing, repeated or not `expected_state` (compared in constant time; checked first,
    so a forged callback cannot pass as anything else, RFC 6749 10.12), else to the callback's
    ``error`` (``"access_denied"``...; ``.description`` its ``error_description``), else to
    ``"missing_code"`` when ``code`` is missing, repeated or empty. No message contains the code or
    the state. The code is returned as a `Secret` (a ``str`` whose repr is masked), and errors are
    raised from a frame that no longer holds the callback.
    """
    result = _callback_code(url_or_query, expected_state)
    del url_or_query  # it holds the code: not in this frame's locals when the error is raised
    if isinstance(result, BinanceError):
        raise result
    return result


def _callback_code(url_or_query: str | Mapping[str, str], expected_state: str) -> Secret | BinanceError:
    """`parse_callback`'s code as a `Secret`, or the error it raises, returned (not raised) so that no
    traceback keeps a frame holding the callback (and so the code)."""
    if not isinstance(expected_state, str) or not expected_state:
        return ParameterError("expected_state must be the non-empty state of the authorization request")
    params = _callback_params(url_or_query)
    if isinstance(params, ParameterError):
        return params

    states = params.get("state")
    if not states:
        return OAuthCallbackError("the authorization callback has no state", error="state_mismatch")
    if len(states) > 1:
        return OAuthCallbackError(
            "the authorization callback has more than one state", error="state_mismatch"
        )
    if not hmac.compare_digest(states[0].encode("utf-8"), expected_state.encode("utf-8")):
        return OAuthCallbackError(
            "the authorization callback's state does not match the request's (possible CSRF)",
            error="state_mismatch",
        )

    errors = params.get("error")
    if errors:
        error = errors[0]
        descriptions = params.get("error_description")
        description = descriptions[0] if descriptions else None
        message = f"authorization failed: {_quoted(error) or '(empty error)'}"
        if description:
            message += f" ({_quoted(description)})"
        return OAuthCallbackError(message, error=error, description=description)

    codes = params.get("code")
    if not codes or not codes[0]:
        return OAuthCallbackError("the authorization callback has no code", error="missing_code")
    if len(codes) > 1:
        return OAuthCallbackError("the authorization callback has more than one code", error="missing_code")
    return Secret(codes[0])
