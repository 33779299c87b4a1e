"""Stream settings: `StreamConfig` validation, the connection-attempt budget (`AttemptBudget`), and the
stream URLs that go with each REST host (``binance_async._urls``)."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import time
from typing import Any

import pytest

from binance_async import _urls
from binance_async._urls import DEMO, MAINNET, MARKET_DATA, TESTNET, check_stream_url, stream_url_for
from binance_async.errors import InvalidRequestError, ParameterError
from binance_async.streams._budget import AttemptBudget
from binance_async.streams.config import StreamConfig


def make_config(**options: Any) -> StreamConfig:
    """`StreamConfig` given the options by name (as a test parametrized by field name has them)."""
    return StreamConfig(**options)


# -- StreamConfig ----------------------------------------------------------------------------------------

POSITIVE = (
    "silence_timeout",
    "max_lifetime",
    "backoff_cap",
    "control_rate",
    "control_timeout",
    "attempts_period",
)


def test_the_defaults_are_binances_limits() -> None:
    config = StreamConfig()
    assert config.max_streams_per_connection == 1024
    assert (config.connect_attempts, config.attempts_period) == (300, 300.0)
    assert config.max_lifetime < 24 * 3600 and config.control_rate < 5
    assert config.overflow == "drop_oldest"


def test_a_config_is_frozen() -> None:
    config = StreamConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.queue_size = 5  # type: ignore[misc]


@pytest.mark.parametrize("name", POSITIVE)
@pytest.mark.parametrize("value", [0, -1, -0.5, math.nan, True, "10", None], ids=repr)
def test_times_and_rates_must_be_positive_numbers(name: str, value: Any) -> None:
    with pytest.raises(ParameterError, match=rf"StreamConfig\.{name}\b"):
        make_config(**{name: value})


@pytest.mark.parametrize("name", POSITIVE)
def test_any_positive_time_or_rate_is_accepted(name: str) -> None:
    settings = make_config(backoff_base=0, **{name: 0.001})  # backoff_cap may not be below backoff_base
    assert getattr(settings, name) == 0.001
    assert getattr(make_config(**{name: 70}), name) == 70


@pytest.mark.parametrize(
    ("base", "cap"), [(-0.1, 30.0), (31.0, 30.0), (math.nan, 30.0), (2.0, 1.0)], ids=repr
)
def test_backoff_base_must_lie_between_zero_and_the_cap(base: float, cap: float) -> None:
    with pytest.raises(ParameterError, match=r"StreamConfig\.backoff_base\b"):
        StreamConfig(backoff_base=base, backoff_cap=cap)


@pytest.mark.parametrize(("base", "cap"), [(0, 30.0), (0.5, 0.5), (1.0, 2.0)], ids=repr)
def test_backoff_base_from_zero_up_to_the_cap_is_accepted(base: float, cap: float) -> None:
    config = StreamConfig(backoff_base=base, backoff_cap=cap)
    assert (config.backoff_base, config.backoff_cap) == (base, cap)


@pytest.mark.parametrize("value", [0, -1, 1025, 5000])
def test_streams_per_connection_are_1_to_1024(value: int) -> None:
    with pytest.raises(ParameterError, match=r"StreamConfig\.max_streams_per_connection\b"):
        StreamConfig(max_streams_per_connection=value)


@pytest.mark.parametrize("value", [1, 1024])
def test_the_bounds_of_streams_per_connection_are_accepted(value: int) -> None:
    assert StreamConfig(max_streams_per_connection=value).max_streams_per_connection == value


@pytest.mark.parametrize("name", ["connect_attempts", "queue_size", "buffer_size"])
@pytest.mark.parametrize("value", [0, -5])
def test_counts_must_be_at_least_one(name: str, value: int) -> None:
    with pytest.raises(ParameterError, match=rf"StreamConfig\.{name}\b"):
        make_config(**{name: value})
    assert getattr(make_config(**{name: 1}), name) == 1


@pytest.mark.parametrize("value", ["drop_newest", "DROP_OLDEST", "", None])
def test_overflow_must_be_one_of_the_three_policies(value: Any) -> None:
    with pytest.raises(ParameterError, match=r"StreamConfig\.overflow\b"):
        StreamConfig(overflow=value)


@pytest.mark.parametrize("value", ["drop_oldest", "raise", "block"])
def test_each_overflow_policy_is_accepted(value: Any) -> None:
    assert StreamConfig(overflow=value).overflow == value


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("queue_size", "10"),
        ("buffer_size", 2.5),
        ("connect_attempts", True),
        ("max_streams_per_connection", 1.5),
        ("backoff_base", "0.5"),
    ],
    ids=repr,
)
def test_a_value_of_the_wrong_type_is_a_parameter_error_naming_the_field(name: str, value: Any) -> None:
    with pytest.raises(ParameterError, match=rf"StreamConfig\.{name}\b"):
        make_config(**{name: value})


def test_backoff_base_may_be_zero() -> None:
    assert StreamConfig(backoff_base=0).backoff_base == 0


@pytest.mark.parametrize("value", [-1.0, math.nan, "5"], ids=repr)
def test_backoff_base_must_be_a_number_of_seconds_not_below_zero(value: Any) -> None:
    with pytest.raises(ParameterError, match=r"StreamConfig\.backoff_base\b"):
        StreamConfig(backoff_base=value)


# -- AttemptBudget -------------------------------------------------------------------------------------


class FakeTime:
    """A clock for the budget, and an `asyncio.sleep` that moves it on (and yields once, for real)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._sleep = asyncio.sleep

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        self.now += delay
        await self._sleep(0)


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(asyncio, "sleep", fake.sleep)  # what _budget calls
    return fake


async def test_the_budget_admits_limit_attempts_at_once_then_waits_out_the_period(
    fake_time: FakeTime,
) -> None:
    budget = AttemptBudget(3, 10.0, clock=fake_time)
    for _ in range(3):
        await budget.acquire()
    assert fake_time.sleeps == [] and fake_time.now == 0
    assert budget.attempts == 3 and budget.waits == 0 and budget.used() == 3
    await budget.acquire()
    assert fake_time.now == pytest.approx(10.0)  # until the first attempt left the window
    assert budget.attempts == 4 and budget.waits == 1


async def test_the_window_slides(fake_time: FakeTime) -> None:
    budget = AttemptBudget(2, 10.0, clock=fake_time)
    await budget.acquire()  # t = 0
    fake_time.now = 6.0
    await budget.acquire()  # t = 6
    fake_time.now = 8.0
    await budget.acquire()  # waits for t = 0 to leave: t = 10
    assert fake_time.now == pytest.approx(10.0)
    await budget.acquire()  # waits for t = 6 to leave: t = 16
    assert fake_time.now == pytest.approx(16.0)
    assert budget.waits == 2 and budget.attempts == 4
    assert fake_time.sleeps == pytest.approx([2.0, 6.0])


async def test_attempts_spread_out_never_wait(fake_time: FakeTime) -> None:
    budget = AttemptBudget(2, 10.0, clock=fake_time)
    for step in range(6):
        fake_time.now = step * 5.0
        await budget.acquire()
    assert budget.waits == 0 and budget.attempts == 6 and fake_time.sleeps == []


async def test_used_counts_the_attempts_within_the_period(fake_time: FakeTime) -> None:
    budget = AttemptBudget(5, 10.0, clock=fake_time)
    assert budget.used() == 0
    await budget.acquire()
    fake_time.now = 4.0
    await budget.acquire()
    assert budget.used() == 2
    fake_time.now = 10.0
    assert budget.used() == 1  # the attempt at t = 0 is out
    fake_time.now = 14.0
    assert budget.used() == 0


async def test_waiting_attempts_are_admitted_first_come_first_served(fake_time: FakeTime) -> None:
    budget = AttemptBudget(1, 5.0, clock=fake_time)
    admitted: list[tuple[int, float]] = []

    async def attempt(number: int) -> None:
        await budget.acquire()
        admitted.append((number, fake_time.now))

    await asyncio.wait_for(asyncio.gather(*(attempt(n) for n in range(5))), 5)
    assert [number for number, _ in admitted] == [0, 1, 2, 3, 4]
    assert [at for _, at in admitted] == pytest.approx([0.0, 5.0, 10.0, 15.0, 20.0])
    assert budget.waits == 4 and budget.attempts == 5


async def test_the_budget_waits_on_the_real_clock_too() -> None:
    budget = AttemptBudget(1, 0.05)
    started = time.monotonic()
    await budget.acquire()
    await asyncio.wait_for(budget.acquire(), 2)
    assert time.monotonic() - started >= 0.05  # the second attempt left a whole period after the first
    assert budget.waits == 1 and budget.attempts == 2


# -- stream URLs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "stream_url"),
    [
        (MAINNET, "wss://stream.binance.com:9443"),
        ("https://api.binance.com/", "wss://stream.binance.com:9443"),
        (TESTNET, "wss://stream.testnet.binance.vision"),
        (DEMO, "wss://demo-stream.binance.com"),
        (MARKET_DATA, "wss://data-stream.binance.vision"),
    ],
)
def test_binance_hosts_have_their_documented_stream_hosts(base_url: str, stream_url: str) -> None:
    assert stream_url_for(base_url) == stream_url


def test_the_host_constants_are_binances() -> None:
    assert (_urls.MAINNET, _urls.TESTNET, _urls.DEMO, _urls.MARKET_DATA) == (
        "https://api.binance.com",
        "https://testnet.binance.vision",
        "https://demo-api.binance.com",
        "https://data-api.binance.vision",
    )


@pytest.mark.parametrize(
    ("base_url", "stream_url"),
    [
        ("http://127.0.0.1:8080", "ws://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/", "ws://127.0.0.1:8080"),
        ("http://localhost:5000", "ws://localhost:5000"),
        ("http://127.5.6.7:81", "ws://127.5.6.7:81"),
        ("http://[::1]:9000", "ws://[::1]:9000"),
        ("http://localhost", "ws://localhost"),
    ],
)
def test_a_loopback_http_host_streams_over_ws_on_the_same_host_and_port(
    base_url: str, stream_url: str
) -> None:
    assert stream_url_for(base_url) == stream_url


@pytest.mark.parametrize(
    "base_url",
    [
        "https://example.com",
        "https://proxy.example.com:8443",
        "https://127.0.0.1:8443",  # https on loopback: not the simulator's plain pair
        "http://example.com",
        "http://10.0.0.1:8080",
        "http://localhost.example.com",
    ],
)
def test_other_hosts_have_no_known_stream_url(base_url: str) -> None:
    assert stream_url_for(base_url) is None


@pytest.mark.parametrize(
    ("url", "checked"),
    [
        ("wss://stream.binance.com:9443", "wss://stream.binance.com:9443"),
        ("wss://stream.binance.com:9443/", "wss://stream.binance.com:9443"),
        ("wss://proxy.example.com/binance", "wss://proxy.example.com/binance"),
        ("ws://127.0.0.1:9000", "ws://127.0.0.1:9000"),
        ("ws://127.200.0.1:9000/", "ws://127.200.0.1:9000"),
        ("ws://localhost:9000", "ws://localhost:9000"),
        ("ws://[::1]:9000", "ws://[::1]:9000"),
    ],
)
def test_a_wss_url_or_a_loopback_ws_url_is_accepted(url: str, checked: str) -> None:
    assert check_stream_url(url) == checked


@pytest.mark.parametrize(
    "url",
    [
        "ws://stream.binance.com:9443",
        "ws://10.0.0.1:9000",
        "ws://0.0.0.0:9000",
        "ws://localhost.example.com",
        "ws://[::2]:9000",
    ],
)
def test_plain_ws_is_refused_for_a_host_that_is_not_loopback(url: str) -> None:
    with pytest.raises(InvalidRequestError, match="loopback"):
        check_stream_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "wss://stream.binance.com:9443?streams=btcusdt@trade",
        "wss://stream.binance.com:9443/stream?x=1",
        "wss://stream.binance.com:9443#top",
        "ws://127.0.0.1:9000/?a=b",
    ],
)
def test_a_query_or_fragment_is_refused(url: str) -> None:
    with pytest.raises(InvalidRequestError, match="query or fragment"):
        check_stream_url(url)


@pytest.mark.parametrize(
    "url",
    ["https://stream.binance.com", "http://127.0.0.1:9000", "stream.binance.com:9443", "wss://", ""],
)
def test_a_url_that_is_not_ws_or_wss_with_a_host_is_refused(url: str) -> None:
    with pytest.raises(InvalidRequestError, match="stream_url"):
        check_stream_url(url)
