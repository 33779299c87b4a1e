"""The OAuth client's parts on their own: `TokenLifecycle` (code exchange, single-flight refresh, the
revoke generation, the token store, the refresh margin) and `PendingAuthorizations` (PKCE verifiers
by state). The client's behaviour through them is in test_oauth_client.py and test_oauth_hardening.py.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from multidict import CIMultiDict

from binance_async._clock import ServerClock
from binance_async._limits import RateLimiter
from binance_async._pipeline import Pipeline
from binance_async._secret import Secret
from binance_async._transport import Request, Response
from binance_async.errors import InvalidRequestError, OAuthError, OAuthNotAuthenticatedError
from binance_async.oauth import OAuthClient
from binance_async.oauth._errors import oauth_error_from_response
from binance_async.oauth.authorization import AuthorizationRequest, PendingAuthorizations
from binance_async.oauth.endpoints import ENDPOINTS
from binance_async.oauth.lifecycle import TokenLifecycle
from binance_async.oauth.tokens import MemoryTokenStore, Token
from tests.unit.helpers import FAST_RETRY, form

NOW = 1_700_000_000.0
CLIENT_SECRET = "lifecycle-client-secret"
ACCESS = "lifecycle-access"
REFRESH = "lifecycle-refresh"
TOKEN_PATH = "/oauth/token"


class TokenEndpoint:
    """A `Transport` playing the token endpoint: answers in order (the last repeats), each optionally
    held back until its gate is set; every request is kept."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, Any], asyncio.Event | None]] = []
        self.sent: list[Request] = []
        self.arrived = asyncio.Event()

    def add(self, status: int, body: dict[str, Any], gate: asyncio.Event | None = None) -> None:
        self.answers.append((status, body, gate))

    def grants(self) -> list[str]:
        return [dict(form(request.body))["grant_type"] for request in self.sent]

    async def send(self, request: Request) -> Response:
        assert request.path == TOKEN_PATH
        self.sent.append(request)
        self.arrived.set()
        status, body, gate = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if gate is not None:
            await gate.wait()
        headers = CIMultiDict({"Content-Type": "application/json"})
        return Response(status, headers, json.dumps(body).encode())

    async def aclose(self) -> None:
        pass


def answer(access: str = "new-access", expires_in: int = 3600) -> dict[str, Any]:
    return {
        "access_token": access,
        "refresh_token": "new-refresh",
        "token_type": "bearer",
        "expires_in": expires_in,
    }


def a_token(expires_in: float = 3600, issued: bool = True) -> Token:
    issued_at = NOW if issued else None
    return Token(ACCESS, REFRESH, frozenset({"user:email"}), expires_at=NOW + expires_in, issued_at=issued_at)


def lifecycle(
    endpoint: TokenEndpoint, token: Token | None = None, *, margin: float = 60.0
) -> tuple[TokenLifecycle, MemoryTokenStore]:
    clock = ServerClock()
    pipeline = Pipeline(
        "https://accounts.example",
        endpoint,
        RateLimiter(),
        clock,
        retry=FAST_RETRY,
        errors=oauth_error_from_response,
    )
    store = MemoryTokenStore(token)
    tokens = TokenLifecycle(
        pipeline,
        ENDPOINTS["token"],
        client_id="lifecycle-app",
        client_secret=Secret(CLIENT_SECRET),
        store=store,
        refresh_margin=margin,
        clock=lambda: NOW,
    )
    return tokens, store


# -- the store --------------------------------------------------------------------------------------


async def test_the_store_is_read_once_on_first_use() -> None:
    tokens, store = lifecycle(TokenEndpoint(), a_token())
    assert tokens.token is None  # not loaded yet
    first = await tokens.load()
    await store.clear()
    assert await tokens.load() is first is tokens.token


async def test_exchange_keeps_and_saves_the_token_and_sends_the_grant() -> None:
    endpoint = TokenEndpoint()
    endpoint.add(200, answer())
    tokens, store = lifecycle(endpoint)
    token = await tokens.exchange_code(Secret("the-code"), Secret("v" * 43), "https://app.example/cb")
    assert token.access_token == "new-access"
    assert tokens.token is token and await store.load() is token
    sent = dict(form(endpoint.sent[0].body))
    assert sent["grant_type"] == "authorization_code" and sent["code"] == "the-code"
    assert sent["client_id"] == "lifecycle-app" and sent["client_secret"] == CLIENT_SECRET
    assert sent["redirect_uri"] == "https://app.example/cb" and sent["code_verifier"] == "v" * 43


async def test_forget_clears_the_token_and_the_store() -> None:
    tokens, store = lifecycle(TokenEndpoint(), a_token())
    await tokens.load()
    await tokens.forget()
    assert tokens.token is None and await store.load() is None
    assert await tokens.load() is None  # not read again from a store that may lag


async def test_token_endpoint_errors_carry_no_context() -> None:
    endpoint = TokenEndpoint()
    endpoint.add(400, {"error": "invalid_grant"})
    tokens, _ = lifecycle(endpoint)
    with pytest.raises(OAuthError) as caught:
        await tokens.exchange_code(Secret("the-code"), None, "https://app.example/cb")
    assert caught.value.error == "invalid_grant" and caught.value.__context__ is None
    assert tokens.token is None


# -- refreshes --------------------------------------------------------------------------------------


async def test_concurrent_refreshes_share_one_request() -> None:
    endpoint = TokenEndpoint()
    gate = asyncio.Event()
    endpoint.add(200, answer(), gate)
    stale = a_token()
    tokens, store = lifecycle(endpoint, stale)
    await tokens.load()
    waiters = [asyncio.ensure_future(tokens.refreshed(stale)) for _ in range(3)]
    waiters.append(asyncio.ensure_future(tokens.refresh()))
    await endpoint.arrived.wait()
    gate.set()
    results = await asyncio.gather(*waiters)
    assert endpoint.grants() == ["refresh_token"]
    assert all(result is results[0] for result in results)
    assert await store.load() is results[0] is tokens.token
    assert dict(form(endpoint.sent[0].body))["refresh_token"] == REFRESH
    # A caller still holding the stale token gets the new one without another request.
    assert await tokens.refreshed(stale) is results[0]
    assert len(endpoint.sent) == 1


async def test_a_forget_discards_the_refresh_in_flight() -> None:
    endpoint = TokenEndpoint()
    gate = asyncio.Event()
    endpoint.add(200, answer(), gate)
    tokens, store = lifecycle(endpoint, a_token())
    refreshing = asyncio.ensure_future(tokens.refresh())
    await endpoint.arrived.wait()
    await tokens.forget()
    gate.set()
    with pytest.raises(OAuthNotAuthenticatedError):
        await refreshing
    assert tokens.token is None and await store.load() is None


async def test_a_login_during_a_refresh_wins() -> None:
    endpoint = TokenEndpoint()
    gate = asyncio.Event()
    endpoint.add(200, answer("stale-refresh"), gate)
    endpoint.add(200, answer("login"))
    tokens, store = lifecycle(endpoint, a_token())
    refreshing = asyncio.ensure_future(tokens.refresh())
    await endpoint.arrived.wait()
    login = await tokens.exchange_code(Secret("the-code"), None, "https://app.example/cb")
    gate.set()
    assert await refreshing is login
    assert tokens.token is login and await store.load() is login


async def test_refresh_needs_a_token_and_a_refresh_token() -> None:
    tokens, _ = lifecycle(TokenEndpoint())
    with pytest.raises(OAuthNotAuthenticatedError):
        await tokens.refresh()
    no_refresh = Token(ACCESS, None, frozenset(), expires_at=NOW + 3600)
    tokens, _ = lifecycle(TokenEndpoint(), no_refresh)
    with pytest.raises(InvalidRequestError):
        await tokens.refresh()


# -- the margin -------------------------------------------------------------------------------------


def test_the_margin_is_at_most_half_the_lifetime() -> None:
    tokens, _ = lifecycle(TokenEndpoint(), margin=60)
    assert tokens.margin(a_token(expires_in=3600)) == 60
    assert tokens.margin(a_token(expires_in=30)) == 15
    assert tokens.margin(a_token(expires_in=30, issued=False)) == 60  # lifetime unknown


async def test_fresh_refreshes_only_within_the_margin() -> None:
    endpoint = TokenEndpoint()
    endpoint.add(200, answer())
    lasting = a_token(expires_in=61, issued=False)  # the lifetime does not cap the margin
    tokens, _ = lifecycle(endpoint, lasting)
    await tokens.load()
    assert await tokens.fresh(lasting) is lasting and endpoint.sent == []
    expiring = a_token(expires_in=60, issued=False)
    tokens, _ = lifecycle(endpoint, expiring)
    await tokens.load()
    assert (await tokens.fresh(expiring)).access_token == "new-access"
    assert endpoint.grants() == ["refresh_token"]


# -- what the client shows of it --------------------------------------------------------------------


async def test_the_client_reads_and_sets_through_its_lifecycle() -> None:
    store = MemoryTokenStore(a_token())
    async with OAuthClient("app", CLIENT_SECRET, token_store=store, refresh_margin=30) as client:
        assert client.token_store is store and client.refresh_margin == 30.0
        client.refresh_margin = 10
        client.client_id = "other-app"
        assert client._tokens.refresh_margin == 10 and client._tokens.client_id == "other-app"
        assert await client.load_token() is client.token is client._tokens.token
        shown = repr(client) + repr(client._tokens)
    assert CLIENT_SECRET not in shown and ACCESS not in shown and REFRESH not in shown


# -- pending authorizations -------------------------------------------------------------------------


def request(state: str, verifier: str | None = "v" * 43) -> AuthorizationRequest:
    return AuthorizationRequest(
        url=f"https://accounts.example/authorize?state={state}",
        state=state,
        code_verifier=verifier,
        redirect_uri="https://app.example/cb",
        scopes=("user:email",),
    )


def test_pending_requests_are_found_by_state_by_code_or_alone() -> None:
    pending = PendingAuthorizations()
    first, second = request("s1"), request("s2")
    pending.add(first)
    pending.add(second)
    with pytest.raises(InvalidRequestError, match="several authorization requests"):
        pending.take("code", None, None)
    assert pending.take("code", None, "my-verifier") is None  # the caller's verifier: none needed
    pending.add_code("code-2", "s2")
    assert pending.take("code-2", None, None) is second
    assert pending.take("code-1", None, None) is first  # the only one left
    assert pending.take("code-1", None, None) is None
    pending.add(first)
    assert pending.take("code", "s1", None) is first
    assert pending.take("code", "s1", None) is None


def test_pending_requests_keep_the_newest_only() -> None:
    pending = PendingAuthorizations(limit=2)
    for state in ("s1", "s2", "s3"):
        pending.add(request(state))
        pending.add_code(f"code-{state}", state)
    assert pending.take("x", "s1", None) is None
    assert pending.take("code-s1", None, "verifier") is None  # its code is forgotten too
    assert pending.take("code-s3", None, None) is not None
    shown = repr(pending)
    assert "s2" not in shown and "code-s" not in shown and "v" * 43 not in shown
