"""Typed response models of the Spot REST API: one module per area, every name re-exported here.

* `market`: what the public market-data endpoints answer (``Depth``, ``ExchangeInfo``, ``Kline`` ...);
* `filters`: the symbol and exchange filters of ``exchangeInfo`` and ``myFilters``;
* `trading`: orders placed, tested, canceled, replaced, amended and queried;
* `order_lists`: OCO, OTO, OTOCO, OPO and OPOCO lists placed and canceled;
* `account`: balances, own trades, order counts, commission rates, the account's filters.

The areas follow the endpoint table (`binance_async.spot.endpoints`). This package was one module,
``binance_async.spot.models``; ``from binance_async.spot.models import Depth`` works as it did, and
so does importing any model of another area from here (``from binance_async.spot.models import
OrderFull``). The old ``order_models``, ``list_models`` and ``account_models`` modules re-export theirs.

Every model is a frozen :class:`msgspec.Struct` decoded straight from the response bytes with
``msgspec.json.decode(body, type=Model)`` (or ``type=list[Model]`` for list responses).

Conventions
-----------
* **snake_case attributes.** Binance's camelCase keys are mapped automatically
  (``rename="camel"``: ``quoteQty`` -> ``quote_qty``); the single-letter keys of ``aggTrades``
  are given readable names explicitly.
* **Decimal money.** Prices, quantities, notionals and multipliers arrive as JSON strings and are
  decoded to :class:`decimal.Decimal`, so no precision is lost (``"0.00000001"`` stays exactly
  ``Decimal("0.00000001")``).  Ids, counts and millisecond timestamps are ``int``.
* **Fixed-point text.** ``str()`` of a Decimal may use an exponent: Binance's ``"0.00000000"``
  decodes to ``Decimal("0E-8")``, which prints as ``0E-8``. :func:`fixed` writes one Decimal as
  Binance does (``"0.00000000"``), and :func:`json_ready` turns a whole answer (a model, or lists
  and dicts of them) into plain JSON-ready values with every Decimal so written; the models' fields
  stay Decimal.
* **String depth levels.** :class:`Depth` keeps its levels as the exact ``(price, qty)`` strings
  Binance sent (a hot path: see the class docstring); helpers convert them to ``Decimal``.
* **Finite, ASCII numbers.** A Decimal field never holds NaN or an infinity (every model with one
  refuses them, decoded or built by hand), and an answer whose numbers are written in non-ASCII
  digits (``"٣٣"``, which ``Decimal`` reads as 33) or whose depth levels are not finite fails to
  decode (see `binance_async._decimal_checks`).
* **Lazy filters.** ``exchangeInfo`` is large (~3000 symbols, several MB).  Each symbol's filter
  list is kept as undecoded :class:`msgspec.Raw` JSON and only turned into typed filter structs
  when :meth:`SymbolInfo.filters` / :meth:`SymbolInfo.filter` is called (``permissionSets``
  likewise, via :meth:`SymbolInfo.permission_sets`).  Filter types this library does not know yet
  decode to :class:`UnknownFilter` instead of failing.  ``msgspec.Raw`` is a zero-copy view, so
  the response body stays in memory for as long as the decoded model does.
* **Tolerance.** Unknown keys are ignored; keys that Binance omits in some variants (MINI vs FULL
  tickers, newer or deprecated symbol flags, ...) default to ``None`` (or ``False`` / empty).
* **GC.** Models that can only hold scalars, tuples or :class:`msgspec.Raw` use ``gc=False``: they
  can never be part of a reference cycle, and skipping GC tracking keeps large decodes (thousands
  of symbols or trades) from triggering collector passes.  Models holding lists or dicts keep the
  default.
"""

from __future__ import annotations

from . import account, filters, market, order_lists, trading
from ._base import fixed, json_ready
from .account import *  # noqa: F403
from .filters import *  # noqa: F403
from .market import *  # noqa: F403
from .order_lists import *  # noqa: F403
from .trading import *  # noqa: F403

__all__ = [
    "fixed",
    "json_ready",
    *filters.__all__,
    *market.__all__,
    *trading.__all__,
    *order_lists.__all__,
    *account.__all__,
]
