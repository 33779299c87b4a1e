"""The simulator's market data: bodies shaped like Binance's official examples, consistent with each
other, deterministic from the seed, with Binance's weights and errors.

Handlers are called directly (no HTTP), then `Params.finish` as the app does, and the body goes
through JSON so that what is checked is what a client would decode.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest

from binance_async.sim.clock import SimClock
from binance_async.sim.config import SimConfig
from binance_async.sim.errors import SimError
from binance_async.sim.market import Market
from binance_async.sim.market_routes import market_routes
from binance_async.sim.params import Params
from binance_async.sim.routes import Call, Route
from tests.reference import example

NOW = 1_700_000_000_000  # 2023-11-14 22:13:20 UTC
HOUR = 3_600_000
DAY = 24 * HOUR


class FrozenClock(SimClock):
    """A clock that moves only when told to, so that two markets can be compared body for body."""

    def __init__(self, start_ms: int) -> None:
        super().__init__(start_ms)
        self.now = start_ms

    def now_ms(self) -> int:
        return self.now

    def advance(self, ms: float) -> None:
        self.now += int(ms)


class Exchange:
    """A market and its routes, called the way the app calls them."""

    def __init__(self, seed: int = 1, extra_symbols: int = 0) -> None:
        self.clock = FrozenClock(NOW)
        self.market = Market(SimConfig(seed=seed, extra_symbols=extra_symbols, start_ms=NOW), self.clock)
        self.routes: dict[str, Route] = {route.path: route for route in market_routes(self.market)}

    def get(self, path: str, query: str = "") -> Any:
        params = Params(query)
        body = self.routes["/api/v3/" + path].handler(Call(params, ip="127.0.0.1"))
        params.finish()
        return json.loads(body if isinstance(body, bytes) else json.dumps(body))  # bytes: pre-encoded JSON

    def weight(self, path: str, query: str = "") -> int:
        return self.routes["/api/v3/" + path].weight_for(Params(query))

    def error(self, path: str, query: str = "") -> tuple[int, str]:
        with pytest.raises(SimError) as raised:
            self.get(path, query)
        return raised.value.code, raised.value.msg


@pytest.fixture
def ex() -> Exchange:
    return Exchange()


def symbols_param(names: Iterator[str] | list[str]) -> str:
    return "symbols=" + json.dumps(list(names), separators=(",", ":"))


# -- shapes ---------------------------------------------------------------------------------------------


def assert_shape(actual: Any, expected: Any, where: str = "body") -> None:
    """Same keys in the same order, same JSON types, recursively; list items match the example's first
    item, or position by position for fixed arrays of mixed types (klines)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        assert list(actual) == list(expected), f"{where}: keys {list(actual)} != {list(expected)}"
        for key, value in expected.items():
            assert_shape(actual[key], value, f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), where
        if not expected:
            return
        if len({type(item) for item in expected}) > 1:
            assert len(actual) == len(expected), where
            for i, (item, model) in enumerate(zip(actual, expected, strict=True)):
                assert_shape(item, model, f"{where}[{i}]")
        else:
            for i, item in enumerate(actual):
                assert_shape(item, expected[0], f"{where}[{i}]")
    else:
        assert type(actual) is type(expected), (
            f"{where}: {type(actual).__name__} != {type(expected).__name__}"
        )


SHAPES = [
    ("ping", "", "GET_api_v3_ping.json"),
    ("time", "", "GET_api_v3_time.json"),
    ("executionRules", "symbol=BTCUSDT", "GET_api_v3_executionRules.json"),
    ("executionRules", "", "GET_api_v3_executionRules.json"),
    ("depth", "symbol=BTCUSDT", "GET_api_v3_depth.json"),
    ("trades", "symbol=BTCUSDT", "GET_api_v3_trades.json"),
    ("historicalTrades", "symbol=ETHUSDT&limit=20", "GET_api_v3_historicalTrades.json"),
    ("historicalBlockTrades", "symbol=BTCUSDT&fromId=0", "GET_api_v3_historicalBlockTrades.json"),
    ("aggTrades", "symbol=BTCUSDT", "GET_api_v3_aggTrades.json"),
    ("klines", "symbol=BTCUSDT&interval=1m", "GET_api_v3_klines.json"),
    ("uiKlines", "symbol=ETHBTC&interval=1h", "GET_api_v3_uiKlines.json"),
    ("avgPrice", "symbol=BTCUSDT", "GET_api_v3_avgPrice.json"),
    ("ticker/24hr", "symbol=BTCUSDT", "GET_api_v3_ticker_24hr__FULL_symbol.json"),
    ("ticker/24hr", "", "GET_api_v3_ticker_24hr__FULL_list.json"),
    ("ticker/24hr", "symbol=BNBBTC&type=MINI", "GET_api_v3_ticker_24hr__MINI_symbol.json"),
    ("ticker/24hr", 'symbols=["BTCUSDT","ETHBTC"]&type=MINI', "GET_api_v3_ticker_24hr__MINI_list.json"),
    ("ticker", "symbol=BNBBTC", "GET_api_v3_ticker__FULL_symbol.json"),
    ("ticker", 'symbols=["BTCUSDT","BNBBTC"]&windowSize=4h', "GET_api_v3_ticker__FULL_symbols.json"),
    ("ticker", "symbol=ETHBTC&type=MINI&windowSize=15m", "GET_api_v3_ticker__MINI_symbol.json"),
    ("ticker", 'symbols=["BNBBTC","ETHBTC"]&type=MINI', "GET_api_v3_ticker__MINI_symbols.json"),
    ("ticker/tradingDay", "symbol=BTCUSDT", "GET_api_v3_ticker_tradingDay__FULL_symbol.json"),
    ("ticker/tradingDay", 'symbols=["BTCUSDT","BNBUSDT"]', "GET_api_v3_ticker_tradingDay__FULL_symbols.json"),
    ("ticker/tradingDay", "symbol=BTCUSDT&type=MINI", "GET_api_v3_ticker_tradingDay__MINI_symbol.json"),
    (
        "ticker/tradingDay",
        'symbols=["BTCUSDT","BNBUSDT"]&type=MINI&timeZone=8',
        "GET_api_v3_ticker_tradingDay__MINI_symbols.json",
    ),
    ("ticker/price", "symbol=ETHBTC", "GET_api_v3_ticker_price__symbol.json"),
    ("ticker/price", "", "GET_api_v3_ticker_price__list.json"),
    ("ticker/bookTicker", "symbol=ETHBTC", "GET_api_v3_ticker_bookTicker__symbol.json"),
    ("ticker/bookTicker", 'symbols=["ETHBTC","BTCUSDT"]', "GET_api_v3_ticker_bookTicker__list.json"),
    ("referencePrice", "symbol=BTCUSDT", "GET_api_v3_referencePrice__set.json"),
    ("referencePrice", "symbol=BNBUSDT", "GET_api_v3_referencePrice__not_set.json"),
    (
        "referencePrice/calculation",
        "symbol=BTCUSDT",
        "GET_api_v3_referencePrice_calculation__arithmetic_mean.json",
    ),
    ("referencePrice/calculation", "symbol=ETHUSDT", "GET_api_v3_referencePrice_calculation__external.json"),
]


@pytest.mark.parametrize(("path", "query", "name"), SHAPES)
def test_body_has_the_official_shape(ex: Exchange, path: str, query: str, name: str) -> None:
    body = ex.get(path, query)
    if isinstance(body, list):
        assert body, "an empty list proves nothing about its items"
    assert_shape(body, example(name))


def test_exchange_info_has_the_official_shape(ex: Exchange) -> None:
    official = example("GET_api_v3_exchangeInfo.json")
    official.pop("sors")  # optional: there is no smart order routing here
    official["rateLimits"] = [example("rate_limits/REQUEST_WEIGHT.json")]
    body = ex.get("exchangeInfo")
    assert_shape(body, official)
    limits = [
        (limit["rateLimitType"], limit["interval"], limit["intervalNum"]) for limit in body["rateLimits"]
    ]
    assert limits == [(s.rate_limit_type, s.interval, s.interval_num) for s in ex.market.config.limits]
    assert body["exchangeFilters"] == []
    assert [entry["symbol"] for entry in body["symbols"]] == ex.market.symbol_names()


def test_exchange_info_filters_have_the_official_shapes(ex: Exchange) -> None:
    filters = ex.get("exchangeInfo", "symbol=BTCUSDT")["symbols"][0]["filters"]
    kinds = [item["filterType"] for item in filters]
    assert set(kinds) >= {
        "PRICE_FILTER",
        "LOT_SIZE",
        "NOTIONAL",
        "PERCENT_PRICE_BY_SIDE",
        "MARKET_LOT_SIZE",
        "ICEBERG_PARTS",
        "MAX_NUM_ORDERS",
        "MAX_NUM_ALGO_ORDERS",
        "TRAILING_DELTA",
        "MAX_NUM_ORDER_LISTS",
        "MAX_NUM_ORDER_AMENDS",
    }
    for item in filters:
        assert_shape(item, example(f"filters/{item['filterType']}.json"), item["filterType"])
    by_kind = {item["filterType"]: item for item in filters}
    assert by_kind["PRICE_FILTER"]["tickSize"] == "0.01000000"
    assert by_kind["LOT_SIZE"]["stepSize"] == "0.00001000"
    assert by_kind["NOTIONAL"]["minNotional"] == "5.00000000"


def test_errors_look_like_the_official_error_bodies(ex: Exchange) -> None:
    for name in (
        "GET_api_v3_referencePrice__never_set_error.json",
        "GET_api_v3_referencePrice_calculation__not_calculated_error.json",
    ):
        official = example(name)
        path = "referencePrice/calculation" if "calculation" in name else "referencePrice"
        assert ex.error(path, "symbol=BNBBTC") == (official["code"], official["msg"])


# -- consistency ----------------------------------------------------------------------------------------


def all_trades(ex: Exchange, symbol: str) -> list[dict[str, Any]]:
    """Every trade, paged through historicalTrades from the first id."""
    trades: list[dict[str, Any]] = []
    next_id = ex.market.tape(symbol).first_id
    while page := ex.get("historicalTrades", f"symbol={symbol}&fromId={next_id}&limit=1000"):
        trades += page
        next_id = page[-1]["id"] + 1
    return trades


def dec(text: str) -> Decimal:
    return Decimal(text)


def test_depth_is_sorted_around_the_spread(ex: Exchange) -> None:
    depth = ex.get("depth", "symbol=BTCUSDT&limit=5000")
    bids = [dec(price) for price, _ in depth["bids"]]
    asks = [dec(price) for price, _ in depth["asks"]]
    assert len(bids) == len(asks) == 5000
    assert all(a > b for a, b in pairwise(bids))
    assert all(a < b for a, b in pairwise(asks))
    assert bids[0] < asks[0]
    for price, qty in depth["bids"] + depth["asks"]:
        assert dec(price) % Decimal("0.01") == 0 and dec(qty) % Decimal("0.00001") == 0 and dec(qty) > 0
        assert len(price.split(".")[1]) == 8 and len(qty.split(".")[1]) == 8


@pytest.mark.parametrize(
    ("query", "levels"), [("", 100), ("&limit=7", 7), ("&limit=5000", 5000), ("&limit=9000", 5000)]
)
def test_depth_limit(ex: Exchange, query: str, levels: int) -> None:
    depth = ex.get("depth", "symbol=BTCUSDT" + query)
    assert len(depth["bids"]) == len(depth["asks"]) == levels
    assert (
        depth["bids"][: min(levels, 7)] == ex.get("depth", "symbol=BTCUSDT&limit=7")["bids"][: min(levels, 7)]
    )


@pytest.mark.parametrize("interval", ["1m", "15m", "1h", "4h"])
def test_klines_agree_with_the_trades(ex: Exchange, interval: str) -> None:
    trades = all_trades(ex, "BTCUSDT")
    assert len(trades) == len(ex.market.tape("BTCUSDT"))
    klines = ex.get("klines", f"symbol=BTCUSDT&interval={interval}&startTime=1&limit=1000")
    if interval != "1m":  # 1m over a day is more than 1000 buckets
        assert sum(k[8] for k in klines) == len(trades)
        assert klines[-1][0] <= NOW <= klines[-1][6]
    previous_close = None
    for k in klines:
        inside = [t for t in trades if k[0] <= t["time"] <= k[6]]
        assert k[8] == len(inside)
        if inside:
            prices = [dec(t["price"]) for t in inside]
            assert [dec(v) for v in k[1:5]] == [prices[0], max(prices), min(prices), prices[-1]]
        else:
            assert k[1] == k[2] == k[3] == k[4] == previous_close
        assert dec(k[5]) == sum(dec(t["qty"]) for t in inside)
        quote = sum(dec(t["price"]) * dec(t["qty"]) for t in inside)
        assert dec(k[7]) == Decimal(quote).quantize(Decimal("1E-8"))
        taker = [t for t in inside if not t["isBuyerMaker"]]
        assert dec(k[9]) == sum(dec(t["qty"]) for t in taker)
        previous_close = k[4]
    opens = [k[0] for k in klines]
    assert all(b - a == k[6] + 1 - k[0] for a, b, k in zip(opens, opens[1:], klines, strict=False))


def test_klines_windows(ex: Exchange) -> None:
    latest = ex.get("klines", "symbol=BTCUSDT&interval=1h&limit=3")
    assert len(latest) == 3 and latest[-1][0] == NOW // HOUR * HOUR
    until = ex.get("klines", f"symbol=BTCUSDT&interval=1h&endTime={NOW - 5 * HOUR}&limit=2")
    assert [k[0] for k in until] == [NOW // HOUR * HOUR - 6 * HOUR, NOW // HOUR * HOUR - 5 * HOUR]
    start = NOW - 10 * HOUR + 1
    between = ex.get("klines", f"symbol=BTCUSDT&interval=1h&startTime={start}&endTime={NOW - 7 * HOUR}")
    assert [k[0] for k in between] == [NOW // HOUR * HOUR - h * HOUR for h in (9, 8, 7)]
    micro = ex.get(
        "klines", f"symbol=BTCUSDT&interval=1h&startTime={start * 1000}&endTime={(NOW - 7 * HOUR) * 1000}"
    )
    assert micro == between
    assert ex.get("uiKlines", "symbol=BTCUSDT&interval=1h") == ex.get("klines", "symbol=BTCUSDT&interval=1h")


def test_kline_buckets_follow_calendar_and_time_zone(ex: Exchange) -> None:
    week = ex.get("klines", "symbol=BTCUSDT&interval=1w")
    assert datetime.fromtimestamp(week[-1][0] / 1000, timezone.utc).strftime("%a %H:%M") == "Mon 00:00"
    month = ex.get("klines", "symbol=BTCUSDT&interval=1M")[-1]
    assert (month[0], month[6] + 1) == (1698796800000, 1701388800000)  # 2023-11-01 .. 2023-12-01
    day = ex.get("klines", "symbol=BTCUSDT&interval=1d&timeZone=8")[-1]
    assert day[0] == 1700006400000 - 8 * HOUR  # 2023-11-15 00:00 at UTC+8
    assert ex.get("klines", "symbol=BTCUSDT&interval=1h&timeZone=-1:30")[-1][0] % HOUR == 30 * 60_000


def test_24hr_ticker_agrees_with_trades_and_book(ex: Exchange) -> None:
    trades = all_trades(ex, "BTCUSDT")
    ticker = ex.get("ticker/24hr", "symbol=BTCUSDT")
    inside = [t for t in trades if NOW - DAY <= t["time"] <= NOW]
    before = [t for t in trades if t["time"] < NOW - DAY]
    assert ticker["lastPrice"] == trades[-1]["price"] and ticker["lastQty"] == trades[-1]["qty"]
    assert (ticker["openTime"], ticker["closeTime"]) == (NOW - DAY, NOW)
    assert (ticker["firstId"], ticker["lastId"], ticker["count"]) == (
        inside[0]["id"],
        inside[-1]["id"],
        len(inside),
    )
    assert (
        ticker["openPrice"] == inside[0]["price"]
        and before
        and ticker["prevClosePrice"] == before[-1]["price"]
    )
    assert dec(ticker["highPrice"]) == max(dec(t["price"]) for t in inside)
    assert dec(ticker["volume"]) == sum(dec(t["qty"]) for t in inside)
    assert dec(ticker["priceChange"]) == dec(ticker["lastPrice"]) - dec(ticker["openPrice"])
    assert dec(ticker["lowPrice"]) <= dec(ticker["weightedAvgPrice"]) <= dec(ticker["highPrice"])
    depth = ex.get("depth", "symbol=BTCUSDT&limit=1")
    assert [ticker["bidPrice"], ticker["bidQty"]] == depth["bids"][0]
    assert [ticker["askPrice"], ticker["askQty"]] == depth["asks"][0]
    mini = ex.get("ticker/24hr", "symbol=BTCUSDT&type=MINI")
    assert mini == {key: ticker[key] for key in mini}


def test_book_and_price_tickers_agree_with_depth_and_trades(ex: Exchange) -> None:
    for item in ex.get("ticker/bookTicker"):
        depth = ex.get("depth", f"symbol={item['symbol']}&limit=1")
        assert [item["bidPrice"], item["bidQty"], item["askPrice"], item["askQty"]] == depth["bids"][
            0
        ] + depth["asks"][0]
    for item in ex.get("ticker/price"):
        assert item["price"] == ex.get("trades", f"symbol={item['symbol']}&limit=1")[0]["price"]


def test_rolling_and_trading_day_windows(ex: Exchange) -> None:
    rolling = ex.get("ticker", "symbol=BTCUSDT&windowSize=2h")
    assert rolling["closeTime"] == NOW and rolling["openTime"] % 60_000 == 0
    assert 0 <= (NOW - 2 * HOUR) - rolling["openTime"] < 60_000
    trades = all_trades(ex, "BTCUSDT")
    inside = [t for t in trades if rolling["openTime"] <= t["time"] <= NOW]
    assert rolling["count"] == len(inside) and rolling["lastPrice"] == trades[-1]["price"]
    assert ex.get("ticker", "symbol=BTCUSDT")["openTime"] == (NOW - DAY) // 60_000 * 60_000  # default 1d
    day = ex.get("ticker/tradingDay", "symbol=BTCUSDT&timeZone=05:45")
    assert day["openTime"] == 1700006400000 - (5 * HOUR + 45 * 60_000)  # 2023-11-15 00:00 at UTC+05:45
    assert day["closeTime"] == day["openTime"] + DAY - 1


def test_avg_price_is_within_the_recent_trades(ex: Exchange) -> None:
    trades = all_trades(ex, "BTCUSDT")
    recent = [dec(t["price"]) for t in trades if t["time"] >= NOW - 5 * 60_000]
    body = ex.get("avgPrice", "symbol=BTCUSDT")
    assert recent and min(recent) <= dec(body["price"]) <= max(recent)
    assert body["closeTime"] == trades[-1]["time"] and body["mins"] == 5


def test_trades_pages_and_limits(ex: Exchange) -> None:
    trades = all_trades(ex, "ETHUSDT")
    assert [t["id"] for t in trades] == list(range(trades[0]["id"], trades[0]["id"] + len(trades)))
    assert ex.get("trades", "symbol=ETHUSDT&limit=5") == trades[-5:]
    assert (
        len(ex.get("trades", "symbol=ETHUSDT")) == 500
        and len(ex.get("trades", "symbol=ETHUSDT&limit=5000")) == 1000
    )
    from_id = trades[10]["id"]
    assert ex.get("historicalTrades", f"symbol=ETHUSDT&fromId={from_id}&limit=3") == trades[10:13]
    assert ex.get("historicalTrades", "symbol=ETHUSDT&fromId=999999999999") == []
    assert dec(trades[0]["quoteQty"]) == dec(trades[0]["price"]) * dec(trades[0]["qty"])


def test_agg_trades_compress_fills_of_one_taker(ex: Exchange) -> None:
    trades = {t["id"]: t for t in all_trades(ex, "BTCUSDT")}
    first_agg = ex.market.tape("BTCUSDT").first_agg_id
    aggs = ex.get("aggTrades", f"symbol=BTCUSDT&fromId={first_agg}&limit=1000")
    assert [a["a"] for a in aggs] == list(range(first_agg, first_agg + len(aggs)))
    assert any(a["l"] > a["f"] for a in aggs)
    for agg, following in pairwise(aggs):
        assert following["f"] == agg["l"] + 1
        fills = [trades[i] for i in range(agg["f"], agg["l"] + 1)]
        assert {(t["price"], t["time"], t["isBuyerMaker"]) for t in fills} == {(agg["p"], agg["T"], agg["m"])}
        assert dec(agg["q"]) == sum(dec(t["qty"]) for t in fills)
    start, end = aggs[100]["T"], aggs[120]["T"]
    window = ex.get("aggTrades", f"symbol=BTCUSDT&startTime={start}&endTime={end}")
    assert window == [a for a in aggs if start <= a["T"] <= end]
    assert (
        ex.get("aggTrades", f"symbol=BTCUSDT&endTime={end}&limit=3")
        == [a for a in aggs if a["T"] <= end][-3:]
    )
    assert ex.get("aggTrades", "symbol=BTCUSDT&limit=2")[-1]["l"] == max(trades)


def test_block_trades(ex: Exchange) -> None:
    blocks = ex.get("historicalBlockTrades", "symbol=BTCUSDT&fromId=0")
    assert blocks and [b["id"] for b in blocks] == sorted(b["id"] for b in blocks)
    assert ex.get("historicalBlockTrades", f"symbol=BTCUSDT&fromId={blocks[-1]['id']}") == blocks[-1:]
    assert ex.get("historicalBlockTrades", "symbol=BTCUSDT&fromId=0&limit=1") == blocks[:1]


def test_reference_prices_and_execution_rules(ex: Exchange) -> None:
    assert ex.get("referencePrice", "symbol=BTCUSDT")["referencePrice"] == "65000.00"
    assert ex.get("referencePrice", "symbol=BNBUSDT")["referencePrice"] is None
    assert ex.market.reference_price("BNBUSDT") is None
    rules = ex.get("executionRules")["symbolRules"]
    assert [r["symbol"] for r in rules] == ex.market.symbol_names()
    rule = rules[0]["rules"][0]
    assert dec(rule["bidLimitMultDown"]) < 1 < dec(rule["bidLimitMultUp"])
    one = ex.get("executionRules", 'symbols=["ETHBTC"]')
    assert one == {"symbolRules": [r for r in rules if r["symbol"] == "ETHBTC"]}


def test_exchange_info_selections(ex: Exchange) -> None:
    assert [s["symbol"] for s in ex.get("exchangeInfo", 'symbols=["ETHBTC","BTCUSDT"]')["symbols"]] == [
        "ETHBTC",
        "BTCUSDT",
    ]
    assert (
        ex.get("exchangeInfo", "symbol=BNBBTC&showPermissionSets=false")["symbols"][0]["permissionSets"] == []
    )
    assert len(ex.get("exchangeInfo", "permissions=MARGIN")["symbols"]) == 5
    assert ex.get("exchangeInfo", 'permissions=["LEVERAGED"]')["symbols"] == []
    assert ex.get("exchangeInfo", "symbolStatus=HALT")["symbols"] == []
    ex.market.set_status("ETHBTC", "HALT")
    assert [s["symbol"] for s in ex.get("exchangeInfo", "symbolStatus=HALT")["symbols"]] == ["ETHBTC"]
    assert json.loads(ex.market.exchange_info_json()) == ex.get("exchangeInfo")
    assert [t["symbol"] for t in ex.get("ticker/price", "symbolStatus=HALT")] == ["ETHBTC"]
    assert ex.error("depth", "symbol=ETHBTC&symbolStatus=TRADING")[0] == -1220


# -- the engine's side: books and trades change -------------------------------------------------------


def test_book_changes_show_in_depth_and_tickers(ex: Exchange) -> None:
    book = ex.market.book("BTCUSDT")
    before = ex.get("depth", "symbol=BTCUSDT&limit=5")
    best_bid = dec(before["bids"][0][0])
    book.add("BUY", best_bid + Decimal("0.01"), Decimal("0.5"))
    after = ex.get("depth", "symbol=BTCUSDT&limit=5")
    assert after["lastUpdateId"] == before["lastUpdateId"] + 1
    assert (
        after["bids"][0] == [fmt(best_bid + Decimal("0.01")), "0.50000000"]
        and after["bids"][1:] == before["bids"][:4]
    )
    best_ask, ask_qty = book.best_ask() or (Decimal(0), Decimal(0))
    book.remove("SELL", best_ask, ask_qty)
    assert ex.get("depth", "symbol=BTCUSDT&limit=4")["asks"] == before["asks"][1:5]
    assert ex.get("ticker/bookTicker", "symbol=BTCUSDT")["askPrice"] == before["asks"][1][0]
    with pytest.raises(ValueError, match="less than"):
        book.remove("SELL", dec(before["asks"][1][0]), Decimal(1000))
    assert book.quantity("SELL", best_ask) == 0 and book.quantity("BUY", best_bid) == dec(
        before["bids"][0][1]
    )


def test_seeded_levels_do_not_depend_on_what_was_asked_first() -> None:
    plain, poked = Exchange(), Exchange()
    poked.market.book("BTCUSDT").quantity("BUY", Decimal("64950.00"))  # produces deep levels first
    poked.get("ticker/bookTicker", "symbol=BTCUSDT")
    assert poked.get("depth", "symbol=BTCUSDT&limit=5000") == plain.get("depth", "symbol=BTCUSDT&limit=5000")


def fmt(value: Decimal) -> str:
    return format(value, ".8f")


def test_recorded_trades_show_everywhere(ex: Exchange) -> None:
    last = ex.get("trades", "symbol=ETHBTC&limit=1")[0]
    ex.clock.advance(1_000)
    price, qty = Decimal("0.05000"), Decimal("0.3000")
    first = ex.market.record_trade("ETHBTC", price, qty, False)
    second = ex.market.record_trade("ETHBTC", price, Decimal("0.2000"), False)
    assert (first, second) == (last["id"] + 1, last["id"] + 2)
    assert ex.get("ticker/price", "symbol=ETHBTC")["price"] == "0.05000000"
    ticker = ex.get("ticker/24hr", "symbol=ETHBTC")
    assert (
        ticker["lastId"] == second
        and ticker["lastPrice"] == "0.05000000"
        and ticker["lastQty"] == "0.20000000"
    )
    agg = ex.get("aggTrades", "symbol=ETHBTC&limit=1")[0]
    assert (agg["f"], agg["l"], agg["q"], agg["m"]) == (first, second, "0.50000000", False)
    kline = ex.get("klines", "symbol=ETHBTC&interval=1s&limit=1")[0]
    assert kline[0] == NOW + 1_000 and kline[8] == 2 and kline[5] == "0.50000000" and kline[9] == "0.50000000"


# -- determinism ----------------------------------------------------------------------------------------

DETERMINISM_CALLS = [
    ("exchangeInfo", ""),
    ("depth", "symbol=BNBUSDT&limit=1000"),
    ("trades", "symbol=BTCUSDT&limit=1000"),
    ("aggTrades", "symbol=ETHBTC"),
    ("klines", "symbol=BTCUSDT&interval=5m&limit=1000"),
    ("ticker/24hr", ""),
    ("historicalBlockTrades", "symbol=ETHUSDT&fromId=0"),
]


def test_same_seed_same_market() -> None:
    first, second = Exchange(seed=7), Exchange(seed=7)
    second.get("depth", "symbol=ETHUSDT")  # touching symbols in another order changes nothing
    for path, query in DETERMINISM_CALLS:
        assert first.get(path, query) == second.get(path, query), path


def test_other_seed_other_market() -> None:
    first, second = Exchange(seed=7), Exchange(seed=8)
    for path, query in DETERMINISM_CALLS[1:5]:
        assert first.get(path, query) != second.get(path, query), path


def test_generated_symbols_are_realistic_and_cheap() -> None:
    ex = Exchange(extra_symbols=3000)
    body = ex.market.exchange_info_json()
    print(f"exchangeInfo with 3005 symbols: {len(body) / 1e6:.2f} MB")
    assert len(body) > 5_000_000
    info = json.loads(body)
    assert len(info["symbols"]) == 3005 and info["symbols"][5]["symbol"] == "SYM0001USDT"
    assert json.loads(json.dumps(ex.market.exchange_info_body()))["symbols"] == info["symbols"]
    depth = ex.get("depth", "symbol=SYM0042USDT&limit=5000")
    assert len(depth["bids"]) == len(depth["asks"]) == 5000 and dec(depth["bids"][0][0]) < dec(
        depth["asks"][0][0]
    )
    assert ex.get("ticker/price", "symbol=SYM3000USDT")["price"] != "0.00000000"


# -- weights --------------------------------------------------------------------------------------------


def names(count: int) -> str:
    return symbols_param(f"SYM{i:04d}USDT" for i in range(count))


WEIGHTS = [
    ("ping", "", 1),
    ("time", "", 1),
    ("exchangeInfo", "", 20),
    ("depth", "symbol=BTCUSDT", 5),
    ("depth", "symbol=BTCUSDT&limit=100", 5),
    ("depth", "symbol=BTCUSDT&limit=101", 25),
    ("depth", "symbol=BTCUSDT&limit=500", 25),
    ("depth", "symbol=BTCUSDT&limit=501", 50),
    ("depth", "symbol=BTCUSDT&limit=1000", 50),
    ("depth", "symbol=BTCUSDT&limit=1001", 250),
    ("depth", "symbol=BTCUSDT&limit=5000", 250),
    ("depth", "symbol=BTCUSDT&limit=9000", 250),
    ("trades", "symbol=BTCUSDT", 25),
    ("historicalTrades", "symbol=BTCUSDT", 25),
    ("historicalBlockTrades", "symbol=BTCUSDT&fromId=1", 25),
    ("aggTrades", "symbol=BTCUSDT", 4),
    ("klines", "symbol=BTCUSDT&interval=1m", 2),
    ("uiKlines", "symbol=BTCUSDT&interval=1m", 2),
    ("avgPrice", "symbol=BTCUSDT", 2),
    ("ticker/24hr", "symbol=BTCUSDT", 2),
    ("ticker/24hr", names(1), 2),
    ("ticker/24hr", names(20), 2),
    ("ticker/24hr", names(21), 40),
    ("ticker/24hr", names(100), 40),
    ("ticker/24hr", names(101), 80),
    ("ticker/24hr", "", 80),
    ("ticker/tradingDay", "symbol=BTCUSDT", 4),
    ("ticker/tradingDay", names(10), 40),
    ("ticker/tradingDay", names(50), 200),
    ("ticker/tradingDay", names(51), 200),
    ("ticker", "symbol=BTCUSDT&windowSize=7d", 4),
    ("ticker", names(3), 12),
    ("ticker", names(99), 200),
    ("ticker/price", "symbol=BTCUSDT", 2),
    ("ticker/price", names(1), 4),
    ("ticker/price", "", 4),
    ("ticker/bookTicker", "symbol=BTCUSDT", 2),
    ("ticker/bookTicker", names(300), 4),
    ("ticker/bookTicker", "", 4),
    ("executionRules", "symbol=BTCUSDT", 2),
    ("executionRules", names(3), 6),
    ("executionRules", names(30), 40),
    ("executionRules", "symbolStatus=TRADING", 40),
    ("executionRules", "", 40),
    ("referencePrice", "symbol=BTCUSDT", 2),
    ("referencePrice/calculation", "symbol=BTCUSDT", 2),
]


@pytest.mark.parametrize(("path", "query", "weight"), WEIGHTS)
def test_weights(ex: Exchange, path: str, query: str, weight: int) -> None:
    assert ex.weight(path, query) == weight


def test_every_public_endpoint_has_a_route(ex: Exchange) -> None:
    assert len(ex.routes) == 19
    assert {route.method for route in ex.routes.values()} == {"GET"}
    assert {route.security for route in ex.routes.values()} == {"NONE"}


# -- errors ---------------------------------------------------------------------------------------------

MISSING_SYMBOL = "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."
COMBINATION = "Combination of optional parameters invalid."
NEITHER = "Param 'symbol' or 'symbols' must be sent, but both were empty/null!"
STATUS_MISMATCH = "The symbol's status does not match the requested symbolStatus."
NO_REFERENCE = "This symbol doesn't have a reference price."

ERRORS = [
    ("depth", "", -1102, MISSING_SYMBOL),
    ("depth", "symbol=NOPE", -1121, "Invalid symbol."),
    ("depth", "symbol=BTCUSDT&limit=0", -1130, "Data sent for parameter 'limit' is not valid."),
    ("depth", "symbol=BTCUSDT&symbolStatus=HALT", -1220, STATUS_MISMATCH),
    ("depth", "symbol=BTCUSDT&symbolStatus=OPEN", -1122, "Invalid symbolStatus."),
    (
        "trades",
        "symbol=btcusdt",
        -1100,
        "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'.",
    ),
    (
        "historicalBlockTrades",
        "symbol=BTCUSDT",
        -1102,
        "Mandatory parameter 'fromId' was not sent, was empty/null, or malformed.",
    ),
    (
        "klines",
        "symbol=BTCUSDT",
        -1102,
        "Mandatory parameter 'interval' was not sent, was empty/null, or malformed.",
    ),
    ("klines", "symbol=BTCUSDT&interval=2m", -1120, "Invalid interval."),
    ("uiKlines", "symbol=BTCUSDT&interval=1H", -1120, "Invalid interval."),
    (
        "klines",
        "symbol=BTCUSDT&interval=1h&timeZone=15",
        -1130,
        "Data sent for parameter 'timeZone' is not valid.",
    ),
    (
        "klines",
        "symbol=BTCUSDT&interval=1h&timeZone=-12:30",
        -1130,
        "Data sent for parameter 'timeZone' is not valid.",
    ),
    (
        "avgPrice",
        "symbol=BTCUSDT&limit=5",
        -1104,
        "Not all sent parameters were read; read '1' parameter(s) but was sent '2'.",
    ),
    ("ticker/24hr", 'symbol=BTCUSDT&symbols=["ETHBTC"]', -1128, COMBINATION),
    ("ticker/24hr", 'symbols=["BTCUSDT","NOPE"]', -1121, "Invalid symbol."),
    ("ticker/24hr", 'symbols=["BTCUSDT","BTCUSDT"]', -1151, "Symbol is present multiple times in the list."),
    ("ticker/24hr", "symbol=BTCUSDT&type=FAT", -1139, "Invalid ticker type."),
    ("ticker/24hr", "symbol=BTCUSDT&symbolStatus=BREAK", -1220, STATUS_MISMATCH),
    ("ticker", "", -1102, NEITHER),
    ("ticker/tradingDay", "type=MINI", -1102, NEITHER),
    ("ticker", names(101), -1101, "Too many values sent for parameter 'symbols', maximum allowed up to 100."),
    ("ticker", "symbol=BTCUSDT&windowSize=60m", -1130, "Data sent for parameter 'windowSize' is not valid."),
    ("ticker", "symbol=BTCUSDT&windowSize=1d2h", -1130, "Data sent for parameter 'windowSize' is not valid."),
    ("ticker", "symbol=BTCUSDT&type=mini", -1139, "Invalid ticker type."),
    ("ticker/price", 'symbol=BTCUSDT&symbols=["ETHBTC"]', -1128, COMBINATION),
    ("ticker/bookTicker", "symbol=NOPE", -1121, "Invalid symbol."),
    ("exchangeInfo", "symbol=NOPE", -1121, "Invalid symbol."),
    ("exchangeInfo", 'symbol=BTCUSDT&symbols=["ETHBTC"]', -1128, COMBINATION),
    ("exchangeInfo", "symbol=BTCUSDT&symbolStatus=TRADING", -1128, COMBINATION),
    ("exchangeInfo", 'symbols=["BTCUSDT"]&permissions=SPOT', -1128, COMBINATION),
    ("exchangeInfo", "permissions=FUTURES", -1130, "Data sent for parameter 'permissions' is not valid."),
    (
        "exchangeInfo",
        "showPermissionSets=maybe",
        -1130,
        "Data sent for parameter 'showPermissionSets' is not valid.",
    ),
    ("executionRules", "symbol=BTCUSDT&symbolStatus=TRADING", -1128, COMBINATION),
    ("referencePrice", "", -1102, MISSING_SYMBOL),
    ("referencePrice", "symbol=BNBBTC", -2043, NO_REFERENCE),
    ("referencePrice/calculation", "symbol=BNBBTC", -2043, NO_REFERENCE),
    ("referencePrice/calculation", "symbol=BTCUSDT&symbolStatus=HALT", -1220, STATUS_MISMATCH),
]


@pytest.mark.parametrize(("path", "query", "code", "msg"), ERRORS)
def test_errors(ex: Exchange, path: str, query: str, code: int, msg: str) -> None:
    assert ex.error(path, query) == (code, msg)


ALL_PARAMETERS = [
    ("exchangeInfo", "permissions=SPOT&showPermissionSets=true&symbolStatus=TRADING"),
    ("depth", "symbol=BTCUSDT&limit=10&symbolStatus=TRADING"),
    ("historicalTrades", "symbol=BTCUSDT&limit=10&fromId=1"),
    ("aggTrades", f"symbol=BTCUSDT&fromId=1&startTime={NOW - HOUR}&endTime={NOW}&limit=10"),
    ("klines", f"symbol=BTCUSDT&interval=1m&startTime={NOW - HOUR}&endTime={NOW}&timeZone=0&limit=10"),
    ("ticker/24hr", 'symbols=["BTCUSDT"]&type=FULL&symbolStatus=TRADING'),
    ("ticker/tradingDay", "symbol=BTCUSDT&timeZone=-1:00&type=MINI&symbolStatus=TRADING"),
    ("ticker", "symbol=BTCUSDT&windowSize=59m&type=FULL&symbolStatus=TRADING"),
    ("ticker/price", "symbolStatus=TRADING"),
    ("ticker/bookTicker", 'symbols=["BTCUSDT"]&symbolStatus=TRADING'),
    ("executionRules", "symbolStatus=TRADING"),
    ("referencePrice/calculation", "symbol=BTCUSDT&symbolStatus=TRADING"),
]


@pytest.mark.parametrize(("path", "query"), ALL_PARAMETERS)
def test_every_documented_parameter_is_read(ex: Exchange, path: str, query: str) -> None:
    ex.get(path, query)  # Params.finish would answer -1104 for a parameter left unread
