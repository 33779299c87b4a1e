"""Bad input: every value a caller can pass is refused before sending, or sent exactly (issue #7, item 1).

Property tests (hypothesis, 300 examples each, 150 for convert_confirm; the module runs in about 6 s)
against the embedded simulator, which runs in its own thread. One module-scoped event loop drives a
`SpotClient` and an `OAuthClient` logged in with ``asset:ocbs``, each behind a recording `Transport`
around the real aiohttp one that keeps every request exactly as it went out.

* `test_new_order_any_input`: `SpotClient.new_order` with every parameter drawn at random (symbol,
  side, type, new_order_resp_type, validate and every `OrderOptions` key): NaN and infinities (float
  and Decimal, signaling NaN too), negatives, zeros, huge and tiny numbers, float noise, ints, bools,
  empty, blank, non-ASCII and injection strings, None, lists, dicts, bytes, datetimes and other
  objects, plus hypothesis' own integers, floats, decimals and text. They are mixed into complete
  valid orders of every type on two symbols: some left valid, some with one or two parameters
  replaced or dropped, some random throughout. Valid amounts come in every form a caller may use
  (Decimal plain, normalized to an exponent or with trailing zeros, str, float, int); ``validate`` is
  None, False or True.
* `test_convert_quote_any_input`, `test_convert_confirm_any_input`, `test_convert_history_any_input`:
  the same for `OAuthClient.convert_quote(from_asset, to_asset, base_asset, amount)`,
  `convert_confirm(quote_id)` (fresh quotes, quotes confirmed already, unknown ids and garbage) and
  `convert_history(page, rows, start_time=, end_time=)` (times as ints, aware datetimes in several
  zones, naive datetimes and garbage).

Each example ends one of three ways, and anything else fails it (an exception that is not a
`BinanceError` propagates and fails the test; `InvalidResponseError` or a transport error fails too):

1. An `InvalidRequestError` (`ParameterError`, `OrderValidationError` ...): the order or call never
   reached the wire. Without local validation nothing at all was sent; ``validate=True`` may read
   exchangeInfo / avgPrice first, never the order endpoint.
2. A `BinanceAPIError` from the simulator (-1100 illegal characters, -1013 filter failure, -2010,
   -1104, -1121, an OAuth ``bad_param`` or ``unknown_quote`` ...): exactly one request was sent (an
   order twice only when the first was answered -1021, as the README allows), and it is clean. The
   simulator answers some huge convert amounts with a 500 (its own 8-decimal quantize overflows):
   the client raises `ExecutionStatusUnknownError` there, counted apart.
3. Success: the request is clean, and what the simulator parsed and stored is exactly the value meant
   (quantity, price, stop price, iceberg and quote quantities, trailing delta, strategy ids, client
   order id, side, type, time in force, STP mode; the convert amount, the quote id, page, rows and
   times), as is what the client decoded from the answer. An empty string is sent as given and read
   by Binance (and the simulator) as an absent value.

"Clean" means: pure ASCII; name=value pairs joined by ``&`` with exactly the expected names, each
once; values only unreserved characters and %XX escapes (so no raw ``&``, ``=``, CR, LF or space);
no CR/LF in any header; every number in plain notation (never an exponent) equal to the value meant
(a float as its shortest repr); every string percent-decoding back to exactly what was passed.

Each property also asserts it exercised all of its outcomes (enough accepted, refused and rejected
examples); the counts are printed under "reliability figures". The regression tests at the end pin
what the properties found (each raised TypeError / ValueError, or sent a wrong value, before the fix).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_DOWN, Decimal
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from binance_async import (
    BinanceAPIError,
    BinanceError,
    ExecutionStatusUnknownError,
    InvalidRequestError,
    OrderValidationError,
    ParameterError,
    RateLimiter,
    SpotClient,
)
from binance_async._encoding import encode_value
from binance_async._transport import AiohttpTransport
from binance_async.oauth import OAuthClient
from binance_async.oauth.models import ConvertHistory, ConvertQuote, ConvertResult
from binance_async.sim import LimitSpec, SimConfig, Simulator
from binance_async.spot.models import OrderAck, OrderFull, OrderIds, OrderResult
from binance_async.spot.rules import UnknownSymbolError
from binance_async.testing import RecordingTransport, Request

T = TypeVar("T")

EXAMPLES = 300
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
ONE_MS = timedelta(milliseconds=1)
EIGHT = Decimal("0.00000001")

# Roomy limits on both sides: the properties are about values, not about pacing.
ROOMY = (
    LimitSpec("REQUEST_WEIGHT", "MINUTE", 1, 10_000_000),
    LimitSpec("ORDERS", "SECOND", 10, 10_000_000),
    LimitSpec("ORDERS", "DAY", 1, 100_000_000),
    LimitSpec("RAW_REQUESTS", "MINUTE", 5, 100_000_000),
)

CLIENT_ID = "bad-input-oauth-app"
CLIENT_SECRET = "bad-input-client-secret"
REDIRECT = "https://app.example/callback"
SCOPES = ("user:email", "asset:balance", "asset:ocbs")

# -- the wire ------------------------------------------------------------------------------------------

WIRE_NAME = re.compile(r"[A-Za-z]+")
WIRE_VALUE = re.compile(r"(?:[A-Za-z0-9._~-]|%[0-9A-F]{2})*")
PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
GENERATED_ID = re.compile(r"[A-Za-z0-9_-]{22}")


class Recorder(RecordingTransport):
    """The real transport, recorded (every request exactly as it was sent), with the status and
    Binance error code of each answer."""

    def __init__(self) -> None:
        super().__init__(AiohttpTransport(timeout=10.0))

    @property
    def sent(self) -> list[Request]:
        return self.requests

    def answer(self, index: int) -> tuple[int, object]:
        """The status and Binance error code of the answer to request `index`; (0, None) if none came
        (a transport error)."""
        response = self.exchanges[index].response
        if response is None:
            return (0, None)
        try:
            code = json.loads(response.body).get("code")
        except (ValueError, AttributeError):
            code = None
        return (response.status, code)

    def since(self, start: int, path: str | None = None) -> list[Request]:
        return [r for r in self.sent[start:] if path in (None, r.path)]


def wire_fields(request: Request) -> dict[str, str]:
    """The name=value pairs of one request (form body, else query), checked for anything injected."""
    for name, value in request.headers.items():
        assert not re.search(r"[\r\n]", f"{name}{value}"), (name, value)
    assert request.url.isascii() and not re.search(r"[\s]", request.url), request.url
    raw = request.body.decode("ascii") if request.body is not None else urlsplit(request.url).query
    fields: dict[str, str] = {}
    if not raw:
        return fields
    for part in raw.split("&"):
        name, equals, value = part.partition("=")
        assert equals and WIRE_NAME.fullmatch(name), f"malformed pair {part!r} in {raw!r}"
        assert WIRE_VALUE.fullmatch(value), f"unescaped characters in {part!r}"
        assert name not in fields, f"{name} sent twice in {raw!r}"
        fields[name] = value
    return fields


def check_wire_value(name: str, value: Any, wire: str) -> None:
    """`wire` is exactly `value` as the README's table says it is sent."""
    if value is True or value is False:
        assert wire == ("true" if value else "false"), (name, value, wire)
    elif isinstance(value, str):
        assert unquote(wire, errors="strict") == value, (name, value, wire)
    elif isinstance(value, int):
        assert wire == str(value), (name, value, wire)
    elif isinstance(value, (float, Decimal)):
        assert PLAIN_NUMBER.fullmatch(wire), f"{name}: {value!r} sent as {wire!r}"
        assert Decimal(wire) == meant_number(value), (name, value, wire)
    elif isinstance(value, (list, tuple)):
        assert json.loads(unquote(wire, errors="strict")) == list(value), (name, value, wire)
    elif isinstance(value, datetime):
        assert value.tzinfo is not None and wire == str(meant_ms(value)), (name, value, wire)
    else:
        pytest.fail(f"{name}: a {type(value).__name__} was sent as {wire!r}")


def meant_number(value: float | int | Decimal | str | datetime) -> Decimal:
    """The number a caller means: a float is its shortest repr, never its binary expansion (and an
    aware datetime its milliseconds, as the README's table says)."""
    if isinstance(value, datetime):
        return Decimal(meant_ms(value) or 0)
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def meant_ms(value: int | datetime | None) -> int | None:
    """Milliseconds since the epoch, computed exactly (no float on the way)."""
    if isinstance(value, datetime):
        return (value - EPOCH) // ONE_MS
    return value


# -- the values ------------------------------------------------------------------------------------------


class Opaque:
    """An object of a type no parameter takes."""


NASTY_VALUES: list[Any] = [
    float("nan"),
    float("inf"),
    float("-inf"),
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("Infinity"),
    Decimal("-Infinity"),
    -1,
    -0.001,
    Decimal("-1"),
    Decimal("-0.00001"),
    0,
    0.0,
    -0.0,
    Decimal("0"),
    Decimal("-0"),
    Decimal("0E-8"),
    1e30,
    -1e30,
    Decimal("1E+40"),
    10**30,
    2**63,
    1e-12,
    Decimal("1E-20"),
    Decimal("1E-21"),
    0.1 + 0.2 - 0.3,
    0.30000000000000004,
    0.1 + 0.2,
    1e-08,
    1,
    5,
    100,
    1000000,
    True,
    False,
    "",
    " ",
    "\t",
    "\n",
    "１２３",
    "ß",
    "😀",
    "\u200b1",
    "1&side=SELL",
    "x%26y",
    "a=b",
    "\r\nX-Header: 1",
    "'; DROP TABLE orders;--",
    "../",
    "1e-3",
    "1E5",
    "0x10",
    " 1",
    "1 ",
    "-1",
    "+1",
    "1,5",
    "1_000",
    "NaN",
    "Infinity",
    "0.001",
    "60000",
    "\ud800",
    "BTCUSDT",
    "BUY",
    "LIMIT",
    "GTC",
    None,
    [],
    ["BTCUSDT"],
    [1],
    (),
    {},
    {"a": 1},
    b"1",
    bytearray(b"1"),
    datetime(2024, 1, 1),
    datetime(2024, 1, 1, tzinfo=timezone.utc),
    Opaque(),
]

NASTY: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(NASTY_VALUES),
    st.sampled_from(NASTY_VALUES),  # the hand-picked values twice as often as the generated ones
    st.integers(),
    st.floats(),
    st.decimals(),
    st.text(max_size=12),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)


def forms(value: Decimal) -> st.SearchStrategy[Any]:
    """The ways a caller writes the amount `value`: Decimal (as is, normalized, with an exponent or
    trailing zeros), str, float (when its repr is `value`) and int (when whole)."""
    choices: list[Any] = [
        value,
        value.normalize(),  # 60000.00 -> 6E+4
        Decimal(f"{value:E}"),
        value.quantize(Decimal("1E-12")),
        format(value, "f"),
    ]
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        choices.append(as_float)
    if value == value.to_integral_value():
        choices.append(int(value))
    return st.sampled_from(choices)


@dataclass(frozen=True)
class Market:
    symbol: str
    mid: Decimal
    tick: Decimal
    step: Decimal
    min_steps: int  # the smallest quantity (in steps) worth 5 of the quote asset


MARKETS = (
    Market("BTCUSDT", Decimal("65000"), Decimal("0.01"), Decimal("0.00001"), 10),
    Market("ETHUSDT", Decimal("3200"), Decimal("0.01"), Decimal("0.0001"), 20),
)
ORDER_TYPES = (
    "LIMIT",
    "MARKET",
    "LIMIT_MAKER",
    "STOP_LOSS",
    "STOP_LOSS_LIMIT",
    "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
)
PRICED = frozenset({"LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"})
TIMED = frozenset({"LIMIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"})
STOPS = frozenset({"STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"})
STP_MODES = ("NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT")

#: Every keyword of `OrderOptions`, with its name on the wire (written out: independent of the client).
OPTIONS = {
    "quantity": "quantity",
    "price": "price",
    "quote_order_qty": "quoteOrderQty",
    "stop_price": "stopPrice",
    "iceberg_qty": "icebergQty",
    "trailing_delta": "trailingDelta",
    "time_in_force": "timeInForce",
    "new_client_order_id": "newClientOrderId",
    "strategy_id": "strategyId",
    "strategy_type": "strategyType",
    "self_trade_prevention_mode": "selfTradePreventionMode",
    "peg_price_type": "pegPriceType",
    "peg_offset_value": "pegOffsetValue",
    "peg_offset_type": "pegOffsetType",
    "recv_window": "recvWindow",
}
HEAD = ("symbol", "side", "type", "new_order_resp_type")


@dataclass
class OrderCase:
    """One call of `new_order`: the positional arguments, the response type, validate and the options."""

    symbol: Any
    side: Any
    type: Any
    new_order_resp_type: Any
    validate: bool | None
    options: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return getattr(self, name) if name in HEAD else self.options.get(name)


@st.composite
def valid_orders(draw: st.DrawFn) -> OrderCase:
    """A complete order the simulator can accept (it may still refuse one: a LIMIT_MAKER that would
    cross, a stop that would trigger at once)."""
    market = draw(st.sampled_from(MARKETS))
    kind = draw(st.sampled_from(ORDER_TYPES))
    side = draw(st.sampled_from(["BUY", "SELL"]))
    steps = draw(st.integers(market.min_steps, market.min_steps * 5))
    options: dict[str, Any] = {}
    if kind == "MARKET" and draw(st.booleans()):
        options["quote_order_qty"] = draw(forms(Decimal(draw(st.sampled_from(["10", "12.5", "20.01"])))))
    else:
        options["quantity"] = draw(forms(market.step * steps))
    if kind in PRICED:
        factor = draw(st.sampled_from([Decimal("0.9"), Decimal("0.97"), Decimal("1.03"), Decimal("1.1")]))
        options["price"] = draw(forms((market.mid * factor).quantize(market.tick)))
    if kind in TIMED:
        options["time_in_force"] = draw(st.sampled_from(["GTC", "GTC", "IOC", "FOK"]))
    if kind in STOPS:
        if draw(st.booleans()):
            factor = draw(st.sampled_from([Decimal("0.95"), Decimal("1.05")]))
            options["stop_price"] = draw(forms((market.mid * factor).quantize(market.tick)))
        else:
            options["trailing_delta"] = draw(st.integers(10, 2000))
    if kind in ("LIMIT", "LIMIT_MAKER") and steps > 1 and draw(st.booleans()):
        options["iceberg_qty"] = draw(forms(market.step * draw(st.integers(1, steps - 1))))
    if draw(st.booleans()):
        options["new_client_order_id"] = draw(st.from_regex(r"[A-Za-z0-9_-]{1,36}", fullmatch=True))
    if draw(st.booleans()):
        options["strategy_id"] = draw(st.integers(1, 10**12))
    if draw(st.booleans()):
        options["strategy_type"] = draw(st.integers(1_000_000, 10**12))
    if draw(st.booleans()):
        options["self_trade_prevention_mode"] = draw(st.sampled_from(STP_MODES))
    if draw(st.booleans()):
        options["recv_window"] = draw(st.integers(5000, 60000))
    return OrderCase(
        market.symbol,
        side,
        kind,
        draw(st.sampled_from(["ACK", "RESULT", "FULL"])),
        draw(st.sampled_from([None, False, True, True])),
        options,
    )


@st.composite
def order_cases(draw: st.DrawFn) -> OrderCase:
    mode = draw(st.sampled_from(["valid", "mutated", "mutated", "mutated", "random"]))
    case = draw(valid_orders())
    if mode == "random":
        case = OrderCase(draw(NASTY), draw(NASTY), draw(NASTY), draw(NASTY), case.validate)
        for name in draw(st.sets(st.sampled_from(list(OPTIONS)))):
            case.options[name] = draw(NASTY)
    elif mode == "mutated":  # one or two parameters replaced (mostly one the order has) or dropped
        names = st.sampled_from([*HEAD, *case.options]) | st.sampled_from(list(OPTIONS))
        for name in draw(st.lists(names, min_size=1, max_size=2)):
            if name in OPTIONS and draw(st.integers(0, 3)) == 0:
                case.options.pop(name, None)
            elif name in HEAD:
                setattr(case, name, draw(NASTY))
            else:
                case.options[name] = draw(NASTY)
    return case


# -- the environment -------------------------------------------------------------------------------------


@dataclass
class Env:
    """One simulator thread, one event loop, a Spot client and a logged-in OAuth client on it."""

    sim: Simulator
    loop: asyncio.AbstractEventLoop
    spot: SpotClient
    spot_wire: Recorder
    oauth: OAuthClient
    oauth_wire: Recorder

    def run(self, call: Callable[[], Awaitable[T]]) -> T:
        return self.loop.run_until_complete(call())


async def _consent(url: str) -> str:
    """Open the authorization URL as the user's browser would; the simulator consents at once."""
    async with aiohttp.ClientSession() as session, session.get(url, allow_redirects=False) as resp:
        assert resp.status == 302
        return resp.headers["Location"]


@pytest.fixture(scope="module")
def env() -> Iterator[Env]:
    sim = Simulator(SimConfig(book_levels=40, limits=ROOMY))
    sim.start_in_thread()
    sim.oauth.register_client(CLIENT_ID, CLIENT_SECRET, [REDIRECT])
    loop = asyncio.new_event_loop()
    spot_wire, oauth_wire = Recorder(), Recorder()
    spot = SpotClient(
        sim.api_key, sim.api_secret, base_url=sim.base_url, transport=spot_wire, limiter=RateLimiter([])
    )
    oauth = OAuthClient(
        CLIENT_ID,
        CLIENT_SECRET,
        redirect_uri=REDIRECT,
        accounts_base_url=sim.base_url,
        api_base_url=sim.base_url,
        clock=lambda: sim.clock.now_ms() / 1000,
        transport=oauth_wire,
        limiter=RateLimiter([]),
    )

    async def warm_up() -> None:
        await spot.symbols_rules([m.symbol for m in MARKETS])  # exchangeInfo, cached
        await spot.account()  # the clock is synced: an order sends nothing before itself
        login = oauth.authorization_url(SCOPES)
        await oauth.exchange_code(oauth.parse_callback(await _consent(login.url), login.state))

    async def close() -> None:
        await spot.aclose()
        await oauth.aclose()

    try:
        loop.run_until_complete(warm_up())
        yield Env(sim, loop, spot, spot_wire, oauth, oauth_wire)
    finally:
        loop.run_until_complete(close())
        loop.close()
        sim.stop_thread()


def order_requests(wire: Recorder, start: int) -> list[Request]:
    """The order requests sent since `start`: one, or two when the first was answered -1021 (the
    client resyncs its clock and signs again once; the order never reached the engine)."""
    found = [(i, r) for i, r in enumerate(wire.sent[start:], start) if r.path == "/api/v3/order"]
    assert 1 <= len(found) <= 2, f"{len(found)} order requests: an order is never resent"
    if len(found) == 2:
        assert wire.answer(found[0][0]) == (400, -1021)
    return [request for _, request in found]


# -- new_order ---------------------------------------------------------------------------------------


def check_order_request(case: OrderCase, request: Request) -> dict[str, str]:
    """The one order request: clean, with exactly the names expected, each value as passed."""
    assert (request.method, request.path) == ("POST", "/api/v3/order")
    fields = wire_fields(request)
    expected = {"newClientOrderId", "recvWindow", "timestamp", "signature"}
    for name in ("symbol", "side", "type"):
        if case.get(name) is not None:
            expected.add(name)
            check_wire_value(name, case.get(name), fields.get(name, "<missing>"))
    if case.new_order_resp_type is not None:
        expected.add("newOrderRespType")
        check_wire_value("newOrderRespType", case.new_order_resp_type, fields.get("newOrderRespType", ""))
    for option, wire_name in OPTIONS.items():
        value = case.options.get(option)
        if value is not None:
            expected.add(wire_name)
            check_wire_value(wire_name, value, fields.get(wire_name, "<missing>"))
    assert set(fields) == expected
    if case.options.get("new_client_order_id") is None:
        assert GENERATED_ID.fullmatch(fields["newClientOrderId"])
    if case.options.get("recv_window") is None:
        assert fields["recvWindow"] == "5000"
    assert PLAIN_NUMBER.fullmatch(fields["timestamp"]) and re.fullmatch(r"[0-9a-f]{64}", fields["signature"])
    return fields


def check_accepted_order(env: Env, case: OrderCase, order: OrderIds, fields: Mapping[str, str]) -> None:
    """What the simulator parsed and stored, and what the client decoded, is exactly the order meant.

    `check_order_request` has shown that each value on the wire is the value passed; here what the
    simulator kept is what was on the wire: amounts as the number meant, integers and enums as sent.
    An empty string is sent as given (``trailingDelta=``), and Binance reads an empty value as an
    absent one: nothing to compare then.
    """
    stored = env.sim.engine.get_order("default", order.symbol, order.order_id, None)
    assert (stored.symbol, stored.side, stored.type) == (case.symbol, case.side, case.type)
    assert stored.client_order_id == order.client_order_id == unquote(fields["newClientOrderId"])

    def meant(option: str) -> Any:
        value = case.options.get(option)
        return None if value is None or value == "" else value

    amounts = {
        "quantity": (stored.orig_qty, "orig_qty"),
        "price": (stored.price, "price"),
        "stop_price": (stored.stop_price, "stop_price"),
        "iceberg_qty": (stored.iceberg_qty, "iceberg_qty"),
        "quote_order_qty": (stored.orig_quote_order_qty, "orig_quote_order_qty"),
    }
    for option, (parsed, attribute) in amounts.items():
        value = meant(option)
        if value is None:
            continue
        assert parsed == meant_number(value) == Decimal(fields[OPTIONS[option]]), (option, value, parsed)
        if isinstance(order, OrderResult):  # RESULT and FULL: the answer carries the same value
            assert getattr(order, attribute) == parsed, (option, value, order)
    integers = {
        "trailing_delta": stored.trailing_delta,
        "strategy_id": stored.strategy_id,
        "strategy_type": stored.strategy_type,
    }
    for option, number in integers.items():
        if meant(option) is not None:
            assert str(number) == unquote(fields[OPTIONS[option]]), (option, meant(option), number)
    for option, text in (
        ("self_trade_prevention_mode", stored.stp_mode),
        ("time_in_force", stored.time_in_force),
    ):
        if meant(option) is not None:
            assert text == meant(option)
    if isinstance(order, OrderResult):
        assert (order.side, order.type, order.strategy_id) == (case.side, case.type, stored.strategy_id)


READS_BEFORE_AN_ORDER = {("GET", "/api/v3/exchangeInfo"), ("GET", "/api/v3/avgPrice")}


def test_new_order_any_input(env: Env, figures: dict[str, Any]) -> None:
    outcomes: Counter[str] = Counter()
    started = time.perf_counter()

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(order_cases())
    def new_order(case: OrderCase) -> None:
        wire = env.spot_wire
        start = len(wire.sent)

        async def place() -> OrderIds:
            result: OrderIds = await env.spot.new_order(
                case.symbol,
                case.side,
                case.type,
                new_order_resp_type=case.new_order_resp_type,
                validate=case.validate,
                **case.options,
            )
            return result

        try:
            order = env.run(place)
        except InvalidRequestError:
            sent = wire.since(start)
            if case.validate:
                assert {(r.method, r.path) for r in sent} <= READS_BEFORE_AN_ORDER
            else:
                assert sent == []
            outcomes["refused before sending"] += 1
            return
        except BinanceAPIError as exc:
            for request in order_requests(wire, start):
                check_order_request(case, request)
            outcomes[f"rejected by the simulator ({exc.code})"] += 1
            if isinstance(exc, ExecutionStatusUnknownError):
                outcomes["simulator 5xx"] += 1
            return
        except BinanceError as exc:  # InvalidResponseError, TransportError: typed, but not expected here
            pytest.fail(f"{type(exc).__name__}: {exc} for {case!r}")
        fields = check_order_request(case, order_requests(wire, start)[-1])
        check_accepted_order(env, case, order, fields)
        outcomes["accepted"] += 1
        if env.sim.engine.get_order("default", order.symbol, order.order_id, None).is_open:
            env.run(lambda: env.spot.cancel_order(order.symbol, order_id=order.order_id))

    new_order()
    figures["examples"] = sum(outcomes.values())
    figures["seconds"] = round(time.perf_counter() - started, 2)
    figures.update(sorted(outcomes.items()))
    assert outcomes["accepted"] >= EXAMPLES // 20
    assert outcomes["refused before sending"] >= EXAMPLES // 5
    assert sum(n for k, n in outcomes.items() if k.startswith("rejected")) >= EXAMPLES // 20


# -- OAuth convert --------------------------------------------------------------------------------------

ASSETS = ("BTC", "USDT", "ETH", "BNB")


@dataclass
class QuoteCase:
    from_asset: Any
    to_asset: Any
    base_asset: Any
    amount: Any


@st.composite
def quote_cases(draw: st.DrawFn) -> QuoteCase:
    pair = draw(st.permutations(ASSETS))
    from_asset, to_asset = pair[0], pair[1]
    amount = Decimal(draw(st.sampled_from(["0.001", "0.0125", "0.5", "3", "12.5", "100"])))
    case = QuoteCase(from_asset, to_asset, draw(st.sampled_from([from_asset, to_asset])), draw(forms(amount)))
    mode = draw(st.sampled_from(["valid", "valid", "mutated", "mutated", "random"]))
    names = ["from_asset", "to_asset", "base_asset", "amount"]
    if mode == "random":
        for name in names:
            setattr(case, name, draw(NASTY | st.sampled_from(ASSETS)))
    elif mode == "mutated":
        for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=2)):
            setattr(case, name, draw(NASTY))
    return case


def meant_amount(value: Decimal | int | float | str) -> Decimal:
    """The amount a caller means: a numeric string is read as `Decimal` reads it (blanks stripped)."""
    return Decimal(value.strip()) if isinstance(value, str) else meant_number(value)


def quote_fields(case: QuoteCase) -> dict[str, Any]:
    """What a convert quote must send: the assets as given, the amount as the number meant."""
    return {
        "fromAsset": case.from_asset,
        "toAsset": case.to_asset,
        "baseAsset": case.base_asset,
        "amount": meant_amount(case.amount),
    }


def check_oauth_request(request: Request, path: str, expected: Mapping[str, Any]) -> dict[str, str]:
    """One OAuth call: clean, bearer-authenticated, with exactly `expected` (None left out)."""
    assert request.path == path
    assert request.headers["Authorization"].startswith("Bearer ")
    fields = wire_fields(request)
    wanted = {name: value for name, value in expected.items() if value is not None}
    assert set(fields) == set(wanted)
    for name, value in wanted.items():
        check_wire_value(name, value, fields[name])
    return fields


def test_convert_quote_any_input(env: Env, figures: dict[str, Any]) -> None:
    outcomes: Counter[str] = Counter()
    started = time.perf_counter()
    path = env.oauth.endpoints["convert_quote"].path

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(quote_cases())
    def convert_quote(case: QuoteCase) -> None:
        wire = env.oauth_wire
        start = len(wire.sent)
        try:
            quote = env.run(
                lambda: env.oauth.convert_quote(case.from_asset, case.to_asset, case.base_asset, case.amount)
            )
        except InvalidRequestError:
            assert wire.since(start) == []
            outcomes["refused before sending"] += 1
            return
        except BinanceAPIError as exc:
            sent = wire.since(start)
            assert len(sent) == 1
            check_oauth_request(sent[0], path, quote_fields(case))
            kind = "simulator 5xx" if isinstance(exc, ExecutionStatusUnknownError) else "rejected"
            outcomes[f"{kind} ({exc.status} {exc.code})"] += 1
            return
        assert isinstance(quote, ConvertQuote)
        sent = wire.since(start)
        assert len(sent) == 1
        amount = meant_amount(case.amount)
        check_oauth_request(sent[0], path, quote_fields(case))
        stored = env.sim.oauth._quotes[quote.quote_id]
        assert (stored.from_asset, stored.to_asset) == (case.from_asset, case.to_asset)
        side = stored.source_amount if case.base_asset == case.from_asset else stored.obtain_amount
        assert side == amount.quantize(EIGHT, rounding=ROUND_DOWN)  # the simulator keeps 8 decimals
        outcomes["accepted"] += 1

    convert_quote()
    figures["examples"] = sum(outcomes.values())
    figures["seconds"] = round(time.perf_counter() - started, 2)
    figures.update(sorted(outcomes.items()))
    assert outcomes["accepted"] >= EXAMPLES // 20
    assert outcomes["refused before sending"] >= EXAMPLES // 5


@dataclass(frozen=True)
class Pick:
    """A quote id found when the example runs: a quote asked for just then (``fresh``, `cents` of
    USDT into BTC), or one confirmed already (``reused``)."""

    kind: str
    cents: int


@st.composite
def quote_ids(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["fresh", "fresh", "reused", "other"]))
    if kind == "other":
        return draw(NASTY | st.from_regex(r"[0-9a-f]{32}", fullmatch=True))
    return Pick(kind, draw(st.integers(100, 1000)))


def test_convert_confirm_any_input(env: Env, figures: dict[str, Any]) -> None:
    outcomes: Counter[str] = Counter()
    started = time.perf_counter()
    path = env.oauth.endpoints["convert_confirm"].path
    confirmed: list[str] = []

    @settings(max_examples=EXAMPLES // 2, deadline=None, suppress_health_check=list(HealthCheck))
    @given(quote_ids())
    def convert_confirm(choice: Any) -> None:
        wire = env.oauth_wire
        quote_id = choice
        if isinstance(choice, Pick) and choice.kind == "fresh":
            amount = Decimal(choice.cents) / 100
            quote_id = env.run(lambda: env.oauth.convert_quote("USDT", "BTC", "USDT", amount)).quote_id
        elif isinstance(choice, Pick):
            if not confirmed:
                return
            quote_id = confirmed[choice.cents % len(confirmed)]
        start = len(wire.sent)
        try:
            result = env.run(lambda: env.oauth.convert_confirm(quote_id))
        except InvalidRequestError:
            assert wire.since(start) == []
            outcomes["refused before sending"] += 1
            return
        except BinanceAPIError as exc:
            sent = wire.since(start)
            assert len(sent) == 1
            check_oauth_request(sent[0], path, {"quoteId": quote_id})
            outcomes[f"rejected ({exc.status} {exc.code})"] += 1
            return
        assert isinstance(result, ConvertResult)
        sent = wire.since(start)
        assert len(sent) == 1
        check_oauth_request(sent[0], path, {"quoteId": quote_id})
        assert result.quote_id == quote_id and result.status in ("SUCCESS", "FAIL")
        assert env.sim.oauth.default_user.conversions[-1]["quoteId"] == quote_id
        confirmed.append(quote_id)
        outcomes["accepted"] += 1

    convert_confirm()
    figures["examples"] = sum(outcomes.values())
    figures["seconds"] = round(time.perf_counter() - started, 2)
    figures.update(sorted(outcomes.items()))
    assert outcomes["accepted"] >= 5
    assert outcomes["refused before sending"] >= 5
    assert any(k.startswith("rejected") for k in outcomes)


TIMES: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.integers(0, 4 * 10**12),
    st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=5, minutes=30))]),
    ),
    st.builds(lambda ms: EPOCH + ms * ONE_MS, st.integers(0, 4 * 10**12)),  # whole milliseconds
)


@dataclass
class HistoryCase:
    page: Any
    rows: Any
    start_time: Any
    end_time: Any


@st.composite
def history_cases(draw: st.DrawFn) -> HistoryCase:
    case = HistoryCase(draw(st.integers(1, 5)), draw(st.integers(1, 2000)), draw(TIMES), draw(TIMES))
    mode = draw(st.sampled_from(["valid", "mutated", "mutated", "random"]))
    names = ["page", "rows", "start_time", "end_time"]
    bad = NASTY | st.sampled_from([0, -1, 2001, 2**31, 10**9 + 1, datetime(2024, 5, 1, 12)])
    if mode == "random":
        for name in names:
            setattr(case, name, draw(bad))
    elif mode == "mutated":
        for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=2)):
            setattr(case, name, draw(bad))
    return case


def history_fields(case: HistoryCase) -> dict[str, Any]:
    return {
        "page": case.page,
        "rows": case.rows,
        "startTime": meant_ms(case.start_time),
        "endTime": meant_ms(case.end_time),
    }


def test_convert_history_any_input(env: Env, figures: dict[str, Any]) -> None:
    outcomes: Counter[str] = Counter()
    started = time.perf_counter()
    path = env.oauth.endpoints["convert_history"].path

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(history_cases())
    def convert_history(case: HistoryCase) -> None:
        wire = env.oauth_wire
        start = len(wire.sent)
        try:
            history = env.run(
                lambda: env.oauth.convert_history(
                    case.page, case.rows, start_time=case.start_time, end_time=case.end_time
                )
            )
        except InvalidRequestError:
            assert wire.since(start) == []
            outcomes["refused before sending"] += 1
            return
        except BinanceAPIError as exc:
            sent = wire.since(start)
            assert len(sent) == 1
            check_oauth_request(sent[0], path, history_fields(case))
            outcomes[f"rejected ({exc.status} {exc.code})"] += 1
            return
        assert isinstance(history, ConvertHistory)
        sent = wire.since(start)
        assert len(sent) == 1 and sent[0].method == "GET" and sent[0].body is None
        check_oauth_request(sent[0], path, history_fields(case))
        conversions = env.sim.oauth.default_user.conversions
        assert history.total == len(conversions)
        assert len(history.rows) == max(0, min(case.rows, len(conversions) - (case.page - 1) * case.rows))
        outcomes["accepted"] += 1

    convert_history()
    figures["examples"] = sum(outcomes.values())
    figures["seconds"] = round(time.perf_counter() - started, 2)
    figures.update(sorted(outcomes.items()))
    assert outcomes["accepted"] >= EXAMPLES // 20
    assert outcomes["refused before sending"] >= EXAMPLES // 5


# -- regressions: what the properties found -------------------------------------------------------------
#
# Each was an untyped exception (TypeError, ValueError) or a wrong value on the wire before the fix.


def _refused_before_the_order(env: Env, call: Callable[[], Awaitable[Any]]) -> InvalidRequestError:
    start = len(env.spot_wire.sent)
    with pytest.raises(InvalidRequestError) as caught:
        env.run(call)
    assert {(r.method, r.path) for r in env.spot_wire.since(start)} <= READS_BEFORE_AN_ORDER
    return caught.value


UNHASHABLE = [["LIMIT"], {"LIMIT": 1}, Decimal("sNaN")]  # a signaling NaN cannot be hashed either


@pytest.mark.parametrize("order_type", UNHASHABLE)
def test_an_unhashable_order_type_is_a_parameter_error(env: Env, order_type: Any) -> None:
    """`check_order_shape` looked the type up in a dict: TypeError."""
    error = _refused_before_the_order(
        env, lambda: env.spot.new_order("BTCUSDT", "BUY", order_type, quantity="0.001")
    )
    assert type(error) is ParameterError and "unknown order type" in str(error)


@pytest.mark.parametrize("symbol", UNHASHABLE)
def test_an_unhashable_symbol_is_unknown_to_the_rules(env: Env, symbol: Any) -> None:
    """The rules cache looked the symbol up in a dict: TypeError from `new_order(validate=True)`."""
    error = _refused_before_the_order(
        env,
        lambda: env.spot.new_order(symbol, "BUY", "MARKET", quantity="0.001", validate=True),
    )
    assert isinstance(error, UnknownSymbolError)
    with pytest.raises(UnknownSymbolError):
        env.run(lambda: env.spot.symbol_rules(symbol))


@pytest.mark.parametrize("delta", ["abc", "", float("nan"), float("inf"), 1.5, [100], {"a": 1}, True, "1_00"])
def test_a_trailing_delta_that_is_not_an_integer_is_a_parameter_error_when_validating(
    env: Env, delta: Any
) -> None:
    """Validation read it with ``int(value)``: ValueError / TypeError / OverflowError, and 1.5 was
    validated as 1 while "1.5" was sent."""
    error = _refused_before_the_order(
        env,
        lambda: env.spot.new_order(
            "BTCUSDT", "SELL", "STOP_LOSS", quantity="0.001", trailing_delta=delta, validate=True
        ),
    )
    assert isinstance(error, ParameterError)


def test_a_valid_trailing_delta_still_validates_and_is_placed(env: Env) -> None:
    order = env.run(
        lambda: env.spot.new_order(
            "BTCUSDT", "SELL", "STOP_LOSS", quantity="0.001", trailing_delta=150, validate=True
        )
    )
    assert env.sim.engine.get_order("default", "BTCUSDT", order.order_id, None).trailing_delta == 150
    env.run(lambda: env.spot.cancel_order("BTCUSDT", order_id=order.order_id))
    with pytest.raises(OrderValidationError) as caught:  # and the filter is still checked
        env.run(
            lambda: env.spot.new_order(
                "BTCUSDT", "SELL", "STOP_LOSS", quantity="0.001", trailing_delta=5, validate=True
            )
        )
    assert caught.value.filter_type == "TRAILING_DELTA"


@pytest.mark.parametrize("response_type", [None, "", "full", "Ack", ["ACK"], {"ACK": 1}, Decimal("sNaN")])
@pytest.mark.parametrize("order_type", ["LIMIT_MAKER", "MARKET"])
def test_a_response_type_that_is_not_ack_result_or_full_is_refused(
    env: Env, response_type: Any, order_type: Any
) -> None:
    """A list or a signaling NaN raised TypeError (a dict lookup); None and "" went out empty, so the
    simulator (like Binance) answered in its default shape for the type, ACK for a LIMIT_MAKER, which
    the client decoded as FULL: InvalidResponseError for an order that had been placed."""
    price: dict[str, Any] = {"price": "70000"} if order_type == "LIMIT_MAKER" else {}
    error = _refused_before_the_order(
        env,
        lambda: env.spot.new_order(
            "BTCUSDT", "SELL", order_type, quantity="0.001", new_order_resp_type=response_type, **price
        ),
    )
    assert isinstance(error, ParameterError) and "new_order_resp_type" in str(error)


@pytest.mark.parametrize(
    ("response_type", "shape"), [("ACK", OrderAck), ("RESULT", OrderResult), ("FULL", OrderFull)]
)
def test_each_response_type_is_decoded_in_its_shape(env: Env, response_type: Any, shape: type) -> None:
    order: OrderIds = env.run(
        lambda: env.spot.new_order(
            "BTCUSDT",
            "SELL",
            "LIMIT_MAKER",
            quantity="0.001",
            price="70000",
            new_order_resp_type=response_type,
        )
    )
    assert type(order) is shape
    env.run(lambda: env.spot.cancel_order("BTCUSDT", order_id=order.order_id))


@pytest.mark.parametrize(
    "when",
    [
        datetime(2004, 5, 27, 7, 40, 34, 126000, tzinfo=timezone.utc),
        datetime(1987, 5, 14, 17, 17, 52, 356000, tzinfo=timezone.utc),
        datetime(2039, 1, 8, 21, 58, 19, 667000, tzinfo=timezone.utc),
        datetime(2004, 5, 27, 13, 10, 34, 126000, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    ],
)
def test_an_aware_datetime_is_sent_to_the_exact_millisecond(env: Env, when: datetime) -> None:
    """``int(value.timestamp() * 1000)`` sent these one millisecond early (float rounding)."""
    expected = (when - EPOCH) // ONE_MS
    assert encode_value("startTime", when) == str(expected)
    start = len(env.oauth_wire.sent)
    env.run(lambda: env.oauth.convert_history(1, 5, start_time=when, end_time=when))
    (request,) = env.oauth_wire.since(start)
    fields = wire_fields(request)
    assert fields["startTime"] == fields["endTime"] == str(expected)


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    st.integers(-(10**13), 10**13),
    st.integers(0, 999),
    st.sampled_from([timezone.utc, timezone(timedelta(hours=-8)), timezone(timedelta(hours=5, minutes=45))]),
)
def test_any_aware_datetime_is_its_milliseconds_since_the_epoch(ms: int, micros: int, tz: timezone) -> None:
    when = (EPOCH + ms * ONE_MS + timedelta(microseconds=micros)).astimezone(tz)
    assert encode_value("startTime", when) == str(ms)  # sub-millisecond parts are cut, never rounded up


def test_an_unhashable_state_is_refused_before_the_token_exchange(env: Env) -> None:
    """With a login pending, the state was looked up in a dict: TypeError."""
    env.oauth.authorization_url(SCOPES)
    start = len(env.oauth_wire.sent)
    states: list[Any] = [["x"], {"x": 1}, Decimal("sNaN")]
    for state in states:
        with pytest.raises(InvalidRequestError, match="state must be a string"):
            env.loop.run_until_complete(env.oauth.exchange_code("some-code", state=state))
    assert env.oauth_wire.since(start) == []
