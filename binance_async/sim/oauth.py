"""A simulated Binance OAuth 2.0 ("Binance Login") server: authorization, tokens, and the oauth-api.

What Binance documents (binance-api.md section f) and what is the simulator's own choice:

* ``GET /en/oauth/authorize`` (and ``/oauth/authorize``) consents at once for `OAuthServer.consenting_user`
  and answers 302 to ``redirect_uri?code=...&state=...``. An unknown client or unregistered redirect URI
  is 400 (nothing is redirected, as RFC 6749 4.1.2.1 requires); other request errors are redirected as
  ``?error=...&state=...`` (RFC 6749). Set `auto_consent` False to get ``error=access_denied``.
* ``POST /oauth/token`` reads parameters from the query string and/or a form body (the query string
  wins). Codes are single-use, bound to client and redirect URI, and live `code_ttl_s` seconds; PKCE is
  S256 only (BASE64URL-no-pad(SHA-256(verifier)), RFC 7636). Reusing a code also revokes the tokens it
  gave (RFC 6749 4.1.2). A failed redemption (wrong verifier, secret or redirect) does not use the code.
  Refreshing returns a new access token and, unless `rotate_refresh_tokens`, the same refresh token (as
  Binance's example). **Binance does not document its token error format**: errors here are RFC 6749
  5.2 JSON, ``{"error": "invalid_grant", "error_description": "..."}`` with HTTP 400.
* Resource APIs answer the ``{"code": "000000", "message": null, "data": ..., "success": true}``
  envelope; the token comes as ``Authorization: Bearer ...`` or (legacy docs) ``?access_token=``. A
  missing, unknown, revoked or expired token is HTTP 401; a token without the API's scope is HTTP 403
  (RFC 6750 ``insufficient_scope``). Error envelopes carry ``success: false`` and codes from `ERRORS`,
  which are the simulator's own (Binance's OAuth error codes were not found).
* ``POST /oauth-api/v1/revoke-token`` clears the whole grant: the access token and its refresh token.
* Paths marked "inferred" in `PATHS` were not found in any source; override them via ``paths=``.
* Every oauth-api decimal is a string (Brave's unofficial mocks mix numbers and strings).
* Conversions charge no fee; prices come from `PRICES_USD`.
* `OAuthServer.requests` counts the requests each endpoint handled, by ``(method, path)``.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from .clock import SimClock
from .oauth_apis import OAuthApis
from .oauth_records import (
    _VERIFIER,
    DEFAULT_EXPIRES_IN,
    ERRORS,
    PATHS,
    PRICES_USD,
    SCOPES,
    Handler,
    OAuthUser,
    RegisteredApp,
    _challenge,
    _Code,
    _Grant,
    _params,
    _Quote,
    _TokenError,
)

__all__ = [
    "DEFAULT_EXPIRES_IN",
    "ERRORS",
    "PATHS",
    "PRICES_USD",
    "SCOPES",
    "Handler",
    "OAuthServer",
    "OAuthUser",
    "RegisteredApp",
]


class OAuthServer(OAuthApis):
    """Registered apps, users, codes, tokens and quotes of one simulated Binance Login. Deterministic from
    `seed` (token values) and `clock` (expiries)."""

    def __init__(
        self,
        clock: SimClock,
        seed: int = 1,
        *,
        expires_in: int = DEFAULT_EXPIRES_IN,
        code_ttl_s: int = 300,
        quote_ttl_s: int = 30,
        rotate_refresh_tokens: bool = False,
        paths: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        self.clock = clock
        self.expires_in = expires_in
        self.code_ttl_s = code_ttl_s
        self.quote_ttl_s = quote_ttl_s
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.auto_consent = True
        self.paths: dict[str, tuple[str, str]] = {**PATHS, **(paths or {})}
        self._random = random.Random(seed)
        self.apps: dict[str, RegisteredApp] = {}
        self.users: dict[str, OAuthUser] = {}
        self._codes: dict[str, _Code] = {}
        self._grants: dict[str, _Grant] = {}
        self._refresh: dict[str, str] = {}  # refresh token -> grant id
        self._access: dict[str, tuple[str, int]] = {}  # access token -> (grant id, expiry ms)
        self._quotes: dict[str, _Quote] = {}
        #: Requests each endpoint handled, by (method, path): ``requests[("POST", "/oauth/token")]``.
        #: A request a simulator fault answers before processing never reaches the server.
        self.requests: Counter[tuple[str, str]] = Counter()
        user = self.add_user(
            OAuthUser(
                user_id=self._hex(32),
                email="sim-user@example.com",
                balances={
                    "USDT": Decimal("10000"),
                    "BTC": Decimal("0.5"),
                    "ETH": Decimal("5"),
                    "BNB": Decimal("20"),
                },
            )
        )
        #: The user who consents on the authorization page.
        self.consenting_user = user.user_id

    # -- set-up -----------------------------------------------------------------------------------

    def _hex(self, length: int) -> str:
        return "".join(self._random.choice("0123456789abcdef") for _ in range(length))

    def _token(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def register_client(
        self, client_id: str, client_secret: str, redirect_uris: list[str] | tuple[str, ...]
    ) -> RegisteredApp:
        app = RegisteredApp(client_id, client_secret, tuple(redirect_uris))
        self.apps[client_id] = app
        return app

    def add_user(self, user: OAuthUser) -> OAuthUser:
        self.users[user.user_id] = user
        return user

    @property
    def default_user(self) -> OAuthUser:
        return next(iter(self.users.values()))

    def routes(self) -> list[tuple[str, str, Handler]]:
        """(method, path, handler) of every endpoint, for ``router.add_route`` or a dispatch table."""
        handlers: dict[str, Handler] = {
            "authorize": self.authorize,
            "authorize_app": self.authorize,
            "token": self.token,
            "revoke_token": self.revoke_token,
            "user_info": self.user_info,
            "user_status": self.user_status,
            "charge_address": self.charge_address,
            "balance": self.balance,
            "convert_coins": self.convert_coins,
            "convert_quote": self.convert_quote,
            "convert_confirm": self.convert_confirm,
            "convert_history": self.convert_history,
        }
        return [
            (*self.paths[name], self._counted(self.paths[name], handler))
            for name, handler in handlers.items()
        ]

    def _counted(self, key: tuple[str, str], handler: Handler) -> Handler:
        async def counted(request: web.Request) -> web.StreamResponse:
            self.requests[key] += 1
            return await handler(request)

        return counted

    # -- authorization ------------------------------------------------------------------------------

    async def authorize(self, request: web.Request) -> web.StreamResponse:
        query = dict(parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True))
        app = self.apps.get(query.get("client_id", ""))
        if app is None:
            return web.json_response(
                {"error": "invalid_client", "error_description": "unknown client_id"}, status=400
            )
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri not in app.redirect_uris:
            return web.json_response(
                {"error": "invalid_request", "error_description": "redirect_uri is not registered"},
                status=400,
            )
        state = query.get("state")

        def redirect(values: dict[str, str]) -> web.Response:
            if state is not None:
                values["state"] = state
            separator = "&" if "?" in redirect_uri else "?"
            location = redirect_uri + separator + urlencode(values)
            return web.Response(status=302, headers={"Location": location})

        def fail(error: str, description: str) -> web.Response:
            return redirect({"error": error, "error_description": description})

        if query.get("response_type") != "code":
            return fail("unsupported_response_type", "response_type must be code")
        scopes = tuple(s for s in query.get("scope", "").split(",") if s)
        if not scopes:
            return fail("invalid_request", "scope is required")
        unknown = [s for s in scopes if s not in SCOPES]
        if unknown:
            return fail("invalid_scope", f"unknown scope {unknown[0]}")
        challenge = query.get("code_challenge") or None
        method = query.get("code_challenge_method")
        if challenge is not None and method != "S256":
            return fail("invalid_request", "code_challenge_method must be S256")
        if challenge is None and method is not None:
            return fail("invalid_request", "code_challenge is required")
        if not self.auto_consent:
            return fail("access_denied", "the user denied the request")
        code = self._hex(40)
        self._codes[code] = _Code(
            app.client_id,
            redirect_uri,
            self.consenting_user,
            scopes,
            challenge,
            self.clock.now_ms() + self.code_ttl_s * 1000,
        )
        return redirect({"code": code})

    # -- tokens -------------------------------------------------------------------------------------

    async def token(self, request: web.Request) -> web.StreamResponse:
        params = await _params(request)
        try:
            grant_type = params.get("grant_type")
            if grant_type == "authorization_code":
                body = self._redeem_code(params)
            elif grant_type == "refresh_token":
                body = self._refresh_grant(params)
            elif not grant_type:
                raise _TokenError("invalid_request", "grant_type is required")
            else:
                raise _TokenError("unsupported_grant_type", f"unsupported grant_type {grant_type}")
        except _TokenError as error:
            return web.json_response(
                {"error": error.error, "error_description": error.description},
                status=400,
                headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
            )
        return web.json_response(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    @staticmethod
    def _required(params: dict[str, str], *names: str) -> None:
        for name in names:
            if not params.get(name):
                raise _TokenError("invalid_request", f"{name} is required")

    def _app(self, params: dict[str, str], *, secret_required: bool) -> RegisteredApp:
        app = self.apps.get(params.get("client_id", ""))
        if app is None:
            raise _TokenError("invalid_client", "unknown client_id")
        secret = params.get("client_secret")
        if secret is None and secret_required:
            raise _TokenError("invalid_client", "client_secret is required")
        if secret is not None and secret != app.client_secret:
            raise _TokenError("invalid_client", "client authentication failed")
        return app

    def _redeem_code(self, params: dict[str, str]) -> dict[str, Any]:
        self._required(params, "code", "client_id", "redirect_uri")
        code = self._codes.get(params["code"])
        app = self._app(params, secret_required=code is not None and code.challenge is None)
        if code is None or code.expires_ms <= self.clock.now_ms():
            raise _TokenError("invalid_grant", "code is invalid or expired")
        if code.used:
            if code.grant is not None:
                self._revoke_grant(code.grant)
            raise _TokenError("invalid_grant", "code has already been used")
        if code.client_id != app.client_id:
            raise _TokenError("invalid_grant", "code was issued to another client")
        if code.redirect_uri != params["redirect_uri"]:
            raise _TokenError("invalid_grant", "redirect_uri does not match the authorization request")
        if code.challenge is not None:
            verifier = params.get("code_verifier")
            if not verifier:
                raise _TokenError("invalid_request", "code_verifier is required")
            if not _VERIFIER.fullmatch(verifier) or _challenge(verifier) != code.challenge:
                raise _TokenError("invalid_grant", "code_verifier does not match the code_challenge")
        code.used = True
        grant = _Grant(self._hex(32), app.client_id, code.user_id, code.scopes, self._token())
        self._grants[grant.grant_id] = grant
        self._refresh[grant.refresh_token] = grant.grant_id
        code.grant = grant.grant_id
        return self._issue(grant)

    def _refresh_grant(self, params: dict[str, str]) -> dict[str, Any]:
        self._required(params, "refresh_token", "client_id", "client_secret")
        app = self._app(params, secret_required=True)
        grant_id = self._refresh.get(params["refresh_token"])
        grant = self._grants.get(grant_id) if grant_id is not None else None
        if grant is None or grant.revoked or grant.client_id != app.client_id:
            raise _TokenError("invalid_grant", "refresh_token is invalid")
        if self.rotate_refresh_tokens:
            del self._refresh[grant.refresh_token]
            grant.refresh_token = self._token()
            self._refresh[grant.refresh_token] = grant.grant_id
        return self._issue(grant)

    def _issue(self, grant: _Grant) -> dict[str, Any]:
        access = self._token()
        grant.access_tokens.add(access)
        self._access[access] = (grant.grant_id, self.clock.now_ms() + self.expires_in * 1000)
        return {
            "access_token": access,
            "refresh_token": grant.refresh_token,
            "scope": ",".join(grant.scopes),
            "token_type": "bearer",
            "expires_in": self.expires_in,
        }

    def _revoke_grant(self, grant_id: str) -> None:
        grant = self._grants[grant_id]
        grant.revoked = True
        for access in grant.access_tokens:
            self._access.pop(access, None)
        self._refresh.pop(grant.refresh_token, None)
