"""Failure policy: transient errors retry with backoff; YouTube throttling pauses YouTube jobs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.core.breaker import Breaker, BreakerState
from app.core.config import YoutubeSettings
from app.core.keys import FAILURES_PREFIX
from tests.harness import Stack, radarr_download, sonarr_download, until
from workers import jobs, youtube


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry after 50 ms instead of 5 s, so the tests see several tries."""
    monkeypatch.setattr(jobs, "RETRY_BASE_S", 0.05)


@pytest.mark.parametrize("status", [503, 500, 429])
async def test_arr_errors_retry_until_it_answers(stack: Stack, status: int) -> None:
    """An Arr answering 5xx or 429 is retried with backoff, and the job succeeds once it is back."""
    movie = stack.add_movie(1, "Patience", 2020)
    stack.radarr.fail_next(3, status)
    assert (await stack.post("radarr", radarr_download(movie)))[0] == 202
    await stack.wait_outcomes(1)
    [run] = await stack.rows("SELECT outcome FROM job_runs")
    assert run["outcome"] == "downloaded"
    assert await stack.runtime.queue.redis.exists(FAILURES_PREFIX + "ensure:radarr:1") == 0


@pytest.mark.parametrize("status", [400, 422])
async def test_arr_refusing_the_request_fails_without_retrying(stack: Stack, status: int) -> None:
    """An Arr answering 400 or 422 refuses the request itself: the job fails at once, with the
    answer as its reason, and no try is counted (asking again gets the same answer)."""
    movie = stack.add_movie(4, "Refusal", 2020)
    stack.radarr.fail_next(1, status, path="/api/v3/movie/4")
    assert (await stack.post("radarr", radarr_download(movie)))[0] == 202
    await stack.wait_outcomes(1)
    [run] = await stack.rows("SELECT outcome, reason FROM job_runs")
    assert run["outcome"] == "failed"
    assert f"refused the request for movie/4 (HTTP {status})" in run["reason"]
    assert await stack.runtime.queue.redis.exists(FAILURES_PREFIX + "ensure:radarr:4") == 0


async def test_arr_down_during_a_job_retries(stack: Stack) -> None:
    """An Arr that is down when the job starts is retried; the job succeeds after it comes back."""
    movie = stack.add_movie(2, "Outage", 2020)
    stack.radarr.down = True
    assert (await stack.post("radarr", radarr_download(movie)))[0] == 202
    redis = stack.runtime.queue.redis
    key = FAILURES_PREFIX + "ensure:radarr:2"

    async def two_failures() -> bool:
        return int(await redis.get(key) or 0) >= 2

    await until(two_failures)
    assert stack.runtime.coordinator.outcomes_recorded == 0
    stack.radarr.down = False
    await stack.wait_outcomes(1)
    [run] = await stack.rows("SELECT outcome FROM job_runs")
    assert run["outcome"] == "downloaded"


async def test_gives_up_after_max_tries(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """A job whose Arr never answers ends as failed, with the reason, after MAX_TRIES."""
    monkeypatch.setattr(jobs, "MAX_TRIES", 3)
    movie = stack.add_movie(3, "Hopeless", 2020)
    stack.radarr.down = True
    await stack.post("radarr", radarr_download(movie))
    await stack.wait_outcomes(1)
    [row] = await stack.rows("SELECT state, reason, retry_after > 0 AS backoff FROM media")
    assert row["state"] == "failed"
    assert "gave up after 3 tries" in row["reason"]
    assert row["backoff"] == 1


async def test_youtube_throttling_pauses_youtube_jobs(
    tmp_path: Path, redis_url: str, clip: Path
) -> None:
    """A 429 from YouTube trips the breaker: YouTube jobs wait (deferred, never failed or
    counted), and once the pause is over a probe goes through and everything downloads."""
    async with Stack(tmp_path, redis_url, clip, youtube={"cooldown": "3s"}) as stack:
        redis = stack.runtime.queue.redis
        breaker = Breaker(redis, "youtube", 3.0, 60.0)
        first = stack.add_movie(4, "Throttled", 2020)
        second = stack.add_movie(5, "Waiting", 2020)
        stack.videos.fail("yt00000004", 429)
        await stack.post("radarr", radarr_download(first))

        async def paused() -> bool:
            return (await breaker.status()).state is BreakerState.PAUSED

        await until(paused)
        await stack.post("radarr", radarr_download(second))
        await until(lambda: _deferred(stack, "ensure:radarr:5"))  # picked up, deferred, not run
        assert stack.videos.downloads["yt00000005"] == 0
        assert stack.runtime.coordinator.outcomes_recorded == 0
        status = await breaker.status()
        assert (status.trips, status.last_class) == (1, "rate_limited")
        assert "429" in (status.last_error or "")
        stack.videos.statuses.clear()  # YouTube lets us in again; nobody touches Trailarr
        await stack.wait_outcomes(2)
        runs = await stack.rows("SELECT outcome, candidates FROM job_runs ORDER BY arr_id")
        assert [r["outcome"] for r in runs] == ["downloaded", "downloaded"]
        assert not await redis.keys(FAILURES_PREFIX + "*")
        assert (await breaker.status()).state is BreakerState.OK


async def _deferred(stack: Stack, job_id: str) -> bool:
    """Whether arq holds the job for a time in the future (a deferral)."""
    score = await stack.runtime.queue.redis.zscore(stack.runtime.queue.queue_name, job_id)
    loop_time_ms = (await stack.runtime.queue.redis.time())[0] * 1000
    return score is not None and score > loop_time_ms + 1000


def test_search_candidates_from_flat_entries() -> None:
    """yt-dlp's flat search entries become search candidates with duration, channel and live."""
    settings = YoutubeSettings(url_template="https://www.youtube.com/watch?v={key}")
    entries: list[dict[str, Any]] = [
        {"id": "abcdefghijk", "title": "Severance — Official Trailer", "duration": 151.0,
         "channel": "Apple TV", "live_status": "not_live"},
        {"id": "livestream1", "title": "Severance 24/7", "duration": None,
         "uploader": "someone", "live_status": "is_live"},
        {"title": "no id"},
    ]  # fmt: skip
    found = youtube.search_candidates(entries, settings)
    assert [(c.key, c.url, c.duration, c.channel, c.is_live, c.source) for c in found] == [
        ("abcdefghijk", "https://www.youtube.com/watch?v=abcdefghijk", 151.0, "Apple TV",
         False, "search"),
        ("livestream1", "https://www.youtube.com/watch?v=livestream1", None, "someone",
         True, "search"),
    ]  # fmt: skip


async def test_search_fallback_finds_a_series_trailer(
    tmp_path: Path, redis_url: str, clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A series with no TMDB key gets a trailer through YouTube search, with every result judged."""
    queries: list[str] = []

    def fake_search(query: str, count: int, settings: YoutubeSettings) -> list[dict[str, Any]]:
        queries.append(query)
        return [
            {"id": "sevReaction", "title": "SEVERANCE Season 2 Trailer REACTION!!",
             "duration": 2.0, "channel": "ReactsDaily"},
            {"id": "sevOfficial", "title": "Severance — Official Trailer | Apple TV+",
             "duration": 2.0, "channel": "Apple TV"},
        ]  # fmt: skip

    monkeypatch.setattr(youtube, "run_ytdlp_search", fake_search)
    async with Stack(tmp_path, redis_url, clip, tmdb_key="") as stack:
        series = stack.add_series(3, "Severance", 2022)
        stack.videos.add("sevOfficial", clip)
        stack.videos.add("sevReaction", clip)
        assert (await stack.post("sonarr", sonarr_download(series)))[0] == 202
        await stack.wait_outcomes(1)
        assert queries == ["Severance official trailer"]
        [run] = await stack.rows("SELECT outcome, candidates FROM job_runs")
        assert run["outcome"] == "downloaded"
        decision = {c["url"].rsplit("/", 1)[-1]: c for c in json.loads(run["candidates"])}
        assert decision["sevOfficial.mp4"]["chosen"] is True
        assert decision["sevReaction.mp4"]["accepted"] is False
        assert "reaction" in decision["sevReaction.mp4"]["reason"]
        assert stack.videos.downloads["sevReaction"] == 0


async def test_a_bot_check_on_search_trips_the_breaker(
    tmp_path: Path, redis_url: str, clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search YouTube answers with a bot check trips YouTube's breaker and defers the job."""

    def bot_check(query: str, count: int, settings: YoutubeSettings) -> list[dict[str, Any]]:
        raise RuntimeError("ERROR: [youtube] Sign in to confirm you're not a bot")

    monkeypatch.setattr(youtube, "run_ytdlp_search", bot_check)
    async with Stack(tmp_path, redis_url, clip, tmdb_key="") as stack:
        series = stack.add_series(4, "Throttled Show", 2022)
        await stack.post("sonarr", sonarr_download(series))
        await until(lambda: _deferred(stack, "ensure:sonarr:4"))
        status = await Breaker(stack.runtime.queue.redis, "youtube", 60.0, 3600.0).status()
        assert (status.state, status.last_class) == (BreakerState.PAUSED, "bot_check")
        assert "not a bot" in (status.last_error or "")
        assert stack.runtime.coordinator.outcomes_recorded == 0


async def test_wrong_tmdb_key_is_skipped_not_retried(
    tmp_path: Path, redis_url: str, clip: Path
) -> None:
    """A TMDB key TMDB refuses does not fail the job: Radarr's own trailer id still gets used."""
    async with Stack(tmp_path, redis_url, clip, tmdb_key="wrong-key") as stack:
        movie = stack.add_movie(9, "Keyless", 2020)
        assert (await stack.post("radarr", radarr_download(movie)))[0] == 202
        await stack.wait_outcomes(1)
        [run] = await stack.rows("SELECT outcome FROM job_runs")
        assert run["outcome"] == "downloaded"
        assert ("GET", "/3/movie/1009/videos") in stack.tmdb.requests


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.youtube.com/watch?v=abc", True),
        ("https://youtu.be/abc", True),
        ("https://m.youtube.com/watch?v=abc", True),
        ("http://127.0.0.1:8080/watch?v=abc", True),  # url_template's host and port
        ("http://127.0.0.1:8080/other/path.mp4", True),
        ("http://127.0.0.1:8081/watch?v=abc", False),  # another port is another host
        ("https://vimeo.com/12345", False),
        ("https://notyoutube.com/watch?v=abc", False),
    ],
)
def test_which_downloads_are_youtubes(url: str, expected: bool) -> None:
    """YouTube's breaker and pace apply to youtube.com, youtu.be and url_template's host only."""
    settings = YoutubeSettings(url_template="http://127.0.0.1:8080/watch?v={key}")
    assert youtube.is_youtube(url, settings) is expected
