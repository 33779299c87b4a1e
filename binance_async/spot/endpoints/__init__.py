"""The Spot ``/api/v3`` endpoints as data (see ``tests/data/spot-endpoints.tsv``).

Each entry carries what differs between calls: method, path, security, weight (a number or a rule
over the parameters), how many orders it counts, and the response type. One module per area
(`market`, `trading`, `order_lists`, `account`); this package re-exports every entry. `BY_ROUTE`
finds an endpoint by ``(method, path)`` so that `SpotClient.request` charges the right weight too;
`ws_methods.WS_METHODS` names each one's WebSocket API method.
"""

from __future__ import annotations

from typing import Any

from ..._endpoint import Endpoint
from .account import *  # noqa: F403
from .account import ACCOUNT_ENDPOINTS
from .market import *  # noqa: F403
from .market import MARKET_ENDPOINTS
from .order_lists import *  # noqa: F403
from .order_lists import ORDER_LIST_ENDPOINTS
from .trading import *  # noqa: F403
from .trading import TRADING_ENDPOINTS

ENDPOINTS: dict[str, Endpoint[Any]] = {
    e.name: e for e in (*MARKET_ENDPOINTS, *TRADING_ENDPOINTS, *ORDER_LIST_ENDPOINTS, *ACCOUNT_ENDPOINTS)
}

BY_ROUTE: dict[tuple[str, str], Endpoint[Any]] = {(e.method, e.path): e for e in ENDPOINTS.values()}
