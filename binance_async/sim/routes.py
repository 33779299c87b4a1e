"""A simulated endpoint as data: the handler and what the exchange charges for it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .params import Params

__all__ = ["Call", "Route", "weight_if_sent"]


@dataclass
class Call:
    """One request as a handler sees it: its parameters, the client's IP and (if signed) its account."""

    params: Params
    ip: str
    account: str | None = None


@dataclass(frozen=True)
class Route:
    """`handler` returns the JSON body (dicts, lists, str, int, bool, None; or `bytes` already encoded as
    JSON) or raises `SimError`.

    `weight` is a number or a function of the parameters (read them with ``params.values.get``, which
    does not mark them as read). `orders` is how many unfilled orders a success adds.
    """

    method: str
    path: str
    handler: Callable[[Call], Any]
    weight: int | Callable[[Params], int] = 1
    security: str = "NONE"  # NONE, TRADE or USER_DATA
    orders: int = 0

    def weight_for(self, params: Params) -> int:
        return self.weight if isinstance(self.weight, int) else self.weight(params)


def weight_if_sent(name: str, sent: int, absent: int) -> Callable[[Params], int]:
    """A `Route.weight` rule: `sent` when the request carries the parameter `name`, else `absent`."""

    def weight(params: Params) -> int:
        return sent if params.values.get(name) else absent

    return weight
