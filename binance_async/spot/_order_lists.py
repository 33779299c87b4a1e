"""Order-list methods of `SpotClient` (OCO, OTO, OTOCO, OPO, OPOCO and their queries)."""

from __future__ import annotations

from ._common import SpotBase

__all__ = ["OrderListMixin"]


class OrderListMixin(SpotBase):
    """Order-list methods."""
