"""What every client shares: one pipeline, its session's life cycle, and a repr without secrets."""

from __future__ import annotations

import warnings
from types import TracebackType
from typing import Any, TypedDict, TypeVar
from urllib.parse import urlsplit

import aiohttp

from ._clock import ServerClock
from ._constants import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_RECV_WINDOW_MS, DEFAULT_TIMEOUT
from ._endpoint import Endpoint
from ._limit_store import Identity, LimitStore, account_name
from ._limits import RateLimiter
from ._pipeline import ErrorMapper, Pipeline
from ._retry import RetryPolicy
from ._signing import Signer, load_signer
from ._transport import AiohttpTransport, Transport
from ._urls import check_base_url
from .errors import error_from_response

__all__ = ["BaseClient", "ClientOptions"]

_C = TypeVar("_C", bound="BaseClient")

#: A client's part of every limit while its limit store is unreachable, unless ``limit_share`` says.
DEFAULT_FALLBACK_SHARE = 0.25


def default_ip_name(base_url: str) -> str:
    """The name a limit store's keys give this machine's IP by default: ``default@<host>``."""
    return "default@" + (urlsplit(base_url).hostname or "")


class ClientOptions(TypedDict, total=False):
    """The connection options every client takes as keywords (see `BaseClient`).

    ``session`` a caller's ``aiohttp.ClientSession`` (left open on close); ``proxy`` / ``trust_env`` for
    aiohttp; ``timeout`` (s) for each request and every wait in the rate limiter; ``recv_window`` (ms)
    for signed requests; ``limiter`` a `RateLimiter` to share; ``retry`` the `RetryPolicy` of reads;
    ``transport`` the test seam; ``limit_share`` this client's part of the rate limits (with a
    ``limit_store``: its part while the store is unreachable, a quarter by default);
    ``max_response_bytes`` the largest answer read; ``limit_store`` a shared limit store (a
    ``redis://`` URL or a `LimitStore`) holding the rate-limit counts of every process that uses it,
    ``limit_ip`` the name its keys give this client's IP (default ``default@<host of base_url>``).
    """

    session: aiohttp.ClientSession | None
    proxy: str | None
    trust_env: bool
    timeout: float | None
    recv_window: int
    limiter: RateLimiter | None
    retry: RetryPolicy | None
    transport: Transport | None
    limit_share: float | None
    max_response_bytes: int | None
    limit_store: str | LimitStore | None
    limit_ip: str | None


class BaseClient:
    """Owns the pipeline. Use ``async with`` (or ``await aclose()``); the session opens lazily."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        api_secret: str | bytes | None = None,
        private_key: str | bytes | None = None,
        private_key_password: str | bytes | None = None,
        session: aiohttp.ClientSession | None = None,
        proxy: str | None = None,
        trust_env: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT,
        recv_window: int = DEFAULT_RECV_WINDOW_MS,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        transport: Transport | None = None,
        errors: ErrorMapper = error_from_response,
        limit_share: float | None = None,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
        limit_store: str | LimitStore | None = None,
        limit_ip: str | None = None,
    ) -> None:
        base_url = check_base_url(base_url)
        signer: Signer | None = load_signer(api_secret, private_key, private_key_password)
        self._aiohttp = transport is None
        clock = ServerClock()
        self._owns_limiter = limiter is None
        if limiter is None:
            if limit_share is None:
                limit_share = 1.0 if limit_store is None else DEFAULT_FALLBACK_SHARE
            identity = None
            if limit_store is not None:
                identity = Identity(limit_ip or default_ip_name(base_url), account_name(api_key))
            limiter = RateLimiter(
                now_ms=clock.now_ms, share=limit_share, store=limit_store, identity=identity
            )
            clock.on_jump(limiter.rebase)  # its windows follow this clock: move the counts with it
        elif limit_store is not None:
            raise TypeError(
                "limit_store= goes with the client's own limiter: pass RateLimiter(store=...) instead"
            )
        self._pipeline = Pipeline(
            base_url,
            transport
            or AiohttpTransport(
                session,
                proxy=proxy,
                trust_env=trust_env,
                timeout=timeout,
                max_response_bytes=max_response_bytes,
            ),
            limiter,
            clock,
            api_key=api_key,
            signer=signer,
            recv_window=recv_window,
            retry=retry,
            time_endpoint=self._time_endpoint,
            errors=errors,
            timeout=timeout,
        )
        self._closed = False

    #: How this API tells its time (``GET /api/v3/time`` for Spot), for signed requests' timestamps.
    _time_endpoint: Endpoint[Any] | None = None

    @property
    def base_url(self) -> str:
        return self._pipeline.base_url

    @property
    def limiter(self) -> RateLimiter:
        """The rate limiter: ``limiter.state()`` shows used / limit per window."""
        return self._pipeline.limiter

    @property
    def clock(self) -> ServerClock:
        """The server clock used for signed requests' timestamps."""
        return self._pipeline.clock

    @property
    def closed(self) -> bool:
        return self._closed

    async def aclose(self) -> None:
        """Close the HTTP session this client opened (a session passed in stays open). Idempotent."""
        if not self._closed:
            self._closed = True
            try:
                await self._pipeline.transport.aclose()
            finally:
                if self._owns_limiter:
                    await self._pipeline.limiter.aclose()

    async def __aenter__(self: _C) -> _C:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        pipeline = self._pipeline
        key = "set" if pipeline._has_key else "none"
        signer = pipeline.signer.kind if pipeline.signer is not None else "none"
        return f"{type(self).__name__}(base_url={pipeline.base_url!r}, api_key=<{key}>, signer={signer})"

    def __del__(self, _warn: Any = warnings.warn) -> None:
        if getattr(self, "_closed", True):
            return
        transport = self._pipeline.transport
        if isinstance(transport, AiohttpTransport) and transport.opened_session:
            _warn(
                f"unclosed {type(self).__name__}: use 'async with' or 'await client.aclose()'",
                ResourceWarning,
                source=self,
                stacklevel=2,
            )
