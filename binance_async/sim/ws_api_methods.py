"""The WebSocket API's methods: each REST twin's route run with the request's params in the query's place,
and the session methods (`ws_api_sessions`).

A method of the table runs the way `Simulator` runs its REST route (`app`): the IP charged the route's
weight in the same windows as REST (a WebSocket request and a REST request from one IP move one counter;
429 / 418 as REST), then ``returnRateLimits`` read, the request's signature (or its session) checked for
signed routes (`WsAuth`), the account's unfilled-order count charged for order routes, the route's handler,
and -1104 for params nobody read. The answer's ``result`` is the REST body; its ``rateLimits`` are built
from the counters REST reports in ``X-MBX-USED-WEIGHT-*`` (and, for order routes,
``X-MBX-ORDER-COUNT-*``). A 429 or 418 carries ``data: {serverTime, retryAfter}`` (ms), as Binance's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .clock import SimClock
from .config import SimConfig
from .errors import SimError
from .limits import INTERVAL_MS, SimLimits
from .params import Params
from .routes import Call, Route
from .ws_api_framing import ApiRequest, JsonObject, error_answer, rate_limits, result_answer
from .ws_api_sessions import Session, SessionCall, SessionMethods, WsAuth
from .ws_api_user_data import Sender

__all__ = ["ROUTE_METHODS", "SESSION_WEIGHT", "UNKNOWN_METHOD", "Answer", "Method", "Methods"]

#: Each WebSocket API method with a REST twin: (HTTP method, path).
ROUTE_METHODS: dict[str, tuple[str, str]] = {
    # general and market data
    "ping": ("GET", "/api/v3/ping"),
    "time": ("GET", "/api/v3/time"),
    "exchangeInfo": ("GET", "/api/v3/exchangeInfo"),
    "executionRules": ("GET", "/api/v3/executionRules"),
    "depth": ("GET", "/api/v3/depth"),
    "trades.recent": ("GET", "/api/v3/trades"),
    "trades.historical": ("GET", "/api/v3/historicalTrades"),
    "blockTrades.historical": ("GET", "/api/v3/historicalBlockTrades"),
    "trades.aggregate": ("GET", "/api/v3/aggTrades"),
    "klines": ("GET", "/api/v3/klines"),
    "uiKlines": ("GET", "/api/v3/uiKlines"),
    "avgPrice": ("GET", "/api/v3/avgPrice"),
    "ticker.24hr": ("GET", "/api/v3/ticker/24hr"),
    "ticker.tradingDay": ("GET", "/api/v3/ticker/tradingDay"),
    "ticker": ("GET", "/api/v3/ticker"),
    "ticker.price": ("GET", "/api/v3/ticker/price"),
    "ticker.book": ("GET", "/api/v3/ticker/bookTicker"),
    "referencePrice": ("GET", "/api/v3/referencePrice"),
    "referencePrice.calculation": ("GET", "/api/v3/referencePrice/calculation"),
    # trading
    "order.place": ("POST", "/api/v3/order"),
    "order.test": ("POST", "/api/v3/order/test"),
    "order.status": ("GET", "/api/v3/order"),
    "order.cancel": ("DELETE", "/api/v3/order"),
    "order.cancelReplace": ("POST", "/api/v3/order/cancelReplace"),
    "order.amend.keepPriority": ("PUT", "/api/v3/order/amend/keepPriority"),
    "openOrders.status": ("GET", "/api/v3/openOrders"),
    "openOrders.cancelAll": ("DELETE", "/api/v3/openOrders"),
    "orderList.place": ("POST", "/api/v3/order/oco"),  # deprecated: the legacy OCO
    "orderList.place.oco": ("POST", "/api/v3/orderList/oco"),
    "orderList.place.oto": ("POST", "/api/v3/orderList/oto"),
    "orderList.place.otoco": ("POST", "/api/v3/orderList/otoco"),
    "orderList.place.opo": ("POST", "/api/v3/orderList/opo"),
    "orderList.place.opoco": ("POST", "/api/v3/orderList/opoco"),
    "orderList.cancel": ("DELETE", "/api/v3/orderList"),
    "orderList.status": ("GET", "/api/v3/orderList"),
    "openOrderLists.status": ("GET", "/api/v3/openOrderList"),
    "allOrderLists": ("GET", "/api/v3/allOrderList"),
    "sor.order.place": ("POST", "/api/v3/sor/order"),
    "sor.order.test": ("POST", "/api/v3/sor/order/test"),
    # account
    "account.status": ("GET", "/api/v3/account"),
    "account.rateLimits.orders": ("GET", "/api/v3/rateLimit/order"),
    "account.commission": ("GET", "/api/v3/account/commission"),
    "allOrders": ("GET", "/api/v3/allOrders"),
    "myTrades": ("GET", "/api/v3/myTrades"),
    "myPreventedMatches": ("GET", "/api/v3/myPreventedMatches"),
    "myAllocations": ("GET", "/api/v3/myAllocations"),
    "order.amendments": ("GET", "/api/v3/order/amendments"),
    "myFilters": ("GET", "/api/v3/myFilters"),
}
#: What each session and user data stream method weighs.
SESSION_WEIGHT = 2
UNKNOWN_METHOD = SimError(-1020, "This operation is not supported.")
_BANNED_UNTIL = re.compile(r"banned until (\d+)")


@dataclass(frozen=True)
class Method:
    """One method: its REST twin's `route`, or a session `handler`. `http_method` and `path` name it for
    the fault rules (a session method: ``"WS"`` and its own name)."""

    name: str
    http_method: str
    path: str
    route: Route | None = None
    handler: Callable[[SessionCall], Any] | None = None

    def weight_for(self, params: Params) -> int:
        return self.route.weight_for(params) if self.route is not None else SESSION_WEIGHT


@dataclass(frozen=True)
class Answer:
    """The answer to send, and whether the connection is then closed (an IP ban disconnects)."""

    payload: bytes
    banned: bool = False


class Methods:
    """Runs the methods of one simulator's WebSocket API on its REST routes."""

    def __init__(
        self,
        routes: Mapping[tuple[str, str], Route],
        sessions: SessionMethods,
        auth: WsAuth,
        limits: SimLimits,
        clock: SimClock,
        config: SimConfig,
    ) -> None:
        self._limits = limits
        self._auth = auth
        self._clock = clock
        self._specs = config.limits
        self._methods: dict[str, Method] = {}
        for name, (http_method, path) in ROUTE_METHODS.items():
            route = routes.get((http_method, path))
            if route is not None:
                self._methods[name] = Method(name, http_method, path, route=route)
        for name, handler in sessions.table().items():
            self._methods[name] = Method(name, "WS", name, handler=handler)

    def find(self, name: str) -> Method | None:
        return self._methods.get(name)

    @property
    def names(self) -> list[str]:
        return list(self._methods)

    def unknown(self, request: ApiRequest, session: Session, ip: str) -> bytes:
        """The answer to a method that does not exist (not charged)."""
        shown = self._shown(request.params.get("returnRateLimits"), session)
        limits = rate_limits(self._specs, self._limits.used_weight(ip), None) if shown else None
        return error_answer(request.id, UNKNOWN_METHOD, limits)

    def execute(
        self, method: Method, request: ApiRequest, session: Session, connection: Sender, ip: str
    ) -> Answer:
        """Run `method` for `request` and answer it, as REST runs and answers its route."""
        params = Params("")
        params.values.update(request.params)
        shown = self._shown(params.values.get("returnRateLimits"), session)
        route = method.route
        try:
            weights = self._limits.charge_ip(ip, method.weight_for(params))
        except SimError as error:
            weights = error.headers if error.status == 429 else self._limits.used_weight(ip)
            refused = rate_limits(self._specs, weights, None) if shown else None
            answer = self._refused(request.id, error, refused, None)
            return Answer(answer, banned=error.status == 418)
        account: str | None = None
        try:
            params.boolean("returnRateLimits")
            if route is None:
                assert method.handler is not None
                body = method.handler(SessionCall(session, connection, params))
            else:
                if route.security != "NONE":
                    account = self._auth.authorize(session, params, route.security)
                if route.orders and account is not None:
                    self._limits.charge_orders(account, route.orders)
                body = route.handler(Call(params, ip, account))
                params.finish()
        except SimError as error:
            limits = self._rate_limits(weights, route, account) if shown else None
            return Answer(self._refused(request.id, error, limits, account))
        limits = self._rate_limits(weights, route, account) if shown else None
        return Answer(result_answer(request.id, body, limits))

    def _shown(self, raw: str | None, session: Session) -> bool:
        """Whether the answer carries ``rateLimits``: the request's ``returnRateLimits``, else its
        connection's."""
        if raw is None or raw == "":
            return session.return_rate_limits
        return raw.lower() != "false"

    def _rate_limits(
        self, weights: Mapping[str, str], route: Route | None, account: str | None
    ) -> list[JsonObject]:
        orders = (
            self._limits.order_counts(account) if route is not None and route.orders and account else None
        )
        return rate_limits(self._specs, weights, orders)

    def _refused(
        self, request_id: Any, error: SimError, limits: list[JsonObject] | None, account: str | None
    ) -> bytes:
        extra: JsonObject | None = None
        if error.status in (418, 429):
            now = self._clock.now_ms()
            extra = {"serverTime": now, "retryAfter": self._retry_after(error, now)}
        return error_answer(request_id, error, limits, extra)

    def _retry_after(self, error: SimError, now: int) -> int:
        """When a 429 or 418 ends (ms): the ban's end, or the end of the window that refused."""
        banned = _BANNED_UNTIL.search(error.msg)
        if banned is not None:
            return int(banned.group(1))
        seconds = int(error.headers.get("Retry-After", "1"))
        kinds = ("ORDERS",) if error.code == -1015 else ("REQUEST_WEIGHT", "RAW_REQUESTS")
        for spec in self._specs:
            if spec.rate_limit_type in kinds:
                length = spec.interval_num * INTERVAL_MS[spec.interval]
                end = (now // length + 1) * length
                if max(1, -(-(end - now) // 1000)) == seconds:
                    return end
        return now + seconds * 1000
