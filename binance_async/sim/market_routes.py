"""The 19 public (security NONE) endpoints: parameters read the way Binance reads them, weights as documented.

Handlers read parameters only through `Params` getters and leave `Params.finish` to the app. One `symbol`
answers an object, `symbols` (a JSON array) a list, neither every symbol where the endpoint allows it.
`symbolStatus` makes a single symbol of another status -1220 and drops such symbols from lists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from .errors import SimError, mandatory
from .market import INTERVALS, SYMBOL_STATUSES, JsonObject, Market
from .params import Params, is_int, json_strings
from .routes import Call, Route

__all__ = ["WINDOW_SIZES", "market_routes"]

#: Rolling ticker window sizes and their lengths: 1m..59m, 1h..23h, 1d..7d.
WINDOW_SIZES: dict[str, int] = {
    **{f"{n}m": n * 60_000 for n in range(1, 60)},
    **{f"{n}h": n * 3_600_000 for n in range(1, 24)},
    **{f"{n}d": n * 86_400_000 for n in range(1, 8)},
}
_TIME_ZONE = re.compile(r"^([+-]?)([0-9]{1,2})(?::([0-9]{2}))?$")
_PERMISSION = re.compile(r"^(SPOT|MARGIN|LEVERAGED|TRD_GRP_[0-9]{3,})$")
_MICROSECONDS = 10**14  # timestamps at or above this were sent in microseconds
MAX_TICKER_SYMBOLS = 100


def _bad_combination() -> SimError:
    return SimError(-1128, "Combination of optional parameters invalid.")


def _invalid(name: str) -> SimError:
    return SimError(-1130, f"Data sent for parameter '{name}' is not valid.")


# -- weights (functions of the raw values: reading them does not mark them as read) --------------------


def _requested(values: Mapping[str, str]) -> tuple[str, int]:
    """("symbol", 1), ("symbols", how many) or ("none", 0)."""
    if values.get("symbol"):
        return "symbol", 1
    raw = values.get("symbols")
    if not raw:
        return "none", 0
    try:
        return "symbols", len(json_strings(raw))
    except msgspec.DecodeError:  # not an array of strings: answered -1100 or -1102 after the charge
        return "symbols", 1


def depth_weight(params: Params) -> int:
    raw = params.values.get("limit", "")
    limit = int(raw) if is_int(raw) else 100  # not 1-20 ASCII digits: -1100 after the charge
    if limit <= 100:
        return 5
    if limit <= 500:
        return 25
    return 50 if limit <= 1000 else 250


def ticker_24hr_weight(params: Params) -> int:
    kind, count = _requested(params.values)
    if kind == "symbol" or (kind == "symbols" and count <= 20):
        return 2
    return 40 if kind == "symbols" and count <= 100 else 80


def per_symbol_weight(params: Params) -> int:
    """ticker and ticker/tradingDay: 4 a symbol, 200 once more than 50."""
    count = _requested(params.values)[1]
    return 200 if count > 50 else 4 * max(count, 1)


def price_ticker_weight(params: Params) -> int:
    return 2 if _requested(params.values)[0] == "symbol" else 4


def execution_rules_weight(params: Params) -> int:
    kind, count = _requested(params.values)
    if kind == "symbol":
        return 2
    return min(2 * count, 40) if kind == "symbols" else 40


# -- parameter readers ----------------------------------------------------------------------------------


def _symbol(params: Params) -> str:
    symbol = params.symbol()
    if symbol is None:  # pragma: no cover - a required getter raises instead
        raise mandatory("symbol")
    return symbol


def _limit(params: Params, default: int, maximum: int) -> int:
    """`limit` (>= 1, else -1130); above `maximum` answers `maximum` entries, as Binance does."""
    limit = params.integer("limit", minimum=1)
    return default if limit is None else min(limit, maximum)


def _timestamp(params: Params, name: str, *, required: bool = False) -> int | None:
    """A time parameter in milliseconds (Binance also takes microseconds)."""
    value = params.integer(name, required=required)
    if value is not None and value >= _MICROSECONDS:
        return value // 1000
    return value


def _symbol_status(params: Params) -> str | None:
    status = params.text("symbolStatus")
    if status is not None and status not in SYMBOL_STATUSES:
        raise SimError(-1122, "Invalid symbolStatus.")
    return status


def _full_ticker(params: Params) -> bool:
    kind = params.text("type")
    if kind is not None and kind not in ("FULL", "MINI"):
        raise SimError(-1139, "Invalid ticker type.")
    return kind != "MINI"


def _time_zone(params: Params) -> int:
    """`timeZone` ("-1:00", "05:45", "0", "8"; within [-12:00, +14:00]) as an offset in ms."""
    raw = params.text("timeZone")
    if raw is None:
        return 0
    match = _TIME_ZONE.fullmatch(raw)
    if match is not None:
        hours, minutes = int(match[2]), int(match[3] or 0)
        total = (hours * 60 + minutes) * (-1 if match[1] == "-" else 1)
        if minutes < 60 and -12 * 60 <= total <= 14 * 60:
            return total * 60_000
    raise _invalid("timeZone")


def _permissions(params: Params) -> list[str] | None:
    """`permissions`: one value (``SPOT``) or a JSON array (``["MARGIN","LEVERAGED"]``)."""
    raw = params.text("permissions")
    if raw is None:
        return None
    if raw.startswith("["):
        try:
            items = json_strings(raw)
        except msgspec.ValidationError:  # JSON, but not an array of strings
            raise mandatory("permissions") from None
        except msgspec.DecodeError:
            raise SimError(-1100, "Illegal characters found in parameter 'permissions'.") from None
        if not items:
            raise mandatory("permissions")
    else:
        items = [raw]
    if not all(_PERMISSION.fullmatch(item) for item in items):
        raise _invalid("permissions")
    return items


@dataclass(frozen=True)
class _Selection:
    """The symbols a request is about; `single` when it sent `symbol` (answer an object), `named` when it
    sent `symbol` or `symbols` (rather than meaning every symbol)."""

    names: list[str]
    single: bool
    named: bool


def _select(params: Params, market: Market, *, required: bool, max_symbols: int | None = None) -> _Selection:
    """`symbol` xor `symbols` (-1128 for both); neither is every symbol, or -1102 when one is `required`."""
    symbol = params.symbol(required=False)
    symbols = params.symbols()
    if symbol is not None and symbols is not None:
        raise _bad_combination()
    if symbol is not None:
        market.require(symbol)
        return _Selection([symbol], single=True, named=True)
    if symbols is not None:
        if max_symbols is not None and len(symbols) > max_symbols:
            raise SimError(
                -1101, f"Too many values sent for parameter 'symbols', maximum allowed up to {max_symbols}."
            )
        for name in symbols:
            market.require(name)
        return _Selection(symbols, single=False, named=True)
    if required:
        raise SimError(-1102, "Param 'symbol' or 'symbols' must be sent, but both were empty/null!")
    return _Selection(market.symbol_names(), single=False, named=False)


def _with_status(selection: _Selection, status: str | None, market: Market) -> _Selection:
    """Apply `symbolStatus`: a single symbol must match (-1220); lists keep the matching symbols."""
    if status is None:
        return selection
    if selection.single:
        _require_status(market, selection.names[0], status)
        return selection
    matching = [name for name in selection.names if market.status(name) == status]
    return _Selection(matching, single=False, named=selection.named)


def _require_status(market: Market, symbol: str, status: str | None) -> None:
    if status is not None and market.status(symbol) != status:
        raise SimError(-1220, "The symbol's status does not match the requested symbolStatus.")


def _answer(selection: _Selection, body: Callable[[str], JsonObject]) -> JsonObject | list[JsonObject]:
    if selection.single:
        return body(selection.names[0])
    return [body(name) for name in selection.names]


# -- handlers -------------------------------------------------------------------------------------------


class _Endpoints:
    """One method per endpoint; each reads its parameters, then asks the market."""

    def __init__(self, market: Market) -> None:
        self.market = market

    def ping(self, call: Call) -> JsonObject:
        return {}

    def time(self, call: Call) -> JsonObject:
        return {"serverTime": self.market.clock.now_ms()}

    def exchange_info(self, call: Call) -> JsonObject | bytes:
        params = call.params
        symbol = params.symbol(required=False)
        symbols = params.symbols()
        permissions = _permissions(params)
        show_permission_sets = params.boolean("showPermissionSets")
        status = _symbol_status(params)
        if symbol is not None and symbols is not None:
            raise _bad_combination()
        names = [symbol] if symbol is not None else symbols
        if names is not None and (permissions is not None or status is not None):
            raise _bad_combination()
        if names is None and permissions is None and status is None and show_permission_sets is not False:
            return self.market.exchange_info_json()  # the whole exchange: encoded once, not per request
        return self.market.exchange_info_body(names, permissions, status, show_permission_sets is not False)

    def execution_rules(self, call: Call) -> JsonObject:
        params = call.params
        selection = _select(params, self.market, required=False)
        status = _symbol_status(params)
        if selection.named and status is not None:  # at most one of symbol, symbols, symbolStatus
            raise _bad_combination()
        return self.market.execution_rules_body(_with_status(selection, status, self.market).names)

    def depth(self, call: Call) -> JsonObject:
        params = call.params
        symbol = _symbol(params)
        limit = _limit(params, 100, 5000)
        status = _symbol_status(params)
        _require_status(self.market, symbol, status)
        return self.market.depth_body(symbol, limit)

    def trades(self, call: Call) -> list[JsonObject]:
        params = call.params
        symbol = _symbol(params)
        return self.market.trades_body(symbol, _limit(params, 500, 1000))

    def historical_trades(self, call: Call) -> list[JsonObject]:
        params = call.params
        symbol = _symbol(params)
        limit = _limit(params, 500, 1000)
        return self.market.trades_body(symbol, limit, params.integer("fromId"))

    def historical_block_trades(self, call: Call) -> list[JsonObject]:
        params = call.params
        symbol = _symbol(params)
        from_id = params.integer("fromId", required=True)
        limit = _limit(params, 500, 1000)
        assert from_id is not None
        return self.market.block_trades_body(symbol, from_id, limit)

    def agg_trades(self, call: Call) -> list[JsonObject]:
        params = call.params
        symbol = _symbol(params)
        from_id = params.integer("fromId")
        start = _timestamp(params, "startTime")
        end = _timestamp(params, "endTime")
        limit = _limit(params, 500, 1000)
        return self.market.agg_trades_body(symbol, from_id, start, end, limit)

    def klines(self, call: Call) -> list[list[Any]]:
        params = call.params
        symbol = _symbol(params)
        interval = INTERVALS.get(params.text("interval", required=True) or "")
        start = _timestamp(params, "startTime")
        end = _timestamp(params, "endTime")
        offset = _time_zone(params)
        limit = _limit(params, 500, 1000)
        if interval is None:
            raise SimError(-1120, "Invalid interval.")
        return self.market.klines_body(symbol, interval, start, end, limit, offset)

    def avg_price(self, call: Call) -> JsonObject:
        return self.market.avg_price_body(_symbol(call.params))

    def ticker_24hr(self, call: Call) -> JsonObject | list[JsonObject]:
        params = call.params
        selection = _select(params, self.market, required=False)
        full = _full_ticker(params)
        selection = _with_status(selection, _symbol_status(params), self.market)
        return _answer(selection, lambda name: self.market.ticker_24hr_body(name, full))

    def ticker_trading_day(self, call: Call) -> JsonObject | list[JsonObject]:
        params = call.params
        selection = _select(params, self.market, required=True, max_symbols=MAX_TICKER_SYMBOLS)
        offset = _time_zone(params)
        full = _full_ticker(params)
        selection = _with_status(selection, _symbol_status(params), self.market)
        return _answer(selection, lambda name: self.market.trading_day_body(name, offset, full))

    def ticker_price(self, call: Call) -> JsonObject | list[JsonObject]:
        params = call.params
        selection = _select(params, self.market, required=False)
        selection = _with_status(selection, _symbol_status(params), self.market)
        return _answer(selection, self.market.price_ticker_body)

    def book_ticker(self, call: Call) -> JsonObject | list[JsonObject]:
        params = call.params
        selection = _select(params, self.market, required=False)
        selection = _with_status(selection, _symbol_status(params), self.market)
        return _answer(selection, self.market.book_ticker_body)

    def rolling_ticker(self, call: Call) -> JsonObject | list[JsonObject]:
        params = call.params
        selection = _select(params, self.market, required=True, max_symbols=MAX_TICKER_SYMBOLS)
        window = WINDOW_SIZES[params.enum("windowSize", WINDOW_SIZES) or "1d"]
        full = _full_ticker(params)
        selection = _with_status(selection, _symbol_status(params), self.market)
        return _answer(selection, lambda name: self.market.rolling_ticker_body(name, window, full))

    def reference_price(self, call: Call) -> JsonObject:
        return self.market.reference_price_body(_symbol(call.params))

    def reference_price_calculation(self, call: Call) -> JsonObject:
        params = call.params
        symbol = _symbol(params)
        status = _symbol_status(params)
        _require_status(self.market, symbol, status)
        return self.market.reference_calculation_body(symbol)


def market_routes(market: Market) -> list[Route]:
    """The public market data endpoints, served from `market`."""
    e = _Endpoints(market)
    return [
        Route("GET", "/api/v3/ping", e.ping, 1),
        Route("GET", "/api/v3/time", e.time, 1),
        Route("GET", "/api/v3/exchangeInfo", e.exchange_info, 20),
        Route("GET", "/api/v3/executionRules", e.execution_rules, execution_rules_weight),
        Route("GET", "/api/v3/depth", e.depth, depth_weight),
        Route("GET", "/api/v3/trades", e.trades, 25),
        Route("GET", "/api/v3/historicalTrades", e.historical_trades, 25),
        Route("GET", "/api/v3/historicalBlockTrades", e.historical_block_trades, 25),
        Route("GET", "/api/v3/aggTrades", e.agg_trades, 4),
        Route("GET", "/api/v3/klines", e.klines, 2),
        Route("GET", "/api/v3/uiKlines", e.klines, 2),
        Route("GET", "/api/v3/avgPrice", e.avg_price, 2),
        Route("GET", "/api/v3/ticker/24hr", e.ticker_24hr, ticker_24hr_weight),
        Route("GET", "/api/v3/ticker/tradingDay", e.ticker_trading_day, per_symbol_weight),
        Route("GET", "/api/v3/ticker/price", e.ticker_price, price_ticker_weight),
        Route("GET", "/api/v3/ticker/bookTicker", e.book_ticker, price_ticker_weight),
        Route("GET", "/api/v3/ticker", e.rolling_ticker, per_symbol_weight),
        Route("GET", "/api/v3/referencePrice", e.reference_price, 2),
        Route("GET", "/api/v3/referencePrice/calculation", e.reference_price_calculation, 2),
    ]
