"""`TokenLifecycle`: one OAuth token from the code exchange to the revoke, for `OAuthClient`.

It holds the client's credentials, the current token and its `TokenStore`, and talks to the token
endpoint (``POST /oauth/token`` on the accounts host):

- `exchange_code` trades an authorization code for a token (a login),
- `refresh` gets a new access token with the refresh token now; `refreshed` is the refresh after a
  401 (a token newer than the rejected one); `fresh` refreshes a token about to expire: within
  `refresh_margin` seconds, or within half its lifetime when that is shorter (a token that lives
  30 s is not refreshed on every call),
- `forget` drops the token and clears the store (after a revoke).

Every token it gets is kept and saved; the store is read once, on first use (`load`). Store writes
are serialized by a lock, in the order their tokens were kept.

Concurrent callers share one refresh: the first starts it as a task, the others await the same task.
A revoke (`forget`) or a new login discards every refresh started before it (a generation counter):
its answer is neither kept nor stored, so a logout stays a logout.

Secrets (the client secret, the tokens, the authorization code, the PKCE verifier) are held as
`Secret`, whose repr is masked; a token answer is dropped before anything is raised, and errors of
the token endpoint carry no ``__context__`` (the decoder's or the transport's frames hold the answer
or the request).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from .._pipeline import Pipeline
from .._secret import MASK, Secret
from ..errors import (
    BinanceError,
    ExecutionStatusUnknown,
    InvalidRequestError,
    InvalidResponseError,
    OAuthNotAuthenticatedError,
)
from .endpoints import OAuthEndpoint
from .tokens import Token, TokenStore

__all__ = ["TokenLifecycle"]

log = logging.getLogger("binance_async.oauth")

#: Token-endpoint parameters masked in errors that describe the request.
_SECRET_PARAMS = frozenset({"client_secret", "code", "code_verifier", "refresh_token"})


class TokenLifecycle:
    """The token of one `OAuthClient`: got, kept, refreshed (one refresh at a time) and forgotten.

    `pipeline` sends `endpoint` (the token endpoint) with `client_id` and `client_secret` (a `Secret`,
    or None for a public client); `store` keeps the token between runs; `clock` gives the current
    epoch seconds for expiries.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        endpoint: OAuthEndpoint[Any],
        *,
        client_id: str,
        client_secret: Secret | None,
        store: TokenStore,
        refresh_margin: float,
        clock: Callable[[], float],
    ) -> None:
        self._pipeline = pipeline
        self._endpoint = endpoint
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_margin = refresh_margin
        self.store = store
        self._now = clock
        self._token: Token | None = None
        self._loaded = False
        self._refreshing: asyncio.Future[Token] | None = None
        # Bumped by a revoke (or a forgotten token) and by a login: a refresh started before keeps
        # nothing. The lock keeps store writes in the order their tokens were kept.
        self._generation = 0
        self._store_lock = asyncio.Lock()

    @property
    def token(self) -> Token | None:
        """The current token, or None (before `load` or the first call, it is not loaded yet)."""
        return self._token

    def __repr__(self) -> str:
        return f"TokenLifecycle(client_id={self.client_id!r}, token={self._token!r})"

    # -- the store ----------------------------------------------------------------------------------

    async def load(self) -> Token | None:
        """Return the current token, loading it from the store on first use."""
        if not self._loaded:
            stored = await self.store.load()
            if not self._loaded:  # nothing set a token while the store was read
                self._token = stored
                self._loaded = True
        return self._token

    async def _keep(self, token: Token) -> None:
        self._token = token
        self._loaded = True
        async with self._store_lock:
            await self.store.save(token)

    async def forget(self) -> None:
        """Drop the token, discard the refreshes in flight and clear the store (a revoke)."""
        self._token = None
        self._loaded = True
        self._supersede()
        async with self._store_lock:
            await self.store.clear()

    # -- the token endpoint -------------------------------------------------------------------------

    async def exchange_code(self, code: Secret, code_verifier: Secret | None, redirect_uri: str) -> Token:
        """Grant ``authorization_code``: a login. Keeps and saves the token, and returns it."""
        params = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        token = await self._request(params)
        log.debug("OAuth token obtained; expires in %.0f s", token.expires_in(self._now()))
        return token

    async def _request(
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
            data = await self._pipeline.call(self._endpoint, params)
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

    # -- refreshes ----------------------------------------------------------------------------------

    async def refresh(self) -> Token:
        """Get a new access token with the refresh token now (joining a refresh in flight)."""
        token = await self.load()
        if token is None:
            raise OAuthNotAuthenticatedError("no OAuth token to refresh: log in first")
        if token.refresh_token is None and self._refreshing is None:
            raise InvalidRequestError("the OAuth token has no refresh token: log in again")
        return await self.refreshed(token)

    async def fresh(self, token: Token) -> Token:
        """`token`, or a newer one when it expires within the margin (`margin`) and can be refreshed."""
        if token.refresh_token is not None and token.expires_within(self.margin(token), self._now()):
            token = await self.refreshed(token)
        return token

    def margin(self, token: Token) -> float:
        """How long before its expiry `token` is refreshed: `refresh_margin`, but at most half the
        token's lifetime when that is known (else every call would refresh a short-lived token)."""
        lifetime = token.lifetime
        if lifetime is None:
            return self.refresh_margin
        return min(self.refresh_margin, max(lifetime, 0.0) / 2)

    async def refreshed(self, stale: Token) -> Token:
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
            "client_secret": self.client_secret,
        }
        new = await self._request(params, previous=token, generation=generation)
        log.debug("OAuth access token refreshed; expires in %.0f s", new.expires_in(self._now()))
        return new
