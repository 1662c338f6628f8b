"""`GET /metrics`: Prometheus text format, from a registry of this application's own.

Webhooks are counted as they are answered (webhooks/receiver.py). The rest is read at scrape
time, so nothing on the job path has to report to it: media and trailers from SQLite; jobs,
download bytes and seconds summed over `job_runs` (they survive restarts, as counters should);
queue depth, running jobs, the worker heartbeat and YouTube's breaker and pace from Redis.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Iterator

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.core.records import HAVE_TRAILER
from app.store import reads
from app.web.state import RUNTIME, Runtime
from app.web.summary import status_summary

UNKNOWN = "(unknown)"


class _ScrapeCollector(Collector):
    """Yields the families read just before the scrape (the registry's collect is synchronous)."""

    def __init__(self) -> None:
        self.families: list[Metric] = []

    def collect(self) -> Iterable[Metric]:
        return list(self.families)

    def describe(self) -> Iterator[Metric]:
        return iter(())


class Metrics:
    """The application's registry: live webhook counters plus figures read at scrape time."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self._webhook_counters: dict[tuple[str, str, str], Counter] = {}
        self.webhooks = Counter(
            "trailarr_webhooks",
            "Webhooks answered, by instance, event type and HTTP status.",
            ("instance", "event", "status"),
            registry=self.registry,
        )
        self._scraped = _ScrapeCollector()
        self.registry.register(self._scraped)
        self._lock = asyncio.Lock()

    def count_webhook(self, instance: str | None, event: str | None, status: int) -> None:
        """Count one answered webhook; an unknown instance or unparsed body counts as unknown."""
        key = (instance or UNKNOWN, (event or UNKNOWN)[:40], str(status))
        counter = self._webhook_counters.get(key)
        if counter is None:  # labels() costs a lock and a lookup; keep each child once found
            counter = self._webhook_counters[key] = self.webhooks.labels(*key)
        counter.inc()

    async def render(self, runtime: Runtime) -> bytes:
        """Read the current figures and render the whole registry."""
        async with self._lock:
            self._scraped.families = await read_families(runtime)
            return generate_latest(self.registry)


async def read_families(runtime: Runtime) -> list[Metric]:
    """The figures read from SQLite and Redis, as metric families."""
    summary = await status_summary(runtime)
    media = GaugeMetricFamily(
        "trailarr_media", "Media items by instance and status.", labels=("instance", "status")
    )
    present = GaugeMetricFamily(
        "trailarr_trailers_present", "Media with a trailer in place (ours or the user's).",
        labels=("instance",),
    )  # fmt: skip
    missing = GaugeMetricFamily(
        "trailarr_trailers_missing", "Media known without a trailer in place.",
        labels=("instance",),
    )  # fmt: skip
    for instance, per in sorted(summary["counts"].items()):
        for status, n in sorted(per.items()):
            media.add_metric((instance, status), n)
        have = sum(per.get(state, 0) for state in HAVE_TRAILER)
        present.add_metric((instance,), have)
        missing.add_metric((instance,), sum(per.values()) - have)
    families: list[Metric] = [media, present, missing, *await _job_families(runtime)]
    queue = summary["queue"]
    if queue is not None:
        families.append(GaugeMetricFamily(
            "trailarr_queue_depth", "Jobs waiting or running.", value=queue["depth"]
        ))  # fmt: skip
        families.append(GaugeMetricFamily(
            "trailarr_jobs_running", "Jobs a worker is running now.", value=queue["running"]
        ))  # fmt: skip
    families.append(GaugeMetricFamily(
        "trailarr_worker_up", "1 when a worker heartbeat is fresh.",
        value=1 if summary["worker"]["ok"] else 0,
    ))  # fmt: skip
    youtube = (summary["sources"] or {}).get("youtube")
    until = youtube["until"] if youtube and youtube["state"] == "paused" else None
    families.append(GaugeMetricFamily(
        "trailarr_youtube_cooldown_seconds", "Seconds left of YouTube's pause (0: none).",
        value=max(0.0, until - time.time()) if until else 0.0,
    ))  # fmt: skip
    if youtube is not None:
        families.append(GaugeMetricFamily(
            "trailarr_youtube_trips", "YouTube breaker trips in a row (0: closed).",
            value=youtube["trips"],
        ))  # fmt: skip
        families.append(GaugeMetricFamily(
            "trailarr_youtube_pace_per_hour", "YouTube downloads allowed per hour now.",
            value=youtube["pace_per_hour"],
        ))  # fmt: skip
    return families


async def _job_families(runtime: Runtime) -> list[Metric]:
    jobs = CounterMetricFamily(
        "trailarr_jobs", "Job runs finished, by instance and outcome.",
        labels=("instance", "outcome"),
    )  # fmt: skip
    size = CounterMetricFamily(
        "trailarr_download_bytes", "Bytes of trailers downloaded.", labels=("instance",)
    )
    seconds = CounterMetricFamily(
        "trailarr_download_seconds", "Seconds spent downloading trailers.", labels=("instance",)
    )
    rows = await reads.job_totals(runtime.store)
    totals: dict[str, tuple[float, float]] = {}
    for row in rows:
        jobs.add_metric((row["instance"], row["outcome"]), row["n"])
        b, s = totals.get(row["instance"], (0.0, 0.0))
        totals[row["instance"]] = (b + (row["bytes"] or 0), s + (row["seconds"] or 0.0))
    for instance, (b, s) in sorted(totals.items()):
        size.add_metric((instance,), b)
        seconds.add_metric((instance,), s)
    return [jobs, size, seconds]


METRICS: web.AppKey[Metrics] = web.AppKey("metrics", Metrics)


async def metrics(request: web.Request) -> web.Response:
    """`GET /metrics`: the Prometheus text format (0.0.4)."""
    body = await request.app[METRICS].render(request.app[RUNTIME])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})
