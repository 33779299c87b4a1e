"""A poller that reads prices and books as fast as the rate limit allows, and never goes over it.

    python examples/poller.py                              # 5 s on a simulator limited to 300 weight/s
    python examples/poller.py --seconds 10 --share 0.5     # leave half the limit to other processes
    python examples/poller.py --symbols BTCUSDT ETHUSDT
    BINANCE_API_KEY=... BINANCE_API_SECRET=... python examples/poller.py   # Spot Testnet

One task per symbol polls its latest price (weight 2) and its top 20 levels (weight 5) in a loop, with
no sleeps: the client's rate limiter alone decides when each request may go. It learns Binance's
windows from exchangeInfo, charges every request its weight before sending, holds requests back
when a window is full and releases them when the window resets. The simulator here is configured with
a small REQUEST_WEIGHT window (300 per second) so the limit binds at once; Spot Testnet's is 6000 per
minute. For each window the poller prints the weight used against the limit (the limiter's count,
which takes the server's ``X-MBX-USED-WEIGHT-*`` header when that is higher); a 429 (rate limited)
or 418 (IP banned) answer would be counted and reported, and there is none.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from _connect import connect, parser

from binance_async import IPBannedError, RateLimitedError, SpotClient
from binance_async.sim import LimitSpec, SimConfig

T = TypeVar("T")

SIM_LIMITS = (
    LimitSpec("REQUEST_WEIGHT", "SECOND", 1, 300),
    LimitSpec("RAW_REQUESTS", "MINUTE", 5, 300_000),
    LimitSpec("ORDERS", "SECOND", 10, 100),
)
INTERVAL_MS = {"SECOND": 1000, "MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000}
DEPTH_LIMIT = 20
SYMBOLS = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "ETHBTC", "BNBBTC"]


@dataclass
class Window:
    """One REQUEST_WEIGHT window: the weight the limiter counted in it, and the requests answered."""

    start_ms: int
    limit: int
    used: int = 0
    requests: int = 0

    def __str__(self) -> str:
        start = time.strftime("%H:%M:%S", time.gmtime(self.start_ms / 1000))
        share = self.used / self.limit
        return f"window {start}: weight {self.used}/{self.limit} ({share:.0%}), requests: {self.requests}"


class Meter:
    """Watches the limiter's shortest REQUEST_WEIGHT window, and counts 429 and 418 answers."""

    def __init__(self, client: SpotClient) -> None:
        self.client = client
        self.windows: list[Window] = []
        self.requests = 0
        self.rate_limited = 0
        self.banned = 0

    async def count(self, call: Awaitable[T]) -> T | None:
        """Await `call`; None if Binance refused it for the rate limit (the client then pauses)."""
        self.requests += 1
        try:
            result = await call
        except IPBannedError:
            self.banned += 1
            return None
        except RateLimitedError:
            self.rate_limited += 1
            return None
        self.record()
        return result

    def record(self) -> None:
        weights = [w for w in self.client.limiter.state() if w.limit_type == "REQUEST_WEIGHT"]
        state = min(weights, key=lambda w: w.interval_num * INTERVAL_MS[w.interval])
        start_ms = state.resets_at_ms - state.interval_num * INTERVAL_MS[state.interval]
        if not self.windows or self.windows[-1].start_ms != start_ms:
            if self.windows:
                print(self.windows[-1])  # that window is over
            self.windows.append(Window(start_ms, state.limit))
        window = self.windows[-1]
        window.used = max(window.used, state.used)
        window.requests += 1


def plain(value: Decimal | str) -> str:
    """A price without trailing zeros (Binance sends 8 decimals)."""
    return format(Decimal(value).normalize(), "f")


async def poll(client: SpotClient, symbol: str, meter: Meter, until: float) -> tuple[int, str]:
    """Poll `symbol` until the monotonic time `until`: (how many polls, the last price and book seen)."""
    polls, last, top = 0, "-", "-"
    while time.monotonic() < until:
        price, book = await asyncio.gather(
            meter.count(client.ticker_price(symbol)), meter.count(client.depth(symbol, limit=DEPTH_LIMIT))
        )
        polls += 1
        if price is not None:
            last = plain(price.price)
        if book is not None and book.bids and book.asks:
            top = f"{plain(book.bids[0][0])} / {plain(book.asks[0][0])}"
    return polls, f"last price {last}, bid / ask {top}"


async def run(client: SpotClient, symbols: list[str], seconds: float) -> None:
    info = await client.exchange_info()  # its rateLimits become the limiter's windows
    limits = [f"{r.rate_limit_type} {r.limit} per {r.interval_num} {r.interval}" for r in info.rate_limits]
    print(f"rate limits from exchangeInfo: {', '.join(limits)}")
    print(f"polling {', '.join(symbols)} for {seconds:g} s (price + depth({DEPTH_LIMIT}) per poll)")

    meter = Meter(client)
    started = time.monotonic()
    counts = await asyncio.gather(*(poll(client, s, meter, started + seconds) for s in symbols))
    elapsed = time.monotonic() - started
    if meter.windows:
        print(f"{meter.windows[-1]} (so far)")

    for symbol, (polls, seen) in zip(symbols, counts, strict=True):
        print(f"{symbol}: {polls} polls, {seen}")
    print(f"{sum(n for n, _ in counts)} polls, {meter.requests} requests in {elapsed:.1f} s")
    full = meter.windows[1:-1] or meter.windows  # the first and the last window are partial
    if full:
        average = sum(w.used / w.limit for w in full) / len(full)
        busiest = max(full, key=lambda w: w.used)
        print(f"full windows: {average:.0%} of the limit used on average, ", end="")
        print(f"at most {busiest.used}/{busiest.limit}")
    print(f"429 rate limited: {meter.rate_limited}, 418 banned: {meter.banned}")


async def main() -> None:
    options = parser(__doc__)
    options.add_argument("--seconds", type=float, default=5.0, help="how long to poll (5)")
    options.add_argument("--symbols", nargs="+", default=SYMBOLS, help=f"({' '.join(SYMBOLS)})")
    options.add_argument("--share", type=float, default=1.0, help="the part of the limit to use (1.0)")
    args = options.parse_args()
    async with connect(args, SimConfig(limits=SIM_LIMITS), limit_share=args.share) as client:
        await run(client, args.symbols, args.seconds)


if __name__ == "__main__":
    asyncio.run(main())
