"""A tour of binance-async against the embedded Binance simulator (no keys, no network).

    python examples/demo.py                 # starts a simulator on 127.0.0.1 and talks to it
    BINANCE_API_KEY=... BINANCE_API_SECRET=... python examples/demo.py --testnet

It reads market data (exchange rules, prices, the order book, candles, 24 h statistics) with a fan-out
of concurrent requests, then the signed part: the account's balances and a test order. The rate
limiter's state is printed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from decimal import Decimal

from binance_async import TESTNET, BinanceAPIError, SpotClient
from binance_async.sim import Simulator


async def tour(client: SpotClient) -> None:
    await client.ping()
    offset = await client.server_time() - int(time.time() * 1000)
    print(f"server time offset: {offset} ms")

    info = await client.exchange_info()
    symbols = [s.symbol for s in info.symbols[:5]]
    print(f"exchangeInfo: {len(info.symbols)} symbols, e.g. {', '.join(symbols)}")
    btc = info.symbol("BTCUSDT") if any(s.symbol == "BTCUSDT" for s in info.symbols) else info.symbols[0]
    print(f"{btc.symbol} filters: {', '.join(f.filter_type for f in btc.filters())}")

    started = time.perf_counter()
    prices = await asyncio.gather(*(client.ticker_price(symbol) for symbol in symbols * 20))
    elapsed = time.perf_counter() - started
    print(f"{len(prices)} concurrent price requests in {elapsed * 1000:.0f} ms")
    for price in prices[: len(symbols)]:
        print(f"  {price.symbol:10s} {price.price}")

    book = await client.depth(btc.symbol, limit=5000)
    best_bid, best_ask = book.best_bid(), book.best_ask()
    if best_bid and best_ask:
        spread = best_ask[0] - best_bid[0]
        print(f"depth(5000): {len(book.bids)} bids / {len(book.asks)} asks, spread {spread}")

    candles = await client.klines(btc.symbol, "1h", limit=5)
    for candle in candles:
        print(f"  1h candle open {candle.open} close {candle.close} volume {candle.volume}")
    stats = await client.ticker_24hr(btc.symbol)
    print(f"24h: last {stats.last_price}, change {stats.price_change_percent}%, {stats.count} trades")

    account = await client.request("GET", "/api/v3/account", {"omitZeroBalances": True}, signed=True)
    balances = {b["asset"]: Decimal(b["free"]) for b in account["balances"]}
    print(f"balances: {', '.join(f'{asset} {free}' for asset, free in sorted(balances.items()))}")
    order = {"symbol": btc.symbol, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
    order |= {"quantity": Decimal("0.001"), "price": best_bid[0] if best_bid else Decimal("1")}
    await client.request("POST", "/api/v3/order/test", order, signed=True)
    print("test order accepted (signed, validated, not placed)")

    for window in client.limiter.state():
        per = f"{window.interval_num} {window.interval}"
        print(f"limiter {window.limit_type} per {per}: {window.used}/{window.limit}")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--testnet", action="store_true", help="use Spot Testnet with BINANCE_API_KEY/SECRET")
    args = parser.parse_args()
    if args.testnet:
        async with SpotClient(
            os.environ["BINANCE_API_KEY"], os.environ["BINANCE_API_SECRET"], base_url=TESTNET
        ) as c:
            await tour(c)
        return
    async with Simulator() as sim:
        print(f"simulator at {sim.base_url}")
        async with SpotClient(sim.api_key, sim.api_secret, base_url=sim.base_url) as client:
            try:
                await tour(client)
            except BinanceAPIError as error:
                print(f"Binance answered: {error}")
                raise


if __name__ == "__main__":
    asyncio.run(main())
