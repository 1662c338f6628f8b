"""The arq side: the `ensure_trailer` job function and the worker that runs it."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from typing import Any

import aiohttp
import structlog
from arq import Retry
from arq.worker import Worker, func

from app.core.breaker import Breaker
from app.core.config import Settings
from app.core.errors import ConfigError, Deferred, TransientError
from app.core.keys import FAILURES_PREFIX, LATEST_EVENT_PREFIX, OUTCOME_STREAM
from app.core.pacing import Pacer
from app.core.queue import ENSURE_FUNCTION, json_dumps, json_loads, redis_settings
from app.core.records import JobInput, MediaState, Outcome
from workers.attempts import Attempts
from workers.ensure import WorkerContext, ensure_trailer_for
from workers.gate import SourceGate
from workers.slots import DownloadSlots
from workers.youtube import SOURCE

log = structlog.get_logger("trailarr.worker")

MAX_TRIES = 8
RETRY_BASE_S = 5.0
JOB_TIMEOUT_S = 900


def retry_delay(failures: int) -> float:
    """Seconds before the next try after `failures` transient failures: 5, 10, 20 … 600."""
    return float(min(RETRY_BASE_S * 2 ** (failures - 1), 600))


async def ensure_trailer(ctx: dict[str, Any], **kwargs: Any) -> str:
    """arq job: ensure one media item has a trailer, then report the outcome through Redis."""
    redis = ctx["redis"]
    job_id: str = ctx["job_id"]
    covers = int(await redis.get(LATEST_EVENT_PREFIX + job_id) or 0)
    started = time.time()
    job = JobInput.from_kwargs(kwargs)
    bound = log.bind(job_id=job_id, instance=job.instance, media_id=job.arr_id)
    try:
        outcome = await ensure_trailer_for(ctx["tools"], job, job_id)
    except Deferred as exc:
        # Waiting for YouTube (its pause, or this job's start time) is not a failure: it does
        # not use up a try. Each job has its own start time, so only a little jitter is needed.
        bound.info("deferred", reason=exc.reason, retry_in=round(exc.seconds, 1))
        raise Retry(defer=exc.seconds + random.uniform(0, min(1.0, exc.seconds * 0.05))) from exc
    except TransientError as exc:
        failures = int(await redis.incr(FAILURES_PREFIX + job_id))
        await redis.expire(FAILURES_PREFIX + job_id, 7 * 86400)
        if failures < MAX_TRIES:
            delay = retry_delay(failures)
            bound.warning("transient failure, will retry", error=str(exc), retry_in=delay)
            raise Retry(defer=delay) from exc
        outcome = Outcome(instance=job.instance, arr_id=job.arr_id, state=MediaState.FAILED,
                          reason=f"gave up after {failures} tries: {exc}")  # fmt: skip
    await redis.delete(FAILURES_PREFIX + job_id)
    await ctx["tools"].attempts.forget(job_id)
    outcome = outcome.model_copy(
        update={"job_id": job_id, "covers_event": covers, "started_at": started,
                "finished_at": time.time()}
    )  # fmt: skip
    await redis.xadd(OUTCOME_STREAM, {"data": outcome.to_json()})
    bound.info("job done", title=outcome.title, outcome=outcome.state.value,
               reason=outcome.reason)  # fmt: skip
    return outcome.state.value


async def _startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    redis = ctx["redis"]
    slots = DownloadSlots(redis, settings.trailers.concurrency)
    ctx["tools"] = WorkerContext(
        settings, aiohttp.ClientSession(), slots, youtube_gate(redis, settings, slots),
        Attempts(redis),
    )  # fmt: skip


def youtube_gate(redis: Any, settings: Settings, slots: DownloadSlots) -> SourceGate:
    """YouTube's breaker and pace, as `[youtube]` sets them, around the shared download slots."""
    youtube = settings.youtube
    breaker = Breaker(redis, SOURCE, youtube.cooldown_seconds, youtube.max_cooldown_seconds)
    pacer = Pacer(redis, SOURCE, youtube.min_interval_seconds, youtube.max_per_hour)
    return SourceGate(SOURCE, breaker, pacer, slots)


async def _shutdown(ctx: dict[str, Any]) -> None:
    tools: WorkerContext | None = ctx.get("tools")
    if tools is not None:
        await tools.session.close()


async def stop_worker(worker: Worker, grace_s: float = 30.0) -> None:
    """Stop taking jobs, let running ones finish for up to `grace_s`, then close.

    Jobs still running after that are cancelled; arq queues them again (at-least-once).
    """
    worker.allow_pick_jobs = False
    running = [task for task in worker.tasks.values() if not task.done()]
    if running:
        await asyncio.wait(running, timeout=grace_s)
    await worker.close()


def build_worker(
    settings: Settings, redis_url: str, *, handle_signals: bool = True, burst: bool = False
) -> Worker:
    """An arq worker for `ensure_trailer` against the Redis at `redis_url`."""
    return Worker(
        functions=[
            func(
                ensure_trailer,
                name=ENSURE_FUNCTION,
                keep_result=0,
                max_tries=1_000_000,  # tries are counted by FAILURES_PREFIX, not arq
                timeout=JOB_TIMEOUT_S,
            )
        ],
        redis_settings=redis_settings(redis_url),
        ctx={"settings": settings},
        on_startup=_startup,
        on_shutdown=_shutdown,
        handle_signals=handle_signals,
        burst=burst,
        # Downloads are limited across workers by DownloadSlots; other steps are cheap.
        max_jobs=max(10, settings.trailers.concurrency),
        poll_delay=0.05,
        keep_result=0,
        job_timeout=JOB_TIMEOUT_S,
        health_check_interval=10,
        job_serializer=json_dumps,
        job_deserializer=json_loads,
        log_results=False,
    )


async def run_worker(settings: Settings, stop: asyncio.Event) -> None:
    """`trailarr worker`: an arq worker against the configured Redis until `stop` is set."""
    url = settings.redis.url.get_secret_value()
    if not url:
        raise ConfigError("redis.url: `trailarr worker` needs the Redis that `trailarr web` uses")
    worker = build_worker(settings, url, handle_signals=False)
    task = asyncio.create_task(worker.async_run())
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    await stop_worker(worker)
    waiter.cancel()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
