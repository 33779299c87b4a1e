"""SIGNED (TRADE / USER_DATA) request checks, the way Binance makes them.

Order of the checks, each answering as Binance does:

1. ``X-MBX-APIKEY``: missing or empty -> -2014 "API-key format invalid." (401); not a configured key,
   or a key without trading permission on a TRADE endpoint -> -2015 (401).
2. ``signature`` and ``timestamp`` present (-1102) and well formed (-1100); ``recvWindow`` a decimal
   (-1100) with at most 3 decimals (-1111), at most 60000 (-1130).
3. The signature, over the exact bytes received: the raw, still percent-encoded query string without
   its ``signature`` parameter, concatenated WITHOUT separator to the raw body (also without
   ``signature``). HMAC-SHA256 as hex (case-insensitive); Ed25519 and RSA (PKCS#1 v1.5, SHA-256) as
   base64, percent-encoded on the wire. A payload carrying un-encoded non-ASCII characters cannot be
   valid (Binance rejects those since 2026). Any failure -> -1022 (400).
4. Timing: ``timestamp`` (ms, or µs from 15 digits on) at least 1000 ms ahead of the
   server -> -1021 "...1000ms ahead..."; older than ``recvWindow`` (default 5000 ms) -> -1021
   "...outside of the recvWindow." (400).

The simulator shares no code with the client: this module must not import from ``binance_async``
outside ``binance_async.sim``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from decimal import Decimal
from urllib.parse import unquote_plus

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from .clock import SimClock
from .config import ApiKey, SimConfig
from .errors import (
    AHEAD_OF_SERVER,
    BAD_API_KEY_FORMAT,
    INVALID_SIGNATURE,
    OUTSIDE_RECV_WINDOW,
    REJECTED_API_KEY,
    SimError,
    too_much_precision,
)
from .params import Params

__all__ = [
    "API_KEY_HEADER",
    "DEFAULT_RECV_WINDOW_MS",
    "MAX_RECV_WINDOW_MS",
    "Security",
    "signature_payload",
]

API_KEY_HEADER = "X-MBX-APIKEY"
DEFAULT_RECV_WINDOW_MS = Decimal(5000)
MAX_RECV_WINDOW_MS = Decimal(60000)
#: A timestamp at least this large is in microseconds (16 digits today); below, milliseconds (13).
_MICROSECONDS_FROM = 10**14
_AHEAD_LIMIT_US = 1_000_000

_PublicKey = Ed25519PublicKey | RSAPublicKey


def _strip_signature(raw: str) -> str:
    """`raw` without its ``signature=...`` parameter(s); every other byte stays as received."""
    if "sig" not in raw.lower() and "%" not in raw:  # fast path: no parameter can be named signature
        return raw
    kept = [part for part in raw.split("&") if unquote_plus(part.partition("=")[0]) != "signature"]
    return "&".join(kept)


def signature_payload(method: str, raw_query: str, raw_body: str) -> str:
    """What the signature covers: raw query + raw body, no separator, both without ``signature``.

    GET requests carry their parameters in the query string only, so their body is not part of it.
    """
    body = "" if method.upper() in ("GET", "HEAD") else raw_body
    return _strip_signature(raw_query) + _strip_signature(body)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, candidate in headers.items():
        if key.lower() == lowered:
            return candidate
    return None


def _load_public_key(api_key: ApiKey) -> _PublicKey:
    assert api_key.public_key_pem is not None
    loaded = serialization.load_pem_public_key(api_key.public_key_pem.encode("ascii"))
    if not isinstance(loaded, Ed25519PublicKey | RSAPublicKey):
        raise ValueError(f"unsupported public key type {type(loaded).__name__} (Ed25519 or RSA only)")
    return loaded


class Security:
    """Checks the API key, signature and timing of SIGNED requests against the configured keys."""

    def __init__(self, config: SimConfig, clock: SimClock) -> None:
        self._clock = clock
        self._keys: dict[str, ApiKey] = {}
        self._public_keys: dict[str, _PublicKey] = {}
        for api_key in config.api_keys:
            if api_key.hmac_secret is None and api_key.public_key_pem is None:
                raise ValueError(f"{api_key!r} has neither an HMAC secret nor a public key")
            if api_key.key in self._keys:
                raise ValueError(f"{api_key!r} is configured twice")
            self._keys[api_key.key] = api_key
            if api_key.hmac_secret is None:
                self._public_keys[api_key.key] = _load_public_key(api_key)

    def api_key_for(self, headers: Mapping[str, str]) -> ApiKey | None:
        """The configured key named by the ``X-MBX-APIKEY`` header, if any."""
        value = _header(headers, API_KEY_HEADER)
        return None if not value else self._keys.get(value)

    def verify(
        self,
        method: str,
        raw_query: str,
        raw_body: str,
        headers: Mapping[str, str],
        params: Params,
        security: str = "USER_DATA",
        *,
        utf8: bool = False,
    ) -> str:
        """Check a SIGNED request and answer the account of its key, or raise `SimError` as Binance.

        `raw_query` must be the query string exactly as received (still percent-encoded; with aiohttp
        ``request.rel_url.raw_query_string``), `raw_body` the form body as received. `security` is the
        endpoint's security type: TRADE also needs a key allowed to trade. Marks ``signature``,
        ``timestamp`` and ``recvWindow`` as read in `params`. ``utf8=True`` (the WebSocket API, whose
        payload is never percent-encoded) takes non-ASCII characters in the payload as UTF-8 bytes.
        """
        key_value = _header(headers, API_KEY_HEADER)
        if not key_value:
            raise BAD_API_KEY_FORMAT
        api_key = self._keys.get(key_value)
        if api_key is None or (security == "TRADE" and not api_key.can_trade):
            raise REJECTED_API_KEY

        signature = params.text("signature", required=True)
        assert signature is not None
        timing = read_timing(params)
        payload = signature_payload(method, raw_query, raw_body)
        if not self._signature_valid(api_key, payload, signature, utf8):
            raise INVALID_SIGNATURE
        self.check_timing(*timing)
        return api_key.account

    def check_timing(self, timestamp: int, recv_window: Decimal) -> None:
        """-1021 unless `timestamp` (ms, or µs from 15 digits on) is less than 1000 ms ahead of the
        server and no older than `recv_window` ms."""
        server_us = self._clock.now_ms() * 1000
        timestamp_us = timestamp if timestamp >= _MICROSECONDS_FROM else timestamp * 1000
        if timestamp_us >= server_us + _AHEAD_LIMIT_US:
            raise AHEAD_OF_SERVER
        if server_us - timestamp_us > int(recv_window * 1000):
            raise OUTSIDE_RECV_WINDOW

    def _signature_valid(self, api_key: ApiKey, payload: str, signature: str, utf8: bool = False) -> bool:
        if not utf8 and not payload.isascii():  # REST signed over un-encoded characters: never valid (2026)
            return False
        data = payload.encode("utf-8")
        if api_key.hmac_secret is not None:
            expected = hmac.new(api_key.hmac_secret.encode("utf-8"), data, hashlib.sha256).hexdigest()
            return hmac.compare_digest(expected.encode("ascii"), signature.lower().encode("utf-8"))
        try:
            raw_signature = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            return False
        public_key = self._public_keys[api_key.key]
        try:
            if isinstance(public_key, Ed25519PublicKey):
                public_key.verify(raw_signature, data)
            else:
                public_key.verify(raw_signature, data, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True


def read_timing(params: Params) -> tuple[int, Decimal]:
    """``timestamp`` (present, -1102; an integer, -1100) and ``recvWindow`` (default 5000; at most 3
    decimals, -1111; at most 60000, -1130) of a request, marked as read."""
    timestamp = params.integer("timestamp", required=True)
    assert timestamp is not None
    recv_window = params.decimal("recvWindow")
    if recv_window is None:
        return timestamp, DEFAULT_RECV_WINDOW_MS
    exponent = recv_window.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -3:
        raise too_much_precision("recvWindow")
    if recv_window > MAX_RECV_WINDOW_MS:
        raise SimError(-1130, "Data sent for parameter 'recvWindow' is not valid.")
    return timestamp, recv_window
