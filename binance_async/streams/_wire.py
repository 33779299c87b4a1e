"""A WebSocket client on a raw asyncio Protocol, for the market streams' sockets.

aiohttp's socket hands its reader one message per ``await receive()``: a coroutine, a ``WSMessage``,
a queue, for each. On a market stream that is ~1 µs of CPU a message, as much as decoding a trade.
`WireSocket` parses every frame of a read in `data_received` and gives the reader all of them at once
(`receive_batch`): a text message is its payload (``bytes``), anything else a ``(WSMsgType, data)``
pair. It also speaks the `WebSocket` seam (``receive``, ``send_str``, ``pong``, ``close``), as
aiohttp's socket with ``autoping=False``.

RFC 6455, client side, no extension (no compression) and no subprotocol:

* handshake: ``GET`` with ``Upgrade: websocket`` and a fresh random ``Sec-WebSocket-Key``; the answer
  must be ``101`` with ``Upgrade: websocket``, ``Connection: upgrade``, the matching
  ``Sec-WebSocket-Accept`` and no extension, its head at most `MAX_HEAD_BYTES`;
* frames from the server: unmasked (a masked one is a protocol error), reserved bits clear, control
  frames (close, ping, pong) final and at most 125 bytes; fragmented messages reassembled from
  continuation frames; a message over ``max_message_bytes`` fails the socket (close code 1009) before
  its payload is buffered; any protocol error fails it with 1002 (a text message that is not UTF-8 is
  left to the reader: the stream reader counts it as malformed, `receive` fails the socket with 1007);
* frames to the server: masked, a fresh random key each;
* pings are answered by the reader (`pong`), with their payload; a close frame is answered with one,
  then the connection is closed.

Memory stays bounded whatever the server sends: the head (`MAX_HEAD_BYTES`), the frame being received
(its length is read first: at most ``max_message_bytes``), a fragmented message (the same), and the
messages parsed but not yet taken by the reader: past `MAX_QUEUED_BYTES` the socket stops reading from
the network until the reader has taken them. Writes wait while the transport's buffer is full.

`WireConnector` opens these sockets directly (no proxy: a connection to a proxy goes through aiohttp,
see `stream_connector`), TLS verified with the default context, as aiohttp's.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import socket
import ssl
import struct
from collections import deque
from collections.abc import Callable
from typing import Any, TypeAlias

from aiohttp import WSCloseCode, WSMessage, WSMsgType

try:  # aiohttp >= 3.10 connects with it
    import aiohappyeyeballs
except ImportError:  # pragma: no cover - aiohttp 3.9: the addresses are tried one after the other
    aiohappyeyeballs = None  # type: ignore[assignment]
from yarl import URL

from .._websocket import DEFAULT_MAX_FRAME_BYTES, AiohttpConnector, Connector, WebSocket
from ..errors import ConnectionFailedError

__all__ = [
    "MAX_HEAD_BYTES",
    "MAX_QUEUED_BYTES",
    "StreamSockets",
    "WireConnector",
    "WireError",
    "WireSocket",
    "stream_connector",
]

#: The most a handshake answer's status line and headers may take.
MAX_HEAD_BYTES = 16 * 1024
#: Parsed messages waiting for the reader beyond this many bytes stop reading from the network.
MAX_QUEUED_BYTES = 4 * 1024 * 1024
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_USER_AGENT = "binance-async"

_TEXT, _BINARY, _CLOSE = WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.CLOSE
_PING, _PONG = WSMsgType.PING, WSMsgType.PONG
#: Close codes a server may send below 3000 (3000-4999 are the applications').
_CLOSE_CODES = frozenset(int(code) for code in WSCloseCode)
#: What `receive_batch` gives: a text message's payload, or anything else as (type, data).
Item: TypeAlias = "bytes | tuple[WSMsgType, Any]"
_CLOSED_ITEM: Item = (WSMsgType.CLOSED, None)
_TOO_BIG = WSCloseCode.MESSAGE_TOO_BIG
#: A frame's first four bytes: the final bit and opcode, the mask bit and length, a 16-bit length.
_HEAD = struct.Struct("!BBH").unpack_from


class WireError(Exception):
    """The server broke the protocol (or a limit); ``code`` is the close code sent for it."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _mask(payload: bytes, key: bytes) -> bytes:
    """`payload` XOR the repeated 4-byte `key` (RFC 6455 5.3)."""
    n = len(payload)
    if not n:
        return payload
    stream = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(stream, "little")).to_bytes(n, "little")


def client_frame(opcode: int, payload: bytes) -> bytes:
    """One final, masked frame from the client."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    key = os.urandom(4)
    return head + key + _mask(payload, key)


def accept_key(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` a server must answer to `key`."""
    return base64.b64encode(hashlib.sha1(key.encode() + _GUID).digest()).decode()


class WireSocket(asyncio.Protocol):
    """One client WebSocket on an asyncio transport (see the module)."""

    def __init__(
        self, key: str, *, max_message_bytes: int = DEFAULT_MAX_FRAME_BYTES, close_timeout: float = 5.0
    ) -> None:
        self._key = key
        self._max = max_message_bytes
        self._close_timeout = close_timeout
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        #: The handshake: set once the answer's head is read (or the connection failed first).
        self.opened: asyncio.Future[None] = self._loop.create_future()
        self._head = bytearray()
        #: Bytes received that do not make a whole frame yet (`_need` bytes make the next one).
        self._tail: list[bytes] = []
        self._tail_size = 0
        self._need = 0
        #: A fragmented message being reassembled: its type and its payload so far.
        self._fragments: bytearray | None = None
        self._fragment_type = _TEXT
        self._queue: list[Item] = []
        self._specials = 0  # items of the queue that are not text payloads
        self._backlog: deque[Item] = deque()  # what `receive` took from the queue and has not given
        self._queued_bytes = 0
        self._reading_paused = False
        self._waiter: asyncio.Future[None] | None = None
        self._drained: asyncio.Future[None] | None = None
        self._write_paused = False
        self._close_sent = False
        self._close_received: asyncio.Future[None] = self._loop.create_future()
        self._lost: asyncio.Future[None] = self._loop.create_future()  # the transport let go
        self._ended = False
        #: The close code the server sent (None before, or if it sent none).
        self.close_code: int | None = None
        #: Why the socket failed, if it did.
        self.exception: BaseException | None = None

    # -- asyncio.Protocol ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        if self._ended:
            return
        if not self.opened.done():
            self._handshake(data)
            return
        if self._tail:
            size = self._tail_size + len(data)
            if size < self._need:  # a large frame still coming: no copy until it is whole
                self._tail.append(data)
                self._tail_size = size
                return
            self._tail.append(data)
            data = b"".join(self._tail)
            self._tail = []
            self._tail_size = 0
        try:
            self._parse(data)
        except WireError as exc:
            self._fail(exc)
            return
        if self._queue:
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
            if (
                self._queued_bytes > MAX_QUEUED_BYTES
                and not self._reading_paused
                and self._transport is not None
            ):
                self._reading_paused = True
                self._transport.pause_reading()

    def _parse(self, data: bytes) -> None:
        """Every whole frame of `data`; what is left waits in `_tail`."""
        append = self._queue.append
        head = _HEAD
        # The common case, a whole text message of 126 to 65535 bytes, needs no further check when no
        # fragmented message is under way and the limit is above 65535 bytes.
        fast = self._fragments is None and self._max >= 65535
        n = len(data)
        stop = n - 4  # a frame's first four bytes are here while pos <= stop
        pos = 0
        need = 0  # bytes that make the frame at `pos` whole, once its length is known
        while True:
            if pos <= stop:
                b0, length, extended = head(data, pos)
                if length == 126 and b0 == 0x81 and fast:
                    end = pos + 4 + extended
                    if end > n:  # not all here: wait for the rest before copying anything
                        need = end - pos
                        break
                    append(data[pos + 4 : end])
                    pos = end
                    continue
            elif n - pos < 2:
                break
            end, need = self._other(data, pos)
            if end == pos or self._ended:
                break
            pos = end
            fast = self._fragments is None and self._max >= 65535
        if self._ended:
            return
        self._need = need
        if pos < n:
            rest = data[pos:]
            self._tail = [rest]
            self._tail_size = len(rest)
        self._queued_bytes += pos

    def _other(self, data: bytes, pos: int) -> tuple[int, int]:
        """The frame at `pos` (any but the common case): where the next one starts (`pos` if this one
        is not all here yet) and the bytes it needs to be whole (0 if its length is not known yet)."""
        n = len(data)
        b0 = data[pos]
        length = data[pos + 1]
        if length & 0x80:
            raise WireError("a masked frame from the server", WSCloseCode.PROTOCOL_ERROR)
        if length < 126:
            start = pos + 2
        elif length == 126:
            if n - pos < 4:
                return pos, 0
            length = (data[pos + 2] << 8) | data[pos + 3]
            start = pos + 4
        else:
            if n - pos < 10:
                return pos, 0
            length = int.from_bytes(data[pos + 2 : pos + 10], "big")
            start = pos + 10
        if length > self._max:
            raise WireError(f"a frame of {length} bytes (at most {self._max})", _TOO_BIG)
        end = start + length
        if end > n:
            return pos, end - pos
        self._frame(b0, data[start:end])
        return end, 0

    def _frame(self, b0: int, payload: bytes) -> None:
        """Any frame but a whole text message."""
        if b0 & 0x70:
            raise WireError("reserved bits set (no extension was agreed)", WSCloseCode.PROTOCOL_ERROR)
        final = b0 & 0x80
        opcode = b0 & 0x0F
        if opcode >= 8:
            if not final or len(payload) > 125:
                raise WireError("a fragmented or oversized control frame", WSCloseCode.PROTOCOL_ERROR)
            if opcode == 0x9:
                self._special((_PING, payload))
            elif opcode == 0xA:
                self._special((_PONG, payload))
            elif opcode == 0x8:
                self._on_close(payload)
            else:
                raise WireError(f"unknown opcode {opcode}", WSCloseCode.PROTOCOL_ERROR)
            return
        fragments = self._fragments
        if opcode == 0:
            if fragments is None:
                raise WireError("a continuation frame without a message", WSCloseCode.PROTOCOL_ERROR)
            fragments += payload
            if len(fragments) > self._max:
                raise WireError(f"a message over {self._max} bytes", _TOO_BIG)
            if final:
                self._fragments = None
                whole = bytes(fragments)
                if self._fragment_type is _TEXT:
                    self._queue.append(whole)
                else:
                    self._special((_BINARY, whole))
            return
        if opcode not in (0x1, 0x2):
            raise WireError(f"unknown opcode {opcode}", WSCloseCode.PROTOCOL_ERROR)
        if fragments is not None:
            raise WireError("a new message before the last one ended", WSCloseCode.PROTOCOL_ERROR)
        kind = _TEXT if opcode == 0x1 else _BINARY
        if final:
            if kind is _TEXT:
                self._queue.append(payload)
            else:
                self._special((_BINARY, payload))
        else:
            self._fragments = bytearray(payload)
            self._fragment_type = kind

    def _special(self, item: Item) -> None:
        """Queue anything but a text payload."""
        self._queue.append(item)
        self._specials += 1

    def _on_close(self, payload: bytes) -> None:
        if len(payload) == 1:
            raise WireError("a close frame of one byte", WSCloseCode.PROTOCOL_ERROR)
        code = int.from_bytes(payload[:2], "big") if payload else WSCloseCode.OK
        if (code < 3000 and code not in _CLOSE_CODES) or code >= 5000:
            raise WireError(f"an invalid close code {code}", WSCloseCode.PROTOCOL_ERROR)
        try:
            payload[2:].decode("utf-8")
        except UnicodeDecodeError:
            raise WireError("a close reason that is not UTF-8", WSCloseCode.INVALID_TEXT) from None
        self.close_code = code
        self._special((_CLOSE, code))
        if not self._close_received.done():
            self._close_received.set_result(None)
        if not self._close_sent:  # answer it, then the connection ends
            self._close_sent = True
            self._write(client_frame(0x8, payload[:2]))
        self._end()

    def _handshake(self, data: bytes) -> None:
        head = self._head
        head += data
        end = head.find(b"\r\n\r\n")
        if end < 0:
            if len(head) > MAX_HEAD_BYTES:
                self._refuse("WebSocket handshake: the answer's head is too long")
            return
        if end > MAX_HEAD_BYTES:
            self._refuse("WebSocket handshake: the answer's head is too long")
            return
        lines = bytes(head[:end]).decode("latin-1").split("\r\n")
        rest = bytes(head[end + 4 :])
        self._head = bytearray()
        status = lines[0].split(" ", 2)
        if len(status) < 2 or not status[0].startswith("HTTP/1.") or status[1] != "101":
            code = status[1] if len(status) > 1 and status[1].isdigit() else "?"
            self._refuse(f"WebSocket handshake refused: HTTP {code[:3]}")
            return
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if colon:
                key = name.strip().lower()
                headers[key] = f"{headers[key]},{value.strip()}" if key in headers else value.strip()
        problem = None
        if headers.get("upgrade", "").lower() != "websocket":
            problem = "no Upgrade: websocket"
        elif "upgrade" not in (t.strip().lower() for t in headers.get("connection", "").split(",")):
            problem = "no Connection: upgrade"
        elif headers.get("sec-websocket-accept") != accept_key(self._key):
            problem = "a wrong Sec-WebSocket-Accept"
        elif headers.get("sec-websocket-extensions"):
            problem = "an extension that was not asked for"
        elif headers.get("sec-websocket-protocol"):
            problem = "a subprotocol that was not asked for"
        if problem is not None:
            self._refuse(f"WebSocket handshake: the server answered with {problem}")
            return
        self.opened.set_result(None)
        if rest:
            self.data_received(rest)

    def _refuse(self, why: str) -> None:
        """The handshake failed: `opened` raises `why` (retrieved here: a connect that gave up
        waiting would never read it)."""
        opened = self.opened
        if not opened.done():
            opened.set_exception(ConnectionFailedError(why))
            opened.exception()
        self._end()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._lost.done():
            self._lost.set_result(None)
        if not self.opened.done():
            self._refuse("WebSocket handshake: the connection closed")
        if exc is not None and self.exception is None:
            self.exception = exc
        self._end()
        drained = self._drained
        if drained is not None and not drained.done():
            drained.set_result(None)
        if not self._close_received.done():
            self._close_received.set_result(None)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        drained = self._drained
        if drained is not None and not drained.done():
            drained.set_result(None)

    # -- the end ------------------------------------------------------------------------------------

    def _fail(self, exc: WireError) -> None:
        """A protocol error: queued as an ERROR, the close code sent, the connection closed."""
        if self.exception is None:
            self.exception = exc
        self._special((WSMsgType.ERROR, exc))
        if not self._close_sent:
            self._close_sent = True
            self._write(client_frame(0x8, exc.code.to_bytes(2, "big")))
        self._end()

    def _end(self) -> None:
        """No more frames: the reader gets what was queued, then CLOSED."""
        if self._ended:
            return
        self._ended = True
        if not self.opened.done():
            self.opened.set_exception(ConnectionFailedError("WebSocket handshake: the connection closed"))
            self.opened.exception()
        self._tail = []
        self._fragments = None
        self._special(_CLOSED_ITEM)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        transport = self._transport
        if transport is not None:
            transport.close()

    def _write(self, data: bytes) -> None:
        transport = self._transport
        if transport is not None and not transport.is_closing():
            transport.write(data)

    # -- the WebSocket seam ---------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._ended

    async def receive_batch(self) -> tuple[list[Item], int]:
        """Every message received and not yet taken (at least one; the last is ``(CLOSED, None)`` once
        the socket has ended): text payloads as bytes, the rest as ``(WSMsgType, data)``; and how many
        of them are the rest (0: all are text payloads)."""
        if self._backlog:  # `receive` was used too
            self._queue[:0] = self._backlog
            self._specials = sum(1 for item in self._queue if type(item) is tuple)
            self._backlog.clear()
        while not self._queue:
            if self._ended:
                return [_CLOSED_ITEM], 1
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        batch = self._queue
        specials = self._specials
        self._queue = []
        self._specials = 0
        self._queued_bytes = 0
        if self._reading_paused and self._transport is not None and not self._ended:
            self._reading_paused = False
            self._transport.resume_reading()
        return batch, specials

    async def receive(self) -> WSMessage:
        """One message, as aiohttp's socket gives it (text as str: one that is not UTF-8 fails the
        socket with 1007)."""
        backlog = self._backlog
        if not backlog:
            batch, _ = await self.receive_batch()
            backlog.extend(batch)
        item = backlog.popleft()
        if item is _CLOSED_ITEM:
            backlog.appendleft(item)  # and so on
            return WSMessage(WSMsgType.CLOSED, None, None)
        if isinstance(item, bytes):
            try:
                return WSMessage(_TEXT, item.decode("utf-8"), None)
            except UnicodeDecodeError:
                error = WireError("a text message that is not UTF-8", WSCloseCode.INVALID_TEXT)
                self._fail(error)
                backlog.clear()
                self._queue = [_CLOSED_ITEM]  # then CLOSED, and so on
                self._specials = 1
                return WSMessage(WSMsgType.ERROR, error, None)
        kind, data = item
        return WSMessage(kind, data, None)

    async def send_str(self, data: str) -> None:
        await self._send(client_frame(0x1, data.encode()))

    async def pong(self, message: bytes = b"") -> None:
        await self._send(client_frame(0xA, bytes(message)[:125]))

    async def _send(self, frame: bytes) -> None:
        transport = self._transport
        if self._close_sent or self._ended or transport is None or transport.is_closing():
            raise ConnectionResetError("the WebSocket is closing")
        transport.write(frame)
        while self._write_paused and not self._ended:
            self._drained = self._loop.create_future()
            await self._drained

    async def close(self, *, code: int = 1000, message: bytes = b"") -> bool:
        """Send a close frame, wait (``close_timeout`` at most) for the server's, close the connection.
        False if it was closed already."""
        if self._ended:
            return False
        try:
            if not self._close_sent:
                self._close_sent = True
                self._write(client_frame(0x8, code.to_bytes(2, "big") + bytes(message)[:123]))
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(asyncio.shield(self._close_received), self._close_timeout)
        finally:  # cancelled while waiting too: the connection is closed
            self._close_sent = True
            self._end()
        # The socket itself closes once the transport has let go of it (the loop's next turn).
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._lost), self._close_timeout)
        return True


class WireConnector:
    """Opens `WireSocket`s: ``ws://`` and ``wss://`` (TLS verified with `ssl_context`, by default
    Python's default context as aiohttp uses it), with a deadline on the connection and handshake."""

    def __init__(
        self,
        *,
        max_message_bytes: int = DEFAULT_MAX_FRAME_BYTES,
        handshake_timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
        key: Callable[[], str] | None = None,
    ) -> None:
        self._max = max_message_bytes
        self._timeout = handshake_timeout
        self._ssl = ssl_context
        self._new_key = key or (lambda: base64.b64encode(os.urandom(16)).decode())

    async def connect(self, url: str) -> WebSocket:
        where = url.partition("?")[0]
        target = URL(url)
        secure = target.scheme == "wss"
        if target.scheme not in ("ws", "wss") or not target.raw_host:
            raise ConnectionFailedError(f"cannot open {where}: not a ws:// or wss:// URL")
        host = target.raw_host
        port = target.port or (443 if secure else 80)
        context = None
        if secure:
            context = self._ssl or await _default_context()
        socket_key = self._new_key()
        protocol: WireSocket | None = None

        def make() -> WireSocket:
            nonlocal protocol
            protocol = WireSocket(socket_key, max_message_bytes=self._max)
            return protocol

        async def opening() -> WireSocket:
            loop = asyncio.get_running_loop()
            # As aiohttp connects (aiohappyeyeballs: IPv6 and IPv4 raced, 0.25 s apart): asyncio's own
            # race can leave a connected socket behind when it is cancelled (Python < 3.12).
            addresses = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            if aiohappyeyeballs is not None:
                connected = await aiohappyeyeballs.start_connection(addresses, happy_eyeballs_delay=0.25)
            else:
                connected = await _connect_in_turn(loop, addresses)
            try:
                transport, opened = await loop.create_connection(
                    make, sock=connected, ssl=context, server_hostname=host if secure else None
                )
            except BaseException:
                connected.close()
                raise
            name = f"[{host}]" if ":" in host else host
            if target.port is not None and target.port != (443 if secure else 80):
                name += f":{target.port}"
            request = (
                f"GET {target.raw_path_qs or '/'} HTTP/1.1\r\nHost: {name}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {socket_key}\r\nSec-WebSocket-Version: 13\r\n"
                f"User-Agent: {_USER_AGENT}\r\n\r\n"
            )
            transport.write(request.encode("latin-1"))
            await opened.opened
            return opened

        try:
            return await asyncio.wait_for(opening(), self._timeout)
        except ConnectionFailedError as exc:
            if protocol is not None:
                protocol._end()
            raise ConnectionFailedError(f"{exc} for {where}") from None
        except (OSError, TimeoutError, asyncio.TimeoutError) as exc:
            if protocol is not None:
                protocol._end()
            raise ConnectionFailedError(f"cannot open {where}: {type(exc).__name__}") from None
        except BaseException:
            if protocol is not None:
                protocol._end()
            raise


class StreamSockets:
    """The market streams' connector: a `WireSocket` whenever the client's aiohttp connector says its
    sockets would go straight to the host (`AiohttpConnector.direct`), aiohttp's socket otherwise
    (a proxy, ``trust_env``, a session passed in)."""

    def __init__(self, connector: AiohttpConnector) -> None:
        self.aiohttp = connector
        self.wire = WireConnector(
            max_message_bytes=connector.max_frame_bytes, handshake_timeout=connector.handshake_timeout
        )

    async def connect(self, url: str) -> WebSocket:
        if self.aiohttp.direct():
            return await self.wire.connect(url)
        return await self.aiohttp.connect(url)


def stream_connector(connector: Connector, own_reader: bool = True) -> Connector:
    """What the market streams open sockets with: `StreamSockets` around the client's
    `AiohttpConnector` (unless `own_reader` is False), any other connector (a test's) as it is."""
    if own_reader and isinstance(connector, AiohttpConnector):
        return StreamSockets(connector)
    return connector


async def _connect_in_turn(loop: asyncio.AbstractEventLoop, addresses: list[Any]) -> socket.socket:
    """A connected socket to the first of `addresses` that answers (a socket not returned is closed,
    cancelled or not)."""
    error: OSError = OSError("no address to connect to")
    for family, kind, proto, _, address in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        except BaseException:
            sock.close()
            raise
        return sock
    raise error


_context: ssl.SSLContext | None = None


async def _default_context() -> ssl.SSLContext:
    """Python's default TLS context (certificates verified, host names checked), as aiohttp makes it;
    built once, in a thread (it reads the certificate store)."""
    global _context
    if _context is None:

        def build() -> ssl.SSLContext:
            context = ssl.create_default_context()
            context.set_alpn_protocols(("http/1.1",))
            return context

        _context = await asyncio.to_thread(build)
    return _context
