"""``binance-async demo``: README's first command, a tour of the library against the embedded simulator.

It reads the exchange's symbols, fans out a price and a depth query for every symbol at once (timed),
shows one symbol's trading rules, then trades: a test order, a LIMIT order that rests, its status and
its cancel, and a MARKET order that fills; it ends with a summary that includes the rate limiter's use
of each window. ``--testnet`` or ``--base-url`` run the same tour on a real host (keys required).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from ..sim import SimConfig
from ..spot import SpotClient
from ..spot.models import Depth, ExchangeInfo, TickerPrice
from ..spot.rules import SymbolRules, UnknownSymbolError
from ._connect import connect, uses_simulator
from ._errors import UsageError
from ._market import rules_lines
from ._output import fmt, table

__all__ = ["demo", "run_tour"]

T = TypeVar("T")

#: How many symbols a tour on a real host queries unless --fanout says otherwise (be a polite guest).
REMOTE_FANOUT = 100
#: Symbols the embedded simulator generates beyond its five, so the fan-out is over 50.
DEFAULT_EXTRA_SYMBOLS = 45
#: Rows of the fan-out's table.
SHOWN = 10


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


async def _timed(request: Awaitable[T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = await request
    return result, time.perf_counter() - started


async def _all(requests: Sequence[Awaitable[T]]) -> list[T]:
    """Every result; the first failure is raised once all have finished (none is left running)."""
    results = await asyncio.gather(*requests, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]


async def _fan_out(
    client: SpotClient, symbols: list[str]
) -> tuple[list[tuple[TickerPrice, float]], list[tuple[Depth, float]], str]:
    """A price and a depth(5) request per symbol, all at once; the results and a line of timings."""
    started = time.perf_counter()
    prices = _all([_timed(client.ticker_price(symbol)) for symbol in symbols])
    books = _all([_timed(client.depth(symbol, limit=5)) for symbol in symbols])
    price_results, book_results = await asyncio.gather(prices, books)
    wall = time.perf_counter() - started
    latencies = [t for _, t in price_results] + [t for _, t in book_results]
    rate = f"{len(latencies) / wall:.0f} req/s; " if wall > 0 else ""
    median = _ms(statistics.median(latencies)) if latencies else "-"
    slowest = _ms(max(latencies)) if latencies else "-"
    line = (
        f"{len(symbols)} price + {len(symbols)} depth requests at once in {_ms(wall)} "
        f"({rate}latency median {median}, max {slowest})"
    )
    return price_results, book_results, line


async def market(client: SpotClient, fanout: int | None) -> ExchangeInfo:
    """exchangeInfo, then a price and a depth(5) request for every trading symbol, all at once."""
    print("Market data")
    info, took = await _timed(client.exchange_info())
    trading = [s.symbol for s in info.symbols if s.status == "TRADING"]
    print(f"  exchangeInfo: {len(info.symbols)} symbols, {len(trading)} trading, in {_ms(took)}")
    chosen = trading[:fanout] if fanout else trading
    for label in ("first", "again"):  # the first round also opens the connections
        price_results, book_results, line = await _fan_out(client, chosen)
        print(f"  fan-out, {label}: {line}")
    rows: list[list[Any]] = []
    for (ticker, _), (book, _) in zip(price_results[:SHOWN], book_results[:SHOWN], strict=True):
        bid, ask = book.best_bid(), book.best_ask()
        spread = ask[0] - bid[0] if bid and ask else None
        rows.append([ticker.symbol, ticker.price, bid and bid[0], ask and ask[0], spread])
    for line in table(("symbol", "price", "best bid", "best ask", "spread"), rows, indent="    "):
        print(line)
    if len(chosen) > SHOWN:
        print(f"    ... and {len(chosen) - SHOWN} more")
    return info


def pick_symbol(info: ExchangeInfo, wanted: str | None) -> str:
    """`wanted` if it trades; else BTCUSDT if it trades, else the first trading symbol."""
    trading = [s.symbol for s in info.symbols if s.status == "TRADING"]
    if wanted is not None:
        if wanted not in trading:
            raise UnknownSymbolError(wanted)
        return wanted
    if not trading:
        raise UsageError("the exchange lists no trading symbol")
    return "BTCUSDT" if "BTCUSDT" in trading else trading[0]


def demo_quantity(rules: SymbolRules, price: Decimal) -> Decimal:
    """A small quantity whose notional at `price` is about three times the symbol's minimum."""
    minimum = Decimal(0)
    if rules.notional is not None:
        minimum = rules.notional.min_notional
    elif rules.min_notional is not None:
        minimum = rules.min_notional.min_notional
    lot = rules.lot_size
    least = lot.min_qty if lot is not None else Decimal(0)
    step = lot.step_size if lot is not None and lot.step_size else Decimal(0)
    quantity = rules.round_quantity(max(minimum * 3 / price, least))
    for _ in range(100):  # a coarse step can round below the minimum notional: add steps
        if quantity * price >= minimum * 2 and quantity >= least and quantity > 0:
            break
        quantity = rules.round_quantity(quantity + (step or least or 1))
    return quantity


async def trade(client: SpotClient, symbol: str) -> None:
    """A test order, a resting LIMIT BUY (queried, then canceled) and a MARKET BUY that fills."""
    print(f"\nTrading {symbol}")
    rules = await client.symbol_rules(symbol)
    base, quote = rules.base_asset, rules.quote_asset
    before = await client.account(omit_zero_balances=True)
    print(f"  balances: {base} {fmt(before.balance(base).free)}, {quote} {fmt(before.balance(quote).free)}")
    book = await client.book_ticker(symbol)
    price = rules.round_price(book.bid_price * Decimal("0.97"), "BUY")  # below the market: it rests
    quantity = demo_quantity(rules, price)
    limit: dict[str, Any] = {"time_in_force": "GTC", "quantity": quantity, "price": price, "validate": True}
    await client.test_new_order(symbol, "BUY", "LIMIT", **limit)
    print(
        f"  test order LIMIT BUY {fmt(quantity)} @ {fmt(price)}: accepted "
        "(checked against the rules locally and by Binance; not placed)"
    )
    placed = await client.new_order(symbol, "BUY", "LIMIT", **limit)
    print(
        f"  LIMIT BUY {fmt(placed.orig_qty)} @ {fmt(placed.price)}: {placed.status} "
        f"(order id {placed.order_id}, client order id {placed.client_order_id})"
    )
    found = await client.get_order(symbol, orig_client_order_id=placed.client_order_id)
    open_orders = await client.open_orders(symbol)
    print(f"  status: {found.status}; open orders on {symbol}: {len(open_orders)}")
    canceled = await client.cancel_order(symbol, orig_client_order_id=placed.client_order_id)
    print(f"  cancel: {canceled.status}")
    filled = await client.new_order(symbol, "BUY", "MARKET", quantity=quantity, validate=True)
    fees = ", ".join(f"{fmt(f.commission)} {f.commission_asset}" for f in filled.fills) or "none"
    print(
        f"  MARKET BUY {fmt(filled.executed_qty)}: {filled.status}, "
        f"paid {fmt(filled.cumulative_quote_qty)} {quote} (fees {fees})"
    )
    after = await client.account(omit_zero_balances=True)
    for asset in (base, quote):
        print(f"  {asset}: {fmt(before.balance(asset).free)} -> {fmt(after.balance(asset).free)}")


def summary(client: SpotClient, where: str, elapsed: float) -> None:
    print("\nSummary")
    print(f"  the tour took {elapsed:.2f} s against {where}")
    print("  rate limiter, used / limit per window:")
    rows = [
        (w.limit_type, f"{w.interval_num} {w.interval}", f"{w.used} / {w.limit}")
        for w in client.limiter.state()
    ]
    for line in table(("window", "interval", "used / limit"), rows, indent="    "):
        print(line)


async def run_tour(
    client: SpotClient, where: str, *, symbol: str | None = None, fanout: int | None = None
) -> None:
    """The whole tour on a connected client (with keys: it trades)."""
    started = time.perf_counter()
    info = await market(client, fanout)
    chosen = pick_symbol(info, symbol)
    print(f"\nTrading rules of {chosen}")
    for line in rules_lines(info.symbol(chosen), info.exchange_filters()):
        print("  " + line)
    await trade(client, chosen)
    summary(client, where, time.perf_counter() - started)


async def demo(args: argparse.Namespace) -> int:
    on_sim = uses_simulator(args, default_sim=True)
    if args.extra_symbols is not None and not on_sim:
        raise UsageError("--extra-symbols applies to the embedded simulator only")
    extra = DEFAULT_EXTRA_SYMBOLS if args.extra_symbols is None else args.extra_symbols
    if extra < 0:
        raise UsageError("--extra-symbols must not be negative")
    config = SimConfig(extra_symbols=extra) if on_sim else None
    fanout = args.fanout if args.fanout or on_sim else REMOTE_FANOUT
    async with connect(args, signed=True, default_sim=True, sim_config=config) as conn:
        note = " (no keys, no network)" if on_sim else ""
        print(f"binance-async demo against {conn.where}{note}\n")
        await run_tour(conn.client, conn.where, symbol=args.symbol, fanout=fanout)
    return 0
