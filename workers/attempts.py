"""What a job's candidates gave so far, kept in Redis while the job is deferred.

A job deferred after its first candidate failed (`unavailable`, say) comes back later; it skips
that candidate instead of asking YouTube again, and its outcome still records the failure.
"""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from app.core.keys import ATTEMPTS_PREFIX

KEEP_S = 86400


class Attempts:
    """Per job id: candidate URL → what trying it gave (failure class and error, or height)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def load(self, job_id: str) -> dict[str, dict[str, Any]]:
        """What this job's earlier runs tried (empty if none)."""
        raw = await self.redis.get(ATTEMPTS_PREFIX + job_id)
        if raw is None:
            return {}
        try:
            value = json.loads(raw)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    async def save(self, job_id: str, tried: dict[str, dict[str, Any]]) -> None:
        """Remember what was tried, for a day."""
        await self.redis.set(ATTEMPTS_PREFIX + job_id, json.dumps(tried), ex=KEEP_S)

    async def forget(self, job_id: str) -> None:
        """The job finished: its outcome has it all."""
        await self.redis.delete(ATTEMPTS_PREFIX + job_id)
