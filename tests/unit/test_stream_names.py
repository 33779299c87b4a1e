"""`binance_async.streams.names`: Binance's stream names from symbols, checked like REST arguments."""

from __future__ import annotations

from typing import Any

import pytest

from binance_async.errors import ParameterError
from binance_async.streams import names
from binance_async.streams.hub import check_stream_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (names.trade("BTCUSDT"), "btcusdt@trade"),
        (names.agg_trade("ETHBTC"), "ethbtc@aggTrade"),
        (names.book_ticker("BNBUSDT"), "bnbusdt@bookTicker"),
        (names.depth("BTCUSDT"), "btcusdt@depth@100ms"),
        (names.depth("BTCUSDT", speed="1000ms"), "btcusdt@depth"),
        (names.partial_depth("BTCUSDT", 5), "btcusdt@depth5@100ms"),
        (names.partial_depth("BTCUSDT", 10, speed="1000ms"), "btcusdt@depth10"),
        (names.kline("BTCUSDT", "1M"), "btcusdt@kline_1M"),
        (names.kline("BTCUSDT", "1m"), "btcusdt@kline_1m"),
        (names.ticker("BTCUSDT"), "btcusdt@ticker"),
        (names.ticker("BTCUSDT", "4h"), "btcusdt@ticker_4h"),
        (names.mini_ticker("BTCUSDT"), "btcusdt@miniTicker"),
        (names.mini_ticker(), "!miniTicker@arr"),
        (names.avg_price("BTCUSDT"), "btcusdt@avgPrice"),
    ],
)
def test_names_are_binances(name: str, expected: str) -> None:
    assert name == expected
    assert check_stream_name(name) == name  # what client.stream accepts


def wrong(value: object) -> Any:
    """`value` as the checker sees it: a value of the wrong type, as untyped callers send."""
    return value


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: names.trade("btcusdt"), "send 'BTCUSDT'"),
        (lambda: names.trade(""), "must not be empty"),
        (lambda: names.trade(wrong(5)), "must be a str"),
        (lambda: names.kline("BTCUSDT", wrong("2m")), "interval must be one of"),
        (lambda: names.partial_depth("BTCUSDT", wrong(15)), "levels must be 5, 10 or 20"),
        (lambda: names.depth("BTCUSDT", speed=wrong("10ms")), "speed must be"),
        (lambda: names.ticker("BTCUSDT", wrong("2h")), "window must be"),
    ],
)
def test_bad_arguments_are_refused(call: Any, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        call()
