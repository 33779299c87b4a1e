"""Transport security: https for every non-loopback host, TLS verified by default, no redirects, no env proxy.

A throwaway self-signed certificate for 127.0.0.1 (made here with `cryptography`) stands in for a
server that is not who it claims to be: the client refuses it with a typed error before any HTTP is
exchanged (so the API key never reaches it), and accepts it only when the caller explicitly trusts it
through their own session.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import binance_async
from binance_async import (
    DEMO,
    MAINNET,
    MARKET_DATA,
    TESTNET,
    BinanceAPIError,
    ConnectionFailedError,
    InvalidRequestError,
    SpotClient,
)

KEY = "k" * 64
SECRET = "s" * 64
PACKAGE = Path(binance_async.__file__).parent


# -- https for every host that is not loopback ---------------------------------------------------------

REFUSED = [
    "http://api.binance.com",
    "HTTP://API.BINANCE.COM",
    "http://10.0.0.1:8080",
    "http://192.168.1.10",
    "http://0.0.0.0:8080",
    "http://[::]:8080",
    "http://[2001:db8::1]",
    "http://localhost.evil.example",
    "http://127.0.0.1.nip.io",
    "http://127.0.0.1@evil.example",  # the host is evil.example; 127.0.0.1 is a user name
    "http://evil.example#@127.0.0.1",
    "ws://api.binance.com",
    "ftp://127.0.0.1",
    "api.binance.com",
    "//api.binance.com",
    "https://",
    "https://api.binance.com?x=1",
]
ALLOWED = [
    "http://127.0.0.1:8080",
    "http://127.0.0.1",
    "http://127.8.9.10:1",
    "http://[::1]:9000",
    "http://localhost:1234",
    "http://LOCALHOST:1234/",
    MAINNET,
    TESTNET,
    DEMO,
    MARKET_DATA,
    "https://example.com:8443",
    "https://10.0.0.1",
]


@pytest.mark.parametrize("base_url", REFUSED)
def test_non_loopback_plain_http_and_odd_urls_are_refused_at_construction(base_url: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        SpotClient(KEY, SECRET, base_url=base_url)
    message = str(caught.value)
    assert "https" in message or "http" in message
    assert repr(base_url) in message  # says which URL
    assert SECRET not in message and KEY not in message


@pytest.mark.parametrize("base_url", ALLOWED)
async def test_https_anywhere_and_http_on_loopback_are_accepted(base_url: str) -> None:
    async with SpotClient(KEY, SECRET, base_url=base_url) as client:
        assert client.base_url == base_url.rstrip("/")


def test_the_refusal_names_the_rule() -> None:
    with pytest.raises(
        InvalidRequestError, match=re.escape("only loopback hosts (127.0.0.0/8, ::1, localhost)")
    ):
        SpotClient(base_url="http://api.binance.com")


def test_no_switch_turns_tls_verification_off() -> None:
    """Nothing in the client (outside the simulator, a server) disables certificate checks."""
    forbidden = re.compile(
        r"ssl\s*=\s*False|verify_ssl|CERT_NONE|check_hostname\s*=\s*False|_create_unverified"
    )
    offenders = [
        f"{path.relative_to(PACKAGE)}:{n}"
        for path in PACKAGE.rglob("*.py")
        if "sim" not in path.relative_to(PACKAGE).parts
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if forbidden.search(line)
    ]
    assert offenders == []


# -- TLS verified by default -----------------------------------------------------------------------------


@dataclass
class TlsServer:
    base_url: str
    ca_file: Path
    seen: list[str] = field(default_factory=list)  # "METHOD /path api-key" of every request handled


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 / localhost, signed by its own key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[TlsServer]:
    cert_file, key_file = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    server = TlsServer("", cert_file)

    async def handle(request: web.Request) -> web.Response:
        server.seen.append(f"{request.method} {request.path} {request.headers.get('X-MBX-APIKEY')}")
        if request.path == "/api/v3/time":
            return web.json_response({"serverTime": 1_700_000_000_000})
        if request.path == "/api/v3/redirect-me":
            raise web.HTTPFound("http://127.0.0.1:9/api/v3/ping")
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    server.base_url = f"https://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield server
    finally:
        await runner.cleanup()


def trusting_session(server: TlsServer) -> aiohttp.ClientSession:
    """A caller's own session that trusts the throwaway certificate."""
    trusting = ssl.create_default_context(cafile=str(server.ca_file))
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=trusting))


def client_on(server: TlsServer, session: aiohttp.ClientSession) -> SpotClient:
    return SpotClient(KEY, SECRET, base_url=server.base_url, session=session)


async def test_a_self_signed_server_is_refused_with_a_typed_error(tls_server: TlsServer) -> None:
    async with SpotClient(KEY, SECRET, base_url=tls_server.base_url) as client:
        with pytest.raises(ConnectionFailedError) as caught:
            await client.ping()
        assert "Certificate" in str(caught.value)  # aiohttp's ClientConnectorCertificateError
        with pytest.raises(ConnectionFailedError):  # a signed call: its clock sync is refused first
            await client.account()
        with pytest.raises(ConnectionFailedError):  # an order: refused before anything is sent
            await client.new_order("BTCUSDT", "BUY", "MARKET", quantity="0.001")
    assert tls_server.seen == []  # no request (and so no API key) ever reached the impostor


async def test_the_same_server_is_reached_when_the_caller_trusts_its_certificate(
    tls_server: TlsServer,
) -> None:
    """The positive control: the refusal above is certificate verification, nothing else."""
    async with trusting_session(tls_server) as session, client_on(tls_server, session) as client:
        await client.ping()
        await client.account()
    assert tls_server.seen == ["GET /api/v3/ping None", "GET /api/v3/time None", f"GET /api/v3/account {KEY}"]


async def test_redirects_are_not_followed(tls_server: TlsServer) -> None:
    """A signed request is never replayed to another URL (here: plain http on another port)."""
    async with trusting_session(tls_server) as session, client_on(tls_server, session) as client:
        with pytest.raises(BinanceAPIError) as caught:
            await client.request("GET", "/api/v3/redirect-me", signed=True)
    assert caught.value.status == 302
    assert tls_server.seen[-1] == f"GET /api/v3/redirect-me {KEY}"


@pytest.fixture
async def http_server() -> AsyncIterator[TlsServer]:
    """A plain-http server on loopback (what the simulator is)."""
    server = TlsServer("", Path())

    async def handle(request: web.Request) -> web.Response:
        server.seen.append(f"{request.method} {request.path} {request.headers.get('X-MBX-APIKEY')}")
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    server.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield server
    finally:
        await runner.cleanup()


async def test_proxies_from_the_environment_are_ignored_unless_asked_for(
    http_server: TlsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead_proxy = "http://127.0.0.1:9"
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, dead_proxy)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    async with SpotClient(base_url=http_server.base_url) as client:
        await client.ping()  # trust_env=False by default: straight to the server
    async with SpotClient(base_url=http_server.base_url, trust_env=True) as client:
        with pytest.raises(ConnectionFailedError):  # told to trust the environment: the dead proxy
            await client.ping()
    assert http_server.seen == ["GET /api/v3/ping None"]
