"""Reconciliation: the periodic sweep that catches everything the webhooks missed.

A pass (`Reconciler.run_pass`) reads each instance's whole library (`GET /api/v3/movie` or
`/api/v3/series`, gzipped, parsed element by element so that 50,000 movies never sit in memory
at once), upserts it, forgets media the Arr no longer lists, and queues every media item that
has a file, has no trailer (or whose recorded trailer has gone from disk) and is not in backoff.

It compares with the database in memory and writes only what differs, in large batches, so a pass
over an unchanged library writes nothing. An instance whose listing fails is reported and left
untouched: an Arr that is down never wipes its media. Passes never overlap, in one process (an
asyncio lock) or across processes (a Redis lock), so `trailarr reconcile` and the service's own
pass can run side by side; the later one is skipped, not queued.

What differs is worked out by app/reconcile/diff.py (pure); the SQL is app/store/library.py's;
`trailarr reconcile` prints the report (app/cli.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp
import structlog
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, LockNotOwnedError, RedisError

from app.core.config import ArrInstance, Settings
from app.core.errors import ArrRejected, ArrUnavailable
from app.core.keys import JOB_PREFIX, RECONCILE_LOCK_KEY
from app.core.library import ListedRow, fetch_library
from app.core.queue import JobQueue, ensure_job_id
from app.core.records import MediaKind
from app.core.tasks import Background
from app.reconcile.diff import (
    LibraryDiff,
    QueuedItem,
    Wanted,
    claimed_trailers,
    job_request,
    queued_item,
)
from app.store.library import Known, KnownRow, known_media, write_changes
from app.store.writes import Store

log = structlog.get_logger("trailarr.reconcile")

LOCK_TTL_MS = 120_000
ENQUEUE_BATCH = 1_000  # jobs per Redis round trip
HELD_BATCH = 2_000  # job ids per "which are not queued yet?" round trip
# Long loops let the event loop run (webhooks answer) every this many items.
YIELD_EVERY = 2_000
SKIPPED_RUNNING = "a reconciliation pass is already running"


@dataclass(slots=True)
class InstanceReport:
    """What a pass did for one instance."""

    instance: str
    listed: int = 0
    new: int = 0
    updated: int = 0
    forgotten: int = 0
    queued: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(slots=True)
class PassReport:
    """The outcome of one pass: per-instance counts, the queued items and the wall time."""

    dry_run: bool
    instances: list[InstanceReport] = field(default_factory=list)
    queued: list[QueuedItem] = field(default_factory=list)
    seconds: float = 0.0
    skipped: str = ""
    """Why the pass did not run at all (another pass is running, Redis unavailable); or ''."""

    @property
    def ok(self) -> bool:
        """Whether the pass ran and every instance reconciled without error."""
        return not self.skipped and not any(item.errors for item in self.instances)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (for `POST /api/reconcile`)."""
        return {
            "dry_run": self.dry_run,
            "ok": self.ok,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 3),
            "instances": [asdict(item) for item in self.instances],
            "queued": [
                {"instance": instance, "arr_id": arr_id, "title": title, "path": path}
                for instance, arr_id, title, path in self.queued
            ],
        }


def _missing_files(paths: Sequence[tuple[int, str]]) -> set[int]:
    return {arr_id for arr_id, path in paths if not os.path.exists(path)}


class Reconciler:
    """Runs reconciliation passes for the coordinator (or the `trailarr reconcile` command).

    `queue` may be None for dry runs, which need no Redis. Without a queue there is no
    cross-process lock either, which is fine: a dry run writes nothing.
    """

    def __init__(
        self,
        store: Store,
        queue: JobQueue | None,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.time,
        lock_ttl_ms: int = LOCK_TTL_MS,
    ) -> None:
        self.store = store
        self.queue = queue
        self.settings = settings
        self.clock = clock
        self.lock_ttl_ms = lock_ttl_ms
        self._running = asyncio.Lock()
        self._unheld: Any = None
        if queue is not None:
            self._unheld = queue.redis.register_script(
                "local out = {} for _, id in ipairs(ARGV) do"
                " if redis.call('EXISTS', KEYS[1] .. id) == 0 then out[#out + 1] = id end"
                " end return out"
            )

    async def run_pass(self, *, dry_run: bool = False) -> PassReport:
        """One pass over every configured instance; skipped at once if another is running."""
        report = PassReport(dry_run=dry_run)
        started = time.perf_counter()
        if self._running.locked():
            report.skipped = SKIPPED_RUNNING
            return report
        async with self._running:
            lock = None
            if self.queue is not None:
                lock = self.queue.redis.lock(
                    RECONCILE_LOCK_KEY, timeout=self.lock_ttl_ms / 1000, thread_local=False
                )
                try:
                    taken = await lock.acquire(blocking=False)
                except (RedisError, OSError) as exc:
                    report.skipped = f"redis unavailable: {exc}"
                    return report
                if not taken:
                    report.skipped = SKIPPED_RUNNING + " (in another process)"
                    return report
            keeper = Background("reconcile-lock")
            if lock is not None:
                keeper.start(self._keep_lock(lock))
            try:
                async with aiohttp.ClientSession() as session:
                    for instance in self.settings.arr:
                        report.instances.append(
                            await self._reconcile(session, instance, dry_run, report.queued)
                        )
            finally:
                await keeper.stop()
                if lock is not None:
                    with contextlib.suppress(LockError, RedisError, OSError):
                        await lock.release()
        report.seconds = time.perf_counter() - started
        log.info(
            "reconciliation pass finished", dry_run=dry_run, seconds=round(report.seconds, 2),
            queued=len(report.queued), failed=[i.instance for i in report.instances if i.errors],
        )  # fmt: skip
        return report

    async def run_periodically(self, interval: float, first_delay: float = 0.0) -> None:
        """Run a pass after `first_delay` seconds and then every `interval`, until cancelled."""
        await asyncio.sleep(first_delay)
        while True:
            try:
                await self.run_pass()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reconciliation pass failed")
            await asyncio.sleep(interval)

    async def _keep_lock(self, lock: Lock) -> None:
        while True:
            await asyncio.sleep(self.lock_ttl_ms / 3000)
            try:
                await lock.reacquire()  # the whole TTL again
            except LockNotOwnedError:
                log.warning("reconciliation lock lost; another pass may start")
                return
            except (RedisError, OSError) as exc:
                log.warning("could not extend the reconciliation lock", error=str(exc))

    async def _reconcile(
        self,
        session: aiohttp.ClientSession,
        instance: ArrInstance,
        dry_run: bool,
        queued: list[QueuedItem],
    ) -> InstanceReport:
        report = InstanceReport(instance.name)
        started = time.perf_counter()
        bound = log.bind(instance=instance.name)
        try:
            # Known before listing: a row a webhook adds during the listing is not forgotten.
            known = await known_media(self.store, instance.name)
            library = await fetch_library(session, instance)
            await self._apply(instance, known, library, dry_run, report, queued)
        except (ArrUnavailable, ArrRejected) as exc:
            report.errors.append(str(exc))
            bound.warning("instance not reconciled", error=str(exc))
        except Exception as exc:
            report.errors.append(f"{type(exc).__name__}: {exc}")
            bound.exception("instance not reconciled")
        report.seconds = time.perf_counter() - started
        if not report.errors:
            bound.info(
                "instance reconciled", listed=report.listed, new=report.new,
                updated=report.updated, forgotten=report.forgotten, queued=report.queued,
                seconds=round(report.seconds, 2),
            )  # fmt: skip
        return report

    async def _apply(
        self,
        instance: ArrInstance,
        known: dict[int, KnownRow],
        library: dict[int, ListedRow],
        dry_run: bool,
        report: InstanceReport,
        queued: list[QueuedItem],
    ) -> None:
        name, now = instance.name, self.clock()
        kind: MediaKind = "movie" if instance.kind == "radarr" else "series"
        report.listed = len(library)
        claimed = claimed_trailers(known, library, now)
        gone = await asyncio.to_thread(_missing_files, claimed) if claimed else set()
        diff = LibraryDiff(name, kind, known, gone, now)
        for count, row in enumerate(library.values(), 1):
            if count % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            diff.add(row)
        forgotten = diff.forgotten(library)
        report.new, report.updated = len(diff.inserts), len(diff.updates)
        report.forgotten = len(forgotten)
        if dry_run:
            report.queued = len(diff.wanted)
            queued.extend(queued_item(name, row) for row, _, _ in diff.wanted)
            return
        await write_changes(self.store, diff.inserts, diff.updates, forgotten, diff.marks)
        await self._enqueue(name, kind, diff.wanted, report, queued)

    async def _enqueue(
        self,
        name: str,
        kind: MediaKind,
        wanted: Sequence[Wanted],
        report: InstanceReport,
        queued: list[QueuedItem],
    ) -> None:
        assert self.queue is not None, "a pass that is not a dry run needs a queue"
        for start in range(0, len(wanted), HELD_BATCH):
            batch = wanted[start : start + HELD_BATCH]
            ids = [ensure_job_id(name, row[0]) for row, _, _ in batch]
            try:
                # A repeated pass finds most of its jobs still queued: ask Redis by id alone and
                # build and send payloads only for the others (enqueue_many dedups them anyway).
                unheld = {
                    job_id.decode() if isinstance(job_id, bytes) else str(job_id)
                    for job_id in await self._unheld(keys=[JOB_PREFIX], args=ids)
                }
                requests = [
                    job_request(name, kind, row[0], Known._make(old) if old else None, gone, job_id)
                    for (row, old, gone), job_id in zip(batch, ids, strict=True)
                    if job_id in unheld
                ]
                for offset in range(0, len(requests), ENQUEUE_BATCH):
                    await self.queue.enqueue_many(requests[offset : offset + ENQUEUE_BATCH])
            except (RedisError, OSError) as exc:
                left = len(wanted) - start
                report.errors.append(f"{left} jobs not queued, the next pass retries: {exc}")
                return
            report.queued += len(batch)
            queued.extend(queued_item(name, row) for row, _, _ in batch)
