"""Every default and limit the clients share, in one place (as openai-python's ``_constants``)."""

from __future__ import annotations

__all__ = [
    "DEFAULT_BAN_SECONDS",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_RECV_WINDOW_MS",
    "DEFAULT_TIMEOUT",
    "ERROR_EXCERPT",
    "MAX_RECV_WINDOW_MS",
    "MAX_RETRY_AFTER",
    "RATE_WINDOW_MS",
]

#: Seconds a request may take (connect, send, read) and the longest it waits in the rate limiter.
DEFAULT_TIMEOUT = 10.0
#: ``recvWindow`` of signed requests (ms), and the most Binance takes.
DEFAULT_RECV_WINDOW_MS = 5000
MAX_RECV_WINDOW_MS = 60_000
#: The largest answer read by default: 64 MiB. Binance's largest answer is the full mainnet
#: exchangeInfo, ~7.5 MB uncompressed for ~3000 symbols and growing with every listing: 64 MiB leaves
#: it 8x room, while bounding what a broken proxy or a hostile server can make the client hold (an
#: answer that streams in is held twice, as chunks and joined, so ~128 MiB at worst).
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
#: The longest a 429/418 can hold requests back (s): Binance's longest ban is 3 days.
MAX_RETRY_AFTER = 3 * 24 * 3600.0
#: After a 418 with no readable Retry-After (s): Binance's shortest ban.
DEFAULT_BAN_SECONDS = 120.0
#: After a 429 with no readable Retry-After: until this boundary (the minute weight window) passes.
RATE_WINDOW_MS = 60_000
#: How much of a non-JSON error body an error message quotes (characters).
ERROR_EXCERPT = 200
