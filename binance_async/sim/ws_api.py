"""Binance's WebSocket API, served by the simulator's own HTTP server at ``/ws-api/v3``
(``Simulator.ws_api_url`` is ``ws://127.0.0.1:PORT/ws-api/v3``).

One JSON request per text frame, ``{"id": ..., "method": ..., "params": {...}}`` (`ws_api_framing`; a
method may carry a ``v3/`` prefix), answered ``{"id", "status", "result" | "error", "rateLimits"}``
(``returnRateLimits=false`` in the params, or in the connection's URL, leaves ``rateLimits`` out).

Methods (`ws_api_methods`): every method with a REST twin runs that route's handler, with the REST
weights, limits, signature and timing checks and error codes (the signature over the WebSocket API's
payload, `ws_api_sessions`); its ``result`` is the REST body. Weight is the REST IP's weight: a WebSocket
request and a REST request from one IP move the same counter, and opening a connection costs
`WsApiSettings.connection_weight` (2). Sessions: ``session.logon`` (Ed25519), ``session.status``,
``session.logout``. User data streams (`ws_api_user_data`): ``userDataStream.subscribe`` (after a logon),
``userDataStream.subscribe.signature``, ``userDataStream.unsubscribe``, ``session.subscriptions``; events
``{"subscriptionId": n, "event": {...}}`` as the engine produces them (`account_events`).

Connections (`ws_api_connection`): the server pings every `WsApiSettings.ping_interval` seconds and closes
(1008) a connection whose ping is unanswered for `pong_timeout`; on the simulator's clock a connection is
closed (1001) `max_lifetime` (24 h) after it opened, and at most `max_attempts` connection attempts per IP
in any `attempt_window` are admitted (one more: HTTP 429 at the upgrade; an IP over its weight or banned:
REST's 429 / 418 at the upgrade). `announce_shutdown` sends ``{"event": {"e": "serverShutdown", "E": ms}}``
and closes (1001) after the grace. A request answered 418 (the IP is banned) is followed by a close (1008).

Faults (`ws_api_faults`, ``sim.ws_api.faults``): the simulator's per-request rules (``sim.faults``: a rule
naming a REST route applies to the method of that route; errors before or after processing, drops before
or after, latency) and per-connection faults (drop, stall, delay, serverShutdown).
`WsApiServer.counters` counts connections opened, closed (and why) and refused, requests, messages sent
and faults fired.

Not modelled: ``timeUnit``, SBE, the listenKey methods (retired), and a key revoked during a session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aiohttp import WSCloseCode, web

from .account_events import adjust_balance
from .clock import SimClock
from .config import SimConfig, WsApiSettings
from .engine import Engine
from .errors import SimError, error_response
from .faults import Faults
from .limits import SimLimits
from .routes import Route
from .security import Security
from .stream_limits import (
    ConnectionAttempts,
    ConnectionCounters,
    ServerLoop,
    StreamSettings,
    announce_shutdown,
    close_when_due,
)
from .ws_api_connection import ApiConnection
from .ws_api_faults import WsApiFaults
from .ws_api_framing import FrameError, encode, parse_request
from .ws_api_methods import Methods
from .ws_api_sessions import Session, SessionMethods, WsAuth
from .ws_api_user_data import UserDataStreams

__all__ = ["PATH", "WsApiCounters", "WsApiServer"]

PATH = "/ws-api/v3"


@dataclass
class WsApiCounters(ConnectionCounters):
    """What the WebSocket API did, for tests (refused: the attempt budget, weight, a ban; closed also when
    banned). `faults` is `WsApiFaults.counts`."""

    #: Frames read as requests (well formed or not).
    requests: int = 0


class WsApiServer:
    """The WebSocket API of one simulator: its route, connections, methods and user data streams."""

    def __init__(
        self,
        routes: Mapping[tuple[str, str], Route],
        engine: Engine,
        limits: SimLimits,
        security: Security,
        clock: SimClock,
        config: SimConfig,
        faults: Faults,
        settings: WsApiSettings | None = None,
    ) -> None:
        self.clock = clock
        self._engine = engine
        self._limits = limits
        self._settings = settings or WsApiSettings()
        #: Fault injection: per request the simulator's rules (`faults`, shared with REST), and faults of
        #: the open connections (``sim.ws_api.faults.stall(5.0)``).
        self.faults = WsApiFaults(self, faults)
        #: What happened so far: connections opened, closed, refused; requests; messages; faults.
        self.counters = WsApiCounters(faults=self.faults.counts)
        self.attempts = ConnectionAttempts(clock)
        self._home = ServerLoop()  # the engine may tell from another thread: handed to this loop
        #: Every user data stream subscription, fed by the engine's account events.
        self.user_data = UserDataStreams(engine.matcher, engine.accounts, clock, self._home.hand_off)
        auth = WsAuth(security, clock)
        self.sessions = SessionMethods(auth, self.user_data, clock, lambda: self._settings)
        self.methods = Methods(routes, self.sessions, auth, limits, clock, config)
        self._connections: set[ApiConnection] = set()
        self._housekeeper: asyncio.Task[None] | None = None

    @property
    def settings(self) -> WsApiSettings:
        """Times and limits; a connection keeps the times it opened with."""
        return self._settings

    @settings.setter
    def settings(self, value: WsApiSettings) -> None:
        self._settings = value

    @property
    def connections(self) -> list[ApiConnection]:
        """The open connections."""
        return list(self._connections)

    # -- wiring -------------------------------------------------------------------------------------

    def install(self, app: web.Application) -> None:
        """Add the route (before any catch-all route) and the life-cycle hooks to `app`."""
        app.router.add_get(PATH, self._handler)
        app.on_startup.append(self._on_startup)
        app.on_shutdown.append(self._on_shutdown)

    def call_on_loop(self, callback: Callable[..., None], *args: Any) -> None:
        """Run `callback` now if on the server's thread (or not started), else hand it to its loop."""
        self._home.call(callback, *args)

    async def _on_startup(self, app: web.Application) -> None:
        self._home.bind()
        self._housekeeper = asyncio.create_task(self._housekeeping())

    async def _on_shutdown(self, app: web.Application) -> None:
        task, self._housekeeper = self._housekeeper, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await asyncio.gather(
            *(c.close(WSCloseCode.GOING_AWAY, "server shutdown", "server stopped") for c in self._connections)
        )

    # -- connections --------------------------------------------------------------------------------

    async def _handler(self, request: web.Request) -> web.StreamResponse:
        settings = self._settings
        ip = request.remote or "127.0.0.1"
        refusal = self.attempts.refusal(ip, _stream_settings(settings))
        if refusal is not None:
            self.counters.refused += 1
            return refusal
        try:
            self._limits.charge_ip(ip, settings.connection_weight)
        except SimError as error:
            self.counters.refused += 1
            return error_response(error)
        shown = request.query.get("returnRateLimits", "").lower() != "false"
        ws = web.WebSocketResponse(autoping=False, timeout=settings.close_timeout)
        session = Session(connected_since=self.clock.now_ms(), return_rate_limits=shown)
        connection = ApiConnection(self, request, ws, _stream_settings(settings), session)
        self._connections.add(connection)
        opened = False
        try:
            await ws.prepare(request)
            opened = True
            self.counters.opened += 1
            await connection.run()
        finally:
            self.user_data.close_all(connection)
            self._connections.discard(connection)
            if opened:
                self.counters.count_close(connection.close_reason)
        return ws

    def handle(self, connection: ApiConnection, text: str) -> None:
        """Read, run and answer one request (its answer and events are queued on `connection`)."""
        self.counters.requests += 1
        try:
            request = parse_request(text)
        except FrameError as error:
            connection.send(error.answer.decode())
            return
        method = self.methods.find(request.method)
        if method is None:
            connection.send(self.methods.unknown(request, connection.session, connection.ip).decode())
            return
        decision = self.faults.decide(method)
        if self.faults.before(connection, request, method, decision):
            return
        answer = self.methods.execute(method, request, connection.session, connection, connection.ip)
        self.faults.after(connection, request, method, decision, answer.payload)
        if answer.banned:
            connection.finish(WSCloseCode.POLICY_VIOLATION, "banned")

    # -- the connections' lifetime ------------------------------------------------------------------

    def announce_shutdown(self, close_after: float = 0.0) -> None:
        """``{"event": {"e": "serverShutdown", "E": ms}}`` to every open connection; each is closed (1001)
        `close_after` seconds later on the simulator's clock (0: right after the event)."""
        self.call_on_loop(self._announce_shutdown, close_after)

    def _announce_shutdown(self, close_after: float) -> None:
        now = self.clock.now_ms()
        raw = encode({"event": {"e": "serverShutdown", "E": now}}).decode()
        announce_shutdown(
            self._connections,
            now,
            close_after,
            lambda connection: connection.send(raw),  # type: ignore[attr-defined]
            self.faults.fired,
        )

    async def _housekeeping(self) -> None:
        """Close the connections whose lifetime (or shutdown grace) ended on the simulator's clock."""
        await close_when_due(self._connections, self.clock, lambda: self._settings.housekeeping_interval)

    # -- balances moved from outside the engine -----------------------------------------------------

    def deposit(self, account: str, asset: str, amount: Decimal) -> None:
        """Add `amount` (negative: withdraw) to `account`'s free `asset`: ``balanceUpdate`` and
        ``outboundAccountPosition`` to its user data streams."""
        adjust_balance(
            self._engine.accounts,
            self._engine.matcher.events,
            account,
            asset,
            amount,
            lock=False,
            now=self.clock.now_ms(),
        )

    def external_lock(self, account: str, asset: str, amount: Decimal) -> None:
        """Lock `amount` (negative: unlock) of `account`'s `asset` from outside (as margin collateral is):
        ``externalLockUpdate`` and ``outboundAccountPosition``."""
        adjust_balance(
            self._engine.accounts,
            self._engine.matcher.events,
            account,
            asset,
            amount,
            lock=True,
            now=self.clock.now_ms(),
        )


def _stream_settings(settings: WsApiSettings) -> StreamSettings:
    """The connection times in the form the market-stream connection (its base) reads them."""
    return StreamSettings(
        ping_interval=settings.ping_interval,
        pong_timeout=settings.pong_timeout,
        close_timeout=settings.close_timeout,
        max_lifetime=settings.max_lifetime,
        max_attempts=settings.max_attempts,
        attempt_window=settings.attempt_window,
    )
