"""The market streams' own WebSocket client (binance_async.streams._wire) against a scripted server.

`Server` is a raw TCP server: it reads the client's handshake, answers what the test says (a correct
``101``, or a broken one), then sends the bytes the test gives and records every frame the client
sends (unmasked, with the mask key it came with). Frames from the server are built by `frame`, so a
test can break any rule of RFC 6455 on purpose.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import json
import os
import struct
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType

from binance_async import SpotClient
from binance_async._transport import AiohttpTransport
from binance_async._websocket import AiohttpConnector
from binance_async.errors import ConnectionFailedError
from binance_async.streams import _wire
from binance_async.streams._wire import (
    MAX_HEAD_BYTES,
    MAX_QUEUED_BYTES,
    StreamSockets,
    WireConnector,
    WireError,
    WireSocket,
    accept_key,
    stream_connector,
)
from binance_async.testing import MockConnector


def frame(opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0, mask: bytes | None = None) -> bytes:
    """One frame as a server (or, with `mask`, a client) would send it."""
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    masked = 0x80 if mask is not None else 0
    if n < 126:
        head = struct.pack("!BB", first, masked | n)
    elif n < 65536:
        head = struct.pack("!BBH", first, masked | 126, n)
    else:
        head = struct.pack("!BBQ", first, masked | 127, n)
    if mask is None:
        return head + payload
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def text(payload: bytes | str, **options: Any) -> bytes:
    return frame(0x1, payload.encode() if isinstance(payload, str) else payload, **options)


class Server:
    """A scripted WebSocket server on 127.0.0.1 (see the module)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        #: Frames the client sent: (opcode, final, mask key, unmasked payload).
        self.received: list[tuple[int, bool, bytes, bytes]] = []
        self.answer: Callable[[str], bytes] = self.accept
        self.after_handshake = b""
        self.writers: list[asyncio.StreamWriter] = []
        self.got_frame = asyncio.Event()
        self.close_reply = True  # answer a client's close frame with one
        self.hang_up = False  # close the connection right after the handshake's answer
        self.answer_control = False  # answer SUBSCRIBE / UNSUBSCRIBE as Binance does
        self._servers: list[asyncio.Server] = []

    @staticmethod
    def accept(key: str, extra: str = "") -> bytes:
        return (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept_key(key)}\r\n{extra}\r\n"
        ).encode()

    async def start(self) -> str:
        listening = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self._servers.append(listening)
        port = listening.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{port}"

    async def stop(self) -> None:
        for writer in self.writers:
            writer.close()
        for listening in self._servers:
            listening.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(listening.wait_closed(), 2)

    def send(self, data: bytes) -> None:
        self.writers[-1].write(data)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip()
        self.requests.append((lines[0], headers))
        answer = self.answer(headers.get("sec-websocket-key", ""))
        if not answer:
            return  # never answers
        writer.write(answer + self.after_handshake)
        if self.hang_up:
            writer.close()
            return
        try:
            while True:
                first, second = await reader.readexactly(2)
                n = second & 0x7F
                if n == 126:
                    (n,) = struct.unpack("!H", await reader.readexactly(2))
                elif n == 127:
                    (n,) = struct.unpack("!Q", await reader.readexactly(8))
                key = await reader.readexactly(4) if second & 0x80 else b""
                body = await reader.readexactly(n)
                if key:
                    body = bytes(b ^ key[i % 4] for i, b in enumerate(body))
                self.received.append((first & 0x0F, bool(first & 0x80), key, body))
                self.got_frame.set()
                if first & 0x0F == 0x1 and self.answer_control and b'"method"' in body:
                    request = json.loads(body)
                    writer.write(text(json.dumps({"result": None, "id": request["id"]})))
                if first & 0x0F == 0x8 and self.close_reply:
                    writer.write(frame(0x8, body[:2]))
                    writer.close()
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    scripted = Server()
    yield scripted
    await scripted.stop()


async def open_socket(server: Server, path: str = "/stream", **options: Any) -> WireSocket:
    url = await server.start()
    socket = await WireConnector(**options).connect(url + path)
    assert isinstance(socket, WireSocket)
    return socket


async def messages(socket: WireSocket, count: int) -> list[Any]:
    """The next `count` items `receive_batch` gives (waiting for more batches as needed)."""
    got: list[Any] = []
    while len(got) < count:
        batch, specials = await asyncio.wait_for(socket.receive_batch(), 5)
        assert specials == sum(1 for item in batch if isinstance(item, tuple))
        got.extend(batch)
    return got


async def sent_frames(server: Server, count: int) -> list[tuple[int, bool, bytes, bytes]]:
    for _ in range(200):
        if len(server.received) >= count:
            break
        await asyncio.sleep(0.01)
    return server.received


# -- the handshake ----------------------------------------------------------------------------------------


async def test_the_handshake_asks_for_a_websocket_with_a_fresh_key(server: Server) -> None:
    first = await open_socket(server, "/stream?streams=btcusdt@trade/ethusdt@trade")
    second = await WireConnector().connect((await server.start()) + "/stream")
    (line, headers), (_, other) = server.requests
    assert line == "GET /stream?streams=btcusdt@trade/ethusdt@trade HTTP/1.1"
    assert headers["upgrade"] == "websocket" and headers["connection"] == "Upgrade"
    assert headers["sec-websocket-version"] == "13" and headers["host"].startswith("127.0.0.1:")
    assert len(base64.b64decode(headers["sec-websocket-key"])) == 16
    assert headers["sec-websocket-key"] != other["sec-websocket-key"]
    assert "sec-websocket-extensions" not in headers  # no compression asked for
    assert not first.closed and not second.closed
    await first.close()
    await second.close()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda key: b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "refused: HTTP 400 for ws://"),
        (lambda key: Server.accept("another key"), "wrong Sec-WebSocket-Accept"),
        (
            lambda key: (
                f"HTTP/1.1 101 OK\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
            ).encode(),
            "no Upgrade: websocket",
        ),
        (
            lambda key: (
                f"HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
            ).encode(),
            "no Connection: upgrade",
        ),
        (lambda key: Server.accept(key, "Sec-WebSocket-Extensions: permessage-deflate\r\n"), "an extension"),
        (lambda key: Server.accept(key, "Sec-WebSocket-Protocol: chat\r\n"), "a subprotocol"),
        (lambda key: b"HTTP/1.1 101 OK\r\n" + b"X: " + b"y" * MAX_HEAD_BYTES + b"\r\n\r\n", "too long"),
        (lambda key: b"SSH-2.0-OpenSSH\r\n\r\n", "refused: HTTP ?"),
    ],
)
async def test_a_handshake_answer_that_is_not_a_websocket_is_refused(
    server: Server, answer: Callable[[str], bytes], message: str
) -> None:
    server.answer = answer
    with pytest.raises(ConnectionFailedError, match=message.replace("?", r"\?")) as caught:
        await open_socket(server, "/stream?streams=secret")
    assert "secret" not in str(caught.value)  # the query (stream list) is not in the message


async def test_a_server_that_never_answers_the_handshake_times_out(server: Server) -> None:
    server.answer = lambda key: b""
    reported: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _, context: reported.append(context))
    try:
        with pytest.raises(ConnectionFailedError, match=r"cannot open .*TimeoutError"):
            await open_socket(server, handshake_timeout=0.2)
        await asyncio.sleep(0.05)  # the connection's end reaches the socket
        gc.collect()
        await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert reported == []  # no future left with an exception nobody read


async def test_a_server_that_closes_during_the_handshake_fails_it(server: Server) -> None:
    server.answer = lambda key: b"HTTP/1.1 101 Switching"  # then the connection ends
    server.hang_up = True
    with pytest.raises(ConnectionFailedError, match="connection closed"):
        await open_socket(server)


async def test_nothing_listening_is_a_connection_failure() -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    with pytest.raises(ConnectionFailedError, match=f"cannot open ws://127.0.0.1:{port}/stream: "):
        await WireConnector().connect(f"ws://127.0.0.1:{port}/stream")
    with pytest.raises(ConnectionFailedError, match="not a ws"):
        await WireConnector().connect("http://127.0.0.1/stream")


async def test_wss_verifies_the_certificate(server: Server) -> None:
    url = await server.start()  # a plain TCP server: the TLS handshake cannot succeed
    with pytest.raises(ConnectionFailedError, match="cannot open wss://"):
        await WireConnector(handshake_timeout=2).connect(url.replace("ws://", "wss://") + "/stream")


# -- frames from the server -----------------------------------------------------------------------------


async def test_text_messages_of_every_length_form_arrive_as_bytes(server: Server) -> None:
    small, medium, large = b'{"a":1}', b"x" * 300, b"y" * 70_000
    server.after_handshake = text(small)  # in the same packet as the handshake's answer
    socket = await open_socket(server)
    server.send(text(medium) + text(large) + text(b""))
    assert await messages(socket, 4) == [small, medium, large, b""]
    await socket.close()


async def test_frames_split_anywhere_are_put_together(server: Server) -> None:
    payloads = [b"a" * n for n in (5, 125, 126, 500, 65_535, 65_536, 100_000)]
    stream = b"".join(text(p) for p in payloads) + frame(0x9, b"hi")
    socket = await open_socket(server)
    for size in (7, 1000, 4096, 65_536):
        for start in range(0, len(stream), size):
            server.send(stream[start : start + size])
            if start % (50 * size) == 0:
                await asyncio.sleep(0)  # let the client read what is there: many short reads
        assert await messages(socket, len(payloads) + 1) == [*payloads, (WSMsgType.PING, b"hi")]
    await socket.close()


async def test_a_frame_arriving_byte_by_byte_is_whole_once_its_last_byte_is_in(server: Server) -> None:
    stream = text(b"z" * 300) + text(b"ok")
    socket = await open_socket(server)
    for byte in stream:
        server.send(bytes([byte]))
        await asyncio.sleep(0)
    assert await messages(socket, 2) == [b"z" * 300, b"ok"]
    await socket.close()


async def test_a_fragmented_message_is_reassembled_with_control_frames_in_between(server: Server) -> None:
    socket = await open_socket(server)
    server.send(
        text(b"Hel", fin=False)
        + frame(0x9, b"p1")
        + frame(0x0, b"lo, ", fin=False)
        + frame(0xA, b"p2")
        + frame(0x0, b"world", fin=True)
        + frame(0x2, b"\x00\x01", fin=False)
        + frame(0x0, b"\x02")
        + text(b"after")
    )
    assert await messages(socket, 5) == [
        (WSMsgType.PING, b"p1"),
        (WSMsgType.PONG, b"p2"),
        b"Hello, world",
        (WSMsgType.BINARY, b"\x00\x01\x02"),
        b"after",
    ]
    await socket.close()


async def test_receive_gives_aiohttp_messages(server: Server) -> None:
    socket = await open_socket(server)
    server.send(text("héllo") + frame(0x9, b"x") + frame(0x2, b"\xff"))
    got = [await asyncio.wait_for(socket.receive(), 5) for _ in range(3)]
    assert [(m.type, m.data) for m in got] == [
        (WSMsgType.TEXT, "héllo"),
        (WSMsgType.PING, b"x"),
        (WSMsgType.BINARY, b"\xff"),
    ]
    server.send(frame(0x8, struct.pack("!H", 1001)))
    closing = await asyncio.wait_for(socket.receive(), 5)
    assert (closing.type, closing.data) == (WSMsgType.CLOSE, 1001)
    assert (await socket.receive()).type is WSMsgType.CLOSED
    assert (await socket.receive()).type is WSMsgType.CLOSED


async def test_receive_fails_the_socket_on_text_that_is_not_utf8(server: Server) -> None:
    socket = await open_socket(server)
    server.send(text(b"\xff\xfe"))
    message = await asyncio.wait_for(socket.receive(), 5)
    assert message.type is WSMsgType.ERROR and message.data.code == 1007
    (opcode, _, _, body), *_ = await sent_frames(server, 1)
    assert opcode == 0x8 and body == struct.pack("!H", 1007)
    assert socket.closed


@pytest.mark.parametrize(
    ("data", "code", "reason"),
    [
        (frame(0x1, b"x", mask=b"abcd"), 1002, "masked"),
        (frame(0x1, b"x", rsv=4), 1002, "reserved bits"),
        (frame(0x3, b"x"), 1002, "unknown opcode 3"),
        (frame(0xB, b""), 1002, "unknown opcode 11"),
        (frame(0x0, b"x"), 1002, "continuation frame without a message"),
        (text(b"a", fin=False) + text(b"b"), 1002, "new message before"),
        (frame(0x9, b"p", fin=False), 1002, "fragmented or oversized control"),
        (frame(0x9, b"p" * 126), 1002, "fragmented or oversized control"),
        (frame(0x8, b"\x03"), 1002, "one byte"),
        (frame(0x8, struct.pack("!H", 1005)), 1002, "invalid close code 1005"),
        (frame(0x8, struct.pack("!H", 999)), 1002, "invalid close code 999"),
        (frame(0x8, struct.pack("!H", 5000)), 1002, "invalid close code 5000"),
        (frame(0x8, struct.pack("!H", 1000) + b"\xff"), 1007, "close reason that is not UTF-8"),
    ],
)
async def test_a_protocol_error_fails_the_socket_with_its_close_code(
    server: Server, data: bytes, code: int, reason: str
) -> None:
    socket = await open_socket(server)
    server.send(text(b"before") + data + text(b"never delivered"))
    got = await messages(socket, 3)
    assert got[0] == b"before"
    kind, error = got[1]
    assert kind is WSMsgType.ERROR and isinstance(error, WireError) and error.code == code
    assert reason in str(error)
    assert got[2] == (WSMsgType.CLOSED, None) and len(got) == 3
    (opcode, _, _, body), *_ = await sent_frames(server, 1)
    assert opcode == 0x8 and body == struct.pack("!H", code)
    assert socket.closed and socket.exception is error
    assert await socket.receive_batch() == ([(WSMsgType.CLOSED, None)], 1)  # and so on


async def test_an_oversized_frame_fails_at_its_header_without_buffering_it(server: Server) -> None:
    socket = await open_socket(server, max_message_bytes=1000)
    server.send(struct.pack("!BBQ", 0x81, 127, 10**12))  # a terabyte announced; nothing follows
    kind, error = (await messages(socket, 2))[0]
    assert kind is WSMsgType.ERROR and error.code == 1009
    assert socket._tail == [] and socket._tail_size == 0
    (opcode, _, _, body), *_ = await sent_frames(server, 1)
    assert (opcode, body) == (0x8, struct.pack("!H", 1009))


async def test_a_fragmented_message_over_the_limit_fails_the_socket(server: Server) -> None:
    socket = await open_socket(server, max_message_bytes=1000)
    server.send(text(b"a" * 600, fin=False) + frame(0x0, b"b" * 600, fin=False))
    kind, error = (await messages(socket, 2))[0]
    assert kind is WSMsgType.ERROR and error.code == 1009 and socket._fragments is None


async def test_a_frame_announced_large_waits_for_its_bytes_without_copying_them_again(server: Server) -> None:
    socket = await open_socket(server)
    payload = os.urandom(3_000_000)
    data = frame(0x2, payload)
    for start in range(0, len(data), 65_536):
        server.send(data[start : start + 65_536])
    assert await messages(socket, 1) == [(WSMsgType.BINARY, payload)]
    assert socket._tail == [] and socket._need == 0
    await socket.close()


async def test_messages_the_reader_does_not_take_stop_the_reading(server: Server) -> None:
    """A server sending faster than the reader takes: the socket stops reading from the network past
    MAX_QUEUED_BYTES (TCP then holds the server back), and reads again once the reader took them."""
    socket = await open_socket(server)
    chunk = b"".join(text(b"q" * 60_000) for _ in range(20))  # 1.2 MB
    total = 0
    for _ in range(12):
        server.send(chunk)
        total += 20
    for _ in range(100):
        await asyncio.sleep(0.01)
        if socket._reading_paused:
            break
    assert socket._reading_paused
    await asyncio.sleep(0.2)
    assert socket._queued_bytes < MAX_QUEUED_BYTES + 4 * 1024 * 1024  # one network read beyond at most
    got = 0
    while got < total:
        got += len((await asyncio.wait_for(socket.receive_batch(), 5))[0])
    assert got == total and not socket._reading_paused
    await socket.close()


# -- frames from the client -----------------------------------------------------------------------------


async def test_what_the_client_sends_is_masked_with_a_fresh_key_each_frame(server: Server) -> None:
    socket = await open_socket(server)
    big = "x" * 70_000
    await socket.send_str('{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1}')
    await socket.send_str(big)
    await socket.pong(b"ping payload")
    await socket.send_str("")
    frames = await sent_frames(server, 4)
    assert [(opcode, final, body) for opcode, final, _, body in frames] == [
        (0x1, True, b'{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1}'),
        (0x1, True, big.encode()),
        (0xA, True, b"ping payload"),
        (0x1, True, b""),
    ]
    keys = [key for _, _, key, _ in frames]
    assert all(len(key) == 4 for key in keys) and len(set(keys)) == 4
    await socket.close()


async def test_a_ping_is_answered_by_the_reader_with_its_payload(server: Server) -> None:
    socket = await open_socket(server)
    server.send(frame(0x9, b"\x00payload\xff"))
    [(kind, payload)] = await messages(socket, 1)
    assert kind is WSMsgType.PING
    await socket.pong(payload)
    (opcode, _, _, body), *_ = await sent_frames(server, 1)
    assert (opcode, body) == (0xA, b"\x00payload\xff")
    await socket.close()


async def test_writes_wait_while_the_transport_is_full(server: Server) -> None:
    socket = await open_socket(server)
    socket.pause_writing()
    sending = asyncio.ensure_future(socket.send_str("held"))
    await asyncio.sleep(0.05)
    assert not sending.done()
    socket.resume_writing()
    await asyncio.wait_for(sending, 5)
    await socket.close()


# -- closing --------------------------------------------------------------------------------------------


async def test_the_server_closing_is_answered_and_ends_the_socket(server: Server) -> None:
    socket = await open_socket(server)
    server.send(text(b"last") + frame(0x8, struct.pack("!H", 1001) + b"going away") + text(b"ignored"))
    assert await messages(socket, 3) == [b"last", (WSMsgType.CLOSE, 1001), (WSMsgType.CLOSED, None)]
    assert socket.closed and socket.close_code == 1001
    (opcode, _, _, body), *_ = await sent_frames(server, 1)
    assert (opcode, body) == (0x8, struct.pack("!H", 1001))
    assert await socket.receive_batch() == ([(WSMsgType.CLOSED, None)], 1)
    assert await socket.close() is False
    with pytest.raises(ConnectionResetError):
        await socket.send_str("too late")


async def test_closing_sends_a_close_frame_and_waits_for_the_servers(server: Server) -> None:
    socket = await open_socket(server)
    assert await asyncio.wait_for(socket.close(code=1000), 5) is True
    (opcode, _, _, body), *_ = await sent_frames(server, 1)
    assert (opcode, body) == (0x8, struct.pack("!H", 1000))
    assert socket.closed and await socket.close() is False
    assert (WSMsgType.CLOSED, None) in (await socket.receive_batch())[0]


async def test_closing_gives_up_waiting_for_a_silent_server(server: Server) -> None:
    server.close_reply = False
    url = await server.start()
    socket = await WireConnector().connect(url + "/stream")
    assert isinstance(socket, WireSocket)
    socket._close_timeout = 0.1
    assert await asyncio.wait_for(socket.close(), 5) is True
    assert socket.closed


async def test_a_lost_connection_ends_the_socket_after_what_was_received(server: Server) -> None:
    socket = await open_socket(server)
    waiting = asyncio.ensure_future(socket.receive_batch())
    await asyncio.sleep(0.01)
    server.send(text(b"one"))
    assert await asyncio.wait_for(waiting, 5) == ([b"one"], 0)
    server.writers[-1].transport.abort()
    assert await messages(socket, 1) == [(WSMsgType.CLOSED, None)]
    assert socket.closed


# -- which sockets the market streams use ----------------------------------------------------------------


async def test_the_streams_use_their_own_sockets_only_on_the_clients_own_direct_session() -> None:
    own = AiohttpTransport()
    try:
        direct = AiohttpConnector(own.session)
        assert direct.direct()
        assert isinstance(stream_connector(direct), StreamSockets)
        assert stream_connector(direct, own_reader=False) is direct
        assert not AiohttpConnector(own.session, proxy="http://proxy.example:3128").direct()
    finally:
        await own.aclose()
    trusting = AiohttpTransport(trust_env=True)
    try:
        assert not AiohttpConnector(trusting.session).direct()
    finally:
        await trusting.aclose()
    async with aiohttp.ClientSession() as session:  # a session passed in keeps its own settings
        passed_in = AiohttpTransport(session)
        assert not AiohttpConnector(passed_in.session).direct()
    mock = MockConnector()
    assert stream_connector(mock) is mock


async def test_stream_sockets_go_through_aiohttp_when_not_direct(server: Server) -> None:
    url = await server.start()
    own = AiohttpTransport()
    try:
        sockets = StreamSockets(AiohttpConnector(own.session))
        wire = await sockets.connect(url + "/stream")
        assert isinstance(wire, WireSocket)
        await wire.close()
        sockets.aiohttp._proxy = "http://127.0.0.1:9"  # a proxy: aiohttp's socket (here: refused)
        with pytest.raises(ConnectionFailedError):
            await sockets.connect(url + "/stream")
    finally:
        await own.aclose()


def test_masking_is_its_own_inverse() -> None:
    key = b"\x01\x80\xff\x7f"
    for n in (0, 1, 3, 4, 5, 1000):
        payload = os.urandom(n)
        assert _wire._mask(_wire._mask(payload, key), key) == payload
        assert _wire._mask(payload, key) == bytes(b ^ key[i % 4] for i, b in enumerate(payload))


async def test_a_close_cancelled_while_waiting_for_the_server_still_closes_the_connection(
    server: Server,
) -> None:
    server.close_reply = False
    socket = await open_socket(server)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(socket.close(), 0.05)  # as close_link does, with its own deadline
    assert socket.closed and socket._transport is not None and socket._transport.is_closing()


async def test_the_streams_short_way_hands_every_event_to_every_listener(server: Server) -> None:
    """Through the client (its own session: these sockets), a run of text messages takes the reader's
    short way: both subscribers of a stream get every event, a listener that fails costs the others
    nothing, a frame that is not JSON is counted and skipped, and a control answer in the run is
    taken as one."""
    server.answer_control = True
    url = await server.start()
    async with (
        SpotClient(base_url="http://127.0.0.1:9", stream_url=url) as client,
        client.stream("btcusdt@trade") as first,
        client.stream("btcusdt@trade") as second,
    ):
        assert type(client._hub.connections[0]._link.socket) is WireSocket  # type: ignore[union-attr]

        class Failing:
            def offer(self, event: object) -> None:
                raise RuntimeError("a broken listener")

        client._hub._listeners["btcusdt@trade"].insert(0, Failing())  # type: ignore[union-attr, arg-type]
        trades = [
            {"e": "trade", "E": 1, "s": "BTCUSDT", "t": t, "p": "1.5", "q": "2", "T": 1, "m": True}
            for t in range(1, 301)
        ]
        run = b"".join(
            text(json.dumps({"stream": "btcusdt@trade", "data": trade}, separators=(",", ":")))
            for trade in trades[:150]
        )
        run += text(b"{not json") + text(json.dumps({"result": None, "id": 999}))
        run += b"".join(
            text(json.dumps({"stream": "btcusdt@trade", "data": trade}, separators=(",", ":")))
            for trade in trades[150:]
        )
        server.send(run)
        for events in (first, second):
            got = [(await asyncio.wait_for(events.__anext__(), 5)).trade_id for _ in range(300)]  # type: ignore[union-attr]
            assert got == list(range(1, 301))
        stats = client.stream_stats()["streams-1"]
        assert stats.malformed == 1 and stats.events == 300


async def test_without_aiohappyeyeballs_the_addresses_are_tried_in_turn(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiohttp 3.9 does not bring aiohappyeyeballs: the connector then connects to each address in turn."""
    monkeypatch.setattr(_wire, "aiohappyeyeballs", None)
    socket = await open_socket(server)
    server.send(text(b"hello"))
    assert await messages(socket, 1) == [b"hello"]
    await socket.close()
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    with pytest.raises(ConnectionFailedError, match="cannot open"):
        await WireConnector().connect(f"ws://127.0.0.1:{port}/stream")
