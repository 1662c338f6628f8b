"""The status summary the API, the status page and the metrics share: SQLite counts plus what
only Redis knows (queue depth, running jobs, the worker heartbeat, YouTube's breaker and pace).
"""

from __future__ import annotations

import contextlib
from typing import Any

from redis.exceptions import RedisError

from app.store import reads
from app.web.health import worker_heartbeat, youtube_status
from app.web.state import Runtime


async def status_summary(runtime: Runtime) -> dict[str, Any]:
    """Counts, queue depth, worker heartbeat and the sources; Redis parts None if down."""
    redis = runtime.queue.redis
    queue: dict[str, Any] | None = None
    worker: dict[str, Any] = {"ok": False, "detail": "Redis unavailable"}
    sources: dict[str, Any] | None = None
    running: set[tuple[str, int]] = set()
    with contextlib.suppress(RedisError, OSError):
        running = await runtime.queue.running()
        queue = {"depth": await runtime.queue.queue_depth(), "running": len(running)}
        worker = await worker_heartbeat(redis, runtime.queue.queue_name)
        sources = {"youtube": await youtube_status(redis, runtime.settings.youtube)}
    instances = [instance.name for instance in runtime.settings.arr]
    counts = await reads.media_counts(runtime.store, instances, running)
    totals: dict[str, int] = {}
    for per in counts.values():
        for status, n in per.items():
            totals[status] = totals.get(status, 0) + n
    return {"counts": counts, "totals": totals, "queue": queue, "worker": worker,
            "sources": sources}  # fmt: skip
