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
from typing import Any

import structlog

from app.core.config import ConfigError, Settings, config_path, load_settings
from app.core.logs import configure_logging
from app.embedded_redis import EmbeddedRedisError

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


async def _reconcile(settings: Settings, dry_run: bool) -> int:
    from app.reconcile.sweep import reconcile_once

    return await reconcile_once(settings, dry_run=dry_run, out=sys.stdout)


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
        "reconcile": lambda: _reconcile(settings, args.dry_run),
    }
    try:
        return asyncio.run(jobs[command]())
    except (ConfigError, EmbeddedRedisError) as exc:
        print(f"trailarr: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
