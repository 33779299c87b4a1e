"""Deterministic, realistic Binance Spot response payloads for the benchmark server.

Everything here is generated from a seeded RNG so that every run of the benchmark serves
byte-for-byte comparable bodies (apart from ``serverTime``).  Bodies are serialised compactly,
the way api.binance.com sends them.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from typing import Any

# Illustrative key pair from the Binance docs (public, not a real credential).
API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
API_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

DEFAULT_SYMBOLS = 3000
DEFAULT_DEPTH_LEVELS = 5000
# Number of TRD_GRP_xxx entries per permission set; tuned so that 3000 symbols give ~7.5 MB.
DEFAULT_TRADE_GROUPS = 47
# Assets in GET /api/v3/account (an account that has traded a while: a few dozen, mostly dust).
DEFAULT_BALANCES = 40

JSON = dict[str, Any]

ORDER_TYPES = [
    "LIMIT",
    "LIMIT_MAKER",
    "MARKET",
    "STOP_LOSS",
    "STOP_LOSS_LIMIT",
    "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
]
STP_MODES = ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT", "TRANSFER"]

# Generous limits: a correct client-side limiter must never make a request wait in the benchmark.
RATE_LIMITS: list[JSON] = [
    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 100_000_000},
    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 1_000_000},
    {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 100_000_000},
    {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 100_000_000},
]

EXCHANGE_FILTERS: list[JSON] = [
    {"filterType": "EXCHANGE_MAX_NUM_ORDERS", "maxNumOrders": 1000},
    {"filterType": "EXCHANGE_MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 200},
    {"filterType": "EXCHANGE_MAX_NUM_ICEBERG_ORDERS", "maxNumIcebergOrders": 10000},
    {"filterType": "EXCHANGE_MAX_NUM_ORDER_LISTS", "maxNumOrderLists": 20},
]

# (quote asset, typical price scale of a base asset in that quote)
QUOTES: list[tuple[str, float]] = [
    ("USDT", 1.0),
    ("BTC", 1.0 / 65000.0),
    ("ETH", 1.0 / 3200.0),
    ("BNB", 1.0 / 580.0),
    ("FDUSD", 1.0),
    ("USDC", 1.0),
    ("TRY", 33.0),
    ("EUR", 0.92),
    ("BRL", 5.1),
    ("JPY", 155.0),
    ("TUSD", 1.0),
    ("DAI", 1.0),
    ("ARS", 900.0),
    ("PLN", 3.9),
    ("ZAR", 18.0),
    ("MXN", 17.0),
]

REAL_BASES: list[tuple[str, float]] = [
    ("BTC", 65000.0),
    ("ETH", 3200.0),
    ("BNB", 580.0),
    ("SOL", 150.0),
    ("XRP", 0.52),
    ("DOGE", 0.15),
    ("ADA", 0.45),
    ("TRX", 0.12),
    ("AVAX", 35.0),
    ("SHIB", 0.000024),
    ("DOT", 7.0),
    ("LINK", 14.0),
    ("MATIC", 0.7),
    ("LTC", 80.0),
    ("BCH", 450.0),
    ("UNI", 9.0),
    ("NEAR", 6.0),
    ("ATOM", 8.5),
    ("XLM", 0.11),
    ("ETC", 27.0),
    ("FIL", 5.5),
    ("APT", 9.0),
    ("ARB", 1.1),
    ("OP", 2.4),
    ("INJ", 25.0),
    ("SUI", 1.1),
    ("PEPE", 0.000011),
    ("WLD", 5.0),
    ("AAVE", 90.0),
    ("MKR", 2800.0),
]

PERMISSIONS_HEAD = ["SPOT", "MARGIN"]
# Majors are quoted in "bigger" majors only (there is no BTCETH market).
MAJORS = {"BTC": {"ETH", "BNB"}, "ETH": {"BNB"}}


@dataclass(frozen=True)
class Payloads:
    """Pre-serialised response bodies."""

    ticker_price: bytes
    depth: bytes
    exchange_info: bytes
    ping: bytes
    order_test: bytes
    n_symbols: int
    depth_levels: int
    # Added for ``python -m benchmarks`` (bench_pipeline does not use them).
    exchange_info_one: bytes = b""  # exchangeInfo?symbol=BTCUSDT: one symbol, the same rateLimits
    account: bytes = b""  # GET /api/v3/account


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _fmt(value: float, decimals: int = 8) -> str:
    return f"{value:.{decimals}f}"


def _tick_for(price: float) -> float:
    """A Binance-like tick size: roughly 7 significant digits of price resolution, min 1e-8."""
    tick = 1e-8
    while tick * 10_000_000 < price and tick < 1.0:
        tick *= 10
    return tick


def _step_for(price: float) -> float:
    """Quantity step: expensive assets trade in small steps, cheap ones in whole units."""
    if price >= 1000:
        return 1e-5
    if price >= 10:
        return 1e-3
    if price >= 0.1:
        return 0.1
    return 1.0


def _symbol_filters(price: float, rng: random.Random) -> list[JSON]:
    tick = _tick_for(price)
    step = _step_for(price)
    filters: list[JSON] = [
        {
            "filterType": "PRICE_FILTER",
            "minPrice": _fmt(tick),
            "maxPrice": _fmt(min(price * 1000, 9_000_000.0)),
            "tickSize": _fmt(tick),
        },
        {
            "filterType": "LOT_SIZE",
            "minQty": _fmt(step),
            "maxQty": _fmt(9_000.0 if price >= 1000 else 92_141_578.0),
            "stepSize": _fmt(step),
        },
        {"filterType": "ICEBERG_PARTS", "limit": 100},
        {
            "filterType": "MARKET_LOT_SIZE",
            "minQty": _fmt(0.0),
            "maxQty": _fmt(round(rng.uniform(50, 900_000), 2)),
            "stepSize": _fmt(0.0),
        },
        {
            "filterType": "TRAILING_DELTA",
            "minTrailingAboveDelta": 10,
            "maxTrailingAboveDelta": 2000,
            "minTrailingBelowDelta": 10,
            "maxTrailingBelowDelta": 2000,
        },
        {
            "filterType": "PERCENT_PRICE_BY_SIDE",
            "bidMultiplierUp": "5",
            "bidMultiplierDown": "0.2",
            "askMultiplierUp": "5",
            "askMultiplierDown": "0.2",
            "avgPriceMins": 5,
        },
        {
            "filterType": "NOTIONAL",
            "minNotional": _fmt(rng.choice([1.0, 5.0, 10.0])),
            "applyMinToMarket": True,
            "maxNotional": _fmt(9_000_000.0),
            "applyMaxToMarket": False,
            "avgPriceMins": 5,
        },
        {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
        {"filterType": "MAX_NUM_ORDER_LISTS", "maxNumOrderLists": 20},
        {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
        {"filterType": "MAX_NUM_ORDER_AMENDS", "maxNumOrderAmends": 10},
    ]
    if rng.random() < 0.1:
        filters.append({"filterType": "MAX_NUM_ICEBERG_ORDERS", "maxNumIcebergOrders": 5})
    if rng.random() < 0.05:
        filters.append({"filterType": "MAX_POSITION", "maxPosition": _fmt(rng.uniform(10, 1000))})
    return filters


def _symbol_names(n: int, rng: random.Random) -> list[tuple[str, str, float]]:
    """``n`` unique (base, quote, price) triples; real majors first, then synthetic tokens."""
    out: list[tuple[str, str, float]] = [("ETH", "BTC", 3200.0 / 65000.0), ("BTC", "USDT", 65000.0)]
    seen = {"ETHBTC", "BTCUSDT"}
    bases = list(REAL_BASES)
    i = 0
    while len(bases) < n:  # synthetic long tail: "AAA0", "AAB1", ...
        name = "".join(chr(65 + (i // 26**k) % 26) for k in (2, 1, 0)) + str(i % 10)
        bases.append((name, 10 ** rng.uniform(-5, 3)))
        i += 1
    for base, base_price in bases:
        n_quotes = rng.randint(2, 6) if (base, base_price) in REAL_BASES else rng.randint(1, 3)
        for quote, scale in QUOTES[:n_quotes]:
            sym = base + quote
            if base == quote or sym in seen or (base in MAJORS and quote in MAJORS[base]):
                continue
            seen.add(sym)
            out.append((base, quote, base_price * scale))
            if len(out) >= n:
                return out
    return out


def exchange_info_obj(
    n_symbols: int = DEFAULT_SYMBOLS, trade_groups: int = DEFAULT_TRADE_GROUPS, seed: int = 7
) -> JSON:
    rng = random.Random(seed)
    symbols: list[JSON] = []
    for base, quote, price in _symbol_names(n_symbols, rng):
        status = "TRADING" if rng.random() < 0.8 else ("BREAK" if rng.random() < 0.95 else "HALT")
        groups = sorted(rng.sample(range(2, 240), trade_groups))
        margin = rng.random() < 0.4
        symbols.append(
            {
                "symbol": base + quote,
                "status": status,
                "baseAsset": base,
                "baseAssetPrecision": 8,
                "quoteAsset": quote,
                "quotePrecision": 8,
                "quoteAssetPrecision": 8,
                "baseCommissionPrecision": 8,
                "quoteCommissionPrecision": 8,
                "orderTypes": ORDER_TYPES,
                "icebergAllowed": True,
                "ocoAllowed": True,
                "otoAllowed": True,
                "opoAllowed": rng.random() < 0.5,
                "quoteOrderQtyMarketAllowed": True,
                "allowTrailingStop": True,
                "cancelReplaceAllowed": True,
                "amendAllowed": True,
                "pegInstructionsAllowed": rng.random() < 0.5,
                "isSpotTradingAllowed": True,
                "isMarginTradingAllowed": margin,
                "filters": _symbol_filters(price, rng),
                "permissions": [],
                "permissionSets": [
                    (PERMISSIONS_HEAD if margin else ["SPOT"]) + [f"TRD_GRP_{g:03d}" for g in groups]
                ],
                "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
                "allowedSelfTradePreventionModes": STP_MODES,
            }
        )
    return {
        "timezone": "UTC",
        "serverTime": int(time.time() * 1000),
        "rateLimits": RATE_LIMITS,
        "exchangeFilters": EXCHANGE_FILTERS,
        "symbols": symbols,
        "sors": [{"baseAsset": "BTC", "symbols": ["BTCUSDT", "BTCUSDC", "BTCFDUSD"]}],
    }


def depth_obj(levels: int = DEFAULT_DEPTH_LEVELS, mid: float = 65000.0, seed: int = 11) -> JSON:
    rng = random.Random(seed)
    tick = 0.01
    bids = [[_fmt(mid - tick * (i + 1)), _fmt(rng.uniform(0.00001, 5.0))] for i in range(levels)]
    asks = [[_fmt(mid + tick * i), _fmt(rng.uniform(0.00001, 5.0))] for i in range(levels)]
    return {"lastUpdateId": 51_234_567_890, "bids": bids, "asks": asks}


def account_obj(n_balances: int = DEFAULT_BALANCES, seed: int = 13) -> JSON:
    """``GET /api/v3/account`` of an active account: `n_balances` assets, most of them dust."""
    rng = random.Random(seed)
    assets = [base for base, _ in REAL_BASES] + [quote for quote, _ in QUOTES]
    assets = list(dict.fromkeys(assets))  # unique, stable order
    while len(assets) < n_balances:
        assets.append(f"TKN{len(assets)}")
    balances = [
        {
            "asset": asset,
            "free": _fmt(10 ** rng.uniform(-6, 4)),
            "locked": _fmt(rng.uniform(0, 2) if rng.random() < 0.2 else 0.0),
        }
        for asset in assets[:n_balances]
    ]
    return {
        "makerCommission": 10,
        "takerCommission": 10,
        "buyerCommission": 0,
        "sellerCommission": 0,
        "commissionRates": {
            "maker": "0.00100000",
            "taker": "0.00100000",
            "buyer": "0.00000000",
            "seller": "0.00000000",
        },
        "canTrade": True,
        "canWithdraw": True,
        "canDeposit": True,
        "brokered": False,
        "requireSelfTradePrevention": False,
        "preventSor": False,
        "updateTime": 1_732_406_400_000,
        "accountType": "SPOT",
        "balances": balances,
        "permissions": ["SPOT"],
        "uid": 354_937_868,
    }


def build(
    n_symbols: int = DEFAULT_SYMBOLS,
    depth_levels: int = DEFAULT_DEPTH_LEVELS,
    trade_groups: int = DEFAULT_TRADE_GROUPS,
) -> Payloads:
    info = exchange_info_obj(n_symbols, trade_groups)
    one = dict(info, symbols=[s for s in info["symbols"] if s["symbol"] == "BTCUSDT"])
    return Payloads(
        ticker_price=_dumps({"symbol": "BTCUSDT", "price": "65012.34000000"}),
        depth=_dumps(depth_obj(depth_levels)),
        exchange_info=_dumps(info),
        ping=b"{}",
        order_test=b"{}",
        n_symbols=n_symbols,
        depth_levels=depth_levels,
        exchange_info_one=_dumps(one),
        account=_dumps(account_obj()),
    )


if __name__ == "__main__":
    t0 = time.perf_counter()
    p = build()
    print(f"built in {time.perf_counter() - t0:.2f}s")
    for name in ("ticker_price", "depth", "exchange_info", "exchange_info_one", "account"):
        print(f"{name}: {len(getattr(p, name)):,} bytes")
