"""`WsApiMixin`: ``client.ws_api()``, the same trading and account methods over the WebSocket API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._urls import check_stream_url, ws_api_url_for
from ...errors import ClientClosedError, InvalidRequestError
from .streams import StreamsMixin

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ...streams.config import Overflow
    from ...ws_api.account_view import AccountView
    from ...ws_api.client import WsApiClient
    from ...ws_api.user_stream import UserStream

__all__ = ["WsApiMixin"]


class WsApiMixin(StreamsMixin):
    """``client.ws_api()`` (see `binance_async.ws_api`)."""

    _ws_api_url: str | None = None

    def _init_ws_api(self, ws_api_url: str | None) -> None:
        self._ws_api_url = check_stream_url(ws_api_url) if ws_api_url is not None else None

    @property
    def ws_api_url(self) -> str | None:
        """Where the WebSocket API is: ``ws_api_url=`` or the host that goes with ``base_url``."""
        return self._ws_api_url or ws_api_url_for(self.base_url)

    def ws_api(self) -> WsApiClient:
        """The same methods over the WebSocket API: ``async with client.ws_api() as ws:``.

        ``await ws.new_order(...)``, ``ws.cancel_order(...)``, ``ws.get_order(...)``, ``ws.account()``
        ... take the same arguments and return the same types as this client's; requests are
        multiplexed over one connection, with lower latency than REST. They share this client's rate
        limiter (Binance counts weight per IP across REST and WebSocket; the answers' ``rateLimits``
        reconcile it), clock, keys, symbol rules and `unknown_outcomes`: an order whose connection
        drops before its answer, or whose answer does not come in time, raises an
        `ExecutionStatusUnknown` error, is recorded there and is never resent. Ed25519 keys log the
        session on once per connection; HMAC and RSA keys sign each request. Entering opens the
        connection (and logs on); leaving closes it.
        """
        from ...ws_api.client import WsApiClient
        from ...ws_api.transport import WsApiTransport

        if self.closed:
            raise ClientClosedError("the client is closed")
        url = self.ws_api_url
        if url is None:
            raise InvalidRequestError(
                f"no WebSocket API host is known for base_url {self.base_url!r}: "
                "pass SpotClient(ws_api_url=...)"
            )
        transport = WsApiTransport(
            url, self._sockets(), self._attempts(), timeout=self._pipeline.timeout, config=self._stream_config
        )
        return WsApiClient(self, transport)  # type: ignore[arg-type]

    def user_stream(
        self,
        *,
        queue_size: int | None = None,
        overflow: Overflow | None = None,
        resync: bool = True,
        symbols: Iterable[str] = (),
    ) -> UserStream:
        """The account's events as they happen: ``async with client.user_stream() as events:``.

        Typed `ExecutionReport`, `OutboundAccountPosition`, `BalanceUpdate`, `ListStatus`,
        `ExternalLockUpdate` and `EventStreamTerminated` events from a WebSocket API subscription on a
        connection of its own (``userDataStream.subscribe`` after an Ed25519 logon, else
        ``userDataStream.subscribe.signature``), subscribed again on every reconnect. After a reconnect
        (``resync=True``) the stream asks REST what it missed: the execution reports of the gap come
        rebuilt (``recovered=True``; every fill exactly once), then a `UserStreamResynced` with the open
        orders and the account. Fills are looked for on every symbol the stream has heard of or has an
        open order on, and on `symbols` (name those you trade from the start). The queue holds
        `queue_size` events (``StreamConfig.queue_size``) and follows `overflow` (``StreamConfig.overflow``).
        """
        from ...streams.config import StreamConfig
        from ...ws_api.user_stream import UserStream

        config = self._stream_config or StreamConfig()
        return UserStream(
            self,  # type: ignore[arg-type]
            self.ws_api(),
            queue_size=queue_size if queue_size is not None else config.queue_size,
            overflow=overflow if overflow is not None else config.overflow,
            resync=resync,
            symbols=symbols,
        )

    def account_view(self) -> AccountView:
        """Balances and open orders kept current from the user data stream, for bots that would rather
        read state than events: ``async with client.account_view() as account:`` then
        ``account.balance("USDT")``, ``account.open_orders("BTCUSDT")``, ``await account.wait_update()``
        (see `AccountView`). Snapshot over REST after subscribing, events after it, and a new snapshot
        after every reconnect."""
        from ...ws_api.account_view import AccountView

        return AccountView(self, self.user_stream())  # type: ignore[arg-type]
