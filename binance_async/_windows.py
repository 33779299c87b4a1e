"""Binance's fixed rate-limit windows as plain arithmetic: no asyncio, no waiting.

A `WindowSpec` is one limit as exchangeInfo's ``rateLimits`` lists it; a `Window` counts what was
charged to it by window index (the interval boundaries are on the server's clock), knows what the
opening ramp allows at an instant (`Window.allowance`), whether a request fits (`Window.fits`), and how
to move its counts when the clock jumps (`shift_counts`). `RateLimiter` (``_limits``) does the queueing,
pausing and pacing around these.

Limit kinds are indices into per-kind lists: `WEIGHT` (REQUEST_WEIGHT, per IP), `RAW` (RAW_REQUESTS,
per IP) and `ORDERS` (per account).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, TypeGuard

__all__ = [
    "DEFAULT_LIMITS",
    "ORDERS",
    "RAW",
    "WEIGHT",
    "Window",
    "WindowSpec",
    "WindowState",
    "parse_rate_limits",
    "shift_counts",
]

REQUEST_WEIGHT = "REQUEST_WEIGHT"
RAW_REQUESTS = "RAW_REQUESTS"
ORDERS_TYPE = "ORDERS"
#: The kinds of limit, as indices into per-kind lists (room, pending charges).
WEIGHT, RAW, ORDERS = 0, 1, 2
_KIND = {REQUEST_WEIGHT: WEIGHT, RAW_REQUESTS: RAW, ORDERS_TYPE: ORDERS}
#: The ramp's allowance grows in this many even steps over a window.
RAMP_STEPS = 100

_INTERVAL_MS = {"SECOND": 1000, "MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000}
_HEADER_PREFIX = {REQUEST_WEIGHT: "X-MBX-USED-WEIGHT-", ORDERS_TYPE: "X-MBX-ORDER-COUNT-"}


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
    #: Whose count: "local" (this limiter's), "shared" (the limit store's, across processes), or
    #: "fallback" (this limiter's share while the limit store is unreachable).
    scope: str = "local"


#: The documented defaults, used until exchangeInfo's ``rateLimits`` are loaded.
DEFAULT_LIMITS: tuple[WindowSpec, ...] = (
    WindowSpec(REQUEST_WEIGHT, "MINUTE", 1, 6000),
    WindowSpec(RAW_REQUESTS, "MINUTE", 5, 300_000),
    WindowSpec(ORDERS_TYPE, "SECOND", 10, 50),
    WindowSpec(ORDERS_TYPE, "DAY", 1, 160_000),
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
            kind in _KIND
            and isinstance(interval, str)
            and interval in _INTERVAL_MS
            and _positive_int(num)
            and _positive_int(limit)
        ):
            specs.append(WindowSpec(kind, interval, num, limit))
    return specs


def _positive_int(value: object) -> TypeGuard[int]:
    return type(value) is int and value > 0  # JSON true/false are not counts


class Window:
    """Counts for one fixed window, by window index (at most a few indices are kept).

    `limit` is this process's part of the spec's limit (``share``), `reserved` the rest; `burst` what
    may go out at once when a window opens (the ramp), from window index `ramp_from` on; `lo` and `hi`
    the indices a request is charged to in the limiter's current period (two within `margin` of a
    boundary); `bucket` the limiter's pacer for held-back requests, if any.
    """

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
        "ramp_from",
        "reserved",
        "spec",
    )

    def __init__(self, spec: WindowSpec, margin_ms: int, share: float = 1.0, burst: float = 1.0) -> None:
        self.spec = spec
        self.kind = _KIND[spec.limit_type]
        self.length = spec.length_ms
        self.margin = min(margin_ms, self.length // 10)  # a second-long window gets 100 ms
        self.limit = max(1, int(spec.limit * share))
        self.burst = self.limit
        self.ramp_from = 0  # the first window index the ramp applies to
        self.set_burst(burst)
        self.reserved = spec.limit - self.limit  # left to the other processes sharing the limit
        self.header = spec.header
        self.counts: dict[int, int] = {}
        self.lo = self.hi = 0  # window indices a request is charged to in the current period
        self.bucket: Any = None  # set by the limiter: an aiolimiter.AsyncLimiter pacing the held back

    def set_burst(self, burst: float) -> None:
        """What may go out at once when the window opens (ORDERS windows: the whole limit, no ramp)."""
        self.burst = self.limit if self.kind == ORDERS else max(1, min(self.limit, int(self.limit * burst)))

    def amount(self, weight: int, orders: int) -> int:
        """What a request of `weight` placing `orders` orders counts in this window."""
        kind = self.kind  # the limiter's fast path inlines this
        return weight if kind == WEIGHT else orders if kind == ORDERS else 1

    def allowance(self, now: int) -> tuple[int, int]:
        """What the ramp allows in the current window by `now`, and until when (ms) that holds."""
        index, elapsed = divmod(now, self.length)
        step = elapsed * RAMP_STEPS // self.length
        allowed = max(self.burst, self.limit * (step + 1) // RAMP_STEPS)
        if allowed >= self.limit:
            return self.limit, (index + 1) * self.length
        return allowed, index * self.length + -(-(step + 1) * self.length // RAMP_STEPS)

    def ramped(self, now: int) -> bool:
        """Whether the opening ramp applies to the window open at `now`."""
        return self.burst < self.limit and now // self.length >= self.ramp_from

    def fits(self, lo: int, hi: int, amount: int) -> bool:
        counts = self.counts
        if counts.get(lo, 0) + amount > self.limit:
            return False
        return hi == lo or counts.get(hi, 0) + amount <= self.limit

    def blocked_for_ms(self, now: int, amount: int) -> int:
        """0 if `amount` fits at `now`, else how long (ms) until it may (a boundary, or the ramp)."""
        if not amount:
            return 0
        length, margin = self.length, self.margin
        lo, hi = (now - margin) // length, (now + margin) // length
        if not self.fits(lo, hi, amount):
            # Admitted once the blocking index has passed by more than the margin.
            blocking = lo if self.counts.get(lo, 0) + amount > self.limit else hi
            return (blocking + 1) * length + margin - now + 1
        if self.ramped(now):
            allowed, allowed_until = self.allowance(now)
            if self.counts.get(now // length, 0) + amount > allowed:
                return allowed_until - now
        return 0

    def charge(self, lo: int, hi: int, amount: int) -> None:
        counts = self.counts
        if lo not in counts and len(counts) > 1:
            for index in [i for i in counts if i < lo]:
                del counts[index]
        counts[lo] = counts.get(lo, 0) + amount
        if hi != lo:
            counts[hi] = counts.get(hi, 0) + amount

    def shift(self, delta_ms: int) -> None:
        """The clock jumped by `delta_ms`: move the counts with it (see `shift_counts`)."""
        self.counts = shift_counts(self.counts, self.length, delta_ms)


def shift_counts(counts: Mapping[int, int], length: int, delta_ms: int) -> dict[int, int]:
    """Counts by window index, moved by a clock jump of `delta_ms`.

    A request charged at old-clock time t happened at new-clock time t + delta, so the count of an old
    window goes to every new window that the shifted old window overlaps (at most two: counting it
    twice is the safe side).
    """
    moved: dict[int, int] = {}
    for index, count in counts.items():
        first = (index * length + delta_ms) // length
        last = ((index + 1) * length - 1 + delta_ms) // length
        for new_index in range(first, last + 1):
            moved[new_index] = moved.get(new_index, 0) + count
    return moved
