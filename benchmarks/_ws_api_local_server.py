"""A local server for ``bench_ws_api.py --server local``: Binance's order route over REST and over the
WebSocket API, answered at once with a ready-made FULL answer, so that the two transports are compared
without the simulator's matching engine (~150-200 µs of CPU per order on either transport).

``python _ws_api_local_server.py [--markets 100]`` binds 127.0.0.1 on an ephemeral port and prints the
same JSON line as ``_ws_api_server.py`` (port, HMAC key and secret, Ed25519 key and private key,
markets); it stops when its stdin is closed or on SIGTERM (`_harness.serve_until_stopped`).

What it serves (aiohttp's low-level ``web.Server``, no routing table, no access log):

* ``GET /api/v3/time``: the server time;
* ``GET /api/v3/exchangeInfo`` (all markets, or ``symbol=`` / ``symbols=``): the simulator's own answer,
  fetched once at start-up from a `binance_async.sim.Simulator` configured as ``_ws_api_server.py``'s
  (the same markets with BTCUSDT's filters, the same roomy ``rateLimits``, so the client's limiter is
  configured exactly as against the simulator);
* ``POST /api/v3/order`` (form body or query string) and, on ``/ws-api/v3``, ``order.place``: a MARKET
  order is answered FILLED with one fill: a fresh ``orderId`` and ``tradeId`` (counters), the request's
  symbol, side and ``newClientOrderId`` echoed, quantity, price, quote quantity and commission from a
  cache per (symbol, side, quantity); the WebSocket answer is ``{id, status: 200, result,
  rateLimits}`` in one text frame, written as soon as the request frame is read;
* ``session.logon`` on ``/ws-api/v3``: the connection's later requests need no key and signature.

Every answer carries what Binance sends for the limiter to reconcile: ``X-MBX-USED-WEIGHT-1M`` (REST) or
the ``REQUEST_WEIGHT`` entry of ``rateLimits`` (WebSocket API), and for orders ``X-MBX-ORDER-COUNT-10S`` /
``-1D`` or the ``ORDERS`` entries, counted in fixed windows (weight per IP: time 1, exchangeInfo 20,
order 1, logon 2; orders counted as placed, filled or not).

What it does **not** do (on purpose: only the transports are measured): no signature is verified (HMAC or
Ed25519), no timestamp or ``recvWindow`` checked, no balance, filter or book; no limit is enforced (no 429);
no user data stream, no pings, no ``serverShutdown``. It only checks, cheaply, that an order names a
known market, a side, type MARKET, a quantity, a client order id of Binance's alphabet, a timestamp, and
a key and signature unless the connection logged on (REST: ``X-MBX-APIKEY`` and ``signature``); else it
answers 400 / -1102 (or -1020 for an unknown WebSocket API method), counted in ``refused``.

Not Binance, read by the harness and the workers outside their timed regions:

* ``GET /_bench/stats``: the process's CPU time; ``orders`` placed, ``duplicates`` (a client order id
  seen before), ``refused`` (answered with an error); the HTTP requests (``/_bench/`` left out) and
  WebSocket API requests served, the WebSocket connections opened;
* ``POST /_bench/profile?action=start|stop``: cProfile of this process (``_ws_api_server.Profiler``).
"""

from __future__ import annotations

import gc
import json
import re
import sys
import time
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # the working tree's binance_async
    sys.path.insert(1, str(HERE.parent))

import aiohttp  # noqa: E402
import msgspec  # noqa: E402
from _harness import serve_until_stopped  # noqa: E402
from _ws_api_server import (  # noqa: E402
    LIMITS,
    Profiler,
    config,
    hello,
    main,
    market_names,
    new_ed25519,
)
from aiohttp import WSMsgType, web  # noqa: E402

from binance_async.sim import Simulator  # noqa: E402
from binance_async.sim.config import generated_key  # noqa: E402

WS_PATH = "/ws-api/v3"
#: Binance's alphabet for client order ids (and the WebSocket API's for request ids).
CLIENT_ID = re.compile(r"[a-zA-Z0-9\-_.]{1,36}")
#: What the orders fill at (the simulator's BTCUSDT book: best ask and best bid).
ASK, BID = Decimal("65000.01"), Decimal("64999.99")
COMMISSION = Decimal("0.001")
EIGHT = Decimal("0.00000001")
REQUIRED = ("symbol", "side", "type", "quantity", "newClientOrderId", "timestamp")
WEIGHTS = {"/api/v3/time": 1, "/api/v3/exchangeInfo": 20, "/api/v3/order": 1}
LOGON_WEIGHT = 2
#: Besides the order's own params: what a signed request carries (REST: the key in ``X-MBX-APIKEY``).
SIGNED_REST = ("signature",)
SIGNED_WS = ("apiKey", "signature")


def _limit(kind: str, interval: str) -> int:
    return next(s.limit for s in LIMITS if s.rate_limit_type == kind and s.interval == interval)


WEIGHT_LIMIT = _limit("REQUEST_WEIGHT", "MINUTE")
ORDERS_10S_LIMIT = _limit("ORDERS", "SECOND")
ORDERS_DAY_LIMIT = _limit("ORDERS", "DAY")


class Refused(Exception):
    """A request answered 400 with Binance's `code` and `msg`."""

    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg

    def body(self) -> bytes:
        return msgspec.json.encode({"code": self.code, "msg": self.msg})


class WsRequest(msgspec.Struct, gc=False):
    """A WebSocket API request frame: the params this server reads, every other one ignored."""

    id: int | str | None = None
    method: str = ""
    params: dict[str, Any] = {}


decode_request = msgspec.json.Decoder(WsRequest).decode


class Counters:
    """Weight per minute, orders per 10 s and per day (fixed windows, as Binance counts them), and the
    benchmark's counts."""

    def __init__(self) -> None:
        self.minute = self.ten_s = self.day = -1
        self.weight = self.orders_10s = self.orders_day = 0
        self.orders = 0
        self.duplicates = 0
        self.refused = 0
        self.http_requests = 0
        self.ws_requests = 0
        self.ws_opened = 0
        self.client_ids: set[str] = set()
        self.next_order_id = 1
        self.next_trade_id = 1

    def charge(self, weight: int) -> int:
        minute = int(time.time() // 60)
        if minute != self.minute:
            self.minute, self.weight = minute, 0
        self.weight += weight
        return self.weight

    def count_order(self) -> tuple[int, int]:
        now = time.time()
        ten_s, day = int(now // 10), int(now // 86400)
        if ten_s != self.ten_s:
            self.ten_s, self.orders_10s = ten_s, 0
        if day != self.day:
            self.day, self.orders_day = day, 0
        self.orders_10s += 1
        self.orders_day += 1
        return self.orders_10s, self.orders_day

    def weight_headers(self, weight: int) -> dict[str, str]:
        return {"X-MBX-USED-WEIGHT-1M": str(self.charge(weight))}

    def weight_limits(self, weight: int) -> bytes:
        return (
            b'{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":%d,"count":%d}'
            % (WEIGHT_LIMIT, self.charge(weight))
        )


class Fill(msgspec.Struct, frozen=True):
    """What an order of one (symbol, side, quantity) answers, but for its ids and times."""

    qty: bytes
    quote: bytes
    price: bytes
    commission: bytes
    asset: bytes


def eight(value: Decimal) -> bytes:
    return str(value.quantize(EIGHT)).encode()


class OrderDesk:
    """Answers orders: checks (cheap ones only), counts, and the FULL answer's bytes."""

    def __init__(self, markets: Mapping[str, str], counters: Counters) -> None:
        self.markets = markets  # symbol -> base asset
        self.counters = counters
        self._fills: dict[tuple[str, str, str], Fill] = {}

    def fill(self, symbol: str, side: str, quantity: str) -> Fill:
        key = (symbol, side, quantity)
        fill = self._fills.get(key)
        if fill is None:
            if symbol not in self.markets:
                raise Refused(-1121, "Invalid symbol.")
            if side not in ("BUY", "SELL"):
                raise Refused(-1102, "Param 'side' was not sent, was empty/null, or malformed.")
            try:
                qty = Decimal(quantity)
            except ArithmeticError:
                raise Refused(-1102, "Param 'quantity' was malformed.") from None
            if not qty > 0:
                raise Refused(-1102, "Param 'quantity' was malformed.")
            price = ASK if side == "BUY" else BID
            quote = qty * price
            if side == "BUY":  # Binance takes the commission in what the order receives
                commission, asset = qty * COMMISSION, self.markets[symbol]
            else:
                commission, asset = quote * COMMISSION, "USDT"
            fill = self._fills[key] = Fill(
                eight(qty), eight(quote), eight(price), eight(commission), asset.encode()
            )
        return fill

    def place(self, params: Mapping[str, Any], credentials: tuple[str, ...]) -> tuple[bytes, int, int]:
        """The FULL answer to the order in `params` (REST strings or WebSocket JSON values) and the
        account's order counts (10 s, day); `Refused` if a check fails. `credentials`: the params that
        must be there too (present, never verified)."""
        for name in (*REQUIRED, *credentials):
            if params.get(name) in (None, ""):
                raise Refused(
                    -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
                )
        if params["type"] != "MARKET":
            raise Refused(-1013, "This local server answers MARKET orders only.")
        client_id = str(params["newClientOrderId"])
        if CLIENT_ID.fullmatch(client_id) is None:
            raise Refused(-1100, "Illegal characters found in parameter 'newClientOrderId'.")
        symbol, side = str(params["symbol"]), str(params["side"])
        fill = self.fill(symbol, side, str(params["quantity"]))
        counters = self.counters
        ids = counters.client_ids
        if client_id in ids:
            counters.duplicates += 1
        ids.add(client_id)
        counters.orders += 1
        order_id, trade_id = counters.next_order_id, counters.next_trade_id
        counters.next_order_id += 1
        counters.next_trade_id += 1
        now = int(time.time() * 1000)
        body = (
            b'{"symbol":"%s","orderId":%d,"orderListId":-1,"clientOrderId":"%s","transactTime":%d,'
            b'"price":"0.00000000","origQty":"%s","executedQty":"%s","origQuoteOrderQty":"0.00000000",'
            b'"cummulativeQuoteQty":"%s","status":"FILLED","timeInForce":"GTC","type":"MARKET","side":"%s",'
            b'"workingTime":%d,"selfTradePreventionMode":"EXPIRE_MAKER","fills":[{"price":"%s","qty":"%s",'
            b'"commission":"%s","commissionAsset":"%s","tradeId":%d}]}'
            % (
                symbol.encode(),
                order_id,
                client_id.encode(),
                now,
                fill.qty,
                fill.qty,
                fill.quote,
                side.encode(),
                now,
                fill.price,
                fill.qty,
                fill.commission,
                fill.asset,
                trade_id,
            )
        )
        ten_s, day = counters.count_order()
        return body, ten_s, day


class LocalServer:
    """The routes (see the module); `handle` is the `web.Server` handler."""

    def __init__(self, exchange_info: dict[str, Any], markets: Mapping[str, str]) -> None:
        self.counters = Counters()
        self.desk = OrderDesk(markets, self.counters)
        self.profiler = Profiler()
        self._info = exchange_info
        self._info_all = msgspec.json.encode(exchange_info)
        self._by_symbol = {s["symbol"]: s for s in exchange_info["symbols"]}

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        path = request.path
        if path.startswith("/_bench/"):
            return self.bench(request)
        counters = self.counters
        if path == WS_PATH:
            return await self.websocket(request)
        counters.http_requests += 1
        if path == "/api/v3/order" and request.method == "POST":
            return await self.rest_order(request)
        if path == "/api/v3/time" and request.method == "GET":
            body = b'{"serverTime":%d}' % int(time.time() * 1000)
            return self.json(body, counters.weight_headers(WEIGHTS[path]))
        if path == "/api/v3/exchangeInfo" and request.method == "GET":
            return self.exchange_info(request)
        return web.Response(status=404)

    @staticmethod
    def json(body: bytes, headers: dict[str, str], status: int = 200) -> web.Response:
        return web.Response(body=body, status=status, headers=headers, content_type="application/json")

    # -- REST --------------------------------------------------------------------------------------

    async def rest_order(self, request: web.BaseRequest) -> web.Response:
        counters = self.counters
        headers = counters.weight_headers(WEIGHTS["/api/v3/order"])
        params: dict[str, str] = dict(request.query)
        form = (await request.read()).decode()
        if form:
            for pair in form.split("&"):
                name, _, value = pair.partition("=")
                params[name] = unquote(value) if "%" in value else value
        try:
            if not request.headers.get("X-MBX-APIKEY"):
                raise Refused(-2014, "API-key format invalid.")
            body, ten_s, day = self.desk.place(params, SIGNED_REST)
        except Refused as refused:
            counters.refused += 1
            return self.json(refused.body(), headers, 400)
        headers["X-MBX-ORDER-COUNT-10S"] = str(ten_s)
        headers["X-MBX-ORDER-COUNT-1D"] = str(day)
        return self.json(body, headers)

    def exchange_info(self, request: web.BaseRequest) -> web.Response:
        headers = self.counters.weight_headers(WEIGHTS["/api/v3/exchangeInfo"])
        query = request.query
        names: list[str] | None = None
        if query.get("symbol"):
            names = [query["symbol"]]
        elif query.get("symbols"):
            names = json.loads(query["symbols"])
        if names is None:
            return self.json(self._info_all, headers)
        unknown = [n for n in names if n not in self._by_symbol]
        if unknown:
            self.counters.refused += 1
            return self.json(Refused(-1121, "Invalid symbol.").body(), headers, 400)
        info = dict(self._info, serverTime=int(time.time() * 1000))
        info["symbols"] = [self._by_symbol[n] for n in names]
        return self.json(msgspec.json.encode(info), headers)

    # -- the WebSocket API -------------------------------------------------------------------------

    async def websocket(self, request: web.BaseRequest) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, compress=False)
        await ws.prepare(request)
        self.counters.ws_opened += 1
        connected_since = int(time.time() * 1000)
        logged_on = False
        send = ws.send_frame
        text = WSMsgType.TEXT
        async for message in ws:
            if message.type is not text:
                continue
            answer, logon = self.ws_request(message.data, logged_on, connected_since)
            logged_on = logged_on or logon
            await send(answer, text)
        return ws

    def ws_request(self, data: str, logged_on: bool, connected_since: int) -> tuple[bytes, bool]:
        """The answer to one request frame, and whether it logged the connection on."""
        counters = self.counters
        counters.ws_requests += 1
        try:
            request = decode_request(data)
        except (msgspec.DecodeError, msgspec.ValidationError):
            counters.refused += 1
            return b'{"id":null,"status":400,"error":{"code":-1135,"msg":"Invalid JSON Request"}}', False
        rid = msgspec.json.encode(request.id)
        if request.method == "order.place":
            weight = counters.weight_limits(WEIGHTS["/api/v3/order"])
            try:
                body, ten_s, day = self.desk.place(request.params, () if logged_on else SIGNED_WS)
            except Refused as refused:
                counters.refused += 1
                return self.ws_error(rid, refused, weight), False
            return (
                b'{"id":%s,"status":200,"result":%s,"rateLimits":['
                b'{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":%d,"count":%d},'
                b'{"rateLimitType":"ORDERS","interval":"DAY","intervalNum":1,"limit":%d,"count":%d},%s]}'
                % (rid, body, ORDERS_10S_LIMIT, ten_s, ORDERS_DAY_LIMIT, day, weight)
            ), False
        weight = counters.weight_limits(LOGON_WEIGHT if request.method == "session.logon" else 1)
        if request.method == "session.logon":
            params = request.params
            if not params.get("apiKey") or not params.get("signature") or not params.get("timestamp"):
                counters.refused += 1
                missing = Refused(
                    -1102, "Mandatory parameter 'apiKey', 'signature' or 'timestamp' was not sent."
                )
                return self.ws_error(rid, missing, weight), False
            now = int(time.time() * 1000)
            result = msgspec.json.encode(
                {
                    "apiKey": params["apiKey"],
                    "authorizedSince": now,
                    "connectedSince": connected_since,
                    "returnRateLimits": True,
                    "serverTime": now,
                    "userDataStream": False,
                }
            )
            return b'{"id":%s,"status":200,"result":%s,"rateLimits":[%s]}' % (rid, result, weight), True
        counters.refused += 1
        return self.ws_error(rid, Refused(-1020, "This operation is not supported."), weight), False

    @staticmethod
    def ws_error(rid: bytes, refused: Refused, weight: bytes) -> bytes:
        return b'{"id":%s,"status":400,"error":%s,"rateLimits":[%s]}' % (rid, refused.body(), weight)

    # -- the harness's routes ----------------------------------------------------------------------

    def bench(self, request: web.BaseRequest) -> web.Response:
        if request.path == "/_bench/stats":
            c = self.counters
            stats = {
                "cpu": time.process_time(),
                "orders": c.orders,
                "duplicates": c.duplicates,
                "refused": c.refused,
                "http_requests": c.http_requests,
                "ws_requests": c.ws_requests,
                "ws_opened": c.ws_opened,
            }
            return self.json(msgspec.json.encode(stats), {})
        if request.path == "/_bench/profile":
            return web.Response(text=self.profiler.control(request.query["action"]))
        return web.Response(status=404)


async def simulator_exchange_info(names: list[str]) -> dict[str, Any]:
    """``GET /api/v3/exchangeInfo`` of a simulator configured as ``_ws_api_server.py``'s (every market)."""
    _, public_pem = new_ed25519()
    async with (
        Simulator(config(names, generated_key(), public_pem)) as sim,
        aiohttp.ClientSession() as session,
        session.get(f"{sim.base_url}/api/v3/exchangeInfo") as resp,
    ):
        resp.raise_for_status()
        info: dict[str, Any] = await resp.json()
    return info


async def serve(count: int) -> None:
    names = market_names(count)
    info = await simulator_exchange_info(names)
    markets = {s["symbol"]: s["baseAsset"] for s in info["symbols"]}
    server = LocalServer(info, markets)
    private_pem, _ = new_ed25519()
    hmac_key = generated_key()
    runner = web.ServerRunner(web.Server(server.handle, access_log=None), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    gc.collect()
    gc.freeze()
    try:
        await serve_until_stopped(hello(f"http://127.0.0.1:{port}", hmac_key, private_pem, names))
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    main(serve, __doc__)
