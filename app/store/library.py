"""A reconciliation pass's reads and writes of the `media` table: what is known of an instance,
and the pass's changes in large batches.

The rows are plain tuples in the column orders below (see app/reconcile/diff.py, which builds
them): a pass holds 50,000 of them at once, and the garbage collector stops tracking a tuple of
plain values but not a NamedTuple or a dataclass, so 150,000 tracked objects would make each full
collection during the pass slower, stalling the event loop (and webhooks) for longer.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any, NamedTuple

import aiosqlite

from app.core.records import MediaState
from app.store.writes import Store

WRITE_BATCH = 10_000  # rows per transaction: bounds how long webhooks wait for the write lock
READ_BATCH = 2_000  # rows per fetch: the event loop runs in between


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


KnownRow = tuple[str, str, int, str, str, float, str, str, int, int]
"""A `Known` as a plain tuple."""
Row = tuple[Any, ...]

_SELECT_KNOWN = """
SELECT arr_id, state, trailer_path, trailer_ours, pinned_url, trailer_url, retry_after, folder,
       title, year, tmdb_id
FROM media WHERE instance = ?
"""
# (instance, kind, arr_id, title, year, folder, tmdb_id, state, updated_at)
_INSERT = """
INSERT INTO media (instance, kind, arr_id, title, year, folder, tmdb_id, state, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (instance, arr_id) DO UPDATE SET
    title = excluded.title, year = excluded.year, folder = excluded.folder,
    tmdb_id = CASE WHEN excluded.tmdb_id > 0 THEN excluded.tmdb_id ELSE media.tmdb_id END,
    updated_at = excluded.updated_at
"""
# (title, year, folder, tmdb_id, updated_at, instance, arr_id)
_UPDATE = """
UPDATE media SET title = ?, year = ?, folder = ?, tmdb_id = ?, updated_at = ?
WHERE instance = ? AND arr_id = ?
"""
# (instance, arr_id)
_FORGET = "DELETE FROM media WHERE instance = ? AND arr_id = ?"
# (updated_at, instance, arr_id, the state the pass saw). Guarded by that state: an outcome
# recorded meanwhile is not overwritten.
_MARK_QUEUED = f"""
UPDATE media SET state = '{MediaState.QUEUED}', reason = '', updated_at = ?
WHERE instance = ? AND arr_id = ? AND state = ?
"""


async def known_media(store: Store, instance: str) -> dict[int, KnownRow]:
    """Every media item the database holds for `instance`, by Arr id."""
    known: dict[int, KnownRow] = {}
    async with store.conn.execute(_SELECT_KNOWN, (instance,)) as cursor:
        while rows := await cursor.fetchmany(READ_BATCH):
            known.update((row[0], tuple(row[1:])) for row in rows)
    return known


async def write_changes(
    store: Store,
    inserts: Sequence[Row],
    updates: Sequence[Row],
    forgotten: Sequence[Row],
    marks: Sequence[Row],
) -> None:
    """Apply a pass's changes, in that order, in transactions of at most WRITE_BATCH rows."""
    statements = [(_INSERT, inserts), (_UPDATE, updates), (_FORGET, forgotten),
                  (_MARK_QUEUED, marks)]  # fmt: skip
    operations = [
        (sql, rows[start : start + WRITE_BATCH])
        for sql, rows in statements
        for start in range(0, len(rows), WRITE_BATCH)
    ]
    batch: list[tuple[str, Sequence[Row]]] = []
    size = 0
    for operation in operations:
        if batch and size + len(operation[1]) > WRITE_BATCH:
            await _commit(store, batch)
            batch, size = [], 0
        batch.append(operation)
        size += len(operation[1])
    if batch:
        await _commit(store, batch)


async def _commit(store: Store, batch: Sequence[tuple[str, Sequence[Row]]]) -> None:
    async with _transaction(store) as conn:
        for sql, rows in batch:
            await conn.executemany(sql, rows)


@contextlib.asynccontextmanager
async def _transaction(store: Store) -> AsyncIterator[aiosqlite.Connection]:
    # BEGIN IMMEDIATE takes SQLite's write lock at once (waiting up to busy_timeout for another
    # process's writer) instead of failing half-way through.
    conn = store.conn
    async with store.write_lock:  # the coordinator's other tasks share `conn`
        await conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")
