"""The public surface: every error raised on purpose can be imported from ``binance_async`` and
``binance_async.errors`` and is drawn in the errors tree; the package docstring names the entry
points; the lazily imported names resolve to the real objects."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import binance_async
import binance_async.errors as errors_module
from binance_async import OAuthClient, RateLimiter, SpotClient, WindowSpec, WindowState

# Errors left out of the public surface, and why:
# - binance_async.sim: the simulator's own errors (`SimError` and the OAuth server's) are how it builds
#   Binance's error answers; they never reach a client's caller, who gets the `BinanceAPIError` that
#   the HTTP answer maps to. The simulator also shares no code with the client on purpose.
# - private modules (binance_async.cli._errors): `CLIError` / `UsageError` carry the command line's
#   message and exit code and are caught by `binance_async.cli.main`; a program never sees one.
# - binance_async.testing: `NoRouteError` is an `AssertionError` a test double raises to fail the test
#   that sent a request it did not expect; the client never raises it, so it is not a `BinanceError`.
# - classes whose name starts with "_" (`_RetryAfterMixin`, `_HeldBack`): implementation bases.
_EXCLUDED_PACKAGES = ("binance_async.sim", "binance_async.testing")


def _is_private_module(name: str) -> bool:
    return any(part.startswith("_") for part in name.split("."))


def _public_errors() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(binance_async.__path__, "binance_async."):
        if info.name.startswith(_EXCLUDED_PACKAGES) or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if not (inspect.isclass(value) and issubclass(value, BaseException)):
                continue
            if value.__module__ != module.__name__ or name.startswith("_"):
                continue  # re-exported from elsewhere, or private
            if _is_private_module(module.__name__):
                continue
            found[name] = value
    return found


def test_the_walk_finds_the_errors_of_every_subpackage() -> None:
    errors = _public_errors()
    assert {"BinanceError", "ExecutionStatusUnknown", "UnknownSymbolError", "TokenStoreError"} <= set(errors)
    exported = {
        name
        for name in errors_module.__all__
        if isinstance(getattr(errors_module, name), type)
        and issubclass(getattr(errors_module, name), BaseException)
    }
    assert set(errors) == exported


def test_every_public_error_is_defined_in_binance_async_errors() -> None:
    elsewhere = {name: cls.__module__ for name, cls in _public_errors().items()}
    assert {name: module for name, module in elsewhere.items() if module != "binance_async.errors"} == {}


def test_every_public_error_is_importable_from_the_package_and_errors() -> None:
    for name, cls in _public_errors().items():
        assert getattr(errors_module, name) is cls, name
        assert getattr(binance_async, name) is cls, name
        assert name in errors_module.__all__, name
        assert name in binance_async.__all__, name


def test_every_public_error_is_drawn_in_the_errors_tree() -> None:
    doc = errors_module.__doc__ or ""
    drawn = set(re.findall(r"[├└]── ([A-Za-z]+)", doc)) | {"BinanceError"}
    assert set(_public_errors()) <= drawn
    # and nothing is drawn that does not exist
    assert all(isinstance(getattr(errors_module, name), type) for name in drawn)


def test_moved_errors_are_still_importable_from_their_old_homes() -> None:
    from binance_async.oauth import TokenStoreError
    from binance_async.oauth.tokens import TokenStoreError as TokenStoreErrorFromTokens
    from binance_async.spot import UnknownSymbolError
    from binance_async.spot.rules import UnknownSymbolError as UnknownSymbolErrorFromRules

    assert UnknownSymbolError is UnknownSymbolErrorFromRules is binance_async.errors.UnknownSymbolError
    assert TokenStoreError is TokenStoreErrorFromTokens is binance_async.errors.TokenStoreError
    error = UnknownSymbolError("XYZUSDT")
    assert error.symbol == "XYZUSDT"
    assert isinstance(error, binance_async.InvalidRequestError)
    assert isinstance(error, ValueError)


#: The Spot modules that became packages or moved (issue 14): the old path re-exports the new module.
_SPOT_MOVES = {
    "binance_async.spot.order_models": "binance_async.spot.models.trading",
    "binance_async.spot.list_models": "binance_async.spot.models.order_lists",
    "binance_async.spot.account_models": "binance_async.spot.models.account",
    "binance_async.spot.order_params": "binance_async.spot.params.trading",
    "binance_async.spot.list_params": "binance_async.spot.params.order_lists",
}
#: What the single module ``binance_async.spot.models`` exported before it became a package.
_OLD_MODELS_ALL = [
    "AggTrade",
    "AvgPrice",
    "BlockTrade",
    "BookTicker",
    "Depth",
    "EmptyResponse",
    "ExchangeInfo",
    "ExchangeMaxNumAlgoOrders",
    "ExchangeMaxNumIcebergOrders",
    "ExchangeMaxNumOrderLists",
    "ExchangeMaxNumOrders",
    "ExecutionRules",
    "IcebergParts",
    "Kline",
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
    "PriceRangeRule",
    "RateLimit",
    "ReferencePrice",
    "ReferencePriceCalculation",
    "ServerTime",
    "Sor",
    "SymbolExecutionRules",
    "SymbolFilter",
    "SymbolInfo",
    "TickerPrice",
    "TickerStats",
    "Trade",
    "TrailingDelta",
    "UnknownFilter",
    "decode_filters",
    "fixed",
    "json_ready",
]


@pytest.mark.parametrize(("old", "new"), sorted(_SPOT_MOVES.items()))
def test_moved_spot_modules_still_import_from_their_old_paths(old: str, new: str) -> None:
    old_module, new_module = importlib.import_module(old), importlib.import_module(new)
    assert set(old_module.__all__) <= set(new_module.__all__)
    for name in old_module.__all__:
        assert getattr(old_module, name) is getattr(new_module, name), name


def test_spot_models_and_rules_packages_export_what_their_modules_did() -> None:
    from binance_async.spot import models, rules

    assert set(_OLD_MODELS_ALL) <= set(models.__all__)
    for name in models.__all__:  # every model of every area, from one place
        assert getattr(models, name) is not None, name
    for area in ("filters", "market", "trading", "order_lists", "account"):
        for name in importlib.import_module(f"binance_async.spot.models.{area}").__all__:
            assert getattr(models, name) is getattr(getattr(models, area), name), name
    old_rules = ["ORDER_PARAMS", "ORDER_TYPE", "Number", "RulesCache", "SymbolRules", "UnknownSymbolError"]
    assert rules.__all__ == old_rules
    assert rules.SymbolRules is binance_async.spot.SymbolRules
    assert rules.RulesCache is binance_async.spot.RulesCache


def test_every_name_in_all_resolves() -> None:
    for name in binance_async.__all__:
        assert getattr(binance_async, name) is not None, name
    for name in errors_module.__all__:
        assert getattr(errors_module, name) is not None, name
    assert set(binance_async.__all__) <= set(dir(binance_async))


def test_lazy_names_are_the_real_objects() -> None:
    from binance_async._limits import RateLimiter as RealRateLimiter
    from binance_async._limits import WindowSpec as RealWindowSpec
    from binance_async._limits import WindowState as RealWindowState
    from binance_async.oauth.client import OAuthClient as RealOAuthClient
    from binance_async.spot.client import SpotClient as RealSpotClient

    assert SpotClient is RealSpotClient
    assert OAuthClient is RealOAuthClient
    assert RateLimiter is RealRateLimiter
    assert WindowSpec is RealWindowSpec
    assert WindowState is RealWindowState
    assert binance_async.spot.SpotClient is SpotClient
    assert binance_async.oauth.OAuthClient is OAuthClient


def test_an_unknown_attribute_is_an_attribute_error() -> None:
    assert not hasattr(binance_async, "NoSuchThing")
    assert not hasattr(binance_async.sim, "NoSuchThing")


def test_the_package_docstring_names_the_entry_points() -> None:
    doc = binance_async.__doc__ or ""
    for entry in (
        "SpotClient",
        "OAuthClient",
        "binance_async.oauth",
        "binance_async.sim.Simulator",
        "SimConfig",
        "binance_sim",
        "binance-async",
        "binance_async.errors",
        "BinanceError",
        "ExecutionStatusUnknown",
        "RateLimiter",
        "RetryPolicy",
        "MAINNET",
        "TESTNET",
        "DEMO",
        "MARKET_DATA",
        "unknown_outcomes",
        "reconcile_order",
        "Secret",
    ):
        assert entry in doc, entry
    assert len(doc.splitlines()) > 20
