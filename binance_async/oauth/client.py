"""`OAuthClient`: Binance Login (OAuth 2.0) and its user APIs, on the same pipeline as Spot.

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

Concurrent callers share one refresh: the first starts it as a task, the others await the same task.
A revoke (or a new login) discards every refresh started before it: its answer is neither kept nor
stored, so a logout stays a logout. Only reads (GETs) are retried on 5xx and connection errors (the
pipeline's rule); a 5xx on ``ocbs/confirm`` raises `ExecutionStatusUnknownError` and is never resent.

Secrets (the client secret, the tokens, the authorization code, the PKCE verifier and the bearer
header) are held as `Secret`, whose repr is masked, so that an error reporter capturing frame locals
(``traceback.TracebackException(..., capture_locals=True)``, Sentry) does not show them; a token answer
is dropped before anything is raised, and errors of the token endpoint carry no ``__context__`` (the
decoder's or the transport's frames hold the answer or the request).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import aiohttp

from .._base_client import BaseClient
from .._limits import RateLimiter
from .._pipeline import Pipeline
from .._retry import RetryPolicy
from .._secret import MASK, Secret, mask
from .._timerange import check_time_range
from .._transport import DEFAULT_MAX_RESPONSE_BYTES, Transport
from .._urls import check_base_url
from ..errors import (
    BinanceError,
    ExecutionStatusUnknown,
    InvalidRequestError,
    InvalidResponseError,
    OAuthError,
    OAuthInvalidTokenError,
    OAuthNotAuthenticatedError,
    OAuthScopeError,
)
from . import endpoints as E
from ._errors import error_from_envelope, oauth_error_from_response
from .authorization import AuthorizationRequest, _callback_code, build_authorization_request
from .endpoints import OAuthEndpoint, documents
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
#: How many unfinished authorization requests (their PKCE verifiers) a client remembers.
MAX_PENDING = 32

Timestamp = int | datetime

#: Token-endpoint parameters masked in errors that describe the request.
_SECRET_PARAMS = frozenset({"client_secret", "code", "code_verifier", "refresh_token"})


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
        timeout: float | None = 10.0,
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
        )
        self._pipelines: dict[str, Pipeline] = {"accounts": accounts, "api": api}
        self._endpoints = endpoints
        self.client_id = client_id
        self._client_secret = mask(client_secret)
        self.redirect_uri = redirect_uri
        self.refresh_margin = float(refresh_margin)
        self.scope_check = scope_check
        self._store: TokenStore = token_store if token_store is not None else MemoryTokenStore()
        self._now = clock
        self._token: Token | None = None
        self._loaded = False
        self._refreshing: asyncio.Future[Token] | None = None
        # Bumped by a revoke (or a forgotten token) and by a login: a refresh started before keeps
        # nothing. The lock keeps store writes in the order their tokens were kept.
        self._generation = 0
        self._store_lock = asyncio.Lock()
        self._pending: dict[str, AuthorizationRequest] = {}  # state -> request, oldest first
        self._code_states: dict[str, str] = {}  # code -> state, from parse_callback

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
    def token(self) -> Token | None:
        """The current token, or None (before `load_token` or the first call, it is not loaded yet)."""
        return self._token

    @property
    def token_store(self) -> TokenStore:
        """Where the token is kept."""
        return self._store

    def __repr__(self) -> str:
        secret = "set" if self._client_secret is not None else "none"
        return (
            f"OAuthClient(client_id={self.client_id!r}, accounts={self.accounts_base_url!r}, "
            f"api={self.api_base_url!r}, client_secret=<{secret}>, token={self._token!r})"
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
        self._pending.pop(request.state, None)
        self._pending[request.state] = request
        while len(self._pending) > MAX_PENDING:
            del self._pending[next(iter(self._pending))]
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
        self._code_states[code] = expected_state
        while len(self._code_states) > MAX_PENDING:
            del self._code_states[next(iter(self._code_states))]
        return code

    def _pending_request(
        self, code: str, state: str | None, verifier: str | None
    ) -> AuthorizationRequest | None:
        """The authorization request `code` answers: by `state`, by the callback that gave `code`, or
        the only one pending (none is needed when the caller gives the `verifier`)."""
        state = state if state is not None else self._code_states.pop(code, None)
        if state is not None:
            return self._pending.pop(state, None)
        if verifier is not None:
            return None
        if len(self._pending) > 1:
            raise InvalidRequestError(
                "several authorization requests are pending: pass state= (or code_verifier=) to exchange_code"
            )
        return self._pending.popitem()[1] if self._pending else None

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
        request = self._pending_request(code, state, code_verifier)
        if code_verifier is None and request is not None:
            code_verifier = mask(request.code_verifier)
        params = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "redirect_uri": request.redirect_uri if request is not None else self._redirect_uri(),
            "code_verifier": code_verifier,
        }
        token = await self._token_request(params)
        log.debug("OAuth token obtained; expires in %.0f s", token.expires_in(self._now()))
        return token

    # -- tokens -------------------------------------------------------------------------------------

    async def load_token(self) -> Token | None:
        """Return the current token, loading it from the store on first use."""
        if not self._loaded:
            stored = await self._store.load()
            if not self._loaded:  # nothing set a token while the store was read
                self._token = stored
                self._loaded = True
        return self._token

    async def _token_request(
        self, params: Mapping[str, Any], previous: Token | None = None, *, generation: int | None = None
    ) -> Token:
        """POST the token endpoint, keep the token it answers, and return it.

        A login (no `generation`) discards the refreshes in flight. A refresh passes the `generation`
        it started in: when a revoke or a login happened since, its answer is neither kept nor
        stored, and it returns the token of that login, or raises `OAuthNotAuthenticatedError`.

        The error of a request whose outcome is unknown describes what was sent (`SentRequest`): the
        secret, the code, the verifier and the refresh token are masked there, and an undecodable
        answer's body is dropped (it may hold tokens). No error carries a ``__context__``: the
        decoder's frames hold the answer, the transport's the form body.
        """
        try:
            data = await self._pipelines["accounts"].call(self._endpoints["token"], params)
        except BinanceError as exc:
            if isinstance(exc, ExecutionStatusUnknown) and exc.request is not None:
                masked = {k: MASK if k in _SECRET_PARAMS else v for k, v in exc.request.params.items()}
                exc.request = exc.request._replace(params=masked)
            if isinstance(exc, InvalidResponseError):
                exc.body = b""
            exc.__context__ = None
            raise
        try:
            token = Token.from_response(data, now=self._now(), previous=previous)
        finally:
            del data  # the answer holds the tokens: not in this frame's locals if that raised
        if generation is None:
            self._supersede()
        elif generation != self._generation:
            log.debug("OAuth refresh answered after a revoke or a login: its token is dropped")
            return self._superseded()
        await self._keep(token)
        return token

    def _superseded(self) -> Token:
        """What a refresh started before a revoke or a login gives: the login's token, or an error."""
        if self._token is None:
            raise OAuthNotAuthenticatedError(
                "the OAuth token was revoked while it was being refreshed: log in again"
            )
        return self._token

    def _supersede(self) -> None:
        """Discard every refresh started so far (a revoke or a login happened)."""
        self._generation += 1
        self._refreshing = None  # its waiters still get its outcome; new callers start afresh

    async def _keep(self, token: Token) -> None:
        self._token = token
        self._loaded = True
        async with self._store_lock:
            await self._store.save(token)

    @documents(E.TOKEN)
    async def refresh(self) -> Token:
        """Get a new access token with the refresh token now, save it and return it.

        Grant ``refresh_token`` with ``refresh_token``, ``client_id`` and ``client_secret`` (when
        set), in a form body. A refresh already in flight is joined, not repeated. Raises
        `OAuthNotAuthenticatedError` without a token (or when the token is revoked while the refresh is
        in flight: its answer is then dropped), `InvalidRequestError` without a refresh token.
        """
        token = await self.load_token()
        if token is None:
            raise OAuthNotAuthenticatedError("no OAuth token to refresh: log in first")
        if token.refresh_token is None and self._refreshing is None:
            raise InvalidRequestError("the OAuth token has no refresh token: log in again")
        return await self._refresh_shared(token)

    async def _refresh_shared(self, stale: Token) -> Token:
        """A token newer than `stale`: the refresh in flight, a token another caller already got, or
        a new refresh (which every concurrent caller then awaits)."""
        task = self._refreshing
        if task is None:
            current = self._token
            if current is None:
                raise OAuthNotAuthenticatedError("the OAuth token was cleared (revoked): log in again")
            if current is not stale:
                return current
            refresh = self._refresh_now(current, self._generation)  # the generation it started in
            task = self._refreshing = asyncio.ensure_future(refresh)
            task.add_done_callback(self._refresh_done)
        return await asyncio.shield(task)

    def _refresh_done(self, task: asyncio.Future[Token]) -> None:
        if self._refreshing is task:
            self._refreshing = None
        if not task.cancelled():
            task.exception()  # retrieved: no "never retrieved" warning when every waiter was cancelled

    async def _refresh_now(self, token: Token, generation: int) -> Token:
        if generation != self._generation:  # revoked (or logged in again) before this task started
            return self._superseded()
        params = {
            "grant_type": "refresh_token",
            "refresh_token": token.refresh_token,
            "client_id": self.client_id,
            "client_secret": self._client_secret,
        }
        new = await self._token_request(params, previous=token, generation=generation)
        log.debug("OAuth access token refreshed; expires in %.0f s", new.expires_in(self._now()))
        return new

    async def _token_for(self, endpoint: OAuthEndpoint[Any]) -> Token:
        """The token to send to `endpoint`: loaded, scope-checked, and refreshed when about to expire."""
        token = await self.load_token()
        if token is None:
            raise OAuthNotAuthenticatedError(
                f"{endpoint.name}: no OAuth token; log in first (authorization_url, then exchange_code)"
            )
        if self.scope_check:
            _check_scope(endpoint, token)
        if token.refresh_token is not None and token.expires_within(self._margin(token), self._now()):
            token = await self._refresh_shared(token)
        return token

    def _margin(self, token: Token) -> float:
        """How long before its expiry `token` is refreshed: `refresh_margin`, but at most half the
        token's lifetime when that is known (else every call would refresh a short-lived token)."""
        lifetime = token.lifetime
        if lifetime is None:
            return self.refresh_margin
        return min(self.refresh_margin, max(lifetime, 0.0) / 2)

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
                token = await self._refresh_shared(token)
                continue
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
                await self._forget()
            raise
        await self._forget()
        return revoked

    async def _forget(self) -> None:
        self._token = None
        self._loaded = True
        self._supersede()
        async with self._store_lock:
            await self._store.clear()

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
