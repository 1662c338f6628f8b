"""End to end: webhooks into `trailarr run` become verified trailers on disk."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.tmdb import video
from tests.harness import Stack, radarr_download, sonarr_download, until
from workers.jobs import build_worker


def ffprobe_duration(path: Path) -> float:
    """The duration ffprobe reads from a file (fails the test if it is not a video)."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type:format=duration",
         "-of", "json", str(path)],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    info = json.loads(out)
    assert any(s["codec_type"] == "video" for s in info["streams"])
    return float(info["format"]["duration"])


async def test_radarr_download_places_suffix_trailer(stack: Stack) -> None:
    """A Radarr Download gives a playable `<movie stem>-trailer.mkv` beside the movie file."""
    movie = stack.add_movie(1, "Dune: Part Two", 2024)
    status, answer = await stack.post("radarr", radarr_download(movie))
    assert status == 202, answer
    assert answer["job_id"] == "ensure:radarr:1"
    await stack.wait_outcomes(1)
    folder = stack.local(movie["path"])
    stem = Path(movie["movieFile"]["relativePath"]).stem
    trailer = folder / f"{stem}-trailer.mkv"
    assert trailer.is_file()
    assert 1.5 < ffprobe_duration(trailer) < 3
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [movie["movieFile"]["relativePath"], trailer.name]
    )
    [row] = await stack.rows("SELECT state, trailer_path, trailer_ours FROM media")
    assert row == {"state": "downloaded", "trailer_path": str(trailer), "trailer_ours": 1}


@pytest.mark.parametrize("layout", ["folder"])
async def test_radarr_download_places_folder_trailer(
    tmp_path: Path, redis_url: str, clip: Path, layout: str
) -> None:
    """In `folder` layout the trailer goes to `<movie folder>/Trailers/<Title (Year)>-trailer.*`."""
    async with Stack(tmp_path, redis_url, clip, layout=layout) as stack:
        movie = stack.add_movie(7, "Amélie", 2001)
        status, _ = await stack.post("radarr", radarr_download(movie))
        assert status == 202
        await stack.wait_outcomes(1)
        trailer = stack.local(movie["path"]) / "Trailers" / "Amélie (2001)-trailer.mkv"
        assert trailer.is_file()
        ffprobe_duration(trailer)


@pytest.mark.parametrize("import_complete", [False, True])
async def test_sonarr_download_gives_one_series_trailer(
    stack: Stack, import_complete: bool
) -> None:
    """Sonarr's per-file and import-complete Downloads both give one trailer in `Trailers/`."""
    series = stack.add_series(3, "Severance", 2022)
    stack.tmdb.set_videos("tv", series["tmdbId"], [
        video("sevClip0001", "Severance | Clip", type="Clip"),
        video("sevTrailer1", "Severance — Official Trailer | Apple TV+"),
    ])  # fmt: skip
    stack.videos.add("sevTrailer1", stack.clip)
    body = sonarr_download(series, import_complete=import_complete)
    status, answer = await stack.post("sonarr", body)
    assert status == 202, answer
    await stack.wait_outcomes(1)
    trailers = stack.local(series["path"]) / "Trailers"
    [trailer] = list(trailers.iterdir())
    assert trailer.name == "Severance (2022)-trailer.mkv"
    ffprobe_duration(trailer)
    [run] = await stack.rows("SELECT outcome, candidates FROM job_runs")
    assert run["outcome"] == "downloaded"
    decision = json.loads(run["candidates"])
    assert [(c["url"].rsplit("/", 1)[-1], c["chosen"], c["accepted"]) for c in decision] == [
        ("sevTrailer1.mp4", True, True),
        ("sevClip0001.mp4", False, False),
    ]
    assert all(c["reason"] for c in decision)


def audio_only(path: Path) -> Path:
    """A real MP4 with a sound track and no picture."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "sine=frequency=440:duration=3", "-c:a", "aac", str(path)],
        check=True,
    )  # fmt: skip
    return path


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("garbage", "Invalid data"),
        ("audio", "no video stream"),
    ],
)
async def test_download_failing_verification_leaves_nothing(
    stack: Stack, tmp_path: Path, content: str, reason: str
) -> None:
    """A download that is not a playable video is refused and no file of it stays anywhere."""
    movie = stack.add_movie(2, "Broken", 2020, key="notavideo01")
    if content == "garbage":
        stack.videos.add_bytes("notavideo01", b"<html>not a video</html>" * 100)
    else:
        stack.videos.add("notavideo01", audio_only(tmp_path / "sound.mp4"))
    status, _ = await stack.post("radarr", radarr_download(movie))
    assert status == 202
    await stack.wait_outcomes(1)
    folder = stack.local(movie["path"])
    assert [p.name for p in folder.iterdir()] == [movie["movieFile"]["relativePath"]]
    [row] = await stack.rows("SELECT state, reason FROM media")
    assert row["state"] == "no_trailer"
    assert reason in row["reason"]


def tmdb_only(stack: Stack, arr_id: int, title: str, served: str, gone: list[str]) -> Any:
    """A movie without Radarr's trailer id whose TMDB trailers rank as listed, biggest first:
    those in `gone` answer 404, `served` downloads."""
    movie = stack.add_movie(arr_id, title, 2020, key=served)
    movie["youTubeTrailerId"] = ""
    keys = [*gone, served]
    sizes = [2160, 1440, 1080, 720, 480][: len(keys)]
    stack.tmdb.set_videos("movie", movie["tmdbId"], [
        video(key, "Official Trailer", size=size) for key, size in zip(keys, sizes, strict=True)
    ])  # fmt: skip
    return movie


async def test_next_candidate_is_placed_when_the_best_cannot_be_downloaded(stack: Stack) -> None:
    """The best-ranked trailer is gone (404), so the one ranked below it is downloaded."""
    movie = tmdb_only(stack, 6, "Second Best", "tmdbServed6", ["tmdbGone061"])
    assert (await stack.post("radarr", radarr_download(movie)))[0] == 202
    await stack.wait_outcomes(1)
    [row] = await stack.rows("SELECT state, trailer_path FROM media")
    assert row["state"] == "downloaded" and Path(row["trailer_path"]).is_file()
    [run] = await stack.rows("SELECT candidates FROM job_runs")
    accepted = [c for c in json.loads(run["candidates"]) if c["accepted"]]
    assert [(Path(c["url"]).stem, c["chosen"]) for c in accepted] == [
        ("tmdbGone061", False),
        ("tmdbServed6", True),
    ]


async def test_failed_candidates_move_on_until_one_is_placed(stack: Stack) -> None:
    """Candidate-class failures (a removed video) cost no download: after three of them the
    fourth candidate is placed, and each failure is recorded with its class (issue 8)."""
    gone = ["tmdbGone071", "tmdbGone072", "tmdbGone073"]
    movie = tmdb_only(stack, 7, "Unlucky Four", "tmdbFourth7", gone)
    assert (await stack.post("radarr", radarr_download(movie)))[0] == 202
    await stack.wait_outcomes(1)
    [row] = await stack.rows("SELECT state, trailer_path FROM media")
    assert row["state"] == "downloaded" and Path(row["trailer_path"]).is_file()
    [run] = await stack.rows("SELECT candidates FROM job_runs")
    tried = {Path(c["url"]).stem: c for c in json.loads(run["candidates"]) if c["accepted"]}
    assert [bool(tried[key].get("failure_class")) for key in gone] == [True, True, True]
    assert tried["tmdbFourth7"]["chosen"] and not tried["tmdbFourth7"].get("failure_class")


async def test_too_short_download_is_refused(tmp_path: Path, redis_url: str, clip: Path) -> None:
    """A clip under `min_duration` fails verification and leaves no file."""
    async with Stack(tmp_path, redis_url, clip, min_duration=5) as stack:
        movie = stack.add_movie(4, "Short", 2020)
        await stack.post("radarr", radarr_download(movie))
        await stack.wait_outcomes(1)
        folder = stack.local(movie["path"])
        assert [p.name for p in folder.iterdir()] == [movie["movieFile"]["relativePath"]]
        [row] = await stack.rows("SELECT state, reason FROM media")
        assert row["state"] == "no_trailer"
        assert "under the 5 s minimum" in row["reason"]


async def test_folder_outside_roots_is_refused(stack: Stack) -> None:
    """A media folder outside every mapped library root is refused with a recorded reason."""
    movie = stack.add_movie(5, "Elsewhere", 2020)
    stack.radarr.media[5]["path"] = "/somewhere/else/Elsewhere (2020)"
    status, _ = await stack.post("radarr", radarr_download(movie))
    assert status == 202
    await stack.wait_outcomes(1)
    [row] = await stack.rows("SELECT state, reason FROM media")
    assert row["state"] == "refused"
    assert "outside the library roots" in row["reason"]
    assert stack.videos.downloads["yt00000005"] == 0


async def test_fifty_duplicate_webhooks_give_one_download(stack: Stack) -> None:
    """The same movie announced by 50 concurrent webhooks is one job and one download."""
    movie = stack.add_movie(6, "Popular", 2023)
    body = radarr_download(movie)
    answers = await asyncio.gather(*(stack.post("radarr", body) for _ in range(50)))
    assert {status for status, _ in answers} == {202}
    assert {answer["job_id"] for _, answer in answers} == {"ensure:radarr:6"}
    await stack.wait_outcomes(1)
    # Webhooks that arrived while the job ran get one more (cheap) run; wait until none is owed.
    while await stack.rows("SELECT id FROM events WHERE state = 'queued'"):
        await stack.wait_outcomes(stack.runtime.coordinator.outcomes_recorded + 1)
    runs = await stack.rows("SELECT outcome FROM job_runs ORDER BY id")
    assert runs[0]["outcome"] == "downloaded"
    assert all(run["outcome"] == "present" for run in runs[1:])
    assert stack.videos.downloads["yt00000006"] == 2  # yt-dlp: one probe GET + one download GET
    assert len(list(stack.local(movie["path"]).iterdir())) == 2


async def test_finished_job_runs_again_on_a_later_webhook(stack: Stack) -> None:
    """Once a job has finished, a later webhook for the same media queues and runs it again."""
    movie = stack.add_movie(8, "Again", 2021)
    body = radarr_download(movie)
    assert (await stack.post("radarr", body))[0] == 202
    await stack.wait_outcomes(1)
    assert (await stack.post("radarr", body))[0] == 202
    await stack.wait_outcomes(2)
    runs = await stack.rows("SELECT job_id, outcome, reason FROM job_runs ORDER BY id")
    assert [(r["job_id"], r["outcome"]) for r in runs] == [
        ("ensure:radarr:8", "downloaded"),
        ("ensure:radarr:8", "present"),
    ]


async def test_upgrade_renames_suffix_trailer(stack: Stack) -> None:
    """After an upgrade renamed the movie file, the trailer Trailarr wrote follows the new stem."""
    movie = stack.add_movie(9, "Upgraded", 2022)
    await stack.post("radarr", radarr_download(movie))
    await stack.wait_outcomes(1)
    folder = stack.local(movie["path"])
    old_file = folder / movie["movieFile"]["relativePath"]
    old_file.unlink()
    stack.radarr.set_file_name(9, "Upgraded (2022) Remux-2160p.mkv")
    (folder / "Upgraded (2022) Remux-2160p.mkv").write_bytes(b"better movie")
    status, _ = await stack.post("radarr", radarr_download(stack.radarr.media[9], upgrade=True))
    assert status == 202
    await stack.wait_outcomes(2)
    assert sorted(p.name for p in folder.iterdir()) == [
        "Upgraded (2022) Remux-2160p-trailer.mkv",
        "Upgraded (2022) Remux-2160p.mkv",
    ]
    assert stack.videos.downloads["yt00000009"] == 2


async def test_user_trailer_is_kept_and_recorded(stack: Stack) -> None:
    """A trailer the user put there is recorded as present and never replaced."""
    movie = stack.add_movie(10, "Kept", 2019)
    mine = stack.local(movie["path"]) / "trailer.mp4"
    mine.write_bytes(b"the user's own trailer")
    await stack.post("radarr", radarr_download(movie))
    await stack.wait_outcomes(1)
    [row] = await stack.rows("SELECT state, trailer_path, trailer_ours FROM media")
    assert row == {"state": "present", "trailer_path": str(mine), "trailer_ours": 0}
    assert mine.read_bytes() == b"the user's own trailer"
    assert stack.videos.downloads["yt00000010"] == 0


async def test_leftovers_of_a_killed_download_are_cleaned(stack: Stack) -> None:
    """Temporary files a killed worker left are removed when the job runs again."""
    movie = stack.add_movie(11, "Crashed", 2018)
    folder = stack.local(movie["path"])
    (folder / ".trailarr-0123456789ab.mp4.part").write_bytes(b"half a download")
    await stack.post("radarr", radarr_download(movie))
    await stack.wait_outcomes(1)
    assert not [p for p in folder.iterdir() if p.name.startswith(".trailarr-")]
    assert len(list(folder.iterdir())) == 2


async def test_accepted_event_survives_redis_losing_the_job(
    tmp_path: Path, redis_url: str, clip: Path
) -> None:
    """A 202'd webhook whose job Redis lost is queued again from SQLite and still done."""
    async with Stack(tmp_path, redis_url, clip, mode="web") as stack:
        movie = stack.add_movie(12, "Resilient", 2017)
        status, answer = await stack.post("radarr", radarr_download(movie))
        assert status == 202
        queue = stack.runtime.queue
        assert await queue.queue_depth() == 1
        await queue.redis.flushdb()
        assert await queue.queue_depth() == 0
        assert await stack.runtime.coordinator.requeue_unfinished() == [answer["job_id"]]
        assert await queue.queue_depth() == 1
        worker = build_worker(stack.settings(), stack.redis_url, handle_signals=False, burst=True)
        try:
            await worker.main()
        finally:
            await worker.close()
        await stack.runtime.coordinator.consume_outcomes()
        [row] = await stack.rows("SELECT state FROM media")
        assert row["state"] == "downloaded"
        assert not await stack.rows("SELECT id FROM events WHERE state = 'queued'")


async def test_coordinator_notices_redis_lost_its_data(
    tmp_path: Path, redis_url: str, clip: Path
) -> None:
    """When Redis comes back empty, the coordinator's own loop queues accepted events again."""
    async with Stack(tmp_path, redis_url, clip, mode="web") as stack:
        movie = stack.add_movie(13, "Amnesia", 2016)
        assert (await stack.post("radarr", radarr_download(movie)))[0] == 202
        queue = stack.runtime.queue
        await queue.redis.flushdb()

        async def queued_again() -> bool:
            return bool(await queue.queue_depth() == 1)

        await until(queued_again, timeout=10)
