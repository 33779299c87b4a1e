"""When to try an idempotent read again, and how long to wait first.

Only reads (GET) are ever retried, on transport errors and on "execution status unknown" answers
(5xx, 408, -1006, -1007). Orders, cancels and every POST/PUT/DELETE are never resent by the library.
The wait is exponential with full jitter, capped, and never shorter than a ``Retry-After`` the
server sent; a ``Retry-After`` longer than ``max_retry_after`` means give up now.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """Retry budget and backoff for idempotent reads."""

    max_retries: int = 2
    base_delay: float = 0.25
    max_delay: float = 5.0
    max_retry_after: float = 30.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait before retry number `attempt` (1-based), or None to give up."""
        if attempt > self.max_retries:
            return None
        if retry_after is not None and retry_after > self.max_retry_after:
            return None
        backoff = random.uniform(0.0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))
        return max(backoff, retry_after or 0.0)


#: Never retry anything.
NO_RETRY = RetryPolicy(max_retries=0)
