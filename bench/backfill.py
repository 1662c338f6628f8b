"""Backfill against a rate-limited video host: drain time, achieved rate / R, 429s per 1,000.

What it measures
  The backlog a first reconciliation queues for a library of `--movies` (default 2,000) movies
  with files and no trailers: that many download jobs, run by `--workers` (default 2) real arq
  worker processes on one real Redis, each download going through the real gate
  (workers/gate.py: breaker, pace and download slots shared through Redis) to a local video
  host (tests/fakes/videohost.py). The host allows R downloads per hour, a token bucket of
  capacity R that Trailarr does not know, and answers 429 past it. A download is what yt-dlp
  does there: the watch page, then the media (`--transfer` seconds of it). Deferred jobs go
  back into arq's queue with `Retry(defer=...)`, as the real worker does.

  Trailarr's settings are the defaults (min_interval 5 s, max_per_hour 250, cooldown 1 min,
  max_cooldown 6 h, trailers.concurrency 2). Time runs `--scale` (default 200) times faster
  for everything, Trailarr and the host alike, so a bench hour lasts 18 s; figures are in
  bench hours. It runs R = 2 x 250 (well above the pace) and R = 250 / 2 (well below), or the
  R given with `--rate`.

  It prints, per R: the drain time; the achieved rate and its fraction of min(R, 250); the 429s
  per 1,000 downloads overall and after the first half (once the pace has settled); job runs
  per movie (deferrals included); the pace at the end.

Targets (issue 8): achieved >= 0.8 x min(R, configured pace); <= 10 429s per 1,000 downloads once
the pace has settled.

Only 127.0.0.1 is contacted; Redis is a private redis-server on a free port.

    .venv/bin/python bench/backfill.py [--movies 2000] [--workers 2] [--scale 200] [--rate R]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import json
import logging
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.fakes is not an installed package

import aiohttp  # noqa: E402
import structlog  # noqa: E402
from arq import Retry  # noqa: E402
from arq.connections import RedisSettings, create_pool  # noqa: E402
from arq.worker import Worker, func  # noqa: E402
from redis.asyncio import Redis  # noqa: E402
from redis.exceptions import RedisError  # noqa: E402

from app.core.breaker import Breaker  # noqa: E402
from app.core.errors import Deferred  # noqa: E402
from app.core.failures import FailureClass, classify_failure  # noqa: E402
from app.core.pacing import Pacer  # noqa: E402
from bench.common import free_port  # noqa: E402
from tests.fakes.videohost import HostRefused, VideoHost, fetch_video  # noqa: E402
from tests.fakes.videos import make_clip  # noqa: E402
from workers.gate import HOLD_S, SourceGate  # noqa: E402
from workers.slots import DownloadSlots  # noqa: E402

PACE_PER_HOUR = 250
MIN_INTERVAL_S = 5.0
COOLDOWN_S = 60.0
MAX_COOLDOWN_S = 6 * 3600.0
CONCURRENCY = 2
DONE_KEY = "bench:done"
DEFERRED_KEY = "bench:deferred"


@dataclass(frozen=True)
class Plan:
    """One run's numbers, in real seconds (bench time already applied)."""

    scale: float
    template: str = ""

    @property
    def hour_s(self) -> float:
        """A bench hour."""
        return 3600.0 / self.scale

    def seconds(self, real_world_s: float) -> float:
        """`real_world_s` of the real world, in bench time."""
        return real_world_s / self.scale


def classify(exc: BaseException) -> FailureClass | None:
    """The worker's view of a failure: the class of its message."""
    return classify_failure(str(exc)) if isinstance(exc, HostRefused) else None


async def download(ctx: dict[str, Any], key: str) -> int:
    """arq job: one movie's download through the gate; deferred as the real worker defers."""
    plan: Plan = ctx["plan"]
    url = plan.template.replace("{key}", key)
    try:
        size = await ctx["gate"].run(key, functools.partial(fetch_video, ctx["session"], url),
                                     classify)  # fmt: skip
    except Deferred as deferred:
        await ctx["redis"].incr(DEFERRED_KEY)
        raise Retry(defer=deferred.seconds) from deferred
    await ctx["redis"].zadd(DONE_KEY, {key: time.time()})
    return int(size)


async def _startup(ctx: dict[str, Any]) -> None:
    plan: Plan = ctx["plan"]
    redis: Redis = ctx["redis"]
    breaker = Breaker(redis, "youtube", plan.seconds(COOLDOWN_S), plan.seconds(MAX_COOLDOWN_S),
                      probe_lease_s=plan.seconds(60.0))  # fmt: skip
    pacer = Pacer(redis, "youtube", plan.seconds(MIN_INTERVAL_S), PACE_PER_HOUR,
                  window_s=plan.hour_s)  # fmt: skip
    slots = DownloadSlots(redis, CONCURRENCY, poll_s=0.005)
    ctx["gate"] = SourceGate("youtube", breaker, pacer, slots, hold_s=plan.seconds(HOLD_S))
    ctx["session"] = aiohttp.ClientSession()


async def _shutdown(ctx: dict[str, Any]) -> None:
    await ctx["session"].close()


def run_worker(redis_url: str, plan: Plan) -> None:
    """A worker process: arq with the bench job, until SIGTERM."""
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    worker = Worker(
        functions=[func(download, name="download", max_tries=1_000_000)],
        redis_settings=RedisSettings.from_dsn(redis_url),
        ctx={"plan": plan},
        on_startup=_startup,
        on_shutdown=_shutdown,
        max_jobs=20,
        poll_delay=0.005,  # arq's polling is the only clock not sped up: keep it fine
        keep_result=0,
        log_results=False,
    )
    worker.run()


@contextlib.contextmanager
def private_redis() -> Iterator[str]:
    """A redis-server of this run's own on a free port."""
    port = free_port()
    folder = tempfile.mkdtemp(prefix="bench-redis-")
    process = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind",
         "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


async def _wait_for_redis(url: str) -> None:
    client = Redis.from_url(url)
    async with asyncio.timeout(10):
        while True:
            with contextlib.suppress(RedisError):
                if await client.ping():
                    break
            await asyncio.sleep(0.05)
    await client.aclose()


@dataclass
class Result:
    """What one R gave."""

    rate: float
    movies: int
    drain_h: float
    refused: int
    refused_settled: int
    runs: int
    pace: float

    def row(self) -> str:
        """One line of the table."""
        achieved = self.movies / self.drain_h
        target = min(self.rate, PACE_PER_HOUR)
        per_1000 = self.refused * 1000 / self.movies
        settled = self.refused_settled * 1000 / (self.movies - self.movies // 2)
        return (
            f"{self.rate:>7.0f} {self.drain_h:>9.2f} {achieved:>10.1f} {achieved / target:>8.2f}"
            f" {per_1000:>8.1f} {settled:>9.1f} {self.runs / self.movies:>9.2f} {self.pace:>7.1f}"
        )


HEADER = (
    "   R(/h)  drain(h)  achieved/h  /min(R,pace)  429/1000  settled  runs/movie  pace/h\n"
    "                                 (target>=0.8)           (<=10)"
)


async def run_one(rate: float, args: argparse.Namespace, clip: Path) -> Result:
    """Drain `args.movies` downloads against a host allowing `rate` per hour."""
    plan = Plan(args.scale)
    with private_redis() as redis_url:
        await _wait_for_redis(redis_url)
        async with VideoHost(clip, transfer_s=plan.seconds(args.transfer)) as host:
            host.limit(rate=rate, window_s=plan.hour_s)
            plan = Plan(args.scale, host.url_template)
            pool = await create_pool(RedisSettings.from_dsn(redis_url))
            for n in range(args.movies):  # the backlog is queued before the clock starts
                await pool.enqueue_job("download", f"movie{n:05d}", _job_id=f"movie{n:05d}")
            await pool.aclose()
            workers = [
                await asyncio.create_subprocess_exec(
                    sys.executable, __file__, "--worker", redis_url, json.dumps(plan.__dict__)
                )
                for _ in range(args.workers)
            ]
            try:
                return await _drain(redis_url, rate, args, host, plan)
            finally:
                for process in workers:
                    process.send_signal(signal.SIGTERM)
                for process in workers:
                    await process.wait()


async def _drain(
    redis_url: str, rate: float, args: argparse.Namespace, host: VideoHost, plan: Plan
) -> Result:
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        started = time.time()
        deadline = started + args.timeout
        while await pool.zcard(DONE_KEY) < args.movies:
            if time.time() > deadline:
                raise TimeoutError(f"not drained after {args.timeout} s")
            await asyncio.sleep(0.2)
        done_at = [score for _, score in await pool.zrange(DONE_KEY, 0, -1, withscores=True)]
        half = sorted(done_at)[args.movies // 2 - 1]
        deferred = int(await pool.get(DEFERRED_KEY) or 0)
        pacer = Pacer(pool, "youtube", 0, PACE_PER_HOUR, window_s=plan.hour_s)
        pace = await pacer.pace_per_hour() / plan.scale  # per bench hour
    finally:
        await pool.aclose()
    refused = host.refused()
    if args.verbose:
        gaps = sorted(b.at - a.at for a, b in itertools.pairwise(host.starts))
        p10, p50, p90 = (gaps[int(len(gaps) * q)] * plan.scale for q in (0.1, 0.5, 0.9))
        print(f"  gaps between starts (bench s): p10 {p10:.2f}  p50 {p50:.2f}  p90 {p90:.2f}"
              f"  max {gaps[-1] * plan.scale:.1f}")  # fmt: skip
        t0 = host.starts[0].at
        for n, (a, b) in enumerate(itertools.pairwise(host.starts)):
            if (b.at - a.at) * plan.scale > 200 or b.status != 200:
                print(
                    f"    #{n + 1} at {(b.at - t0) * plan.scale / 3600:.2f} h: gap "
                    f"{(b.at - a.at) * plan.scale:.0f} s, status {b.status}"
                )
    return Result(
        rate=rate,
        movies=args.movies,
        drain_h=(max(done_at) - started) / plan.hour_s,
        refused=len(refused),
        refused_settled=sum(1 for start in refused if start.at > half),
        runs=args.movies + deferred,
        pace=pace,
    )


async def run(args: argparse.Namespace) -> None:
    """Every R, one after the other."""
    folder = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    try:
        clip = make_clip(folder / "clip.mp4", seconds=1.0, height=144)
        rates = args.rate or [2 * PACE_PER_HOUR, PACE_PER_HOUR / 2]
        print(f"{args.movies} movies, {args.workers} workers, pace {PACE_PER_HOUR}/h, "
              f"min_interval {MIN_INTERVAL_S:g} s, time x{args.scale:g} "
              f"(a bench hour is {3600 / args.scale:g} s)")  # fmt: skip
        print(HEADER)
        for rate in rates:
            result = await run_one(rate, args, clip)
            print(result.row(), flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    """Parse the arguments; run the benchmark (or, with --worker, one worker process)."""
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        run_worker(sys.argv[2], Plan(**json.loads(sys.argv[3])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movies", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", type=float, default=200.0, help="how much faster time runs")
    parser.add_argument("--rate", type=float, action="append", help="R per hour (repeatable)")
    parser.add_argument("--transfer", type=float, default=5.0, help="seconds of media transfer")
    parser.add_argument("--verbose", action="store_true", help="print the spacing of starts")
    parser.add_argument("--timeout", type=float, default=1800.0, help="per R, real seconds")
    asyncio.run(run(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
