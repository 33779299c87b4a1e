"""What the WebSocket API tests share: keys of the three kinds the simulator takes, a small simulator, a
client that signs its requests itself (the payload rule of Binance's docs: params sorted by name,
``name=value`` joined with ``&``), and REST calls to compare with. No tests here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import ClientWebSocketResponse
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256

from binance_async.sim import Simulator
from binance_async.sim.config import ApiKey, SimConfig, WsApiSettings
from tests.sim.test_ws_market_data import FrozenClock

__all__ = [
    "ED25519",
    "HMAC",
    "OTHER",
    "RSA",
    "Api",
    "Signer",
    "rest",
    "session",
    "sim",
    "ws_api",
]

SYMBOL = "BTCUSDT"


class Signer:
    """An API key and the private half that signs for it."""

    def __init__(self, key: str, account: str, *, kind: str) -> None:
        self.kind = kind
        if kind == "hmac":
            self.secret = hashlib.sha256(key.encode()).hexdigest()[:64]
            self.api_key = ApiKey(key, hmac_secret=self.secret, account=account)
            return
        if kind == "ed25519":
            self.private: Any = ed25519.Ed25519PrivateKey.generate()
        else:
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.api_key = ApiKey(key, public_key_pem=pem.decode(), account=account)

    @property
    def key(self) -> str:
        return self.api_key.key

    def signature(self, payload: str) -> str:
        data = payload.encode()
        if self.kind == "hmac":
            return hmac.new(self.secret.encode(), data, hashlib.sha256).hexdigest()
        if self.kind == "ed25519":
            return base64.b64encode(self.private.sign(data)).decode()
        return base64.b64encode(self.private.sign(data, PKCS1v15(), SHA256())).decode()

    def sign(self, params: dict[str, Any], timestamp: int, *, with_key: bool = True) -> dict[str, Any]:
        """`params` with ``apiKey`` (unless not `with_key`), ``timestamp`` and their ``signature``."""
        signed = dict(params, timestamp=timestamp)
        if with_key:
            signed["apiKey"] = self.key
        payload = "&".join(f"{name}={_text(signed[name])}" for name in sorted(signed))
        signed["signature"] = self.signature(payload)
        return signed


def _text(value: Any) -> str:
    """A param as it is signed: its JSON text, a string without its quotes."""
    return value if isinstance(value, str) else json.dumps(value)


HMAC = Signer("hmacKey" + "A" * 57, "default", kind="hmac")
ED25519 = Signer("ed25519Key" + "B" * 54, "default", kind="ed25519")
RSA = Signer("rsaKey" + "C" * 58, "default", kind="rsa")
OTHER = Signer("otherKey" + "D" * 56, "other", kind="hmac")
FAST = WsApiSettings(housekeeping_interval=0.02)


def make_sim(**config: Any) -> Simulator:
    keys = [HMAC.api_key, ED25519.api_key, RSA.api_key, OTHER.api_key]
    simulator = Simulator(SimConfig(api_keys=keys, book_levels=40, **config), clock=FrozenClock())
    simulator.ws_api.settings = FAST
    return simulator


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with make_sim() as simulator:
        yield simulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


class Api:
    """A WebSocket API client for tests: `call` answers the request it sent (events that arrive before
    the answer are kept in `events`, in order)."""

    def __init__(self, ws: ClientWebSocketResponse[bool], sim: Simulator) -> None:
        self.ws = ws
        self.sim = sim
        self.events: list[dict[str, Any]] = []
        self._id = 0

    async def send(self, method: str, params: dict[str, Any] | None = None, **fields: Any) -> int:
        self._id += 1
        request: dict[str, Any] = {"id": self._id, "method": method, **fields}
        if params is not None:
            request["params"] = params
        await self.ws.send_str(json.dumps(request))
        return self._id

    async def call(self, method: str, params: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        request_id = await self.send(method, params, **fields)
        return await self.answer(request_id)

    async def answer(self, request_id: Any, timeout: float = 5.0) -> dict[str, Any]:
        while True:
            message = await self.receive(timeout)
            if "event" in message:
                self.events.append(message)
                continue
            assert message["id"] == request_id, message
            return message

    async def signed(
        self, method: str, params: dict[str, Any] | None = None, signer: Signer = HMAC
    ) -> dict[str, Any]:
        return await self.call(method, signer.sign(params or {}, self.sim.clock.now_ms()))

    async def result(self, method: str, params: dict[str, Any] | None = None, signer: Signer = HMAC) -> Any:
        """The ``result`` of a signed call that must succeed."""
        answer = await self.signed(method, params, signer)
        assert answer["status"] == 200, answer
        return answer["result"]

    async def receive(self, timeout: float = 5.0) -> dict[str, Any]:
        message = await self.ws.receive(timeout=timeout)
        assert message.type == aiohttp.WSMsgType.TEXT, message
        body: dict[str, Any] = json.loads(message.data)
        return body

    async def event(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next user data or connection event."""
        if self.events:
            return self.events.pop(0)
        message = await self.receive(timeout)
        assert "event" in message, message
        return message

    async def quiet(self) -> None:
        """Nothing more arrived before the answer to a ``ping`` (events come before later answers)."""
        answer = await self.call("ping")
        assert answer["status"] == 200
        assert self.events == [], self.events


async def ws_api(session: aiohttp.ClientSession, sim: Simulator, query: str = "", **kwargs: Any) -> Api:
    ws = await session.ws_connect(sim.ws_api_url + query, **kwargs)
    return Api(ws, sim)


async def rest(
    session: aiohttp.ClientSession,
    sim: Simulator,
    method: str,
    path: str,
    params: dict[str, Any] | None = None,
    signer: Signer | None = HMAC,
) -> tuple[int, Any, dict[str, str]]:
    """A REST call (signed with `signer`, unless None): its status, JSON body and headers."""
    query = {name: _text(value) for name, value in (params or {}).items()}
    headers = {}
    if signer is not None:
        query["timestamp"] = str(sim.clock.now_ms())
        payload = "&".join(f"{name}={value}" for name, value in query.items())
        query["signature"] = signer.signature(payload)
        headers["X-MBX-APIKEY"] = signer.key
    async with session.request(method, f"{sim.base_url}{path}", params=query, headers=headers) as response:
        return response.status, await response.json(), dict(response.headers)
