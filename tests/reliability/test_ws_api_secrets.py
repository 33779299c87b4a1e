"""No secret leaks over the WebSocket API (``client.ws_api()``, ``client.user_stream()``), the haystack of
`test_secrets` applied to it, with every logger at DEBUG.

HMAC (`test_hmac_ws_api_leaks_no_secret`): every request frame of a signed method carries ``apiKey`` and
``signature``. ``account``, a LIMIT ``new_order`` and its ``cancel_order``, ``my_trades``; a MARKET order
answered -1007 (503) after it was placed, one whose answer comes after the timeout, one whose
connection is dropped after it was placed (each an unknown outcome, then ``reconcile_order``); a read
answered 503 three times (INFO retry lines, then the error); a client with a wrong secret (-1022 on
``account`` and on ``new_order``); a user stream (``userDataStream.subscribe.signature``) hearing an
order, dropped and subscribed again (a `UserStreamResynced`).

Ed25519 (`test_ed25519_ws_api_leaks_no_secret`): the key logs each connection on (``session.logon``
carries ``apiKey`` and ``signature``; requests after it neither). The same calls and faults, a dropped
connection logged on again, a user stream (logon, then ``userDataStream.subscribe``), and a client
whose private key is not the key's (its logon refused with -1022: the connection never gets ready).

The haystack (`test_secrets.Haystack`): every log record, the repr and str of every client (REST and
WebSocket, before and after use), WebSocket pipeline, transport and its stats, user stream and event,
unknown-outcome record and answer, the repr of every REST transport request and response, and every
exception with its args, attributes, notes, chain and the locals of its traceback frames inside
binance_async (as ``capture_locals`` renders them). The needles: the API keys, the secrets, the
private keys (PEM, and the base64 body of each), and every signature sent, read from the frames the
sockets wrote and the REST requests the transports sent.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from binance_async import (
    ConnectionFailedError,
    ExecutionStatusUnknownError,
    InvalidSignatureError,
    RetryPolicy,
    SendStatusUnknownError,
    SpotClient,
)
from binance_async._websocket import AiohttpConnector, WebSocket
from binance_async.sim import Simulator
from binance_async.sim.config import ApiKey, SimConfig, generated_key
from binance_async.sim.faults import FaultRule
from binance_async.testing import RecordingTransport
from binance_async.ws_api import ExecutionReport, UserStream, UserStreamResynced, WsApiClient
from tests.reliability.test_secrets import (
    LOGGERS,
    WRONG_SECRET,
    Haystack,
    answered,
    check_haystack,
    fields,
    recorder,
)

FAST_RETRY = RetryPolicy(max_retries=2, base_delay=0.001, max_delay=0.002)
TIMEOUT = 1.0  # the clients' timeout: an answer held back 1.5 s is a timeout
ORDER = "/api/v3/order"
ED25519_KEY = "ed25519Key" + "E" * 54


class RecordingSocket:
    """A socket that keeps every frame it sends (to read the signatures from)."""

    def __init__(self, inner: WebSocket, sent: list[str]) -> None:
        self._inner = inner
        self._sent = sent

    @property
    def closed(self) -> bool:
        return self._inner.closed

    async def receive(self) -> aiohttp.WSMessage:
        return await self._inner.receive()

    async def send_str(self, data: str) -> None:
        await self._inner.send_str(data)
        self._sent.append(data)

    async def pong(self, message: bytes = b"") -> None:
        await self._inner.pong(message)

    async def close(self, *, code: int = 1000, message: bytes = b"") -> bool:
        return await self._inner.close(code=code, message=message)


class RecordingConnector:
    """aiohttp's connector on a session of its own, every socket recorded."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._inner = AiohttpConnector(lambda: session)
        self.sent: list[str] = []

    async def connect(self, url: str) -> WebSocket:
        return RecordingSocket(await self._inner.connect(url), self.sent)

    def frames(self) -> list[dict[str, Any]]:
        """Every request frame sent, decoded."""
        return [json.loads(text) for text in self.sent]


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in (*LOGGERS, "binance_async.ws_api"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as opened:
        yield opened


def pem_of(key: ed25519.Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def pem_body(pem: str) -> str:
    """The base64 of a PEM, without its armour lines."""
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))


def signatures(connectors: list[RecordingConnector], wires: list[RecordingTransport]) -> dict[str, str]:
    """Every signature sent: in the request frames' params, and in the REST requests (as sent, and
    percent-decoded)."""
    found: dict[str, str] = {}
    for c, connector in enumerate(connectors):
        for n, frame in enumerate(connector.frames()):
            signature = frame["params"].get("signature")
            if signature:
                found[f"signature of frame {c}.{n} ({frame['method']})"] = signature
    for w, wire in enumerate(wires):
        for n, (request, _) in enumerate(answered(wire)):
            signature = fields(request).get("signature")
            if signature:
                found[f"signature of REST request {w}.{n}"] = signature
                found[f"signature of REST request {w}.{n}, encoded"] = quote(signature, safe="")
    return found


async def expect(kind: type[BaseException], call: Callable[[], Any]) -> BaseException:
    with pytest.raises(kind) as raised:
        await call()
    return raised.value


async def unknown_orders(
    sim: Simulator, ws: WsApiClient, haystack: Haystack, label: str
) -> list[type[BaseException]]:
    """A MARKET order answered -1007, one answered after the timeout, one whose connection drops after
    placing it: each an unknown outcome, settled by reconcile_order."""
    kinds: list[type[BaseException]] = []
    cases: list[tuple[str, FaultRule, type[BaseException]]] = [
        (
            "5xx",
            FaultRule("error_after", 1.0, method="POST", path=ORDER, status=503),
            ExecutionStatusUnknownError,
        ),
        (
            "timeout",
            FaultRule("latency", 1.0, method="POST", path=ORDER, latency_s=1.5),
            SendStatusUnknownError,
        ),
        ("drop", FaultRule("drop_after", 1.0, method="POST", path=ORDER), SendStatusUnknownError),
    ]
    for name, rule, kind in cases:
        sim.faults.add(rule)
        error = await expect(kind, lambda: ws.new_order("BTCUSDT", "BUY", "MARKET", quantity="0.001"))
        sim.faults.clear()
        assert isinstance(error, (ExecutionStatusUnknownError, SendStatusUnknownError))
        assert error.request is not None and error.client_order_id is not None
        assert error.request.params["quantity"] == "0.001"  # what was sent is described
        haystack.add(f"{label}: order {name}", error)
        haystack.add(f"{label}: unknown outcomes after the {name}", dict(ws.unknown_outcomes))
        placed = await ws.reconcile_order("BTCUSDT", error.client_order_id)
        assert placed is not None  # the order was placed in each case
        haystack.add(f"{label}: reconcile_order after the {name}", placed)
        kinds.append(type(error))
    return kinds


async def common_calls(sim: Simulator, ws: WsApiClient, haystack: Haystack, label: str) -> None:
    haystack.add(f"{label}: account", await ws.account())
    order = await ws.new_order(
        "BTCUSDT", "BUY", "LIMIT", time_in_force="GTC", quantity=Decimal("0.001"), price="60000"
    )
    haystack.add(f"{label}: new_order", order)
    haystack.add(f"{label}: cancel_order", await ws.cancel_order("BTCUSDT", order_id=order.order_id))
    haystack.add(f"{label}: my_trades", await ws.my_trades("BTCUSDT"))
    await unknown_orders(sim, ws, haystack, label)
    sim.faults.add(FaultRule("error_before", 1.0, method="GET", path="/api/v3/account"))
    read_failed = await expect(ExecutionStatusUnknownError, ws.account)
    sim.faults.clear()
    haystack.add(f"{label}: read 5xx", read_failed)
    haystack.add(f"{label}: ws client", ws)
    haystack.add(f"{label}: ws pipeline", ws._pipeline)
    haystack.add(f"{label}: ws transport", ws._pipeline.transport)
    haystack.add(f"{label}: ws stats", ws.stats)


async def user_stream_round(sim: Simulator, client: SpotClient, haystack: Haystack, label: str) -> None:
    """A user stream hears an order, is dropped, subscribes again and resyncs."""
    stream: UserStream = client.user_stream()
    haystack.add(f"{label}: user stream before use", stream)
    async with stream:
        placed = await client.new_order("BTCUSDT", "BUY", "MARKET", quantity="0.001")
        seen: list[object] = []
        async for event in stream:
            seen.append(event)
            if isinstance(event, ExecutionReport) and event.order_id == placed.order_id and event.is_final:
                break
        sim.ws_api.faults.drop_open_connections()
        async for event in stream:
            seen.append(event)
            if isinstance(event, UserStreamResynced):
                break
        haystack.add(f"{label}: user stream events", seen)
        haystack.add(f"{label}: user stream", stream)
        haystack.add(f"{label}: user stream stats", stream.stats)
        assert stream.resyncs == 1


def check_logs(haystack: Haystack, debug_logs: pytest.LogCaptureFixture) -> None:
    records = debug_logs.records
    haystack.add_records(records)
    library = [r for r in records if r.name.startswith("binance_async")]
    assert any(r.levelno == logging.DEBUG for r in library)
    assert any(r.levelno == logging.INFO and "retry" in r.getMessage() for r in library)
    assert any(r.levelno == logging.WARNING and "reconnecting" in r.getMessage() for r in library)


# -- HMAC -------------------------------------------------------------------------------------------


async def test_hmac_ws_api_leaks_no_secret(
    debug_logs: pytest.LogCaptureFixture, session: aiohttp.ClientSession
) -> None:
    haystack = Haystack()
    connectors: list[RecordingConnector] = []
    wires: list[RecordingTransport] = []

    def client(secret: str) -> SpotClient:
        connectors.append(RecordingConnector(session))
        wires.append(recorder())
        return SpotClient(
            sim.api_key,
            secret,
            base_url=sim.base_url,
            transport=wires[-1],
            connector=connectors[-1],
            retry=FAST_RETRY,
            timeout=TIMEOUT,
        )

    async with Simulator() as sim:
        rest = client(sim.api_secret)
        ws = rest.ws_api()
        haystack.add("client before use", rest)
        haystack.add("ws client before use", ws)
        async with rest, ws:
            await common_calls(sim, ws, haystack, "HMAC")
            await user_stream_round(sim, rest, haystack, "HMAC")
        haystack.add("client after use", rest)
        haystack.add("ws client after use", ws)

        bad = client(WRONG_SECRET)
        async with bad, bad.ws_api() as bad_ws:
            bad_read = await expect(InvalidSignatureError, bad_ws.account)
            bad_order = await expect(
                InvalidSignatureError, lambda: bad_ws.new_order("BTCUSDT", "SELL", "MARKET", quantity="0.001")
            )
            assert isinstance(bad_read, InvalidSignatureError) and isinstance(
                bad_order, InvalidSignatureError
            )
            assert bad_read.code == bad_order.code == -1022
            haystack.add("-1022 read", bad_read)
            haystack.add("-1022 order", bad_order)
            haystack.add("ws client with a wrong secret", bad_ws)

    frames = [frame for connector in connectors for frame in connector.frames()]
    signed = [f for f in frames if not f["method"].startswith(("time", "exchangeInfo"))]
    assert len(signed) >= 15
    assert all(f["params"].get("apiKey") == sim.api_key and f["params"].get("signature") for f in signed)
    for wire in wires:
        for n, (request, response) in enumerate(answered(wire)):
            haystack.add_repr(f"REST request {n}", request)
            haystack.add_repr(f"REST response {n}", response)
    check_logs(haystack, debug_logs)
    secrets = {"API key": sim.api_key, "API secret": sim.api_secret, "wrong secret": WRONG_SECRET}
    secrets.update(signatures(connectors, wires))
    check_haystack(haystack, secrets)


# -- Ed25519 ----------------------------------------------------------------------------------------


async def test_ed25519_ws_api_leaks_no_secret(
    debug_logs: pytest.LogCaptureFixture, session: aiohttp.ClientSession
) -> None:
    haystack = Haystack()
    private = ed25519.Ed25519PrivateKey.generate()
    wrong = ed25519.Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    keys = [generated_key(), ApiKey(ED25519_KEY, public_key_pem=public.decode(), account="default")]
    connectors: list[RecordingConnector] = []
    wires: list[RecordingTransport] = []

    def client(key: ed25519.Ed25519PrivateKey) -> SpotClient:
        connectors.append(RecordingConnector(session))
        wires.append(recorder())
        return SpotClient(
            ED25519_KEY,
            private_key=pem_of(key),
            base_url=sim.base_url,
            transport=wires[-1],
            connector=connectors[-1],
            retry=FAST_RETRY,
            timeout=TIMEOUT,
        )

    async with Simulator(SimConfig(api_keys=keys)) as sim:
        rest = client(private)
        ws = rest.ws_api()
        haystack.add("client before use", rest)
        haystack.add("ws client before use", ws)
        async with rest, ws:
            assert ws.logged_on
            await common_calls(sim, ws, haystack, "Ed25519")  # the drop logs the new connection on
            await user_stream_round(sim, rest, haystack, "Ed25519")
        haystack.add("client after use", rest)
        haystack.add("ws client after use", ws)

        bad = client(wrong)
        async with bad:
            bad_ws = bad.ws_api()
            refused = await expect(ConnectionFailedError, bad_ws.__aenter__)  # logon -1022, retried
            haystack.add("ws client refused at logon", refused)
            haystack.add("ws client with the wrong key", bad_ws)
            assert "InvalidSignatureError" in (bad_ws.stats.last_error or "")
            haystack.add("its stats", bad_ws.stats)

    frames = [frame for connector in connectors for frame in connector.frames()]
    logons = [f for f in frames if f["method"] == "session.logon"]
    assert len(logons) >= 5  # first, after the drops (orders, user stream), the user stream, refused
    assert all(f["params"]["apiKey"] == ED25519_KEY and f["params"]["signature"] for f in logons)
    others = [f for f in frames if f["method"] != "session.logon"]
    assert others and not any("signature" in f["params"] or "apiKey" in f["params"] for f in others)
    for wire in wires:
        for n, (request, response) in enumerate(answered(wire)):
            haystack.add_repr(f"REST request {n}", request)
            haystack.add_repr(f"REST response {n}", response)
    check_haystack_ed25519 = {
        "API key": ED25519_KEY,
        "private key": pem_of(private),
        "private key body": pem_body(pem_of(private)),
        "wrong private key body": pem_body(pem_of(wrong)),
    }
    check_logs(haystack, debug_logs)
    check_haystack_ed25519.update(signatures(connectors, wires))
    check_haystack(haystack, check_haystack_ed25519)
