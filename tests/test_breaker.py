"""The source breaker: pauses that double, one probe per pause end, closed by a success."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.core.breaker import Admission, Breaker, BreakerState, BreakerStatus, Wait

COOLDOWN_S = 5.0  # tests that let a pause pass set a short one
SHORT_S = 0.1
MAX_COOLDOWN_S = 60.0


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[list[Redis]]:
    """Five connections to this run's emptied Redis, as five workers would hold."""
    connections = [Redis.from_url(redis_url) for _ in range(5)]
    yield connections
    for connection in connections:
        await connection.aclose()


def breakers(clients: list[Redis], **options: float) -> list[Breaker]:
    """One breaker per connection over the same source."""
    return [
        Breaker(client, "youtube", options.get("cooldown_s", COOLDOWN_S),
                options.get("max_cooldown_s", MAX_COOLDOWN_S),
                probe_lease_s=options.get("probe_lease_s", 60.0))
        for client in clients
    ]  # fmt: skip


async def admitted(breaker: Breaker) -> Admission:
    """An admission the test expects to get."""
    admission = await breaker.admit()
    assert isinstance(admission, Admission), admission
    return admission


async def wait_out(breaker: Breaker) -> None:
    """Let the current pause end (the breaker says how long it has left)."""
    wait = await breaker.peek()
    assert isinstance(wait, Wait) and wait.state is BreakerState.PAUSED
    await asyncio.sleep(wait.seconds + 0.01)


async def test_a_closed_breaker_lets_everyone_through(clients: list[Redis]) -> None:
    """With no trip, fifty concurrent downloads on five connections all go, none as a probe."""
    fleet = breakers(clients)
    results = await asyncio.gather(*(fleet[n % 5].admit() for n in range(50)))
    assert all(isinstance(r, Admission) and not r.probe for r in results)
    assert await fleet[0].status() == BreakerStatus(BreakerState.OK, None, 0, None, None)


async def test_a_trip_pauses_every_worker_for_the_cooldown(clients: list[Redis]) -> None:
    """The first trip pauses for `cooldown`; every worker is told to wait, none admitted."""
    fleet = breakers(clients)
    download = await admitted(fleet[0])
    trip = await fleet[0].trip(download, "rate_limited", "HTTP Error 429: Too Many Requests")
    assert (trip.counted, trip.trips, trip.pause_s) == (True, 1, COOLDOWN_S)
    waits = await asyncio.gather(*(breaker.admit() for breaker in fleet))
    assert all(isinstance(w, Wait) and w.state is BreakerState.PAUSED for w in waits)
    assert all(0 < w.seconds <= COOLDOWN_S for w in waits if isinstance(w, Wait))
    status = await fleet[3].status()
    assert (status.state, status.trips, status.last_class) == (BreakerState.PAUSED, 1,
                                                               "rate_limited")  # fmt: skip
    assert status.last_error == "HTTP Error 429: Too Many Requests"
    assert status.until is not None


async def test_downloads_running_when_the_source_refuses_are_one_trip(
    clients: list[Redis],
) -> None:
    """Ten downloads admitted together and all refused trip the breaker once, not ten times."""
    fleet = breakers(clients)
    running = [await admitted(fleet[n % 5]) for n in range(10)]
    trips = await asyncio.gather(
        *(fleet[n % 5].trip(a, "bot_check", "HTTP Error 403") for n, a in enumerate(running))
    )
    assert sum(trip.counted for trip in trips) == 1
    assert {trip.trips for trip in trips} == {1}
    assert (await fleet[0].status()).trips == 1


async def test_exactly_one_probe_goes_through_when_a_pause_ends(clients: list[Redis]) -> None:
    """At the end of a pause, of fifty workers asking at once, exactly one gets the probe."""
    fleet = breakers(clients, cooldown_s=SHORT_S)
    await fleet[0].trip(await admitted(fleet[0]), "rate_limited", "429")
    await wait_out(fleet[0])
    results = await asyncio.gather(*(fleet[n % 5].admit() for n in range(50)))
    probes = [r for r in results if isinstance(r, Admission)]
    assert len(probes) == 1 and probes[0].probe
    assert all(r.state is BreakerState.PROBING for r in results if isinstance(r, Wait))
    assert (await fleet[1].status()).state is BreakerState.PROBING


async def test_failed_probes_double_the_pause_up_to_the_maximum(clients: list[Redis]) -> None:
    """Each failed probe trips again with twice the pause, capped at `max_cooldown`."""
    breaker = breakers(clients, cooldown_s=0.05, max_cooldown_s=0.3)[0]
    pauses = []
    trip = await breaker.trip(await admitted(breaker), "rate_limited", "429")
    pauses.append(trip.pause_s)
    for _ in range(4):
        await wait_out(breaker)
        probe = await admitted(breaker)
        assert probe.probe
        pauses.append((await breaker.trip(probe, "bot_check", "not a bot")).pause_s)
    assert pauses == [0.05, 0.1, 0.2, 0.3, 0.3]
    assert (await breaker.status()).trips == 5


async def test_a_successful_probe_closes_and_resets_the_doubling(clients: list[Redis]) -> None:
    """The probe's success reopens the flow for everyone; the next trip pauses `cooldown` again."""
    fleet = breakers(clients, cooldown_s=SHORT_S)
    await fleet[0].trip(await admitted(fleet[0]), "rate_limited", "429")
    await wait_out(fleet[0])
    probe = await admitted(fleet[0])
    await wait_out_probe_fails(fleet[0], probe)
    probe = await admitted(fleet[2])
    assert probe.probe
    assert await fleet[2].succeed(probe)
    results = await asyncio.gather(*(breaker.admit() for breaker in fleet))
    assert all(isinstance(r, Admission) and not r.probe for r in results)
    status = await fleet[4].status()
    assert (status.state, status.trips, status.until) == (BreakerState.OK, 0, None)
    again = await fleet[1].trip(await admitted(fleet[1]), "rate_limited", "429")
    assert (again.trips, again.pause_s) == (1, SHORT_S)


async def wait_out_probe_fails(breaker: Breaker, probe: Admission) -> None:
    """The probe fails (second trip in a row), and its doubled pause passes."""
    assert (await breaker.trip(probe, "rate_limited", "429")).trips == 2
    await wait_out(breaker)


async def test_a_success_admitted_before_the_trip_does_not_close(clients: list[Redis]) -> None:
    """A download that started before the trip and finishes fine says nothing about now."""
    fleet = breakers(clients)
    early, tripping = await admitted(fleet[0]), await admitted(fleet[1])
    await fleet[1].trip(tripping, "rate_limited", "429")
    assert not await fleet[0].succeed(early)
    assert (await fleet[2].status()).state is BreakerState.PAUSED


async def test_a_probe_without_a_verdict_hands_the_probe_on(clients: list[Redis]) -> None:
    """A probe that fails for another reason (a removed video) lets the next worker probe now."""
    fleet = breakers(clients, cooldown_s=SHORT_S)
    await fleet[0].trip(await admitted(fleet[0]), "rate_limited", "429")
    await wait_out(fleet[0])
    probe = await admitted(fleet[0])
    assert isinstance(await fleet[1].admit(), Wait)
    await fleet[0].release(probe)
    second = await admitted(fleet[1])
    assert second.probe


async def test_a_dead_probe_loses_its_lease(clients: list[Redis]) -> None:
    """A probe whose worker died (no renewal) is given to another worker once its lease ends."""
    fleet = breakers(clients, cooldown_s=SHORT_S, probe_lease_s=0.6)
    await fleet[0].trip(await admitted(fleet[0]), "rate_limited", "429")
    await wait_out(fleet[0])
    dead = await admitted(fleet[0])
    await asyncio.sleep(0.3)
    assert await fleet[0].renew(dead)  # alive: its lease now ends 0.6 s from here
    await asyncio.sleep(0.4)
    assert isinstance(await fleet[1].admit(), Wait)  # past the first lease, within the second
    async with asyncio.timeout(3):  # dead from here on: no more renewals
        while isinstance(answer := await fleet[1].admit(), Wait):
            assert answer.state is BreakerState.PROBING
            await asyncio.sleep(answer.seconds)
    assert answer.probe
    assert not await fleet[0].renew(dead)


async def test_a_trip_meanwhile_voids_an_admission(clients: list[Redis]) -> None:
    """An admission from before a trip no longer holds; one from after it does."""
    fleet = breakers(clients, cooldown_s=SHORT_S)
    before = await admitted(fleet[0])
    assert await fleet[0].still_admitted(before)
    await fleet[1].trip(await admitted(fleet[1]), "bot_check", "403")
    assert not await fleet[0].still_admitted(before)
    await wait_out(fleet[0])
    probe = await admitted(fleet[0])
    assert await fleet[0].still_admitted(probe)
