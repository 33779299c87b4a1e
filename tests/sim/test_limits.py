"""The simulator's rate limits: fixed windows, 429, escalation to 418, bans, unfilled-order counts."""

from __future__ import annotations

import pytest

from binance_async.sim.clock import SimClock
from binance_async.sim.config import DEFAULT_LIMITS, LimitSpec, SimConfig
from binance_async.sim.errors import SimError
from binance_async.sim.limits import SimLimits

MINUTE = 60_000
#: A UTC day boundary (so also a minute, 5-minute and 10-second boundary).
T0 = 1_700_006_400_000
assert T0 % 86_400_000 == 0


class FrozenClock(SimClock):
    """A clock that moves only when told to: exact boundaries without wall-time drift."""

    def __init__(self, ms: int) -> None:
        super().__init__(ms)
        self.ms = ms

    def now_ms(self) -> int:
        return self.ms

    def advance(self, ms: float) -> None:
        self.ms += int(ms)


WEIGHT_LIMIT = LimitSpec("REQUEST_WEIGHT", "MINUTE", 1, 100)
RAW_LIMIT = LimitSpec("RAW_REQUESTS", "MINUTE", 5, 1000)
ORDERS_10S = LimitSpec("ORDERS", "SECOND", 10, 5)
ORDERS_DAY = LimitSpec("ORDERS", "DAY", 1, 12)
SMALL = (WEIGHT_LIMIT, RAW_LIMIT, ORDERS_10S, ORDERS_DAY)


def make(
    limits: tuple[LimitSpec, ...] = SMALL,
    *,
    start: int = T0,
    requests_before_ban: int = 3,
    ban_seconds: float = 120.0,
    max_ban_seconds: float = 500.0,
) -> tuple[SimLimits, FrozenClock]:
    clock = FrozenClock(start)
    config = SimConfig(
        limits=limits,
        requests_before_ban=requests_before_ban,
        ban_seconds=ban_seconds,
        max_ban_seconds=max_ban_seconds,
    )
    return SimLimits(config, clock), clock


def refused(limits: SimLimits, ip: str, weight: int) -> SimError:
    with pytest.raises(SimError) as info:
        limits.charge_ip(ip, weight)
    return info.value


def order_refused(limits: SimLimits, account: str, count: int = 1) -> SimError:
    with pytest.raises(SimError) as info:
        limits.charge_orders(account, count)
    return info.value


WEIGHT_MSG = (
    "Too much request weight used; current limit is 100 request weight per 1 MINUTE. "
    "Please use WebSocket Streams for live updates to avoid polling the API."
)


def ban_msg(until: int) -> str:
    return (
        f"Way too much request weight used; IP banned until {until}. "
        "Please use WebSocket Streams for live updates to avoid bans."
    )


# -- request weight --------------------------------------------------------------------------------


def test_headers_carry_the_used_weight_including_this_request() -> None:
    limits, _ = make()
    assert limits.charge_ip("1.1.1.1", 1) == {"X-MBX-USED-WEIGHT-1M": "1"}
    assert limits.charge_ip("1.1.1.1", 20) == {"X-MBX-USED-WEIGHT-1M": "21"}
    assert limits.charge_ip("1.1.1.1", 0) == {"X-MBX-USED-WEIGHT-1M": "21"}
    assert limits.used_weight("1.1.1.1") == {"X-MBX-USED-WEIGHT-1M": "21"}
    assert limits.used_weight("9.9.9.9") == {"X-MBX-USED-WEIGHT-1M": "0"}


def test_default_limits_header_names() -> None:
    limits, _ = make(DEFAULT_LIMITS)
    assert limits.charge_ip("ip", 5) == {"X-MBX-USED-WEIGHT-1M": "5"}
    assert limits.charge_orders("acct") == {"X-MBX-ORDER-COUNT-10S": "1", "X-MBX-ORDER-COUNT-1D": "1"}


def test_every_weight_window_gets_a_header() -> None:
    extra = (
        WEIGHT_LIMIT,
        LimitSpec("REQUEST_WEIGHT", "SECOND", 10, 50),
        LimitSpec("REQUEST_WEIGHT", "HOUR", 1, 9),
    )
    limits, _ = make(extra)
    assert limits.charge_ip("ip", 3) == {
        "X-MBX-USED-WEIGHT-1M": "3",
        "X-MBX-USED-WEIGHT-10S": "3",
        "X-MBX-USED-WEIGHT-1H": "3",
    }


def test_fixed_window_resets_exactly_at_the_boundary() -> None:
    limits, clock = make(start=T0 + 30_000)
    assert limits.charge_ip("ip", 60) == {"X-MBX-USED-WEIGHT-1M": "60"}
    clock.advance(29_999)  # T0 + 59_999: same minute
    assert limits.charge_ip("ip", 40) == {"X-MBX-USED-WEIGHT-1M": "100"}
    clock.advance(1)  # T0 + 60_000: a new minute, not 60 s after the first request
    assert limits.charge_ip("ip", 7) == {"X-MBX-USED-WEIGHT-1M": "7"}


def test_limit_reached_exactly_is_allowed_over_is_429() -> None:
    limits, clock = make(start=T0 + 45_500)
    assert limits.charge_ip("ip", 100) == {"X-MBX-USED-WEIGHT-1M": "100"}
    err = refused(limits, "ip", 1)
    assert (err.code, err.msg, err.status) == (-1003, WEIGHT_MSG, 429)
    # Retry-After: seconds until the window ends (14.5 s, rounded up); the used weight is included.
    assert err.headers == {"X-MBX-USED-WEIGHT-1M": "101", "Retry-After": "15"}
    clock.advance(14_499)
    assert refused(limits, "ip", 1).headers["Retry-After"] == "1"
    clock.advance(1)
    assert limits.charge_ip("ip", 1) == {"X-MBX-USED-WEIGHT-1M": "1"}


def test_a_weight_0_request_is_refused_while_over_the_limit() -> None:
    limits, _ = make()
    limits.charge_ip("ip", 100)
    assert limits.charge_ip("ip", 0) == {"X-MBX-USED-WEIGHT-1M": "100"}
    refused(limits, "ip", 5)
    assert refused(limits, "ip", 0).headers["X-MBX-USED-WEIGHT-1M"] == "105"


def test_raw_requests_limit() -> None:
    limits, clock = make((WEIGHT_LIMIT, LimitSpec("RAW_REQUESTS", "MINUTE", 5, 3)), start=T0 + MINUTE)
    for _ in range(3):
        limits.charge_ip("ip", 0)
    err = refused(limits, "ip", 0)
    assert (err.code, err.msg, err.status) == (-1003, "Too many requests queued.", 429)
    assert err.headers == {"X-MBX-USED-WEIGHT-1M": "0", "Retry-After": "240"}  # the 5-minute window
    clock.advance(4 * MINUTE)
    assert limits.charge_ip("ip", 0) == {"X-MBX-USED-WEIGHT-1M": "0"}


def test_separate_ips_are_independent() -> None:
    limits, _ = make()
    limits.charge_ip("a", 100)
    assert refused(limits, "a", 1).status == 429
    assert limits.charge_ip("b", 100) == {"X-MBX-USED-WEIGHT-1M": "100"}
    state = limits.state()
    assert state["ips"]["a"][0]["count"] == 101 and state["ips"]["b"][0]["count"] == 100


# -- escalation to 418 --------------------------------------------------------------------------------


def test_escalation_to_418_after_n_429s() -> None:
    limits, clock = make(start=T0 + 10_000, requests_before_ban=3, ban_seconds=120)
    limits.charge_ip("ip", 100)
    for _ in range(3):
        assert refused(limits, "ip", 1).status == 429
    clock.advance(250)
    err = refused(limits, "ip", 1)
    until = T0 + 10_250 + 120_000
    assert (err.code, err.msg, err.status) == (-1003, ban_msg(until), 418)
    assert err.headers == {"Retry-After": "120"}
    # Banned even though the minute has ended; Retry-After counts down to the deadline.
    clock.advance(60_000)
    err = refused(limits, "ip", 1)
    assert (err.status, err.msg, err.headers) == (418, ban_msg(until), {"Retry-After": "60"})
    clock.advance(59_999)
    assert refused(limits, "ip", 1).headers == {"Retry-After": "1"}
    # The ban ends exactly at its deadline.
    clock.advance(1)
    assert limits.charge_ip("ip", 1) == {"X-MBX-USED-WEIGHT-1M": "1"}
    assert limits.state()["bans"]["ip"] == {"until": until, "banned": False, "bans": 1}


def test_banned_requests_are_not_counted() -> None:
    limits, _ = make(requests_before_ban=0, ban_seconds=1)
    limits.charge_ip("ip", 100)
    assert refused(limits, "ip", 1).status == 418  # no 429 allowed: banned at once
    before = limits.state()["ips"]["ip"][0]["count"]
    assert refused(limits, "ip", 50).status == 418
    assert limits.state()["ips"]["ip"][0]["count"] == before


def test_429_count_is_per_window() -> None:
    limits, clock = make(start=T0, requests_before_ban=2)
    limits.charge_ip("ip", 100)
    assert refused(limits, "ip", 1).status == 429
    assert refused(limits, "ip", 1).status == 429
    clock.advance(MINUTE)  # a new window: a clean slate
    limits.charge_ip("ip", 100)
    assert refused(limits, "ip", 1).status == 429
    assert refused(limits, "ip", 1).status == 429
    assert refused(limits, "ip", 1).status == 418


def test_repeat_offenders_get_doubled_bans_up_to_the_maximum() -> None:
    limits, clock = make(requests_before_ban=1, ban_seconds=120, max_ban_seconds=500)
    lengths = []
    for _ in range(4):
        clock.advance(MINUTE - clock.now_ms() % MINUTE)  # start of a fresh minute
        limits.charge_ip("ip", 100)
        assert refused(limits, "ip", 1).status == 429
        err = refused(limits, "ip", 1)
        assert err.status == 418
        lengths.append(int(err.headers["Retry-After"]))
        clock.advance(lengths[-1] * 1000)  # serve the ban
        assert limits.charge_ip("ip", 0) == {"X-MBX-USED-WEIGHT-1M": "0"}
    assert lengths == [120, 240, 480, 500]
    assert limits.state()["bans"]["ip"]["bans"] == 4


def test_one_ip_banned_others_still_served() -> None:
    limits, _ = make(requests_before_ban=0)
    limits.charge_ip("bad", 100)
    assert refused(limits, "bad", 1).status == 418
    assert limits.charge_ip("good", 1) == {"X-MBX-USED-WEIGHT-1M": "1"}
    assert refused(limits, "bad", 0).status == 418


# -- unfilled orders -----------------------------------------------------------------------------------


def test_order_count_headers_include_this_order() -> None:
    limits, _ = make()
    assert limits.charge_orders("alice") == {"X-MBX-ORDER-COUNT-10S": "1", "X-MBX-ORDER-COUNT-1D": "1"}
    assert limits.charge_orders("alice", 2) == {"X-MBX-ORDER-COUNT-10S": "3", "X-MBX-ORDER-COUNT-1D": "3"}


def test_orders_over_the_second_limit() -> None:
    limits, clock = make(start=T0 + 3_200)
    for _ in range(5):
        limits.charge_orders("alice")
    err = order_refused(limits, "alice")
    assert (err.code, err.msg, err.status) == (
        -1015,
        "Too many new orders; current limit is 5 orders per 10 SECOND.",
        429,
    )
    # Retry-After: to the end of the 10-second window (6.8 s, rounded up); the counts did not move.
    assert err.headers == {"X-MBX-ORDER-COUNT-10S": "5", "X-MBX-ORDER-COUNT-1D": "5", "Retry-After": "7"}
    limits.check_orders("bob")
    with pytest.raises(SimError):
        limits.check_orders("alice")
    clock.advance(6_800)  # the 10-second window boundary
    assert limits.charge_orders("alice") == {"X-MBX-ORDER-COUNT-10S": "1", "X-MBX-ORDER-COUNT-1D": "6"}


def test_order_list_counts_more_than_one() -> None:
    limits, _ = make()
    limits.charge_orders("alice", 3)
    err = order_refused(limits, "alice", 3)  # 6 > 5
    assert err.code == -1015
    assert limits.charge_orders("alice", 2)["X-MBX-ORDER-COUNT-10S"] == "5"


def test_day_exceeded_stops_the_second_count() -> None:
    limits, clock = make()
    for _ in range(2):
        for _ in range(5):
            limits.charge_orders("alice")
        clock.advance(10_000)
    limits.charge_orders("alice", 2)  # day: 12 of 12, second: 2
    err = order_refused(limits, "alice")
    assert err.msg == "Too many new orders; current limit is 12 orders per 1 DAY."
    assert err.headers["Retry-After"] == str((86_400_000 - 20_000) // 1000)
    for _ in range(3):
        order_refused(limits, "alice")
    counts = {c["interval"]: c["count"] for c in limits.order_counts("alice")}
    assert counts == {"SECOND": 2, "DAY": 12}  # the SECOND count did not go on counting
    # At the UTC day boundary the day count starts over.
    clock.advance(86_400_000 - 20_000)
    assert limits.charge_orders("alice") == {"X-MBX-ORDER-COUNT-10S": "1", "X-MBX-ORDER-COUNT-1D": "1"}


def test_accounts_are_independent() -> None:
    limits, _ = make()
    for _ in range(5):
        limits.charge_orders("alice")
    order_refused(limits, "alice")
    assert limits.charge_orders("bob") == {"X-MBX-ORDER-COUNT-10S": "1", "X-MBX-ORDER-COUNT-1D": "1"}


def test_order_filled_decrements_every_window_not_below_zero() -> None:
    limits, clock = make()
    limits.order_filled("nobody")  # no orders yet: nothing to do, nothing created
    assert limits.state()["accounts"] == {}
    for _ in range(5):
        limits.charge_orders("alice")
    limits.order_filled("alice")
    assert [c["count"] for c in limits.order_counts("alice")] == [4, 4]
    assert limits.charge_orders("alice")["X-MBX-ORDER-COUNT-10S"] == "5"  # room for one more
    clock.advance(10_000)
    limits.charge_orders("alice")  # second: 1, day: 6
    limits.order_filled("alice", 3)  # a fill of an older order decrements the current windows
    assert [c["count"] for c in limits.order_counts("alice")] == [0, 3]
    for _ in range(5):
        limits.order_filled("alice")
    assert [c["count"] for c in limits.order_counts("alice")] == [0, 0]
    assert limits.charge_orders("alice") == {"X-MBX-ORDER-COUNT-10S": "1", "X-MBX-ORDER-COUNT-1D": "1"}


def test_order_counts_response_shape() -> None:
    limits, _ = make()
    limits.charge_orders("alice", 2)
    assert limits.order_counts("alice") == [
        {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 5, "count": 2},
        {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 12, "count": 2},
    ]
    assert [c["count"] for c in limits.order_counts("nobody")] == [0, 0]
    assert "nobody" not in limits.state()["accounts"]


# -- bookkeeping ---------------------------------------------------------------------------------------


def test_old_windows_are_pruned() -> None:
    limits, clock = make((WEIGHT_LIMIT, ORDERS_10S))
    limits.charge_ip("old", 5)
    limits.charge_orders("old-account")
    clock.advance(MINUTE)
    limits.charge_ip("new", 5)
    state = limits.state()
    assert set(state["ips"]) == {"new"}
    assert state["accounts"] == {}


def test_bans_survive_pruning() -> None:
    limits, clock = make((WEIGHT_LIMIT,), requests_before_ban=0, ban_seconds=600, max_ban_seconds=10_000)
    with pytest.raises(SimError):
        limits.charge_ip("bad", 101)  # over the limit at once
    assert refused(limits, "bad", 1).status == 418
    clock.advance(5 * MINUTE)
    limits.charge_ip("other", 1)  # prunes "bad"'s windows
    assert "bad" not in limits.state()["ips"]
    assert refused(limits, "bad", 1).status == 418
    clock.advance(5 * MINUTE)
    with pytest.raises(SimError):
        limits.charge_ip("bad", 101)
    err = refused(limits, "bad", 1)
    assert err.headers["Retry-After"] == "1200"  # second ban: twice the first


def test_state_reports_windows_and_bans() -> None:
    limits, _ = make(start=T0 + 1_000)
    limits.charge_ip("ip", 7)
    limits.charge_orders("alice")
    state = limits.state()
    assert state["ips"]["ip"] == [
        {
            "rateLimitType": "REQUEST_WEIGHT",
            "interval": "MINUTE",
            "intervalNum": 1,
            "limit": 100,
            "count": 7,
            "rejected": 0,
            "endsAt": T0 + MINUTE,
        },
        {
            "rateLimitType": "RAW_REQUESTS",
            "interval": "MINUTE",
            "intervalNum": 5,
            "limit": 1000,
            "count": 1,
            "rejected": 0,
            "endsAt": T0 + 5 * MINUTE,
        },
    ]
    assert [w["count"] for w in state["accounts"]["alice"]] == [1, 1]
    assert state["bans"] == {}


def test_invalid_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="interval"):
        make((LimitSpec("REQUEST_WEIGHT", "WEEK", 1, 10),))
    with pytest.raises(ValueError, match="type"):
        make((LimitSpec("CONNECTIONS", "MINUTE", 1, 10),))


def test_with_the_real_sim_clock() -> None:
    limits = SimLimits(SimConfig(), SimClock())
    assert limits.charge_ip("ip", 2) == {"X-MBX-USED-WEIGHT-1M": "2"}
    assert limits.charge_orders("default")["X-MBX-ORDER-COUNT-1D"] == "1"
