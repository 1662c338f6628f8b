"""The coordinator: records webhooks in batches, queues their jobs, records outcomes.

Webhooks wait on `Intake.submit` until their batch is committed, so a 202 always follows the
commit; batching turns a thousand commits a second into a few dozen. Outcomes come from workers
over a Redis stream; a loop re-queues any accepted event whose job Redis no longer holds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence

import structlog
from redis.exceptions import RedisError, ResponseError

from app.core.keys import ALIVE_KEY, OUTCOME_GROUP, OUTCOME_STREAM
from app.core.queue import JobQueue
from app.core.records import Outcome
from app.core.tasks import Background
from app.store.writes import Incoming, Recorded, Store

log = structlog.get_logger("trailarr.coordinator")

MAX_BATCH = 512


class Intake:
    """Group commit for webhooks: one transaction and one Redis round trip per batch."""

    def __init__(
        self, store: Store, queue: JobQueue, on_enqueue_failed: Callable[[], None] | None = None
    ) -> None:
        self.store = store
        self.queue = queue
        self.on_enqueue_failed = on_enqueue_failed
        self._pending: asyncio.Queue[tuple[Incoming, asyncio.Future[Recorded]]] = asyncio.Queue()
        self._task = Background("intake")

    def start(self) -> None:
        """Start the writer task."""
        self._task.start(self._run())

    async def stop(self) -> None:
        """Finish what is pending, then stop."""
        if not self._task.running:
            return
        await self._pending.join()
        await self._task.stop()

    async def submit(self, item: Incoming) -> Recorded:
        """Record one webhook; returns once it is committed (and, Redis willing, queued)."""
        future: asyncio.Future[Recorded] = asyncio.get_running_loop().create_future()
        self._pending.put_nowait((item, future))  # unbounded: never waits
        return await future

    async def _run(self) -> None:
        while True:
            batch = [await self._pending.get()]
            while len(batch) < MAX_BATCH and not self._pending.empty():
                batch.append(self._pending.get_nowait())
            try:
                recorded = await self.store.record_webhooks([item for item, _ in batch])
            except Exception as exc:
                log.exception("recording webhooks failed", count=len(batch))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                    self._pending.task_done()
                continue
            jobs = [r.job for r in recorded if r.job is not None]
            try:
                await self.queue.enqueue_many(jobs)
            except (RedisError, OSError):
                # Recorded as queued in SQLite: the coordinator's loop queues them later.
                log.warning("redis unavailable, jobs will be queued later", count=len(jobs))
                if self.on_enqueue_failed is not None:
                    self.on_enqueue_failed()
            for (_, future), result in zip(batch, recorded, strict=True):
                if not future.done():
                    future.set_result(result)
            for _ in batch:
                self._pending.task_done()


class Coordinator:
    """Consumes job outcomes and keeps every accepted event's job in the queue.

    A full sweep of the queued events (costly with a large backlog) runs at start-up, when an
    enqueue failed, when Redis lost its data (a marker key is gone), and every `sweep_every`.
    Otherwise only jobs that owe a rerun (events arrived while they ran) are looked at.
    """

    def __init__(
        self,
        store: Store,
        queue: JobQueue,
        requeue_every: float = 2.0,
        sweep_every: float = 600.0,
    ) -> None:
        self.store = store
        self.queue = queue
        self.requeue_every = requeue_every
        self.sweep_every = sweep_every
        self._task = Background("coordinator")
        self.outcomes_recorded = 0
        self._progress = asyncio.Condition()
        self._sweep_due = True
        self._reruns: set[str] = set()
        self._consuming = asyncio.Lock()  # one reader of the stream at a time

    def request_sweep(self) -> None:
        """Look at every queued event on the next turn (an enqueue failed)."""
        self._sweep_due = True

    def start(self) -> None:
        """Start the loop."""
        self._task.start(self._run())

    async def stop(self) -> None:
        """Stop the loop."""
        await self._task.stop()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_check, next_sweep = 0.0, loop.time() + self.sweep_every
        while True:
            try:
                await self.consume_outcomes(block_ms=int(self.requeue_every * 500))
                if loop.time() < next_check:
                    continue
                next_check = loop.time() + self.requeue_every
                if not await self.queue.redis.exists(ALIVE_KEY) or loop.time() >= next_sweep:
                    self._sweep_due = True  # Redis lost its data, or it is time anyway
                if self._sweep_due:
                    self._sweep_due = False
                    next_sweep = loop.time() + self.sweep_every
                    await self.queue.redis.set(ALIVE_KEY, "1")
                    await self.requeue_unfinished()
                elif self._reruns:
                    reruns, self._reruns = self._reruns, set()
                    await self.requeue_unfinished(sorted(reruns))
            except (RedisError, OSError) as exc:
                log.warning("redis unavailable", error=str(exc))
                await asyncio.sleep(1)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("coordinator loop failed")
                await asyncio.sleep(1)

    async def _ensure_group(self) -> None:
        with contextlib.suppress(ResponseError):  # BUSYGROUP: it exists
            await self.queue.redis.xgroup_create(
                OUTCOME_STREAM, OUTCOME_GROUP, id="0", mkstream=True
            )

    async def consume_outcomes(self, block_ms: int | None = None) -> int:
        """Record the outcomes waiting in the stream; pending (unacknowledged) ones first."""
        async with self._consuming:
            count = await self._consume(block_ms)
        if count:
            async with self._progress:
                self.outcomes_recorded += count
                self._progress.notify_all()
        return count

    async def _consume(self, block_ms: int | None) -> int:
        redis = self.queue.redis
        count = 0
        for start in ("0", ">"):
            try:
                response = await redis.xreadgroup(
                    OUTCOME_GROUP, "coordinator", {OUTCOME_STREAM: start}, count=200,
                    block=block_ms if start == ">" else None,
                )  # fmt: skip
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                await self._ensure_group()  # Redis lost the stream; nothing was in it then
                continue
            for _stream, messages in response or []:
                for message_id, fields in messages:
                    await self._record(fields)
                    await redis.xack(OUTCOME_STREAM, OUTCOME_GROUP, message_id)
                    await redis.xdel(OUTCOME_STREAM, message_id)
                    count += 1
        return count

    async def wait_for_outcomes(self, count: int) -> None:
        """Wait until `count` outcomes have been recorded since start."""
        async with self._progress:
            await self._progress.wait_for(lambda: self.outcomes_recorded >= count)

    async def _record(self, fields: dict[bytes, bytes]) -> None:
        try:
            outcome = Outcome.from_json(fields[b"data"])
        except (KeyError, ValueError):
            log.error("malformed outcome dropped", fields=repr(fields)[:200])
            return
        if await self.store.record_outcome(outcome):
            self._reruns.add(outcome.job_id)
        log.info(
            "job finished", job_id=outcome.job_id, instance=outcome.instance,
            media_id=outcome.arr_id, title=outcome.title, outcome=outcome.state.value,
            reason=outcome.reason,
        )  # fmt: skip

    async def requeue_unfinished(self, job_ids: Sequence[str] | None = None) -> list[str]:
        """Queue again every job (or those of `job_ids`) that accepted events wait for but Redis
        does not hold; a job still held that owes a rerun is looked at again next turn."""
        if job_ids is None:
            await self.store.drop_orphan_events()
        jobs = await self.store.unfinished_jobs(job_ids)
        if not jobs:
            return []
        held = await self.queue.existing_jobs([job.job_id for job in jobs])
        if job_ids is not None:
            self._reruns.update(held)  # arq has not dropped the finished job yet
        missing = [job for job in jobs if job.job_id not in held]
        if not missing:
            return []
        # A job that just finished has put its outcome in the stream before arq dropped it:
        # record those first (or wait for whoever is recording them) and look again, so a
        # finished job is not run again.
        await self.consume_outcomes()
        jobs = await self.store.unfinished_jobs([job.job_id for job in missing])
        missing = [job for job in jobs if job.job_id not in held]
        added = await self.queue.enqueue_many(missing)
        if added:
            log.info("re-queued jobs", count=len(added))
        return sorted(added)
