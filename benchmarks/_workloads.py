"""The workloads and the sides of ``python -m benchmarks`` (shared by the harness and its workers)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Workload:
    name: str
    requests: int
    concurrency: int
    quick_requests: int  # with --quick
    description: str


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload(
            "ticker_seq", 1000, 1, 30, "GET /api/v3/ticker/price?symbol=BTCUSDT, one at a time (latency)"
        ),
        Workload("ticker", 2000, 100, 100, "GET /api/v3/ticker/price?symbol=BTCUSDT"),
        Workload("depth", 200, 20, 10, "GET /api/v3/depth?symbol=BTCUSDT&limit=5000 (~320 KB)"),
        Workload("exchange_info", 20, 1, 2, "GET /api/v3/exchangeInfo (3000 symbols, ~7.5 MB)"),
        Workload("account", 1000, 50, 50, "signed GET /api/v3/account (40 balances)"),
        Workload("order_test", 1000, 50, 50, "signed POST /api/v3/order/test (LIMIT GTC)"),
    )
}

#: The sides, in the order of the tables. "floor" is what every ratio is relative to.
SIDES: tuple[str, ...] = ("floor", "floor_msgspec", "binance_async", "python-binance", "ccxt")
PEERS: tuple[str, ...] = ("python-binance", "ccxt")
OURS = "binance_async"

SIDE_DESCRIPTIONS: dict[str, str] = {
    "floor": "bare aiohttp: session.get + read + json.loads (urlencode + hmac.new when signed)",
    "floor_msgspec": "the same, decoding with msgspec.json into dicts and lists",
    "binance_async": "SpotClient, default configuration (limiter on, typed Structs)",
    "python-binance": "binance.AsyncClient, its own methods",
    "ccxt": "ccxt.async_support.binance, implicit raw endpoint methods, enableRateLimit=False",
}
