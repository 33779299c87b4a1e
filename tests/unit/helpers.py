"""Small helpers shared by the unit tests."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from binance_async import RetryPolicy, SpotClient
from binance_async.testing import (
    MockConnector,
    MockTransport,
    RecordingTransport,
    Router,
    params,
    server_time,
)

BASE = "https://api.binance.com"
KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
#: The retries of the default policy, without the waiting.
FAST_RETRY = RetryPolicy(max_retries=2, base_delay=0.001, max_delay=0.002)
#: What Binance accepts as a client order id (newClientOrderId, listClientOrderId, ...).
CLIENT_ID = re.compile(r"[a-zA-Z0-9_-]{1,36}")


def calls(
    transport: RecordingTransport, method: str | None = None, path: str | None = None
) -> list[tuple[str, str, Any]]:
    """Every request `transport` (a `MockTransport` too) sent with this method, to this path (None:
    any), in order: (method, url, kwargs), where kwargs["data"] is the body and kwargs["headers"] the
    headers."""
    return [(r.method, r.url, {"data": r.body, "headers": r.headers}) for r in transport.find(method, path)]


def sent(
    transport: RecordingTransport, method: str = "POST", path: str | None = None
) -> list[list[tuple[str, str]]]:
    """The form fields (POST, PUT, DELETE) or query (GET) of every `method` request (to `path`), in
    order, signature and timestamp included."""
    return [params(request) for request in transport.find(method, path)]


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def form(body: bytes | None) -> list[tuple[str, str]]:
    return parse_qsl((body or b"").decode(), keep_blank_values=True)


def iter_strings(value: Any) -> Iterator[str]:
    """Every string reachable inside a log record's args or an exception's attributes."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes):
        yield value.decode("utf-8", "replace")
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            yield from iter_strings(item)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from iter_strings(k)
            yield from iter_strings(v)
    else:
        yield repr(value)


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait, yielding to the loop every 5 ms, until `condition()` holds (TimeoutError after `timeout`).

    For state that changes inside library tasks with no event to wait on (a socket's subscriptions,
    a book's update id); never a measure of speed.
    """

    async def poll() -> None:
        while not condition():  # noqa: ASYNC110 - the condition is not an Event
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout)


#: Where the WebSocket API tests' clients look for it (sockets come from a `MockConnector`).
WS_API_URL = "wss://x.example/ws-api/v3"


def ws_client(
    connector: MockConnector,
    router: Router | None = None,
    api_key: str = KEY,
    api_secret: str | None = SECRET,
    **options: Any,
) -> SpotClient:
    """A client whose sockets are `connector`'s fakes and whose REST calls go to `router` (which also
    answers the server time, for signed calls)."""
    router = router or Router()
    router.get("/api/v3/time", server_time, times=None)
    return SpotClient(
        api_key,
        api_secret,
        transport=MockTransport(router),
        connector=connector,
        ws_api_url=WS_API_URL,
        **options,
    )


def ed25519_key() -> tuple[ed25519.Ed25519PrivateKey, bytes]:
    """A new Ed25519 key, and its private key as unencrypted PKCS#8 PEM (what ``private_key=`` takes)."""
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key, pem
