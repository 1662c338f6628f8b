"""The JSON API under `/api/` and the operator's actions: retry, pin a trailer, reconcile.

Retry and pin go through the same path as a webhook (`Intake.submit` with an operator event), so
they are durable like one: the event is committed before the answer, its job is queued again by
the coordinator if Redis loses it, and a job that was already running when the operator acted
runs once more afterwards with what the operator asked for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler

from app.core.errors import BadRequest
from app.core.records import Action, MediaRef, ParsedEvent
from app.core.tasks import Background
from app.store import reads
from app.store.writes import Incoming
from app.web.state import RUNTIME, Runtime
from app.web.summary import status_summary

MAX_LIMIT = 500
MAX_URL = 2048
RETRY_EVENT = "Retry"
PIN_EVENT = "PinTrailer"


class Reconciling(Protocol):
    """What `POST /api/reconcile` needs of the reconciler."""

    def run_pass(self) -> Awaitable[object]:
        """One full pass over every instance's library."""


RECONCILE_TASK: web.AppKey[Background] = web.AppKey("reconcile_task", Background)


def error(status: int, message: str) -> web.Response:
    """A JSON error answer."""
    return web.json_response({"error": message}, status=status)


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high]; BadRequest otherwise."""
    raw = request.query.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer, got {raw[:40]!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return value


def media_id(request: web.Request) -> int | None:
    """The `{id}` of the URL as an int; None when it cannot be one (then no media has it)."""
    raw = request.match_info["id"]
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


def no_media(request: web.Request) -> web.Response:
    """404 for an id no media has."""
    return error(404, f"no media with id {request.match_info['id'][:40]!r}")


async def find_media(request: web.Request) -> dict[str, Any] | None:
    """The media row the URL names, or None."""
    wanted = media_id(request)
    return None if wanted is None else await reads.media_row(request.app[RUNTIME].store, wanted)


async def status(request: web.Request) -> web.Response:
    """`GET /api/status`: counts per instance and status, queue, worker, sources (YouTube)."""
    return web.json_response(await status_summary(request.app[RUNTIME]))


async def media_list(request: web.Request) -> web.Response:
    """`GET /api/media?state=&instance=&q=&limit=&offset=`: filtered, paged, with the total."""
    try:
        limit = query_int(request, "limit", 50, 1, MAX_LIMIT)
        offset = query_int(request, "offset", 0, 0, 10**9)
    except BadRequest as exc:
        return error(400, str(exc))
    page = await reads.list_media(
        request.app[RUNTIME].store,
        status=request.query.get("state", ""),
        instance=request.query.get("instance", ""),
        text=request.query.get("q", ""),
        limit=limit,
        offset=offset,
    )
    return web.json_response(page)


async def media_one(request: web.Request) -> web.Response:
    """`GET /api/media/{id}`: the row and its decision history, newest first."""
    wanted = media_id(request)
    detail = (
        None if wanted is None else await reads.media_detail(request.app[RUNTIME].store, wanted)
    )
    if detail is None:
        return no_media(request)
    return web.json_response(detail)


async def events(request: web.Request) -> web.Response:
    """`GET /api/events?limit=`: the newest events."""
    try:
        limit = query_int(request, "limit", 50, 1, MAX_LIMIT)
    except BadRequest as exc:
        return error(400, str(exc))
    return web.json_response(await reads.latest_events(request.app[RUNTIME].store, limit))


async def jobs(request: web.Request) -> web.Response:
    """`GET /api/jobs?limit=`: the newest job runs."""
    try:
        limit = query_int(request, "limit", 50, 1, MAX_LIMIT)
    except BadRequest as exc:
        return error(400, str(exc))
    return web.json_response(await reads.latest_jobs(request.app[RUNTIME].store, limit))


def wants_html(request: web.Request) -> bool:
    """Whether the request came from a page's form rather than an API client."""
    return "text/html" in request.headers.get("Accept", "") or request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    )


def _back_to(form: Any) -> str:
    """Where a form asked to go back to: a local path only, never another site."""
    back = str(form.get("back", "/")) if form is not None else "/"
    return back if back.startswith("/") and not back.startswith("//") else "/"


def _answer(request: web.Request, body: dict[str, Any], form: Any) -> web.StreamResponse:
    if wants_html(request):
        raise web.HTTPSeeOther(_back_to(form))
    return web.json_response(body, status=202)


async def queue_again(runtime: Runtime, media: dict[str, Any], event_type: str) -> dict[str, Any]:
    """Record an operator event for the media and queue its job, as a webhook would."""
    ref = MediaRef(
        kind=media["kind"], arr_id=int(media["arr_id"]), title=media["title"],
        year=int(media["year"]), folder=media["folder"], tmdb_id=int(media["tmdb_id"]),
    )  # fmt: skip
    what = "retry" if event_type == RETRY_EVENT else "trailer pinned"
    event = ParsedEvent(
        event_type=event_type, action=Action.ENSURE, media=ref,
        summary=f"{event_type}: {media['title']} ({media['year']}), {what} by the operator",
    )  # fmt: skip
    recorded = await runtime.intake.submit(Incoming(media["instance"], event))
    job_id = recorded.job.job_id if recorded.job else None
    return {"status": "queued", "media_id": media["id"], "event_id": recorded.event_id,
            "job_id": job_id}  # fmt: skip


async def _read_form(request: web.Request) -> Any:
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return await request.post()
    return None


async def retry(request: web.Request) -> web.StreamResponse:
    """`POST /api/media/{id}/retry`: clear the backoff and queue the job now.

    A form post (from the status page) is answered 303 back to the page; an API call 202 JSON.
    """
    runtime = request.app[RUNTIME]
    form = await _read_form(request)
    media = await find_media(request)
    if media is None:
        return no_media(request)
    await runtime.store.clear_backoff(media["id"])
    return _answer(request, await queue_again(runtime, media, RETRY_EVENT), form)


def check_pin_url(value: object) -> str:
    """The URL to pin, stripped; BadRequest unless it is an absolute http(s) URL."""
    if not isinstance(value, str) or not value.strip():
        raise BadRequest("'url' must be a non-empty string")
    url = value.strip()
    if len(url) > MAX_URL:
        raise BadRequest(f"'url' is longer than {MAX_URL} characters")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise BadRequest("'url' must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise BadRequest(f"'url' is not a valid URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise BadRequest("'url' must be an http:// or https:// URL with a host")
    return url


async def _pin_body(request: web.Request, form: Any) -> object:
    if form is not None:
        return form.get("url")
    try:
        body = await request.json()
    except ValueError:
        raise BadRequest('the body must be JSON: {"url": "https://..."}') from None
    if not isinstance(body, dict):
        raise BadRequest('the body must be a JSON object: {"url": "https://..."}')
    return body.get("url")


async def pin_trailer(request: web.Request) -> web.StreamResponse:
    """`POST /api/media/{id}/trailer` `{"url": ...}`: pin a video and queue the job.

    A pinned URL beats every other candidate. It replaces a trailer Trailarr wrote, never a file
    the user put there (the worker keeps that and records it as present).
    """
    runtime = request.app[RUNTIME]
    form = await _read_form(request)
    try:
        url = check_pin_url(await _pin_body(request, form))
    except BadRequest as exc:
        return error(400, str(exc))
    media = await find_media(request)
    if media is None:
        return no_media(request)
    await runtime.store.pin(media["id"], url)
    answer = await queue_again(runtime, media, PIN_EVENT)
    return _answer(request, {**answer, "pinned_url": url}, form)


async def reconcile(request: web.Request) -> web.Response:
    """`POST /api/reconcile`: start a full pass in the background (202), if a reconciler runs."""
    reconciler: Reconciling | None = getattr(request.app[RUNTIME], "reconciler", None)
    if reconciler is None:
        return error(503, "reconciliation is not available in this process")
    task = request.app[RECONCILE_TASK]
    if task.running:
        return error(409, "a reconcile pass is already running")

    async def run() -> object:
        return await reconciler.run_pass()

    task.start(run())
    return web.json_response({"status": "started"}, status=202)


async def stop_reconcile(app: web.Application) -> None:
    """Cancel a pass started through the API when the application stops."""
    await app[RECONCILE_TASK].stop()


def add_routes(app: web.Application, guard: Callable[[Handler], Handler]) -> None:
    """Register every `/api/` route, each wrapped by `guard` (the API key check)."""
    app[RECONCILE_TASK] = Background("reconcile-pass")
    app.on_cleanup.append(stop_reconcile)
    router = app.router
    router.add_get("/api/status", guard(status))
    router.add_get("/api/media", guard(media_list))
    router.add_get("/api/media/{id}", guard(media_one))
    router.add_get("/api/events", guard(events))
    router.add_get("/api/jobs", guard(jobs))
    router.add_post("/api/media/{id}/retry", guard(retry))
    router.add_post("/api/media/{id}/trailer", guard(pin_trailer))
    router.add_post("/api/reconcile", guard(reconcile))
