"""The process host of `trailarr run` and `trailarr web`: opens and closes everything they hold."""

from __future__ import annotations

import contextlib
import logging
from typing import Literal

import structlog
from aiohttp import web

from app.coordinator import Coordinator, Intake
from app.core.config import Settings
from app.core.errors import ConfigError
from app.core.queue import JobQueue, connect
from app.core.tasks import Background
from app.embedded_redis import EmbeddedRedis
from app.reconcile.sweep import Reconciler
from app.store.db import open_database
from app.store.writes import Store
from app.web.auth import resolve_api_key
from app.web.server import AccessLogger, create_app
from app.web.state import Runtime
from workers.jobs import build_worker, stop_worker

log = structlog.get_logger("trailarr.service")
access_logger = logging.getLogger("aiohttp.access")


class Service:
    """`trailarr run` (web + coordinator + one worker) or `trailarr web` (web + coordinator).

    Everything `start` opens is pushed onto one exit stack as it is opened, so `stop` (or a
    start that fails half-way) closes exactly what was opened, in the reverse order: the passes
    and the worker, then the HTTP server (it stops accepting and lets running handlers finish),
    then the intake (it records what they handed it) and the coordinator, then Redis and SQLite.
    """

    def __init__(
        self,
        settings: Settings,
        mode: Literal["run", "web"] = "run",
        reconcile_delay: float | None = 10.0,
    ) -> None:
        self.settings = settings
        self.mode = mode
        # Seconds from start-up to the first reconciliation pass; None: no periodic passes.
        self.reconcile_delay = reconcile_delay
        self.redis_url = settings.redis.url.get_secret_value()
        self.runtime: Runtime | None = None
        self.runner: web.AppRunner | None = None
        self.port = 0
        self._stack = contextlib.AsyncExitStack()

    async def start(self) -> None:
        """Open Redis, SQLite, the coordinator, the HTTP server and (for `run`) a worker."""
        try:
            await self._start(self._stack)
        except BaseException:
            await self.stop()
            raise

    async def _start(self, stack: contextlib.AsyncExitStack) -> None:
        settings = self.settings
        if not self.redis_url:
            if self.mode == "web":
                raise ConfigError(
                    "redis.url: `trailarr web` needs a Redis that its workers share; set"
                    " [redis] url or TRAILARR_REDIS__URL (or use `trailarr run`)"
                )
            embedded = EmbeddedRedis(settings.data_dir)
            stack.push_async_callback(embedded.stop)
            self.redis_url = await embedded.start()
            log.info("embedded redis-server started", socket=str(embedded.socket))
        conn = await open_database(settings.database_path)
        stack.push_async_callback(conn.close)
        store = Store(conn)
        stack.push_async_callback(store.close)
        await store.start()
        redis = await connect(self.redis_url)
        stack.push_async_callback(redis.aclose)
        queue = JobQueue(redis)
        api_key, key_file = resolve_api_key(settings)
        coordinator = Coordinator(store, queue)
        intake = Intake(store, queue, on_enqueue_failed=coordinator.request_sweep)
        reconciler = Reconciler(store, queue, settings)
        self.runtime = Runtime(settings, api_key, store, queue, intake, coordinator, reconciler)
        stack.callback(setattr, self, "runtime", None)
        coordinator.start()
        stack.push_async_callback(coordinator.stop)
        intake.start()
        stack.push_async_callback(intake.stop)
        self.runner = runner = web.AppRunner(
            create_app(self.runtime), access_log_class=AccessLogger, access_log=access_logger
        )
        await runner.setup()
        stack.callback(setattr, self, "runner", None)
        stack.push_async_callback(runner.cleanup)
        site = web.TCPSite(runner, settings.server.host, settings.server.port)
        await site.start()
        self.port = _bound_port(runner, settings.server.port)
        if self.mode == "run":
            worker = build_worker(settings, self.redis_url, handle_signals=False)
            worker_task = Background("worker")
            worker_task.start(worker.async_run())
            stack.push_async_callback(worker_task.stop)
            stack.push_async_callback(stop_worker, worker)
        if self.reconcile_delay is not None:
            # On start-up and every interval (PRODUCT.md §6); skipped while `trailarr reconcile`
            # holds the cross-process lock. A pass cut short rolls back and runs again later.
            passes = Background("reconcile")
            passes.start(
                reconciler.run_periodically(settings.reconcile.seconds, self.reconcile_delay)
            )
            stack.push_async_callback(passes.stop)
        log.info(
            "trailarr started", mode=self.mode, host=settings.server.host, port=self.port,
            data_dir=str(settings.data_dir.resolve()),
            api_key_file=str(key_file) if key_file else "(from configuration)",
            instances=[instance.name for instance in settings.arr],
        )  # fmt: skip

    async def stop(self) -> None:
        """Stop the passes and the worker, stop accepting, finish recording, close everything;
        idempotent."""
        await self._stack.aclose()


def _bound_port(runner: web.AppRunner, configured: int) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return configured
