"""What an import costs: ``import binance_async`` and the pytest plugin load nothing heavy, a REST
client needs neither the OAuth client nor cryptography, and HMAC signing works without cryptography.

Each check runs in a fresh interpreter, so that modules this test run already imported do not count.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from binance_async._signing import load_signer

_HEAVY = (
    "aiohttp",
    "aiohttp.web",
    "aiolimiter",
    "msgspec",
    "cryptography",
    "binance_async.spot",
    "binance_async.oauth",
    "binance_async.sim.app",
)


# Binance's documented example of a signed request (the key and query of the Spot API's guide).
_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
_QUERY = (
    b"symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000"
    b"&timestamp=1499827319559"
)
_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"


def _loaded_after(code: str) -> list[str]:
    """Which of `_HEAVY` are in sys.modules after running `code` in a fresh interpreter."""
    script = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {_HEAVY!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def test_import_binance_async_loads_nothing_heavy() -> None:
    assert _loaded_after("import binance_async") == []


def test_the_pytest_plugin_loads_nothing_heavy_until_the_fixture_is_used() -> None:
    # pytest imports it in every run of a project that has binance-async installed.
    assert _loaded_after("import binance_async.sim.testing") == []
    assert _loaded_after("from binance_async.sim import SimConfig, SimClock") == []


def test_a_rest_client_needs_neither_the_oauth_client_nor_cryptography() -> None:
    code = (
        f"SECRET, QUERY, SIGNATURE = {_SECRET!r}, {_QUERY!r}, {_SIGNATURE!r}\n"
        + """
import asyncio
from binance_async import SpotClient, ExecutionStatusUnknown, RateLimiter, RetryPolicy
from binance_async._signing import HmacSigner

async def main():
    async with SpotClient("key", SECRET, limiter=RateLimiter(), retry=RetryPolicy()) as client:
        signer = client._pipeline.signer
        assert isinstance(signer, HmacSigner), signer
        assert signer.sign(QUERY) == SIGNATURE, "wrong signature"

asyncio.run(main())
"""
    )
    assert _loaded_after(code) == ["aiohttp", "aiolimiter", "msgspec", "binance_async.spot"]


@pytest.mark.parametrize("name", ["OAuthClient", "SpotClient", "RateLimiter", "Transport"])
def test_lazy_names_load_on_first_use(name: str) -> None:
    loaded = _loaded_after(f"import binance_async\nbinance_async.{name}")
    assert "cryptography" not in loaded
    assert ("binance_async.oauth" in loaded) is (name == "OAuthClient")


def test_the_test_seam_needs_no_client_server_or_cryptography() -> None:
    assert _loaded_after("import binance_async.testing") == ["aiohttp"]


def test_hmac_signing_matches_binances_documented_example() -> None:
    signer = load_signer(api_secret=_SECRET)
    assert signer is not None
    assert signer.sign(_QUERY) == _SIGNATURE
