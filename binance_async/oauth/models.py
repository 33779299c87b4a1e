"""Typed responses of the Binance OAuth 2.0 user APIs (``/oauth-api/v1/...``).

Conventions as in `binance_async.spot.models`: frozen msgspec Structs, snake_case attributes for
Binance's camelCase keys, money as ``Decimal`` (decoded from a JSON string or number alike, without
a float in between), unknown keys ignored. Every oauth-api answer is wrapped in an `Envelope`;
`OAuthClient` unwraps it and returns ``data``.

Shapes: `UserInfo` and the envelope follow Binance's official examples; the others follow Brave's
unofficial mocks (``examples/unofficial/``) and the simulator, because Binance publishes no example
bodies for them. Fields those sources leave out in some answers have defaults.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Generic, TypeVar

import msgspec

__all__ = [
    "SUCCESS_CODE",
    "AssetBalance",
    "CertificateStatus",
    "CertificateType",
    "ChargeAddress",
    "ConvertCoin",
    "ConvertHistory",
    "ConvertQuote",
    "ConvertRecord",
    "ConvertResult",
    "ConvertTarget",
    "Envelope",
    "UserInfo",
    "UserStatus",
]

T = TypeVar("T")
_E = TypeVar("_E", bound=enum.IntEnum)

#: The envelope ``code`` of a successful oauth-api answer.
SUCCESS_CODE = "000000"
_ZERO = Decimal(0)


class _Model(msgspec.Struct, frozen=True, rename="camel"):
    """Base of every OAuth model: immutable, camelCase JSON keys, unknown keys ignored."""


class Envelope(msgspec.Struct, Generic[T], frozen=True):
    """The wrapper of every oauth-api answer.

    ``{"code": "000000", "message": null, "data": ..., "success": true}``; ``code`` is a string.
    `success` is None when the answer leaves it out (Brave's quote mock does); `ok` then falls back
    to the code.
    """

    code: str
    message: str | None = None
    data: T | None = None
    success: bool | None = None

    @property
    def ok(self) -> bool:
        """Whether the answer reports success (``success``, or else ``code == "000000"``)."""
        return self.success if self.success is not None else self.code == SUCCESS_CODE


class UserInfo(_Model, frozen=True, gc=False):
    """``data`` of user-info: the user's id, and their email when the ``user:email`` scope was granted."""

    user_id: str
    email: str | None = None


class CertificateType(enum.IntEnum):
    """``certificateType`` of user-status: whether the account belongs to a person or a company."""

    PERSON = 1
    COMPANY = 2


class CertificateStatus(enum.IntEnum):
    """``certificateStatus`` of user-status: where the account's KYC stands."""

    #: KYC not done yet, or still being reviewed.
    NOT_VERIFIED_OR_REVIEWING = 0
    PASSED = 1
    REJECTED = 2


def _member(enum_type: type[_E], value: int) -> _E | None:
    try:
        return enum_type(value)
    except ValueError:
        return None


class UserStatus(_Model, frozen=True, gc=False):
    """``data`` of user-status: the account's certificate (KYC) type and status.

    The raw integers are kept (`certificate_type_value`, `certificate_status_value`) so that a value
    Binance adds later decodes; `certificate_type` and `certificate_status` give the enum member, or
    None for a value this library does not know.
    """

    certificate_type_value: int = msgspec.field(name="certificateType")
    certificate_status_value: int = msgspec.field(name="certificateStatus")

    @property
    def certificate_type(self) -> CertificateType | None:
        """`CertificateType` (PERSON, COMPANY), or None for an unknown value."""
        return _member(CertificateType, self.certificate_type_value)

    @property
    def certificate_status(self) -> CertificateStatus | None:
        """`CertificateStatus` (NOT_VERIFIED_OR_REVIEWING, PASSED, REJECTED), or None for an unknown value."""
        return _member(CertificateStatus, self.certificate_status_value)

    @property
    def kyc_passed(self) -> bool:
        """Whether the account passed KYC."""
        return self.certificate_status_value == CertificateStatus.PASSED


class ChargeAddress(_Model, frozen=True, gc=False):
    """``data`` of get-charge-address: the user's deposit address for a coin (``tag``: memo, often empty).

    `time` is in milliseconds since the epoch; `url` links to a block explorer.
    """

    coin: str
    address: str
    tag: str = ""
    url: str = ""
    time: int = 0


class AssetBalance(_Model, frozen=True, gc=False):
    """One ``data[]`` entry of balance: an asset's amounts and its value in BTC and in fiat."""

    asset: str
    free: Decimal
    locked: Decimal = _ZERO
    freeze: Decimal = _ZERO
    withdrawing: Decimal = _ZERO
    btc_valuation: Decimal = _ZERO
    fiat_valuation: Decimal = _ZERO

    @property
    def total(self) -> Decimal:
        """Free, locked, frozen and being withdrawn, added up."""
        return self.free + self.locked + self.freeze + self.withdrawing


class _ConvertAsset(_Model, frozen=True, gc=False):
    """What support-coins says of every coin, one to convert from or into: its code, name and logo,
    and where it is listed (`size`, `order`)."""

    asset_code: str
    asset_name: str = ""
    logo_url: str = ""
    size: str = ""
    order: int = 0


class ConvertTarget(_ConvertAsset, frozen=True, gc=False):
    """A coin another can be converted into (``subSelector[]`` of support-coins), with its limits and fees.

    Limits are in the source coin; `expire_time` is how long a quote lives, in seconds.
    """

    per_time_min_limit: Decimal | None = None
    per_time_max_limit: Decimal | None = None
    daily_max_limit: Decimal | None = None
    had_daily_limit: str | None = None
    need_market: bool | None = None
    fee_type: int | None = None
    fee_rate: Decimal | None = None
    fix_fee: Decimal | None = None
    fee_coin: str | None = None
    forex_rate: Decimal | None = None
    expire_time: int | None = None


class ConvertCoin(_ConvertAsset, frozen=True, gc=False):
    """One ``data[]`` entry of support-coins: a coin the user can convert from, and what into."""

    free_asset: Decimal = _ZERO
    sub_selector: tuple[ConvertTarget, ...] = ()

    def target(self, asset: str) -> ConvertTarget | None:
        """The entry of `sub_selector` for `asset`, or None if this coin cannot be converted into it."""
        return next((t for t in self.sub_selector if t.asset_code == asset), None)


class ConvertQuote(_Model, frozen=True, gc=False):
    """``data`` of ocbs/quote: a price offer to confirm with `OAuthClient.convert_confirm`.

    `total_amount` is the other side of the conversion (what is paid when ``baseAsset`` is the target,
    what is received when it is the source). `expire_time` (ms since the epoch) is the simulator's
    addition; Binance's answer may lack it.
    """

    quote_id: str
    quote_price: Decimal
    trade_fee: Decimal = _ZERO
    rail_fee: Decimal = _ZERO
    total_fee: Decimal = _ZERO
    total_amount: Decimal = _ZERO
    show_price: Decimal | None = None
    expire_time: int | None = None


class ConvertResult(_Model, frozen=True, gc=False):
    """``data`` of ocbs/confirm, and one row of the convert history: a conversion and its outcome.

    `status` is ``"SUCCESS"`` or ``"FAIL"`` (Brave's mock shows FAIL; see `succeeded`).
    `create_time` (ms) is present in the simulator's answers and history rows.
    """

    quote_id: str
    status: str
    order_id: str = ""
    from_asset: str = ""
    to_asset: str = ""
    source_amount: Decimal = _ZERO
    obtain_amount: Decimal = _ZERO
    trade_fee: Decimal = _ZERO
    price: Decimal = _ZERO
    fee_type: int | None = None
    fee_rate: Decimal | None = None
    fix_fee: Decimal | None = None
    create_time: int | None = None

    @property
    def succeeded(self) -> bool:
        """Whether the conversion happened (``status == "SUCCESS"``)."""
        return self.status == "SUCCESS"


#: One row of `ConvertHistory`: the same record as ocbs/confirm answers.
ConvertRecord = ConvertResult


class ConvertHistory(_Model, frozen=True, gc=False):
    """``data`` of the convert history (INFERRED shape, the simulator's): the total count and one page.

    `rows` are newest first.
    """

    total: int = 0
    rows: tuple[ConvertRecord, ...] = ()
