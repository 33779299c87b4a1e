"""Symbol trading rules: round prices and quantities to a symbol's filters and validate orders locally.

:class:`SymbolRules` is built once from one ``exchangeInfo`` symbol (plus, optionally, the exchange-wide
filters) and answers three questions before an order is sent:

* :meth:`SymbolRules.round_price` / :meth:`SymbolRules.round_quantity`: the nearest value Binance
  accepts, in the direction that is safe for the order (a BUY never pays more, a SELL never sells for
  less, a quantity never grows), exactly, with :class:`~decimal.Decimal`;
* :meth:`SymbolRules.validate`: does the order pass every filter Binance would check?  A violation
  raises :class:`~binance_async.errors.OrderValidationError` naming the filter, the parameter, the
  value and the limits;
* :meth:`SymbolRules.needs_ref_price`: does that check need the symbol's reference price (so a
  client fetches ``avgPrice`` only when it must)?

:class:`RulesCache` keeps one ``exchangeInfo`` response for a TTL, shares one fetch between concurrent
callers and builds each symbol's rules on first use.

Grid steps are measured from the filter's minimum, ``(value - min) % step == 0`` (the conventional
reading of Binance's ``value % step == 0``); a zero ``tickSize`` / ``stepSize`` / bound disables that
rule, as Binance documents for PRICE_FILTER and LOT_SIZE (a zero ``maxNotional`` is read the same way).

The package: `symbol` (`SymbolRules`), `rounding` (exact Decimals and the price and quantity grids),
`validation` (the checks of one order), `cache` (`RulesCache`, and the client's side of it:
``symbol_rules`` and the ``validate=`` of the order methods). It was one module; every name it
exported is still importable from `binance_async.spot.rules`.
"""

from ...errors import UnknownSymbolError
from .cache import RulesCache
from .rounding import Number
from .symbol import SymbolRules
from .validation import ORDER_PARAMS, ORDER_TYPE

__all__ = ["ORDER_PARAMS", "ORDER_TYPE", "Number", "RulesCache", "SymbolRules", "UnknownSymbolError"]
