"""The filters: what ``exchangeInfo`` (``symbols[].filters``, ``exchangeFilters``) and ``myFilters`` list.

Each known ``filterType`` decodes to its own frozen Struct (a tagged union on ``filterType``); a type
this library does not know yet decodes to `UnknownFilter` instead of failing (`decode_filters`).
`SymbolRules` (`binance_async.spot.rules`) reads them to round and validate orders.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeAlias, get_args

import msgspec

from ..._decimal_checks import DECIMALS, check_numbers
from ._base import _Model, _Scalar

__all__ = [
    "ExchangeMaxNumAlgoOrders",
    "ExchangeMaxNumIcebergOrders",
    "ExchangeMaxNumOrderLists",
    "ExchangeMaxNumOrders",
    "IcebergParts",
    "LotSize",
    "MarketLotSize",
    "MaxAsset",
    "MaxNumAlgoOrders",
    "MaxNumIcebergOrders",
    "MaxNumOrderAmends",
    "MaxNumOrderLists",
    "MaxNumOrders",
    "MaxPosition",
    "MinNotional",
    "Notional",
    "PercentPrice",
    "PercentPriceBySide",
    "PriceFilter",
    "SymbolFilter",
    "TrailingDelta",
    "UnknownFilter",
    "decode_filters",
]


class _Filter(_Scalar, frozen=True, tag_field="filterType"):
    """Base of the typed filters: a tagged union on Binance's ``filterType`` key."""

    @property
    def filter_type(self) -> str:
        """The Binance ``filterType`` name of this filter, e.g. ``"PRICE_FILTER"``."""
        return str(type(self).__struct_config__.tag)


class PriceFilter(_Filter, frozen=True, tag="PRICE_FILTER"):
    """``PRICE_FILTER`` symbol filter (``GET /api/v3/exchangeInfo``)."""

    min_price: Decimal
    max_price: Decimal
    tick_size: Decimal


class PercentPrice(_Filter, frozen=True, tag="PERCENT_PRICE"):
    """``PERCENT_PRICE`` symbol filter (``GET /api/v3/exchangeInfo``)."""

    multiplier_up: Decimal
    multiplier_down: Decimal
    avg_price_mins: int


class PercentPriceBySide(_Filter, frozen=True, tag="PERCENT_PRICE_BY_SIDE"):
    """``PERCENT_PRICE_BY_SIDE`` symbol filter (``GET /api/v3/exchangeInfo``)."""

    bid_multiplier_up: Decimal
    bid_multiplier_down: Decimal
    ask_multiplier_up: Decimal
    ask_multiplier_down: Decimal
    avg_price_mins: int


class _QtyRange(_Filter, frozen=True):
    """Fields shared by ``LOT_SIZE`` and ``MARKET_LOT_SIZE``."""

    min_qty: Decimal
    max_qty: Decimal
    step_size: Decimal


class LotSize(_QtyRange, frozen=True, tag="LOT_SIZE"):
    """``LOT_SIZE`` symbol filter (``GET /api/v3/exchangeInfo``)."""


class MarketLotSize(_QtyRange, frozen=True, tag="MARKET_LOT_SIZE"):
    """``MARKET_LOT_SIZE`` symbol filter (``GET /api/v3/exchangeInfo``)."""


class MinNotional(_Filter, frozen=True, tag="MIN_NOTIONAL"):
    """``MIN_NOTIONAL`` symbol filter (``GET /api/v3/exchangeInfo``)."""

    min_notional: Decimal
    apply_to_market: bool
    avg_price_mins: int


class Notional(_Filter, frozen=True, tag="NOTIONAL"):
    """``NOTIONAL`` symbol filter (``GET /api/v3/exchangeInfo``)."""

    min_notional: Decimal
    apply_min_to_market: bool
    max_notional: Decimal
    apply_max_to_market: bool
    avg_price_mins: int


class IcebergParts(_Filter, frozen=True, tag="ICEBERG_PARTS"):
    """``ICEBERG_PARTS`` symbol filter (``GET /api/v3/exchangeInfo``)."""

    limit: int


class MaxPosition(_Filter, frozen=True, tag="MAX_POSITION"):
    """``MAX_POSITION`` symbol filter (``GET /api/v3/exchangeInfo``)."""

    max_position: Decimal


class TrailingDelta(_Filter, frozen=True, tag="TRAILING_DELTA"):
    """``TRAILING_DELTA`` symbol filter (``GET /api/v3/exchangeInfo``); values are in BIPS."""

    min_trailing_above_delta: int
    max_trailing_above_delta: int
    min_trailing_below_delta: int
    max_trailing_below_delta: int


class MaxNumOrderAmends(_Filter, frozen=True, tag="MAX_NUM_ORDER_AMENDS"):
    """``MAX_NUM_ORDER_AMENDS`` symbol filter (``GET /api/v3/exchangeInfo``)."""

    max_num_order_amends: int


# The per-symbol and the exchange-wide order-count filters share their field names.


class _MaxNumOrdersBase(_Filter, frozen=True):
    max_num_orders: int


class _MaxNumAlgoOrdersBase(_Filter, frozen=True):
    max_num_algo_orders: int


class _MaxNumIcebergOrdersBase(_Filter, frozen=True):
    max_num_iceberg_orders: int


class _MaxNumOrderListsBase(_Filter, frozen=True):
    max_num_order_lists: int


class MaxNumOrders(_MaxNumOrdersBase, frozen=True, tag="MAX_NUM_ORDERS"):
    """``MAX_NUM_ORDERS`` symbol filter (``GET /api/v3/exchangeInfo``)."""


class MaxNumAlgoOrders(_MaxNumAlgoOrdersBase, frozen=True, tag="MAX_NUM_ALGO_ORDERS"):
    """``MAX_NUM_ALGO_ORDERS`` symbol filter (``GET /api/v3/exchangeInfo``)."""


class MaxNumIcebergOrders(_MaxNumIcebergOrdersBase, frozen=True, tag="MAX_NUM_ICEBERG_ORDERS"):
    """``MAX_NUM_ICEBERG_ORDERS`` symbol filter (``GET /api/v3/exchangeInfo``)."""


class MaxNumOrderLists(_MaxNumOrderListsBase, frozen=True, tag="MAX_NUM_ORDER_LISTS"):
    """``MAX_NUM_ORDER_LISTS`` symbol filter (``GET /api/v3/exchangeInfo``)."""


class ExchangeMaxNumOrders(_MaxNumOrdersBase, frozen=True, tag="EXCHANGE_MAX_NUM_ORDERS"):
    """``EXCHANGE_MAX_NUM_ORDERS`` exchange filter (``GET /api/v3/exchangeInfo``)."""


class ExchangeMaxNumAlgoOrders(_MaxNumAlgoOrdersBase, frozen=True, tag="EXCHANGE_MAX_NUM_ALGO_ORDERS"):
    """``EXCHANGE_MAX_NUM_ALGO_ORDERS`` exchange filter (``GET /api/v3/exchangeInfo``)."""


class ExchangeMaxNumIcebergOrders(
    _MaxNumIcebergOrdersBase, frozen=True, tag="EXCHANGE_MAX_NUM_ICEBERG_ORDERS"
):
    """``EXCHANGE_MAX_NUM_ICEBERG_ORDERS`` exchange filter (``GET /api/v3/exchangeInfo``)."""


class ExchangeMaxNumOrderLists(_MaxNumOrderListsBase, frozen=True, tag="EXCHANGE_MAX_NUM_ORDER_LISTS"):
    """``EXCHANGE_MAX_NUM_ORDER_LISTS`` exchange filter (``GET /api/v3/exchangeInfo``)."""


class MaxAsset(_Filter, frozen=True, tag="MAX_ASSET"):
    """``MAX_ASSET`` asset filter (only shown by ``GET /api/v3/myFilters``)."""

    asset: str
    limit: Decimal


class UnknownFilter(_Model, frozen=True):
    """A filter whose ``filterType`` this library does not know (any filter endpoint).

    ``data`` is the complete JSON object as sent, ``filterType`` key included.
    """

    filter_type: str
    data: dict[str, Any]


_KnownFilter: TypeAlias = (
    PriceFilter
    | PercentPrice
    | PercentPriceBySide
    | LotSize
    | MarketLotSize
    | MinNotional
    | Notional
    | IcebergParts
    | MaxPosition
    | TrailingDelta
    | MaxNumOrderAmends
    | MaxNumOrders
    | MaxNumAlgoOrders
    | MaxNumIcebergOrders
    | MaxNumOrderLists
    | ExchangeMaxNumOrders
    | ExchangeMaxNumAlgoOrders
    | ExchangeMaxNumIcebergOrders
    | ExchangeMaxNumOrderLists
    | MaxAsset
)

#: Any decoded filter: one of the typed filter structs, or :class:`UnknownFilter`.
SymbolFilter: TypeAlias = _KnownFilter | UnknownFilter


class _FilterHead(_Scalar, frozen=True):
    """Just the tag of one filter object, to route it to the right decoder."""

    filter_type: str = ""


_known_list_decoder: msgspec.json.Decoder[list[SymbolFilter]] = msgspec.json.Decoder(list[_KnownFilter])
_raw_list_decoder = msgspec.json.Decoder(list[msgspec.Raw])
_head_decoder = msgspec.json.Decoder(_FilterHead)
_object_decoder = msgspec.json.Decoder(dict[str, Any])
_decoder_by_tag: dict[str, msgspec.json.Decoder[Any]] = {
    str(cls.__struct_config__.tag): msgspec.json.Decoder(cls) for cls in get_args(_KnownFilter)
}


def decode_filters(raw: bytes | msgspec.Raw) -> list[SymbolFilter]:
    """Decode a JSON array of Binance filter objects, tolerating unknown ``filterType`` values.

    Known filter types become their typed struct; unknown ones become :class:`UnknownFilter`.
    A known filter type whose fields are malformed (or hold NaN, an infinity or non-ASCII digits)
    still raises :class:`msgspec.ValidationError`.
    """
    try:
        # Fast path: a single tagged-union decode when every filter type is known.
        result = _known_list_decoder.decode(raw)
    except msgspec.ValidationError:
        result = _decode_filters_one_by_one(raw)
    body = raw if type(raw) is bytes else bytes(raw)
    if not body.isascii():
        check_numbers(result, body, DECIMALS)
    return result


def _decode_filters_one_by_one(raw: bytes | msgspec.Raw) -> list[SymbolFilter]:
    # Slow path (some tag is unknown, or a known filter is malformed): route each element by tag.
    result: list[SymbolFilter] = []
    for item in _raw_list_decoder.decode(raw):
        tag = _head_decoder.decode(item).filter_type
        decoder = _decoder_by_tag.get(tag)
        if decoder is None:
            result.append(UnknownFilter(filter_type=tag, data=_object_decoder.decode(item)))
        else:
            result.append(decoder.decode(item))
    return result


def _find_filter(filters: list[SymbolFilter], key: str | type[Any]) -> Any:
    if isinstance(key, str):
        return next((f for f in filters if f.filter_type == key), None)
    return next((f for f in filters if isinstance(f, key)), None)
