"""The matching engine and its routes without HTTP, for the engine, matching, order-check, order-list and
SOR tests.

Handlers are called directly; bodies go through JSON, so what a test checks is what a client would decode.
`EngineHarness` trades against the market's seeded house liquidity; `BareBook` takes that liquidity away
first, so that every trade is between a test's own orders at the prices it names.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest

from binance_async.sim.accounts import Accounts
from binance_async.sim.clock import SimClock
from binance_async.sim.config import ApiKey, SimConfig
from binance_async.sim.engine import Engine
from binance_async.sim.errors import SimError
from binance_async.sim.limits import SimLimits
from binance_async.sim.list_routes import list_routes
from binance_async.sim.market import Market
from binance_async.sim.order_routes import order_routes
from binance_async.sim.params import Params
from binance_async.sim.routes import Call, Route
from binance_async.sim.sor_routes import sor_routes

START = 1_700_000_000_000
SYMBOL = "BTCUSDT"


class EngineHarness:
    """One engine with every order, list and SOR route, and one account per name in `accounts`."""

    def __init__(self, accounts: Sequence[str] = ("default", "other"), book_levels: int = 50) -> None:
        self.account_names = tuple(accounts)
        keys = [ApiKey(f"key-{name}", hmac_secret=f"secret-{name}", account=name) for name in accounts]
        config = SimConfig(book_levels=book_levels, api_keys=keys, start_ms=START)
        self.clock = SimClock(start_ms=START)
        self.market = Market(config, self.clock)
        self.accounts = Accounts(config, self.clock)
        self.limits = SimLimits(config, self.clock)
        self.engine = Engine(self.market, self.accounts, self.limits, self.clock)
        routes = order_routes(self.engine) + list_routes(self.engine) + sor_routes(self.engine)
        self.routes: dict[tuple[str, str], Route] = {(r.method, r.path): r for r in routes}
        self.book = self.market.book(SYMBOL)

    def call(self, method: str, path: str, account: str = "default", **params: Any) -> Any:
        """The handler's body for these parameters (``symbol`` defaults to BTCUSDT; None leaves it out)."""
        params.setdefault("symbol", SYMBOL)
        if params["symbol"] is None:
            del params["symbol"]
        query = urlencode({name: str(value) for name, value in params.items()})
        parsed = Params(query)
        body = self.routes[(method, path)].handler(Call(parsed, ip="127.0.0.1", account=account))
        parsed.finish()
        return json.loads(json.dumps(body))

    def order(self, account: str = "default", **params: Any) -> Any:
        return self.call("POST", "/api/v3/order", account, **params)

    def asks(self, count: int) -> list[tuple[Decimal, Decimal]]:
        return self.book.asks.top(count)

    def bids(self, count: int) -> list[tuple[Decimal, Decimal]]:
        return self.book.bids.top(count)

    def free(self, asset: str, account: str = "default") -> Decimal:
        return self.accounts.get(account).free.get(asset, Decimal(0))

    def locked(self, asset: str, account: str = "default") -> Decimal:
        return self.accounts.get(account).locked.get(asset, Decimal(0))

    def totals(self) -> dict[str, Decimal]:
        """Every asset over all accounts plus the house plus the commissions charged."""
        out: dict[str, Decimal] = defaultdict(Decimal)
        for name in self.account_names:
            account = self.accounts.get(name)
            for balances in (account.free, account.locked):
                for asset, amount in balances.items():
                    out[asset] += amount
        for table in (self.engine.house, self.engine.commissions):
            for asset, amount in table.items():
                out[asset] += amount
        return dict(out)


class BareBook(EngineHarness):
    """One engine with every route, three accounts ("default", "other", "third"), and an empty book."""

    def __init__(self) -> None:
        super().__init__(("default", "other", "third"), book_levels=1)
        # "third" takes the house liquidity on both sides.
        (_, ask_qty), (_, bid_qty) = self.book.asks.top(1)[0], self.book.bids.top(1)[0]
        self.order("third", side="BUY", type="MARKET", quantity=str(ask_qty))
        self.order("third", side="SELL", type="MARKET", quantity=str(bid_qty))
        assert self.book.asks.top(1) == [] and self.book.bids.top(1) == []

    def limit(self, account: str, side: str, qty: str, price: str, **params: Any) -> Any:
        return self.order(
            account, side=side, type="LIMIT", timeInForce="GTC", quantity=qty, price=price, **params
        )

    def query(self, order_id: int, account: str = "default") -> Any:
        return self.call("GET", "/api/v3/order", account, orderId=order_id)

    def trade_at(self, price: str) -> None:
        """One trade on the tape at `price`, between "other" (maker) and "third" (taker)."""
        self.limit("other", "SELL", "0.001", price)
        taken = self.order("third", side="BUY", type="MARKET", quantity="0.001")
        assert [Decimal(f["price"]) for f in taken["fills"]] == [Decimal(price)]

    def totals(self) -> dict[str, Decimal]:
        """As the harness's, without assets that sum to zero."""
        return {asset: amount for asset, amount in super().totals().items() if amount}


def error(sim: EngineHarness, method: str, path: str, **params: Any) -> SimError:
    """The error the engine raises for this request (the test fails if it raises none)."""
    with pytest.raises(SimError) as caught:
        sim.call(method, path, **params)
    return caught.value


def place_error(sim: EngineHarness, **params: Any) -> SimError:
    """The error placing this order raises."""
    return error(sim, "POST", "/api/v3/order", **params)
