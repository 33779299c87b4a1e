"""The authorization step of Binance Login (binance_async.oauth.authorization): PKCE, state, the
authorization URL and the callback."""

from __future__ import annotations

import base64
import hashlib
import re
import string
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import aiohttp
import pytest
from aiohttp import web

from binance_async.errors import InvalidRequestError, OAuthCallbackError, ParameterError
from binance_async.oauth.authorization import (
    AuthorizationRequest,
    build_authorization_request,
    code_challenge,
    new_code_verifier,
    new_state,
    parse_callback,
)
from binance_async.oauth.tokens import Token
from binance_async.sim.clock import SimClock
from binance_async.sim.oauth import OAuthServer

AUTHORIZE = "https://accounts.binance.com/en/oauth/authorize"
CLIENT_ID = "a28f296f2cbe6c64b4d5dec24735d39b1b6fffcf"  # the docs' example client id
REDIRECT = "https://domain.com/oauth/callback"
CODE = "cf6941ae8918b6a008f1377f36a4557ab5935b36"  # the docs' example code and state
STATE = "377f36a4557ab5935b36"
UNRESERVED = set(string.ascii_letters + string.digits + "-._~")
#: RFC 7636 Appendix B: the verifier's 32 random octets, the verifier, and its S256 challenge.
# fmt: off
RFC_OCTETS = bytes([
    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186,
    22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
])
# fmt: on
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def build(**changes: Any) -> AuthorizationRequest:
    kwargs: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scopes": ["user:openId", "create:apikey"],
    }
    kwargs.update(changes)
    authorize = kwargs.pop("authorize_url", AUTHORIZE)
    return build_authorization_request(authorize, **kwargs)


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True, strict_parsing=True)


# -- PKCE and state -----------------------------------------------------------------------------------


def test_rfc7636_appendix_b_vector() -> None:
    assert base64.urlsafe_b64encode(RFC_OCTETS).rstrip(b"=").decode() == RFC_VERIFIER
    assert code_challenge(RFC_VERIFIER) == RFC_CHALLENGE


def test_challenge_is_unpadded_base64url_sha256() -> None:
    verifier = "~" * 43 + "._-"
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    assert code_challenge(verifier) == expected
    assert len(expected) == 43 and "=" not in expected


def test_new_verifiers_follow_rfc7636_grammar() -> None:
    verifiers = [new_code_verifier() for _ in range(500)]
    for verifier in verifiers:
        assert 43 <= len(verifier) <= 128
        assert set(verifier) <= UNRESERVED
        assert len(code_challenge(verifier)) == 43  # accepted by our own check
    assert len(set(verifiers)) == len(verifiers)
    # 64 characters of base64url: 384 random bits; all 64 symbols show up across many verifiers.
    assert {len(v) for v in verifiers} == {64}
    assert len(set("".join(verifiers))) == 64


@pytest.mark.parametrize(
    "verifier",
    [
        "",
        "a" * 42,
        "a" * 129,
        "a" * 42 + "=",
        "a" * 42 + "+",
        "a" * 42 + "/",
        "a" * 42 + " ",
        "a" * 43 + "\n",
        "a" * 42 + "é",
    ],
)
def test_verifier_outside_grammar_is_refused(verifier: str) -> None:
    with pytest.raises(ParameterError) as info:
        code_challenge(verifier)
    if len(verifier) >= 43:
        assert verifier not in str(info.value)


@pytest.mark.parametrize("length", [43, 128])
def test_verifier_length_bounds_are_accepted(length: int) -> None:
    assert len(code_challenge("A" * length)) == 43


def test_new_state_is_long_random_and_url_safe() -> None:
    states = {new_state() for _ in range(200)}
    assert len(states) == 200
    for state in states:
        assert len(state) >= 22  # 128 bits of base64url
        assert set(state) <= UNRESERVED


# -- the authorization URL ---------------------------------------------------------------------------


def test_url_has_exactly_the_documented_parameters() -> None:
    request = build(state=STATE)
    parts = urlsplit(request.url)
    assert (parts.scheme, parts.netloc, parts.path, parts.fragment) == (
        "https",
        "accounts.binance.com",
        "/en/oauth/authorize",
        "",
    )
    query = query_of(request.url)
    assert set(query) == {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    }
    assert all(len(values) == 1 for values in query.values())
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [REDIRECT]
    assert query["scope"] == ["user:openId,create:apikey"]
    assert query["state"] == [STATE]
    assert query["code_challenge_method"] == ["S256"]
    assert request.code_verifier is not None
    assert query["code_challenge"] == [code_challenge(request.code_verifier)]
    # The verifier itself never goes to the browser.
    assert request.code_verifier not in request.url
    assert request.state == STATE
    assert request.redirect_uri == REDIRECT
    assert request.scopes == ("user:openId", "create:apikey")
    assert request.pkce


def test_url_matches_binance_example_encoding() -> None:
    # The docs' example: redirect_uri percent-encoded, the scope's ':' and ',' left as they are.
    url = build(state=STATE, pkce=False).url
    assert url == (
        "https://accounts.binance.com/en/oauth/authorize?response_type=code"
        "&client_id=a28f296f2cbe6c64b4d5dec24735d39b1b6fffcf"
        "&redirect_uri=https%3A%2F%2Fdomain.com%2Foauth%2Fcallback"
        "&scope=user:openId,create:apikey&state=377f36a4557ab5935b36"
    )


def test_without_pkce() -> None:
    request = build(pkce=False)
    query = query_of(request.url)
    assert "code_challenge" not in query and "code_challenge_method" not in query
    assert request.code_verifier is None
    assert not request.pkce


def test_redirect_uri_with_query_is_encoded_and_round_trips() -> None:
    redirect = "http://127.0.0.1:8765/cb?next=/home&x=a b"
    with pytest.raises(ParameterError):  # whitespace is refused
        build(redirect_uri=redirect)
    redirect = "http://127.0.0.1:8765/cb?next=%2Fhome&lang=en"
    request = build(redirect_uri=redirect)
    assert query_of(request.url)["redirect_uri"] == [redirect]
    assert "&lang=en" not in request.url  # it cannot leak into the authorization query


def test_state_is_generated_and_unique() -> None:
    first, second = build(), build()
    assert first.state != second.state
    assert first.code_verifier != second.code_verifier
    for request in (first, second):
        assert query_of(request.url)["state"] == [request.state]
        assert len(request.state) >= 22


def test_any_non_empty_state_is_carried_verbatim() -> None:
    state = "a b&c=d/é"
    request = build(state=state)
    assert query_of(request.url)["state"] == [state]
    assert request.state == state


def test_duplicate_scopes_are_dropped_in_order() -> None:
    request = build(scopes=("user:email", "asset:balance", "user:email"))
    assert request.scopes == ("user:email", "asset:balance")
    assert query_of(request.url)["scope"] == ["user:email,asset:balance"]


def test_existing_query_on_the_authorize_url_is_kept() -> None:
    request = build(authorize_url="https://accounts.binance.com/oauth/authorize?lang=en")
    query = query_of(request.url)
    assert query["lang"] == ["en"]
    assert query["response_type"] == ["code"]
    with pytest.raises(ParameterError, match="client_id"):
        build(authorize_url="https://accounts.binance.com/oauth/authorize?client_id=x")


@pytest.mark.parametrize(
    "redirect",
    [
        "http://localhost/cb",
        "http://localhost:8080/cb",
        "http://127.0.0.1:1234/cb",
        "http://127.8.9.10/cb",
        "http://[::1]:9000/cb",
        "https://example.com/cb",
        "HTTPS://example.com/cb",
    ],
)
def test_allowed_redirect_uris(redirect: str) -> None:
    assert build(redirect_uri=redirect).redirect_uri == redirect


@pytest.mark.parametrize(
    "redirect",
    [
        "",
        "/oauth/callback",
        "domain.com/oauth/callback",
        "http://domain.com/oauth/callback",
        "http://192.168.1.2/cb",
        "ftp://domain.com/cb",
        "myapp://callback",
        "https:///nohost",
        "https://domain.com/cb#frag",
        "https://domain.com/cb#",
        "https://domain.com:99999/cb",
        "https://domain.com/c b",
    ],
)
def test_refused_redirect_uris(redirect: str) -> None:
    with pytest.raises(ParameterError):
        build(redirect_uri=redirect)


@pytest.mark.parametrize(
    "authorize_url",
    ["accounts.binance.com/en/oauth/authorize", "http://accounts.binance.com/en/oauth/authorize", ""],
)
def test_refused_authorize_urls(authorize_url: str) -> None:
    with pytest.raises(ParameterError):
        build(authorize_url=authorize_url)


@pytest.mark.parametrize(
    "changes",
    [
        {"scopes": []},
        {"scopes": ()},
        {"scopes": "user:email"},
        {"scopes": ["user:email,asset:balance"]},
        {"scopes": ["user:email asset:balance"]},
        {"scopes": ["user:email\t"]},
        {"scopes": [""]},
        {"scopes": ['user:"email"']},
        {"scopes": ["user:émail"]},
        {"scopes": [None]},
        {"client_id": ""},
        {"client_id": "  "},
        {"state": ""},
    ],
)
def test_refused_arguments(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequestError):
        build(**changes)


def test_repr_hides_verifier_state_and_url() -> None:
    request = build()
    text = repr(request)
    assert request.code_verifier is not None
    assert request.code_verifier not in text
    assert request.state not in text
    assert request.url not in text
    assert "https://domain.com/oauth/callback" in text
    assert "pkce=True" in text


def test_request_is_immutable() -> None:
    request = build()
    with pytest.raises(AttributeError):
        request.state = "x"  # type: ignore[misc]


# -- the callback -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "callback",
    [
        f"{REDIRECT}?code={CODE}&state={STATE}",
        f"{REDIRECT}?state={STATE}&code={CODE}#_=_",
        f"?code={CODE}&state={STATE}",
        f"code={CODE}&state={STATE}",
        f"  /oauth/callback?code={CODE}&state={STATE}\n",
        f"code={CODE}&state={STATE}&error_description=see%20https://x.example/",
        {"code": CODE, "state": STATE},
    ],
)
def test_callback_success(callback: Any) -> None:
    assert parse_callback(callback, STATE) == CODE


def test_callback_decodes_percent_encoding() -> None:
    assert parse_callback("code=a%2Fb%3D&state=s%20t", "s t") == "a/b="


def test_request_parses_its_own_callback() -> None:
    request = build()
    assert request.parse_callback(f"{REDIRECT}?code={CODE}&state={request.state}") == CODE
    with pytest.raises(OAuthCallbackError):
        request.parse_callback(f"{REDIRECT}?code={CODE}&state={STATE}")


@pytest.mark.parametrize(
    "callback",
    [
        f"{REDIRECT}?error=access_denied&error_description=the+user+denied&state={STATE}",
        f"error=access_denied&error_description=the%20user%20denied&state={STATE}",
        {"error": "access_denied", "error_description": "the user denied", "state": STATE},
    ],
)
def test_callback_error(callback: Any) -> None:
    with pytest.raises(OAuthCallbackError) as info:
        parse_callback(callback, STATE)
    assert info.value.error == "access_denied"
    assert info.value.description == "the user denied"
    assert str(info.value).startswith("authorization failed: access_denied")


def test_callback_error_without_description_and_never_echoes_code() -> None:
    with pytest.raises(OAuthCallbackError) as info:
        parse_callback(f"error=server_error&code={CODE}&state={STATE}", STATE)
    assert info.value.error == "server_error"
    assert info.value.description is None
    assert str(info.value) == "authorization failed: server_error"
    assert CODE not in str(info.value)


def test_an_error_callback_without_our_state_is_a_state_mismatch() -> None:
    with pytest.raises(OAuthCallbackError) as info:
        parse_callback("error=access_denied&error_description=forged", STATE)
    assert info.value.error == "state_mismatch"


def test_callback_error_message_is_bounded_and_printable() -> None:
    with pytest.raises(OAuthCallbackError) as info:
        parse_callback(f"state={STATE}&error=" + "x" * 5000 + "%0Aforged%20log%20line", STATE)
    message = str(info.value)
    assert len(message) < 300
    assert "\n" not in message
    assert info.value.error.endswith("\nforged log line")  # the attribute keeps the value as sent


@pytest.mark.parametrize(
    "callback",
    [
        f"code={CODE}&state=other",
        f"code={CODE}&state=",
        f"code={CODE}",
        f"code={CODE}&state={STATE}x",
        f"code={CODE}&state={STATE[:-1]}",
        f"code={CODE}&state={STATE}&state={STATE}",
        f"code={CODE}&state=%C3%A9",
        {"code": CODE, "state": "other"},
    ],
)
def test_callback_state_mismatch(callback: Any) -> None:
    with pytest.raises(OAuthCallbackError) as info:
        parse_callback(callback, STATE)
    assert info.value.error == "state_mismatch"
    assert CODE not in str(info.value)
    assert STATE not in str(info.value)


@pytest.mark.parametrize(
    "callback",
    [
        f"state={STATE}",
        f"code=&state={STATE}",
        f"{REDIRECT}?state={STATE}",
        f"code={CODE}&code=other&state={STATE}",
        {"state": STATE},
    ],
)
def test_callback_missing_code(callback: Any) -> None:
    with pytest.raises(OAuthCallbackError) as info:
        parse_callback(callback, STATE)
    assert info.value.error == "missing_code"
    assert CODE not in str(info.value) and STATE not in str(info.value)


def test_callback_fragment_only_url_has_no_parameters() -> None:
    with pytest.raises(OAuthCallbackError) as info:
        parse_callback(f"{REDIRECT}#code={CODE}&state={STATE}", STATE)
    assert info.value.error == "state_mismatch"


def test_callback_needs_an_expected_state() -> None:
    with pytest.raises(ParameterError):
        parse_callback(f"code={CODE}&state=", "")


# -- against the simulated Binance Login ---------------------------------------------------------------


@pytest.fixture
async def sim_login() -> AsyncIterator[tuple[str, aiohttp.ClientSession, OAuthServer]]:
    """The simulator's OAuth server on a loopback port, and a session that does not follow redirects."""
    server = OAuthServer(SimClock(1_700_000_000_000), seed=3)
    server.register_client(CLIENT_ID, "s3cr3t", [REDIRECT])
    app = web.Application()
    for method, path, handler in server.routes():
        app.router.add_route(method, path, handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as session:
            yield f"http://127.0.0.1:{port}", session, server
    finally:
        await runner.cleanup()


async def test_pkce_login_against_the_simulator(
    sim_login: tuple[str, aiohttp.ClientSession, OAuthServer],
) -> None:
    base, session, server = sim_login
    request = build_authorization_request(
        base + "/en/oauth/authorize",
        client_id=CLIENT_ID,
        redirect_uri=REDIRECT,
        scopes=["user:email", "asset:balance"],
    )
    async with session.get(request.url, allow_redirects=False) as resp:
        assert resp.status == 302
        location = resp.headers["Location"]
    code = parse_callback(location, request.state)
    assert re.fullmatch(r"[0-9a-f]{40}", code)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": CLIENT_ID,
        "redirect_uri": request.redirect_uri,
        "code_verifier": request.code_verifier or "",
    }
    async with session.post(base + "/oauth/token", data=form) as resp:
        assert resp.status == 200, await resp.text()
        body = await resp.json()
    token = Token.from_response(body, now=1_700_000_000.0)
    assert token.scope == frozenset({"user:email", "asset:balance"})
    assert token.expires_at == 1_700_000_000.0 + server.expires_in

    async with session.post(
        base + "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": token.refresh_token or "",
            "client_id": CLIENT_ID,
            "client_secret": "s3cr3t",
        },
    ) as resp:
        assert resp.status == 200
        refreshed = Token.from_response(await resp.json(), now=1_700_000_100.0, previous=token)
    assert refreshed.access_token != token.access_token
    assert refreshed.refresh_token == token.refresh_token
    assert refreshed.scope == token.scope


async def test_wrong_verifier_is_rejected_by_the_simulator(
    sim_login: tuple[str, aiohttp.ClientSession, OAuthServer],
) -> None:
    base, session, _ = sim_login
    request = build_authorization_request(
        base + "/en/oauth/authorize", client_id=CLIENT_ID, redirect_uri=REDIRECT, scopes=["user:email"]
    )
    async with session.get(request.url, allow_redirects=False) as resp:
        code = parse_callback(resp.headers["Location"], request.state)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "code_verifier": new_code_verifier(),
    }
    async with session.post(base + "/oauth/token", data=form) as resp:
        assert resp.status == 400
        assert (await resp.json())["error"] == "invalid_grant"


async def test_denied_consent_from_the_simulator_is_a_callback_error(
    sim_login: tuple[str, aiohttp.ClientSession, OAuthServer],
) -> None:
    base, session, server = sim_login
    server.auto_consent = False
    request = build_authorization_request(
        base + "/en/oauth/authorize", client_id=CLIENT_ID, redirect_uri=REDIRECT, scopes=["user:email"]
    )
    async with session.get(request.url, allow_redirects=False) as resp:
        location = resp.headers["Location"]
    assert dict(parse_qsl(urlsplit(location).query))["state"] == request.state
    with pytest.raises(OAuthCallbackError) as info:
        parse_callback(location, request.state)
    assert info.value.error == "access_denied"
