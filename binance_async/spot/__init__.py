"""Binance Spot REST API: `SpotClient`, its endpoint table, its response models and symbol rules."""

from .client import SpotClient
from .rules import RulesCache, SymbolRules, UnknownSymbolError

__all__ = ["RulesCache", "SpotClient", "SymbolRules", "UnknownSymbolError"]
