"""Fault injection for the WebSocket API (``sim.ws_api.faults``), in the spirit of `faults` (REST) and
`stream_faults` (market streams).

Per request: the simulator's own `FaultRule` s (``sim.faults``, the REST ones) apply to the WebSocket API
too. A rule names a REST route, and the method of that route is matched by it
(``FaultRule("drop_after", 1.0, method="POST", path="/api/v3/order")`` is ``order.place`` as much as
``POST /api/v3/order``; a session method is matched as method ``"WS"`` and path its own name, e.g.
``"session.logon"``). Draws come from the same seeded ``random.Random``, and the faults fired are counted
in ``sim.faults.counts`` and ``sim.faults.log`` (method, path, kind), as REST's. Over the WebSocket API:

* ``"error_before"``: answered with the rule's `status` and -1001 (Internal error), nothing processed;
* ``"error_after"``: processed (an order IS placed, its user data events are sent), then answered with
  the rule's `status` (e.g. 503) and -1007 (Timeout ... execution status unknown);
* ``"drop_before"`` / ``"drop_after"``: the TCP connection is dropped without a close frame, before or
  right after processing: a dropped ``order.place`` has placed its order, and its answer never comes;
* ``"latency"``: processed at once, answered `latency_s` later (the answers queued after it wait behind
  it: order is kept). With a "before" fault, its error (or the drop) comes after the wait.

A rule's ``body="html"`` has no meaning here: the errors are JSON answers.

For every open connection, as `stream_faults` does them: `drop_open_connections`, `stall` (nothing sent,
no ping sent or answered; requests still processed, their answers wait), `delay` (every message queued
from now on goes out later), `server_shutdown` (``{"event": {"e": "serverShutdown", "E": ms}}``, then a
close after the grace). `counts` holds those fired by kind, `log` (detail, kind) of each, oldest first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .connection_faults import ConnectionFaults
from .faults import INTERNAL_ERROR, UNKNOWN_STATUS, Decision, FaultRule, Faults
from .ws_api_framing import ApiRequest, encode

if TYPE_CHECKING:
    from .ws_api import WsApiServer
    from .ws_api_connection import ApiConnection
    from .ws_api_methods import Method

__all__ = ["WS_API_FAULT_KINDS", "WsApiFaults"]

WS_API_FAULT_KINDS = ("drop", "stall", "delay", "server_shutdown")


class WsApiFaults(ConnectionFaults):
    """The armed faults of one `WsApiServer` (`log`: (detail, kind)). Arming is thread-safe; a fault
    acting on open connections runs on the server's loop."""

    def __init__(self, server: WsApiServer, rules: Faults) -> None:
        super().__init__(server, WS_API_FAULT_KINDS)
        #: The per-request rules, their seeded draws and their counts: the simulator's (``sim.faults``).
        self.rules = rules

    # -- arming ---------------------------------------------------------------------------------------

    def add(self, rule: FaultRule) -> None:
        """Arm a per-request rule (`faults.FaultRule`): the same as ``sim.faults.add``, REST included."""
        self.rules.add(rule)

    def clear(self) -> None:
        """Disarm every rule (REST's too) and the delay (a stall under way runs its course; counts and
        logs stay)."""
        self.rules.clear()
        with self._lock:
            self._delay_s = 0.0

    # -- what the server asks -------------------------------------------------------------------------

    def _entry(self, kind: str, detail: str) -> tuple[str, str]:
        return (detail, kind)

    def decide(self, method: Method) -> Decision:
        """Which rules fire for one request of `method` (one draw per matching rule)."""
        return self.rules.decide(method.http_method, method.path)

    def _count(self, method: Method, kind: str) -> None:
        """Count a rule's fault in the simulator's counts and log, as REST counts its own (both are
        changed on the server's thread)."""
        rules = self.rules
        rules.counts[kind] += 1
        rules.log.append((method.http_method, method.path, kind))

    def before(
        self, connection: ApiConnection, request: ApiRequest, method: Method, decision: Decision
    ) -> bool:
        """Apply a "before" fault (after its latency): True if the request is not to be processed."""
        if decision.latency_s > 0:
            self._count(method, "latency")
        rule = decision.before
        if rule is None:
            return False
        self._count(method, rule.kind)
        if rule.kind == "drop_before":
            connection.drop_later(decision.latency_s)
        else:
            connection.send_later(_error(request, rule, INTERNAL_ERROR), decision.latency_s)
        return True

    def after(
        self,
        connection: ApiConnection,
        request: ApiRequest,
        method: Method,
        decision: Decision,
        answer: bytes,
    ) -> None:
        """Send the processed request's `answer`, after the latency, unless an "after" fault replaces it
        (-1007) or drops the connection instead."""
        rule = decision.after
        if rule is not None:
            self._count(method, rule.kind)
            if rule.kind == "drop_after":
                connection.drop_later(0)
                return
            answer = _error(request, rule, UNKNOWN_STATUS).encode()
        connection.send_later(answer.decode(), decision.latency_s)


def _error(request: ApiRequest, rule: FaultRule, error: dict[str, object]) -> str:
    return encode({"id": request.id, "status": rule.status, "error": error}).decode()
