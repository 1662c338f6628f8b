"""The pace of a source: bookings spaced and capped across workers, real starts checked, trips."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.core.pacing import FAST_STEP, RECOVER_TO, SLOW_STEP, Pacer


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[list[Redis]]:
    """Four connections to this run's emptied Redis, as four workers would hold."""
    connections = [Redis.from_url(redis_url) for _ in range(4)]
    yield connections
    for connection in connections:
        await connection.aclose()


def pacers(
    clients: list[Redis], interval_s: float, limit: int, window_s: float = 3600.0
) -> list[Pacer]:
    """One pacer per connection over the same source."""
    return [Pacer(c, "youtube", interval_s, limit, window_s=window_s) for c in clients]


async def booked_starts(pacer: Pacer) -> list[float]:
    """Every booked start time (seconds, Redis clock), in order."""
    booked = await pacer.redis.hvals(pacer.booked_key)  # type: ignore[misc]
    return sorted(int(value) / 1000 for value in booked)


def gaps(times: list[float]) -> list[float]:
    """The spacing between consecutive times."""
    return [round(b - a, 3) for a, b in itertools.pairwise(times)]


def steps(delays: list[float], step: float) -> list[int]:
    """Delays as whole multiples of `step`, sorted (they come back in any order)."""
    return sorted(round(delay / step) for delay in delays)


async def test_jobs_book_starts_min_interval_apart_across_workers(clients: list[Redis]) -> None:
    """Forty jobs booking at once on four connections get forty starts min_interval apart."""
    fleet = pacers(clients, interval_s=5.0, limit=1000)
    delays = await asyncio.gather(*(fleet[n % 4].book(f"job{n}") for n in range(40)))
    assert steps(delays, 5.0) == list(range(40))
    assert gaps(await booked_starts(fleet[0])) == [5.0] * 39


async def test_a_job_keeps_its_booking(clients: list[Redis]) -> None:
    """A job that comes back finds its own start time, not a new one at the end of the line."""
    fleet = pacers(clients, interval_s=5.0, limit=1000)
    for n in range(3):
        await fleet[0].book(f"job{n}")
    again = await fleet[1].book("job1")
    assert 4.9 < again <= 5.0
    assert 14.9 < await fleet[2].book("job3") <= 15.0


async def test_at_most_max_per_hour_are_booked_in_any_hour(clients: list[Redis]) -> None:
    """With max_per_hour 5, the sixth job's start is an hour after the first's."""
    fleet = pacers(clients, interval_s=1.0, limit=5)
    delays = await asyncio.gather(*(fleet[n % 4].book(f"job{n}") for n in range(6)))
    assert steps(delays, 1.0) == [0, 1, 2, 3, 4, 3600]


async def test_a_booking_waits_for_the_pause(clients: list[Redis]) -> None:
    """A job booking during a pause gets a start after it."""
    pacer = pacers(clients, interval_s=5.0, limit=1000)[0]
    assert 59.9 < await pacer.book("job", not_before_s=60.0) <= 60.0


async def test_only_one_of_many_starts_at_once(clients: list[Redis]) -> None:
    """Twenty jobs starting at the same moment: one starts, the others must wait min_interval."""
    fleet = pacers(clients, interval_s=2.0, limit=1000)
    waits = await asyncio.gather(*(fleet[n % 4].start(f"job{n}") for n in range(20)))
    assert waits.count(0.0) == 1
    assert all(0 < wait <= 2.0 for wait in waits if wait)


async def test_a_start_consumes_the_booking(clients: list[Redis]) -> None:
    """Once a job has started, booking again (its next try) gives it a new place in line."""
    pacer = pacers(clients, interval_s=0.2, limit=1000)[0]
    assert await pacer.book("job") == 0.0
    assert await pacer.start("job") == 0.0
    assert 0.1 < await pacer.book("job") <= 0.2


async def test_a_window_that_passed_frees_its_places(clients: list[Redis]) -> None:
    """Bookings and starts older than the window no longer count against the limit."""
    pacer = pacers(clients, interval_s=0.0, limit=3, window_s=0.3)[0]
    first = [await pacer.book(f"job{n}") for n in range(4)]
    assert [d > 0.2 for d in first] == [False, False, False, True]
    await asyncio.sleep(first[3] + 0.35)  # the window after the fourth booking has passed
    assert [await pacer.book(f"next{n}") for n in range(3)] == [0.0, 0.0, 0.0]


async def test_a_trip_halves_the_pace_spreads_the_starts_and_voids_bookings(
    clients: list[Redis],
) -> None:
    """After a trip, bookings are spread at half of max_per_hour; earlier ones are void."""
    fleet = pacers(clients, interval_s=5.0, limit=240)
    assert [await fleet[0].book(f"old{n}") for n in range(3)] == pytest.approx([0, 5, 10], 0.01)
    assert await fleet[0].tripped(first=True) == 120
    delays = await asyncio.gather(*(fleet[n % 4].book(f"new{n}") for n in range(4)))
    assert steps(delays, 30.0) == [0, 1, 2, 3]
    assert 119.9 < await fleet[1].book("old2") <= 120.0  # rebooked after the new ones
    assert await fleet[3].pace_per_hour() == 120


async def test_a_trip_in_a_row_voids_bookings_without_halving_again(clients: list[Redis]) -> None:
    """A failed probe's trip voids the bookings but leaves the pace where the first put it."""
    pacer = pacers(clients, interval_s=5.0, limit=240)[0]
    await pacer.tripped(first=True)
    await pacer.book("job")
    assert await pacer.tripped(first=False) == 120
    assert await pacer.redis.hlen(pacer.booked_key) == 0  # type: ignore[misc]


async def test_successes_bring_the_pace_back_quickly_then_slowly(clients: list[Redis]) -> None:
    """Successes regain 80 % of the tripped pace in a few steps, then creep to the full pace."""
    pacer = pacers(clients, interval_s=5.0, limit=240)[0]
    await pacer.tripped(first=True)
    quick = [await pacer.speed_up() for _ in range(3)]
    assert quick == pytest.approx([120 * (1 + FAST_STEP), 120 * (1 + FAST_STEP) ** 2,
                                   240 * RECOVER_TO])  # fmt: skip
    assert await pacer.speed_up() == pytest.approx(240 * RECOVER_TO * (1 + SLOW_STEP))
    paces = [await pacer.speed_up() for _ in range(300)]
    assert paces[-1] == 240 and max(paces) == 240
    assert await pacer.redis.hget(pacer.state_key, "pace") is None  # type: ignore[misc]


async def test_a_trip_at_a_reduced_pace_lowers_the_ceiling(clients: list[Redis]) -> None:
    """A trip at a reduced pace remembers that pace: the quick recovery stops below it."""
    pacer = pacers(clients, interval_s=5.0, limit=240)[0]
    await pacer.tripped(first=True)
    for _ in range(3):
        await pacer.speed_up()
    assert await pacer.tripped(first=True) == pytest.approx(96)  # half of the 192 that tripped
    for _ in range(5):
        recovered = await pacer.speed_up()
    assert recovered == pytest.approx(192 * RECOVER_TO * (1 + SLOW_STEP) ** 2)


async def test_a_job_too_late_for_its_time_queues_again(clients: list[Redis]) -> None:
    """A job that missed its start (others started meanwhile) gets a new place at the end of
    the line, and its old place stops counting against the hour."""
    pacer = pacers(clients, interval_s=5.0, limit=1000)[0]
    assert await pacer.book("late") == 0.0
    assert await pacer.start("other") == 0.0  # took the moment "late" was booked for
    for n in range(3):
        await pacer.book(f"next{n}")  # booked at 5, 10 and 15 s
    assert 0 < await pacer.start("late") <= 5.0  # the rule holds on the real starts
    assert 19.9 < await pacer.book("late", afresh=True) <= 20.0
    assert await pacer.redis.zcard(pacer.plan_key) == 4  # its first booking is gone
