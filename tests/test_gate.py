"""The source gate: several workers against a local host that logs each download's start.

Each worker has its own Redis connection, gate and HTTP session; a deferred job goes back into
the queue after the time the gate gives, as arq defers it.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from redis.asyncio import Redis

from app.core.breaker import Breaker, BreakerState
from app.core.errors import Deferred
from app.core.failures import FailureClass, classify_failure
from app.core.pacing import Pacer
from tests.fakes.videohost import HostRefused, Start, VideoHost, fetch_video
from workers.gate import SourceGate
from workers.slots import DownloadSlots


@pytest.fixture
async def host(clip: Path) -> AsyncIterator[VideoHost]:
    """The local video host serving the test clip for any key."""
    async with VideoHost(clip) as running:
        yield running


STOP = ""


def classify(exc: BaseException) -> FailureClass | None:
    """What the worker makes of a failure: the class of its message."""
    return classify_failure(str(exc)) if isinstance(exc, HostRefused) else None


@dataclass
class Backfill:
    """Workers draining a queue of video keys through their gates."""

    redis_url: str
    host: VideoHost
    workers: int = 3
    cooldown_s: float = 0.1
    min_interval_s: float = 0.05
    per_hour: int = 100_000
    slots: int = 2
    hold_s: float = 0.5
    done: dict[str, int] = field(default_factory=dict)
    deferred: list[Deferred] = field(default_factory=list)

    async def run(self, keys: list[str]) -> None:
        """Download every key, deferring as the gates say; return when all are done."""
        queue: asyncio.Queue[str] = asyncio.Queue()
        for key in keys:
            queue.put_nowait(key)
        loop = asyncio.get_running_loop()

        async def worker() -> None:
            redis = Redis.from_url(self.redis_url)
            breaker = Breaker(redis, "youtube", self.cooldown_s, 60.0)
            pacer = Pacer(redis, "youtube", self.min_interval_s, self.per_hour)
            slots = DownloadSlots(redis, self.slots, 0.01)
            gate = SourceGate("youtube", breaker, pacer, slots, hold_s=self.hold_s)
            async with aiohttp.ClientSession() as session:
                while (key := await queue.get()) != STOP:
                    download = functools.partial(fetch_video, session, self.host.url_for(key))
                    try:
                        self.done[key] = await gate.run(key, download, classify)
                    except Deferred as deferred:
                        self.deferred.append(deferred)
                        loop.call_later(deferred.seconds, queue.put_nowait, key)
                        continue
                    if len(self.done) == len(keys):
                        for _ in range(self.workers):
                            queue.put_nowait(STOP)
            await redis.aclose()

        await asyncio.gather(*(worker() for _ in range(self.workers)))


def gaps(starts: list[Start]) -> list[float]:
    """Seconds between consecutive starts."""
    return [b.at - a.at for a, b in itertools.pairwise(starts)]


async def test_workers_start_downloads_min_interval_apart(redis_url: str, host: VideoHost) -> None:
    """Three workers downloading ten videos start them at least min_interval apart."""
    backfill = Backfill(redis_url, host, min_interval_s=0.3)
    async with asyncio.timeout(20):
        await backfill.run([f"movie{n}" for n in range(10)])
    assert len(backfill.done) == 10 and not host.refused()
    # The host sees each start a request's trip later; the first of a session opens a connection.
    assert min(gaps(host.starts)) >= 0.3 - 0.15
    assert host.starts[-1].at - host.starts[0].at >= 9 * 0.3 - 0.15


async def test_a_throttling_host_pauses_everyone_then_the_backfill_recovers(
    redis_url: str, host: VideoHost
) -> None:
    """Past the host's limit: 429s, each followed by a pause nobody asks through; all done."""
    host.limit(rate=6, window_s=1.0, burst=4)  # 6/s, a burst of 4; our pace is 20/s
    backfill = Backfill(redis_url, host, workers=3, cooldown_s=0.3, min_interval_s=0.05)
    async with asyncio.timeout(30):
        await backfill.run([f"movie{n}" for n in range(20)])
    assert len(backfill.done) == 20
    refused = host.refused()
    assert 1 <= len(refused) <= 10  # a trip or a few, as the pace settles under the limit
    for refusal in refused:  # nobody asked during the pause that followed
        later = [s for s in host.starts if s.at > refusal.at]
        assert not later or later[0].at - refusal.at >= 0.3 - 0.02
    assert any(d.failure_class is FailureClass.RATE_LIMITED for d in backfill.deferred)
    redis = Redis.from_url(redis_url)
    status = await Breaker(redis, "youtube", 0.3, 60.0).status()
    await redis.aclose()
    assert (status.state, status.last_class) == (BreakerState.OK, "rate_limited")


async def test_a_blocking_host_gets_one_probe_per_doubling_pause(
    redis_url: str, host: VideoHost
) -> None:
    """A host that blocks for a while after its limit sees one probe per pause, pauses doubling."""
    host.limit(rate=1, window_s=60.0, burst=3, refusal="bot_check", penalty_s=1.0)
    backfill = Backfill(redis_url, host, cooldown_s=0.1, min_interval_s=0.02, slots=1)
    bucket = host.bucket
    assert bucket is not None
    bucket.rate = 120.0  # once the block ends, plenty of tokens: the probe after it succeeds
    async with asyncio.timeout(30):
        await backfill.run([f"movie{n}" for n in range(6)])
    refused = host.refused()
    assert all(s.status == 403 for s in refused)
    assert len(refused) >= 3  # the first refusal and at least two failed probes
    pauses = gaps(refused)
    for n, pause in enumerate(pauses):  # 0.1 s, 0.2 s, 0.4 s ...: one probe at each end
        assert pause >= 0.1 * 2**n - 0.02, pauses
    assert any(d.failure_class is FailureClass.BOT_CHECK for d in backfill.deferred)
