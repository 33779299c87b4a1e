"""No secret leaks: the whole Spot and OAuth flows under DEBUG logging (issue #7, item 2).

Both flows run against the embedded simulator on the test's event loop, with every logger at DEBUG
(the root, ``binance_async`` and ``binance_async.oauth``, aiohttp's ``aiohttp.client``,
``aiohttp.server``, ``aiohttp.access``, ``aiohttp.web``, ``aiohttp.internal``, and ``asyncio``), and
a recording `Transport` around the real aiohttp one that keeps every request and answer.

Spot (`test_spot_flow_leaks_no_secret`): signed ``account``, a LIMIT ``new_order`` and its
``cancel_order``, a MARKET order answered with an injected 503 after it was placed
(`ExecutionStatusUnknownError`, then ``reconcile_order``), a signed read answered with an HTML 502
three times (INFO retry lines, then the error), ``my_trades``, and a client with a wrong secret
(-1022 `InvalidSignatureError` on ``account`` and on ``new_order``).

OAuth (`test_oauth_flow_leaks_no_secret`): ``authorization_url`` (PKCE) and the consent,
``parse_callback`` (and one with a wrong state), ``exchange_code``, ``user_info``, ``refresh``,
``convert_quote``, ``convert_confirm``, ``convert_history``, a refresh answered with an injected 503
(`ExecutionStatusUnknownError` describing the masked token request), a refresh with a wrong client
secret (``invalid_client``), a reused code (``invalid_grant``), ``revoke_token``, then the revoked
token used again: a 401 (`OAuthInvalidTokenError`) without a refresh token, and with one, a 401 then a
refused refresh (an `OAuthError` chained to the 401).

The haystack: every log record (the formatted line with its traceback, ``msg``, ``args`` and every
other attribute), the repr and str of every client (before and after use), token (`OAuthClient.token`
at each step, and every `Token` returned), token store, `AuthorizationRequest`, transport request and
response, decoded answer, and every exception raised along the way with its ``args``, ``__dict__``
(``request`` with its params, ``data``, ``headers``, ``body`` ...), ``__notes__``, its
``__cause__`` / ``__context__`` chain (suppressed or not), and the locals of every frame of its
traceback as ``traceback.TracebackException(..., capture_locals=True)`` renders them (what error
reporters such as Sentry capture). The needles: the API key, the API secret and the wrong secret,
every HMAC signature that was sent (read from the recorded requests), the OAuth client secret and the
wrong one, every access and refresh token the token endpoint issued, every bearer token sent, every
authorization code and every PKCE code verifier. None may appear anywhere in the haystack.
"""

from __future__ import annotations

import json
import logging
import traceback
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest

import binance_async
from binance_async import (
    ExecutionStatusUnknownError,
    InvalidSignatureError,
    OAuthCallbackError,
    OAuthError,
    OAuthInvalidTokenError,
    RetryPolicy,
    SpotClient,
)
from binance_async._transport import AiohttpTransport
from binance_async.oauth import MemoryTokenStore, OAuthClient, Token
from binance_async.sim import Simulator
from binance_async.sim.faults import FaultRule
from binance_async.testing import RecordingTransport, Request, Response

FAST_RETRY = RetryPolicy(max_retries=2, base_delay=0.001, max_delay=0.002)
WRONG_SECRET = "WrongSecretWrongSecretWrongSecretWrongSecretWrongSecretWrongSecr"
CLIENT_ID = "secrets-test-app"
CLIENT_SECRET = "oauth-client-secret-5d1c9e"
WRONG_CLIENT_SECRET = "oauth-wrong-secret-77a0b3"
REDIRECT = "https://app.example/callback"
SCOPES = ("user:email", "asset:balance", "asset:ocbs")
LOGGERS = (
    "binance_async",
    "binance_async.oauth",
    "aiohttp",
    "aiohttp.client",
    "aiohttp.server",
    "aiohttp.access",
    "aiohttp.web",
    "aiohttp.internal",
    "asyncio",
)
_FORMAT = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")


def recorder() -> RecordingTransport:
    """The real transport, recorded: every request and answer, as sent and received."""
    return RecordingTransport(AiohttpTransport(timeout=10.0))


def answered(wire: RecordingTransport) -> list[tuple[Request, Response]]:
    """The requests `wire` sent that got an answer, with it."""
    return [(e.request, e.response) for e in wire.exchanges if e.response is not None]


def fields(request: Request) -> dict[str, str]:
    """The parameters of a request, as the server reads them (form body, else query string)."""
    raw = request.body.decode() if request.body is not None else urlsplit(request.url).query
    return dict(parse_qsl(raw, keep_blank_values=True))


PACKAGE = str(Path(binance_async.__file__).parent)


def library_locals(exc: BaseException) -> str:
    """The locals of `exc`'s traceback frames inside binance_async, as capture_locals renders them."""
    frames = [
        frame
        for frame, _ in traceback.walk_tb(exc.__traceback__)
        if frame.f_code.co_filename.startswith(PACKAGE)
    ]
    summary = traceback.StackSummary.extract(
        ((frame, frame.f_lineno) for frame in frames), capture_locals=True, lookup_lines=False
    )
    return "".join(summary.format())


class Haystack:
    """Every text a secret must not appear in, with where it came from."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []
        self._seen: set[int] = set()

    def add(self, where: str, value: object) -> None:
        """`value`'s repr and str; its items if it is a container; all of it if it is an exception."""
        self._walk(where, value, 0)

    def add_repr(self, where: str, value: object) -> None:
        """Only `value`'s repr and str: a transport request carries the key and the signature in its
        headers and URL (it must, to be sent), but must not show them."""
        self.texts.append((f"{where} repr", repr(value)))
        self.texts.append((f"{where} str", str(value)))

    def _walk(self, where: str, value: object, depth: int) -> None:
        if depth > 8:
            return
        if isinstance(value, str):
            self.texts.append((where, value))
            return
        if isinstance(value, (bytes, bytearray)):
            self.texts.append((where, bytes(value).decode("utf-8", "replace")))
            return
        if id(value) in self._seen and not isinstance(value, (int, float, bool, type(None))):
            return
        self._seen.add(id(value))
        self.texts.append((f"{where} repr", repr(value)))
        self.texts.append((f"{where} str", str(value)))
        if isinstance(value, BaseException):
            # What an error reporter (Sentry) captures: the locals of the library's frames (the
            # test's own frames hold the secrets it made up), chained exceptions by the walk below.
            self.texts.append((f"{where} frames' locals", library_locals(value)))
            self._walk(f"{where}.args", value.args, depth + 1)
            for name, attribute in vars(value).items():
                self._walk(f"{where}.{name}", attribute, depth + 1)
            for name in ("request", "data", "headers", "body", "error", "description"):
                if hasattr(value, name):
                    self._walk(f"{where}.{name}", getattr(value, name), depth + 1)
            self._walk(f"{where}.__notes__", getattr(value, "__notes__", None), depth + 1)
            self._walk(f"{where}.__cause__", value.__cause__, depth + 1)
            self._walk(f"{where}.__context__", value.__context__, depth + 1)
        elif isinstance(value, dict) or hasattr(value, "items"):
            items: Any = value
            for key, item in list(items.items()):
                self._walk(f"{where}[{key!r}]", key, depth + 1)
                self._walk(f"{where}[{key!r}]", item, depth + 1)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for index, item in enumerate(value):
                self._walk(f"{where}[{index}]", item, depth + 1)

    def add_records(self, records: list[logging.LogRecord]) -> None:
        for n, record in enumerate(records):
            where = f"log record {n} ({record.name} {record.levelname})"
            self.texts.append((where, _FORMAT.format(record)))
            self.texts.append((where, record.getMessage()))
            for name, attribute in vars(record).items():
                self._walk(f"{where}.{name}", attribute, 0)

    def leaks(self, secrets: dict[str, str]) -> list[str]:
        return [
            f"{kind} in {where}: {text[:300]!r}"
            for kind, secret in secrets.items()
            for where, text in self.texts
            if secret in text
        ]


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def check_haystack(haystack: Haystack, secrets: dict[str, str]) -> None:
    assert all(len(secret) >= 8 for secret in secrets.values()), secrets  # none trivially found
    for kind, secret in secrets.items():  # the search finds a secret wherever it is
        probe = Haystack()
        probe.add("probe", ValueError("x", {"deep": [f"...{secret}..."]}))
        assert probe.leaks({kind: secret}), kind
    leaks = haystack.leaks(secrets)
    assert leaks == [], "\n".join(leaks[:20])


# -- Spot -------------------------------------------------------------------------------------------


async def test_spot_flow_leaks_no_secret(debug_logs: pytest.LogCaptureFixture) -> None:
    haystack = Haystack()
    async with Simulator() as sim:
        wire = recorder()
        client = SpotClient(
            sim.api_key, sim.api_secret, base_url=sim.base_url, transport=wire, retry=FAST_RETRY
        )
        haystack.add("client before use", client)
        async with client:
            haystack.add("account", await client.account())
            order = await client.new_order(
                "BTCUSDT", "BUY", "LIMIT", time_in_force="GTC", quantity=Decimal("0.001"), price="60000"
            )
            haystack.add("new_order", order)
            haystack.add("cancel_order", await client.cancel_order("BTCUSDT", order_id=order.order_id))

            sim.faults.add(FaultRule("error_after", 1.0, method="POST", path="/api/v3/order"))
            with pytest.raises(ExecutionStatusUnknownError) as unknown:
                await client.new_order("BTCUSDT", "BUY", "MARKET", quantity="0.001")
            sim.faults.clear()
            haystack.add("order 5xx", unknown.value)
            assert unknown.value.request is not None and unknown.value.client_order_id is not None
            assert unknown.value.request.params["quantity"] == "0.001"  # what was sent is described
            placed = await client.reconcile_order("BTCUSDT", unknown.value.client_order_id)
            assert placed is not None
            haystack.add("reconcile_order", placed)

            sim.faults.add(FaultRule("error_before", 1.0, method="GET", path="/api/v3/account", body="html"))
            with pytest.raises(ExecutionStatusUnknownError) as read_failed:
                await client.account()
            sim.faults.clear()
            haystack.add("read 5xx", read_failed.value)
            haystack.add("my_trades", await client.my_trades("BTCUSDT"))
        haystack.add("client after use", client)

        bad_wire = recorder()
        async with SpotClient(sim.api_key, WRONG_SECRET, base_url=sim.base_url, transport=bad_wire) as bad:
            haystack.add("client with a wrong secret", bad)
            with pytest.raises(InvalidSignatureError) as bad_read:
                await bad.account()
            with pytest.raises(InvalidSignatureError) as bad_order:
                await bad.new_order("BTCUSDT", "SELL", "MARKET", quantity="0.001")
            assert bad_read.value.code == bad_order.value.code == -1022
            haystack.add("-1022 read", bad_read.value)
            haystack.add("-1022 order", bad_order.value)

    exchanges = answered(wire) + answered(bad_wire)
    for n, (request, response) in enumerate(exchanges):
        haystack.add_repr(f"request {n}", request)
        haystack.add_repr(f"response {n}", response)
    records = debug_logs.records
    haystack.add_records(records)

    signatures = [fields(request)["signature"] for request, _ in exchanges if "signature" in fields(request)]
    assert len(signatures) >= 9  # every signed request of both clients
    assert any(request.headers.get("X-MBX-APIKEY") == sim.api_key for request, _ in exchanges)
    library_lines = [r for r in records if r.name.startswith("binance_async")]
    assert len([r for r in library_lines if r.levelno == logging.DEBUG]) >= len(exchanges)
    assert any(r.levelno == logging.INFO and "retry" in r.getMessage() for r in library_lines)
    secrets = {"API key": sim.api_key, "API secret": sim.api_secret, "wrong secret": WRONG_SECRET}
    secrets.update({f"signature {n}": signature for n, signature in enumerate(signatures)})
    check_haystack(haystack, secrets)


# -- OAuth ------------------------------------------------------------------------------------------


async def _consent(url: str) -> str:
    async with aiohttp.ClientSession() as session, session.get(url, allow_redirects=False) as resp:
        assert resp.status == 302
        return resp.headers["Location"]


def oauth_secrets(exchanges: list[tuple[Request, Response]]) -> dict[str, str]:
    """Every token, code, verifier and client secret that went over the wire, either way."""
    found: dict[str, str] = {}
    for n, (request, response) in enumerate(exchanges):
        sent = fields(request)
        for name in ("client_secret", "code", "code_verifier", "refresh_token"):
            if sent.get(name):
                found[f"{name} sent in request {n}"] = sent[name]
        bearer = request.headers.get("Authorization", "")
        if bearer.startswith("Bearer "):
            found[f"bearer token of request {n}"] = bearer.removeprefix("Bearer ")
        if request.path == "/oauth/token" and response.status == 200:
            answer = json.loads(response.body)
            found[f"access token issued in answer {n}"] = answer["access_token"]
            found[f"refresh token issued in answer {n}"] = answer["refresh_token"]
    return found


async def test_oauth_flow_leaks_no_secret(debug_logs: pytest.LogCaptureFixture) -> None:
    haystack = Haystack()
    async with Simulator() as sim:
        sim.oauth.register_client(CLIENT_ID, CLIENT_SECRET, [REDIRECT])
        wires: list[RecordingTransport] = []

        def client(secret: str = CLIENT_SECRET, token: Token | None = None) -> OAuthClient:
            wires.append(recorder())
            return OAuthClient(
                CLIENT_ID,
                secret,
                redirect_uri=REDIRECT,
                accounts_base_url=sim.base_url,
                api_base_url=sim.base_url,
                clock=lambda: sim.clock.now_ms() / 1000,
                token_store=MemoryTokenStore(token),
                transport=wires[-1],
                retry=FAST_RETRY,
            )

        oauth = client()
        haystack.add("client before login", oauth)
        login = oauth.authorization_url(SCOPES)
        haystack.add("authorization request", login)
        location = await _consent(login.url)
        with pytest.raises(OAuthCallbackError) as wrong_state:
            oauth.parse_callback(location, "not-the-state")
        haystack.add("callback with a wrong state", wrong_state.value)
        code = oauth.parse_callback(location, login.state)
        assert login.code_verifier is not None

        token = await oauth.exchange_code(code)
        haystack.add("exchanged token", token)
        haystack.add("client.token after the exchange", oauth.token)
        haystack.add("client after login", oauth)
        haystack.add("user_info", await oauth.user_info())
        refreshed = await oauth.refresh()
        assert refreshed.access_token != token.access_token
        haystack.add("refreshed token", refreshed)
        haystack.add("client.token after the refresh", oauth.token)
        quote = await oauth.convert_quote("USDT", "BTC", "USDT", Decimal("25"))
        haystack.add("convert_quote", quote)
        haystack.add("convert_confirm", await oauth.convert_confirm(quote.quote_id))
        haystack.add("convert_history", await oauth.convert_history())

        sim.faults.add(FaultRule("error_before", 1.0, method="POST", path="/oauth/token"))
        with pytest.raises(ExecutionStatusUnknownError) as token_5xx:
            await oauth.refresh()
        sim.faults.clear()
        assert token_5xx.value.request is not None
        assert token_5xx.value.request.params["refresh_token"] == "<masked>"
        haystack.add("refresh 5xx", token_5xx.value)

        async with client(WRONG_CLIENT_SECRET, oauth.token) as wrong:
            haystack.add("client with a wrong secret", wrong)
            with pytest.raises(OAuthError) as wrong_secret:
                await wrong.refresh()
            assert wrong_secret.value.error == "invalid_client"
            haystack.add("refresh with a wrong secret", wrong_secret.value)

        live = oauth.token
        assert live is not None
        haystack.add("client.token before revoking", live)
        assert await oauth.revoke_token() is True
        haystack.add("client after revoking", oauth)
        haystack.add("client.token after revoking", oauth.token)
        with pytest.raises(OAuthError) as reused:
            await oauth.exchange_code(code, login.code_verifier)  # used already: invalid_grant
        assert reused.value.error == "invalid_grant"
        haystack.add("reused code", reused.value)
        await oauth.aclose()

        stale = Token(live.access_token, None, live.scope, expires_at=live.expires_at)
        async with client(token=stale) as no_refresh:
            with pytest.raises(OAuthInvalidTokenError) as rejected:
                await no_refresh.user_info()
            haystack.add("401", rejected.value)
            haystack.add("client holding a revoked token", no_refresh)
        async with client(token=live) as with_refresh:
            with pytest.raises(OAuthError) as refused:
                await with_refresh.asset_balance()
            assert refused.value.error == "invalid_grant"
            assert isinstance(refused.value.__context__, OAuthInvalidTokenError)  # the 401 came first
            haystack.add("401 then a refused refresh", refused.value)
            haystack.add("token store after the refused refresh", with_refresh.token_store)

    exchanges = [exchange for wire in wires for exchange in answered(wire)]
    for n, (request, response) in enumerate(exchanges):
        haystack.add_repr(f"request {n}", request)
        haystack.add_repr(f"response {n}", response)
    haystack.add_records(debug_logs.records)

    secrets = oauth_secrets(exchanges)
    secrets.update({"client secret": CLIENT_SECRET, "wrong client secret": WRONG_CLIENT_SECRET})
    secrets.update({"authorization code": code, "code verifier": login.code_verifier})
    kinds = " ".join(secrets)
    for kind in ("access token issued", "refresh token issued", "bearer", "code_verifier sent", "code sent"):
        assert kind in kinds  # each kind of secret was seen on the wire, so it is searched for
    assert len({v for k, v in secrets.items() if k.startswith("access token")}) >= 2  # login, refresh
    library_lines = [r for r in debug_logs.records if r.name.startswith("binance_async")]
    assert len(library_lines) >= len(exchanges)
    check_haystack(haystack, secrets)


def test_a_transport_response_shows_no_body() -> None:
    """The token endpoint's answer carries both tokens: a `Response`'s repr (a NamedTuple's, before)
    showed the body, while a `Request`'s already hid its URL and headers."""
    body = b'{"access_token": "at-0123456789abcdef", "refresh_token": "rt-0123456789abcdef"}'
    response = Response(200, {"Content-Type": "application/json"}, body)
    assert repr(response) == str(response) == f"Response(200, {len(body)} bytes)"
    assert response.body == body and response.status == 200  # the fields themselves are untouched
