"""The one request loop every call goes through.

    encode params -> limiter -> sign (timestamp from the synced clock) -> transport
        -> reconcile the limiter from the headers -> map errors -> decode

Policies owned here: the clock is synced lazily before the first signed request and again (with one
retry) on -1021, timing only the round trip on the wire (the time request passes the limiter's
queue but is still counted); a client that never signs aligns its clock to the first answer's
``Date``; 429/418 pause the limiter for ``Retry-After`` (parsed strictly, capped at Binance's longest
ban; absent or unreadable: until the next minute boundary after a 429, two minutes after a 418), and
a call that would wait longer than its timeout raises instead; only GETs are retried (see
`RetryPolicy`); a write whose fate is unknown raises an `ExecutionStatusUnknown` error, is recorded in
`outcomes` under its client order id, and is never resent; so is one whose caller's task was
cancelled once the request may have left (the ``CancelledError`` still propagates). DEBUG logs under
``binance_async`` show method, path, weight, status and latency, never a query string, a key, a
signature or a token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

import msgspec

from ._clock import ClockSample, ServerClock
from ._constants import DEFAULT_BAN_SECONDS, DEFAULT_RECV_WINDOW_MS, RATE_WINDOW_MS
from ._encoding import check_recv_window, encode_params
from ._endpoint import Endpoint
from ._limits import RateLimiter
from ._outcomes import UnknownOutcomes
from ._retry import RetryPolicy
from ._secret import Secret
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


class _HasServerTime(Protocol):
    @property
    def server_time(self) -> int: ...


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
        recv_window: int = DEFAULT_RECV_WINDOW_MS,
        retry: RetryPolicy | None = None,
        time_endpoint: Endpoint[_HasServerTime] | None = None,
        errors: ErrorMapper = error_from_response,
        timeout: float | None = None,
        outcomes: UnknownOutcomes | None = None,
    ) -> None:
        self.base_url = base_url
        self.transport = transport
        self.limiter = limiter
        self.clock = clock
        self.signer = signer
        self.recv_window = check_recv_window(recv_window)  # the same check as every call's
        self.retry = retry or RetryPolicy()
        self._time_endpoint = time_endpoint
        self._errors = errors
        #: The call's timeout (s): also the longest a request waits in the rate limiter.
        self.timeout = timeout
        #: Orders and cancels whose fate is unknown, by client order id (see `UnknownOutcomes`).
        self.outcomes = outcomes if outcomes is not None else UnknownOutcomes()
        self._key_headers: dict[str, str] = {"X-MBX-APIKEY": Secret(api_key)} if api_key else {}
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
        error if the outcome is unknown); a write whose outcome is unknown is recorded under it in
        `outcomes`. `headers` are added to this request only (e.g. a bearer token); they are never
        logged.
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
        # Masked: an OAuth token request's form carries the client secret, a code or a refresh token.
        encoded = Secret(encode_params(params))
        is_read = method == "GET"
        # A write with a client order id: if its fate becomes unknown, it goes into `outcomes`.
        tracked = None if is_read else client_order_id
        attempt = 0
        resynced = False
        while True:
            if signed and not self.clock.synced:
                await self.sync_clock()
            limiter = self.limiter
            admission = limiter.try_acquire(weight, orders)
            if admission is None:
                admission = await limiter.acquire(weight, orders, timeout=self.timeout)
            request = self._build(method, path, encoded, params, signed)
            if headers:
                request = request._replace(headers={**request.headers, **headers})
            debug = log.isEnabledFor(logging.DEBUG)
            started = time.perf_counter() if debug else 0.0
            try:
                response = await self.transport.send(request)
            except asyncio.CancelledError:
                self._unknown(tracked, _sent(method, path, params), "task cancelled")
                raise
            except InvalidResponseError as exc:  # larger than max_response_bytes: never read
                exc.client_order_id = client_order_id
                self._unknown(tracked, _sent(method, path, params), "answer too large")
                raise
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
                self._unknown(tracked, unknown.request, type(exc).__name__)
                raise unknown from None
            limiter.reconcile(response.headers, admission)
            clock = self.clock
            if not clock.aligned:
                clock.align(response.headers.get("Date"))
            status = response.status
            if debug:
                latency = (time.perf_counter() - started) * 1000.0
                log.debug("%s %s weight=%d status=%d latency=%.1fms", method, path, weight, status, latency)
            if 200 <= status < 300:
                try:
                    return endpoint.decode(response.body)
                except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                    reason = str(exc)
                # Raised outside the except clause: no __context__ (whose frames hold the raw body).
                invalid = _undecodable(method, path, status, response.body, reason)
                invalid.client_order_id = client_order_id
                self._unknown(tracked, _sent(method, path, params), "undecodable answer")
                raise invalid
            error = self._error(response, method, path, client_order_id)
            if isinstance(error, ExecutionStatusUnknown):
                error.request = _sent(method, path, params)
                self._unknown(tracked, error.request, f"HTTP {status}")
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

    def _unknown(self, client_order_id: str | None, sent: SentRequest, reason: str) -> None:
        """Record a write whose fate is unknown in `outcomes` (nothing for a read or without an id)."""
        if client_order_id is not None:
            self.outcomes._record(client_order_id, sent, reason)

    def _error(
        self, response: Response, method: str, path: str, client_order_id: str | None
    ) -> BinanceAPIError:
        error = self._errors(response.status, response.headers, response.body, method=method, path=path)
        if isinstance(error, (RateLimitedError, IPBannedError)):
            seconds = error.retry_after
            banned = isinstance(error, IPBannedError)
            if seconds is None:
                if banned:
                    seconds = DEFAULT_BAN_SECONDS
                else:  # until the minute window the 429 was about has passed
                    now = self.clock.now_ms()
                    seconds = ((now // RATE_WINDOW_MS + 1) * RATE_WINDOW_MS - now) / 1000.0
            self.limiter.pause(seconds, 418 if banned else 429)
            log.warning(
                "%s %s: HTTP %d, holding every request back for %.0f s",
                method,
                path,
                response.status,
                seconds,
            )
        if client_order_id is not None:
            error.client_order_id = client_order_id
        return error

    async def sync_clock(self, *, force: bool = False) -> None:
        """Measure the server-time offset now (if never measured, or if `force`)."""
        if self._time_endpoint is None:
            raise InvalidRequestError("this client cannot sync a server clock")
        await self.clock.sync(self._measure_clock, force=force)
        log.debug(
            "server clock offset %.1f ms (round trip %.1f ms)", self.clock.offset_ms, self.clock.round_trip_ms
        )

    async def _measure_clock(self) -> ClockSample:
        """One time request: it passes the limiter's queue (still charged) and only the wire is timed.

        A pause after a 429/418 is still honoured (waited for, or raised past the call's timeout).
        Transport errors are retried like any read.
        """
        endpoint = self._time_endpoint
        assert endpoint is not None
        limiter = self.limiter
        clock = self.clock
        attempt = 0
        while True:
            if limiter.paused_for():
                await limiter.wait_pause(self.timeout)
            admission = limiter.charge_now(endpoint.weight_for(_NO_PARAMS))
            request = self._build(endpoint.method, endpoint.path, "", _NO_PARAMS, False)
            start = clock.wall()
            try:
                response = await self.transport.send(request)
            except TransportError as exc:
                attempt += 1
                delay = self.retry.delay(attempt)
                if delay is None:
                    raise
                _log_retry(endpoint.method, endpoint.path, type(exc).__name__, attempt, delay)
                await asyncio.sleep(delay)
                continue
            end = clock.wall()
            limiter.reconcile(response.headers, admission)
            if not 200 <= response.status < 300:
                raise self._error(response, endpoint.method, endpoint.path, None)
            try:
                return ClockSample(endpoint.decode(response.body).server_time, start, end)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                reason = str(exc)
            raise _undecodable(endpoint.method, endpoint.path, response.status, response.body, reason)


def _undecodable(method: str, path: str, status: int, body: bytes, reason: str) -> InvalidResponseError:
    return InvalidResponseError(
        f"{method} {path}: the response could not be decoded ({reason})",
        status=status,
        body=body,
        method=method,
        path=path,
    )


def _sent(method: str, path: str, params: Mapping[str, Any]) -> SentRequest:
    return SentRequest(method, path, {k: v for k, v in params.items() if v is not None})


def _retry_after(headers: Mapping[str, str]) -> float | None:
    return parse_retry_after(headers.get("Retry-After"))


def _log_retry(method: str, path: str, reason: str, attempt: int, delay: float) -> None:
    log.info("%s %s: %s, retry %d in %.2f s", method, path, reason, attempt, delay)
