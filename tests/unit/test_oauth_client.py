"""`OAuthClient` with Binance answered through the transport seam (`binance_async.testing`): the exact
wire, error mapping, refusals, the table."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from binance_async import (
    BinanceAPIError,
    ExecutionStatusUnknownError,
    InvalidRequestError,
    InvalidResponseError,
    OAuthError,
    OAuthInsufficientScopeError,
    OAuthInvalidTokenError,
    OAuthNotAuthenticatedError,
    OAuthScopeError,
    RateLimitedError,
    WAFRejectedError,
)
from binance_async.oauth import (
    ENDPOINTS,
    AssetBalance,
    ChargeAddress,
    ConvertCoin,
    ConvertQuote,
    ConvertResult,
    Envelope,
    MemoryTokenStore,
    OAuthClient,
    Token,
    UserInfo,
)
from binance_async.oauth import endpoints as E
from binance_async.oauth._errors import oauth_error_from_response
from binance_async.sim.oauth import PATHS as SIM_PATHS
from binance_async.testing import MockTransport, Router
from tests.reference import example, example_bytes
from tests.unit.helpers import FAST_RETRY, calls, form, query

ACCOUNTS = "https://accounts.binance.com"
API = "https://www.binanceapis.com"
CLIENT_ID = "a28f296f2cbe6c64b4d5dec24735d39b1b6fffcf"
SECRET = "unit-client-secret-0c1d"
REDIRECT = "https://domain.com/oauth/callback"
TOKEN_URL = ACCOUNTS + "/oauth/token"
ACCESS = "83f2bf51-a2c4-4c2e-b7c4-46cef6a8dba5"
REFRESH = "fb5587ee-d9cf-4cb5-a586-4aed72cc9bea"
NOW = 1_700_000_000.0
ALL = frozenset({"user:email", "user:status", "user:address", "asset:balance", "asset:ocbs"})


def api(path: str) -> str:
    """`path` on the api host (a `Router` route matches it with any query string)."""
    return API + path


def ok(data: Any) -> dict[str, Any]:
    return {"code": "000000", "message": None, "data": data, "success": True}


def token_answer(access: str = ACCESS, **extra: Any) -> dict[str, Any]:
    return {
        "access_token": access,
        "refresh_token": REFRESH,
        "scope": ",".join(sorted(ALL)),
        "token_type": "bearer",
        "expires_in": 30714,
        **extra,
    }


def a_token(*, refresh: str | None = REFRESH, scope: frozenset[str] = ALL, expires_in: float = 3600) -> Token:
    return Token(ACCESS, refresh, scope, expires_at=NOW + expires_in)


class Clock:
    """A settable clock for the client's expiry decisions."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def make_client(
    transport: MockTransport, token: Token | None = None, secret: str | None = SECRET, **options: Any
) -> OAuthClient:
    """A client on `transport` (closing the client closes it: a second client needs another one)."""
    options.setdefault("clock", Clock())
    options.setdefault("retry", FAST_RETRY)
    return OAuthClient(
        CLIENT_ID,
        secret,
        redirect_uri=REDIRECT,
        token_store=MemoryTokenStore(token),
        transport=transport,
        **options,
    )


@pytest.fixture
async def client(transport: MockTransport) -> AsyncIterator[OAuthClient]:
    """Logged in with every scope, the token valid for an hour, and a refresh token; on `transport`."""
    async with make_client(transport, a_token()) as c:
        yield c


def bearer(kwargs: Any) -> str | None:
    headers = kwargs.get("headers") or {}
    value = headers.get("Authorization")
    return value if isinstance(value, str) else None


# -- the token endpoint on the wire -----------------------------------------------------------------


async def test_exchange_code_form_body_and_nothing_in_the_url(
    router: Router, transport: MockTransport
) -> None:
    router.post(TOKEN_URL, json=example("OAUTH_token.json"))
    clock = Clock()
    async with make_client(transport, clock=clock) as client:
        verifier = "v" * 43
        token = await client.exchange_code("cf6941ae8918b6a008f1377f36a4557ab5935b36", verifier)
    [(method, url, kwargs)] = calls(transport)
    assert (method, url) == ("POST", TOKEN_URL)  # no query string: no secret or code in the URL
    assert form(kwargs["data"]) == [
        ("grant_type", "authorization_code"),
        ("code", "cf6941ae8918b6a008f1377f36a4557ab5935b36"),
        ("client_id", CLIENT_ID),
        ("client_secret", SECRET),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier),
    ]
    assert kwargs["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in kwargs["headers"]
    assert token.access_token == ACCESS and token.refresh_token == REFRESH
    assert token.scope == {"read"} and token.expires_at == NOW + 30714


async def test_public_client_exchange_uses_the_remembered_verifier(
    router: Router, transport: MockTransport
) -> None:
    router.post(TOKEN_URL, json=token_answer())
    async with make_client(transport, secret=None) as client:
        request = client.authorization_url(["user:email"])
        url = f"{REDIRECT}?code=the-code&state={request.state}"
        code = client.parse_callback(url, request.state)
        await client.exchange_code(code)
    [(_, _, kwargs)] = calls(transport)
    assert form(kwargs["data"]) == [
        ("grant_type", "authorization_code"),
        ("code", "the-code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT),
        ("code_verifier", request.code_verifier),
    ]
    assert request.url.startswith(ACCOUNTS + "/en/oauth/authorize?")


async def test_refresh_form_body(router: Router, transport: MockTransport) -> None:
    router.post(TOKEN_URL, json=token_answer("new-access", refresh_token=None, scope=None))
    store = MemoryTokenStore(a_token())
    async with OAuthClient(
        CLIENT_ID, SECRET, token_store=store, clock=Clock(), transport=transport
    ) as client:
        token = await client.refresh()
    [(_, url, kwargs)] = calls(transport)
    assert url == TOKEN_URL
    assert form(kwargs["data"]) == [
        ("grant_type", "refresh_token"),
        ("refresh_token", REFRESH),
        ("client_id", CLIENT_ID),
        ("client_secret", SECRET),
    ]
    # The answer repeats neither the refresh token nor the scope: the previous ones are kept.
    assert (token.access_token, token.refresh_token, token.scope) == ("new-access", REFRESH, ALL)
    assert await store.load() == token


async def test_token_endpoint_rfc6749_error(router: Router, transport: MockTransport) -> None:
    body = {"error": "invalid_grant", "error_description": "code is invalid or expired"}
    router.post(TOKEN_URL, status=400, json=body)
    async with make_client(transport) as client:
        with pytest.raises(OAuthError) as caught:
            await client.exchange_code("code", "v" * 43)
    error = caught.value
    assert (error.status, error.error, error.code, error.oauth_code) == (400, "invalid_grant", 0, None)
    assert error.msg == "code is invalid or expired" and error.path == "/oauth/token"
    assert client.token is None


async def test_token_endpoint_5xx_is_not_resent_and_masks_what_was_sent(
    router: Router, transport: MockTransport
) -> None:
    router.post(TOKEN_URL, status=502, body="<html>bad gateway</html>", times=None)
    async with make_client(transport, a_token()) as client:
        with pytest.raises(ExecutionStatusUnknownError) as exchange:
            await client.exchange_code("the-code", "v" * 43)
        with pytest.raises(ExecutionStatusUnknownError) as refresh:
            await client.refresh()
    assert len(calls(transport)) == 2
    assert exchange.value.request is not None and refresh.value.request is not None
    assert exchange.value.request.params["grant_type"] == "authorization_code"
    sent = {**exchange.value.request.params, **refresh.value.request.params}
    for name in ("client_secret", "code", "code_verifier", "refresh_token"):
        assert sent[name] == "<masked>"
    text = repr(exchange.value.request) + repr(refresh.value.request) + str(exchange.value)
    assert SECRET not in text and "the-code" not in text and REFRESH not in text


async def test_token_endpoint_undecodable_answer_keeps_no_body(
    router: Router, transport: MockTransport
) -> None:
    router.post(TOKEN_URL, body=f'["{ACCESS}"]', headers={"Content-Type": "application/json"})
    async with make_client(transport) as client:
        with pytest.raises(InvalidResponseError) as caught:
            await client.exchange_code("code", "v" * 43)
    assert caught.value.body == b"" and ACCESS not in str(caught.value)


# -- user APIs on the wire ------------------------------------------------------------------------


async def test_user_apis_send_a_bearer_header_and_binance_names(
    router: Router, transport: MockTransport, client: OAuthClient
) -> None:
    router.get(api("/oauth-api/v1/user-info"), json=example("OAUTH_user_info.json"))
    router.get(
        api("/oauth-api/v1/get-charge-address"),
        json=example("unofficial/brave_mock_OAUTH_get_charge_address.json"),
    )
    router.post(api("/oauth-api/v1/ocbs/quote"), json=example("unofficial/brave_mock_OAUTH_ocbs_quote.json"))
    router.post(
        api("/oauth-api/v1/ocbs/confirm"), json=example("unofficial/brave_mock_OAUTH_ocbs_confirm.json")
    )
    router.get(api("/oauth-api/v1/ocbs/history"), json=ok({"total": 0, "rows": []}))
    router.post(api("/oauth-api/v1/revoke-token"), json=example("OAUTH_revoke_token.json"))

    info = await client.user_info()
    assert info == UserInfo(user_id="e10e20b7f20947e7bd206b15ce3dae90", email="xx@xx.com")
    address = await client.charge_address("BTC", "BTC")
    assert address.address == "112tfsHDk6Yk8PbNnTVkv7yPox4aWYYDtW" and address.time == 1566366289000
    quote = await client.convert_quote("BNB", "TRX", "BNB", Decimal("1E+2"))  # the mock omits "success"
    assert quote.quote_id == "b5481fb7f8314bb2baf55aa6d4fcf068" and quote.total_amount == Decimal("100649")
    result = await client.convert_confirm(quote.quote_id)
    assert not result.succeeded and result.price == Decimal("1094.01086957")  # a JSON number, exactly
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    history = await client.convert_history(3, 2000, start_time=start, end_time=1704153600000)
    assert history.total == 0 and history.rows == ()
    assert await client.revoke_token() is True

    seen = calls(transport)
    assert all(bearer(kwargs) == f"Bearer {ACCESS}" for _, _, kwargs in seen)
    assert all(ACCESS not in url for _, url, _ in seen)
    by_path = {url.split("?")[0].removeprefix(API): (url, kwargs) for _, url, kwargs in seen}
    assert query(by_path["/oauth-api/v1/get-charge-address"][0]) == {"coin": "BTC", "network": "BTC"}
    assert form(by_path["/oauth-api/v1/ocbs/quote"][1]["data"]) == [
        ("fromAsset", "BNB"),
        ("toAsset", "TRX"),
        ("baseAsset", "BNB"),
        ("amount", "100"),
    ]
    assert form(by_path["/oauth-api/v1/ocbs/confirm"][1]["data"]) == [("quoteId", quote.quote_id)]
    assert query(by_path["/oauth-api/v1/ocbs/history"][0]) == {
        "page": "3",
        "rows": "2000",
        "startTime": "1704067200000",
        "endTime": "1704153600000",
    }
    assert by_path["/oauth-api/v1/revoke-token"][1].get("data") is None
    assert client.token is None


async def test_models_decode_the_examples() -> None:
    decode = msgspec.json.decode
    balance = decode(
        example_bytes("unofficial/brave_mock_OAUTH_balance.json"), type=Envelope[list[AssetBalance]]
    )
    assert balance.ok and balance.success is None  # the balance mock omits "success" too
    assert balance.data is not None and balance.data[0].fiat_valuation == Decimal("20000")
    coins = decode(
        example_bytes("unofficial/brave_mock_OAUTH_ocbs_support_coins.json"), type=Envelope[list[ConvertCoin]]
    )
    assert coins.data is not None
    target = coins.data[0].target("BNB")
    assert target is not None and target.per_time_min_limit == Decimal("0.002") and target.need_market
    assert coins.data[0].target("ETH") is None
    only_id = decode(example_bytes("OAUTH_user_info__userId_only.json"), type=Envelope[UserInfo])
    assert only_id.data is not None and only_id.data.email is None
    assert decode(b'{"code":"000001","message":"x"}', type=Envelope[ChargeAddress]).ok is False
    assert decode(b'{"code":"000000","success":false}', type=Envelope[ConvertQuote]).ok is False
    confirm = decode(
        example_bytes("unofficial/brave_mock_OAUTH_ocbs_confirm.json"), type=Envelope[ConvertResult]
    )
    assert confirm.data is not None and confirm.data.fix_fee == Decimal("13")


# -- error mapping --------------------------------------------------------------------------------


def envelope(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "data": None, "success": False}


@pytest.mark.parametrize(
    ("status", "body", "cls", "oauth_code", "code"),
    [
        (
            401,
            envelope("100002001", "access_token is invalid"),
            OAuthInvalidTokenError,
            "100002001",
            100002001,
        ),
        (403, envelope("100002002", "no scope"), OAuthInsufficientScopeError, "100002002", 100002002),
        (400, envelope("100001002", "Parameter 'coin' is invalid"), OAuthError, "100001002", 100001002),
        (400, envelope("PARAM_ERROR", "bad"), OAuthError, "PARAM_ERROR", 0),
    ],
)
async def test_envelope_errors(
    router: Router,
    transport: MockTransport,
    status: int,
    body: Any,
    cls: type[OAuthError],
    oauth_code: str,
    code: int,
) -> None:
    router.get(api("/oauth-api/v1/user-info"), status=status, json=body)
    async with make_client(transport, a_token(refresh=None)) as client:  # no refresh token: a 401 is final
        with pytest.raises(cls) as caught:
            await client.user_info()
    error = caught.value
    assert type(error) is cls and (error.status, error.oauth_code, error.code) == (status, oauth_code, code)
    assert error.msg == body["message"] and error.method == "GET" and error.path == "/oauth-api/v1/user-info"


async def test_200_envelope_with_success_false_raises(router: Router, client: OAuthClient) -> None:
    router.post(api("/oauth-api/v1/ocbs/confirm"), json=envelope("100003002", "quote has expired"))
    with pytest.raises(OAuthError) as caught:
        await client.convert_confirm("q1")
    error = caught.value
    assert type(error) is OAuthError and (error.status, error.oauth_code) == (200, "100003002")
    assert "quote has expired" in str(error) and error.path == "/oauth-api/v1/ocbs/confirm"


async def test_200_envelope_without_data_is_invalid(router: Router, client: OAuthClient) -> None:
    router.get(api("/oauth-api/v1/user-info"), json=ok(None))
    with pytest.raises(InvalidResponseError):
        await client.user_info()


async def test_html_502_on_a_read_is_retried_then_unknown(
    router: Router, transport: MockTransport, client: OAuthClient
) -> None:
    router.get(api("/oauth-api/v1/balance"), status=502, body="<html><h1>502</h1></html>", times=None)
    with pytest.raises(ExecutionStatusUnknownError) as caught:
        await client.asset_balance()
    assert caught.value.status == 502 and caught.value.code == 0
    assert len(calls(transport)) == 3


async def test_html_502_on_confirm_is_not_resent(
    router: Router, transport: MockTransport, client: OAuthClient
) -> None:
    router.post(api("/oauth-api/v1/ocbs/confirm"), status=502, body="<html>502</html>", times=None)
    with pytest.raises(ExecutionStatusUnknownError) as caught:
        await client.convert_confirm("q1")
    assert caught.value.request is not None and caught.value.request.params == {"quoteId": "q1"}
    assert len(calls(transport)) == 1


@pytest.mark.parametrize(
    ("status", "headers", "body", "cls"),
    [
        (429, {"Retry-After": "7"}, b"", RateLimitedError),
        (418, {}, b'{"code": -1003, "msg": "banned"}', BinanceAPIError),
        (403, {}, b"<html>Forbidden</html>", WAFRejectedError),
        (403, {"WWW-Authenticate": 'Bearer error="insufficient_scope"'}, b"", OAuthInsufficientScopeError),
        (401, {}, b"", OAuthInvalidTokenError),
        (400, {}, b'{"code": -1100, "msg": "Illegal characters"}', BinanceAPIError),
        (503, {}, b'{"code": "100000001", "message": "busy"}', ExecutionStatusUnknownError),
        (404, {}, b"", BinanceAPIError),
    ],
)
def test_error_mapper_fallbacks(
    status: int, headers: dict[str, str], body: bytes, cls: type[Exception]
) -> None:
    error = oauth_error_from_response(status, headers, body, method="GET", path="/p")
    assert isinstance(error, cls) and error.status == status
    if cls is RateLimitedError:
        assert isinstance(error, RateLimitedError) and error.retry_after == 7
    if status in (404, 400, 418):
        assert not isinstance(error, OAuthError)


# -- refresh --------------------------------------------------------------------------------------


async def test_refresh_shortly_before_expiry(router: Router, transport: MockTransport) -> None:
    clock = Clock()
    router.post(TOKEN_URL, json=token_answer("second"))
    router.get(api("/oauth-api/v1/user-info"), json=ok({"userId": "u"}), times=None)
    async with make_client(transport, a_token(expires_in=100), clock=clock, refresh_margin=60) as client:
        await client.user_info()
        assert calls(transport, "POST") == []
        clock.now += 41  # 59 s left
        await client.user_info()
        assert len(calls(transport, "POST")) == 1
        assert [bearer(k) for _, _, k in calls(transport, "GET")] == [f"Bearer {ACCESS}", "Bearer second"]


async def test_no_refresh_token_no_refresh(router: Router, transport: MockTransport) -> None:
    router.get(api("/oauth-api/v1/user-info"), json=ok({"userId": "u"}))
    async with make_client(transport, a_token(refresh=None, expires_in=1)) as client:
        await client.user_info()  # about to expire, but cannot be refreshed: sent as is
        with pytest.raises(InvalidRequestError, match="no refresh token"):
            await client.refresh()
    assert calls(transport, "POST") == []


async def test_401_refreshes_once_and_resends(
    router: Router, transport: MockTransport, client: OAuthClient
) -> None:
    router.get(api("/oauth-api/v1/user-info"), status=401, json=envelope("100002001", "expired"))
    router.post(TOKEN_URL, json=token_answer("second"))
    router.get(api("/oauth-api/v1/user-info"), json=ok({"userId": "u"}))
    assert (await client.user_info()).user_id == "u"
    assert [bearer(k) for _, _, k in calls(transport, "GET")] == [f"Bearer {ACCESS}", "Bearer second"]


async def test_concurrent_callers_one_refresh(router: Router, transport: MockTransport) -> None:
    clock = Clock()
    router.post(TOKEN_URL, json=token_answer("second"))
    router.get(api("/oauth-api/v1/user-info"), json=ok({"userId": "u"}), times=None)
    async with make_client(transport, a_token(expires_in=-1), clock=clock) as client:
        await asyncio.gather(*(client.user_info() for _ in range(20)))
    assert len(calls(transport, "POST")) == 1
    assert {bearer(k) for _, _, k in calls(transport, "GET")} == {"Bearer second"}


async def test_failed_refresh_reaches_every_waiter_once(router: Router, transport: MockTransport) -> None:
    router.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    async with make_client(transport, a_token(expires_in=-1)) as client:
        results = await asyncio.gather(*(client.user_info() for _ in range(5)), return_exceptions=True)
    assert all(isinstance(r, OAuthError) and r.error == "invalid_grant" for r in results)
    assert len(calls(transport)) == 1


# -- refusals before sending ------------------------------------------------------------------------


REFUSALS: list[tuple[str, Callable[[OAuthClient], Awaitable[Any]]]] = [
    ("page 0", lambda c: c.convert_history(0, 10)),
    ("rows 0", lambda c: c.convert_history(1, 0)),
    ("rows 2001", lambda c: c.convert_history(1, 2001)),
    ("rows bool", lambda c: c.convert_history(1, True)),
    ("start after end", lambda c: c.convert_history(start_time=2000, end_time=1000)),
    ("naive datetime", lambda c: c.convert_history(start_time=datetime(2024, 1, 1))),
    ("empty from", lambda c: c.convert_quote("", "USDT", "USDT", 1)),
    ("blank to", lambda c: c.convert_quote("BTC", " ", "BTC", 1)),
    ("empty base", lambda c: c.convert_quote("BTC", "USDT", "", 1)),
    ("base elsewhere", lambda c: c.convert_quote("BTC", "USDT", "ETH", 1)),
    ("same assets", lambda c: c.convert_quote("BTC", "BTC", "BTC", 1)),
    ("amount 0", lambda c: c.convert_quote("BTC", "USDT", "BTC", 0)),
    ("amount negative", lambda c: c.convert_quote("BTC", "USDT", "BTC", "-1")),
    ("amount text", lambda c: c.convert_quote("BTC", "USDT", "BTC", "lots")),
    ("amount NaN", lambda c: c.convert_quote("BTC", "USDT", "BTC", Decimal("NaN"))),
    ("amount inf", lambda c: c.convert_quote("BTC", "USDT", "BTC", float("inf"))),
    ("amount bool", lambda c: c.convert_quote("BTC", "USDT", "BTC", True)),
    ("empty quote id", lambda c: c.convert_confirm("")),
    ("empty coin", lambda c: c.charge_address("", "BTC")),
    ("empty network", lambda c: c.charge_address("BTC", "")),
]


@pytest.mark.parametrize(("case", "call"), REFUSALS, ids=[case for case, _ in REFUSALS])
async def test_bad_input_refused_before_sending(
    transport: MockTransport,
    client: OAuthClient,
    case: str,
    call: Callable[[OAuthClient], Awaitable[Any]],
) -> None:
    with pytest.raises(InvalidRequestError):
        await call(client)
    assert calls(transport) == []


async def test_no_token_and_missing_scope_refused(router: Router, transport: MockTransport) -> None:
    async with make_client(transport) as client:
        with pytest.raises(OAuthNotAuthenticatedError):
            await client.user_info()
        with pytest.raises(OAuthNotAuthenticatedError):
            await client.refresh()
    scoped = MockTransport(router)
    async with make_client(scoped, a_token(scope=frozenset({"user:email"}))) as client:
        with pytest.raises(OAuthScopeError) as caught:
            await client.convert_quote("BTC", "USDT", "BTC", 1)
        assert caught.value.required == "asset:ocbs" and caught.value.granted == {"user:email"}
        assert "asset:ocbs" in str(caught.value) and "user:email" in str(caught.value)
    assert calls(transport) == [] and calls(scoped) == []


async def test_uninformative_scope_is_not_checked(router: Router, transport: MockTransport) -> None:
    # Binance's own example token answer says "scope": "read": the server decides then.
    router.get(api("/oauth-api/v1/balance"), json=ok([]))
    async with make_client(transport, a_token(scope=frozenset({"read"}))) as client:
        assert await client.asset_balance() == []


async def test_exchange_with_several_pending_requests_needs_the_state(transport: MockTransport) -> None:
    async with make_client(transport) as client:
        client.authorization_url(["user:email"])
        client.authorization_url(["user:email"])
        with pytest.raises(InvalidRequestError, match="state="):
            await client.exchange_code("code")
        no_redirect = OAuthClient(CLIENT_ID, SECRET, transport=transport)
        with pytest.raises(InvalidRequestError, match="redirect_uri"):
            no_redirect.authorization_url(["user:email"])
        with pytest.raises(InvalidRequestError, match="redirect_uri"):
            await no_redirect.exchange_code("code")
    assert calls(transport) == []


async def test_revoke_with_a_dead_token_forgets_it(router: Router, transport: MockTransport) -> None:
    revoke = api("/oauth-api/v1/revoke-token")
    router.post(revoke, status=401, json=envelope("100002001", "revoked"))
    async with make_client(transport, a_token(refresh=None)) as client:
        with pytest.raises(OAuthInvalidTokenError):
            await client.revoke_token()
        assert client.token is None and await client.token_store.load() is None
    router.post(revoke, status=401, json=envelope("100002001", "revoked"))
    router.post(TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": "revoked"})
    async with make_client(MockTransport(router), a_token()) as client:
        with pytest.raises(OAuthError) as caught:
            await client.revoke_token()
        assert caught.value.error == "invalid_grant" and client.token is None
    router.post(revoke, status=400, json=envelope("100001001", "bad"))
    async with make_client(MockTransport(router), a_token()) as client:
        with pytest.raises(OAuthError):
            await client.revoke_token()
        assert client.token is not None  # another error: the token is kept
    assert router.pending() == []  # every answer was asked for


def test_constructor_refusals() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        OAuthClient(CLIENT_ID, b"bytes-secret")  # type: ignore[arg-type]
    assert "bytes-secret" not in str(caught.value)
    with pytest.raises(InvalidRequestError):
        OAuthClient("")
    with pytest.raises(InvalidRequestError):
        OAuthClient(CLIENT_ID, refresh_margin=-1)
    with pytest.raises(InvalidRequestError):
        OAuthClient(CLIENT_ID, accounts_base_url="http://accounts.example")  # plain http off loopback
    with pytest.raises(InvalidRequestError):
        OAuthClient(CLIENT_ID, api_base_url="ftp://x")


# -- the endpoint table, path overrides ---------------------------------------------------------------


def test_table_mirrors_the_simulator_and_marks_what_is_confirmed() -> None:
    sim_names = {"balance": "asset_balance"}
    mirrored = {sim_names.get(n, n): route for n, route in SIM_PATHS.items() if n != "authorize_app"}
    assert {name: (e.method, e.path) for name, e in ENDPOINTS.items()} == mirrored
    assert {n for n, e in ENDPOINTS.items() if e.confirmed} == {
        "authorize",
        "token",
        "user_info",
        "revoke_token",
    }
    assert "inferred" in ENDPOINTS["user_status"].source and "inferred" in ENDPOINTS["convert_history"].source
    assert "Brave" in ENDPOINTS["convert_quote"].source
    assert {n for n, e in ENDPOINTS.items() if e.host == "accounts"} == {"authorize", "token"}
    assert {n for n, e in ENDPOINTS.items() if e.scope is None} == {"authorize", "token", "revoke_token"}
    assert ENDPOINTS["user_info"].accepted_scopes == {"user:email", "user:openId"}
    assert all(e.weight == 1 for e in ENDPOINTS.values())


def test_every_public_method_documents_its_endpoint() -> None:
    methods = {
        "authorization_url": "authorize",
        "exchange_code": "token",
        "refresh": "token",
        "revoke_token": "revoke_token",
        "user_info": "user_info",
        "user_status": "user_status",
        "charge_address": "charge_address",
        "asset_balance": "asset_balance",
        "convert_coins": "convert_coins",
        "convert_quote": "convert_quote",
        "convert_confirm": "convert_confirm",
        "convert_history": "convert_history",
    }
    for method, name in methods.items():
        endpoint = ENDPOINTS[name]
        doc = inspect.getdoc(getattr(OAuthClient, method)) or ""
        assert f"``{endpoint.method} {endpoint.path}``" in doc, method
        assert "weight 1" in doc and ("confirmed by" in doc) == endpoint.confirmed, method
        if endpoint.scope is not None:
            assert f"``{endpoint.scope}``" in doc, method
    public = [n for n, v in vars(OAuthClient).items() if not n.startswith("_") and callable(v)]
    assert all(inspect.getdoc(getattr(OAuthClient, n)) for n in public)


async def test_path_overrides(router: Router, transport: MockTransport) -> None:
    router.get(api("/oauth-api/v2/status"), json=ok({"certificateType": 2, "certificateStatus": 1}))
    paths = {"user_status": ("get", "/oauth-api/v2/status"), "authorize": ("GET", "/oauth/authorize")}
    async with make_client(transport, a_token(), paths=paths) as client:
        assert (await client.user_status()).certificate_status_value == 1
        assert client.endpoints["user_status"].confirmed is False
        assert client.endpoints["user_status"].scope == "user:status"
        assert client.authorization_url(["user:email"]).url.startswith(ACCOUNTS + "/oauth/authorize?")
    [(_, url, _)] = calls(transport)
    assert url == API + "/oauth-api/v2/status"  # the overridden path, nothing in the query string
    assert E.USER_STATUS.path == "/oauth-api/v1/user-status"  # the default table is untouched
    for bad in (
        {"nope": ("GET", "/x")},
        {"user_status": ("DELETE", "/x")},
        {"user_status": ("GET", "x")},
        {"user_status": ("GET", "/x?a=1")},
        {"authorize": ("POST", "/x")},
        {"user_status": "/x"},
    ):
        with pytest.raises(InvalidRequestError):
            make_client(transport, paths=bad)


def test_repr_hides_secret_and_tokens(transport: MockTransport) -> None:
    client = make_client(transport, a_token())
    text = repr(client)
    assert CLIENT_ID in text and ACCOUNTS in text and API in text and "client_secret=<set>" in text
    assert SECRET not in text and ACCESS not in text and REFRESH not in text
