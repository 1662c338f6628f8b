"""The typed state an aiohttp application carries."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from app.coordinator import Coordinator, Intake
from app.core.config import Settings
from app.core.queue import JobQueue
from app.reconcile.sweep import Reconciler
from app.store.writes import Store


@dataclass
class Runtime:
    """Everything a request handler may need, opened and closed by the service."""

    settings: Settings
    api_key: str
    store: Store
    queue: JobQueue
    intake: Intake
    coordinator: Coordinator
    reconciler: Reconciler | None = None


RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime", Runtime)
