"""Base URLs, and the rule that only loopback hosts may use plain http."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from .errors import InvalidRequestError

__all__ = ["DEMO", "MAINNET", "MARKET_DATA", "TESTNET", "check_base_url"]

#: Binance Spot production.
MAINNET = "https://api.binance.com"
#: Spot Testnet (virtual funds, periodic resets; keys from testnet.binance.vision).
TESTNET = "https://testnet.binance.vision"
#: Demo Mode (keys created at demo.binance.com).
DEMO = "https://demo-api.binance.com"
#: Public market data only: no API key, no account or trading endpoints.
MARKET_DATA = "https://data-api.binance.vision"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str) -> str:
    """The base URL without a trailing slash; http is allowed only for loopback hosts."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidRequestError(f"base_url must be an https:// URL, got {base_url!r}")
    if parts.scheme == "http" and not _is_loopback(host):
        raise InvalidRequestError(
            f"base_url {base_url!r} uses plain http: only loopback hosts (127.0.0.0/8, ::1, localhost) may"
        )
    if parts.query or parts.fragment:
        raise InvalidRequestError(f"base_url must not have a query or fragment, got {base_url!r}")
    return base_url.rstrip("/")
