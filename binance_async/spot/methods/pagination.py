"""Pagination: async iterators over history longer than one page.

::

    async for kline in client.iter_klines("BTCUSDT", "1m", start_time=start, end_time=end):
        ...

Each page is one request through the pipeline, so the rate limiter paces a long download (no fixed
sleeps): a page waits only when its weight does not fit the current window. Pages follow a cursor
that only moves forward (the next open time, trade id, order id or order list id after the last
item seen), so an item is yielded once even while new ones are being added, and a page that does
not move the cursor ends the walk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, TypeVar

from ..._endpoint import Endpoint
from ..._timerange import check_time_range
from ...errors import InvalidRequestError
from .. import endpoints as E
from .._common import SpotBase, check_limit, check_symbol
from ..enums import KlineInterval, Timestamp
from ..models.account import AccountTrade
from ..models.market import AggTrade, Kline, Trade
from ..models.trading import Order, OrderListStatus

__all__ = ["PaginationMixin"]

T = TypeVar("T")

_HOUR_MS = 3_600_000
_MAX_PAGE = 1000


class PaginationMixin(SpotBase):
    """``iter_*`` methods: every item of a range, one page (one request) at a time."""

    async def _walk(
        self,
        endpoint: Endpoint[list[T]],
        params: Mapping[str, Any],
        *,
        cursor: str,
        after: Callable[[T], int],
        limit: int,
        later: Mapping[str, Any] | None = None,
        stop: Callable[[T], bool] | None = None,
    ) -> AsyncIterator[T]:
        """Yield items page by page; the next page asks for ``cursor = after(last item)``.

        `later` replaces parameters from the second page on (time filters that the cursor makes
        redundant or that Binance refuses together with it); `stop` ends the walk at the first item
        past the range.
        """
        check_symbol(params.get("symbol"))  # before the first page: a lower-case symbol is -1100
        page_params = dict(params)
        previous: int | None = None
        while True:
            page = await self._pipeline.call(endpoint, page_params)
            for item in page:
                if stop is not None and stop(item):
                    return
                yield item
            if len(page) < limit:
                return
            position = after(page[-1])
            if previous is not None and position <= previous:
                return  # the cursor did not move: nothing newer to ask for
            previous = position
            page_params = {**page_params, **(later or {}), cursor: position}

    async def _iter_klines(
        self,
        endpoint: Endpoint[list[Kline]],
        symbol: str,
        interval: KlineInterval,
        start_time: Timestamp | None,
        end_time: Timestamp | None,
        time_zone: str | None,
        limit: int,
    ) -> AsyncIterator[Kline]:
        start, end = check_time_range(start_time, end_time)
        params = {
            "symbol": symbol,
            "interval": interval,
            "startTime": start if start is not None else 0,
            "endTime": end,
            "timeZone": time_zone,
            "limit": check_limit(limit, _MAX_PAGE),
        }
        async for kline in self._walk(
            endpoint, params, cursor="startTime", after=lambda k: k.open_time + 1, limit=limit
        ):
            yield kline

    def iter_klines(
        self,
        symbol: str,
        interval: KlineInterval,
        *,
        start_time: Timestamp | None = None,
        end_time: Timestamp | None = None,
        time_zone: str | None = None,
        limit: int = _MAX_PAGE,
    ) -> AsyncIterator[Kline]:
        """Every kline from `start_time` (default: the first) to `end_time` (default: now).

        ``GET /api/v3/klines`` pages of `limit` (weight 2 each).
        """
        return self._iter_klines(E.KLINES, symbol, interval, start_time, end_time, time_zone, limit)

    def iter_ui_klines(
        self,
        symbol: str,
        interval: KlineInterval,
        *,
        start_time: Timestamp | None = None,
        end_time: Timestamp | None = None,
        time_zone: str | None = None,
        limit: int = _MAX_PAGE,
    ) -> AsyncIterator[Kline]:
        """Every UI kline in a range, like `iter_klines` (``GET /api/v3/uiKlines``, weight 2 a page)."""
        return self._iter_klines(E.UI_KLINES, symbol, interval, start_time, end_time, time_zone, limit)

    async def iter_agg_trades(
        self,
        symbol: str,
        *,
        from_id: int | None = None,
        start_time: Timestamp | None = None,
        end_time: Timestamp | None = None,
        limit: int = _MAX_PAGE,
    ) -> AsyncIterator[AggTrade]:
        """Every aggregate trade from `from_id`, or within [`start_time`, `end_time`].

        ``GET /api/v3/aggTrades`` (weight 4 a page). Binance takes a time range of at most an hour,
        so a time range is searched an hour at a time for its first trade, then walked by id.
        """
        check_symbol(symbol)
        start, end = check_time_range(start_time, end_time)
        check_limit(limit, _MAX_PAGE)
        if from_id is not None and start is not None:
            raise InvalidRequestError("give from_id or start_time, not both")
        if from_id is None:
            if start is None:
                from_id = 0
            else:
                from_id = await self._first_agg_trade(symbol, start, end, limit)
                if from_id is None:
                    return
        params = {"symbol": symbol, "fromId": from_id, "limit": limit}
        past_end = None if end is None else (lambda trade: trade.time > end)
        async for trade in self._walk(
            E.AGG_TRADES,
            params,
            cursor="fromId",
            after=lambda t: t.agg_trade_id + 1,
            limit=limit,
            stop=past_end,
        ):
            yield trade

    async def _first_agg_trade(self, symbol: str, start: int, end: int | None, limit: int) -> int | None:
        """The id of the first aggregate trade at or after `start` (and not after `end`), if any."""
        last = end if end is not None else self._pipeline.clock.now_ms()
        while start <= last:
            window_end = min(start + _HOUR_MS - 1, last)
            params = {"symbol": symbol, "startTime": start, "endTime": window_end, "limit": 1}
            page = await self._pipeline.call(E.AGG_TRADES, params)
            if page:
                return page[0].agg_trade_id
            start = window_end + 1
        return None

    async def iter_historical_trades(
        self, symbol: str, *, from_id: int = 0, until_id: int | None = None, limit: int = _MAX_PAGE
    ) -> AsyncIterator[Trade]:
        """Every trade from trade id `from_id` (up to `until_id`, inclusive, if given).

        ``GET /api/v3/historicalTrades`` (weight 25 a page).
        """
        params = {"symbol": symbol, "fromId": from_id, "limit": check_limit(limit, _MAX_PAGE)}
        stop = None if until_id is None else (lambda trade: trade.id > until_id)
        async for trade in self._walk(
            E.HISTORICAL_TRADES, params, cursor="fromId", after=lambda t: t.id + 1, limit=limit, stop=stop
        ):
            yield trade

    async def _iter_user_history(
        self,
        endpoint: Endpoint[list[T]],
        params: dict[str, Any],
        *,
        cursor: str,
        first: int | None,
        after: Callable[[T], int],
        when: Callable[[T], int],
        start_time: Timestamp | None,
        end_time: Timestamp | None,
        limit: int,
    ) -> AsyncIterator[T]:
        """Account history: by id from `first`, or from `start_time`, then by id up to `end_time`."""
        start, end = check_time_range(start_time, end_time)
        check_limit(limit, _MAX_PAGE)
        if first is not None and start is not None:
            raise InvalidRequestError(f"give the starting id or start_time, not both ({endpoint.name})")
        params["limit"] = limit
        if start is not None:
            params["startTime"] = start
        else:
            params[cursor] = first if first is not None else 0
        stop = None if end is None else (lambda item: when(item) > end)
        later = {"startTime": None}
        async for item in self._walk(
            endpoint, params, cursor=cursor, after=after, limit=limit, later=later, stop=stop
        ):
            yield item

    def iter_all_orders(
        self,
        symbol: str,
        *,
        order_id: int | None = None,
        start_time: Timestamp | None = None,
        end_time: Timestamp | None = None,
        limit: int = _MAX_PAGE,
    ) -> AsyncIterator[Order]:
        """Every order on `symbol` from `order_id`, or placed from `start_time`, up to `end_time`.

        ``GET /api/v3/allOrders`` (weight 20 a page), oldest first.
        """
        return self._iter_user_history(
            E.ALL_ORDERS,
            {"symbol": symbol},
            cursor="orderId",
            first=order_id,
            after=lambda order: order.order_id + 1,
            when=lambda order: order.time,
            start_time=start_time,
            end_time=end_time,
            limit=limit,
        )

    def iter_my_trades(
        self,
        symbol: str,
        *,
        from_id: int | None = None,
        start_time: Timestamp | None = None,
        end_time: Timestamp | None = None,
        limit: int = _MAX_PAGE,
    ) -> AsyncIterator[AccountTrade]:
        """Every trade of the account on `symbol` from trade id `from_id`, or from `start_time`.

        ``GET /api/v3/myTrades`` (weight 20 a page), oldest first, up to `end_time` if given.
        """
        return self._iter_user_history(
            E.MY_TRADES,
            {"symbol": symbol},
            cursor="fromId",
            first=from_id,
            after=lambda trade: trade.id + 1,
            when=lambda trade: trade.time,
            start_time=start_time,
            end_time=end_time,
            limit=limit,
        )

    def iter_all_order_lists(
        self,
        *,
        from_id: int | None = None,
        start_time: Timestamp | None = None,
        end_time: Timestamp | None = None,
        limit: int = _MAX_PAGE,
    ) -> AsyncIterator[OrderListStatus]:
        """Every order list of the account from order list id `from_id`, or from `start_time`.

        ``GET /api/v3/allOrderList`` (weight 20 a page), oldest first, up to `end_time` if given.
        """
        return self._iter_user_history(
            E.ALL_ORDER_LISTS,
            {},
            cursor="fromId",
            first=from_id,
            after=lambda order_list: order_list.order_list_id + 1,
            when=lambda order_list: order_list.transaction_time or 0,
            start_time=start_time,
            end_time=end_time,
            limit=limit,
        )
