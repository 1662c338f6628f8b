"""The JSON API: status, media with filters and paging, decisions, events, jobs, and actions."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest

from app.core.breaker import Admission, Breaker
from app.web.api import RECONCILE_TASK
from tests.fakes.videos import make_clip
from tests.harness import API_KEY, Stack, radarr_download, sonarr_download, three_outcomes
from tests.test_pipeline import ffprobe_duration
from workers.jobs import build_worker


async def call(
    stack: Stack,
    method: str,
    path: str,
    *,
    key: str | None = API_KEY,
    body: Any = None,
    data: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """One API request with the key in `X-Api-Key`; the status and the decoded answer."""
    assert stack.http is not None
    sent = {"X-Api-Key": key} if key else {}
    async with stack.http.request(
        method, stack.base + path, json=body, data=data, headers={**sent, **(headers or {})},
        allow_redirects=False,
    ) as response:  # fmt: skip
        text = await response.text()
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, {"location": response.headers.get("Location"), "text": text}


async def run_jobs(stack: Stack) -> None:
    """Run every queued job with a burst worker (for `web` stacks), then record the outcomes."""
    worker = build_worker(stack.settings(), stack.redis_url, handle_signals=False, burst=True)
    try:
        await worker.main()
    finally:
        await worker.close()
    await stack.runtime.coordinator.consume_outcomes()


async def media_id(stack: Stack, instance: str, arr_id: int) -> int:
    """The `media.id` of an Arr item."""
    [row] = await stack.rows("SELECT id FROM media WHERE instance = ? AND arr_id = ?",
                             instance, arr_id)  # fmt: skip
    return int(row["id"])


@pytest.fixture
async def web_stack(tmp_path: Path, redis_url: str, clip: Path) -> Any:
    """`trailarr web` (no worker): queued jobs stay queued until a test runs them."""
    async with Stack(tmp_path, redis_url, clip, mode="web") as stack:
        yield stack


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/status"), ("GET", "/api/media"), ("GET", "/api/media/1"),
        ("GET", "/api/events"), ("GET", "/api/jobs"), ("POST", "/api/media/1/retry"),
        ("POST", "/api/media/1/trailer"), ("POST", "/api/reconcile"), ("GET", "/metrics"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("key", [None, "wrong-key"])
async def test_every_endpoint_needs_the_key(
    web_stack: Stack, method: str, path: str, key: str | None
) -> None:
    """Without the key, or with a wrong one, every endpoint answers 401 and does nothing."""
    status, body = await call(web_stack, method, path, key=key)
    assert (status, body) == (401, {"error": "missing or wrong API key"})


async def test_key_is_accepted_three_ways(web_stack: Stack) -> None:
    """The key works as `?apikey=`, as `X-Api-Key`, and as a Basic password with any user."""
    assert (await call(web_stack, "GET", f"/api/status?apikey={API_KEY}", key=None))[0] == 200
    assert (await call(web_stack, "GET", "/api/status"))[0] == 200
    basic = "Basic " + base64.b64encode(f"anyone:{API_KEY}".encode()).decode()
    assert (await call(web_stack, "GET", "/api/status", key=None,
                       headers={"Authorization": basic}))[0] == 200  # fmt: skip


async def test_status_counts_per_instance_and_state(stack: Stack) -> None:
    """After a download, a refusal and a miss, /api/status counts each for its instance, and
    shows YouTube's breaker after a trip."""
    await three_outcomes(stack)
    breaker = Breaker(stack.runtime.queue.redis, "youtube", 600.0, 3600.0)
    admission = await breaker.admit()
    assert isinstance(admission, Admission)
    await breaker.trip(admission, "rate_limited", "HTTP Error 429: Too Many Requests")
    status, body = await call(stack, "GET", "/api/status")
    assert status == 200
    assert body["counts"] == {
        "radarr": {"present": 0, "downloaded": 1, "queued": 0, "downloading": 0, "failed": 0,
                   "no_trailer": 1, "refused": 1},
        "sonarr": {"present": 0, "downloaded": 0, "queued": 0, "downloading": 0, "failed": 0,
                   "no_trailer": 0},
    }  # fmt: skip
    assert body["totals"]["downloaded"] == 1
    assert body["queue"] == {"depth": 0, "running": 0}
    assert body["worker"]["ok"] is True
    youtube = body["sources"]["youtube"]
    assert youtube == {
        "state": "paused",
        "until": youtube["until"],
        "trips": 1,
        "last_class": "rate_limited",
        "last_error": "HTTP Error 429: Too Many Requests",
        "pace_per_hour": 100_000,
    }
    assert 590 < youtube["until"] - time.time() <= 600


async def test_status_shows_a_running_job_as_downloading(web_stack: Stack) -> None:
    """Media whose job a worker holds right now counts as downloading, not queued."""
    movie = web_stack.add_movie(1, "Busy", 2020)
    await web_stack.post("radarr", radarr_download(movie))
    redis = web_stack.runtime.queue.redis
    await redis.set("arq:in-progress:ensure:radarr:1", b"1", px=5000)  # what arq sets
    _, body = await call(web_stack, "GET", "/api/status")
    assert body["counts"]["radarr"]["downloading"] == 1
    assert body["counts"]["radarr"]["queued"] == 0
    assert body["queue"] == {"depth": 1, "running": 1}


async def _queue_library(stack: Stack) -> None:
    """12 movies and 3 series recorded (queued, no worker runs them)."""
    for arr_id in range(1, 13):
        title = f"Movie {arr_id:02d}" if arr_id != 7 else "100% Pure_Gold"
        stack.add_movie(arr_id, title, 2000 + arr_id)
        await stack.post("radarr", radarr_download(stack.radarr.media[arr_id]))
    for arr_id in (1, 2, 3):
        series = stack.add_series(arr_id, f"Show {arr_id}", 2020)
        await stack.post("sonarr", sonarr_download(series))


@pytest.mark.parametrize(
    ("query", "total", "titles"),
    [
        ("", 15, None),
        ("?instance=sonarr", 3, ["Show 3", "Show 2", "Show 1"]),
        ("?state=queued&instance=radarr", 12, None),
        ("?state=downloaded", 0, []),
        ("?q=show%202", 1, ["Show 2"]),
        ("?q=MOVIE%2001", 1, ["Movie 01"]),
        ("?q=100%25", 1, ["100% Pure_Gold"]),
        ("?q=e_G", 1, ["100% Pure_Gold"]),
        ("?q=%25", 1, ["100% Pure_Gold"]),
        ("?instance=nobody", 0, []),
    ],
)
async def test_media_filters(web_stack: Stack, query: str, total: int, titles: Any) -> None:
    """state, instance and a literal, case-insensitive text in the title filter the media."""
    await _queue_library(web_stack)
    status, body = await call(web_stack, "GET", "/api/media" + query)
    assert status == 200
    assert body["total"] == total
    if titles is not None:
        assert [item["title"] for item in body["items"]] == titles


async def test_media_paging(web_stack: Stack) -> None:
    """limit and offset page through the media, newest first, the total staying the same."""
    await _queue_library(web_stack)
    _, everything = await call(web_stack, "GET", "/api/media?limit=500")
    ids = [item["id"] for item in everything["items"]]
    pages = []
    for offset in range(0, 15, 4):
        _, page = await call(web_stack, "GET", f"/api/media?limit=4&offset={offset}")
        assert (page["total"], page["limit"], page["offset"]) == (15, 4, offset)
        pages += [item["id"] for item in page["items"]]
    assert pages == ids and len(set(ids)) == 15
    first = everything["items"][0]
    assert set(first) >= {"id", "instance", "kind", "arr_id", "title", "state", "status",
                          "reason", "trailer_path", "pinned_url", "failures"}  # fmt: skip


BAD_LIMITS = ["limit=abc", "limit=0", "limit=501", "limit=1.5"]


@pytest.mark.parametrize(
    ("path", "query"),
    [(p, q) for p in ("/api/media", "/api/events", "/api/jobs") for q in BAD_LIMITS]
    + [("/api/media", "offset=-1"), ("/api/media", "offset=x")],
)
async def test_bad_paging_is_400(web_stack: Stack, path: str, query: str) -> None:
    """A limit or offset that is not an integer in range is a 400 that names it."""
    status, body = await call(web_stack, "GET", f"{path}?{query}")
    assert status == 400
    assert body["error"].startswith(query.split("=")[0])


@pytest.mark.parametrize("path", ["/api/media/999", "/api/media/abc", "/api/media/1" + "0" * 30])
async def test_unknown_media_is_404_json(web_stack: Stack, path: str) -> None:
    """An id no media has is a JSON 404, for reads and for actions."""
    pin = {"url": "https://example.com/v"}
    for method, suffix, body in (("GET", "", None), ("POST", "/retry", None),
                                 ("POST", "/trailer", pin)):  # fmt: skip
        status, answer = await call(web_stack, method, path + suffix, body=body)
        assert status == 404, (method, suffix)
        assert answer["error"].startswith("no media with id")


async def test_media_detail_has_the_decision_history(stack: Stack) -> None:
    """One media item: its row, its job runs newest first with candidates parsed, its events."""
    movie = stack.add_movie(1, "Decided", 2021)
    body = radarr_download(movie)
    await stack.post("radarr", body)
    await stack.wait_outcomes(1)
    await stack.post("radarr", body)
    await stack.wait_outcomes(2)
    status, detail = await call(stack, "GET", f"/api/media/{await media_id(stack, 'radarr', 1)}")
    assert status == 200
    assert detail["media"]["title"] == "Decided"
    assert detail["media"]["status"] == "downloaded"
    assert detail["job_id"] == "ensure:radarr:1"
    assert [run["outcome"] for run in detail["history"]] == ["present", "downloaded"]
    [chosen] = [c for c in detail["history"][1]["candidates"] if c["chosen"]]
    assert chosen["source"] == "radarr" and chosen["accepted"] is True
    assert chosen["url"].endswith("/videos/yt00000001.mp4")
    assert [e["event_type"] for e in detail["events"]] == ["Download", "Download"]


async def test_events_and_jobs_newest_first(stack: Stack) -> None:
    """/api/events and /api/jobs list the newest first and honour limit."""
    for arr_id in (1, 2):
        await stack.post("radarr", radarr_download(stack.add_movie(arr_id, f"M{arr_id}", 2020)))
    await stack.wait_outcomes(2)
    _, events = await call(stack, "GET", "/api/events")
    assert [(e["arr_id"], e["event_type"], e["title"]) for e in events] == [
        (2, "Download", "M2"), (1, "Download", "M1"),
    ]  # fmt: skip
    _, one = await call(stack, "GET", "/api/events?limit=1")
    assert [e["arr_id"] for e in one] == [2]
    _, jobs = await call(stack, "GET", "/api/jobs")
    assert sorted(j["job_id"] for j in jobs) == ["ensure:radarr:1", "ensure:radarr:2"]
    assert {j["outcome"] for j in jobs} == {"downloaded"}
    assert jobs[0]["id"] > jobs[1]["id"]
    _, one = await call(stack, "GET", "/api/jobs?limit=1")
    assert len(one) == 1


async def _failed_movie(stack: Stack) -> int:
    """A movie whose trailer cannot be downloaded, run once: no trailer, in backoff."""
    stack.add_movie(1, "Unlucky", 2020, key="gone0000001")
    stack.videos.files.pop("gone0000001")
    await stack.post("radarr", radarr_download(stack.radarr.media[1]))
    await run_jobs(stack)
    [row] = await stack.rows("SELECT id, state, failures, retry_after FROM media")
    assert (row["state"], row["failures"]) == ("no_trailer", 1)
    assert row["retry_after"] > time.time()
    return int(row["id"])


async def test_retry_clears_backoff_and_requeues(web_stack: Stack) -> None:
    """Retry resets the backoff, records the operator's event and queues the job, which runs."""
    media = await _failed_movie(web_stack)
    queue = web_stack.runtime.queue
    assert await queue.queue_depth() == 0
    status, answer = await call(web_stack, "POST", f"/api/media/{media}/retry")
    assert status == 202
    assert answer["status"] == "queued" and answer["job_id"] == "ensure:radarr:1"
    assert answer["media_id"] == media
    [row] = await web_stack.rows("SELECT state, reason, failures, retry_after FROM media")
    assert row == {"state": "queued", "reason": "", "failures": 0, "retry_after": 0}
    assert await queue.queue_depth() == 1
    [event] = await web_stack.rows("SELECT event_type, state, job_id FROM events WHERE id = ?",
                                   answer["event_id"])  # fmt: skip
    assert event == {"event_type": "Retry", "state": "queued", "job_id": "ensure:radarr:1"}
    web_stack.videos.add("gone0000001", web_stack.clip)
    await run_jobs(web_stack)
    runs = await web_stack.rows("SELECT outcome FROM job_runs ORDER BY id")
    assert [r["outcome"] for r in runs] == ["no_trailer", "downloaded"]
    assert await web_stack.rows("SELECT id FROM events WHERE state = 'queued'") == []


@pytest.mark.parametrize(
    ("back", "location"),
    [(None, "/"), ("/media/1", "/media/1"), ("//evil.example/x", "/"), ("https://e.x/", "/")],
)
async def test_retry_from_a_form_redirects_back(
    web_stack: Stack, back: str | None, location: str
) -> None:
    """A form post is answered 303 to the page it came from (a local path only)."""
    media = await _failed_movie(web_stack)
    form = {} if back is None else {"back": back}
    status, answer = await call(
        web_stack, "POST", f"/api/media/{media}/retry", data=form,
        headers={"Accept": "text/html,application/xhtml+xml"},
    )  # fmt: skip
    assert (status, answer["location"]) == (303, location)
    assert await web_stack.runtime.queue.queue_depth() == 1


async def test_cross_site_form_post_is_refused(web_stack: Stack) -> None:
    """A browser's cross-site post (which would carry Basic credentials) does nothing."""
    media = await _failed_movie(web_stack)
    status, _ = await call(web_stack, "POST", f"/api/media/{media}/retry", data={},
                           headers={"Sec-Fetch-Site": "cross-site"})  # fmt: skip
    assert status == 403
    assert await web_stack.runtime.queue.queue_depth() == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "the body must be JSON"),
        ([], "the body must be a JSON object"),
        ({}, "'url' must be a non-empty string"),
        ({"url": 5}, "'url' must be a non-empty string"),
        ({"url": "  "}, "'url' must be a non-empty string"),
        ({"url": "ftp://example.com/t.mp4"}, "'url' must be an http:// or https:// URL"),
        ({"url": "javascript:alert(1)"}, "'url' must be an http:// or https:// URL"),
        ({"url": "https://"}, "'url' must be an http:// or https:// URL"),
        ({"url": "/videos/x.mp4"}, "'url' must be an http:// or https:// URL"),
        ({"url": "http://exa mple.com/"}, "'url' must not contain spaces"),
        ({"url": "http://[::1/"}, "'url' is not a valid URL"),
        ({"url": "https://e.com/" + "a" * 2100}, "'url' is longer than 2048"),
    ],
)
async def test_pin_validates_the_url(web_stack: Stack, body: Any, message: str) -> None:
    """Anything but an absolute http(s) URL is a 400 saying why; nothing is stored or queued."""
    movie = web_stack.add_movie(1, "Pinned", 2020)
    await web_stack.post("radarr", radarr_download(movie))
    media = await media_id(web_stack, "radarr", 1)
    assert web_stack.http is not None
    raw = body if isinstance(body, str) else json.dumps(body)
    async with web_stack.http.post(
        f"{web_stack.base}/api/media/{media}/trailer", data=raw,
        headers={"X-Api-Key": API_KEY, "Content-Type": "application/json"},
    ) as response:  # fmt: skip
        status, answer = response.status, await response.json()
    assert status == 400
    assert answer["error"].startswith(message)
    [row] = await web_stack.rows("SELECT pinned_url FROM media")
    assert row["pinned_url"] == ""


async def test_pin_stores_the_url_and_queues_the_job(web_stack: Stack) -> None:
    """A valid pin is stored on the media and its job is queued with the pinned URL."""
    media = await _failed_movie(web_stack)
    url = web_stack.videos.url_for("pinned00001")
    status, answer = await call(web_stack, "POST", f"/api/media/{media}/trailer",
                                body={"url": f"  {url} "})  # fmt: skip
    assert status == 202
    assert answer["pinned_url"] == url and answer["job_id"] == "ensure:radarr:1"
    [row] = await web_stack.rows("SELECT pinned_url, state, failures FROM media")
    assert row == {"pinned_url": url, "state": "queued", "failures": 0}
    raw = await web_stack.runtime.queue.redis.get("arq:job:ensure:radarr:1")
    assert json.loads(raw)["k"]["pinned_url"] == url


async def test_pinned_url_replaces_the_trailer_trailarr_wrote(stack: Stack, tmp_path: Path) -> None:
    """A pinned video is downloaded by the worker and replaces the trailer Trailarr wrote."""
    movie = stack.add_movie(1, "Repinned", 2020)
    await stack.post("radarr", radarr_download(movie))
    await stack.wait_outcomes(1)
    [row] = await stack.rows("SELECT id, trailer_path FROM media")
    trailer = Path(row["trailer_path"])
    assert ffprobe_duration(trailer) < 2.5
    stack.videos.add("pinned00001", make_clip(tmp_path / "longer.mp4", seconds=3.5))
    url = stack.videos.url_for("pinned00001")
    status, _ = await call(stack, "POST", f"/api/media/{row['id']}/trailer", body={"url": url})
    assert status == 202
    await stack.wait_outcomes(2)
    assert ffprobe_duration(trailer) > 3
    assert stack.videos.downloads["pinned00001"] == 2
    assert len(list(trailer.parent.iterdir())) == 2  # the movie and one trailer
    _, detail = await call(stack, "GET", f"/api/media/{row['id']}")
    latest = detail["history"][0]
    assert latest["outcome"] == "downloaded"
    [chosen] = [c for c in latest["candidates"] if c["chosen"]]
    assert (chosen["source"], chosen["url"]) == ("pinned", url)
    assert detail["media"]["pinned_url"] == url
    # The pin survives, but once downloaded it is not downloaded again by later events.
    assert (await stack.post("radarr", radarr_download(movie)))[0] == 202
    await stack.wait_outcomes(3)
    runs = await stack.rows("SELECT outcome FROM job_runs ORDER BY id")
    assert [r["outcome"] for r in runs] == ["downloaded", "downloaded", "present"]
    assert stack.videos.downloads["pinned00001"] == 2


async def test_pinned_url_never_replaces_the_users_trailer(stack: Stack) -> None:
    """A trailer the user put there stays, even when the operator pins another video."""
    movie = stack.add_movie(1, "Mine", 2020)
    mine = stack.local(movie["path"]) / "trailer.mp4"
    mine.write_bytes(b"the user's own trailer")
    await stack.post("radarr", radarr_download(movie))
    await stack.wait_outcomes(1)
    media = await media_id(stack, "radarr", 1)
    stack.videos.add("pinned00002", stack.clip)
    url = stack.videos.url_for("pinned00002")
    assert (await call(stack, "POST", f"/api/media/{media}/trailer", body={"url": url}))[0] == 202
    await stack.wait_outcomes(2)
    assert mine.read_bytes() == b"the user's own trailer"
    assert stack.videos.downloads["pinned00002"] == 0
    [row] = await stack.rows("SELECT state, trailer_path, trailer_ours FROM media")
    assert row == {"state": "present", "trailer_path": str(mine), "trailer_ours": 0}


class FakeReconciler:
    """Stands in for app.reconcile.Reconciler: a pass that runs until the test lets it end."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def run_pass(self) -> dict[str, Any]:
        self.started.set()
        await self.release.wait()
        return {}


async def test_reconcile_starts_a_pass_in_the_background(web_stack: Stack) -> None:
    """202 once a pass is started; 409 while it runs; 503 when no reconciler is available."""
    setattr(web_stack.runtime, "reconciler", None)  # noqa: B010 - not a Runtime field yet
    assert (await call(web_stack, "POST", "/api/reconcile"))[0] == 503
    fake = FakeReconciler()
    setattr(web_stack.runtime, "reconciler", fake)  # noqa: B010
    assert await call(web_stack, "POST", "/api/reconcile") == (202, {"status": "started"})
    await asyncio.wait_for(fake.started.wait(), 5)
    status, answer = await call(web_stack, "POST", "/api/reconcile")
    assert (status, answer) == (409, {"error": "a reconcile pass is already running"})
    fake.release.set()
    assert web_stack.service is not None and web_stack.service.runner is not None
    task = web_stack.service.runner.app[RECONCILE_TASK].task
    assert task is not None
    await task
    assert (await call(web_stack, "POST", "/api/reconcile"))[0] == 202


async def test_pin_from_the_media_page_form(web_stack: Stack) -> None:
    """The media page's pin form posts `url` and comes back to the media page."""
    media = await _failed_movie(web_stack)
    url = web_stack.videos.url_for("pinned00003")
    form = {"url": url, "back": f"/media/{media}"}
    status, answer = await call(web_stack, "POST", f"/api/media/{media}/trailer", data=form)
    assert (status, answer["location"]) == (303, f"/media/{media}")
    [row] = await web_stack.rows("SELECT pinned_url FROM media")
    assert row["pinned_url"] == url
    status, answer = await call(web_stack, "POST", f"/api/media/{media}/trailer",
                                data={"url": "ftp://nope"})  # fmt: skip
    assert status == 400
