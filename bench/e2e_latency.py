"""End-to-end latency: from a Radarr `Download` webhook's send to the verified trailer in place.

What it measures
  A real `trailarr run` (HTTP server, coordinator and one arq worker, in this process through
  app.service.Service, as tests/harness.py wires it) against a fake Radarr (tests.fakes.arr) and a
  local video server (tests.fakes.videos) serving a real 2-second H.264/AAC clip made by ffmpeg,
  downloaded by the real yt-dlp, remuxed to mkv by ffmpeg, verified by ffprobe. Redis is real.
  `--movies` webhooks (default 20) are sent ONE AT A TIME: send, then poll the file system every
  5 ms until `<movie file stem>-trailer.mkv` exists beside the movie file, then wait for the
  coordinator to record the job's outcome, then the next movie. For each movie it prints:
    answer   the webhook's 202 came back
    start    the worker started the job (job_runs.started_at)
    dl       yt-dlp + ffprobe + placing, as the worker reports it (job_runs.seconds)
    trailer  the trailer file appeared: THE latency
    recorded the coordinator recorded the outcome in SQLite
  and p50/p90/max of the trailer latency. `--warmup` movies go first and are left out of the
  figures (the first job pays for importing yt-dlp); their latency is printed as "cold".
  Every placed trailer is checked with ffprobe afterwards (a video stream, about 2 s).

Target: p50 <= 1 s (PRODUCT.md: "a trailer ... seconds after the media is imported").

Only 127.0.0.1 is contacted. Redis: a redis-server of its own on a free port. Bounded:
`--timeout` seconds per movie.

    .venv/bin/python bench/e2e_latency.py [--movies 20] [--warmup 1] [--timeout 60]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.fakes is not an installed package

import aiohttp  # noqa: E402

from app.core.config import Settings  # noqa: E402
from app.core.logs import configure_logging  # noqa: E402
from app.host import Service  # noqa: E402
from bench.common import private_redis  # noqa: E402
from tests.fakes.arr import FakeArr  # noqa: E402
from tests.fakes.videos import VideoServer, make_clip  # noqa: E402
from workers.download import probe  # noqa: E402

API_KEY = "bench-api-key"
MOVIES = "/data/media/movies"
FIXTURE = ROOT / "tests" / "fixtures" / "radarr" / "webhook_download.json"
POLL_S = 0.005
TARGET_P50_S = 1.0
CLIP_SECONDS = 2.0


@dataclass
class Sample:
    """One movie's timeline, in seconds after the webhook was sent."""

    arr_id: int
    title: str
    answer: float = 0.0
    start: float = 0.0
    download: float = 0.0
    trailer: float = 0.0
    recorded: float = 0.0
    outcome: str = ""
    reason: str = ""

    def line(self) -> str:
        """One row of the table."""
        return (
            f"{self.arr_id:>5}  {self.title:<22} {self.answer * 1000:7.1f} {self.start * 1000:7.1f}"
            f" {self.download * 1000:7.1f} {self.trailer * 1000:8.1f} {self.recorded * 1000:8.1f}"
            f"  {self.outcome}{' (' + self.reason + ')' if self.outcome != 'downloaded' else ''}"
        )


HEADER = (
    f"{'id':>5}  {'title':<22} {'answer':>7} {'start':>7} {'dl':>7} {'trailer':>8} {'recorded':>8}"
    "  outcome   (ms after the webhook was sent)"
)


def download_body(movie: dict[str, Any]) -> bytes:
    """A Radarr `Download` webhook for a FakeArr movie, in the shape of the fixture."""
    body: dict[str, Any] = copy.deepcopy(json.loads(FIXTURE.read_text(encoding="utf-8")))
    body["movie"].update(
        id=movie["id"], title=movie["title"], year=movie["year"], folderPath=movie["path"],
        tmdbId=movie["tmdbId"],
    )  # fmt: skip
    body["remoteMovie"].update(tmdbId=movie["tmdbId"], title=movie["title"], year=movie["year"])
    body["movieFile"].update(
        path=movie["movieFile"]["path"], relativePath=movie["movieFile"]["relativePath"]
    )
    return json.dumps(body, ensure_ascii=False, indent=2).encode()


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


class Bench:
    """Fake Radarr + video server + `trailarr run`, and the timed webhooks."""

    def __init__(self, work: Path, redis: str, clip: Path, timeout: float) -> None:
        self.work = work
        self.movies_root = work / "media" / "movies"
        self.redis = redis
        self.clip = clip
        self.timeout = timeout
        self.radarr = FakeArr("radarr", root_folders=[MOVIES + "/"])
        self.videos = VideoServer()
        self.service: Service | None = None
        self.http: aiohttp.ClientSession | None = None
        self.url = ""

    async def start(self) -> None:
        """Start the fakes, then Trailarr."""
        self.movies_root.mkdir(parents=True)
        await self.radarr.start()
        await self.videos.start()
        config: dict[str, Any] = {
            "data_dir": self.work / "data",
            "server": {"host": "127.0.0.1", "port": 0, "api_key": API_KEY},
            "redis": {"url": self.redis},
            "arr": [{"name": "radarr", "kind": "radarr", "url": self.radarr.url,
                     "api_key": "arr-key",
                     "path_mappings": [{"from": MOVIES, "to": str(self.movies_root)}]}],
            "trailers": {"min_duration": 1, "min_height": 0},
            "youtube": {"url_template": self.videos.url_template, "min_interval": "0s"},
        }  # fmt: skip
        settings = Settings(**config)
        self.service = Service(settings, "run")
        await self.service.start()
        self.url = f"http://127.0.0.1:{self.service.port}/webhook/radarr"
        self.http = aiohttp.ClientSession()

    async def stop(self) -> None:
        """Stop everything that started."""
        if self.http is not None:
            await self.http.close()
        if self.service is not None:
            await self.service.stop()
        await self.videos.stop()
        await self.radarr.stop()

    def add_movie(self, arr_id: int) -> tuple[dict[str, Any], Path]:
        """A movie in Radarr and on disk (folder, stand-in file), its trailer served; and where
        the trailer must appear (`suffix` layout: `<movie file stem>-trailer.mkv`)."""
        title, year = f"Bench Movie {arr_id}", 2000 + arr_id % 25
        folder = f"{title} ({year})"
        key = f"bench{arr_id:06d}"
        movie = self.radarr.add_movie(
            arr_id, title, year, f"{MOVIES}/{folder}", tmdb_id=5000 + arr_id,
            youtube_trailer_id=key,
        )  # fmt: skip
        local = self.movies_root / folder
        local.mkdir(parents=True)
        relative = movie["movieFile"]["relativePath"]
        (local / relative).write_bytes(b"movie")
        self.videos.add(key, self.clip)
        return movie, local / f"{Path(relative).stem}-trailer.mkv"

    async def one(self, movie: dict[str, Any], target: Path) -> Sample:
        """Send one webhook and follow it until its outcome is recorded."""
        assert self.http is not None and self.service is not None
        runtime = self.service.runtime
        assert runtime is not None
        sample = Sample(movie["id"], movie["title"])
        body = download_body(movie)
        outcomes = runtime.coordinator.outcomes_recorded
        sent_wall, sent = time.time(), time.perf_counter()
        async with self.http.post(
            self.url, data=body,
            headers={"Content-Type": "application/json", "X-Api-Key": API_KEY},
        ) as response:  # fmt: skip
            answer = await response.json(content_type=None)
            sample.answer = time.perf_counter() - sent
            if response.status != 202:
                sample.outcome, sample.reason = f"HTTP {response.status}", str(answer)[:120]
                return sample
        deadline = sent + self.timeout
        while time.perf_counter() < deadline:
            now = time.perf_counter()
            if not sample.trailer and target.exists():
                sample.trailer = now - sent
            if not sample.recorded and runtime.coordinator.outcomes_recorded > outcomes:
                sample.recorded = now - sent
            if sample.trailer and sample.recorded:
                break
            if sample.recorded and now - sent > sample.recorded + 1.0:
                break  # recorded without a trailer: the outcome says why
            await asyncio.sleep(POLL_S)
        rows = await runtime.store.fetch_all(
            "SELECT outcome, reason, started_at, seconds FROM job_runs"
            " WHERE instance = 'radarr' AND arr_id = ? ORDER BY id DESC LIMIT 1",
            (movie["id"],),
        )
        if rows:
            sample.outcome, sample.reason = str(rows[0]["outcome"]), str(rows[0]["reason"])[:160]
            sample.start = float(rows[0]["started_at"]) - sent_wall
            sample.download = float(rows[0]["seconds"])
        else:
            sample.outcome, sample.reason = "timeout", f"no outcome within {self.timeout:g} s"
        if not sample.trailer and sample.outcome == "downloaded":
            sample.outcome = "missing"
        return sample


async def run(args: argparse.Namespace, redis: str, work: Path) -> int:
    """Start everything, time the webhooks, print the figures; 0 when the target is met."""
    started = time.perf_counter()
    clip = make_clip(work / "clip.mp4", seconds=CLIP_SECONDS)
    bench = Bench(work, redis, clip, args.timeout)
    samples: list[Sample] = []
    cold: list[Sample] = []
    targets: list[Path] = []
    try:
        await bench.start()
        print(f"trailarr run on {bench.url}, fake Radarr {bench.radarr.url}, videos"
              f" {bench.videos.url}, redis {redis}, clip {CLIP_SECONDS:g} s H.264/AAC;"
              f" ready in {time.perf_counter() - started:.2f} s\n")  # fmt: skip
        print(HEADER)
        for n in range(1, args.warmup + args.movies + 1):
            movie, target = bench.add_movie(n)
            sample = await bench.one(movie, target)
            targets.append(target)
            (cold if n <= args.warmup else samples).append(sample)
            print(sample.line() + ("   [warm-up, not counted]" if n <= args.warmup else ""),
                  flush=True)  # fmt: skip
    finally:
        await bench.stop()

    checked = []
    for target in targets:
        has_video, duration, _ = await probe(target) if target.exists() else (False, 0.0, 0)
        checked.append(has_video and abs(duration - CLIP_SECONDS) < 0.5)
    latencies = [s.trailer for s in samples if s.trailer]
    failed = [s for s in samples if not s.trailer]
    print("\n=== summary ===")
    if cold:
        print("cold start (first job, not counted): "
              + ", ".join(f"{s.trailer * 1000:.0f} ms" for s in cold))  # fmt: skip
    if latencies:
        p50 = statistics.median(latencies)
        print(f"webhook -> trailer in place, {len(latencies)} movies one at a time:"
              f" p50 {p50 * 1000:.0f} ms  p90 {percentile(latencies, 0.9) * 1000:.0f} ms"
              f"  max {max(latencies) * 1000:.0f} ms"
              f"  min {min(latencies) * 1000:.0f} ms")  # fmt: skip
        parts = {
            "webhook answered": [s.answer for s in samples],
            "job started (queue wait)": [s.start for s in samples],
            "download+verify+place (worker)": [s.download for s in samples],
            "outcome recorded": [s.recorded for s in samples if s.recorded],
        }
        for name, values in parts.items():
            if values:
                print(f"  {name:<32} p50 {statistics.median(values) * 1000:7.1f} ms")
    else:
        p50 = float("inf")
    print(f"trailers verified with ffprobe (video stream, ~{CLIP_SECONDS:g} s):"
          f" {sum(checked)} of {len(targets)}")  # fmt: skip
    results = [
        (f"p50 {p50 * 1000:.0f} ms (target <= {TARGET_P50_S * 1000:.0f} ms)",
         p50 <= TARGET_P50_S),
        (f"every movie got its trailer ({len(samples) - len(failed)} of {len(samples)})",
         not failed),
        ("every trailer is a valid video", all(checked)),
    ]  # fmt: skip
    for text, ok in results:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    return 0 if all(ok for _, ok in results) else 1


def main() -> int:
    """Parse options and run the benchmark in a temporary directory."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--movies", type=int, default=20, help="timed webhooks, one at a time")
    parser.add_argument("--warmup", type=int, default=1, help="untimed movies first")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per movie, at most")
    parser.add_argument("--log-level", default="WARNING", help="Trailarr's log level")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed (apt-get install ffmpeg)", file=sys.stderr)
            return 2
    configure_logging(args.log_level)
    work = Path(tempfile.mkdtemp(prefix="bench-e2e-"))
    try:
        with private_redis() as redis:
            return asyncio.run(run(args, redis, work))
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
