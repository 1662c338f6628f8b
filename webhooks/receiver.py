"""`POST`/`PUT /webhook/{instance}`: check, parse, record durably, queue, answer fast."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from app.core.errors import PayloadError
from app.core.records import Action
from app.store.writes import Incoming
from app.web.auth import is_authorized
from app.web.metrics import METRICS
from app.web.state import RUNTIME
from webhooks.events import parse_webhook

MAX_BODY = 1024 * 1024
EVENT_TYPE: web.RequestKey[str] = web.RequestKey("event_type", str)


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status=status)


async def receive_webhook(request: web.Request) -> web.Response:
    """Answer as PRODUCT.md §3 says; a 202 only once the event is committed to SQLite."""
    response = await _receive(request)
    metrics = request.app.get(METRICS)
    if metrics is not None:
        known = response.status not in (401, 404)  # else the name may be anything a client sent
        instance = request.match_info["instance"] if known else None
        metrics.count_webhook(instance, request.get(EVENT_TYPE), response.status)
    return response


async def _receive(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    name = request.match_info["instance"]
    if not is_authorized(request, runtime.api_key):  # first, so names don't leak
        return _error(401, "missing or wrong API key")
    instance = runtime.settings.instance(name)
    if instance is None:
        return _error(404, f"unknown instance {name!r}")
    if request.content_length is not None and request.content_length > MAX_BODY:
        return _error(413, f"body over {MAX_BODY} bytes")
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _error(413, f"body over {MAX_BODY} bytes")
    try:
        event = parse_webhook(body, instance.kind)
    except PayloadError as exc:
        return _error(400, str(exc))
    request[EVENT_TYPE] = event.event_type
    if event.action is Action.TEST:
        return _json({"status": "ok", "message": "Trailarr received the test"})
    recorded = await runtime.intake.submit(Incoming(name, event))
    if recorded.job is None:
        status = "ignored" if event.action is Action.IGNORE else "recorded"
        return _json({"status": status, "event_id": recorded.event_id})
    return _json(
        {"status": "queued", "event_id": recorded.event_id, "job_id": recorded.job.job_id},
        status=202,
    )
