"""What a simulated exchange looks like: its symbols, its keys, its limits. Deterministic from `seed`.

The simulator deliberately shares no code with the client (beyond aiohttp): the two must not be
able to agree on the same mistake.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_SYMBOLS",
    "ApiKey",
    "LimitSpec",
    "SimConfig",
    "SymbolSpec",
    "WsApiSettings",
]


@dataclass(frozen=True)
class SymbolSpec:
    """One market: prices around `mid_price`, quantities in steps of `step_size`."""

    symbol: str
    base_asset: str
    quote_asset: str
    mid_price: Decimal
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal = Decimal("9000")
    min_notional: Decimal = Decimal("5")
    max_notional: Decimal = Decimal("9000000")
    base_precision: int = 8
    quote_precision: int = 8
    status: str = "TRADING"


DEFAULT_SYMBOLS: tuple[SymbolSpec, ...] = (
    SymbolSpec(
        "BTCUSDT", "BTC", "USDT", Decimal("65000.00"), Decimal("0.01"), Decimal("0.00001"), Decimal("0.00001")
    ),
    SymbolSpec(
        "ETHUSDT", "ETH", "USDT", Decimal("3200.00"), Decimal("0.01"), Decimal("0.0001"), Decimal("0.0001")
    ),
    SymbolSpec(
        "BNBUSDT", "BNB", "USDT", Decimal("580.0"), Decimal("0.1"), Decimal("0.001"), Decimal("0.001")
    ),
    SymbolSpec(
        "ETHBTC",
        "ETH",
        "BTC",
        Decimal("0.04920"),
        Decimal("0.00001"),
        Decimal("0.0001"),
        Decimal("0.0001"),
        min_notional=Decimal("0.0001"),
        max_notional=Decimal("100"),
    ),
    SymbolSpec(
        "BNBBTC",
        "BNB",
        "BTC",
        Decimal("0.008900"),
        Decimal("0.000001"),
        Decimal("0.001"),
        Decimal("0.001"),
        min_notional=Decimal("0.0001"),
        max_notional=Decimal("100"),
    ),
)


@dataclass(frozen=True)
class LimitSpec:
    """One fixed-window limit, as in exchangeInfo's ``rateLimits``."""

    rate_limit_type: str  # REQUEST_WEIGHT, RAW_REQUESTS, ORDERS
    interval: str  # SECOND, MINUTE, HOUR, DAY
    interval_num: int
    limit: int


DEFAULT_LIMITS: tuple[LimitSpec, ...] = (
    LimitSpec("REQUEST_WEIGHT", "MINUTE", 1, 6000),
    LimitSpec("ORDERS", "SECOND", 10, 100),
    LimitSpec("ORDERS", "DAY", 1, 200000),
    LimitSpec("RAW_REQUESTS", "MINUTE", 5, 300000),
)


@dataclass(frozen=True)
class ApiKey:
    """An API key and how its requests are signed: an HMAC secret, or an Ed25519/RSA public key (PEM)."""

    key: str
    hmac_secret: str | None = None
    public_key_pem: str | None = None
    account: str = "default"
    can_trade: bool = True

    def __repr__(self) -> str:
        kind = "HMAC" if self.hmac_secret is not None else "public key"
        return f"ApiKey(key=<hidden>, {kind}, account={self.account!r})"


def generated_key() -> ApiKey:
    """A fresh random HMAC key pair in Binance's format (64 alphanumerics each)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    key = "".join(secrets.choice(alphabet) for _ in range(64))
    secret = "".join(secrets.choice(alphabet) for _ in range(64))
    return ApiKey(key=key, hmac_secret=secret)


@dataclass
class SimConfig:
    """Everything that makes one simulated exchange. Small limits and windows make fast tests."""

    seed: int = 1
    symbols: tuple[SymbolSpec, ...] = DEFAULT_SYMBOLS
    #: Extra generated symbols (e.g. 3000) for benchmarks of a realistic exchangeInfo.
    extra_symbols: int = 0
    #: Resting orders on each side of every book (enough for depth(limit=5000)).
    book_levels: int = 5000
    api_keys: list[ApiKey] = field(default_factory=lambda: [generated_key()])
    limits: tuple[LimitSpec, ...] = DEFAULT_LIMITS
    #: First ban (HTTP 418) length; repeat offenders get twice the previous ban, up to `max_ban_seconds`.
    ban_seconds: float = 120.0
    max_ban_seconds: float = 3 * 24 * 3600.0
    #: Requests answered 429 in one window before the IP is banned (418).
    requests_before_ban: int = 20
    #: Starting balances of every account.
    balances: dict[str, Decimal] = field(
        default_factory=lambda: {
            "USDT": Decimal("100000"),
            "BTC": Decimal("2"),
            "ETH": Decimal("20"),
            "BNB": Decimal("100"),
        }
    )
    #: Server time at start (ms); None follows the wall clock.
    start_ms: int | None = None
    #: exchangeInfo's (and myFilters') ``exchangeFilters``, enforced: EXCHANGE_MAX_NUM_ORDERS,
    #: _ALGO_ORDERS, _ICEBERG_ORDERS and _ORDER_LISTS objects, e.g.
    #: ``{"filterType": "EXCHANGE_MAX_NUM_ORDERS", "maxNumOrders": 1000}``. None by default, as on
    #: Binance's exchangeInfo.
    exchange_filters: list[dict[str, Any]] = field(default_factory=list)
    #: myFilters' ``assetFilters`` (MAX_ASSET objects: ``{"filterType": "MAX_ASSET", "asset": "USDT",
    #: "limit": "1000.00000000"}``), enforced for every account. None by default.
    asset_filters: list[dict[str, Any]] = field(default_factory=list)
    #: Market activity (`activity.MarketActivity`): a seeded market-maker's actions per second, started
    #: with the server (seeded from `seed`); 0 (the default) leaves the markets still.
    activity_rate: float = 0.0
    #: The symbols it trades; empty: every symbol.
    activity_symbols: tuple[str, ...] = ()


@dataclass
class WsApiSettings:
    """The WebSocket API's times and limits (``sim.ws_api.settings``), in seconds. Binance's values by
    default; tests shorten them. A connection keeps the times it opened with.

    The transport's timers (pings, the pong timeout, the close handshake, how often lifetimes are checked)
    run on the event loop's clock; the lifetime and the connection-attempt window on the simulator's
    `SimClock`, which a test can `advance`.
    """

    ping_interval: float = 20.0
    pong_timeout: float = 60.0
    close_timeout: float = 2.0
    #: A connection is closed (1001) this long after it opened, on the simulator's clock.
    max_lifetime: float = 24 * 3600.0
    housekeeping_interval: float = 1.0
    #: At most `max_attempts` connection attempts per IP in any `attempt_window` (simulator's clock).
    max_attempts: int = 300
    attempt_window: float = 300.0
    #: What opening a connection costs the IP's REQUEST_WEIGHT.
    connection_weight: int = 2
    #: User data stream subscriptions: active at once, and started over a connection's life.
    max_active_subscriptions: int = 1000
    max_subscriptions: int = 65535
