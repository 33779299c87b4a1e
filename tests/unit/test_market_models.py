"""Decode the official Binance example bodies into `binance_async.spot.models` and check values."""

from __future__ import annotations

import gc
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from binance_async.spot.models import (
    AggTrade,
    AvgPrice,
    BlockTrade,
    BookTicker,
    Depth,
    EmptyResponse,
    ExchangeInfo,
    ExchangeMaxNumAlgoOrders,
    ExchangeMaxNumIcebergOrders,
    ExchangeMaxNumOrderLists,
    ExchangeMaxNumOrders,
    ExecutionRules,
    IcebergParts,
    Kline,
    LotSize,
    MarketLotSize,
    MaxAsset,
    MaxNumAlgoOrders,
    MaxNumIcebergOrders,
    MaxNumOrderAmends,
    MaxNumOrderLists,
    MaxNumOrders,
    MaxPosition,
    MinNotional,
    Notional,
    PercentPrice,
    PercentPriceBySide,
    PriceFilter,
    PriceRangeRule,
    RateLimit,
    ReferencePrice,
    ReferencePriceCalculation,
    ServerTime,
    Sor,
    SymbolExecutionRules,
    SymbolInfo,
    TickerPrice,
    TickerStats,
    Trade,
    TrailingDelta,
    UnknownFilter,
    decode_filters,
)
from tests.reference import EXAMPLES

FILTER_CLASSES: dict[str, type[msgspec.Struct]] = {
    "PRICE_FILTER": PriceFilter,
    "PERCENT_PRICE": PercentPrice,
    "PERCENT_PRICE_BY_SIDE": PercentPriceBySide,
    "LOT_SIZE": LotSize,
    "MIN_NOTIONAL": MinNotional,
    "NOTIONAL": Notional,
    "ICEBERG_PARTS": IcebergParts,
    "MARKET_LOT_SIZE": MarketLotSize,
    "MAX_NUM_ORDERS": MaxNumOrders,
    "MAX_NUM_ALGO_ORDERS": MaxNumAlgoOrders,
    "MAX_NUM_ICEBERG_ORDERS": MaxNumIcebergOrders,
    "MAX_POSITION": MaxPosition,
    "TRAILING_DELTA": TrailingDelta,
    "MAX_NUM_ORDER_AMENDS": MaxNumOrderAmends,
    "MAX_NUM_ORDER_LISTS": MaxNumOrderLists,
    "EXCHANGE_MAX_NUM_ORDERS": ExchangeMaxNumOrders,
    "EXCHANGE_MAX_NUM_ALGO_ORDERS": ExchangeMaxNumAlgoOrders,
    "EXCHANGE_MAX_NUM_ICEBERG_ORDERS": ExchangeMaxNumIcebergOrders,
    "EXCHANGE_MAX_NUM_ORDER_LISTS": ExchangeMaxNumOrderLists,
    "MAX_ASSET": MaxAsset,
}

TICKER_STATS_FILES = [
    "GET_api_v3_ticker_24hr__FULL_symbol.json",
    "GET_api_v3_ticker_24hr__FULL_list.json",
    "GET_api_v3_ticker_24hr__MINI_symbol.json",
    "GET_api_v3_ticker_24hr__MINI_list.json",
    "GET_api_v3_ticker__FULL_symbol.json",
    "GET_api_v3_ticker__FULL_symbols.json",
    "GET_api_v3_ticker__MINI_symbol.json",
    "GET_api_v3_ticker__MINI_symbols.json",
    "GET_api_v3_ticker_tradingDay__FULL_symbol.json",
    "GET_api_v3_ticker_tradingDay__FULL_symbols.json",
    "GET_api_v3_ticker_tradingDay__MINI_symbol.json",
    "GET_api_v3_ticker_tradingDay__MINI_symbols.json",
]

# Every example body of the public market-data endpoints, with the type it decodes to.
DECODE_CASES: list[tuple[str, Any]] = [
    ("GET_api_v3_ping.json", EmptyResponse),
    ("GET_api_v3_time.json", ServerTime),
    ("GET_api_v3_exchangeInfo.json", ExchangeInfo),
    ("GET_api_v3_executionRules.json", ExecutionRules),
    ("GET_api_v3_depth.json", Depth),
    ("GET_api_v3_trades.json", list[Trade]),
    ("GET_api_v3_historicalTrades.json", list[Trade]),
    ("GET_api_v3_historicalBlockTrades.json", list[BlockTrade]),
    ("GET_api_v3_aggTrades.json", list[AggTrade]),
    ("GET_api_v3_klines.json", list[Kline]),
    ("GET_api_v3_uiKlines.json", list[Kline]),
    ("GET_api_v3_avgPrice.json", AvgPrice),
    ("GET_api_v3_ticker_price__symbol.json", TickerPrice),
    ("GET_api_v3_ticker_price__list.json", list[TickerPrice]),
    ("GET_api_v3_ticker_bookTicker__symbol.json", BookTicker),
    ("GET_api_v3_ticker_bookTicker__list.json", list[BookTicker]),
    ("GET_api_v3_referencePrice__set.json", ReferencePrice),
    ("GET_api_v3_referencePrice__not_set.json", ReferencePrice),
    ("GET_api_v3_referencePrice_calculation__arithmetic_mean.json", ReferencePriceCalculation),
    ("GET_api_v3_referencePrice_calculation__external.json", ReferencePriceCalculation),
    *[
        (name, list[TickerStats] if name.endswith(("_list.json", "_symbols.json")) else TickerStats)
        for name in TICKER_STATS_FILES
    ],
]


@pytest.fixture(scope="module")
def examples() -> Path:
    return EXAMPLES


def load(examples: Path, name: str) -> tuple[bytes, Any]:
    """The example's bytes and its plain ``json`` parse."""
    data = (examples / name).read_bytes()
    return data, json.loads(data)


def assert_exact_decimal(value: Any, text: str) -> None:
    """``value`` is a Decimal equal to ``text`` digit for digit (same exponent: no rounding)."""
    assert isinstance(value, Decimal)
    assert value.as_tuple() == Decimal(text).as_tuple()


def assert_matches(model: msgspec.Struct, raw: dict[str, Any]) -> None:
    """Every key of the raw JSON object maps to a model attribute holding the same value."""
    by_key = {f.encode_name: f.name for f in msgspec.structs.fields(model)}
    assert set(raw) <= set(by_key), f"unmapped keys: {set(raw) - set(by_key)}"
    for key, expected in raw.items():
        value = getattr(model, by_key[key])
        if isinstance(value, Decimal):
            assert isinstance(expected, str), key
            assert_exact_decimal(value, expected)
        elif isinstance(value, tuple) and isinstance(expected, list):
            assert list(value) == expected, key
        elif isinstance(value, msgspec.Raw):
            assert json.loads(bytes(value)) == expected, key
        else:
            assert value == expected, key
            assert type(value) is type(expected), key


# ---------------------------------------------------------------------------------------------
# Every example decodes
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "type_"), DECODE_CASES, ids=[name for name, _ in DECODE_CASES])
def test_every_example_decodes(examples: Path, name: str, type_: Any) -> None:
    data, raw = load(examples, name)
    decoded = msgspec.json.decode(data, type=type_)
    if isinstance(raw, list):
        assert isinstance(decoded, list)
        assert len(decoded) == len(raw)
    else:
        assert isinstance(decoded, msgspec.Struct)


def with_extra_keys(value: Any) -> Any:
    """A copy of a JSON value with made-up keys added to every object, at every depth."""
    if isinstance(value, dict):
        extra = {"someFutureField": {"nested": [1, 2, 3]}, "anotherOne": "x"}
        return {**{k: with_extra_keys(v) for k, v in value.items()}, **extra}
    if isinstance(value, list):
        return [with_extra_keys(v) for v in value]
    return value


# Klines are arrays, not objects: test_kline_tolerates_extra_trailing_elements covers them.
OBJECT_CASES = [(name, type_) for name, type_ in DECODE_CASES if type_ != list[Kline]]


@pytest.mark.parametrize(("name", "type_"), OBJECT_CASES, ids=[name for name, _ in OBJECT_CASES])
def test_unknown_fields_are_ignored(examples: Path, name: str, type_: Any) -> None:
    _, raw = load(examples, name)
    # Both sides go through json.dumps so that msgspec.Raw fields compare byte for byte.
    expected = msgspec.json.decode(json.dumps(raw).encode(), type=type_)
    augmented = json.dumps(with_extra_keys(raw)).encode()
    assert augmented != json.dumps(raw).encode()
    assert msgspec.json.decode(augmented, type=type_) == expected


# ---------------------------------------------------------------------------------------------
# General endpoints
# ---------------------------------------------------------------------------------------------


def test_ping(examples: Path) -> None:
    data, _ = load(examples, "GET_api_v3_ping.json")
    assert msgspec.json.decode(data, type=EmptyResponse) == EmptyResponse()


def test_time(examples: Path) -> None:
    data, raw = load(examples, "GET_api_v3_time.json")
    decoded = msgspec.json.decode(data, type=ServerTime)
    assert decoded.server_time == raw["serverTime"] == 1499827319559


def test_rate_limit_decodes_empty_object() -> None:
    assert msgspec.json.decode(b"{}", type=RateLimit) == RateLimit("", "", 0, 0)


@pytest.mark.parametrize("name", ["ORDERS", "RAW_REQUESTS", "REQUEST_WEIGHT"])
def test_rate_limit_examples(examples: Path, name: str) -> None:
    data, raw = load(examples, f"rate_limits/{name}.json")
    decoded = msgspec.json.decode(data, type=RateLimit)
    assert decoded.rate_limit_type == name
    assert_matches(decoded, raw)


def test_exchange_info(examples: Path) -> None:
    data, raw = load(examples, "GET_api_v3_exchangeInfo.json")
    info = msgspec.json.decode(data, type=ExchangeInfo)
    assert info.timezone == "UTC"
    assert info.server_time == raw["serverTime"]
    assert info.rate_limits == [RateLimit()]  # the official example's odd `{}` entry
    assert info.exchange_filters() == []
    assert info.sors == [Sor(base_asset="BTC", symbols=["BTCUSDT", "BTCUSDC"])]

    [raw_symbol] = raw["symbols"]
    [symbol] = info.symbols
    assert_matches(symbol, raw_symbol)
    assert symbol.symbol == "ETHBTC"
    assert symbol.base_asset == "ETH"
    assert symbol.quote_asset_precision == 8
    assert symbol.order_types[0] == "LIMIT"
    assert symbol.oco_allowed is True
    assert symbol.allow_trailing_stop is False
    assert symbol.permissions == ()
    assert symbol.permission_sets() == [["SPOT", "MARGIN"]]
    assert symbol.allowed_self_trade_prevention_modes == ("NONE",)
    assert symbol.filters() == []
    assert symbol.filter("PRICE_FILTER") is None
    assert info.symbol("ETHBTC") is symbol


def test_exchange_info_symbol_lookup_missing_raises_key_error(examples: Path) -> None:
    data, _ = load(examples, "GET_api_v3_exchangeInfo.json")
    info = msgspec.json.decode(data, type=ExchangeInfo)
    with pytest.raises(KeyError, match="'NOPEUSDT' not found"):
        info.symbol("NOPEUSDT")


def test_exchange_info_symbol_index_is_not_state_visible_outside() -> None:
    body = {
        "timezone": "UTC",
        "serverTime": 1,
        "symbols": [
            {
                "symbol": s,
                "status": "TRADING",
                "baseAsset": s[:3],
                "quoteAsset": s[3:],
                "baseAssetPrecision": 8,
                "quoteAssetPrecision": 8,
            }
            for s in ("BTCUSDT", "ETHUSDT", "BNBBTC")
        ],
    }
    data = json.dumps(body).encode()
    info = msgspec.json.decode(data, type=ExchangeInfo)
    assert info.symbol("BNBBTC") is info.symbols[2]
    assert info.symbol("BTCUSDT").quote_asset == "USDT"
    # The cached index neither changes equality nor leaks into the encoded form.
    assert info == msgspec.json.decode(data, type=ExchangeInfo)
    assert "_symbol_index" not in json.loads(msgspec.json.encode(info))
    # Missing optional keys got their defaults.
    assert info.symbols[0].filters() == []
    assert info.symbols[0].permission_sets() == []
    assert info.symbols[0].quote_precision is None
    assert info.rate_limits == []
    assert info.sors == []
    assert info.exchange_filters() == []


def test_execution_rules(examples: Path) -> None:
    data, raw = load(examples, "GET_api_v3_executionRules.json")
    decoded = msgspec.json.decode(data, type=ExecutionRules)
    [rules] = decoded.symbol_rules
    assert isinstance(rules, SymbolExecutionRules)
    assert rules.symbol == "BAZUSD"
    [rule] = rules.rules
    assert isinstance(rule, PriceRangeRule)
    assert rule.rule_type == "PRICE_RANGE"
    assert_matches(rule, raw["symbolRules"][0]["rules"][0])
    assert rule.bid_limit_mult_up == Decimal("1.0001")
    assert rule.ask_limit_mult_down == Decimal("0.9999")


# ---------------------------------------------------------------------------------------------
# Order book, trades, klines
# ---------------------------------------------------------------------------------------------


def test_depth_levels_stay_exact_strings(examples: Path) -> None:
    data, raw = load(examples, "GET_api_v3_depth.json")
    depth = msgspec.json.decode(data, type=Depth)
    assert depth.last_update_id == 1027024
    assert depth.bids == [tuple(level) for level in raw["bids"]]
    assert depth.asks == [("4.00000200", "12.00000000")]
    assert all(isinstance(x, str) for level in depth.bids + depth.asks for x in level)


def test_depth_helpers_return_decimals(examples: Path) -> None:
    data, _ = load(examples, "GET_api_v3_depth.json")
    depth = msgspec.json.decode(data, type=Depth)
    assert depth.bid_levels() == [(Decimal("4.00000000"), Decimal("431.00000000"))]
    assert depth.ask_levels() == [(Decimal("4.00000200"), Decimal("12.00000000"))]
    best_bid, best_ask = depth.best_bid(), depth.best_ask()
    assert best_bid is not None
    assert best_ask is not None
    for price, qty in (best_bid, best_ask, *depth.bid_levels(), *depth.ask_levels()):
        assert isinstance(price, Decimal)
        assert isinstance(qty, Decimal)
    assert_exact_decimal(best_ask[0], "4.00000200")
    assert best_ask[0] - best_bid[0] == Decimal("0.00000200")


def test_depth_helpers_on_multi_level_and_empty_books() -> None:
    body = b'{"lastUpdateId":7,"bids":[["10.5","1"],["10.4","2"]],"asks":[]}'
    depth = msgspec.json.decode(body, type=Depth)
    assert depth.best_bid() == (Decimal("10.5"), Decimal("1"))
    assert depth.bid_levels()[1] == (Decimal("10.4"), Decimal("2"))
    assert depth.best_ask() is None
    assert depth.ask_levels() == []


@pytest.mark.parametrize("name", ["GET_api_v3_trades.json", "GET_api_v3_historicalTrades.json"])
def test_trades(examples: Path, name: str) -> None:
    data, raw = load(examples, name)
    trades = msgspec.json.decode(data, type=list[Trade])
    for trade, raw_trade in zip(trades, raw, strict=True):
        assert_matches(trade, raw_trade)
    assert trades[0].id == 28457
    assert_exact_decimal(trades[0].quote_qty, "48.000012")
    assert trades[0].is_best_match is True


def test_trade_without_is_best_match() -> None:
    body = b'{"id":1,"price":"1.0","qty":"2.0","quoteQty":"2.00","time":5,"isBuyerMaker":false}'
    trade = msgspec.json.decode(body, type=Trade)
    assert trade.is_best_match is None
    assert trade.quote_qty == Decimal("2")


def test_historical_block_trades(examples: Path) -> None:
    data, raw = load(examples, "GET_api_v3_historicalBlockTrades.json")
    [trade] = msgspec.json.decode(data, type=list[BlockTrade])
    assert_matches(trade, raw[0])
    assert trade.id == 582
    assert_exact_decimal(trade.price, "0.052")
    assert trade.qty == Decimal(5838)
    assert trade.is_buyer_maker is True
    assert not isinstance(trade, Trade)


def test_agg_trades_readable_names(examples: Path) -> None:
    data, raw = load(examples, "GET_api_v3_aggTrades.json")
    [trade] = msgspec.json.decode(data, type=list[AggTrade])
    [r] = raw
    assert trade.agg_trade_id == r["a"] == 26129
    assert_exact_decimal(trade.price, r["p"])
    assert_exact_decimal(trade.qty, r["q"])
    assert trade.first_trade_id == r["f"]
    assert trade.last_trade_id == r["l"]
    assert trade.time == r["T"]
    assert trade.is_buyer_maker is r["m"] is True
    assert trade.is_best_match is r["M"] is True


@pytest.mark.parametrize("name", ["GET_api_v3_klines.json", "GET_api_v3_uiKlines.json"])
def test_klines(examples: Path, name: str) -> None:
    data, raw = load(examples, name)
    [kline] = msgspec.json.decode(data, type=list[Kline])
    [row] = raw
    assert kline.open_time == row[0] == 1499040000000
    for value, text in zip(
        (kline.open, kline.high, kline.low, kline.close, kline.volume), row[1:6], strict=True
    ):
        assert_exact_decimal(value, text)
    assert kline.close_time == row[6]
    assert_exact_decimal(kline.quote_volume, row[7])
    assert kline.trades == row[8] == 308
    assert_exact_decimal(kline.taker_buy_base_volume, row[9])
    assert_exact_decimal(kline.taker_buy_quote_volume, row[10])
    assert kline.unused == "0"


KLINE_11 = '[1499040000000,"1.0","2.0","0.5","1.5","10",1499644799999,"15",3,"4","6"'


def test_kline_tolerates_extra_trailing_elements() -> None:
    body = f'[{KLINE_11},"0","a future field",{{"x":[1,2]}},42]]'.encode()
    [kline] = msgspec.json.decode(body, type=list[Kline])
    assert kline.trades == 3
    assert kline.taker_buy_quote_volume == Decimal(6)
    assert kline.unused == "0"


def test_kline_without_twelfth_element() -> None:
    [kline] = msgspec.json.decode(f"[{KLINE_11}]]".encode(), type=list[Kline])
    assert kline.unused is None
    assert kline.close == Decimal("1.5")


# ---------------------------------------------------------------------------------------------
# Prices and tickers
# ---------------------------------------------------------------------------------------------


def test_avg_price(examples: Path) -> None:
    data, raw = load(examples, "GET_api_v3_avgPrice.json")
    avg = msgspec.json.decode(data, type=AvgPrice)
    assert_matches(avg, raw)
    assert avg.mins == 5
    assert avg.close_time == 1694061154503
    assert msgspec.json.decode(b'{"mins":5,"price":"1.5"}', type=AvgPrice).close_time is None


OPTIONAL_TICKER_FIELDS = (
    "price_change",
    "price_change_percent",
    "weighted_avg_price",
    "prev_close_price",
    "last_qty",
    "bid_price",
    "bid_qty",
    "ask_price",
    "ask_qty",
)


@pytest.mark.parametrize("name", TICKER_STATS_FILES)
def test_ticker_stats(examples: Path, name: str) -> None:
    data, raw = load(examples, name)
    raws = raw if isinstance(raw, list) else [raw]
    if isinstance(raw, list):
        stats = msgspec.json.decode(data, type=list[TickerStats])
    else:
        stats = [msgspec.json.decode(data, type=TickerStats)]
    # The client decodes these endpoints as `TickerStats | list[TickerStats]`.
    assert msgspec.json.decode(data, type=TickerStats | list[TickerStats]) == (
        stats if isinstance(raw, list) else stats[0]
    )
    by_key = {f.encode_name: f.name for f in msgspec.structs.fields(TickerStats)}
    for ticker, raw_ticker in zip(stats, raws, strict=True):
        assert_matches(ticker, raw_ticker)
        present = {by_key[key] for key in raw_ticker}
        for field in OPTIONAL_TICKER_FIELDS:
            if field not in present:
                assert getattr(ticker, field) is None, field
    if "__MINI_" in name:
        assert all(t.price_change is None and t.bid_price is None for t in stats)
    if "ticker_24hr__FULL" in name:
        assert stats[0].prev_close_price == Decimal("0.10002000")
        assert stats[0].price_change_percent == Decimal("-95.960")


def test_ticker_stats_concrete_values(examples: Path) -> None:
    data, _ = load(examples, "GET_api_v3_ticker_tradingDay__FULL_symbol.json")
    ticker = msgspec.json.decode(data, type=TickerStats)
    assert ticker.symbol == "BTCUSDT"
    assert ticker.count == 697727
    assert ticker.first_id == 3220151555
    # 18 significant digits: a float would not survive this.
    assert_exact_decimal(ticker.quote_volume, "485217905.04210480")
    assert ticker.bid_price is None
    assert ticker.last_qty is None


def test_ticker_price(examples: Path) -> None:
    data, raw = load(examples, "GET_api_v3_ticker_price__symbol.json")
    price = msgspec.json.decode(data, type=TickerPrice)
    assert price == TickerPrice(symbol="LTCBTC", price=Decimal("4.00000200"))
    data, raw = load(examples, "GET_api_v3_ticker_price__list.json")
    prices = msgspec.json.decode(data, type=list[TickerPrice])
    for p, r in zip(prices, raw, strict=True):
        assert_matches(p, r)
    assert prices[1].symbol == "ETHBTC"


def test_book_ticker(examples: Path) -> None:
    data, raw = load(examples, "GET_api_v3_ticker_bookTicker__symbol.json")
    book = msgspec.json.decode(data, type=BookTicker)
    assert_matches(book, raw)
    assert book.bid_qty == Decimal(431)
    data, raw = load(examples, "GET_api_v3_ticker_bookTicker__list.json")
    books = msgspec.json.decode(data, type=list[BookTicker])
    for b, r in zip(books, raw, strict=True):
        assert_matches(b, r)
    assert books[1].ask_price == Decimal("100000")


def test_reference_price(examples: Path) -> None:
    data, raw = load(examples, "GET_api_v3_referencePrice__set.json")
    ref = msgspec.json.decode(data, type=ReferencePrice)
    assert_matches(ref, raw)
    assert_exact_decimal(ref.reference_price, "10.00")
    data, raw = load(examples, "GET_api_v3_referencePrice__not_set.json")
    ref = msgspec.json.decode(data, type=ReferencePrice)
    assert ref.reference_price is None
    assert ref.timestamp == 1770736694138


def test_reference_price_error_body_is_not_a_model(examples: Path) -> None:
    data, _ = load(examples, "GET_api_v3_referencePrice__never_set_error.json")
    with pytest.raises(msgspec.ValidationError, match="symbol"):
        msgspec.json.decode(data, type=ReferencePrice)


def test_reference_price_calculation(examples: Path) -> None:
    data, raw = load(examples, "GET_api_v3_referencePrice_calculation__arithmetic_mean.json")
    calc = msgspec.json.decode(data, type=ReferencePriceCalculation)
    assert_matches(calc, raw)
    assert (calc.bucket_count, calc.bucket_width_ms, calc.external_calculation_id) == (10, 1000, None)
    data, raw = load(examples, "GET_api_v3_referencePrice_calculation__external.json")
    calc = msgspec.json.decode(data, type=ReferencePriceCalculation)
    assert calc.calculation_type == "EXTERNAL"
    assert (calc.bucket_count, calc.bucket_width_ms, calc.external_calculation_id) == (None, None, 42)


# ---------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------


def _symbol_with_filters(filters_json: bytes) -> SymbolInfo:
    head = (
        b'{"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT",'
        b'"baseAssetPrecision":8,"quoteAssetPrecision":8,"filters":'
    )
    return msgspec.json.decode(head + filters_json + b"}", type=SymbolInfo)


@pytest.fixture(scope="module")
def filter_examples(examples: Path) -> dict[str, bytes]:
    found = {path.stem: path.read_bytes() for path in sorted((examples / "filters").glob("*.json"))}
    assert set(found) == set(FILTER_CLASSES), "filter examples and typed classes differ"
    return found


def test_every_filter_example_decodes_to_its_class(filter_examples: dict[str, bytes]) -> None:
    symbol = _symbol_with_filters(b"[" + b",".join(filter_examples.values()) + b"]")
    filters = symbol.filters()
    assert len(filters) == len(filter_examples)
    for (tag, data), decoded in zip(filter_examples.items(), filters, strict=True):
        assert type(decoded) is FILTER_CLASSES[tag]
        assert decoded.filter_type == tag
        raw = {k: v for k, v in json.loads(data).items() if k != "filterType"}
        assert_matches(decoded, raw)
        assert symbol.filter(tag) == decoded
        assert symbol.filter(FILTER_CLASSES[tag]) == decoded


def test_filter_field_types(filter_examples: dict[str, bytes]) -> None:
    filters = decode_filters(b"[" + b",".join(filter_examples.values()) + b"]")
    by_type = {f.filter_type: f for f in filters}
    price = by_type["PRICE_FILTER"]
    assert isinstance(price, PriceFilter)
    assert_exact_decimal(price.tick_size, "0.00000100")
    notional = by_type["NOTIONAL"]
    assert isinstance(notional, Notional)
    assert notional.apply_min_to_market is False
    assert notional.avg_price_mins == 5
    delta = by_type["TRAILING_DELTA"]
    assert isinstance(delta, TrailingDelta)
    assert delta.max_trailing_below_delta == 2000
    asset = by_type["MAX_ASSET"]
    assert isinstance(asset, MaxAsset)
    assert asset.asset == "USDC"
    assert asset.limit == Decimal(42)


def test_symbol_filter_typed_lookup(filter_examples: dict[str, bytes]) -> None:
    symbol = _symbol_with_filters(b"[" + filter_examples["LOT_SIZE"] + b"]")
    lot = symbol.filter(LotSize)
    assert lot is not None
    assert lot.step_size == Decimal("0.001")  # typed as LotSize: attribute access type-checks
    # LOT_SIZE and MARKET_LOT_SIZE share fields but are distinct classes.
    assert symbol.filter(MarketLotSize) is None
    assert symbol.filter("MARKET_LOT_SIZE") is None


def test_exchange_filters(filter_examples: dict[str, bytes]) -> None:
    tags = [tag for tag in FILTER_CLASSES if tag.startswith("EXCHANGE_")]
    filters_json = b"[" + b",".join(filter_examples[tag] for tag in tags) + b"]"
    body = b'{"timezone":"UTC","serverTime":1,"exchangeFilters":' + filters_json + b',"symbols":[]}'
    info = msgspec.json.decode(body, type=ExchangeInfo)
    decoded = info.exchange_filters()
    assert [type(f) for f in decoded] == [FILTER_CLASSES[tag] for tag in tags]
    orders = decoded[tags.index("EXCHANGE_MAX_NUM_ORDERS")]
    assert isinstance(orders, ExchangeMaxNumOrders)
    assert orders.max_num_orders == 1000


def test_unknown_filter_type_becomes_unknown_filter(filter_examples: dict[str, bytes]) -> None:
    future = {"filterType": "SOME_FUTURE_FILTER", "fooLimit": "1.50", "count": 3}
    filters_json = b"[%s,%s,%s]" % (
        filter_examples["PRICE_FILTER"],
        json.dumps(future).encode(),
        filter_examples["LOT_SIZE"],
    )
    symbol = _symbol_with_filters(filters_json)
    price, unknown, lot = symbol.filters()
    assert isinstance(price, PriceFilter)
    assert isinstance(lot, LotSize)
    assert unknown == UnknownFilter(filter_type="SOME_FUTURE_FILTER", data=future)
    assert symbol.filter("SOME_FUTURE_FILTER") == unknown
    assert symbol.filter(UnknownFilter) == unknown
    assert symbol.filter(LotSize) == lot


def test_unknown_filter_only() -> None:
    [unknown] = decode_filters(b'[{"filterType":"BRAND_NEW"}]')
    assert isinstance(unknown, UnknownFilter)
    assert unknown.filter_type == "BRAND_NEW"
    assert unknown.data == {"filterType": "BRAND_NEW"}


def test_malformed_known_filter_still_raises() -> None:
    body = b'[{"filterType":"BRAND_NEW"},{"filterType":"LOT_SIZE","minQty":"1"}]'
    with pytest.raises(msgspec.ValidationError, match="maxQty"):
        decode_filters(body)


# ---------------------------------------------------------------------------------------------
# Cross-cutting behaviour
# ---------------------------------------------------------------------------------------------


def test_decimal_precision_is_exact() -> None:
    price = msgspec.json.decode(b'{"symbol":"X","price":"0.00000001"}', type=TickerPrice)
    assert price.price == Decimal("0.00000001")
    assert price.price.as_tuple() == (0, (1,), -8)  # exactly 1e-8, no binary-float residue
    assert format(price.price, "f") == "0.00000001"
    # Encoding and decoding again gives the identical value.
    again = msgspec.json.decode(msgspec.json.encode(price), type=TickerPrice)
    assert again == price
    assert again.price.as_tuple() == Decimal("0.00000001").as_tuple()
    big = msgspec.json.decode(b'{"symbol":"X","price":"123456789012.123456789"}', type=TickerPrice)
    assert str(big.price) == "123456789012.123456789"


def test_models_are_frozen() -> None:
    price = TickerPrice(symbol="X", price=Decimal(1))
    with pytest.raises(AttributeError):
        price.price = Decimal(2)  # type: ignore[misc]


def test_scalar_models_are_not_gc_tracked(filter_examples: dict[str, bytes]) -> None:
    symbol = _symbol_with_filters(b"[" + filter_examples["PRICE_FILTER"] + b"]")
    assert not gc.is_tracked(symbol)
    assert not gc.is_tracked(symbol.filters()[0])
    # Models holding lists keep normal GC tracking.
    sor = Sor(base_asset="BTC", symbols=["BTCUSDT"])
    assert gc.is_tracked(sor)
