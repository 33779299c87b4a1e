"""SpotClient itself (`binance_async.spot.client`): ``request`` (the escape hatch to any endpoint), its
construction rules, its life cycle and its public names."""

from __future__ import annotations

import warnings

import pytest

import binance_async
from binance_async import (
    DEMO,
    MAINNET,
    MARKET_DATA,
    TESTNET,
    BinanceError,
    InvalidRequestError,
    SpotClient,
)
from binance_async.spot.models import Depth
from binance_async.testing import MockTransport, Router
from tests.unit.helpers import BASE, KEY, SECRET

# -- request: any endpoint through the same pipeline --------------------------------------------------


async def test_escape_hatch_returns_decoded_json(router: Router, transport: MockTransport) -> None:
    router.get("/api/v3/somethingNew", json={"a": [1, "2"]})
    async with SpotClient(transport=transport) as client:
        assert await client.request("get", "/api/v3/somethingNew", {"x": 1}) == {"a": [1, "2"]}
        used = next(s.used for s in client.limiter.state() if s.limit_type == "REQUEST_WEIGHT")
    assert used == 1


# -- construction and life cycle -------------------------------------------------------------------------


def test_base_url_constants() -> None:
    assert MAINNET == "https://api.binance.com"
    assert TESTNET == "https://testnet.binance.vision"
    assert DEMO == "https://demo-api.binance.com"
    assert MARKET_DATA == "https://data-api.binance.vision"
    assert SpotClient().base_url == MAINNET


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://127.8.9.10", "http://localhost:1234/", "http://[::1]:8080"]
)
def test_plain_http_is_allowed_for_loopback(url: str) -> None:
    assert SpotClient(base_url=url).base_url == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://api.binance.com",
        "http://10.0.0.1",
        "http://localhost.evil.com",
        "ftp://127.0.0.1",
        "api.binance",
    ],
)
def test_other_plain_or_odd_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidRequestError):
        SpotClient(base_url=url)


def test_bad_settings_are_refused_at_creation() -> None:
    with pytest.raises(InvalidRequestError):
        SpotClient(recv_window=60_001)
    with pytest.raises(InvalidRequestError):
        SpotClient(api_secret="x", private_key="y")
    with pytest.raises(BinanceError):
        SpotClient(private_key="not a key")


def test_created_outside_any_event_loop() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client = SpotClient(api_key=KEY, api_secret=SECRET)
    assert "vmPUZE" not in repr(client) and SECRET not in repr(client)
    assert repr(client) == "SpotClient(base_url='https://api.binance.com', api_key=<set>, signer=HMAC)"


def test_public_names() -> None:
    assert issubclass(binance_async.BinanceAPIError, BinanceError)
    assert binance_async.SpotClient is SpotClient
    assert Depth.__module__ == "binance_async.spot.models.market"
    assert binance_async.spot.models.Depth is Depth
    assert BASE == MAINNET
