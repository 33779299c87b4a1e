"""Answers whose numbers are not numbers, and single-symbol tickers answered with a list (issue 12).

* A price or quantity that is ``"NaN"``, ``"Infinity"``, ``"-inf"``, ``"sNaN"`` ... (msgspec reads them
  all into `Decimal`) makes the answer an `InvalidResponseError`; no model ever holds a non-finite
  Decimal, decoded or built by hand.
* A number written in non-ASCII digits (``"٣٣"`` is ``Decimal(33)`` to Python) is refused the same
  way, in Decimal fields and in `Depth`'s text levels; a symbol in such digits is still a symbol.
* ``ticker_price("BTCUSDT")`` and the other single-symbol tickers return one struct or raise:
  never a list (``[]`` used to come back as ``[]``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, get_type_hints

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binance_async import InvalidResponseError, SpotClient
from binance_async._decimal_checks import install_finite_check
from binance_async._endpoint import Endpoint
from binance_async.spot import endpoints as E
from binance_async.spot import models
from binance_async.spot.models import (
    BookTicker,
    Depth,
    ExchangeInfo,
    Fill,
    Kline,
    MyFilters,
    OrderFull,
    PriceFilter,
    RawMyFilters,
    SymbolInfo,
    TickerPrice,
    TickerStats,
    decode_filters,
)
from binance_async.spot.models._base import _Model
from binance_async.testing import MockTransport, Router
from tests.reference import EXAMPLES, example_files

NON_FINITE = [
    "NaN",
    "nan",
    "-NaN",
    "NAN",
    "sNaN",
    "-sNaN",
    "NaN123",
    "Infinity",
    "-Infinity",
    "+Infinity",
    "inf",
    "-inf",
    "INF",
    " NaN ",
]
#: 33 and 3.5 in digits Python's Decimal reads: Arabic-Indic, Extended Arabic-Indic, Devanagari,
#: fullwidth, Bengali, and one non-ASCII digit among ASCII ones.
NON_ASCII_NUMBERS = ["٣٣", "۳۳", "३३", "３３", "৩.৫", "3٣", "3.٥"]

TICKER_24HR = {
    "symbol": "BNBBTC",
    "priceChange": "-94.99999800",
    "priceChangePercent": "-95.960",
    "weightedAvgPrice": "0.29628482",
    "prevClosePrice": "0.10002000",
    "lastPrice": "4.00000200",
    "lastQty": "200.00000000",
    "bidPrice": "4.00000000",
    "bidQty": "100.00000000",
    "askPrice": "4.00000200",
    "askQty": "100.00000000",
    "openPrice": "99.00000000",
    "highPrice": "100.00000000",
    "lowPrice": "0.10000000",
    "volume": "8913.30000000",
    "quoteVolume": "15.30000000",
    "openTime": 1499783499040,
    "closeTime": 1499869899040,
    "firstId": 28385,
    "lastId": 28460,
    "count": 76,
}
BOOK = {"symbol": "BTCUSDT", "bidPrice": "4.0", "bidQty": "431.0", "askPrice": "4.0000020", "askQty": "9.0"}
DEPTH = {"lastUpdateId": 1027024, "bids": [["4.00000000", "431.00000000"]], "asks": [["4.00000200", "12.0"]]}
KLINE = [
    1499040000000,
    "0.01634790",
    "0.80000000",
    "0.01575800",
    "0.01577100",
    "148976.11427815",
    1499644799999,
    "2434.19055334",
    308,
    "1756.87402397",
    "28.46694368",
    "0",
]


def _body(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


# -- non-finite numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", NON_FINITE)
async def test_a_non_finite_price_is_an_invalid_response(
    router: Router, transport: MockTransport, text: str
) -> None:
    router.get("/api/v3/ticker/price", body=_body({"symbol": "BTCUSDT", "price": text}))
    async with SpotClient(transport=transport) as client:
        with pytest.raises(InvalidResponseError, match="finite"):
            await client.ticker_price("BTCUSDT")


@pytest.mark.parametrize(
    ("method", "args", "path", "payload"),
    [
        ("ticker_24hr", ("BNBBTC",), "/api/v3/ticker/24hr", {**TICKER_24HR, "lastPrice": "Infinity"}),
        ("ticker_24hr", ("BNBBTC",), "/api/v3/ticker/24hr", {**TICKER_24HR, "bidQty": "-inf"}),
        ("book_ticker", ("BTCUSDT",), "/api/v3/ticker/bookTicker", {**BOOK, "askQty": "sNaN"}),
        ("depth", ("BTCUSDT",), "/api/v3/depth", {**DEPTH, "bids": [["NaN", "1.0"]]}),
        ("depth", ("BTCUSDT",), "/api/v3/depth", {**DEPTH, "asks": [["4.1", "1.0"], ["4.2", "-Infinity"]]}),
        ("depth", ("BTCUSDT",), "/api/v3/depth", {**DEPTH, "asks": [["4.1", " inf "]]}),
        ("klines", ("BTCUSDT", "1m"), "/api/v3/klines", [[*KLINE[:4], "nan", *KLINE[5:]]]),
        ("avg_price", ("BTCUSDT",), "/api/v3/avgPrice", {"mins": 5, "price": "Infinity"}),
        (
            "trades",
            ("BTCUSDT",),
            "/api/v3/trades",
            [{"id": 1, "price": "4.0", "qty": "NaN", "quoteQty": "4", "time": 1, "isBuyerMaker": True}],
        ),
    ],
    ids=[
        "24hr-last",
        "24hr-bid-qty",
        "book",
        "depth-bid",
        "depth-ask",
        "depth-spaces",
        "kline",
        "avg",
        "trade",
    ],
)
async def test_non_finite_numbers_in_any_market_answer(
    router: Router, transport: MockTransport, method: str, args: tuple[Any, ...], path: str, payload: Any
) -> None:
    router.get(path, body=_body(payload))
    async with SpotClient(transport=transport) as client:
        with pytest.raises(InvalidResponseError) as caught:
            await getattr(client, method)(*args)
    assert caught.value.status == 200 and caught.value.body == _body(payload)


def test_depth_levels_that_are_numbers_still_decode_as_the_exact_strings() -> None:
    body = _body({**DEPTH, "bids": [["4.00000000", "431.00000000"], ["3.9", "1"]]})
    depth = E.DEPTH.decode(body)
    assert depth.bids == [("4.00000000", "431.00000000"), ("3.9", "1")]
    assert depth.best_bid() == (Decimal("4"), Decimal("431"))


def _stats(**optional: Decimal) -> TickerStats:
    one = Decimal(1)
    return TickerStats("X", one, one, one, one, one, one, 0, 0, 0, 0, 0, **optional)


def test_models_built_by_hand_refuse_non_finite_decimals() -> None:
    with pytest.raises(ValueError, match=r"TickerPrice\.price must be a finite number, got NaN"):
        TickerPrice(symbol="BTCUSDT", price=Decimal("NaN"))
    with pytest.raises(ValueError, match="ask_qty"):
        BookTicker("X", Decimal(1), Decimal(1), Decimal(1), Decimal("-Infinity"))
    with pytest.raises(ValueError, match="bid_price"):  # an optional field, set
        _stats(bid_price=Decimal("sNaN"))
    with pytest.raises(ValueError, match="price"):  # a float is not a Decimal, but no better for it
        TickerPrice(symbol="X", price=float("nan"))  # type: ignore[arg-type]
    fine = _stats()  # optional fields left None
    assert fine.bid_price is None
    assert TickerPrice(symbol="X", price=5).price == 5  # type: ignore[arg-type]  # not a Decimal: not checked


def _models() -> Iterator[type[msgspec.Struct]]:
    """Every model class: `binance_async.spot.models` imports the module of each area."""
    seen: set[type] = set()
    stack: list[type] = [_Model]
    while stack:
        cls = stack.pop()
        if cls not in seen:
            seen.add(cls)
            yield cls
            stack.extend(cls.__subclasses__())


def _decimal_fields(cls: type[msgspec.Struct]) -> list[str]:
    hints = get_type_hints(cls)
    return [name for name in cls.__struct_fields__ if hints[name] in (Decimal, Decimal | None)]


def test_every_model_with_decimal_fields_refuses_nan_in_each_of_them() -> None:
    checked = 0
    for cls in _models():
        for field in _decimal_fields(cls):
            post_init = cls.__post_init__  # type: ignore[attr-defined]
            fake = type("Fake", (), {name: Decimal(1) for name in cls.__struct_fields__})()
            setattr(fake, field, Decimal("NaN"))
            with pytest.raises(ValueError, match=field):
                post_init(fake)
            checked += 1
    assert checked > 100


def test_the_check_covers_containers_of_decimals_only_by_refusing_them() -> None:
    class Base(msgspec.Struct):
        def __init_subclass__(cls, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)
            install_finite_check(cls)

    with pytest.raises(TypeError, match=r"use Decimal or Decimal \| None"):

        class Levels(Base):
            levels: list[Decimal]


def test_an_own_post_init_still_runs_after_the_check() -> None:
    ran: list[str] = []

    class Base(msgspec.Struct):
        def __init_subclass__(cls, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)
            install_finite_check(cls)

    class Priced(Base):
        price: Decimal

        def __post_init__(self) -> None:
            ran.append("own")

    class MorePriced(Priced):
        qty: Decimal | None = None

    assert msgspec.json.decode(b'{"price": "1", "qty": "2"}', type=MorePriced).qty == 2
    with pytest.raises(msgspec.ValidationError, match="qty"):
        msgspec.json.decode(b'{"price": "1", "qty": "inf"}', type=MorePriced)
    assert ran == ["own"]


def test_filters_refuse_non_finite_limits_in_symbol_filters() -> None:
    raw = b'[{"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"Infinity","tickSize":"0.01"}]'
    with pytest.raises(msgspec.ValidationError, match="max_price"):
        decode_filters(raw)
    info = SymbolInfo("BTCUSDT", "TRADING", "BTC", "USDT", 8, 8, raw_filters=msgspec.Raw(raw))
    with pytest.raises(msgspec.ValidationError):
        info.filters()


@settings(max_examples=300, deadline=None)
@given(st.decimals(allow_nan=True, allow_infinity=True))
def test_a_ticker_price_decodes_exactly_when_finite(value: Decimal) -> None:
    body = _body({"symbol": "BTCUSDT", "price": str(value)})
    endpoint = E.TICKER_PRICE.returning(TickerPrice)
    if value.is_finite():
        decoded = endpoint.decode(body)
        assert decoded.price == value and str(decoded.price) == str(value)
    else:
        with pytest.raises(msgspec.ValidationError):
            endpoint.decode(body)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["1.5", "0.00000001", "65000.00", "0", *NON_FINITE, *NON_ASCII_NUMBERS]),
            st.sampled_from(["2", "0.1", *NON_FINITE, *NON_ASCII_NUMBERS]),
        ),
        max_size=6,
    )
)
def test_a_depth_decodes_exactly_when_every_level_is_a_finite_ascii_number(
    levels: list[tuple[str, str]],
) -> None:
    body = _body({"lastUpdateId": 1, "bids": levels, "asks": []})
    good = all(text.isascii() and Decimal(text).is_finite() for level in levels for text in level)
    if good:
        assert E.DEPTH.decode(body).bids == levels
    else:
        with pytest.raises(msgspec.ValidationError):
            E.DEPTH.decode(body)


# -- non-ASCII digits ----------------------------------------------------------------------------------------


def test_msgspec_reads_non_ascii_digits_into_decimals_and_refuses_them_for_ints() -> None:
    """Why the check exists (and why int fields need none): what msgspec does on its own."""
    assert msgspec.json.decode('"٣٣"'.encode(), type=Decimal) == 33
    assert msgspec.json.decode('"３３"'.encode(), type=Decimal) == 33
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode('"٣٣"'.encode(), type=int)


@pytest.mark.parametrize("text", NON_ASCII_NUMBERS)
async def test_a_price_in_non_ascii_digits_is_an_invalid_response(
    router: Router, transport: MockTransport, text: str
) -> None:
    router.get("/api/v3/ticker/price", body=_body({"symbol": "BTCUSDT", "price": text}))
    async with SpotClient(transport=transport) as client:
        with pytest.raises(InvalidResponseError, match="ASCII"):
            await client.ticker_price("BTCUSDT")


@pytest.mark.parametrize(
    ("endpoint", "payload"),
    [
        (E.TICKER_24HR, {**TICKER_24HR, "priceChangePercent": "-٩٥.٩٦٠"}),
        (E.TICKER_24HR, [TICKER_24HR, {**TICKER_24HR, "volume": "８９１３"}]),
        (E.DEPTH, {**DEPTH, "asks": [["4.1", "1.0"], ["٤.٢", "1.0"]]}),
        (E.DEPTH, {**DEPTH, "bids": [["4.1", "1.0\u00a0"]]}),  # a no-break space is no digit, still not ASCII
        (E.KLINES, [[*KLINE[:5], "١٤٨٩٧٦", *KLINE[6:]]]),
        (E.AVG_PRICE, {"mins": 5, "price": "۹.۳"}),
        (E.NEW_ORDER.variant("FULL"), None),
    ],
    ids=["24hr", "24hr-list", "depth", "depth-nbsp", "kline", "avg", "order-fill"],
)
def test_numbers_in_non_ascii_digits_are_refused_in_every_shape(
    endpoint: Endpoint[Any], payload: Any
) -> None:
    if payload is None:
        payload = _order_full(fill_price="٦٠٠٠٠")
    with pytest.raises(msgspec.ValidationError, match="ASCII"):
        endpoint.decode(_body(payload))


def _order_full(fill_price: str = "60000.00") -> dict[str, Any]:
    return {
        "symbol": "BTCUSDT",
        "orderId": 28,
        "orderListId": -1,
        "clientOrderId": "x",
        "transactTime": 1507725176595,
        "price": "60000.00000000",
        "origQty": "0.00100000",
        "executedQty": "0.00100000",
        "origQuoteOrderQty": "0.00000000",
        "cummulativeQuoteQty": "60.00000000",
        "status": "FILLED",
        "timeInForce": "GTC",
        "type": "LIMIT",
        "side": "BUY",
        "workingTime": 1507725176595,
        "selfTradePreventionMode": "NONE",
        "fills": [
            {"price": fill_price, "qty": "0.001", "commission": "0", "commissionAsset": "BTC", "tradeId": 5}
        ],
    }


def test_order_answers_decode_when_their_numbers_are_ascii() -> None:
    order = E.NEW_ORDER.variant("FULL").decode(_body(_order_full()))
    fill = Fill(
        price=Decimal("60000.00"),
        qty=Decimal("0.001"),
        commission=Decimal(0),
        commission_asset="BTC",
        trade_id=5,
    )
    assert isinstance(order, OrderFull) and order.fills == (fill,)


def test_text_in_non_ascii_characters_is_still_text() -> None:
    """Symbols may be non-ASCII: Binance lists one in Chinese and signs one in fullwidth digits."""
    tickers = [
        {"symbol": "币安人生USDT", "price": "0.1234"},
        {"symbol": "１２３４５６", "price": "33"},
        {"symbol": "٣٣", "price": "1"},
    ]
    decoded = E.TICKER_PRICE.decode(_body(tickers))
    assert decoded == [TickerPrice(t["symbol"], Decimal(t["price"])) for t in tickers]
    stats = E.TICKER_24HR.decode(_body({**TICKER_24HR, "symbol": "币安人生USDT"}))
    assert isinstance(stats, TickerStats) and stats.volume == Decimal("8913.3")


def test_one_non_ascii_price_among_non_ascii_symbols_is_found() -> None:
    tickers = [{"symbol": "币安人生USDT", "price": "0.1234"}, {"symbol": "BTCUSDT", "price": "٦٥٠٠٠"}]
    with pytest.raises(msgspec.ValidationError, match=r"\$\[1\]\.price"):
        E.TICKER_PRICE.decode(_body(tickers))


def test_filters_refuse_non_ascii_digits() -> None:
    raw = _body([{"filterType": "LOT_SIZE", "minQty": "0.001", "maxQty": "٩٠٠٠", "stepSize": "0.001"}])
    with pytest.raises(msgspec.ValidationError, match="maxQty"):
        decode_filters(raw)
    assert decode_filters(raw.replace("٩٠٠٠".encode(), b"9000"))[0] == models.LotSize(
        Decimal("0.001"), Decimal(9000), Decimal("0.001")
    )


# -- every official example, every string in it --------------------------------------------------------------


def _example_cases() -> list[tuple[str, Endpoint[Any]]]:
    cases = []
    for path in example_files():
        method, _, rest = path.stem.partition("_")
        route_, _, variant = rest.partition("__")
        endpoint = E.BY_ROUTE.get((method, "/" + route_.replace("_", "/")))
        if endpoint is None:
            continue
        if variant in ("ACK", "RESULT", "FULL"):
            endpoint = endpoint.variant(variant)
        try:
            endpoint.decode(path.read_bytes())
        except msgspec.DecodeError:
            continue  # an error example, or one for another shape
        cases.append((path.name, endpoint))
    return cases


def _strings(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def _replaced(value: Any, path: tuple[Any, ...], new: str) -> Any:
    if not path:
        return new
    head, *rest = path
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], tuple(rest), new)}
    return [_replaced(item, tuple(rest), new) if i == head else item for i, item in enumerate(value)]


def _numbers(value: Any) -> Iterator[Decimal | str]:
    """Every Decimal in a decoded answer (filters decoded too), and every Depth level string."""
    if isinstance(value, Decimal):
        yield value
    elif isinstance(value, Depth):
        for side in (value.bids, value.asks):
            for level in side:
                yield from level
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            yield from _numbers(getattr(value, name))
        if isinstance(value, SymbolInfo):
            yield from _numbers(value.filters())
        if isinstance(value, ExchangeInfo):
            yield from _numbers(value.exchange_filters())
        if isinstance(value, RawMyFilters):
            yield from _numbers(MyFilters.from_raw(value))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _numbers(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)


def _decode_all(endpoint: Endpoint[Any], body: bytes) -> list[Decimal | str]:
    return list(_numbers(endpoint.decode(body)))


def _finite(number: Decimal | str) -> bool:
    if isinstance(number, Decimal):
        return number.is_finite()
    try:
        return Decimal(number).is_finite()
    except ArithmeticError:
        return True  # not a number at all


CASES = _example_cases()


@pytest.mark.parametrize(("name", "endpoint"), CASES, ids=[name for name, _ in CASES])
def test_no_string_of_any_example_can_become_a_non_finite_number(name: str, endpoint: Endpoint[Any]) -> None:
    original = json.loads((EXAMPLES / name).read_bytes())
    for path, _ in _strings(original):
        for text in ("NaN", "-Infinity"):
            body = _body(_replaced(original, path, text))
            try:
                numbers = _decode_all(endpoint, body)
            except msgspec.DecodeError:
                continue
            assert all(_finite(number) for number in numbers), (path, text)


@pytest.mark.parametrize(("name", "endpoint"), CASES, ids=[name for name, _ in CASES])
def test_no_number_of_any_example_can_be_read_from_non_ascii_digits(
    name: str, endpoint: Endpoint[Any]
) -> None:
    raw = (EXAMPLES / name).read_bytes()
    original = json.loads(raw)
    expected = _decode_all(endpoint, raw)
    # Each digit d becomes the Arabic-Indic digit d + 1: read as a number, the value would change.
    arabic = str.maketrans("0123456789", "١٢٣٤٥٦٧٨٩٠")
    for path, text in _strings(original):
        if not any(c.isdigit() for c in text):
            continue
        body = _body(_replaced(original, path, text.translate(arabic)))
        try:
            numbers = _decode_all(endpoint, body)
        except msgspec.DecodeError:
            continue
        assert numbers == expected, path  # the string was text, never a number


# -- single-symbol tickers -----------------------------------------------------------------------------------

ONE_SYMBOL = [
    ("ticker_price", "/api/v3/ticker/price", {"symbol": "BTCUSDT", "price": "1.5"}, TickerPrice),
    ("book_ticker", "/api/v3/ticker/bookTicker", BOOK, BookTicker),
    ("ticker_24hr", "/api/v3/ticker/24hr", TICKER_24HR, TickerStats),
    ("ticker_trading_day", "/api/v3/ticker/tradingDay", TICKER_24HR, TickerStats),
    ("ticker", "/api/v3/ticker", TICKER_24HR, TickerStats),
]


@pytest.mark.parametrize("body", [[], "one in a list"], ids=["empty", "one-in-a-list"])
@pytest.mark.parametrize(("method", "path", "one", "model"), ONE_SYMBOL, ids=[row[0] for row in ONE_SYMBOL])
async def test_a_single_symbol_ticker_answered_with_a_list_is_an_invalid_response(
    router: Router,
    transport: MockTransport,
    method: str,
    path: str,
    one: dict[str, Any],
    model: type,
    body: Any,
) -> None:
    payload = [one] if body == "one in a list" else body
    router.get(path, body=_body(payload))
    async with SpotClient(transport=transport) as client:
        with pytest.raises(InvalidResponseError):
            await getattr(client, method)("BTCUSDT")


@pytest.mark.parametrize(("method", "path", "one", "model"), ONE_SYMBOL, ids=[row[0] for row in ONE_SYMBOL])
async def test_single_and_several_symbol_tickers_keep_their_shapes(
    router: Router, transport: MockTransport, method: str, path: str, one: dict[str, Any], model: type
) -> None:
    router.get(path, body=_body(one))
    router.get(path, body=_body([one, one]))
    router.get(path, body=_body(one))  # an object where a list was asked for
    async with SpotClient(transport=transport) as client:
        single = await getattr(client, method)("BTCUSDT")
        several = await getattr(client, method)(symbols=["BTCUSDT", "ETHUSDT"])
        assert isinstance(single, model)
        assert isinstance(several, list) and all(isinstance(item, model) for item in several)
        with pytest.raises(InvalidResponseError):
            await getattr(client, method)(symbols=["BTCUSDT"])


def test_kline_example_still_decodes_with_its_unused_text_field() -> None:
    [kline] = E.KLINES.decode(_body([KLINE]))
    assert isinstance(kline, Kline) and kline.open == Decimal("0.01634790") and kline.unused == "0"


def test_price_filter_example_round_trips() -> None:
    raw = b'[{"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"1000","tickSize":"0.01"}]'
    assert decode_filters(raw) == [PriceFilter(Decimal("0.01"), Decimal(1000), Decimal("0.01"))]
