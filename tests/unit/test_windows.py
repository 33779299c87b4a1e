"""The window arithmetic as plain functions: no event loop, no limiter (`binance_async._windows`)."""

from __future__ import annotations

import pytest

from binance_async._limits import Admission, RateLimiter, ServerCount
from binance_async._windows import ORDERS, RAW, WEIGHT, Window, WindowSpec, shift_counts

MINUTE = WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 6000)
SECOND_100 = WindowSpec("REQUEST_WEIGHT", "SECOND", 1, 100)
BASE_MS = 1_700_006_400_000  # on a UTC day boundary


def test_kinds_are_named_indices() -> None:
    assert (WEIGHT, RAW, ORDERS) == (0, 1, 2)
    assert Window(MINUTE, 0).kind == WEIGHT
    assert Window(WindowSpec("RAW_REQUESTS", "MINUTE", 5, 300_000), 0).kind == RAW
    assert Window(WindowSpec("ORDERS", "SECOND", 10, 50), 0).kind == ORDERS


@pytest.mark.parametrize(
    ("counts", "delta", "expected"),
    [
        ({10: 5}, 0, {10: 5}),
        ({10: 5}, -600_000, {0: 5}),  # ten minutes back, on the boundary: one window
        ({10: 5}, 30_000, {10: 5, 11: 5}),  # half a window: both windows it now overlaps
        ({10: 5, 11: 2}, 30_000, {10: 5, 11: 7, 12: 2}),
        ({10: 5}, 60_000, {11: 5}),
    ],
)
def test_shift_counts_moves_each_count_to_every_window_it_now_overlaps(
    counts: dict[int, int], delta: int, expected: dict[int, int]
) -> None:
    assert shift_counts(counts, 60_000, delta) == expected


def test_a_window_blocks_until_the_boundary_plus_its_margin() -> None:
    window = Window(SECOND_100, margin_ms=50)
    now = BASE_MS + 300
    index = now // 1000
    window.counts[index] = 100
    assert window.blocked_for_ms(now, 1) == 1000 - 300 + 50 + 1
    assert window.blocked_for_ms(now, 0) == 0  # nothing to count in this window
    window.counts[index] = 99
    assert window.blocked_for_ms(now, 1) == 0


def test_the_ramp_applies_from_its_first_window_on() -> None:
    window = Window(SECOND_100, margin_ms=0, burst=0.5)
    now = BASE_MS + 100
    window.counts[now // 1000] = 50
    assert window.ramped(now) and window.blocked_for_ms(now, 1) > 0
    window.ramp_from = now // 1000 + 1  # turned on mid-window: from the next one
    assert not window.ramped(now) and window.blocked_for_ms(now, 1) == 0
    assert window.allowance(BASE_MS + 1000) == (50, BASE_MS + 1000 + 10)  # looked at again each step


def test_a_websocket_rate_limits_answer_feeds_the_same_limiter() -> None:
    limiter = RateLimiter([MINUTE], now_ms=lambda: BASE_MS + 100, burst=1.0, margin_ms=0)
    admission = limiter.try_acquire(4)
    assert admission is not None
    limiter.observe([ServerCount("REQUEST_WEIGHT", "MINUTE", 1, 4000)], admission)
    assert limiter.state()[0].used == 4000
    limiter.observe([ServerCount("REQUEST_WEIGHT", "MINUTE", 1, 10**9)], admission)  # absurd: ignored
    limiter.observe([ServerCount("ORDERS", "SECOND", 10, 7)], admission)  # no such window here
    assert limiter.state()[0].used == 4000 and limiter.ignored_counts == 1


def test_an_admission_carries_what_reconcile_needs() -> None:
    limiter = RateLimiter([MINUTE], now_ms=lambda: BASE_MS + 100, burst=1.0)
    first = limiter.try_acquire(5, orders=1)
    second = limiter.try_acquire(3)
    assert first == Admission(BASE_MS + 100, 1, 5, 1)
    assert second == Admission(BASE_MS + 100, 0, 8, 1)
