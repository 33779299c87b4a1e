"""The rate limiter (``binance_async._limits``): fixed windows, margin, FIFO, pause, reconcile, configure.

Most tests that wait run on *virtual* event-loop time (the `vt` fixture): whenever the loop would
block in ``select``, the loop clock jumps to the next timer instead, so minutes of Binance time pass
in microseconds and every admission time is exact and reproducible. The limiter's server clock
follows that loop clock (``now_ms = start_ms + elapsed loop ms``), with `BASE_MS` on a UTC day
boundary so the test knows where every window boundary falls. A few tests run on the real loop
clock with one-second windows, as a check that nothing depends on the virtual clock; they assert
behaviour (counts, order, which window), never speed.
"""

from __future__ import annotations

import asyncio
import contextvars
import selectors
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Mapping
from types import SimpleNamespace
from typing import Any, TypeVar

import pytest
from multidict import CIMultiDict

from binance_async._limits import (
    DEFAULT_LIMITS,
    Admission,
    RateLimiter,
    WindowSpec,
    WindowState,
    parse_rate_limits,
)
from binance_async.errors import InvalidRequestError, RequestTooHeavyError
from binance_async.spot.models import RateLimit

T = TypeVar("T")
Clock = Callable[[], int]
Events = list[tuple[selectors.SelectorKey, int]]

SECOND_MS = 1000
MINUTE_MS = 60_000
DAY_MS = 86_400_000
#: A server time on a UTC day boundary (so also on every 1 s, 10 s, 1 min and 5 min boundary).
BASE_MS = 1_700_006_400_000
assert BASE_MS % DAY_MS == 0

W10 = WindowSpec("REQUEST_WEIGHT", "SECOND", 1, 10)  # the small window most tests use
MAX_LOOP_ITERATIONS = 200_000  # far beyond any test here; guards against a spinning loop
TICK = 1e-6  # virtual seconds per pass of the event loop


# -- virtual event-loop time ---------------------------------------------------------------------------------


class VirtualTime:
    """Loop time that jumps to the next timer instead of blocking; counts loop passes and timers."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.now = loop.time()
        self.iterations = 0  # one per pass of the event loop (one `select` call each)
        self.timers = 0  # every call_at / call_later
        self._select: Callable[[float | None], Events] = loop._selector.select  # type: ignore[attr-defined]
        self._call_at = loop.call_at

    def time(self) -> float:
        return self.now

    def select(self, timeout: float | None = None) -> Events:
        self.iterations += 1
        if self.iterations > MAX_LOOP_ITERATIONS:
            raise RuntimeError("the event loop is spinning: is something polling?")
        if timeout is None:  # nothing scheduled: only another thread could wake the loop
            events = self._select(5.0)
            if not events:
                raise RuntimeError("deadlock: nothing is ready and no timer is scheduled")
            return events
        # Time passes while the loop works, too (a microsecond a pass): without that, a timer set
        # a fraction of a float ulp ahead (aiolimiter can do that) would fire again and again.
        self.now += max(timeout, TICK)
        return self._select(0)

    def call_at(
        self,
        when: float,
        callback: Callable[..., object],
        *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.TimerHandle:
        self.timers += 1
        return self._call_at(when, callback, *args, context=context)

    def clock(self, start_ms: int) -> Clock:
        """A server clock reading `start_ms` now and following the (virtual) loop clock."""
        origin = self.now

        def now_ms() -> int:
            return start_ms + round((self.now - origin) * 1000)

        return now_ms


@pytest.fixture
async def vt() -> AsyncIterator[VirtualTime]:
    loop = asyncio.get_running_loop()
    virtual = VirtualTime(loop)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loop, "time", virtual.time)
        patch.setattr(loop._selector, "select", virtual.select)  # type: ignore[attr-defined]
        patch.setattr(loop, "call_at", virtual.call_at)
        yield virtual


def real_clock(start_ms: int) -> Clock:
    """A server clock reading `start_ms` now and following the real loop clock."""
    loop = asyncio.get_running_loop()
    base_ms = start_ms - int(loop.time() * 1000)
    return lambda: int(base_ms + loop.time() * 1000)


class ManualClock:
    """A server clock that moves only when told (for tests that never wait)."""

    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms


# -- helpers -------------------------------------------------------------------------------------------------


def at_ms(admission: Admission | None) -> int | None:
    """When a request was admitted (server ms), or None if it was not."""
    return None if admission is None else admission.at_ms


def run_now(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to its end without giving it a chance to suspend; fail if it tries to."""
    try:
        coro.send(None)
    except StopIteration as stop:
        result: T = stop.value
        return result
    coro.close()
    raise AssertionError("the coroutine suspended: it did not take the fast path")


async def spin(times: int = 20) -> None:
    """Let every ready task run a few steps (no loop time passes)."""
    for _ in range(times):
        await asyncio.sleep(0)


async def sleep_until(clock: Clock, at_ms: int) -> None:
    delay_ms = at_ms - clock()
    assert delay_ms >= 0, f"already {-delay_ms} ms past {at_ms}"
    await asyncio.sleep(delay_ms / 1000)


async def finish(tasks: Iterable[asyncio.Task[T]], timeout: float = 3600.0) -> list[T]:
    """Every task's result (a timeout turns a hang into a failure; on virtual time it costs nothing)."""
    return await asyncio.wait_for(asyncio.gather(*tasks), timeout)


def used(limiter: RateLimiter, limit_type: str = "REQUEST_WEIGHT", length_ms: int | None = None) -> int:
    """`state().used` of the one window of that type (and length)."""
    found = [
        s
        for s in limiter.state()
        if s.limit_type == limit_type and (length_ms is None or WindowSpec(*s[:4]).length_ms == length_ms)
    ]
    assert len(found) == 1, found
    return found[0].used


class Admissions:
    """Starts acquire() tasks and records (tag, weight, server ms returned) in order of admission."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter
        self.log: list[tuple[str, int, int]] = []

    def start(self, tag: str, weight: int, orders: int = 0) -> asyncio.Task[int]:
        async def go() -> int:
            at = (await self.limiter.acquire(weight, orders)).at_ms
            self.log.append((tag, weight, at))
            return at

        return asyncio.create_task(go(), name=tag)

    def fast(self, tag: str, weight: int, orders: int = 0) -> int:
        """Admit on the fast path (fails if the request would have to wait)."""
        at = run_now(self.limiter.acquire(weight, orders)).at_ms
        self.log.append((tag, weight, at))
        return at

    @property
    def order(self) -> list[str]:
        return [tag for tag, _, _ in self.log]

    def at(self, tag: str) -> int:
        (found,) = [at for t, _, at in self.log if t == tag]
        return found

    def per_window(self, length_ms: int) -> Counter[int]:
        """Weight per window index if the server's clock were exactly ours."""
        counts: Counter[int] = Counter()
        for _, weight, at in self.log:
            counts[at // length_ms] += weight
        return counts

    def worst_case(self, length_ms: int, margin_ms: int) -> Counter[int]:
        """Weight per window index if the server may count each request anywhere within ±margin."""
        counts: Counter[int] = Counter()
        for _, weight, at in self.log:
            for index in range((at - margin_ms) // length_ms, (at + margin_ms) // length_ms + 1):
                counts[index] += weight
        return counts


# -- window specs, defaults, parse_rate_limits ---------------------------------------------------------------


def test_default_limits_are_the_documented_ones() -> None:
    assert WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 6000) in DEFAULT_LIMITS
    kinds = sorted((s.limit_type, s.interval, s.interval_num) for s in DEFAULT_LIMITS)
    assert kinds == [
        ("ORDERS", "DAY", 1),
        ("ORDERS", "SECOND", 10),
        ("RAW_REQUESTS", "MINUTE", 5),
        ("REQUEST_WEIGHT", "MINUTE", 1),
    ]
    assert all(s.limit > 0 for s in DEFAULT_LIMITS)


def test_limiter_uses_default_limits_and_reports_them() -> None:
    clock = ManualClock(BASE_MS + 12_345)
    limiter = RateLimiter(burst=1.0, now_ms=clock)
    states = limiter.state()
    assert [WindowSpec(*s[:4]) for s in states] == list(DEFAULT_LIMITS)
    assert all(s.used == 0 for s in states)
    by_spec = {WindowSpec(*s[:4]): s for s in states}
    assert by_spec[WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 6000)].resets_at_ms == BASE_MS + MINUTE_MS
    assert by_spec[WindowSpec("ORDERS", "SECOND", 10, 50)].resets_at_ms == BASE_MS + 20_000


@pytest.mark.parametrize(
    ("spec", "length_ms", "header"),
    [
        (WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 6000), 60_000, "X-MBX-USED-WEIGHT-1M"),
        (WindowSpec("REQUEST_WEIGHT", "SECOND", 1, 10), 1_000, "X-MBX-USED-WEIGHT-1S"),
        (WindowSpec("REQUEST_WEIGHT", "HOUR", 2, 10), 7_200_000, "X-MBX-USED-WEIGHT-2H"),
        (WindowSpec("ORDERS", "SECOND", 10, 50), 10_000, "X-MBX-ORDER-COUNT-10S"),
        (WindowSpec("ORDERS", "DAY", 1, 160_000), DAY_MS, "X-MBX-ORDER-COUNT-1D"),
        (WindowSpec("RAW_REQUESTS", "MINUTE", 5, 300_000), 300_000, None),
    ],
)
def test_window_spec_length_and_header(spec: WindowSpec, length_ms: int, header: str | None) -> None:
    assert spec.length_ms == length_ms
    assert spec.header == header


OFFICIAL_RATE_LIMITS: list[dict[str, Any]] = [
    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
    {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200_000},
    {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 61_000},
]
OFFICIAL_SPECS = [
    WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 6000),
    WindowSpec("ORDERS", "SECOND", 10, 100),
    WindowSpec("ORDERS", "DAY", 1, 200_000),
    WindowSpec("RAW_REQUESTS", "MINUTE", 5, 61_000),
]


def test_parse_rate_limits_keeps_official_entries_and_skips_the_empty_one() -> None:
    # The documented exchangeInfo example has a rateLimits entry that is only a comment: {}.
    assert parse_rate_limits([{}]) == []
    assert parse_rate_limits([*OFFICIAL_RATE_LIMITS, {}]) == OFFICIAL_SPECS
    assert parse_rate_limits([{}, *OFFICIAL_RATE_LIMITS]) == OFFICIAL_SPECS
    assert parse_rate_limits([]) == []


GOOD = {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 50}


@pytest.mark.parametrize(
    "junk",
    [
        None,
        "REQUEST_WEIGHT",
        42,
        [],
        ["REQUEST_WEIGHT", "MINUTE", 1, 6000],
        {"rateLimitType": "REQUEST_WEIGHT"},
        {**GOOD, "rateLimitType": "REQUEST_WEIGHTS"},
        {**GOOD, "rateLimitType": None},
        {**GOOD, "interval": "WEEK"},
        {**GOOD, "interval": "second"},
        {**GOOD, "interval": None},
        {**GOOD, "intervalNum": 0},
        {**GOOD, "intervalNum": -1},
        {**GOOD, "intervalNum": "10"},
        {**GOOD, "intervalNum": 1.5},
        {**GOOD, "limit": 0},
        {**GOOD, "limit": -5},
        {**GOOD, "limit": "50"},
        {**GOOD, "limit": 50.0},
        {**GOOD, "limit": None},
        {k: v for k, v in GOOD.items() if k != "limit"},
        {k: v for k, v in GOOD.items() if k != "interval"},
    ],
    ids=repr,
)
def test_parse_rate_limits_skips_junk(junk: Any) -> None:
    assert parse_rate_limits([junk]) == []
    assert parse_rate_limits([junk, GOOD, junk]) == [WindowSpec("ORDERS", "SECOND", 10, 50)]


def test_parse_rate_limits_accepts_model_objects() -> None:
    entries: list[Any] = [
        RateLimit(rate_limit_type="REQUEST_WEIGHT", interval="MINUTE", interval_num=1, limit=6000),
        RateLimit(),  # every key missing: all defaults
        SimpleNamespace(rate_limit_type="ORDERS", interval="DAY", interval_num=1, limit=200_000),
        SimpleNamespace(),
        SimpleNamespace(rateLimitType="RAW_REQUESTS", interval="MINUTE", intervalNum=5, limit=61_000),
    ]
    assert parse_rate_limits(entries) == [
        WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 6000),
        WindowSpec("ORDERS", "DAY", 1, 200_000),
        WindowSpec("RAW_REQUESTS", "MINUTE", 5, 61_000),
    ]
    assert parse_rate_limits(iter(OFFICIAL_RATE_LIMITS)) == OFFICIAL_SPECS  # any iterable


@pytest.mark.parametrize("interval", [["MINUTE"], {"MINUTE": 1}], ids=["list", "dict"])
def test_parse_rate_limits_skips_unhashable_interval(interval: Any) -> None:
    # Regression: `interval in _INTERVAL_MS` used to raise TypeError here.
    junk = {**GOOD, "interval": interval}
    assert parse_rate_limits([junk, GOOD]) == [WindowSpec("ORDERS", "SECOND", 10, 50)]


@pytest.mark.parametrize("field", ["intervalNum", "limit"])
def test_parse_rate_limits_rejects_booleans(field: str) -> None:
    # Regression: isinstance(True, int) let JSON true through (header "X-MBX-ORDER-COUNT-TrueS").
    junk = {**GOOD, field: True}
    assert parse_rate_limits([junk]) == []


# -- fast path, state ----------------------------------------------------------------------------------------


async def test_fast_path_completes_without_suspending() -> None:
    clock = ManualClock(BASE_MS + 1234)
    limiter = RateLimiter(burst=1.0, now_ms=clock)
    assert run_now(limiter.acquire(10)).at_ms == BASE_MS + 1234
    clock.now_ms += 7
    assert run_now(limiter.acquire(40, 1)).at_ms == BASE_MS + 1241
    assert run_now(limiter.acquire(0)).at_ms == BASE_MS + 1241
    assert used(limiter, "REQUEST_WEIGHT") == 50
    assert used(limiter, "RAW_REQUESTS") == 3  # one per request, whatever its weight
    assert used(limiter, "ORDERS", 10_000) == 1
    assert used(limiter, "ORDERS", DAY_MS) == 1


async def test_try_acquire_charges_only_when_the_request_fits_now() -> None:
    clock = ManualClock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, margin_ms=0)
    assert at_ms(limiter.try_acquire(6)) == BASE_MS + 100
    assert limiter.try_acquire(5) is None  # 6 + 5 > 10: not charged
    assert used(limiter) == 6
    assert at_ms(limiter.try_acquire(4)) == BASE_MS + 100
    assert used(limiter) == 10
    clock.now_ms = BASE_MS + 1100
    limiter.pause(1)
    assert limiter.try_acquire(1) is None  # paused
    clock.now_ms = BASE_MS + 2200
    assert at_ms(limiter.try_acquire(1)) == BASE_MS + 2200
    assert used(limiter) == 1


async def test_try_acquire_does_not_jump_the_queue() -> None:
    clock = ManualClock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, margin_ms=0)
    run_now(limiter.acquire(5))
    waiting = asyncio.create_task(limiter.acquire(8))
    await spin()
    assert limiter.try_acquire(1) is None  # it would fit, but a request is held back
    assert used(limiter) == 5
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    assert at_ms(limiter.try_acquire(1)) == BASE_MS + 100


async def test_fast_path_as_a_task_is_done_after_one_loop_iteration() -> None:
    limiter = RateLimiter([W10], burst=1.0, now_ms=ManualClock(BASE_MS + 100), margin_ms=0)
    task = asyncio.create_task(limiter.acquire(3))
    await asyncio.sleep(0)
    assert task.done()
    assert task.result().at_ms == BASE_MS + 100


@pytest.mark.parametrize("smooth", [True, False])
async def test_a_whole_window_is_admitted_at_once_when_nothing_waits(smooth: bool) -> None:
    clock = ManualClock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, smooth=smooth, margin_ms=0)
    for _ in range(10):
        run_now(limiter.acquire(1))
    assert used(limiter) == 10
    clock.now_ms = BASE_MS + SECOND_MS  # next window: a full-limit burst again, at once
    for _ in range(5):
        run_now(limiter.acquire(2))
    assert used(limiter) == 10


async def test_state_reports_used_limit_and_next_boundary() -> None:
    clock = ManualClock(BASE_MS + 1000 * 37 + 250)
    specs = [
        WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 1200),
        WindowSpec("ORDERS", "SECOND", 10, 50),
        WindowSpec("RAW_REQUESTS", "MINUTE", 5, 61_000),
    ]
    limiter = RateLimiter(specs, burst=1.0, now_ms=clock, margin_ms=100)
    run_now(limiter.acquire(20, 2))
    run_now(limiter.acquire(5))
    assert limiter.state() == [
        WindowState("REQUEST_WEIGHT", "MINUTE", 1, 1200, 25, BASE_MS + MINUTE_MS),
        WindowState("ORDERS", "SECOND", 10, 50, 2, BASE_MS + 40_000),
        WindowState("RAW_REQUESTS", "MINUTE", 5, 61_000, 2, BASE_MS + 300_000),
    ]
    clock.now_ms = BASE_MS + 41_000  # the 10 s window has reset, the others have not
    assert [s.used for s in limiter.state()] == [25, 0, 2]
    assert limiter.state()[1].resets_at_ms == BASE_MS + 50_000


async def test_request_that_does_not_fit_waits_and_is_not_charged() -> None:
    limiter = RateLimiter([W10], burst=1.0, now_ms=ManualClock(BASE_MS + 100), margin_ms=0)
    run_now(limiter.acquire(8))
    task = asyncio.create_task(limiter.acquire(3))
    await spin()
    assert not task.done()
    assert used(limiter) == 8
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert used(limiter) == 8


# -- RequestTooHeavyError ------------------------------------------------------------------------------------


async def test_too_heavy_weight_raises_at_once() -> None:
    clock = ManualClock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, margin_ms=0)
    with pytest.raises(RequestTooHeavyError):
        run_now(limiter.acquire(11))
    assert issubclass(RequestTooHeavyError, InvalidRequestError)
    assert used(limiter) == 0
    assert run_now(limiter.acquire(10)).at_ms == BASE_MS + 100  # exactly the limit fits an empty window


async def test_too_heavy_raises_at_once_even_behind_a_queue_or_during_a_pause() -> None:
    clock = ManualClock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, margin_ms=0)
    run_now(limiter.acquire(10))
    waiting = asyncio.create_task(limiter.acquire(1))
    await spin()
    assert not waiting.done()
    with pytest.raises(RequestTooHeavyError):
        run_now(limiter.acquire(11))
    limiter.pause(30)
    with pytest.raises(RequestTooHeavyError):
        run_now(limiter.acquire(1000))
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    assert used(limiter) == 10


async def test_too_many_orders_raises_at_once() -> None:
    limiter = RateLimiter(burst=1.0, now_ms=ManualClock(BASE_MS + 1000))  # ORDERS 50 / 10 s by default
    with pytest.raises(RequestTooHeavyError):
        run_now(limiter.acquire(1, orders=51))
    with pytest.raises(RequestTooHeavyError):
        run_now(limiter.acquire(6001))
    assert run_now(limiter.acquire(1, orders=50)).at_ms == BASE_MS + 1000
    assert used(limiter, "ORDERS", 10_000) == 50
    with pytest.raises(RequestTooHeavyError):  # still immediate while the window is full
        run_now(limiter.acquire(1, orders=51))


# -- fixed windows -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("smooth", [True, False], ids=["smooth", "fixed"])
@pytest.mark.parametrize("margin", [0, 50])
async def test_burst_of_three_limits_never_exceeds_the_limit_in_any_window(
    vt: VirtualTime, smooth: bool, margin: int
) -> None:
    clock = vt.clock(BASE_MS + 300)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, smooth=smooth, margin_ms=margin)
    record = Admissions(limiter)
    tasks = [record.start(f"r{i}", 1) for i in range(30)]
    await finish(tasks)
    assert record.order == [f"r{i}" for i in range(30)]  # first come, first served
    assert max(record.per_window(SECOND_MS).values()) <= 10
    assert max(record.worst_case(SECOND_MS, margin).values()) <= 10
    assert record.per_window(SECOND_MS)[BASE_MS // SECOND_MS] == 10  # the first window was used fully
    for _, _, at in record.log[10:]:  # the held-back ones went after the boundary (plus margin)
        assert at - margin > BASE_MS + SECOND_MS - 1


@pytest.mark.parametrize("smooth", [True, False], ids=["smooth", "fixed"])
async def test_bursts_at_the_end_of_one_window_and_the_start_of_the_next(
    vt: VirtualTime, smooth: bool
) -> None:
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, smooth=smooth, margin_ms=0)
    record = Admissions(limiter)
    await sleep_until(clock, BASE_MS + 990)
    for i in range(10):
        record.fast(f"end{i}", 1)
    late = record.start("late", 1)  # the window is full: waits for the boundary
    await spin()
    assert not late.done()
    late.cancel()
    await asyncio.gather(late, return_exceptions=True)
    await sleep_until(clock, BASE_MS + 1005)
    for i in range(10):
        record.fast(f"start{i}", 1)
    after = record.start("after", 1)
    assert await finish([after]) == [record.at("after")]
    assert record.at("after") >= BASE_MS + 2 * SECOND_MS
    windows = record.per_window(SECOND_MS)
    first = BASE_MS // SECOND_MS
    assert windows == {first: 10, first + 1: 10, first + 2: 1}


async def test_real_clock_fixed_windows_and_fifo_across_a_boundary() -> None:
    """On the real loop clock: a full window, then a heavy request and light ones behind it."""
    clock = real_clock(BASE_MS + 900)  # 100 ms before a boundary
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, smooth=False, margin_ms=10)
    record = Admissions(limiter)
    tasks = [record.start(f"a{i}", 1) for i in range(10)]
    tasks.append(record.start("heavy", 6))
    tasks += [record.start(f"b{i}", 1) for i in range(4)]
    await finish(tasks, timeout=10)
    assert record.order == [*(f"a{i}" for i in range(10)), "heavy", *(f"b{i}" for i in range(4))]
    assert max(record.per_window(SECOND_MS).values()) <= 10
    assert max(record.worst_case(SECOND_MS, 10).values()) <= 10
    assert record.at("heavy") > record.at("a9")
    assert all(record.at(f"b{i}") >= record.at("heavy") for i in range(4))


# -- the margin around boundaries ----------------------------------------------------------------------------


async def test_request_within_margin_before_a_boundary_is_charged_to_both_windows(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, margin_ms=100)
    await sleep_until(clock, BASE_MS + 950)
    run_now(limiter.acquire(3))
    assert used(limiter) == 3
    await sleep_until(clock, BASE_MS + 1500)
    assert used(limiter) == 3  # the next window holds it too
    await sleep_until(clock, BASE_MS + 2500)
    assert used(limiter) == 0


async def test_request_outside_the_margin_is_charged_to_one_window(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, margin_ms=100)
    await sleep_until(clock, BASE_MS + 850)
    run_now(limiter.acquire(3))
    assert used(limiter) == 3
    await sleep_until(clock, BASE_MS + 1500)
    assert used(limiter) == 0


async def test_request_within_margin_after_a_boundary_must_fit_the_previous_window(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 500)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, smooth=False, margin_ms=100)
    record = Admissions(limiter)
    record.fast("early", 8)
    await sleep_until(clock, BASE_MS + 1050)
    record.fast("fits-both", 2)  # 8 + 2 fits the previous window too
    assert used(limiter) == 2  # state() shows the window we are in, not the one the margin reaches
    task = record.start("too-big-for-previous", 3)  # 10 + 3 does not
    await spin()
    assert not task.done()
    await finish([task])
    at = record.at("too-big-for-previous")
    assert BASE_MS + 1100 <= at <= BASE_MS + 1105  # just after boundary + margin
    assert used(limiter) == 5  # 2 + 3 in the new window; the 8 stayed in the old one


@pytest.mark.parametrize("margin", [20, 100])
async def test_held_back_request_is_admitted_after_the_boundary_plus_margin(
    vt: VirtualTime, margin: int
) -> None:
    clock = vt.clock(BASE_MS + 300)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, margin_ms=margin)
    run_now(limiter.acquire(10))
    at = (await limiter.acquire(4)).at_ms
    assert BASE_MS + SECOND_MS + margin <= at <= BASE_MS + SECOND_MS + margin + 5
    assert used(limiter) == 4


async def test_full_next_window_blocks_a_request_inside_the_margin(vt: VirtualTime) -> None:
    """A burst inside the margin fills both windows; the next window then has no room left."""
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, smooth=False, margin_ms=100)
    await sleep_until(clock, BASE_MS + 950)
    for _ in range(10):
        run_now(limiter.acquire(1))
    at = (await limiter.acquire(1)).at_ms
    assert at >= BASE_MS + 2 * SECOND_MS  # not in the window after the boundary: it is full


async def test_server_count_is_applied_to_the_window_the_request_was_sent_in(vt: VirtualTime) -> None:
    """Sent before the boundary and answered after it: the count is the old window's. Sent after: the new."""
    clock = vt.clock(BASE_MS + 500)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, smooth=False, margin_ms=100)
    sent_before = run_now(limiter.acquire(2))
    await sleep_until(clock, BASE_MS + 1050)
    limiter.reconcile({"X-MBX-USED-WEIGHT-1S": "10"}, sent_before)  # answered in the next window
    assert used(limiter) == 0  # the new window is untouched ...
    # ... but the old one is full, and a request inside the margin may still be counted there.
    assert limiter.try_acquire(1) is None
    sent = await limiter.acquire(1)
    assert sent.at_ms >= BASE_MS + SECOND_MS + 100  # once the margin has passed
    assert used(limiter) == 1
    limiter.reconcile({"X-MBX-USED-WEIGHT-1S": "10"}, sent)  # sent and answered in this window: applied
    assert used(limiter) == 10
    assert limiter.try_acquire(1) is None
    at = (await limiter.acquire(1)).at_ms
    assert at >= BASE_MS + 2 * SECOND_MS + 100
    assert used(limiter) == 1


# -- first come, first served --------------------------------------------------------------------------------


@pytest.mark.parametrize("smooth", [True, False], ids=["smooth", "fixed"])
async def test_heavy_request_is_served_before_the_light_ones_behind_it(vt: VirtualTime, smooth: bool) -> None:
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, smooth=smooth, margin_ms=20)
    record = Admissions(limiter)
    record.fast("fill", 10)
    tasks = [record.start("heavy", 9)]
    tasks += [record.start(f"light{i}", 1) for i in range(20)]
    await spin()
    assert not any(t.done() for t in tasks)
    await finish(tasks)
    assert record.order == ["fill", "heavy", *(f"light{i}" for i in range(20))]
    assert record.at("heavy") // SECOND_MS == BASE_MS // SECOND_MS + 1  # in the very next window
    assert all(at >= record.at("heavy") for tag, _, at in record.log if tag.startswith("light"))
    assert max(record.per_window(SECOND_MS).values()) <= 10
    assert max(record.worst_case(SECOND_MS, 20).values()) <= 10


@pytest.mark.parametrize("smooth", [True, False], ids=["smooth", "fixed"])
async def test_new_light_request_does_not_jump_the_queue_even_if_it_fits(
    vt: VirtualTime, smooth: bool
) -> None:
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, smooth=smooth, margin_ms=0)
    record = Admissions(limiter)
    record.fast("first", 5)
    heavy = record.start("heavy", 8)  # 5 + 8 > 10: held back
    await spin()
    light = record.start("light", 1)  # 5 + 1 would fit, but the heavy one came first
    await sleep_until(clock, BASE_MS + 500)
    assert not heavy.done()
    assert not light.done()
    assert used(limiter) == 5
    await finish([heavy, light])
    assert record.order == ["first", "heavy", "light"]
    assert record.at("heavy") // SECOND_MS == BASE_MS // SECOND_MS + 1


async def test_heavy_depth_request_is_not_starved_by_a_stream_of_light_calls(vt: VirtualTime) -> None:
    """depth(limit=5000) (weight 250) queued behind a nearly full minute, with light calls streaming in."""
    clock = vt.clock(BASE_MS + 1000)
    specs = [WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 6000), WindowSpec("RAW_REQUESTS", "MINUTE", 5, 61_000)]
    limiter = RateLimiter(specs, burst=1.0, now_ms=clock)  # default margin and smoothing
    record = Admissions(limiter)
    record.fast("fill", 5900)
    tasks = [record.start("depth", 250)]
    for i in range(1500):  # weight 2 every 100 ms for 150 s
        tasks.append(record.start(f"light{i}", 2))
        await asyncio.sleep(0.1)
    await finish(tasks)
    assert record.order[:2] == ["fill", "depth"]
    assert record.at("depth") // MINUTE_MS == BASE_MS // MINUTE_MS + 1
    assert record.order[2:] == [f"light{i}" for i in range(1500)]
    assert max(record.worst_case(MINUTE_MS, 500).values()) <= 6000


# -- cancellation --------------------------------------------------------------------------------------------


async def test_cancelled_head_neither_blocks_nor_consumes(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, smooth=False, margin_ms=0)
    record = Admissions(limiter)
    record.fast("fill", 10)
    head = record.start("head", 9)
    second = record.start("second", 2)
    third = record.start("third", 3)
    await sleep_until(clock, BASE_MS + 500)
    head.cancel()
    await finish([second, third])
    assert head.cancelled()
    assert record.order == ["fill", "second", "third"]
    next_window = BASE_MS // SECOND_MS + 1
    assert record.at("second") // SECOND_MS == next_window
    assert record.at("third") // SECOND_MS == next_window  # 2 + 3 fit: the 9 was never charged
    assert used(limiter) == 5


async def test_cancelled_waiter_in_the_middle_neither_blocks_nor_consumes(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, smooth=False, margin_ms=0)
    record = Admissions(limiter)
    record.fast("fill", 10)
    first = record.start("first", 4)
    middle = record.start("middle", 9)
    last = record.start("last", 3)
    await sleep_until(clock, BASE_MS + 500)
    middle.cancel()
    await finish([first, last])
    assert middle.cancelled()
    assert record.order == ["fill", "first", "last"]
    assert record.at("last") // SECOND_MS == BASE_MS // SECOND_MS + 1
    assert used(limiter) == 7


async def test_cancelled_waiter_while_being_paced_neither_blocks_nor_consumes(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, smooth=True, margin_ms=0)
    record = Admissions(limiter)
    record.fast("fill", 10)
    tasks = {f"t{i}": record.start(f"t{i}", 1) for i in range(5)}
    await sleep_until(clock, BASE_MS + SECOND_MS)
    await tasks["t0"]  # the first one is released at the boundary
    await spin()  # the next one takes the head and waits on the pacing bucket
    assert not tasks["t1"].done()  # being paced
    tasks["t1"].cancel()
    await finish([t for tag, t in tasks.items() if tag != "t1"])
    assert tasks["t1"].cancelled()
    assert record.order == ["fill", "t0", "t2", "t3", "t4"]
    assert all(record.at(f"t{i}") // SECOND_MS == BASE_MS // SECOND_MS + 1 for i in (0, 2, 3, 4))
    assert used(limiter) == 4


async def test_fast_path_is_back_once_every_waiter_is_cancelled(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, margin_ms=10)
    run_now(limiter.acquire(10))
    tasks = [asyncio.create_task(limiter.acquire(w)) for w in (5, 1, 1)]
    await spin()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert all(t.cancelled() for t in tasks)
    await sleep_until(clock, BASE_MS + 1050)
    assert run_now(limiter.acquire(10)).at_ms == BASE_MS + 1050
    assert used(limiter) == 10


# -- pause (429 / 418 Retry-After) ---------------------------------------------------------------------------


async def test_pause_holds_every_request_on_the_real_clock() -> None:
    loop = asyncio.get_running_loop()
    clock = real_clock(BASE_MS + 1000)
    limiter = RateLimiter(
        [WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 6000)], burst=1.0, now_ms=clock, margin_ms=0
    )
    admitted: list[tuple[str, float, int]] = []

    async def go(tag: str) -> None:
        at = (await limiter.acquire(1)).at_ms
        admitted.append((tag, loop.time(), at))

    paused_at_ms = clock()
    paused_at = loop.time()
    limiter.pause(0.2)
    tasks = [asyncio.create_task(go(tag)) for tag in ("a", "b", "c")]
    await asyncio.sleep(0.05)
    tasks.append(asyncio.create_task(go("d")))  # arrives during the pause, with an empty window
    await asyncio.sleep(0.05)
    if loop.time() < paused_at + 0.2:  # (unless the machine stalled past the pause)
        assert admitted == []
        assert used(limiter) == 0
    await finish(tasks, timeout=10)
    assert [tag for tag, _, _ in admitted] == ["a", "b", "c", "d"]
    for _, loop_time, at in admitted:
        assert loop_time >= paused_at + 0.2
        assert at >= paused_at_ms + 200
    assert used(limiter) == 4


async def test_pause_holds_the_queue_past_a_window_boundary(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, margin_ms=0)
    record = Admissions(limiter)
    record.fast("fill", 10)
    tasks = [record.start("a", 5), record.start("b", 5)]  # waiting for the boundary at +1000
    await sleep_until(clock, BASE_MS + 500)
    limiter.pause(2.0)
    await sleep_until(clock, BASE_MS + 2490)
    assert record.order == ["fill"]
    await finish(tasks)
    assert record.order == ["fill", "a", "b"]
    assert record.at("a") >= BASE_MS + 2500
    assert record.at("b") >= BASE_MS + 2500


async def test_pause_holds_requests_that_would_fit(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, margin_ms=0)
    limiter.pause(0.3)
    record = Admissions(limiter)
    tasks = [record.start(f"r{i}", 1) for i in range(3)]
    await sleep_until(clock, BASE_MS + 390)
    assert record.log == []
    await finish(tasks)
    assert record.order == ["r0", "r1", "r2"]
    assert all(at >= BASE_MS + 400 for _, _, at in record.log)
    assert record.at("r0") <= BASE_MS + 405  # released as soon as the pause ends
    assert run_now(limiter.acquire(1)).at_ms == clock()  # the fast path is back


async def test_pause_holds_a_head_that_is_being_paced(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, smooth=True, margin_ms=0)
    record = Admissions(limiter)
    record.fast("fill", 10)
    tasks = [record.start(f"t{i}", 1) for i in range(3)]
    await sleep_until(clock, BASE_MS + SECOND_MS)
    await tasks[0]  # the first one is released at the boundary
    await spin()  # the next one takes the head and waits on the pacing bucket
    assert not tasks[1].done()  # waiting on the pacing bucket, not on a window
    paused_at = clock()
    limiter.pause(0.5)
    await finish(tasks)
    assert record.order == ["fill", "t0", "t1", "t2"]
    assert record.at("t1") >= paused_at + 500
    assert record.at("t2") >= paused_at + 500


async def test_pause_never_shortens_a_longer_pause(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, margin_ms=0)
    limiter.pause(10)
    until = limiter.paused_until_ms
    assert BASE_MS + 10_100 <= until <= BASE_MS + 10_101
    limiter.pause(1)
    assert limiter.paused_until_ms == until
    at = (await limiter.acquire(1)).at_ms
    assert at >= BASE_MS + 10_100


async def test_longer_pause_extends_a_waiting_head(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, margin_ms=0)
    limiter.pause(1)
    record = Admissions(limiter)
    tasks = [record.start("a", 1), record.start("b", 1)]
    await sleep_until(clock, BASE_MS + 600)
    limiter.pause(5)  # until +5600
    await finish(tasks)
    assert record.order == ["a", "b"]
    assert record.at("a") >= BASE_MS + 5600


async def test_paused_until_ms_starts_at_zero() -> None:
    clock = ManualClock(BASE_MS + 100)
    limiter = RateLimiter(burst=1.0, now_ms=clock)
    assert limiter.paused_until_ms == 0
    limiter.pause(2.5)
    assert BASE_MS + 2600 <= limiter.paused_until_ms <= BASE_MS + 2601


# -- reconcile -----------------------------------------------------------------------------------------------


def reconcile_limiter(clock: ManualClock) -> RateLimiter:
    specs = [
        WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 6000),
        WindowSpec("RAW_REQUESTS", "MINUTE", 5, 61_000),
        WindowSpec("ORDERS", "SECOND", 10, 100),
        WindowSpec("ORDERS", "DAY", 1, 200_000),
    ]
    return RateLimiter(specs, burst=1.0, now_ms=clock, margin_ms=0)


async def test_reconcile_takes_the_server_count_when_higher() -> None:
    clock = ManualClock(BASE_MS + 1000)
    limiter = reconcile_limiter(clock)
    sent = run_now(limiter.acquire(10))
    clock.now_ms += 200
    limiter.reconcile({"X-MBX-USED-WEIGHT-1M": "250"}, sent)
    assert used(limiter) == 250
    run_now(limiter.acquire(5))
    assert used(limiter) == 255


async def test_reconcile_keeps_our_count_when_higher() -> None:
    clock = ManualClock(BASE_MS + 1000)
    limiter = reconcile_limiter(clock)
    sent = run_now(limiter.acquire(300))
    limiter.reconcile({"X-MBX-USED-WEIGHT-1M": "120"}, sent)
    assert used(limiter) == 300


async def test_a_header_answered_after_a_boundary_counts_for_the_window_the_request_was_sent_in() -> None:
    clock = ManualClock(BASE_MS + MINUTE_MS - 100)
    limiter = reconcile_limiter(clock)
    sent = run_now(limiter.acquire(10))
    clock.now_ms = BASE_MS + MINUTE_MS + 50  # the response arrives in the next minute
    limiter.reconcile({"X-MBX-USED-WEIGHT-1M": "5000"}, sent)
    assert used(limiter) == 0  # not the new minute's
    clock.now_ms = BASE_MS + MINUTE_MS - 100
    assert used(limiter) == 5000  # the old minute's


async def test_reconcile_maps_order_count_headers_to_their_windows() -> None:
    clock = ManualClock(BASE_MS + 3000)
    limiter = reconcile_limiter(clock)
    sent = run_now(limiter.acquire(1, orders=1))
    limiter.reconcile({"X-MBX-ORDER-COUNT-10S": "7", "X-MBX-ORDER-COUNT-1D": "1234"}, sent)
    assert used(limiter, "ORDERS", 10_000) == 7
    assert used(limiter, "ORDERS", DAY_MS) == 1234
    assert used(limiter) == 1  # weight untouched
    clock.now_ms = BASE_MS + 9000
    limiter.reconcile({"X-MBX-ORDER-COUNT-10S": "9"}, sent)
    assert used(limiter, "ORDERS", 10_000) == 9
    assert used(limiter, "ORDERS", DAY_MS) == 1234
    clock.now_ms = BASE_MS + 10_500  # the 10 s window turned, the day did not
    limiter.reconcile({"X-MBX-ORDER-COUNT-10S": "40", "X-MBX-ORDER-COUNT-1D": "2000"}, sent)
    assert used(limiter, "ORDERS", 10_000) == 0
    assert used(limiter, "ORDERS", DAY_MS) == 2000


@pytest.mark.parametrize(
    "junk",
    [
        {"X-MBX-USED-WEIGHT-1M": "lots"},
        {"X-MBX-USED-WEIGHT-1M": ""},
        {"X-MBX-USED-WEIGHT-1M": "12.5"},
        {"X-MBX-USED-WEIGHT": "900"},  # no interval: not a window's header
        {"X-MBX-USED-WEIGHT-1S": "900"},  # a window we do not have
        {"X-MBX-USED-WEIGHT-5M": "900"},
        {"X-MBX-ORDER-COUNT-10M": "90"},
        {"X-MBX-RAW-REQUESTS-5M": "900"},
        {},
    ],
    ids=repr,
)
async def test_reconcile_ignores_odd_and_unknown_headers(junk: dict[str, str]) -> None:
    clock = ManualClock(BASE_MS + 1000)
    limiter = reconcile_limiter(clock)
    sent = run_now(limiter.acquire(10, orders=1))
    before = limiter.state()
    limiter.reconcile(junk, sent)
    assert limiter.state() == before


async def test_order_counts_are_read_only_from_order_responses() -> None:
    clock = ManualClock(BASE_MS + 1000)
    limiter = reconcile_limiter(clock)
    sent = run_now(limiter.acquire(10))
    limiter.reconcile({"X-MBX-USED-WEIGHT-1M": "50", "X-MBX-ORDER-COUNT-10S": "5"}, sent)
    assert used(limiter) == 50
    assert used(limiter, "ORDERS", 10_000) == 0


async def test_reconcile_applies_good_headers_next_to_a_bad_one() -> None:
    clock = ManualClock(BASE_MS + 1000)
    limiter = reconcile_limiter(clock)
    sent = run_now(limiter.acquire(10, orders=1))
    limiter.reconcile({"X-MBX-USED-WEIGHT-1M": "n/a", "X-MBX-ORDER-COUNT-10S": "5"}, sent)
    assert used(limiter) == 10
    assert used(limiter, "ORDERS", 10_000) == 5


@pytest.mark.parametrize(
    "names",
    [
        ("x-mbx-used-weight-1m", "x-mbx-order-count-10s"),
        ("X-Mbx-Used-Weight-1m", "X-Mbx-Order-Count-10s"),
        ("X-MBX-USED-WEIGHT-1M", "X-MBX-ORDER-COUNT-10S"),
    ],
)
async def test_reconcile_reads_case_insensitive_headers(names: tuple[str, str]) -> None:
    clock = ManualClock(BASE_MS + 1000)
    limiter = reconcile_limiter(clock)
    sent = run_now(limiter.acquire(10, orders=1))
    headers: CIMultiDict[str] = CIMultiDict([("Content-Type", "application/json")])
    headers[names[0]] = "777"
    headers[names[1]] = "8"
    limiter.reconcile(headers, sent)
    assert used(limiter) == 777
    assert used(limiter, "ORDERS", 10_000) == 8


async def test_reconciled_count_over_the_limit_holds_requests_until_the_boundary(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 1000)
    limiter = RateLimiter(
        [WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 6000)], burst=1.0, now_ms=clock, margin_ms=500
    )
    sent = run_now(limiter.acquire(10))
    headers: Mapping[str, str] = {"X-MBX-USED-WEIGHT-1M": "5995"}
    limiter.reconcile(headers, sent)
    assert used(limiter) == 5995
    at = (await limiter.acquire(10)).at_ms
    assert at >= BASE_MS + MINUTE_MS + 500
    assert used(limiter) == 10


# -- configure -----------------------------------------------------------------------------------------------


async def test_configure_carries_counts_over_to_the_same_type_and_length() -> None:
    clock = ManualClock(BASE_MS + 1000)
    limiter = RateLimiter(
        [
            WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 6000),
            WindowSpec("ORDERS", "SECOND", 10, 50),
            WindowSpec("RAW_REQUESTS", "MINUTE", 5, 300_000),
        ],
        burst=1.0,
        now_ms=clock,
    )
    run_now(limiter.acquire(7, orders=2))
    limiter.configure(
        [
            WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 1200),  # new limit, same window
            WindowSpec("ORDERS", "SECOND", 10, 100),
            WindowSpec("ORDERS", "DAY", 1, 200_000),  # new window
            WindowSpec("RAW_REQUESTS", "MINUTE", 5, 61_000),
        ]
    )
    assert [(s.limit_type, s.limit, s.used) for s in limiter.state()] == [
        ("REQUEST_WEIGHT", 1200, 7),
        ("ORDERS", 100, 2),
        ("ORDERS", 200_000, 0),
        ("RAW_REQUESTS", 61_000, 1),
    ]
    limiter.configure([WindowSpec("REQUEST_WEIGHT", "SECOND", 60, 1200)])  # same length, other unit
    assert used(limiter) == 7
    run_now(limiter.acquire(3))
    assert used(limiter) == 10
    limiter.configure([WindowSpec("ORDERS", "MINUTE", 1, 1200)])  # same length, other type
    assert used(limiter, "ORDERS") == 0
    limiter.configure([WindowSpec("REQUEST_WEIGHT", "MINUTE", 2, 1200)])  # same type, other length
    assert used(limiter) == 0


async def test_configure_from_exchange_info() -> None:
    clock = ManualClock(BASE_MS + 1000)
    limiter = RateLimiter(burst=1.0, now_ms=clock)
    run_now(limiter.acquire(100, orders=3))
    limiter.configure(parse_rate_limits([*OFFICIAL_RATE_LIMITS, {}]))
    assert [(WindowSpec(*s[:4]), s.used) for s in limiter.state()] == [
        (OFFICIAL_SPECS[0], 100),
        (OFFICIAL_SPECS[1], 3),
        (OFFICIAL_SPECS[2], 3),
        (OFFICIAL_SPECS[3], 1),
    ]
    with pytest.raises(RequestTooHeavyError):
        run_now(limiter.acquire(1, orders=101))
    run_now(limiter.acquire(1, orders=97))
    assert used(limiter, "ORDERS", 10_000) == 100


@pytest.mark.parametrize("smooth", [True, False], ids=["smooth", "fixed"])
async def test_configure_raising_the_limit_releases_a_queued_waiter_at_once(
    vt: VirtualTime, smooth: bool
) -> None:
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, smooth=smooth, margin_ms=0)
    record = Admissions(limiter)
    record.fast("fill", 10)
    waiter = record.start("waiter", 5)
    behind = record.start("behind", 4)
    await sleep_until(clock, BASE_MS + 300)
    assert not waiter.done()
    limiter.configure([WindowSpec("REQUEST_WEIGHT", "SECOND", 1, 20)])
    await finish([waiter, behind])
    assert record.order == ["fill", "waiter", "behind"]
    assert record.at("waiter") < BASE_MS + SECOND_MS  # not held until the boundary
    assert record.at("behind") < BASE_MS + SECOND_MS
    assert used(limiter) == 19


async def test_configure_lowering_the_limit_fails_a_waiter_that_can_never_fit(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 1000)
    limiter = RateLimiter(
        [WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 100)], burst=1.0, now_ms=clock, margin_ms=0
    )
    record = Admissions(limiter)
    record.fast("fill", 100)
    too_big = record.start("too-big", 60)
    behind = record.start("behind", 10)
    await sleep_until(clock, BASE_MS + 2000)
    limiter.configure([WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 50)])
    await spin()
    assert too_big.done()
    assert clock() < BASE_MS + MINUTE_MS  # failed at once, not at the boundary
    with pytest.raises(RequestTooHeavyError):
        too_big.result()
    await finish([behind])
    assert record.order == ["fill", "behind"]
    assert record.at("behind") // MINUTE_MS == BASE_MS // MINUTE_MS + 1


async def test_configure_while_the_head_is_being_paced(vt: VirtualTime) -> None:
    """Replacing the windows (a different number of them) while the head waits on a bucket."""
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, smooth=True, margin_ms=0)
    record = Admissions(limiter)
    record.fast("fill", 10)
    tasks = [record.start(f"t{i}", 1) for i in range(3)]
    await sleep_until(clock, BASE_MS + SECOND_MS)
    await tasks[0]  # the first one is released at the boundary
    await spin()  # the next one takes the head and waits on the pacing bucket
    assert not tasks[1].done()
    limiter.configure([W10, WindowSpec("ORDERS", "SECOND", 10, 50)])
    await finish(tasks)
    assert record.order == ["fill", "t0", "t1", "t2"]
    assert max(record.per_window(SECOND_MS).values()) <= 10
    assert used(limiter) == 3


async def test_configure_does_not_share_counts_between_two_new_windows() -> None:
    # Regression: both new windows took the old window's counts dict, so each request was charged
    # twice to one shared counter.
    clock = ManualClock(BASE_MS + 1000)
    limiter = RateLimiter(
        [WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 100)], burst=1.0, now_ms=clock, smooth=False
    )
    run_now(limiter.acquire(10))
    limiter.configure(
        [WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 100), WindowSpec("REQUEST_WEIGHT", "SECOND", 60, 50)]
    )
    run_now(limiter.acquire(5))
    assert [s.used for s in limiter.state()] == [15, 15]


# -- waiting costs a timer, not a polling loop ---------------------------------------------------------------


async def test_a_long_wait_costs_a_few_timers_not_a_polling_loop(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 1000)
    limiter = RateLimiter(burst=1.0, now_ms=clock)  # the defaults: 6000 per minute, 500 ms margin, smoothing
    run_now(limiter.acquire(6000))
    iterations, timers = vt.iterations, vt.timers
    at = (await limiter.acquire(250)).at_ms  # held back for about a minute
    assert at >= BASE_MS + MINUTE_MS + 500
    assert vt.timers - timers <= 5
    assert vt.iterations - iterations <= 10


async def test_a_long_pause_costs_a_few_timers_not_a_polling_loop(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 1000)
    limiter = RateLimiter(burst=1.0, now_ms=clock)
    limiter.pause(600)  # an IP ban's Retry-After
    iterations, timers = vt.iterations, vt.timers
    at = (await limiter.acquire(1)).at_ms
    assert at >= BASE_MS + 601_000
    assert vt.timers - timers <= 5
    assert vt.iterations - iterations <= 10


async def test_many_waiters_cost_per_waiter_not_per_unit_of_time(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 1000)
    limiter = RateLimiter(
        [WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 6000), WindowSpec("ORDERS", "DAY", 1, 10)],
        burst=1.0,
        now_ms=clock,
    )
    run_now(limiter.acquire(6000))
    run_now(limiter.acquire(0, orders=10))  # the day is full too
    iterations, timers = vt.iterations, vt.timers
    tasks = [asyncio.create_task(limiter.acquire(20)) for _ in range(50)]
    order = asyncio.create_task(limiter.acquire(1, orders=1))  # waits for the next UTC day
    tasks.append(order)
    await finish(tasks, timeout=2 * 86_400)
    assert order.result().at_ms >= BASE_MS + DAY_MS
    assert vt.timers - timers <= 5 * 51 + 10
    assert vt.iterations - iterations <= 10 * 51 + 20


# -- smoothing -----------------------------------------------------------------------------------------------


async def test_without_smoothing_a_held_back_full_window_is_released_at_once(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, smooth=False, margin_ms=20)
    record = Admissions(limiter)
    record.fast("fill", 10)
    await finish([record.start(f"r{i}", 1) for i in range(10)])
    times = {at for tag, _, at in record.log if tag != "fill"}
    assert len(times) == 1  # all at the same instant, right after the boundary + margin
    (at,) = times
    assert BASE_MS + SECOND_MS + 20 <= at <= BASE_MS + SECOND_MS + 25
    assert used(limiter) == 10


async def test_with_smoothing_held_back_requests_are_paced_within_the_windows(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS + 100)
    limiter = RateLimiter([W10], burst=1.0, now_ms=clock, smooth=True, margin_ms=20)
    record = Admissions(limiter)
    record.fast("fill", 10)
    await finish([record.start(f"r{i}", 1) for i in range(25)])
    assert record.order == ["fill", *(f"r{i}" for i in range(25))]
    held = [at for tag, _, at in record.log if tag != "fill"]
    first_window = [at for at in held if at // SECOND_MS == BASE_MS // SECOND_MS + 1]
    assert len(set(first_window)) > 1  # not dumped on the server at one instant at the boundary
    assert min(held) >= BASE_MS + SECOND_MS + 20
    assert max(record.per_window(SECOND_MS).values()) <= 10
    assert max(record.worst_case(SECOND_MS, 20).values()) <= 10


# -- shares of a limit (several processes on one IP) --------------------------------------------------


def test_a_share_scales_every_window_and_shows_in_the_state() -> None:
    limiter = RateLimiter(
        [W10, WindowSpec("ORDERS", "SECOND", 10, 7)], burst=1.0, now_ms=lambda: BASE_MS + 500, share=0.5
    )
    assert [(s.limit_type, s.limit) for s in limiter.state()] == [("REQUEST_WEIGHT", 5), ("ORDERS", 3)]
    assert limiter.try_acquire(5) is not None
    assert limiter.try_acquire(1) is None  # half of 10 is used up


@pytest.mark.parametrize("share", [0.0, -0.5, 1.5])
def test_a_share_outside_zero_to_one_is_refused(share: float) -> None:
    with pytest.raises(ValueError, match="share"):
        RateLimiter([W10], share=share)


def test_with_a_share_the_server_count_holds_back_only_what_others_use_beyond_theirs() -> None:
    limiter = RateLimiter([W10], burst=1.0, now_ms=lambda: BASE_MS + 500, smooth=False, share=0.5)
    sent = limiter.try_acquire(1)
    assert sent is not None
    limiter.reconcile({"X-MBX-USED-WEIGHT-1S": "6"}, sent)  # us 1 + the other process 5: its share
    assert used(limiter) == 1
    limiter.reconcile({"X-MBX-USED-WEIGHT-1S": "8"}, sent)  # the other process used 7 of its 5
    assert used(limiter) == 3
    assert limiter.try_acquire(2) is not None and limiter.try_acquire(1) is None


# -- the opening ramp of IP windows -------------------------------------------------------------------------

W100 = WindowSpec("REQUEST_WEIGHT", "SECOND", 1, 100)


def admit_all(limiter: RateLimiter, weight: int) -> int:
    """Admit `weight`-sized requests on the fast path until one does not fit; the weight admitted."""
    total = 0
    while limiter.try_acquire(weight) is not None:
        total += weight
    return total


def test_a_window_opens_with_half_its_limit_then_follows_the_elapsed_share() -> None:
    clock = ManualClock(BASE_MS)
    limiter = RateLimiter([W100], now_ms=clock, margin_ms=0, burst=0.5)  # the ramp's burst: half
    assert admit_all(limiter, 1) == 50
    clock.now_ms = BASE_MS + 499  # the allowance grows only once half the window has passed
    assert admit_all(limiter, 1) == 0
    clock.now_ms = BASE_MS + 500  # 51 by the 51st hundredth
    assert admit_all(limiter, 1) == 1
    clock.now_ms = BASE_MS + 759
    assert admit_all(limiter, 1) == 25
    clock.now_ms = BASE_MS + 990  # the last hundredth: the whole limit
    assert admit_all(limiter, 1) == 24
    assert used(limiter) == 100
    clock.now_ms = BASE_MS + SECOND_MS + 999  # a window entered late may use its whole limit at once
    assert admit_all(limiter, 1) == 100


def test_two_limiters_bursting_at_the_same_boundary_stay_within_the_limit_together() -> None:
    clock = ManualClock(BASE_MS)
    first, second = (RateLimiter([W100], now_ms=clock, margin_ms=0, burst=0.5) for _ in range(2))
    assert admit_all(first, 2) + admit_all(second, 2) == 100


@pytest.mark.parametrize(("burst", "at_once"), [(1.0, 100), (0.25, 25), (0.001, 1)])
def test_the_burst_is_configurable(burst: float, at_once: int) -> None:
    limiter = RateLimiter([W100], now_ms=ManualClock(BASE_MS), margin_ms=0, burst=burst)
    assert admit_all(limiter, 1) == at_once  # never below one unit


@pytest.mark.parametrize("burst", [0.0, -0.1, 1.01])
def test_a_burst_outside_zero_to_one_is_refused(burst: float) -> None:
    with pytest.raises(ValueError, match="burst"):
        RateLimiter([W100], burst=burst)


def test_orders_windows_are_not_ramped() -> None:
    limiter = RateLimiter([W100, WindowSpec("ORDERS", "SECOND", 10, 20)], now_ms=ManualClock(BASE_MS))
    for _ in range(20):
        assert limiter.try_acquire(1, orders=1) is not None
    assert limiter.try_acquire(0, orders=1) is None


async def test_a_saturating_client_still_uses_every_whole_window(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS)
    limiter = RateLimiter([W100], now_ms=clock, margin_ms=0, burst=0.5)
    admissions = Admissions(limiter)
    tasks = [admissions.start(f"r{n}", 2) for n in range(200)]  # four windows' worth
    await finish(tasks)
    per_window = admissions.per_window(SECOND_MS)
    assert [per_window[BASE_MS // SECOND_MS + i] for i in range(4)] == [100, 100, 100, 100]
    first = [at - BASE_MS for _, _, at in admissions.log[:50]]
    assert max(first[:25]) == 0 and min(first[25:]) >= 500  # half at once, the rest from mid-window
    assert len({at // 100 for at in first[25:]}) == 5  # spread over the second half


async def test_a_held_back_request_waits_for_the_allowance_not_the_boundary(vt: VirtualTime) -> None:
    clock = vt.clock(BASE_MS)
    limiter = RateLimiter([W100], now_ms=clock, margin_ms=0, smooth=False, burst=0.5)
    assert admit_all(limiter, 10) == 50
    assert (await limiter.acquire(10)).at_ms == BASE_MS + 590  # 60 by the 60th hundredth
    assert (await limiter.acquire(10)).at_ms == BASE_MS + 690


# -- header sync counts this process's requests still in flight ---------------------------------------------


def test_an_adopted_count_adds_what_this_process_admitted_after_the_request() -> None:
    limiter = RateLimiter([W100], now_ms=ManualClock(BASE_MS + 500), burst=1.0, margin_ms=0)
    sent = limiter.try_acquire(2)
    assert sent is not None
    for _ in range(5):  # in flight when the server counted the first request
        assert limiter.try_acquire(3) is not None
    # The server saw our first request (2) and 40 of another process's, not the 15 sent after it.
    limiter.reconcile({"X-MBX-USED-WEIGHT-1S": "42"}, sent)
    assert used(limiter) == 42 + 15
    assert admit_all(limiter, 1) == 100 - 57


def test_a_count_taken_after_everything_we_sent_is_adopted_as_it_is() -> None:
    limiter = RateLimiter([W100], now_ms=ManualClock(BASE_MS + 500), burst=1.0, margin_ms=0)
    sent = limiter.try_acquire(2)
    assert sent is not None
    for _ in range(5):
        assert limiter.try_acquire(3) is not None
    late = Admission(sent.at_ms, 0, limiter.admitted_weight, limiter.admitted_orders)
    limiter.reconcile({"X-MBX-USED-WEIGHT-1S": "42"}, late)
    assert used(limiter) == 42


def test_order_counts_add_the_orders_admitted_after_the_request() -> None:
    orders_10s = WindowSpec("ORDERS", "SECOND", 10, 50)
    limiter = RateLimiter([W100, orders_10s], now_ms=ManualClock(BASE_MS + 500), margin_ms=0)
    sent = limiter.try_acquire(1, orders=1)
    assert sent is not None
    assert limiter.try_acquire(1, orders=1) is not None and limiter.try_acquire(1, orders=1) is not None
    headers = {"X-MBX-USED-WEIGHT-1S": "3", "X-MBX-ORDER-COUNT-10S": "10"}
    limiter.reconcile(headers, sent)
    assert used(limiter, "ORDERS") == 12  # the server's 10, and our two sent after
    assert used(limiter) == 5  # weight: 3 on the server, 2 of ours since
