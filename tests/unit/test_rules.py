"""`binance_async.spot.rules.SymbolRules`: decoding, Decimal rounding and local order validation."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from binance_async.errors import InvalidRequestError, OrderValidationError, ParameterError
from binance_async.spot.models import (
    ExchangeInfo,
    ExchangeMaxNumOrders,
    LotSize,
    PriceFilter,
    SymbolInfo,
    UnknownFilter,
    decode_filters,
)
from binance_async.spot.rules import SymbolRules
from tests.reference import example_bytes, example_files

D = Decimal
ALL_TYPES = (
    "LIMIT",
    "MARKET",
    "STOP_LOSS",
    "STOP_LOSS_LIMIT",
    "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
    "LIMIT_MAKER",
)

# The one symbol of the official GET /api/v3/exchangeInfo example (filters are added per test).
OFFICIAL_SYMBOL: dict[str, Any] = {
    "symbol": "ETHBTC",
    "status": "TRADING",
    "baseAsset": "ETH",
    "baseAssetPrecision": 8,
    "quoteAsset": "BTC",
    "quotePrecision": 8,
    "quoteAssetPrecision": 8,
    "baseCommissionPrecision": 8,
    "quoteCommissionPrecision": 8,
    "orderTypes": list(ALL_TYPES),
    "icebergAllowed": True,
    "ocoAllowed": True,
    "otoAllowed": True,
    "opoAllowed": True,
    "quoteOrderQtyMarketAllowed": True,
    "allowTrailingStop": False,
    "cancelReplaceAllowed": False,
    "amendAllowed": False,
    "pegInstructionsAllowed": True,
    "isSpotTradingAllowed": True,
    "isMarginTradingAllowed": True,
    "filters": [],
    "permissions": [],
    "permissionSets": [["SPOT", "MARGIN"]],
    "defaultSelfTradePreventionMode": "NONE",
    "allowedSelfTradePreventionModes": ["NONE"],
}


# --------------------------------------------------------------------------------------------
# Builders: filters as Binance sends them (strings for decimals, 8 decimal places)
# --------------------------------------------------------------------------------------------


def wire(value: str) -> str:
    """A decimal as Binance writes it: always 8 decimal places ("0.01" -> "0.01000000")."""
    return f"{Decimal(value):.8f}"


def price_filter(min_price: str = "0.01", max_price: str = "1000000", tick: str = "0.01") -> dict[str, Any]:
    return {
        "filterType": "PRICE_FILTER",
        "minPrice": wire(min_price),
        "maxPrice": wire(max_price),
        "tickSize": wire(tick),
    }


def lot_size(
    min_qty: str = "0.00001", max_qty: str = "9000", step: str = "0.00001", kind: str = "LOT_SIZE"
) -> dict[str, Any]:
    return {"filterType": kind, "minQty": wire(min_qty), "maxQty": wire(max_qty), "stepSize": wire(step)}


def market_lot_size(min_qty: str = "0", max_qty: str = "100", step: str = "0") -> dict[str, Any]:
    return lot_size(min_qty, max_qty, step, kind="MARKET_LOT_SIZE")


def min_notional(minimum: str = "10", apply_to_market: bool = True) -> dict[str, Any]:
    return {
        "filterType": "MIN_NOTIONAL",
        "minNotional": wire(minimum),
        "applyToMarket": apply_to_market,
        "avgPriceMins": 5,
    }


def notional(
    minimum: str = "5", maximum: str = "9000000", apply_min: bool = True, apply_max: bool = False
) -> dict[str, Any]:
    return {
        "filterType": "NOTIONAL",
        "minNotional": wire(minimum),
        "applyMinToMarket": apply_min,
        "maxNotional": wire(maximum),
        "applyMaxToMarket": apply_max,
        "avgPriceMins": 5,
    }


def percent_price(up: str = "1.3000", down: str = "0.7000") -> dict[str, Any]:
    return {"filterType": "PERCENT_PRICE", "multiplierUp": up, "multiplierDown": down, "avgPriceMins": 5}


def percent_price_by_side() -> dict[str, Any]:
    # The official example values.
    return {
        "filterType": "PERCENT_PRICE_BY_SIDE",
        "bidMultiplierUp": "1.2",
        "bidMultiplierDown": "0.2",
        "askMultiplierUp": "5",
        "askMultiplierDown": "0.8",
        "avgPriceMins": 1,
    }


def trailing_delta(above: tuple[int, int] = (100, 2000), below: tuple[int, int] = (10, 50)) -> dict[str, Any]:
    return {
        "filterType": "TRAILING_DELTA",
        "minTrailingAboveDelta": above[0],
        "maxTrailingAboveDelta": above[1],
        "minTrailingBelowDelta": below[0],
        "maxTrailingBelowDelta": below[1],
    }


def count_filter(kind: str, key: str, value: int) -> dict[str, Any]:
    return {"filterType": kind, key: value}


def symbol_info(*filters: dict[str, Any], **overrides: Any) -> SymbolInfo:
    body = {**OFFICIAL_SYMBOL, **overrides, "filters": list(filters)}
    return msgspec.json.decode(json.dumps(body).encode(), type=SymbolInfo)


def make_rules(*filters: dict[str, Any], **overrides: Any) -> SymbolRules:
    return SymbolRules.from_symbol_info(symbol_info(*filters, **overrides))


def violation(rules: SymbolRules, **order: Any) -> OrderValidationError:
    """The OrderValidationError that validating ``order`` raises (fails the test if none)."""
    with pytest.raises(OrderValidationError) as caught:
        rules.validate(**order)
    return caught.value


# --------------------------------------------------------------------------------------------
# Construction
# --------------------------------------------------------------------------------------------


def test_fields_come_from_the_symbol() -> None:
    rules = make_rules(price_filter(), lot_size())
    assert (rules.symbol, rules.status, rules.base_asset, rules.quote_asset) == (
        "ETHBTC",
        "TRADING",
        "ETH",
        "BTC",
    )
    assert (rules.base_asset_precision, rules.quote_asset_precision) == (8, 8)
    assert rules.order_types == ALL_TYPES
    assert rules.iceberg_allowed is True and rules.allow_trailing_stop is False
    assert rules.quote_order_qty_market_allowed is True
    assert rules.price_filter == PriceFilter(min_price=D("0.01"), max_price=D("1000000"), tick_size=D("0.01"))
    assert isinstance(rules.lot_size, LotSize) and rules.lot_size.step_size == D("0.00001")
    assert rules.notional is None and rules.market_lot_size is None and rules.trailing_delta is None
    assert rules.filter_types == ("PRICE_FILTER", "LOT_SIZE")


@pytest.fixture(scope="module")
def filter_examples() -> list[bytes]:
    return [path.read_bytes() for path in example_files("filters")]


def test_every_official_filter_example_lands_on_its_attribute(filter_examples: list[bytes]) -> None:
    symbol_filters = [json.loads(body) for body in filter_examples if b'"EXCHANGE_' not in body]
    exchange_filters = decode_filters(
        b"[" + b",".join(b for b in filter_examples if b'"EXCHANGE_' in b) + b"]"
    )
    rules = SymbolRules.from_symbol_info(symbol_info(*symbol_filters), exchange_filters)
    fields = {f.name: getattr(rules, f.name) for f in dataclasses.fields(rules) if not f.name.startswith("_")}
    filter_fields: dict[str, Any] = {
        name: value for name, value in fields.items() if isinstance(value, msgspec.Struct)
    }
    # Every filter type but MAX_ASSET (an asset filter, never in exchangeInfo) has an attribute.
    assert len(filter_fields) == len(filter_examples) - 1
    for name, value in filter_fields.items():
        assert name == value.filter_type.lower(), name
    assert rules.exchange_max_num_orders == ExchangeMaxNumOrders(max_num_orders=1000)
    assert rules.iceberg_parts is not None and rules.iceberg_parts.limit == 10


def test_official_exchange_info_example_decodes_into_rules() -> None:
    info = msgspec.json.decode(example_bytes("GET_api_v3_exchangeInfo"), type=ExchangeInfo)
    rules = SymbolRules.from_symbol_info(info.symbol("ETHBTC"), info.exchange_filters())
    assert rules.symbol == "ETHBTC" and rules.filter_types == () and rules.price_filter is None
    # With no filters, rounding leaves values alone and only the order-parameter checks apply.
    assert str(rules.round_price("0.123456789", "BUY")) == "0.123456789"
    rules.validate(side="BUY", type="LIMIT", quantity="0.000000001", price="123.456789")


def test_unknown_filters_are_kept_and_the_first_of_a_type_wins() -> None:
    future = {"filterType": "SOMETHING_NEW", "x": "1"}
    rules = make_rules(price_filter(tick="0.01"), future, price_filter(tick="0.5"))
    assert rules.unknown_filters == (UnknownFilter(filter_type="SOMETHING_NEW", data=future),)
    assert rules.price_filter is not None and rules.price_filter.tick_size == D("0.01")
    assert rules.filter_types == ("PRICE_FILTER", "SOMETHING_NEW", "PRICE_FILTER")


def test_rules_are_immutable_and_repr_is_short() -> None:
    rules = make_rules(price_filter(tick="0.000001"), lot_size(step="0.001"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.symbol = "BTCUSDT"  # type: ignore[misc]
    assert repr(rules) == (
        "SymbolRules(ETHBTC TRADING ETH/BTC, tickSize=0.000001, stepSize=0.001, "
        "filters=[PRICE_FILTER, LOT_SIZE])"
    )


# --------------------------------------------------------------------------------------------
# round_price
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("min_price", "tick", "price", "side", "expected"),
    [
        # tick 0.01
        ("0.01", "0.01", "123.456", "BUY", "123.45"),
        ("0.01", "0.01", "123.456", "SELL", "123.46"),
        ("0.01", "0.01", "123.456", None, "123.46"),
        ("0.01", "0.01", "123.454", None, "123.45"),
        ("0.01", "0.01", "123.455", None, "123.46"),  # half even: 6 is even
        ("0.01", "0.01", "123.445", None, "123.44"),  # half even: 4 is even
        ("0.01", "0.01", "123.4", "BUY", "123.40"),  # already on the grid: only the exponent changes
        ("0.01", "0.01", "123.40000000", "SELL", "123.40"),
        # tick 0.00000001
        ("0.00000001", "0.00000001", "0.000123456789", "BUY", "0.00012345"),
        ("0.00000001", "0.00000001", "0.000123456789", "SELL", "0.00012346"),
        ("0.00000001", "0.00000001", "0.000123455", None, "0.00012346"),
        # tick 1
        ("1", "1", "123.7", "BUY", "123"),
        ("1", "1", "123.2", "SELL", "124"),
        ("1", "1", "122.5", None, "122"),
        ("1", "1", "123.5", None, "124"),
        ("1", "1", "123", "SELL", "123"),
        # tick 10: no "1.234E+4"
        ("10", "10", "12345", "BUY", "12340"),
        ("10", "10", "12345", "SELL", "12350"),
        # tick 0.5 measured from minPrice 0.1: the grid is 0.1, 0.6, 1.1, 1.6 ...
        ("0.1", "0.5", "1.0", "BUY", "0.6"),
        ("0.1", "0.5", "1.0", "SELL", "1.1"),
        ("0.1", "0.5", "1.0", None, "1.1"),
        ("0.1", "0.5", "0.7", None, "0.6"),
        ("0.1", "0.5", "1.1", "BUY", "1.1"),
        ("0.1", "0.5", "1.1", "SELL", "1.1"),
        # below minPrice: the grid extends downwards (validate() reports the bound)
        ("0.01", "0.01", "0.005", "BUY", "0.00"),
        ("0.01", "0.01", "0.005", "SELL", "0.01"),
        ("0.1", "0.5", "0.05", "SELL", "0.1"),
        # minPrice 0: plain multiples of the tick
        ("0", "0.5", "1.2", "BUY", "1.0"),
        ("0", "0.5", "1.2", "SELL", "1.5"),
    ],
)
def test_round_price(min_price: str, tick: str, price: str, side: str | None, expected: str) -> None:
    rules = make_rules(price_filter(min_price=min_price, tick=tick))
    result = rules.round_price(price, side)
    assert isinstance(result, Decimal)
    assert str(result) == expected  # value and exponent: no scientific notation, no extra zeros


def test_round_price_never_crosses_the_asked_price() -> None:
    rules = make_rules(price_filter(min_price="0.1", tick="0.5"))
    for cents in range(100, 2000, 7):
        asked = D(cents) / 100
        assert rules.round_price(asked, "BUY") <= asked <= rules.round_price(asked, "SELL")
        assert rules.round_price(asked, "SELL") - rules.round_price(asked, "BUY") in (0, D("0.5"))


def test_round_price_results_carry_the_tick_exponent() -> None:
    rules = make_rules(price_filter(min_price="0.00000001", tick="0.00000001"))
    result = rules.round_price("0.0000001234", "SELL")
    assert result.as_tuple().exponent == -8
    assert format(result, "f") == "0.00000013"


@pytest.mark.parametrize("tick", ["0", None])
def test_round_price_without_a_tick_returns_the_value(tick: str | None) -> None:
    rules = make_rules(price_filter(tick=tick)) if tick is not None else make_rules()
    assert str(rules.round_price("123.456789", "BUY")) == "123.456789"
    assert rules.round_price(7) == D(7)


def test_round_price_takes_floats_by_their_repr() -> None:
    rules = make_rules(price_filter())
    # 0.29 is 0.28999999999999998002... in binary; its repr is "0.29", which is on the grid.
    assert str(rules.round_price(0.29, "BUY")) == "0.29"
    assert str(rules.round_price(1, "BUY")) == "1.00"


def test_round_is_exact_beyond_default_decimal_precision() -> None:
    rules = make_rules(price_filter(min_price="0", max_price="0", tick="0.01"), lot_size("0", "0", "0.001"))
    big = "123456789012345678901234567890.123456"
    assert str(rules.round_price(big, "SELL")) == "123456789012345678901234567890.13"
    assert str(rules.round_quantity(big)) == "123456789012345678901234567890.123"


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "NaN", "-Infinity", "abc", True, None, [1]])
def test_round_refuses_values_that_are_not_finite_numbers(bad: Any) -> None:
    rules = make_rules(price_filter(), lot_size())
    with pytest.raises(ParameterError):
        rules.round_price(bad, "BUY")
    with pytest.raises(ParameterError):
        rules.round_quantity(bad)


def test_round_price_refuses_an_unknown_side() -> None:
    with pytest.raises(ParameterError, match="side"):
        make_rules(price_filter()).round_price("1", "buy")


# --------------------------------------------------------------------------------------------
# round_quantity
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("min_qty", "step", "quantity", "expected"),
    [
        ("0.001", "0.001", "1.23456", "1.234"),
        ("0.001", "0.001", "1.2349999", "1.234"),  # never up
        ("0.001", "0.001", "1.234", "1.234"),
        ("0.00001", "0.00001", "0.0001234", "0.00012"),
        ("1", "1", "99.99", "99"),
        ("0.15", "0.1", "1.0", "0.95"),  # measured from minQty: 0.15, 0.25, ... 0.95, 1.05
        ("0.15", "0.1", "1.05", "1.05"),
        ("0", "0.5", "2.4", "2.0"),
        ("0.001", "0.001", "0.0009", "0.000"),  # below minQty: down to 0, which validate() refuses
    ],
)
def test_round_quantity_rounds_down_from_min_qty(
    min_qty: str, step: str, quantity: str, expected: str
) -> None:
    rules = make_rules(lot_size(min_qty=min_qty, max_qty="1000", step=step))
    assert str(rules.round_quantity(quantity)) == expected


def test_round_quantity_with_a_zero_step_returns_the_value() -> None:
    rules = make_rules(lot_size(min_qty="0", max_qty="0", step="0"))
    assert str(rules.round_quantity("1.23456789")) == "1.23456789"


def test_round_quantity_for_market_uses_market_lot_size_only_when_it_has_a_step() -> None:
    coarse_market = make_rules(lot_size(step="0.001", min_qty="0.001"), market_lot_size(step="0.01"))
    assert str(coarse_market.round_quantity("1.23456", market=True)) == "1.23"
    assert str(coarse_market.round_quantity("1.23456")) == "1.234"
    zero_market_step = make_rules(lot_size(step="0.001", min_qty="0.001"), market_lot_size(step="0"))
    assert str(zero_market_step.round_quantity("1.23456", market=True)) == "1.234"
    only_market = make_rules(market_lot_size(step="0.1"))
    assert str(only_market.round_quantity("1.23456", market=True)) == "1.2"
    assert str(only_market.round_quantity("1.23456")) == "1.23456"


def test_rounded_values_pass_validation() -> None:
    rules = make_rules(price_filter(min_price="0.1", tick="0.5"), lot_size("0.15", "1000", "0.1"))
    price = rules.round_price("123.456", "BUY")
    quantity = rules.round_quantity("7.777")
    assert (price, quantity) == (D("123.1"), D("7.75"))
    rules.validate(side="BUY", type="LIMIT", price=price, quantity=quantity)


# --------------------------------------------------------------------------------------------
# validate: PRICE_FILTER
# --------------------------------------------------------------------------------------------

PRICE_ALLOWED = {"minPrice": D("0.01"), "maxPrice": D("1000000"), "tickSize": D("0.01")}


def test_price_filter_accepts_a_price_on_the_grid() -> None:
    make_rules(price_filter()).validate(side="BUY", type="LIMIT", quantity="1", price="123.45")


@pytest.mark.parametrize(
    ("price", "problem"),
    [
        ("0.001", "PRICE_FILTER: price 0.001 is below minPrice 0.01 (allowed 0.01..1000000)"),
        ("1000000.01", "PRICE_FILTER: price 1000000.01 is above maxPrice 1000000 (allowed 0.01..1000000)"),
        (
            "123.456",
            "PRICE_FILTER: price 123.456 is not a multiple of tickSize 0.01 from minPrice 0.01 "
            "(allowed 0.01..1000000)",
        ),
    ],
)
def test_price_filter_violations(price: str, problem: str) -> None:
    error = violation(make_rules(price_filter()), side="BUY", type="LIMIT", quantity="1", price=price)
    assert str(error) == problem
    assert (error.filter_type, error.field, error.value) == ("PRICE_FILTER", "price", D(price))
    assert error.allowed == PRICE_ALLOWED


def test_price_filter_checks_stop_price() -> None:
    rules = make_rules(price_filter())
    rules.validate(side="SELL", type="STOP_LOSS", quantity="1", stop_price="99.99")
    error = violation(
        rules, side="SELL", type="STOP_LOSS_LIMIT", quantity="1", price="99", stop_price="99.995"
    )
    assert (error.filter_type, error.field, error.value) == ("PRICE_FILTER", "stopPrice", D("99.995"))


def test_price_filter_steps_from_min_price() -> None:
    rules = make_rules(price_filter(min_price="0.1", tick="0.5"))
    rules.validate(side="BUY", type="LIMIT", quantity="1", price="1.1")
    error = violation(rules, side="BUY", type="LIMIT", quantity="1", price="1.0")
    assert "not a multiple of tickSize 0.5 from minPrice 0.1" in str(error)


@pytest.mark.parametrize(
    ("filter_args", "price"),
    [
        ({"min_price": "0"}, "0.00000001"),  # no minimum, but still on the 0.00000001 grid
        ({"max_price": "0"}, "99999999999"),
        ({"tick": "0"}, "1.23456789123"),
    ],
)
def test_price_filter_zero_disables_each_rule(filter_args: dict[str, str], price: str) -> None:
    args = {"min_price": "0.00000001", "max_price": "1000", "tick": "0.00000001", **filter_args}
    make_rules(price_filter(**args)).validate(side="BUY", type="LIMIT", quantity="1", price=price)


# --------------------------------------------------------------------------------------------
# validate: LOT_SIZE and MARKET_LOT_SIZE
# --------------------------------------------------------------------------------------------


def test_lot_size_message_names_filter_field_value_and_limits() -> None:
    error = violation(make_rules(lot_size()), side="BUY", type="LIMIT", quantity="0.0001234", price="1")
    assert str(error) == (
        "LOT_SIZE: quantity 0.0001234 is not a multiple of stepSize 0.00001 from minQty 0.00001 "
        "(allowed 0.00001..9000)"
    )
    assert isinstance(error, InvalidRequestError) and isinstance(error, ValueError)
    assert (error.filter_type, error.field, error.value) == ("LOT_SIZE", "quantity", D("0.0001234"))
    assert error.allowed == {"minQty": D("0.00001"), "maxQty": D("9000"), "stepSize": D("0.00001")}


@pytest.mark.parametrize(
    ("quantity", "problem"), [("0.000001", "is below minQty"), ("9000.1", "is above maxQty")]
)
def test_lot_size_bounds(quantity: str, problem: str) -> None:
    error = violation(make_rules(lot_size()), side="SELL", type="LIMIT", quantity=quantity, price="1")
    assert error.filter_type == "LOT_SIZE" and problem in str(error)


def test_lot_size_checks_iceberg_qty() -> None:
    rules = make_rules(lot_size())
    rules.validate(side="BUY", type="LIMIT", quantity="1", price="1", iceberg_qty="0.5")
    error = violation(rules, side="BUY", type="LIMIT", quantity="1", price="1", iceberg_qty="0.000015")
    assert (error.filter_type, error.field) == ("LOT_SIZE", "icebergQty")


def test_lot_size_with_zero_fields_checks_nothing() -> None:
    rules = make_rules(lot_size(min_qty="0", max_qty="0", step="0"))
    rules.validate(side="BUY", type="LIMIT", quantity="123456789.123456789", price="1")


def test_lot_size_applies_to_market_orders_too() -> None:
    rules = make_rules(lot_size(), market_lot_size())
    error = violation(rules, side="BUY", type="MARKET", quantity="0.0001234")
    assert error.filter_type == "LOT_SIZE"


def test_market_lot_size_applies_only_to_market_executed_orders() -> None:
    rules = make_rules(lot_size(), market_lot_size(max_qty="100"))
    rules.validate(side="BUY", type="LIMIT", quantity="150", price="1")
    for order_type in ("MARKET", "STOP_LOSS", "TAKE_PROFIT"):
        extra = {} if order_type == "MARKET" else {"stop_price": "1"}
        error = violation(rules, side="BUY", type=order_type, quantity="150", **extra)
        assert (error.filter_type, error.field) == ("MARKET_LOT_SIZE", "quantity")
        assert error.allowed == {"minQty": D(0), "maxQty": D(100), "stepSize": D(0)}
    rules.validate(side="BUY", type="MARKET", quantity="99.99999")  # MARKET_LOT_SIZE step 0: no grid


def test_market_lot_size_step_is_checked_when_set() -> None:
    rules = make_rules(market_lot_size(min_qty="0.1", max_qty="100", step="0.1"))
    rules.validate(side="SELL", type="MARKET", quantity="0.3")
    error = violation(rules, side="SELL", type="MARKET", quantity="0.35")
    assert error.filter_type == "MARKET_LOT_SIZE" and "stepSize 0.1" in str(error)


# --------------------------------------------------------------------------------------------
# validate: MIN_NOTIONAL and NOTIONAL
# --------------------------------------------------------------------------------------------


def test_min_notional_on_a_limit_order() -> None:
    rules = make_rules(min_notional("10"))
    rules.validate(side="BUY", type="LIMIT", quantity="0.5", price="20")
    error = violation(rules, side="BUY", type="LIMIT", quantity="0.5", price="19.99")
    assert str(error) == "MIN_NOTIONAL: notional 9.995 (price 19.99 * quantity 0.5) is below minNotional 10"
    assert (error.filter_type, error.field, error.value) == ("MIN_NOTIONAL", "notional", D("9.995"))
    assert error.allowed == {"minNotional": D("10")}


def test_min_notional_on_market_orders_follows_apply_to_market() -> None:
    applies = make_rules(min_notional("10", apply_to_market=True))
    error = violation(applies, side="SELL", type="MARKET", quantity="0.5", ref_price="19")
    assert "(refPrice 19 * quantity 0.5)" in str(error) and error.value == D("9.5")
    applies.validate(side="SELL", type="MARKET", quantity="0.5", ref_price="20")
    applies.validate(side="SELL", type="MARKET", quantity="0.5")  # no ref_price: skipped
    ignores = make_rules(min_notional("10", apply_to_market=False))
    ignores.validate(side="SELL", type="MARKET", quantity="0.5", ref_price="1")


def test_notional_of_a_quote_order_qty_market_order_is_the_quote_qty() -> None:
    rules = make_rules(min_notional("10"), notional("5", "100", apply_min=True, apply_max=True))
    rules.validate(side="BUY", type="MARKET", quote_order_qty="10")
    low = violation(rules, side="BUY", type="MARKET", quote_order_qty="9.99")
    assert (low.filter_type, low.value) == ("MIN_NOTIONAL", D("9.99")) and "(quoteOrderQty)" in str(low)
    high = violation(rules, side="BUY", type="MARKET", quote_order_qty="100.01", ref_price="1")
    assert (high.filter_type, high.value) == ("NOTIONAL", D("100.01"))


@pytest.mark.parametrize(
    ("quantity", "price", "problem"),
    [("0.4", "10", "is below minNotional 5"), ("2", "60000", "is above maxNotional 100000")],
)
def test_notional_bounds_on_a_limit_order(quantity: str, price: str, problem: str) -> None:
    rules = make_rules(notional("5", "100000", apply_min=False, apply_max=False))
    rules.validate(side="BUY", type="LIMIT", quantity="0.5", price="10")
    error = violation(rules, side="BUY", type="LIMIT", quantity=quantity, price=price)
    assert (error.filter_type, error.field) == ("NOTIONAL", "notional") and problem in str(error)
    assert error.allowed == {"minNotional": D("5"), "maxNotional": D("100000")}


@pytest.mark.parametrize(
    ("apply_min", "apply_max", "fails_low", "fails_high"),
    [
        (False, False, False, False),
        (True, False, True, False),
        (False, True, False, True),
        (True, True, True, True),
    ],
)
def test_notional_bounds_on_market_orders_follow_their_apply_flags(
    apply_min: bool, apply_max: bool, fails_low: bool, fails_high: bool
) -> None:
    rules = make_rules(notional("5", "100000", apply_min=apply_min, apply_max=apply_max))
    for quantity, fails in (("0.1", fails_low), ("20000", fails_high)):
        order: dict[str, Any] = {"side": "SELL", "type": "MARKET", "quantity": quantity, "ref_price": "10"}
        if fails:
            assert violation(rules, **order).filter_type == "NOTIONAL"
        else:
            rules.validate(**order)


def test_notional_with_zero_max_has_no_upper_bound() -> None:
    make_rules(notional("5", "0")).validate(side="BUY", type="LIMIT", quantity="1000000", price="1000000")


# --------------------------------------------------------------------------------------------
# validate: PERCENT_PRICE and PERCENT_PRICE_BY_SIDE
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["BUY", "SELL"])
def test_percent_price(side: str) -> None:
    rules = make_rules(percent_price(up="1.3000", down="0.7000"))
    for ok in ("70", "100", "130"):
        rules.validate(side=side, type="LIMIT", quantity="1", price=ok, ref_price="100")
    for bad in ("69.99", "130.01"):
        error = violation(rules, side=side, type="LIMIT", quantity="1", price=bad, ref_price="100")
        assert (error.filter_type, error.field, error.value) == ("PERCENT_PRICE", "price", D(bad))
        assert error.allowed == {
            "multiplierDown": D("0.7"),
            "multiplierUp": D("1.3"),
            "refPrice": D("100"),
            "min": D("70"),
            "max": D("130"),
        }
        assert "is outside 70..130" in str(error)


def test_percent_price_is_skipped_without_ref_price_and_for_market_orders() -> None:
    rules = make_rules(percent_price())
    rules.validate(side="BUY", type="LIMIT", quantity="1", price="1000")
    rules.validate(side="BUY", type="MARKET", quantity="1", ref_price="100")


def test_percent_price_applies_to_the_limit_price_of_stop_limit_orders() -> None:
    rules = make_rules(percent_price())
    error = violation(
        rules, side="SELL", type="STOP_LOSS_LIMIT", quantity="1", price="50", stop_price="51", ref_price="100"
    )
    assert error.filter_type == "PERCENT_PRICE"


@pytest.mark.parametrize(
    ("side", "price", "failing_bound"),
    [
        ("BUY", "121", "bidMultiplierUp"),
        ("BUY", "19", "bidMultiplierDown"),
        ("SELL", "79", "askMultiplierDown"),
        ("SELL", "501", "askMultiplierUp"),
    ],
)
def test_percent_price_by_side_uses_the_side_multipliers(side: str, price: str, failing_bound: str) -> None:
    rules = make_rules(percent_price_by_side())
    error = violation(rules, side=side, type="LIMIT", quantity="1", price=price, ref_price="100")
    assert error.filter_type == "PERCENT_PRICE_BY_SIDE" and failing_bound in error.allowed
    assert failing_bound in str(error)


def test_percent_price_by_side_accepts_what_the_other_side_refuses() -> None:
    rules = make_rules(percent_price_by_side())
    rules.validate(side="SELL", type="LIMIT", quantity="1", price="121", ref_price="100")  # BUY max is 120
    rules.validate(side="BUY", type="LIMIT", quantity="1", price="79", ref_price="100")  # SELL min is 80
    rules.validate(side="BUY", type="LIMIT", quantity="1", price="120", ref_price="100")
    rules.validate(side="SELL", type="LIMIT", quantity="1", price="80", ref_price="100")


# --------------------------------------------------------------------------------------------
# validate: ICEBERG_PARTS
# --------------------------------------------------------------------------------------------

ICEBERG_PARTS = {"filterType": "ICEBERG_PARTS", "limit": 10}


@pytest.mark.parametrize(("iceberg_qty", "parts"), [("0.1", 10), ("0.5", 2), ("0.099", 11), ("0.09", 12)])
def test_iceberg_parts_counts_the_last_partial_part(iceberg_qty: str, parts: int) -> None:
    rules = make_rules(ICEBERG_PARTS)
    order: dict[str, Any] = {
        "side": "BUY",
        "type": "LIMIT",
        "quantity": "1",
        "price": "1",
        "iceberg_qty": iceberg_qty,
    }
    if parts <= 10:
        rules.validate(**order)
    else:
        error = violation(rules, **order)
        assert (error.filter_type, error.field, error.allowed) == (
            "ICEBERG_PARTS",
            "icebergQty",
            {"limit": 10},
        )
        assert f"into {parts} parts" in str(error)


# --------------------------------------------------------------------------------------------
# validate: TRAILING_DELTA
# --------------------------------------------------------------------------------------------

ABOVE = {"minTrailingAboveDelta": 100, "maxTrailingAboveDelta": 2000}
BELOW = {"minTrailingBelowDelta": 10, "maxTrailingBelowDelta": 50}


@pytest.mark.parametrize(
    ("order_type", "side", "bounds"),
    [
        ("STOP_LOSS", "BUY", ABOVE),
        ("STOP_LOSS_LIMIT", "BUY", ABOVE),
        ("TAKE_PROFIT", "SELL", ABOVE),
        ("TAKE_PROFIT_LIMIT", "SELL", ABOVE),
        ("STOP_LOSS", "SELL", BELOW),
        ("STOP_LOSS_LIMIT", "SELL", BELOW),
        ("TAKE_PROFIT", "BUY", BELOW),
        ("TAKE_PROFIT_LIMIT", "BUY", BELOW),
    ],
)
def test_trailing_delta_bounds_by_type_and_side(order_type: str, side: str, bounds: dict[str, int]) -> None:
    rules = make_rules(trailing_delta(above=(100, 2000), below=(10, 50)))
    price: dict[str, Any] = {"price": "1"} if order_type.endswith("_LIMIT") else {}
    inside, outside = (1000, 20) if bounds is ABOVE else (20, 1000)
    rules.validate(side=side, type=order_type, quantity="1", trailing_delta=inside, **price)
    rules.validate(side=side, type=order_type, quantity="1", trailing_delta=min(bounds.values()), **price)
    rules.validate(side=side, type=order_type, quantity="1", trailing_delta=max(bounds.values()), **price)
    error = violation(rules, side=side, type=order_type, quantity="1", trailing_delta=outside, **price)
    assert (error.filter_type, error.field, error.value) == ("TRAILING_DELTA", "trailingDelta", outside)
    assert error.allowed == bounds


def test_trailing_delta_must_be_an_int() -> None:
    rules = make_rules(trailing_delta())
    with pytest.raises(ParameterError, match="trailingDelta"):
        rules.validate(side="BUY", type="STOP_LOSS", quantity="1", trailing_delta=150.0)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# validate: MAX_NUM_ORDERS, MAX_NUM_ALGO_ORDERS, MAX_NUM_ICEBERG_ORDERS
# --------------------------------------------------------------------------------------------


def test_max_num_orders_counts_the_new_order() -> None:
    rules = make_rules(count_filter("MAX_NUM_ORDERS", "maxNumOrders", 3))
    rules.validate(side="BUY", type="LIMIT", quantity="1", price="1", open_orders=2)
    rules.validate(side="BUY", type="LIMIT", quantity="1", price="1")  # count unknown: skipped
    error = violation(rules, side="BUY", type="LIMIT", quantity="1", price="1", open_orders=3)
    assert (error.filter_type, error.field, error.value) == ("MAX_NUM_ORDERS", "open_orders", 3)
    assert error.allowed == {"maxNumOrders": 3}


def test_max_num_algo_orders_applies_to_stop_types_only() -> None:
    rules = make_rules(count_filter("MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders", 2))
    rules.validate(side="BUY", type="LIMIT", quantity="1", price="1", open_algo_orders=2)
    rules.validate(side="BUY", type="STOP_LOSS", quantity="1", stop_price="1", open_algo_orders=1)
    error = violation(rules, side="BUY", type="STOP_LOSS", quantity="1", stop_price="1", open_algo_orders=2)
    assert (error.filter_type, error.field, error.allowed) == (
        "MAX_NUM_ALGO_ORDERS",
        "open_algo_orders",
        {"maxNumAlgoOrders": 2},
    )


def test_max_num_iceberg_orders_applies_to_iceberg_orders_only() -> None:
    rules = make_rules(count_filter("MAX_NUM_ICEBERG_ORDERS", "maxNumIcebergOrders", 1))
    rules.validate(side="BUY", type="LIMIT", quantity="1", price="1", open_iceberg_orders=1)
    error = violation(
        rules, side="BUY", type="LIMIT", quantity="1", price="1", iceberg_qty="0.5", open_iceberg_orders=1
    )
    assert (error.filter_type, error.field) == ("MAX_NUM_ICEBERG_ORDERS", "open_iceberg_orders")


@pytest.mark.parametrize("count", [-1, True, 1.0])
def test_open_counts_must_be_non_negative_ints(count: Any) -> None:
    with pytest.raises(ParameterError, match="open_orders"):
        make_rules().validate(side="BUY", type="LIMIT", quantity="1", price="1", open_orders=count)


# --------------------------------------------------------------------------------------------
# validate: order type and parameters
# --------------------------------------------------------------------------------------------


def test_order_type_must_be_allowed_by_the_symbol() -> None:
    rules = make_rules(orderTypes=["LIMIT", "MARKET"])
    rules.validate(side="BUY", type="MARKET", quantity="1")
    error = violation(rules, side="BUY", type="STOP_LOSS", quantity="1", stop_price="1")
    assert (error.filter_type, error.field, error.value) == ("ORDER_TYPE", "type", "STOP_LOSS")
    assert error.allowed == {"orderTypes": ("LIMIT", "MARKET")}


def test_empty_order_types_allow_every_type() -> None:
    make_rules(orderTypes=[]).validate(side="BUY", type="LIMIT_MAKER", quantity="1", price="1")


@pytest.mark.parametrize(
    ("order", "field"),
    [
        ({"type": "LIMIT", "quantity": "1"}, "price"),
        ({"type": "LIMIT_MAKER", "quantity": "1"}, "price"),
        ({"type": "STOP_LOSS_LIMIT", "quantity": "1", "stop_price": "1"}, "price"),
        ({"type": "MARKET", "quantity": "1", "price": "1"}, "price"),
        ({"type": "LIMIT", "price": "1"}, "quantity"),
        ({"type": "LIMIT", "price": "1", "quantity": "0"}, "quantity"),
        ({"type": "LIMIT", "price": "1", "quantity": "-1"}, "quantity"),
        ({"type": "LIMIT", "price": "-1", "quantity": "1"}, "price"),
        ({"type": "MARKET"}, "quantity"),
        ({"type": "MARKET", "quantity": "1", "quote_order_qty": "10"}, "quantity"),
        ({"type": "MARKET", "quote_order_qty": "0"}, "quoteOrderQty"),
        ({"type": "LIMIT", "price": "1", "quantity": "1", "quote_order_qty": "1"}, "quoteOrderQty"),
        ({"type": "STOP_LOSS", "quantity": "1"}, "stopPrice"),
        ({"type": "TAKE_PROFIT_LIMIT", "quantity": "1", "price": "1"}, "stopPrice"),
        ({"type": "LIMIT", "quantity": "1", "price": "1", "stop_price": "1"}, "stopPrice"),
        ({"type": "MARKET", "quantity": "1", "trailing_delta": 100}, "trailingDelta"),
        ({"type": "STOP_LOSS", "quantity": "1", "trailing_delta": 0}, "trailingDelta"),
        ({"type": "MARKET", "quantity": "1", "iceberg_qty": "0.5"}, "icebergQty"),
        ({"type": "LIMIT", "quantity": "1", "price": "1", "iceberg_qty": "0"}, "icebergQty"),
    ],
)
def test_order_parameters(order: dict[str, Any], field: str) -> None:
    error = violation(make_rules(), side="BUY", **order)
    assert (error.filter_type, error.field) == ("ORDER_PARAMS", field)
    assert str(error).startswith("ORDER_PARAMS: ")


def test_order_parameter_messages_read_as_sentences() -> None:
    rules = make_rules()
    assert (
        str(violation(rules, side="BUY", type="LIMIT", quantity="1")) == "ORDER_PARAMS: LIMIT requires price"
    )
    error = violation(rules, side="BUY", type="LIMIT", quantity="-0.50", price="1")
    assert str(error) == "ORDER_PARAMS: quantity -0.5 must be greater than 0"


@pytest.mark.parametrize(
    "order",
    [
        {"side": "buy", "type": "LIMIT", "quantity": "1", "price": "1"},
        {"side": "BUY", "type": "OCO", "quantity": "1", "price": "1"},
        {"side": "BUY", "type": "LIMIT", "quantity": float("nan"), "price": "1"},
        {"side": "BUY", "type": "LIMIT", "quantity": "1", "price": "Infinity"},
        {"side": "BUY", "type": "MARKET", "quantity": "1", "ref_price": "x"},
    ],
)
def test_uninterpretable_values_raise_parameter_error(order: dict[str, Any]) -> None:
    with pytest.raises(ParameterError):
        make_rules(notional()).validate(**order)


def test_validation_reports_the_first_broken_filter_in_binance_order() -> None:
    rules = make_rules(price_filter(), lot_size(), notional())
    # Both the price and the quantity are off their grids, and the notional is too small.
    error = violation(rules, side="BUY", type="LIMIT", quantity="0.0000123", price="1.001")
    assert error.filter_type == "PRICE_FILTER"


def test_a_realistic_symbol_accepts_a_sane_order_of_every_type() -> None:
    rules = make_rules(
        price_filter(),
        lot_size(),
        market_lot_size(),
        notional(),
        percent_price_by_side(),
        trailing_delta(),
        ICEBERG_PARTS,
        count_filter("MAX_NUM_ORDERS", "maxNumOrders", 200),
        count_filter("MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders", 5),
    )
    common: dict[str, Any] = {
        "side": "BUY",
        "quantity": "0.01",
        "ref_price": "50000",
        "open_orders": 10,
        "open_algo_orders": 1,
    }
    for order_type in ALL_TYPES:
        extra: dict[str, Any] = {}
        if order_type not in ("MARKET", "STOP_LOSS", "TAKE_PROFIT"):
            extra["price"] = "49000.01"
        if order_type.startswith(("STOP_LOSS", "TAKE_PROFIT")):
            extra["stop_price"] = "49500"
        rules.validate(type=order_type, **common, **extra)


# --------------------------------------------------------------------------------------------
# needs_ref_price
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "needs"),
    [
        ((), set()),
        ((price_filter(), lot_size()), set()),
        ((percent_price(),), {"LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"}),
        ((percent_price_by_side(),), {"LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"}),
        ((min_notional(apply_to_market=True),), {"MARKET", "STOP_LOSS", "TAKE_PROFIT"}),
        ((min_notional(apply_to_market=False),), set()),
        ((notional(apply_min=False, apply_max=False),), set()),
        ((notional(apply_min=True, apply_max=False),), {"MARKET", "STOP_LOSS", "TAKE_PROFIT"}),
        ((notional(apply_min=False, apply_max=True),), {"MARKET", "STOP_LOSS", "TAKE_PROFIT"}),
    ],
)
def test_needs_ref_price(filters: tuple[dict[str, Any], ...], needs: set[str]) -> None:
    rules = make_rules(*filters)
    assert {t for t in ALL_TYPES if rules.needs_ref_price(t)} == needs
    assert not rules.needs_ref_price("MARKET", quote_order_qty=True)


def test_needs_ref_price_is_false_exactly_when_ref_price_cannot_change_the_outcome() -> None:
    rules = make_rules(percent_price(), notional("5", "100", apply_min=True, apply_max=True))
    orders: list[dict[str, Any]] = [
        {"type": "LIMIT", "quantity": "1", "price": "10"},
        {"type": "MARKET", "quantity": "1"},
        {"type": "MARKET", "quote_order_qty": "10"},
    ]
    for order in orders:
        outcomes = set()
        for ref_price in ("0.001", "10", "100000"):
            try:
                rules.validate(side="BUY", ref_price=ref_price, **order)
                outcomes.add("ok")
            except OrderValidationError as error:
                outcomes.add(error.filter_type)
        depends = len(outcomes) > 1
        assert depends == rules.needs_ref_price(order["type"], quote_order_qty="quote_order_qty" in order)


def test_needs_ref_price_refuses_an_unknown_type() -> None:
    with pytest.raises(ParameterError):
        make_rules().needs_ref_price("OCO")
