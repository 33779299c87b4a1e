"""OAuth 2.0 tokens of Binance Login, and where they are kept between runs.

A `Token` is what ``POST /oauth/token`` answered, with the expiry made absolute (epoch seconds) so it
survives being stored. Binance's answer is ``{"access_token", "refresh_token", "scope", "token_type":
"bearer", "expires_in"}`` (binance-api.md f.1); whether a refresh rotates the refresh token or repeats
the scope is not documented, so `Token.from_response` keeps the previous token's when an answer omits
them.

A `TokenStore` loads, saves and clears one token. `MemoryTokenStore` keeps it in the process;
`JsonFileTokenStore` keeps it in a JSON file that only its owner can read (mode 0o600), written
atomically. Neither the repr nor any message of this module shows an access or refresh token.

Tokens are held as `Secret` (a ``str`` whose repr is masked), and no frame of this module holds a
token answer, a file's bytes or a serialized token when it raises: an error reporter that captures
frame locals (``traceback.TracebackException(..., capture_locals=True)``, Sentry) finds none.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import math
import os
import secrets
import stat
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol, TypeGuard, runtime_checkable

from .._secret import Secret
from ..errors import InvalidResponseError, ParameterError, TokenStoreError

__all__ = ["JsonFileTokenStore", "MemoryTokenStore", "Token", "TokenStore", "TokenStoreError"]

#: The largest token file `JsonFileTokenStore` reads; a token is a few hundred bytes.
_MAX_FILE_BYTES = 64 * 1024
_INVALID = object()


def _split_scope(value: str) -> frozenset[str]:
    """Scopes from a comma- and/or whitespace-separated string."""
    return frozenset(part for part in value.replace(",", " ").split() if part)


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _utc(timestamp: float) -> str:
    try:
        return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return repr(timestamp)


@dataclass(frozen=True, slots=True, repr=False)
class Token:
    """An OAuth access token, its refresh token and granted scopes, and when it expires.

    `expires_at` is absolute (epoch seconds, the same clock as the ``now`` passed to the methods) and
    keyword-only; so is `issued_at`, when the token was received (set by `from_response`; None when
    unknown), which gives its `lifetime`. Immutable and hashable; equality compares every field. The
    tokens are kept as `Secret` (equal to the plain strings; ``str()`` gives the value). The repr and
    str show the scopes, the expiry and whether there is a refresh token, never a token value.
    """

    access_token: str
    refresh_token: str | None
    scope: frozenset[str]
    token_type: str = "bearer"
    expires_at: float = field(kw_only=True)
    issued_at: float | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        if not isinstance(self.access_token, str) or not self.access_token:
            raise ParameterError("Token.access_token must be a non-empty string")
        if self.refresh_token is not None and (
            not isinstance(self.refresh_token, str) or not self.refresh_token
        ):
            raise ParameterError("Token.refresh_token must be a non-empty string or None")
        if not isinstance(self.token_type, str) or not self.token_type:
            raise ParameterError("Token.token_type must be a non-empty string")
        if not _is_number(self.expires_at):
            raise ParameterError("Token.expires_at must be a finite number (epoch seconds)")
        if self.issued_at is not None and not _is_number(self.issued_at):
            raise ParameterError("Token.issued_at must be a finite number (epoch seconds) or None")
        scope: object = self.scope
        if isinstance(scope, str):
            raise ParameterError("Token.scope must be a set of scope names, not a string")
        if not isinstance(scope, frozenset):
            if not isinstance(scope, Iterable):
                raise ParameterError("Token.scope must be a set of scope names")
            scope = frozenset(scope)
        if not all(isinstance(s, str) and s for s in scope):
            raise ParameterError("Token.scope must contain non-empty strings only")
        object.__setattr__(self, "scope", scope)
        object.__setattr__(self, "expires_at", float(self.expires_at))
        if self.issued_at is not None:
            object.__setattr__(self, "issued_at", float(self.issued_at))
        object.__setattr__(self, "access_token", Secret(self.access_token))
        if self.refresh_token is not None:
            object.__setattr__(self, "refresh_token", Secret(self.refresh_token))

    # -- building -----------------------------------------------------------------------------------

    @classmethod
    def from_response(cls, data: Mapping[str, Any], *, now: float, previous: Token | None = None) -> Token:
        """The token in a token endpoint answer received at `now` (epoch seconds).

        ``expires_at = now + expires_in`` and ``issued_at = now``. `scope` may be comma- or
        space-separated. When the answer has no ``refresh_token`` or no ``scope`` (a refresh need not
        repeat them), `previous`'s are kept. Raises `InvalidResponseError` when ``access_token`` or
        ``expires_in`` is missing or invalid; the error carries no body and names no token, and is
        raised from a frame that no longer holds the answer.
        """
        if not _is_number(now):
            raise ParameterError("now must be a finite number (epoch seconds)")
        parsed = cls._parse_response(data, now, previous)
        del data  # the answer holds the tokens: not in this frame's locals when it raises
        if isinstance(parsed, str):
            raise InvalidResponseError(f"OAuth token response: {parsed}", status=200, body=b"")
        return parsed

    @classmethod
    def _parse_response(cls, data: Mapping[str, Any], now: float, previous: Token | None) -> Token | str:
        """The token in `data`, or what is wrong with it (returned, not raised: see `from_response`)."""
        if not isinstance(data, Mapping):
            return "the body is not a JSON object"
        access_token = data.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            return "access_token is missing or not a non-empty string"

        expires_in = data.get("expires_in")
        if isinstance(expires_in, str):
            try:
                expires_in = float(expires_in.strip())
            except ValueError:
                return "expires_in is not a number"
        if not _is_number(expires_in) or expires_in < 0:
            return "expires_in is missing or not a non-negative number of seconds"

        refresh_token = data.get("refresh_token")
        if refresh_token is None or refresh_token == "":
            refresh_token = previous.refresh_token if previous is not None else None
        elif not isinstance(refresh_token, str):
            return "refresh_token is not a string"

        raw_scope = data.get("scope")
        scope: frozenset[str] | None
        if raw_scope is None:
            scope = None
        elif isinstance(raw_scope, str):
            scope = _split_scope(raw_scope)
        elif isinstance(raw_scope, (list, tuple)) and all(isinstance(s, str) for s in raw_scope):
            scope = frozenset(s for s in raw_scope if s)
        else:
            return "scope is not a string"
        if not scope:
            scope = previous.scope if previous is not None else frozenset()

        token_type = data.get("token_type")
        if token_type is None or token_type == "":
            token_type = previous.token_type if previous is not None else "bearer"
        elif not isinstance(token_type, str):
            return "token_type is not a string"

        return cls(
            access_token,
            refresh_token,
            scope,
            token_type,
            expires_at=float(now) + float(expires_in),
            issued_at=float(now),
        )

    # -- questions ----------------------------------------------------------------------------------

    def expires_in(self, now: float) -> float:
        """Seconds left at `now` (negative once expired)."""
        return self.expires_at - now

    def expires_within(self, seconds: float, now: float) -> bool:
        """True when the token expires `seconds` or fewer seconds after `now` (or already has)."""
        return self.expires_at - now <= seconds

    @property
    def lifetime(self) -> float | None:
        """Seconds from `issued_at` to `expires_at` (the answer's ``expires_in``); None when unknown."""
        return None if self.issued_at is None else self.expires_at - self.issued_at

    def is_expired(self, now: float) -> bool:
        """True from `expires_at` on."""
        return self.expires_at <= now

    def has_scope(self, scope: str) -> bool:
        """True when `scope` was granted."""
        return scope in self.scope

    @property
    def can_refresh(self) -> bool:
        """True when there is a refresh token."""
        return self.refresh_token is not None

    # -- storage ------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (scopes sorted; ``issued_at`` only when known) that `from_dict` turns back
        into an equal token. The tokens in it are `Secret` strings."""
        data: dict[str, Any] = {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "scope": sorted(self.scope),
            "token_type": self.token_type,
            "expires_at": self.expires_at,
        }
        if self.issued_at is not None:
            data["issued_at"] = self.issued_at
        return data

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Token:
        """The token `to_dict` produced. `scope` may also be a comma/space-separated string.

        Raises `TokenStoreError` (naming the bad field, never a value) for anything else, from a frame
        that no longer holds `d`.
        """
        parsed = cls._parse_dict(d)
        del d
        if isinstance(parsed, str):
            raise TokenStoreError(f"stored token: {parsed}")
        return parsed

    @classmethod
    def _parse_dict(cls, d: Mapping[str, Any]) -> Token | str:
        """The token in `d`, or what is wrong with it (returned, not raised: see `from_dict`)."""
        if not isinstance(d, Mapping):
            return "not a JSON object"
        access_token = d.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            return "access_token is missing or invalid"
        refresh_token = d.get("refresh_token")
        if refresh_token is not None and (not isinstance(refresh_token, str) or not refresh_token):
            return "refresh_token is invalid"
        raw_scope = d.get("scope", ())
        if isinstance(raw_scope, str):
            scope = _split_scope(raw_scope)
        elif isinstance(raw_scope, (list, tuple)) and all(isinstance(s, str) and s for s in raw_scope):
            scope = frozenset(raw_scope)
        else:
            return "scope is invalid"
        token_type = d.get("token_type", "bearer")
        if not isinstance(token_type, str) or not token_type:
            return "token_type is invalid"
        expires_at = d.get("expires_at")
        if not _is_number(expires_at):
            return "expires_at is missing or invalid"
        issued_at = d.get("issued_at")
        if issued_at is not None and not _is_number(issued_at):
            return "issued_at is invalid"
        return cls(
            access_token,
            refresh_token,
            scope,
            token_type,
            expires_at=float(expires_at),
            issued_at=None if issued_at is None else float(issued_at),
        )

    def __repr__(self) -> str:
        scopes = ",".join(sorted(self.scope)) or "-"
        refresh = "yes" if self.refresh_token is not None else "no"
        return f"Token(scope={scopes}, expires_at={_utc(self.expires_at)}, refresh={refresh})"

    __str__ = __repr__


@runtime_checkable
class TokenStore(Protocol):
    """Where a client keeps its token between calls and runs."""

    async def load(self) -> Token | None:
        """The saved token, or None when there is none."""
        ...

    async def save(self, token: Token) -> None:
        """Replace the saved token with `token`."""
        ...

    async def clear(self) -> None:
        """Forget the saved token (no error when there is none)."""
        ...


class MemoryTokenStore:
    """Keeps the token in memory only (the default store); optionally starts with `token`."""

    __slots__ = ("_token",)

    def __init__(self, token: Token | None = None) -> None:
        self._token = token

    async def load(self) -> Token | None:
        """The token, or None."""
        return self._token

    async def save(self, token: Token) -> None:
        """Keep `token`."""
        self._token = token

    async def clear(self) -> None:
        """Forget the token."""
        self._token = None

    def __repr__(self) -> str:
        return f"MemoryTokenStore({self._token!r})"


class JsonFileTokenStore:
    """Keeps the token in a JSON file only its owner may read or write.

    `save` writes a temporary file in the same directory, created with mode 0o600 (``O_CREAT |
    O_EXCL``), fsyncs it and renames it over the target with `os.replace`, so the file is never
    readable by others, not even briefly, and a crash leaves either the old or the new file, never
    half of one. The directory must exist. `load` returns None when the file does not exist and raises
    `TokenStoreError` when it cannot be read, is not a token file, or (on POSIX) is accessible by
    group or others (fix it with ``chmod 600``). `load` opens the file without blocking and without
    following a symbolic link (``O_NONBLOCK | O_NOFOLLOW``) and refuses anything but a regular file:
    a FIFO, a device, a directory or a link at the path is a `TokenStoreError`, never a hang. `clear`
    deletes the file. The file operations run in a worker thread. The repr shows the path only.
    """

    __slots__ = ("_lock", "_path")

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = Path(os.fspath(path))
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        """The token file."""
        return self._path

    async def load(self) -> Token | None:
        """The stored token, or None when the file does not exist."""
        return await asyncio.to_thread(self._load)

    async def save(self, token: Token) -> None:
        """Atomically replace the file with `token`."""
        if not isinstance(token, Token):
            raise ParameterError("JsonFileTokenStore.save needs a Token")
        await asyncio.to_thread(self._save, token)

    async def clear(self) -> None:
        """Delete the file (no error when it does not exist)."""
        await asyncio.to_thread(self._clear)

    # -- blocking parts -----------------------------------------------------------------------------

    def _error(self, what: str, error: OSError | None = None) -> TokenStoreError:
        reason = f": {error.strerror or type(error).__name__}" if error is not None else ""
        return TokenStoreError(f"token file {str(self._path)!r}: {what}{reason}", path=str(self._path))

    def _load(self) -> Token | None:
        with self._lock:
            raw = self._read()
        if raw is None:
            return None
        too_large = len(raw) > _MAX_FILE_BYTES
        data: Any = _INVALID
        if not too_large:
            # UnicodeDecodeError and JSONDecodeError are ValueErrors; the exception (its .doc is the
            # file's text) must not be chained to the error, which is raised below.
            with contextlib.suppress(ValueError, RecursionError):
                data = json.loads(raw.decode("utf-8"))
        del raw  # the file's bytes hold the tokens: in no frame's locals when this raises
        if too_large:
            raise self._error("is too large to be a token file")
        if data is _INVALID:
            raise self._error("is not valid JSON")
        parsed = Token._parse_dict(data)
        del data
        if isinstance(parsed, str):
            raise self._error(f"is not a token file (stored token: {parsed})")
        return parsed

    def _read(self) -> bytes | None:
        """The file's bytes (at most one more than `_MAX_FILE_BYTES`), or None when it does not exist.

        Opened with ``O_NONBLOCK | O_NOFOLLOW``: a FIFO does not block the open (nor the lock), and a
        symbolic link is not followed; anything but a regular file is refused.
        """
        flags = (
            os.O_RDONLY
            | getattr(os, "O_BINARY", 0)
            | getattr(os, "O_CLOEXEC", 0)
            | getattr(os, "O_NONBLOCK", 0)
            | getattr(os, "O_NOFOLLOW", 0)
        )
        failure: TokenStoreError | None = None
        try:
            fd = os.open(self._path, flags)
        except FileNotFoundError:
            return None
        except OSError as exc:
            # O_NOFOLLOW on a link: ELOOP (Linux, macOS) or EMLINK (FreeBSD).
            if exc.errno in (errno.ELOOP, errno.EMLINK) and os.path.islink(self._path):
                failure = self._error("is a symbolic link; refusing to follow it (give the real path)")
            else:
                failure = self._error("cannot be opened", exc)
        if failure is not None:
            raise failure  # outside the except block: nothing chained
        raw = b""
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                failure = self._error(
                    f"is not a regular file ({_file_kind(info.st_mode)}); refusing to read it"
                )
            elif os.name == "posix" and info.st_mode & 0o077:
                mode = stat.S_IMODE(info.st_mode)
                failure = self._error(
                    f"is accessible by group or others (mode {mode:#o}); refusing to load it, "
                    "run chmod 600 on it"
                )
            else:
                while len(raw) <= _MAX_FILE_BYTES:
                    chunk = os.read(fd, _MAX_FILE_BYTES + 1 - len(raw))
                    if not chunk:
                        break
                    raw += chunk
                del chunk
        except OSError as exc:
            failure = self._error("cannot be read", exc)
        finally:
            os.close(fd)
        if failure is not None:
            del raw
            raise failure
        return raw

    def _save(self, token: Token) -> None:
        directory = self._path.parent
        temp = directory / f".{self._path.name}.{secrets.token_hex(8)}.tmp"
        with self._lock:
            failure = self._write_private(temp, token)
            if failure is None:
                try:
                    os.replace(temp, self._path)
                except OSError as exc:
                    failure = self._error("cannot be written", exc)
            if failure is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise failure  # outside the except blocks: nothing chained
            _fsync_directory(directory)

    def _write_private(self, temp: Path, token: Token) -> TokenStoreError | None:
        """Create `temp` (0o600, exclusively) holding `token`, fsynced. A failure is returned, not
        raised, so that no traceback keeps this frame (which holds the serialized token)."""
        flags = (
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
        )
        try:
            fd = os.open(temp, flags, 0o600)
        except OSError as exc:
            return self._error("cannot create a temporary file beside it", exc)
        payload = json.dumps(token.to_dict(), separators=(",", ":")).encode("utf-8")
        try:
            try:
                if hasattr(os, "fchmod"):
                    os.fchmod(fd, 0o600)  # exactly 0o600 whatever the umask
                view = memoryview(payload)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            return self._error("cannot be written", exc)
        except BaseException:
            del payload
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        return None

    def _clear(self) -> None:
        with self._lock:
            try:
                os.unlink(self._path)
            except FileNotFoundError:
                return
            except OSError as exc:
                raise self._error("cannot be deleted", exc) from None
            _fsync_directory(self._path.parent)

    def __repr__(self) -> str:
        return f"JsonFileTokenStore({str(self._path)!r})"


def _file_kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def _fsync_directory(directory: Path) -> None:
    """Make a rename or delete in `directory` durable (POSIX; best effort)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
