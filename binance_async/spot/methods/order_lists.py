"""Order-list methods of `SpotClient`: OCO, OTO, OTOCO, OPO, OPOCO; canceling and querying lists.

Every list-placing method sends a ``listClientOrderId`` and a client order id for each order of the
list (``aboveClientOrderId``, ``workingClientOrderId``, ``pendingAboveClientOrderId`` ...), generated
when the caller gives none. If the outcome is unknown (a 5xx, -1006/-1007, a timeout, a dropped
connection, the caller's task cancelled once the request may have left) the error carries the list's
id (``error.client_order_id``), which stays in ``unknown_outcomes`` until `reconcile_order_list`
settles it (the list, or None if it was not placed); never just resend.

Before sending, each order of the list is checked for what its type needs (`check_order_shape`), the
amounts for being positive, an OCO pair for its order types (SELL: above LIMIT_MAKER/TAKE_PROFIT(_LIMIT),
below STOP_LOSS(_LIMIT); BUY: the reverse), an OPO/OPOCO for its sides (working BUY, pending SELL).

With ``validate=True`` (or ``SpotClient(validate_orders=True)``; ``validate=False`` turns it off for
one call) every order of the list is also checked against the symbol's filters, as `new_order`
checks a single order, before anything is sent: one `symbol_rules` lookup, and one ``avgPrice``
call only if some order needs the reference price. Each order is checked as a single order of its
side and type: an OCO's two orders with the list's ``side`` and ``quantity``; the deprecated OCO's
LIMIT_MAKER (``price``, ``limit_iceberg_qty``) and STOP_LOSS, or STOP_LOSS_LIMIT at
``stop_limit_price`` (``stop_price``, ``trailing_delta``, ``stop_iceberg_qty``); an OTO/OTOCO's
working order and its pending order(s) with ``pending_side`` and ``pending_quantity``. An OPO's or
OPOCO's pending orders, which sell what the working order bought, are checked with the working
quantity (the real one is smaller by the commission). The first order that breaks a filter raises
`OrderValidationError` (its ``filter_type``, ``field``, ``value`` and ``allowed`` as for a single
order, ``field`` under the single-order name such as ``price``) whose message starts with the
order's name: ``"above order: PRICE_FILTER: ..."``, ``"limit order: ..."``, ``"stop order: ..."``,
``"working order: ..."``, ``"pending order: ..."``, ``"pending_above order: ..."``,
``"pending_below order: ..."``; nothing is sent. As for single orders, the open-order counts
(MAX_NUM_ORDERS, MAX_NUM_ALGO_ORDERS, MAX_NUM_ORDER_LISTS ...) are not checked.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

from ..._endpoint import Endpoint
from ..._timerange import check_time_range
from ...errors import InvalidRequestError, NoSuchOrderError
from .. import endpoints as E
from .._common import check_limit, check_one_of, documents
from ..enums import OrderResponseType, OrderSide, Timestamp
from ..models.order_lists import CanceledOrderList, OrderListAck, OrderListFull, OrderListResult
from ..models.trading import OrderListStatus
from ..params.order_lists import (
    LegacyOcoOptions,
    OcoOptions,
    OpocoOptions,
    OpoOptions,
    OtocoOptions,
    OtoOptions,
    check_legacy_oco,
    check_oco,
    check_oto,
    list_wire_params,
)
from ..params.trading import (
    Number,
    check_positive,
    check_recv_window,
    snake,
)
from ..rules.cache import RulesMixin
from ..rules.validation import OrderLeg

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["OrderListMixin"]

_MAX_SPAN_MS = 24 * 3600 * 1000


def _check_window(from_id: int | None, start_time: Timestamp | None, end_time: Timestamp | None) -> None:
    """``fromId`` excludes a time window; a window runs forward and spans at most 24 hours."""
    start, end = check_time_range(start_time, end_time, max_span_ms=_MAX_SPAN_MS)
    if from_id is not None and (start is not None or end is not None):
        raise InvalidRequestError("give from_id or start_time/end_time, not both")


class OrderListMixin(RulesMixin):
    """Placing, canceling and querying order lists (OCO, OTO, OTOCO, OPO, OPOCO).

    Every placing method answers in the shape ``new_order_resp_type`` asks for (default FULL):
    `OrderListAck`, `OrderListResult` or `OrderListFull`. ``validate=True`` (default: the client's
    ``validate_orders``) checks each order of the list against the symbol's filters before sending
    (see the module docstring).
    """

    async def _place_list(
        self,
        endpoint: Endpoint[Any],
        params: dict[str, Any],
        legs: Sequence[OrderLeg],
        resp_type: str,
        validate: bool | None,
    ) -> Any:
        """Validate the orders if asked, add the client ids (list, orders) and response type, send."""
        await self._validate(params["symbol"], legs, validate)
        list_id = params["listClientOrderId"] = self._client_order_id(
            params.get("listClientOrderId"), "list_client_order_id"
        )
        for leg in legs:
            key = f"{leg.name}ClientOrderId"
            params[key] = self._client_order_id(params.get(key), snake(key))
        params["newOrderRespType"] = resp_type
        return await self._pipeline.call(endpoint.variant(resp_type), params, client_order_id=list_id)

    async def _place_oto(
        self,
        endpoint: Endpoint[Any],
        symbol: str,
        options: Mapping[str, Any],
        allowed: Any,
        resp_type: str,
        validate: bool | None,
        *,
        opo: bool,
        pair: bool,
    ) -> Any:
        """OTO (`pair` False), OTOCO (`pair`), and their OPO forms (`opo`: no pending quantity)."""
        params = list_wire_params(endpoint.name, {"symbol": symbol}, options, allowed)
        legs = check_oto(params, opo=opo, pair=pair)
        return await self._place_list(endpoint, params, legs, resp_type, validate)

    # -- OCO ---------------------------------------------------------------------------------------------

    @overload
    async def new_oco(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Number,
        *,
        new_order_resp_type: Literal["ACK"],
        validate: bool | None = None,
        **options: Unpack[OcoOptions],
    ) -> OrderListAck: ...
    @overload
    async def new_oco(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Number,
        *,
        new_order_resp_type: Literal["RESULT"],
        validate: bool | None = None,
        **options: Unpack[OcoOptions],
    ) -> OrderListResult: ...
    @overload
    async def new_oco(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Number,
        *,
        new_order_resp_type: Literal["FULL"] = "FULL",
        validate: bool | None = None,
        **options: Unpack[OcoOptions],
    ) -> OrderListFull: ...
    @documents(E.NEW_OCO)
    async def new_oco(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Number,
        *,
        new_order_resp_type: OrderResponseType = "FULL",
        validate: bool | None = None,
        **options: Unpack[OcoOptions],
    ) -> OrderListAck | OrderListResult | OrderListFull:
        """Place an OCO: two orders of `quantity` on one side, one above and one below the price.

        Required: ``above_type`` and ``below_type``. A SELL OCO has a LIMIT_MAKER or
        TAKE_PROFIT(_LIMIT) order above the last price and a STOP_LOSS(_LIMIT) order below it; a
        BUY OCO the reverse. Each order takes ``{above,below}_`` + ``client_order_id`` (generated if
        not given), ``price``, ``stop_price``, ``trailing_delta``, ``time_in_force``,
        ``iceberg_qty``, ``strategy_id``, ``strategy_type``, ``peg_price_type``,
        ``peg_offset_type``, ``peg_offset_value``; the list takes ``list_client_order_id``
        (generated if not given), ``self_trade_prevention_mode`` and ``recv_window``.
        ``validate=True`` (or ``SpotClient(validate_orders=True)``) checks both orders against the
        symbol's filters first: `OrderValidationError` naming the order (``"above order: ..."``),
        nothing sent.
        """
        params = list_wire_params(
            "new_oco", {"symbol": symbol, "side": side, "quantity": quantity}, options, OcoOptions
        )
        check_positive(params, ("quantity",))
        legs = check_oco(side, params, "above", "below", quantity)
        result: OrderListAck | OrderListResult | OrderListFull = await self._place_list(
            E.NEW_OCO, params, legs, new_order_resp_type, validate
        )
        return result

    @overload
    async def new_oco_legacy(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Number,
        *,
        new_order_resp_type: Literal["ACK"],
        validate: bool | None = None,
        **options: Unpack[LegacyOcoOptions],
    ) -> OrderListAck: ...
    @overload
    async def new_oco_legacy(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Number,
        *,
        new_order_resp_type: Literal["RESULT"],
        validate: bool | None = None,
        **options: Unpack[LegacyOcoOptions],
    ) -> OrderListResult: ...
    @overload
    async def new_oco_legacy(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Number,
        *,
        new_order_resp_type: Literal["FULL"] = "FULL",
        validate: bool | None = None,
        **options: Unpack[LegacyOcoOptions],
    ) -> OrderListFull: ...
    @documents(E.NEW_OCO_LEGACY)
    async def new_oco_legacy(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Number,
        *,
        new_order_resp_type: OrderResponseType = "FULL",
        validate: bool | None = None,
        **options: Unpack[LegacyOcoOptions],
    ) -> OrderListAck | OrderListResult | OrderListFull:
        """Place an OCO the deprecated way (warns `DeprecationWarning`; use `new_oco`).

        Required: ``price`` (a LIMIT_MAKER order) and ``stop_price`` (a STOP_LOSS order, or
        STOP_LOSS_LIMIT with ``stop_limit_price`` and ``stop_limit_time_in_force``), both of
        `quantity`; SELL: price > last price > stop_price, BUY: the reverse. Options:
        ``list_client_order_id``, ``limit_client_order_id``, ``stop_client_order_id`` (each
        generated if not given), ``limit_strategy_id``, ``limit_strategy_type``,
        ``limit_iceberg_qty``, ``trailing_delta``, ``stop_strategy_id``, ``stop_strategy_type``,
        ``stop_iceberg_qty``, ``self_trade_prevention_mode``, ``recv_window``. ``validate`` as in
        `new_oco` (the orders are named ``limit`` and ``stop``).
        """
        warnings.warn(
            "POST /api/v3/order/oco is deprecated by Binance: use new_oco", DeprecationWarning, stacklevel=2
        )
        head = {"symbol": symbol, "side": side, "quantity": quantity}
        params = list_wire_params("new_oco_legacy", head, options, LegacyOcoOptions)
        legs = check_legacy_oco(params)
        result: OrderListAck | OrderListResult | OrderListFull = await self._place_list(
            E.NEW_OCO_LEGACY, params, legs, new_order_resp_type, validate
        )
        return result

    # -- OTO, OTOCO ----------------------------------------------------------------------------------------

    @overload
    async def new_oto(
        self,
        symbol: str,
        *,
        new_order_resp_type: Literal["ACK"],
        validate: bool | None = None,
        **options: Unpack[OtoOptions],
    ) -> OrderListAck: ...
    @overload
    async def new_oto(
        self,
        symbol: str,
        *,
        new_order_resp_type: Literal["RESULT"],
        validate: bool | None = None,
        **options: Unpack[OtoOptions],
    ) -> OrderListResult: ...
    @overload
    async def new_oto(
        self,
        symbol: str,
        *,
        new_order_resp_type: Literal["FULL"] = "FULL",
        validate: bool | None = None,
        **options: Unpack[OtoOptions],
    ) -> OrderListFull: ...
    @documents(E.NEW_OTO)
    async def new_oto(
        self,
        symbol: str,
        *,
        new_order_resp_type: OrderResponseType = "FULL",
        validate: bool | None = None,
        **options: Unpack[OtoOptions],
    ) -> OrderListAck | OrderListResult | OrderListFull:
        """Place an OTO: a working order that, once fully filled, places a pending order.

        Required: ``working_type`` (LIMIT or LIMIT_MAKER), ``working_side``, ``working_price``,
        ``working_quantity``, ``pending_type``, ``pending_side``, ``pending_quantity``. Each order
        takes ``{working,pending}_`` + ``client_order_id`` (generated if not given),
        ``time_in_force``, ``iceberg_qty``, ``strategy_id``, ``strategy_type``, ``peg_price_type``,
        ``peg_offset_type``, ``peg_offset_value``; the pending order also ``pending_price``,
        ``pending_stop_price``, ``pending_trailing_delta``. The list takes ``list_client_order_id``
        (generated if not given), ``self_trade_prevention_mode`` and ``recv_window``. ``validate``
        as in `new_oco` (the orders are named ``working`` and ``pending``).
        """
        result: OrderListAck | OrderListResult | OrderListFull = await self._place_oto(
            E.NEW_OTO, symbol, options, OtoOptions, new_order_resp_type, validate, opo=False, pair=False
        )
        return result

    @overload
    async def new_otoco(
        self,
        symbol: str,
        *,
        new_order_resp_type: Literal["ACK"],
        validate: bool | None = None,
        **options: Unpack[OtocoOptions],
    ) -> OrderListAck: ...
    @overload
    async def new_otoco(
        self,
        symbol: str,
        *,
        new_order_resp_type: Literal["RESULT"],
        validate: bool | None = None,
        **options: Unpack[OtocoOptions],
    ) -> OrderListResult: ...
    @overload
    async def new_otoco(
        self,
        symbol: str,
        *,
        new_order_resp_type: Literal["FULL"] = "FULL",
        validate: bool | None = None,
        **options: Unpack[OtocoOptions],
    ) -> OrderListFull: ...
    @documents(E.NEW_OTOCO)
    async def new_otoco(
        self,
        symbol: str,
        *,
        new_order_resp_type: OrderResponseType = "FULL",
        validate: bool | None = None,
        **options: Unpack[OtocoOptions],
    ) -> OrderListAck | OrderListResult | OrderListFull:
        """Place an OTOCO: a working order that, once fully filled, places an OCO pair.

        Required: ``working_type`` (LIMIT or LIMIT_MAKER), ``working_side``, ``working_price``,
        ``working_quantity``, ``pending_side``, ``pending_quantity``, ``pending_above_type``;
        ``pending_below_type`` adds the below order (the OCO rules of `new_oco` apply to the pair).
        Each order takes its prefix (``working_``, ``pending_above_``, ``pending_below_``) +
        ``client_order_id`` (generated if not given), ``time_in_force``, ``iceberg_qty``,
        ``strategy_id``, ``strategy_type``, ``peg_price_type``, ``peg_offset_type``,
        ``peg_offset_value``; the pending orders also ``price``, ``stop_price``,
        ``trailing_delta``. The list takes ``list_client_order_id`` (generated if not given),
        ``self_trade_prevention_mode`` and ``recv_window``. ``validate`` as in `new_oco` (the orders
        are named ``working``, ``pending_above`` and ``pending_below``).
        """
        result: OrderListAck | OrderListResult | OrderListFull = await self._place_oto(
            E.NEW_OTOCO, symbol, options, OtocoOptions, new_order_resp_type, validate, opo=False, pair=True
        )
        return result

    # -- OPO, OPOCO ----------------------------------------------------------------------------------------

    @overload
    async def new_opo(
        self,
        symbol: str,
        *,
        new_order_resp_type: Literal["ACK"],
        validate: bool | None = None,
        **options: Unpack[OpoOptions],
    ) -> OrderListAck: ...
    @overload
    async def new_opo(
        self,
        symbol: str,
        *,
        new_order_resp_type: Literal["RESULT"],
        validate: bool | None = None,
        **options: Unpack[OpoOptions],
    ) -> OrderListResult: ...
    @overload
    async def new_opo(
        self,
        symbol: str,
        *,
        new_order_resp_type: Literal["FULL"] = "FULL",
        validate: bool | None = None,
        **options: Unpack[OpoOptions],
    ) -> OrderListFull: ...
    @documents(E.NEW_OPO)
    async def new_opo(
        self,
        symbol: str,
        *,
        new_order_resp_type: OrderResponseType = "FULL",
        validate: bool | None = None,
        **options: Unpack[OpoOptions],
    ) -> OrderListAck | OrderListResult | OrderListFull:
        """Place an OPO: a working BUY that, once fully filled, places a SELL of what it bought.

        Takes what `new_oto` takes except ``pending_quantity``: Binance sells what the working
        order received, net of commission (the pending order's report has ``orig_qty`` None until
        then). The working order must be a BUY and the pending order a SELL. ``validate`` checks the
        pending order with ``working_quantity``.
        """
        result: OrderListAck | OrderListResult | OrderListFull = await self._place_oto(
            E.NEW_OPO, symbol, options, OpoOptions, new_order_resp_type, validate, opo=True, pair=False
        )
        return result

    @overload
    async def new_opoco(
        self,
        symbol: str,
        *,
        new_order_resp_type: Literal["ACK"],
        validate: bool | None = None,
        **options: Unpack[OpocoOptions],
    ) -> OrderListAck: ...
    @overload
    async def new_opoco(
        self,
        symbol: str,
        *,
        new_order_resp_type: Literal["RESULT"],
        validate: bool | None = None,
        **options: Unpack[OpocoOptions],
    ) -> OrderListResult: ...
    @overload
    async def new_opoco(
        self,
        symbol: str,
        *,
        new_order_resp_type: Literal["FULL"] = "FULL",
        validate: bool | None = None,
        **options: Unpack[OpocoOptions],
    ) -> OrderListFull: ...
    @documents(E.NEW_OPOCO)
    async def new_opoco(
        self,
        symbol: str,
        *,
        new_order_resp_type: OrderResponseType = "FULL",
        validate: bool | None = None,
        **options: Unpack[OpocoOptions],
    ) -> OrderListAck | OrderListResult | OrderListFull:
        """Place an OPOCO: a working BUY that, once fully filled, places an OCO pair selling what it bought.

        Takes what `new_otoco` takes except ``pending_quantity`` (see `new_opo`). The working order
        must be a BUY and the pending orders SELL. ``validate`` checks the pending orders with
        ``working_quantity``.
        """
        result: OrderListAck | OrderListResult | OrderListFull = await self._place_oto(
            E.NEW_OPOCO, symbol, options, OpocoOptions, new_order_resp_type, validate, opo=True, pair=True
        )
        return result

    # -- cancel and query ------------------------------------------------------------------------------------

    @documents(E.CANCEL_ORDER_LIST)
    async def cancel_order_list(
        self,
        symbol: str,
        *,
        order_list_id: int | None = None,
        list_client_order_id: str | None = None,
        new_client_order_id: str | None = None,
        recv_window: int | None = None,
    ) -> CanceledOrderList:
        """Cancel an order list, by ``order_list_id`` or ``list_client_order_id``.

        Canceling any single order of a list (`cancel_order`) cancels the whole list too.
        ``new_client_order_id`` names the cancel (the reports' ``client_order_id``).
        """
        check_one_of(("order_list_id", order_list_id), ("list_client_order_id", list_client_order_id))
        if list_client_order_id is None:  # the cancel's own id keys an unknown outcome
            new_client_order_id = self._client_order_id(new_client_order_id, "new_client_order_id")
        params = {
            "symbol": symbol,
            "orderListId": order_list_id,
            "listClientOrderId": list_client_order_id,
            "newClientOrderId": new_client_order_id,
            "recvWindow": check_recv_window(recv_window),
        }
        key = list_client_order_id if list_client_order_id is not None else new_client_order_id
        return await self._pipeline.call(E.CANCEL_ORDER_LIST, params, client_order_id=key)

    async def reconcile_order_list(
        self, list_client_order_id: str, *, attempts: int = 1, interval: float = 1.0
    ) -> OrderListStatus | None:
        """Find an order list by its ``listClientOrderId`` after an unknown outcome: the list, or None.

        As `reconcile_order` for single orders: None means Binance does not know the list; either
        answer settles the id in ``unknown_outcomes``. For an entry of a list cancel sent by
        ``order_list_id``, that list is looked up (read its ``list_order_status``).
        """
        if attempts < 1:
            raise InvalidRequestError(f"attempts must be at least 1, got {attempts}")
        outcomes = self._pipeline.outcomes
        sent = outcomes.get(list_client_order_id)
        params: dict[str, Any] = {"origClientOrderId": list_client_order_id}
        if sent is not None:
            if sent.params.get("orderListId") is not None:
                params = {"orderListId": sent.params["orderListId"]}
            elif sent.params.get("listClientOrderId") is not None and sent.method == "DELETE":
                params = {"origClientOrderId": sent.params["listClientOrderId"]}
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(interval)
            try:
                found: OrderListStatus = await self._pipeline.call(E.GET_ORDER_LIST, params)
            except NoSuchOrderError:
                continue
            outcomes._settle(list_client_order_id)
            return found
        outcomes._settle(list_client_order_id)
        return None

    @documents(E.GET_ORDER_LIST)
    async def get_order_list(
        self,
        *,
        order_list_id: int | None = None,
        orig_client_order_id: str | None = None,
        recv_window: int | None = None,
    ) -> OrderListStatus:
        """One order list, by ``order_list_id`` or ``orig_client_order_id`` (its ``listClientOrderId``).

        Raises `NoSuchOrderError` if Binance does not know it.
        """
        check_one_of(("order_list_id", order_list_id), ("orig_client_order_id", orig_client_order_id))
        params = {
            "orderListId": order_list_id,
            "origClientOrderId": orig_client_order_id,
            "recvWindow": check_recv_window(recv_window),
        }
        return await self._pipeline.call(E.GET_ORDER_LIST, params)

    @documents(E.ALL_ORDER_LISTS)
    async def all_order_lists(
        self,
        *,
        from_id: int | None = None,
        start_time: Timestamp | None = None,
        end_time: Timestamp | None = None,
        limit: int | None = None,
        recv_window: int | None = None,
    ) -> list[OrderListStatus]:
        """The account's order lists of every symbol: from ``from_id`` on, or within a time window.

        ``from_id`` excludes ``start_time``/``end_time``; a window spans at most 24 hours.
        ``limit``: 1..1000 (Binance's default 500).
        """
        _check_window(from_id, start_time, end_time)
        params = {
            "fromId": from_id,
            "startTime": start_time,
            "endTime": end_time,
            "limit": check_limit(limit, 1000),
            "recvWindow": check_recv_window(recv_window),
        }
        return await self._pipeline.call(E.ALL_ORDER_LISTS, params)

    @documents(E.OPEN_ORDER_LISTS)
    async def open_order_lists(self, *, recv_window: int | None = None) -> list[OrderListStatus]:
        """The account's open order lists, of every symbol."""
        return await self._pipeline.call(E.OPEN_ORDER_LISTS, {"recvWindow": check_recv_window(recv_window)})
