"""The WebSocket API: the Spot trading and account methods over one connection (``client.ws_api()``).

- `client`: `WsApiClient`, the same methods as `SpotClient` (the same mixins);
- `pipeline`: `WsPipeline`, the REST pipeline with WebSocket API requests (signing over sorted params,
  an Ed25519 session logon);
- `transport`: `WsApiTransport`, the pipeline's transport: one supervised, multiplexed connection;
- `wire`: the frames, and how they map onto the pipeline's `Request` and `Response`;
- `user_events`: the user data stream's typed events (`ExecutionReport`, ...) and their decoder;
- `user_stream`: `UserStream` (``client.user_stream()``): subscribed, resubscribed, reconciled;
- `account_view`: `AccountView` (``client.account_view()``): balances and open orders kept current.
"""

from __future__ import annotations

from .account_view import AccountView, Holding, OpenOrder
from .client import WsApiClient
from .transport import WsApiStats
from .user_events import (
    BalanceUpdate,
    EventStreamTerminated,
    ExecutionReport,
    ExternalLockUpdate,
    ListStatus,
    OutboundAccountPosition,
    UserEvent,
    UserRawEvent,
    decode_user_event,
)
from .user_stream import UserStream, UserStreamResynced

__all__ = [
    "AccountView",
    "BalanceUpdate",
    "EventStreamTerminated",
    "ExecutionReport",
    "ExternalLockUpdate",
    "Holding",
    "ListStatus",
    "OpenOrder",
    "OutboundAccountPosition",
    "UserEvent",
    "UserRawEvent",
    "UserStream",
    "UserStreamResynced",
    "WsApiClient",
    "WsApiStats",
    "decode_user_event",
]
