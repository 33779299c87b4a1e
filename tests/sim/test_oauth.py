"""The simulated Binance OAuth 2.0 server (`oauth`) over real HTTP, driven by hand from Binance's docs:
on an aiohttp app of its own, then mounted on the `Simulator` (bad input, request counts)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from aiohttp import web

from binance_async.sim import Simulator
from binance_async.sim.clock import SimClock
from binance_async.sim.oauth import DEFAULT_EXPIRES_IN, PATHS, OAuthServer
from tests.reference import example

CLIENT_ID = "a28f296f2cbe6c64b4d5dec24735d39b1b6fffcf"
SECRET = "s3cr3t"
REDIRECT = "https://domain.com/oauth/callback"
ALL_SCOPES = "user:openId,user:email,user:status,user:address,asset:balance,asset:ocbs"


def pkce_pair() -> tuple[str, str]:
    # The docs' generator: 28 random uint32 rendered as their last 2 hex digits (56 characters).
    verifier = "".join(f"{secrets.randbits(32):02x}"[-2:] for _ in range(28))
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class Env:
    server: OAuthServer
    clock: SimClock
    url: str
    session: aiohttp.ClientSession

    async def authorize(self, scope: str = ALL_SCOPES, **extra: str) -> aiohttp.ClientResponse:
        params = {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT,
            "scope": scope,
            "state": "377f36a4557ab5935b36",
            **extra,
        }
        async with self.session.get(
            self.url + "/en/oauth/authorize", params=params, allow_redirects=False
        ) as resp:
            await resp.read()
            return resp

    async def code(self, scope: str = ALL_SCOPES, **extra: str) -> str:
        resp = await self.authorize(scope, **extra)
        assert resp.status == 302
        query = parse_qs(urlsplit(resp.headers["Location"]).query)
        return query["code"][0]

    async def token(self, **params: str) -> tuple[int, Any]:
        """POST /oauth/token with a form body."""
        return await self.post_token({"data": params})

    async def token_in_query(self, **params: str) -> tuple[int, Any]:
        """POST /oauth/token with the parameters in the query string (the docs show both)."""
        return await self.post_token({"params": params})

    async def post_token(self, kwargs: dict[str, Any]) -> tuple[int, Any]:
        async with self.session.post(self.url + "/oauth/token", **kwargs) as resp:
            return resp.status, await resp.json()

    async def tokens(self, scope: str = ALL_SCOPES) -> dict[str, Any]:
        code = await self.code(scope)
        status, body = await self.token(
            grant_type="authorization_code",
            code=code,
            client_id=CLIENT_ID,
            client_secret=SECRET,
            redirect_uri=REDIRECT,
        )
        assert status == 200, body
        return dict(body)

    async def api(
        self, method: str, path: str, token: str | None, *, legacy: bool = False, **params: str
    ) -> tuple[int, Any]:
        headers = {}
        if token is not None and not legacy:
            headers["Authorization"] = f"Bearer {token}"
        if token is not None and legacy:
            params["access_token"] = token
        async with self.session.request(method, self.url + path, params=params, headers=headers) as resp:
            return resp.status, await resp.json()


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    clock = SimClock(1_700_000_000_000)
    server = OAuthServer(clock, seed=5)
    server.register_client(CLIENT_ID, SECRET, [REDIRECT])
    app = web.Application()
    for method, path, handler in server.routes():
        app.router.add_route(method, path, handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    async with aiohttp.ClientSession() as session:
        yield Env(server, clock, f"http://127.0.0.1:{runner.addresses[0][1]}", session)
    await runner.cleanup()


async def test_pkce_flow_refresh_revoke(env: Env) -> None:
    verifier, challenge = pkce_pair()
    resp = await env.authorize(code_challenge=challenge, code_challenge_method="S256")
    assert resp.status == 302
    location = urlsplit(resp.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["377f36a4557ab5935b36"]
    code = query["code"][0]
    assert len(code) == 40

    status, body = await env.token(
        grant_type="authorization_code",
        code=code,
        client_id=CLIENT_ID,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
    )
    assert status == 200, body
    assert set(body) == set(example("OAUTH_token.json"))
    assert body["token_type"] == "bearer" and body["expires_in"] == DEFAULT_EXPIRES_IN
    assert body["scope"] == ALL_SCOPES

    status, info = await env.api("GET", "/oauth-api/v1/user-info", body["access_token"])
    assert status == 200
    assert info["data"]["userId"] == env.server.default_user.user_id

    status, refreshed = await env.token_in_query(
        grant_type="refresh_token",
        refresh_token=body["refresh_token"],
        client_id=CLIENT_ID,
        client_secret=SECRET,
    )
    assert status == 200, refreshed
    assert set(refreshed) == set(example("OAUTH_token__refresh.json"))
    assert refreshed["access_token"] != body["access_token"]
    new_token = refreshed["access_token"]

    status, revoked = await env.api("POST", "/oauth-api/v1/revoke-token", new_token)
    assert (status, revoked) == (200, example("OAUTH_revoke_token.json"))
    status, denied = await env.api("GET", "/oauth-api/v1/user-info", new_token)
    assert status == 401 and denied["success"] is False and denied["data"] is None
    assert isinstance(denied["code"], str) and denied["message"]
    # Revoking clears the grant: its refresh token is gone too.
    status, error = await env.token(
        grant_type="refresh_token",
        refresh_token=body["refresh_token"],
        client_id=CLIENT_ID,
        client_secret=SECRET,
    )
    assert (status, error["error"]) == (400, "invalid_grant")


async def test_client_secret_flow_and_code_reuse(env: Env) -> None:
    code = await env.code()
    params = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "redirect_uri": REDIRECT,
    }
    status, body = await env.token_in_query(**params)
    assert status == 200
    status, error = await env.token(**params)
    assert status == 400 and error["error"] == "invalid_grant" and error["error_description"]
    # Reuse revokes what the code gave (RFC 6749 4.1.2).
    status, _ = await env.api("GET", "/oauth-api/v1/user-info", body["access_token"])
    assert status == 401


async def test_wrong_verifier_secret_redirect_rejected(env: Env) -> None:
    verifier, challenge = pkce_pair()
    code = await env.code(code_challenge=challenge, code_challenge_method="S256")
    base = {"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID}
    other_verifier, _ = pkce_pair()
    status, error = await env.token(**base, redirect_uri=REDIRECT, code_verifier=other_verifier)
    assert (status, error["error"]) == (400, "invalid_grant")
    status, error = await env.token(**base, redirect_uri=REDIRECT)  # no verifier at all
    assert (status, error["error"]) == (400, "invalid_request")
    status, error = await env.token(**base, redirect_uri=REDIRECT + "x", code_verifier=verifier)
    assert (status, error["error"]) == (400, "invalid_grant")
    status, error = await env.token(**base, redirect_uri=REDIRECT, code_verifier=verifier, client_secret="x")
    assert (status, error["error"]) == (400, "invalid_client")
    # Failed attempts do not use the code.
    status, body = await env.token(**base, redirect_uri=REDIRECT, code_verifier=verifier)
    assert status == 200, body

    code = await env.code()  # no PKCE: the secret is required
    base = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
    }
    status, error = await env.token(**base)
    assert (status, error["error"]) == (400, "invalid_client")
    status, error = await env.token(**base, client_secret="wrong")
    assert (status, error["error"]) == (400, "invalid_client")
    status, error = await env.token(**base, client_secret=SECRET, code_verifier=verifier)
    assert status == 200, error

    status, error = await env.token(grant_type="password")
    assert (status, error["error"]) == (400, "unsupported_grant_type")
    tokens = await env.tokens()
    status, error = await env.token(
        grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id=CLIENT_ID
    )
    assert (status, error["error"]) == (400, "invalid_request")


async def test_authorize_errors(env: Env) -> None:
    async with env.session.get(
        env.url + "/oauth/authorize",  # the app-integration path, without locale
        params={
            "response_type": "code",
            "client_id": "nope",
            "redirect_uri": REDIRECT,
            "scope": "user:email",
        },
        allow_redirects=False,
    ) as resp:
        assert resp.status == 400
    resp = await env.authorize(redirect_uri="https://evil.example/cb")
    assert resp.status == 400 and "Location" not in resp.headers
    resp = await env.authorize(response_type="token")
    assert resp.status == 302
    query = parse_qs(urlsplit(resp.headers["Location"]).query)
    assert query["error"] == ["unsupported_response_type"] and query["state"] == ["377f36a4557ab5935b36"]
    resp = await env.authorize(code_challenge="abc", code_challenge_method="plain")
    assert parse_qs(urlsplit(resp.headers["Location"]).query)["error"] == ["invalid_request"]
    resp = await env.authorize(scope="user:email,made:up")
    assert parse_qs(urlsplit(resp.headers["Location"]).query)["error"] == ["invalid_scope"]
    env.server.auto_consent = False
    resp = await env.authorize()
    assert parse_qs(urlsplit(resp.headers["Location"]).query)["error"] == ["access_denied"]


async def test_code_expires(env: Env) -> None:
    code = await env.code()
    env.clock.advance(env.server.code_ttl_s * 1000 + 1)
    status, error = await env.token(
        grant_type="authorization_code",
        code=code,
        client_id=CLIENT_ID,
        client_secret=SECRET,
        redirect_uri=REDIRECT,
    )
    assert (status, error["error"]) == (400, "invalid_grant")


async def test_access_token_expires_refresh_works(env: Env) -> None:
    tokens = await env.tokens("user:email")
    env.clock.advance(DEFAULT_EXPIRES_IN * 1000 - 1000)
    status, _ = await env.api("GET", "/oauth-api/v1/user-info", tokens["access_token"])
    assert status == 200
    env.clock.advance(2000)
    status, body = await env.api("GET", "/oauth-api/v1/user-info", tokens["access_token"])
    assert status == 401 and body["success"] is False
    status, refreshed = await env.token(
        grant_type="refresh_token",
        refresh_token=tokens["refresh_token"],
        client_id=CLIENT_ID,
        client_secret=SECRET,
    )
    assert status == 200
    assert refreshed["refresh_token"] == tokens["refresh_token"]  # not rotated by default
    status, _ = await env.api("GET", "/oauth-api/v1/user-info", refreshed["access_token"])
    assert status == 200


async def test_scope_enforcement(env: Env) -> None:
    tokens = await env.tokens("user:openId")
    token = tokens["access_token"]
    status, body = await env.api("GET", "/oauth-api/v1/user-info", token)
    assert status == 200
    assert body == {
        **example("OAUTH_user_info__userId_only.json"),
        "data": {"userId": body["data"]["userId"]},
    }
    for method, path in [
        PATHS[name] for name in ("balance", "user_status", "convert_coins", "charge_address")
    ]:
        status, body = await env.api(method, path, token)
        assert status == 403, path
        assert body["success"] is False and body["data"] is None
    status, body = await env.api("GET", "/oauth-api/v1/balance", None)
    assert status == 401
    status, body = await env.api("GET", "/oauth-api/v1/balance", "not-a-token")
    assert status == 401


async def test_resource_shapes(env: Env) -> None:
    token = (await env.tokens())["access_token"]
    user = env.server.default_user

    status, body = await env.api("GET", "/oauth-api/v1/user-info", token, legacy=True)
    official = example("OAUTH_user_info.json")
    assert status == 200 and set(body) == set(official) and set(body["data"]) == set(official["data"])
    assert body["data"] == {"userId": user.user_id, "email": user.email}

    status, body = await env.api(*PATHS["user_status"], token)
    assert body["data"] == {"certificateType": 1, "certificateStatus": 1}

    status, body = await env.api("GET", "/oauth-api/v1/get-charge-address", token, coin="BTC", network="BTC")
    mock = example("unofficial/brave_mock_OAUTH_get_charge_address.json")
    assert status == 200 and set(body) == set(mock) and set(body["data"]) == set(mock["data"])
    assert body["data"]["coin"] == "BTC" and 0 <= env.clock.now_ms() - body["data"]["time"] < 5000
    status, again = await env.api("GET", "/oauth-api/v1/get-charge-address", token, coin="BTC", network="BTC")
    assert again["data"]["address"] == body["data"]["address"]
    status, body = await env.api("GET", "/oauth-api/v1/get-charge-address", token)
    assert status == 400 and body["success"] is False

    status, body = await env.api("GET", "/oauth-api/v1/balance", token)
    mock = example("unofficial/brave_mock_OAUTH_balance.json")
    assert status == 200 and set(mock) <= set(body)
    assert all(set(row) == set(mock["data"][0]) for row in body["data"])
    btc = next(row for row in body["data"] if row["asset"] == "BTC")
    assert btc["free"] == "0.50000000" and btc["btcValuation"] == "0.50000000"

    status, body = await env.api("GET", "/oauth-api/v1/ocbs/support-coins", token)
    mock = example("unofficial/brave_mock_OAUTH_ocbs_support_coins.json")
    assert status == 200 and set(body) == set(mock)
    assert set(body["data"][0]) == set(mock["data"][0])
    assert set(body["data"][0]["subSelector"][0]) == set(mock["data"][0]["subSelector"][0])


async def test_convert_quote_confirm_once(env: Env) -> None:
    token = (await env.tokens())["access_token"]
    user = env.server.default_user
    before = dict(user.balances)
    status, quote = await env.api(
        "POST",
        "/oauth-api/v1/ocbs/quote",
        token,
        fromAsset="BTC",
        toAsset="USDT",
        baseAsset="BTC",
        amount="0.1",
    )
    assert status == 200, quote
    mock = example("unofficial/brave_mock_OAUTH_ocbs_quote.json")
    assert set(mock["data"]) <= set(quote["data"])
    assert quote["data"]["quotePrice"] == "65000.00000000"
    assert quote["data"]["totalAmount"] == "6500.00000000"
    assert quote["data"]["expireTime"] > env.clock.now_ms()
    assert user.balances == before  # a quote moves nothing

    quote_id = quote["data"]["quoteId"]
    status, confirm = await env.api("POST", "/oauth-api/v1/ocbs/confirm", token, quoteId=quote_id)
    assert status == 200, confirm
    mock = example("unofficial/brave_mock_OAUTH_ocbs_confirm.json")
    assert set(mock["data"]) <= set(confirm["data"])
    assert confirm["data"]["status"] == "SUCCESS"
    assert user.balances["BTC"] == before["BTC"] - Decimal("0.1")
    assert user.balances["USDT"] == before["USDT"] + Decimal("6500")

    status, again = await env.api("POST", "/oauth-api/v1/ocbs/confirm", token, quoteId=quote_id)
    assert status == 400 and again["success"] is False
    assert user.balances["BTC"] == before["BTC"] - Decimal("0.1")

    # baseAsset = toAsset: the amount is what the user gets.
    status, quote = await env.api(
        "POST",
        "/oauth-api/v1/ocbs/quote",
        token,
        fromAsset="USDT",
        toAsset="ETH",
        baseAsset="ETH",
        amount="1",
    )
    assert quote["data"]["totalAmount"] == "3200.00000000"
    env.clock.advance(env.server.quote_ttl_s * 1000 + 1)
    status, expired = await env.api(
        "POST", "/oauth-api/v1/ocbs/confirm", token, quoteId=quote["data"]["quoteId"]
    )
    assert status == 400 and expired["success"] is False

    # Too little balance: the order fails, nothing moves.
    status, quote = await env.api(
        "POST",
        "/oauth-api/v1/ocbs/quote",
        token,
        fromAsset="ETH",
        toAsset="BTC",
        baseAsset="ETH",
        amount="1000",
    )
    status, failed = await env.api(
        "POST", "/oauth-api/v1/ocbs/confirm", token, quoteId=quote["data"]["quoteId"]
    )
    assert status == 200 and failed["data"]["status"] == "FAIL"
    assert user.balances["ETH"] == before["ETH"]

    status, bad = await env.api(
        "POST",
        "/oauth-api/v1/ocbs/quote",
        token,
        fromAsset="BTC",
        toAsset="USDT",
        baseAsset="ETH",
        amount="1",
    )
    assert status == 400 and bad["success"] is False

    status, history = await env.api(*PATHS["convert_history"], token, page="1", rows="1")
    assert status == 200
    assert history["data"]["total"] == 2
    assert [row["status"] for row in history["data"]["rows"]] == ["FAIL"]
    status, history = await env.api(*PATHS["convert_history"], token, page="2", rows="1")
    assert history["data"]["rows"][0]["quoteId"] == quote_id
    status, bad = await env.api(*PATHS["convert_history"], token, rows="2001")
    assert status == 400


def test_paths_overridable_and_deterministic() -> None:
    server = OAuthServer(SimClock(0), seed=1, paths={"user_status": ("GET", "/oauth-api/v1/user/status")})
    routes = {(m, p) for m, p, _ in server.routes()}
    assert ("GET", "/oauth-api/v1/user/status") in routes and len(routes) == len(PATHS)
    assert (
        OAuthServer(SimClock(0), 9).default_user.user_id == OAuthServer(SimClock(0), 9).default_user.user_id
    )


async def test_requests_are_counted_per_endpoint(env: Env) -> None:
    assert env.server.requests == {}
    tokens = await env.tokens()  # one authorization, one token request
    status, _ = await env.token_in_query(
        grant_type="refresh_token",
        refresh_token=tokens["refresh_token"],
        client_id=CLIENT_ID,
        client_secret=SECRET,
    )
    assert status == 200
    await env.api("GET", "/oauth-api/v1/user-info", tokens["access_token"])
    await env.api("GET", "/oauth-api/v1/user-info", "not-a-token")  # refused, still counted
    assert env.server.requests == {
        ("GET", "/en/oauth/authorize"): 1,
        ("POST", "/oauth/token"): 2,
        ("GET", "/oauth-api/v1/user-info"): 2,
    }


# -- mounted on the Simulator: bad input, GET parameters from the query string only ---------------------

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def token(sim: Simulator, session: aiohttp.ClientSession) -> str:
    sim.oauth.register_client(CLIENT_ID, SECRET, [REDIRECT])
    query = urlencode(
        {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT,
            "scope": "user:openId,asset:ocbs",
        }
    )
    async with session.get(f"{sim.base_url}/en/oauth/authorize?{query}", allow_redirects=False) as resp:
        assert resp.status == 302
        code = parse_qs(urlsplit(resp.headers["Location"]).query)["code"][0]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "redirect_uri": REDIRECT,
    }
    async with session.post(f"{sim.base_url}/oauth/token", data=form) as resp:
        assert resp.status == 200
        return str((await resp.json())["access_token"])


async def _oauth(
    sim: Simulator, session: aiohttp.ClientSession, name: str, token: str, query: str, data: str = ""
) -> tuple[int, Any]:
    method, path = PATHS[name]
    headers = {"Authorization": f"Bearer {token}", **(FORM if data else {})}
    url = f"{sim.base_url}{path}?{query}"
    async with session.request(method, url, headers=headers, data=data or None) as resp:
        return resp.status, await resp.json(content_type=None)


def _bad_param(name: str) -> dict[str, Any]:
    return {"code": "100001002", "message": f"Parameter '{name}' is invalid", "data": None, "success": False}


@pytest.mark.parametrize("name", ["rows", "page"])
@pytest.mark.parametrize("value", ["%C2%B2", "%D9%A3", "1" * 5000, "+1", "1%0A"])
async def test_convert_history_paging_that_is_not_ascii_digits_is_bad_param(
    sim: Simulator, session: aiohttp.ClientSession, token: str, name: str, value: str
) -> None:
    status, body = await _oauth(sim, session, "convert_history", token, f"{name}={value}")
    assert (status, body) == (400, _bad_param(name))


async def test_convert_history_paging_still_works(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    status, body = await _oauth(sim, session, "convert_history", token, "page=1&rows=2000")
    assert status == 200 and body["data"] == {"total": 0, "rows": []}


@pytest.mark.parametrize(
    "amount",
    ["1e30", "1E%2B999999", "99999999999999999999", "1e-999999", "%D9%A3", "1_000", "%201", "0x10"],
)
async def test_convert_quote_amount_out_of_range_or_malformed_is_bad_param(
    sim: Simulator, session: aiohttp.ClientSession, token: str, amount: str
) -> None:
    query = f"fromAsset=BTC&toAsset=USDT&baseAsset=BTC&amount={amount}"
    status, body = await _oauth(sim, session, "convert_quote", token, query)
    assert (status, body) == (400, _bad_param("amount"))


@pytest.mark.parametrize(("amount", "total"), [("1E-1", "6500.00000000"), ("+0.5", "32500.00000000")])
async def test_convert_quote_amount_in_exponent_form_still_works(
    sim: Simulator, session: aiohttp.ClientSession, token: str, amount: str, total: str
) -> None:
    query = f"fromAsset=BTC&toAsset=USDT&baseAsset=BTC&amount={amount.replace('+', '%2B')}"
    status, body = await _oauth(sim, session, "convert_quote", token, query)
    assert status == 200, body
    assert body["data"]["totalAmount"] == total


async def test_oauth_get_does_not_read_parameters_from_its_body(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    status, body = await _oauth(sim, session, "convert_history", token, "", data="rows=0")
    assert status == 200, body  # rows=0 would be bad_param: the body was not read
    # The legacy access_token parameter is read from the query string only, on a GET.
    path = PATHS["convert_history"][1]
    async with session.get(f"{sim.base_url}{path}", data=f"access_token={token}", headers=FORM) as resp:
        assert resp.status == 401
    async with session.get(f"{sim.base_url}{path}?access_token={token}") as resp:
        assert resp.status == 200


# -- mounted on the Simulator: request counts -----------------------------------------------------------


async def test_oauth_requests_are_counted_per_path(sim: Simulator) -> None:
    assert sim.oauth.requests == {}
    async with aiohttp.ClientSession() as session:
        for _ in range(2):
            async with session.post(sim.base_url + "/oauth/token", data={"grant_type": "password"}) as resp:
                assert resp.status == 400
        async with session.get(sim.base_url + "/oauth-api/v1/user-info") as resp:
            assert resp.status == 401
    assert sim.oauth.requests == {("POST", "/oauth/token"): 2, ("GET", "/oauth-api/v1/user-info"): 1}
