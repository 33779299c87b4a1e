"""`RedisLimitStore`: rate-limit counts shared through Redis (or Valkey), one Lua script per admission.

``pip install 'binance-async[redis]'`` (redis-py's asyncio client). Every process and host given the same
server and key prefix shares the counts; the keys say whose window each is::

    {prefix}:ip:<ip name>:REQUEST_WEIGHT:60000:<window index>      count, expires after the window
    {prefix}:acct:<account name>:ORDERS:10000:<window index>
    {prefix}:ip:<ip name>:total:0                                  weight admitted through the store
    {prefix}:ip:<ip name>:paused                                   "<until ms>:<status>" after a 429/418
    {prefix}:ip:<ip name>:attempts                                 WebSocket connection attempts (a zset)

The prefix is written in braces (a Redis Cluster hash tag): a script's keys all lie in one slot.

Admission is one script (`ADMIT`): it reads the pause and every window's count at the request's indices,
admits the batch's requests in order while each fits every window (the arithmetic of
`_limit_store.admit_batch`), charges what it admitted and sets each key's expiry, all atomically. The
caller's time is its server time (the synced clock), so the windows are Binance's, not Redis's. The
connection-attempt log alone runs on Redis's clock (``TIME``): a sliding log needs one clock for all.

The client fails fast: no retries, a 1 s socket timeout (``?socket_timeout=`` in the URL overrides it),
so that an unreachable server sends the limiter to its local share at once instead of holding requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ._limit_store import (
    PAUSE_SLACK_MS,
    AdmitResult,
    Identity,
    StoreWindow,
    owner,
    span,
    ttl_ms,
    unblock_ms,
)

__all__ = ["DEFAULT_PREFIX", "RedisLimitStore"]

DEFAULT_PREFIX = "binance_async"
#: Seconds a command may take before the store counts as unreachable (connect, and every reply).
SOCKET_TIMEOUT = 1.0
#: The totals (everything admitted, per kind) are kept this long after their last change (ms).
TOTAL_TTL_MS = 2 * 86_400_000

ADMIT = """
local now = tonumber(ARGV[1])
local paused = redis.call('GET', KEYS[1])
if paused then
  local until_ms, status = string.match(paused, '^(%d+):(%d+)$')
  if until_ms and tonumber(until_ms) > now then
    return {0, 0, tonumber(until_ms), tonumber(status)}
  end
end
local nwin, nreq = tonumber(ARGV[2]), tonumber(ARGV[3])
local forced = {tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])}
local kind, limit, unblock_lo, unblock_hi, ttl_lo, ttl_hi = {}, {}, {}, {}, {}, {}
local at_lo, at_hi, same, added = {}, {}, {}, {}
for i = 1, nwin do
  local a = 7 + (i - 1) * 6
  kind[i] = tonumber(ARGV[a]) + 1
  limit[i] = tonumber(ARGV[a + 1])
  unblock_lo[i], unblock_hi[i] = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  ttl_lo[i], ttl_hi[i] = ARGV[a + 4], ARGV[a + 5]
  local k_lo, k_hi = KEYS[3 + 2 * i], KEYS[4 + 2 * i]
  same[i] = k_lo == k_hi
  at_lo[i] = tonumber(redis.call('GET', k_lo) or 0)
  at_hi[i] = same[i] and at_lo[i] or tonumber(redis.call('GET', k_hi) or 0)
  added[i] = forced[kind[i]]
end
local totals = {forced[1], forced[2], forced[3]}
local admitted, blocked = 0, 0
local r = 7 + nwin * 6
for n = 1, nreq do
  local amounts = {tonumber(ARGV[r]), 1, tonumber(ARGV[r + 1])}
  r = r + 2
  local fits = true
  for i = 1, nwin do
    local amount = amounts[kind[i]]
    if amount > 0 then
      if at_lo[i] + added[i] + amount > limit[i] then
        fits = false
        blocked = math.max(blocked, unblock_lo[i])
      end
      if (not same[i]) and at_hi[i] + added[i] + amount > limit[i] then
        fits = false
        blocked = math.max(blocked, unblock_hi[i])
      end
    end
  end
  if not fits then break end
  for i = 1, nwin do added[i] = added[i] + amounts[kind[i]] end
  for k = 1, 3 do totals[k] = totals[k] + amounts[k] end
  admitted = n
end
local reply = {admitted, blocked, 0, 0, 0, 0, 0}
for k = 1, 3 do
  if totals[k] > 0 then
    reply[4 + k] = redis.call('INCRBY', KEYS[1 + k], totals[k])
    redis.call('PEXPIRE', KEYS[1 + k], ARGV[#ARGV])
  else
    reply[4 + k] = tonumber(redis.call('GET', KEYS[1 + k]) or 0)
  end
end
for i = 1, nwin do
  local k_lo, k_hi = KEYS[3 + 2 * i], KEYS[4 + 2 * i]
  if added[i] > 0 then
    at_lo[i] = redis.call('INCRBY', k_lo, added[i])
    redis.call('PEXPIRE', k_lo, ttl_lo[i])
    if same[i] then
      at_hi[i] = at_lo[i]
    else
      at_hi[i] = redis.call('INCRBY', k_hi, added[i])
      redis.call('PEXPIRE', k_hi, ttl_hi[i])
    end
  end
  reply[#reply + 1] = at_lo[i]
  reply[#reply + 1] = at_hi[i]
end
return reply
"""

RAISE = """
local count = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or 0)
if count <= current then return current end
if ARGV[2] ~= '' then
  count = count + math.max(0, tonumber(redis.call('GET', KEYS[2]) or 0) - tonumber(ARGV[2]))
end
redis.call('SET', KEYS[1], count, 'PX', ARGV[3])
return count
"""

MERGE = """
local count = math.max(tonumber(redis.call('GET', KEYS[1]) or 0) + tonumber(ARGV[1]), tonumber(ARGV[2]))
redis.call('SET', KEYS[1], count, 'PX', ARGV[3])
return count
"""

PAUSE = """
local current = redis.call('GET', KEYS[1])
if current then
  local until_ms = tonumber(string.match(current, '^(%d+):'))
  if until_ms and until_ms >= tonumber(ARGV[1]) then return until_ms end
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'PX', ARGV[3])
return tonumber(ARGV[1])
"""

ATTEMPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, period = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
if redis.call('ZCARD', KEYS[1]) < limit then
  local n = redis.call('INCR', KEYS[2])
  redis.call('ZADD', KEYS[1], now, n)
  redis.call('PEXPIRE', KEYS[1], period)
  redis.call('PEXPIRE', KEYS[2], period)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + period - now + 1)
"""


def _masked(url: str) -> str:
    """`url` without its password (for log lines and reprs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


class RedisLimitStore:
    """A `LimitStore` on a Redis (or Valkey) server: `url` (``redis://host:port/db``, ``rediss://``,
    ``unix://``) or a ``redis.asyncio.Redis`` client (`client`, left open on `aclose`); keys under
    `prefix`. See the module docstring."""

    def __init__(self, url: str | None = None, *, client: Any = None, prefix: str = DEFAULT_PREFIX) -> None:
        try:
            import redis.asyncio as aioredis
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff
        except ImportError as exc:  # pragma: no cover - the extra is missing
            raise ImportError(
                "a Redis limit store needs redis-py: pip install 'binance-async[redis]'"
            ) from exc
        if (url is None) == (client is None):
            raise TypeError("RedisLimitStore takes a url or a client, not both")
        if client is None:
            assert url is not None
            client = aioredis.Redis.from_url(
                url,
                socket_timeout=SOCKET_TIMEOUT,
                socket_connect_timeout=SOCKET_TIMEOUT,
                retry=Retry(NoBackoff(), 0),
            )
            self._owned = True
            self.name = _masked(url)
        else:
            self._owned = False
            self.name = f"redis client {client!r}"
        if "{" in prefix or "}" in prefix or ":" in prefix:
            raise ValueError(f"prefix: no braces or colons, got {prefix!r}")
        self.prefix = prefix
        self._tag = "{" + prefix + "}"
        self.client = client
        self._admit = client.register_script(ADMIT)
        self._raise = client.register_script(RAISE)
        self._merge = client.register_script(MERGE)
        self._pause = client.register_script(PAUSE)
        self._attempt = client.register_script(ATTEMPT)

    def __repr__(self) -> str:
        return f"RedisLimitStore({self.name!r}, prefix={self.prefix!r})"

    # -- keys -----------------------------------------------------------------------------------------

    def _owner(self, who: Identity, kind: int) -> str:
        scope, name = owner(who, kind)
        return f"{self._tag}:{scope}:{name}"

    def window_key(self, who: Identity, window: StoreWindow, index: int) -> str:
        return f"{self._owner(who, window.kind)}:{window.limit_type}:{window.length}:{index}"

    def total_key(self, who: Identity, kind: int) -> str:
        return f"{self._owner(who, kind)}:total:{kind}"

    def pause_key(self, who: Identity) -> str:
        return f"{self._tag}:ip:{who.ip}:paused"

    # -- LimitStore -----------------------------------------------------------------------------------

    async def admit(
        self,
        who: Identity,
        windows: Sequence[StoreWindow],
        now_ms: int,
        requests: Sequence[tuple[int, int]],
        forced: tuple[int, int, int] = (0, 0, 0),
    ) -> AdmitResult:
        keys = [self.pause_key(who), self.total_key(who, 0), self.total_key(who, 1), self.total_key(who, 2)]
        args: list[int] = [now_ms, len(windows), len(requests), *forced]
        for window in windows:
            lo, hi = span(window, now_ms)
            keys.append(self.window_key(who, window, lo))
            keys.append(self.window_key(who, window, hi))
            args += (
                window.kind,
                window.limit,
                unblock_ms(window, lo, now_ms),
                unblock_ms(window, hi, now_ms),
                ttl_ms(window, lo, now_ms),
                ttl_ms(window, hi, now_ms),
            )
        for weight, orders in requests:
            args += (weight, orders)
        args.append(TOTAL_TTL_MS)
        reply = [int(x) for x in await self._admit(keys=keys, args=args)]
        if reply[2]:
            return AdmitResult.paused(reply[2], reply[3])
        counts = tuple((reply[i], reply[i + 1]) for i in range(7, len(reply), 2))
        return AdmitResult(reply[0], reply[1], 0, 0, (reply[4], reply[5], reply[6]), counts)

    async def raise_count(
        self, who: Identity, window: StoreWindow, index: int, raw: int, mark: int | None, now_ms: int
    ) -> int:
        keys = [self.window_key(who, window, index), self.total_key(who, window.kind)]
        args = [raw, "" if mark is None else mark, ttl_ms(window, index, now_ms)]
        return int(await self._raise(keys=keys, args=args))

    async def merge(
        self, who: Identity, window: StoreWindow, index: int, add: int, floor: int, now_ms: int
    ) -> None:
        keys = [self.window_key(who, window, index)]
        await self._merge(keys=keys, args=[add, floor, ttl_ms(window, index, now_ms)])

    async def pause(self, who: Identity, until_ms: int, status: int, now_ms: int) -> None:
        ttl = max(1, until_ms - now_ms + PAUSE_SLACK_MS)
        await self._pause(keys=[self.pause_key(who)], args=[until_ms, status, ttl])

    async def attempt(self, who: Identity, limit: int, period_ms: int) -> int:
        base = f"{self._tag}:ip:{who.ip}:attempts"
        return int(await self._attempt(keys=[base, base + ":seq"], args=[limit, period_ms]))

    async def ping(self) -> None:
        await self.client.ping()

    async def aclose(self) -> None:
        if self._owned:
            await self.client.aclose()
