"""`UnknownOutcomes`: the orders and cancels whose fate the client does not know.

An order, cancel, amend or order list request lands here, keyed by its client order id (the list's
``listClientOrderId`` for order lists), when it may have reached Binance but no answer says what
happened: a 5xx, 408, -1006 or -1007, a timeout, a dropped connection, an accepted order whose answer
could not be read, or the caller's task cancelled once the request may have left. It stays until
``reconcile_order`` (``reconcile_order_list``) settles it, found or not found. Users get it as a
read-only mapping (``SpotClient.unknown_outcomes``): client order id -> `SentRequest`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping

from .errors import SentRequest

__all__ = ["UnknownOutcomes"]

log = logging.getLogger("binance_async")


class UnknownOutcomes(Mapping[str, SentRequest]):
    """client order id -> the request whose outcome is unknown (read-only; see the module doc)."""

    __slots__ = ("_entries", "recorded", "settled")

    def __init__(self) -> None:
        self._entries: dict[str, SentRequest] = {}
        #: How many were ever recorded and settled (the difference is ``len(self)``).
        self.recorded = 0
        self.settled = 0

    def __getitem__(self, client_order_id: str) -> SentRequest:
        return self._entries[client_order_id]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries))  # a copy: settling while iterating is allowed

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"UnknownOutcomes({sorted(self._entries)!r})"

    def _record(self, client_order_id: str, request: SentRequest, reason: str) -> None:
        if client_order_id not in self._entries:
            self.recorded += 1
        self._entries[client_order_id] = request
        log.warning(
            "%s %s: outcome unknown (%s); client order id %s kept in unknown_outcomes until reconciled",
            request.method,
            request.path,
            reason,
            client_order_id,
        )

    def _settle(self, client_order_id: str) -> SentRequest | None:
        request = self._entries.pop(client_order_id, None)
        if request is not None:
            self.settled += 1
        return request
