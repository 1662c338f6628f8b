"""What a download really is: ffprobe's height against trailers.min_height, low_quality kept and
looked at again, and each candidate's failure class on the media page and in the API."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.tmdb import video
from tests.fakes.videos import make_clip
from tests.harness import API_KEY, Stack, radarr_download
from workers.download import probe


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Real clips of 360, 480 and 720 lines."""
    folder = tmp_path_factory.mktemp("heights")
    return {h: make_clip(folder / f"{h}.mp4", seconds=1.5, height=h) for h in (360, 480, 720)}


async def get_json(stack: Stack, path: str) -> Any:
    """GET an API path with the key; the JSON answer."""
    assert stack.http is not None
    async with stack.http.get(stack.base + path, params={"apikey": API_KEY}) as response:
        assert response.status == 200
        return await response.json()


async def get_text(stack: Stack, path: str) -> str:
    """GET a page with the key; its HTML."""
    assert stack.http is not None
    async with stack.http.get(stack.base + path, params={"apikey": API_KEY}) as response:
        assert response.status == 200
        return await response.text()


def by_key(candidates: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Candidates by their video key (the last part of the URL)."""
    return {c["url"].rsplit("/", 1)[-1].removesuffix(".mp4"): c for c in candidates}


async def test_a_label_that_lies_loses_to_a_tall_enough_file(
    tmp_path: Path, redis_url: str, clip: Path, clips: dict[int, Path]
) -> None:
    """TMDB's "1080p" video is measured at 360p, under min_height, and the 480p one is placed."""
    async with Stack(tmp_path, redis_url, clip, min_height=480) as stack:
        movie = stack.add_movie(1, "Tall", 2020, key="real480", video=clips[480])
        stack.tmdb.set_videos("movie", movie["tmdbId"], [video("label1080", "Official Trailer")])
        stack.videos.add("label1080", clips[360])
        await stack.post("radarr", radarr_download(movie))
        await stack.wait_outcomes(1)
        [run] = await stack.rows("SELECT outcome, trailer_path, candidates FROM job_runs")
        [row] = await stack.rows("SELECT state, trailer_height FROM media")
    assert (run["outcome"], row["state"], row["trailer_height"]) == (
        "downloaded",
        "downloaded",
        480,
    )
    tried = by_key(json.loads(run["candidates"]))
    assert (tried["label1080"]["height"], tried["label1080"]["chosen"]) == (360, False)
    assert (tried["real480"]["height"], tried["real480"]["chosen"]) == (480, True)
    assert (await probe(Path(run["trailer_path"])))[2] == 480


async def test_none_tall_enough_keeps_the_best_then_the_sweep_looks_again(
    tmp_path: Path, redis_url: str, clip: Path, clips: dict[int, Path]
) -> None:
    """With nothing at min_height the tallest file is kept as low_quality for 7 days; the
    sweep after that finds the 720p one that appeared meanwhile and replaces ours."""
    async with Stack(tmp_path, redis_url, clip, min_height=480) as stack:
        movie = stack.add_movie(2, "Grainy", 2020, key="short360", video=clips[360])
        await stack.post("radarr", radarr_download(movie))
        await stack.wait_outcomes(1)
        [row] = await stack.rows("SELECT id, state, trailer_path, trailer_height, retry_after,"
                                 " reason FROM media")  # fmt: skip
        assert (row["state"], row["trailer_height"]) == ("low_quality", 360)
        assert "360p, under trailers.min_height (480p)" in row["reason"]
        assert 7 * 86400 - 60 < row["retry_after"] - time.time() <= 7 * 86400
        trailer = Path(row["trailer_path"])
        assert (await probe(trailer))[2] == 360
        status = await get_json(stack, "/api/status")
        assert status["counts"]["radarr"]["low_quality"] == 1

        stack.videos.add("short360", clips[720])  # a better upload under the same id
        async with stack.runtime.store.write_lock:  # seven days later
            await stack.runtime.store.conn.execute("UPDATE media SET retry_after = 1")
            await stack.runtime.store.conn.commit()
        assert stack.http is not None
        async with stack.http.post(stack.base + "/api/reconcile",
                                   params={"apikey": API_KEY}) as response:  # fmt: skip
            assert response.status == 202
        await stack.wait_outcomes(2)
        [row] = await stack.rows("SELECT state, trailer_path, trailer_height FROM media")
    assert (row["state"], row["trailer_height"], row["trailer_path"]) == (
        "downloaded", 720, str(trailer),
    )  # fmt: skip
    assert (await probe(trailer))[2] == 720


async def test_each_failure_is_classed_with_its_candidate(
    tmp_path: Path, redis_url: str, clip: Path
) -> None:
    """A removed video (404) is `unavailable` on its candidate, in the API and on the media
    page, and the next candidate is downloaded at once."""
    async with Stack(tmp_path, redis_url, clip) as stack:
        movie = stack.add_movie(3, "Removed", 2020, key="second1")
        stack.tmdb.set_videos("movie", movie["tmdbId"], [video("removed1", "Official Trailer")])
        stack.videos.fail("removed1", 404)
        await stack.post("radarr", radarr_download(movie))
        await stack.wait_outcomes(1)
        [row] = await stack.rows("SELECT id, state FROM media")
        detail = await get_json(stack, f"/api/media/{row['id']}")
        page = await get_text(stack, f"/media/{row['id']}")
    assert row["state"] == "downloaded"
    tried = by_key(detail["history"][0]["candidates"])
    assert tried["removed1"]["failure_class"] == "unavailable"
    assert "HTTP Error 404" in tried["removed1"]["error"]
    assert tried["second1"]["chosen"] is True and tried["second1"]["height"] == 360
    assert '<span class="bad failure">unavailable</span>' in page
    assert stack.videos.downloads["removed1"] == 1  # asked once, not retried
