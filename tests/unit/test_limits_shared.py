"""The rate limiter with a shared limit store (``_shared_limits``), on the in-process store.

The same limiter code runs against Redis in ``tests/redis/``; here `InProcessStore` stands in for it
(its ``down`` flag makes it unreachable), on virtual loop time (`vt`, from ``test_limits``), so waits of
whole windows cost nothing and every admission time is exact.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable

import pytest

from binance_async import SpotClient
from binance_async._limit_store import Identity, InProcessStore, StoreWindow, account_name
from binance_async._limits import Admission, RateLimiter, WindowSpec
from binance_async._windows import WEIGHT
from binance_async.errors import RateLimitWaitError, RequestTooHeavyError
from binance_async.streams._budget import AttemptBudget
from tests.unit.test_limits import BASE_MS, VirtualTime, finish, spin
from tests.unit.test_limits import vt as vt  # the fixture

W100 = WindowSpec("REQUEST_WEIGHT", "SECOND", 1, 100)
O2 = WindowSpec("ORDERS", "SECOND", 10, 2)
IP = Identity("nat-a", "acct-1")
STORE_W100 = StoreWindow("REQUEST_WEIGHT", 1000, 100, 100, WEIGHT)
W100_MINUTE = WindowSpec("REQUEST_WEIGHT", "MINUTE", 1, 100)
STORE_W100_MINUTE = StoreWindow("REQUEST_WEIGHT", 60_000, 100, 500, WEIGHT)


def loop_clock() -> Callable[[], int]:
    """A server clock on the loop's (virtual) time, reading `BASE_MS` now."""
    loop = asyncio.get_running_loop()
    origin = loop.time()
    return lambda: BASE_MS + round((loop.time() - origin) * 1000)


def shared(
    store: InProcessStore, who: Identity = IP, limits: tuple[WindowSpec, ...] = (W100,), share: float = 0.25
) -> RateLimiter:
    return RateLimiter(limits, now_ms=loop_clock(), store=store, identity=who, share=share)


def weight_by_window(admissions: list[Admission], weights: list[int]) -> dict[int, int]:
    """Weight admitted per 1 s window (0: the window of `BASE_MS`)."""
    counts: Counter[int] = Counter()
    for admission, weight in zip(admissions, weights, strict=True):
        counts[(admission.at_ms - BASE_MS) // 1000] += weight
    return dict(sorted(counts.items()))


# -- no store: nothing changes ---------------------------------------------------------------------------


def test_without_a_store_the_counts_are_local_and_the_fast_path_answers() -> None:
    limiter = RateLimiter([W100])
    admission = limiter.try_acquire(5)
    assert admission is not None and not admission.shared
    assert limiter.store_status == "local" and limiter.shared is None
    assert [s.scope for s in limiter.state()] == ["local"]


# -- admission through the store ---------------------------------------------------------------------------


async def test_with_a_store_every_request_goes_through_it(vt: VirtualTime) -> None:
    store = InProcessStore()
    limiter = shared(store)
    assert limiter.try_acquire(5) is None  # the async way, always
    admission = await limiter.acquire(5)
    assert admission.shared and admission.at_ms == BASE_MS
    assert store.count(IP, STORE_W100, 0 + BASE_MS // 1000) == 5
    assert limiter.store_status == "shared"
    (state,) = limiter.state()
    assert (state.scope, state.limit, state.used) == ("shared", 100, 5)  # the whole limit, not the share


async def test_two_limiters_on_one_store_never_admit_more_than_the_limit_in_a_window(vt: VirtualTime) -> None:
    store = InProcessStore()
    one, two = shared(store), shared(store, Identity("nat-a", "acct-2"))  # other account, same IP
    weights = [1 + n % 7 for n in range(120)]
    tasks = [asyncio.create_task((one if n % 2 else two).acquire(w)) for n, w in enumerate(weights)]
    admitted = await finish(tasks)
    per_window = weight_by_window(admitted, weights)
    assert sum(per_window.values()) == sum(weights)  # everyone got in, eventually
    assert max(per_window.values()) <= 100
    assert all(count >= 94 for window, count in per_window.items() if window < max(per_window))  # used


async def test_orders_windows_are_the_accounts(vt: VirtualTime) -> None:
    store = InProcessStore()
    limits = (W100, O2)
    a1, a1_too = shared(store, Identity("ip", "a1"), limits), shared(store, Identity("ip", "a1"), limits)
    a2 = shared(store, Identity("ip", "a2"), limits)
    first = [await limiter.acquire(1, 1) for limiter in (a1, a1_too, a2, a2)]
    assert {a.at_ms for a in first} == {BASE_MS}  # each account has its own 2
    late = await a1_too.acquire(1, 1)
    assert late.at_ms >= BASE_MS + 10_000  # the account's third waits for the next 10 s window


async def test_first_come_first_served_and_the_head_alone_asks_the_store(vt: VirtualTime) -> None:
    store = InProcessStore()
    limiter = shared(store)
    await limiter.acquire(100)  # the window is full
    calls = store.calls
    weights = [50, 10, 60, 5, 40, 100, 3] * 10
    tasks = [asyncio.create_task(limiter.acquire(w)) for w in weights]
    admitted = await finish(tasks)
    times = [a.at_ms for a in admitted]
    assert times == sorted(times)  # in the order asked: a light one never passes a heavy one
    windows = (times[-1] - times[0]) // 1000 + 1
    # One store call per batch: about one per window, not one per waiter and not a polling loop.
    assert store.calls - calls <= 2 * windows + 2
    assert vt.timers < 4 * windows + 20


async def test_a_waiter_whose_timeout_ends_before_the_boundary_fails_at_once(vt: VirtualTime) -> None:
    store = InProcessStore()
    limiter = shared(store)
    await limiter.acquire(100)
    loop = asyncio.get_running_loop()
    began = loop.time()
    with pytest.raises(RateLimitWaitError):
        await limiter.acquire(10, timeout=0.5)
    assert loop.time() - began < 0.01  # known to take longer: not waited for
    assert store.count(IP, STORE_W100, BASE_MS // 1000) == 100  # nothing charged


async def test_a_request_heavier_than_the_whole_limit_raises_at_once(vt: VirtualTime) -> None:
    limiter = shared(InProcessStore())
    with pytest.raises(RequestTooHeavyError):
        await limiter.acquire(101)
    await limiter.acquire(100)  # the whole limit, not the fallback share, is what must fit


async def test_a_forced_charge_rides_on_the_next_store_call(vt: VirtualTime) -> None:
    store = InProcessStore()
    limiter = shared(store)
    admission = limiter.charge_now(7)
    assert admission.shared
    await spin()
    assert store.count(IP, STORE_W100, BASE_MS // 1000) == 7


# -- feedback ------------------------------------------------------------------------------------------------


async def test_a_server_count_above_the_stores_raises_it_for_every_process(vt: VirtualTime) -> None:
    store = InProcessStore()
    one, two = shared(store), shared(store)
    admission = await one.acquire(5)
    one.reconcile({"X-MBX-USED-WEIGHT-1S": "5"}, admission)  # what the store has: nothing to do
    await spin()
    assert store.count(IP, STORE_W100, BASE_MS // 1000) == 5
    one.reconcile({"X-MBX-USED-WEIGHT-1S": "90"}, admission)  # someone outside the store used 85
    await spin()
    assert store.count(IP, STORE_W100, BASE_MS // 1000) == 90
    late = await two.acquire(20)
    assert late.at_ms > BASE_MS + 1000  # the other process is held back to the next window


async def test_a_pause_is_honoured_by_every_process(vt: VirtualTime) -> None:
    store = InProcessStore()
    one, two = shared(store), shared(store)
    await one.acquire(1)
    one.pause(5.0, 429)
    await spin()
    with pytest.raises(RateLimitWaitError):
        await two.acquire(1, timeout=2.0)  # two learns of the pause from the store
    admission = await two.acquire(1)
    assert admission.at_ms >= BASE_MS + 5000


# -- the store unreachable --------------------------------------------------------------------------


async def test_an_unreachable_store_falls_back_to_the_local_share_and_rejoins(
    vt: VirtualTime, caplog: pytest.LogCaptureFixture
) -> None:
    store = InProcessStore()
    limiter = shared(store, limits=(W100_MINUTE,), share=0.25)
    await limiter.acquire(40)
    store.down = True
    with caplog.at_level(logging.WARNING, logger="binance_async"):
        admitted = [await limiter.acquire(1) for _ in range(5)]
    assert limiter.store_status == "fallback"
    assert not any(a.shared for a in admitted)
    (state,) = limiter.state()  # the local share starts from a quarter of the shared count
    assert (state.scope, state.limit, state.used) == ("fallback", 25, 10 + 5)
    warnings = [r for r in caplog.records if "unreachable" in r.message]
    assert len(warnings) == 1 and "25%" in warnings[0].message  # once per outage
    store.down = False
    await asyncio.sleep(6)  # the probe finds the store again (0.5 s, then doubling)
    assert limiter.store_status == "shared" and limiter.shared is not None
    assert limiter.shared.outages == 1
    # Back in the same minute: this process's 5 are added, and the count is raised to cover the others'
    # local shares (15 of ours + 75 theirs), who may not have rejoined yet.
    assert store.count(IP, STORE_W100_MINUTE, BASE_MS // 60_000) == 90
    late = await limiter.acquire(20)
    assert late.shared and late.at_ms >= BASE_MS + 60_000


async def test_a_request_waiting_when_the_store_goes_away_is_admitted_locally(vt: VirtualTime) -> None:
    store = InProcessStore()
    limiter = shared(store, share=1.0)
    await limiter.acquire(100)
    waiting = asyncio.create_task(limiter.acquire(10))
    await spin()
    store.down = True
    admission = await finish([waiting])
    assert not admission[0].shared and admission[0].at_ms >= BASE_MS + 1000
    await limiter.aclose()


# -- the client and the connection-attempt budget -------------------------------------------------


async def test_client_options_name_the_ip_and_the_account_never_the_key() -> None:
    store = InProcessStore()
    async with SpotClient("my-api-key", "secret", limit_store=store, limit_ip="nat-a") as client:
        link = client.limiter.shared
        assert link is not None and link.store is store and not link.owned
        assert link.who == Identity("nat-a", account_name("my-api-key"))
        assert "my-api-key" not in link.who.account
        assert client.limiter.share == 0.25  # the fallback share by default
    async with SpotClient(limit_store=store) as client:
        assert client.limiter.shared is not None
        assert client.limiter.shared.who == Identity("default@api.binance.com", "public")
    async with SpotClient() as client:
        assert client.limiter.share == 1.0 and client.limiter.store_status == "local"
    with pytest.raises(TypeError):
        SpotClient(limiter=RateLimiter(), limit_store=store)


async def test_the_connection_attempt_budget_is_shared_through_the_store(vt: VirtualTime) -> None:
    store = InProcessStore(clock=asyncio.get_running_loop().time)
    one, two = shared(store), shared(store)
    now = asyncio.get_running_loop().time
    budgets = [AttemptBudget(3, 300.0, clock=now, shared=link.shared) for link in (one, two)]
    for budget in (*budgets, budgets[0]):
        await budget.acquire()
    loop = asyncio.get_running_loop()
    began = loop.time()
    await budgets[1].acquire()  # the IP's fourth within 5 minutes waits for the first to age out
    assert loop.time() - began >= 299.0 and budgets[1].waits == 1
    store.down = True
    await budgets[0].acquire()  # unreachable: the local log, a quarter of the budget
    assert one.store_status == "fallback"
    await one.aclose()  # stops its probe
    await two.aclose()
