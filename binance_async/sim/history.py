"""The history queries' windows and pages: allOrders, myTrades, allOrderList, myAllocations and
myPreventedMatches.

Each answers, oldest first, either the items from an id on (``orderId``/``fromId``/...), or the items in
a ``startTime``/``endTime`` window: the first `limit` when only ``startTime`` is given, else the latest
`limit`. The window is at most 24 hours and not reversed (`Window.check_span`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from .errors import SimError, mandatory
from .params import Params

__all__ = ["LATEST", "Window", "invalid_combination", "page", "page_limit", "read_window", "within"]

T = TypeVar("T")


def invalid_combination() -> SimError:
    return SimError(-1128, "Combination of optional parameters invalid.")


@dataclass(frozen=True)
class Window:
    """What a history query asks for: the items from `from_id` on, or those between `start_ms` and
    `end_ms`; at most `limit` of them; where the query filters by order, only `order_id`'s."""

    from_id: int | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    limit: int = 500
    order_id: int | None = None

    @property
    def timed(self) -> bool:
        """Whether ``startTime`` or ``endTime`` was given."""
        return self.start_ms is not None or self.end_ms is not None

    def check_span(self) -> None:
        """startTime/endTime of allOrders, myTrades, allOrderList and myAllocations: at most 24 hours
        apart (-1127, documented), and not reversed. Binance documents no error for startTime > endTime;
        the one reported from the exchange (binance-spot-api-docs pull request #38, allOrders) is -1102
        naming ``endTime``, which is what the simulator answers. Equal times are accepted."""
        if self.start_ms is not None and self.end_ms is not None:
            if self.end_ms < self.start_ms:
                raise mandatory("endTime")
            if self.end_ms - self.start_ms > 86_400_000:
                raise SimError(-1127, "More than 24 hours between startTime and endTime.")

    def check(self) -> None:
        """A page from an id takes no times (-1128); the times must pass `check_span`."""
        if self.from_id is not None and self.timed:
            raise invalid_combination()
        self.check_span()


#: No id, no times, the default limit: the latest 500 items.
LATEST = Window()


def page_limit(params: Params) -> int:
    """``limit`` of the history and list queries: 1 to 1000, default 500."""
    limit = params.integer("limit", minimum=1, maximum=1000)
    return 500 if limit is None else limit


def read_window(params: Params, *names: str, from_name: str = "fromId") -> Window:
    """The window of a history request: the parameters `names`, in that order, then ``limit`` (1 to
    1000, default 500). The order is the endpoint's order of refusals: the first bad parameter answers.
    `names` may hold ``startTime``, ``endTime``, `from_name` (the id to page from) and ``orderId`` (the
    order whose items are asked for, unless it is `from_name`)."""
    values: dict[str, int | None] = {}
    for name in names:
        if name not in (from_name, "orderId", "startTime", "endTime"):
            raise ValueError(f"not a history window parameter: {name}")
        values[name] = params.integer(name)
    return Window(
        from_id=values.get(from_name),
        start_ms=values.get("startTime"),
        end_ms=values.get("endTime"),
        limit=page_limit(params),
        order_id=None if from_name == "orderId" else values.get("orderId"),
    )


def within(time_ms: int, start_ms: int | None, end_ms: int | None) -> bool:
    return (start_ms is None or time_ms >= start_ms) and (end_ms is None or time_ms <= end_ms)


def page(items: list[T], id_of: Callable[[T], int], time_of: Callable[[T], int], window: Window) -> list[T]:
    """`items` (oldest first) from the window's `from_id` on, else those in its times (see the module)."""
    from_id = window.from_id
    if from_id is not None:
        return [item for item in items if id_of(item) >= from_id][: window.limit]
    items = [item for item in items if within(time_of(item), window.start_ms, window.end_ms)]
    if window.start_ms is not None and window.end_ms is None:
        return items[: window.limit]
    return items[-window.limit :]
