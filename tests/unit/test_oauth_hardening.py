"""OAuth hardening (issue 12): secrets out of captured frame locals, durable logout, a token file that
is a FIFO or a link, and the refresh margin of short-lived tokens.

Leaks are looked for the way an error reporter (Sentry) would find them: every exception of the chain
(``__cause__`` and ``__context__``, suppressed or not) rendered with
``traceback.TracebackException(..., capture_locals=True)``, which shows the repr of every local of
every frame, plus the exception's args and attributes. Binance is `binance_async.testing`'s
`MockTransport` over a `Router` answering by method and path, so every frame on the way (client,
pipeline, transport) is this library's.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from binance_async import (
    ExecutionStatusUnknownError,
    InvalidResponseError,
    OAuthCallbackError,
    OAuthError,
    OAuthNotAuthenticatedError,
)
from binance_async._secret import Secret
from binance_async.oauth import JsonFileTokenStore, MemoryTokenStore, OAuthClient, Token, TokenStoreError
from binance_async.testing import Handler, MockTransport, Request, Response, Router, json_response
from tests.unit.helpers import FAST_RETRY, form, iter_strings

CLIENT_ID = "hardening-app"
CLIENT_SECRET = "hardening-client-secret-4f1e9a"
ACCESS = "hardening-access-0a1b2c3d4e"
REFRESH = "hardening-refresh-5f6a7b8c9d"
NEW_ACCESS = "hardening-new-access-e0f1a2"
NEW_REFRESH = "hardening-new-refresh-b3c4d5"
CODE = "hardening-code-6e7f8a9b"
VERIFIER = "hardening-verifier-" + "v" * 40
REDIRECT = "https://app.example/callback"
NOW = 1_700_000_000.0
SCOPES = frozenset({"user:email", "asset:ocbs"})

SECRETS = {
    "client secret": CLIENT_SECRET,
    "access token": ACCESS,
    "refresh token": REFRESH,
    "new access token": NEW_ACCESS,
    "new refresh token": NEW_REFRESH,
    "code": CODE,
    "code verifier": VERIFIER,
}

TOKEN_PATH = "/oauth/token"
USER_INFO = "/oauth-api/v1/user-info"
REVOKE = "/oauth-api/v1/revoke-token"
CONFIRM = "/oauth-api/v1/ocbs/confirm"

#: Leaks known elsewhere, left out of the assertions below (file, function, local): none any more
#: (the pipeline's ``encoded`` form body is masked now; `test_no_leak_at_all_pipeline_included`).
KNOWN_ELSEWHERE: frozenset[tuple[str, str, str]] = frozenset()


# -- Binance, answered through the transport seam ----------------------------------------------------


def count(transport: MockTransport, path: str) -> int:
    """How many requests `transport` sent to `path`."""
    return len(transport.find(path=path))


def held(answer: Response, arrived: asyncio.Event, gate: asyncio.Event) -> Handler:
    """A `Router` answer for a request in flight: sets `arrived` when the request comes, answers once
    `gate` is set."""

    async def handler(request: Request) -> Response:
        arrived.set()
        await gate.wait()
        return answer

    return handler


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def a_token(expires_in: float = 3600, **options: Any) -> Token:
    return Token(ACCESS, REFRESH, SCOPES, expires_at=NOW + expires_in, **options)


def token_answer(access: str = NEW_ACCESS, **extra: Any) -> dict[str, Any]:
    return {
        "access_token": access,
        "refresh_token": NEW_REFRESH,
        "scope": ",".join(sorted(SCOPES)),
        "token_type": "bearer",
        "expires_in": 3600,
        **extra,
    }


def ok(data: Any) -> dict[str, Any]:
    return {"code": "000000", "message": None, "data": data, "success": True}


def make_client(transport: MockTransport, token: Token | None = None, **options: Any) -> OAuthClient:
    options.setdefault("clock", Clock())
    options.setdefault("token_store", MemoryTokenStore(token))
    return OAuthClient(
        CLIENT_ID, CLIENT_SECRET, redirect_uri=REDIRECT, transport=transport, retry=FAST_RETRY, **options
    )


# -- finding secrets where an error reporter looks --------------------------------------------------


async def failure(call: Awaitable[Any]) -> BaseException:
    """The exception `call` raises (this frame, the outermost of its traceback, holds no secret)."""
    try:
        await call
    except Exception as exc:
        return exc
    raise AssertionError("the call did not fail")


def sync_failure(call: Callable[[], object]) -> BaseException:
    """The exception `call()` raises (give a lambda holding no secret in its closure)."""
    try:
        call()
    except Exception as exc:
        return exc
    raise AssertionError("the call did not fail")


def chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and every exception reachable through ``__cause__`` and ``__context__``."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [current.__cause__, current.__context__]


def leaks(
    exc: BaseException, secrets: Mapping[str, str], known: frozenset[tuple[str, str, str]] = KNOWN_ELSEWHERE
) -> list[str]:
    """Where a secret shows in `exc`'s chain rendered with its frames' locals (`known` left out)."""
    found: list[str] = []
    for current in chain(exc):
        rendered = traceback.TracebackException.from_exception(current, capture_locals=True)
        for frame in rendered.stack:
            where = (Path(frame.filename).name, frame.name)
            local_values = frame.locals or {}
            for name, value in list(local_values.items()):
                if (*where, name) in known:
                    del local_values[name]  # left out of the rendering too
                    continue
                found += [
                    f"{label}: {where[0]}:{where[1]}() local {name!r}"
                    for label, s in secrets.items()
                    if s in value
                ]
        text = "".join(rendered.format())
        text += "".join(iter_strings([current.args, vars(current), str(current), repr(current)]))
        found += [
            f"{label}: in {type(current).__name__}'s rendering" for label, s in secrets.items() if s in text
        ]
    return found


# Each scenario makes one error on a path that handles a secret; all of them leave the client's token
# store and client alone, so they are independent.

Scenario = Callable[[Router, MockTransport], Awaitable[BaseException]]


async def exchange_400(router: Router, transport: MockTransport) -> BaseException:
    router.post(
        TOKEN_PATH, status=400, json={"error": "invalid_grant", "error_description": "code is invalid"}
    )
    async with make_client(transport) as client:
        exc = await failure(client.exchange_code(CODE, VERIFIER))
    assert isinstance(exc, OAuthError) and exc.error == "invalid_grant"
    return exc


async def exchange_500(router: Router, transport: MockTransport) -> BaseException:
    router.post(TOKEN_PATH, status=500, body=b"<html>internal error</html>")
    async with make_client(transport) as client:
        exc = await failure(client.exchange_code(CODE, VERIFIER))
    assert isinstance(exc, ExecutionStatusUnknownError)
    return exc


async def exchange_remembered_verifier_400(router: Router, transport: MockTransport) -> BaseException:
    router.post(TOKEN_PATH, status=400, json={"error": "invalid_grant"})
    async with make_client(transport) as client:
        request = client.authorization_url(["user:email"])
        SECRETS_AT_RUNTIME["remembered verifier"] = str(request.code_verifier)
        code = client.parse_callback({"code": CODE, "state": request.state}, request.state)
        exc = await failure(client.exchange_code(code))
    assert isinstance(exc, OAuthError)
    return exc


async def exchange_undecodable(router: Router, transport: MockTransport) -> BaseException:
    # Cut short: not JSON, but it holds both new tokens.
    router.post(TOKEN_PATH, body=f'{{"access_token": "{NEW_ACCESS}", "refresh_token": "{NEW_REFRESH}"')
    async with make_client(transport) as client:
        exc = await failure(client.exchange_code(CODE, VERIFIER))
    assert isinstance(exc, InvalidResponseError)
    return exc


async def exchange_invalid_answer(router: Router, transport: MockTransport) -> BaseException:
    router.post(TOKEN_PATH, json=token_answer(expires_in="soon"))  # JSON, but not a token answer
    async with make_client(transport) as client:
        exc = await failure(client.exchange_code(CODE, VERIFIER))
    assert isinstance(exc, InvalidResponseError)
    return exc


async def refresh_400(router: Router, transport: MockTransport) -> BaseException:
    router.post(TOKEN_PATH, status=400, json={"error": "invalid_grant"})
    async with make_client(transport, a_token()) as client:
        exc = await failure(client.refresh())
    assert isinstance(exc, OAuthError)
    return exc


async def refresh_500(router: Router, transport: MockTransport) -> BaseException:
    router.post(TOKEN_PATH, status=503, body=b"unavailable")
    async with make_client(transport, a_token()) as client:
        exc = await failure(client.refresh())
    assert isinstance(exc, ExecutionStatusUnknownError)
    return exc


async def refresh_undecodable(router: Router, transport: MockTransport) -> BaseException:
    router.post(TOKEN_PATH, json=token_answer(scope=17))
    async with make_client(transport, a_token()) as client:
        exc = await failure(client.refresh())
    assert isinstance(exc, InvalidResponseError)
    return exc


async def refresh_before_a_call_fails(router: Router, transport: MockTransport) -> BaseException:
    router.post(TOKEN_PATH, status=400, json={"error": "invalid_grant"})
    async with make_client(transport, a_token(expires_in=-1)) as client:
        exc = await failure(client.user_info())
    assert isinstance(exc, OAuthError) and count(transport, USER_INFO) == 0
    return exc


async def call_500(router: Router, transport: MockTransport) -> BaseException:
    router.get(USER_INFO, status=500, body=b"<html>internal error</html>", times=None)
    async with make_client(transport, a_token()) as client:
        exc = await failure(client.user_info())
    assert isinstance(exc, ExecutionStatusUnknownError) and count(transport, USER_INFO) == 3
    return exc


async def confirm_500(router: Router, transport: MockTransport) -> BaseException:
    router.post(CONFIRM, status=500, body=b"<html>internal error</html>", times=None)
    async with make_client(transport, a_token()) as client:
        exc = await failure(client.convert_confirm("quote-1"))
    assert isinstance(exc, ExecutionStatusUnknownError) and count(transport, CONFIRM) == 1
    return exc


async def call_undecodable(router: Router, transport: MockTransport) -> BaseException:
    router.get(USER_INFO, json=ok({"userId": ["not", "a", "string"]}))
    async with make_client(transport, a_token()) as client:
        exc = await failure(client.user_info())
    assert isinstance(exc, InvalidResponseError)
    return exc


async def call_401_then_refresh_fails(router: Router, transport: MockTransport) -> BaseException:
    router.get(USER_INFO, status=401, json={"code": "100002001", "message": "expired", "success": False})
    router.post(TOKEN_PATH, status=400, json={"error": "invalid_grant"})
    async with make_client(transport, a_token()) as client:
        exc = await failure(client.user_info())
    assert isinstance(exc, OAuthError) and exc.error == "invalid_grant"
    assert exc.__context__ is not None  # the 401 it followed: its frames are checked too
    return exc


async def revoke_500(router: Router, transport: MockTransport) -> BaseException:
    router.post(REVOKE, status=500, body=b"<html>internal error</html>")
    async with make_client(transport, a_token()) as client:
        exc = await failure(client.revoke_token())
    assert isinstance(exc, ExecutionStatusUnknownError)
    return exc


SCENARIOS: dict[str, Scenario] = {
    "exchange_code, token endpoint 400": exchange_400,
    "exchange_code, token endpoint 500": exchange_500,
    "exchange_code, remembered verifier, 400": exchange_remembered_verifier_400,
    "exchange_code, undecodable answer": exchange_undecodable,
    "exchange_code, answer that is no token": exchange_invalid_answer,
    "refresh, 400": refresh_400,
    "refresh, 503": refresh_500,
    "refresh, answer that is no token": refresh_undecodable,
    "refresh before a call fails": refresh_before_a_call_fails,
    "user API, 500 (retried read)": call_500,
    "user API, 500 on ocbs/confirm": confirm_500,
    "user API, undecodable answer": call_undecodable,
    "user API, 401 then the refresh fails": call_401_then_refresh_fails,
    "revoke_token, 500": revoke_500,
}
SECRETS_AT_RUNTIME: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _runtime_secrets() -> Iterator[None]:
    SECRETS_AT_RUNTIME.clear()
    yield
    SECRETS_AT_RUNTIME.clear()


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_no_secret_in_captured_locals(name: str, router: Router, transport: MockTransport) -> None:
    exc = await SCENARIOS[name](router, transport)
    assert leaks(exc, {**SECRETS, **SECRETS_AT_RUNTIME}) == []


async def test_no_leak_at_all_pipeline_included() -> None:
    found = []
    for scenario in SCENARIOS.values():
        SECRETS_AT_RUNTIME.clear()
        router = Router()
        exc = await scenario(router, MockTransport(router))
        found += leaks(exc, {**SECRETS, **SECRETS_AT_RUNTIME}, known=frozenset())
    assert found == []


async def test_secrets_are_masked_where_they_are_held(router: Router, transport: MockTransport) -> None:
    router.get(USER_INFO, json=ok({"userId": "u"}))
    router.post(TOKEN_PATH, json=token_answer())
    async with make_client(transport, a_token()) as client:
        await client.user_info()
        token = await client.refresh()
        request = client.authorization_url(["user:email"])
        code = client.parse_callback({"code": CODE, "state": request.state}, request.state)
    bearer = transport.requests[0].headers["Authorization"]
    assert bearer == f"Bearer {ACCESS}" and repr(bearer) == "'<masked>'"
    for value in (token.access_token, token.refresh_token, request.code_verifier, code):
        assert isinstance(value, Secret) and repr(value) == "'<masked>'"
    assert token.access_token == NEW_ACCESS and code == CODE
    assert form(transport.requests[1].body)[1] == ("refresh_token", REFRESH)  # still sent as the value
    assert "'<masked>'" in repr(Token.from_dict(token.to_dict()).to_dict())


async def test_a_rejected_callback_keeps_no_code_in_its_frames(transport: MockTransport) -> None:
    async with make_client(transport) as client:
        state = client.authorization_url(["user:email"]).state
        forged = sync_failure(lambda: client.parse_callback(f"{REDIRECT}?code={CODE}&state=forged", state))
        repeated = sync_failure(
            lambda: client.parse_callback(f"?code={CODE}&code={CODE}&state={state}", state)
        )
    assert isinstance(forged, OAuthCallbackError) and forged.error == "state_mismatch"
    assert isinstance(repeated, OAuthCallbackError) and repeated.error == "missing_code"
    assert leaks(forged, SECRETS) == [] and leaks(repeated, SECRETS) == []


# -- the token store's frames -----------------------------------------------------------------------


async def test_a_bad_token_file_keeps_no_token_in_the_frames(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    for content in (
        {"access_token": ACCESS, "refresh_token": REFRESH, "expires_at": "later"},  # no token file
        f'{{"access_token": "{ACCESS}", "refresh_token": "{REFRESH}"',  # not JSON
    ):
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        path.chmod(0o600)
        exc = await failure(JsonFileTokenStore(path).load())
        assert isinstance(exc, TokenStoreError)
        assert leaks(exc, SECRETS) == []


async def test_a_failed_save_keeps_no_token_in_the_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_fsync(fd: int) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    exc = await failure(JsonFileTokenStore(tmp_path / "token.json").save(a_token()))
    assert isinstance(exc, TokenStoreError) and "I/O error" in str(exc)
    assert leaks(exc, SECRETS) == []
    assert names(tmp_path) == []  # the temporary file is gone


BAD_STORED = {"access_token": ACCESS, "refresh_token": REFRESH, "expires_at": "later"}
BAD_ANSWER = {"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": "later"}


def test_token_from_dict_and_from_response_keep_no_token_in_the_frames() -> None:
    stored = sync_failure(lambda: Token.from_dict(BAD_STORED))
    answer = sync_failure(lambda: Token.from_response(BAD_ANSWER, now=NOW))
    assert isinstance(stored, TokenStoreError) and isinstance(answer, InvalidResponseError)
    assert leaks(stored, SECRETS) == [] and leaks(answer, SECRETS) == []


# -- logout is durable ------------------------------------------------------------------------------


async def test_revoke_during_a_refresh_is_not_undone(
    tmp_path: Path, router: Router, transport: MockTransport
) -> None:
    path = tmp_path / "token.json"
    store = JsonFileTokenStore(path)
    await store.save(a_token())
    arrived, late = asyncio.Event(), asyncio.Event()
    router.post(TOKEN_PATH, held(json_response(token_answer()), arrived, late))
    router.post(REVOKE, json=ok(True))
    async with make_client(transport, token_store=store) as client:
        refreshing = asyncio.ensure_future(client.refresh())
        joined = asyncio.ensure_future(client.refresh())  # a second waiter of the same refresh
        await arrived.wait()
        assert await client.revoke_token() is True
        assert not path.exists()
        late.set()  # the refresh answer arrives after the logout
        results = await asyncio.gather(refreshing, joined, return_exceptions=True)
        assert all(isinstance(r, OAuthNotAuthenticatedError) for r in results), results
        assert client.token is None
        assert not path.exists() and await store.load() is None
        with pytest.raises(OAuthNotAuthenticatedError):
            await client.user_info()
    assert count(transport, TOKEN_PATH) == 1 and count(transport, USER_INFO) == 0


async def test_a_revoke_before_the_refresh_task_starts_stops_it_from_sending(
    router: Router, transport: MockTransport
) -> None:
    router.post(TOKEN_PATH, json=token_answer())
    async with make_client(transport, a_token()) as client:
        await client.load_token()
        refreshing = asyncio.ensure_future(client.refresh())
        await asyncio.sleep(0)  # refresh() has created the refresh task, which has not run yet
        # What revoke_token does once Binance answered, here before the task's first step:
        await client._tokens.forget()
        with pytest.raises(OAuthNotAuthenticatedError):
            await refreshing
        assert client.token is None
    assert count(transport, TOKEN_PATH) == 0


async def test_a_login_after_the_revoke_is_what_a_stale_refresh_gives(
    tmp_path: Path, router: Router, transport: MockTransport
) -> None:
    arrived, late = asyncio.Event(), asyncio.Event()
    router.post(TOKEN_PATH, held(json_response(token_answer("stale-refresh-answer")), arrived, late))
    router.post(TOKEN_PATH, json=token_answer("fresh-login"))  # the next token request
    router.post(REVOKE, json=ok(True))
    store = JsonFileTokenStore(tmp_path / "token.json")
    await store.save(a_token())
    async with make_client(transport, token_store=store) as client:
        refreshing = asyncio.ensure_future(client.refresh())
        await arrived.wait()
        assert await client.revoke_token() is True
        login = await client.exchange_code(CODE, VERIFIER)
        late.set()
        assert await refreshing == login  # not the revoked grant's token
        assert client.token == login and await store.load() == login
        assert login.access_token == "fresh-login"


# -- the token file: a FIFO, a link ---------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
async def test_a_fifo_at_the_token_path_is_refused_without_hanging(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    os.mkfifo(path, 0o600)
    store = JsonFileTokenStore(path)
    try:
        with pytest.raises(TokenStoreError, match="not a regular file") as caught:
            await asyncio.wait_for(store.load(), timeout=2)
        assert caught.value.path == str(path)
        # The store's lock was released: it still works.
        path.unlink()
        await asyncio.wait_for(store.save(a_token()), timeout=2)
        assert await asyncio.wait_for(store.load(), timeout=2) == a_token()
    finally:
        # Unblock a reader stuck in open() (the old behaviour), so the test fails instead of hanging.
        if path.is_fifo():
            with contextlib.suppress(OSError):
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


@pytest.mark.skipif(not hasattr(os, "O_NOFOLLOW"), reason="POSIX O_NOFOLLOW")
async def test_a_link_at_the_token_path_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    await JsonFileTokenStore(target).save(a_token())
    path = tmp_path / "token.json"
    path.symlink_to(target)
    with pytest.raises(TokenStoreError, match="symbolic link"):
        await asyncio.wait_for(JsonFileTokenStore(path).load(), timeout=2)


# -- the refresh margin of short-lived tokens -----------------------------------------------------


async def test_tokens_shorter_lived_than_the_margin_are_not_refreshed_on_every_call(
    router: Router, transport: MockTransport
) -> None:
    # Every refresh: 30 s < the 60 s margin.
    router.post(TOKEN_PATH, json=token_answer(expires_in=30), times=None)
    router.get(USER_INFO, json=ok({"userId": "u"}), times=None)
    clock = Clock()
    async with make_client(transport, a_token(expires_in=30), clock=clock, refresh_margin=60) as client:
        for _ in range(20):
            await client.user_info()
        # The stored token's lifetime is unknown: it is refreshed once; the new one lives 30 s and is
        # refreshed when half of that is left.
        assert count(transport, TOKEN_PATH) == 1 and count(transport, USER_INFO) == 20
        clock.now += 14
        await client.user_info()
        assert count(transport, TOKEN_PATH) == 1
        clock.now += 1  # 15 s left: half the lifetime
        await client.user_info()
        assert count(transport, TOKEN_PATH) == 2


async def test_a_short_lived_login_is_used_until_half_its_life_is_gone(
    router: Router, transport: MockTransport
) -> None:
    router.post(TOKEN_PATH, json=token_answer(expires_in=40), times=None)
    router.get(USER_INFO, json=ok({"userId": "u"}), times=None)
    clock = Clock()
    async with make_client(transport, clock=clock) as client:
        token = await client.exchange_code(CODE, VERIFIER)
        assert token.issued_at == NOW and token.lifetime == 40
        for _ in range(20):
            await client.user_info()
        assert count(transport, TOKEN_PATH) == 1  # the login only
        clock.now += 20
        await client.user_info()
        assert count(transport, TOKEN_PATH) == 2


async def test_long_lived_tokens_keep_the_configured_margin(router: Router, transport: MockTransport) -> None:
    router.post(TOKEN_PATH, json=token_answer(expires_in=3600), times=None)
    router.get(USER_INFO, json=ok({"userId": "u"}), times=None)
    clock = Clock()
    async with make_client(transport, clock=clock, refresh_margin=60) as client:
        await client.exchange_code(CODE, VERIFIER)
        clock.now += 3600 - 61
        await client.user_info()
        assert count(transport, TOKEN_PATH) == 1
        clock.now += 1
        await client.user_info()
        assert count(transport, TOKEN_PATH) == 2


def test_issued_at_is_stored_and_optional() -> None:
    token = Token.from_response(token_answer(expires_in=30), now=NOW)
    assert token.issued_at == NOW and token.lifetime == 30
    assert Token.from_dict(token.to_dict()) == token
    assert "issued_at" not in a_token().to_dict() and a_token().lifetime is None
    with pytest.raises(TokenStoreError, match="issued_at"):
        Token.from_dict({**token.to_dict(), "issued_at": "yesterday"})


# -- max_response_bytes reaches the transport -----------------------------------------------------
# The client's own (aiohttp) transport, against a token endpoint on an ephemeral 127.0.0.1 port: the
# cap is enforced by the transport the client builds, so no test double stands in for it here.


@pytest.fixture
async def token_endpoint() -> AsyncIterator[tuple[str, list[str]]]:
    """A server answering every ``POST /oauth/token`` with a token answer of about 4 KB: its base URL,
    and the paths of the requests it got."""
    received: list[str] = []
    big = token_answer(padding="x" * 4000)

    async def token(request: web.Request) -> web.Response:
        received.append(request.path)
        return web.json_response(big)

    app = web.Application()
    app.router.add_post(TOKEN_PATH, token)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", received
    finally:
        await runner.cleanup()


async def test_max_response_bytes_is_passed_to_the_transport(token_endpoint: tuple[str, list[str]]) -> None:
    base_url, received = token_endpoint
    async with OAuthClient(
        CLIENT_ID, CLIENT_SECRET, redirect_uri=REDIRECT, accounts_base_url=base_url, max_response_bytes=1000
    ) as client:
        with pytest.raises(InvalidResponseError, match="max_response_bytes"):
            await client.exchange_code(CODE, VERIFIER)
        assert client.token is None
    async with OAuthClient(
        CLIENT_ID, CLIENT_SECRET, redirect_uri=REDIRECT, accounts_base_url=base_url, max_response_bytes=None
    ) as client:
        assert (await client.exchange_code(CODE, VERIFIER)).access_token == NEW_ACCESS
    assert received == [TOKEN_PATH, TOKEN_PATH]  # the same answer both times: only the cap differed
