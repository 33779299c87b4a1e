"""The user data streams of the WebSocket API: every subscription of every connection, fed by the engine's
account events (`account_events`).

One `AccountFeed` per account listened to, however many subscriptions (on one or several connections)
hear it: each engine call's events are read once and sent to every subscription of the account, as
``{"subscriptionId": n, "event": {...}}``, in the order the feed gives them. The engine is heard only
while a subscription exists. An engine call made on another thread (a simulator started with
`start_in_thread`, driven from the test's thread) is read on the server's loop, once it gets there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .account_events import AccountFeed, JsonObject
from .accounts import Accounts
from .clock import SimClock
from .matching import Matcher
from .ws_api_framing import encode

__all__ = ["Subscription", "UserDataStreams"]


class Sender(Protocol):
    def send(self, text: str) -> None:
        """Queue `text` on the connection."""


@dataclass(eq=False)
class Subscription:
    """One user data stream subscription: its id on its connection, the account it hears, and whether it
    was made by ``userDataStream.subscribe`` on a logged-on session (``session.logout`` ends those)."""

    id: int
    account: str
    connection: Sender
    via_logon: bool = False

    def deliver(self, raw_event: str) -> None:
        self.connection.send(f'{{"subscriptionId":{self.id},"event":{raw_event}}}')


class _Heard:
    """One account's feed and the subscriptions that hear it."""

    def __init__(self, feed: AccountFeed) -> None:
        self.feed = feed
        self.subscriptions: list[Subscription] = []

    def deliver(self, events: list[JsonObject]) -> None:
        for event in events:
            raw = encode(event).decode()
            for subscription in self.subscriptions:
                subscription.deliver(raw)


class UserDataStreams:
    """Every user data stream subscription of a simulator's WebSocket API (an `AccountListener`)."""

    def __init__(
        self,
        matcher: Matcher,
        accounts: Accounts,
        clock: SimClock,
        hand_off: Callable[..., bool],
    ) -> None:
        self._matcher = matcher
        self._accounts = accounts
        self._clock = clock
        #: ``hand_off(callback, *args)``: False on the server's thread, else runs it there later.
        self._hand_off = hand_off
        self._heard: dict[str, _Heard] = {}

    @property
    def accounts_heard(self) -> list[str]:
        return list(self._heard)

    def add(self, subscription: Subscription) -> None:
        """Start sending `subscription` its account's events (from now on)."""
        heard = self._heard.get(subscription.account)
        if heard is None:
            events = self._matcher.events
            feed = AccountFeed(subscription.account, self._matcher, self._accounts, self._clock, events)
            heard = self._heard[subscription.account] = _Heard(feed)
            if self not in events.listeners:
                events.listeners.append(self)
        heard.subscriptions.append(subscription)

    def remove(self, subscription: Subscription, *, terminated: bool) -> None:
        """Stop `subscription`; with `terminated`, its last event is ``eventStreamTerminated``."""
        heard = self._heard.get(subscription.account)
        if heard is None or subscription not in heard.subscriptions:
            return
        heard.subscriptions.remove(subscription)
        if terminated:
            subscription.deliver(encode({"e": "eventStreamTerminated", "E": self._clock.now_ms()}).decode())
        if heard.subscriptions:
            return
        del self._heard[subscription.account]
        listeners = self._matcher.events.listeners
        if not self._heard and self in listeners:
            listeners.remove(self)

    # -- what the engine tells (AccountListener) ----------------------------------------------------------

    def orders_changed(self, symbol: str, cancel_ids: Mapping[int, str]) -> None:
        if self._hand_off(self.orders_changed, symbol, dict(cancel_ids)):
            return
        for heard in list(self._heard.values()):
            heard.deliver(heard.feed.flush(symbol, cancel_ids))

    def balance_changed(self, account: str, event: JsonObject) -> None:
        if self._hand_off(self.balance_changed, account, event):
            return
        heard = self._heard.get(account)
        if heard is not None:
            heard.deliver([event, *heard.feed.balance_events()])

    def close_all(self, connection: Any) -> None:
        """Forget every subscription of `connection` (it is gone: nothing is sent)."""
        for heard in list(self._heard.values()):
            for subscription in [s for s in heard.subscriptions if s.connection is connection]:
                self.remove(subscription, terminated=False)
