"""The arq job's retry policy: how long a job waits after each transient failure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from arq import Retry
from arq.connections import ArqRedis

from app.core.errors import ArrUnavailable
from app.core.keys import FAILURES_PREFIX
from app.core.queue import connect
from app.core.records import JobInput, Outcome
from workers import jobs
from workers.attempts import Attempts


def test_retry_delay_doubles_from_five_seconds_up_to_ten_minutes() -> None:
    """After 1, 2, 3 … transient failures a job waits 5, 10, 20 … s, never more than 600 s."""
    delays = [jobs.retry_delay(failures) for failures in range(1, 11)]
    assert delays == [5, 10, 20, 40, 80, 160, 320, 600, 600, 600]


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[ArqRedis]:
    """A connection to the test's Redis."""
    client = await connect(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


async def test_transient_failures_defer_the_job_by_the_schedule(
    redis: ArqRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each transient failure re-queues the job to run after the next delay of the schedule,
    counted in Redis, until MAX_TRIES: then the job ends failed and the count is dropped."""

    async def arr_down(ctx: Any, job: JobInput, job_id: str = "") -> Outcome:
        raise ArrUnavailable("radarr answered HTTP 503 for movie/1")

    monkeypatch.setattr(jobs, "ensure_trailer_for", arr_down)
    tools = SimpleNamespace(attempts=Attempts(redis))  # all the job asks of its tools here
    ctx: dict[str, Any] = {"redis": redis, "job_id": "ensure:radarr:1", "tools": tools}
    kwargs = JobInput("radarr", 1, "movie").to_kwargs()
    deferred = []
    for _ in range(jobs.MAX_TRIES - 1):
        with pytest.raises(Retry) as retry:
            await jobs.ensure_trailer(ctx, **kwargs)
        deferred.append(retry.value.defer_score)
    assert deferred == [jobs.retry_delay(n) * 1000 for n in range(1, jobs.MAX_TRIES)]
    assert deferred[:3] == [5000, 10000, 20000]
    assert await jobs.ensure_trailer(ctx, **kwargs) == "failed"
    assert await redis.exists(FAILURES_PREFIX + "ensure:radarr:1") == 0
