"""Fault injection for the simulator: 5xx answers, dropped connections and latency, reproducibly.

A `FaultRule` says what goes wrong, how often, and where (method and path). `Faults` draws, once per
request, which rules fire (`decide`), from its own ``random.Random(seed)``: the same seed and the same
sequence of requests give the same faults. Every matching rule consumes exactly one draw, whether it
fires or not, so the sequence does not depend on earlier outcomes.

Kinds:

* ``"error_before"``: a 5xx before the request is processed (it has no effect): Binance's
  ``{"code": -1001, "msg": "Internal error; ..."}`` or (``body="html"``) a proxy's HTML error page.
* ``"error_after"``: the request is processed (an order IS placed), then answered with an error: -1007
  "Timeout waiting for response from backend server. Send status unknown; execution status unknown."
  (HTTP `status`, e.g. 503 or 408) or an HTML page: the execution-status-unknown case.
* ``"drop_before"`` / ``"drop_after"``: the connection is closed without an answer, before or after
  processing. An aiohttp client sees ``aiohttp.ServerDisconnectedError``.
* ``"latency"``: wait `latency_s` seconds before answering. The request is processed first (an order
  IS placed at once), as on Binance, where a slow answer says nothing about the order: a client that
  gives up waiting does not know whether it was placed. With a "before" fault, nothing is processed
  and the error (or dropped connection) comes after the wait.

Wiring into a dispatcher (what `Simulator._dispatch` does)::

    decision = faults.decide(request.method, request.path)
    early = await faults.before(request, decision)      # error_before / drop_before (after latency)
    if early is not None:
        return early
    response = ...process the request as usual...
    return await faults.after(request, decision, response)  # latency; error_after / drop_after

Matching: `method` is ``"*"`` or an HTTP method; `path` is ``"*"`` (everything), an exact path, or a
prefix ending in ``"*"`` (``"/api/v3/order*"`` matches ``/api/v3/order`` and ``/api/v3/orderList``).
When several rules fire, the latencies add up, the first firing "before" fault (error or drop) wins and
makes any "after" fault moot; otherwise the first firing "after" fault is used.
"""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Literal

import msgspec
from aiohttp import web

__all__ = [
    "AFTER_KINDS",
    "BEFORE_KINDS",
    "KINDS",
    "NO_FAULT",
    "Decision",
    "FaultKind",
    "FaultRule",
    "Faults",
    "drop_connection",
    "fault_response",
]

FaultKind = Literal["error_before", "error_after", "drop_before", "drop_after", "latency"]
KINDS: tuple[FaultKind, ...] = ("error_before", "error_after", "drop_before", "drop_after", "latency")
BEFORE_KINDS: frozenset[str] = frozenset({"error_before", "drop_before"})
AFTER_KINDS: frozenset[str] = frozenset({"error_after", "drop_after"})

#: Binance's answers (binance-spot-api-docs errors.md): -1001 DISCONNECTED, -1007 TIMEOUT.
INTERNAL_ERROR = {"code": -1001, "msg": "Internal error; unable to process your request. Please try again."}
UNKNOWN_STATUS = {
    "code": -1007,
    "msg": "Timeout waiting for response from backend server. Send status unknown; execution status unknown.",
}


@dataclass(frozen=True)
class FaultRule:
    """One kind of fault, fired with `probability` on requests matching `method` and `path`.

    `status` is the HTTP status of error kinds; `body` chooses Binance JSON or a proxy-style HTML page;
    `latency_s` is the wait of ``"latency"`` rules.
    """

    kind: FaultKind
    probability: float
    method: str = "*"
    path: str = "*"
    status: int = 503
    latency_s: float = 0.0
    body: Literal["json", "html"] = "json"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {KINDS}")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be within [0, 1]")
        if self.latency_s < 0:
            raise ValueError("latency_s must not be negative")
        if not 100 <= self.status <= 599:
            raise ValueError("status must be an HTTP status")

    def matches(self, method: str, path: str) -> bool:
        if self.method != "*" and self.method.upper() != method.upper():
            return False
        if self.path == "*":
            return True
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path == self.path


@dataclass(frozen=True)
class Decision:
    """Which faults fire for one request: a total latency, at most one "before" and one "after" fault."""

    latency_s: float = 0.0
    before: FaultRule | None = None
    after: FaultRule | None = None
    fired: tuple[FaultKind, ...] = field(default=())

    @property
    def any(self) -> bool:
        return bool(self.fired)


NO_FAULT = Decision()


def _html_page(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    title = f"{status} {phrase}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )


def fault_response(rule: FaultRule) -> web.Response:
    """The error answer of an error rule: -1001 (before) or -1007 (after) as JSON, or an HTML page."""
    if rule.body == "html":
        return web.Response(status=rule.status, text=_html_page(rule.status), content_type="text/html")
    payload = INTERNAL_ERROR if rule.kind == "error_before" else UNKNOWN_STATUS
    return web.Response(
        status=rule.status, body=msgspec.json.encode(payload), content_type="application/json"
    )


def drop_connection(request: web.BaseRequest) -> web.Response:
    """Close the request's connection without answering; return what the handler should return.

    aiohttp writes nothing on a closed transport, so the client sees the connection end before any
    status line: ``aiohttp.ServerDisconnectedError``.
    """
    transport = request.transport
    if transport is not None:
        transport.close()
    return web.Response(status=503)  # never sent


class Faults:
    """The fault rules of one simulator and the seeded draws that decide them. Thread-safe."""

    def __init__(self, rules: list[FaultRule] | None = None, seed: int = 0) -> None:
        self._rules: list[FaultRule] = list(rules or [])
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        #: Faults injected so far, by kind (a latency counts once per delayed request).
        self.counts: dict[str, int] = dict.fromkeys(KINDS, 0)
        #: (method, path, kind) of every injected fault, oldest first.
        self.log: list[tuple[str, str, str]] = []

    @property
    def rules(self) -> tuple[FaultRule, ...]:
        return tuple(self._rules)

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        """Remove every rule (counts and log stay; see `reset_counts`)."""
        with self._lock:
            self._rules.clear()

    def reset_counts(self) -> None:
        with self._lock:
            self.counts = dict.fromkeys(KINDS, 0)
            self.log.clear()

    def reseed(self, seed: int) -> None:
        with self._lock:
            self._random.seed(seed)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def decide(self, method: str, path: str) -> Decision:
        """Draw once per matching rule (in rule order) and say which faults fire for this request."""
        with self._lock:
            if not self._rules:
                return NO_FAULT
            latency = 0.0
            before: FaultRule | None = None
            after: FaultRule | None = None
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                if self._random.random() >= rule.probability:
                    continue
                if rule.kind == "latency":
                    latency += rule.latency_s
                elif rule.kind in BEFORE_KINDS:
                    before = before or rule
                elif after is None:
                    after = rule
            if before is not None:
                after = None
            fired: list[FaultKind] = ["latency"] if latency > 0 else []
            fired += [r.kind for r in (before, after) if r is not None]
            if not fired:
                return NO_FAULT
            return Decision(latency, before, after, tuple(fired))

    def _count(self, request: web.BaseRequest, kind: str) -> None:
        with self._lock:
            self.counts[kind] += 1
            self.log.append((request.method, request.path, kind))

    async def before(self, request: web.BaseRequest, decision: Decision) -> web.Response | None:
        """The answer to send instead of processing (a "before" fault, after the latency), or None.

        The latency is counted here, when the request arrives; without a "before" fault it is waited
        for in `after`, once the request is processed.
        """
        if decision.latency_s > 0:
            self._count(request, "latency")
        rule = decision.before
        if rule is None:
            return None
        if decision.latency_s > 0:
            await asyncio.sleep(decision.latency_s)
        self._count(request, rule.kind)
        if rule.kind == "drop_before":
            return drop_connection(request)
        return fault_response(rule)

    async def after(
        self, request: web.BaseRequest, decision: Decision, response: web.StreamResponse
    ) -> web.StreamResponse:
        """Wait the latency, then replace the processed request's `response` by an "after" fault, if
        one fired."""
        if decision.latency_s > 0:
            await asyncio.sleep(decision.latency_s)
        rule = decision.after
        if rule is None:
            return response
        self._count(request, rule.kind)
        if rule.kind == "drop_after":
            return drop_connection(request)
        return fault_response(rule)
