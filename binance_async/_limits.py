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
  ``X-MBX-ORDER-COUNT-(n)(u)``.
* ``pause`` (after a 429 or 418) holds every request until ``Retry-After`` has passed.
* A ramp within each IP window (REQUEST_WEIGHT, RAW_REQUESTS): at most ``burst`` (default half) of
  the limit goes out at once when a window opens; after that the allowance follows the window's
  elapsed share (a hundredth of the limit per hundredth of the window), reaching the whole limit
  in the last hundredth. A saturated client still uses the whole window. Another process on the
  same IP that bursts at the same instant finds the other half; and since the counts then climb
  slowly, each sees the other's in the response headers before the two together reach the limit
  (a step of a tenth, taken by both at once, was measured to overshoot by most of a step). ORDERS
  windows are not ramped: going over them rejects an order (-1015), it does not ban the IP, and
  order latency matters. ``burst=1.0`` turns the ramp off.
* The server's count wins when higher, plus this process's own requests admitted after the one
  whose response carried the count (still in flight when the server counted): without them, a
  process adopting a count would send those again on top.
* Processes sharing one IP (or account): ``share=0.5`` gives this limiter half of every limit and
  leaves the rest to the others; a server count is then read as ours plus the others' full share,
  so it holds this process back only when the others use more than theirs. Without shares, more
  than two processes that burst at the same instant can still send more than the limit before
  they see each other's counts in a header.
* A request heavier than a whole window raises `RequestTooHeavyError` at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple, TypeGuard

from aiolimiter import AsyncLimiter

from .errors import RequestTooHeavyError

__all__ = ["DEFAULT_LIMITS", "RateLimiter", "WindowSpec", "WindowState", "parse_rate_limits"]

REQUEST_WEIGHT = "REQUEST_WEIGHT"
RAW_REQUESTS = "RAW_REQUESTS"
ORDERS = "ORDERS"
_KIND = {REQUEST_WEIGHT: 0, RAW_REQUESTS: 1, ORDERS: 2}
_UNLIMITED = 1 << 62  # the room of a kind that no window limits
#: Held-back requests are released in bursts of at most this share of a window's limit.
RELEASE_BURST = 0.1
#: The share of an IP window's limit admitted at once when the window opens (see the ramp above).
OPENING_BURST = 0.5
#: The ramp's allowance grows in this many even steps over a window.
RAMP_STEPS = 100

_INTERVAL_MS = {"SECOND": 1000, "MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000}
_HEADER_PREFIX = {REQUEST_WEIGHT: "X-MBX-USED-WEIGHT-", ORDERS: "X-MBX-ORDER-COUNT-"}


class WindowSpec(NamedTuple):
    """One rate limit, as in exchangeInfo's ``rateLimits``."""

    limit_type: str  # REQUEST_WEIGHT, RAW_REQUESTS or ORDERS
    interval: str  # SECOND, MINUTE, HOUR or DAY
    interval_num: int
    limit: int

    @property
    def length_ms(self) -> int:
        return _INTERVAL_MS[self.interval] * self.interval_num

    @property
    def header(self) -> str | None:
        """The response header carrying the server's count for this window, if Binance sends one."""
        prefix = _HEADER_PREFIX.get(self.limit_type)
        return f"{prefix}{self.interval_num}{self.interval[0]}" if prefix else None


class WindowState(NamedTuple):
    """A window's state as the limiter sees it now."""

    limit_type: str
    interval: str
    interval_num: int
    limit: int
    used: int
    resets_at_ms: int  # server time (ms) of the next boundary


#: The documented defaults, used until exchangeInfo's ``rateLimits`` are loaded.
DEFAULT_LIMITS: tuple[WindowSpec, ...] = (
    WindowSpec(REQUEST_WEIGHT, "MINUTE", 1, 6000),
    WindowSpec(RAW_REQUESTS, "MINUTE", 5, 300_000),
    WindowSpec(ORDERS, "SECOND", 10, 50),
    WindowSpec(ORDERS, "DAY", 1, 160_000),
)


def parse_rate_limits(entries: Iterable[Any]) -> list[WindowSpec]:
    """The usable entries of exchangeInfo's ``rateLimits`` (dicts or objects); odd ones are skipped."""
    specs: list[WindowSpec] = []
    for entry in entries:
        get = entry.get if isinstance(entry, Mapping) else lambda key, e=entry: getattr(e, key, None)
        fields = (
            get("rateLimitType") or get("rate_limit_type"),
            get("interval"),
            get("intervalNum") or get("interval_num"),
            get("limit"),
        )
        kind, interval, num, limit = fields
        if (
            kind in (REQUEST_WEIGHT, RAW_REQUESTS, ORDERS)
            and isinstance(interval, str)
            and interval in _INTERVAL_MS
            and _positive_int(num)
            and _positive_int(limit)
        ):
            specs.append(WindowSpec(kind, interval, num, limit))
    return specs


def _positive_int(value: object) -> TypeGuard[int]:
    return type(value) is int and value > 0  # JSON true/false are not counts


class _Window:
    """Counts for one fixed window, by window index (at most a few indices are kept)."""

    __slots__ = (
        "bucket",
        "burst",
        "counts",
        "header",
        "hi",
        "kind",
        "length",
        "limit",
        "lo",
        "margin",
        "reserved",
        "spec",
    )

    def __init__(
        self, spec: WindowSpec, smooth: bool, margin_ms: int, share: float = 1.0, burst: float = 1.0
    ) -> None:
        self.spec = spec
        self.kind = _KIND[spec.limit_type]
        self.length = spec.length_ms
        self.margin = min(margin_ms, self.length // 10)  # a second-long window gets 100 ms
        self.limit = max(1, int(spec.limit * share))
        # What may go out at once when the window opens (the whole limit: no ramp).
        self.burst = self.limit if self.kind == 2 else max(1, min(self.limit, int(self.limit * burst)))
        self.reserved = spec.limit - self.limit  # left to the other processes sharing the limit
        self.header = spec.header
        self.counts: dict[int, int] = {}
        self.lo = self.hi = 0  # window indices a request is charged to in the current period
        self.bucket: AsyncLimiter | None = None
        if smooth:
            burst = max(1.0, self.limit * RELEASE_BURST)
            self.bucket = AsyncLimiter(burst, self.length / 1000.0 * burst / self.limit)

    def amount(self, weight: int, orders: int) -> int:
        kind = self.kind  # _admit inlines this on the fast path
        return weight if kind == 0 else orders if kind == 2 else 1

    def allowance(self, now: int) -> tuple[int, int]:
        """What the ramp allows in the current window by `now`, and until when (ms) that holds."""
        index, elapsed = divmod(now, self.length)
        step = elapsed * RAMP_STEPS // self.length
        allowed = max(self.burst, self.limit * (step + 1) // RAMP_STEPS)
        if allowed >= self.limit:
            return self.limit, (index + 1) * self.length
        return allowed, index * self.length + -(-(step + 1) * self.length // RAMP_STEPS)

    def fits(self, lo: int, hi: int, amount: int) -> bool:
        counts = self.counts
        if counts.get(lo, 0) + amount > self.limit:
            return False
        return hi == lo or counts.get(hi, 0) + amount <= self.limit

    def charge(self, lo: int, hi: int, amount: int) -> None:
        counts = self.counts
        if lo not in counts and len(counts) > 1:
            for index in [i for i in counts if i < lo]:
                del counts[index]
        counts[lo] = counts.get(lo, 0) + amount
        if hi != lo:
            counts[hi] = counts.get(hi, 0) + amount


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
        burst: float = OPENING_BURST,
    ) -> None:
        if not 0.0 < share <= 1.0:
            raise ValueError(f"share must be in (0, 1], got {share}")
        if not 0.0 < burst <= 1.0:
            raise ValueError(f"burst must be in (0, 1], got {burst}")
        self._now_ms: Callable[[], int] = now_ms or (lambda: int(time.time() * 1000))
        self._smooth = smooth
        self.share = share
        self.burst = burst
        self.margin_ms = margin_ms
        self._windows: list[_Window] = []
        self._reported: list[tuple[str, _Window]] = []  # windows whose count the server reports
        self._reported_weight: list[tuple[str, _Window]] = []
        self._gate = asyncio.Lock()
        self._queued = 0
        self._paused_until_ms = 0
        self._nap: asyncio.Future[None] | None = None
        # The current period: until `_period_until` no window's (lo, hi) indices change, so what is
        # left per kind (weight, raw requests, orders) is a number, and charges can wait in
        # `_pending` before they are added to the windows' counts (`_settle`).
        self._period_until = 0
        self._room = [0, 0, 0]
        self._pending = [0, 0, 0]
        # Everything admitted so far (weight, orders): a request's marks, read right after it is
        # admitted, tell `reconcile` what this process sent after it.
        self.admitted_weight = 0
        self.admitted_orders = 0
        # The last response's headers: a window created later (exchangeInfo's limits arrive in a
        # response that already carries the server's count for them) starts from that count.
        self._last_seen: tuple[Mapping[str, str], int, int] | None = None
        self.configure(limits)

    # -- configuration and state -------------------------------------------------------------------

    def configure(self, limits: Iterable[WindowSpec]) -> None:
        """Replace the windows (counts carry over to a window of the same type and length)."""
        self._settle()
        old = {(w.spec.limit_type, w.length): w for w in self._windows}
        windows = []
        for spec in limits:
            window = _Window(spec, self._smooth, self.margin_ms, self.share, self.burst)
            previous = old.get((spec.limit_type, spec.length_ms))
            if previous is not None:
                window.counts = dict(previous.counts)
            windows.append(window)
        self._windows = windows
        self._reported = [(w.header, w) for w in windows if w.header is not None]
        self._reported_weight = [(h, w) for h, w in self._reported if w.kind == 0]
        self._period_until = 0
        if self._last_seen is not None:
            self.reconcile(*self._last_seen)
        self._wake_head()

    def state(self) -> list[WindowState]:
        """Used / limit for every window, now."""
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
            )
            for w in self._windows
        ]

    @property
    def paused_until_ms(self) -> int:
        """Server time (ms) until which every request is held back (0 if never paused)."""
        return self._paused_until_ms

    # -- admission ---------------------------------------------------------------------------------

    def try_acquire(self, weight: int, orders: int = 0) -> int | None:
        """Charge the request and return the server time (ms) if it fits now, else None.

        The fast path: synchronous, never suspends, never touches the buckets. When it returns None,
        ``await acquire(...)`` queues the request.
        """
        if self._queued:
            return None
        now = self._now_ms()
        if now < self._paused_until_ms or not self._admit(now, weight, orders):
            return None
        return now

    async def acquire(self, weight: int, orders: int = 0) -> int:
        """Wait until the request fits every window, charge it, and return the server time (ms).

        Pass the returned time to `reconcile` with the response headers.
        """
        now = self.try_acquire(weight, orders)
        if now is not None:
            return now
        self._check_fits_at_all(weight, orders)
        self._queued += 1
        try:
            async with self._gate:
                return await self._acquire_at_head(weight, orders)
        finally:
            self._queued -= 1

    def _admit(self, now: int, weight: int, orders: int) -> bool:
        """Charge the request if it fits what is left in this period (no suspension, no buckets)."""
        if now >= self._period_until:
            self._open_period(now)
        room = self._room
        if weight > room[0] or room[1] < 1 or orders > room[2]:
            return False
        pending = self._pending
        room[0] -= weight
        room[1] -= 1
        room[2] -= orders
        pending[0] += weight
        pending[1] += 1
        pending[2] += orders
        self.admitted_weight += weight
        self.admitted_orders += orders
        return True

    def _open_period(self, now: int) -> None:
        """Settle what is pending, then work out what every kind has left until an index changes."""
        self._settle()
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
                allowed, allowed_until = window.allowance(now)
                left = min(left, allowed - counts.get(now // length, 0))
                until = min(until, allowed_until)
            room[window.kind] = min(room[window.kind], left)
        self._period_until = until
        self._room = room

    def _settle(self) -> None:
        """Add the charges pending in this period to the windows' counts."""
        pending = self._pending
        if pending[0] or pending[1] or pending[2]:
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

    async def _acquire_at_head(self, weight: int, orders: int) -> int:
        while True:
            now = self._now_ms()
            if now < self._paused_until_ms:
                await self._sleep_ms(self._paused_until_ms - now)
                continue
            self._check_fits_at_all(weight, orders)  # the windows may have been reconfigured
            blocked_ms = self._blocked_for_ms(now, weight, orders)
            if blocked_ms:
                await self._sleep_ms(blocked_ms)
                continue
            for window in self._windows:
                amount = window.amount(weight, orders)
                if window.bucket is not None and amount:
                    await window.bucket.acquire(min(amount, window.bucket.max_rate))
            now = self._now_ms()
            if now >= self._paused_until_ms and self._admit(now, weight, orders):
                return now

    def _blocked_for_ms(self, now: int, weight: int, orders: int) -> int:
        """0 if the fixed windows admit the request now, else how long until one boundary passes."""
        self._settle()
        wait = 0
        for window in self._windows:
            amount = window.amount(weight, orders)
            if not amount:
                continue
            length = window.length
            margin = window.margin
            lo, hi = (now - margin) // length, (now + margin) // length
            if not window.fits(lo, hi, amount):
                # Admitted once the blocking index has passed by more than the margin.
                blocking = lo if window.counts.get(lo, 0) + amount > window.limit else hi
                wait = max(wait, (blocking + 1) * length + margin - now + 1)
            elif window.burst < window.limit:
                allowed, allowed_until = window.allowance(now)
                if window.counts.get(now // length, 0) + amount > allowed:
                    wait = max(wait, allowed_until - now)
        return wait

    async def _sleep_ms(self, delay_ms: int) -> None:
        loop = asyncio.get_running_loop()
        nap: asyncio.Future[None] = loop.create_future()
        handle = loop.call_later(delay_ms / 1000.0, _resolve, nap)
        self._nap = nap
        try:
            await nap
        finally:
            handle.cancel()
            self._nap = None

    def _wake_head(self) -> None:
        """Let the head of the queue look again (after a reconfiguration or a new pause)."""
        if self._nap is not None:
            _resolve(self._nap)

    # -- feedback from responses ---------------------------------------------------------------------

    def reconcile(
        self,
        headers: Mapping[str, str],
        sent_at_ms: int,
        orders: int = 0,
        weight_mark: int | None = None,
        orders_mark: int | None = None,
    ) -> None:
        """Take the server's counts from the response headers where they are higher than ours.

        A count is applied to the window the request was sent in (by our clock): a response that
        arrives after a boundary counts for the window before it. `weight_mark` and `orders_mark`
        are `admitted_weight` and `admitted_orders` read right after the request was admitted: what
        this process admitted since then is added to the server's count, which cannot include it
        yet. Without marks, nothing is added.
        """
        self._last_seen = (headers, sent_at_ms, orders)
        since_weight = 0 if weight_mark is None else self.admitted_weight - weight_mark
        since_orders = 0 if orders_mark is None else self.admitted_orders - orders_mark
        # Binance reports order counts only on order placements: look for them only then.
        for header, window in self._reported if orders else self._reported_weight:
            value = headers.get(header)
            if value is None:
                continue
            # The window the request was sent in. Just after a boundary, the server may have counted it
            # in the previous one: then we only hold back a little more than needed.
            index = sent_at_ms // window.length
            try:
                count = int(value) - window.reserved  # the other processes' share is theirs
            except ValueError:
                continue
            count += since_weight if window.kind == 0 else since_orders
            if count > window.counts.get(index, 0) + self._pending[window.kind]:
                self._settle()
                window.counts[index] = count
                self._period_until = 0  # the room per kind must be worked out again

    def pause(self, seconds: float) -> None:
        """Hold every request back for `seconds` from now (never shortens a pause)."""
        until = self._now_ms() + int(seconds * 1000) + 1
        if until > self._paused_until_ms:
            self._paused_until_ms = until
            self._wake_head()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
