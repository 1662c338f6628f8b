"""The coordinator's SQLite writer: events, media and job outcomes. Workers never come here."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from app.core.queue import JobRequest, ensure_job_id, pin_to_send
from app.core.records import (
    BACKING_OFF,
    HAVE_TRAILER,
    Action,
    JobInput,
    MediaKind,
    MediaState,
    Outcome,
    ParsedEvent,
)

QUEUEING_ACTIONS = frozenset({Action.ENSURE, Action.RENAME})
# Days the sweep leaves media alone after its 1st, 2nd, 3rd and later outcome in BACKING_OFF.
BACKOFF_DAYS = (1, 2, 4, 7)
LOW_QUALITY_RETRY_DAYS = 7  # a trailer under trailers.min_height is looked for again weekly


@dataclass(frozen=True, slots=True)
class Incoming:
    """A parsed webhook for an instance, waiting to be recorded."""

    instance: str
    event: ParsedEvent


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording an incoming webhook produced."""

    event_id: int
    job: JobRequest | None


_UPSERT_MEDIA = """
INSERT INTO media (instance, kind, arr_id, title, year, folder, tmdb_id, state, updated_at)
VALUES {values}
ON CONFLICT (instance, arr_id) DO UPDATE SET
    title = excluded.title, year = excluded.year, folder = excluded.folder,
    tmdb_id = CASE WHEN excluded.tmdb_id > 0 THEN excluded.tmdb_id ELSE media.tmdb_id END,
    state = 'queued', reason = '', updated_at = excluded.updated_at
"""

_INSERT_EVENT = """
INSERT INTO events (id, received_at, instance, event_type, action, arr_id, summary, job_id, state)
VALUES {values}
"""
WAIT_FOR_LOCK_MS = 5000


def _extras_queries(keys: Sequence[tuple[str, int]]) -> Iterator[tuple[str, str, list[Any]]]:
    by_instance: dict[str, list[int]] = {}
    for instance, arr_id in keys:
        by_instance.setdefault(instance, []).append(arr_id)
    for instance, ids in by_instance.items():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            query = (
                "SELECT arr_id, trailer_path, trailer_ours, pinned_url, trailer_url, state"
                f" FROM media WHERE instance = ? AND arr_id IN ({','.join('?' * len(chunk))})"
                " AND (trailer_ours = 1 OR pinned_url != '')"
            )
            yield instance, query, [instance, *chunk]


# (our trailer, pinned URL to send, upgrade it) per (instance, arr id): what a job needs from
# the database.
Extras = dict[tuple[str, int], tuple[str, str, bool]]


def _add_extras(extras: Extras, instance: str, rows: Iterable[Any]) -> None:
    for arr_id, path, ours, pinned, source, state in rows:
        upgrade = bool(ours) and state == MediaState.LOW_QUALITY
        extras[(instance, arr_id)] = (
            path if ours else "", pin_to_send(pinned, source, bool(ours)), upgrade,
        )  # fmt: skip


def _job(
    job_id: str, instance: str, arr_id: int, kind: MediaKind, extras: Extras, event_id: int
) -> JobRequest:
    our_trailer, pinned_url, upgrade = extras.get((instance, arr_id), ("", "", False))
    job = JobInput(instance, arr_id, kind, our_trailer, pinned_url, upgrade)
    return JobRequest(job_id, job, event_id)


def _values(columns: int, rows: int) -> str:
    one = "(" + ",".join("?" * columns) + ")"
    return ",".join([one] * rows)


class _BatchPlan:
    """The writes one batch of webhooks makes, in arrival order, as a few multi-row statements."""

    def __init__(self) -> None:
        self.media: list[tuple[Any, ...]] = []
        self.media_at: list[int] = []
        self.events: list[tuple[Any, ...]] = []
        self.forget: list[tuple[str, int]] = []
        self.last_forget: dict[tuple[str, int], int] = {}
        self.pending: list[tuple[int, str, int, MediaKind] | None] = []

    def add(self, item: Incoming, event_id: int, now: float) -> None:
        """Plan the writes of one webhook."""
        event, media = item.event, item.event.media
        position = len(self.events)
        job_id, state = None, "recorded"
        if media is not None and event.action in QUEUEING_ACTIONS:
            job_id, state = ensure_job_id(item.instance, media.arr_id), "queued"
            self.media.append((item.instance, media.kind, media.arr_id, media.title, media.year,
                               media.folder, media.tmdb_id, MediaState.QUEUED, now))  # fmt: skip
            self.media_at.append(position)
            self.pending.append((event_id, item.instance, media.arr_id, media.kind))
        else:
            self.pending.append(None)
            if media is not None and event.action is Action.FORGET:
                self.forget.append((item.instance, media.arr_id))
                self.last_forget[(item.instance, media.arr_id)] = position
        self.events.append(
            (event_id, now, item.instance, event.event_type, event.action.value,
             media.arr_id if media else None, event.summary, job_id, state)
        )  # fmt: skip

    def write(self, db: sqlite3.Connection, busy_ms: int = 0) -> Extras:
        """Run the batch in one transaction; return the job extras of its media."""
        db.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        db.execute("BEGIN IMMEDIATE")
        try:
            media = self.media
            if self.forget:
                # Deletes first, then only the upserts that came after a key's last delete:
                # the same effects as applying the batch item by item.
                db.executemany("DELETE FROM media WHERE instance = ? AND arr_id = ?", self.forget)
                media = [
                    row for row, at in zip(media, self.media_at, strict=True)
                    if at > self.last_forget.get((row[0], row[2]), -1)
                ]  # fmt: skip
            if media:
                db.execute(_UPSERT_MEDIA.format(values=_values(9, len(media))),
                           [value for row in media for value in row])  # fmt: skip
            db.execute(_INSERT_EVENT.format(values=_values(9, len(self.events))),
                       [value for row in self.events for value in row])  # fmt: skip
            extras: Extras = {}
            for instance, query, params in _extras_queries(
                [(p[1], p[2]) for p in self.pending if p]
            ):
                _add_extras(extras, instance, db.execute(query, params).fetchall())
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return extras

    def results(self, extras: Extras) -> list[Recorded]:
        """Each webhook's event id and, when it queues one, its job."""
        results = []
        for row, entry in zip(self.events, self.pending, strict=True):
            if entry is None:
                results.append(Recorded(row[0], None))
                continue
            event_id, instance, arr_id, kind = entry
            job = _job(ensure_job_id(instance, arr_id), instance, arr_id, kind, extras, event_id)
            results.append(Recorded(event_id, job))
        return results


class Store:
    """All reads and writes of the database, from the one process that owns it."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._next_event_id = 0
        # One connection, several tasks: a transaction spans awaits, so writers take turns.
        self.write_lock = asyncio.Lock()
        self._sync: sqlite3.Connection | None = None

    async def start(self) -> None:
        """Load what the single writer keeps in memory."""
        async with self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM events") as cursor:
            row = await cursor.fetchone()
        self._next_event_id = int(row[0]) + 1 if row else 1

    async def record_webhooks(self, batch: Sequence[Incoming]) -> list[Recorded]:
        """Record a batch of webhooks in one transaction; return each one's event id and job."""
        now = time.time()
        plan = _BatchPlan()
        for item in batch:
            event_id = self._next_event_id
            self._next_event_id += 1
            plan.add(item, event_id, now)
        writer = await self._writer()
        try:
            async with self.write_lock:
                try:
                    extras = plan.write(writer)
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) and "busy" not in str(exc):
                        raise
                    # Another process (`trailarr reconcile`) holds the write lock: wait for it
                    # in a thread rather than on the event loop.
                    extras = await asyncio.to_thread(plan.write, writer, WAIT_FOR_LOCK_MS)
        except BaseException:
            self._next_event_id -= len(batch)
            raise
        return plan.results(extras)

    async def _writer(self) -> sqlite3.Connection:
        """The connection the webhook batches are written with, on the event loop's thread.

        A batch is a few multi-row statements that take well under a millisecond; running them
        here rather than in aiosqlite's thread saves the thread hand-offs that otherwise cost
        more than the writes (measured by bench/webhook_burst.py).
        """
        if self._sync is None:
            async with self.conn.execute("PRAGMA database_list") as cursor:
                path = next(row[2] for row in await cursor.fetchall() if row[1] == "main")
            self._sync = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._sync.execute("PRAGMA synchronous=FULL")
            self._sync.execute("PRAGMA busy_timeout=0")
        return self._sync

    async def close(self) -> None:
        """Close the webhook writer's connection (the aiosqlite one belongs to the caller)."""
        if self._sync is not None:
            self._sync.close()
            self._sync = None

    async def _job_extras(self, keys: Sequence[tuple[str, int]]) -> Extras:
        """What a job must know that only the database holds: our trailer, a pinned URL."""
        extras: Extras = {}
        for instance, query, params in _extras_queries(keys):
            async with self.conn.execute(query, params) as cursor:
                _add_extras(extras, instance, await cursor.fetchall())
        return extras

    async def unfinished_jobs(self, job_ids: Sequence[str] | None = None) -> list[JobRequest]:
        """Jobs that accepted events still wait for (all, or among `job_ids`), newest event each."""
        query = """
            SELECT e.job_id, MAX(e.id), e.instance, e.arr_id, m.kind
            FROM events e JOIN media m ON m.instance = e.instance AND m.arr_id = e.arr_id
            WHERE e.state = 'queued' {only} GROUP BY e.job_id
        """
        only, params = "", list(job_ids or ())
        if job_ids is not None:
            only = f"AND e.job_id IN ({','.join('?' * len(params))})" if params else "AND 0"
        async with self.conn.execute(query.format(only=only), params) as cursor:
            rows = list(await cursor.fetchall())
        extras = await self._job_extras([(row[2], row[3]) for row in rows])
        return [
            _job(job_id, instance, arr_id, kind, extras, event_id)
            for job_id, event_id, instance, arr_id, kind in rows
        ]

    async def drop_orphan_events(self) -> None:
        """Queued events whose media was forgotten have nothing left to do."""
        async with self.write_lock:
            await self.conn.execute(
                "UPDATE events SET state = 'done' WHERE state = 'queued' AND NOT EXISTS"
                " (SELECT 1 FROM media m WHERE m.instance = events.instance"
                " AND m.arr_id = events.arr_id)"
            )

    async def record_outcome(self, outcome: Outcome) -> bool:
        """Record a finished job run reported by a worker.

        Returns whether events that arrived while it ran still wait for the job to run again.
        """
        now = time.time()
        async with self.write_lock:
            await self._record_outcome(outcome, now)
        async with self.conn.execute(
            "SELECT 1 FROM events WHERE job_id = ? AND state = 'queued' LIMIT 1",
            (outcome.job_id,),
        ) as cursor:
            return await cursor.fetchone() is not None

    async def _record_outcome(self, outcome: Outcome, now: float) -> None:
        candidates = json.dumps([c.model_dump(exclude_defaults=True) for c in outcome.candidates])
        await self.conn.execute("BEGIN IMMEDIATE")
        try:
            await self.conn.execute(
                "INSERT INTO job_runs (job_id, instance, arr_id, started_at, finished_at, outcome,"
                " reason, trailer_path, candidates, bytes, seconds)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    outcome.job_id, outcome.instance, outcome.arr_id, outcome.started_at or now,
                    outcome.finished_at or now, outcome.state.value, outcome.reason,
                    outcome.trailer_path, candidates, outcome.size, outcome.seconds,
                ),
            )  # fmt: skip
            await self._apply_outcome(outcome, now)
            await self.conn.execute(
                "UPDATE events SET state = 'done' WHERE job_id = ? AND state = 'queued'"
                " AND id <= ?",
                (outcome.job_id, outcome.covers_event),
            )
        except BaseException:
            await self.conn.execute("ROLLBACK")
            raise
        await self.conn.execute("COMMIT")

    async def _apply_outcome(self, outcome: Outcome, now: float) -> None:
        key, state, reason = (outcome.instance, outcome.arr_id), outcome.state, outcome.reason
        if state is MediaState.GONE:
            await self.conn.execute("DELETE FROM media WHERE instance = ? AND arr_id = ?", key)
            return
        if state in HAVE_TRAILER or state is MediaState.LOW_QUALITY:
            low = state is MediaState.LOW_QUALITY
            retry_after = now + LOW_QUALITY_RETRY_DAYS * 86400 if low else 0
            await self.conn.execute(
                "UPDATE media SET state = ?, reason = ?, trailer_path = ?, trailer_ours = ?,"
                " trailer_url = COALESCE(?, trailer_url), trailer_height = ?, failures = 0,"
                " retry_after = ?, updated_at = ? WHERE instance = ? AND arr_id = ?",
                (state.value, reason, outcome.trailer_path, int(outcome.ours), outcome.chosen_url,
                 outcome.height, retry_after, now, *key),
            )  # fmt: skip
        elif state in BACKING_OFF:
            async with self.conn.execute(
                "SELECT failures FROM media WHERE instance = ? AND arr_id = ?", key
            ) as cursor:
                row = await cursor.fetchone()
            failures = (int(row[0]) if row else 0) + 1
            days = BACKOFF_DAYS[min(failures, len(BACKOFF_DAYS)) - 1]
            await self.conn.execute(
                "UPDATE media SET state = ?, reason = ?, failures = ?, retry_after = ?,"
                " updated_at = ? WHERE instance = ? AND arr_id = ?",
                (state.value, reason, failures, now + days * 86400, now, *key),
            )
        else:
            await self.conn.execute(
                "UPDATE media SET state = ?, reason = ?, updated_at = ?"
                " WHERE instance = ? AND arr_id = ?",
                (state.value, reason, now, *key),
            )

    async def clear_backoff(self, media_id: int) -> None:
        """Forget a media item's failures so it is tried now (the operator's retry)."""
        async with self.write_lock:
            await self.conn.execute(
                "UPDATE media SET failures = 0, retry_after = 0, updated_at = ? WHERE id = ?",
                (time.time(), media_id),
            )

    async def pin(self, media_id: int, url: str) -> None:
        """Pin a video URL for a media item: it beats every other candidate from now on."""
        async with self.write_lock:
            await self.conn.execute(
                "UPDATE media SET pinned_url = ?, failures = 0, retry_after = 0, updated_at = ?"
                " WHERE id = ?",
                (url, time.time(), media_id),
            )

    async def fetch_all(self, query: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Run a read query; rows as dicts."""
        async with self.conn.execute(query, params) as cursor:
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in await cursor.fetchall()]
