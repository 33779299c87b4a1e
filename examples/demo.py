"""A tour of binance-async against the embedded Binance simulator (no keys, no network).

    python examples/demo.py                 # starts a simulator on 127.0.0.1 and talks to it
    BINANCE_API_KEY=... BINANCE_API_SECRET=... python examples/demo.py --testnet

It reads market data (exchange rules, prices, the order book, candles, 24 h statistics) with a fan-out
of concurrent requests, then trades: balances, the symbol's rules, a test order, a LIMIT order that
rests, its status and its cancel, and a MARKET order that fills. The rate limiter's state is printed
at the end.
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

    await trade(client, btc.symbol)

    for window in client.limiter.state():
        per = f"{window.interval_num} {window.interval}"
        print(f"limiter {window.limit_type} per {per}: {window.used}/{window.limit}")


async def trade(client: SpotClient, symbol: str) -> None:
    """The signed part: balances, rules, a test order, a resting LIMIT order and its cancel, a MARKET fill."""
    account = await client.account(omit_zero_balances=True)
    print(f"balances: {', '.join(f'{b.asset} {b.free}' for b in account.balances)}")
    rules = await client.symbol_rules(symbol)
    print(f"{symbol} rules: {rules!r}")
    bid = (await client.book_ticker(symbol)).bid_price
    price = rules.round_price(bid * Decimal("0.97"), "BUY")  # below the market: it rests
    quantity = rules.round_quantity(Decimal("0.0015"))
    await client.test_new_order(
        symbol, "BUY", "LIMIT", time_in_force="GTC", quantity=quantity, price=price, validate=True
    )
    print("test order accepted (validated locally and by Binance, not placed)")
    order = await client.new_order(
        symbol, "BUY", "LIMIT", time_in_force="GTC", quantity=quantity, price=price, validate=True
    )
    print(f"LIMIT BUY {order.orig_qty} @ {order.price}: {order.status} (client id {order.client_order_id})")
    status = await client.get_order(symbol, orig_client_order_id=order.client_order_id)
    print(f"  status {status.status}; open orders: {len(await client.open_orders(symbol))}")
    canceled = await client.cancel_order(symbol, orig_client_order_id=order.client_order_id)
    print(f"  canceled: {canceled.status}")
    filled = await client.new_order(symbol, "BUY", "MARKET", quantity=quantity, validate=True)
    fees = ", ".join(f"{f.commission} {f.commission_asset}" for f in filled.fills)
    print(
        f"MARKET BUY {filled.executed_qty}: {filled.status}, paid {filled.cumulative_quote_qty} (fees {fees})"
    )
    after = await client.account(omit_zero_balances=True)
    base, quote = rules.base_asset, rules.quote_asset
    for asset in (base, quote):
        print(f"  {asset}: {account.balance(asset).free} -> {after.balance(asset).free}")


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
