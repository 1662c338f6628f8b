"""The process host of `trailarr run` and `trailarr web`: opens and closes everything they hold."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Literal

import aiosqlite
import structlog
from aiohttp import web
from arq.connections import ArqRedis
from arq.worker import Worker

from app.coordinator import Coordinator, Intake
from app.core.config import Settings
from app.core.errors import ConfigError
from app.core.queue import JobQueue, connect
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
    """`trailarr run` (web + coordinator + one worker) or `trailarr web` (web + coordinator)."""

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
        self.reconcile_task: asyncio.Task[None] | None = None
        self.embedded: EmbeddedRedis | None = None
        self.redis_url = settings.redis.url.get_secret_value()
        self.conn: aiosqlite.Connection | None = None
        self.store: Store | None = None
        self.redis: ArqRedis | None = None
        self.runtime: Runtime | None = None
        self.runner: web.AppRunner | None = None
        self.worker: Worker | None = None
        self.worker_task: asyncio.Task[None] | None = None
        self.port = 0

    async def start(self) -> None:
        """Open Redis, SQLite, the coordinator, the HTTP server and (for `run`) a worker."""
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        settings = self.settings
        if not self.redis_url:
            if self.mode == "web":
                raise ConfigError(
                    "redis.url: `trailarr web` needs a Redis that its workers share; set"
                    " [redis] url or TRAILARR_REDIS__URL (or use `trailarr run`)"
                )
            self.embedded = EmbeddedRedis(settings.data_dir)
            self.redis_url = await self.embedded.start()
            log.info("embedded redis-server started", socket=str(self.embedded.socket))
        self.conn = await open_database(settings.database_path)
        self.store = store = Store(self.conn)
        await store.start()
        self.redis = await connect(self.redis_url)
        queue = JobQueue(self.redis)
        api_key, key_file = resolve_api_key(settings)
        coordinator = Coordinator(store, queue)
        intake = Intake(store, queue, on_enqueue_failed=coordinator.request_sweep)
        reconciler = Reconciler(store, queue, settings)
        self.runtime = Runtime(settings, api_key, store, queue, intake, coordinator, reconciler)
        self.runtime.intake.start()
        self.runtime.coordinator.start()
        self.runner = web.AppRunner(
            create_app(self.runtime), access_log_class=AccessLogger, access_log=access_logger
        )
        await self.runner.setup()
        site = web.TCPSite(self.runner, settings.server.host, settings.server.port)
        await site.start()
        self.port = _bound_port(self.runner, settings.server.port)
        if self.mode == "run":
            self.worker = build_worker(settings, self.redis_url, handle_signals=False)
            self.worker_task = asyncio.create_task(self.worker.async_run(), name="worker")
        if self.reconcile_delay is not None:
            # On start-up and every interval (PRODUCT.md §6); skipped while `trailarr reconcile`
            # holds the cross-process lock.
            self.reconcile_task = asyncio.create_task(
                reconciler.run_periodically(settings.reconcile.seconds, self.reconcile_delay),
                name="reconcile",
            )
        log.info(
            "trailarr started", mode=self.mode, host=settings.server.host, port=self.port,
            data_dir=str(settings.data_dir.resolve()),
            api_key_file=str(key_file) if key_file else "(from configuration)",
            instances=[instance.name for instance in settings.arr],
        )  # fmt: skip

    async def stop(self) -> None:
        """Stop accepting, finish recording, stop the worker, close everything; idempotent."""
        if self.runner is not None:
            await self.runner.shutdown()
        if self.reconcile_task is not None:
            self.reconcile_task.cancel()  # a pass cut short rolls back and runs again later
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.reconcile_task
            self.reconcile_task = None
        if self.runtime is not None:
            await self.runtime.intake.stop()
        if self.worker is not None:
            await stop_worker(self.worker)
            self.worker = None
        if self.worker_task is not None:
            self.worker_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.worker_task
            self.worker_task = None
        if self.runtime is not None:
            await self.runtime.coordinator.stop()
            self.runtime = None
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        if self.redis is not None:
            await self.redis.aclose()
            self.redis = None
        if self.store is not None:
            await self.store.close()
            self.store = None
        if self.conn is not None:
            await self.conn.close()
            self.conn = None
        if self.embedded is not None:
            await self.embedded.stop()
            self.embedded = None


def _bound_port(runner: web.AppRunner, configured: int) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return configured
