"""Binance's rate limits: request weight and raw requests per IP, unfilled orders per account.

Every limit is a FIXED window aligned to its interval boundary (``server time // length``; DAY
windows are UTC days), as on Binance.

IP limits (REQUEST_WEIGHT, RAW_REQUESTS): every request adds its weight (REQUEST_WEIGHT) and 1
(RAW_REQUESTS) to the current windows of its IP, even when it is then refused (Binance counts
rejected requests against IP limits too), so ``X-MBX-USED-WEIGHT-1M`` can exceed the limit. A request
that takes a window over its limit is answered 429 / -1003 with ``Retry-After`` = seconds to that
window's end. An IP that got `requests_before_ban` 429s in one window and still sends is banned: 418 /
-1003 "...IP banned until <ms>..." with ``Retry-After`` = seconds until the ban ends; every further
ban of the same IP lasts twice the previous one, up to `max_ban_seconds`.

ORDERS limits (per account): an order placement adds to every ORDERS window, unless one of them
would go over its limit: then 429 / -1015 and nothing is counted (so once the DAY count is exceeded
the SECOND count stops incrementing). The first fill of an order takes 1 back from every current
window, never below zero (`order_filled`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .clock import SimClock
from .config import LimitSpec, SimConfig
from .errors import SimError

__all__ = ["INTERVAL_LETTERS", "INTERVAL_MS", "SimLimits"]

INTERVAL_MS: dict[str, int] = {"SECOND": 1000, "MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000}
INTERVAL_LETTERS: dict[str, str] = {"SECOND": "S", "MINUTE": "M", "HOUR": "H", "DAY": "D"}
_IP_TYPES = ("REQUEST_WEIGHT", "RAW_REQUESTS")


def _ceil_seconds(ms: int) -> int:
    return max(1, -(-ms // 1000))


@dataclass(frozen=True)
class _Limit:
    spec: LimitSpec
    length_ms: int
    suffix: str  # "1M", "10S", ...

    @classmethod
    def of(cls, spec: LimitSpec) -> _Limit:
        if spec.interval not in INTERVAL_MS:
            raise ValueError(f"unknown rate limit interval {spec.interval!r}")
        if spec.interval_num < 1 or spec.limit < 0:
            raise ValueError(f"invalid rate limit {spec!r}")
        suffix = f"{spec.interval_num}{INTERVAL_LETTERS[spec.interval]}"
        return cls(spec, spec.interval_num * INTERVAL_MS[spec.interval], suffix)

    @property
    def is_weight(self) -> bool:
        return self.spec.rate_limit_type == "REQUEST_WEIGHT"

    @property
    def per(self) -> str:
        """As Binance writes it in messages: "1 MINUTE", "10 SECOND"."""
        return f"{self.spec.interval_num} {self.spec.interval}"


@dataclass
class _Window:
    """The count of one limit for one IP or account, in the window numbered `index`."""

    limit: _Limit
    index: int = -1  # server time // length of the window the counts belong to
    count: int = 0
    rejected: int = 0  # 429s answered in this window (IP limits)

    def refresh(self, now_ms: int) -> _Window:
        index = now_ms // self.limit.length_ms
        if index != self.index:
            self.index, self.count, self.rejected = index, 0, 0
        return self

    def ended(self, now_ms: int) -> bool:
        return now_ms // self.limit.length_ms != self.index

    @property
    def end_ms(self) -> int:
        return (self.index + 1) * self.limit.length_ms

    def describe(self) -> dict[str, Any]:
        spec = self.limit.spec
        return {
            "rateLimitType": spec.rate_limit_type,
            "interval": spec.interval,
            "intervalNum": spec.interval_num,
            "limit": spec.limit,
            "count": self.count,
        }


@dataclass
class _Ban:
    until_ms: int = 0
    bans: int = 0  # how many times this IP was banned: the next ban lasts 2**bans times the first


class SimLimits:
    """Counts requests per IP and unfilled orders per account in Binance's fixed windows."""

    def __init__(self, config: SimConfig, clock: SimClock) -> None:
        self._clock = clock
        self._ip_limits: list[_Limit] = []
        self._order_limits: list[_Limit] = []
        for spec in config.limits:
            if spec.rate_limit_type in _IP_TYPES:
                self._ip_limits.append(_Limit.of(spec))
            elif spec.rate_limit_type == "ORDERS":
                self._order_limits.append(_Limit.of(spec))
            else:
                raise ValueError(f"unknown rate limit type {spec.rate_limit_type!r}")
        self._ban_ms = round(config.ban_seconds * 1000)
        self._max_ban_ms = round(config.max_ban_seconds * 1000)
        self._requests_before_ban = config.requests_before_ban
        self._ips: dict[str, list[_Window]] = {}
        self._accounts: dict[str, list[_Window]] = {}
        self._bans: dict[str, _Ban] = {}
        shortest = min((limit.length_ms for limit in self._ip_limits + self._order_limits), default=1000)
        self._prune_every_ms = max(1000, shortest)
        self._next_prune_ms = 0

    # -- IP limits -----------------------------------------------------------------------------

    def charge_ip(self, ip: str, weight: int) -> dict[str, str]:
        """Count one request of `weight` from `ip`; answer its ``X-MBX-USED-WEIGHT-*`` headers.

        Raises `SimError` 418 (IP banned) or 429 (over a limit; with the used-weight headers); both
        carry ``Retry-After``.
        """
        now = self._clock.now_ms()
        self._prune(now)
        ban = self._bans.get(ip)
        if ban is not None and ban.until_ms > now:
            raise self._banned(ban, now)
        windows = self._windows(self._ips, ip, self._ip_limits, now)
        for window in windows:
            window.count += weight if window.limit.is_weight else 1
        headers = self._weight_headers(windows)
        over = [window for window in windows if window.count > window.limit.spec.limit]
        if not over:
            return headers
        if any(window.rejected >= self._requests_before_ban for window in over):
            raise self._ban(ip, now, windows)
        for window in over:
            window.rejected += 1
        # The request-weight message when weight is over (Binance's usual answer), else raw requests.
        weight_over = [window for window in over if window.limit.is_weight]
        if weight_over:
            limit = weight_over[0].limit
            msg = (
                f"Too much request weight used; current limit is {limit.spec.limit} request weight per "
                f"{limit.per}. Please use WebSocket Streams for live updates to avoid polling the API."
            )
        else:
            msg = "Too many requests queued."
        retry_after = max(_ceil_seconds(window.end_ms - now) for window in over)
        raise SimError(-1003, msg, status=429, headers={**headers, "Retry-After": str(retry_after)})

    def used_weight(self, ip: str) -> dict[str, str]:
        """The ``X-MBX-USED-WEIGHT-*`` headers of `ip` now, without counting anything."""
        now = self._clock.now_ms()
        return self._weight_headers(self._windows(self._ips, ip, self._ip_limits, now, create=False))

    @staticmethod
    def _weight_headers(windows: list[_Window]) -> dict[str, str]:
        return {
            f"X-MBX-USED-WEIGHT-{window.limit.suffix}": str(window.count)
            for window in windows
            if window.limit.is_weight
        }

    def _ban(self, ip: str, now: int, windows: list[_Window]) -> SimError:
        ban = self._bans.setdefault(ip, _Ban())
        ban.until_ms = now + min(self._ban_ms * 2**ban.bans, self._max_ban_ms)
        ban.bans += 1
        for window in windows:
            window.rejected = 0
        return self._banned(ban, now)

    @staticmethod
    def _banned(ban: _Ban, now: int) -> SimError:
        return SimError(
            -1003,
            f"Way too much request weight used; IP banned until {ban.until_ms}. "
            "Please use WebSocket Streams for live updates to avoid bans.",
            status=418,
            headers={"Retry-After": str(_ceil_seconds(ban.until_ms - now))},
        )

    # -- ORDERS limits -------------------------------------------------------------------------

    def charge_orders(self, account: str, count: int = 1) -> dict[str, str]:
        """Count `count` new unfilled orders of `account`; answer its ``X-MBX-ORDER-COUNT-*`` headers.

        Raises `SimError` 429 / -1015 (with ``Retry-After`` and the unchanged counts) when a window
        would go over its limit; then nothing is counted.
        """
        now = self._clock.now_ms()
        self._prune(now)
        windows = self._windows(self._accounts, account, self._order_limits, now)
        self._check_orders(windows, count, now)
        for window in windows:
            window.count += count
        return self._order_headers(windows)

    def check_orders(self, account: str, count: int = 1) -> None:
        """Raise the -1015 that `charge_orders` would, without counting anything."""
        now = self._clock.now_ms()
        windows = self._windows(self._accounts, account, self._order_limits, now, create=False)
        self._check_orders(windows, count, now)

    def _check_orders(self, windows: list[_Window], count: int, now: int) -> None:
        over = [window for window in windows if window.count + count > window.limit.spec.limit]
        if not over:
            return
        # The window that frees up last decides the message and Retry-After (e.g. DAY over SECOND).
        window = max(over, key=lambda w: w.end_ms)
        limit = window.limit
        raise SimError(
            -1015,
            f"Too many new orders; current limit is {limit.spec.limit} orders per {limit.per}.",
            status=429,
            headers={
                **self._order_headers(windows),
                "Retry-After": str(_ceil_seconds(window.end_ms - now)),
            },
        )

    def order_filled(self, account: str, count: int = 1) -> None:
        """An order of `account` filled for the first time: take `count` off every current window (>= 0)."""
        if account not in self._accounts:
            return
        for window in self._windows(self._accounts, account, self._order_limits, self._clock.now_ms()):
            window.count = max(0, window.count - count)

    def order_counts(self, account: str) -> list[dict[str, Any]]:
        """GET /api/v3/rateLimit/order: ``{rateLimitType, interval, intervalNum, limit, count}`` each."""
        now = self._clock.now_ms()
        windows = self._windows(self._accounts, account, self._order_limits, now, create=False)
        return [window.describe() for window in windows]

    @staticmethod
    def _order_headers(windows: list[_Window]) -> dict[str, str]:
        return {f"X-MBX-ORDER-COUNT-{window.limit.suffix}": str(window.count) for window in windows}

    # -- bookkeeping ---------------------------------------------------------------------------

    @staticmethod
    def _windows(
        table: dict[str, list[_Window]], key: str, limits: list[_Limit], now: int, *, create: bool = True
    ) -> list[_Window]:
        windows = table.get(key)
        if windows is None:
            windows = [_Window(limit) for limit in limits]
            if create:
                table[key] = windows
        return [window.refresh(now) for window in windows]

    def _prune(self, now: int) -> None:
        """Forget IPs and accounts whose windows have all ended (bans and their history stay)."""
        if now < self._next_prune_ms:
            return
        self._next_prune_ms = now + self._prune_every_ms
        for table in (self._ips, self._accounts):
            stale = [key for key, windows in table.items() if all(w.ended(now) for w in windows)]
            for key in stale:
                del table[key]

    def state(self) -> dict[str, Any]:
        """Current counts per IP and per account, and bans, for tests and introspection."""
        now = self._clock.now_ms()

        def describe(table: dict[str, list[_Window]], limits: list[_Limit]) -> dict[str, Any]:
            return {
                key: [
                    {**window.describe(), "rejected": window.rejected, "endsAt": window.end_ms}
                    for window in self._windows(table, key, limits, now)
                ]
                for key in list(table)
            }

        return {
            "ips": describe(self._ips, self._ip_limits),
            "accounts": describe(self._accounts, self._order_limits),
            "bans": {
                ip: {"until": ban.until_ms, "banned": ban.until_ms > now, "bans": ban.bans}
                for ip, ban in self._bans.items()
            },
        }
