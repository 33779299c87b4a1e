"""The Postman collection's Spot trading walk-through, with the typed client, against the simulator.

exchangeInfo and trading rules -> balances -> current price -> depth -> test order -> LIMIT order ->
its status -> open orders -> cancel -> a MARKET order that fills, with every balance change checked.
"""

from __future__ import annotations

from decimal import Decimal

from binance_async import SpotClient
from binance_async.sim import Simulator

SYMBOL = "BTCUSDT"


async def test_the_postman_trading_flow() -> None:
    async with Simulator() as sim, SpotClient(sim.api_key, sim.api_secret, base_url=sim.base_url) as client:
        # exchange information and the symbol's trading rules
        info = await client.exchange_info(SYMBOL)
        assert info.symbol(SYMBOL).status == "TRADING"
        rules = await client.symbol_rules(SYMBOL)
        assert rules.base_asset == "BTC" and rules.quote_asset == "USDT"

        # balances
        start = await client.account()
        usdt, btc = start.balance("USDT"), start.balance("BTC")
        assert usdt.free > 0 and usdt.locked == 0

        # current price and the book
        price = (await client.ticker_price(SYMBOL)).price
        book = await client.depth(SYMBOL, limit=10)
        best_bid, best_ask = book.best_bid(), book.best_ask()
        assert best_bid is not None and best_ask is not None
        assert best_bid[0] < best_ask[0]
        assert best_bid[0] * Decimal("0.9") < price < best_ask[0] * Decimal("1.1")

        # a test order: checked by Binance, nothing placed
        limit_price = rules.round_price(best_bid[0] * Decimal("0.95"), "BUY")
        quantity = rules.round_quantity(Decimal("0.0123456"))
        await client.test_new_order(
            SYMBOL, "BUY", "LIMIT", time_in_force="GTC", quantity=quantity, price=limit_price, validate=True
        )
        assert await client.open_orders(SYMBOL) == []

        # a LIMIT order below the market rests and locks its quote
        order = await client.new_order(
            SYMBOL, "BUY", "LIMIT", time_in_force="GTC", quantity=quantity, price=limit_price, validate=True
        )
        assert order.status == "NEW" and order.fills == ()
        locked = limit_price * quantity
        resting = (await client.account()).balance("USDT")
        assert resting.locked == locked and resting.free == usdt.free - locked

        # its status, and the open orders
        status = await client.get_order(SYMBOL, orig_client_order_id=order.client_order_id)
        assert (status.order_id, status.status, status.price, status.orig_qty) == (
            order.order_id,
            "NEW",
            limit_price,
            quantity,
        )
        assert [o.order_id for o in await client.open_orders(SYMBOL)] == [order.order_id]

        # cancel it: the quote is free again
        canceled = await client.cancel_order(SYMBOL, order_id=order.order_id)
        assert canceled.status == "CANCELED"
        assert await client.open_orders(SYMBOL) == []
        assert (await client.account()).balance("USDT") == usdt

        # a MARKET order that fills: balances move by exactly the fills and their commission
        market = await client.new_order(SYMBOL, "BUY", "MARKET", quantity=quantity, validate=True)
        assert market.status == "FILLED" and market.executed_qty == quantity
        spent = sum((fill.price * fill.qty for fill in market.fills), Decimal(0))
        assert spent == market.cumulative_quote_qty > 0
        fee_btc = sum((f.commission for f in market.fills if f.commission_asset == "BTC"), Decimal(0))
        fee_usdt = sum((f.commission for f in market.fills if f.commission_asset == "USDT"), Decimal(0))
        end = await client.account()
        assert end.balance("BTC").free == btc.free + quantity - fee_btc
        assert end.balance("USDT").free == usdt.free - spent - fee_usdt
        assert end.balance("USDT").locked == 0
        trades = await client.my_trades(SYMBOL, order_id=market.order_id)
        assert sum(t.qty for t in trades) == quantity
