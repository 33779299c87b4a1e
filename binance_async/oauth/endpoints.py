"""Every Binance OAuth 2.0 endpoint as data (see ``tests/data/oauth-endpoints.tsv``).

One row per endpoint: name, HTTP method, path, host (``"accounts"``: accounts.binance.com, the
authorization page and the token endpoint; ``"api"``: www.binanceapis.com, the oauth-api user APIs),
the scope it needs, whether an official Binance page gives the path (`confirmed`) or where it comes
from otherwise (`source`), and the response type.

Only authorize, token, user_info and revoke_token are confirmed by Binance's docs. The paths of
charge_address, asset_balance and the three convert calls come from Brave's former Binance widget
(brave/brave-core ``binance_service.h``), and those of user_status and convert_history were found
nowhere: they are guesses, the same as the simulator's (`binance_async.sim.oauth.PATHS`). Override any
row with ``OAuthClient(paths={"user_status": ("GET", "/oauth-api/v1/...")})``.

Binance documents no rate-limit weight for these endpoints; each counts as 1 in the shared limiter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

from .._endpoint import Endpoint
from ..errors import InvalidRequestError
from .models import (
    AssetBalance,
    ChargeAddress,
    ConvertCoin,
    ConvertHistory,
    ConvertQuote,
    ConvertResult,
    Envelope,
    UserInfo,
    UserStatus,
)

__all__ = [
    "ASSET_BALANCE",
    "AUTHORIZE",
    "CHARGE_ADDRESS",
    "CONVERT_COINS",
    "CONVERT_CONFIRM",
    "CONVERT_HISTORY",
    "CONVERT_QUOTE",
    "ENDPOINTS",
    "REVOKE_TOKEN",
    "TOKEN",
    "USER_INFO",
    "USER_STATUS",
    "WEIGHT_DOC",
    "Host",
    "OAuthEndpoint",
    "documents",
    "with_paths",
]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

#: Which base URL an endpoint lives on.
Host = Literal["accounts", "api"]

#: The weight rule quoted in docstrings.
WEIGHT_DOC = "1 (Binance documents none)"

_METHODS = frozenset({"GET", "POST"})
_DOCS = "Binance's web-integration and OAuth APIs pages (official)"
_BRAVE = "Brave's former Binance widget, brave/brave-core binance_service.h (unofficial)"
_INFERRED = "inferred, found in no source (the simulator's guess)"


class OAuthEndpoint(Endpoint[T]):
    """An OAuth endpoint: an `Endpoint` plus its host, scope and where its path comes from.

    `scope` is the scope Binance documents for the API (None for the token endpoints);
    `accepted_scopes` are all the scopes any one of which lets the call through.
    """

    __slots__ = ("accepted_scopes", "confirmed", "host", "scope", "source")

    def __init__(
        self,
        name: str,
        method: str,
        path: str,
        response: type[T] | Any,
        *,
        host: Host,
        scope: str | None,
        confirmed: bool,
        source: str,
        also_accepts: tuple[str, ...] = (),
    ) -> None:
        super().__init__(name, method, path, response, weight=1, weight_doc=WEIGHT_DOC)
        self.host: Host = host
        self.scope = scope
        self.accepted_scopes: frozenset[str] = (
            frozenset((scope, *also_accepts)) if scope is not None else frozenset()
        )
        self.confirmed = confirmed
        self.source = source

    def with_route(self, method: str, path: str) -> OAuthEndpoint[T]:
        """The same endpoint at another method and path (marked as the caller's, not confirmed)."""
        method = method.upper() if isinstance(method, str) else method
        if method not in _METHODS:
            raise InvalidRequestError(f"paths[{self.name!r}]: method must be GET or POST, got {method!r}")
        if not isinstance(path, str) or not path.startswith("/") or "?" in path or "#" in path:
            raise InvalidRequestError(f"paths[{self.name!r}]: path must start with '/', got {path!r}")
        if self.name == "authorize" and method != "GET":
            raise InvalidRequestError("paths['authorize']: the authorization page is opened with GET")
        return OAuthEndpoint(
            self.name,
            method,
            path,
            self.response,
            host=self.host,
            scope=self.scope,
            confirmed=False,
            source="overridden by the caller",
            also_accepts=tuple(sorted(self.accepted_scopes - {self.scope})),
        )

    def __repr__(self) -> str:
        return f"OAuthEndpoint({self.name}: {self.method} {self.path} on {self.host})"


def _endpoint(
    name: str,
    method: str,
    path: str,
    response: Any,
    scope: str | None,
    *,
    host: Host = "api",
    source: str = _BRAVE,
    also_accepts: tuple[str, ...] = (),
) -> OAuthEndpoint[Any]:
    """A row of the table: confirmed when the path comes from Binance's own pages (`_DOCS`)."""
    return OAuthEndpoint(
        name,
        method,
        path,
        response,
        host=host,
        scope=scope,
        confirmed=source == _DOCS,
        source=source,
        also_accepts=also_accepts,
    )


#: The authorization page the user's browser opens (not called by the client: see `authorization_url`).
AUTHORIZE: OAuthEndpoint[None] = _endpoint(
    "authorize", "GET", "/en/oauth/authorize", None, None, host="accounts", source=_DOCS
)
#: The token endpoint: code exchange and refresh (RFC 6749 JSON, no envelope).
TOKEN: OAuthEndpoint[dict[str, Any]] = _endpoint(
    "token", "POST", "/oauth/token", dict[str, Any], None, host="accounts", source=_DOCS
)
REVOKE_TOKEN: OAuthEndpoint[Envelope[bool]] = _endpoint(
    "revoke_token", "POST", "/oauth-api/v1/revoke-token", Envelope[bool], None, source=_DOCS
)
USER_INFO: OAuthEndpoint[Envelope[UserInfo]] = _endpoint(
    "user_info",
    "GET",
    "/oauth-api/v1/user-info",
    Envelope[UserInfo],
    "user:email",
    source=_DOCS,
    also_accepts=("user:openId",),  # newer pages: user:openId gives the userId alone
)
USER_STATUS: OAuthEndpoint[Envelope[UserStatus]] = _endpoint(
    "user_status", "GET", "/oauth-api/v1/user-status", Envelope[UserStatus], "user:status", source=_INFERRED
)
CHARGE_ADDRESS: OAuthEndpoint[Envelope[ChargeAddress]] = _endpoint(
    "charge_address", "GET", "/oauth-api/v1/get-charge-address", Envelope[ChargeAddress], "user:address"
)
ASSET_BALANCE: OAuthEndpoint[Envelope[list[AssetBalance]]] = _endpoint(
    "asset_balance", "GET", "/oauth-api/v1/balance", Envelope[list[AssetBalance]], "asset:balance"
)
CONVERT_COINS: OAuthEndpoint[Envelope[list[ConvertCoin]]] = _endpoint(
    "convert_coins", "GET", "/oauth-api/v1/ocbs/support-coins", Envelope[list[ConvertCoin]], "asset:ocbs"
)
# The scopes of convert_quote, convert_confirm and convert_history are inferred from the section the
# legacy page lists convert_quote in.
CONVERT_QUOTE: OAuthEndpoint[Envelope[ConvertQuote]] = _endpoint(
    "convert_quote", "POST", "/oauth-api/v1/ocbs/quote", Envelope[ConvertQuote], "asset:ocbs"
)
CONVERT_CONFIRM: OAuthEndpoint[Envelope[ConvertResult]] = _endpoint(
    "convert_confirm", "POST", "/oauth-api/v1/ocbs/confirm", Envelope[ConvertResult], "asset:ocbs"
)
CONVERT_HISTORY: OAuthEndpoint[Envelope[ConvertHistory]] = _endpoint(
    "convert_history",
    "GET",
    "/oauth-api/v1/ocbs/history",
    Envelope[ConvertHistory],
    "asset:ocbs",
    source=_INFERRED,
)

#: Every endpoint by name (the names ``paths=`` accepts).
ENDPOINTS: dict[str, OAuthEndpoint[Any]] = {
    e.name: e
    for e in (
        AUTHORIZE,
        TOKEN,
        REVOKE_TOKEN,
        USER_INFO,
        USER_STATUS,
        CHARGE_ADDRESS,
        ASSET_BALANCE,
        CONVERT_COINS,
        CONVERT_QUOTE,
        CONVERT_CONFIRM,
        CONVERT_HISTORY,
    )
}


def with_paths(paths: Mapping[str, tuple[str, str]] | None) -> dict[str, OAuthEndpoint[Any]]:
    """`ENDPOINTS` with the ``name -> (method, path)`` overrides in `paths` applied (names checked)."""
    table = dict(ENDPOINTS)
    for name, route in (paths or {}).items():
        endpoint = table.get(name)
        if endpoint is None:
            known = ", ".join(sorted(ENDPOINTS))
            raise InvalidRequestError(f"paths: unknown OAuth endpoint {name!r}; one of {known}")
        if not isinstance(route, tuple) or len(route) != 2:
            raise InvalidRequestError(f"paths[{name!r}] must be a (method, path) tuple")
        table[name] = endpoint.with_route(*route)
    return table


def documents(endpoint: OAuthEndpoint[Any]) -> Callable[[F], F]:
    """Put ``METHOD /path``, host, scope, weight and the path's source under the docstring's first line."""

    def apply(method: F) -> F:
        summary, _, rest = (method.__doc__ or endpoint.name).partition("\n")
        host = "accounts host" if endpoint.host == "accounts" else "api host"
        others = sorted(endpoint.accepted_scopes - {endpoint.scope})
        scope = " or ".join(f"``{s}``" for s in (endpoint.scope, *others) if s) or "none"
        where = (
            f"``{endpoint.method} {endpoint.path}`` ({host}), scope {scope}, weight {endpoint.weight_doc}.\n"
            f"        Path {'confirmed by' if endpoint.confirmed else 'not confirmed:'} {endpoint.source}."
        )
        method.__doc__ = f"{summary}\n\n        {where}\n{rest}"
        return method

    return apply
