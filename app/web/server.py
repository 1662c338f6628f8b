"""The aiohttp application factory: routes, the API-key guard, what runs beside the server, and
the access log.

| route | auth |
|---|---|
| `POST`/`PUT /webhook/{instance}` | key (checked by the receiver) |
| `GET /health`, `GET /ready` | none |
| `GET /`, `GET /media/{id}` | key; browsers get a Basic challenge |
| `GET`/`POST /api/...` | key |
| `GET /metrics` | key |
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.typedefs import Handler

from app.core.logs import redact
from app.web import api, pages
from app.web.auth import is_authorized
from app.web.health import ARR_CHECK_INTERVAL_S, ARR_MONITOR, ArrMonitor, health, ready
from app.web.html import message_page
from app.web.metrics import METRICS, Metrics, metrics
from app.web.state import RUNTIME, Runtime
from webhooks.receiver import MAX_BODY, receive_webhook

CHALLENGE = {"WWW-Authenticate": 'Basic realm="Trailarr"'}


def protected(handler: Handler, *, page: bool = False) -> Handler:
    """`handler` behind the API key; cross-site form posts are refused (no CSRF through Basic)."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        if not is_authorized(request, request.app[RUNTIME].api_key):
            message = "missing or wrong API key"
            if page:
                text = message_page("Unauthorized", "Sign in with the Trailarr API key "
                                    "as the password (any user name).")  # fmt: skip
                return web.Response(
                    text=text, status=401, content_type="text/html", headers=CHALLENGE
                )
            return web.json_response({"error": message}, status=401, headers=CHALLENGE)
        # Browsers resend Basic credentials on cross-site posts; they also say when they do.
        if request.method == "POST" and request.headers.get("Sec-Fetch-Site") in (
            "cross-site",
            "same-site",
        ):
            return web.json_response({"error": "cross-site request refused"}, status=403)
        return await handler(request)

    return guarded


def _page(handler: Handler) -> Handler:
    return protected(handler, page=True)


def create_app(
    runtime: Runtime, *, arr_check_interval: float = ARR_CHECK_INTERVAL_S
) -> web.Application:
    """The HTTP application over an opened runtime."""
    app = web.Application(client_max_size=MAX_BODY)
    app[RUNTIME] = runtime
    app[METRICS] = Metrics()
    app[ARR_MONITOR] = ArrMonitor(runtime.settings.arr, interval=arr_check_interval)
    app.cleanup_ctx.append(_arr_monitor)
    router = app.router
    router.add_post("/webhook/{instance}", receive_webhook)
    router.add_put("/webhook/{instance}", receive_webhook)
    router.add_get("/health", health)
    router.add_get("/ready", ready)
    router.add_get("/", _page(pages.status_page))
    router.add_get("/media/{id}", _page(pages.media_page))
    router.add_get("/metrics", protected(metrics))
    api.add_routes(app, protected)
    return app


async def _arr_monitor(app: web.Application) -> AsyncIterator[None]:
    monitor = app[ARR_MONITOR]
    monitor.start()
    yield
    await monitor.stop()


class AccessLogger(AbstractAccessLogger):
    """aiohttp's access log as structured events: method, URL (keys redacted), status, time.

    Accepted webhooks are logged at DEBUG only: each is already an `events` row and a metric,
    and a log line costs a third of what answering one does.
    """

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Log one answered request."""
        level = logging.INFO
        if response.status < 300 and request.path.startswith("/webhook/"):
            level = logging.DEBUG
        if not self.logger.isEnabledFor(level):
            return
        self.logger.log(
            level,
            "request",
            extra={
                "method": request.method,
                "url": redact(str(request.rel_url)),
                "status": response.status,
                "ms": round(time * 1000, 2),
                "remote": request.remote,
            },
        )
