"""Symbol trading rules: `SymbolRules` (rounding and local validation) and `RulesCache`."""

from ...errors import UnknownSymbolError
from .symbol import ORDER_PARAMS, ORDER_TYPE, Number, RulesCache, SymbolRules

__all__ = ["ORDER_PARAMS", "ORDER_TYPE", "Number", "RulesCache", "SymbolRules", "UnknownSymbolError"]
