"""An embedded Binance: a real HTTP server on 127.0.0.1 for examples, tests and benchmarks.

::

    from binance_async.sim import Simulator

    async with Simulator() as sim:
        client = SpotClient(sim.api_key, sim.api_secret, base_url=sim.base_url)

See `app` for the request path, `config` for what can be configured, and `testing` for the pytest
fixture ``binance_sim``. The simulator shares no code with the client.
"""

from .app import Simulator
from .clock import SimClock
from .config import ApiKey, LimitSpec, SimConfig, SymbolSpec

__all__ = ["ApiKey", "LimitSpec", "SimClock", "SimConfig", "Simulator", "SymbolSpec"]
