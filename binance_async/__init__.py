"""binance_async: an asyncio-first client for the Binance Spot REST API and Binance Login (OAuth 2.0).

Built on aiohttp, msgspec and aiolimiter: every ``/api/v3`` endpoint as a typed async method with
``Decimal`` money, a rate limiter that follows Binance's windows, HMAC / Ed25519 / RSA signing,
typed errors, orders that are never resent, and an embedded Binance simulator to run against.

::

    from binance_async import TESTNET, SpotClient

    async with SpotClient(api_key, api_secret, base_url=TESTNET) as client:
        book = await client.depth("BTCUSDT", limit=100)

Where to start:

- ``SpotClient`` (``binance_async.spot``): the Spot REST API. Market data, trading, order lists,
  the account, ``iter_*`` pagination, ``symbol_rules`` (filters and exact rounding),
  ``request(...)`` for anything new. ``client.unknown_outcomes`` holds every order or cancel whose
  fate is unknown until ``await client.reconcile_order(symbol, client_order_id)`` (or
  ``reconcile_order_list``) settles it.
- ``OAuthClient`` (``binance_async.oauth``): Binance Login, tokens and their stores
  (``MemoryTokenStore``, ``JsonFileTokenStore``, or any ``TokenStore``), and the user APIs. One client
  holds one user's token. ``binance_async.OAuthClient`` works too; it is imported on first use.
- Market streams and local order books: ``client.stream("btcusdt@trade")``,
  ``client.order_book("BTCUSDT")``, ``client.order_books([...])`` (``binance_async.streams``: typed
  events, `StreamConfig`, supervision; ``binance_async.testing.MockConnector`` to test without a
  network).
- ``binance_async.sim.Simulator`` (configured by ``SimConfig``): a local Binance on 127.0.0.1 with a
  matching engine, signature checks, rate limits, fault injection and an OAuth server. In pytest, the
  ``binance_sim`` fixture (a plugin installed with the package) gives a running one.
- The command line: ``binance-async demo | price | depth | rules | klines | account | order |
  cancel | status | sim`` (also ``python -m binance_async``).
- Errors (``binance_async.errors``, all re-exported here): everything raised on purpose derives from
  ``BinanceError``; ``ExecutionStatusUnknown`` means an order may have executed (look it up, never
  resend). The whole tree is in the ``binance_async.errors`` docstring.
- ``RateLimiter`` (``SpotClient(limiter=...)``, ``limit_share=``), with ``WindowSpec`` and
  ``WindowState``; ``RetryPolicy`` (``SpotClient(retry=...)``): how reads are retried. Limits shared
  by processes and hosts: ``SpotClient(limit_store="redis://...")`` (``RedisLimitStore``, the
  ``binance-async[redis]`` extra), or any ``LimitStore`` (``InProcessStore`` within one process).
- Hosts: ``MAINNET`` (the default), ``TESTNET``, ``DEMO``, ``MARKET_DATA`` (public data only).
- ``UnknownOutcomes`` and ``SentRequest``: what ``unknown_outcomes`` holds. ``Secret``: a ``str``
  whose repr is masked, as keys and tokens are held.
- ``Transport``, ``Request``, ``Response``: the seam every request goes through
  (``SpotClient(transport=...)``). ``binance_async.testing`` has ``MockTransport``, ``Router`` and
  response builders to test code that uses a client without a network.

``import binance_async`` loads only the errors and these small pieces; ``SpotClient`` (aiohttp,
msgspec), ``RateLimiter`` (aiolimiter) and ``OAuthClient`` are imported on first use, and
``cryptography`` only when an Ed25519 or RSA key is loaded (``Transport``, ``Request`` and
``Response`` load aiohttp, as ``SpotClient`` does).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._outcomes import UnknownOutcomes
from ._retry import RetryPolicy
from ._secret import Secret
from ._urls import DEMO, MAINNET, MARKET_DATA, TESTNET
from .errors import (
    APIKeyError,
    BinanceAPIError,
    BinanceError,
    CancelRejectedError,
    CancelReplaceError,
    ClientClosedError,
    ConnectionFailedError,
    ExecutionStatusUnknown,
    ExecutionStatusUnknownError,
    FilterFailureError,
    InvalidRequestError,
    InvalidResponseError,
    InvalidSignatureError,
    InvalidSymbolError,
    IPBannedError,
    IPBanWaitError,
    NoSuchOrderError,
    OAuthCallbackError,
    OAuthError,
    OAuthInsufficientScopeError,
    OAuthInvalidTokenError,
    OAuthNotAuthenticatedError,
    OAuthScopeError,
    OrderRejectedError,
    OrderValidationError,
    ParameterError,
    RateLimitedError,
    RateLimitWaitError,
    RequestTimeoutError,
    RequestTooHeavyError,
    RestrictedLocationError,
    SendStatusUnknownError,
    SentRequest,
    StreamClosedError,
    StreamError,
    StreamOverflowError,
    SubscriptionError,
    TimestampError,
    TokenStoreError,
    TransportError,
    UnknownSymbolError,
    WAFRejectedError,
)

if TYPE_CHECKING:
    from ._limit_store import InProcessStore, LimitStore
    from ._limits import RateLimiter, WindowSpec, WindowState
    from ._redis_store import RedisLimitStore
    from ._transport import Request, Response, Transport
    from .oauth import OAuthClient
    from .spot import SpotClient
    from .streams.config import StreamConfig

__version__ = "0.1.0.dev0"

__all__ = [
    "DEMO",
    "MAINNET",
    "MARKET_DATA",
    "TESTNET",
    "APIKeyError",
    "BinanceAPIError",
    "BinanceError",
    "CancelRejectedError",
    "CancelReplaceError",
    "ClientClosedError",
    "ConnectionFailedError",
    "ExecutionStatusUnknown",
    "ExecutionStatusUnknownError",
    "FilterFailureError",
    "IPBanWaitError",
    "IPBannedError",
    "InProcessStore",
    "InvalidRequestError",
    "InvalidResponseError",
    "InvalidSignatureError",
    "InvalidSymbolError",
    "LimitStore",
    "NoSuchOrderError",
    "OAuthCallbackError",
    "OAuthClient",
    "OAuthError",
    "OAuthInsufficientScopeError",
    "OAuthInvalidTokenError",
    "OAuthNotAuthenticatedError",
    "OAuthScopeError",
    "OrderRejectedError",
    "OrderValidationError",
    "ParameterError",
    "RateLimitWaitError",
    "RateLimitedError",
    "RateLimiter",
    "RedisLimitStore",
    "Request",
    "RequestTimeoutError",
    "RequestTooHeavyError",
    "Response",
    "RestrictedLocationError",
    "RetryPolicy",
    "Secret",
    "SendStatusUnknownError",
    "SentRequest",
    "SpotClient",
    "StreamClosedError",
    "StreamConfig",
    "StreamError",
    "StreamOverflowError",
    "SubscriptionError",
    "TimestampError",
    "TokenStoreError",
    "Transport",
    "TransportError",
    "UnknownOutcomes",
    "UnknownSymbolError",
    "WAFRejectedError",
    "WindowSpec",
    "WindowState",
]

# Names imported on first use (PEP 562): the module that defines each. A plain ``import
# binance_async`` (and the pytest plugin, which pytest loads in every run) stays cheap.
_LAZY = {
    "SpotClient": ".spot",
    "OAuthClient": ".oauth",
    "RateLimiter": "._limits",
    "WindowSpec": "._limits",
    "WindowState": "._limits",
    "LimitStore": "._limit_store",
    "InProcessStore": "._limit_store",
    "RedisLimitStore": "._redis_store",
    "Transport": "._transport",
    "Request": "._transport",
    "Response": "._transport",
    "StreamConfig": ".streams.config",
}
# Subpackages that ``binance_async.<name>`` reaches without importing them first.
_SUBPACKAGES = frozenset({"spot", "oauth", "sim", "streams", "testing"})


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value
        return value
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
