"""The simulator's SIGNED-request checks: official vectors, payload rules, key types, timing."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from binance_async.sim.clock import SimClock
from binance_async.sim.config import ApiKey, SimConfig
from binance_async.sim.errors import SimError
from binance_async.sim.params import Params
from binance_async.sim.security import Security, signature_payload
from tests.reference import vectors

# The official REST HMAC example (binance-spot-api-docs rest-api.md), inlined here and checked against
# the copy in tests/data.
API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
VECTOR_TS = 1499827319559
ASCII_PAYLOAD = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000"
    f"&timestamp={VECTOR_TS}"
)
ASCII_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
NON_ASCII_SYMBOL = "１２３４５６"
NON_ASCII_PAYLOAD = (
    "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC"
    f"&quantity=1&price=0.1&recvWindow=5000&timestamp={VECTOR_TS}"
)
NON_ASCII_SIGNATURE = "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
VECTORS = [(ASCII_PAYLOAD, ASCII_SIGNATURE), (NON_ASCII_PAYLOAD, NON_ASCII_SIGNATURE)]


class FrozenClock(SimClock):
    """A clock that moves only when told to: exact boundaries without wall-time drift."""

    def __init__(self, ms: int) -> None:
        super().__init__(ms)
        self.ms = ms

    def now_ms(self) -> int:
        return self.ms

    def advance(self, ms: float) -> None:
        self.ms += int(ms)


def hmac_hex(payload: str, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def make(keys: list[ApiKey] | None = None, now: int = VECTOR_TS + 100) -> tuple[Security, FrozenClock]:
    clock = FrozenClock(now)
    config = SimConfig(api_keys=keys or [ApiKey(API_KEY, hmac_secret=SECRET, account="alice")])
    return Security(config, clock), clock


def verify(
    security: Security,
    query: str,
    body: str = "",
    *,
    method: str = "POST",
    key: str | None = API_KEY,
    kind: str = "TRADE",
) -> str:
    params = Params(query, "" if method == "GET" else body)
    headers = {} if key is None else {"X-MBX-APIKEY": key}
    account = security.verify(method, query, body, headers, params, security=kind)
    for name in ("signature", "timestamp", "recvWindow"):
        assert name in params._read
    return account


def error(security: Security, query: str, body: str = "", **kwargs: Any) -> SimError:
    with pytest.raises(SimError) as info:
        verify(security, query, body, **kwargs)
    return info.value


def signed(payload: str) -> str:
    return f"{payload}&signature={hmac_hex(payload)}"


# -- official vectors ------------------------------------------------------------------------------


def test_reference_copy_matches_the_vectors_used_here() -> None:
    rest = vectors()["rest_hmac_sha256"]
    assert (rest["apiKey"], rest["secretKey"]) == (API_KEY, SECRET)
    cases = [(case["signature_payload"], case["expected_signature_hex"]) for case in rest["cases"]]
    assert cases == VECTORS


@pytest.mark.parametrize(("payload", "signature"), VECTORS)
def test_official_hmac_vectors_verify(payload: str, signature: str) -> None:
    assert hmac_hex(payload) == signature
    security, _ = make()
    assert verify(security, f"{payload}&signature={signature}") == "alice"


def test_vector_with_the_real_sim_clock() -> None:
    clock = SimClock(start_ms=VECTOR_TS + 50)
    security = Security(SimConfig(api_keys=[ApiKey(API_KEY, hmac_secret=SECRET)]), clock)
    assert verify(security, f"{ASCII_PAYLOAD}&signature={ASCII_SIGNATURE}") == "default"


def test_hmac_signature_is_case_insensitive() -> None:
    security, _ = make()
    assert verify(security, f"{ASCII_PAYLOAD}&signature={ASCII_SIGNATURE.upper()}") == "alice"


@pytest.mark.parametrize("position", [0, 10, 63])
def test_a_flipped_signature_character_fails(position: int) -> None:
    flipped = ASCII_SIGNATURE[:position] + ("0" if ASCII_SIGNATURE[position] != "0" else "1")
    flipped += ASCII_SIGNATURE[position + 1 :]
    security, _ = make()
    err = error(security, f"{ASCII_PAYLOAD}&signature={flipped}")
    assert (err.code, err.msg, err.status) == (-1022, "Signature for this request is not valid.", 400)


def test_a_changed_payload_byte_fails() -> None:
    security, _ = make()
    tampered = ASCII_PAYLOAD.replace("price=0.1", "price=0.2")
    assert error(security, f"{tampered}&signature={ASCII_SIGNATURE}").code == -1022


def test_a_non_hex_signature_fails() -> None:
    security, _ = make()
    assert error(security, f"{ASCII_PAYLOAD}&signature=not-a-signature").code == -1022


def test_wrong_secret_fails() -> None:
    security, _ = make()
    other = hmac_hex(ASCII_PAYLOAD, secret=SECRET[::-1])
    assert error(security, f"{ASCII_PAYLOAD}&signature={other}").code == -1022


# -- what the signature covers -----------------------------------------------------------------------


def test_signature_in_the_body() -> None:
    security, _ = make()
    assert verify(security, "", f"{ASCII_PAYLOAD}&signature={ASCII_SIGNATURE}") == "alice"


def test_query_and_body_are_concatenated_without_separator() -> None:
    query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
    body = f"quantity=1&price=0.1&recvWindow=5000&timestamp={VECTOR_TS}"
    security, _ = make()
    assert verify(security, query, f"{body}&signature={hmac_hex(query + body)}") == "alice"
    # Signature in the query string, parameters in the body: the same payload.
    assert verify(security, f"{query}&signature={hmac_hex(query + body)}", body) == "alice"
    # A client that joins them with "&" signs something else.
    assert error(security, query, f"{body}&signature={hmac_hex(query + '&' + body)}").code == -1022


def test_signature_parameter_in_the_middle() -> None:
    head, tail = ASCII_PAYLOAD.split("&type=")
    query = f"{head}&signature={ASCII_SIGNATURE}&type={tail}"
    security, _ = make()
    assert signature_payload("POST", query, "") == ASCII_PAYLOAD
    assert verify(security, query) == "alice"


def test_signature_parameter_first() -> None:
    security, _ = make()
    assert verify(security, f"signature={ASCII_SIGNATURE}&{ASCII_PAYLOAD}") == "alice"


def test_payload_strips_only_the_signature_parameter() -> None:
    raw = "a=1&signatures=x&signature=abc&b=%2B+&mysignature=2"
    assert signature_payload("POST", raw, "c=3&signature=d") == "a=1&signatures=x&b=%2B+&mysignature=2c=3"
    assert signature_payload("POST", "signature=abc", "") == ""
    # GET parameters are in the query string only: a body is not signed.
    assert signature_payload("GET", "a=1&signature=s", "b=2") == "a=1"


def test_get_request_ignores_the_body() -> None:
    security, _ = make()
    query = f"{ASCII_PAYLOAD}&signature={ASCII_SIGNATURE}"
    assert verify(security, query, "ignored=1", method="GET") == "alice"


def test_non_ascii_signed_unencoded_is_rejected_encoded_passes() -> None:
    security, _ = make()
    unencoded = NON_ASCII_PAYLOAD.replace(quote(NON_ASCII_SYMBOL), NON_ASCII_SYMBOL)
    assert unencoded.startswith(f"symbol={NON_ASCII_SYMBOL}&")
    # The request goes out encoded, but the client signed the un-encoded text: -1022 (Binance, 2026).
    err = error(security, f"{NON_ASCII_PAYLOAD}&signature={hmac_hex(unencoded)}")
    assert err.code == -1022
    # Un-encoded on the wire too, signed over exactly those characters: still never valid.
    assert error(security, f"{unencoded}&signature={hmac_hex(unencoded)}").code == -1022
    # Signed over the encoded bytes as sent: valid (the official vector).
    assert verify(security, f"{NON_ASCII_PAYLOAD}&signature={NON_ASCII_SIGNATURE}") == "alice"


def test_payload_is_the_raw_encoding_not_a_re_encoding() -> None:
    # "%20" and "+" both mean a space, but the signature covers the bytes that were sent.
    payload = f"symbol=LTCBTC&newClientOrderId=a%20b&recvWindow=5000&timestamp={VECTOR_TS}"
    security, _ = make()
    assert verify(security, signed(payload)) == "alice"
    plus = payload.replace("%20", "+")
    assert error(security, f"{plus}&signature={hmac_hex(payload)}").code == -1022


# -- Ed25519 and RSA ---------------------------------------------------------------------------------


def _pem(public_key: ed25519.Ed25519PublicKey | rsa.RSAPublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_ed25519_signature_verifies() -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    security, _ = make([ApiKey("ed-key", public_key_pem=_pem(private.public_key()), account="ed")])
    for payload in (ASCII_PAYLOAD, NON_ASCII_PAYLOAD):
        b64 = base64.b64encode(private.sign(payload.encode())).decode()
        encoded = quote(b64, safe="")
        assert verify(security, f"{payload}&signature={encoded}", key="ed-key") == "ed"
        assert verify(security, "", f"{payload}&signature={encoded}", key="ed-key") == "ed"


def test_ed25519_signature_over_another_payload_fails() -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    security, _ = make([ApiKey("ed-key", public_key_pem=_pem(private.public_key()))])
    b64 = base64.b64encode(private.sign(b"something else")).decode()
    assert error(security, f"{ASCII_PAYLOAD}&signature={quote(b64, safe='')}", key="ed-key").code == -1022
    assert error(security, f"{ASCII_PAYLOAD}&signature=%%%", key="ed-key").code == -1022
    other = ed25519.Ed25519PrivateKey.generate()
    b64 = base64.b64encode(other.sign(ASCII_PAYLOAD.encode())).decode()
    assert error(security, f"{ASCII_PAYLOAD}&signature={quote(b64, safe='')}", key="ed-key").code == -1022


def test_rsa_signature_verifies_and_must_be_percent_encoded(rsa_key: rsa.RSAPrivateKey) -> None:
    security, _ = make([ApiKey("rsa-key", public_key_pem=_pem(rsa_key.public_key()), account="rsa")])
    # Search for a signature whose base64 holds "+" and "/", the characters that need encoding.
    for n in range(64):
        payload = f"{ASCII_PAYLOAD}&newClientOrderId=n{n}"
        b64 = base64.b64encode(rsa_key.sign(payload.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
        if "+" in b64 and "/" in b64:
            break
    else:  # pragma: no cover - each try has ~0.99 chance
        pytest.fail("no signature with '+' and '/'")
    encoded = quote(b64, safe="")
    assert "%2B" in encoded and "%2F" in encoded
    assert verify(security, f"{payload}&signature={encoded}", key="rsa-key") == "rsa"
    # Sent without percent-encoding, "+" arrives as a space: not the signature.
    assert error(security, f"{payload}&signature={b64}", key="rsa-key").code == -1022


def test_rsa_signature_with_a_hmac_style_signature_fails(rsa_key: rsa.RSAPrivateKey) -> None:
    security, _ = make([ApiKey("rsa-key", public_key_pem=_pem(rsa_key.public_key()))])
    assert error(security, f"{ASCII_PAYLOAD}&signature={ASCII_SIGNATURE}", key="rsa-key").code == -1022


def test_unsupported_public_key_type_is_refused_at_start() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(ValueError, match="unsupported"):
        make([ApiKey("ec", public_key_pem=pem)])
    with pytest.raises(ValueError, match="neither"):
        make([ApiKey("nothing")])


# -- API keys ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, ""])
def test_missing_api_key(key: str | None) -> None:
    security, _ = make()
    err = error(security, f"{ASCII_PAYLOAD}&signature={ASCII_SIGNATURE}", key=key)
    assert (err.code, err.msg, err.status) == (-2014, "API-key format invalid.", 401)


def test_unknown_api_key() -> None:
    security, _ = make()
    err = error(security, f"{ASCII_PAYLOAD}&signature={ASCII_SIGNATURE}", key=API_KEY[::-1])
    assert (err.code, err.msg, err.status) == (-2015, "Invalid API-key, IP, or permissions for action.", 401)


def test_header_name_is_case_insensitive() -> None:
    security, _ = make()
    params = Params(f"{ASCII_PAYLOAD}&signature={ASCII_SIGNATURE}")
    query = f"{ASCII_PAYLOAD}&signature={ASCII_SIGNATURE}"
    assert security.verify("POST", query, "", {"x-mbx-apikey": API_KEY}, params) == "alice"
    assert security.api_key_for({"X-Mbx-Apikey": API_KEY}) == ApiKey(API_KEY, SECRET, account="alice")
    assert security.api_key_for({}) is None
    assert security.api_key_for({"X-MBX-APIKEY": "nope"}) is None


def test_key_without_trading_permission() -> None:
    security, _ = make([ApiKey(API_KEY, hmac_secret=SECRET, account="ro", can_trade=False)])
    query = f"{ASCII_PAYLOAD}&signature={ASCII_SIGNATURE}"
    assert error(security, query, kind="TRADE").code == -2015
    assert verify(security, query, kind="USER_DATA") == "ro"


def test_several_keys_map_to_their_accounts() -> None:
    keys = [ApiKey("k1", hmac_secret="s1", account="a1"), ApiKey("k2", hmac_secret="s2", account="a2")]
    security, _ = make(keys)
    assert verify(security, f"{ASCII_PAYLOAD}&signature={hmac_hex(ASCII_PAYLOAD, 's2')}", key="k2") == "a2"
    assert (
        error(security, f"{ASCII_PAYLOAD}&signature={hmac_hex(ASCII_PAYLOAD, 's2')}", key="k1").code == -1022
    )


def test_key_repr_does_not_leak_secrets() -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    pem = _pem(private.public_key())
    for api_key in (ApiKey(API_KEY, hmac_secret=SECRET), ApiKey(API_KEY, public_key_pem=pem)):
        text = repr(api_key) + str(api_key)
        assert API_KEY not in text and SECRET not in text and "BEGIN" not in text


# -- mandatory parameters ----------------------------------------------------------------------------


def test_missing_signature() -> None:
    security, _ = make()
    err = error(security, ASCII_PAYLOAD)
    assert (err.code, err.msg) == (
        -1102,
        "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
    )
    assert error(security, f"{ASCII_PAYLOAD}&signature=").code == -1102


def test_missing_timestamp() -> None:
    security, _ = make()
    payload = "symbol=LTCBTC&recvWindow=5000"
    err = error(security, signed(payload))
    assert (err.code, err.msg) == (
        -1102,
        "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.",
    )


def test_malformed_timestamp() -> None:
    security, _ = make()
    err = error(security, signed("symbol=LTCBTC&timestamp=12ab"))
    assert err.code == -1100
    assert err.msg == "Illegal characters found in parameter 'timestamp'; legal range is '^[0-9]{1,20}$'."


def test_malformed_recv_window() -> None:
    security, _ = make()
    err = error(security, signed(f"recvWindow=abc&timestamp={VECTOR_TS}"))
    assert err.code == -1100 and "'recvWindow'" in err.msg
    err = error(security, signed(f"recvWindow=5000.1234&timestamp={VECTOR_TS}"))
    assert (err.code, err.msg) == (-1111, "Parameter 'recvWindow' has too much precision.")


def test_duplicate_signature_is_refused_by_params() -> None:
    with pytest.raises(SimError) as info:
        Params(f"{ASCII_PAYLOAD}&signature=a&signature=b")
    assert info.value.code == -1101


# -- timing --------------------------------------------------------------------------------------------


def timed(security: Security, timestamp: int, recv_window: str | None = None) -> str:
    payload = f"symbol=LTCBTC&timestamp={timestamp}"
    if recv_window is not None:
        payload += f"&recvWindow={recv_window}"
    return verify(security, signed(payload))


def timed_error(security: Security, timestamp: int, recv_window: str | None = None) -> SimError:
    with pytest.raises(SimError) as info:
        timed(security, timestamp, recv_window)
    return info.value


AHEAD = "Timestamp for this request was 1000ms ahead of the server's time."
OUTSIDE = "Timestamp for this request is outside of the recvWindow."


def test_ahead_of_server_time() -> None:
    now = 1_700_000_000_000
    security, _ = make(now=now)
    assert timed(security, now + 999) == "alice"
    err = timed_error(security, now + 1000)
    assert (err.code, err.msg, err.status) == (-1021, AHEAD, 400)


def test_outside_recv_window_default_5000() -> None:
    now = 1_700_000_000_000
    security, _ = make(now=now)
    assert timed(security, now - 5000) == "alice"
    err = timed_error(security, now - 5001)
    assert (err.code, err.msg, err.status) == (-1021, OUTSIDE, 400)


def test_outside_explicit_recv_window() -> None:
    now = 1_700_000_000_000
    security, clock = make(now=now)
    assert timed(security, now - 100, "100") == "alice"
    assert timed_error(security, now - 101, "100").msg == OUTSIDE
    assert timed(security, now - 60000, "60000") == "alice"
    clock.advance(1)
    assert timed_error(security, now - 60000, "60000").msg == OUTSIDE


def test_recv_window_over_60000_refused() -> None:
    now = 1_700_000_000_000
    security, _ = make(now=now)
    err = timed_error(security, now, "60001")
    assert (err.code, err.msg, err.status) == (
        -1130,
        "Data sent for parameter 'recvWindow' is not valid.",
        400,
    )
    assert timed_error(security, now, "60000.001").code == -1130


def test_recv_window_with_decimals_and_microsecond_timestamps() -> None:
    now = 1_700_000_000_000
    security, _ = make(now=now)
    now_us = now * 1000
    assert timed(security, now_us) == "alice"
    assert timed(security, now_us + 999_999) == "alice"
    assert timed_error(security, now_us + 1_000_000).msg == AHEAD
    assert timed(security, now_us - 5_000_000) == "alice"
    assert timed_error(security, now_us - 5_000_001).msg == OUTSIDE
    # recvWindow with 3 decimals: microsecond precision.
    assert timed(security, now_us - 6_000_346, "6000.346") == "alice"
    assert timed_error(security, now_us - 6_000_347, "6000.346").msg == OUTSIDE


def test_timing_is_checked_after_the_signature() -> None:
    security, clock = make(now=VECTOR_TS)
    clock.advance(10_000_000)
    # A bad signature on a stale request: the signature error wins.
    assert error(security, f"{ASCII_PAYLOAD}&signature={'0' * 64}").code == -1022
    assert error(security, f"{ASCII_PAYLOAD}&signature={ASCII_SIGNATURE}").msg == OUTSIDE
