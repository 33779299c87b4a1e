"""`UserStream`: the account's fills, cancels and balance changes, as they happen, never lost.

``async with client.user_stream() as events: async for event in events:`` yields typed user data
events (`ExecutionReport`, `OutboundAccountPosition`, `BalanceUpdate`, `ListStatus`,
`ExternalLockUpdate`, `EventStreamTerminated`; `UserRawEvent` for anything else). Since 2026-02-20
this is the only way to hear about them on Spot: the stream is a WebSocket API subscription on a
connection of its own, ``userDataStream.subscribe`` after an Ed25519 ``session.logon``, else
``userDataStream.subscribe.signature`` (any key type).

Never lost:

* the connection is supervised (`WsApiTransport`): reconnects, watchdog, pings, and make-before-break
  switches on ``serverShutdown`` and before 24 h; every new connection subscribes again before anything
  else is sent;
* after a reconnect (events may have been missed while away) the stream **reconciles**
  (`binance_async.ws_api.recovery`): it asks REST for the trades after the last fill it told and for
  the orders they and the orders it knew open belong to, and yields the execution reports it missed
  (``recovered=True``: a ``TRADE`` for every fill of the gap, exactly once, and the ``NEW`` /
  ``CANCELED`` / ``EXPIRED`` around them), then a `UserStreamResynced` with the open orders and the
  account, so a bot that keeps state from the events can replace it
  (`binance_async.ws_api.account_view` does); live events of the new connection wait meanwhile and
  follow, a fill already recovered left out;
* a switch (``serverShutdown``, 24 h) subscribes the new connection, then drains the old one (an
  unsubscribe, whose answer follows every event sent on it) while the new one's events wait; then the
  waiting events follow, those the old one already delivered left out (the same event arrives byte
  for byte on both), so nothing is lost, repeated or reordered;
* the queue is bounded (``queue_size``) with the same overflow policies as the market streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import msgspec

from ..errors import StreamClosedError, SubscriptionError, error_from_response
from ..streams.config import Overflow
from ..streams.subscriber import Subscriber
from .recovery import Ledger, recover
from .transport import LinkSender, WsApiStats
from .user_events import ExecutionReport, UserEvent, decode_user_event

if TYPE_CHECKING:
    from ..spot.client import SpotClient
    from ..spot.models.account import AccountInfo
    from ..spot.models.trading import Order
    from .client import WsApiClient

__all__ = ["UserStream", "UserStreamResynced"]

logger = logging.getLogger("binance_async.ws_api")

#: Events remembered to recognise the same one arriving on two connections during a switch.
_RECENT = 4096
#: What a subscription costs in request weight.
SUBSCRIBE_WEIGHT = 2
#: Live events held back while a recovery asks REST what was missed; past this many they go on at once.
_HOLD_MAX = 100_000


class UserStreamResynced(msgspec.Struct, frozen=True):
    """The connection was lost and reopened. `recovered` execution reports (``recovered=True``) rebuilt
    over REST came just before this; `open_orders` and `account` are the state right after the stream
    was subscribed again (over REST); events that follow are newer. `error` says why the recovery
    failed (then both are None, and events of the gap may be missing)."""

    open_orders: list[Order] | None
    account: AccountInfo | None
    error: str | None = None
    recovered: int = 0


class _Subscribed(msgspec.Struct, frozen=True):
    subscriptionId: int


_decode_subscribed = msgspec.json.Decoder(_Subscribed).decode


class UserStream:
    """See the module. Made by ``client.user_stream()``; use ``async with``."""

    def __init__(
        self,
        client: SpotClient,
        ws: WsApiClient,
        *,
        queue_size: int,
        overflow: Overflow,
        resync: bool,
        symbols: Iterable[str] = (),
    ) -> None:
        self._client = client
        self._ws = ws
        self._queue: Subscriber[UserEvent | UserStreamResynced] = Subscriber(queue_size, overflow)
        self._resync = resync
        # Subscriptions as (link number, subscription id): every connection numbers its own from 0.
        self._subscriptions: set[tuple[int, int]] = set()
        self._current: tuple[int, int] | None = None  # the subscription of the newest connection
        self._previous: tuple[int, int] | None = None  # that of the connection being switched away from
        self._held: list[bytes] | None = None  # the new connection's events, while the old one drains
        self._recent: OrderedDict[bytes, None] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self._ledger = Ledger(symbols)
        self._recovering: list[UserEvent] | None = None  # live events held while a recovery runs
        # Events of the connection being subscribed that were read before its subscription was noted
        # (the reader reads on while the answer's waiter wakes up).
        self._early: list[tuple[int, bytes]] | None = None
        self._again = False  # another reconnect came while a recovery ran
        #: Events yielded, events recognised as repeats (the same event twice in a switch, a fill told
        #: already), resyncs after reconnects, and execution reports recovered over REST.
        self.events = 0
        self.repeats = 0
        self.resyncs = 0
        self.recovered = 0
        pipeline = ws._pipeline
        pipeline.on_ready.append(self._subscribe)
        pipeline.transport.on_event = self._on_event
        pipeline.transport.before_retire = self._drain

    @property
    def stats(self) -> WsApiStats:
        """The connection's counters."""
        return self._ws.stats

    @property
    def dropped(self) -> int:
        return self._queue.dropped

    @property
    def subscribed(self) -> bool:
        return bool(self._subscriptions) and self._ws.connected

    # -- on every new connection ---------------------------------------------------------------------

    async def _subscribe(self, send: LinkSender, opening: str) -> None:
        pipeline = self._ws._pipeline
        pipeline.limiter.charge_now(SUBSCRIBE_WEIGHT)
        self._early = []
        try:
            if pipeline.logged_on:
                response = await send("userDataStream.subscribe", b"{}")
            else:
                response = await send("userDataStream.subscribe.signature", pipeline.signed_body())
        finally:
            early, self._early = self._early, None
        if response.status != 200:
            error = error_from_response(
                response.status, response.headers, response.body, method="userDataStream.subscribe"
            )
            raise SubscriptionError(f"the user data stream could not be subscribed: {error}") from None
        subscription = (pipeline.transport.opening_link, _decode_subscribed(response.body).subscriptionId)
        if opening == "rotation":
            self._previous, self._held = self._current, []
        elif self._current is not None:  # a reconnect: the old connection and its subscription are gone
            self._subscriptions.discard(self._current)
        self._subscriptions.add(subscription)
        self._current = subscription
        if opening == "first":
            self._ledger.heard(self._client.clock.now_ms())
        elif opening == "reconnect" and self._resync:  # a switch made before breaking missed nothing
            if self._recovering is not None:
                self._again = True  # the recovery under way asks again when it is done
            else:
                self._recovering = []
                task = asyncio.create_task(self._resynced(), name="binance-async user stream resync")
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        for subscription_id, raw in early:
            self._on_event(subscription[0], subscription_id, raw)

    async def _resynced(self) -> None:
        """What was missed, over REST, after a reconnect: the reports, then the state, then the live
        events held back meanwhile."""
        try:
            while True:
                self.resyncs += 1
                self._again = False
                try:
                    found = await recover(self._client, self._ledger)
                except Exception as exc:  # the stream goes on; the consumer is told the recovery failed
                    if self._again:
                        continue
                    logger.warning(
                        "user stream: the recovery after a reconnect failed (%s)", type(exc).__name__
                    )
                    self._queue.offer(UserStreamResynced(None, None, f"{type(exc).__name__}: {exc}"))
                    return
                if not self._again:
                    break
            told = sum(1 for report in found.reports if self._tell(report))
            self.recovered += told
            self._queue.offer(UserStreamResynced(found.open_orders, found.account, recovered=told))
        finally:
            held, self._recovering = self._recovering, None
            for event in held or ():
                self._tell(event)

    async def _drain(self, send: LinkSender) -> None:
        """The old connection of a switch: unsubscribe it (the answer follows its last event), then
        pass on what the new one received meanwhile."""
        previous = self._previous
        try:
            if previous is not None:
                params = msgspec.json.encode({"subscriptionId": previous[1]})
                await send("userDataStream.unsubscribe", params)
        finally:
            if previous is not None:
                self._subscriptions.discard(previous)
            held, self._held, self._previous = self._held, None, None
            for raw in held or ():
                self._pass_on(raw)

    # -- the reader's side ---------------------------------------------------------------------------

    def _on_event(self, link: int, subscription_id: int | None, raw: bytes) -> None:
        if subscription_id is not None and (link, subscription_id) not in self._subscriptions:
            early = self._early
            if (
                early is not None
                and link == self._ws._pipeline.transport.opening_link
                and len(early) < _HOLD_MAX
            ):
                early.append((subscription_id, raw))  # it came before the subscription's answer was read
            return
        held = self._held
        if held is not None and (link, subscription_id) == self._current:
            held.append(raw)  # the new connection's, while the old one drains
            return
        self._pass_on(raw)

    def _pass_on(self, raw: bytes) -> None:
        recent = self._recent
        if raw in recent:
            self.repeats += 1
            return
        recent[raw] = None
        if len(recent) > _RECENT:
            recent.popitem(last=False)
        event = decode_user_event(raw)
        held = self._recovering
        if held is not None and len(held) < _HOLD_MAX:
            held.append(event)  # after what the recovery finds
            return
        self._tell(event)

    def _tell(self, event: UserEvent) -> bool:
        """Queue an event for the consumer, unless it is a fill told already."""
        if isinstance(event, ExecutionReport) and not self._ledger.record(event):
            self.repeats += 1
            return False
        self.events += 1
        self._queue.offer(event)
        return True

    # -- the consumer's side ---------------------------------------------------------------------------

    def __aiter__(self) -> UserStream:
        return self

    async def __anext__(self) -> UserEvent | UserStreamResynced:
        try:
            return await self._queue.get()
        except StreamClosedError:
            if self._closed:
                raise StopAsyncIteration from None
            raise

    async def __aenter__(self) -> UserStream:
        try:
            await self._ws.connect()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection (Binance ends the subscription with it). Idempotent."""
        if self._closed:
            return
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await self._ws.aclose()
        self._queue.close()
