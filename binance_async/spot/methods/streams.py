"""`StreamsMixin`: the client's WebSocket market streams and local order books.

Streams use the client's session (its proxy and ``trust_env``), its rate limiter (order-book
snapshots) and its `StreamConfig`; the connections are opened on first use and closed with the
client. See `binance_async.streams`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..._transport import AiohttpTransport
from ..._urls import check_stream_url, stream_url_for
from ..._websocket import AiohttpConnector, Connector
from ...errors import ClientClosedError, InvalidRequestError
from .._common import SpotBase, check_symbol

if TYPE_CHECKING:
    from ...streams._budget import AttemptBudget
    from ...streams.books import OrderBook, OrderBooks, SnapshotQueue, Speed
    from ...streams.config import Overflow, StreamConfig
    from ...streams.connection import ConnectionStats
    from ...streams.hub import EventStream, StreamHub
    from ..enums import SymbolStatus
    from ..models.market import Depth

__all__ = ["StreamsMixin"]


class StreamsMixin(SpotBase):
    """Market streams and order books (``client.stream``, ``client.order_book``, ``client.order_books``)."""

    _stream_url: str | None
    _connector: Connector | None
    _stream_config: StreamConfig | None
    _hub: StreamHub | None = None
    _snapshot_queue: SnapshotQueue | None = None
    _socket_transport: AiohttpTransport | None = None
    _attempt_budget: AttemptBudget | None = None

    if TYPE_CHECKING:  # MarketDataMixin's, for the snapshots

        async def depth(
            self, symbol: str, *, limit: int | None = None, symbol_status: SymbolStatus | None = None
        ) -> Depth: ...

    def _init_streams(
        self, stream_url: str | None, connector: Connector | None, config: StreamConfig | None
    ) -> None:
        self._stream_url = check_stream_url(stream_url) if stream_url is not None else None
        self._connector = connector
        self._stream_config = config

    @property
    def stream_url(self) -> str | None:
        """Where the market streams are: ``stream_url=`` or the host that goes with ``base_url``."""
        return self._stream_url or stream_url_for(self.base_url)

    def _streams(self) -> StreamHub:
        hub = self._hub
        if hub is not None:
            return hub
        if self.closed:
            raise ClientClosedError("the client is closed")
        from ...streams.config import StreamConfig
        from ...streams.hub import StreamHub

        url = self.stream_url
        if url is None:
            raise InvalidRequestError(
                f"no stream host is known for base_url {self.base_url!r}: pass SpotClient(stream_url=...)"
            )
        hub = self._hub = StreamHub(
            url, self._sockets(), self._stream_config or StreamConfig(), self._attempts()
        )
        return hub

    def _sockets(self) -> Connector:
        """The connector every socket of this client comes from (``connector=``, else aiohttp's)."""
        connector = self._connector
        if connector is None:
            connector = self._connector = self._default_connector()
        return connector

    def _attempts(self) -> AttemptBudget:
        """Binance's budget of connection attempts (per IP), shared by every socket of this client (and,
        with a limit store, of every process using it)."""
        budget = self._attempt_budget
        if budget is None:
            from ...streams._budget import AttemptBudget
            from ...streams.config import StreamConfig

            config = self._stream_config or StreamConfig()
            budget = self._attempt_budget = AttemptBudget(
                config.connect_attempts, config.attempts_period, shared=self._pipeline.limiter.shared
            )
        return budget

    def _default_connector(self) -> Connector:
        transport = self._pipeline.transport
        if not isinstance(transport, AiohttpTransport):  # a test transport: sockets get their own session
            transport = self._socket_transport = AiohttpTransport()
        return AiohttpConnector(transport.session, proxy=transport.proxy)

    def stream(
        self,
        *names: str,
        queue_size: int | None = None,
        overflow: Overflow | None = None,
        status: bool = False,
    ) -> EventStream:
        """Subscribe to market streams: ``async with client.stream("btcusdt@trade") as events:``.

        ``async for event in events`` yields typed events (`Trade`, `AggTrade`, `DepthUpdate`,
        `BookTicker`, `Kline`, `Ticker`, `MiniTicker`, `AvgPrice`, `PartialDepth`, ...; `RawEvent`
        for a stream this library does not model), each with its ``stream`` name. Names are Binance's,
        lower-case symbol first (``btcusdt@depth@100ms``, ``bnbusdt@kline_1m``, ``!miniTicker@arr``).
        ``await events.subscribe(...)`` / ``unsubscribe(...)`` change the set while it runs.

        The queue holds `queue_size` events (default ``StreamConfig.queue_size``); when the consumer
        falls behind, `overflow` says what gives (``"drop_oldest"`` by default, counted in
        ``events.dropped``; ``"raise"``; ``"block"``: see `Overflow`). ``status=True`` also yields a
        `StreamStatus` whenever the connection behind these streams is lost, reopened or switched.
        Connections reconnect by themselves and are replaced before Binance's 24 h cut and on its
        ``serverShutdown`` notice without losing an event.
        """
        from ...streams.hub import EventStream

        hub = self._streams()
        config = hub.config
        return EventStream(
            hub,
            names,
            queue_size=queue_size if queue_size is not None else config.queue_size,
            overflow=overflow if overflow is not None else config.overflow,
            status=status,
        )

    def _snapshots(self) -> SnapshotQueue:
        queue = self._snapshot_queue
        if queue is None:
            from ...streams.books import SnapshotQueue

            queue = self._snapshot_queue = SnapshotQueue(
                lambda symbol, limit: self.depth(symbol, limit=limit)
            )
        return queue

    def order_book(self, symbol: str, *, depth: int = 1000, speed: Speed = "100ms") -> OrderBook:
        """A local order book kept from ``<symbol>@depth@100ms`` (``speed="1000ms"``: ``@depth``).

        ``async with client.order_book("BTCUSDT") as book:`` returns once the book is in step (its
        first snapshot, ``GET /api/v3/depth`` with ``limit=depth``, weight 50 at 1000 levels and 250 at
        5000, fetched through the rate limiter). See `OrderBook` for reading it and for `stale`.
        """
        from ...streams.books import OrderBook

        check_symbol(symbol)
        hub = self._streams()
        return OrderBook(hub, self._snapshots(), symbol, depth=depth, speed=speed, config=hub.config)

    def order_books(
        self, symbols: Iterable[str], *, depth: int = 1000, speed: Speed = "100ms", wait: bool = False
    ) -> OrderBooks:
        """Many order books over shared connections; their snapshots are paced by the rate limiter,
        a few at a time, so that starting hundreds of books draws no 429 (see `OrderBooks`)."""
        from ...streams.books import OrderBooks

        return OrderBooks(
            [self.order_book(s, depth=depth, speed=speed) for s in dict.fromkeys(symbols)], wait=wait
        )

    def stream_stats(self) -> dict[str, ConnectionStats]:
        """Each stream connection's counters (reconnects, rotations, events, ...), by connection name."""
        return self._hub.stats() if self._hub is not None else {}

    async def _close_streams(self) -> None:
        queue, self._snapshot_queue = self._snapshot_queue, None
        if queue is not None:
            await queue.aclose()
        hub, self._hub = self._hub, None
        if hub is not None:
            await hub.aclose()
        transport, self._socket_transport = self._socket_transport, None
        if transport is not None:
            await transport.aclose()
