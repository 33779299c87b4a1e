"""OAuth tokens (binance_async.oauth.tokens): parsing Binance's token answer, expiry, and the stores."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from binance_async.errors import BinanceError, InvalidResponseError, ParameterError
from binance_async.oauth.tokens import (
    JsonFileTokenStore,
    MemoryTokenStore,
    Token,
    TokenStore,
    TokenStoreError,
)
from tests.reference import example

#: Binance's official answers to POST /oauth/token (binance-api.md f.1), inlined here;
#: `test_inlined_examples_match_reference` checks them against the copies in tests/data.
OFFICIAL_TOKEN: dict[str, Any] = {
    "access_token": "83f2bf51-a2c4-4c2e-b7c4-46cef6a8dba5",
    "refresh_token": "fb5587ee-d9cf-4cb5-a586-4aed72cc9bea",
    "scope": "read",
    "token_type": "bearer",
    "expires_in": 30714,
}
ACCESS = OFFICIAL_TOKEN["access_token"]
REFRESH = OFFICIAL_TOKEN["refresh_token"]
NOW = 1_795_000_000.0  # 2026-11-18T11:06:40Z

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def make_token(**changes: Any) -> Token:
    values: dict[str, Any] = {
        "access_token": "access-123",
        "refresh_token": "refresh-456",
        "scope": frozenset({"user:email", "asset:balance"}),
        "token_type": "bearer",
        "expires_at": NOW + 3600,
    }
    values.update(changes)
    return Token(**values)


def names(directory: Path) -> list[str]:
    """The names in `directory`, sorted (temporary files included)."""
    return sorted(p.name for p in directory.iterdir())


def assert_no_secret(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text


# -- parsing the token endpoint's answer -------------------------------------------------------------


@pytest.mark.parametrize("name", ["OAUTH_token.json", "OAUTH_token__refresh.json"])
def test_inlined_examples_match_reference(name: str) -> None:
    assert example(name) == OFFICIAL_TOKEN


def test_from_official_example() -> None:
    token = Token.from_response(OFFICIAL_TOKEN, now=NOW)
    assert token.access_token == ACCESS
    assert token.refresh_token == REFRESH
    assert token.scope == frozenset({"read"})
    assert token.token_type == "bearer"
    assert token.expires_at == NOW + 30714
    assert token.expires_in(NOW) == 30714
    assert token.expires_in(NOW + 30714 + 5) == -5


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("user:email,asset:balance", {"user:email", "asset:balance"}),
        ("user:email asset:balance", {"user:email", "asset:balance"}),
        (" user:email, asset:balance ,", {"user:email", "asset:balance"}),
        ("user:openId", {"user:openId"}),
    ],
)
def test_scope_separators(raw: str, expected: set[str]) -> None:
    token = Token.from_response({**OFFICIAL_TOKEN, "scope": raw}, now=NOW)
    assert token.scope == frozenset(expected)
    for scope in expected:
        assert token.has_scope(scope)
    assert not token.has_scope("user:email,asset:balance")
    assert not token.has_scope("create:apikey")


def test_refresh_keeps_previous_refresh_token_and_scope() -> None:
    first = Token.from_response({**OFFICIAL_TOKEN, "scope": "user:email,asset:balance"}, now=NOW)
    answer = {"access_token": "new-access", "token_type": "bearer", "expires_in": 100}
    second = Token.from_response(answer, now=NOW + 50, previous=first)
    assert second.access_token == "new-access"
    assert second.refresh_token == REFRESH
    assert second.scope == frozenset({"user:email", "asset:balance"})
    assert second.expires_at == NOW + 150
    # Without a previous token nothing is invented.
    alone = Token.from_response(answer, now=NOW)
    assert alone.refresh_token is None
    assert alone.scope == frozenset()


def test_refresh_takes_rotated_refresh_token_and_new_scope() -> None:
    first = Token.from_response(OFFICIAL_TOKEN, now=NOW)
    answer = {**OFFICIAL_TOKEN, "access_token": "a2", "refresh_token": "r2", "scope": "user:email"}
    second = Token.from_response(answer, now=NOW, previous=first)
    assert second.refresh_token == "r2"
    assert second.scope == frozenset({"user:email"})


def test_missing_token_type_defaults_to_bearer() -> None:
    answer = {k: v for k, v in OFFICIAL_TOKEN.items() if k != "token_type"}
    assert Token.from_response(answer, now=NOW).token_type == "bearer"


def test_expires_in_as_numeric_string_is_accepted() -> None:
    token = Token.from_response({**OFFICIAL_TOKEN, "expires_in": "60"}, now=NOW)
    assert token.expires_at == NOW + 60


@pytest.mark.parametrize(
    "changes",
    [
        {"access_token": None},
        {"access_token": ""},
        {"access_token": 123},
        {"expires_in": None},
        {"expires_in": "soon"},
        {"expires_in": -1},
        {"expires_in": True},
        {"expires_in": float("nan")},
        {"expires_in": float("inf")},
        {"expires_in": [30714]},
        {"refresh_token": 5},
        {"scope": 5},
        {"token_type": 5},
    ],
)
def test_invalid_answer_is_a_typed_error_without_tokens(changes: dict[str, Any]) -> None:
    answer = {**OFFICIAL_TOKEN, **changes}
    answer = {k: v for k, v in answer.items() if v is not None}
    with pytest.raises(InvalidResponseError) as info:
        Token.from_response(answer, now=NOW)
    assert info.value.status == 200
    assert info.value.body == b""
    assert_no_secret(str(info.value), ACCESS, REFRESH)
    assert_no_secret(repr(info.value), ACCESS, REFRESH)


def test_answer_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidResponseError):
        Token.from_response(["access_token"], now=NOW)  # type: ignore[arg-type]


# -- the token itself ---------------------------------------------------------------------------------


def test_repr_and_str_hide_tokens() -> None:
    token = Token.from_response({**OFFICIAL_TOKEN, "scope": "user:email,asset:balance"}, now=NOW)
    for text in (repr(token), str(token), f"{token}", repr([token]), repr({"t": token})):
        assert_no_secret(text, ACCESS, REFRESH)
    assert (
        repr(token) == "Token(scope=asset:balance,user:email, expires_at=2026-11-18T19:38:34Z, refresh=yes)"
    )
    assert str(token) == repr(token)
    no_refresh = make_token(refresh_token=None, scope=frozenset())
    assert repr(no_refresh).endswith("refresh=no)")
    assert "scope=-" in repr(no_refresh)


def test_repr_of_absurd_expiry_does_not_fail() -> None:
    assert "refresh=yes" in repr(make_token(expires_at=1e300))


def test_expires_within_boundaries() -> None:
    token = make_token(expires_at=NOW + 60)
    assert not token.expires_within(59.999, NOW)
    assert token.expires_within(60, NOW)  # exactly at the margin counts as expiring
    assert token.expires_within(61, NOW)
    assert token.expires_within(0, NOW + 60)
    assert not token.expires_within(0, NOW + 59.5)
    assert token.expires_within(0, NOW + 61)  # already expired
    assert not token.is_expired(NOW + 59.999)
    assert token.is_expired(NOW + 60)
    assert token.expires_in(NOW + 10) == 50


def test_token_is_immutable_and_hashable() -> None:
    token = make_token()
    with pytest.raises(AttributeError):
        token.access_token = "other"  # type: ignore[misc]
    assert token == make_token()
    assert hash(token) == hash(make_token())
    assert token != make_token(access_token="other")
    assert token != make_token(expires_at=NOW + 1)
    assert len({token, make_token()}) == 1


def test_expires_at_is_keyword_only_and_float() -> None:
    token = Token("a", None, frozenset({"x"}), expires_at=5)
    assert token.token_type == "bearer"
    assert isinstance(token.expires_at, float)
    with pytest.raises(TypeError):
        Token("a", None, frozenset(), "bearer", 5.0)  # type: ignore[call-arg]


def test_scope_iterables_become_frozensets() -> None:
    token = make_token(scope=["user:email", "user:email", "asset:balance"])
    assert token.scope == frozenset({"user:email", "asset:balance"})
    assert isinstance(token.scope, frozenset)


@pytest.mark.parametrize(
    "changes",
    [
        {"access_token": ""},
        {"refresh_token": ""},
        {"token_type": ""},
        {"expires_at": float("nan")},
        {"expires_at": "tomorrow"},
        {"scope": "user:email"},
        {"scope": frozenset({""})},
    ],
)
def test_invalid_construction_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ParameterError) as info:
        make_token(**changes)
    assert_no_secret(str(info.value), "access-123", "refresh-456")


def test_can_refresh() -> None:
    assert make_token().can_refresh
    assert not make_token(refresh_token=None).can_refresh


def test_dict_round_trip_is_json_safe() -> None:
    for token in (
        make_token(),
        make_token(refresh_token=None, scope=frozenset()),
        make_token(token_type="mac"),
    ):
        data = token.to_dict()
        assert json.loads(json.dumps(data)) == data
        assert Token.from_dict(json.loads(json.dumps(data))) == token
    assert make_token().to_dict() == {
        "access_token": "access-123",
        "refresh_token": "refresh-456",
        "scope": ["asset:balance", "user:email"],
        "token_type": "bearer",
        "expires_at": NOW + 3600,
    }


def test_from_dict_accepts_scope_string() -> None:
    data = {**make_token().to_dict(), "scope": "asset:balance,user:email"}
    assert Token.from_dict(data) == make_token()


@pytest.mark.parametrize(
    "changes",
    [
        {"access_token": None},
        {"access_token": 1},
        {"refresh_token": 1},
        {"scope": [1]},
        {"scope": 1},
        {"token_type": 1},
        {"expires_at": None},
        {"expires_at": "1"},
        {"expires_at": True},
    ],
)
def test_from_dict_refuses_bad_data(changes: dict[str, Any]) -> None:
    data = {k: v for k, v in {**make_token().to_dict(), **changes}.items() if v is not None}
    with pytest.raises(TokenStoreError) as info:
        Token.from_dict(data)
    assert_no_secret(str(info.value), "access-123", "refresh-456")


# -- stores -------------------------------------------------------------------------------------------


async def test_memory_store() -> None:
    store = MemoryTokenStore()
    assert isinstance(store, TokenStore)
    assert await store.load() is None
    token = make_token()
    await store.save(token)
    assert await store.load() is token
    newer = make_token(access_token="access-789")
    await store.save(newer)
    assert await store.load() is newer
    assert_no_secret(repr(store), "access-789", "refresh-456")
    await store.clear()
    assert await store.load() is None
    await store.clear()  # clearing twice is fine
    assert await MemoryTokenStore(token).load() is token


async def test_file_store_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    store = JsonFileTokenStore(path)
    assert isinstance(store, TokenStore)
    assert await store.load() is None
    token = Token.from_response(OFFICIAL_TOKEN, now=NOW)
    await store.save(token)
    assert await store.load() == token
    assert await JsonFileTokenStore(str(path)).load() == token  # a new store (another run) sees it
    assert json.loads(path.read_text()) == token.to_dict()
    assert names(tmp_path) == ["token.json"]  # no temporary file left
    assert store.path == path
    assert repr(store) == f"JsonFileTokenStore({str(path)!r})"


@posix_only
@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077, 0o277])
async def test_file_store_mode_is_0600_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "token.json"
    old = os.umask(umask)
    try:
        await JsonFileTokenStore(path).save(make_token())
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert await JsonFileTokenStore(path).load() == make_token()


@posix_only
async def test_file_store_temp_file_is_private_from_creation(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    opened: list[tuple[str, int, int]] = []
    modes_before_write: list[int] = []
    real_open, real_write = os.open, os.write

    def spy_open(file: Any, flags: int, mode: int = 0o777, *args: Any, **kwargs: Any) -> int:
        opened.append((os.fspath(file), flags, mode))
        return real_open(file, flags, mode, *args, **kwargs)

    def spy_write(fd: int, data: Any) -> int:
        modes_before_write.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return real_write(fd, data)

    old = os.umask(0)  # the creation mode alone must keep others out
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(os, "open", spy_open)
            mp.setattr(os, "write", spy_write)
            await JsonFileTokenStore(path).save(make_token())
    finally:
        os.umask(old)
    creations = [(name, flags, mode) for name, flags, mode in opened if flags & os.O_CREAT]
    assert len(creations) == 1
    name, flags, mode = creations[0]
    assert Path(name).parent == tmp_path and Path(name) != path  # a temporary file beside the target
    assert flags & os.O_EXCL and flags & os.O_WRONLY
    assert mode == 0o600
    assert modes_before_write and all(m == 0o600 for m in modes_before_write)
    assert names(tmp_path) == ["token.json"]  # the temporary file was renamed over the target


async def test_file_store_replaces_atomically(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    store = JsonFileTokenStore(path)
    await store.save(make_token())
    inode = path.stat().st_ino
    await store.save(make_token(access_token="access-789"))
    assert path.stat().st_ino != inode  # a new file was renamed over the old one, not rewritten in place
    loaded = await store.load()
    assert loaded is not None and loaded.access_token == "access-789"
    assert names(tmp_path) == ["token.json"]


@posix_only
async def test_file_store_replaces_a_world_readable_file_with_a_private_one(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_text("{}")
    path.chmod(0o644)
    await JsonFileTokenStore(path).save(make_token())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert await JsonFileTokenStore(path).load() == make_token()


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o660])
async def test_file_store_refuses_to_load_a_file_others_can_access(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "token.json"
    path.write_text(json.dumps(make_token().to_dict()))
    path.chmod(mode)
    with pytest.raises(TokenStoreError, match="chmod 600") as info:
        await JsonFileTokenStore(path).load()
    assert info.value.path == str(path)
    assert oct(mode) in str(info.value)
    assert_no_secret(str(info.value), "access-123", "refresh-456")
    path.chmod(0o600)
    assert await JsonFileTokenStore(path).load() == make_token()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{",
        b"\xff\xfe not utf-8",
        b"[]",
        b'"access-123"',
        b'{"access_token": "access-123"}',
        b'{"access_token": "access-123", "refresh_token": "refresh-456", "expires_at": "x"}',
        b"[" * 50_000,  # deeper than json can nest
    ],
)
async def test_file_store_corrupt_file_is_a_typed_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "token.json"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(TokenStoreError) as info:
        await JsonFileTokenStore(path).load()
    assert isinstance(info.value, BinanceError)
    assert_no_secret(str(info.value), "access-123", "refresh-456")
    # Nothing chained to the error carries the file's text (a JSONDecodeError keeps it in .doc).
    assert info.value.__cause__ is None and info.value.__context__ is None


async def test_file_store_too_large_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_bytes(b" " * (1024 * 1024))
    path.chmod(0o600)
    with pytest.raises(TokenStoreError, match="too large"):
        await JsonFileTokenStore(path).load()


async def test_file_store_directory_is_not_a_token_file(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.mkdir(mode=0o700)
    with pytest.raises(TokenStoreError):
        await JsonFileTokenStore(path).load()


async def test_file_store_save_into_missing_directory_fails_cleanly(tmp_path: Path) -> None:
    store = JsonFileTokenStore(tmp_path / "missing" / "token.json")
    with pytest.raises(TokenStoreError) as info:
        await store.save(make_token())
    assert_no_secret(str(info.value), "access-123", "refresh-456")
    assert names(tmp_path) == []


async def test_file_store_failed_replace_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    store = JsonFileTokenStore(path)
    await store.save(make_token())
    before = path.read_bytes()

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "replace", broken_replace)
        with pytest.raises(TokenStoreError, match="No space left"):
            await store.save(make_token(access_token="access-789"))
    assert path.read_bytes() == before
    assert names(tmp_path) == ["token.json"]


async def test_file_store_clear(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    store = JsonFileTokenStore(path)
    await store.save(make_token())
    assert path.exists()
    await store.clear()
    assert not path.exists()
    assert await store.load() is None
    await store.clear()  # clearing a missing file is fine


async def test_file_store_save_refuses_non_token(tmp_path: Path) -> None:
    with pytest.raises(ParameterError):
        await JsonFileTokenStore(tmp_path / "t.json").save({"access_token": "x"})  # type: ignore[arg-type]
    assert names(tmp_path) == []


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads anything")
async def test_file_store_unreadable_file_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_text(json.dumps(make_token().to_dict()))
    path.chmod(0o000)
    try:
        with pytest.raises(TokenStoreError, match="cannot be opened"):
            await JsonFileTokenStore(path).load()
    finally:
        path.chmod(0o600)
