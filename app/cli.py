"""The `trailarr` command: run, web, worker, check, reconcile."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import structlog

from app.core.config import Settings, config_path, load_settings
from app.core.errors import ConfigError, EmbeddedRedisError
from app.core.logs import configure_logging

if TYPE_CHECKING:
    from app.reconcile.sweep import PassReport

log = structlog.get_logger("trailarr")


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


# Each command imports what it runs only when it runs: `trailarr worker` must not load the web
# surface or the database driver (tests/test_layout.py checks it).


async def _serve(settings: Settings, mode: str) -> int:
    from app.host import Service

    stop = _stop_event()
    service = Service(settings, "web" if mode == "web" else "run")
    try:
        await service.start()
        await stop.wait()
        log.info("shutting down")
    finally:
        await service.stop()
    return 0


async def _worker(settings: Settings) -> int:
    from workers.jobs import run_worker

    await run_worker(settings, _stop_event())
    return 0


async def _check(settings: Settings) -> int:
    from app.checks import run_checks

    results = await run_checks(settings)
    for ok, name, detail in results:
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    return 0 if all(ok for ok, _, _ in results) else 1


async def reconcile_once(settings: Settings, *, dry_run: bool, out: TextIO) -> int:
    """`trailarr reconcile [--dry-run]`: one pass from the command line, printed.

    Returns 0 when every instance was reconciled, 1 when one failed, Redis could not be reached
    or another pass was running (the pass is then skipped, not waited for).

    The command runs in its own process, whether or not the service is running, and opens the
    database itself. That is within the one-writer rule, whose point is that workers never need
    the database: this is the coordinator's own code path, run under the same cross-process Redis
    lock as the service's periodic pass, so the two never reconcile at once. SQLite in WAL mode
    lets the service read meanwhile, and every write here is a BEGIN IMMEDIATE transaction of at
    most WRITE_BATCH rows (app/store/library.py) that waits (busy_timeout) for the service's
    short ones, so a webhook is at worst delayed by a fraction of a second, never lost.

    A dry run needs no Redis. A real pass needs the configured Redis URL: the embedded
    redis-server of `trailarr run` is private to that process.
    """
    from redis.exceptions import RedisError

    from app.core.queue import JobQueue, connect
    from app.reconcile.sweep import Reconciler
    from app.store.db import open_database
    from app.store.writes import Store

    url = settings.redis.url.get_secret_value()
    if not dry_run and not url:
        raise ConfigError(
            "redis.url: `trailarr reconcile` queues jobs in the service's Redis, and the embedded"
            " one of `trailarr run` is private. Use `POST /api/reconcile` on the running service,"
            " set [redis] url (or TRAILARR_REDIS__URL), or try `trailarr reconcile --dry-run`"
        )
    conn = await open_database(settings.database_path)
    redis = None
    try:
        queue = None
        if not dry_run:
            try:
                redis = await connect(url)
            except (RedisError, OSError) as exc:
                print(f"trailarr reconcile: Redis unavailable: {exc}", file=out)
                return 1
            queue = JobQueue(redis)
        report = await Reconciler(Store(conn), queue, settings).run_pass(dry_run=dry_run)
    finally:
        if redis is not None:
            await redis.aclose()
        await conn.close()
    print_report(report, out)
    return 0 if report.ok else 1


def print_report(report: PassReport, out: TextIO) -> None:
    """The queued items, one line each, then a summary line per instance."""
    verb = "would queue" if report.dry_run else "queued"
    if report.skipped:
        print(f"skipped: {report.skipped}", file=out)
        return
    for instance, _, title, path in report.queued:
        print(f"{verb}  {instance}  {title}  {path}", file=out)
    for result in report.instances:
        print(
            f"{result.instance}: {result.listed} listed, {result.new} new,"
            f" {result.updated} updated, {result.forgotten} forgotten, {verb} {result.queued},"
            f" {len(result.errors)} errors ({result.seconds:.2f} s)",
            file=out,
        )
        for error in result.errors:
            print(f"{result.instance}: error: {error}", file=out)
    note = " (dry run: nothing written, nothing queued)" if report.dry_run else ""
    print(f"pass finished in {report.seconds:.2f} s{note}", file=out)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `trailarr` console script."""
    parser = argparse.ArgumentParser(prog="trailarr", description=__doc__)
    parser.add_argument("--config", type=Path, help="config.toml (default: $TRAILARR_CONFIG "
                        "or <data dir>/config.toml)")  # fmt: skip
    parser.add_argument("--log-level", default="INFO")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="HTTP server, coordinator and one worker (default)")
    commands.add_parser("web", help="HTTP server and coordinator only")
    commands.add_parser("worker", help="an arq worker only")
    commands.add_parser("check", help="validate the configuration and the environment")
    reconcile = commands.add_parser(
        "reconcile", help="one reconciliation pass: queue every media item without a trailer"
    )
    reconcile.add_argument(
        "--dry-run", action="store_true",
        help="print what would be queued; write nothing, need no Redis",
    )  # fmt: skip
    args = parser.parse_args(argv)
    command = args.command or "run"
    # yt-dlp looks for its JS runtime (the `deno` package) on PATH; a venv's bin may not be there.
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    configure_logging(args.log_level)
    path = args.config or config_path()
    if command == "run" and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(__file__).with_name("example_config.toml"), path)
        log.info("wrote an example configuration; add your Radarr and Sonarr there",
                 path=str(path))  # fmt: skip
    try:
        settings = load_settings(path)
    except ConfigError as exc:
        print(f"trailarr: {exc}", file=sys.stderr)
        return 2
    jobs: dict[str, Callable[[], Coroutine[Any, Any, int]]] = {
        "run": lambda: _serve(settings, "run"),
        "web": lambda: _serve(settings, "web"),
        "worker": lambda: _worker(settings),
        "check": lambda: _check(settings),
        "reconcile": lambda: reconcile_once(settings, dry_run=args.dry_run, out=sys.stdout),
    }
    try:
        return asyncio.run(jobs[command]())
    except (ConfigError, EmbeddedRedisError) as exc:
        print(f"trailarr: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
