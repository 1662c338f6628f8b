"""The aiohttp application factory and its small routes."""

from __future__ import annotations

import time

from aiohttp import web

from app.runtime import RUNTIME, Runtime
from webhooks.receiver import MAX_BODY, receive_webhook


async def health(request: web.Request) -> web.Response:
    """Liveness: 200 while the process serves."""
    return web.json_response({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    """Readiness: Redis and the database answer."""
    runtime = request.app[RUNTIME]
    checks: dict[str, dict[str, object]] = {}
    started = time.perf_counter()
    try:
        await runtime.queue.redis.ping()
        checks["redis"] = {"ok": True}
    except Exception as exc:
        checks["redis"] = {"ok": False, "error": type(exc).__name__}
    try:
        await runtime.store.fetch_all("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    ok = all(check["ok"] for check in checks.values())
    body = {"status": "ok" if ok else "fail", "checks": checks,
            "ms": round((time.perf_counter() - started) * 1000, 2)}  # fmt: skip
    return web.json_response(body, status=200 if ok else 503)


def create_app(runtime: Runtime) -> web.Application:
    """The HTTP application over an opened runtime."""
    app = web.Application(client_max_size=MAX_BODY)
    app[RUNTIME] = runtime
    app.router.add_post("/webhook/{instance}", receive_webhook)
    app.router.add_put("/webhook/{instance}", receive_webhook)
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    return app
