"""Reconciliation: the periodic sweep that catches everything the webhooks missed.

A pass reads each instance's whole library (`GET /api/v3/movie` or `/api/v3/series`, gzipped,
parsed element by element so that 50,000 movies never sit in memory at once), upserts it, forgets
media the Arr no longer lists, and queues every media item that has a file, has no trailer (or
whose recorded trailer has gone from disk) and is not in backoff.

It compares with the database in memory and writes only what differs, in large batches, so a pass
over an unchanged library writes nothing. An instance whose listing fails is reported and left
untouched: an Arr that is down never wipes its media. Passes never overlap, in one process (an
asyncio lock) or across processes (a Redis lock), so `trailarr reconcile` and the service's own
pass can run side by side; the later one is skipped, not queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple, TextIO

import aiohttp
import aiosqlite
import structlog
from redis.exceptions import RedisError

from app.core.arr import ArrRejected
from app.core.config import ArrInstance, ConfigError, Settings
from app.core.errors import ArrUnavailable
from app.core.keys import JOB_PREFIX, RECONCILE_LOCK_KEY
from app.core.library import Listed, ListedRow, fetch_library
from app.core.queue import JobQueue, JobRequest, connect, ensure_job_id, pin_to_send
from app.store.db import open_database
from app.store.writes import Store

log = structlog.get_logger("trailarr.reconcile")

LOCK_TTL_MS = 120_000
WRITE_BATCH = 10_000  # rows per transaction: bounds how long webhooks wait for the write lock
ENQUEUE_BATCH = 1_000  # jobs per Redis round trip
HELD_BATCH = 2_000  # job ids per "which are not queued yet?" round trip
# Long loops let the event loop run (webhooks answer) every this many items.
YIELD_EVERY = 2_000
HAVE_TRAILER = frozenset({"present", "downloaded"})
SKIPPED_RUNNING = "a reconciliation pass is already running"


class Known(NamedTuple):
    """What the database holds for a media item, as far as a pass needs it."""

    state: str
    trailer_path: str
    trailer_ours: int
    pinned_url: str
    trailer_url: str
    retry_after: float
    folder: str
    title: str
    year: int
    tmdb_id: int


# A pass holds 50,000 of each of these at once. It keeps them as plain tuples and wraps them
# (`Listed._make(row)`) where it reads them: the garbage collector stops tracking a tuple of plain
# values but not a NamedTuple or dataclass, and 150,000 tracked objects would make each full
# collection during the pass slower, stalling the event loop (and webhooks) for longer.
KnownRow = tuple[str, str, int, str, str, float, str, str, int, int]
QueuedItem = tuple[str, int, str, str]
"""A media item a pass queued (or, in a dry run, would queue): instance, arr_id, title, path."""


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


_SELECT_KNOWN = """
SELECT arr_id, state, trailer_path, trailer_ours, pinned_url, trailer_url, retry_after, folder,
       title, year, tmdb_id
FROM media WHERE instance = ?
"""
_INSERT = """
INSERT INTO media (instance, kind, arr_id, title, year, folder, tmdb_id, state, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (instance, arr_id) DO UPDATE SET
    title = excluded.title, year = excluded.year, folder = excluded.folder,
    tmdb_id = CASE WHEN excluded.tmdb_id > 0 THEN excluded.tmdb_id ELSE media.tmdb_id END,
    updated_at = excluded.updated_at
"""
_UPDATE = """
UPDATE media SET title = ?, year = ?, folder = ?, tmdb_id = ?, updated_at = ?
WHERE instance = ? AND arr_id = ?
"""
_FORGET = "DELETE FROM media WHERE instance = ? AND arr_id = ?"
# Guarded by the state the pass saw: an outcome recorded meanwhile is not overwritten.
_MARK_QUEUED = """
UPDATE media SET state = 'queued', reason = '', updated_at = ?
WHERE instance = ? AND arr_id = ? AND state = ?
"""


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
        self._release: Any = None
        self._extend: Any = None
        self._unheld: Any = None
        if queue is not None:
            self._unheld = queue.redis.register_script(
                "local out = {} for _, id in ipairs(ARGV) do"
                " if redis.call('EXISTS', KEYS[1] .. id) == 0 then out[#out + 1] = id end"
                " end return out"
            )
            self._release = queue.redis.register_script(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then"
                " return redis.call('DEL', KEYS[1]) end return 0"
            )
            self._extend = queue.redis.register_script(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then"
                " return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
            )

    async def run_pass(self, *, dry_run: bool = False) -> PassReport:
        """One pass over every configured instance; skipped at once if another is running."""
        report = PassReport(dry_run=dry_run)
        started = time.perf_counter()
        if self._running.locked():
            report.skipped = SKIPPED_RUNNING
            return report
        async with self._running:
            try:
                token = await self._acquire_lock()
            except (RedisError, OSError) as exc:
                report.skipped = f"redis unavailable: {exc}"
                return report
            if token is None and self.queue is not None:
                report.skipped = SKIPPED_RUNNING + " (in another process)"
                return report
            keeper = asyncio.create_task(self._keep_lock(token)) if token else None
            try:
                async with aiohttp.ClientSession() as session:
                    for instance in self.settings.arr:
                        report.instances.append(
                            await self._reconcile(session, instance, dry_run, report.queued)
                        )
            finally:
                if keeper is not None:
                    keeper.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await keeper
                if token is not None:
                    with contextlib.suppress(RedisError, OSError):
                        await self._release(keys=[RECONCILE_LOCK_KEY], args=[token])
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

    async def _acquire_lock(self) -> str | None:
        if self.queue is None:
            return None
        token = secrets.token_hex(16)
        taken = await self.queue.redis.set(RECONCILE_LOCK_KEY, token, nx=True, px=self.lock_ttl_ms)
        return token if taken else None

    async def _keep_lock(self, token: str) -> None:
        while True:
            await asyncio.sleep(self.lock_ttl_ms / 3000)
            try:
                if not await self._extend(
                    keys=[RECONCILE_LOCK_KEY], args=[token, self.lock_ttl_ms]
                ):
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
            known = await self._load(instance.name)
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

    async def _load(self, instance: str) -> dict[int, KnownRow]:
        known: dict[int, KnownRow] = {}
        async with self.store.conn.execute(_SELECT_KNOWN, (instance,)) as cursor:
            while rows := await cursor.fetchmany(YIELD_EVERY):
                known.update((row[0], tuple(row[1:])) for row in rows)
        return known

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
        kind = "movie" if instance.kind == "radarr" else "series"
        report.listed = len(library)
        # Only rows that claim a trailer are checked on disk; a stat() each.
        claimed = [
            (arr_id, old.trailer_path)
            for arr_id, old in ((arr_id, Known._make(row)) for arr_id, row in known.items())
            if old.state in HAVE_TRAILER and old.trailer_path and old.retry_after <= now
            and arr_id in library and library[arr_id][5]
        ]  # fmt: skip
        gone = await asyncio.to_thread(_missing_files, claimed) if claimed else set()
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        marks: list[tuple[Any, ...]] = []
        wanted: list[tuple[ListedRow, KnownRow | None, bool]] = []
        for count, row in enumerate(library.values(), 1):
            if count % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            item = Listed._make(row)
            known_row = known.get(item.arr_id)
            if known_row is None:
                inserts.append((
                    name, kind, item.arr_id, item.title, item.year, item.folder, item.tmdb_id,
                    "queued" if item.has_file else "new", now,
                ))  # fmt: skip
                if item.has_file:
                    wanted.append((row, None, False))
                continue
            old = Known._make(known_row)
            tmdb_id = item.tmdb_id or old.tmdb_id
            if (item.title, item.year, item.folder, tmdb_id) != (
                old.title, old.year, old.folder, old.tmdb_id,
            ):  # fmt: skip
                updates.append(
                    (item.title, item.year, item.folder, tmdb_id, now, name, item.arr_id)
                )
            if (
                item.has_file and old.retry_after <= now
                and (old.state not in HAVE_TRAILER or not old.trailer_path or item.arr_id in gone)
            ):  # fmt: skip
                wanted.append((row, known_row, item.arr_id in gone))
                if old.state != "queued":
                    marks.append((now, name, item.arr_id, old.state))
        forgotten = [(name, arr_id) for arr_id in known if arr_id not in library]
        report.new, report.updated, report.forgotten = len(inserts), len(updates), len(forgotten)
        if dry_run:
            report.queued = len(wanted)
            queued.extend(queued_item(name, row) for row, _, _ in wanted)
            return
        await self._write([(_INSERT, inserts), (_UPDATE, updates), (_FORGET, forgotten),
                           (_MARK_QUEUED, marks)])  # fmt: skip
        await self._enqueue(name, kind, wanted, report, queued)

    async def _write(self, statements: Sequence[tuple[str, Sequence[tuple[Any, ...]]]]) -> None:
        """Run each statement over its rows, in transactions of at most WRITE_BATCH rows."""
        operations = [
            (sql, rows[start : start + WRITE_BATCH])
            for sql, rows in statements
            for start in range(0, len(rows), WRITE_BATCH)
        ]
        batch: list[tuple[str, Sequence[tuple[Any, ...]]]] = []
        size = 0
        for operation in operations:
            if batch and size + len(operation[1]) > WRITE_BATCH:
                await self._commit(batch)
                batch, size = [], 0
            batch.append(operation)
            size += len(operation[1])
        if batch:
            await self._commit(batch)

    async def _commit(self, batch: Sequence[tuple[str, Sequence[tuple[Any, ...]]]]) -> None:
        async with self._transaction() as conn:
            for sql, rows in batch:
                await conn.executemany(sql, rows)

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        # BEGIN IMMEDIATE takes SQLite's write lock at once (waiting up to busy_timeout for
        # another process's writer) instead of failing half-way through.
        conn = self.store.conn
        async with self.store.write_lock:  # the coordinator's other tasks share `conn`
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")

    async def _enqueue(
        self,
        name: str,
        kind: str,
        wanted: Sequence[tuple[ListedRow, KnownRow | None, bool]],
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


def queued_item(name: str, row: ListedRow) -> QueuedItem:
    """How the report names a queued media item."""
    item = Listed._make(row)
    return (name, item.arr_id, item.title, item.folder)


def job_request(
    name: str, kind: str, arr_id: int, old: Known | None, trailer_gone: bool, job_id: str
) -> JobRequest:
    """The ensure job for a media item, with what only the database knows (as Store gives it)."""
    kwargs: dict[str, Any] = {"instance": name, "arr_id": arr_id, "kind": kind}
    if old is not None and old.trailer_ours and old.trailer_path:
        kwargs["our_trailer"] = old.trailer_path
    if old is not None and old.pinned_url:
        pinned = pin_to_send(old.pinned_url, old.trailer_url, bool(old.trailer_ours), trailer_gone)
        if pinned:
            kwargs["pinned_url"] = pinned
    return JobRequest(job_id, kwargs, 0)


def print_report(report: PassReport, out: TextIO) -> None:
    """The queued items, one line each, then a summary line per instance."""
    verb = "would queue" if report.dry_run else "queued"
    if report.skipped:
        print(f"skipped: {report.skipped}", file=out)
        return
    for instance, _, title, path in report.queued:
        print(f"{verb}  {instance}  {title}  {path}", file=out)
    for result in report.instances:
        print(
            f"{result.instance}: {result.listed} listed, {result.new} new,"
            f" {result.updated} updated, {result.forgotten} forgotten, {verb} {result.queued},"
            f" {len(result.errors)} errors ({result.seconds:.2f} s)",
            file=out,
        )
        for error in result.errors:
            print(f"{result.instance}: error: {error}", file=out)
    note = " (dry run: nothing written, nothing queued)" if report.dry_run else ""
    print(f"pass finished in {report.seconds:.2f} s{note}", file=out)


async def reconcile_once(settings: Settings, *, dry_run: bool, out: TextIO) -> int:
    """`trailarr reconcile [--dry-run]`: one pass from the command line, printed.

    Returns 0 when every instance was reconciled, 1 when one failed, Redis could not be reached
    or another pass was running (the pass is then skipped, not waited for).

    The command runs in its own process, whether or not the service is running, and opens the
    database itself. That is within the one-writer rule, whose point is that workers never need
    the database: this is the coordinator's own code path, run under the same cross-process Redis
    lock as the service's periodic pass, so the two never reconcile at once. SQLite in WAL mode
    lets the service read meanwhile, and every write here is a BEGIN IMMEDIATE transaction of at
    most WRITE_BATCH rows that waits (busy_timeout) for the service's short ones, so a webhook is
    at worst delayed by a fraction of a second, never lost.

    A dry run needs no Redis. A real pass needs the configured Redis URL: the embedded
    redis-server of `trailarr run` is private to that process.
    """
    url = settings.redis.url.get_secret_value()
    if not dry_run and not url:
        raise ConfigError(
            "redis.url: `trailarr reconcile` queues jobs in the service's Redis, and the embedded"
            " one of `trailarr run` is private. Use `POST /api/reconcile` on the running service,"
            " set [redis] url (or TRAILARR_REDIS__URL), or try `trailarr reconcile --dry-run`"
        )
    conn = await open_database(settings.database_path)
    redis = None
    try:
        queue = None
        if not dry_run:
            try:
                redis = await connect(url)
            except (RedisError, OSError) as exc:
                print(f"trailarr reconcile: Redis unavailable: {exc}", file=out)
                return 1
            queue = JobQueue(redis)
        report = await Reconciler(Store(conn), queue, settings).run_pass(dry_run=dry_run)
    finally:
        if redis is not None:
            await redis.aclose()
        await conn.close()
    print_report(report, out)
    return 0 if report.ok else 1
