"""Where rate-limit counts live when several clients share them: the store protocol and the in-process store.

Binance counts REQUEST_WEIGHT and RAW_REQUESTS per IP and ORDERS per account, whoever sends. A
`LimitStore` holds those counts for every client given the same store (and, for Redis, the same key
prefix), keyed by the `Identity` the windows belong to: the IP's name for the IP windows, the account's
(a hash of its API key, never the key) for the ORDERS windows.

The store's operations are the rate limiter's, made atomic where the counts are:

* `LimitStore.admit`: a batch of requests, in order, checked and charged against every window at once; it
  stops at the first that does not fit (first come, first served) and says how long until it may. A
  request within the margin of a boundary is charged to both windows and must fit both (`span`). The
  time is the caller's server time (its synced clock), so that every process counts in Binance's
  windows whatever its local clock says; keys expire shortly after their window's end.
* `LimitStore.raise_count`: a count the server reported (a header, a WebSocket ``rateLimits`` entry) that
  is higher than the window's count in the store (someone sends on the IP without the store) raises it,
  plus what was admitted through the store since (the totals and marks, as the limiter does in one
  process). A count no higher than the store's changes nothing: requests of several processes reach
  the server in another order than the store admitted them, so a count taken mid-stream cannot say which
  of the later ones it already holds.
* `LimitStore.merge`: what a client admitted on its own while the store was unreachable, added back.
* `LimitStore.pause`: a shared "paused until" after a 429/418.
* `LimitStore.attempt`: the WebSocket connection-attempt budget (a sliding log per IP).

`InProcessStore` does all of it with dicts, in one process: clients of one process with different
accounts can share their IP's windows through it, and it is the reference the Redis store's script is
tested against. The default (no store) is none of this: each limiter's own synchronous counters.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol, runtime_checkable

from ._windows import ORDERS, RAW, WEIGHT

__all__ = [
    "KEY_SLACK_MS",
    "AdmitResult",
    "Identity",
    "InProcessStore",
    "LimitStore",
    "StoreWindow",
    "account_name",
    "admit_batch",
    "open_store",
    "owner",
    "span",
    "ttl_ms",
    "unblock_ms",
]

#: A window's key outlives the window's end (plus its margin) by this much (ms): a process whose clock
#: is a little behind still finds the count.
KEY_SLACK_MS = 5_000
#: The pause key outlives the pause by this much (ms).
PAUSE_SLACK_MS = 1_000


class Identity(NamedTuple):
    """Whose windows: `ip` names the IP (REQUEST_WEIGHT, RAW_REQUESTS), `account` the account (ORDERS)."""

    ip: str
    account: str


class StoreWindow(NamedTuple):
    """One window as a store counts it: the whole limit (not a share), the margin, the kind."""

    limit_type: str
    length: int  # ms
    limit: int
    margin: int  # ms
    kind: int  # WEIGHT, RAW or ORDERS


class AdmitResult(NamedTuple):
    """What `LimitStore.admit` did.

    `admitted` requests (the first ones of the batch) were charged; the next one may fit in
    `blocked_ms`. A pause (`paused_until_ms` > the time given) charged nothing. `totals` (weight, raw
    requests, orders) is everything admitted through the store so far, after this batch; `counts` the
    windows' counts (at ``lo``, at ``hi``) after it (both empty after a pause).
    """

    admitted: int
    blocked_ms: int
    paused_until_ms: int
    pause_status: int
    totals: tuple[int, int, int]
    counts: tuple[tuple[int, int], ...]

    @classmethod
    def paused(cls, until_ms: int, status: int) -> AdmitResult:
        """The answer while the IP is paused until `until_ms` (after a `status` 429 or 418)."""
        return cls(0, 0, until_ms, status, (0, 0, 0), ())


@runtime_checkable
class LimitStore(Protocol):
    """Shared rate-limit counts (see the module docstring). Any method may raise: the limiter then
    falls back to its local share until `ping` succeeds again."""

    #: What to call it in a log line (a URL without its password).
    name: str

    async def admit(
        self,
        who: Identity,
        windows: Sequence[StoreWindow],
        now_ms: int,
        requests: Sequence[tuple[int, int]],
        forced: tuple[int, int, int] = (0, 0, 0),
    ) -> AdmitResult:
        """Charge `forced` (weight, raw, orders) whatever the counts, then the `requests` (weight, orders)
        in order while each fits every window."""
        ...

    async def raise_count(
        self, who: Identity, window: StoreWindow, index: int, raw: int, mark: int | None, now_ms: int
    ) -> int:
        """If `raw` is above window `index`'s count, raise it to `raw` plus what was admitted through the
        store after `mark` (a total of `window`'s kind; None: nothing added). Answers the count."""
        ...

    async def merge(
        self, who: Identity, window: StoreWindow, index: int, add: int, floor: int, now_ms: int
    ) -> None:
        """Add `add` to window `index`'s count, and raise it to at least `floor`."""
        ...

    async def pause(self, who: Identity, until_ms: int, status: int, now_ms: int) -> None:
        """Hold every request of `who`'s IP until `until_ms` (never shortens a pause)."""
        ...

    async def attempt(self, who: Identity, limit: int, period_ms: int) -> int:
        """Count a connection attempt if fewer than `limit` lie within `period_ms`: 0, else the ms to wait."""
        ...

    async def ping(self) -> None:
        """Raise if the store cannot be reached."""
        ...

    async def aclose(self) -> None:
        """Let go of connections (idempotent)."""
        ...


def account_name(api_key: str | None) -> str:
    """The name of an account's ORDERS windows: a hash of its API key (never the key), or "public"."""
    if not api_key:
        return "public"
    return "key-" + hashlib.sha256(api_key.encode()).hexdigest()[:16]


def owner(who: Identity, kind: int) -> tuple[str, str]:
    """Whose count a window of `kind` is: ``("acct", account)`` for ORDERS, else ``("ip", ip)``."""
    return ("acct", who.account) if kind == ORDERS else ("ip", who.ip)


def span(window: StoreWindow, now_ms: int) -> tuple[int, int]:
    """The window indices a request at `now_ms` is charged to (two within the margin of a boundary)."""
    length, margin = window.length, window.margin
    return (now_ms - margin) // length, (now_ms + margin) // length


def unblock_ms(window: StoreWindow, index: int, now_ms: int) -> int:
    """How long (ms) from `now_ms` until window `index` no longer counts for a new request."""
    return (index + 1) * window.length + window.margin - now_ms + 1


def ttl_ms(window: StoreWindow, index: int, now_ms: int) -> int:
    """How long the key of window `index` is kept."""
    return max(1, (index + 1) * window.length + window.margin - now_ms + KEY_SLACK_MS)


def amount_of(kind: int, weight: int, orders: int) -> int:
    return weight if kind == WEIGHT else orders if kind == ORDERS else 1


def admit_batch(
    counts: Sequence[tuple[int, int]],
    windows: Sequence[StoreWindow],
    spans: Sequence[tuple[int, int]],
    now_ms: int,
    requests: Sequence[tuple[int, int]],
    forced: tuple[int, int, int],
) -> tuple[int, int, list[int], tuple[int, int, int]]:
    """The admission arithmetic (the Redis script does the same in Lua): with `counts` (at lo, at hi) per
    window, what is admitted: (how many, blocked_ms, the amount added per window, the totals added)."""
    added = [forced[w.kind] for w in windows]
    total_weight, total_raw, total_orders = forced
    admitted = 0
    blocked = 0
    for weight, orders in requests:
        fits = True
        for i, window in enumerate(windows):
            amount = amount_of(window.kind, weight, orders)
            if amount <= 0:
                continue
            lo, hi = spans[i]
            at_lo, at_hi = counts[i]
            if at_lo + added[i] + amount > window.limit:
                fits = False
                blocked = max(blocked, unblock_ms(window, lo, now_ms))
            if hi != lo and at_hi + added[i] + amount > window.limit:
                fits = False
                blocked = max(blocked, unblock_ms(window, hi, now_ms))
        if not fits:
            break
        for i, window in enumerate(windows):
            added[i] += amount_of(window.kind, weight, orders)
        total_weight += weight
        total_raw += 1
        total_orders += orders
        admitted += 1
    return admitted, blocked, added, (total_weight, total_raw, total_orders)


class InProcessStore:
    """A `LimitStore` in this process's memory: share IP windows between clients of one process.

    `clock` (s) times the connection-attempt log (the windows follow the callers' server time)."""

    name = "in-process store"

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._counts: dict[tuple[str, str, str, int, int], int] = {}
        self._totals: dict[tuple[str, str, int], int] = {}
        self._pauses: dict[str, tuple[int, int]] = {}
        self._attempts: dict[str, deque[float]] = {}
        self._monotonic = clock  # (s) the connection-attempt log's
        #: Calls answered (every operation), for tests.
        self.calls = 0
        #: While set, every operation raises `ConnectionError` (tests: an unreachable store).
        self.down = False

    def _check(self) -> None:
        self.calls += 1
        if self.down:
            raise ConnectionError("the in-process store is marked down")

    def _key(self, who: Identity, window: StoreWindow, index: int) -> tuple[str, str, str, int, int]:
        scope, name = owner(who, window.kind)
        return (scope, name, window.limit_type, window.length, index)

    def _prune(self, now_ms: int) -> None:
        if len(self._counts) > 256:
            for key in [k for k in self._counts if (k[4] + 2) * k[3] < now_ms]:
                del self._counts[key]

    def count(self, who: Identity, window: StoreWindow, index: int) -> int:
        """The count of window `index` (tests)."""
        return self._counts.get(self._key(who, window, index), 0)

    async def admit(
        self,
        who: Identity,
        windows: Sequence[StoreWindow],
        now_ms: int,
        requests: Sequence[tuple[int, int]],
        forced: tuple[int, int, int] = (0, 0, 0),
    ) -> AdmitResult:
        self._check()
        self._prune(now_ms)
        paused = self._pauses.get(who.ip)
        if paused is not None and paused[0] > now_ms:
            return AdmitResult.paused(*paused)
        spans = [span(w, now_ms) for w in windows]
        keys = []
        for window, (lo, hi) in zip(windows, spans, strict=True):
            keys.append((self._key(who, window, lo), self._key(who, window, hi)))
        counts = [(self._counts.get(k_lo, 0), self._counts.get(k_hi, 0)) for k_lo, k_hi in keys]
        admitted, blocked, added, (weight, raw, orders) = admit_batch(
            counts, windows, spans, now_ms, requests, forced
        )
        after = []
        for (k_lo, k_hi), amount in zip(keys, added, strict=True):
            if amount:
                self._counts[k_lo] = self._counts.get(k_lo, 0) + amount
                if k_hi != k_lo:
                    self._counts[k_hi] = self._counts.get(k_hi, 0) + amount
            after.append((self._counts.get(k_lo, 0), self._counts.get(k_hi, 0)))
        for kind, amount in ((WEIGHT, weight), (RAW, raw), (ORDERS, orders)):
            if amount:
                key = (*owner(who, kind), kind)
                self._totals[key] = self._totals.get(key, 0) + amount
        return AdmitResult(admitted, blocked, 0, 0, self._totals_of(who), tuple(after))

    def _totals_of(self, who: Identity) -> tuple[int, int, int]:
        get = self._totals.get
        return (
            get(("ip", who.ip, WEIGHT), 0),
            get(("ip", who.ip, RAW), 0),
            get(("acct", who.account, ORDERS), 0),
        )

    async def raise_count(
        self, who: Identity, window: StoreWindow, index: int, raw: int, mark: int | None, now_ms: int
    ) -> int:
        self._check()
        key = self._key(who, window, index)
        current = self._counts.get(key, 0)
        if raw <= current:
            return current
        count = raw
        if mark is not None:
            count += max(0, self._totals_of(who)[window.kind] - mark)
        self._counts[key] = count
        return count

    async def merge(
        self, who: Identity, window: StoreWindow, index: int, add: int, floor: int, now_ms: int
    ) -> None:
        self._check()
        key = self._key(who, window, index)
        self._counts[key] = max(self._counts.get(key, 0) + add, floor)

    async def pause(self, who: Identity, until_ms: int, status: int, now_ms: int) -> None:
        self._check()
        current = self._pauses.get(who.ip)
        if current is None or current[0] < until_ms:
            self._pauses[who.ip] = (until_ms, status)

    async def attempt(self, who: Identity, limit: int, period_ms: int) -> int:
        self._check()
        now = self._monotonic() * 1000.0
        log = self._attempts.setdefault(who.ip, deque())
        while log and log[0] <= now - period_ms:
            log.popleft()
        if len(log) < limit:
            log.append(now)
            return 0
        return max(1, int(log[0] + period_ms - now) + 1)

    async def ping(self) -> None:
        self._check()
        await asyncio.sleep(0)

    async def aclose(self) -> None:
        return None


def open_store(store: str | LimitStore) -> tuple[LimitStore, bool]:
    """The store `limit_store=` names, and whether the client opened it (and so closes it): a
    ``redis://`` / ``rediss://`` / ``unix://`` URL opens a `RedisLimitStore` (``binance-async[redis]``);
    a store object is used as it is."""
    if isinstance(store, str):
        from ._redis_store import RedisLimitStore

        return RedisLimitStore(store), True
    if not isinstance(store, LimitStore):
        raise TypeError(f"limit_store must be a redis:// URL or a LimitStore, got {type(store).__name__}")
    return store, False
