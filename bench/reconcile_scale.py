"""Reconciliation at scale: 50,000 movies and 5,000 series, a first pass and an unchanged one.

What it measures
  * A fake Radarr with 50,000 movies of about 5 KB of JSON each (full `MovieResource`s from
    tests/fakes/arr.py with 10 alternate titles, serialized by `stj_dumps` as Radarr does; the
    average size is measured and printed) and a fake Sonarr with 5,000 series, both served
    gzipped (`Content-Encoding: gzip`, level 1 as ASP.NET's "Fastest") from a SUBPROCESS, so
    neither their memory nor their CPU is counted. The list bodies are built once, in parallel,
    and cached in the temporary directory (`--rebuild` builds them again).
  * `Reconciler.run_pass()` into a fresh SQLite database with a real Redis queue: the first pass
    (every media new, 90 % with a file and so queued) and a second pass with nothing changed
    (no row written; the still-missing media are offered to the queue again, which holds them
    already, so no new job appears). Wall and CPU time of each (CPU time is what to compare
    on a busy machine), the peak RSS of this process (`ru_maxrss`, which includes the
    interpreter and every import), and the longest event-loop stall during each pass (what a
    webhook answered by the same process would wait at worst).

Targets (PRODUCT.md §6 "fast and small for 50,000 movies")
  * first pass <= 10 s
  * second pass <= 5 s
  * peak RSS <= 400 MB

Only 127.0.0.1 is contacted. Redis: a redis-server of its own on a free port.

    .venv/bin/python bench/reconcile_scale.py [--movies 50000] [--series 5000] [--rebuild]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import multiprocessing
import resource
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.fakes is not an installed package

from app.core.config import Settings  # noqa: E402
from app.core.logs import configure_logging  # noqa: E402
from app.core.queue import JobQueue, connect  # noqa: E402
from app.reconcile.sweep import PassReport, Reconciler  # noqa: E402
from app.store.db import open_database  # noqa: E402
from app.store.writes import Store  # noqa: E402
from bench.common import private_redis  # noqa: E402

API_KEY = "bench-arr-key"
CACHE = Path(tempfile.gettempdir()) / "trailarr-bench-reconcile"
CACHE_VERSION = 1
SLICE = 2_000
TARGET_FIRST_S = 10.0
TARGET_SECOND_S = 5.0
TARGET_RSS_MB = 400.0
WORDS = ("Dune", "Heat", "Amélie", "Léon", "Blade Runner", "Spirited Away", "Crouching Tiger",
         "Seven", "Alien", "Oldboy", "Cinema Paradiso", "La Haine", "Das Boot", "Rashōmon",
         "8½", "Rock & Roll", "It's a Wonderful Life", "Z")  # fmt: skip


# --- the fake Arr server (runs in a subprocess) ---------------------------------------------


def movie_has_file(n: int) -> bool:
    """Nine movies in ten have a file."""
    return n % 10 != 0


def series_files(n: int) -> int:
    """Episode files of series n: none for one series in ten."""
    return 0 if n % 10 == 0 else 1 + n % 40


def build_slice(kind: str, start: int, stop: int) -> bytes:
    """Media `start..stop-1` as the inside of an indented JSON list (no brackets)."""
    from tests.fakes.arr import FakeArr
    from tests.fakes.wire import stj_dumps

    arr = FakeArr("radarr" if kind == "movie" else "sonarr")
    for n in range(start, stop):
        title = f"{WORDS[n % len(WORDS)]} {n}"
        year = 1950 + n % 75
        if kind == "movie":
            arr.add_movie(
                n, title, year, f"/data/media/movies/{title} ({year})", tmdb_id=10_000 + n,
                has_file=movie_has_file(n), alternate_titles=10,
            )  # fmt: skip
        else:
            arr.add_series(
                n, title, year, f"/data/media/tv/{title}", tmdb_id=20_000 + n,
                tvdb_id=30_000 + n, episode_file_count=series_files(n), seasons=1 + n % 8,
            )  # fmt: skip
    body = stj_dumps([arr.media[n] for n in range(start, stop)])
    return body[2:-2]  # "[\n" … "\n]": the elements at list indentation


def library_body(kind: str, count: int, rebuild: bool) -> tuple[bytes, int]:
    """The gzipped list body and its uncompressed size, from the cache or built in parallel."""
    path = CACHE / f"{kind}-{count}-v{CACHE_VERSION}.json.gz"
    meta = path.with_suffix(".size")
    if rebuild or not path.exists() or not meta.exists():
        print(f"  building {count:,} fake {kind} entries (cached in {CACHE}) ...", flush=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        bounds = [(kind, s, min(s + SLICE, count + 1)) for s in range(1, count + 1, SLICE)]
        with multiprocessing.get_context("spawn").Pool() as pool:
            parts = pool.starmap(build_slice, bounds)
        raw = b"[\n" + b",\n".join(parts) + b"\n]"
        del parts
        path.write_bytes(gzip.compress(raw, compresslevel=1, mtime=0))
        meta.write_text(str(len(raw)))
        del raw
    return path.read_bytes(), int(meta.read_text())


def serve(movies: int, series: int, rebuild: bool, pipe: Connection) -> None:
    """Serve `/api/v3/movie` and `/api/v3/series` gzipped on a free port; report it on `pipe`."""
    from aiohttp import web

    bodies = {"movie": library_body("movie", movies, rebuild),
              "series": library_body("series", series, rebuild)}  # fmt: skip

    async def library(request: web.Request) -> web.Response:
        if request.headers.get("X-Api-Key") != API_KEY:
            return web.Response(status=401)
        body, _ = bodies[request.match_info["noun"]]
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "Content-Encoding": "gzip", "Vary": "Accept-Encoding"}  # fmt: skip
        return web.Response(body=body, headers=headers)

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/api/v3/{noun:movie|series}", library)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        sizes = {noun: (len(body), raw) for noun, (body, raw) in bodies.items()}
        pipe.send((port, sizes))
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # until told to stop
        await runner.cleanup()

    asyncio.run(main())


# --- Redis ------------------------------------------------------------------------------------


# --- the measurement --------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident set so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process so far (all its threads), user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def describe(report: PassReport) -> str:
    """One line per instance: counts and seconds."""
    return "\n".join(
        f"    {i.instance}: {i.listed:,} listed, {i.new:,} new, {i.updated:,} updated,"
        f" {i.forgotten:,} forgotten, {i.queued:,} queued, {len(i.errors)} errors"
        f" ({i.seconds:.2f} s){' ' + '; '.join(i.errors) if i.errors else ''}"
        for i in report.instances
    )


class StallMeter:
    """The longest time the event loop went without running a 1 ms ticker (webhooks wait that)."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last - 0.001)
            last = now

    def __enter__(self) -> StallMeter:
        self._task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def measure(port: int, url: str, data_dir: Path) -> dict[str, Any]:
    """Two passes into a fresh database; their reports, times, RSS and write counts."""
    base = f"http://127.0.0.1:{port}"
    settings = Settings.model_validate({
        "data_dir": data_dir,
        "redis": {"url": url},
        "arr": [{"name": "radarr", "kind": "radarr", "url": base, "api_key": API_KEY},
                {"name": "sonarr", "kind": "sonarr", "url": base, "api_key": API_KEY}],
    })  # fmt: skip
    conn = await open_database(settings.database_path)
    redis = await connect(url)
    try:
        queue = JobQueue(redis)
        reconciler = Reconciler(Store(conn), queue, settings)
        result: dict[str, Any] = {"rss_start": peak_rss_mb()}
        changes = conn.total_changes
        started, cpu = time.perf_counter(), cpu_seconds()
        with StallMeter() as stall:
            result["first"] = await reconciler.run_pass()
        result["first_stall"] = stall.longest
        result["first_s"] = time.perf_counter() - started
        result["first_cpu"] = cpu_seconds() - cpu
        result["rss_first"] = peak_rss_mb()
        result["first_writes"] = conn.total_changes - changes
        changes = conn.total_changes
        result["depth_first"] = await queue.queue_depth()
        started, cpu = time.perf_counter(), cpu_seconds()
        with StallMeter() as stall:
            result["second"] = await reconciler.run_pass()
        result["second_stall"] = stall.longest
        result["second_s"] = time.perf_counter() - started
        result["second_cpu"] = cpu_seconds() - cpu
        result["rss_second"] = peak_rss_mb()
        result["second_writes"] = conn.total_changes - changes
        result["depth_second"] = await queue.queue_depth()
    finally:
        await redis.aclose()
        await conn.close()
    return result


def verdict(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


def main() -> int:
    """Build and serve the libraries, run the two passes, print figures and verdicts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movies", type=int, default=50_000)
    parser.add_argument("--series", type=int, default=5_000)
    parser.add_argument("--rebuild", action="store_true", help="build the list bodies again")
    args = parser.parse_args()
    configure_logging("WARNING")
    print("reconcile_scale: fake Radarr and Sonarr in a subprocess", flush=True)
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    server = context.Process(target=serve, args=(args.movies, args.series, args.rebuild, theirs))
    server.start()
    try:
        port, sizes = ours.recv()
        for noun, count in (("movie", args.movies), ("series", args.series)):
            zipped, raw = sizes[noun]
            print(f"  {count:,} {noun} entries: {raw / max(count, 1):,.0f} B of JSON each on"
                  f" average, {raw / 1e6:,.1f} MB, {zipped / 1e6:,.1f} MB gzipped")  # fmt: skip
        with (
            private_redis() as url,
            tempfile.TemporaryDirectory(prefix="bench-reconcile-") as tmp,
        ):
            result = asyncio.run(measure(port, url, Path(tmp)))
    finally:
        with contextlib.suppress(OSError):
            ours.send("stop")
        server.join(30)
        if server.is_alive():
            server.terminate()
            server.join()
    first: PassReport = result["first"]
    second: PassReport = result["second"]
    wanted = sum(map(movie_has_file, range(1, args.movies + 1))) + sum(
        1 for n in range(1, args.series + 1) if series_files(n)
    )
    print(
        f"\nfirst pass: {result['first_s']:.2f} s ({result['first_cpu']:.2f} s CPU),"
        f" {len(first.queued):,} queued,"
        f" {result['first_writes']:,} rows written, queue depth {result['depth_first']:,}"
    )
    print(describe(first))
    print(
        f"second pass (nothing changed): {result['second_s']:.2f} s"
        f" ({result['second_cpu']:.2f} s CPU),"
        f" {result['second_writes']:,} rows written, {len(second.queued):,} still missing"
        f" offered again, new jobs {result['depth_second'] - result['depth_first']:,}"
    )
    print(describe(second))
    print(
        f"longest event-loop stall (what a webhook arriving meanwhile waits):"
        f" {result['first_stall'] * 1000:.0f} ms in the first pass,"
        f" {result['second_stall'] * 1000:.0f} ms in the second"
    )
    print(f"peak RSS of this process: {result['rss_start']:.0f} MB before the passes,"
          f" {result['rss_first']:.0f} MB after the first, {result['rss_second']:.0f} MB"
          " after the second")  # fmt: skip
    correct = (
        first.ok and second.ok and len(first.queued) == wanted == result["depth_first"]
        and sum(i.new for i in first.instances) == args.movies + args.series
        and result["second_writes"] == 0 and result["depth_second"] == result["depth_first"]
        and not any(i.new or i.updated or i.forgotten for i in second.instances)
    )  # fmt: skip
    checks = [
        (f"first pass {result['first_s']:.2f} s <= {TARGET_FIRST_S:.0f} s",
         result["first_s"] <= TARGET_FIRST_S),
        (f"second pass {result['second_s']:.2f} s <= {TARGET_SECOND_S:.0f} s",
         result["second_s"] <= TARGET_SECOND_S),
        (f"peak RSS {result['rss_second']:.0f} MB <= {TARGET_RSS_MB:.0f} MB",
         result["rss_second"] <= TARGET_RSS_MB),
        (f"counts: {wanted:,} queued once, nothing written or queued by the second pass",
         correct),
    ]  # fmt: skip
    print()
    for label, ok in checks:
        print(f"{verdict(ok)}  {label}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
