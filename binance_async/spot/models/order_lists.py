"""Typed responses of the order-list endpoints (OCO, OTO, OTOCO, OPO, OPOCO, cancel, queries).

Conventions as in `binance_async.spot.models`: frozen msgspec Structs, snake_case attributes, money
as ``Decimal``, unknown keys ignored, keys that only some variants carry default to ``None``.

An order list is `OrderListStatus` (its ids, status and ``orders``: the ids of its orders); that is
what ``GET /api/v3/orderList``, ``allOrderList`` and ``openOrderList`` answer. Placing a list adds
``orderReports``, one per order, in the shape ``newOrderRespType`` chose:

* ``ACK``: `OrderListAck`, reports of the ids only (`OrderAck`). The docs show no ACK example for
  lists; Binance sends ACK-shaped reports, so ``order_reports`` defaults to empty if it sends none.
* ``RESULT``: `OrderListResult`, reports of each order's state (`ListOrderResult`).
* ``FULL``: `OrderListFull`, those plus fills (`ListOrderFull`).

Canceling a list answers `CanceledOrderList`, reports of the canceled orders (`ListCanceledOrder`).

The pending orders of an OPO/OPOCO have no quantity until the working order fills (Binance derives
it from what the working order received): their reports omit ``origQty``. The list report types
therefore extend `OrderResult`, `OrderFull` and `CanceledOrder` with ``orig_qty`` optional (None
only in that case); pass them where an `OrderResult` is expected only if ``orig_qty`` is checked.
"""

from __future__ import annotations

from decimal import Decimal

from .trading import CanceledOrder, OrderAck, OrderFull, OrderListStatus, OrderResult

__all__ = [
    "CanceledOrderList",
    "ListCanceledOrder",
    "ListOrderFull",
    "ListOrderResult",
    "OrderListAck",
    "OrderListFull",
    "OrderListResult",
]

# Each report type below narrows nothing and widens one field: ``orig_qty`` may be absent (see the
# module docstring). mypy flags the widening of a base class's field; it is deliberate.


class ListOrderResult(OrderResult, frozen=True, kw_only=True):
    """An order report of a list placed with ``newOrderRespType=RESULT``."""

    orig_qty: Decimal | None = None  # type: ignore[assignment]


class ListOrderFull(OrderFull, frozen=True, kw_only=True):
    """An order report of a list placed with ``newOrderRespType=FULL`` (with its fills)."""

    orig_qty: Decimal | None = None  # type: ignore[assignment]


class ListCanceledOrder(CanceledOrder, frozen=True, kw_only=True):
    """An order report of ``DELETE /api/v3/orderList``: one canceled order of the list."""

    orig_qty: Decimal | None = None  # type: ignore[assignment]


class OrderListAck(OrderListStatus, frozen=True, kw_only=True):
    """A new order list, ``newOrderRespType=ACK``: the list and the ids of its orders."""

    order_reports: tuple[OrderAck, ...] = ()


class OrderListResult(OrderListStatus, frozen=True, kw_only=True):
    """A new order list, ``newOrderRespType=RESULT``: the list and each order's state."""

    order_reports: tuple[ListOrderResult, ...] = ()


class OrderListFull(OrderListStatus, frozen=True, kw_only=True):
    """A new order list, ``newOrderRespType=FULL``: the list, each order's state and its fills."""

    order_reports: tuple[ListOrderFull, ...] = ()


class CanceledOrderList(OrderListStatus, frozen=True, kw_only=True):
    """``DELETE /api/v3/orderList``: the list (now ALL_DONE) and its canceled orders.

    Each report's ``client_order_id`` is the cancel's own id, ``orig_client_order_id`` the order's.
    """

    order_reports: tuple[ListCanceledOrder, ...] = ()
