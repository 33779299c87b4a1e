"""Account and order-query methods of `SpotClient` (USER_DATA endpoints)."""

from __future__ import annotations

from ._common import SpotBase

__all__ = ["AccountMixin"]


class AccountMixin(SpotBase):
    """Account and order-query methods."""
