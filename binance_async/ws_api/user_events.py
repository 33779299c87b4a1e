"""The events of Binance's user data stream, and their decoder.

A user data subscription on the WebSocket API (``userDataStream.subscribe`` after an Ed25519 logon, or
``userDataStream.subscribe.signature``) delivers frames ``{"subscriptionId": n, "event": {...}}``.
`decode_user_event` turns the ``event`` object alone (the transport's ``on_event`` hands it over as
bytes, next to the subscription id) into one frozen `msgspec.Struct`, Binance's short keys given
readable names (the names of the REST order models where they mean the same thing):

* `ExecutionReport` (``executionReport``): an order changed: placed, filled, canceled, amended,
  expired, rejected;
* `OutboundAccountPosition` (``outboundAccountPosition``): the balances an event changed, as
  `AccountBalance` entries;
* `BalanceUpdate` (``balanceUpdate``): a deposit, a withdrawal or a transfer between accounts;
* `ListStatus` (``listStatus``): an order list (OCO, OTO, ...) changed, with its `ListStatusOrder` ids;
* `ExternalLockUpdate` (``externalLockUpdate``): an external system locked or unlocked part of a
  balance (e.g. as margin collateral);
* `EventStreamTerminated` (``eventStreamTerminated``): the subscription ended (logout, unsubscribe,
  or the listen token expired); no more events come from it;
* `UserRawEvent`: an event type this module does not know, or a known one whose data does not fit
  its type; it holds the plain decoded JSON.

`UserEvent` is their union. Money is `Decimal`, exactly as Binance wrote it (``"0.10000000"`` keeps
its eight places); ids, counts and timestamps (ms) are ints. Side, order type and time in force are
the `Literal` types of `binance_async.spot.enums`; the other enumerations (status, execution type,
reject and expiry reasons, STP mode, ...) stay `str`, as in the REST models, so that a value Binance
adds later does not turn a fill into a `UserRawEvent`.

Decoding is one pass of one cached `msgspec.json.Decoder` over the union, tagged by ``"e"``.
Valid JSON never makes it raise because of its content: an unknown ``"e"`` (or none), a missing or
mistyped field, a non-finite number (``"NaN"``, ``"Infinity"``, ``"sNaN"``: refused by the generated
``__post_init__``, see `binance_async._decimal_checks`) or, in a non-ASCII event, a number written
in non-ASCII digits, gives a `UserRawEvent`. Only invalid JSON raises `msgspec.DecodeError`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeAlias

import msgspec

from .._decimal_checks import DECIMALS, check_numbers, install_finite_check
from ..spot.enums import OrderSide, OrderType, TimeInForce

__all__ = [
    "FINAL_STATUSES",
    "AccountBalance",
    "BalanceUpdate",
    "EventStreamTerminated",
    "ExecutionReport",
    "ExternalLockUpdate",
    "ListStatus",
    "ListStatusOrder",
    "OutboundAccountPosition",
    "UserEvent",
    "UserRawEvent",
    "decode_user_event",
]

#: Order statuses (``X``) after which an order never changes again.
FINAL_STATUSES = frozenset({"FILLED", "CANCELED", "REJECTED", "EXPIRED", "EXPIRED_IN_MATCH"})


class _Checked(msgspec.Struct, frozen=True):
    """Base of every struct with Decimal fields: NaN and infinities refused (`install_finite_check`)."""

    def __init_subclass__(cls, *args: Any, **kwargs: Any) -> None:
        super().__init_subclass__(*args, **kwargs)
        install_finite_check(cls)


class _UserEvent(_Checked, frozen=True, kw_only=True, tag_field="e"):
    """Base of every typed event: immutable, unknown keys ignored, tagged by Binance's ``"e"``.

    Events holding only scalars are ``gc=False`` (frozen, they can never be part of a reference
    cycle); those holding lists keep GC tracking. ``frozen=True`` is repeated on subclasses for mypy
    (msgspec itself inherits it).
    """

    event_time: int = msgspec.field(name="E")


class _AssetDelta(_UserEvent, frozen=True, kw_only=True):
    """What `BalanceUpdate` and `ExternalLockUpdate` share: an asset and a signed change of it.

    ``clear_time`` (``T``) is when the change took effect (Binance's SBE schema calls it
    ``clearTime`` in both events; the JSON docs call the lock's "Transaction Time"); None if absent.
    """

    asset: str = msgspec.field(name="a")
    delta: Decimal = msgspec.field(name="d")
    clear_time: int | None = msgspec.field(name="T", default=None)


class ExecutionReport(_UserEvent, frozen=True, kw_only=True, gc=False, tag="executionReport"):
    """``executionReport``: an order's new state after one execution (placed, filled, canceled, ...).

    ``execution_type`` (``x``) says what happened: ``NEW``, ``CANCELED``, ``REPLACED`` (amended),
    ``REJECTED``, ``TRADE`` (a fill: ``last_fill_qty`` at ``last_fill_price``), ``EXPIRED`` or
    ``TRADE_PREVENTION`` (expired by self-trade prevention). ``status`` (``X``) is the order's status
    after it: ``NEW``, ``PENDING_NEW``, ``PARTIALLY_FILLED``, ``FILLED``, ``CANCELED``, ``REJECTED``,
    ``EXPIRED`` or ``EXPIRED_IN_MATCH``. ``executed_qty`` (``z``) and ``cumulative_quote_qty``
    (``Z``) are totals over all the order's fills. Values Binance sends where there are none:
    ``order_list_id`` and ``trade_id`` -1, ``orig_client_order_id`` ``""``, ``reject_reason``
    ``"NONE"``, ``commission_asset`` None.

    The conditional fields are None unless Binance sends them: trailing stops (``d``, ``D``),
    strategies (``j``, ``J``), self-trade prevention (``v``, ``A``, ``B``, ``u``, ``U``, ``Cs``,
    ``pl``, ``pL``, ``pY``), working time (``W``), allocations (``b``, ``a``), ``k``, ``uS``, pegged
    orders (``gP``, ``gOT``, ``gOV``, ``gp``) and the expiry reason (``eR``, since 2026-03-26: e.g.
    ``UNFILLED_IOC_QUANTITY_EXPIRED``, ``INSUFFICIENT_LIQUIDITY``, ``EXCHANGE_CANCELED``).
    """

    symbol: str = msgspec.field(name="s")
    client_order_id: str = msgspec.field(name="c")
    side: OrderSide = msgspec.field(name="S")
    type: OrderType = msgspec.field(name="o")
    time_in_force: TimeInForce = msgspec.field(name="f")
    orig_qty: Decimal = msgspec.field(name="q")
    price: Decimal = msgspec.field(name="p")
    stop_price: Decimal = msgspec.field(name="P")
    iceberg_qty: Decimal = msgspec.field(name="F")
    order_list_id: int = msgspec.field(name="g")
    #: The id of the order a cancel or an amendment replaced; ``""`` otherwise.
    orig_client_order_id: str = msgspec.field(name="C")
    execution_type: str = msgspec.field(name="x")
    status: str = msgspec.field(name="X")
    #: ``NONE``, ``INSUFFICIENT_BALANCES``, ``STOP_PRICE_WOULD_TRIGGER_IMMEDIATELY``, ...
    reject_reason: str = msgspec.field(name="r")
    order_id: int = msgspec.field(name="i")
    last_fill_qty: Decimal = msgspec.field(name="l")
    executed_qty: Decimal = msgspec.field(name="z")
    last_fill_price: Decimal = msgspec.field(name="L")
    commission: Decimal = msgspec.field(name="n")
    commission_asset: str | None = msgspec.field(name="N")
    transact_time: int = msgspec.field(name="T")
    trade_id: int = msgspec.field(name="t")
    execution_id: int = msgspec.field(name="I")
    #: True while the order is on the book.
    is_working: bool = msgspec.field(name="w")
    #: True if this fill was on the maker side.
    is_maker: bool = msgspec.field(name="m")
    order_creation_time: int = msgspec.field(name="O")
    cumulative_quote_qty: Decimal = msgspec.field(name="Z")
    #: ``last_fill_price * last_fill_qty``.
    last_fill_quote_qty: Decimal = msgspec.field(name="Y")
    orig_quote_order_qty: Decimal = msgspec.field(name="Q")
    self_trade_prevention_mode: str = msgspec.field(name="V")
    working_time: int | None = msgspec.field(name="W", default=None)
    trailing_delta: int | None = msgspec.field(name="d", default=None)
    trailing_time: int | None = msgspec.field(name="D", default=None)
    strategy_id: int | None = msgspec.field(name="j", default=None)
    strategy_type: int | None = msgspec.field(name="J", default=None)
    prevented_match_id: int | None = msgspec.field(name="v", default=None)
    prevented_quantity: Decimal | None = msgspec.field(name="A", default=None)
    last_prevented_quantity: Decimal | None = msgspec.field(name="B", default=None)
    trade_group_id: int | None = msgspec.field(name="u", default=None)
    counter_order_id: int | None = msgspec.field(name="U", default=None)
    counter_symbol: str | None = msgspec.field(name="Cs", default=None)
    prevented_execution_qty: Decimal | None = msgspec.field(name="pl", default=None)
    prevented_execution_price: Decimal | None = msgspec.field(name="pL", default=None)
    prevented_execution_quote_qty: Decimal | None = msgspec.field(name="pY", default=None)
    match_type: str | None = msgspec.field(name="b", default=None)
    alloc_id: int | None = msgspec.field(name="a", default=None)
    working_floor: str | None = msgspec.field(name="k", default=None)
    used_sor: bool | None = msgspec.field(name="uS", default=None)
    peg_price_type: str | None = msgspec.field(name="gP", default=None)
    peg_offset_type: str | None = msgspec.field(name="gOT", default=None)
    peg_offset_value: int | None = msgspec.field(name="gOV", default=None)
    pegged_price: Decimal | None = msgspec.field(name="gp", default=None)
    expiry_reason: str | None = msgspec.field(name="eR", default=None)
    #: True for a report the stream rebuilt over REST after a reconnect (Binance never sent it; see
    #: `binance_async.ws_api.recovery`): ``execution_id`` is then -1.
    recovered: bool = False

    @property
    def is_fill(self) -> bool:
        """True for a trade (``x == "TRADE"``): ``last_fill_qty`` was filled at ``last_fill_price``."""
        return self.execution_type == "TRADE"

    @property
    def is_final(self) -> bool:
        """True once the order can no longer change: filled, canceled, rejected or expired."""
        return self.status in FINAL_STATUSES

    @property
    def avg_price(self) -> Decimal | None:
        """The average fill price so far, ``cumulative_quote_qty / executed_qty``; None before a fill."""
        if not self.executed_qty:
            return None
        return self.cumulative_quote_qty / self.executed_qty


class AccountBalance(_Checked, frozen=True, gc=False):
    """One ``B`` entry of `OutboundAccountPosition`: an asset's free and locked amounts, after the change."""

    asset: str = msgspec.field(name="a")
    free: Decimal = msgspec.field(name="f")
    locked: Decimal = msgspec.field(name="l")

    @property
    def total(self) -> Decimal:
        """Free plus locked."""
        return self.free + self.locked


class OutboundAccountPosition(_UserEvent, frozen=True, kw_only=True, tag="outboundAccountPosition"):
    """``outboundAccountPosition``: the balances of the assets an account change may have touched.

    Sent whenever a balance changes; ``balances`` holds the new free and locked amounts of those
    assets only (not the whole account). ``update_time`` (``u``) is the account's last update.
    """

    update_time: int = msgspec.field(name="u")
    balances: list[AccountBalance] = msgspec.field(name="B")


class BalanceUpdate(_AssetDelta, frozen=True, kw_only=True, gc=False, tag="balanceUpdate"):
    """``balanceUpdate``: ``delta`` of ``asset`` moved in or out of the account's free balance.

    Sent on deposits, withdrawals and transfers between accounts (e.g. Spot to Margin); ``delta`` is
    negative for an outflow.
    """


class ExternalLockUpdate(_AssetDelta, frozen=True, kw_only=True, gc=False, tag="externalLockUpdate"):
    """``externalLockUpdate``: an external system locked (``delta`` > 0) or unlocked ``delta`` of ``asset``.

    For example a spot balance used as margin collateral.
    """


class ListStatusOrder(msgspec.Struct, frozen=True, gc=False):
    """One ``O`` entry of `ListStatus`: the ids of one of the list's orders."""

    symbol: str = msgspec.field(name="s")
    order_id: int = msgspec.field(name="i")
    client_order_id: str = msgspec.field(name="c")


class ListStatus(_UserEvent, frozen=True, kw_only=True, tag="listStatus"):
    """``listStatus``: an order list changed (sent alongside its orders' `ExecutionReport` events).

    ``contingency_type`` (``c``): ``OCO`` or ``OTO``. ``list_status_type`` (``l``): ``RESPONSE``,
    ``EXEC_STARTED``, ``UPDATED`` (an order's client id changed) or ``ALL_DONE``.
    ``list_order_status`` (``L``): ``EXECUTING``, ``ALL_DONE`` or ``REJECT``. ``list_reject_reason``
    (``r``) is ``"NONE"`` unless the list was refused.
    """

    symbol: str = msgspec.field(name="s")
    order_list_id: int = msgspec.field(name="g")
    contingency_type: str = msgspec.field(name="c")
    list_status_type: str = msgspec.field(name="l")
    list_order_status: str = msgspec.field(name="L")
    list_reject_reason: str = msgspec.field(name="r")
    list_client_order_id: str = msgspec.field(name="C")
    transaction_time: int = msgspec.field(name="T")
    orders: list[ListStatusOrder] = msgspec.field(name="O")

    @property
    def is_done(self) -> bool:
        """True once the list is no longer active (``list_order_status`` is ``ALL_DONE``)."""
        return self.list_order_status == "ALL_DONE"


class EventStreamTerminated(_UserEvent, frozen=True, kw_only=True, gc=False, tag="eventStreamTerminated"):
    """``eventStreamTerminated``: the subscription ended; subscribe again to keep receiving events.

    Sent after ``session.logout`` (for a logon subscription), ``userDataStream.unsubscribe``, or when
    a listen token expires.
    """


class UserRawEvent(msgspec.Struct, frozen=True):
    """An event this module does not model, or a known one whose data does not fit its type.

    ``data`` is the plain decoded JSON (dicts, lists, str, int, float, bool, None), as Binance sent it.
    """

    data: Any = None

    @property
    def event_type(self) -> str | None:
        """The event's ``"e"``, if it is an object with a string there; else None."""
        kind = self.data.get("e") if type(self.data) is dict else None
        return kind if type(kind) is str else None


_TypedEvent: TypeAlias = (
    ExecutionReport
    | OutboundAccountPosition
    | BalanceUpdate
    | ListStatus
    | ExternalLockUpdate
    | EventStreamTerminated
)

UserEvent: TypeAlias = (
    ExecutionReport
    | OutboundAccountPosition
    | BalanceUpdate
    | ListStatus
    | ExternalLockUpdate
    | EventStreamTerminated
    | UserRawEvent
)
"""Every event `decode_user_event` returns."""

_decoder: msgspec.json.Decoder[_TypedEvent] = msgspec.json.Decoder(_TypedEvent)
_generic: msgspec.json.Decoder[Any] = msgspec.json.Decoder()


def decode_user_event(raw: bytes | str) -> UserEvent:
    """Decode the ``event`` object of a user data stream frame (not the whole frame) into its type.

    An unknown event type, or data that does not fit its type (a missing or mistyped field, a
    non-finite number, a number in non-ASCII digits), gives a `UserRawEvent` holding the decoded
    JSON. Raises `msgspec.DecodeError` only for invalid JSON.
    """
    try:
        event = _decoder.decode(raw)
    except msgspec.ValidationError:
        return UserRawEvent(_generic.decode(raw))
    if raw.isascii():
        return event
    # Decimal() reads digits of any script: refuse them (a symbol in Chinese is fine).
    try:
        check_numbers(event, raw.encode() if isinstance(raw, str) else raw, DECIMALS)
    except msgspec.ValidationError:
        return UserRawEvent(_generic.decode(raw))
    return event
