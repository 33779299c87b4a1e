"""The one request loop every call goes through.

    encode params -> limiter -> sign (timestamp from the synced clock) -> transport
        -> reconcile the limiter from the headers -> map errors -> decode

Policies owned here: the clock is synced lazily before the first signed request and again (with one
retry) on -1021; 429/418 pause the limiter for ``Retry-After``; only GETs are retried (see
`RetryPolicy`); a write whose fate is unknown raises an `ExecutionStatusUnknown` error and is never
resent. DEBUG logs under ``binance_async`` show method, path, weight, status and latency, never a
query string, a key, a signature or a token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeVar

import msgspec

from ._clock import ServerClock
from ._encoding import encode_params
from ._endpoint import Endpoint
from ._limits import RateLimiter
from ._retry import RetryPolicy
from ._signing import Signer
from ._transport import Request, Response, Transport
from .errors import (
    BinanceAPIError,
    ConnectionFailedError,
    ExecutionStatusUnknown,
    InvalidRequestError,
    InvalidResponseError,
    IPBannedError,
    RateLimitedError,
    SendStatusUnknownError,
    SentRequest,
    TimestampError,
    TransportError,
    error_from_response,
    parse_retry_after,
)

__all__ = ["ErrorMapper", "Pipeline"]

T = TypeVar("T")

log = logging.getLogger("binance_async")


class ErrorMapper(Protocol):
    """Turns a non-2xx response into the error to raise (Spot: `error_from_response`)."""

    def __call__(
        self, status: int, headers: Mapping[str, str], body: bytes, *, method: str = "", path: str = ""
    ) -> BinanceAPIError: ...


_RAW = Any  # the escape hatch decodes JSON into dicts and lists
_NO_PARAMS: Mapping[str, Any] = {}
_FORM = "application/x-www-form-urlencoded"
_NO_HEADERS: dict[str, str] = {}
_FORM_HEADERS = {"Content-Type": _FORM}
#: How long everything waits after a 429/418 that carried no Retry-After.
DEFAULT_PAUSE_SECONDS = 60.0
MAX_RECV_WINDOW = 60_000


class Pipeline:
    """Builds, limits, signs, sends and decodes requests for one base URL."""

    def __init__(
        self,
        base_url: str,
        transport: Transport,
        limiter: RateLimiter,
        clock: ServerClock,
        *,
        api_key: str | None = None,
        signer: Signer | None = None,
        recv_window: int = 5000,
        retry: RetryPolicy | None = None,
        fetch_server_ms: Callable[[Pipeline], Awaitable[int]] | None = None,
        errors: ErrorMapper = error_from_response,
    ) -> None:
        if not 0 < recv_window <= MAX_RECV_WINDOW:
            raise InvalidRequestError(f"recv_window must be in 1..{MAX_RECV_WINDOW} ms, got {recv_window}")
        self.base_url = base_url
        self.transport = transport
        self.limiter = limiter
        self.clock = clock
        self.signer = signer
        self.recv_window = recv_window
        self.retry = retry or RetryPolicy()
        self._fetch_server_ms = fetch_server_ms
        self._errors = errors
        self._key_headers: dict[str, str] = {"X-MBX-APIKEY": api_key} if api_key else {}
        self._form_headers = {**self._key_headers, "Content-Type": _FORM}
        self._has_key = bool(api_key)

    def __repr__(self) -> str:
        return f"Pipeline({self.base_url!r})"

    async def call(
        self,
        endpoint: Endpoint[T],
        params: Mapping[str, Any] | None = None,
        *,
        client_order_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        """Send one request for `endpoint`; return its response decoded into the endpoint's type.

        `client_order_id` is attached to the error if the request fails (to an `ExecutionStatusUnknown`
        error if the outcome is unknown). `headers` are added to this request only (e.g. a bearer
        token); they are never logged.
        """
        params = params or _NO_PARAMS
        method = endpoint.method
        path = endpoint.path
        signed = endpoint.signed
        if signed and self.signer is None:
            raise InvalidRequestError(f"{method} {path} is signed: create the client with a secret or key")
        weight = endpoint.weight
        if type(weight) is not int:
            weight = endpoint.weight_for(params)
        orders = endpoint.orders
        encoded = encode_params(params)
        is_read = method == "GET"
        attempt = 0
        resynced = False
        while True:
            if signed and not self.clock.synced:
                await self.sync_clock()
            limiter = self.limiter
            sent_at = limiter.try_acquire(weight, orders)
            if sent_at is None:
                sent_at = await limiter.acquire(weight, orders)
            weight_mark = limiter.admitted_weight  # read before anything else can be admitted
            orders_mark = limiter.admitted_orders
            request = self._build(method, path, encoded, params, signed)
            if headers:
                request = request._replace(headers={**request.headers, **headers})
            debug = log.isEnabledFor(logging.DEBUG)
            started = time.perf_counter() if debug else 0.0
            try:
                response = await self.transport.send(request)
            except TransportError as exc:
                if is_read:
                    attempt += 1
                    delay = self.retry.delay(attempt)
                    if delay is not None:
                        _log_retry(method, path, type(exc).__name__, attempt, delay)
                        await asyncio.sleep(delay)
                        continue
                    raise
                if isinstance(exc, ConnectionFailedError):
                    raise  # never sent: the caller may safely try again
                unknown = SendStatusUnknownError(
                    f"{exc}; the request was sent and may have been executed",
                    method=method,
                    path=path,
                    client_order_id=client_order_id,
                )
                unknown.request = _sent(method, path, params)
                raise unknown from None
            limiter.reconcile(response.headers, sent_at, orders, weight_mark, orders_mark)
            status = response.status
            if debug:
                latency = (time.perf_counter() - started) * 1000.0
                log.debug("%s %s weight=%d status=%d latency=%.1fms", method, path, weight, status, latency)
            if 200 <= status < 300:
                try:
                    return endpoint.decode(response.body)
                except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                    invalid = InvalidResponseError(
                        f"{method} {path}: the response could not be decoded ({exc})",
                        status=status,
                        body=response.body,
                        method=method,
                        path=path,
                    )
                    invalid.client_order_id = client_order_id
                    raise invalid from None
            error = self._error(response, method, path, client_order_id)
            if isinstance(error, ExecutionStatusUnknown):
                error.request = _sent(method, path, params)
            if isinstance(error, TimestampError) and signed and not resynced:
                resynced = True
                await self.sync_clock(force=True)
                continue
            if is_read and isinstance(error, ExecutionStatusUnknown):
                attempt += 1
                delay = self.retry.delay(attempt, _retry_after(response.headers))
                if delay is not None:
                    _log_retry(method, path, f"HTTP {status}", attempt, delay)
                    await asyncio.sleep(delay)
                    continue
            raise error

    async def call_raw(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        *,
        signed: bool,
        weight: int,
        orders: int = 0,
    ) -> Any:
        """Like `call` for a route described only by its arguments: decoded JSON (dicts and lists)."""
        security = "USER_DATA" if signed else "NONE"
        endpoint = Endpoint("request", method, path, _RAW, weight=weight, security=security, orders=orders)
        return await self.call(endpoint, params)

    def _build(
        self, method: str, path: str, encoded: str, params: Mapping[str, Any], signed: bool
    ) -> Request:
        if signed:
            assert self.signer is not None
            extra = f"timestamp={self.clock.now_ms()}"
            if params.get("recvWindow") is None:
                extra = f"recvWindow={self.recv_window}&{extra}"
            payload = f"{encoded}&{extra}" if encoded else extra
            encoded = f"{payload}&signature={self.signer.sign(payload.encode())}"
        url = self.base_url + path
        if method == "GET" or not encoded:
            headers = self._key_headers if signed else _NO_HEADERS
            return Request(method, f"{url}?{encoded}" if encoded else url, path, headers)
        return Request(method, url, path, self._form_headers if signed else _FORM_HEADERS, encoded.encode())

    def _error(
        self, response: Response, method: str, path: str, client_order_id: str | None
    ) -> BinanceAPIError:
        error = self._errors(response.status, response.headers, response.body, method=method, path=path)
        if isinstance(error, (RateLimitedError, IPBannedError)):
            retry_after = error.retry_after
            self.limiter.pause(DEFAULT_PAUSE_SECONDS if retry_after is None else retry_after)
            log.warning("%s %s: HTTP %d, holding every request back", method, path, response.status)
        if client_order_id is not None:
            error.client_order_id = client_order_id
        return error

    async def sync_clock(self, *, force: bool = False) -> None:
        """Measure the server-time offset now (if never measured, or if `force`)."""
        if self._fetch_server_ms is None:
            raise InvalidRequestError("this client cannot sync a server clock")
        fetch = self._fetch_server_ms
        await self.clock.sync(lambda: fetch(self), force=force)
        log.debug(
            "server clock offset %.1f ms (round trip %.1f ms)", self.clock.offset_ms, self.clock.round_trip_ms
        )


def _sent(method: str, path: str, params: Mapping[str, Any]) -> SentRequest:
    return SentRequest(method, path, {k: v for k, v in params.items() if v is not None})


def _retry_after(headers: Mapping[str, str]) -> float | None:
    return parse_retry_after(headers.get("Retry-After"))


def _log_retry(method: str, path: str, reason: str, attempt: int, delay: float) -> None:
    log.info("%s %s: %s, retry %d in %.2f s", method, path, reason, attempt, delay)
