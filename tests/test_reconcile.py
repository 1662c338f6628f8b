"""Reconciliation: full library sweeps against fake Arrs, real SQLite and real Redis."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from aiohttp import web
from arq.constants import job_key_prefix

from app.cli import reconcile_once
from app.core.config import Settings
from app.core.errors import ConfigError
from app.core.keys import RECONCILE_LOCK_KEY
from app.core.queue import JobQueue, JobRequest, connect
from app.core.records import JobInput
from app.reconcile.diff import job_request
from app.reconcile.sweep import (
    SKIPPED_RUNNING,
    PassReport,
    Reconciler,
)
from app.store.db import open_database
from app.store.library import Known
from app.store.writes import Store
from tests.fakes.arr import ArrKind, FakeArr
from tests.fakes.wire import stj_dumps
from tests.harness import MOVIES, TV, Stack

MOVIE_ROOT = MOVIES
SERIES_ROOT = TV


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def arrs() -> AsyncIterator[tuple[FakeArr, FakeArr]]:
    """A running fake Radarr and fake Sonarr."""
    radarr, sonarr = FakeArr("radarr"), FakeArr("sonarr")
    async with radarr, sonarr:
        yield radarr, sonarr


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A fresh database in tmp_path, as the coordinator opens it."""
    conn = await open_database(tmp_path / "data" / "trailarr.db")
    try:
        yield Store(conn)
    finally:
        await conn.close()


@pytest.fixture
async def queue(redis_url: str) -> AsyncIterator[JobQueue]:
    """A job queue on the test's Redis database."""
    redis = await connect(redis_url)
    try:
        yield JobQueue(redis)
    finally:
        await redis.aclose()


def make_settings(
    tmp_path: Path, radarr: FakeArr, sonarr: FakeArr, redis_url: str = ""
) -> Settings:
    """Settings with one Radarr and one Sonarr instance."""
    return Settings.model_validate({
        "data_dir": tmp_path / "data",
        "redis": {"url": redis_url},
        "arr": [
            {"name": "radarr", "kind": "radarr", "url": radarr.url, "api_key": "arr-key"},
            {"name": "sonarr", "kind": "sonarr", "url": sonarr.url, "api_key": "arr-key"},
        ],
    })  # fmt: skip


def add_movie(radarr: FakeArr, arr_id: int, title: str, **extra: Any) -> dict[str, Any]:
    """A movie in the fake Radarr."""
    path = f"{MOVIE_ROOT}/{title} (2020)"
    return radarr.add_movie(arr_id, title, 2020, path, tmdb_id=1000 + arr_id, **extra)


def add_series(sonarr: FakeArr, arr_id: int, title: str, **extra: Any) -> dict[str, Any]:
    """A series in the fake Sonarr."""
    path = f"{SERIES_ROOT}/{title}"
    return sonarr.add_series(
        arr_id, title, 2021, path, tmdb_id=2000 + arr_id, tvdb_id=3000 + arr_id, **extra
    )


async def media(store: Store) -> dict[tuple[str, int], dict[str, Any]]:
    """Every media row by (instance, arr_id)."""
    rows = await store.fetch_all("SELECT * FROM media")
    return {(row["instance"], row["arr_id"]): row for row in rows}


async def queued_jobs(queue: JobQueue) -> dict[str, dict[str, Any]]:
    """The jobs waiting in arq's queue, by id, with their kwargs."""
    ids = [item.decode() for item in await queue.redis.zrange(queue.queue_name, 0, -1)]
    jobs = {}
    for job_id in ids:
        payload = json.loads(await queue.redis.get(job_key_prefix + job_id))
        jobs[job_id] = payload["k"]
    return jobs


def counts(report: PassReport) -> dict[str, tuple[int, int, int, int, int, int]]:
    """(listed, new, updated, forgotten, queued, errors) per instance."""
    return {
        item.instance: (item.listed, item.new, item.updated, item.forgotten, item.queued,
                        len(item.errors))
        for item in report.instances
    }  # fmt: skip


async def set_row(store: Store, instance: str, arr_id: int, **values: Any) -> None:
    """Change a media row as an outcome would."""
    assignments = ", ".join(f"{key} = ?" for key in values)
    await store.conn.execute(
        f"UPDATE media SET {assignments} WHERE instance = ? AND arr_id = ?",
        (*values.values(), instance, arr_id),
    )


PIN = "https://videos.example/pin"


@pytest.mark.parametrize(
    ("old", "gone", "extra"),
    [
        (None, False, {}),
        (Known("failed", "", False, "", "", 0, "", "", 0, 0), False, {}),
        (Known("queued", "/m/t.mkv", True, "", "", 0, "", "", 0, 0), False,
         {"our_trailer": "/m/t.mkv"}),
        (Known("queued", "/m/t.mkv", False, "", "", 0, "", "", 0, 0), False, {}),
        (Known("failed", "", False, PIN, "", 0, "", "", 0, 0), False, {"pinned_url": PIN}),
        (Known("queued", "/m/t.mkv", True, PIN, "https://old", 0, "", "", 0, 0), False,
         {"our_trailer": "/m/t.mkv", "pinned_url": PIN}),
        (Known("queued", "/m/t.mkv", True, PIN, PIN, 0, "", "", 0, 0), False,
         {"our_trailer": "/m/t.mkv"}),
        (Known("downloaded", "/m/t.mkv", True, PIN, PIN, 0, "", "", 0, 0), True,
         {"our_trailer": "/m/t.mkv", "pinned_url": PIN}),
    ],
    ids=["new", "plain", "ours", "users", "pinned", "pin-changed", "pin-done", "pin-file-gone"],
)  # fmt: skip
def test_job_request_carries_what_only_the_database_knows(
    old: Known | None, gone: bool, extra: dict[str, Any]
) -> None:
    """Jobs get our trailer and a pin as Store gives them; a pin whose file went is fetched anew."""
    job = job_request("radarr", "movie", 4, old, gone, "ensure:radarr:4")
    assert job == JobRequest("ensure:radarr:4", JobInput("radarr", 4, "movie", **extra), 0)


# --- passes -----------------------------------------------------------------------------------


async def test_movie_imported_without_webhook_gets_its_trailer(stack: Stack) -> None:
    """A movie Radarr imported without any webhook gets its trailer after the next pass."""
    movie = stack.add_movie(21, "Manual Import", 2015)
    reconciler = Reconciler(stack.runtime.store, stack.runtime.queue, stack.settings())
    report = await reconciler.run_pass()
    assert counts(report) == {"radarr": (1, 1, 0, 0, 1, 0), "sonarr": (0, 0, 0, 0, 0, 0)}
    assert report.queued == [("radarr", 21, "Manual Import", movie["path"])]
    await stack.wait_outcomes(1)
    stem = Path(movie["movieFile"]["relativePath"]).stem
    trailer = stack.local(movie["path"]) / f"{stem}-trailer.mkv"
    assert trailer.is_file()
    [row] = await stack.rows("SELECT state, trailer_path, folder FROM media")
    assert row == {"state": "downloaded", "trailer_path": str(trailer), "folder": movie["path"]}
    again = await reconciler.run_pass()
    assert counts(again)["radarr"] == (1, 0, 0, 0, 0, 0)


async def test_pass_upserts_without_clobbering_state(
    tmp_path: Path, arrs: tuple[FakeArr, FakeArr], store: Store, queue: JobQueue, redis_url: str
) -> None:
    """New media are recorded, renamed ones updated; a known item's trailer fields stay."""
    radarr, sonarr = arrs
    add_movie(radarr, 1, "Alpha")
    add_movie(radarr, 2, "No File Yet", has_file=False)
    add_series(sonarr, 3, "Aired")
    add_series(sonarr, 4, "Unaired", episode_file_count=0)
    reconciler = Reconciler(store, queue, make_settings(tmp_path, radarr, sonarr, redis_url))
    report = await reconciler.run_pass()
    assert counts(report) == {"radarr": (2, 2, 0, 0, 1, 0), "sonarr": (2, 2, 0, 0, 1, 0)}
    rows = await media(store)
    assert {key: (row["kind"], row["state"]) for key, row in rows.items()} == {
        ("radarr", 1): ("movie", "queued"), ("radarr", 2): ("movie", "new"),
        ("sonarr", 3): ("series", "queued"), ("sonarr", 4): ("series", "new"),
    }  # fmt: skip
    assert rows[("radarr", 1)]["folder"] == f"{MOVIE_ROOT}/Alpha (2020)"
    assert rows[("sonarr", 3)]["tmdb_id"] == 2003
    assert await queued_jobs(queue) == {
        "ensure:radarr:1": {"instance": "radarr", "arr_id": 1, "kind": "movie"},
        "ensure:sonarr:3": {"instance": "sonarr", "arr_id": 3, "kind": "series"},
    }
    trailer = tmp_path / "Alpha-trailer.mkv"
    trailer.write_bytes(b"trailer")
    await set_row(store, "radarr", 1, state="downloaded", trailer_path=str(trailer),
                  trailer_ours=1)  # fmt: skip
    radarr.set_path(1, f"{MOVIE_ROOT}/Alpha Renamed (2020)")
    radarr.media[1]["title"] = "Alpha Renamed"
    report = await reconciler.run_pass()
    assert counts(report)["radarr"] == (2, 0, 1, 0, 0, 0)
    row = (await media(store))[("radarr", 1)]
    assert (
        row["title"],
        row["folder"],
        row["state"],
        row["trailer_path"],
        row["trailer_ours"],
    ) == ("Alpha Renamed", f"{MOVIE_ROOT}/Alpha Renamed (2020)", "downloaded", str(trailer), 1)


async def test_removed_media_are_forgotten(
    tmp_path: Path, arrs: tuple[FakeArr, FakeArr], store: Store, queue: JobQueue, redis_url: str
) -> None:
    """Media an Arr no longer lists are deleted from the database; the others stay."""
    radarr, sonarr = arrs
    add_movie(radarr, 1, "Kept")
    add_movie(radarr, 2, "Deleted")
    add_series(sonarr, 3, "Cancelled")
    reconciler = Reconciler(store, queue, make_settings(tmp_path, radarr, sonarr, redis_url))
    await reconciler.run_pass()
    radarr.remove(2)
    sonarr.remove(3)
    report = await reconciler.run_pass()
    assert counts(report) == {"radarr": (1, 0, 0, 1, 1, 0), "sonarr": (0, 0, 0, 1, 0, 0)}
    assert set(await media(store)) == {("radarr", 1)}


async def test_arr_down_forgets_nothing_and_the_pass_goes_on(
    tmp_path: Path, arrs: tuple[FakeArr, FakeArr], store: Store, queue: JobQueue, redis_url: str
) -> None:
    """An instance that cannot be listed is reported and left alone; the next one is reconciled."""
    radarr, sonarr = arrs
    add_movie(radarr, 1, "Safe")
    reconciler = Reconciler(store, queue, make_settings(tmp_path, radarr, sonarr, redis_url))
    await reconciler.run_pass()
    before = await media(store)
    radarr.down = True
    add_series(sonarr, 5, "Still Reconciled")
    report = await reconciler.run_pass()
    [radarr_report, sonarr_report] = report.instances
    assert radarr_report.errors == ["radarr answered HTTP 503 for movie"]
    assert (radarr_report.listed, radarr_report.forgotten, radarr_report.queued) == (0, 0, 0)
    assert (sonarr_report.new, sonarr_report.queued, sonarr_report.errors) == (1, 1, [])
    assert not report.ok
    after = await media(store)
    assert after[("radarr", 1)] == before[("radarr", 1)]
    assert ("sonarr", 5) in after


class BrokenArr(FakeArr):
    """A fake Radarr whose library list breaks as `mode` says: cut off half-way, or not JSON."""

    def __init__(self, mode: str) -> None:
        super().__init__("radarr")
        self.mode = mode

    async def _list(self, request: web.Request) -> web.Response:
        if self.mode == "garbage":
            return web.Response(body=b"<html>login</html>", content_type="text/html")
        body = stj_dumps([self.media[arr_id] for arr_id in sorted(self.media)])
        response = web.StreamResponse(headers={"Content-Length": str(len(body))})
        await response.prepare(request)
        await response.write(body[: len(body) // 2])
        assert request.transport is not None
        request.transport.close()
        raise ConnectionResetError("cut off on purpose")


class GatedArr(FakeArr):
    """A fake Arr whose library list waits, once `listing` is set, until `release` is set."""

    def __init__(self, kind: ArrKind) -> None:
        super().__init__(kind)
        self.listing = asyncio.Event()
        self.release = asyncio.Event()

    async def _list(self, request: web.Request) -> web.Response:
        self.listing.set()
        await self.release.wait()
        return await super()._list(request)


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("truncate", "radarr unreachable: ClientPayloadError"),
        ("garbage", "radarr sent a movie list that is not JSON"),
        ("bad key", "radarr refused the API key (HTTP 401)"),
    ],
)
async def test_broken_listing_forgets_nothing(
    tmp_path: Path, store: Store, queue: JobQueue, redis_url: str, mode: str, error: str
) -> None:
    """A cut-off body, a body that is not JSON or a refused key all leave the media alone."""
    radarr, sonarr = BrokenArr(mode), FakeArr("sonarr")
    add_movie(radarr, 1, "One")
    add_movie(radarr, 2, "Two")
    async with radarr, sonarr:
        reconciler = Reconciler(store, queue, make_settings(tmp_path, radarr, sonarr, redis_url))
        await store.conn.executemany(
            "INSERT INTO media (instance, kind, arr_id, state, updated_at)"
            " VALUES ('radarr', 'movie', ?, 'present', 0)",
            [(1,), (2,), (3,)],
        )
        radarr.remove(2)
        if mode == "bad key":
            radarr.api_key = "another-key"
        report = await reconciler.run_pass()
    [radarr_report, _] = report.instances
    assert len(radarr_report.errors) == 1
    assert radarr_report.errors[0].startswith(error)
    assert (radarr_report.listed, radarr_report.forgotten) == (0, 0)
    assert set(await media(store)) == {("radarr", 1), ("radarr", 2), ("radarr", 3)}


async def test_media_in_backoff_waits_until_retry_after(
    tmp_path: Path, arrs: tuple[FakeArr, FakeArr], store: Store, queue: JobQueue, redis_url: str
) -> None:
    """A failed item is not queued before its retry_after, and is queued again once it passes."""
    radarr, sonarr = arrs
    add_movie(radarr, 1, "Unlucky")
    clock = Clock()
    settings = make_settings(tmp_path, radarr, sonarr, redis_url)
    reconciler = Reconciler(store, queue, settings, clock=clock)
    await reconciler.run_pass()
    await queue.redis.flushdb()  # the job ran (and failed)
    await set_row(store, "radarr", 1, state="no_trailer", failures=1,
                  retry_after=clock.now + 86400)  # fmt: skip
    report = await reconciler.run_pass()
    assert counts(report)["radarr"] == (1, 0, 0, 0, 0, 0)
    assert (await media(store))[("radarr", 1)]["state"] == "no_trailer"
    assert await queue.queue_depth() == 0
    clock.now += 86401
    report = await reconciler.run_pass()
    assert counts(report)["radarr"] == (1, 0, 0, 0, 1, 0)
    assert (await media(store))[("radarr", 1)]["state"] == "queued"
    assert list(await queued_jobs(queue)) == ["ensure:radarr:1"]


async def test_media_with_a_present_trailer_is_not_queued(
    tmp_path: Path, arrs: tuple[FakeArr, FakeArr], store: Store, queue: JobQueue, redis_url: str
) -> None:
    """A trailer recorded as present (or downloaded) and still on disk means no job."""
    radarr, sonarr = arrs
    add_movie(radarr, 1, "Has Trailer")
    add_movie(radarr, 2, "Downloaded")
    reconciler = Reconciler(store, queue, make_settings(tmp_path, radarr, sonarr, redis_url))
    await reconciler.run_pass()
    await queue.redis.flushdb()
    for arr_id, state in ((1, "present"), (2, "downloaded")):
        trailer = tmp_path / f"{arr_id}-trailer.mkv"
        trailer.write_bytes(b"trailer")
        await set_row(store, "radarr", arr_id, state=state, trailer_path=str(trailer))
    report = await reconciler.run_pass()
    assert counts(report)["radarr"] == (2, 0, 0, 0, 0, 0)
    assert await queue.queue_depth() == 0


async def test_trailer_deleted_from_disk_is_queued_again(
    tmp_path: Path, arrs: tuple[FakeArr, FakeArr], store: Store, queue: JobQueue, redis_url: str
) -> None:
    """A recorded trailer gone from disk queues the media again, telling the job it was ours."""
    radarr, sonarr = arrs
    add_movie(radarr, 1, "Lost Trailer")
    reconciler = Reconciler(store, queue, make_settings(tmp_path, radarr, sonarr, redis_url))
    await reconciler.run_pass()
    await queue.redis.flushdb()
    trailer = tmp_path / "Lost Trailer-trailer.mkv"
    pin = "https://videos.example/pinned"
    await set_row(store, "radarr", 1, state="downloaded", trailer_path=str(trailer),
                  trailer_ours=1, pinned_url=pin, trailer_url=pin)  # fmt: skip
    report = await reconciler.run_pass()
    assert counts(report)["radarr"] == (1, 0, 0, 0, 1, 0)
    row = (await media(store))[("radarr", 1)]
    assert (row["state"], row["trailer_path"]) == ("queued", str(trailer))
    assert await queued_jobs(queue) == {
        "ensure:radarr:1": {"instance": "radarr", "arr_id": 1, "kind": "movie",
                            "our_trailer": str(trailer),
                            "pinned_url": pin},
    }  # fmt: skip


async def test_dry_run_writes_nothing_and_queues_nothing(
    tmp_path: Path, arrs: tuple[FakeArr, FakeArr], store: Store, queue: JobQueue
) -> None:
    """A dry run without Redis reports what it would do and changes neither SQLite nor Redis."""
    radarr, sonarr = arrs
    movie = add_movie(radarr, 1, "Would Be Queued")
    add_series(sonarr, 2, "Nothing Aired", episode_file_count=0)
    changes = store.conn.total_changes
    report = await Reconciler(store, None, make_settings(tmp_path, radarr, sonarr)).run_pass(
        dry_run=True
    )
    assert report.dry_run and report.ok
    assert counts(report) == {"radarr": (1, 1, 0, 0, 1, 0), "sonarr": (1, 1, 0, 0, 0, 0)}
    assert report.queued == [("radarr", 1, "Would Be Queued", movie["path"])]
    assert report.as_dict()["queued"] == [
        {"instance": "radarr", "arr_id": 1, "title": "Would Be Queued", "path": movie["path"]}
    ]
    assert [item["new"] for item in report.as_dict()["instances"]] == [1, 1]
    assert store.conn.total_changes == changes
    assert await media(store) == {}
    assert await queue.queue_depth() == 0
    assert await queue.redis.exists(RECONCILE_LOCK_KEY) == 0


async def test_concurrent_passes_in_one_process_run_once(
    tmp_path: Path, arrs: tuple[FakeArr, FakeArr], store: Store, queue: JobQueue, redis_url: str
) -> None:
    """Of two passes started together, one runs and the other returns at once, skipped."""
    radarr, sonarr = arrs
    add_movie(radarr, 1, "Once")
    reconciler = Reconciler(store, queue, make_settings(tmp_path, radarr, sonarr, redis_url))
    first, second = await asyncio.gather(reconciler.run_pass(), reconciler.run_pass())
    assert (first.skipped, second.skipped) == ("", SKIPPED_RUNNING)
    assert second.instances == [] and not second.ok
    assert counts(first)["radarr"] == (1, 1, 0, 0, 1, 0)
    assert radarr.requests.count(("GET", "/api/v3/movie")) == 1
    assert await queue.redis.exists(RECONCILE_LOCK_KEY) == 0


async def test_pass_is_skipped_while_another_process_holds_the_lock(
    tmp_path: Path, store: Store, queue: JobQueue, redis_url: str
) -> None:
    """A pass held by another process (the Redis lock) skips, and leaves that lock in place."""
    radarr, sonarr = GatedArr("radarr"), FakeArr("sonarr")
    async with radarr, sonarr:
        add_movie(radarr, 1, "Elsewhere")
        settings = make_settings(tmp_path, radarr, sonarr, redis_url)
        other = Reconciler(store, queue, settings)
        reconciler = Reconciler(store, queue, settings)
        running = asyncio.create_task(other.run_pass())
        await radarr.listing.wait()  # the other pass holds the lock once it is listing
        skipped = await reconciler.run_pass()
        assert skipped.skipped == SKIPPED_RUNNING + " (in another process)"
        assert await queue.redis.exists(RECONCILE_LOCK_KEY) == 1
        radarr.release.set()
        assert (await running).ok
        assert await queue.redis.exists(RECONCILE_LOCK_KEY) == 0
        assert (await reconciler.run_pass()).ok


async def test_lock_is_kept_alive_while_a_long_pass_runs(
    tmp_path: Path, store: Store, queue: JobQueue, redis_url: str
) -> None:
    """A pass that outlasts the lock's TTL keeps extending it, so no other pass can start."""
    radarr, sonarr = GatedArr("radarr"), FakeArr("sonarr")
    async with radarr, sonarr:
        settings = make_settings(tmp_path, radarr, sonarr, redis_url)
        reconciler = Reconciler(store, queue, settings, lock_ttl_ms=400)
        running = asyncio.create_task(reconciler.run_pass())
        await radarr.listing.wait()
        await asyncio.sleep(1.3)  # more than three TTLs: only extensions keep the key
        assert await queue.redis.exists(RECONCILE_LOCK_KEY) == 1
        assert (await Reconciler(store, queue, settings).run_pass()).skipped
        radarr.release.set()
        assert (await running).ok
        assert await queue.redis.exists(RECONCILE_LOCK_KEY) == 0


async def test_periodic_passes_go_on_after_a_failed_pass(
    tmp_path: Path, arrs: tuple[FakeArr, FakeArr], store: Store
) -> None:
    """The periodic loop runs a pass at once and keeps running passes after one raises."""
    radarr, sonarr = arrs
    calls: list[bool] = []
    second = asyncio.Event()

    class Flaky(Reconciler):
        async def run_pass(self, *, dry_run: bool = False) -> PassReport:
            calls.append(dry_run)
            if len(calls) == 1:
                raise RuntimeError("the first pass breaks")
            second.set()
            return PassReport(dry_run)

    task = asyncio.create_task(Flaky(store, None, make_settings(tmp_path, radarr, sonarr))
                               .run_periodically(0))  # fmt: skip
    await second.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert calls[:2] == [False, False]


async def test_second_pass_over_an_unchanged_library_writes_nothing(
    tmp_path: Path, arrs: tuple[FakeArr, FakeArr], store: Store, queue: JobQueue, redis_url: str
) -> None:
    """With nothing changed, a pass writes no row and only offers the still-missing jobs again."""
    radarr, sonarr = arrs
    for arr_id in range(1, 6):
        add_movie(radarr, arr_id, f"Movie {arr_id}", has_file=arr_id != 5)
    add_series(sonarr, 9, "Series")
    reconciler = Reconciler(store, queue, make_settings(tmp_path, radarr, sonarr, redis_url))
    await reconciler.run_pass()
    trailer = tmp_path / "trailer.mkv"
    trailer.write_bytes(b"trailer")
    await set_row(store, "radarr", 1, state="present", trailer_path=str(trailer))
    rows = await media(store)
    changes = store.conn.total_changes
    report = await reconciler.run_pass()
    assert store.conn.total_changes == changes
    assert await media(store) == rows
    assert counts(report) == {"radarr": (5, 0, 0, 0, 3, 0), "sonarr": (1, 0, 0, 0, 1, 0)}
    assert await queue.queue_depth() == 5  # the jobs of the first pass, not one more


async def test_a_webhook_row_added_during_the_listing_is_not_forgotten(
    tmp_path: Path, store: Store, queue: JobQueue, redis_url: str
) -> None:
    """Media recorded after the pass read the database are not forgotten by that pass."""
    radarr, sonarr = GatedArr("radarr"), FakeArr("sonarr")
    async with radarr, sonarr:
        reconciler = Reconciler(store, queue, make_settings(tmp_path, radarr, sonarr, redis_url))
        running = asyncio.create_task(reconciler.run_pass())
        await radarr.listing.wait()
        await store.conn.execute(
            "INSERT INTO media (instance, kind, arr_id, state, updated_at)"
            " VALUES ('radarr', 'movie', 77, 'queued', 0)"
        )
        radarr.release.set()
        report = await running
        assert counts(report)["radarr"] == (0, 0, 0, 0, 0, 0)
        assert set(await media(store)) == {("radarr", 77)}


async def test_an_outcome_recorded_during_the_pass_is_not_overwritten(
    tmp_path: Path, store: Store, queue: JobQueue, redis_url: str
) -> None:
    """A pass marks an item queued only if it is still in the state the pass read: an outcome
    the coordinator records while the pass lists the library stays."""
    radarr, sonarr = GatedArr("radarr"), FakeArr("sonarr")
    async with radarr, sonarr:
        add_movie(radarr, 1, "Finished Meanwhile")
        settings = make_settings(tmp_path, radarr, sonarr, redis_url)
        radarr.release.set()  # the first pass lists at once: it records the movie
        await Reconciler(store, queue, settings).run_pass()
        await set_row(store, "radarr", 1, state="failed", retry_after=0)
        radarr.release.clear()
        radarr.listing.clear()
        running = asyncio.create_task(Reconciler(store, queue, settings).run_pass())
        await radarr.listing.wait()  # the pass has read the row as failed
        trailer = tmp_path / "Finished Meanwhile-trailer.mkv"
        trailer.write_bytes(b"trailer")
        await set_row(store, "radarr", 1, state="downloaded", trailer_path=str(trailer))
        radarr.release.set()
        report = await running
        assert counts(report)["radarr"] == (1, 0, 0, 0, 1, 0)  # it did queue the job
        row = (await media(store))[("radarr", 1)]
        assert (row["state"], row["trailer_path"]) == ("downloaded", str(trailer))


# --- the command ------------------------------------------------------------------------------


async def test_reconcile_command_dry_run_prints_and_needs_no_redis(
    tmp_path: Path, arrs: tuple[FakeArr, FakeArr]
) -> None:
    """`trailarr reconcile --dry-run` prints each item it would queue and a summary, exit 0."""
    radarr, sonarr = arrs
    movie = add_movie(radarr, 1, "Printed")
    out = io.StringIO()
    code = await reconcile_once(make_settings(tmp_path, radarr, sonarr), dry_run=True, out=out)
    assert code == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == f"would queue  radarr  Printed  {movie['path']}"
    assert lines[1].startswith("radarr: 1 listed, 1 new, 0 updated, 0 forgotten, would queue 1,")
    assert lines[2].startswith("sonarr: 0 listed,")
    assert lines[3].endswith("(dry run: nothing written, nothing queued)")
    async with (
        aiosqlite.connect(tmp_path / "data" / "trailarr.db") as conn,
        conn.execute("SELECT COUNT(*) FROM media") as cursor,
    ):
        assert await cursor.fetchone() == (0,)


async def test_reconcile_command_queues_and_fails_on_a_down_instance(
    tmp_path: Path, arrs: tuple[FakeArr, FakeArr], redis_url: str, queue: JobQueue
) -> None:
    """A real pass from the command queues through the configured Redis; a down Arr exits 1."""
    radarr, sonarr = arrs
    add_movie(radarr, 1, "From The Command")
    sonarr.down = True
    out = io.StringIO()
    settings = make_settings(tmp_path, radarr, sonarr, redis_url)
    assert await reconcile_once(settings, dry_run=False, out=out) == 1
    text = out.getvalue()
    assert "queued  radarr  From The Command" in text
    assert "sonarr: error: sonarr answered HTTP 503 for series" in text
    assert list(await queued_jobs(queue)) == ["ensure:radarr:1"]


async def test_reconcile_command_without_redis_says_where_to_go(
    tmp_path: Path, arrs: tuple[FakeArr, FakeArr]
) -> None:
    """Without a Redis URL a real pass is refused with a pointer to the API and the setting."""
    radarr, sonarr = arrs
    with pytest.raises(ConfigError, match=r"POST /api/reconcile.*\[redis\] url"):
        await reconcile_once(
            make_settings(tmp_path, radarr, sonarr), dry_run=False, out=io.StringIO()
        )
