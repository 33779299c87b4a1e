"""Order methods of `SpotClient` (TRADE endpoints) and order reconciliation.

Every order-placing method sends a ``newClientOrderId`` (generated when the caller gives none), so
that an order whose fate is unknown (a 5xx, -1006/-1007, a timeout, a dropped connection, or the
caller's task cancelled once the request may have left) can be found again: such an error carries
the id (``error.client_order_id``) and the request, the request is never resent, the id stays in
``unknown_outcomes`` until `reconcile_order` settles it (found or not found).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

import msgspec

from ..._decimal_checks import check_numbers, numbers_kind
from ..._endpoint import decoder_for
from ..._outcomes import UnknownOutcomes
from ...errors import (
    InvalidRequestError,
    InvalidResponseError,
    NoSuchOrderError,
)
from .. import endpoints as E
from .._common import check_one_of, documents
from ..enums import CancelReplaceMode, CancelRestrictions, OrderResponseType, OrderSide, OrderType
from ..models.trading import (
    CanceledOrder,
    CancelReplaceResult,
    Order,
    OrderAck,
    OrderAmendment,
    OrderFull,
    OrderListStatus,
    OrderResult,
    TestOrderCommission,
)
from ..params.trading import (
    CancelReplaceOptions,
    Number,
    OrderOptions,
    SorOrderOptions,
    TestOrderOptions,
    TestSorOrderOptions,
    check_order_shape,
    check_positive,
    check_recv_window,
    wire_params,
)
from ..rules.cache import RulesMixin
from ..rules.validation import OrderLeg

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["TradingMixin"]

_SOR_TYPES = frozenset({"LIMIT", "MARKET"})
_LIST_PATHS = ("/api/v3/orderList", "/api/v3/order/oco")


class TradingMixin(RulesMixin):
    """Placing, testing, canceling, replacing and amending orders; reconciling unknown outcomes."""

    async def _order_params(
        self,
        method: str,
        head: dict[str, Any],
        options: Mapping[str, Any],
        allowed: type,
        validate: bool | None,
    ) -> dict[str, Any]:
        """The wire params of one order: checked, validated if asked, with a client order id."""
        params = {**head, **wire_params(options, allowed, method)}
        check_order_shape(head["type"], params)
        await self._validate(head["symbol"], [OrderLeg(head["side"], head["type"], params)], validate)
        return params

    # -- new orders --------------------------------------------------------------------------------

    @overload
    async def new_order(
        self,
        symbol: str,
        side: OrderSide,
        type: OrderType,
        *,
        new_order_resp_type: Literal["ACK"],
        validate: bool | None = None,
        **options: Unpack[OrderOptions],
    ) -> OrderAck: ...
    @overload
    async def new_order(
        self,
        symbol: str,
        side: OrderSide,
        type: OrderType,
        *,
        new_order_resp_type: Literal["RESULT"],
        validate: bool | None = None,
        **options: Unpack[OrderOptions],
    ) -> OrderResult: ...
    @overload
    async def new_order(
        self,
        symbol: str,
        side: OrderSide,
        type: OrderType,
        *,
        new_order_resp_type: Literal["FULL"] = "FULL",
        validate: bool | None = None,
        **options: Unpack[OrderOptions],
    ) -> OrderFull: ...
    @documents(E.NEW_ORDER)
    async def new_order(
        self,
        symbol: str,
        side: OrderSide,
        type: OrderType,
        *,
        new_order_resp_type: OrderResponseType = "FULL",
        validate: bool | None = None,
        **options: Unpack[OrderOptions],
    ) -> OrderAck | OrderResult | OrderFull:
        """Place an order; returns it in the shape ``new_order_resp_type`` asks for (default FULL).

        Options (snake_case of Binance's names): ``time_in_force``, ``quantity``,
        ``quote_order_qty``, ``price``, ``new_client_order_id`` (generated if not given; the
        response's ``client_order_id``), ``strategy_id``, ``strategy_type``, ``stop_price``,
        ``trailing_delta``, ``iceberg_qty``, ``self_trade_prevention_mode``, ``peg_price_type``,
        ``peg_offset_value``, ``peg_offset_type``, ``recv_window``. What each type needs is
        checked before sending. ``validate=True`` (or ``SpotClient(validate_orders=True)``) also
        checks the symbol's filters: an order that breaks one raises `OrderValidationError` and is
        not sent. If the outcome is unknown (5xx, -1006, -1007, timeout) the error carries the
        client order id: look the order up with `reconcile_order`, never just resend.
        """
        params = await self._order_params(
            "new_order", {"symbol": symbol, "side": side, "type": type}, options, OrderOptions, validate
        )
        client_id = params["newClientOrderId"] = self._client_order_id(params.get("newClientOrderId"))
        params["newOrderRespType"] = new_order_resp_type
        endpoint = E.NEW_ORDER.variant(new_order_resp_type)
        result: OrderAck | OrderResult | OrderFull = await self._pipeline.call(
            endpoint, params, client_order_id=client_id
        )
        return result

    @documents(E.TEST_NEW_ORDER)
    async def test_new_order(
        self,
        symbol: str,
        side: OrderSide,
        type: OrderType,
        *,
        validate: bool | None = None,
        **options: Unpack[TestOrderOptions],
    ) -> TestOrderCommission:
        """Check an order with Binance without placing it (``compute_commission_rates=True``: rates).

        Takes every `new_order` option; the same local checks apply.
        """
        params = await self._order_params(
            "test_new_order",
            {"symbol": symbol, "side": side, "type": type},
            options,
            TestOrderOptions,
            validate,
        )
        return await self._pipeline.call(E.TEST_NEW_ORDER, params)

    @overload
    async def new_sor_order(
        self,
        symbol: str,
        side: OrderSide,
        type: Literal["LIMIT", "MARKET"],
        quantity: Number,
        *,
        new_order_resp_type: Literal["ACK"],
        validate: bool | None = None,
        **options: Unpack[SorOrderOptions],
    ) -> OrderAck: ...
    @overload
    async def new_sor_order(
        self,
        symbol: str,
        side: OrderSide,
        type: Literal["LIMIT", "MARKET"],
        quantity: Number,
        *,
        new_order_resp_type: Literal["RESULT"],
        validate: bool | None = None,
        **options: Unpack[SorOrderOptions],
    ) -> OrderResult: ...
    @overload
    async def new_sor_order(
        self,
        symbol: str,
        side: OrderSide,
        type: Literal["LIMIT", "MARKET"],
        quantity: Number,
        *,
        new_order_resp_type: Literal["FULL"] = "FULL",
        validate: bool | None = None,
        **options: Unpack[SorOrderOptions],
    ) -> OrderFull: ...
    @documents(E.NEW_SOR_ORDER)
    async def new_sor_order(
        self,
        symbol: str,
        side: OrderSide,
        type: Literal["LIMIT", "MARKET"],
        quantity: Number,
        *,
        new_order_resp_type: OrderResponseType = "FULL",
        validate: bool | None = None,
        **options: Unpack[SorOrderOptions],
    ) -> OrderAck | OrderResult | OrderFull:
        """Place an order through Smart Order Routing (LIMIT or MARKET by quantity only).

        Options: ``time_in_force``, ``price``, ``new_client_order_id`` (generated if not given),
        ``strategy_id``, ``strategy_type``, ``iceberg_qty``, ``self_trade_prevention_mode``,
        ``recv_window``. Unknown outcomes behave as in `new_order`.
        """
        params = await self._sor_params("new_sor_order", symbol, side, type, quantity, options, validate)
        client_id = params["newClientOrderId"] = self._client_order_id(params.get("newClientOrderId"))
        params["newOrderRespType"] = new_order_resp_type
        result: OrderAck | OrderResult | OrderFull = await self._pipeline.call(
            E.NEW_SOR_ORDER.variant(new_order_resp_type), params, client_order_id=client_id
        )
        return result

    @documents(E.TEST_NEW_SOR_ORDER)
    async def test_new_sor_order(
        self,
        symbol: str,
        side: OrderSide,
        type: Literal["LIMIT", "MARKET"],
        quantity: Number,
        *,
        validate: bool | None = None,
        **options: Unpack[TestSorOrderOptions],
    ) -> TestOrderCommission:
        """Check an SOR order with Binance without placing it (``compute_commission_rates=True``)."""
        params = await self._sor_params("test_new_sor_order", symbol, side, type, quantity, options, validate)
        return await self._pipeline.call(E.TEST_NEW_SOR_ORDER, params)

    async def _sor_params(
        self,
        method: str,
        symbol: str,
        side: str,
        order_type: str,
        quantity: Number,
        options: Mapping[str, Any],
        validate: bool | None,
    ) -> dict[str, Any]:
        if order_type not in _SOR_TYPES:
            raise InvalidRequestError(f"SOR orders are LIMIT or MARKET, not {order_type!r}")
        allowed = TestSorOrderOptions if method.startswith("test") else SorOrderOptions
        head = {"symbol": symbol, "side": side, "type": order_type, "quantity": quantity}
        return await self._order_params(method, head, options, allowed, validate)

    # -- cancel, replace, amend ----------------------------------------------------------------------

    @documents(E.CANCEL_ORDER)
    async def cancel_order(
        self,
        symbol: str,
        *,
        order_id: int | None = None,
        orig_client_order_id: str | None = None,
        new_client_order_id: str | None = None,
        cancel_restrictions: CancelRestrictions | None = None,
        recv_window: int | None = None,
    ) -> CanceledOrder:
        """Cancel an open order, by ``order_id`` or ``orig_client_order_id``.

        An unknown outcome raises an `ExecutionStatusUnknown` error (never retried); canceling
        again is harmless (-2011 if it is already gone).
        """
        check_one_of(("order_id", order_id), ("orig_client_order_id", orig_client_order_id))
        if orig_client_order_id is None:  # the cancel's own id keys an unknown outcome
            new_client_order_id = self._client_order_id(new_client_order_id, "new_client_order_id")
        params = {
            "symbol": symbol,
            "orderId": order_id,
            "origClientOrderId": orig_client_order_id,
            "newClientOrderId": new_client_order_id,
            "cancelRestrictions": cancel_restrictions,
            "recvWindow": check_recv_window(recv_window),
        }
        key = orig_client_order_id if orig_client_order_id is not None else new_client_order_id
        return await self._pipeline.call(E.CANCEL_ORDER, params, client_order_id=key)

    @documents(E.CANCEL_OPEN_ORDERS)
    async def cancel_open_orders(
        self, symbol: str, *, recv_window: int | None = None
    ) -> list[CanceledOrder | OrderListStatus]:
        """Cancel every open order and order list on `symbol`; returns what was canceled."""
        params = {"symbol": symbol, "recvWindow": check_recv_window(recv_window)}
        entries = await self._pipeline.call(E.CANCEL_OPEN_ORDERS, params)
        return _canceled_all(entries)

    @overload
    async def cancel_replace_order(
        self,
        symbol: str,
        side: OrderSide,
        type: OrderType,
        cancel_replace_mode: CancelReplaceMode,
        *,
        new_order_resp_type: Literal["ACK"],
        validate: bool | None = None,
        **options: Unpack[CancelReplaceOptions],
    ) -> CancelReplaceResult[OrderAck]: ...
    @overload
    async def cancel_replace_order(
        self,
        symbol: str,
        side: OrderSide,
        type: OrderType,
        cancel_replace_mode: CancelReplaceMode,
        *,
        new_order_resp_type: Literal["RESULT"],
        validate: bool | None = None,
        **options: Unpack[CancelReplaceOptions],
    ) -> CancelReplaceResult[OrderResult]: ...
    @overload
    async def cancel_replace_order(
        self,
        symbol: str,
        side: OrderSide,
        type: OrderType,
        cancel_replace_mode: CancelReplaceMode,
        *,
        new_order_resp_type: Literal["FULL"] = "FULL",
        validate: bool | None = None,
        **options: Unpack[CancelReplaceOptions],
    ) -> CancelReplaceResult[OrderFull]: ...
    @documents(E.CANCEL_REPLACE_ORDER)
    async def cancel_replace_order(
        self,
        symbol: str,
        side: OrderSide,
        type: OrderType,
        cancel_replace_mode: CancelReplaceMode,
        *,
        new_order_resp_type: OrderResponseType = "FULL",
        validate: bool | None = None,
        **options: Unpack[CancelReplaceOptions],
    ) -> CancelReplaceResult[Any]:
        """Cancel an order (``cancel_order_id`` or ``cancel_orig_client_order_id``) and place a new one.

        Takes every `new_order` option for the new order, plus ``cancel_new_client_order_id``,
        ``cancel_restrictions`` and ``order_rate_limit_exceeded_mode``. If either half fails,
        `CancelReplaceError` is raised: check its ``new_order_placed`` (with ALLOW_FAILURE the new
        order can exist although the call failed) and ``client_order_id`` (the new order's id).
        """
        params = await self._order_params(
            "cancel_replace_order",
            {"symbol": symbol, "side": side, "type": type, "cancelReplaceMode": cancel_replace_mode},
            options,
            CancelReplaceOptions,
            validate,
        )
        check_one_of(
            ("cancel_order_id", params.get("cancelOrderId")),
            ("cancel_orig_client_order_id", params.get("cancelOrigClientOrderId")),
        )
        client_id = params["newClientOrderId"] = self._client_order_id(params.get("newClientOrderId"))
        params["newOrderRespType"] = new_order_resp_type
        result: CancelReplaceResult[Any] = await self._pipeline.call(
            E.CANCEL_REPLACE_ORDER.variant(new_order_resp_type), params, client_order_id=client_id
        )
        return result

    @documents(E.AMEND_ORDER_KEEP_PRIORITY)
    async def amend_order_keep_priority(
        self,
        symbol: str,
        new_qty: Number,
        *,
        order_id: int | None = None,
        orig_client_order_id: str | None = None,
        new_client_order_id: str | None = None,
        recv_window: int | None = None,
    ) -> OrderAmendment:
        """Reduce an open order's quantity keeping its place in the queue.

        The amended order gets a new client order id (``new_client_order_id``, generated if not
        given), which an unknown-outcome error carries.
        """
        check_one_of(("order_id", order_id), ("orig_client_order_id", orig_client_order_id))
        client_id = self._client_order_id(new_client_order_id)
        params = {
            "symbol": symbol,
            "newQty": new_qty,
            "orderId": order_id,
            "origClientOrderId": orig_client_order_id,
            "newClientOrderId": client_id,
            "recvWindow": check_recv_window(recv_window),
        }
        check_positive(params, ("newQty",))
        return await self._pipeline.call(E.AMEND_ORDER_KEEP_PRIORITY, params, client_order_id=client_id)

    # -- reconciliation --------------------------------------------------------------------------------

    @property
    def unknown_outcomes(self) -> UnknownOutcomes:
        """Orders and cancels whose fate is unknown: a read-only mapping, client order id ->
        `SentRequest`, kept until `reconcile_order` (`reconcile_order_list` for order lists)
        settles each one. A cancel sent by ``order_id`` alone is keyed by the cancel's own
        ``newClientOrderId`` (generated when not given)."""
        return self._pipeline.outcomes

    async def reconcile_order(
        self, symbol: str, client_order_id: str, *, attempts: int = 1, interval: float = 1.0
    ) -> Order | None:
        """Find an order by its client order id after an unknown outcome: the order, or None.

        None means Binance does not know the order: it was not placed. A request can still be in
        flight inside Binance right after a 5xx; ``attempts`` > 1 looks again every ``interval``
        seconds before concluding it does not exist (lookups are reads: weight 4 each, retried on
        transport errors and 5xx by the retry policy). Either answer settles the id in
        `unknown_outcomes`; an error while looking leaves it there. For an entry of a cancel or an
        amend, the order it was about is looked up (by its ``orderId`` or ``origClientOrderId``):
        read its ``status`` to see whether the cancel happened.
        """
        if attempts < 1:
            raise InvalidRequestError(f"attempts must be at least 1, got {attempts}")
        sent = self._pipeline.outcomes.get(client_order_id)
        if sent is not None and sent.path.startswith(_LIST_PATHS):
            raise InvalidRequestError(
                f"{client_order_id!r} is an order list's id: use reconcile_order_list to settle it"
            )
        params: dict[str, Any] = {"symbol": symbol, "origClientOrderId": client_order_id}
        if sent is not None:
            if sent.params.get("orderId") is not None:
                params = {"symbol": symbol, "orderId": sent.params["orderId"]}
            elif sent.params.get("origClientOrderId") is not None:
                params = {"symbol": symbol, "origClientOrderId": sent.params["origClientOrderId"]}
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(interval)
            try:
                order: Order = await self._pipeline.call(E.GET_ORDER, params)
            except NoSuchOrderError:
                continue
            self._pipeline.outcomes._settle(client_order_id)
            return order
        self._pipeline.outcomes._settle(client_order_id)
        return None


def _canceled_all(entries: list[msgspec.Raw]) -> list[CanceledOrder | OrderListStatus]:
    """Cancel-all's answer, entry by entry: an order list has ``contingencyType``, an order does not.

    Each entry is decoded (and its numbers checked) as the endpoint decoder would; a bad one raises
    `InvalidResponseError` (the orders WERE canceled).
    """
    canceled: list[CanceledOrder | OrderListStatus] = []
    try:
        for raw in entries:
            body = bytes(raw)
            kind: type[CanceledOrder | OrderListStatus]
            kind = OrderListStatus if b'"contingencyType"' in body else CanceledOrder
            entry = decoder_for(kind).decode(body)
            check_numbers(entry, body, numbers_kind(kind))
            canceled.append(entry)
        return canceled
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        reason = str(exc)
    raise InvalidResponseError(
        f"DELETE /api/v3/openOrders: an entry could not be decoded ({reason}); the orders were canceled",
        status=200,
        body=b"",
        method="DELETE",
        path="/api/v3/openOrders",
    )
