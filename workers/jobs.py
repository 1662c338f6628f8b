"""The arq side: the `ensure_trailer` job function and the worker that runs it."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from typing import Any

import aiohttp
import structlog
from arq import Retry
from arq.worker import Worker, func

from app.config import Settings
from app.errors import TransientError
from app.queue import (
    ENSURE_FUNCTION,
    LATEST_EVENT_PREFIX,
    OUTCOME_STREAM,
    json_dumps,
    json_loads,
    redis_settings,
)
from workers.ensure import JobInput, WorkerContext, ensure_trailer_for
from workers.slots import DownloadSlots

log = structlog.get_logger("trailarr.worker")

MAX_TRIES = 8
JOB_TIMEOUT_S = 900


def retry_delay(job_try: int) -> float:
    """Seconds before try `job_try + 1`: 5 s, 10 s, 20 s … capped at 10 minutes."""
    return float(min(5 * 2 ** (job_try - 1), 600))


async def ensure_trailer(
    ctx: dict[str, Any],
    *,
    instance: str,
    arr_id: int,
    kind: str,
    our_trailer: str = "",
    pinned_url: str = "",
) -> str:
    """arq job: ensure one media item has a trailer, then report the outcome through Redis."""
    redis = ctx["redis"]
    job_id: str = ctx["job_id"]
    job_try: int = ctx.get("job_try", 1)
    covers = int(await redis.get(LATEST_EVENT_PREFIX + job_id) or 0)
    started = time.time()
    job = JobInput(instance, int(arr_id), kind, our_trailer, pinned_url)
    bound = log.bind(job_id=job_id, instance=instance, media_id=arr_id)
    try:
        outcome = await ensure_trailer_for(ctx["tools"], job)
    except TransientError as exc:
        if job_try < MAX_TRIES:
            delay = retry_delay(job_try)
            bound.warning("transient failure, will retry", error=str(exc), retry_in=delay)
            raise Retry(defer=delay) from exc
        outcome = {"instance": instance, "arr_id": arr_id, "kind": kind, "outcome": "failed",
                   "reason": f"gave up after {job_try} tries: {exc}"}  # fmt: skip
    outcome.update(
        job_id=job_id, covers_event=covers, started_at=started, finished_at=time.time(),
        worker=ctx.get("worker_name", ""),
    )  # fmt: skip
    await redis.xadd(OUTCOME_STREAM, {"data": json.dumps(outcome)})
    bound.info("job done", title=outcome.get("title"), outcome=outcome["outcome"],
               reason=outcome.get("reason"))  # fmt: skip
    return str(outcome["outcome"])


async def _startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    slots = DownloadSlots(ctx["redis"], settings.trailers.concurrency)
    ctx["tools"] = WorkerContext(settings, aiohttp.ClientSession(), slots)
    ctx["worker_name"] = f"{socket.gethostname()}:{os.getpid()}"


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
                max_tries=MAX_TRIES + 1,
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
