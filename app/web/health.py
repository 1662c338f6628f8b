"""`/health` and `/ready`: liveness, and whether this Trailarr can do its work right now.

Readiness is 503 only for what stops Trailarr from working at all: Redis (no queue, no outcomes),
the database (no webhook can be accepted) or no live worker (nothing runs the jobs). An Arr
instance that does not answer is reported but leaves readiness at 200: its webhooks are still
accepted and kept, its jobs wait and retry on their own, and one Radarr being down must not take
every other instance's webhooks out of a load balancer, or get a healthy container restarted.

Arr reachability is probed in the background (`ArrMonitor`), so `/ready` answers from memory in
milliseconds even when an Arr is slow. Nothing here reports a URL or a key.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from app.core.breaker import Breaker
from app.core.config import ArrInstance, YoutubeSettings
from app.core.keys import HEALTH_CHECK_SUFFIX
from app.core.pacing import Pacer
from app.core.tasks import Background
from app.web.state import RUNTIME

ARR_CHECK_INTERVAL_S = 30.0
ARR_CHECK_TIMEOUT_S = 10.0
CHECK_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True)
class ArrStatus:
    """The last probe of one instance: ok (None before the first probe), what it said, when."""

    ok: bool | None
    detail: str
    checked_at: float = 0.0
    ms: float = 0.0

    def as_json(self) -> dict[str, Any]:
        """The JSON shape `/ready` and the status API show."""
        return {"ok": self.ok, "detail": self.detail, "checked_at": self.checked_at,
                "ms": self.ms}  # fmt: skip


class ArrMonitor:
    """Probes `GET /api/v3/system/status` of every instance every `interval` seconds."""

    def __init__(
        self,
        instances: Sequence[ArrInstance],
        interval: float = ARR_CHECK_INTERVAL_S,
        timeout: float = ARR_CHECK_TIMEOUT_S,
    ) -> None:
        self.instances = tuple(instances)
        self.interval = interval
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.status: dict[str, ArrStatus] = {
            i.name: ArrStatus(None, "not checked yet") for i in self.instances
        }
        self._session: aiohttp.ClientSession | None = None
        self._task = Background("arr-monitor")

    def start(self) -> None:
        """Start probing in the background."""
        if self.instances:
            self._session = aiohttp.ClientSession()
            self._task.start(self._run())

    async def stop(self) -> None:
        """Stop probing and close the HTTP session."""
        await self._task.stop()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(self.interval)

    async def refresh(self) -> None:
        """Probe every instance now, concurrently."""
        results = await asyncio.gather(*(self._probe(i) for i in self.instances))
        for instance, status in zip(self.instances, results, strict=True):
            self.status[instance.name] = status

    async def _probe(self, instance: ArrInstance) -> ArrStatus:
        started = time.perf_counter()
        ok, detail = await self._ask(instance)
        ms = round((time.perf_counter() - started) * 1000, 1)
        return ArrStatus(ok, detail, time.time(), ms)

    async def _ask(self, instance: ArrInstance) -> tuple[bool, str]:
        if self._session is None:
            return False, "not started"
        headers = {"X-Api-Key": instance.api_key.get_secret_value(), "Accept": "application/json"}
        try:
            async with self._session.get(
                f"{instance.url}/api/v3/system/status", headers=headers, timeout=self.timeout
            ) as response:
                if response.status in (401, 403):
                    return False, f"API key refused (HTTP {response.status})"
                if response.status != 200:
                    return False, f"HTTP {response.status}"
                body = await response.json(content_type=None)
        except TimeoutError:
            return False, f"no answer within {self.timeout.total:g} s"
        except aiohttp.ClientError as exc:
            return False, f"unreachable ({type(exc).__name__})"
        except ValueError:
            return False, "answered something that is not JSON"
        if not isinstance(body, dict):
            return False, "answered an unexpected body"
        return True, f"{body.get('appName', '?')} {body.get('version', '?')}"

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Every instance's last status, as JSON."""
        return {name: status.as_json() for name, status in self.status.items()}


ARR_MONITOR: web.AppKey[ArrMonitor] = web.AppKey("arr_monitor", ArrMonitor)


async def worker_heartbeat(redis: Redis, queue_name: str) -> dict[str, Any]:
    """Whether a worker wrote arq's health-check key lately (it expires 11 s after a beat)."""
    info = await redis.get(queue_name + HEALTH_CHECK_SUFFIX)
    if info is None:
        return {"ok": False, "detail": "no worker heartbeat in the last 11 s"}
    text = info.decode(errors="replace") if isinstance(info, bytes) else str(info)
    return {"ok": True, "detail": text[:200]}


async def youtube_status(redis: Redis, youtube: YoutubeSettings) -> dict[str, Any]:
    """YouTube's breaker and pace as `/api/status` shows them under `sources.youtube`."""
    breaker = Breaker(redis, "youtube", youtube.cooldown_seconds, youtube.max_cooldown_seconds)
    pacer = Pacer(redis, "youtube", youtube.min_interval_seconds, youtube.max_per_hour)
    status = await breaker.status()
    return {
        "state": str(status.state),
        "until": status.until,
        "trips": status.trips,
        "last_class": status.last_class,
        "last_error": status.last_error,
        "pace_per_hour": round(await pacer.pace_per_hour(), 1),
    }


async def _timed(check: Awaitable[Any]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await check
    except TimeoutError:
        return {"ok": False, "detail": f"no answer within {CHECK_TIMEOUT_S:g} s"}
    except Exception as exc:
        return {"ok": False, "detail": f"unavailable ({type(exc).__name__})"}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 2)}


async def _heartbeat_check(redis: Redis, queue_name: str) -> dict[str, Any]:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            return await worker_heartbeat(redis, queue_name)
    except Exception as exc:
        return {"ok": False, "detail": f"cannot read the heartbeat ({type(exc).__name__})"}


async def health(request: web.Request) -> web.Response:
    """Liveness: 200 while the process serves."""
    return web.json_response({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    """Readiness: Redis, database and a worker heartbeat decide 200 or 503; each Arr is shown."""
    runtime = request.app[RUNTIME]
    redis = runtime.queue.redis
    started = time.perf_counter()
    redis_check, database_check, worker_check = await asyncio.gather(
        _timed(redis.ping()),
        _timed(runtime.store.fetch_all("SELECT 1")),
        _heartbeat_check(redis, runtime.queue.queue_name),
    )
    checks: dict[str, Any] = {"redis": redis_check, "database": database_check,
                              "worker": worker_check}  # fmt: skip
    failing = [name for name, check in checks.items() if not check["ok"]]
    checks["arr"] = request.app[ARR_MONITOR].snapshot()
    body = {
        "status": "fail" if failing else "ok",
        "failing": failing,
        "checks": checks,
        "ms": round((time.perf_counter() - started) * 1000, 2),
    }
    return web.json_response(body, status=503 if failing else 200)
