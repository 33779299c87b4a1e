"""WebSocket API sessions: who a request is signed by, ``session.logon`` / ``status`` / ``logout``, and the
user data stream methods (``userDataStream.subscribe``, ``.subscribe.signature``, ``.unsubscribe``,
``session.subscriptions``).

Signed requests (`WsAuth`) are checked by the REST code (`Security.verify`: the key, ``signature`` and
``timestamp`` present and well formed, ``recvWindow``, the signature, the timing, each with REST's answer)
over the WebSocket API's payload: every param but ``signature``, sorted by name, joined as ``name=value``
with ``&``, nothing percent-encoded, non-ASCII characters signed as UTF-8 bytes (as Binance's own example
with a symbol in full-width digits shows); the key is the ``apiKey`` param.

After ``session.logon`` (Ed25519 keys only: any other key is answered -1022, as Binance does; weight 2)
a request may leave out ``apiKey`` and ``signature``: it acts for the logged-on key once its
``timestamp`` / ``recvWindow`` pass the same timing checks. A request that sends a signature is checked as
signed (with the session's key if it names none).

User data: ``userDataStream.subscribe`` needs a logged-on Ed25519 session (else 401 / -1002, the
simulator's choice); ``userDataStream.subscribe.signature`` is signed by any key, no logon. One active
subscription per account per connection (-2035); at most `WsApiSettings.max_active_subscriptions` at once
(-1191) and `max_subscriptions` over the connection's life (-2042). Subscription ids count from 0.
``userDataStream.unsubscribe`` ends the subscription named (or all; nothing for an unknown id), each with
``eventStreamTerminated``; ``session.logout`` ends those made through the logon.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .clock import SimClock
from .config import ApiKey, WsApiSettings
from .errors import (
    INVALID_SIGNATURE,
    REJECTED_API_KEY,
    SimError,
)
from .params import Params
from .security import API_KEY_HEADER, Security, read_timing
from .ws_api_user_data import Sender, Subscription, UserDataStreams

__all__ = ["Session", "SessionCall", "SessionMethods", "WsAuth", "ws_signature_payload"]

JsonObject = dict[str, Any]
NOT_AUTHORIZED = SimError(-1002, "You are not authorized to execute this request.", status=401)


def ws_signature_payload(values: dict[str, str]) -> str:
    """What a WebSocket API signature covers: every param but ``signature``, sorted, ``name=value`` joined
    with ``&``."""
    return "&".join(f"{name}={values[name]}" for name in sorted(values) if name != "signature")


@functools.lru_cache(maxsize=64)
def _is_ed25519(public_key_pem: str) -> bool:
    return isinstance(serialization.load_pem_public_key(public_key_pem.encode("ascii")), Ed25519PublicKey)


def is_ed25519(api_key: ApiKey) -> bool:
    return api_key.public_key_pem is not None and _is_ed25519(api_key.public_key_pem)


@dataclass
class Session:
    """One connection's session: since when it is open, the key logged on, its subscriptions."""

    connected_since: int
    #: The connection's default for ``rateLimits`` (``returnRateLimits`` in its URL).
    return_rate_limits: bool = True
    key: ApiKey | None = None
    authorized_since: int | None = None
    subscriptions: dict[int, Subscription] = field(default_factory=dict)
    #: Subscriptions started over its life (the next subscription id).
    started: int = 0


@dataclass
class SessionCall:
    """A session method's request: its session, its connection and its parameters."""

    session: Session
    connection: Sender
    params: Params


class WsAuth:
    """The accounts signed requests act for, checked by `Security` over the WebSocket API's payload."""

    def __init__(self, security: Security, clock: SimClock) -> None:
        self._security = security
        self._clock = clock

    def signed(self, params: Params, security: str, key_value: str | None = None) -> ApiKey:
        """The key of a request that carries its signature (-2014, -2015, -1102, -1100, -1022, -1021...)."""
        key_value = params.text("apiKey") or key_value or ""
        payload = ws_signature_payload(params.values)
        headers = {API_KEY_HEADER: key_value}
        self._security.verify("GET", payload, "", headers, params, security, utf8=True)
        api_key = self._security.api_key_for(headers)
        assert api_key is not None  # verify refuses unknown keys
        return api_key

    def authorize(self, session: Session, params: Params, security: str) -> str:
        """The account a request of `security` (TRADE, USER_DATA) acts for: its own signature's, or the
        logged-on key's when it sends no signature."""
        key = session.key
        values = params.values
        named = values.get("apiKey")
        if key is not None and not values.get("signature") and (not named or named == key.key):
            params.text("apiKey")
            if security == "TRADE" and not key.can_trade:
                raise REJECTED_API_KEY
            self.check_timing(params)
            return key.account
        return self.signed(params, security, key.key if key is not None else None).account

    def check_timing(self, params: Params) -> None:
        """``timestamp`` and ``recvWindow`` of a request without a signature, checked as `Security.verify`
        checks them (-1102, -1100, -1111, -1130, -1021)."""
        self._security.check_timing(*read_timing(params))


class SessionMethods:
    """The session and user data stream methods (weight 2 each)."""

    def __init__(
        self,
        auth: WsAuth,
        user_data: UserDataStreams,
        clock: SimClock,
        settings: Callable[[], WsApiSettings],
    ) -> None:
        self._auth = auth
        self._user_data = user_data
        self._clock = clock
        self._settings = settings

    def table(self) -> dict[str, Callable[[SessionCall], Any]]:
        return {
            "session.logon": self.logon,
            "session.status": self.status,
            "session.logout": self.logout,
            "userDataStream.subscribe": self.subscribe,
            "userDataStream.subscribe.signature": self.subscribe_signature,
            "userDataStream.unsubscribe": self.unsubscribe,
            "session.subscriptions": self.subscriptions,
        }

    def status_body(self, session: Session) -> JsonObject:
        return {
            "apiKey": session.key.key if session.key is not None else None,
            "authorizedSince": session.authorized_since,
            "connectedSince": session.connected_since,
            "returnRateLimits": session.return_rate_limits,
            "serverTime": self._clock.now_ms(),
            "userDataStream": bool(session.subscriptions),
        }

    def logon(self, call: SessionCall) -> JsonObject:
        api_key = self._auth.signed(call.params, "USER_DATA")
        call.params.finish()
        if not is_ed25519(api_key):
            raise INVALID_SIGNATURE
        session = call.session
        session.key, session.authorized_since = api_key, self._clock.now_ms()
        return self.status_body(session)

    def status(self, call: SessionCall) -> JsonObject:
        call.params.finish()
        return self.status_body(call.session)

    def logout(self, call: SessionCall) -> JsonObject:
        call.params.finish()
        session = call.session
        for subscription in [s for s in session.subscriptions.values() if s.via_logon]:
            self._end(session, subscription)
        session.key = session.authorized_since = None
        return self.status_body(session)

    def subscribe(self, call: SessionCall) -> JsonObject:
        call.params.finish()
        key = call.session.key
        if key is None or not is_ed25519(key):
            raise NOT_AUTHORIZED
        return self._start(call, key.account, via_logon=True)

    def subscribe_signature(self, call: SessionCall) -> JsonObject:
        api_key = self._auth.signed(call.params, "USER_DATA")
        call.params.finish()
        return self._start(call, api_key.account, via_logon=False)

    def unsubscribe(self, call: SessionCall) -> JsonObject:
        wanted = call.params.integer("subscriptionId")
        call.params.finish()
        session = call.session
        for subscription in list(session.subscriptions.values()):
            if wanted is None or subscription.id == wanted:
                self._end(session, subscription)
        return {}

    def subscriptions(self, call: SessionCall) -> list[JsonObject]:
        call.params.finish()
        return [{"subscriptionId": n} for n in sorted(call.session.subscriptions)]

    def _start(self, call: SessionCall, account: str, *, via_logon: bool) -> JsonObject:
        session = call.session
        settings = self._settings()
        if any(s.account == account for s in session.subscriptions.values()):
            raise SimError(-2035, "User Data Stream subscription already active.")
        if len(session.subscriptions) >= settings.max_active_subscriptions:
            raise SimError(
                -1191,
                "Too many subscriptions. Connection may create up to "
                f"'{settings.max_active_subscriptions}' subscriptions at a time.",
            )
        if session.started >= settings.max_subscriptions:
            raise SimError(-2042, "Maximum subscription ID reached for this connection.")
        subscription = Subscription(session.started, account, call.connection, via_logon)
        session.started += 1
        session.subscriptions[subscription.id] = subscription
        self._user_data.add(subscription)
        return {"subscriptionId": subscription.id}

    def _end(self, session: Session, subscription: Subscription) -> None:
        del session.subscriptions[subscription.id]
        self._user_data.remove(subscription, terminated=True)
