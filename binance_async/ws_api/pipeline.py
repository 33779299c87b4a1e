"""`WsPipeline`: the REST pipeline with WebSocket API requests (`Pipeline._build` is all that differs).

Everything else is the REST pipeline's, shared with the client that opened it: the rate limiter (the
answers' ``rateLimits`` reconcile it as REST headers do: weight is per IP across REST and WebSocket),
the server clock, the signer, the retry policy for reads, the error mapping and `unknown_outcomes`.

Signed requests carry ``apiKey``, ``timestamp`` (and ``recvWindow``) and a ``signature`` over the
params sorted by name (the WebSocket API's rule). An Ed25519 key logs the session on instead
(``session.logon``, once per connection, again after a reconnect): its requests then carry the
timestamp only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import unquote

import msgspec

from .._pipeline import Pipeline
from .._secret import SecretBytes
from .._transport import Request
from ..errors import InvalidRequestError, error_from_response
from ..spot.endpoints.ws_methods import WS_METHODS
from .transport import LinkSender, WsApiTransport
from .wire import params_json, signature_payload

__all__ = ["CONNECTION_WEIGHT", "WsPipeline"]

logger = logging.getLogger("binance_async.ws_api")

#: What opening a WebSocket API connection costs in request weight.
CONNECTION_WEIGHT = 2
_NO_HEADERS: Mapping[str, str] = {}


class WsPipeline(Pipeline):
    """A `Pipeline` whose requests go over `transport` (a `WsApiTransport`), sharing `rest`'s state."""

    transport: WsApiTransport

    def __init__(self, rest: Pipeline, transport: WsApiTransport) -> None:
        super().__init__(
            transport.url,
            transport,
            rest.limiter,
            rest.clock,
            api_key=None,
            signer=rest.signer,
            recv_window=rest.recv_window,
            retry=rest.retry,
            time_endpoint=rest._time_endpoint,
            errors=rest._errors,
            timeout=rest.timeout,
            outcomes=rest.outcomes,
        )
        self._rest = rest
        self._api_key: str | None = rest._key_headers.get("X-MBX-APIKEY")
        self._has_key = rest._has_key
        #: Whether requests may leave the key and signature out (an Ed25519 session logon succeeded).
        self.logged_on = False
        #: Run on every new connection after the logon, before any other request: with a sender on
        #: that connection and why it was opened (``WsApiTransport.opening``: ``"first"``,
        #: ``"reconnect"``, ``"rotation"``). The user data stream subscribes there.
        self.on_ready: list[Callable[[LinkSender, str], Awaitable[None]]] = []
        transport.on_open = self._on_open

    def __repr__(self) -> str:
        return f"WsPipeline({self.base_url!r})"

    def _build(
        self, method: str, path: str, encoded: str, params: Mapping[str, Any], signed: bool
    ) -> Request:
        ws_method = WS_METHODS.get((method, path))
        if ws_method is None:
            raise InvalidRequestError(f"{method} {path} has no WebSocket API method: call it over REST")
        body = params_json(encoded, params)
        if signed:
            body["timestamp"] = self.clock.now_ms()
            if params.get("recvWindow") is None:
                body["recvWindow"] = self.recv_window
            if not self.logged_on:
                self._sign(body)
        # Masked: the params carry the API key and the signature (and end up in frames' locals).
        return Request(ws_method, self.base_url, path, _NO_HEADERS, SecretBytes(msgspec.json.encode(body)))

    def signed_body(self, params: dict[str, Any] | None = None) -> bytes:
        """`params` with a timestamp, the API key and a signature, as a request's JSON params."""
        body: dict[str, Any] = dict(params or {})
        body["timestamp"] = self.clock.now_ms()
        self._sign(body)
        return SecretBytes(msgspec.json.encode(body))

    def _sign(self, body: dict[str, Any]) -> None:
        signer = self.signer
        if signer is None or self._api_key is None:
            raise InvalidRequestError(
                "signed WebSocket API requests need the client's API key and secret or key"
            )
        body["apiKey"] = str(self._api_key)
        # the signers give the query-string form (base64 percent-encoded); a JSON value is the plain text
        body["signature"] = unquote(signer.sign(signature_payload(body)))

    async def sync_clock(self, *, force: bool = False) -> None:
        """The server clock is the client's: measured over REST (its ``GET /api/v3/time``), so that a
        connection being opened (its logon needs a timestamp) never waits for itself."""
        await self._rest.sync_clock(force=force)

    async def _on_open(self, send: LinkSender) -> None:
        """A new connection: charge its weight; log an Ed25519 key on; then the `on_ready` hooks."""
        self.limiter.charge_now(CONNECTION_WEIGHT)
        await self._logon(send)
        for hook in self.on_ready:
            await hook(send, self.transport.opening)

    @property
    def can_log_on(self) -> bool:
        signer = self.signer
        return signer is not None and signer.kind == "Ed25519" and self._api_key is not None

    async def _logon(self, send: LinkSender) -> None:
        if not self.can_log_on:
            return
        if not self.clock.synced:
            await self._rest.sync_clock()
        body: dict[str, Any] = {"timestamp": self.clock.now_ms()}
        self._sign(body)
        response = await send("session.logon", SecretBytes(msgspec.json.encode(body)))
        if response.status != 200:
            self.logged_on = False
            raise error_from_response(
                response.status, response.headers, response.body, method="session.logon"
            )
        self.logged_on = True
        logger.debug("WebSocket API session logged on")
