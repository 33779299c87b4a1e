"""`OAuthClient` against the simulator's OAuth server: the whole Binance Login flow over real HTTP.

Requests are counted on the simulator's side with a tiny always-firing latency fault: every request
the simulator receives lands in ``sim.faults.log`` as ``(method, path, "latency")``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from binance_async import (
    ExecutionStatusUnknownError,
    InvalidRequestError,
    OAuthCallbackError,
    OAuthError,
    OAuthInsufficientScopeError,
    OAuthInvalidTokenError,
    OAuthNotAuthenticatedError,
    OAuthScopeError,
    RetryPolicy,
)
from binance_async.oauth import (
    CertificateStatus,
    CertificateType,
    JsonFileTokenStore,
    OAuthClient,
    Token,
)
from binance_async.sim import Simulator
from binance_async.sim.faults import FaultRule
from binance_async.sim.oauth import DEFAULT_EXPIRES_IN, PATHS

CLIENT_ID = "a28f296f2cbe6c64b4d5dec24735d39b1b6fffcf"
SECRET = "sim-client-secret-7f3a"
REDIRECT = "https://app.example/oauth/callback"
ALL_SCOPES = ("user:email", "user:status", "user:address", "asset:balance", "asset:ocbs")
TOKEN_PATH = PATHS["token"][1]
USER_INFO_PATH = PATHS["user_info"][1]
FAST_RETRY = RetryPolicy(max_retries=2, base_delay=0.001, max_delay=0.002)


@dataclass
class Env:
    """A simulator with our application registered, and a way to build clients on it."""

    sim: Simulator

    def clock(self) -> float:
        return self.sim.clock.now_ms() / 1000

    def client(self, secret: str | None = SECRET, **options: Any) -> OAuthClient:
        options.setdefault("clock", self.clock)
        return OAuthClient(
            CLIENT_ID,
            secret,
            redirect_uri=REDIRECT,
            accounts_base_url=self.sim.base_url,
            api_base_url=self.sim.base_url,
            **options,
        )

    async def consent(self, url: str) -> str:
        """Open the authorization URL as the user's browser would; the simulator consents at once."""
        async with aiohttp.ClientSession() as session, session.get(url, allow_redirects=False) as resp:
            assert resp.status == 302, await resp.text()
            return resp.headers["Location"]

    async def login(
        self, client: OAuthClient, scopes: Sequence[str] = ALL_SCOPES, *, pkce: bool = True
    ) -> Token:
        request = client.authorization_url(scopes, pkce=pkce)
        code = client.parse_callback(await self.consent(request.url), request.state)
        return await client.exchange_code(code)

    def count(self) -> None:
        """From now on, log every request the simulator receives (see the module docstring)."""
        self.sim.faults.add(FaultRule("latency", 1.0, latency_s=1e-6))

    def seen(self, path: str | None = None) -> list[tuple[str, str]]:
        return [(m, p) for m, p, kind in self.sim.faults.log if kind == "latency" and path in (None, p)]


@pytest.fixture
async def env(sim: Simulator) -> Env:
    sim.oauth.register_client(CLIENT_ID, SECRET, [REDIRECT])
    return Env(sim)


@pytest.fixture
async def client(env: Env) -> AsyncIterator[OAuthClient]:
    """A confidential client (with the secret) logged in with every scope, following the sim's clock."""
    async with env.client() as c:
        await env.login(c)
        yield c


# -- the flow -------------------------------------------------------------------------------------


async def test_pkce_flow_every_method(env: Env) -> None:
    user = env.sim.oauth.default_user
    before = dict(user.balances)
    async with env.client(secret=None) as client:  # a public client: PKCE, no secret
        request = client.authorization_url(ALL_SCOPES)
        query = parse_qs(urlsplit(request.url).query)
        assert request.url.startswith(env.sim.base_url + "/en/oauth/authorize?")
        assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
        assert query["redirect_uri"] == [REDIRECT] and query["state"] == [request.state]
        assert query["scope"] == [",".join(ALL_SCOPES)]
        assert query["code_challenge_method"] == ["S256"] and request.code_verifier is not None

        location = await env.consent(request.url)
        assert location.startswith(REDIRECT + "?")
        code = client.parse_callback(location, request.state)
        token = await client.exchange_code(code)  # the verifier is found by state
        assert client.token is token and token.scope == frozenset(ALL_SCOPES)
        assert token.expires_in(env.clock()) == pytest.approx(DEFAULT_EXPIRES_IN, abs=2)

        info = await client.user_info()
        assert (info.user_id, info.email) == (user.user_id, user.email)

        status = await client.user_status()
        assert status.certificate_type is CertificateType.PERSON
        assert status.certificate_status is CertificateStatus.PASSED and status.kyc_passed

        address = await client.charge_address("ETH", "ETH")
        assert address.coin == "ETH" and address.address == env.sim.oauth.address_of(user, "ETH", "ETH")[0]

        balances = {b.asset: b for b in await client.asset_balance()}
        assert balances["BTC"].free == Decimal("0.5") and balances["BTC"].btc_valuation == Decimal("0.5")
        assert balances["USDT"].fiat_valuation == Decimal("10000")

        coins = {c.asset_code: c for c in await client.convert_coins()}
        usdt = coins["BTC"].target("USDT")
        assert usdt is not None and usdt.expire_time == env.sim.oauth.quote_ttl_s
        assert coins["BTC"].free_asset == Decimal("0.5")

        quote = await client.convert_quote("BTC", "USDT", "BTC", Decimal("0.1"))
        assert quote.quote_price == Decimal("65000") and quote.total_amount == Decimal("6500")
        result = await client.convert_confirm(quote.quote_id)
        assert result.succeeded and result.quote_id == quote.quote_id
        assert (result.source_amount, result.obtain_amount) == (Decimal("0.1"), Decimal("6500"))
        assert user.balances["BTC"] == before["BTC"] - Decimal("0.1")
        assert user.balances["USDT"] == before["USDT"] + Decimal("6500")

        quote = await client.convert_quote("USDT", "ETH", "ETH", "1")  # the amount to get
        assert quote.total_amount == Decimal("3200")
        await client.convert_confirm(quote.quote_id)

        history = await client.convert_history(page=1, rows=1)
        assert history.total == 2 and [r.quote_id for r in history.rows] == [quote.quote_id]
        history = await client.convert_history(2, 1)
        assert history.rows[0].quote_id == result.quote_id and history.rows[0].from_asset == "BTC"

        assert await client.revoke_token() is True
        assert client.token is None
        with pytest.raises(OAuthNotAuthenticatedError):
            await client.user_info()


async def test_confidential_exchange_without_pkce(env: Env) -> None:
    async with env.client() as client:
        request = client.authorization_url(["user:email"], state="my-state", pkce=False)
        assert request.code_verifier is None and "code_challenge" not in request.url
        assert request.state == "my-state"
        code = client.parse_callback(await env.consent(request.url), "my-state")
        token = await client.exchange_code(code)
        assert token.refresh_token is not None
        assert (await client.user_info()).email == env.sim.oauth.default_user.email

    async with env.client(secret=None) as public:  # without PKCE the secret is required
        request = public.authorization_url(["user:email"], pkce=False)
        code = public.parse_callback(await env.consent(request.url), request.state)
        with pytest.raises(OAuthError) as caught:
            await public.exchange_code(code)
        assert caught.value.error == "invalid_client" and caught.value.status == 400


async def test_verifier_by_state_explicit_and_wrong(env: Env) -> None:
    async with env.client(secret=None) as client:
        first = client.authorization_url(["user:email"])
        second = client.authorization_url(["user:email"])
        code = (parse_qs(urlsplit(await env.consent(first.url)).query))["code"][0]
        env.count()
        with pytest.raises(InvalidRequestError, match="several authorization requests"):
            await client.exchange_code(code)  # not from client.parse_callback: which verifier?
        assert env.seen() == []
        with pytest.raises(OAuthError) as caught:
            await client.exchange_code(code, second.code_verifier)  # the other request's verifier
        assert caught.value.error == "invalid_grant"
        token = await client.exchange_code(code, state=first.state)  # a failed try does not use a code
        assert token.scope == {"user:email"}

        code = (parse_qs(urlsplit(await env.consent(second.url)).query))["code"][0]
        assert second.code_verifier is not None
        assert await client.exchange_code(code, code_verifier=second.code_verifier)


async def test_callback_state_mismatch_and_denied(env: Env) -> None:
    async with env.client() as client:
        request = client.authorization_url(["user:email"])
        location = await env.consent(request.url)
        with pytest.raises(OAuthCallbackError) as caught:
            client.parse_callback(location, "forged-state")
        assert caught.value.error == "state_mismatch"
        assert client.parse_callback(location.split("?", 1)[1], request.state)  # a bare query works too

        env.sim.oauth.auto_consent = False
        request = client.authorization_url(["user:email"])
        with pytest.raises(OAuthCallbackError) as caught:
            client.parse_callback(await env.consent(request.url), request.state)
        assert caught.value.error == "access_denied"


# -- scopes ----------------------------------------------------------------------------------------


async def test_scope_refused_before_sending(env: Env) -> None:
    async with env.client() as client:
        await env.login(client, ["user:openId"])
        env.count()
        calls: list[Callable[[], Any]] = [
            client.user_status,
            client.asset_balance,
            client.convert_coins,
            lambda: client.charge_address("BTC", "BTC"),
            lambda: client.convert_quote("BTC", "USDT", "BTC", 1),
            lambda: client.convert_confirm("q"),
            client.convert_history,
        ]
        for call in calls:
            with pytest.raises(OAuthScopeError) as caught:
                await call()
            assert caught.value.granted == {"user:openId"} and caught.value.required in caught.value.args[0]
        assert env.seen() == []
        info = await client.user_info()  # user:openId is enough for the user id
        assert info.user_id == env.sim.oauth.default_user.user_id and info.email is None
        assert env.seen() == [("GET", USER_INFO_PATH)]

    async with env.client(scope_check=False) as unchecked:
        await env.login(unchecked, ["user:openId"])
        with pytest.raises(OAuthInsufficientScopeError) as server_says:
            await unchecked.user_status()
        assert server_says.value.status == 403 and server_says.value.oauth_code == "100002002"


# -- refresh ---------------------------------------------------------------------------------------


async def test_refresh_before_expiry_follows_the_clock(env: Env, client: OAuthClient) -> None:
    env.count()
    first = client.token
    assert first is not None
    env.sim.clock.advance((DEFAULT_EXPIRES_IN - 120) * 1000)  # 120 s left: outside the 60 s margin
    await client.user_info()
    assert client.token is first and env.seen(TOKEN_PATH) == []

    env.sim.clock.advance(90_000)  # 30 s left: refreshed before the call
    await client.user_info()
    second = client.token
    assert second is not None and second.access_token != first.access_token
    assert second.refresh_token == first.refresh_token and second.scope == first.scope
    assert second.expires_in(env.clock()) == pytest.approx(DEFAULT_EXPIRES_IN, abs=2)
    assert env.seen() == [("GET", USER_INFO_PATH), ("POST", TOKEN_PATH), ("GET", USER_INFO_PATH)]


async def test_refresh_margin_is_configurable(env: Env) -> None:
    async with env.client(refresh_margin=3600) as client:
        await env.login(client, ["user:email"])
        env.count()
        env.sim.clock.advance((DEFAULT_EXPIRES_IN - 3000) * 1000)
        await client.user_info()
        assert env.seen(TOKEN_PATH) == [("POST", TOKEN_PATH)]


async def test_401_after_server_side_expiry_refreshes_once(env: Env) -> None:
    # The client's own clock says the token is fresh; the server's has moved past its expiry.
    async with env.client(clock=time.time) as client:
        await env.login(client, ["user:email"])
        old = client.token
        env.count()
        env.sim.clock.advance((DEFAULT_EXPIRES_IN + 1) * 1000)
        info = await client.user_info()
        assert info.email == env.sim.oauth.default_user.email
        assert env.seen() == [("GET", USER_INFO_PATH), ("POST", TOKEN_PATH), ("GET", USER_INFO_PATH)]
        assert client.token is not None and old is not None
        assert client.token.access_token != old.access_token

        # A refreshed token the server rejects too: raised after one refresh, not a loop.
        env.sim.faults.reset_counts()
        env.sim.oauth.expires_in = 0
        env.sim.clock.advance((DEFAULT_EXPIRES_IN + 1) * 1000)
        with pytest.raises(OAuthInvalidTokenError) as caught:
            await client.user_info()
        assert caught.value.status == 401 and caught.value.oauth_code == "100002001"
        assert env.seen() == [("GET", USER_INFO_PATH), ("POST", TOKEN_PATH), ("GET", USER_INFO_PATH)]


async def test_401_on_convert_confirm_is_resent_once(env: Env) -> None:
    async with env.client(clock=time.time) as client:
        await env.login(client)
        env.sim.oauth.quote_ttl_s = DEFAULT_EXPIRES_IN * 2  # the quote outlives the access token
        quote = await client.convert_quote("BNB", "USDT", "BNB", "0.1")
        env.sim.clock.advance((DEFAULT_EXPIRES_IN + 1) * 1000)  # expired on the server only
        env.count()
        result = await client.convert_confirm(quote.quote_id)
        assert result.succeeded and result.obtain_amount == Decimal("58")
        confirm = PATHS["convert_confirm"][1]
        assert env.seen() == [("POST", confirm), ("POST", TOKEN_PATH), ("POST", confirm)]


async def test_concurrent_callers_share_one_refresh(env: Env, client: OAuthClient) -> None:
    env.sim.faults.add(FaultRule("latency", 1.0, path=TOKEN_PATH, latency_s=0.05))  # a slow refresh
    env.count()
    env.sim.clock.advance((DEFAULT_EXPIRES_IN + 5) * 1000)  # expired by the client's clock too
    infos = await asyncio.gather(*(client.user_info() for _ in range(20)))
    assert len({i.user_id for i in infos}) == 1
    assert len(env.seen(TOKEN_PATH)) == 1
    assert len(env.seen(USER_INFO_PATH)) == 20


async def test_concurrent_401s_share_one_refresh(env: Env) -> None:
    async with env.client(clock=time.time) as client:
        await env.login(client, ["asset:balance"])
        env.sim.faults.add(FaultRule("latency", 1.0, path=TOKEN_PATH, latency_s=0.05))
        env.count()
        env.sim.clock.advance((DEFAULT_EXPIRES_IN + 5) * 1000)  # expired on the server only
        results = await asyncio.gather(*(client.asset_balance() for _ in range(20)))
        assert all(len(r) == 4 for r in results)
        assert len(env.seen(TOKEN_PATH)) == 1
        assert len(env.seen(PATHS["balance"][1])) == 40  # each rejected once, then sent again


async def test_refresh_method_and_rotation(env: Env, client: OAuthClient) -> None:
    env.sim.oauth.rotate_refresh_tokens = True
    old = client.token
    token = await client.refresh()
    assert old is not None and token is client.token
    assert token.access_token != old.access_token and token.refresh_token != old.refresh_token
    again = await client.refresh()  # with the rotated refresh token
    assert again.refresh_token != token.refresh_token
    assert await client.user_info()


async def test_public_client_cannot_refresh(env: Env) -> None:
    async with env.client(secret=None) as client:
        await env.login(client, ["user:email"])
        with pytest.raises(OAuthError) as caught:  # Binance documents refresh with the secret only
            await client.refresh()
        assert caught.value.error == "invalid_request"  # the simulator: "client_secret is required"


# -- revoke, stores --------------------------------------------------------------------------------


async def test_revoke_then_calls(env: Env, tmp_path: Path) -> None:
    store = JsonFileTokenStore(tmp_path / "token.json")
    async with env.client(token_store=store) as client:
        await env.login(client, ["user:email"])
        revoked_token = client.token
        assert revoked_token is not None
        env.count()
        assert await client.revoke_token() is True
        assert await store.load() is None and client.token is None
        # This client has no token any more: refused before sending.
        with pytest.raises(OAuthNotAuthenticatedError):
            await client.user_info()
        with pytest.raises(OAuthNotAuthenticatedError):
            await client.revoke_token()
        assert env.seen() == [("POST", PATHS["revoke_token"][1])]

    # Another process still holding the revoked token: the server says 401, and the refresh the
    # client then tries is refused too (revoking cleared the whole grant).
    async with env.client(token_store=JsonFileTokenStore(tmp_path / "other.json")) as other:
        await other.token_store.save(revoked_token)
        with pytest.raises(OAuthError) as caught:
            await other.user_info()
        assert caught.value.error == "invalid_grant"
        assert isinstance(caught.value.__context__, OAuthInvalidTokenError)
        # Logging out with a dead token still forgets it locally.
        with pytest.raises(OAuthError):
            await other.revoke_token()
        assert other.token is None and await other.token_store.load() is None


async def test_json_file_store_survives_a_restart(env: Env, tmp_path: Path) -> None:
    path = tmp_path / "binance-token.json"
    async with env.client(token_store=JsonFileTokenStore(path)) as first:
        await env.login(first, ["user:email", "asset:balance"])
        email = (await first.user_info()).email
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600

    env.count()
    async with env.client(token_store=JsonFileTokenStore(path)) as second:
        assert second.token is None  # loaded lazily, on first use
        assert (await second.user_info()).email == email
        assert second.token == first.token
        env.sim.clock.advance((DEFAULT_EXPIRES_IN - 1) * 1000)
        assert await second.asset_balance()  # refreshed, and the new token saved to the file
        assert second.token is not None and second.token != first.token
    assert env.seen(PATHS["authorize"][1]) == [] and len(env.seen(TOKEN_PATH)) == 1
    assert await JsonFileTokenStore(path).load() == second.token


# -- errors ----------------------------------------------------------------------------------------


async def test_envelope_errors_from_the_server(env: Env, client: OAuthClient) -> None:
    with pytest.raises(OAuthError) as caught:
        await client.convert_confirm("no-such-quote")
    error = caught.value
    assert (error.status, error.oauth_code, error.code) == (400, "100003001", 100003001)
    assert "quoteId does not exist" in str(error) and error.path == PATHS["convert_confirm"][1]

    with pytest.raises(OAuthError) as caught:
        await client.charge_address("DOGE", "DOGE")
    assert caught.value.oauth_code == "100001002" and "coin" in caught.value.msg

    quote = await client.convert_quote("BTC", "USDT", "USDT", "100")
    await client.convert_confirm(quote.quote_id)
    with pytest.raises(OAuthError) as caught:
        await client.convert_confirm(quote.quote_id)
    assert caught.value.oauth_code == "100003003"


async def test_5xx_on_confirm_is_unknown_and_not_resent(env: Env) -> None:
    async with env.client(retry=FAST_RETRY) as client:
        await env.login(client)
        quote = await client.convert_quote("BTC", "USDT", "BTC", "0.01")
        confirm = PATHS["convert_confirm"][1]
        env.sim.faults.add(FaultRule("error_after", 1.0, method="POST", path=confirm, status=503))
        env.count()
        before = env.sim.oauth.default_user.balances["BTC"]
        with pytest.raises(ExecutionStatusUnknownError) as caught:
            await client.convert_confirm(quote.quote_id)
        assert caught.value.status == 503
        assert caught.value.request is not None and caught.value.request.params == {"quoteId": quote.quote_id}
        assert env.seen(confirm) == [("POST", confirm)]  # sent once
        assert env.sim.oauth.default_user.balances["BTC"] == before - Decimal("0.01")  # it did happen

        balance = PATHS["balance"][1]
        env.sim.faults.add(FaultRule("error_before", 1.0, path=balance, status=502, body="html"))
        with pytest.raises(ExecutionStatusUnknownError):
            await client.asset_balance()
        assert len(env.seen(balance)) == 3  # a read: tried again twice


async def test_user_status_enums_tolerate_unknown_values(env: Env, client: OAuthClient) -> None:
    user = env.sim.oauth.default_user
    user.certificate_type, user.certificate_status = 2, 0
    status = await client.user_status()
    assert status.certificate_type is CertificateType.COMPANY
    assert status.certificate_status is CertificateStatus.NOT_VERIFIED_OR_REVIEWING and not status.kyc_passed
    user.certificate_type, user.certificate_status = 9, 7
    status = await client.user_status()
    assert status.certificate_type is None and status.certificate_status is None
    assert (status.certificate_type_value, status.certificate_status_value) == (9, 7)


async def test_no_token_or_secret_in_logs_or_reprs(
    env: Env, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets: list[str] = [SECRET]
    errors: list[BaseException] = []
    async with env.client(clock=time.time, token_store=JsonFileTokenStore(tmp_path / "t.json")) as client:
        request = client.authorization_url(ALL_SCOPES)
        location = await env.consent(request.url)
        code = client.parse_callback(location, request.state)
        assert request.code_verifier is not None
        secrets += [code, request.code_verifier]
        token = await client.exchange_code(code)
        assert token.refresh_token is not None
        secrets += [token.access_token, token.refresh_token]
        env.sim.clock.advance((DEFAULT_EXPIRES_IN + 1) * 1000)
        await client.user_info()  # a 401, a refresh and a retry
        refreshed = client.token
        assert refreshed is not None
        secrets.append(refreshed.access_token)
        try:
            await client.convert_confirm("nope")
        except OAuthError as exc:
            errors.append(exc)
        await client.revoke_token()
        try:
            await client.user_info()
        except OAuthNotAuthenticatedError as exc:
            errors.append(exc)
        texts = [
            repr(client),
            repr(token),
            str(token),
            repr(refreshed),
            repr(request),
            repr(client.token_store),
        ]
    texts += [str(e) for e in errors] + [repr(e) for e in errors]
    texts += [r.getMessage() for r in caplog.records]
    assert any("/oauth/token" in r.getMessage() for r in caplog.records)  # DEBUG logging was on
    for text in texts:
        for secret in secrets:
            assert secret not in text
