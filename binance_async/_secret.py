"""`Secret`: a string whose repr is masked; `SecretBytes`, its ``bytes`` counterpart.

API keys, bearer headers, tokens, client secrets and authorization codes are held as `Secret`
wherever they sit in a local variable, an attribute or a header dict, so that an error reporter that
captures frame locals (``traceback.TracebackException(..., capture_locals=True)``, Sentry) or a
``repr`` of a container shows ``'<masked>'`` instead of the value. It is a ``str``: aiohttp, hmac and
the JSON encoder take it as the value itself; ``str(secret)`` and f-strings give the value (use them
only where the value must be sent). `SecretBytes` holds a WebSocket API request's JSON params and its
frame (``apiKey`` and ``signature`` inside): its repr and str are masked, the bytes are the value.
"""

from __future__ import annotations

__all__ = ["MASK", "Secret", "SecretBytes", "mask"]

MASK = "<masked>"


class Secret(str):
    """A ``str`` whose ``repr`` never shows the value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"'{MASK}'"


class SecretBytes(bytes):
    """A ``bytes`` whose ``repr`` and ``str`` never show the value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"b'{MASK}'"

    __str__ = __repr__


def mask(value: str | None) -> Secret | None:
    """`value` as a `Secret` (None stays None)."""
    return None if value is None else Secret(value)
