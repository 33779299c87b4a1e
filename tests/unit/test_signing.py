"""`binance_async._signing`: HMAC, Ed25519 and RSA signatures over the exact bytes sent."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any, cast
from urllib.parse import unquote

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa, x25519

from binance_async._encoding import encode_params
from binance_async._signing import Ed25519Signer, HmacSigner, RsaSigner, Signer, load_signer
from binance_async.errors import BinanceError, InvalidRequestError
from tests.reference import VECTORS, vectors

WIRE_SAFE = re.compile(r"[A-Za-z0-9%]+")
PASSWORD = "correct horse 9f3a battery"
WRONG_PASSWORD = "incorrect mule 41c7 staple"
NON_ASCII_SYMBOL = "１２３４５６"
ASCII_PAYLOAD = (
    "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1&price=0.2"
    "&timestamp=1668481559918&recvWindow=5000"
)
SIGNED_PAYLOADS: list[bytes] = [
    ASCII_PAYLOAD.encode(),
    encode_params([("symbol", NON_ASCII_SYMBOL), ("side", "SELL")]).encode(),
    f"symbol={NON_ASCII_SYMBOL}&side=SELL".encode(),  # raw UTF-8: signers must handle any bytes
    b"",
]
PAYLOAD_IDS = ["ascii", "non_ascii_percent_encoded", "non_ascii_raw_utf8", "empty"]


def _vectors() -> dict[str, Any]:
    return vectors()


def _case(section: str, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    block: dict[str, Any] = _vectors()[section]
    for case in block["cases"]:
        if case["name"] == name:
            return block, case
    raise AssertionError(f"{section}/{name} missing from {VECTORS}")


def _hmac_hex(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def _raw_signature(wire: str) -> bytes:
    assert WIRE_SAFE.fullmatch(wire), wire
    return base64.b64decode(unquote(wire), validate=True)


def _pem(key: Any, password: str | None = None) -> str:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode())
        if password is not None
        else serialization.NoEncryption()
    )
    data: bytes = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    return data.decode()


def _pem_fragments(pem: str) -> list[str]:
    """Every body line of a PEM and every 16-character slice of its base64 body."""
    lines = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    body = "".join(lines)
    return lines + [body[i : i + 16] for i in range(0, len(body) - 15, 8)]


def _assert_nothing_secret(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text, f"{secret!r} leaked into {text!r}"


@pytest.fixture(scope="module")
def ed25519_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# --- official HMAC vectors ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ascii_symbol", "non_ascii_symbol"])
def test_rest_hmac_official_vector(name: str) -> None:
    block, case = _case("rest_hmac_sha256", name)
    params = [(str(key), str(value)) for key, value in case["params_in_order"]]
    payload = encode_params(params)
    assert payload == case["signature_payload"]
    assert payload.isascii()

    signature = HmacSigner(block["secretKey"]).sign(payload.encode())
    assert signature == case["expected_signature_hex"]
    assert HmacSigner(block["secretKey"].encode()).sign(payload.encode()) == signature
    loaded = load_signer(api_secret=block["secretKey"])
    assert isinstance(loaded, HmacSigner)
    assert loaded.sign(payload.encode()) == signature
    final_url = f"https://api.binance.com{case['path']}?{payload}&signature={signature}"
    assert final_url == case["final_url"]


@pytest.mark.parametrize("name", ["ascii_symbol", "non_ascii_symbol"])
def test_rest_hmac_official_vector_from_typed_params(name: str) -> None:
    block, case = _case("rest_hmac_sha256", name)
    symbol = dict(case["params_in_order"])["symbol"]
    params: dict[str, Any] = {
        "symbol": symbol,
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": Decimal("1"),
        "price": 0.1,
        "recvWindow": 5000,
        "timestamp": 1499827319559,
        "newClientOrderId": None,
    }
    payload = encode_params(params)
    assert payload == case["signature_payload"]
    assert HmacSigner(block["secretKey"]).sign(payload.encode()) == case["expected_signature_hex"]


def test_rest_hmac_unencoded_non_ascii_payload_signs_differently() -> None:
    block, case = _case("rest_hmac_sha256", "non_ascii_symbol")
    raw = case["payload_before_percent_encoding"].encode()
    assert HmacSigner(block["secretKey"]).sign(raw) != case["expected_signature_hex"]


@pytest.mark.parametrize("name", ["ascii_symbol", "non_ascii_symbol"])
def test_websocket_hmac_official_vector(name: str) -> None:
    block, case = _case("websocket_api_hmac_sha256", name)
    signer = HmacSigner(block["secretKey"])
    assert signer.sign(case["signature_payload"].encode("utf-8")) == case["expected_signature_hex"]


def test_hmac_output_is_lowercase_hex() -> None:
    for payload in SIGNED_PAYLOADS:
        assert re.fullmatch(r"[0-9a-f]{64}", HmacSigner("k").sign(payload))


# --- official RSA / Ed25519 wire format (keys unpublished: format only) ------------------------


class _FixedRsaKey:
    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.calls: list[tuple[bytes, Any, Any]] = []

    def sign(self, data: bytes, pad: Any, algorithm: Any) -> bytes:
        self.calls.append((data, pad, algorithm))
        return self.raw


class _FixedEd25519Key:
    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.calls: list[bytes] = []

    def sign(self, data: bytes) -> bytes:
        self.calls.append(data)
        return self.raw


@pytest.mark.parametrize("name", ["ascii_symbol", "non_ascii_symbol"])
def test_rsa_wire_format_matches_official_percent_encoding(name: str) -> None:
    _, case = _case("rest_rsa", name)
    stub = _FixedRsaKey(base64.b64decode(case["signature_base64"], validate=True))
    signer = RsaSigner(cast(rsa.RSAPrivateKey, stub))
    payload = case["signature_payload"].encode()
    assert signer.sign(payload) == case["signature_percent_encoded"]
    ((data, pad, algorithm),) = stub.calls
    assert data == payload
    assert isinstance(pad, padding.PKCS1v15)
    assert isinstance(algorithm, hashes.SHA256)


@pytest.mark.parametrize("name", ["ascii_symbol", "non_ascii_symbol"])
def test_ed25519_wire_format_is_percent_encoded_base64(name: str) -> None:
    _, case = _case("websocket_api_ed25519", name)
    raw = base64.b64decode(case["signature_base64"], validate=True)
    assert len(raw) == 64
    stub = _FixedEd25519Key(raw)
    wire = Ed25519Signer(cast(ed25519.Ed25519PrivateKey, stub)).sign(b"payload")
    assert stub.calls == [b"payload"]
    assert _raw_signature(wire) == raw
    assert unquote(wire) == case["signature_base64"]


# --- HmacSigner: reusable, independent of threads and loops ---------------------------------------


def test_hmac_reusable_and_precomputed_state_not_mutated() -> None:
    secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
    signer = HmacSigner(secret)
    a, b = b"symbol=A&timestamp=1", b"symbol=B&timestamp=2"
    first = signer.sign(a)
    assert signer.sign(a) == first
    second = signer.sign(b)
    assert second != first
    assert signer.sign(a) == first
    assert signer.sign(b) == second
    assert first == _hmac_hex(secret, a)
    assert second == _hmac_hex(secret, b)
    assert signer.kind == "HMAC"


def test_hmac_different_secrets_differ() -> None:
    assert HmacSigner("one").sign(b"x") != HmacSigner("two").sign(b"x")


def test_hmac_thread_independent() -> None:
    secret = "thread-secret"
    signer = HmacSigner(secret)
    payloads = [f"symbol=S{i}&timestamp={i}".encode() * (1 + i % 7) for i in range(2000)]
    barrier = threading.Barrier(8)

    def work(chunk: list[bytes]) -> list[str]:
        barrier.wait()
        return [signer.sign(p) for p in chunk]

    chunks = [payloads[i::8] for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, chunks))
    for chunk, signatures in zip(chunks, results, strict=True):
        assert signatures == [_hmac_hex(secret, p) for p in chunk]


def test_hmac_loop_independent() -> None:
    secret = "loop-secret"
    signer = HmacSigner(secret)

    async def sign_many() -> list[str]:
        async def one(i: int) -> str:
            await asyncio.sleep(0)
            return signer.sign(f"i={i}".encode())

        return list(await asyncio.gather(*(one(i) for i in range(50))))

    expected = [_hmac_hex(secret, f"i={i}".encode()) for i in range(50)]
    assert asyncio.run(sign_many()) == expected
    assert asyncio.run(sign_many()) == expected  # a second, new event loop
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(lambda _: asyncio.run(sign_many()), range(2))) == [expected, expected]


async def test_hmac_inside_running_loop() -> None:
    signer = HmacSigner("s")
    assert signer.sign(b"p") == _hmac_hex("s", b"p")


# --- Ed25519 and RSA: verified with the public key ---------------------------------------------


@pytest.mark.parametrize("payload", SIGNED_PAYLOADS, ids=PAYLOAD_IDS)
def test_ed25519_signature_verifies(ed25519_key: ed25519.Ed25519PrivateKey, payload: bytes) -> None:
    signer = load_signer(private_key=_pem(ed25519_key))
    assert isinstance(signer, Ed25519Signer)
    assert signer.kind == "Ed25519"
    wire = signer.sign(payload)
    raw = _raw_signature(wire)
    assert len(raw) == 64
    ed25519_key.public_key().verify(raw, payload)
    assert signer.sign(payload) == wire  # Ed25519 is deterministic
    with pytest.raises(InvalidSignature):
        ed25519_key.public_key().verify(raw, payload + b"&x=1")


@pytest.mark.parametrize("payload", SIGNED_PAYLOADS, ids=PAYLOAD_IDS)
def test_rsa_signature_verifies(rsa_key: rsa.RSAPrivateKey, payload: bytes) -> None:
    signer = load_signer(private_key=_pem(rsa_key).encode())
    assert isinstance(signer, RsaSigner)
    assert signer.kind == "RSA"
    wire = signer.sign(payload)
    raw = _raw_signature(wire)
    assert len(raw) == 256
    public = rsa_key.public_key()
    public.verify(raw, payload, padding.PKCS1v15(), hashes.SHA256())
    assert signer.sign(payload) == wire  # PKCS#1 v1.5 is deterministic
    with pytest.raises(InvalidSignature):
        public.verify(raw, payload + b"&x=1", padding.PKCS1v15(), hashes.SHA256())


def test_wire_charset_over_many_signatures(
    ed25519_key: ed25519.Ed25519PrivateKey, rsa_key: rsa.RSAPrivateKey
) -> None:
    signers: list[Signer] = [Ed25519Signer(ed25519_key), RsaSigner(rsa_key)]
    seen: set[str] = set()
    for signer in signers:
        for i in range(150):
            wire = signer.sign(f"timestamp={i}".encode())
            assert WIRE_SAFE.fullmatch(wire), wire
            seen.update(re.findall(r"%[0-9A-F]{2}", wire))
            assert set(re.findall(r"%..", wire)) <= {"%2B", "%2F", "%3D"}
    assert {"%2B", "%2F"} <= seen  # base64's '+' and '/' did occur and were encoded


# --- PEM loading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("as_bytes", [False, True])
@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_encrypted_pem_with_password(
    ed25519_key: ed25519.Ed25519PrivateKey, rsa_key: rsa.RSAPrivateKey, kind: str, as_bytes: bool
) -> None:
    key: Any = ed25519_key if kind == "ed25519" else rsa_key
    pem = _pem(key, PASSWORD)
    assert "ENCRYPTED PRIVATE KEY" in pem
    password: str | bytes = PASSWORD.encode() if as_bytes else PASSWORD
    pem_arg: str | bytes = pem.encode() if as_bytes else pem
    signer = load_signer(private_key=pem_arg, private_key_password=password)
    assert signer is not None
    raw = _raw_signature(signer.sign(b"a=1"))
    if kind == "ed25519":
        ed25519_key.public_key().verify(raw, b"a=1")
    else:
        rsa_key.public_key().verify(raw, b"a=1", padding.PKCS1v15(), hashes.SHA256())


def _load_error(**kwargs: Any) -> InvalidRequestError:
    with pytest.raises(InvalidRequestError) as info:
        load_signer(**kwargs)
    return info.value


@pytest.mark.parametrize("password", [None, WRONG_PASSWORD, ""], ids=["missing", "wrong", "empty"])
@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_encrypted_pem_bad_password_hides_secrets(
    ed25519_key: ed25519.Ed25519PrivateKey,
    rsa_key: rsa.RSAPrivateKey,
    kind: str,
    password: str | None,
) -> None:
    key: Any = ed25519_key if kind == "ed25519" else rsa_key
    pem = _pem(key, PASSWORD)
    error = _load_error(private_key=pem, private_key_password=password)
    assert isinstance(error, BinanceError)
    assert isinstance(error, ValueError)
    assert "private_key" in str(error)
    secrets = [PASSWORD, WRONG_PASSWORD, *_pem_fragments(pem), *_pem_fragments(_pem(key))]
    shown = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    for text in (str(error), repr(error), repr(error.args), shown):
        _assert_nothing_secret(text, secrets)
    assert error.__cause__ is None
    assert error.__suppress_context__


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "not a pem",
        b"\x00\x01\x02",
        "-----BEGIN PRIVATE KEY-----\nAAAAnotbase64!!\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAgmDRTtj2FA+wzJUIlAL9ly1eovjLBu7uXUFR+jFULmg=\n"
        "-----END PUBLIC KEY-----\n",
    ],
    ids=["empty", "text", "binary", "bad-base64", "truncated-der", "public-key"],
)
def test_garbage_pem_refused(garbage: str | bytes) -> None:
    error = _load_error(private_key=garbage)
    assert "private_key" in str(error)
    text = garbage.decode("latin-1") if isinstance(garbage, bytes) else garbage
    for fragment in _pem_fragments(text):
        assert fragment not in str(error)


def test_truncated_real_pem_refused_without_key_text(ed25519_key: ed25519.Ed25519PrivateKey) -> None:
    pem = _pem(ed25519_key)
    truncated = pem[: len(pem) // 2]
    error = _load_error(private_key=truncated)
    _assert_nothing_secret(str(error), _pem_fragments(pem))


@pytest.mark.parametrize(
    "make_key",
    [
        lambda: ec.generate_private_key(ec.SECP256R1()),
        lambda: ec.generate_private_key(ec.SECP256K1()),
        ed448.Ed448PrivateKey.generate,
        x25519.X25519PrivateKey.generate,
        lambda: dsa.generate_private_key(key_size=1024),
    ],
    ids=["secp256r1", "secp256k1", "ed448", "x25519", "dsa"],
)
def test_unsupported_key_types_refused_clearly(make_key: Callable[[], Any]) -> None:
    pem = _pem(make_key())
    error = _load_error(private_key=pem)
    message = str(error)
    assert "unsupported key type" in message
    assert "Ed25519" in message
    assert "RSA" in message
    _assert_nothing_secret(message, _pem_fragments(pem))


def test_ec_key_encrypted_refused_clearly() -> None:
    pem = _pem(ec.generate_private_key(ec.SECP256R1()), PASSWORD)
    error = _load_error(private_key=pem, private_key_password=PASSWORD)
    assert "unsupported key type" in str(error)
    _assert_nothing_secret(str(error), [PASSWORD, *_pem_fragments(pem)])


# --- load_signer argument rules -----------------------------------------------------------------


def test_both_secret_and_key_refused(ed25519_key: ed25519.Ed25519PrivateKey) -> None:
    pem = _pem(ed25519_key)
    secret = "an-hmac-secret-value-0123456789"
    for api_secret in (secret, ""):
        error = _load_error(api_secret=api_secret, private_key=pem)
        assert "not both" in str(error)
        _assert_nothing_secret(str(error), [secret, *_pem_fragments(pem)])


@pytest.mark.parametrize("empty", ["", b""], ids=["str", "bytes"])
def test_empty_api_secret_refused(empty: str | bytes) -> None:
    assert "api_secret" in str(_load_error(api_secret=empty))


def test_no_credentials_gives_none() -> None:
    assert load_signer() is None
    assert load_signer(api_secret=None, private_key=None) is None


def test_api_secret_gives_hmac_signer() -> None:
    signer = load_signer(api_secret=b"raw-bytes-secret")
    assert isinstance(signer, HmacSigner)
    assert signer.sign(b"x") == _hmac_hex("raw-bytes-secret", b"x")


# --- nothing secret in repr/str -----------------------------------------------------------------


def test_hmac_repr_hides_secret() -> None:
    secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
    slices = [secret[i : i + 8] for i in range(0, len(secret) - 7)]
    for signer in (HmacSigner(secret), HmacSigner(secret.encode()), load_signer(api_secret=secret)):
        for text in (repr(signer), str(signer), f"{signer}", f"{signer!r}"):
            _assert_nothing_secret(text, [secret, *slices])


def test_repr_does_not_depend_on_key_material(
    ed25519_key: ed25519.Ed25519PrivateKey, rsa_key: rsa.RSAPrivateKey
) -> None:
    assert repr(HmacSigner("secret-one")) == repr(HmacSigner(b"secret-two"))
    assert repr(Ed25519Signer(ed25519_key)) == repr(Ed25519Signer(ed25519.Ed25519PrivateKey.generate()))
    other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    assert repr(RsaSigner(rsa_key)) == repr(RsaSigner(other_rsa))


def test_key_signer_repr_hides_key(
    ed25519_key: ed25519.Ed25519PrivateKey, rsa_key: rsa.RSAPrivateKey
) -> None:
    for key in (ed25519_key, rsa_key):
        pem = _pem(key)
        encrypted = _pem(key, PASSWORD)
        raw_der = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        secrets = [
            PASSWORD,
            *_pem_fragments(pem),
            *_pem_fragments(encrypted),
            raw_der.hex()[-32:],
            base64.b64encode(raw_der).decode()[-24:],
        ]
        signers = [
            load_signer(private_key=pem),
            load_signer(private_key=encrypted, private_key_password=PASSWORD),
            Ed25519Signer(key) if isinstance(key, ed25519.Ed25519PrivateKey) else RsaSigner(key),
        ]
        for signer in signers:
            assert signer is not None
            for text in (repr(signer), str(signer), f"{signer}"):
                _assert_nothing_secret(text, secrets)
                assert "hidden" in text


# --- messages that say what went wrong ---------------------------------------------------------


def test_password_for_unencrypted_key_message_is_accurate(ed25519_key: ed25519.Ed25519PrivateKey) -> None:
    message = ""
    try:
        signer = load_signer(private_key=_pem(ed25519_key), private_key_password=PASSWORD)
    except InvalidRequestError as error:  # refusing is fine, but not with a false reason
        message = str(error)
    else:
        assert isinstance(signer, Ed25519Signer)
    assert "is required" not in message


def test_wrong_password_message_is_accurate(ed25519_key: ed25519.Ed25519PrivateKey) -> None:
    error = _load_error(private_key=_pem(ed25519_key, PASSWORD), private_key_password=WRONG_PASSWORD)
    assert "is required" not in str(error)
