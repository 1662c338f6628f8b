"""`GET /` and `GET /media/{id}`: the operator's pages, rendered on the server."""

from __future__ import annotations

from aiohttp import web

from app.store import reads
from app.web import html
from app.web.state import RUNTIME
from app.web.summary import status_summary

HTML = "text/html"


async def status_page(request: web.Request) -> web.Response:
    """The status page: counts, queue, worker, YouTube, failures to retry, latest activity."""
    runtime = request.app[RUNTIME]
    summary = await status_summary(runtime)
    attention = await reads.needing_attention(runtime.store)
    jobs = await reads.latest_jobs(runtime.store)
    events = await reads.latest_events(runtime.store)
    text = html.status_page(summary, attention, jobs, events)
    return web.Response(text=text, content_type=HTML, headers={"Cache-Control": "no-store"})


async def media_page(request: web.Request) -> web.Response:
    """One media item with every candidate considered and why the chosen one won."""
    raw = request.match_info["id"]
    detail = None
    if raw.isascii() and raw.isdigit() and len(raw) <= 18:
        detail = await reads.media_detail(request.app[RUNTIME].store, int(raw))
    if detail is None:
        text = html.message_page("Not found", f"No media with id {raw[:40]}.")
        return web.Response(text=text, status=404, content_type=HTML)
    text = html.media_page(detail)
    return web.Response(text=text, content_type=HTML, headers={"Cache-Control": "no-store"})
