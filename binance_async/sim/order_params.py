"""Parameter helpers shared by the order, order-list and SOR endpoints."""

from __future__ import annotations

from .engine import Engine
from .errors import SimError
from .params import Params
from .routes import Call

__all__ = ["account_of", "known_symbol", "page_limit"]


def account_of(call: Call) -> str:
    """The account of a signed request."""
    if call.account is None:  # the app sets it for every signed route
        raise SimError(-2015, "Invalid API-key, IP, or permissions for action.", status=401)
    return call.account


def known_symbol(engine: Engine, params: Params) -> str:
    """The mandatory ``symbol``, which must be listed (-1121 otherwise)."""
    symbol = params.symbol()
    assert symbol is not None  # required
    engine.market.require(symbol)
    return symbol


def page_limit(params: Params) -> int:
    """``limit`` of the list queries: 1 to 1000, default 500."""
    limit = params.integer("limit", minimum=1, maximum=1000)
    return 500 if limit is None else limit
