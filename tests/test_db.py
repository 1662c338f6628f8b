"""SQLite: migrations on open, WAL, atomic migrations, the Store's webhook/outcome round trip."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal

import aiosqlite
import pytest

from app.core.queue import JobRequest
from app.core.records import CandidateRecord, JobInput, MediaKind, MediaState, Outcome
from app.store.db import migrate, migration_files, open_database
from app.store.writes import Incoming, Recorded, Store
from webhooks.events import parse_webhook

App = Literal["radarr", "sonarr"]
FIXTURES = Path(__file__).parent / "fixtures"
DAY = 86400


async def fetch(conn: aiosqlite.Connection, query: str) -> list[tuple[Any, ...]]:
    """Rows of a query as tuples."""
    async with conn.execute(query) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


async def tables(conn: aiosqlite.Connection) -> list[str]:
    """The names of the user tables, sorted."""
    rows = await fetch(
        conn,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name",
    )
    return [row[0] for row in rows]


async def versions(conn: aiosqlite.Connection) -> list[int]:
    """The migration versions recorded as applied."""
    return [row[0] for row in await fetch(conn, "SELECT version FROM schema_migrations ORDER BY 1")]


# --- migrations ----------------------------------------------------------------------------------


async def test_open_applies_every_migration(tmp_path: Path) -> None:
    """Opening a new database creates its folder and applies every migration, recorded."""
    conn = await open_database(tmp_path / "new" / "trailarr.db")
    try:
        assert await tables(conn) == ["events", "job_runs", "media", "schema_migrations"]
        assert await versions(conn) == [version for version, _ in migration_files()]
        assert (await versions(conn))[0] == 1
    finally:
        await conn.close()


async def test_reopening_applies_nothing(tmp_path: Path) -> None:
    """Each migration runs exactly once: a second open and a second migrate change nothing."""
    path = tmp_path / "trailarr.db"
    conn = await open_database(path)
    first = await fetch(conn, "SELECT version, applied_at FROM schema_migrations")
    await conn.close()
    conn = await open_database(path)
    try:
        assert await fetch(conn, "SELECT version, applied_at FROM schema_migrations") == first
        assert await migrate(conn) == []
        assert await fetch(conn, "SELECT version, applied_at FROM schema_migrations") == first
    finally:
        await conn.close()


async def test_database_runs_in_wal_mode(tmp_path: Path) -> None:
    """The database is in WAL mode (persisted in the file), with durable commits and FKs on."""
    path = tmp_path / "trailarr.db"
    conn = await open_database(path)
    try:
        pragmas = [
            (await fetch(conn, f"PRAGMA {name}"))[0][0]
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        ]
        assert pragmas == ["wal", 2, 1, 5000]
    finally:
        await conn.close()
    async with aiosqlite.connect(path) as plain:
        assert await fetch(plain, "PRAGMA journal_mode") == [("wal",)]


def test_migration_files_are_numbered_and_ordered(tmp_path: Path) -> None:
    """Only `NNN_name.sql` files count, in numeric (not text) order."""
    for name in ("010_c.sql", "002_b.sql", "001_a.sql", "notes.sql", "003_d.txt"):
        (tmp_path / name).write_text("SELECT 1;\n", encoding="utf-8")
    assert migration_files(tmp_path) == [
        (1, tmp_path / "001_a.sql"), (2, tmp_path / "002_b.sql"), (10, tmp_path / "010_c.sql"),
    ]  # fmt: skip
    assert [path.name for _, path in migration_files()] == sorted(
        path.name for path in (Path(__file__).parents[1] / "migrations").glob("[0-9]*.sql")
    )


@pytest.fixture
async def bare(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    """A new, empty database in autocommit mode, as `open_database` opens it."""
    conn = await aiosqlite.connect(tmp_path / "bare.db", isolation_level=None)
    yield conn
    await conn.close()


GOOD = "CREATE TABLE good (x INTEGER);\nINSERT INTO good VALUES (1);\n"

BROKEN: dict[str, tuple[str, str]] = {
    "unknown table at the end": (
        "CREATE TABLE partial (x INTEGER);\nINSERT INTO partial VALUES (1);\n"
        "INSERT INTO missing VALUES (1);\n",
        "no such table: missing",
    ),
    "syntax error in the middle": (
        "CREATE TABLE partial (x INTEGER);\nCREAT TABLE typo (x);\nCREATE TABLE later (y);\n",
        'near "CREAT": syntax error',
    ),
    "constraint violation": (
        "CREATE TABLE partial (x INTEGER UNIQUE);\nINSERT INTO partial VALUES (1);\n"
        "INSERT INTO partial VALUES (1);\n",
        "UNIQUE constraint failed: partial.x",
    ),
    "altering the good table, then failing": (
        "ALTER TABLE good ADD COLUMN partial TEXT;\nUPDATE good SET nope = 1;\n",
        "no such column: nope",
    ),
}


@pytest.mark.parametrize(("sql", "error"), BROKEN.values(), ids=BROKEN.keys())
async def test_broken_migration_rolls_back_entirely(
    tmp_path: Path, bare: aiosqlite.Connection, sql: str, error: str
) -> None:
    """A failing migration raises and leaves nothing of itself; the ones before it stay applied."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_good.sql").write_text(GOOD, encoding="utf-8")
    (folder / "002_bad.sql").write_text(sql, encoding="utf-8")
    with pytest.raises(sqlite3.Error, match=error):
        await migrate(bare, folder)
    assert (await tables(bare), await versions(bare)) == (["good", "schema_migrations"], [1])
    assert await fetch(bare, "PRAGMA table_info(good)") == [(0, "x", "INTEGER", 0, None, 0)]
    assert await fetch(bare, "SELECT * FROM good") == [(1,)]
    assert not bare.in_transaction

    (folder / "002_bad.sql").write_text("CREATE TABLE fixed (x INTEGER);\n", encoding="utf-8")
    assert await migrate(bare, folder) == [2]
    assert (await tables(bare), await versions(bare)) == (
        ["fixed", "good", "schema_migrations"], [1, 2],
    )  # fmt: skip


async def test_migrations_apply_in_order(tmp_path: Path, bare: aiosqlite.Connection) -> None:
    """Later migrations build on earlier ones and are returned in the order applied."""
    (tmp_path / "002_add.sql").write_text("ALTER TABLE t ADD COLUMN y TEXT;\n", encoding="utf-8")
    (tmp_path / "001_create.sql").write_text("CREATE TABLE t (x INTEGER);\n", encoding="utf-8")
    assert await migrate(bare, tmp_path) == [1, 2]
    assert [row[1] for row in await fetch(bare, "PRAGMA table_info(t)")] == ["x", "y"]
    (tmp_path / "003_more.sql").write_text("CREATE INDEX t_y ON t (y);\n", encoding="utf-8")
    assert await migrate(bare, tmp_path) == [3]


async def test_migration_with_a_trigger(tmp_path: Path, bare: aiosqlite.Connection) -> None:
    """A migration may hold a trigger, whose body has statements ending in `;` and a newline."""
    (tmp_path / "001_trigger.sql").write_text(
        "CREATE TABLE t (x INTEGER, doubled INTEGER);\n"
        "CREATE TRIGGER t_double AFTER INSERT ON t BEGIN\n"
        "  UPDATE t SET doubled = NEW.x * 2 WHERE rowid = NEW.rowid;\n"
        "END;\n",
        encoding="utf-8",
    )
    assert await migrate(bare, tmp_path) == [1]
    await bare.execute("INSERT INTO t (x) VALUES (21)")
    assert await fetch(bare, "SELECT x, doubled FROM t") == [(21, 42)]


# --- the Store -----------------------------------------------------------------------------------


@pytest.fixture
async def conn(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    """A migrated database of its own."""
    connection = await open_database(tmp_path / "trailarr.db")
    yield connection
    await connection.close()


@pytest.fixture
async def store(conn: aiosqlite.Connection) -> Store:
    """The coordinator's writer over that database, started."""
    writer = Store(conn)
    await writer.start()
    return writer


def webhook(app: App, name: str, instance: str | None = None, **media: Any) -> Incoming:
    """A fixture webhook for `instance` (default: the app's name), media fields changed."""
    data = json.loads((FIXTURES / app / f"webhook_{name}.json").read_bytes())
    if media:
        data["movie" if app == "radarr" else "series"].update(media)
    return Incoming(instance or app, parse_webhook(json.dumps(data).encode(), app))


def job(instance: str, arr_id: int, kind: MediaKind, event_id: int, **extra: Any) -> JobRequest:
    """The job recording an event for that media should produce."""
    return JobRequest(f"ensure:{instance}:{arr_id}", JobInput(instance, arr_id, kind, **extra),
                      event_id)  # fmt: skip


def outcome(state: str, covers_event: int, arr_id: int = 2, **extra: Any) -> Outcome:
    """An outcome report for Dune (radarr, movie 2) as a worker sends it, through the wire."""
    sent = Outcome(
        instance="radarr", arr_id=arr_id, state=MediaState(state),
        reason=extra.pop("reason", f"because {state}"), job_id=f"ensure:radarr:{arr_id}",
        covers_event=covers_event, **extra,
    )  # fmt: skip
    return Outcome.from_json(sent.to_json())


async def events(store: Store) -> list[tuple[Any, ...]]:
    """(id, event_type, action, arr_id, job_id, state) of every event."""
    return await fetch(
        store.conn, "SELECT id, event_type, action, arr_id, job_id, state FROM events ORDER BY id"
    )


async def test_record_webhooks_gives_event_ids_and_jobs(store: Store) -> None:
    """A batch is numbered in order; events to act on get a job, others are only recorded."""
    recorded = await store.record_webhooks([
        webhook("radarr", "download"),
        webhook("radarr", "grab"),
        webhook("sonarr", "series_add", instance="tv"),
        webhook("radarr", "movie_file_delete"),
    ])  # fmt: skip
    assert recorded == [
        Recorded(1, job("radarr", 2, "movie", 1)),
        Recorded(2, None),
        Recorded(3, job("tv", 6, "series", 3)),
        Recorded(4, None),
    ]
    assert await events(store) == [
        (1, "Download", "ensure", 2, "ensure:radarr:2", "queued"),
        (2, "Grab", "ignore", 7, None, "recorded"),
        (3, "SeriesAdd", "ensure", 6, "ensure:tv:6", "queued"),
        (4, "MovieFileDelete", "file_deleted", 2, None, "recorded"),
    ]
    assert await fetch(
        store.conn, "SELECT instance, kind, arr_id, title, year, folder, tmdb_id, state FROM media"
        " ORDER BY instance",
    ) == [
        ("radarr", "movie", 2, "Dune: Part Two", 2024, "/data/media/movies/Dune Part Two (2024)",
         693134, "queued"),
        ("tv", "series", 6, "Frieren: Beyond Journey's End", 2023,
         "/data/media/tv/Frieren - Beyond Journey's End", 209867, "queued"),
    ]  # fmt: skip


async def test_event_ids_continue_after_restart(conn: aiosqlite.Connection) -> None:
    """A new Store over the same database numbers events after the last one."""
    first = Store(conn)
    await first.start()
    await first.record_webhooks([webhook("radarr", "grab"), webhook("radarr", "health")])
    second = Store(conn)
    await second.start()
    assert await second.record_webhooks([webhook("radarr", "grab")]) == [Recorded(3, None)]


async def test_failed_batch_leaves_nothing(store: Store) -> None:
    """If any write of a batch fails, none of the batch is kept and its event ids are reused."""
    await store.conn.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.event_type = 'Grab'"
        " BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    with pytest.raises(sqlite3.IntegrityError, match="refused"):
        await store.record_webhooks([webhook("radarr", "download"), webhook("radarr", "grab")])
    assert (await events(store), await fetch(store.conn, "SELECT * FROM media")) == ([], [])
    assert not store.conn.in_transaction
    assert await store.record_webhooks([webhook("radarr", "download")]) == [
        Recorded(1, job("radarr", 2, "movie", 1))
    ]


async def test_forget_event_removes_the_media(store: Store) -> None:
    """MovieDelete forgets the media (the files are not Trailarr's business)."""
    await store.record_webhooks([webhook("radarr", "download", id=4)])
    await store.record_webhooks([webhook("radarr", "movie_delete")])
    assert await fetch(store.conn, "SELECT * FROM media") == []


async def test_delete_then_add_in_one_batch_keeps_the_media(store: Store) -> None:
    """Within a batch events apply in arrival order: deleted then re-added means known."""
    recorded = await store.record_webhooks(
        [webhook("radarr", "movie_delete"), webhook("radarr", "movie_added", id=4)]
    )
    assert recorded == [Recorded(1, None), Recorded(2, job("radarr", 4, "movie", 2))]
    assert await fetch(store.conn, "SELECT arr_id, state FROM media") == [(4, "queued")]


async def test_downloaded_outcome_round_trip(store: Store) -> None:
    """A downloaded outcome records the run, updates the media, and closes the event."""
    await store.record_webhooks([webhook("radarr", "download")])
    trailer = "/mnt/movies/Dune Part Two (2024)/Dune Part Two (2024)-trailer.mkv"
    candidates = [{"url": "https://youtube.test/abc", "source": "tmdb", "name": "Trailer",
                   "type": "Trailer", "language": "en", "score": 97.0, "accepted": True,
                   "reason": "official trailer", "chosen": True}]  # fmt: skip
    await store.record_outcome(outcome(
        "downloaded", 1, reason="", trailer_path=trailer, ours=True,
        candidates=[CandidateRecord.model_validate(c) for c in candidates], size=1234, seconds=2.5,
        started_at=100.0, finished_at=102.5,
    ))  # fmt: skip
    assert await fetch(
        store.conn, "SELECT state, reason, trailer_path, trailer_ours, failures, retry_after"
        " FROM media",
    ) == [("downloaded", "", trailer, 1, 0, 0)]  # fmt: skip
    assert await fetch(
        store.conn, "SELECT job_id, instance, arr_id, started_at, finished_at, outcome, reason,"
        " trailer_path, candidates, bytes, seconds FROM job_runs",
    ) == [("ensure:radarr:2", "radarr", 2, 100.0, 102.5, "downloaded", "", trailer,
           json.dumps(candidates), 1234, 2.5)]  # fmt: skip
    assert await events(store) == [(1, "Download", "ensure", 2, "ensure:radarr:2", "done")]
    assert await store.unfinished_jobs() == []


async def backoff(store: Store) -> tuple[str, str, int, float]:
    """Dune's (state, reason, failures, days until the sweep may retry)."""
    [(state, reason, failures, retry_after, updated_at)] = await fetch(
        store.conn, "SELECT state, reason, failures, retry_after, updated_at FROM media"
    )
    return state, reason, failures, round((retry_after - updated_at) / DAY, 6)


@pytest.mark.parametrize("state", ["no_trailer", "failed", "refused"])
async def test_permanent_failures_back_off_1_2_4_7_days(store: Store, state: str) -> None:
    """Each permanent failure in a row pushes the sweep's retry to 1, 2, 4, then 7 days."""
    await store.record_webhooks([webhook("radarr", "download")])
    seen = []
    for _ in range(6):
        await store.record_outcome(outcome(state, 1))
        seen.append(await backoff(store))
    reason = f"because {state}"
    assert seen == [
        (state, reason, 1, 1.0), (state, reason, 2, 2.0), (state, reason, 3, 4.0),
        (state, reason, 4, 7.0), (state, reason, 5, 7.0), (state, reason, 6, 7.0),
    ]  # fmt: skip


async def test_success_ends_the_backoff(store: Store) -> None:
    """After a download the failure count starts again from the first step."""
    await store.record_webhooks([webhook("radarr", "download")])
    for state in ("no_trailer", "no_trailer", "downloaded", "no_trailer"):
        await store.record_outcome(outcome(state, 1, trailer_path="/t.mkv", ours=True))
    assert await backoff(store) == ("no_trailer", "because no_trailer", 1, 1.0)


async def test_outcome_closes_events_only_up_to_covers_event(store: Store) -> None:
    """Events newer than the run's `covers_event` stay queued, and their job is unfinished."""
    for _ in range(3):
        await store.record_webhooks([webhook("radarr", "download")])
    await store.record_webhooks([webhook("radarr", "movie_added")])
    await store.record_outcome(outcome("downloaded", 2, trailer_path="/t.mkv", ours=True))
    assert [row[-1] for row in await events(store)] == ["done", "done", "queued", "queued"]
    assert await store.unfinished_jobs() == [
        job("radarr", 2, "movie", 3, our_trailer="/t.mkv", pinned_url=""),
        job("radarr", 5, "movie", 4),
    ]
    await store.record_outcome(outcome("present", 3, trailer_path="/t.mkv"))
    assert await store.unfinished_jobs() == [job("radarr", 5, "movie", 4)]
    assert [row[-1] for row in await events(store)] == ["done", "done", "done", "queued"]


async def test_unfinished_jobs_is_the_newest_event_per_job(store: Store) -> None:
    """Several queued events of one media are one unfinished job carrying the newest event id."""
    await store.record_webhooks([webhook("radarr", "download"), webhook("radarr", "rename", id=2)])
    await store.record_webhooks([webhook("radarr", "grab"), webhook("radarr", "download")])
    assert await store.unfinished_jobs() == [job("radarr", 2, "movie", 4)]


async def test_our_trailer_travels_with_the_next_job(store: Store) -> None:
    """Once Trailarr wrote a trailer, the next job for that media is told its path."""
    await store.record_webhooks([webhook("radarr", "download")])
    await store.record_outcome(outcome("downloaded", 1, trailer_path="/t.mkv", ours=True))
    assert await store.record_webhooks([webhook("radarr", "download_upgrade")]) == [
        Recorded(2, job("radarr", 2, "movie", 2, our_trailer="/t.mkv", pinned_url=""))
    ]


async def test_gone_outcome_forgets_the_media(store: Store) -> None:
    """A `gone` outcome deletes the media; its later queued events are then dropped as orphans."""
    await store.record_webhooks([webhook("radarr", "download")])
    await store.record_webhooks([webhook("radarr", "download")])
    await store.record_outcome(outcome("gone", 1))
    assert await fetch(store.conn, "SELECT * FROM media") == []
    assert [row[-1] for row in await events(store)] == ["done", "queued"]
    assert await store.unfinished_jobs() == []
    await store.drop_orphan_events()
    assert [row[-1] for row in await events(store)] == ["done", "done"]


async def test_batch_waits_for_another_process_holding_the_database(
    store: Store, tmp_path: Path
) -> None:
    """While another process writes, a batch waits for it without blocking the event loop."""
    other = sqlite3.connect(tmp_path / "trailarr.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        task = asyncio.create_task(store.record_webhooks([webhook("radarr", "download")]))
        await asyncio.sleep(0.2)  # the loop runs on: the batch waits in a thread
        assert not task.done()
        other.execute("COMMIT")
        assert await asyncio.wait_for(task, 5) == [Recorded(1, job("radarr", 2, "movie", 1))]
    finally:
        other.close()
