"""Request deadlines (``binance_async._deadlines``): one timer for every request in flight."""

from __future__ import annotations

import asyncio
import sys

import pytest

from binance_async._deadlines import Deadlines


async def wait_for_deadline(deadlines: Deadlines, hold: float) -> str:
    """What a transport does: start, wait (the request), finish; say how it ended."""
    task = deadlines.start()
    assert task is not None
    try:
        await asyncio.sleep(hold)
        return "answered"
    except asyncio.CancelledError:
        if deadlines.timed_out(task):
            return "timed out"
        raise
    finally:
        deadlines.finish(task)


async def test_a_request_past_its_deadline_is_cancelled_and_told_apart() -> None:
    deadlines = Deadlines(0.05)
    assert await wait_for_deadline(deadlines, 10.0) == "timed out"
    assert deadlines.in_flight == 0
    if sys.version_info >= (3, 11):
        task = asyncio.current_task()
        assert task is not None and task.cancelling() == 0  # the cancellation was taken back


async def test_a_request_within_its_deadline_is_left_alone() -> None:
    deadlines = Deadlines(0.2)
    assert await wait_for_deadline(deadlines, 0.01) == "answered"
    assert deadlines.in_flight == 0


async def test_many_requests_share_one_timer_and_only_the_late_ones_time_out() -> None:
    deadlines = Deadlines(0.1)
    holds = [0.0, 0.01, 10.0, 0.02, 10.0]
    tasks = [asyncio.create_task(wait_for_deadline(deadlines, hold)) for hold in holds]
    await asyncio.sleep(0)
    assert deadlines.in_flight == 5 and deadlines.watching
    assert await asyncio.gather(*tasks) == ["answered", "answered", "timed out", "answered", "timed out"]


async def test_the_timer_stops_when_nothing_is_in_flight() -> None:
    deadlines = Deadlines(0.05)
    await wait_for_deadline(deadlines, 0.0)
    await asyncio.sleep(0.02)  # the timer's next look finds nothing and is not scheduled again
    assert not deadlines.watching


async def test_a_cancellation_from_elsewhere_propagates() -> None:
    deadlines = Deadlines(10.0)
    task = asyncio.create_task(wait_for_deadline(deadlines, 10.0))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert deadlines.in_flight == 0


async def test_close_stops_the_timer() -> None:
    deadlines = Deadlines(10.0)
    task = asyncio.create_task(wait_for_deadline(deadlines, 0.05))
    await asyncio.sleep(0)
    assert deadlines.watching
    deadlines.close()
    assert not deadlines.watching
    assert await task == "answered"


async def test_no_task_no_deadline() -> None:
    deadlines = Deadlines(1.0)
    started: list[object] = []
    asyncio.get_running_loop().call_soon(lambda: started.append(deadlines.start()))  # a callback, not a task
    await asyncio.sleep(0.01)
    assert started == [None] and deadlines.in_flight == 0


@pytest.mark.parametrize("timeout", [0.0, -1.0, float("nan")])
def test_a_timeout_must_be_positive(timeout: float) -> None:
    with pytest.raises(ValueError, match="timeout"):
        Deadlines(timeout)
