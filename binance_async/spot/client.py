"""`SpotClient`: typed async methods for the Binance Spot ``/api/v3`` REST API.

Each method names its endpoint (see `endpoints`) and passes its arguments under Binance's names;
the shared pipeline does the rest. Docstrings carry the endpoint and its weight rule from the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._base_client import ClientOptions
from .._urls import MAINNET
from ..errors import InvalidRequestError
from . import endpoints as E
from ._common import MAX_CLIENT_ID_PREFIX, check_client_order_id
from .enums import KlineInterval, SymbolStatus, TickerType
from .methods.account import AccountMixin
from .methods.market import MarketDataMixin
from .methods.order_lists import OrderListMixin
from .methods.pagination import PaginationMixin
from .methods.raw import RawRequestMixin
from .methods.trading import TradingMixin
from .methods.ws_api import WsApiMixin

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._websocket import Connector
    from ..streams.config import StreamConfig

__all__ = ["KlineInterval", "SpotClient", "SymbolStatus", "TickerType"]


class SpotClient(
    TradingMixin, OrderListMixin, AccountMixin, PaginationMixin, MarketDataMixin, RawRequestMixin, WsApiMixin
):
    """Async client for the Binance Spot REST API.

    ::

        async with SpotClient(api_key=..., api_secret=...) as client:
            book = await client.depth("BTCUSDT", limit=100)

    Credentials: ``api_secret`` for HMAC keys, or ``private_key`` (PKCS#8 PEM, optionally encrypted
    with ``private_key_password``) for Ed25519 or RSA keys. Public market data needs neither.
    ``base_url`` defaults to mainnet; see `binance_async.TESTNET`, `DEMO` and `MARKET_DATA`. Plain
    ``http://`` is accepted only for loopback hosts (the embedded simulator).

    Connection options (keywords, `ClientOptions`, shared with `binance_async.oauth.OAuthClient`):
    ``session``, ``proxy``, ``trust_env``, ``timeout`` (10 s), ``recv_window`` (5000 ms), ``limiter``,
    ``retry``, ``transport``, ``limit_share`` (1.0; 0.25 with a store), ``max_response_bytes`` (64 MiB),
    ``limit_store`` and ``limit_ip``.
    ``session`` shares a caller's ``aiohttp.ClientSession`` (left open on close; the client turns off
    aiohttp's silent resend of a request after a dropped keep-alive connection on it, for every user
    of that session, so a cancel or an amend is never sent twice); ``proxy`` and ``trust_env`` go to
    aiohttp. ``recv_window`` (ms, at most 60000) applies to signed requests.

    Orders: every order-placing method sends a client order id, generated as
    ``client_order_id_prefix`` + 22 random characters when the caller gives none.
    ``validate_orders=True`` checks every order against its symbol's filters before sending
    (`symbol_rules`, cached ``rules_ttl`` seconds); ``validate=`` on a call overrides it.

    ``limit_share`` (0 < share <= 1): the part of Binance's rate limits this client may use, when
    several processes share one IP or account (see `RateLimiter`). ``limit_store`` (a ``redis://`` URL,
    ``binance-async[redis]``, or a `LimitStore`) shares the counts themselves with every process and
    host using the same store: the IP's windows under ``limit_ip`` (default ``default@<host>``), the
    account's under a hash of ``api_key``; ``limit_share`` is then what this client keeps to while the
    store is unreachable.

    ``timeout`` (s) bounds each request and every wait in the rate limiter: a request that would be
    held back longer raises `RateLimitWaitError` / `IPBanWaitError` instead. ``max_response_bytes``
    (default 64 MiB; None for no cap): a larger answer is refused with `InvalidResponseError`
    without being read whole.

    Orders and cancels whose fate is unknown are kept in `unknown_outcomes` until `reconcile_order`
    settles them.

    Market streams (`stream`, `order_book`, `order_books`): ``stream_url`` defaults to the stream host
    that goes with ``base_url`` (mainnet ``wss://stream.binance.com:9443``, testnet, demo, the
    market-data-only host, and the simulator's own server); ``stream_config`` a `StreamConfig`;
    ``connector`` the socket seam (``binance_async.testing.MockConnector`` in tests). Sockets use the
    client's session, so ``proxy`` and ``trust_env`` apply to them too. ``ws_api_url`` (the WebSocket
    API, `ws_api`) defaults likewise (mainnet ``wss://ws-api.binance.com:443/ws-api/v3``, testnet, demo,
    the simulator).
    """

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | bytes | None = None,
        *,
        private_key: str | bytes | None = None,
        private_key_password: str | bytes | None = None,
        base_url: str = MAINNET,
        validate_orders: bool = False,
        client_order_id_prefix: str = "",
        rules_ttl: float = 300.0,
        stream_url: str | None = None,
        ws_api_url: str | None = None,
        stream_config: StreamConfig | None = None,
        connector: Connector | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        if client_order_id_prefix:
            check_client_order_id(client_order_id_prefix, "client_order_id_prefix")
            if len(client_order_id_prefix) > MAX_CLIENT_ID_PREFIX:
                raise InvalidRequestError(
                    f"client_order_id_prefix: at most {MAX_CLIENT_ID_PREFIX} characters "
                    "(a generated id adds 22 and Binance allows 36)"
                )
        if not rules_ttl > 0:
            raise InvalidRequestError(f"rules_ttl must be positive, got {rules_ttl}")
        self._client_id_prefix = client_order_id_prefix
        self._validate_orders = validate_orders
        self._rules_ttl = rules_ttl
        super().__init__(
            base_url,
            api_key=api_key,
            api_secret=api_secret,
            private_key=private_key,
            private_key_password=private_key_password,
            **options,
        )
        self._init_streams(stream_url, connector, stream_config)
        self._init_ws_api(ws_api_url)

    _time_endpoint = E.SERVER_TIME

    async def aclose(self) -> None:
        """Close the streams, then the HTTP session this client opened. Idempotent."""
        await self._close_streams()
        await super().aclose()
