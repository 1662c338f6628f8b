"""What the operator sees, read from SQLite and Redis: counts, media, decisions, events, jobs.

Shared by the JSON API, the status page and the metrics. A media item's *status* is its recorded
state, except that a trailer in place is `downloaded` when Trailarr wrote it and `present` when
the user did, and that media whose job a worker is running right now is `downloading`.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from arq.constants import in_progress_key_prefix
from redis.exceptions import RedisError

from app.health import worker_heartbeat, youtube_cooldown
from app.queue import ensure_job_id
from app.runtime import Runtime

STATUS_SQL = (
    "CASE WHEN state IN ('present', 'downloaded')"
    " THEN CASE WHEN trailer_ours = 1 THEN 'downloaded' ELSE 'present' END ELSE state END"
)
MAIN_STATUSES = ("present", "downloaded", "queued", "downloading", "failed", "no_trailer")
ATTENTION_STATES = ("failed", "no_trailer", "refused")
RUNNING_SCAN_LIMIT = 10_000

_MEDIA_COLUMNS = (
    "id, instance, kind, arr_id, title, year, folder, tmdb_id, state, reason, trailer_path,"
    f" trailer_ours, pinned_url, failures, retry_after, updated_at, {STATUS_SQL} AS status"
)


async def running_jobs(runtime: Runtime) -> set[tuple[str, int]]:
    """(instance, arr id) of every job a worker is running now, from arq's in-progress keys."""
    redis = runtime.queue.redis
    raw = await redis.zrange(runtime.queue.queue_name, 0, RUNNING_SCAN_LIMIT - 1)
    job_ids = [item.decode() if isinstance(item, bytes) else str(item) for item in raw]
    if not job_ids:
        return set()
    async with redis.pipeline(transaction=False) as pipe:
        for job_id in job_ids:
            pipe.exists(in_progress_key_prefix + job_id)
        running = await pipe.execute()
    found = set()
    for job_id, is_running in zip(job_ids, running, strict=True):
        kind, _, rest = job_id.partition(":")
        instance, _, arr_id = rest.rpartition(":")
        if is_running and kind == "ensure" and arr_id.isdigit():
            found.add((instance, int(arr_id)))
    return found


async def media_counts(
    runtime: Runtime, running: set[tuple[str, int]] | None = None
) -> dict[str, dict[str, int]]:
    """Media per instance and status; every configured instance appears, with zeros."""
    counts: dict[str, dict[str, int]] = {
        i.name: dict.fromkeys(MAIN_STATUSES, 0) for i in runtime.settings.arr
    }
    rows = await runtime.store.fetch_all(
        f"SELECT instance, {STATUS_SQL} AS status, COUNT(*) AS n FROM media"
        " GROUP BY instance, status"
    )
    for row in rows:
        per = counts.setdefault(row["instance"], dict.fromkeys(MAIN_STATUSES, 0))
        per[row["status"]] = per.get(row["status"], 0) + int(row["n"])
    for instance, arr_id in running or ():
        found = await runtime.store.fetch_all(
            f"SELECT {STATUS_SQL} AS status FROM media WHERE instance = ? AND arr_id = ?",
            (instance, arr_id),
        )
        if found and instance in counts:
            status = found[0]["status"]
            counts[instance][status] = max(0, counts[instance].get(status, 0) - 1)
            counts[instance]["downloading"] += 1
    return counts


async def status_summary(runtime: Runtime) -> dict[str, Any]:
    """Counts, queue depth, worker heartbeat and YouTube cool-down; Redis parts None if down."""
    redis = runtime.queue.redis
    queue: dict[str, Any] | None = None
    worker: dict[str, Any] = {"ok": False, "detail": "Redis unavailable"}
    cooldown: dict[str, Any] | None = None
    running: set[tuple[str, int]] = set()
    with contextlib.suppress(RedisError, OSError):
        running = await running_jobs(runtime)
        queue = {"depth": await runtime.queue.queue_depth(), "running": len(running)}
        worker = await worker_heartbeat(redis, runtime.queue.queue_name)
        cooldown = await youtube_cooldown(redis)
    counts = await media_counts(runtime, running)
    totals: dict[str, int] = {}
    for per in counts.values():
        for status, n in per.items():
            totals[status] = totals.get(status, 0) + n
    return {"counts": counts, "totals": totals, "queue": queue, "worker": worker,
            "youtube_cooldown": cooldown}  # fmt: skip


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_media(
    runtime: Runtime,
    *,
    status: str = "",
    instance: str = "",
    text: str = "",
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Media filtered by status, instance and a text in the title; newest first, with the total."""
    where, params = [], []
    if status:
        where.append(f"{STATUS_SQL} = ?")
        params.append(status)
    if instance:
        where.append("instance = ?")
        params.append(instance)
    if text:
        where.append("title LIKE ? ESCAPE '\\'")
        params.append(_like(text))
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    [total] = await runtime.store.fetch_all(f"SELECT COUNT(*) AS n FROM media{clause}", params)
    items = await runtime.store.fetch_all(
        f"SELECT {_MEDIA_COLUMNS} FROM media{clause}"
        " ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return {"total": int(total["n"]), "limit": limit, "offset": offset, "items": items}


async def media_row(runtime: Runtime, media_id: int) -> dict[str, Any] | None:
    """One media item by its `media.id`, or None."""
    rows = await runtime.store.fetch_all(
        f"SELECT {_MEDIA_COLUMNS} FROM media WHERE id = ?", (media_id,)
    )
    return rows[0] if rows else None


def parse_candidates(text: str) -> list[dict[str, Any]]:
    """A job run's candidates column as a list of dicts (empty if unreadable)."""
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [c for c in value if isinstance(c, dict)] if isinstance(value, list) else []


async def media_detail(runtime: Runtime, media_id: int, runs: int = 50) -> dict[str, Any] | None:
    """The media row, its job runs newest first (candidates parsed) and its latest events."""
    media = await media_row(runtime, media_id)
    if media is None:
        return None
    key = (media["instance"], media["arr_id"])
    history = await runtime.store.fetch_all(
        "SELECT id, job_id, started_at, finished_at, outcome, reason, trailer_path, candidates,"
        " bytes, seconds FROM job_runs WHERE instance = ? AND arr_id = ? ORDER BY id DESC LIMIT ?",
        (*key, runs),
    )
    for run in history:
        run["candidates"] = parse_candidates(run["candidates"])
    events = await runtime.store.fetch_all(
        "SELECT id, received_at, event_type, action, summary, state FROM events"
        " WHERE instance = ? AND arr_id = ? ORDER BY id DESC LIMIT 20",
        key,
    )
    return {"media": media, "job_id": ensure_job_id(*key), "history": history, "events": events}


async def latest_events(runtime: Runtime, limit: int = 20) -> list[dict[str, Any]]:
    """The newest events, with the media id and title where the media is known."""
    return await runtime.store.fetch_all(
        "SELECT e.id, e.received_at, e.instance, e.event_type, e.action, e.arr_id, e.summary,"
        " e.job_id, e.state, m.id AS media_id, m.title FROM events e LEFT JOIN media m"
        " ON m.instance = e.instance AND m.arr_id = e.arr_id ORDER BY e.id DESC LIMIT ?",
        (limit,),
    )


async def latest_jobs(runtime: Runtime, limit: int = 20) -> list[dict[str, Any]]:
    """The newest job runs (without their candidates), with the media id and title."""
    return await runtime.store.fetch_all(
        "SELECT j.id, j.job_id, j.instance, j.arr_id, j.started_at, j.finished_at, j.outcome,"
        " j.reason, j.trailer_path, j.bytes, j.seconds, m.id AS media_id, m.title"
        " FROM job_runs j LEFT JOIN media m ON m.instance = j.instance AND m.arr_id = j.arr_id"
        " ORDER BY j.id DESC LIMIT ?",
        (limit,),
    )


async def needing_attention(runtime: Runtime, limit: int = 50) -> list[dict[str, Any]]:
    """Media whose last job failed, found no trailer or was refused; newest first."""
    marks = ",".join("?" * len(ATTENTION_STATES))
    return await runtime.store.fetch_all(
        f"SELECT {_MEDIA_COLUMNS} FROM media WHERE state IN ({marks})"
        " ORDER BY updated_at DESC, id DESC LIMIT ?",
        (*ATTENTION_STATES, limit),
    )
