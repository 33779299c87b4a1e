"""Request signatures: HMAC-SHA256, Ed25519 and RSA (PKCS#1 v1.5, SHA-256).

A signer signs the exact percent-encoded ``query + body`` bytes that are sent and returns the value
of the ``signature`` parameter, already safe to append (hex for HMAC; percent-encoded base64 for
Ed25519 and RSA). Key material is prepared once: the HMAC object is built from the secret at
construction and ``.copy()``-ed per request. No signer's repr shows its key.

``cryptography`` is imported only when a PEM key is loaded: an HMAC client (and ``import
binance_async``) never pays for it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote

from .errors import InvalidRequestError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

__all__ = ["Ed25519Signer", "HmacSigner", "RsaSigner", "Signer", "load_signer"]


class Signer(Protocol):
    """Signs a payload; returns the wire value of the ``signature`` parameter."""

    kind: str

    def sign(self, payload: bytes) -> str: ...


class HmacSigner:
    """HMAC-SHA256 with the secret, hex output."""

    kind = "HMAC"
    __slots__ = ("_mac",)

    def __init__(self, secret: str | bytes) -> None:
        key = secret.encode() if isinstance(secret, str) else secret
        self._mac = hmac.new(key, digestmod=hashlib.sha256)

    def sign(self, payload: bytes) -> str:
        mac = self._mac.copy()
        mac.update(payload)
        return mac.hexdigest()

    def __repr__(self) -> str:
        return "HmacSigner(<secret hidden>)"


class Ed25519Signer:
    """Ed25519 over the payload, base64, percent-encoded."""

    kind = "Ed25519"
    __slots__ = ("_key",)

    def __init__(self, key: ed25519.Ed25519PrivateKey) -> None:
        self._key = key

    def sign(self, payload: bytes) -> str:
        return quote(base64.b64encode(self._key.sign(payload)).decode(), safe="")

    def __repr__(self) -> str:
        return "Ed25519Signer(<key hidden>)"


class RsaSigner:
    """RSASSA-PKCS1-v1_5 with SHA-256 over the payload, base64, percent-encoded."""

    kind = "RSA"
    __slots__ = ("_hash", "_key", "_padding")

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        self._key = key
        self._padding = padding.PKCS1v15()
        self._hash = hashes.SHA256()

    def sign(self, payload: bytes) -> str:
        raw = self._key.sign(payload, self._padding, self._hash)
        return quote(base64.b64encode(raw).decode(), safe="")

    def __repr__(self) -> str:
        return "RsaSigner(<key hidden>)"


def _load_failure(exc: Exception) -> str:
    """A fixed, short reason (never the library's text, never key material)."""
    text = str(exc).lower()
    if isinstance(exc, TypeError) and "not encrypted" in text:
        return "a password was given but the key is not encrypted"
    if isinstance(exc, TypeError) and "password" in text:
        return "the key is encrypted: give private_key_password"
    if "decrypt" in text or "password" in text:
        return "wrong password"
    return "not a usable PEM private key"


def _load_private_key(pem: str | bytes, password: str | bytes | None) -> Signer:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    data = pem.encode() if isinstance(pem, str) else pem
    secret = password.encode() if isinstance(password, str) else password
    try:
        key = serialization.load_pem_private_key(data, password=secret)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InvalidRequestError(f"private_key could not be loaded: {_load_failure(exc)}") from None
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return Ed25519Signer(key)
    if isinstance(key, rsa.RSAPrivateKey):
        return RsaSigner(key)
    raise InvalidRequestError(f"private_key: unsupported key type {type(key).__name__}; use Ed25519 or RSA")


def load_signer(
    api_secret: str | bytes | None = None,
    private_key: str | bytes | None = None,
    private_key_password: str | bytes | None = None,
) -> Signer | None:
    """The signer for the given credentials: HMAC from a secret, Ed25519/RSA from a PKCS#8 PEM key."""
    if api_secret is not None and private_key is not None:
        raise InvalidRequestError("give either api_secret (HMAC) or private_key (Ed25519/RSA), not both")
    if private_key is not None:
        return _load_private_key(private_key, private_key_password)
    if api_secret is not None:
        if not api_secret:
            raise InvalidRequestError("api_secret is empty")
        return HmacSigner(api_secret)
    return None
