"""The limiter under a clock that jumps, absurd server counts and Retry-After, waits that outlast a
call's timeout, and a lone process that must never be held back (issue 12)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Coroutine
from typing import Any

import pytest

from binance_async import IPBanWaitError, RateLimitWaitError
from binance_async._limits import MAX_PAUSE_SECONDS, Admission, RateLimiter, WindowSpec
from binance_async.errors import parse_retry_after

from .test_limits import BASE_MS, SECOND_MS, W10, ManualClock, VirtualTime, finish, used, vt

__all__ = ["vt"]  # the fixture, used by name

W100 = WindowSpec("REQUEST_WEIGHT", "SECOND", 1, 100)
MINUTE = WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 6000)


def admit_all(limiter: RateLimiter, weight: int) -> int:
    total = 0
    while limiter.try_acquire(weight) is not None:
        total += weight
    return total


class ShiftingClock:
    """A server clock on virtual loop time whose reading can jump (a sync, an NTP step)."""

    def __init__(self, vt: VirtualTime, start_ms: int) -> None:
        self.base = vt.clock(start_ms)
        self.shift_ms = 0

    def __call__(self) -> int:
        return self.base() + self.shift_ms


# -- a lone process is never held back while under the limit ---------------------------------------------


def test_a_lone_process_sends_its_whole_window_at_once() -> None:
    limiter = RateLimiter([MINUTE], now_ms=ManualClock(BASE_MS + 100), margin_ms=0)
    assert not limiter.ramping
    assert admit_all(limiter, 6) == 6000  # 1000 requests worth 6000, none held back


def test_a_server_count_above_our_own_turns_the_ramp_on() -> None:
    clock = ManualClock(BASE_MS + 100)
    limiter = RateLimiter([W100], now_ms=clock, margin_ms=0)
    sent = limiter.try_acquire(1)
    assert sent is not None
    limiter.reconcile({"X-MBX-USED-WEIGHT-1S": "1"}, sent)  # only ours: no evidence
    assert not limiter.ramping
    limiter.reconcile({"X-MBX-USED-WEIGHT-1S": "30"}, sent)  # someone else sends on this IP
    assert limiter.ramping
    clock.now_ms = BASE_MS + SECOND_MS  # the next window opens with half
    assert admit_all(limiter, 1) == 50


def test_a_share_below_one_ramps_from_the_start() -> None:
    limiter = RateLimiter([W100], now_ms=ManualClock(BASE_MS), margin_ms=0, share=0.5)
    assert limiter.ramping
    assert admit_all(limiter, 1) == 25  # half of its half


def test_an_explicit_burst_of_one_never_ramps() -> None:
    limiter = RateLimiter([W100], now_ms=ManualClock(BASE_MS + 100), margin_ms=0, burst=1.0)
    sent = limiter.try_acquire(1)
    assert sent is not None
    limiter.reconcile({"X-MBX-USED-WEIGHT-1S": "60"}, sent)
    assert not limiter.ramping


# -- absurd server counts are ignored ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["1e26", "-5", "100000000000000000000000000", "60001", "٣٣", "²", "+7", " 7", "nan", ""]
)
def test_an_absurd_server_count_is_not_adopted(value: str) -> None:
    limiter = RateLimiter([MINUTE], now_ms=ManualClock(BASE_MS + 100), margin_ms=0)
    sent = limiter.try_acquire(1)
    assert sent is not None
    limiter.reconcile({"X-MBX-USED-WEIGHT-1M": value}, sent)
    assert used(limiter) == 1
    assert limiter.adopted_counts == 0
    assert admit_all(limiter, 1) == 5999


def test_a_plausible_count_above_the_limit_is_still_adopted() -> None:
    limiter = RateLimiter([MINUTE], now_ms=ManualClock(BASE_MS + 100), margin_ms=0)
    sent = limiter.try_acquire(1)
    assert sent is not None
    limiter.reconcile({"X-MBX-USED-WEIGHT-1M": "6100"}, sent)
    assert used(limiter) == 6100 and limiter.try_acquire(1) is None


# -- the clock moves ---------------------------------------------------------------------------------------


async def test_a_clock_moving_back_does_not_stall_the_limiter(vt: VirtualTime) -> None:
    clock = ShiftingClock(vt, BASE_MS + 100)
    limiter = RateLimiter([W10], now_ms=clock, margin_ms=0, smooth=False)
    assert admit_all(limiter, 1) == 10
    clock.shift_ms = -600_000  # a first sync when the local clock was ahead, or an NTP step
    start = vt.time()
    await finish([asyncio_task(limiter.acquire(1))], timeout=3600.0)
    waited = vt.time() - start
    # The ten requests just sent count in the window that is now current: at most one window's wait.
    assert waited <= 1.0, f"waited {waited:.1f} s"
    assert limiter.rebases == 1


async def test_a_sync_that_moves_the_clock_back_rebases_the_counts(vt: VirtualTime) -> None:
    clock = ShiftingClock(vt, BASE_MS + 100)
    limiter = RateLimiter([W10], now_ms=clock, margin_ms=0, smooth=False)
    assert admit_all(limiter, 1) == 10
    clock.shift_ms = -600_000
    limiter.rebase(-600_000)  # what the server clock tells the limiter
    assert used(limiter) == 10  # the same requests, in the window that is now current
    assert limiter.try_acquire(1) is None  # still full: moving the clock does not forget them
    start = vt.time()
    await finish([asyncio_task(limiter.acquire(1))])
    assert vt.time() - start <= 1.0
    assert limiter.rebases == 1  # the explicit rebase only: no second one from the backward step


def test_a_forward_jump_keeps_the_counts_in_the_window_they_were_sent_in() -> None:
    clock = ManualClock(BASE_MS + 55_000)  # 55 s into a minute by a clock that is 30 s behind
    limiter = RateLimiter([MINUTE], now_ms=clock, margin_ms=0)
    assert admit_all(limiter, 10) == 6000
    clock.now_ms += 30_000
    limiter.rebase(30_000)  # those requests were sent 25 s into the next minute
    assert limiter.try_acquire(10) is None


def test_a_rebase_moves_a_pause_with_the_clock() -> None:
    clock = ManualClock(BASE_MS)
    limiter = RateLimiter([W10], now_ms=clock)
    limiter.pause(5.0)
    clock.now_ms -= 600_000
    limiter.rebase(-600_000)
    assert limiter.paused_for() == pytest.approx(5.0, abs=0.01)


# -- pauses and waits have a ceiling and respect the call's timeout ---------------------------------------


@pytest.mark.parametrize("seconds", [math.inf, 1e12, 999_999_999.0])
def test_a_pause_is_capped_at_the_longest_ban(seconds: float) -> None:
    limiter = RateLimiter([W10], now_ms=ManualClock(BASE_MS))
    limiter.pause(seconds, 418)
    assert limiter.paused_for() <= MAX_PAUSE_SECONDS + 0.01


@pytest.mark.parametrize("seconds", [math.nan, -5.0])
def test_a_pause_of_nan_or_negative_seconds_pauses_nothing(seconds: float) -> None:
    limiter = RateLimiter([W10], now_ms=ManualClock(BASE_MS))
    limiter.pause(seconds)
    assert limiter.paused_for() <= 0.01


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7.0),
        ("0.3", 0.3),
        ("999999999", 3 * 24 * 3600.0),
        ("inf", None),
        ("-5", None),
        ("nan", None),
        ("1e9", None),
        ("٣", None),
        ("+3", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", None),
        ("", None),
    ],
)
def test_retry_after_is_parsed_strictly(header: str, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


async def test_a_pause_longer_than_the_timeout_raises_at_once(vt: VirtualTime) -> None:
    limiter = RateLimiter([W10], now_ms=vt.clock(BASE_MS))
    limiter.pause(3 * 24 * 3600.0, 418)
    start = vt.time()
    with pytest.raises(IPBanWaitError) as info:
        await limiter.acquire(1, timeout=10.0)
    assert vt.time() - start < 0.01
    assert info.value.retry_after == pytest.approx(3 * 24 * 3600.0, abs=1.0)
    assert info.value.status == 418
    limiter.pause(0.0)
    limiter2 = RateLimiter([W10], now_ms=vt.clock(BASE_MS))
    limiter2.pause(100.0, 429)
    with pytest.raises(RateLimitWaitError) as info2:
        await limiter2.acquire(1, timeout=10.0)
    assert info2.value.status == 429 and info2.value.retry_after == pytest.approx(100.0, abs=0.1)


async def test_a_queue_wait_longer_than_the_timeout_raises_and_charges_nothing(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS)
    limiter = RateLimiter([WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 10)], now_ms=clock, margin_ms=0)
    assert admit_all(limiter, 1) == 10
    start = vt.time()
    with pytest.raises(RateLimitWaitError) as info:
        await limiter.acquire(1, timeout=2.0)
    assert vt.time() - start < 0.01  # the wait is known to outlast the timeout: raised at once
    assert info.value.status == 0 and info.value.retry_after is not None
    assert used(limiter) == 10
    assert (await limiter.acquire(1, timeout=120.0)).at_ms >= BASE_MS + 60_000  # still served later


def asyncio_task(coro: Coroutine[Any, Any, Admission]) -> asyncio.Task[Admission]:
    return asyncio.ensure_future(coro)
