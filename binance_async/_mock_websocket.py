"""The socket-level fake of the WebSocket seam (re-exported by `binance_async.testing`).

``SpotClient(connector=MockConnector())`` makes every socket the client opens a `MockWebSocket` that the
test drives: it feeds frames (`feed`, `feed_event`, `ping`), ends the socket (`close_from_server`,
`drop`) and reads what the client sent (`sent`, `pongs`)::

    connector = MockConnector()
    async with SpotClient(connector=connector) as client:
        async with client.stream("btcusdt@trade") as events:
            socket = await connector.next_socket()
            socket.feed_event("btcusdt@trade", {"e": "trade", "E": 1, "s": "BTCUSDT", "t": 7, ...})
            trade = await anext(aiter(events))

Control messages (``SUBSCRIBE`` / ``UNSUBSCRIBE`` / ``LIST_SUBSCRIPTIONS``) are answered as Binance
answers them (``{"result": null, "id": n}``; an error for the ``unknown_streams`` given) unless
``MockConnector(auto_reply=False)``; the streams a socket serves (from its URL and its control
messages) are in `MockWebSocket.streams`.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from urllib.parse import parse_qs, urlsplit

from aiohttp import WSMessage, WSMsgType

from ._websocket import WebSocket
from .errors import ConnectionFailedError

__all__ = ["MockConnector", "MockWebSocket"]

_CLOSED = WSMessage(WSMsgType.CLOSED, None, None)


class MockWebSocket:
    """One fake socket: frames in through `feed`, what the client sent in `sent` and `pongs`."""

    def __init__(self, url: str, *, auto_reply: bool = True, unknown: frozenset[str] = frozenset()) -> None:
        self.url = url
        #: Streams whose SUBSCRIBE is answered with Binance's "unknown stream" error (code 2).
        self.unknown = unknown
        #: Text frames the client sent, decoded from JSON when they are JSON.
        self.sent: list[object] = []
        #: Payloads of the pongs the client sent.
        self.pongs: list[bytes] = []
        #: The streams this socket serves: those in the URL, then as the control messages change them.
        self.streams: list[str] = _url_streams(url)
        #: The close code the client closed with, or None.
        self.close_code: int | None = None
        self._auto_reply = auto_reply
        self._frames: deque[WSMessage] = deque()
        self._wakeup: asyncio.Event = asyncio.Event()
        self._closed = False

    # -- what the test does --------------------------------------------------------------------

    def feed(self, text: str | bytes) -> None:
        """A text frame from the server (bytes are decoded as UTF-8)."""
        data = text.decode() if isinstance(text, bytes) else text
        self._push(WSMessage(WSMsgType.TEXT, data, None))

    def feed_json(self, message: object) -> None:
        """A text frame holding `message` as JSON."""
        self.feed(json.dumps(message, separators=(",", ":")))

    def feed_event(self, stream: str, data: object) -> None:
        """An event on a combined stream: ``{"stream": stream, "data": data}``."""
        self.feed_json({"stream": stream, "data": data})

    def ping(self, payload: bytes = b"") -> None:
        """A ping frame from the server; the client must answer with a pong of the same payload."""
        self._push(WSMessage(WSMsgType.PING, payload, None))

    def close_from_server(self, code: int = 1000) -> None:
        """The server closes the socket cleanly (a close frame, then the end)."""
        self._push(WSMessage(WSMsgType.CLOSE, code, ""))
        self._push(_CLOSED)

    def drop(self) -> None:
        """The connection is lost without a close frame (as a reset or a dead network shows)."""
        self._push(WSMessage(WSMsgType.ERROR, ConnectionResetError("connection lost"), None))
        self._push(_CLOSED)

    @property
    def subscribe_requests(self) -> list[dict[str, object]]:
        """The control messages the client sent (dicts with ``method``, ``params``, ``id``)."""
        return [m for m in self.sent if isinstance(m, dict) and "method" in m]

    # -- what the client uses (the `WebSocket` protocol) ------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    async def receive(self) -> WSMessage:
        while not self._frames:
            if self._closed:
                return _CLOSED
            self._wakeup.clear()
            await self._wakeup.wait()
        frame = self._frames.popleft()
        if frame.type is WSMsgType.CLOSED:
            self._closed = True
        return frame

    async def send_str(self, data: str) -> None:
        if self._closed:
            raise ConnectionResetError("socket is closed")
        try:
            message: object = json.loads(data)
        except ValueError:
            message = data
        self.sent.append(message)
        if isinstance(message, dict) and self._auto_reply:
            self._control(message)

    async def pong(self, message: bytes = b"") -> None:
        if not self._closed:
            self.pongs.append(message)

    async def close(self, *, code: int = 1000, message: bytes = b"") -> bool:
        if self._closed:
            return False
        self._closed = True
        self.close_code = code
        self._wakeup.set()
        return True

    # -- internals ---------------------------------------------------------------------------------

    def _push(self, frame: WSMessage) -> None:
        self._frames.append(frame)
        self._wakeup.set()

    def _control(self, message: dict[str, object]) -> None:
        method = message.get("method")
        names = message.get("params")
        listed = [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
        result: object = None
        bad = [n for n in listed if n in self.unknown]
        if method == "SUBSCRIBE" and bad:
            error = {"code": 2, "msg": f"Invalid request: unknown stream '{bad[0]}'"}
            self.feed_json({"error": error, "id": message.get("id")})
            return
        if method == "SUBSCRIBE":
            self.streams.extend(n for n in listed if n not in self.streams)
        elif method == "UNSUBSCRIBE":
            self.streams = [n for n in self.streams if n not in listed]
        elif method == "LIST_SUBSCRIPTIONS":
            result = list(self.streams)
        else:
            return
        self.feed_json({"result": result, "id": message.get("id")})


class MockConnector:
    """Hands out `MockWebSocket`s; `next_socket()` waits for the next one the client opens."""

    def __init__(self, *, auto_reply: bool = True, unknown_streams: frozenset[str] = frozenset()) -> None:
        #: Every socket opened, oldest first.
        self.sockets: list[MockWebSocket] = []
        #: URLs of every attempt, refused ones included.
        self.attempts: list[str] = []
        self._auto_reply = auto_reply
        self._unknown = unknown_streams
        self._refusals = 0
        self._opened: asyncio.Queue[MockWebSocket] = asyncio.Queue()

    def refuse(self, times: int = 1) -> None:
        """Fail the next `times` attempts with `ConnectionFailedError`."""
        self._refusals += times

    async def connect(self, url: str) -> WebSocket:
        self.attempts.append(url)
        await asyncio.sleep(0)
        if self._refusals:
            self._refusals -= 1
            raise ConnectionFailedError(f"refused by MockConnector: {url.partition('?')[0]}")
        socket = MockWebSocket(url, auto_reply=self._auto_reply, unknown=self._unknown)
        self.sockets.append(socket)
        self._opened.put_nowait(socket)
        return socket

    async def next_socket(self, timeout: float = 5.0) -> MockWebSocket:
        """The next socket the client opens (sockets already opened and not yet taken come first)."""
        return await asyncio.wait_for(self._opened.get(), timeout)

    @property
    def open_sockets(self) -> list[MockWebSocket]:
        return [s for s in self.sockets if not s.closed]


def _url_streams(url: str) -> list[str]:
    parts = urlsplit(url)
    if parts.path.startswith("/ws/"):
        return [n for n in parts.path[len("/ws/") :].split("/") if n]
    listed = parse_qs(parts.query).get("streams", [""])[0]
    return [n for n in listed.split("/") if n]
