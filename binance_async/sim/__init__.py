"""An embedded Binance: a real HTTP server on 127.0.0.1 for examples, tests and benchmarks.

::

    from binance_async.sim import Simulator

    async with Simulator() as sim:
        client = SpotClient(sim.api_key, sim.api_secret, base_url=sim.base_url)

See `app` for the request path, `config` for what can be configured, and `testing` for the pytest
fixture ``binance_sim``. The simulator shares no code with the client.

Its rooms, one module each:

* servers: `app` (`Simulator`: the HTTP server, its dispatch, weights, signatures and faults) and
  `oauth` (the Binance Login server it mounts: authorization and tokens, with its user APIs in
  `oauth_apis` and its records in `oauth_records`). A WebSocket server gets a module of its own next to
  them, reads the same `Market` and `Engine` and is served by `Simulator` on the same port:
  `ws_streams` (`MarketStreams`: the market streams' routes, subscriptions and periods), with
  `stream_names` (what a stream name means), `stream_payloads` (the events), `stream_connection` (one
  client), `stream_control` (SUBSCRIBE and the rest), `stream_limits` (settings, the attempt budget,
  counters), `stream_faults` (their faults) and `stream_events` (how the market tells them); and
  `ws_api` (`WsApiServer`: the WebSocket API), with `ws_api_framing` (requests and answers),
  `ws_api_methods` (the REST routes as methods), `ws_api_sessions` (signatures, logon, the user data
  stream methods), `ws_api_user_data` (the subscriptions), `ws_api_connection` (one client),
  `ws_api_faults` (their faults) and `account_events` (how the engine tells about accounts);
* routes (what each HTTP endpoint reads and answers): `market_routes`, `order_routes`, `list_routes`,
  `sor_routes`, with `routes`, `params` and `order_params` for reading requests;
* the exchange: `market` (symbols, filters, prices, tickers) with `book` (order books) and `tape`
  (trades and their statistics); `engine` (orders), which composes `records`, `order_checks`,
  `matching`, `order_lists`, `sor` and `history`; `accounts` (balances);
* the rest: `security` (signatures, keys), `limits` (rate limits, bans), `faults` (fault injection),
  `activity` (a seeded market-maker that keeps the markets moving), `clock`, `config`, `errors`,
  `enums`, `values`.

`Simulator` (and with it aiohttp's server, the matching engine and the rest) is imported on first
use: the pytest plugin imports this package in every test run of a project that has binance-async
installed, and must cost nothing until a test asks for ``binance_sim``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .clock import SimClock
from .config import ApiKey, LimitSpec, SimConfig, SymbolSpec, WsApiSettings

if TYPE_CHECKING:
    from .activity import MarketActivity
    from .app import Simulator
    from .stream_limits import StreamSettings
    from .ws_api import WsApiServer

__all__ = [
    "ApiKey",
    "LimitSpec",
    "MarketActivity",
    "SimClock",
    "SimConfig",
    "Simulator",
    "StreamSettings",
    "SymbolSpec",
    "WsApiServer",
    "WsApiSettings",
]

_LAZY = {
    "Simulator": ".app",
    "MarketActivity": ".activity",
    "StreamSettings": ".stream_limits",
    "WsApiServer": ".ws_api",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        import importlib

        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
