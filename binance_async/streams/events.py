"""The events of Binance's WebSocket market streams, and the decoder of combined-stream messages.

One frozen `msgspec.Struct` per event, Binance's one-letter keys given readable names:

* `Trade` (``<symbol>@trade``), `AggTrade` (``@aggTrade``), `BlockTrade` (``@blockTrade``);
* `DepthUpdate` (diff depth, ``@depth`` and ``@depth@100ms``) and `PartialDepth` (top levels,
  ``@depth5``/``10``/``20``, each also ``@100ms``): levels as exact ``(price, qty)`` strings;
* `BookTicker` (``@bookTicker``), `AvgPrice` (``@avgPrice``), `ReferencePrice` (``@referencePrice``);
* `Kline` (``@kline_<interval>``, also ``@kline_<interval>@+08:00``) holding its `KlineBar`;
* `Ticker` (``@ticker``), `WindowTicker` (``@ticker_1h``/``4h``/``1d``), `MiniTicker` (``@miniTicker``),
  and the array streams `MiniTickers` (``!miniTicker@arr``) and `WindowTickers` (``!ticker_<w>@arr``);
* `ServerShutdown` (``!serverShutdown``: reconnect now);
* `RawEvent`: a stream this module does not know, or a known one whose data does not fit its type.

`StreamEvent` is their union. Every event carries the ``stream`` it came from. Money (prices,
quantities, volumes) is `Decimal`, except depth levels: as Decimals they would about double the decode
time of a 20-level message, so they stay the strings Binance sent (``Decimal(price)`` when arithmetic
is needed). Ids, counts and timestamps (ms, or µs with ``timeUnit=MICROSECOND``) are ints.

Decoding
--------
`decode_message` turns one message of a combined-stream connection, ``{"stream": name, "data":
event}``, into its typed event, or an answer to SUBSCRIBE etc. into a `ControlReply`. The type comes
from the stream name's suffix (`stream_event_type`), worked out once per name and cached (at most
4096 names, oldest forgotten first) with a `msgspec.json.Decoder` of ``Envelope[EventType]``: one
decode pass gives the typed event. Binance writes ``"stream"`` first, so the name is read straight
from the text; a message written otherwise takes a slower path (a generic decode first).

Valid JSON never makes it raise because of its content: an unknown stream, or data that does not fit
the stream's type, gives a `RawEvent` with the generically decoded data. Only invalid JSON, or JSON
that is neither a stream message nor a control reply, raises `msgspec.DecodeError`; the connection
counts such messages and skips them.

Non-finite and non-ASCII numbers
--------------------------------
msgspec reads a JSON string into a `Decimal` with ``Decimal(text)``, which accepts ``"NaN"``,
``"Infinity"`` and ``"sNaN"``, and digits of any script. Binance sends none of these; a NaN price would
compare false with everything and slip past a trading loop's checks, so they are refused, as in the
REST models (`binance_async._decimal_checks`), and the message becomes a `RawEvent`:

* a Decimal field: by the generated ``__post_init__`` every event with Decimal fields has (a short
  Python call per decoded struct; building an event by hand is checked the same way);
* a depth level: by two C-level scans of the message text for an ``n`` or ``N`` (every non-finite
  spelling has one; valid levels never do), from where the levels start if the symbol has an ``n``,
  the levels looked at closely only on a hit;
* a non-ASCII digit: only in a message that is not ASCII (a check that is free for ``str``), which is
  then walked against its plain JSON. A non-ASCII digit written as a JSON escape (``\\u0663``) in an
  otherwise ASCII message is not looked for.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from operator import attrgetter
from typing import Any, ClassVar, Generic, TypeAlias, TypeVar

import msgspec

from .._decimal_checks import DECIMALS, TEXT, check_numbers, install_finite_check

__all__ = [
    "AggTrade",
    "AvgPrice",
    "BlockTrade",
    "BookTicker",
    "ControlError",
    "ControlReply",
    "DepthUpdate",
    "Envelope",
    "Kline",
    "KlineBar",
    "MiniTicker",
    "MiniTickers",
    "PartialDepth",
    "RawEvent",
    "ReferencePrice",
    "ServerShutdown",
    "StreamEvent",
    "Ticker",
    "Trade",
    "WindowTicker",
    "WindowTickers",
    "decode_message",
    "sequence_of",
    "stream_event_type",
]

T = TypeVar("T")


class _Checked(msgspec.Struct, frozen=True):
    """Base of every struct with Decimal fields: NaN and infinities refused (`install_finite_check`)."""

    def __init_subclass__(cls, *args: Any, **kwargs: Any) -> None:
        super().__init_subclass__(*args, **kwargs)
        install_finite_check(cls)


class _Event(_Checked, frozen=True, kw_only=True):
    """Base of every event: immutable, unknown keys ignored, ``stream`` filled by the decoder.

    Events holding only scalars (or such structs) are ``gc=False``: frozen, they can never be part of
    a reference cycle; those holding lists keep GC tracking, as the REST models do. A tag
    (``tag_field="e"``) makes the decode check Binance's event type where the payload has one.
    ``frozen=True`` is repeated on subclasses for mypy (msgspec itself inherits it).
    """

    #: The stream the event came from (``"btcusdt@trade"``); ``""`` if built by hand.
    stream: str = ""


class _SymbolEvent(_Event, frozen=True):
    """An event with Binance's event time (``E``) and symbol (``s``)."""

    event_time: int = msgspec.field(name="E")
    symbol: str = msgspec.field(name="s")


class _TradeEvent(_SymbolEvent, frozen=True):
    """What `Trade`, `AggTrade` and `BlockTrade` share."""

    price: Decimal = msgspec.field(name="p")
    qty: Decimal = msgspec.field(name="q")
    trade_time: int = msgspec.field(name="T")
    is_buyer_maker: bool = msgspec.field(name="m")


class _MiniStats(_SymbolEvent, frozen=True):
    """Rolling-window statistics, short (`MiniTicker`), and the base of the full ones."""

    last_price: Decimal = msgspec.field(name="c")
    open_price: Decimal = msgspec.field(name="o")
    high_price: Decimal = msgspec.field(name="h")
    low_price: Decimal = msgspec.field(name="l")
    volume: Decimal = msgspec.field(name="v")
    quote_volume: Decimal = msgspec.field(name="q")


class _WindowStats(_MiniStats, frozen=True):
    """What `Ticker` and `WindowTicker` share."""

    price_change: Decimal = msgspec.field(name="p")
    price_change_percent: Decimal = msgspec.field(name="P")
    weighted_avg_price: Decimal = msgspec.field(name="w")
    open_time: int = msgspec.field(name="O")
    close_time: int = msgspec.field(name="C")
    first_id: int = msgspec.field(name="F")
    last_id: int = msgspec.field(name="L")
    count: int = msgspec.field(name="n")


class Trade(_TradeEvent, frozen=True, gc=False, tag_field="e", tag="trade"):
    """``<symbol>@trade``: one trade (a unique buyer and seller)."""

    trade_id: int = msgspec.field(name="t")


class AggTrade(_TradeEvent, frozen=True, gc=False, tag_field="e", tag="aggTrade"):
    """``<symbol>@aggTrade``: the trades of one taker order at one price, aggregated."""

    agg_trade_id: int = msgspec.field(name="a")
    first_trade_id: int = msgspec.field(name="f")
    last_trade_id: int = msgspec.field(name="l")


class BlockTrade(_TradeEvent, frozen=True, gc=False, tag_field="e", tag="blockTrade"):
    """``<symbol>@blockTrade``: one block trade."""

    trade_id: int = msgspec.field(name="t")


class DepthUpdate(_SymbolEvent, frozen=True, tag_field="e", tag="depthUpdate"):
    """``<symbol>@depth`` / ``<symbol>@depth@100ms``: the changed levels of the book.

    It holds the updates ``first_update_id`` (``U``) to ``final_update_id`` (``u``). Binance's rule for
    a local book: ignore it if ``u`` < the book's id, start over if ``U`` > id + 1, else apply it and
    take ``u`` as the id. ``bids`` and ``asks`` are ``(price, qty)`` pairs of the exact strings Binance
    sent; a qty of ``"0"`` (``"0.00000000"``) removes the level.
    """

    __number_text__: ClassVar[tuple[str, ...]] = ("bids", "asks")

    first_update_id: int = msgspec.field(name="U")
    final_update_id: int = msgspec.field(name="u")
    bids: list[tuple[str, str]] = msgspec.field(name="b")
    asks: list[tuple[str, str]] = msgspec.field(name="a")


class PartialDepth(_Event, frozen=True):
    """``<symbol>@depth5`` / ``10`` / ``20`` (each also ``@100ms``): the top levels of the book.

    ``bids`` (best first) and ``asks`` (best first) are ``(price, qty)`` pairs of the exact strings
    Binance sent. The payload names no symbol: ``symbol`` is the stream name's, upper-cased
    (``"btcusdt@depth5"`` gives ``"BTCUSDT"``).
    """

    __number_text__: ClassVar[tuple[str, ...]] = ("bids", "asks")

    last_update_id: int = msgspec.field(name="lastUpdateId")
    bids: list[tuple[str, str]] = msgspec.field(name="bids")
    asks: list[tuple[str, str]] = msgspec.field(name="asks")
    symbol: str = ""


class BookTicker(_Event, frozen=True, gc=False):
    """``<symbol>@bookTicker``: the best bid and ask, on every change (the payload has no event time)."""

    update_id: int = msgspec.field(name="u")
    symbol: str = msgspec.field(name="s")
    bid_price: Decimal = msgspec.field(name="b")
    bid_qty: Decimal = msgspec.field(name="B")
    ask_price: Decimal = msgspec.field(name="a")
    ask_qty: Decimal = msgspec.field(name="A")


class KlineBar(_Checked, frozen=True, gc=False):
    """The bar of a `Kline` event (``k``); ``is_closed`` (``x``) is true on its final update."""

    open_time: int = msgspec.field(name="t")
    close_time: int = msgspec.field(name="T")
    symbol: str = msgspec.field(name="s")
    interval: str = msgspec.field(name="i")
    first_trade_id: int = msgspec.field(name="f")
    last_trade_id: int = msgspec.field(name="L")
    open: Decimal = msgspec.field(name="o")
    close: Decimal = msgspec.field(name="c")
    high: Decimal = msgspec.field(name="h")
    low: Decimal = msgspec.field(name="l")
    volume: Decimal = msgspec.field(name="v")
    trades: int = msgspec.field(name="n")
    is_closed: bool = msgspec.field(name="x")
    quote_volume: Decimal = msgspec.field(name="q")
    taker_buy_base_volume: Decimal = msgspec.field(name="V")
    taker_buy_quote_volume: Decimal = msgspec.field(name="Q")


class Kline(_SymbolEvent, frozen=True, gc=False, tag_field="e", tag="kline"):
    """``<symbol>@kline_<interval>`` (and ``...@+08:00``, bars cut in UTC+8): the current bar, updated."""

    bar: KlineBar = msgspec.field(name="k")


class Ticker(_WindowStats, frozen=True, gc=False, tag_field="e", tag="24hrTicker"):
    """``<symbol>@ticker``: 24 h rolling-window statistics (field names as `TickerStats`'s).

    ``prev_close_price`` (``x``) is the price of the last trade before the window.
    """

    prev_close_price: Decimal = msgspec.field(name="x")
    last_qty: Decimal = msgspec.field(name="Q")
    bid_price: Decimal = msgspec.field(name="b")
    bid_qty: Decimal = msgspec.field(name="B")
    ask_price: Decimal = msgspec.field(name="a")
    ask_qty: Decimal = msgspec.field(name="A")


class WindowTicker(_WindowStats, frozen=True, gc=False):
    """``<symbol>@ticker_<window>`` (``1h``, ``4h``, ``1d``): rolling-window statistics.

    ``event_type`` names the window (``"1hTicker"``); the window opens on a minute and closes at the
    update, so it may be up to 59999 ms wider than its name.
    """

    event_type: str = msgspec.field(name="e")


class MiniTicker(_MiniStats, frozen=True, gc=False, tag_field="e", tag="24hrMiniTicker"):
    """``<symbol>@miniTicker``: 24 h rolling-window statistics, short; ``last_price`` is ``c``."""


class MiniTickers(_Event, frozen=True):
    """``!miniTicker@arr``: the mini tickers of every symbol that changed (the data is a JSON array).

    The container carries ``stream``; the tickers in it leave theirs empty.
    """

    tickers: list[MiniTicker]


class WindowTickers(_Event, frozen=True):
    """``!ticker_<window>@arr``: the `WindowTicker` of every symbol that changed (stream on the container)."""

    tickers: list[WindowTicker]


class AvgPrice(_SymbolEvent, frozen=True, gc=False, tag_field="e", tag="avgPrice"):
    """``<symbol>@avgPrice``: the average price over ``interval`` (``"5m"``)."""

    interval: str = msgspec.field(name="i")
    price: Decimal = msgspec.field(name="w")
    last_trade_time: int = msgspec.field(name="T")


class ReferencePrice(_Event, frozen=True, gc=False, tag_field="e", tag="referencePrice"):
    """``<symbol>@referencePrice``: ``reference_price`` is None when the symbol has none; no event time."""

    symbol: str = msgspec.field(name="s")
    reference_price: Decimal | None = msgspec.field(name="r")
    timestamp: int = msgspec.field(name="t")


class ServerShutdown(_Event, frozen=True, gc=False, tag_field="e", tag="serverShutdown"):
    """``!serverShutdown``: the server is about to close the connection; open a new one now."""

    event_time: int = msgspec.field(name="E")


class RawEvent(_Event, frozen=True):
    """A message of a stream this module does not model, or whose data does not fit the stream's type.

    ``data`` is the plain decoded JSON (dicts, lists, str, int, float, bool, None).
    """

    data: Any = None


StreamEvent: TypeAlias = (
    Trade
    | AggTrade
    | BlockTrade
    | DepthUpdate
    | PartialDepth
    | BookTicker
    | Kline
    | Ticker
    | WindowTicker
    | MiniTicker
    | MiniTickers
    | WindowTickers
    | AvgPrice
    | ReferencePrice
    | ServerShutdown
    | RawEvent
)
"""Every event `decode_message` returns."""


class ControlError(msgspec.Struct, frozen=True, gc=False):
    """The ``error`` of a refused control request (``code`` 0 to 3; see Binance's "Error Messages")."""

    code: int
    msg: str


class ControlReply(msgspec.Struct, frozen=True):
    """The answer to a control request: ``{"result": ..., "id": n}`` or ``{"error": {...}, "id": n}``.

    ``result`` is None for SUBSCRIBE, UNSUBSCRIBE and SET_PROPERTY, the list of streams for
    LIST_SUBSCRIPTIONS, the value for GET_PROPERTY. ``id`` is the request's (None for an error about
    a request Binance could not read).
    """

    id: int | str | None = None
    result: Any = None
    error: ControlError | None = None

    @property
    def ok(self) -> bool:
        """True unless Binance refused the request."""
        return self.error is None


class Envelope(msgspec.Struct, Generic[T], gc=False):
    """A combined-stream message, ``{"stream": name, "data": event}``, with ``data`` decoded as `T`.

    Transient (the decoder keeps only ``data``), hence ``gc=False``.
    """

    stream: str
    data: T


class _Data(msgspec.Struct, Generic[T], gc=False):
    """What the decoder reads of a combined-stream message: ``data`` (the stream name, already known
    from the message's start, is skipped without being built)."""

    data: T


# --------------------------------------------------------------------------------------------
# Which type a stream's events have
# --------------------------------------------------------------------------------------------

_BY_SUFFIX: dict[str, type[StreamEvent]] = {
    "trade": Trade,
    "aggTrade": AggTrade,
    "blockTrade": BlockTrade,
    "depth": DepthUpdate,
    "depth@100ms": DepthUpdate,
    "bookTicker": BookTicker,
    "ticker": Ticker,
    "miniTicker": MiniTicker,
    "avgPrice": AvgPrice,
    "referencePrice": ReferencePrice,
    **{f"depth{levels}{speed}": PartialDepth for levels in (5, 10, 20) for speed in ("", "@100ms")},
}


def stream_event_type(name: str) -> type[StreamEvent]:
    """The event type `decode_message` gives the messages of stream `name` (`RawEvent` if unknown).

    ``stream_event_type("btcusdt@depth@100ms") is DepthUpdate``; names are matched exactly, as
    Binance writes them (lower-case symbol, ``aggTrade`` in camelCase).
    """
    if name.startswith("!"):
        if name == "!serverShutdown":
            return ServerShutdown
        if name == "!miniTicker@arr":
            return MiniTickers
        window, arr, rest = name[len("!ticker_") :].partition("@arr")
        if name.startswith("!ticker_") and window and arr and not rest and "@" not in window:
            return WindowTickers
        return RawEvent
    symbol, at, suffix = name.partition("@")
    if not symbol or not at:
        return RawEvent
    known = _BY_SUFFIX.get(suffix)
    if known is not None:
        return known
    if suffix.startswith("kline_"):
        interval, _, offset = suffix[len("kline_") :].partition("@")
        if interval and "@" not in offset:
            return Kline
    elif suffix.startswith("ticker_") and len(suffix) > len("ticker_") and "@" not in suffix:
        return WindowTicker
    return RawEvent


_SEQUENCES: dict[type[Any], Callable[[Any], int]] = {
    **dict.fromkeys((Trade, BlockTrade), attrgetter("trade_id")),
    AggTrade: attrgetter("agg_trade_id"),
    DepthUpdate: attrgetter("final_update_id"),
    PartialDepth: attrgetter("last_update_id"),
    BookTicker: attrgetter("update_id"),
    ReferencePrice: attrgetter("timestamp"),
    **dict.fromkeys((Kline, Ticker, WindowTicker, MiniTicker, AvgPrice), attrgetter("event_time")),
}


def sequence_of(event: StreamEvent) -> int | None:
    """A number that grows along `event`'s stream, equal for the same event received twice, or None.

    The id for trades (``trade_id``, ``agg_trade_id``), diff depth (``final_update_id``), partial depth
    (``last_update_id``) and book tickers (``update_id``); the event time for klines, tickers and the
    average price; ``timestamp`` for the reference price; None for the array streams, `ServerShutdown`
    and `RawEvent`. Two links to the same stream (a reconnection overlapping the old connection) pass
    each event on once by comparing it with the newest passed on.
    """
    getter = _SEQUENCES.get(type(event))
    return None if getter is None else getter(event)


# --------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------

# What a route does after the decode: set ``stream`` (and for depth, check the levels; for a partial
# depth, set ``symbol``); wrap an array's list; or, with no decoder, decode generically.
_PLAIN, _DEPTH, _PARTIAL, _ARRAY, _RAW = range(5)

# (decoder or None, what to do, stream name, the depth's symbol or the array's class, and for depth the
# key where the levels start (or "") and the letters "n" and "N", as str or bytes like the message)
_Route: TypeAlias = "tuple[Any, int, str, Any, Any]"

#: Routes are kept for at most this many stream names (str and bytes keys count apart).
ROUTE_CACHE_SIZE = 4096
_routes: dict[str | bytes, _Route] = {}  # key: the message up to the name's closing quote
_decoders: dict[Any, msgspec.json.Decoder[_Data[Any]]] = {}
_generic: msgspec.json.Decoder[Any] = msgspec.json.Decoder()
_set = msgspec.structs.force_setattr  # msgspec >= 0.18.5; writes ``stream`` into the frozen event
_PREFIX, _PREFIX_B = '{"stream":"', b'{"stream":"'
_START = len(_PREFIX)


def _decoder(data_type: Any) -> msgspec.json.Decoder[_Data[Any]]:
    decoder = _decoders.get(data_type)
    if decoder is None:
        decoder = _decoders[data_type] = msgspec.json.Decoder(_Data[data_type])
    return decoder


def _route_for(name: str, binary: bool) -> _Route:
    cls = stream_event_type(name)
    if cls is RawEvent:
        return (None, _RAW, name, None, None)
    if cls is MiniTickers or cls is WindowTickers:
        item = MiniTicker if cls is MiniTickers else WindowTicker
        return (_decoder(list[item]), _ARRAY, name, cls, None)  # type: ignore[valid-type]
    if cls is DepthUpdate or cls is PartialDepth:
        symbol = name.partition("@")[0].upper()
        # Search from where the levels start, or (no "n" in the symbol) from the start of the message.
        mark = ('"b":' if cls is DepthUpdate else '"bids":') if "N" in symbol else ""
        # For bytes, the letters as ints: ``110 in data`` is a plain byte search, ``b"n" in data``
        # first tries the argument as an int (and formats the TypeError it then clears).
        check = (mark.encode(), ord("n"), ord("N")) if binary else (mark, "n", "N")
        return (_decoder(cls), _DEPTH if cls is DepthUpdate else _PARTIAL, name, symbol, check)
    return (_decoder(cls), _PLAIN, name, None, None)


def _new_route(key: str | bytes) -> _Route | None:
    """The route of `key` (``{"stream":"<name>``), cached; None if the fast path cannot read it."""
    binary = not isinstance(key, str)
    if not key.startswith(_PREFIX_B if binary else _PREFIX):  # type: ignore[arg-type]
        return None
    try:
        name = key[_START:].decode() if isinstance(key, bytes) else key[_START:]
    except UnicodeDecodeError:
        return None
    if "\\" in name:  # a JSON escape: left to the generic decode
        return None
    route = _route_for(name, binary)
    if len(_routes) >= ROUTE_CACHE_SIZE:
        del _routes[next(iter(_routes))]  # the oldest name
    _routes[key] = route
    return route


def decode_message(text: str | bytes) -> StreamEvent | ControlReply:
    """Decode one message of a combined-stream connection: a typed event, or a `ControlReply`.

    An unknown stream, or data that does not fit the stream's type (including a non-finite or
    non-ASCII number: see the module docstring), gives a `RawEvent`. Raises `msgspec.DecodeError`
    only for invalid JSON, or JSON that is neither ``{"stream": str, "data": ...}`` nor a control
    reply (``result`` or ``error``); the connection counts such messages and skips them.
    """
    # The key is the text up to the quote closing the name: '{"stream":"btcusdt@trade'.
    # (An isinstance that misses looks up __class__: exact bytes are told first, without one.)
    if type(text) is bytes or not isinstance(text, str):
        key: str | bytes = text[: text.find(b'"', _START)]
    else:
        key = text[: text.find('"', _START)]
    route = _routes.get(key)
    if route is None:
        route = _new_route(key)
        if route is None:
            return _decode_slowly(text)
    decoder, kind, name, _, check = route
    if kind > _DEPTH:
        return _decode_routed(route, text, None)
    # The common cases inline: one event with scalar fields, or a diff-depth update.
    try:
        envelope = decoder.decode(text)
    except msgspec.ValidationError:
        return _raw_event(text, name, None)
    event: StreamEvent = envelope.data
    _set(event, "stream", name)
    if check is not None:  # a diff-depth update: every non-finite spelling has an "n" or "N"
        mark, small, capital = check
        if mark:  # the symbol has an "N": look from where the levels start
            start = max(text.find(mark), 0)
            suspect = text.find(small, start) >= 0 or text.find(capital, start) >= 0
        else:
            suspect = small in text or capital in text
        if suspect:
            return _checked(envelope, event, text, name, TEXT)
    if text.isascii():
        return event
    return _checked(envelope, event, text, name, DECIMALS)


def _decode_routed(route: _Route, text: str | bytes, obj: Any) -> StreamEvent:
    """The rarer routes: partial depth, arrays, streams without a type; and the slow path's."""
    decoder, kind, name, extra, levels = route
    if decoder is None:
        return _raw_event(text, name, obj)
    try:
        envelope = decoder.decode(text)
    except msgspec.ValidationError:
        return _raw_event(text, name, obj)
    event: StreamEvent
    if kind == _ARRAY:
        event = extra(envelope.data, stream=name)
    else:
        event = envelope.data
        _set(event, "stream", name)
        if levels is not None:
            if kind == _PARTIAL:
                _set(event, "symbol", extra)
            # Every non-finite spelling has an "n" or "N"; finite levels and the keys after them do not.
            start = max(text.find(levels[0]), 0) if levels[0] else 0
            if text.find(levels[1], start) >= 0 or text.find(levels[2], start) >= 0:
                return _checked(envelope, event, text, name, TEXT)
    if text.isascii():
        return event
    return _checked(envelope, event, text, name, DECIMALS)


def _checked(envelope: Any, event: StreamEvent, text: str | bytes, name: str, kind: int) -> StreamEvent:
    """`event`, or a `RawEvent` if `check_numbers` refuses a number in it."""
    try:
        check_numbers(envelope, text.encode() if isinstance(text, str) else bytes(text), kind)
    except msgspec.ValidationError:
        return _raw_event(text, name, None)
    return event


def _raw_event(text: str | bytes, name: str, obj: Any) -> RawEvent:
    if obj is None:
        obj = _generic.decode(text)
    if type(obj) is dict and "data" in obj:
        return RawEvent(data=obj["data"], stream=name)
    raise msgspec.DecodeError(f"stream {name!r}: a message without data")


def _decode_slowly(text: str | bytes) -> StreamEvent | ControlReply:
    """Any message the fast path cannot read the stream name of: decoded generically first."""
    obj = _generic.decode(text)
    if type(obj) is dict:
        stream = obj.get("stream")
        if type(stream) is str and "data" in obj:
            return _decode_routed(_route_for(stream, not isinstance(text, str)), text, obj)
        if "result" in obj or "error" in obj:
            return msgspec.convert(obj, ControlReply)
        if "code" in obj and "msg" in obj:  # the flat form of an error, as Binance's table writes it
            return ControlReply(id=obj.get("id"), error=msgspec.convert(obj, ControlError))
        if obj.get("e") == "serverShutdown" and "stream" not in obj:  # sent unwrapped: take it anyway
            shutdown = msgspec.convert(obj, ServerShutdown)
            _set(shutdown, "stream", "!serverShutdown")
            return shutdown
    raise msgspec.DecodeError("neither a stream message nor a control reply")
