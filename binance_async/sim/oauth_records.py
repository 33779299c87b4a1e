"""The simulated Binance Login's records and constants: paths, scopes, error envelopes, registered apps,
users, codes, grants and quotes, and the small helpers the server's modules share (`sim.oauth` has the
authorization and token endpoints, `sim.oauth_apis` the user APIs)."""

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from aiohttp import web

__all__ = [
    "DEFAULT_EXPIRES_IN",
    "ERRORS",
    "PATHS",
    "PRICES_USD",
    "SCOPES",
    "Handler",
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
