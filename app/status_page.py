"""`GET /` and `GET /media/{id}`: the operator's pages, rendered on the server."""

from __future__ import annotations

from aiohttp import web

from app import overview, templates
from app.runtime import RUNTIME

HTML = "text/html"


async def status_page(request: web.Request) -> web.Response:
    """The status page: counts, queue, worker, cool-down, failures to retry, latest activity."""
    runtime = request.app[RUNTIME]
    summary = await overview.status_summary(runtime)
    attention = await overview.needing_attention(runtime)
    jobs = await overview.latest_jobs(runtime)
    events = await overview.latest_events(runtime)
    text = templates.status_page(summary, attention, jobs, events)
    return web.Response(text=text, content_type=HTML, headers={"Cache-Control": "no-store"})


async def media_page(request: web.Request) -> web.Response:
    """One media item with every candidate considered and why the chosen one won."""
    raw = request.match_info["id"]
    detail = None
    if raw.isascii() and raw.isdigit() and len(raw) <= 18:
        detail = await overview.media_detail(request.app[RUNTIME], int(raw))
    if detail is None:
        text = templates.message_page("Not found", f"No media with id {raw[:40]}.")
        return web.Response(text=text, status=404, content_type=HTML)
    text = templates.media_page(detail)
    return web.Response(text=text, content_type=HTML, headers={"Cache-Control": "no-store"})
