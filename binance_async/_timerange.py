"""Time arguments shared by Spot and OAuth methods: milliseconds as sent, and range checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ._encoding import encode_value
from .errors import InvalidRequestError, ParameterError

__all__ = ["check_time_range", "timestamp_ms"]


def timestamp_ms(name: str, value: Any) -> int | None:
    """`value` (ms since the epoch as an int, or an aware datetime) in ms exactly as it is sent; None
    stays None. Anything else, or a naive datetime, raises `ParameterError`."""
    if value is None:
        return None
    if type(value) is not int and not isinstance(value, datetime):
        raise ParameterError(f"{name} must be ms since the epoch (int) or an aware datetime, got {value!r}")
    return int(encode_value(name, value))


def check_time_range(
    start_time: Any, end_time: Any, *, max_span_ms: int | None = None
) -> tuple[int | None, int | None]:
    """Both ends in ms; refuses a start after the end, or ends further apart than `max_span_ms`."""
    start, end = timestamp_ms("start_time", start_time), timestamp_ms("end_time", end_time)
    if start is not None and end is not None:
        if start > end:
            raise InvalidRequestError(f"start_time ({start}) is after end_time ({end})")
        if max_span_ms is not None and end - start > max_span_ms:
            hours = max_span_ms / 3_600_000
            raise InvalidRequestError(f"start_time and end_time are more than {hours:g} hours apart")
    return start, end
