"""The simulator: an aiohttp.web server on 127.0.0.1 that answers like Binance.

Every request goes the way Binance's goes: parameters parsed (query string wins over the body; a GET
takes the query string only, its body is ignored), the IP charged its weight (429 / 418 with
Retry-After), the signature and timestamp checked for signed endpoints, the account's order count
charged for order endpoints, then the handler; unread parameters are an error. Responses carry
``X-MBX-USED-WEIGHT-*`` (and ``X-MBX-ORDER-COUNT-*`` on orders).

::

    async with Simulator() as sim:                       # in a running loop
        client = SpotClient(sim.api_key, sim.api_secret, base_url=sim.base_url)

    sim = Simulator(); sim.start_in_thread()             # anywhere (its own loop in a thread)

The WebSocket market streams are served on the same port (`stream_url`, `streams`), and so is the
WebSocket API (`ws_api_url`, `ws_api`: the REST routes as methods, sessions, user data streams); a seeded
market-maker (`start_activity`, off by default) gives the markets trades and moving books.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from email.utils import formatdate
from types import TracebackType

import msgspec
from aiohttp import web

from .accounts import Accounts, account_routes
from .activity import MarketActivity
from .clock import SimClock
from .config import ApiKey, SimConfig
from .engine import Engine
from .errors import SimError, error_response
from .faults import Faults
from .limits import SimLimits
from .list_routes import list_routes
from .market import Market
from .market_routes import market_routes
from .oauth import OAuthServer
from .order_routes import order_routes
from .params import Params
from .routes import Call, Route
from .security import Security
from .sor_routes import sor_routes
from .ws_api import PATH as WS_API_PATH
from .ws_api import WsApiServer
from .ws_streams import MarketStreams

__all__ = ["Simulator"]

_encode = msgspec.json.Encoder(decimal_format="string").encode
#: Methods whose parameters come from the query string only: Binance ignores their body (neither read
#: nor signed).
_QUERY_ONLY = frozenset({"GET", "HEAD"})


class Simulator:
    """One simulated exchange. `base_url`, `api_key` and `api_secret` tell a client where and who."""

    def __init__(self, config: SimConfig | None = None, *, clock: SimClock | None = None) -> None:
        self.config = config or SimConfig()
        self.clock = clock or SimClock(self.config.start_ms)
        self.market = Market(self.config, self.clock)
        self.security = Security(self.config, self.clock)
        self.limits = SimLimits(self.config, self.clock)
        self.accounts = Accounts(self.config, self.clock)
        self.engine = Engine(self.market, self.accounts, self.limits, self.clock)
        routes = [
            *market_routes(self.market),
            *account_routes(self.accounts),
            *order_routes(self.engine),
            *list_routes(self.engine),
            *sor_routes(self.engine),
        ]
        self._routes: dict[tuple[str, str], Route] = {(r.method, r.path): r for r in routes}
        #: Fault injection: ``sim.faults.add(FaultRule("error_after", 0.05, path="/api/v3/order"))``.
        self.faults = Faults([], seed=self.config.seed)
        #: The OAuth 2.0 server (authorize, token, revoke, user APIs) on the same base URL.
        self.oauth = OAuthServer(self.clock, self.config.seed)
        self._oauth_routes = {(method, path): handler for method, path, handler in self.oauth.routes()}
        #: The WebSocket market streams on the same server (``sim.streams.settings`` sets their times).
        self.streams = MarketStreams(self.market, self.clock, seed=self.config.seed)
        #: The WebSocket API on the same server (``sim.ws_api.settings``, ``.faults``, ``.counters``): the
        #: REST routes above as its methods, with the same limits, keys, engine and fault rules.
        self.ws_api = WsApiServer(
            self._routes, self.engine, self.limits, self.security, self.clock, self.config, self.faults
        )
        #: The market-maker of `start_activity`, if one was started.
        self.activity: MarketActivity | None = None
        self.base_url = ""
        #: Where the market streams are: ``f"{sim.stream_url}/ws/btcusdt@trade"``.
        self.stream_url = ""
        #: Where the WebSocket API is: ``ws://127.0.0.1:PORT/ws-api/v3``.
        self.ws_api_url = ""
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None

    @property
    def key(self) -> ApiKey:
        """The first configured API key (what the command line prints)."""
        return self.config.api_keys[0]

    @property
    def api_key(self) -> str:
        return self.key.key

    @property
    def api_secret(self) -> str:
        secret = self.key.hmac_secret
        if secret is None:
            raise ValueError("the first API key is not an HMAC key")
        return secret

    def __repr__(self) -> str:
        return f"Simulator(base_url={self.base_url!r}, symbols={len(self.market.symbol_names())})"

    # -- HTTP ----------------------------------------------------------------------------------------

    def app(self) -> web.Application:
        application = web.Application()
        self.streams.install(application)  # before the catch-all route
        self.ws_api.install(application)
        application.router.add_route("*", "/{tail:.*}", self._dispatch)
        application.on_response_prepare.append(self._date_header)
        return application

    async def _date_header(self, request: web.Request, response: web.StreamResponse) -> None:
        """``Date`` on the simulator's clock (which tests may set apart from the local one)."""
        response.headers["Date"] = formatdate(self.clock.now_ms() / 1000.0, usegmt=True)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        decision = self.faults.decide(request.method, request.path)  # one draw per request
        early = await self.faults.before(request, decision)  # error or drop before processing
        if early is not None:
            return early  # nothing processed, nothing charged
        response = await self._process(request)
        # Latency, then error or drop after processing: a slow answer, not a late (or missing) order.
        return await self.faults.after(request, decision, response)

    async def _process(self, request: web.Request) -> web.StreamResponse:
        oauth = self._oauth_routes.get((request.method, request.path))
        if oauth is not None:  # OAuth has its own auth and envelope: no Binance weights or signatures
            return await oauth(request)
        route = self._routes.get((request.method, request.path))
        if route is None:
            return web.Response(status=404, text="")
        raw_query = request.rel_url.raw_query_string
        raw_body = ""
        if request.method not in _QUERY_ONLY and request.can_read_body:
            raw_body = (await request.read()).decode("utf-8", "replace")
        ip = request.remote or "127.0.0.1"
        try:
            params = Params(raw_query, raw_body)
        except SimError as error:  # malformed parameters still cost the IP a request
            return self._charged_error(ip, error)
        try:
            headers = self.limits.charge_ip(ip, route.weight_for(params))
        except SimError as error:
            return error_response(error)
        try:
            account = None
            if route.security != "NONE":
                account = self.security.verify(
                    request.method, raw_query, raw_body, request.headers, params, route.security
                )
            if route.orders and account is not None:
                headers.update(self.limits.charge_orders(account, route.orders))
            body = route.handler(Call(params, ip, account))
            params.finish()
        except SimError as error:
            return error_response(error, headers)
        payload = body if isinstance(body, bytes) else _encode(body)
        return web.Response(body=payload, content_type="application/json", headers=headers)

    def _charged_error(self, ip: str, error: SimError) -> web.Response:
        try:
            headers = self.limits.charge_ip(ip, 1)
        except SimError as limited:
            return error_response(limited)
        return error_response(error, headers)

    # -- life cycle ----------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on `host`:`port` (0: any free port) in the running loop; returns the base URL."""
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        bound_port = runner.addresses[0][1]
        self.base_url = f"http://{host}:{bound_port}"
        self.stream_url = f"ws://{host}:{bound_port}"
        self.ws_api_url = f"ws://{host}:{bound_port}{WS_API_PATH}"
        if self.config.activity_rate > 0:
            self.start_activity()
        return self.base_url

    # -- market activity -----------------------------------------------------------------------------

    def start_activity(
        self, rate: float | None = None, seed: int | None = None, symbols: Sequence[str] | None = None
    ) -> MarketActivity:
        """Start a seeded market-maker on the server's loop (`activity.MarketActivity`): `rate` actions a
        second (default ``config.activity_rate``, else 20) on `symbols` (default
        ``config.activity_symbols``, else every symbol), seeded with `seed` (default ``config.seed``).
        A running one is stopped first. Call it on the server's loop, or from any thread once
        `start_in_thread` has run."""
        self.stop_activity()
        config = self.config
        activity = MarketActivity(
            self.engine,
            seed=config.seed if seed is None else seed,
            rate=rate or config.activity_rate or 20.0,
            symbols=symbols if symbols is not None else (config.activity_symbols or None),
        )
        self.activity = activity
        loop = self._thread_loop
        if loop is not None and threading.current_thread() is not self._thread:
            loop.call_soon_threadsafe(activity.start)
        else:
            activity.start()
        return activity

    def stop_activity(self) -> None:
        """Stop the market-maker, if one runs (its resting orders stay in the books)."""
        activity = self.activity
        if activity is None:
            return
        loop = self._thread_loop
        if loop is not None and threading.current_thread() is not self._thread and loop.is_running():
            loop.call_soon_threadsafe(activity.stop)
        else:
            activity.stop()

    async def stop(self) -> None:
        self.stop_activity()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def start_in_thread(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve from a daemon thread with its own event loop (for sync code and other loops)."""
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start(host, port))
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread_loop = loop
        self._thread = threading.Thread(target=run, name="binance-sim", daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            raise failure[0]
        return self.base_url

    def stop_thread(self) -> None:
        """Stop a simulator started with `start_in_thread`."""
        if self._thread is not None and self._thread_loop is not None:
            self._thread_loop.call_soon_threadsafe(self._thread_loop.stop)
            self._thread.join(timeout=10)
            self._thread = self._thread_loop = None
