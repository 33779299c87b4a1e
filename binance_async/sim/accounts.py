"""Accounts: balances (free and locked) and commission rates, and the signed routes that read them.

The matching engine (`engine`) moves balances; this module serves ``GET /api/v3/account``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .clock import SimClock
from .config import SimConfig
from .routes import Call, Route

__all__ = ["Account", "Accounts", "account_routes"]

MAKER = Decimal("0.00100000")
TAKER = Decimal("0.00100000")


def _amount(value: Decimal) -> str:
    return f"{value:.8f}"


@dataclass
class Account:
    """One trading account."""

    name: str
    uid: int
    free: dict[str, Decimal] = field(default_factory=dict)
    locked: dict[str, Decimal] = field(default_factory=dict)
    update_time: int = 0

    def body(self, omit_zero: bool) -> dict[str, Any]:
        rates = {
            "maker": _amount(MAKER),
            "taker": _amount(TAKER),
            "buyer": _amount(Decimal(0)),
            "seller": "0.00000000",
        }
        assets = sorted(set(self.free) | set(self.locked))
        balances = [
            {
                "asset": a,
                "free": _amount(self.free.get(a, Decimal(0))),
                "locked": _amount(self.locked.get(a, Decimal(0))),
            }
            for a in assets
            if not omit_zero or self.free.get(a) or self.locked.get(a)
        ]
        return {
            "makerCommission": int(MAKER * 10000),
            "takerCommission": int(TAKER * 10000),
            "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": rates,
            "canTrade": True,
            "canWithdraw": True,
            "canDeposit": True,
            "brokered": False,
            "requireSelfTradePrevention": False,
            "preventSor": False,
            "updateTime": self.update_time,
            "accountType": "SPOT",
            "balances": balances,
            "permissions": ["SPOT"],
            "uid": self.uid,
        }


class Accounts:
    """Every account named by the configured API keys, each starting with `config.balances`."""

    def __init__(self, config: SimConfig, clock: SimClock) -> None:
        self._clock = clock
        self._accounts: dict[str, Account] = {}
        for index, key in enumerate(config.api_keys):
            if key.account not in self._accounts:
                self._accounts[key.account] = Account(
                    key.account, uid=354937868 + index, free=dict(config.balances), update_time=clock.now_ms()
                )

    def get(self, name: str) -> Account:
        return self._accounts[name]


def account_routes(accounts: Accounts) -> list[Route]:
    """``GET /api/v3/account``."""

    def account(call: Call) -> Any:
        assert call.account is not None
        omit_zero = call.params.boolean("omitZeroBalances") or False
        return accounts.get(call.account).body(omit_zero)

    return [Route("GET", "/api/v3/account", account, weight=20, security="USER_DATA")]
