"""Base URLs, and the rule that only loopback hosts may use plain http."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from .errors import InvalidRequestError

__all__ = [
    "DEMO",
    "MAINNET",
    "MARKET_DATA",
    "TESTNET",
    "check_base_url",
    "check_stream_url",
    "stream_url_for",
]

#: Binance Spot production.
MAINNET = "https://api.binance.com"
#: Spot Testnet (virtual funds, periodic resets; keys from testnet.binance.vision).
TESTNET = "https://testnet.binance.vision"
#: Demo Mode (keys created at demo.binance.com).
DEMO = "https://demo-api.binance.com"
#: Public market data only: no API key, no account or trading endpoints.
MARKET_DATA = "https://data-api.binance.vision"

#: The market-stream host of each REST host (Binance's documented pairs).
STREAM_HOSTS = {
    MAINNET: "wss://stream.binance.com:9443",
    TESTNET: "wss://stream.testnet.binance.vision",
    DEMO: "wss://demo-stream.binance.com",
    MARKET_DATA: "wss://data-stream.binance.vision",
}

#: The WebSocket API of each REST host.
WS_API_HOSTS = {
    MAINNET: "wss://ws-api.binance.com:443/ws-api/v3",
    TESTNET: "wss://ws-api.testnet.binance.vision/ws-api/v3",
    DEMO: "wss://demo-ws-api.binance.com/ws-api/v3",
}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _checked(url: str, name: str, secure: str, plain: str) -> str:
    """`url` without a trailing slash, if its scheme is `secure`, or `plain` on a loopback host."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in (secure, plain) or not host:
        raise InvalidRequestError(f"{name} must be a {secure}:// URL, got {url!r}")
    if parts.scheme == plain and not _is_loopback(host):
        raise InvalidRequestError(
            f"{name} {url!r} uses plain {plain}: only loopback hosts (127.0.0.0/8, ::1, localhost) may"
        )
    if parts.query or parts.fragment:
        raise InvalidRequestError(f"{name} must not have a query or fragment, got {url!r}")
    return url.rstrip("/")


def check_base_url(base_url: str) -> str:
    """The base URL without a trailing slash; http is allowed only for loopback hosts."""
    return _checked(base_url, "base_url", "https", "http")


def check_stream_url(stream_url: str) -> str:
    """The stream URL without a trailing slash; ``ws://`` is allowed only for loopback hosts."""
    return _checked(stream_url, "stream_url", "wss", "ws")


def ws_api_url_for(base_url: str) -> str | None:
    """The WebSocket API URL that goes with a REST base URL (None for the market-data-only host and
    unknown hosts; a loopback ``http://`` one, the simulator, serves it at ``/ws-api/v3``)."""
    base_url = base_url.rstrip("/")
    known = WS_API_HOSTS.get(base_url)
    if known is not None:
        return known
    stream = stream_url_for(base_url)
    return f"{stream}/ws-api/v3" if stream is not None and stream.startswith("ws://") else None


def stream_url_for(base_url: str) -> str | None:
    """The market-stream URL that goes with a REST base URL: Binance's pair for its hosts, the same
    host and port over ``ws://`` for a loopback ``http://`` one (the simulator serves both), else None."""
    base_url = base_url.rstrip("/")
    known = STREAM_HOSTS.get(base_url)
    if known is not None:
        return known
    parts = urlsplit(base_url)
    if parts.scheme == "http" and _is_loopback((parts.hostname or "").lower()):
        return f"ws://{parts.netloc}"
    return None
