"""The official REST HMAC example (binance-spot-api-docs, rest-api.md) and a simulator configuration in
which its order passes every filter: shared by the app's tests and the client's HTTP tests.
"""

from __future__ import annotations

from decimal import Decimal

from binance_async.sim.config import DEFAULT_SYMBOLS, ApiKey, SimConfig, SymbolSpec

# The official REST HMAC example key pair (binance-spot-api-docs, rest-api.md).
VECTOR_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
VECTOR_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
VECTOR_TIMESTAMP = 1499827319559
VECTOR_QUERY = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559"
)
VECTOR_SIGNATURE = (
    "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"  # from the docs, verbatim
)
# A market in which the docs' example order (buy 1 LTC at 0.1 BTC) passes every filter.
LTCBTC = SymbolSpec(
    "LTCBTC",
    "LTC",
    "BTC",
    Decimal("0.100000"),
    Decimal("0.000001"),
    Decimal("0.01"),
    Decimal("0.01"),
    min_notional=Decimal("0.0001"),
    max_notional=Decimal("100"),
)


def small_config(**changes: object) -> SimConfig:
    config = SimConfig(
        book_levels=200,
        symbols=(*DEFAULT_SYMBOLS, LTCBTC),
        api_keys=[ApiKey(VECTOR_KEY, hmac_secret=VECTOR_SECRET)],
    )
    for name, value in changes.items():
        setattr(config, name, value)
    return config
