"""SpotClient's market-data methods (`binance_async.spot.methods.market`): weights, parameters, decoding."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from binance_async import (
    InvalidRequestError,
    SpotClient,
)
from binance_async._endpoint import Endpoint
from binance_async.spot import endpoints as E
from binance_async.spot.models import Kline, TickerPrice, TickerStats
from binance_async.testing import MockTransport, Router
from tests.reference import example_bytes, spot_rows
from tests.unit.helpers import calls, query


def _public_rows() -> list[dict[str, str]]:
    return [row for row in spot_rows() if row["security"] == "NONE"]


# -- weights ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "params", "weight"),
    [
        (E.DEPTH, {}, 5),
        (E.DEPTH, {"limit": 100}, 5),
        (E.DEPTH, {"limit": 101}, 25),
        (E.DEPTH, {"limit": 500}, 25),
        (E.DEPTH, {"limit": 1000}, 50),
        (E.DEPTH, {"limit": 1001}, 250),
        (E.DEPTH, {"limit": 5000}, 250),
        (E.TICKER_24HR, {"symbol": "BTCUSDT"}, 2),
        (E.TICKER_24HR, {"symbols": ["A"] * 20}, 2),
        (E.TICKER_24HR, {"symbols": ["A"] * 21}, 40),
        (E.TICKER_24HR, {"symbols": ["A"] * 100}, 40),
        (E.TICKER_24HR, {"symbols": ["A"] * 101}, 80),
        (E.TICKER_24HR, {}, 80),
        (E.TICKER_PRICE, {"symbol": "BTCUSDT"}, 2),
        (E.TICKER_PRICE, {"symbols": ["A", "B"]}, 4),
        (E.TICKER_PRICE, {}, 4),
        (E.BOOK_TICKER, {"symbol": "BTCUSDT"}, 2),
        (E.BOOK_TICKER, {}, 4),
        (E.TICKER, {"symbol": "BTCUSDT"}, 4),
        (E.TICKER, {"symbols": ["A"] * 50}, 200),
        (E.TICKER, {"symbols": ["A"] * 51}, 200),
        (E.TICKER, {"symbols": ["A"] * 10}, 40),
        (E.TICKER_TRADING_DAY, {"symbols": ["A"] * 3}, 12),
        (E.TICKER_TRADING_DAY, {"symbols": ["A"] * 100}, 200),
        (E.EXECUTION_RULES, {"symbol": "BTCUSDT"}, 2),
        (E.EXECUTION_RULES, {"symbols": ["A"] * 5}, 10),
        (E.EXECUTION_RULES, {"symbols": ["A"] * 30}, 40),
        (E.EXECUTION_RULES, {"symbolStatus": "TRADING"}, 40),
        (E.EXECUTION_RULES, {}, 40),
        (E.EXCHANGE_INFO, {}, 20),
        (E.TRADES, {}, 25),
        (E.AGG_TRADES, {}, 4),
        (E.KLINES, {}, 2),
        (E.PING, {}, 1),
    ],
)
def test_documented_weights(endpoint: Endpoint[Any], params: dict[str, Any], weight: int) -> None:
    assert endpoint.weight_for(params) == weight


# -- calls: kwargs to Binance's names, typed results -------------------------------------------------------


async def test_kwargs_become_binance_parameters(router: Router, transport: MockTransport) -> None:
    trade = {
        "id": 1,
        "price": "1",
        "qty": "2",
        "quoteQty": "2",
        "time": 1,
        "isBuyerMaker": True,
        "isBestMatch": True,
    }
    router.get("/api/v3/historicalTrades", json=[trade])
    router.get("/api/v3/klines", json=[[1, "1", "2", "0.5", "1.5", "10", 2, "15", 3, "4", "6", "0"]])
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    async with SpotClient(transport=transport) as client:
        trades = await client.historical_trades("BTCUSDT", limit=10, from_id=5)
        candles = await client.klines("ETHBTC", "1h", start_time=start, end_time=start + timedelta(hours=2))
    assert trades[0].is_buyer_maker is True
    assert isinstance(candles[0], Kline) and candles[0].trades == 3
    (_, trades_url, _), (_, klines_url, _) = calls(transport)
    assert query(trades_url) == {"symbol": "BTCUSDT", "limit": "10", "fromId": "5"}
    assert query(klines_url) == {
        "symbol": "ETHBTC",
        "interval": "1h",
        "startTime": "1704067200000",
        "endTime": "1704074400000",
    }


async def test_one_symbol_or_many(router: Router, transport: MockTransport) -> None:
    router.get("/api/v3/ticker/price", json={"symbol": "BTCUSDT", "price": "42000.10"})
    router.get(
        "/api/v3/ticker/price",
        json=[{"symbol": "BTCUSDT", "price": "1"}, {"symbol": "ETHBTC", "price": "0.05"}],
    )
    async with SpotClient(transport=transport) as client:
        one = await client.ticker_price("BTCUSDT")
        many = await client.ticker_price(symbols=["BTCUSDT", "ETHBTC"])
    assert isinstance(one, TickerPrice) and str(one.price) == "42000.10"
    assert [t.symbol for t in many] == ["BTCUSDT", "ETHBTC"]
    assert query(calls(transport)[1][1])["symbols"] == '["BTCUSDT","ETHBTC"]'


async def test_every_public_method_decodes_the_official_example(
    router: Router, transport: MockTransport
) -> None:
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("ping", "GET_api_v3_ping", {}),
        ("server_time", "GET_api_v3_time", {}),
        ("exchange_info", "GET_api_v3_exchangeInfo", {}),
        ("execution_rules", "GET_api_v3_executionRules", {}),
        ("depth", "GET_api_v3_depth", {"symbol": "BNBBTC"}),
        ("trades", "GET_api_v3_trades", {"symbol": "BNBBTC"}),
        ("historical_trades", "GET_api_v3_historicalTrades", {"symbol": "BNBBTC"}),
        ("historical_block_trades", "GET_api_v3_historicalBlockTrades", {"symbol": "BNBBTC", "from_id": 1}),
        ("agg_trades", "GET_api_v3_aggTrades", {"symbol": "BNBBTC"}),
        ("klines", "GET_api_v3_klines", {"symbol": "BNBBTC", "interval": "1m"}),
        ("ui_klines", "GET_api_v3_uiKlines", {"symbol": "BNBBTC", "interval": "1m"}),
        ("avg_price", "GET_api_v3_avgPrice", {"symbol": "BNBBTC"}),
        ("ticker_24hr", "GET_api_v3_ticker_24hr__FULL_symbol", {"symbol": "BNBBTC"}),
        (
            "ticker_trading_day",
            "GET_api_v3_ticker_tradingDay__MINI_symbols",
            {"symbols": ["BTCUSDT", "BNBUSDT"]},
        ),
        ("ticker_price", "GET_api_v3_ticker_price__list", {}),
        ("book_ticker", "GET_api_v3_ticker_bookTicker__symbol", {"symbol": "LTCBTC"}),
        ("ticker", "GET_api_v3_ticker__FULL_symbol", {"symbol": "BNBBTC"}),
        ("reference_price", "GET_api_v3_referencePrice__set", {"symbol": "BAZUSD"}),
        (
            "reference_price_calculation",
            "GET_api_v3_referencePrice_calculation__external",
            {"symbol": "BAZUSD"},
        ),
    ]
    assert {name for name, _, _ in cases} == {row["python_name"] for row in _public_rows()}
    async with SpotClient(transport=transport) as client:
        for name, example, kwargs in cases:
            body = example_bytes(example)
            router.get(E.ENDPOINTS[name].path, body=body)
            result = await getattr(client, name)(**kwargs)
            raw = json.loads(body)
            if name == "ping":
                assert result is None
            elif name == "server_time":
                assert result == raw["serverTime"]
            elif isinstance(raw, list):
                assert isinstance(result, list) and len(result) == len(raw)
            else:
                assert not isinstance(result, (dict, list))
    ticker = result_of_type = await _decode_24hr(router)
    assert isinstance(result_of_type, TickerStats) and ticker.prev_close_price is not None


async def _decode_24hr(router: Router) -> TickerStats:
    body = example_bytes("GET_api_v3_ticker_24hr__FULL_symbol")
    router.get("/api/v3/ticker/24hr", body=body)
    async with SpotClient(transport=MockTransport(router)) as client:  # a transport serves one client
        return await client.ticker_24hr("BNBBTC")


async def test_exchange_info_loads_rate_limits_into_the_limiter(
    router: Router, transport: MockTransport
) -> None:
    info = {
        "timezone": "UTC",
        "serverTime": 1,
        "rateLimits": [
            {},
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
            {"rateLimitType": "SOMETHING_NEW", "interval": "MINUTE", "intervalNum": 1, "limit": 5},
        ],
        "exchangeFilters": [],
        "symbols": [],
    }
    router.get("/api/v3/exchangeInfo", json=info)
    async with SpotClient(transport=transport) as client:
        await client.exchange_info()
        state = {
            (s.limit_type, s.interval, s.interval_num): (s.limit, s.used) for s in client.limiter.state()
        }
    assert state == {("REQUEST_WEIGHT", "MINUTE", 1): (1200, 20), ("ORDERS", "SECOND", 10): (100, 0)}


async def test_odd_only_rate_limits_keep_the_defaults(router: Router, transport: MockTransport) -> None:
    body = example_bytes("GET_api_v3_exchangeInfo")
    router.get("/api/v3/exchangeInfo", body=body)
    async with SpotClient(transport=transport) as client:
        before = [(s.limit_type, s.limit) for s in client.limiter.state()]
        info = await client.exchange_info()
        assert [(s.limit_type, s.limit) for s in client.limiter.state()] == before
    assert info.symbols[0].symbol == "ETHBTC"


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        ("ticker_price", {"symbol": "BTCUSDT", "symbols": ["ETHBTC"]}),
        ("ticker", {}),
        ("ticker_trading_day", {"symbols": []}),
        ("ticker", {"symbols": ["A"] * 101}),
        ("ticker_24hr", {"symbols": "BTCUSDT"}),
        ("depth", {"symbol": "BTCUSDT", "limit": 0}),
        ("depth", {"symbol": "BTCUSDT", "limit": 5001}),
        ("trades", {"symbol": "BTCUSDT", "limit": 1001}),
        ("execution_rules", {"symbol": "BTCUSDT", "symbol_status": "TRADING"}),
        ("klines", {"symbol": "BTCUSDT", "interval": "1m", "start_time": datetime(2024, 1, 1)}),
        ("depth", {"symbol": float("nan")}),
    ],
)
async def test_bad_input_is_refused_before_sending(
    router: Router, transport: MockTransport, call: str, kwargs: dict[str, Any]
) -> None:
    async with SpotClient(transport=transport) as client:
        with pytest.raises(InvalidRequestError):
            await getattr(client, call)(**kwargs)
    assert calls(transport) == []
