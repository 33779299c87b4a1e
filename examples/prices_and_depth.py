"""Prices and order books for every symbol at once: a bounded fan-out of concurrent requests.

    python examples/prices_and_depth.py                    # simulator with 200 extra symbols
    python examples/prices_and_depth.py --concurrency 20 --depth-limit 500
    BINANCE_API_KEY=... BINANCE_API_SECRET=... python examples/prices_and_depth.py   # Spot Testnet

It reads exchangeInfo, then asks for the latest price and the order book of every TRADING symbol,
with at most ``--concurrency`` requests in flight (an ``asyncio.Semaphore``). The client's rate
limiter charges each request its weight (price 2, depth 5 up to limit 100) before sending, and
would hold requests back rather than go over Binance's limit; the used weight is printed at the end.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

from _connect import connect, parser

from binance_async import SpotClient
from binance_async.sim import SimConfig
from binance_async.spot.models import Depth, TickerPrice


async def price_and_book(
    client: SpotClient, symbol: str, depth_limit: int, slots: asyncio.Semaphore
) -> tuple[TickerPrice, Depth]:
    async with slots:
        return await asyncio.gather(client.ticker_price(symbol), client.depth(symbol, limit=depth_limit))


def spread_bps(book: Depth) -> Decimal | None:
    """The bid/ask spread in basis points of the mid price."""
    bid, ask = book.best_bid(), book.best_ask()
    if bid is None or ask is None:
        return None
    return (ask[0] - bid[0]) / ((ask[0] + bid[0]) / 2) * 10_000


async def run(client: SpotClient, concurrency: int, depth_limit: int, max_symbols: int | None) -> None:
    info = await client.exchange_info()
    symbols = [s.symbol for s in info.symbols if s.status == "TRADING"][:max_symbols]
    print(f"exchangeInfo: {len(info.symbols)} symbols, {len(symbols)} of them queried")

    slots = asyncio.Semaphore(concurrency)
    started = time.perf_counter()
    results = await asyncio.gather(*(price_and_book(client, s, depth_limit, slots) for s in symbols))
    elapsed = time.perf_counter() - started
    requests = 2 * len(results)
    print(
        f"prices and depth({depth_limit}) for {len(results)} symbols: {requests} requests in "
        f"{elapsed:.2f} s ({requests / elapsed:.0f} req/s, at most {concurrency} in flight)"
    )

    print(f"{'symbol':<12} {'price':>16} {'best bid':>16} {'best ask':>16} {'spread':>10}")
    for price, book in results[:8]:
        bid, ask, spread = book.best_bid(), book.best_ask(), spread_bps(book)
        print(
            f"{price.symbol:<12} {price.price:>16} {bid[0] if bid else '-':>16} {ask[0] if ask else '-':>16}"
            f" {f'{spread:.3f} bp' if spread is not None else '-':>10}"
        )
    spreads = [(s, p.symbol) for p, book in results if (s := spread_bps(book)) is not None]
    if spreads:
        widest, symbol = max(spreads)
        print(f"{len(spreads)} books with both sides; widest spread {widest:.3f} bp ({symbol})")

    every = await client.ticker_price()  # all prices in one request: weight 4 instead of 2 per symbol
    print(f"one ticker_price() call for every symbol instead: {len(every)} prices")

    for window in client.limiter.state():
        per = f"{window.interval_num} {window.interval}"
        print(f"limiter {window.limit_type} per {per}: {window.used}/{window.limit} used")


async def main() -> None:
    options = parser(__doc__)
    options.add_argument("--concurrency", type=int, default=50, help="requests in flight at most (50)")
    options.add_argument("--depth-limit", type=int, default=100, help="order book levels per side (100)")
    options.add_argument("--max-symbols", type=int, default=None, help="query only the first N symbols")
    options.add_argument("--extra-symbols", type=int, default=200, help="simulator: generated symbols (200)")
    args = options.parse_args()
    async with connect(args, SimConfig(extra_symbols=args.extra_symbols)) as client:
        await run(client, args.concurrency, args.depth_limit, args.max_symbols)


if __name__ == "__main__":
    asyncio.run(main())
