"""The history queries' windows and pages: allOrders, myTrades, allOrderList and myAllocations.

Each answers, oldest first, either the items from an id on (``orderId``/``fromId``/...), or the items in
a ``startTime``/``endTime`` window: the first `limit` when only ``startTime`` is given, else the latest
`limit`. The window is at most 24 hours and not reversed (`check_span`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .errors import SimError, mandatory

__all__ = ["check_span", "check_window", "invalid_combination", "page", "within"]

T = TypeVar("T")


def invalid_combination() -> SimError:
    return SimError(-1128, "Combination of optional parameters invalid.")


def check_span(start_ms: int | None, end_ms: int | None) -> None:
    """startTime/endTime of allOrders, myTrades, allOrderList and myAllocations: at most 24 hours apart
    (-1127, documented), and not reversed. Binance documents no error for startTime > endTime; the one
    reported from the exchange (binance-spot-api-docs pull request #38, allOrders) is -1102 naming
    ``endTime``, which is what the simulator answers. Equal times are accepted."""
    if start_ms is not None and end_ms is not None:
        if end_ms < start_ms:
            raise mandatory("endTime")
        if end_ms - start_ms > 86_400_000:
            raise SimError(-1127, "More than 24 hours between startTime and endTime.")


def check_window(from_id: int | None, start_ms: int | None, end_ms: int | None) -> None:
    """A page from an id takes no window (-1128); a window must pass `check_span`."""
    if from_id is not None and (start_ms is not None or end_ms is not None):
        raise invalid_combination()
    check_span(start_ms, end_ms)


def within(time_ms: int, start_ms: int | None, end_ms: int | None) -> bool:
    return (start_ms is None or time_ms >= start_ms) and (end_ms is None or time_ms <= end_ms)


def page(
    items: list[T],
    id_of: Callable[[T], int],
    time_of: Callable[[T], int],
    from_id: int | None,
    start_ms: int | None,
    end_ms: int | None,
    limit: int,
) -> list[T]:
    """`items` (oldest first) from `from_id` on, else those in the window (see the module)."""
    if from_id is not None:
        return [item for item in items if id_of(item) >= from_id][:limit]
    items = [item for item in items if within(time_of(item), start_ms, end_ms)]
    if start_ms is not None and end_ms is None:
        return items[:limit]
    return items[-limit:]
