"""`OAuthClient`: Binance Login (OAuth 2.0) and its user APIs, on the same pipeline as Spot.

The client has three parts: the authorization requests it waits on (`PendingAuthorizations`: the
PKCE verifiers by state), the token's lifecycle (`TokenLifecycle`: the code exchange, refreshes,
the revoke, the token store) and the user APIs, here, each an endpoint and its parameters.

Two pipelines share one transport (session), rate limiter and clock: one for the accounts host
(the token endpoint; the authorization page is only linked to) and one for the api host (the
oauth-api user APIs). Every user API goes through `OAuthClient._call`, which

1. loads the token from the store on first use (`OAuthNotAuthenticatedError` when there is none),
2. checks the endpoint's scope against the granted scopes (`OAuthScopeError`; nothing is sent),
3. refreshes the token first when it expires within `refresh_margin` seconds (or within half its
   lifetime, when that is shorter: a token that lives 30 s is not refreshed on every call),
4. sends the call with ``Authorization: Bearer ...``; on `OAuthInvalidTokenError` (HTTP 401) it
   refreshes once and sends once more (a 401 means the call was rejected, so even the convert POSTs
   are safe to resend then),
5. unwraps the envelope: a ``success: false`` answer raises like an HTTP error would (`_errors`).

Concurrent callers share one refresh, and a revoke (or a new login) discards every refresh started
before it (`TokenLifecycle`), so a logout stays a logout. Only reads (GETs) are retried on 5xx and
connection errors (the pipeline's rule); a 5xx on ``ocbs/confirm`` raises
`ExecutionStatusUnknownError` and is never resent.

Secrets (the client secret, the tokens, the authorization code, the PKCE verifier and the bearer
header) are held as `Secret`, whose repr is masked, so that an error reporter capturing frame locals
(``traceback.TracebackException(..., capture_locals=True)``, Sentry) does not show them; a token answer
is dropped before anything is raised, and errors of the token endpoint carry no ``__context__`` (the
decoder's or the transport's frames hold the answer or the request).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import aiohttp

from .._base_client import BaseClient
from .._constants import DEFAULT_TIMEOUT
from .._limits import RateLimiter
from .._pipeline import Pipeline
from .._retry import RetryPolicy
from .._secret import Secret, mask
from .._timerange import check_time_range
from .._transport import DEFAULT_MAX_RESPONSE_BYTES, Transport
from .._urls import check_base_url
from ..errors import (
    BinanceError,
    InvalidRequestError,
    InvalidResponseError,
    OAuthError,
    OAuthInvalidTokenError,
    OAuthNotAuthenticatedError,
    OAuthScopeError,
)
from . import endpoints as E
from ._errors import error_from_envelope, oauth_error_from_response
from .authorization import (
    AuthorizationRequest,
    PendingAuthorizations,
    _callback_code,
    build_authorization_request,
)
from .endpoints import OAuthEndpoint, documents
from .lifecycle import TokenLifecycle
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
from .tokens import MemoryTokenStore, Token, TokenStore

__all__ = ["ACCOUNTS_BASE_URL", "API_BASE_URL", "MAX_HISTORY_ROWS", "OAuthClient"]

T = TypeVar("T")

log = logging.getLogger("binance_async.oauth")

#: Where the authorization page and the token endpoint live.
ACCOUNTS_BASE_URL = "https://accounts.binance.com"
#: Where the oauth-api user APIs live.
API_BASE_URL = "https://www.binanceapis.com"
#: The largest page of `OAuthClient.convert_history` (from the legacy API list; not verified).
MAX_HISTORY_ROWS = 2000

Timestamp = int | datetime


def _text(name: str, value: object, *, secret: bool = False) -> str:
    """`value` if it is a non-empty string (a `secret` value is never quoted in the error, nor kept in
    the frame that raises it)."""
    if isinstance(value, str) and value.strip():
        return value
    shown = f"a {type(value).__name__}" if secret else repr(value)
    del value
    raise InvalidRequestError(f"{name} must be a non-empty string, got {shown}")


def _amount(value: object) -> Decimal:
    """`value` as a positive finite Decimal (from a Decimal, int, float or numeric string)."""
    number: Decimal | None = None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            number = None
    if number is None or not number.is_finite() or number <= 0:
        raise InvalidRequestError(f"amount must be a positive number, got {value!r}")
    return number


def _whole(name: str, value: object, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise InvalidRequestError(f"{name} must be an integer from {low} to {high}, got {value!r}")
    return value


class OAuthClient(BaseClient):
    """Async client for Binance Login (OAuth 2.0) and the oauth-api user APIs.

    ::

        async with OAuthClient("my-client-id", redirect_uri="https://example.com/callback") as client:
            request = client.authorization_url(["user:email", "asset:balance"])
            # send the user to request.url; Binance redirects to redirect_uri?code=...&state=...
            code = client.parse_callback(callback_url, request.state)
            await client.exchange_code(code)  # PKCE: the verifier is remembered by state
            info = await client.user_info()

    ``client_secret`` is for confidential clients (the authorization-code grant without PKCE, and the
    refresh grant, which Binance documents with the secret). Hosts: ``accounts_base_url`` (authorize,
    token) and ``api_base_url`` (the user APIs); plain ``http://`` only for loopback hosts.

    Tokens: `token_store` keeps the token between runs (default: in memory; see `JsonFileTokenStore`);
    the access token is refreshed `refresh_margin` seconds before it expires (or half its lifetime
    before, when that is shorter) and once after a 401.
    `clock` gives the current epoch seconds for expiries (inject one to follow a simulated clock).
    `scope_check` refuses, before sending, a call whose scope the token was not granted (skipped when
    the granted scope names no Binance scope, e.g. Binance's example answer ``"scope": "read"``).
    `paths` overrides endpoints of the table: ``{"user_status": ("GET", "/oauth-api/v1/...")}``.

    ``session``, ``proxy``, ``trust_env``, ``timeout``, ``limiter``, ``retry`` and ``transport`` are
    as for `SpotClient`; both hosts share them. ``max_response_bytes``: answers larger than this are
    refused with `InvalidResponseError` without being read whole; None for no cap.

    Neither the secret nor a token appears in the repr, in logs, in error messages or in the repr of a
    frame's locals (they are held as `Secret`).
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str | None = None,
        *,
        redirect_uri: str | None = None,
        accounts_base_url: str = ACCOUNTS_BASE_URL,
        api_base_url: str = API_BASE_URL,
        token_store: TokenStore | None = None,
        refresh_margin: float = 60.0,
        clock: Callable[[], float] = time.time,
        paths: Mapping[str, tuple[str, str]] | None = None,
        scope_check: bool = True,
        session: aiohttp.ClientSession | None = None,
        proxy: str | None = None,
        trust_env: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        transport: Transport | None = None,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        if client_secret is not None:
            if not isinstance(client_secret, str) or not client_secret.strip():
                kind = type(client_secret).__name__
                del client_secret  # a mis-typed secret is not kept in this frame either
                raise InvalidRequestError(f"client_secret must be a non-empty string, got a {kind}")
            client_secret = Secret(client_secret)  # masked in this frame's locals from here on
        _text("client_id", client_id)
        if redirect_uri is not None:
            _text("redirect_uri", redirect_uri)
        if not refresh_margin >= 0:
            raise InvalidRequestError(f"refresh_margin must be >= 0 seconds, got {refresh_margin}")
        endpoints = E.with_paths(paths)
        accounts_base_url = check_base_url(accounts_base_url)
        super().__init__(
            api_base_url,
            session=session,
            proxy=proxy,
            trust_env=trust_env,
            timeout=timeout,
            limiter=limiter,
            retry=retry,
            transport=transport,
            errors=oauth_error_from_response,
            max_response_bytes=max_response_bytes,
        )
        api = self._pipeline
        accounts = Pipeline(
            accounts_base_url,
            api.transport,
            api.limiter,
            api.clock,
            retry=retry,
            errors=oauth_error_from_response,
            timeout=timeout,  # the limiter's waits too
        )
        self._pipelines: dict[str, Pipeline] = {"accounts": accounts, "api": api}
        self._endpoints = endpoints
        self.redirect_uri = redirect_uri
        self.scope_check = scope_check
        self._tokens = TokenLifecycle(
            accounts,
            endpoints["token"],
            client_id=client_id,
            client_secret=mask(client_secret),
            store=token_store if token_store is not None else MemoryTokenStore(),
            refresh_margin=float(refresh_margin),
            clock=clock,
        )
        self._authorizations = PendingAuthorizations()

    # -- properties ---------------------------------------------------------------------------------

    @property
    def accounts_base_url(self) -> str:
        """The host of the authorization page and the token endpoint."""
        return self._pipelines["accounts"].base_url

    @property
    def api_base_url(self) -> str:
        """The host of the user APIs."""
        return self._pipeline.base_url

    @property
    def endpoints(self) -> Mapping[str, OAuthEndpoint[Any]]:
        """The endpoint table this client uses (the defaults with the ``paths=`` overrides)."""
        return self._endpoints

    @property
    def client_id(self) -> str:
        """The client (application) id Binance gave."""
        return self._tokens.client_id

    @client_id.setter
    def client_id(self, value: str) -> None:
        self._tokens.client_id = value

    @property
    def refresh_margin(self) -> float:
        """Seconds before its expiry the access token is refreshed (at most half its lifetime)."""
        return self._tokens.refresh_margin

    @refresh_margin.setter
    def refresh_margin(self, value: float) -> None:
        self._tokens.refresh_margin = value

    @property
    def token(self) -> Token | None:
        """The current token, or None (before `load_token` or the first call, it is not loaded yet)."""
        return self._tokens.token

    @property
    def token_store(self) -> TokenStore:
        """Where the token is kept."""
        return self._tokens.store

    def __repr__(self) -> str:
        secret = "set" if self._tokens.client_secret is not None else "none"
        return (
            f"OAuthClient(client_id={self.client_id!r}, accounts={self.accounts_base_url!r}, "
            f"api={self.api_base_url!r}, client_secret=<{secret}>, token={self.token!r})"
        )

    # -- authorization ------------------------------------------------------------------------------

    def _redirect_uri(self) -> str:
        if self.redirect_uri is None:
            raise InvalidRequestError("this client has no redirect_uri: pass redirect_uri= to OAuthClient")
        return self.redirect_uri

    @documents(E.AUTHORIZE)
    def authorization_url(
        self, scopes: Sequence[str], state: str | None = None, pkce: bool = True
    ) -> AuthorizationRequest:
        """Build the URL to send the user to: `scopes`, a new `state` (unless given) and PKCE (S256).

        The user's browser opens it; this client sends nothing. Returns the request (``.url``,
        ``.state``, ``.code_verifier``); the client remembers the verifier by state, so
        `exchange_code` finds it. Raises `ParameterError` for bad scopes.
        """
        endpoint = self._endpoints["authorize"]
        request = build_authorization_request(
            self.accounts_base_url + endpoint.path,
            client_id=self.client_id,
            redirect_uri=self._redirect_uri(),
            scopes=scopes,
            state=state,
            pkce=pkce,
        )
        self._authorizations.add(request)
        return request

    def parse_callback(self, url_or_query: str | Mapping[str, str], expected_state: str) -> str:
        """Return the authorization code from the redirect back to ``redirect_uri``.

        Raises `OAuthCallbackError` when the callback carries an ``error`` (``.error``, e.g.
        ``"access_denied"``) or a state other than `expected_state` (``.error == "state_mismatch"``).
        The code is remembered with its state, so `exchange_code` finds the PKCE verifier. It is a
        `Secret` (a ``str`` whose repr is masked).
        """
        code = _callback_code(url_or_query, expected_state)
        del url_or_query  # it holds the code: not in this frame's locals when the error is raised
        if isinstance(code, BinanceError):
            raise code
        self._authorizations.add_code(code, expected_state)
        return code

    @documents(E.TOKEN)
    async def exchange_code(
        self, code: str, code_verifier: str | None = None, *, state: str | None = None
    ) -> Token:
        """Exchange an authorization code for a token, save it to the store and return it.

        Grant ``authorization_code`` with ``code``, ``client_id``, ``client_secret`` (when set),
        ``redirect_uri`` and ``code_verifier``, in a form body. Without `code_verifier`, the one of
        the matching `authorization_url` request is used (found by `state`, by the `parse_callback`
        that returned `code`, or as the only pending request). Raises `OAuthError` (``.error``, e.g.
        ``"invalid_grant"``) when Binance refuses.
        """
        code = Secret(_text("code", code, secret=True))
        code_verifier = mask(code_verifier) if isinstance(code_verifier, str) else code_verifier
        if state is not None and not isinstance(state, str):  # a list would be unhashable
            raise InvalidRequestError(f"state must be a string, got a {type(state).__name__}")
        request = self._authorizations.take(code, state, code_verifier)
        if code_verifier is None and request is not None:
            code_verifier = mask(request.code_verifier)
        redirect_uri = request.redirect_uri if request is not None else self._redirect_uri()
        return await self._tokens.exchange_code(code, code_verifier, redirect_uri)

    # -- tokens -------------------------------------------------------------------------------------

    async def load_token(self) -> Token | None:
        """Return the current token, loading it from the store on first use."""
        return await self._tokens.load()

    @documents(E.TOKEN)
    async def refresh(self) -> Token:
        """Get a new access token with the refresh token now, save it and return it.

        Grant ``refresh_token`` with ``refresh_token``, ``client_id`` and ``client_secret`` (when
        set), in a form body. A refresh already in flight is joined, not repeated. Raises
        `OAuthNotAuthenticatedError` without a token (or when the token is revoked while the refresh is
        in flight: its answer is then dropped), `InvalidRequestError` without a refresh token.
        """
        return await self._tokens.refresh()

    @documents(E.REVOKE_TOKEN)
    async def revoke_token(self) -> bool:
        """Revoke the access token (and its grant, refresh token included) and clear it from the store.

        Returns Binance's ``data`` (True: the token was cleared). The token is also cleared locally when
        Binance answers that it is dead already (the access token invalid and the refresh token, if
        any, refused: the error is raised then); after this, user-API calls raise
        `OAuthNotAuthenticatedError` without sending anything. A refresh in flight is discarded: its
        answer is neither kept nor stored, and its callers get `OAuthNotAuthenticatedError`.
        """
        try:
            revoked = await self._call(E.REVOKE_TOKEN)
        except OAuthError as exc:
            if isinstance(exc, OAuthInvalidTokenError) or exc.error == "invalid_grant":
                await self._tokens.forget()
            raise
        await self._tokens.forget()
        return revoked

    # -- the call every user API makes --------------------------------------------------------------

    async def _token_for(self, endpoint: OAuthEndpoint[Any]) -> Token:
        """The token to send to `endpoint`: loaded, scope-checked, and refreshed when about to expire."""
        token = await self._tokens.load()
        if token is None:
            raise OAuthNotAuthenticatedError(
                f"{endpoint.name}: no OAuth token; log in first (authorization_url, then exchange_code)"
            )
        if self.scope_check:
            _check_scope(endpoint, token)
        return await self._tokens.fresh(token)

    async def _call(self, default: OAuthEndpoint[Envelope[T]], params: Mapping[str, Any] | None = None) -> T:
        """Send one user-API call (see the module docstring) and return the envelope's ``data``."""
        endpoint: OAuthEndpoint[Envelope[T]] = self._endpoints[default.name]
        pipeline = self._pipelines[endpoint.host]
        token = await self._token_for(endpoint)
        retried = False
        while True:
            headers = {"Authorization": Secret(f"Bearer {token.access_token}")}
            try:
                envelope = await pipeline.call(endpoint, params, headers=headers)
            except OAuthInvalidTokenError:
                if retried or token.refresh_token is None:
                    raise
                retried = True
                log.debug("%s %s: access token rejected, refreshing once", endpoint.method, endpoint.path)
                token = await self._tokens.refreshed(token)
                continue
            return _data(endpoint, envelope)

    # -- user APIs ----------------------------------------------------------------------------------

    @documents(E.USER_INFO)
    async def user_info(self) -> UserInfo:
        """Get the user's id, and email with the ``user:email`` scope."""
        return await self._call(E.USER_INFO)

    @documents(E.USER_STATUS)
    async def user_status(self) -> UserStatus:
        """Get the user's certificate (KYC) type and status."""
        return await self._call(E.USER_STATUS)

    @documents(E.CHARGE_ADDRESS)
    async def charge_address(self, coin: str, network: str) -> ChargeAddress:
        """Get the user's deposit address for `coin` on `network` (e.g. ``"BTC"``, ``"BTC"``).

        Networks are listed at ``https://www.binance.com/gateway-api/v1/public/capital/getNetworkCoinAll``.
        """
        return await self._call(
            E.CHARGE_ADDRESS, {"coin": _text("coin", coin), "network": _text("network", network)}
        )

    @documents(E.ASSET_BALANCE)
    async def asset_balance(self) -> list[AssetBalance]:
        """Get the user's balance of every asset, with its BTC and fiat valuation."""
        return await self._call(E.ASSET_BALANCE)

    @documents(E.CONVERT_COINS)
    async def convert_coins(self) -> list[ConvertCoin]:
        """Get the coins the user can convert, each with what it converts into and the limits and fees."""
        return await self._call(E.CONVERT_COINS)

    @documents(E.CONVERT_QUOTE)
    async def convert_quote(
        self, from_asset: str, to_asset: str, base_asset: str, amount: Decimal | int | float | str
    ) -> ConvertQuote:
        """Ask for a price to convert `from_asset` into `to_asset`; confirm it with `convert_confirm`.

        `amount` is in `base_asset`, which must be `from_asset` (the amount to pay) or `to_asset` (the
        amount to get). Refused before sending: an empty asset, the same asset twice, another
        `base_asset`, an `amount` that is not a positive number. A POST: never resent on a 5xx.
        """
        params = {
            "fromAsset": _text("from_asset", from_asset),
            "toAsset": _text("to_asset", to_asset),
            "baseAsset": _text("base_asset", base_asset),
            "amount": _amount(amount),
        }
        if from_asset == to_asset:
            raise InvalidRequestError(f"from_asset and to_asset are the same ({from_asset!r})")
        if base_asset not in (from_asset, to_asset):
            raise InvalidRequestError(
                f"base_asset must be from_asset ({from_asset!r}) or to_asset ({to_asset!r}), "
                f"got {base_asset!r}"
            )
        return await self._call(E.CONVERT_QUOTE, params)

    @documents(E.CONVERT_CONFIRM)
    async def convert_confirm(self, quote_id: str) -> ConvertResult:
        """Confirm the quote `quote_id`: the conversion happens (``status`` SUCCESS) or fails (FAIL).

        A POST that moves funds: never resent on a 5xx or a dropped connection, which raise
        `ExecutionStatusUnknownError` / `SendStatusUnknownError` (look the quote up in
        `convert_history` before trying again).
        """
        return await self._call(E.CONVERT_CONFIRM, {"quoteId": _text("quote_id", quote_id)})

    @documents(E.CONVERT_HISTORY)
    async def convert_history(
        self,
        page: int = 1,
        rows: int = 20,
        *,
        start_time: Timestamp | None = None,
        end_time: Timestamp | None = None,
    ) -> ConvertHistory:
        """Get one page of the user's conversions, newest first.

        `page` from 1, `rows` 1..2000 per page; `start_time` / `end_time` (ms or an aware datetime)
        are sent as ``startTime`` / ``endTime`` (a guess: Binance documents no filters). Refused
        before sending: a page below 1, rows out of range, a start after the end.
        """
        start, end = check_time_range(start_time, end_time)
        params = {
            "page": _whole("page", page, 1, 2**31 - 1),
            "rows": _whole("rows", rows, 1, MAX_HISTORY_ROWS),
            "startTime": start,
            "endTime": end,
        }
        return await self._call(E.CONVERT_HISTORY, params)


def _check_scope(endpoint: OAuthEndpoint[Any], token: Token) -> None:
    """Refuse a call whose scope the token lacks, when the granted scope names Binance scopes at all."""
    accepted = endpoint.accepted_scopes
    granted = token.scope
    if not accepted or not any(":" in scope for scope in granted) or not granted.isdisjoint(accepted):
        return
    wanted = " or ".join(sorted(accepted))
    raise OAuthScopeError(
        f"{endpoint.name} needs the scope {wanted}; the token was granted {', '.join(sorted(granted))} "
        "(ask for it in authorization_url)",
        required=endpoint.scope or wanted,
        granted=granted,
    )


def _data(endpoint: OAuthEndpoint[Envelope[T]], envelope: Envelope[T]) -> T:
    """The envelope's ``data``: a ``success: false`` answer raises like an HTTP error would."""
    if not envelope.ok:
        raise error_from_envelope(
            200, envelope.code, envelope.message, method=endpoint.method, path=endpoint.path
        )
    if envelope.data is None:
        raise InvalidResponseError(
            f"{endpoint.method} {endpoint.path}: the answer has no data",
            status=200,
            body=b"",
            method=endpoint.method,
            path=endpoint.path,
        )
    return envelope.data
