"""Public market-data commands: ``price``, ``depth``, ``rules`` and ``klines`` (no key needed)."""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import sys
import time
from collections.abc import Iterator
from typing import Any, TextIO

import msgspec

from ..errors import BinanceError
from ..spot import SpotClient
from ..spot.models import Kline, SymbolFilter, SymbolInfo, UnknownFilter
from ..spot.rules import UnknownSymbolError
from ._connect import connect
from ._errors import CLIError
from ._output import Progress, fmt, print_json, table, yes_no
from ._parser import iso_time

__all__ = ["KLINE_COLUMNS", "depth", "klines", "price", "rules", "rules_json", "rules_lines"]


async def price(args: argparse.Namespace) -> int:
    """One request for all the symbols asked for (or every symbol)."""
    symbols: list[str] = list(dict.fromkeys(args.symbols))
    async with connect(args, signed=False) as conn:
        if len(symbols) == 1:
            prices = [await conn.client.ticker_price(symbols[0])]
        else:
            prices = await conn.client.ticker_price(symbols=symbols or None)
    if args.json:
        print_json(prices)
        return 0
    for line in table(("symbol", "price"), ((p.symbol, p.price) for p in prices)):
        print(line)
    return 0


async def depth(args: argparse.Namespace) -> int:
    async with connect(args, signed=False) as conn:
        book = await conn.client.depth(args.symbol, limit=args.limit)
    bids, asks = book.bid_levels()[: args.limit], book.ask_levels()[: args.limit]
    if args.json:
        print_json({"symbol": args.symbol, "lastUpdateId": book.last_update_id, "bids": bids, "asks": asks})
        return 0
    print(f"{args.symbol} order book, top {args.limit} (last update id {book.last_update_id})")
    rows = []
    for i in range(max(len(bids), len(asks))):
        bid = bids[i] if i < len(bids) else ("", "")
        ask = asks[i] if i < len(asks) else ("", "")
        rows.append((str(i + 1), bid[1], bid[0], ask[0], ask[1]))
    for line in table(("#", "bid qty", "bid price", "ask price", "ask qty"), rows, indent="  "):
        print(line)
    if bids and asks:
        spread = asks[0][0] - bids[0][0]
        print(f"  spread {fmt(spread)} ({float(spread / asks[0][0] * 10_000):.3g} bp)")
    return 0


# -- rules ---------------------------------------------------------------------------------------------


def _filter_items(item: SymbolFilter) -> list[tuple[str, Any]]:
    """A filter's values under Binance's names (``tickSize``), its type left out."""
    if isinstance(item, UnknownFilter):
        return [(k, v) for k, v in item.data.items() if k != "filterType"]
    return [(f.encode_name, getattr(item, f.name)) for f in msgspec.structs.fields(item)]


def rules_lines(info: SymbolInfo, exchange_filters: list[SymbolFilter] | None = None) -> list[str]:
    """A symbol's rules as readable lines: status, assets, order types, then one line per filter."""
    lines = [
        f"{info.symbol}: {info.status}, {info.base_asset}/{info.quote_asset} "
        f"(precision {info.base_asset_precision}/{info.quote_asset_precision})",
        f"order types: {', '.join(info.order_types) or '-'}",
        f"spot trading {yes_no(info.is_spot_trading_allowed)}, iceberg {yes_no(info.iceberg_allowed)}, "
        f"OCO {yes_no(info.oco_allowed)}, trailing stop {yes_no(info.allow_trailing_stop)}, "
        f"market by quote quantity {yes_no(info.quote_order_qty_market_allowed)}",
    ]
    filters = [*info.filters(), *(exchange_filters or ())]
    width = max((len(f.filter_type) for f in filters), default=0)
    for item in filters:
        values = "  ".join(f"{name} {fmt(value)}" for name, value in _filter_items(item))
        lines.append(f"{item.filter_type.ljust(width)}  {values}".rstrip())
    return lines


def _filter_json(item: SymbolFilter) -> Any:
    return item.data if isinstance(item, UnknownFilter) else item


def rules_json(info: SymbolInfo, exchange_filters: list[SymbolFilter]) -> dict[str, Any]:
    """The symbol's exchangeInfo entry as Binance names it, filters decoded."""
    fields = msgspec.structs.fields(info)
    plain = {f.encode_name: getattr(info, f.name) for f in fields if not f.name.startswith("raw_")}
    return {
        **plain,
        "filters": [_filter_json(f) for f in info.filters()],
        "exchangeFilters": [_filter_json(f) for f in exchange_filters],
    }


async def rules(args: argparse.Namespace) -> int:
    """One symbol's exchangeInfo (not the whole exchange's, which is megabytes on mainnet)."""
    async with connect(args, signed=False) as conn:
        info = await conn.client.exchange_info(args.symbol)
    try:
        symbol = info.symbol(args.symbol)
    except KeyError:
        raise UnknownSymbolError(args.symbol) from None
    exchange_filters = info.exchange_filters()
    if args.json:
        print_json(rules_json(symbol, exchange_filters))
        return 0
    for line in rules_lines(symbol, exchange_filters):
        print(line)
    return 0


# -- klines --------------------------------------------------------------------------------------------

#: The CSV header: Binance's kline fields in order (times in ms since the epoch).
KLINE_COLUMNS = (
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "trades",
    "taker_buy_base_volume",
    "taker_buy_quote_volume",
)


def kline_row(kline: Kline) -> list[str]:
    return [fmt(getattr(kline, column)) for column in KLINE_COLUMNS]


@contextlib.contextmanager
def _csv_target(path: str) -> Iterator[TextIO]:
    """stdout for ``-``; otherwise ``path.part``, renamed to `path` only when the download completes."""
    if path == "-":
        yield sys.stdout
        return
    partial = path + ".part"
    try:
        file = open(partial, "w", newline="", encoding="utf-8")  # noqa: SIM115 (closed below)
    except OSError as error:
        raise CLIError(f"cannot write {path}: {error.strerror}") from None
    try:
        with file:
            yield file
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(partial)
        raise


async def _empty_range_note(client: SpotClient, args: argparse.Namespace, start: int, end: int) -> str:
    """Why [start, end] holds no kline, as far as one more request can tell: the first kline there is."""
    try:
        first = await client.klines(args.symbol, args.interval, start_time=0, limit=1)
    except BinanceError:
        return ""
    if not first:
        return f"; {args.symbol} has no {args.interval} klines at all"
    opened = first[0].open_time
    if end < opened:
        return f"; its first {args.interval} kline opens at {iso_time(opened)}"
    return ""


async def klines(args: argparse.Namespace) -> int:
    """Every kline of [start, end], paged by `iter_klines` (the limiter paces long downloads).

    A range with no kline (before the symbol's first, or beyond a simulator's history) is not an
    error: the CSV has its header only, stderr says so in one line (naming the first kline when it
    is later than the range), and the exit code is 0.
    """
    start = args.start
    end = args.end if args.end is not None else int(time.time() * 1000)
    shown = args.progress or sys.stderr.isatty()
    progress = Progress(start, end, enabled=shown, label=f"{args.symbol} {args.interval}", unit="klines")
    count = 0
    with _csv_target(args.out) as out:
        writer = csv.writer(out, lineterminator="\n")
        try:
            async with connect(args, signed=False) as conn:
                klines = conn.client.iter_klines(args.symbol, args.interval, start_time=start, end_time=end)
                async for kline in klines:
                    if not count:  # the header once the first page came (nothing on stdout for an error)
                        writer.writerow(KLINE_COLUMNS)
                    writer.writerow(kline_row(kline))
                    count += 1
                    progress.update(kline.open_time, count)
                if count:
                    note = ""
                elif start > time.time() * 1000:
                    note = "; it starts after now"
                else:
                    note = await _empty_range_note(conn.client, args, start, end)
            if not count:
                writer.writerow(KLINE_COLUMNS)
            progress.finish(count)
        finally:
            progress.close()
    if not count:
        print(
            f"no {args.symbol} {args.interval} klines between {iso_time(start)} and {iso_time(end)}: "
            f"the range is empty{note}",
            file=sys.stderr,
        )
    if args.out != "-":
        print(f"{count} klines of {args.symbol} {args.interval} written to {args.out}")
    return 0
