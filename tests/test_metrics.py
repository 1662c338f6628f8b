"""`/metrics`: Prometheus text format with webhooks, jobs, downloads, queue and trailers."""

from __future__ import annotations

import json
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from app.web.metrics import Metrics
from tests.harness import API_KEY, Stack, fixture, radarr_download

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(stack: Stack) -> Samples:
    """Every sample of /metrics, keyed by name and sorted labels (parsed as Prometheus would)."""
    assert stack.http is not None
    async with stack.http.get(stack.base + "/metrics", headers={"X-Api-Key": API_KEY}) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def webhook(instance: str, event: str, status: int) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The key of a webhook counter sample."""
    labels = {"instance": instance, "event": event, "status": str(status)}
    return "trailarr_webhooks_total", tuple(sorted(labels.items()))


async def test_metrics_need_the_key(stack: Stack) -> None:
    """/metrics answers 401 without the key."""
    assert stack.http is not None
    async with stack.http.get(stack.base + "/metrics") as response:
        assert response.status == 401


async def test_counts_match_after_webhooks_and_a_finished_job(stack: Stack) -> None:
    """Webhooks by instance/event/status, the job, its bytes and seconds, queue and trailers."""
    movie = stack.add_movie(1, "Measured", 2020)
    assert (await stack.post("radarr", radarr_download(movie)))[0] == 202
    await stack.wait_outcomes(1)
    test_body = json.dumps(fixture("radarr/webhook_test.json")).encode()
    grab_body = json.dumps(fixture("radarr/webhook_grab.json")).encode()
    assert (await stack.post("radarr", test_body))[0] == 200
    assert (await stack.post("radarr", grab_body))[0] == 200
    assert (await stack.post("radarr", grab_body))[0] == 200
    assert (await stack.post("radarr", b"{not json"))[0] == 400
    assert (await stack.post("nowhere", test_body))[0] == 404
    assert (await stack.post("radarr", test_body, key="wrong"))[0] == 401

    samples = await scrape(stack)
    webhooks = {key: value for key, value in samples.items() if key[0] == "trailarr_webhooks_total"}
    assert webhooks == {
        webhook("radarr", "Download", 202): 1,
        webhook("radarr", "Test", 200): 1,
        webhook("radarr", "Grab", 200): 2,
        webhook("radarr", "(unknown)", 400): 1,
        webhook("(unknown)", "(unknown)", 404): 1,
        webhook("(unknown)", "(unknown)", 401): 1,
    }
    [run] = await stack.rows("SELECT bytes, seconds FROM job_runs")
    assert run["bytes"] > 0
    radarr = (("instance", "radarr"),)
    assert samples["trailarr_jobs_total", (("instance", "radarr"), ("outcome", "downloaded"))] == 1
    assert samples["trailarr_download_bytes_total", radarr] == run["bytes"]
    assert samples["trailarr_download_seconds_total", radarr] == run["seconds"]
    assert samples["trailarr_queue_depth", ()] == 0
    assert samples["trailarr_worker_up", ()] == 1
    assert samples["trailarr_youtube_cooldown_seconds", ()] == 0
    assert samples["trailarr_trailers_present", radarr] == 1
    assert samples["trailarr_trailers_missing", radarr] == 0
    assert samples["trailarr_trailers_present", (("instance", "sonarr"),)] == 0
    status = (("instance", "radarr"), ("status", "downloaded"))
    assert samples["trailarr_media", status] == 1


async def test_queued_media_count_as_missing(tmp_path: Path, redis_url: str, clip: Path) -> None:
    """With no worker, queued jobs show in the queue depth and their media as missing."""
    async with Stack(tmp_path, redis_url, clip, mode="web") as stack:
        for arr_id in (1, 2, 3):
            movie = stack.add_movie(arr_id, f"Waiting {arr_id}", 2020)
            await stack.post("radarr", radarr_download(movie))
        samples = await scrape(stack)
        assert samples["trailarr_queue_depth", ()] == 3
        assert samples["trailarr_trailers_missing", (("instance", "radarr"),)] == 3
        assert samples["trailarr_media", (("instance", "radarr"), ("status", "queued"))] == 3
        assert samples["trailarr_worker_up", ()] == 0


def test_each_app_has_its_own_registry() -> None:
    """Two applications count separately (no global registry shared between them)."""
    first, second = Metrics(), Metrics()
    labels = {"instance": "radarr", "event": "Download", "status": "202"}
    first.count_webhook("radarr", "Download", 202)
    assert first.registry.get_sample_value("trailarr_webhooks_total", labels) == 1
    assert second.registry.get_sample_value("trailarr_webhooks_total", labels) is None
