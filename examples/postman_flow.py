"""The trading walk-through of Binance's official Postman collection, step by step, with the typed client.

    python examples/postman_flow.py                        # against the embedded simulator
    BINANCE_API_KEY=... BINANCE_API_SECRET=... python examples/postman_flow.py   # Spot Testnet

Each step names the request of the collection ("Spot REST API", folders General, Market, Account and
Trade) that it sends: connectivity and server time, exchangeInfo and the symbol's trading rules,
the account's balances, the current price and the book, a test order, a LIMIT order below the market
that rests, its status, the open orders, its cancel, a MARKET order that fills, and the account's
trades. Orders are validated against the symbol's filters before they are sent (``validate=True``).
Where Postman's pre-request script signs a request (HMAC-SHA256 over the query, with a timestamp),
the client does the same. Spend ``--quote-amount`` (default 100) of the quote asset per order.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from decimal import Decimal

from _connect import connect, parser

from binance_async import SpotClient

_numbers = itertools.count(1)


def step(request: str, route: str) -> None:
    """Print the header of the next step: the Postman request's name and what it sends."""
    print(f"\n{next(_numbers):>2}. {request}: {route}")


def amount(value: Decimal) -> str:
    """`value` without trailing zeros or an exponent (Binance sends 8 decimals: 0E-8 is zero)."""
    return format(value.normalize(), "f")


async def flow(client: SpotClient, symbol: str, quote_amount: Decimal) -> None:
    step("Test connectivity", "GET /api/v3/ping")
    await client.ping()
    print("    pong")
    step("Check server time", "GET /api/v3/time")
    offset = await client.server_time() - int(time.time() * 1000)
    print(f"    server time is {offset:+d} ms from ours")

    step("Exchange information", f"GET /api/v3/exchangeInfo?symbol={symbol}")
    info = (await client.exchange_info(symbol)).symbol(symbol)
    print(f"    {info.symbol}: {info.status}, filters {', '.join(f.filter_type for f in info.filters())}")
    rules = await client.symbol_rules(symbol)  # the same filters, decoded for rounding and validation
    base, quote = rules.base_asset, rules.quote_asset

    step("Account information (USER_DATA)", "GET /api/v3/account (signed)")
    start = await client.account(omit_zero_balances=True)
    for asset in (base, quote):
        balance = start.balance(asset)
        print(f"    {asset}: free {amount(balance.free)}, locked {amount(balance.locked)}")

    step("Symbol price ticker", f"GET /api/v3/ticker/price?symbol={symbol}")
    price = (await client.ticker_price(symbol)).price
    print(f"    {symbol} {amount(price)}")
    step("Order book", f"GET /api/v3/depth?symbol={symbol}&limit=10")
    book = await client.depth(symbol, limit=10)
    best_bid, best_ask = book.best_bid(), book.best_ask()
    if best_bid is None or best_ask is None:
        raise SystemExit(f"{symbol} has an empty side in its book: nothing to trade against")
    (bid, bid_qty), (ask, ask_qty) = best_bid, best_ask
    print(f"    best bid {amount(bid_qty)} @ {amount(bid)}, best ask {amount(ask_qty)} @ {amount(ask)}")

    limit_price = rules.round_price(best_bid[0] * Decimal("0.95"), "BUY")  # below the market: it rests
    quantity = rules.round_quantity(quote_amount / price)
    step("Test new order (TRADE)", "POST /api/v3/order/test (signed)")
    await client.test_new_order(
        symbol, "BUY", "LIMIT", time_in_force="GTC", quantity=quantity, price=limit_price, validate=True
    )
    print(f"    LIMIT BUY {quantity} @ {limit_price} GTC: accepted, nothing placed")

    step("New order (TRADE)", "POST /api/v3/order (signed)")
    order = await client.new_order(
        symbol, "BUY", "LIMIT", time_in_force="GTC", quantity=quantity, price=limit_price, validate=True
    )
    print(f"    LIMIT BUY {amount(order.orig_qty)} @ {amount(order.price)}: {order.status}")
    print(f"    order id {order.order_id}, client order id {order.client_order_id}")
    locked = (await client.account(omit_zero_balances=True)).balance(quote).locked
    print(f"    {quote} locked: {amount(start.balance(quote).locked)} -> {amount(locked)}")

    step("Query order (USER_DATA)", "GET /api/v3/order (signed)")
    status = await client.get_order(symbol, orig_client_order_id=order.client_order_id)
    done = f"{amount(status.executed_qty)} of {amount(status.orig_qty)}"
    print(f"    order {status.order_id}: {status.status}, executed {done}")
    step("Current open orders (USER_DATA)", f"GET /api/v3/openOrders?symbol={symbol} (signed)")
    open_orders = await client.open_orders(symbol)
    print(f"    {len(open_orders)} open: {', '.join(str(o.order_id) for o in open_orders)}")

    step("Cancel order (TRADE)", "DELETE /api/v3/order (signed)")
    canceled = await client.cancel_order(symbol, order_id=order.order_id)
    print(f"    order {canceled.order_id}: {canceled.status}")
    print(f"    open orders now: {len(await client.open_orders(symbol))}")

    step("New order (TRADE)", "POST /api/v3/order type=MARKET (signed)")
    market = await client.new_order(symbol, "BUY", "MARKET", quantity=quantity, validate=True)
    paid = f"{amount(market.cumulative_quote_qty)} {quote}"
    print(f"    MARKET BUY {amount(market.executed_qty)}: {market.status}, paid {paid}")
    for fill in market.fills:
        fee = f"{amount(fill.commission)} {fill.commission_asset}"
        print(f"    fill {amount(fill.qty)} @ {amount(fill.price)}, commission {fee}")

    step("Account trade list (USER_DATA)", f"GET /api/v3/myTrades?orderId={market.order_id} (signed)")
    trades = await client.my_trades(symbol, order_id=market.order_id)
    bought = sum((t.qty for t in trades), Decimal(0))
    print(f"    {len(trades)} trade(s), {amount(bought)} {base} bought in all")

    step("Account information (USER_DATA)", "GET /api/v3/account (signed)")
    end = await client.account(omit_zero_balances=True)
    for asset in (base, quote):
        print(f"    {asset}: {amount(start.balance(asset).free)} -> {amount(end.balance(asset).free)}")


async def main() -> None:
    options = parser(__doc__)
    options.add_argument("--symbol", default="BTCUSDT", help="the symbol to trade (BTCUSDT)")
    options.add_argument("--quote-amount", type=Decimal, default=Decimal(100), help="per order (100)")
    args = options.parse_args()
    async with connect(args) as client:
        await flow(client, args.symbol, args.quote_amount)


if __name__ == "__main__":
    asyncio.run(main())
