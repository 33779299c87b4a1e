"""Smart Order Routing: an SOR order's allocations, and the matches self-trade prevention stopped.

The simulator has one venue per symbol, so an SOR order is placed on the symbol's own book like any
order (`Engine.place`); `allocate` then turns each fill it took as a taker into one allocation
(GET /api/v3/myAllocations). Prevented matches (GET /api/v3/myPreventedMatches) are recorded by the
matching (`Matcher`) for every order; they are queried here because Binance serves them next to SOR.
"""

from __future__ import annotations

from .history import LATEST, Window, invalid_combination, page
from .matching import Matcher
from .records import Allocation, NewOrder, OrderResult, PreventedMatch

__all__ = ["allocate", "allocations", "prevented_matches"]


def allocate(matcher: Matcher, account_name: str, request: NewOrder, result: OrderResult) -> list[Allocation]:
    """POST /api/v3/sor/order, once `result` is placed: every fill of the order as a taker becomes one
    allocation."""
    state = matcher.state(request.symbol)
    found = []
    for fill in result.fills:
        allocation = Allocation(
            account=account_name,
            symbol=request.symbol,
            allocation_id=state.next_allocation_id,
            order_id=result.order.order_id,
            price=fill.price,
            qty=fill.qty,
            quote_qty=fill.price * fill.qty,
            commission=fill.commission,
            commission_asset=fill.commission_asset,
            time=result.transact_time,
            is_buyer=request.side == "BUY",
        )
        state.next_allocation_id += 1
        state.allocations.append(allocation)
        found.append(allocation)
    return found


def allocations(matcher: Matcher, account: str, symbol: str, window: Window = LATEST) -> list[Allocation]:
    """GET /api/v3/myAllocations, oldest first; only the window's `order_id`'s if it has one."""
    window.check()
    found = [a for a in matcher.state(symbol).allocations if a.account == account]
    if window.order_id is not None:
        found = [a for a in found if a.order_id == window.order_id]
    return page(found, lambda a: a.allocation_id, lambda a: a.time, window)


def prevented_matches(
    matcher: Matcher, account: str, symbol: str, prevented_match_id: int | None, window: Window = LATEST
) -> list[PreventedMatch]:
    """GET /api/v3/myPreventedMatches: by ``preventedMatchId``, or by the window's `order_id` (taker or
    maker) from its `from_id` (``fromPreventedMatchId``) on; other combinations are -1128."""
    by_id = prevented_match_id is not None
    order_id, from_id = window.order_id, window.from_id
    if by_id == (order_id is not None) or (by_id and from_id is not None):
        raise invalid_combination()
    found = [p for p in matcher.state(symbol).prevented if p.account == account]
    if by_id:
        return [p for p in found if p.prevented_match_id == prevented_match_id]
    found = [p for p in found if order_id in (p.taker_order_id, p.maker_order_id)]
    if from_id is not None:
        found = [p for p in found if p.prevented_match_id >= from_id]
    return found[: window.limit]
