"""The order lists endpoints (to be filled in)."""

from __future__ import annotations

from typing import Any

from ..._endpoint import Endpoint

__all__ = ["ORDER_LIST_ENDPOINTS"]

ORDER_LIST_ENDPOINTS: tuple[Endpoint[Any], ...] = ()
