"""`RawRequestMixin`: ``request(method, path, params)`` for any endpoint, through the same pipeline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import InvalidRequestError
from .. import endpoints as E
from .._common import SpotBase

__all__ = ["RawRequestMixin"]


class RawRequestMixin(SpotBase):
    """``request(...)``: an endpoint this library has no method for yet (REST, or its WebSocket twin)."""

    async def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        signed: bool = False,
        *,
        weight: int | None = None,
    ) -> Any:
        """Call any endpoint through the same pipeline; returns the decoded JSON.

        Parameters use Binance's names and are encoded like every other call. The weight comes from
        the endpoint table when the route is known, else ``weight`` (default 1).
        """
        method = method.upper()
        params = params or {}
        known = E.BY_ROUTE.get((method, path))
        if weight is None:
            weight = known.weight_for(params) if known is not None else 1
        elif weight < 0:
            raise InvalidRequestError(f"weight must not be negative, got {weight}")
        orders = known.orders if known is not None else 0
        return await self._pipeline.call_raw(
            method, path, params, signed=signed, weight=weight, orders=orders
        )
