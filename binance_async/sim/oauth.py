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

import base64
import hashlib
import random
import re
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_UP, Decimal, DecimalException
from typing import Any
from urllib.parse import parse_qsl, urlencode

import msgspec
from aiohttp import web

from .clock import SimClock

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

#: Every endpoint: name -> (method, path). Override one with ``OAuthServer(..., paths={...})``.
PATHS: dict[str, tuple[str, str]] = {
    "authorize": ("GET", "/en/oauth/authorize"),
    "authorize_app": ("GET", "/oauth/authorize"),
    "token": ("POST", "/oauth/token"),
    "revoke_token": ("POST", "/oauth-api/v1/revoke-token"),
    "user_info": ("GET", "/oauth-api/v1/user-info"),
    "user_status": ("GET", "/oauth-api/v1/user-status"),  # INFERRED: path not found in any source
    "charge_address": ("GET", "/oauth-api/v1/get-charge-address"),
    "balance": ("GET", "/oauth-api/v1/balance"),
    "convert_coins": ("GET", "/oauth-api/v1/ocbs/support-coins"),
    "convert_quote": ("POST", "/oauth-api/v1/ocbs/quote"),
    "convert_confirm": ("POST", "/oauth-api/v1/ocbs/confirm"),
    "convert_history": ("GET", "/oauth-api/v1/ocbs/history"),  # INFERRED: path not found in any source
}

#: Scopes seen on Binance's pages; an authorization request asking for another is ``invalid_scope``.
SCOPES: frozenset[str] = frozenset(
    {
        "user:openId",
        "user:email",
        "user:address",
        "user:status",
        "user:kyc",
        "user:mobile",
        "user:rsa",
        "bind:subAccount",
        "asset:balance",
        "asset:ocbs",
        "create:apikey",
        "create:apikey:margin",
        "create:apikey:options",
        "account:status",
        "user:pay",
    }
)

#: Resource-API error envelopes: name -> (HTTP status, code, message). The codes are the simulator's.
ERRORS: dict[str, tuple[int, str, str]] = {
    "invalid_token": (401, "100002001", "access_token is invalid or expired"),
    "insufficient_scope": (403, "100002002", "access_token does not have the required scope"),
    "missing_param": (400, "100001001", "Mandatory parameter '{}' was not sent or was empty"),
    "bad_param": (400, "100001002", "Parameter '{}' is invalid"),
    "unknown_quote": (400, "100003001", "quoteId does not exist"),
    "quote_expired": (400, "100003002", "quote has expired"),
    "quote_used": (400, "100003003", "quote has already been confirmed"),
}

#: Access-token lifetime (seconds) in Binance's example token answer.
DEFAULT_EXPIRES_IN = 30714

#: USD prices of the simulated coins (valuations and conversion rates).
PRICES_USD: dict[str, Decimal] = {
    "BTC": Decimal("65000"),
    "ETH": Decimal("3200"),
    "BNB": Decimal("580"),
    "USDT": Decimal("1"),
    "BUSD": Decimal("1"),
}
_COIN_NAMES = {"BTC": "Bitcoin", "ETH": "Ethereum", "BNB": "BNB", "USDT": "TetherUS", "BUSD": "BUSD"}
_NETWORKS = {"BTC": "BTC", "ETH": "ETH", "BNB": "BSC", "USDT": "ETH", "BUSD": "BSC"}
_EIGHT = Decimal("0.00000001")
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
#: A decimal amount as Binance's Java back end parses one (BigDecimal): ASCII only, exponent allowed.
_AMOUNT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: Paging parameters: ASCII digits, few enough for int() (str.isdigit() also takes '²' and '٣').
_PAGING = re.compile(r"[0-9]{1,20}")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_encode = msgspec.json.Encoder(decimal_format="string").encode


def _fmt(value: Decimal) -> str:
    return str(value.quantize(_EIGHT, rounding=ROUND_DOWN))


@dataclass
class RegisteredApp:
    """An application registered with the server (an OAuth "client", `OAuthServer.register_client`):
    its client id, secret and exact redirect URIs."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]


@dataclass
class OAuthUser:
    """A Binance user as the oauth-api shows them. ``certificate_type`` 1 person / 2 company;
    ``certificate_status`` 0 KYC not done or in review, 1 passed, 2 rejected."""

    user_id: str
    email: str
    certificate_type: int = 1
    certificate_status: int = 1
    balances: dict[str, Decimal] = field(default_factory=dict)
    #: (coin, network) -> (address, tag); addresses not listed are derived from the seed.
    addresses: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    #: Confirmed conversions, oldest first.
    conversions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    user_id: str
    scopes: tuple[str, ...]
    challenge: str | None
    expires_ms: int
    used: bool = False
    grant: str | None = None


@dataclass
class _Grant:
    grant_id: str
    client_id: str
    user_id: str
    scopes: tuple[str, ...]
    refresh_token: str
    access_tokens: set[str] = field(default_factory=set)
    revoked: bool = False


@dataclass
class _Quote:
    quote_id: str
    user_id: str
    from_asset: str
    to_asset: str
    source_amount: Decimal
    obtain_amount: Decimal
    price: Decimal
    expires_ms: int
    used: bool = False


class _TokenError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class _ApiError(Exception):
    def __init__(self, name: str, *args: str) -> None:
        status, code, message = ERRORS[name]
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message.format(*args)
        self.name = name


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


async def _params(request: web.Request) -> dict[str, str]:
    """Query string and form body; a name in both takes the query string's value. A GET takes the
    query string only (its body is ignored, as Binance ignores it)."""
    values: dict[str, str] = {}
    if request.method not in ("GET", "HEAD") and request.can_read_body:
        raw = (await request.read()).decode("utf-8", "replace")
        values.update(parse_qsl(raw, keep_blank_values=True))
    values.update(parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True))
    return values


def _envelope(data: Any) -> web.Response:
    body = {"code": "000000", "message": None, "data": data, "success": True}
    return web.Response(body=_encode(body), content_type="application/json")


def _api_error(error: _ApiError) -> web.Response:
    body = {"code": error.code, "message": error.message, "data": None, "success": False}
    headers: dict[str, str] = {}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    elif error.status == 403:
        headers["WWW-Authenticate"] = 'Bearer error="insufficient_scope"'
    return web.Response(
        status=error.status, body=_encode(body), content_type="application/json", headers=headers
    )


class OAuthServer:
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

    # -- resource APIs ------------------------------------------------------------------------------

    def _authenticate(self, request: web.Request, params: dict[str, str], scope: str | None) -> _Grant:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else params.get("access_token", "")
        entry = self._access.get(token)
        if entry is None or entry[1] <= self.clock.now_ms():
            raise _ApiError("invalid_token")
        grant = self._grants[entry[0]]
        if grant.revoked:
            raise _ApiError("invalid_token")
        if scope is not None and scope not in grant.scopes:
            raise _ApiError("insufficient_scope")
        return grant

    def _user(self, grant: _Grant) -> OAuthUser:
        return self.users[grant.user_id]

    async def _resource(
        self,
        request: web.Request,
        scope: str | None,
        produce: Callable[[_Grant, dict[str, str]], Any],
    ) -> web.Response:
        params = await _params(request)
        try:
            grant = self._authenticate(request, params, scope)
            return _envelope(produce(grant, params))
        except _ApiError as error:
            return _api_error(error)

    async def revoke_token(self, request: web.Request) -> web.StreamResponse:
        def produce(grant: _Grant, params: dict[str, str]) -> bool:
            self._revoke_grant(grant.grant_id)
            return True

        return await self._resource(request, None, produce)

    async def user_info(self, request: web.Request) -> web.StreamResponse:
        """``user:email`` gives userId and email; ``user:openId`` alone gives userId only."""

        def produce(grant: _Grant, params: dict[str, str]) -> dict[str, str]:
            user = self._user(grant)
            if "user:email" in grant.scopes:
                return {"userId": user.user_id, "email": user.email}
            if "user:openId" in grant.scopes:
                return {"userId": user.user_id}
            raise _ApiError("insufficient_scope")

        return await self._resource(request, None, produce)

    async def user_status(self, request: web.Request) -> web.StreamResponse:
        def produce(grant: _Grant, params: dict[str, str]) -> dict[str, int]:
            user = self._user(grant)
            return {"certificateType": user.certificate_type, "certificateStatus": user.certificate_status}

        return await self._resource(request, "user:status", produce)

    def address_of(self, user: OAuthUser, coin: str, network: str) -> tuple[str, str]:
        """The user's deposit address (and tag) for `coin` on `network`, derived from the user if unset."""
        known = user.addresses.get((coin, network))
        if known is not None:
            return known
        digest = hashlib.sha256(f"{user.user_id}:{coin}:{network}".encode()).hexdigest()
        if network in ("ETH", "BSC"):
            return "0x" + digest[:40], ""
        return "bc1q" + digest[:38], ""

    async def charge_address(self, request: web.Request) -> web.StreamResponse:
        def produce(grant: _Grant, params: dict[str, str]) -> dict[str, Any]:
            coin = params.get("coin") or ""
            if not coin:
                raise _ApiError("missing_param", "coin")
            if coin not in PRICES_USD:
                raise _ApiError("bad_param", "coin")
            network = params.get("network") or _NETWORKS[coin]
            if network not in set(_NETWORKS.values()):
                raise _ApiError("bad_param", "network")
            address, tag = self.address_of(self._user(grant), coin, network)
            return {
                "coin": coin,
                "address": address,
                "tag": tag,
                "url": f"https://explorer.example/{network.lower()}/address/{address}",
                "time": self.clock.now_ms(),
            }

        return await self._resource(request, "user:address", produce)

    async def balance(self, request: web.Request) -> web.StreamResponse:
        def produce(grant: _Grant, params: dict[str, str]) -> list[dict[str, str]]:
            rows = []
            for asset, free in sorted(self._user(grant).balances.items()):
                usd = free * PRICES_USD.get(asset, Decimal(0))
                rows.append(
                    {
                        "asset": asset,
                        "free": _fmt(free),
                        "locked": _fmt(Decimal(0)),
                        "freeze": _fmt(Decimal(0)),
                        "withdrawing": _fmt(Decimal(0)),
                        "btcValuation": _fmt(usd / PRICES_USD["BTC"]),
                        "fiatValuation": _fmt(usd),
                    }
                )
            return rows

        return await self._resource(request, "asset:balance", produce)

    @staticmethod
    def _coin(asset: str, order: int) -> dict[str, Any]:
        return {
            "assetCode": asset,
            "assetName": _COIN_NAMES.get(asset, asset),
            "logoUrl": f"https://bin.bnbstatic.com/images/sim/{asset.lower()}.png",
            "size": "8",
            "order": order,
        }

    async def convert_coins(self, request: web.Request) -> web.StreamResponse:
        def produce(grant: _Grant, params: dict[str, str]) -> list[dict[str, Any]]:
            user = self._user(grant)
            coins = sorted(PRICES_USD)
            result = []
            for order, asset in enumerate(coins):
                entry = self._coin(asset, order)
                entry["freeAsset"] = _fmt(user.balances.get(asset, Decimal(0)))
                entry["subSelector"] = [
                    {
                        **self._coin(other, sub_order),
                        "perTimeMinLimit": _fmt(Decimal(1) / PRICES_USD[asset]),
                        "perTimeMaxLimit": _fmt(Decimal(100000) / PRICES_USD[asset]),
                        "dailyMaxLimit": _fmt(Decimal(1000000) / PRICES_USD[asset]),
                        "hadDailyLimit": "0",
                        "needMarket": True,
                        "feeType": 1,
                        "feeRate": _fmt(Decimal(0)),
                        "fixFee": _fmt(Decimal(0)),
                        "feeCoin": asset,
                        "forexRate": _fmt(Decimal(1)),
                        "expireTime": self.quote_ttl_s,
                    }
                    for sub_order, other in enumerate(c for c in coins if c != asset)
                ]
                result.append(entry)
            return result

        return await self._resource(request, "asset:ocbs", produce)

    async def convert_quote(self, request: web.Request) -> web.StreamResponse:
        """``amount`` is in ``baseAsset`` (fromAsset or toAsset); ``totalAmount`` is the other side.
        ``expireTime`` (ms) is the simulator's addition to the known fields."""

        def produce(grant: _Grant, params: dict[str, str]) -> dict[str, str | int]:
            names = ("fromAsset", "toAsset", "baseAsset", "amount")
            for name in names:
                if not params.get(name):
                    raise _ApiError("missing_param", name)
            from_asset, to_asset, base = params["fromAsset"], params["toAsset"], params["baseAsset"]
            for name, asset in (("fromAsset", from_asset), ("toAsset", to_asset), ("baseAsset", base)):
                if asset not in PRICES_USD:
                    raise _ApiError("bad_param", name)
            if from_asset == to_asset or base not in (from_asset, to_asset):
                raise _ApiError("bad_param", "baseAsset")
            raw_amount = params["amount"]
            if not _AMOUNT.fullmatch(raw_amount):
                raise _ApiError("bad_param", "amount")
            price = (PRICES_USD[from_asset] / PRICES_USD[to_asset]).quantize(_EIGHT)
            # An exponent beyond decimal's range, or an amount too large for 8 decimals (1e30,
            # 1E+999999), cannot be quoted.
            try:
                amount = Decimal(raw_amount)
                if amount <= 0:
                    raise _ApiError("bad_param", "amount")
                if base == from_asset:
                    source = amount.quantize(_EIGHT, rounding=ROUND_DOWN)
                    obtain = (source * price).quantize(_EIGHT, rounding=ROUND_DOWN)
                    total = obtain
                else:
                    obtain = amount.quantize(_EIGHT, rounding=ROUND_DOWN)
                    source = (obtain / price).quantize(_EIGHT, rounding=ROUND_UP)
                    total = source
            except DecimalException:
                raise _ApiError("bad_param", "amount") from None
            if source <= 0 or obtain <= 0:
                raise _ApiError("bad_param", "amount")
            quote = _Quote(
                self._hex(32),
                grant.user_id,
                from_asset,
                to_asset,
                source,
                obtain,
                price,
                self.clock.now_ms() + self.quote_ttl_s * 1000,
            )
            self._quotes[quote.quote_id] = quote
            return {
                "quoteId": quote.quote_id,
                "quotePrice": _fmt(price),
                "tradeFee": "0",
                "railFee": "0",
                "totalFee": "0",
                "totalAmount": _fmt(total),
                "showPrice": _fmt(price),
                "expireTime": quote.expires_ms,
            }

        return await self._resource(request, "asset:ocbs", produce)

    async def convert_confirm(self, request: web.Request) -> web.StreamResponse:
        """Converts the user's balances once; with too small a balance, ``status`` is ``FAIL`` and
        nothing moves (the quote is used either way)."""

        def produce(grant: _Grant, params: dict[str, str]) -> dict[str, Any]:
            quote_id = params.get("quoteId") or ""
            if not quote_id:
                raise _ApiError("missing_param", "quoteId")
            quote = self._quotes.get(quote_id)
            if quote is None or quote.user_id != grant.user_id:
                raise _ApiError("unknown_quote")
            if quote.used:
                raise _ApiError("quote_used")
            if quote.expires_ms <= self.clock.now_ms():
                raise _ApiError("quote_expired")
            quote.used = True
            user = self._user(grant)
            status = "FAIL"
            if user.balances.get(quote.from_asset, Decimal(0)) >= quote.source_amount:
                status = "SUCCESS"
                user.balances[quote.from_asset] -= quote.source_amount
                user.balances[quote.to_asset] = (
                    user.balances.get(quote.to_asset, Decimal(0)) + quote.obtain_amount
                )
            record = {
                "quoteId": quote.quote_id,
                "status": status,
                "orderId": self._hex(32),
                "fromAsset": quote.from_asset,
                "toAsset": quote.to_asset,
                "sourceAmount": _fmt(quote.source_amount),
                "obtainAmount": _fmt(quote.obtain_amount),
                "tradeFee": "0",
                "price": _fmt(quote.price),
                "feeType": 1,
                "feeRate": _fmt(Decimal(0)),
                "fixFee": _fmt(Decimal(0)),
                "createTime": self.clock.now_ms(),
            }
            user.conversions.append(record)
            return record

        return await self._resource(request, "asset:ocbs", produce)

    async def convert_history(self, request: web.Request) -> web.StreamResponse:
        """INFERRED shape: ``data`` is ``{"total": n, "rows": [confirm records, newest first]}``;
        ``page`` >= 1 (default 1), ``rows`` 1..2000 (default 20)."""

        def number(params: dict[str, str], name: str, default: int, low: int, high: int) -> int:
            raw = params.get(name) or str(default)
            if not _PAGING.fullmatch(raw) or not low <= int(raw) <= high:
                raise _ApiError("bad_param", name)
            return int(raw)

        def produce(grant: _Grant, params: dict[str, str]) -> dict[str, Any]:
            page = number(params, "page", 1, 1, 10**9)
            rows = number(params, "rows", 20, 1, 2000)
            records = list(reversed(self._user(grant).conversions))
            return {"total": len(records), "rows": records[(page - 1) * rows : page * rows]}

        return await self._resource(request, "asset:ocbs", produce)
