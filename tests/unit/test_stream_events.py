"""The market-stream events and `decode_message` (binance_async.streams.events)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binance_async.streams import events
from binance_async.streams.events import (
    AggTrade,
    AvgPrice,
    BlockTrade,
    BookTicker,
    ControlError,
    ControlReply,
    DepthUpdate,
    Kline,
    KlineBar,
    MiniTicker,
    MiniTickers,
    PartialDepth,
    RawEvent,
    ReferencePrice,
    ServerShutdown,
    StreamEvent,
    Ticker,
    Trade,
    WindowTicker,
    WindowTickers,
    decode_message,
    sequence_of,
    stream_event_type,
)

# The example payloads of Binance's "WebSocket Streams for Binance" (web-socket-streams.md in
# github.com/binance/binance-spot-api-docs, as of July 2026), comments removed.
MINI_TICKER = {
    "e": "24hrMiniTicker", "E": 1672515782136, "s": "BNBBTC", "c": "0.0025", "o": "0.0010",
    "h": "0.0025", "l": "0.0010", "v": "10000", "q": "18",
}  # fmt: skip
WINDOW_TICKER = {
    "e": "1hTicker", "E": 1672515782136, "s": "BNBBTC", "p": "0.0015", "P": "250.00", "o": "0.0010",
    "h": "0.0025", "l": "0.0010", "c": "0.0025", "w": "0.0018", "v": "10000", "q": "18", "O": 0,
    "C": 1675216573749, "F": 0, "L": 18150, "n": 18151,
}  # fmt: skip
DOCS: dict[str, Any] = {
    "bnbbtc@trade": {
        "e": "trade", "E": 1672515782136, "s": "BNBBTC", "t": 12345, "p": "0.001", "q": "100",
        "T": 1672515782136, "m": True, "M": True,
    },
    "bnbbtc@aggTrade": {
        "e": "aggTrade", "E": 1672515782136, "s": "BNBBTC", "a": 12345, "p": "0.001", "q": "100",
        "f": 100, "l": 105, "T": 1672515782136, "m": True, "M": True,
    },
    "bnbbtc@blockTrade": {
        "e": "blockTrade", "E": 1772506983582, "s": "BNBBTC", "t": 582, "p": "0.052", "q": "5838",
        "T": 1772506983321, "m": True,
    },
    "bnbbtc@kline_1m": {
        "e": "kline", "E": 1672515782136, "s": "BNBBTC",
        "k": {
            "t": 1672515780000, "T": 1672515839999, "s": "BNBBTC", "i": "1m", "f": 100, "L": 200,
            "o": "0.0010", "c": "0.0020", "h": "0.0025", "l": "0.0015", "v": "1000", "n": 100,
            "x": False, "q": "1.0000", "V": "500", "Q": "0.500", "B": "123456",
        },
    },
    "bnbbtc@miniTicker": MINI_TICKER,
    "!miniTicker@arr": [MINI_TICKER],
    "bnbbtc@ticker": {
        "e": "24hrTicker", "E": 1672515782136, "s": "BNBBTC", "p": "0.0015", "P": "250.00",
        "w": "0.0018", "x": "0.0009", "c": "0.0025", "Q": "10", "b": "0.0024", "B": "10",
        "a": "0.0026", "A": "100", "o": "0.0010", "h": "0.0025", "l": "0.0010", "v": "10000",
        "q": "18", "O": 0, "C": 86400000, "F": 0, "L": 18150, "n": 18151,
    },
    "bnbbtc@ticker_1h": WINDOW_TICKER,
    "!ticker_1h@arr": [WINDOW_TICKER],
    "bnbusdt@bookTicker": {
        "u": 400900217, "s": "BNBUSDT", "b": "25.35190000", "B": "31.21000000", "a": "25.36520000",
        "A": "40.66000000",
    },
    "btcusdt@avgPrice": {
        "e": "avgPrice", "E": 1693907033000, "s": "BTCUSDT", "i": "5m", "w": "25776.86000000",
        "T": 1693907032213,
    },
    "bazusd@referencePrice": {"e": "referencePrice", "s": "BAZUSD", "r": "1.00", "t": 1770313263917},
    "bnbbtc@depth5": {"lastUpdateId": 160, "bids": [["0.0024", "10"]], "asks": [["0.0026", "100"]]},
    "bnbbtc@depth": {
        "e": "depthUpdate", "E": 1672515782136, "s": "BNBBTC", "U": 157, "u": 160,
        "b": [["0.0024", "10"]], "a": [["0.0026", "100"]],
    },
    "!serverShutdown": {"e": "serverShutdown", "E": 1770123456789},
}  # fmt: skip


def wrap(stream: str, data: Any, *, as_bytes: bool = False, pretty: bool = False) -> str | bytes:
    """A combined-stream message as Binance writes it (compact, "stream" first), or spaced out."""
    message = {"stream": stream, "data": data}
    text = json.dumps(message, ensure_ascii=False, separators=None if pretty else (",", ":"))
    return text.encode() if as_bytes else text


def decode(stream: str, data: Any, **kwargs: bool) -> StreamEvent:
    event = decode_message(wrap(stream, data, **kwargs))
    assert not isinstance(event, ControlReply)
    return event


# -- every event, from the documentation's examples ------------------------------------------------


def test_trade() -> None:
    assert decode("bnbbtc@trade", DOCS["bnbbtc@trade"]) == Trade(
        event_time=1672515782136, symbol="BNBBTC", trade_id=12345, price=Decimal("0.001"),
        qty=Decimal("100"), trade_time=1672515782136, is_buyer_maker=True, stream="bnbbtc@trade",
    )  # fmt: skip


def test_agg_trade() -> None:
    assert decode("bnbbtc@aggTrade", DOCS["bnbbtc@aggTrade"]) == AggTrade(
        event_time=1672515782136, symbol="BNBBTC", agg_trade_id=12345, price=Decimal("0.001"),
        qty=Decimal("100"), first_trade_id=100, last_trade_id=105, trade_time=1672515782136,
        is_buyer_maker=True, stream="bnbbtc@aggTrade",
    )  # fmt: skip


def test_block_trade() -> None:
    event = decode("bnbbtc@blockTrade", DOCS["bnbbtc@blockTrade"])
    assert isinstance(event, BlockTrade)
    assert (event.trade_id, event.price, event.qty, event.trade_time) == (
        582, Decimal("0.052"), Decimal("5838"), 1772506983321,
    )  # fmt: skip


@pytest.mark.parametrize("stream", ["bnbbtc@kline_1m", "bnbbtc@kline_1m@+08:00", "bnbbtc@kline_1M"])
def test_kline(stream: str) -> None:
    event = decode(stream, DOCS["bnbbtc@kline_1m"])
    assert event == Kline(
        event_time=1672515782136, symbol="BNBBTC", stream=stream,
        bar=KlineBar(
            open_time=1672515780000, close_time=1672515839999, symbol="BNBBTC", interval="1m",
            first_trade_id=100, last_trade_id=200, open=Decimal("0.0010"), close=Decimal("0.0020"),
            high=Decimal("0.0025"), low=Decimal("0.0015"), volume=Decimal("1000"), trades=100,
            is_closed=False, quote_volume=Decimal("1.0000"), taker_buy_base_volume=Decimal("500"),
            taker_buy_quote_volume=Decimal("0.500"),
        ),
    )  # fmt: skip
    assert isinstance(event, Kline) and str(event.bar.open) == "0.0010"  # digits kept as sent


def test_ticker() -> None:
    event = decode("bnbbtc@ticker", DOCS["bnbbtc@ticker"])
    assert event == Ticker(
        event_time=1672515782136, symbol="BNBBTC", price_change=Decimal("0.0015"),
        price_change_percent=Decimal("250.00"), weighted_avg_price=Decimal("0.0018"),
        prev_close_price=Decimal("0.0009"), last_price=Decimal("0.0025"), last_qty=Decimal("10"),
        bid_price=Decimal("0.0024"), bid_qty=Decimal("10"), ask_price=Decimal("0.0026"),
        ask_qty=Decimal("100"), open_price=Decimal("0.0010"), high_price=Decimal("0.0025"),
        low_price=Decimal("0.0010"), volume=Decimal("10000"), quote_volume=Decimal("18"), open_time=0,
        close_time=86400000, first_id=0, last_id=18150, count=18151, stream="bnbbtc@ticker",
    )  # fmt: skip


def test_window_tickers() -> None:
    event = decode("bnbbtc@ticker_1h", WINDOW_TICKER)
    assert isinstance(event, WindowTicker)
    assert (event.event_type, event.price_change_percent, event.close_time, event.count) == (
        "1hTicker", Decimal("250.00"), 1675216573749, 18151,
    )  # fmt: skip
    array = decode("!ticker_1h@arr", DOCS["!ticker_1h@arr"])
    assert array == WindowTickers([msgspec.structs.replace(event, stream="")], stream="!ticker_1h@arr")


def test_mini_tickers() -> None:
    single = decode("bnbbtc@miniTicker", MINI_TICKER)
    assert single == MiniTicker(
        event_time=1672515782136, symbol="BNBBTC", last_price=Decimal("0.0025"),
        open_price=Decimal("0.0010"), high_price=Decimal("0.0025"), low_price=Decimal("0.0010"),
        volume=Decimal("10000"), quote_volume=Decimal("18"), stream="bnbbtc@miniTicker",
    )  # fmt: skip
    array = decode("!miniTicker@arr", [MINI_TICKER, {**MINI_TICKER, "s": "ETHBTC"}])
    assert isinstance(array, MiniTickers) and array.stream == "!miniTicker@arr"
    assert [t.symbol for t in array.tickers] == ["BNBBTC", "ETHBTC"]
    assert array.tickers[0] == msgspec.structs.replace(single, stream="")  # the container has the name
    assert decode("!miniTicker@arr", []) == MiniTickers([], stream="!miniTicker@arr")


def test_book_ticker() -> None:
    assert decode("bnbusdt@bookTicker", DOCS["bnbusdt@bookTicker"]) == BookTicker(
        update_id=400900217, symbol="BNBUSDT", bid_price=Decimal("25.35190000"),
        bid_qty=Decimal("31.21000000"), ask_price=Decimal("25.36520000"), ask_qty=Decimal("40.66000000"),
        stream="bnbusdt@bookTicker",
    )  # fmt: skip


def test_avg_price_and_reference_price() -> None:
    assert decode("btcusdt@avgPrice", DOCS["btcusdt@avgPrice"]) == AvgPrice(
        event_time=1693907033000, symbol="BTCUSDT", interval="5m", price=Decimal("25776.86000000"),
        last_trade_time=1693907032213, stream="btcusdt@avgPrice",
    )  # fmt: skip
    reference = DOCS["bazusd@referencePrice"]
    assert decode("bazusd@referencePrice", reference) == ReferencePrice(
        symbol="BAZUSD", reference_price=Decimal("1.00"), timestamp=1770313263917,
        stream="bazusd@referencePrice",
    )  # fmt: skip
    none = decode("bazusd@referencePrice", {**reference, "r": None})
    assert isinstance(none, ReferencePrice) and none.reference_price is None


@pytest.mark.parametrize("stream", ["bnbbtc@depth", "bnbbtc@depth@100ms"])
def test_depth_update(stream: str) -> None:
    event = decode(stream, DOCS["bnbbtc@depth"])
    assert event == DepthUpdate(
        event_time=1672515782136, symbol="BNBBTC", first_update_id=157, final_update_id=160,
        bids=[("0.0024", "10")], asks=[("0.0026", "100")], stream=stream,
    )  # fmt: skip


@pytest.mark.parametrize("levels", [5, 10, 20])
@pytest.mark.parametrize("speed", ["", "@100ms"])
def test_partial_depth(levels: int, speed: str) -> None:
    stream = f"bnbbtc@depth{levels}{speed}"
    assert decode(stream, DOCS["bnbbtc@depth5"]) == PartialDepth(
        last_update_id=160, bids=[("0.0024", "10")], asks=[("0.0026", "100")], symbol="BNBBTC",
        stream=stream,
    )  # fmt: skip


def test_depth_levels_stay_exact_strings() -> None:
    data = {**DOCS["bnbbtc@depth"], "b": [["65000.01000000", "0.00000000"]], "a": [["1E+2", "0.10"]]}
    event = decode("bnbbtc@depth", data)
    assert isinstance(event, DepthUpdate)
    assert event.bids == [("65000.01000000", "0.00000000")] and event.asks == [("1E+2", "0.10")]
    assert all(type(text) is str for level in event.bids + event.asks for text in level)


def test_server_shutdown() -> None:
    assert decode("!serverShutdown", DOCS["!serverShutdown"]) == ServerShutdown(
        event_time=1770123456789, stream="!serverShutdown"
    )
    # Should it ever come unwrapped on a combined connection, it is still understood.
    unwrapped = decode_message(json.dumps(DOCS["!serverShutdown"]))
    assert unwrapped == ServerShutdown(event_time=1770123456789, stream="!serverShutdown")


@pytest.mark.parametrize("stream", sorted(DOCS))
@pytest.mark.parametrize("form", ["str", "bytes", "pretty"])
def test_str_bytes_and_any_layout_decode_alike(stream: str, form: str) -> None:
    expected = decode(stream, DOCS[stream])
    assert not isinstance(expected, RawEvent) and expected.stream == stream
    assert decode(stream, DOCS[stream], as_bytes=form == "bytes", pretty=form == "pretty") == expected
    # "data" first, or an escaped name: the slow path, the same result.
    data_first = json.dumps({"data": DOCS[stream], "stream": stream})
    assert decode_message(data_first) == expected
    name = stream.replace("@", "\\u0040")
    escaped = '{"stream":"' + name + '","data":' + json.dumps(DOCS[stream]) + "}"
    assert decode_message(escaped) == decode_message(escaped.encode()) == expected


# -- what does not fit ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stream",
    ["btcusdt@fooBar", "btcusdt", "@trade", "!ticker@arr", "!foo", "btcusdt@trade@1s", "btcusdt@kline_"],
)
def test_unknown_streams_give_raw_events(stream: str) -> None:
    data = {"e": "whatever", "x": [1, 2.5, None]}
    assert decode(stream, data) == RawEvent(data=data, stream=stream)
    assert stream_event_type(stream) is RawEvent


@pytest.mark.parametrize(
    ("stream", "data"),
    [
        ("bnbbtc@trade", {**DOCS["bnbbtc@trade"], "e": "aggTrade"}),  # another event type
        ("bnbbtc@trade", {k: v for k, v in DOCS["bnbbtc@trade"].items() if k != "p"}),  # missing field
        ("bnbbtc@trade", {**DOCS["bnbbtc@trade"], "p": 0.001}),  # a float is still read as Decimal: below
        ("bnbbtc@trade", {**DOCS["bnbbtc@trade"], "t": "12345"}),  # an id as text
        ("bnbbtc@trade", [DOCS["bnbbtc@trade"]]),  # an array
        ("bnbbtc@trade", None),
        ("bnbbtc@depth", {**DOCS["bnbbtc@depth"], "b": [["0.0024"]]}),  # a level of one element
        ("bnbbtc@depth5", {"lastUpdateId": 160, "bids": [], "asks": 5}),
        ("!miniTicker@arr", MINI_TICKER),  # an object, not an array
        ("!miniTicker@arr", [MINI_TICKER, {"e": "24hrMiniTicker"}]),
        ("bnbbtc@kline_1m", {**DOCS["bnbbtc@kline_1m"], "k": {**DOCS["bnbbtc@kline_1m"]["k"], "x": "no"}}),
    ],
)
def test_data_that_does_not_fit_gives_a_raw_event(stream: str, data: Any) -> None:
    event = decode(stream, data)
    if isinstance(event, Trade):  # msgspec reads a JSON number into a Decimal too
        assert event.price == Decimal("0.001")
        return
    assert event == RawEvent(data=data, stream=stream)
    assert decode(stream, data, as_bytes=True) == event


NON_FINITE = ["NaN", "nan", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "-INF", "+Inf"]


@pytest.mark.parametrize("text", NON_FINITE)
def test_non_finite_decimals_are_refused(text: str) -> None:
    for stream, key in [("bnbbtc@trade", "p"), ("bnbusdt@bookTicker", "A"), ("bnbbtc@ticker", "w")]:
        data = {**DOCS[stream], key: text}
        assert decode(stream, data) == RawEvent(data=data, stream=stream)
    kline = DOCS["bnbbtc@kline_1m"]
    data = {**kline, "k": {**kline["k"], "h": text}}
    assert decode("bnbbtc@kline_1m", data) == RawEvent(data=data, stream="bnbbtc@kline_1m")
    arr = [MINI_TICKER, {**MINI_TICKER, "v": text}]
    assert decode("!miniTicker@arr", arr) == RawEvent(data=arr, stream="!miniTicker@arr")
    with pytest.raises(ValueError, match="finite"):
        # built by hand: refused too
        Trade(
            event_time=1,
            symbol="X",
            trade_id=1,
            price=Decimal(text),
            qty=Decimal(1),
            trade_time=1,
            is_buyer_maker=True,
        )


@pytest.mark.parametrize("text", NON_FINITE)
@pytest.mark.parametrize("side", ["bids", "asks"])
def test_non_finite_depth_levels_are_refused(text: str, side: str) -> None:
    diff = {**DOCS["bnbbtc@depth"], side[0]: [["0.0024", "10"], ["0.0023", text]]}
    partial = {**DOCS["bnbbtc@depth5"], side: [[text, "1"]]}
    streams = ["bnbbtc@depth", "btcusdt@depth@100ms", "bnbbtc@depth20", "btcusdt@depth5@100ms"]
    for stream, data in zip(streams, [diff, diff, partial, partial], strict=True):
        for as_bytes in (False, True):
            assert decode(stream, data, as_bytes=as_bytes) == RawEvent(data=data, stream=stream)


def test_an_n_elsewhere_in_a_depth_message_is_no_refusal() -> None:
    # The symbol after the levels (another key order), an unknown key with an "n": looked at, kept.
    data = {"b": [["1.5", "2"]], "a": [], "e": "depthUpdate", "E": 1, "s": "BNBBTC", "U": 1, "u": 2, "n": "x"}
    event = decode("bnbbtc@depth", data)
    assert isinstance(event, DepthUpdate) and event.bids == [("1.5", "2")] and event.symbol == "BNBBTC"
    partial = decode("bnbbtc@depth5", {"bids": [], "asks": [["2", "1"]], "lastUpdateId": 7, "note": "n"})
    assert isinstance(partial, PartialDepth) and partial.last_update_id == 7


def test_non_ascii_digits_are_refused_and_non_ascii_symbols_kept() -> None:
    data = {**DOCS["bnbbtc@trade"], "p": "٣٣"}  # Arabic-Indic digits: Decimal reads 33
    assert decode("bnbbtc@trade", data) == RawEvent(data=data, stream="bnbbtc@trade")
    assert decode("bnbbtc@trade", data, as_bytes=True) == RawEvent(data=data, stream="bnbbtc@trade")
    depth = {**DOCS["bnbbtc@depth"], "a": [["０.5", "1"]]}  # a fullwidth digit in a level
    assert decode("bnbbtc@depth", depth) == RawEvent(data=depth, stream="bnbbtc@depth")
    chinese = {**MINI_TICKER, "s": "币安人生USDT"}
    event = decode("!miniTicker@arr", [chinese], as_bytes=True)
    assert isinstance(event, MiniTickers) and event.tickers[0].symbol == "币安人生USDT"
    ticker = decode("币安人生usdt@miniTicker", chinese)
    assert isinstance(ticker, MiniTicker) and ticker.stream == "币安人生usdt@miniTicker"
    depth5 = decode("币安人生usdt@depth5", DOCS["bnbbtc@depth5"])
    assert isinstance(depth5, PartialDepth) and depth5.symbol == "币安人生USDT"


# -- control replies and refusals ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"result":null,"id":1}', ControlReply(id=1, result=None)),
        ('{"result": ["btcusdt@aggTrade"], "id": 3}', ControlReply(id=3, result=["btcusdt@aggTrade"])),
        ('{"result":true,"id":"abc"}', ControlReply(id="abc", result=True)),
        (
            '{"error":{"code":2,"msg":"Invalid request: too many parameters"},"id":null}',
            ControlReply(error=ControlError(2, "Invalid request: too many parameters")),
        ),
        (
            '{"code": 0, "msg": "Unknown property", "id": 5}',
            ControlReply(id=5, error=ControlError(0, "Unknown property")),
        ),
    ],
)
def test_control_replies(text: str, expected: ControlReply) -> None:
    assert decode_message(text) == decode_message(text.encode()) == expected
    assert expected.ok is (expected.error is None)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        '{"stream":"bnbbtc@trade","data":{"e":"trade"',
        '{"stream":"bnbbtc@trade","data":{"e":"trade",}}',
        '{"stream":"bnbbtc@depth","data":{"b":[["1","2"]],"a":[]}} trailing',
        b'{"stream":"\xff\xfe@trade","data":{}}',
        "[]",
        "null",
        '{"e":"trade","E":1}',  # a raw-stream payload: not on a combined connection
        '{"stream":"bnbbtc@trade"}',  # no data
        '{"stream":"bnbbtc@fooBar"}',
        '{"stream":5,"data":{}}',
        '{"id":1}',
        '{"error":"nope","id":1}',
    ],
)
def test_what_is_neither_raises_decode_error(text: str | bytes) -> None:
    with pytest.raises(msgspec.DecodeError):
        decode_message(text)


# -- the stream table, the route cache, the sequences -------------------------------------------


def test_stream_event_types() -> None:
    table = {
        "btcusdt@trade": Trade, "btcusdt@aggTrade": AggTrade, "btcusdt@blockTrade": BlockTrade,
        "btcusdt@depth": DepthUpdate, "btcusdt@depth@100ms": DepthUpdate, "btcusdt@depth10": PartialDepth,
        "btcusdt@depth20@100ms": PartialDepth, "btcusdt@bookTicker": BookTicker,
        "btcusdt@kline_1s": Kline, "btcusdt@kline_1d@+08:00": Kline, "btcusdt@ticker": Ticker,
        "btcusdt@ticker_4h": WindowTicker, "btcusdt@miniTicker": MiniTicker, "!miniTicker@arr": MiniTickers,
        "!ticker_1d@arr": WindowTickers, "btcusdt@avgPrice": AvgPrice,
        "btcusdt@referencePrice": ReferencePrice, "!serverShutdown": ServerShutdown,
        "btcusdt@depth15": RawEvent, "btcusdt@depth@250ms": RawEvent,
        "btcusdt@AGGTRADE": RawEvent, "!ticker_@arr": RawEvent, "!ticker_1h@arr@x": RawEvent,
        "btcusdt@kline_1m@+08:00@x": RawEvent, "btcusdt@ticker_1h@x": RawEvent, "": RawEvent,
    }  # fmt: skip
    assert {name: stream_event_type(name) for name in table} == table


def test_the_route_cache_stays_bounded() -> None:
    data = DOCS["bnbbtc@trade"]
    for index in range(events.ROUTE_CACHE_SIZE + 500):
        stream = f"sym{index}@trade"
        event = decode(stream, data, as_bytes=index % 2 == 0)
        assert isinstance(event, Trade) and event.stream == stream
    assert len(events._routes) == events.ROUTE_CACHE_SIZE
    routed = {route[2] for route in events._routes.values()}
    assert "sym0@trade" not in routed and f"sym{events.ROUTE_CACHE_SIZE + 499}@trade" in routed
    assert decode("sym0@trade", data).stream == "sym0@trade"  # forgotten, and found again
    assert len(events._routes) == events.ROUTE_CACHE_SIZE
    assert len(events._decoders) < 20  # one decoder per type, not per name


def test_events_of_one_stream_share_its_name() -> None:
    first = decode("bnbbtc@trade", DOCS["bnbbtc@trade"])
    second = decode("bnbbtc@trade", DOCS["bnbbtc@trade"])
    assert first.stream is second.stream


def test_sequences() -> None:
    expected = {
        "bnbbtc@trade": 12345, "bnbbtc@aggTrade": 12345, "bnbbtc@blockTrade": 582, "bnbbtc@depth": 160,
        "bnbbtc@depth5": 160, "bnbusdt@bookTicker": 400900217, "bnbbtc@kline_1m": 1672515782136,
        "bnbbtc@ticker": 1672515782136, "bnbbtc@ticker_1h": 1672515782136,
        "bnbbtc@miniTicker": 1672515782136, "btcusdt@avgPrice": 1693907033000,
        "bazusd@referencePrice": 1770313263917, "!miniTicker@arr": None, "!ticker_1h@arr": None,
        "!serverShutdown": None,
    }  # fmt: skip
    assert {stream: sequence_of(decode(stream, DOCS[stream])) for stream in DOCS} == expected
    assert sequence_of(RawEvent(data=1, stream="x@y")) is None


def test_events_are_frozen_and_encode_back() -> None:
    event = decode("bnbbtc@trade", DOCS["bnbbtc@trade"])
    with pytest.raises(AttributeError):
        event.stream = "other"  # type: ignore[misc]
    again = msgspec.json.decode(msgspec.json.encode(event), type=Trade)
    assert again == event


# -- properties -------------------------------------------------------------------------------------

decimals = st.decimals(allow_nan=False, allow_infinity=False, places=8, min_value=0, max_value=10**12)


@settings(max_examples=150)
@given(
    trade_id=st.integers(0, 2**63 - 1),
    price=decimals,
    qty=decimals,
    maker=st.booleans(),
    symbol=st.text(st.sampled_from("BNBTCUSDT0123456789币安人生"), min_size=1, max_size=12),
    as_bytes=st.booleans(),
)
def test_trades_round_trip(
    trade_id: int, price: Decimal, qty: Decimal, maker: bool, symbol: str, as_bytes: bool
) -> None:
    data = {
        "e": "trade",
        "E": 1,
        "s": symbol,
        "t": trade_id,
        "p": str(price),
        "q": str(qty),
        "T": 2,
        "m": maker,
    }
    stream = symbol.lower() + "@trade"
    event = decode(stream, data, as_bytes=as_bytes)
    expected = Trade(
        event_time=1,
        symbol=symbol,
        trade_id=trade_id,
        price=price,
        qty=qty,
        trade_time=2,
        is_buyer_maker=maker,
        stream=stream,
    )
    assert event == expected


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200)
@given(
    stream=st.sampled_from(sorted(DOCS)) | st.text(max_size=30),
    data=json_values | st.sampled_from(list(DOCS.values())),
    as_bytes=st.booleans(),
)
def test_any_stream_message_decodes_without_raising(stream: str, data: Any, as_bytes: bool) -> None:
    event = decode_message(wrap(stream, data, as_bytes=as_bytes))
    assert not isinstance(event, ControlReply)
    assert event.stream == stream
    if isinstance(event, RawEvent):
        assert event.data == data or data != data
