"""Account and order-query methods of `SpotClient` (USER_DATA endpoints).

Every method sends ``recvWindow`` only when given (``recv_window``, at most 60000 ms; the client's
default applies otherwise) and checks what Binance would refuse before sending: missing or clashing
identifiers, a ``limit`` out of range, a time range that is reversed or longer than Binance allows.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from ..._endpoint import Endpoint
from ..._timerange import check_time_range
from ...errors import InvalidRequestError, InvalidResponseError
from .. import endpoints as E
from .._common import SpotBase, check_limit, check_one_of, documents
from ..enums import Timestamp
from ..models.account import (
    AccountCommission,
    AccountInfo,
    AccountTrade,
    Allocation,
    MyFilters,
    OrderAmendmentRecord,
    OrderCount,
    PreventedMatch,
)
from ..models.trading import Order
from ..params.trading import check_recv_window

__all__ = ["AccountMixin"]

T = TypeVar("T")

#: The largest ``limit`` of the paged queries (default 500).
MAX_PAGE = 1000
#: The longest startTime..endTime range allOrders, myTrades and myAllocations accept.
MAX_SPAN_MS = 24 * 60 * 60 * 1000


def _history(start_time: Timestamp | None, end_time: Timestamp | None, limit: int | None) -> dict[str, Any]:
    """The time range and page size of a history query, checked: start <= end, at most 24 h, limit."""
    check_time_range(start_time, end_time, max_span_ms=MAX_SPAN_MS)
    return {"startTime": start_time, "endTime": end_time, "limit": check_limit(limit, MAX_PAGE)}


def _not_with_time(
    start_time: Timestamp | None, end_time: Timestamp | None, *ids: tuple[str, int | None]
) -> None:
    """Refuse an id-based query (``order_id``, ``from_id`` ...) combined with a time range."""
    if start_time is None and end_time is None:
        return
    for name, value in ids:
        if value is not None:
            raise InvalidRequestError(f"{name} cannot be combined with start_time or end_time")


def _prevented_matches_combination(
    prevented_match_id: int | None,
    order_id: int | None,
    from_prevented_match_id: int | None,
    limit: int | None,
) -> None:
    """Binance's combinations: prevented_match_id alone, or order_id [+ from_prevented_match_id [+ limit]]."""
    if (prevented_match_id is None) == (order_id is None):
        raise InvalidRequestError("give prevented_match_id or order_id (exactly one)")
    if prevented_match_id is not None and (from_prevented_match_id is not None or limit is not None):
        raise InvalidRequestError("prevented_match_id takes neither from_prevented_match_id nor limit")
    if limit is not None and from_prevented_match_id is None:
        raise InvalidRequestError("limit needs from_prevented_match_id")


class AccountMixin(SpotBase):
    """Account and order-query methods."""

    async def _user_data(self, endpoint: Endpoint[T], params: dict[str, Any], recv_window: int | None) -> T:
        """Call a USER_DATA endpoint with `params` (Binance's names) and the checked ``recvWindow``."""
        params["recvWindow"] = check_recv_window(recv_window)
        return await self._pipeline.call(endpoint, params)

    # -- account -------------------------------------------------------------------------------------

    @documents(E.ACCOUNT)
    async def account(
        self, *, omit_zero_balances: bool | None = None, recv_window: int | None = None
    ) -> AccountInfo:
        """The account: balances (free and locked), commission rates, permissions and flags.

        ``omit_zero_balances=True`` leaves out assets with nothing free or locked; `AccountInfo.balance`
        answers zero for them.
        """
        return await self._user_data(E.ACCOUNT, {"omitZeroBalances": omit_zero_balances}, recv_window)

    @documents(E.ACCOUNT_COMMISSION)
    async def account_commission(self, symbol: str, *, recv_window: int | None = None) -> AccountCommission:
        """The account's commission rates on `symbol`: standard, special, tax, and the BNB discount."""
        return await self._user_data(E.ACCOUNT_COMMISSION, {"symbol": symbol}, recv_window)

    @documents(E.ORDER_RATE_LIMITS)
    async def order_rate_limits(self, *, recv_window: int | None = None) -> list[OrderCount]:
        """The account's unfilled-order count in every ORDERS window, with each window's limit."""
        return await self._user_data(E.ORDER_RATE_LIMITS, {}, recv_window)

    @documents(E.MY_FILTERS)
    async def my_filters(self, symbol: str, *, recv_window: int | None = None) -> MyFilters:
        """The exchange, symbol and asset filters (``MAX_ASSET`` included) that apply to the account."""
        raw = await self._user_data(E.MY_FILTERS, {"symbol": symbol}, recv_window)
        try:
            return MyFilters.from_raw(raw)
        except msgspec.DecodeError as exc:
            raise InvalidResponseError(
                f"GET /api/v3/myFilters: the filters could not be decoded ({exc})",
                status=200,
                body=msgspec.json.encode(raw),
                method="GET",
                path="/api/v3/myFilters",
            ) from None

    # -- orders --------------------------------------------------------------------------------------

    @documents(E.GET_ORDER)
    async def get_order(
        self,
        symbol: str,
        *,
        order_id: int | None = None,
        orig_client_order_id: str | None = None,
        recv_window: int | None = None,
    ) -> Order:
        """One order, by ``order_id`` or ``orig_client_order_id`` (-2013 `NoSuchOrderError` if unknown).

        With both, Binance looks the order up by id and refuses it if the client id does not match.
        """
        check_one_of(("order_id", order_id), ("orig_client_order_id", orig_client_order_id))
        params = {"symbol": symbol, "orderId": order_id, "origClientOrderId": orig_client_order_id}
        return await self._user_data(E.GET_ORDER, params, recv_window)

    @documents(E.OPEN_ORDERS)
    async def open_orders(self, symbol: str | None = None, *, recv_window: int | None = None) -> list[Order]:
        """The account's open orders on `symbol`, or on every symbol when none is given."""
        return await self._user_data(E.OPEN_ORDERS, {"symbol": symbol}, recv_window)

    @documents(E.ALL_ORDERS)
    async def all_orders(
        self,
        symbol: str,
        *,
        order_id: int | None = None,
        start_time: Timestamp | None = None,
        end_time: Timestamp | None = None,
        limit: int | None = None,
        recv_window: int | None = None,
    ) -> list[Order]:
        """The account's orders on `symbol`, open or not (up to 1000, default 500).

        From ``order_id`` on if given, else the most recent; ``start_time`` .. ``end_time`` spans at
        most 24 hours.
        """
        params = {"symbol": symbol, "orderId": order_id, **_history(start_time, end_time, limit)}
        return await self._user_data(E.ALL_ORDERS, params, recv_window)

    @documents(E.ORDER_AMENDMENTS)
    async def order_amendments(
        self,
        symbol: str,
        order_id: int,
        *,
        from_execution_id: int | None = None,
        limit: int | None = None,
        recv_window: int | None = None,
    ) -> list[OrderAmendmentRecord]:
        """The quantity amendments of one order, oldest first (up to 1000, default 500)."""
        params = {
            "symbol": symbol,
            "orderId": order_id,
            "fromExecutionId": from_execution_id,
            "limit": check_limit(limit, MAX_PAGE),
        }
        return await self._user_data(E.ORDER_AMENDMENTS, params, recv_window)

    # -- fills -----------------------------------------------------------------------------------------

    @documents(E.MY_TRADES)
    async def my_trades(
        self,
        symbol: str,
        *,
        order_id: int | None = None,
        start_time: Timestamp | None = None,
        end_time: Timestamp | None = None,
        from_id: int | None = None,
        limit: int | None = None,
        recv_window: int | None = None,
    ) -> list[AccountTrade]:
        """The account's trades on `symbol` (up to 1000, default 500).

        Filter by ``order_id`` (optionally from trade id ``from_id``), by trade id ``from_id``, or by
        ``start_time`` / ``end_time`` (at most 24 hours apart); ids and times do not combine.
        """
        _not_with_time(start_time, end_time, ("order_id", order_id), ("from_id", from_id))
        params = {"symbol": symbol, "orderId": order_id, "fromId": from_id}
        return await self._user_data(
            E.MY_TRADES, {**params, **_history(start_time, end_time, limit)}, recv_window
        )

    @documents(E.MY_ALLOCATIONS)
    async def my_allocations(
        self,
        symbol: str,
        *,
        start_time: Timestamp | None = None,
        end_time: Timestamp | None = None,
        from_allocation_id: int | None = None,
        limit: int | None = None,
        order_id: int | None = None,
        recv_window: int | None = None,
    ) -> list[Allocation]:
        """The quantities the account's SOR orders on `symbol` received (up to 1000, default 500).

        Filter by ``order_id`` (optionally from ``from_allocation_id``), by ``from_allocation_id``, or
        by ``start_time`` / ``end_time`` (at most 24 hours apart); ids and times do not combine.
        """
        _not_with_time(
            start_time, end_time, ("order_id", order_id), ("from_allocation_id", from_allocation_id)
        )
        params = {"symbol": symbol, "orderId": order_id, "fromAllocationId": from_allocation_id}
        return await self._user_data(
            E.MY_ALLOCATIONS, {**params, **_history(start_time, end_time, limit)}, recv_window
        )

    @documents(E.MY_PREVENTED_MATCHES)
    async def my_prevented_matches(
        self,
        symbol: str,
        *,
        prevented_match_id: int | None = None,
        order_id: int | None = None,
        from_prevented_match_id: int | None = None,
        limit: int | None = None,
        recv_window: int | None = None,
    ) -> list[PreventedMatch]:
        """Matches self-trade prevention stopped: one by ``prevented_match_id``, or those of ``order_id``.

        By order, ``from_prevented_match_id`` pages (then ``limit``, up to 1000, default 500); no other
        combination is accepted.
        """
        _prevented_matches_combination(prevented_match_id, order_id, from_prevented_match_id, limit)
        params = {
            "symbol": symbol,
            "preventedMatchId": prevented_match_id,
            "orderId": order_id,
            "fromPreventedMatchId": from_prevented_match_id,
            "limit": check_limit(limit, MAX_PAGE),
        }
        return await self._user_data(E.MY_PREVENTED_MATCHES, params, recv_window)
