"""What the operator sees, read from SQLite: counts, media, decisions, events, jobs.

Shared by the JSON API, the status page and the metrics. A media item's *status* is its recorded
state, except that a trailer in place is `downloaded` when Trailarr wrote it and `present` when
the user did, and that media whose job a worker is running right now is `downloading`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from app.core.queue import ensure_job_id
from app.core.records import MediaState
from app.store.writes import Store

_PRESENT, _DOWNLOADED = MediaState.PRESENT.value, MediaState.DOWNLOADED.value
STATUS_SQL = (
    f"CASE WHEN state IN ('{_PRESENT}', '{_DOWNLOADED}')"
    f" THEN CASE WHEN trailer_ours = 1 THEN '{_DOWNLOADED}' ELSE '{_PRESENT}' END ELSE state END"
)
DOWNLOADING = "downloading"
"""A status, not a state: a worker holds the media's job right now."""
MAIN_STATUSES = (
    MediaState.PRESENT, MediaState.DOWNLOADED, MediaState.QUEUED, DOWNLOADING,
    MediaState.FAILED, MediaState.NO_TRAILER,
)  # fmt: skip
ATTENTION_STATES = (MediaState.FAILED, MediaState.NO_TRAILER, MediaState.REFUSED)

_MEDIA_COLUMNS = (
    "id, instance, kind, arr_id, title, year, folder, tmdb_id, state, reason, trailer_path,"
    " trailer_ours, trailer_height, pinned_url, failures, retry_after, updated_at,"
    f" {STATUS_SQL} AS status"
)


async def media_counts(
    store: Store, instances: Sequence[str], running: Iterable[tuple[str, int]] = ()
) -> dict[str, dict[str, int]]:
    """Media per instance and status; every instance named appears, with zeros."""
    counts: dict[str, dict[str, int]] = {
        name: dict.fromkeys(MAIN_STATUSES, 0) for name in instances
    }
    rows = await store.fetch_all(
        f"SELECT instance, {STATUS_SQL} AS status, COUNT(*) AS n FROM media"
        " GROUP BY instance, status"
    )
    for row in rows:
        per = counts.setdefault(row["instance"], dict.fromkeys(MAIN_STATUSES, 0))
        per[row["status"]] = per.get(row["status"], 0) + int(row["n"])
    for instance, arr_id in running:
        found = await store.fetch_all(
            f"SELECT {STATUS_SQL} AS status FROM media WHERE instance = ? AND arr_id = ?",
            (instance, arr_id),
        )
        if found and instance in counts:
            status = found[0]["status"]
            counts[instance][status] = max(0, counts[instance].get(status, 0) - 1)
            counts[instance][DOWNLOADING] += 1
    return counts


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_media(
    store: Store,
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
    [total] = await store.fetch_all(f"SELECT COUNT(*) AS n FROM media{clause}", params)
    items = await store.fetch_all(
        f"SELECT {_MEDIA_COLUMNS} FROM media{clause}"
        " ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return {"total": int(total["n"]), "limit": limit, "offset": offset, "items": items}


async def media_row(store: Store, media_id: int) -> dict[str, Any] | None:
    """One media item by its `media.id`, or None."""
    rows = await store.fetch_all(f"SELECT {_MEDIA_COLUMNS} FROM media WHERE id = ?", (media_id,))
    return rows[0] if rows else None


def parse_candidates(text: str) -> list[dict[str, Any]]:
    """A job run's candidates column as a list of dicts (empty if unreadable)."""
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [c for c in value if isinstance(c, dict)] if isinstance(value, list) else []


async def media_detail(store: Store, media_id: int, runs: int = 50) -> dict[str, Any] | None:
    """The media row, its job runs newest first (candidates parsed) and its latest events."""
    media = await media_row(store, media_id)
    if media is None:
        return None
    key = (media["instance"], media["arr_id"])
    history = await store.fetch_all(
        "SELECT id, job_id, started_at, finished_at, outcome, reason, trailer_path, candidates,"
        " bytes, seconds FROM job_runs WHERE instance = ? AND arr_id = ? ORDER BY id DESC LIMIT ?",
        (*key, runs),
    )
    for run in history:
        run["candidates"] = parse_candidates(run["candidates"])
    events = await store.fetch_all(
        "SELECT id, received_at, event_type, action, summary, state FROM events"
        " WHERE instance = ? AND arr_id = ? ORDER BY id DESC LIMIT 20",
        key,
    )
    return {"media": media, "job_id": ensure_job_id(*key), "history": history, "events": events}


async def latest_events(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    """The newest events, with the media id and title where the media is known."""
    return await store.fetch_all(
        "SELECT e.id, e.received_at, e.instance, e.event_type, e.action, e.arr_id, e.summary,"
        " e.job_id, e.state, m.id AS media_id, m.title FROM events e LEFT JOIN media m"
        " ON m.instance = e.instance AND m.arr_id = e.arr_id ORDER BY e.id DESC LIMIT ?",
        (limit,),
    )


async def latest_jobs(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    """The newest job runs (without their candidates), with the media id and title."""
    return await store.fetch_all(
        "SELECT j.id, j.job_id, j.instance, j.arr_id, j.started_at, j.finished_at, j.outcome,"
        " j.reason, j.trailer_path, j.bytes, j.seconds, m.id AS media_id, m.title"
        " FROM job_runs j LEFT JOIN media m ON m.instance = j.instance AND m.arr_id = j.arr_id"
        " ORDER BY j.id DESC LIMIT ?",
        (limit,),
    )


async def needing_attention(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    """Media whose last job failed, found no trailer or was refused; newest first."""
    marks = ",".join("?" * len(ATTENTION_STATES))
    return await store.fetch_all(
        f"SELECT {_MEDIA_COLUMNS} FROM media WHERE state IN ({marks})"
        " ORDER BY updated_at DESC, id DESC LIMIT ?",
        (*ATTENTION_STATES, limit),
    )


async def job_totals(store: Store) -> list[dict[str, Any]]:
    """Job runs per instance and outcome, with the bytes and seconds they downloaded."""
    return await store.fetch_all(
        "SELECT instance, outcome, COUNT(*) AS n, SUM(bytes) AS bytes, SUM(seconds) AS seconds"
        " FROM job_runs GROUP BY instance, outcome ORDER BY instance, outcome"
    )
