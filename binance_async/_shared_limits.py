"""The rate limiter's side of a shared `LimitStore`: one queue per process, one store call at a time.

While the store is in use, every request goes the async way (``RateLimiter.acquire``) and joins this
process's queue (first come, first served). One task, the pump, sends the queue's head (up to
`MAX_BATCH` requests, everything that arrived while the previous call was out) to the store in one
atomic call, resolves the ones it admitted, and when the head does not fit sleeps for the time the store
said (the next boundary) or until a pause ends: waiting requests cost a future each, and only the pump
talks to the store. A waiter whose timeout ends before that wake-up fails at once, as in one process.

Feedback goes to the store too, off the request's path: a server count (header, ``rateLimits``) higher
than what the store has seen raises the shared count (`LimitStore.raise_count`, coalesced per window); a
429/418 sets the shared pause; a forced charge (the clock sync's time request, a WebSocket connection)
rides on the next admission call.

When a store call fails, the limiter falls back to its local windows (``share`` of each limit, seeded
with that share of the last shared counts seen): a warning once per outage, ``status`` "fallback", and
a probe that pings the store (0.5 s, doubling up to 2 s). When it answers, what this process admitted
meanwhile is added back, and the current windows of a minute or less are raised to at least this
process's count plus the others' shares (they may still be on theirs), before requests go shared again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Coroutine, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ._limit_store import Identity, LimitStore, StoreWindow
from ._limits import Admission, ServerCount
from ._nap import Nap
from ._windows import ORDERS, RAW, WEIGHT, Window, WindowSpec, WindowState
from .errors import RequestTooHeavyError

if TYPE_CHECKING:
    from ._limits import RateLimiter

__all__ = ["SharedLimits"]

log = logging.getLogger("binance_async")

#: At most this many queued requests go in one store call.
MAX_BATCH = 256
#: The probe's first wait after an outage, and its longest (s).
PROBE_FIRST_S = 0.5
PROBE_MAX_S = 2.0
#: On rejoining, windows up to this long (ms) are raised to cover the other processes' local shares.
REJOIN_FLOOR_MAX_MS = 60_000
_MAX_COUNT_FACTOR = 10


class _Waiter:
    __slots__ = ("deadline", "future", "orders", "timeout", "weight")

    def __init__(
        self,
        weight: int,
        orders: int,
        future: asyncio.Future[Admission | None],
        deadline: float | None,
        timeout: float | None,
    ) -> None:
        self.weight = weight
        self.orders = orders
        self.future = future
        self.deadline = deadline
        self.timeout = timeout


class SharedLimits:
    """A `RateLimiter`'s link to its `LimitStore` (see the module docstring)."""

    def __init__(self, limiter: RateLimiter, store: LimitStore, who: Identity, *, owned: bool) -> None:
        self.limiter = limiter
        self.store = store
        self.who = who
        self.owned = owned
        #: Whether requests are admitted through the store (False: on the local share).
        self.active = True
        #: Outages so far (store calls that failed while it was in use).
        self.outages = 0
        #: Admission calls made to the store, and requests they admitted.
        self.calls = 0
        self.admitted = 0
        #: Everything admitted through the store so far (weight, raw requests, orders), as last seen.
        self.totals = [0, 0, 0]
        self.windows: tuple[StoreWindow, ...] = ()
        self._by_spec: dict[tuple[str, int], StoreWindow] = {}
        self._queue: deque[_Waiter] = deque()
        self._forced = [0, 0, 0]
        self._pump: asyncio.Task[None] | None = None
        self._nap = Nap()
        self._probe: asyncio.Task[None] | None = None
        self._raises: dict[tuple[str, int, int], tuple[StoreWindow, int, int, int | None]] = {}
        self._raiser: asyncio.Task[None] | None = None
        self._chores: set[asyncio.Task[None]] = set()
        # The counts last seen in the store: (limit type, length, index) -> count.
        self._mirror: dict[tuple[str, int, int], int] = {}
        # On falling back: what the local windows were seeded with, by the same key.
        self._seeds: dict[tuple[str, int, int], int] = {}
        self._lost_at = 0.0
        self._closed = False

    @property
    def status(self) -> str:
        return "shared" if self.active else "fallback"

    def configure(self, windows: Iterable[Window]) -> None:
        """The limiter's windows changed: count the same ones in the store (whole limits)."""
        self.windows = tuple(
            StoreWindow(w.spec.limit_type, w.length, w.spec.limit, w.margin, w.kind) for w in windows
        )
        self._by_spec = {(w.limit_type, w.length): w for w in self.windows}
        self.wake()

    # -- admission ---------------------------------------------------------------------------------------

    def check_fits_at_all(self, weight: int, orders: int) -> None:
        for window in self.windows:
            amount = weight if window.kind == WEIGHT else orders if window.kind == ORDERS else 1
            if amount > window.limit:
                raise RequestTooHeavyError(
                    f"a request of {window.limit_type} {amount} can never fit the window of {window.limit} "
                    f"per {window.length // 1000} s"
                )

    async def acquire(self, weight: int, orders: int, timeout: float | None) -> Admission | None:
        """Queue the request for the store; its `Admission`, or None if the store went away meanwhile
        (the caller then takes the local path)."""
        limiter = self.limiter
        self.check_fits_at_all(weight, orders)
        if timeout is not None:
            error = limiter._pause_error(timeout)
            if error is not None:
                raise error
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Admission | None] = loop.create_future()
        deadline = None if timeout is None else loop.time() + timeout
        self._queue.append(_Waiter(weight, orders, future, deadline, timeout))
        self._kick()
        if timeout is None:
            return await future
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            raise limiter._wait_error(timeout) from None

    def charge_now(self, weight: int, orders: int) -> Admission:
        """Charge without waiting: the charge rides on the next store call."""
        forced = self._forced
        forced[WEIGHT] += weight
        forced[RAW] += 1
        forced[ORDERS] += orders
        self._kick()
        now = self.limiter._now_ms()
        marks = (self.totals[WEIGHT] + forced[WEIGHT], self.totals[ORDERS] + forced[ORDERS])
        return _shared_admission(now, orders, *marks)

    def _kick(self) -> None:
        if self._pump is None and not self._closed:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop (a charge outside one): the next request's call carries it
                return
            self._pump = loop.create_task(self._run())

    def wake(self) -> None:
        """Let a sleeping pump look again (a pause, a reconfiguration, an outage)."""
        self._nap.wake()

    async def _run(self) -> None:
        try:
            await self._pump_loop()
        finally:
            self._pump = None
            if (self._queue or any(self._forced)) and not self._closed:
                self._kick()  # arrived as the pump was ending

    async def _pump_loop(self) -> None:
        queue = self._queue
        limiter = self.limiter
        loop = asyncio.get_running_loop()
        while True:
            while queue and queue[0].future.done():
                queue.popleft()
            forced = self._forced
            if not queue and not any(forced):
                return
            if not self.active:
                self._release_to_local()
                return
            now = limiter._now_ms()
            if now < limiter._paused_until_ms:
                delay = limiter._paused_until_ms - now
                self._fail_late(loop.time() + delay / 1000.0, pause=True)
                await self._nap.sleep(delay)
                continue
            batch = [w for w in _head(queue, MAX_BATCH) if not w.future.done()]
            self._forced = [0, 0, 0]
            try:
                result = await self.store.admit(
                    self.who,
                    self.windows,
                    now,
                    [(w.weight, w.orders) for w in batch],
                    (forced[WEIGHT], forced[RAW], forced[ORDERS]),
                )
            except asyncio.CancelledError:
                self._forced = [a + b for a, b in zip(self._forced, forced, strict=True)]
                raise
            except Exception as exc:  # any failure: the store is not usable now
                limiter._admit(limiter._now_ms(), forced[WEIGHT], forced[ORDERS], force=True)
                self.lost(exc)
                continue
            self.calls += 1
            if result.paused_until_ms:
                self._forced = [a + b for a, b in zip(self._forced, forced, strict=True)]
                limiter._set_pause(result.paused_until_ms, result.pause_status)
                continue
            self._seen(now, result.totals, result.counts)
            admitted = batch[: result.admitted]
            self.admitted += len(admitted)
            weight_mark = result.totals[WEIGHT] - sum(w.weight for w in admitted)
            orders_mark = result.totals[ORDERS] - sum(w.orders for w in admitted)
            for waiter in admitted:
                weight_mark += waiter.weight
                orders_mark += waiter.orders
                if not waiter.future.done():
                    waiter.future.set_result(_shared_admission(now, waiter.orders, weight_mark, orders_mark))
            if len(admitted) < len(batch):
                delay = max(1, result.blocked_ms)
                self._fail_late(loop.time() + delay / 1000.0, pause=False)
                await self._nap.sleep(delay)

    def _seen(self, now: int, totals: tuple[int, int, int], counts: tuple[tuple[int, int], ...]) -> None:
        """Remember the store's totals and counts from an answer."""
        self.totals = list(totals)
        mirror = self._mirror
        if len(mirror) > 64:
            for key in [k for k in mirror if (k[2] + 2) * k[1] < now]:
                del mirror[key]
        for window, (at_lo, at_hi) in zip(self.windows, counts, strict=True):
            length, margin = window.length, window.margin
            lo_key = (window.limit_type, length, (now - margin) // length)
            hi_key = (window.limit_type, length, (now + margin) // length)
            if at_lo > mirror.get(lo_key, 0):
                mirror[lo_key] = at_lo
            if at_hi > mirror.get(hi_key, 0):
                mirror[hi_key] = at_hi

    def _fail_late(self, wake_at: float, *, pause: bool) -> None:
        """Fail the waiters whose timeout ends before `wake_at` (loop time): known to wait too long."""
        limiter = self.limiter
        for waiter in self._queue:
            if waiter.deadline is not None and waiter.deadline < wake_at and not waiter.future.done():
                assert waiter.timeout is not None
                error = limiter._pause_error(waiter.timeout) if pause else None
                waiter.future.set_exception(error or limiter._wait_error(waiter.timeout))

    def _release_to_local(self) -> None:
        """The store went away: every queued request takes the local path (their futures answer None)."""
        queue = self._queue
        while queue:
            waiter = queue.popleft()
            if not waiter.future.done():
                waiter.future.set_result(None)

    # -- feedback ----------------------------------------------------------------------------------------

    def reconcile(self, headers: Mapping[str, str], admission: Admission) -> None:
        """A shared admission's answer: a server count above what the store has seen raises it."""
        limiter = self.limiter
        reported = limiter._reported if admission.orders else limiter._reported_weight
        for header, window in reported:
            value = headers.get(header)
            if value is None:
                continue
            if not (value.isdigit() and value.isascii()) or len(value) > 12:
                limiter.ignored_counts += 1
                continue
            self._server_count(window.spec.limit_type, window.length, int(value), admission)

    def observe(self, counts: Iterable[ServerCount], admission: Admission) -> None:
        for count in counts:
            if type(count.used) is int and count.used >= 0:
                length = WindowSpec(*count[:3], 1).length_ms
                self._server_count(count.limit_type, length, count.used, admission)

    def _server_count(self, limit_type: str, length: int, raw: int, admission: Admission) -> None:
        window = self._by_spec.get((limit_type, length))
        if window is None or not self.active:
            return
        if raw > window.limit * _MAX_COUNT_FACTOR:
            self.limiter.ignored_counts += 1
            return
        kind = window.kind
        mark = None if kind == RAW else admission.orders_mark if kind == ORDERS else admission.weight_mark
        index = admission.at_ms // length
        key = (limit_type, length, index)
        if raw <= self._mirror.get(key, 0):
            return  # the common answer: the store has admitted at least as much (see raise_count)
        self.limiter.adopted_counts += 1
        pending = self._raises.get(key)
        if pending is None or raw > pending[2]:
            self._raises[key] = (window, index, raw, mark)
        if self._raiser is None and not self._closed:
            self._raiser = asyncio.get_running_loop().create_task(self._flush_raises())

    async def _flush_raises(self) -> None:
        try:
            while self._raises and self.active:
                key = next(iter(self._raises))
                window, index, raw, mark = self._raises.pop(key)
                try:
                    count = await self.store.raise_count(
                        self.who, window, index, raw, mark, self.limiter._now_ms()
                    )
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    self.lost(exc)
                    break
                if count > self._mirror.get(key, 0):
                    self._mirror[key] = count
        finally:
            self._raises.clear()
            self._raiser = None

    def pause(self, until_ms: int, status: int) -> None:
        """Tell the other processes (the limiter has paused itself already)."""
        self.wake()
        if self.active and not self._closed:
            self._chore(self._share_pause(until_ms, status))

    async def _share_pause(self, until_ms: int, status: int) -> None:
        try:
            await self.store.pause(self.who, until_ms, status, self.limiter._now_ms())
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.lost(exc)

    def _chore(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._chores.add(task)
        task.add_done_callback(self._chores.discard)

    # -- outages -----------------------------------------------------------------------------------------

    def lost(self, exc: BaseException) -> None:
        """A store call failed: fall back to the local share until the store answers again."""
        if not self.active or self._closed:
            return
        self.active = False
        self.outages += 1
        self._lost_at = time.monotonic()
        limiter = self.limiter
        log.warning(
            "rate limits: the shared limit store %s is unreachable (%s: %s); admitting on a local share of "
            "%g%% of every limit until it is back",
            self.store.name,
            type(exc).__name__,
            exc,
            limiter.share * 100,
        )
        self._seed_local()
        limiter._queued -= 1  # the fast path serves the local share
        self.wake()
        if self._probe is None:
            self._probe = asyncio.get_running_loop().create_task(self._probe_until_back())

    def _seed_local(self) -> None:
        """Start the local windows from this process's share of the last shared counts seen."""
        limiter = self.limiter
        limiter._settle()
        now = limiter._now_ms()
        share = limiter.share
        self._seeds.clear()
        for window in limiter._windows:
            spec = window.spec
            current = (now - window.margin) // window.length
            for index in (current, current + 1):
                shared = self._mirror.get((spec.limit_type, window.length, index), 0)
                seed = -int(-shared * share // 1)
                if seed > window.counts.get(index, 0):
                    window.counts[index] = seed
                self._seeds[(spec.limit_type, window.length, index)] = window.counts.get(index, 0)
        limiter._period_until = 0

    async def _probe_until_back(self) -> None:
        delay = PROBE_FIRST_S
        try:
            while not self._closed:
                await asyncio.sleep(delay)
                try:
                    await self.store.ping()
                    await self._merge_back()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    delay = min(delay * 2, PROBE_MAX_S)
                    continue
                self.active = True
                self.limiter._queued += 1  # back to the store: every request goes the async way
                self.limiter._wake_head()  # and the ones waiting on the local share queue there
                log.info(
                    "rate limits: the shared limit store %s is back after %.1f s; admitting through it again",
                    self.store.name,
                    time.monotonic() - self._lost_at,
                )
                return
        finally:
            self._probe = None

    async def _merge_back(self) -> None:
        """Add what this process admitted on its own to the store's current windows (see the module doc)."""
        limiter = self.limiter
        limiter._settle()
        now = limiter._now_ms()
        for window in limiter._windows:
            spec = window.spec
            store_window = self._by_spec.get((spec.limit_type, window.length))
            if store_window is None:
                continue
            current = (now - window.margin) // window.length
            for index in (current, current + 1):
                key = (spec.limit_type, window.length, index)
                count = window.counts.get(index, 0)
                add = max(0, count - self._seeds.get(key, 0))
                floor = count + window.reserved if window.length <= REJOIN_FLOOR_MAX_MS and count else 0
                if add or floor:
                    await self.store.merge(self.who, store_window, index, add, floor, now)
                    self._mirror[key] = max(self._mirror.get(key, 0), floor)

    # -- state and life cycle ------------------------------------------------------------------------------

    def state(self) -> list[WindowState]:
        now = self.limiter._now_ms()
        mirror = self._mirror
        states = []
        for window in self.limiter._windows:
            spec = window.spec
            index = now // window.length
            states.append(
                WindowState(
                    spec.limit_type,
                    spec.interval,
                    spec.interval_num,
                    spec.limit,
                    used=mirror.get((spec.limit_type, window.length, index), 0),
                    resets_at_ms=(index + 1) * window.length,
                    scope="shared",
                )
            )
        return states

    async def aclose(self) -> None:
        """Stop the tasks; close the store if the limiter opened it."""
        self._closed = True
        tasks = [t for t in (self._pump, self._probe, self._raiser, *self._chores) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._release_to_local()
        if self.owned:
            await self.store.aclose()


def _head(queue: deque[_Waiter], n: int) -> Iterable[_Waiter]:
    for i, waiter in enumerate(queue):
        if i >= n:
            return
        yield waiter


def _shared_admission(now: int, orders: int, weight_mark: int, orders_mark: int) -> Admission:
    return Admission(now, orders, weight_mark, orders_mark, True)
