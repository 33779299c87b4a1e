"""`WsApiClient`: the Spot trading and account methods over the WebSocket API.

``async with client.ws_api() as ws:`` gives an object with the same methods as `SpotClient` (the same
mixins: `new_order`, `cancel_order`, `cancel_replace_order`, the order lists, SOR, `get_order`,
`open_orders`, `all_orders`, `my_trades`, `account`, the market data ...), the same keyword arguments,
validation, generated client order ids and return types. Only the transport differs: requests are
multiplexed over one supervised connection (`WsApiTransport`), through a `WsPipeline` that shares the
client's rate limiter, clock, signer, symbol rules and `unknown_outcomes`.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from ..spot.methods.account import AccountMixin
from ..spot.methods.market import MarketDataMixin
from ..spot.methods.order_lists import OrderListMixin
from ..spot.methods.raw import RawRequestMixin
from ..spot.methods.trading import TradingMixin
from .pipeline import WsPipeline
from .transport import WsApiStats, WsApiTransport

if TYPE_CHECKING:
    from ..spot.client import SpotClient

__all__ = ["WsApiClient"]


class WsApiClient(TradingMixin, OrderListMixin, AccountMixin, MarketDataMixin, RawRequestMixin):
    """The WebSocket API twin of a `SpotClient` (see the module); made by ``client.ws_api()``."""

    _pipeline: WsPipeline

    def __init__(self, parent: SpotClient, transport: WsApiTransport) -> None:
        # Not BaseClient.__init__: everything but the transport is the parent's.
        self._pipeline = WsPipeline(parent._pipeline, transport)
        self._closed = False
        self._aiohttp = False
        self._client_id_prefix = parent._client_id_prefix
        self._validate_orders = parent._validate_orders
        self._rules_ttl = parent._rules_ttl
        self._rules_cache = parent._rules()  # one cache of symbol rules, loaded over REST
        self._parent = parent

    def __repr__(self) -> str:
        state = "connected" if self._pipeline.transport.connected else "not connected"
        return f"WsApiClient({self._pipeline.transport.url!r}, {state})"

    @property
    def url(self) -> str:
        return self._pipeline.transport.url

    @property
    def connected(self) -> bool:
        """Whether a connection is open and ready (logged on, for an Ed25519 key)."""
        return self._pipeline.transport.connected

    @property
    def logged_on(self) -> bool:
        """Whether requests go without key and signature (an Ed25519 ``session.logon`` succeeded)."""
        return self._pipeline.logged_on

    @property
    def stats(self) -> WsApiStats:
        """The connection's counters (requests, reconnects, rotations, lost answers, timeouts ...)."""
        return self._pipeline.transport.stats

    async def connect(self) -> None:
        """Open the connection now (the first request would), and wait until it is ready."""
        transport = self._pipeline.transport
        transport.start()
        await transport.wait_ready()

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._pipeline.transport.aclose()

    async def __aenter__(self) -> WsApiClient:
        try:
            await self.connect()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
