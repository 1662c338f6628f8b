"""The pace of a source: start times spaced and capped across workers, halved by a trip."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.core.pacing import FAST_STEP, RECOVER_TO, SLOW_STEP, Pacer, Reservation


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[list[Redis]]:
    """Four connections to this run's emptied Redis, as four workers would hold."""
    connections = [Redis.from_url(redis_url) for _ in range(4)]
    yield connections
    for connection in connections:
        await connection.aclose()


def pacers(clients: list[Redis], interval_s: float, limit: int, **options: float) -> list[Pacer]:
    """One pacer per connection over the same source."""
    return [
        Pacer(client, "youtube", interval_s, limit, window_s=options.get("window_s", 3600.0),
              max_wait_s=options.get("max_wait_s", 3600.0))
        for client in clients
    ]  # fmt: skip


async def reserved_starts(pacer: Pacer) -> list[float]:
    """Every start time reserved so far (seconds, Redis clock), oldest first."""
    entries = await pacer.redis.zrange(pacer.starts_key, 0, -1, withscores=True)
    return [score / 1000 for _, score in entries]


def gaps(times: list[float]) -> list[float]:
    """The spacing between consecutive times."""
    return [round(b - a, 3) for a, b in itertools.pairwise(times)]


async def test_starts_are_spaced_by_min_interval_across_workers(clients: list[Redis]) -> None:
    """Forty reservations from four connections at once get starts exactly min_interval apart."""
    fleet = pacers(clients, interval_s=5.0, limit=1000)
    results = await asyncio.gather(*(fleet[n % 4].reserve() for n in range(40)))
    assert all(r.granted for r in results)
    assert sorted(round(r.delay_s / 5.0) for r in results) == list(range(40))
    starts = await reserved_starts(fleet[0])
    assert len(starts) == 40 and min(gaps(starts)) == 5.0


async def test_at_most_max_per_hour_start_in_any_hour(clients: list[Redis]) -> None:
    """With max_per_hour 5, the sixth start is an hour after the first."""
    fleet = pacers(clients, interval_s=1.0, limit=5)
    results = await asyncio.gather(*(fleet[n % 4].reserve() for n in range(6)))
    delays = sorted(r.delay_s for r in results)
    assert delays[:5] == pytest.approx([0, 1, 2, 3, 4], abs=0.05)
    assert delays[5] == pytest.approx(3600, abs=0.05)
    assert (await reserved_starts(fleet[0]))[5] - (await reserved_starts(fleet[0]))[0] == 3600


async def test_a_start_too_far_ahead_is_not_reserved(clients: list[Redis]) -> None:
    """Past max_wait the caller is told how long to wait and nothing is reserved."""
    fleet = pacers(clients, interval_s=1.0, limit=2, max_wait_s=30.0)
    assert [(await fleet[0].reserve()).granted for _ in range(2)] == [True, True]
    refused = await fleet[1].reserve()
    assert not refused.granted and refused.delay_s == pytest.approx(3600, abs=0.05)
    assert len(await reserved_starts(fleet[0])) == 2


async def test_a_window_that_passed_frees_its_starts(clients: list[Redis]) -> None:
    """Starts older than the window no longer count against the limit."""
    pacer = pacers(clients, interval_s=0.0, limit=3, window_s=0.3)[0]
    first = [await pacer.reserve() for _ in range(4)]
    assert [r.delay_s > 0.2 for r in first] == [False, False, False, True]
    await asyncio.sleep(first[3].delay_s + 0.35)  # that start and the first three are old now
    again = [await pacer.reserve() for _ in range(3)]
    assert all(r.granted and r.delay_s == 0 for r in again)


async def test_a_trip_halves_the_pace_and_spreads_the_starts(clients: list[Redis]) -> None:
    """After a trip, starts are spread at half of max_per_hour, not bunched at min_interval."""
    fleet = pacers(clients, interval_s=5.0, limit=240)
    assert await fleet[0].slow_down() == 120
    results = await asyncio.gather(*(fleet[n % 4].reserve() for n in range(4)))
    assert all(r.granted and r.pace_per_hour == 120 for r in results)
    assert gaps(await reserved_starts(fleet[0])) == [30.0, 30.0, 30.0]
    assert await fleet[3].pace_per_hour() == 120


async def test_successes_bring_the_pace_back_quickly_then_slowly(clients: list[Redis]) -> None:
    """Successes regain 80 % of the tripped pace in a few steps, then creep to the full pace."""
    pacer = pacers(clients, interval_s=5.0, limit=240)[0]
    await pacer.slow_down()
    quick = [await pacer.speed_up() for _ in range(3)]
    assert quick == pytest.approx([120 * (1 + FAST_STEP), 120 * (1 + FAST_STEP) ** 2,
                                   240 * RECOVER_TO])  # fmt: skip
    slow = await pacer.speed_up()
    assert slow == pytest.approx(240 * RECOVER_TO * (1 + SLOW_STEP))
    paces = [await pacer.speed_up() for _ in range(300)]
    assert paces[-1] == 240 and max(paces) == 240
    assert await pacer.redis.hget(pacer.state_key, "pace") is None  # type: ignore[misc]


async def test_trips_in_a_row_lower_the_ceiling(clients: list[Redis]) -> None:
    """A trip at a reduced pace remembers that pace: the quick recovery stops below it."""
    pacer = pacers(clients, interval_s=5.0, limit=240)[0]
    await pacer.slow_down()
    for _ in range(3):
        await pacer.speed_up()
    assert await pacer.slow_down() == pytest.approx(96)  # half of the 192 that tripped
    for _ in range(5):
        recovered = await pacer.speed_up()
    assert recovered == pytest.approx(192 * RECOVER_TO * (1 + SLOW_STEP) ** 2)


async def test_concurrent_trips_and_reservations_stay_consistent(clients: list[Redis]) -> None:
    """Reservations racing with a trip all get starts at least min_interval apart."""
    fleet = pacers(clients, interval_s=2.0, limit=100)

    async def reserve_many(pacer: Pacer) -> list[Reservation]:
        return [await pacer.reserve() for _ in range(10)]

    batches, _ = await asyncio.gather(
        asyncio.gather(*(reserve_many(p) for p in fleet)), fleet[0].slow_down()
    )
    assert all(r.granted for batch in batches for r in batch)
    assert min(gaps(await reserved_starts(fleet[0]))) >= 2.0
