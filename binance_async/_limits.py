"""The rate limiter: Binance's fixed windows, first come first served, cheap when it does not bind.

Binance counts REQUEST_WEIGHT and RAW_REQUESTS per IP and ORDERS per account in FIXED windows that
reset at the interval boundary (the minute, the 10 s, the UTC day). A leaky bucket alone lets up to
twice the limit through one such window, so admission is decided by a counter per window index. An
``aiolimiter.AsyncLimiter`` per window (same rate, a burst of a tenth of the limit) paces the release
of requests that were held back, so a saturated client does not dump a whole window's worth on
Binance at the boundary (``smooth=False`` releases them at once). A request is admitted when it fits
every window.

* Clock error: a request sent within the margin of a boundary (``margin_ms``, at most a tenth of the
  window) may be counted by Binance in either window, so it is charged to both and must fit both.
* Order of service: when anything is held back, new requests queue behind it (an ``asyncio.Lock``,
  which wakes waiters in FIFO order); only the head of the queue waits on a window or a bucket,
  so a heavy ``depth(limit=5000)`` is never starved by a stream of light calls.
* Waiting costs a timer, not a polling loop. The fast path (nothing held back) is synchronous
  counter arithmetic: it never suspends and never touches the buckets.
* ``reconcile`` reads the server's counts from ``X-MBX-USED-WEIGHT-(n)(u)`` and
  ``X-MBX-ORDER-COUNT-(n)(u)``; a count that is not plain ASCII digits, or more than ten times the
  limit, is ignored.
* ``pause`` (after a 429 or 418) holds every request until ``Retry-After`` has passed.
* ``acquire(..., timeout=)``: a request held back longer than its call's timeout raises
  `RateLimitWaitError` (nothing was sent) instead of waiting on; so does a pause that outlasts it.
* A ramp within each IP window (REQUEST_WEIGHT, RAW_REQUESTS): at most ``burst`` (default half) of
  the limit goes out at once when a window opens; after that the allowance follows the window's
  elapsed share (a hundredth of the limit per hundredth of the window), reaching the whole limit
  in the last hundredth. A saturated client still uses the whole window. Another process on the
  same IP that bursts at the same instant finds the other half; and since the counts then climb
  slowly, each sees the other's in the response headers before the two together reach the limit
  (a step of a tenth, taken by both at once, was measured to overshoot by most of a step). ORDERS
  windows are not ramped: going over them rejects an order (-1015), it does not ban the IP, and
  order latency matters. ``burst=1.0`` turns the ramp off.
* The ramp is turned on from evidence, not by default (``burst=None``): a process alone on its IP
  is never held back while under the limit. It turns on when a server count is higher than this
  process's own (another process uses the IP), or from the start when ``share`` < 1. A number
  given as ``burst`` forces it (0.5 on, 1.0 off).
* Clock jumps: `rebase` moves every count and the pause with the clock when a sync changes its
  offset (a count charged by the old clock is charged to every window of the new clock that the
  old window overlaps), and a clock seen going backward does the same by itself, so a window
  whose start lies in the future is never waited for.
* The server's count wins when higher, plus this process's own requests admitted after the one
  whose response carried the count (still in flight when the server counted): without them, a
  process adopting a count would send those again on top.
* Processes sharing one IP (or account): ``share=0.5`` gives this limiter half of every limit and
  leaves the rest to the others; a server count is then read as ours plus the others' full share,
  so it holds this process back only when the others use more than theirs. Without shares, more
  than two processes that burst at the same instant can still send more than the limit before
  they see each other's counts in a header.
* A request heavier than a whole window raises `RequestTooHeavyError` at once.
* Processes and hosts sharing one store (``store=``: a `LimitStore`, e.g. ``"redis://..."``): the
  store holds the counts of every window for all of them, keyed by `identity` (the IP's name, the
  account's), and admits each request atomically (``_shared_limits``). Then every request takes the
  async path through one queue per process; no ramp (the counts are exact); ``share`` is the part of
  each limit this process keeps to (with the ramp, as above) while the store is unreachable
  (`store_status` "fallback"), after which it rejoins.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple

from aiolimiter import AsyncLimiter

from ._constants import MAX_RETRY_AFTER
from ._nap import Nap
from ._windows import (
    DEFAULT_LIMITS,
    ORDERS,
    RAW,
    WEIGHT,
    Window,
    WindowSpec,
    WindowState,
    parse_rate_limits,
)
from .errors import IPBanWaitError, RateLimitWaitError, RequestTooHeavyError

if TYPE_CHECKING:
    from ._limit_store import Identity, LimitStore
    from ._shared_limits import SharedLimits

__all__ = [
    "DEFAULT_LIMITS",
    "Admission",
    "RateLimiter",
    "ServerCount",
    "WindowSpec",
    "WindowState",
    "parse_rate_limits",
]

#: Held-back requests are released in bursts of at most this share of a window's limit.
RELEASE_BURST = 0.1
#: The share of an IP window's limit admitted at once when the window opens (see the ramp above).
OPENING_BURST = 0.5
#: A server count above this many times the limit is not a count: it is ignored.
MAX_COUNT_FACTOR = 10
#: The longest pause a 429/418 can impose (Binance's longest ban is 3 days).
MAX_PAUSE_SECONDS = MAX_RETRY_AFTER
#: A clock seen going back by more than this (ms) moves the counts with it (see `rebase`).
BACKWARD_STEP_MS = 1000
_UNLIMITED = 1 << 62  # the room of a kind that no window limits


class Admission(NamedTuple):
    """A request the limiter let through: give it back to `RateLimiter.reconcile` with the answer.

    `at_ms` is the server time it was admitted at (the window it counts in); `weight_mark` and
    `orders_mark` are everything this process had admitted by then, so that a server count taken
    when this request arrived can be topped up with what this process sent after it. `shared`: admitted
    through a limit store (the marks are then the store's totals, across processes).
    """

    at_ms: int
    orders: int
    weight_mark: int
    orders_mark: int
    shared: bool = False


class ServerCount(NamedTuple):
    """A count the server reported for one window (a response header, or a WebSocket API answer's
    ``rateLimits`` entry)."""

    limit_type: str
    interval: str
    interval_num: int
    used: int


class RateLimiter:
    """Admits requests under every configured window; see the module docstring."""

    def __init__(
        self,
        limits: Iterable[WindowSpec] = DEFAULT_LIMITS,
        *,
        now_ms: Callable[[], int] | None = None,
        smooth: bool = True,
        margin_ms: int = 500,
        share: float = 1.0,
        burst: float | None = None,
        store: str | LimitStore | None = None,
        identity: Identity | None = None,
    ) -> None:
        if not 0.0 < share <= 1.0:
            raise ValueError(f"share must be in (0, 1], got {share}")
        if burst is not None and not 0.0 < burst <= 1.0:
            raise ValueError(f"burst must be in (0, 1] or None (turned on from evidence), got {burst}")
        self._now_ms: Callable[[], int] = now_ms or (lambda: int(time.time() * 1000))
        self._smooth = smooth
        self.share = share
        #: Whether the ramp turns itself on when another process shows up in a server count.
        self._auto_ramp = burst is None
        if burst is None:
            burst = OPENING_BURST if share < 1.0 else 1.0
        self.burst = burst
        self.margin_ms = margin_ms
        self._windows: list[Window] = []
        self._reported: list[tuple[str, Window]] = []  # windows whose count the server reports
        self._reported_weight: list[tuple[str, Window]] = []
        self._gate = asyncio.Lock()
        self._queued = 0
        self._paused_until_ms = 0
        self._pause_status = 429
        self._nap = Nap()
        # The current period: until `_period_until` no window's (lo, hi) indices change, so what is
        # left per kind (weight, raw requests, orders) is a number, and charges can wait in
        # `_pending` before they are added to the windows' counts (`_settle`).
        self._period_until = 0
        self._period_from = 0
        self._room = [0, 0, 0]
        self._pending = [0, 0, 0]
        # Everything admitted so far (weight, orders): a request's marks, read right after it is
        # admitted, tell `reconcile` what this process sent after it.
        self.admitted_weight = 0
        self.admitted_orders = 0
        # The last response's headers: a window created later (exchangeInfo's limits arrive in a
        # response that already carries the server's count for them) starts from that count.
        self._last_seen: tuple[Mapping[str, str], Admission] | None = None
        #: Counts adopted from the server (headers), and server counts ignored as absurd.
        self.adopted_counts = 0
        self.ignored_counts = 0
        #: Times the counts were moved with a clock jump (`rebase`).
        self.rebases = 0
        #: The link to a shared limit store (None: the counts are this limiter's alone).
        self.shared: SharedLimits | None = None
        if store is not None:
            from ._limit_store import Identity, open_store
            from ._shared_limits import SharedLimits

            opened, owned = open_store(store)
            self.shared = SharedLimits(self, opened, identity or Identity("default", "public"), owned=owned)
            # Every request goes the async way (`acquire`, through the store) while the store is in use:
            # the fast path's one check (`_queued`) says so, at no cost to limiters without a store.
            self._queued += 1
        self.configure(limits)

    # -- configuration and state -------------------------------------------------------------------

    def configure(self, limits: Iterable[WindowSpec]) -> None:
        """Replace the windows (counts carry over to a window of the same type and length)."""
        self._settle()
        old = {(w.spec.limit_type, w.length): w for w in self._windows}
        windows = []
        for spec in limits:
            window = Window(spec, self.margin_ms, self.share, self.burst)
            if self._smooth:
                burst = max(1.0, window.limit * RELEASE_BURST)
                window.bucket = AsyncLimiter(burst, window.length / 1000.0 * burst / window.limit)
            previous = old.get((spec.limit_type, spec.length_ms))
            if previous is not None:
                window.counts = dict(previous.counts)
            windows.append(window)
        self._windows = windows
        if self.shared is not None:
            self.shared.configure(windows)
        self._reported = [(w.header, w) for w in windows if w.header is not None]
        self._reported_weight = [(h, w) for h, w in self._reported if w.kind == WEIGHT]
        self._period_until = 0
        if self._last_seen is not None:
            self.reconcile(*self._last_seen)
        self._wake_head()

    def state(self) -> list[WindowState]:
        """Used / limit for every window, now: the store's counts and whole limits while a limit store is
        in use (scope "shared"), else this limiter's (scope "local", or "fallback" while the store is
        unreachable)."""
        shared = self.shared
        if shared is not None and shared.active:
            return shared.state()
        scope = "local" if shared is None else "fallback"
        self._settle()
        now = self._now_ms()
        return [
            WindowState(
                w.spec.limit_type,
                w.spec.interval,
                w.spec.interval_num,
                w.limit,
                used=w.counts.get(now // w.length, 0),
                resets_at_ms=(now // w.length + 1) * w.length,
                scope=scope,
            )
            for w in self._windows
        ]

    @property
    def store_status(self) -> str:
        """Where the counts are: "local" (no limit store), "shared" (through the store), "fallback" (the
        store is unreachable: this limiter keeps to ``share`` of every limit until it is back)."""
        shared = self.shared
        return "local" if shared is None else shared.status

    async def aclose(self) -> None:
        """Stop the limit store's tasks, and close the store if this limiter opened it (a URL)."""
        if self.shared is not None:
            await self.shared.aclose()

    @property
    def paused_until_ms(self) -> int:
        """Server time (ms) until which every request is held back (0 if never paused)."""
        return self._paused_until_ms

    def paused_for(self) -> float:
        """Seconds left of the current pause (0.0 if not paused)."""
        left = self._paused_until_ms - self._now_ms()
        return left / 1000.0 if left > 0 else 0.0

    @property
    def ramping(self) -> bool:
        """Whether IP windows open with a ramp (see the module docstring)."""
        return self.burst < 1.0

    def _ramp_on(self, now: int) -> None:
        """Ramp the IP windows from the next one on (the current one is well under way)."""
        self.burst = OPENING_BURST
        for window in self._windows:
            window.set_burst(OPENING_BURST)
            window.ramp_from = now // window.length + 1
        self._period_until = 0

    # -- admission ---------------------------------------------------------------------------------

    def try_acquire(self, weight: int, orders: int = 0) -> Admission | None:
        """Charge the request and return its `Admission` if it fits now, else None.

        The fast path: synchronous, never suspends, never touches the buckets. When it returns None,
        ``await acquire(...)`` queues the request.
        """
        if self._queued:
            return None
        now = self._now_ms()
        if now < self._paused_until_ms or not self._admit(now, weight, orders):
            return None
        return self._admission(now, orders)

    def _admission(self, now: int, orders: int) -> Admission:
        """The `Admission` of a request just charged at `now` (marks: everything admitted so far)."""
        return _new_admission(Admission, (now, orders, self.admitted_weight, self.admitted_orders, False))

    async def acquire(self, weight: int, orders: int = 0, *, timeout: float | None = None) -> Admission:
        """Wait until the request fits every window, charge it, and return its `Admission`.

        Give it back to `reconcile` with the answer's headers. With a `timeout`, a request
        that would be held back longer raises `RateLimitWaitError` (nothing is charged); a pause
        that outlasts the timeout raises at once.
        """
        admitted = self.try_acquire(weight, orders)
        if admitted is not None:
            return admitted
        shared = self.shared
        while shared is not None and shared.active:
            admitted = await shared.acquire(weight, orders, timeout)
            if admitted is not None:
                return admitted
            # the store became unreachable while the request waited: the local share decides
        self._check_fits_at_all(weight, orders)
        if timeout is not None:
            self._check_pause(timeout)
        self._queued += 1
        try:
            deadline: tuple[float, float] | None = None
            if timeout is None:
                await self._gate.acquire()
            else:
                deadline = (asyncio.get_running_loop().time() + timeout, timeout)
                try:
                    await asyncio.wait_for(self._gate.acquire(), timeout)
                except asyncio.TimeoutError:
                    raise self._wait_error(timeout) from None
            try:
                at = await self._acquire_at_head(weight, orders, deadline)
            finally:
                self._gate.release()
        finally:
            self._queued -= 1
        if at is None:  # the limit store is back: the request queues there
            return await self.acquire(weight, orders, timeout=timeout)
        return self._admission(at, orders)

    def charge_now(self, weight: int, orders: int = 0) -> Admission:
        """Charge a request without waiting for room (the clock sync's time request): the windows
        may go over by it. Returns its `Admission` like `acquire`."""
        shared = self.shared
        if shared is not None and shared.active:
            return shared.charge_now(weight, orders)
        now = self._now_ms()
        self._admit(now, weight, orders, force=True)
        return self._admission(now, orders)

    async def wait_pause(self, timeout: float | None = None) -> None:
        """Wait until a pause after a 429/418 is over; raise as `acquire` does if it outlasts `timeout`."""
        if timeout is not None:
            self._check_pause(timeout)
        while True:
            left_ms = self._paused_until_ms - self._now_ms()
            if left_ms <= 0:
                return
            await asyncio.sleep(left_ms / 1000.0)

    def _check_pause(self, timeout: float) -> None:
        error = self._pause_error(timeout)
        if error is not None:
            raise error

    def _pause_error(self, timeout: float) -> RateLimitWaitError | IPBanWaitError | None:
        """The error of a request that cannot wait out the pause within `timeout`, if it cannot."""
        left = self.paused_for()
        if left <= timeout:
            return None
        status = self._pause_status
        cls = IPBanWaitError if status == 418 else RateLimitWaitError
        return cls(
            f"every request is held back for {left:.1f} s more (after an HTTP {status}), longer "
            f"than the call's timeout of {timeout} s; nothing was sent",
            retry_after=left,
            status=status,
        )

    def _wait_error(self, timeout: float) -> RateLimitWaitError:
        paused = self.paused_for()
        return RateLimitWaitError(
            f"held back by the rate limiter for longer than the call's timeout of {timeout} s; "
            "nothing was sent",
            retry_after=max(paused, timeout),
            status=self._pause_status if paused else 0,
        )

    def _admit(self, now: int, weight: int, orders: int, force: bool = False) -> bool:
        """Charge the request if it fits what is left in this period (no suspension, no buckets);
        with `force`, charge it whether it fits or not."""
        if now >= self._period_until or now < self._period_from:
            self._open_period(now)
        room = self._room
        if (weight > room[WEIGHT] or room[RAW] < 1 or orders > room[ORDERS]) and not force:
            return False
        pending = self._pending
        room[WEIGHT] -= weight
        room[RAW] -= 1
        room[ORDERS] -= orders
        pending[WEIGHT] += weight
        pending[RAW] += 1
        pending[ORDERS] += orders
        self.admitted_weight += weight
        self.admitted_orders += orders
        return True

    def _open_period(self, now: int) -> None:
        """Settle what is pending, then work out what every kind has left until an index changes."""
        if now < self._period_from - BACKWARD_STEP_MS:
            self.rebase(now - self._period_from)  # the clock went back: move the counts with it
        self._settle()
        self._period_from = now
        until = now + 86_400_000
        room = [_UNLIMITED, _UNLIMITED, _UNLIMITED]
        for window in self._windows:
            length = window.length
            margin = window.margin
            lo = window.lo = (now - margin) // length
            hi = window.hi = (now + margin) // length
            until = min(until, (lo + 1) * length + margin, (hi + 1) * length - margin)
            counts = window.counts
            left = window.limit - max(counts.get(lo, 0), counts.get(hi, 0))
            if window.burst < window.limit:
                if now // length >= window.ramp_from:
                    allowed, allowed_until = window.allowance(now)
                    left = min(left, allowed - counts.get(now // length, 0))
                    until = min(until, allowed_until)
                else:
                    until = min(until, window.ramp_from * length)
            room[window.kind] = min(room[window.kind], left)
        self._period_until = until
        self._room = room

    def _settle(self) -> None:
        """Add the charges pending in this period to the windows' counts."""
        pending = self._pending
        if pending[WEIGHT] or pending[RAW] or pending[ORDERS]:
            for window in self._windows:
                amount = pending[window.kind]
                if amount:
                    window.charge(window.lo, window.hi, amount)
            self._pending = [0, 0, 0]

    def _check_fits_at_all(self, weight: int, orders: int) -> None:
        for window in self._windows:
            amount = window.amount(weight, orders)
            if amount > window.limit:
                spec = window.spec
                raise RequestTooHeavyError(
                    f"a request of {spec.limit_type} {amount} can never fit the window of {window.limit} "
                    f"per {spec.interval_num} {spec.interval}"
                )

    async def _acquire_at_head(
        self, weight: int, orders: int, deadline: tuple[float, float] | None
    ) -> int | None:
        """Wait at the head of the queue until the request is charged: when (server ms); None if the
        limit store came back meanwhile (then it is not charged here)."""
        loop = asyncio.get_running_loop()
        shared = self.shared
        while True:
            if shared is not None and shared.active:
                return None
            now = self._now_ms()
            if now < self._period_from - BACKWARD_STEP_MS:
                self._open_period(now)  # the clock went back while we waited: rebase first
            if now < self._paused_until_ms:
                await self._sleep_ms(self._paused_until_ms - now, deadline)
                continue
            self._check_fits_at_all(weight, orders)  # the windows may have been reconfigured
            blocked_ms = self._blocked_for_ms(now, weight, orders)
            if blocked_ms:
                await self._sleep_ms(blocked_ms, deadline)
                continue
            for window in self._windows:
                amount = window.amount(weight, orders)
                if window.bucket is not None and amount:
                    tokens = min(amount, window.bucket.max_rate)
                    if deadline is None:
                        await window.bucket.acquire(tokens)
                    else:
                        left = deadline[0] - loop.time()
                        try:
                            await asyncio.wait_for(window.bucket.acquire(tokens), max(left, 0.0))
                        except asyncio.TimeoutError:
                            raise self._wait_error(deadline[1]) from None
            if shared is not None and shared.active:
                return None
            now = self._now_ms()
            if now >= self._paused_until_ms and self._admit(now, weight, orders):
                return now

    def _blocked_for_ms(self, now: int, weight: int, orders: int) -> int:
        """0 if the fixed windows admit the request now, else how long until they may."""
        self._settle()
        return max((w.blocked_for_ms(now, w.amount(weight, orders)) for w in self._windows), default=0)

    async def _sleep_ms(self, delay_ms: int, deadline: tuple[float, float] | None = None) -> None:
        loop = asyncio.get_running_loop()
        if deadline is not None and loop.time() + delay_ms / 1000.0 > deadline[0]:
            raise self._wait_error(deadline[1])  # known to take longer than the call may wait
        await self._nap.sleep(delay_ms)

    def _wake_head(self) -> None:
        """Let the head of the queue look again (after a reconfiguration or a new pause)."""
        self._nap.wake()

    # -- feedback from responses ---------------------------------------------------------------------

    def reconcile(self, headers: Mapping[str, str], admission: Admission) -> None:
        """Take the server's counts from an answer's headers (``X-MBX-USED-WEIGHT-(n)(u)``,
        ``X-MBX-ORDER-COUNT-(n)(u)``) where they are higher than ours; see `observe`."""
        self._last_seen = (headers, admission)
        if admission.shared:
            if self.shared is not None:
                self.shared.reconcile(headers, admission)
            return
        # Binance reports order counts only on order placements: look for them only then.
        for header, window in self._reported if admission.orders else self._reported_weight:
            value = headers.get(header)
            if value is not None:
                if not (value.isdigit() and value.isascii()) or len(value) > 12:
                    self.ignored_counts += 1  # "1e26", "-5", "٣": not a count
                    continue
                raw = int(value)
                # The common answer: the server counts no more than we have charged (plus what we
                # admitted since): nothing to adopt, no call.
                if (
                    raw - window.reserved + self.admitted_weight - admission.weight_mark
                    <= window.counts.get(admission.at_ms // window.length, 0)
                    and window.kind == WEIGHT
                ):
                    continue
                self._adopt(window, raw, admission)

    def observe(self, counts: Iterable[ServerCount], admission: Admission) -> None:
        """Take counts the server reported for the request of `admission` (a WebSocket API answer's
        ``rateLimits``) where they are higher than ours.

        A count is applied to the window the request was admitted in (by our clock): an answer that
        arrives after a boundary counts for the window before it. What this process admitted after
        the request (its `Admission` marks) is added: the server's count cannot include it yet.
        """
        if admission.shared:
            if self.shared is not None:
                self.shared.observe(counts, admission)
            return
        by_spec = {(w.spec.limit_type, w.length): w for w in self._windows}
        for count in counts:
            window = by_spec.get((count.limit_type, WindowSpec(*count[:3], 1).length_ms))
            if window is not None and type(count.used) is int and count.used >= 0:
                self._adopt(window, count.used, admission)

    def _adopt(self, window: Window, raw: int, admission: Admission) -> None:
        if raw > window.spec.limit * MAX_COUNT_FACTOR:
            self.ignored_counts += 1  # not a count any window can reach
            return
        count = raw - window.reserved  # the other processes' share is theirs
        if window.kind == ORDERS:
            count += self.admitted_orders - admission.orders_mark
        else:
            count += self.admitted_weight - admission.weight_mark
        # The window the request was sent in. Just after a boundary, the server may have counted it
        # in the previous one: then we only hold back a little more than needed.
        index = admission.at_ms // window.length
        if count > window.counts.get(index, 0) + self._pending[window.kind]:
            self._settle()
            window.counts[index] = count
            self.adopted_counts += 1
            self._period_until = 0  # the room per kind must be worked out again
            if self._auto_ramp and window.kind != ORDERS and self.burst >= 1.0:
                self._ramp_on(admission.at_ms)  # someone else sends on this IP: ramp the next windows

    def pause(self, seconds: float, status: int = 429) -> None:
        """Hold every request back for `seconds` from now (never shortens a pause).

        `status` is the HTTP status that asked for it (429 or 418): a call that cannot wait that
        long raises `RateLimitWaitError` or `IPBanWaitError`. At most `MAX_PAUSE_SECONDS`.
        """
        if not 0.0 <= seconds <= MAX_PAUSE_SECONDS:  # NaN and inf too
            seconds = MAX_PAUSE_SECONDS if seconds > MAX_PAUSE_SECONDS else 0.0
        until = self._now_ms() + int(seconds * 1000) + 1
        if self._set_pause(until, status) and self.shared is not None:
            self.shared.pause(until, status)

    def _set_pause(self, until_ms: int, status: int) -> bool:
        """Hold every request until `until_ms` (server time) unless a pause already lasts longer."""
        if until_ms <= self._paused_until_ms:
            return False
        self._paused_until_ms = until_ms
        self._pause_status = status
        self._wake_head()
        if self.shared is not None:
            self.shared.wake()
        return True

    def rebase(self, delta_ms: int) -> None:
        """The clock behind ``now_ms`` jumped by `delta_ms`: move the counts (`Window.shift`) and the
        pause with it; a pause keeps the time it had left."""
        delta_ms = int(delta_ms)
        if not delta_ms:
            return
        self._settle()
        for window in self._windows:
            window.shift(delta_ms)
        if self._paused_until_ms:
            self._paused_until_ms += delta_ms
        self._period_until = 0
        self._period_from += delta_ms
        self.rebases += 1
        self._wake_head()


#: ``tuple.__new__``: builds an `Admission` without NamedTuple's Python-level ``__new__`` (hot path).
_new_admission = tuple.__new__
