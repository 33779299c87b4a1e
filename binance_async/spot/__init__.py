"""Binance Spot REST API: `SpotClient`, its endpoint table, its response models and symbol rules.

`UnknownSymbolError` is defined in `binance_async.errors` and re-exported here.
"""

from ..errors import UnknownSymbolError
from .client import SpotClient
from .rules import RulesCache, SymbolRules

__all__ = ["RulesCache", "SpotClient", "SymbolRules", "UnknownSymbolError"]
