"""Signed commands: ``account``, ``order``, ``cancel`` and ``status`` (they need keys, or ``--sim``)."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Iterable
from typing import Any

from ..errors import ExecutionStatusUnknown
from ..spot.models import CanceledOrder, Order, OrderFull
from ._connect import connect
from ._errors import EXIT_UNKNOWN_OUTCOME, CLIError
from ._output import fmt, print_json, table
from ._parser import PROG

__all__ = ["account", "cancel", "describe_order", "host_options", "order", "status"]

_LIMIT_TYPES = frozenset({"LIMIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"})


async def account(args: argparse.Namespace) -> int:
    """The account's non-zero balances."""
    async with connect(args, signed=True) as conn:
        info = await conn.client.account(omit_zero_balances=True)
    balances = [b for b in info.balances if b.free or b.locked]
    if args.json:
        print_json(info)
        return 0
    rates = info.commission_rates
    fees = f"; fees maker {fmt(rates.maker)}, taker {fmt(rates.taker)}" if rates is not None else ""
    print(f"{info.account_type or 'account'}: can trade {fmt(info.can_trade)}{fees}")
    if not balances:
        print("  no balances")
    rows = ((b.asset, b.free, b.locked, b.total) for b in balances)
    for line in table(("asset", "free", "locked", "total"), rows, indent="  "):
        print(line)
    return 0


def describe_order(order: Order | OrderFull | CanceledOrder) -> str:
    """``LIMIT BUY 0.001 BTCUSDT @ 60000 (GTC): NEW, executed 0``."""
    at = f" @ {fmt(order.price)}" if order.price else ""
    tif = f" ({order.time_in_force})" if order.type != "MARKET" and order.time_in_force else ""
    quote = order.orig_quote_order_qty
    amount = f"{fmt(quote)} (quote)" if quote else fmt(order.orig_qty)
    executed = f"executed {fmt(order.executed_qty)}"
    if order.executed_qty:
        executed += f" for {fmt(order.cumulative_quote_qty)}"
    return f"{order.type} {order.side} {amount} {order.symbol}{at}{tif}: {order.status}, {executed}"


def _print_order(
    args: argparse.Namespace,
    found: Order | OrderFull | CanceledOrder,
    title: str,
    client_order_id: str,
    details: Iterable[str] = (),
) -> int:
    """Print the order as JSON with --json, else `describe_order` after `title`, its ids and `details`
    (a line each); the command's exit status, 0."""
    if args.json:
        print_json(found)
        return 0
    print(f"{title}{describe_order(found)}")
    print(f"  order id {found.order_id}, client order id {client_order_id}")
    for line in details:
        print(line)
    return 0


def host_options(args: argparse.Namespace) -> list[str]:
    """The options that chose the host and the key file, to repeat in a command to paste (``--testnet``,
    ``--base-url URL``, ``--private-key FILE``). Never a key or secret: those come from the environment.
    """
    options: list[str] = []
    if args.testnet:
        options.append("--testnet")
    if args.base_url:
        options += ["--base-url", args.base_url]
    if args.private_key:
        options += ["--private-key", args.private_key]
    return options


def _unknown_outcome(
    args: argparse.Namespace, what: str, ref: tuple[str, str | int] | None, error: Exception
) -> CLIError:
    """The exit-3 error: the order or cancel may have been executed; `ref` (``("--client-order-id",
    id)`` or ``("--order-id", id)``) makes a ``status`` command to paste, on the same host."""
    if args.sim:
        lookup = "; it was on the embedded simulator, which stopped with this command"
    elif ref is not None:
        prog = shlex.split(getattr(args, "prog", PROG))
        command = [*prog, "status", args.symbol, ref[0], str(ref[1]), *host_options(args)]
        lookup = f"; look it up with: {shlex.join(command)}"
    else:
        lookup = ""
    return CLIError(
        f"the {what}'s outcome is unknown, it may have been executed ({error}). Do not resend it blindly"
        f"{lookup}",
        EXIT_UNKNOWN_OUTCOME,
    )


async def order(args: argparse.Namespace) -> int:
    """Place (or, with --test, check) an order; it is validated against the symbol's rules first."""
    options: dict[str, Any] = {
        "quantity": args.quantity,
        "quote_order_qty": args.quote_quantity,
        "price": args.price,
        "stop_price": args.stop_price,
        "time_in_force": args.time_in_force or ("GTC" if args.type in _LIMIT_TYPES else None),
    }
    options["new_client_order_id"] = args.client_order_id
    options = {name: value for name, value in options.items() if value is not None}
    async with connect(args, signed=True) as conn:
        client = conn.client
        if args.test:
            await client.test_new_order(args.symbol, args.side, args.type, validate=True, **options)
            if args.json:
                print_json({"test": True, "accepted": True})
            else:
                amount = fmt(args.quantity) if args.quantity else f"{fmt(args.quote_quantity)} (quote)"
                at = f" @ {fmt(args.price)}" if args.price else ""
                print(
                    f"test order accepted: {args.type} {args.side} {amount} {args.symbol}{at} "
                    "(checked against the rules and by Binance; not placed)"
                )
            return 0
        try:
            placed = await client.new_order(
                args.symbol,
                args.side,
                args.type,
                validate=True,
                **options,
            )
        except ExecutionStatusUnknown as error:
            cid = error.client_order_id or args.client_order_id
            ref = ("--client-order-id", cid) if cid else None
            raise _unknown_outcome(args, "order", ref, error) from error
    fills = (
        f"  fill {fmt(fill.qty)} @ {fmt(fill.price)} (fee {fmt(fill.commission)} {fill.commission_asset})"
        for fill in placed.fills
    )
    return _print_order(args, placed, "order placed: ", placed.client_order_id, fills)


async def cancel(args: argparse.Namespace) -> int:
    async with connect(args, signed=True) as conn:
        try:
            canceled = await conn.client.cancel_order(
                args.symbol, order_id=args.order_id, orig_client_order_id=args.client_order_id
            )
        except ExecutionStatusUnknown as error:
            ref: tuple[str, str | int] = (
                ("--order-id", args.order_id)
                if args.order_id
                else ("--client-order-id", args.client_order_id)
            )
            raise _unknown_outcome(args, "cancel", ref, error) from error
    return _print_order(args, canceled, "canceled: ", canceled.orig_client_order_id)


async def status(args: argparse.Namespace) -> int:
    async with connect(args, signed=True) as conn:
        found = await conn.client.get_order(
            args.symbol, order_id=args.order_id, orig_client_order_id=args.client_order_id
        )
    return _print_order(args, found, "", found.client_order_id)
