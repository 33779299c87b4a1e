"""The WebSocket API: the Spot trading and account methods over one connection (``client.ws_api()``).

- `client`: `WsApiClient`, the same methods as `SpotClient` (the same mixins);
- `pipeline`: `WsPipeline`, the REST pipeline with WebSocket API requests (signing over sorted params,
  an Ed25519 session logon);
- `transport`: `WsApiTransport`, the pipeline's transport: one supervised, multiplexed connection;
- `wire`: the frames, and how they map onto the pipeline's `Request` and `Response`.
"""

from __future__ import annotations

from .client import WsApiClient
from .transport import WsApiStats

__all__ = ["WsApiClient", "WsApiStats"]
