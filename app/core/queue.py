"""The Redis side of the pipeline: job ids, batched enqueueing into arq, the outcome stream.

Jobs are arq jobs serialized as JSON. A job's id names the media (`ensure:<instance>:<arr id>`),
so the same media queued many times is one job. Results are not kept (`keep_result=0`): once a
job has finished, the same id can be queued again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.jobs import serialize_job

from app.core.keys import IN_PROGRESS_PREFIX, JOB_PREFIX, LATEST_EVENT_PREFIX, QUEUE, RESULT_PREFIX
from app.core.records import JobInput

ENSURE_FUNCTION = "ensure_trailer"
JOB_EXPIRES_MS = 7 * 86400 * 1000
RUNNING_SCAN_LIMIT = 10_000


def json_dumps(value: Any) -> bytes:
    """arq's job serializer: JSON instead of pickle, so no worker ever unpickles Redis data."""
    return orjson.dumps(value)


def json_loads(data: bytes) -> Any:
    """arq's job deserializer."""
    return orjson.loads(data)


def pin_to_send(pinned_url: str, trailer_url: str, ours: bool, trailer_gone: bool = False) -> str:
    """The pinned URL a job must download: none once the trailer Trailarr wrote came from it."""
    done = ours and pinned_url == trailer_url and not trailer_gone
    return "" if done else pinned_url


def ensure_job_id(instance: str, arr_id: int) -> str:
    """The one job id for a media item of an instance."""
    return f"ensure:{instance}:{arr_id}"


@dataclass(frozen=True, slots=True)
class JobRequest:
    """A job to enqueue: its id, its input, and the newest event it covers."""

    job_id: str
    job: JobInput
    event_id: int


# Enqueue many jobs in one round trip, with arq's dedup rule (no job or result under that id),
# and remember the newest event per job so a run can say which events it covered.
_ENQUEUE_MANY = """
local queue, now, expires = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local added = {}
for i = 4, #ARGV, 3 do
  local job_id, payload, event_id = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local latest_key = KEYS[3] .. job_id
  local latest = tonumber(redis.call('GET', latest_key) or '0')
  if tonumber(event_id) > latest then
    redis.call('SET', latest_key, event_id, 'PX', expires)
  end
  local job_key = KEYS[1] .. job_id
  if redis.call('EXISTS', job_key) == 0 and redis.call('EXISTS', KEYS[2] .. job_id) == 0 then
    redis.call('SET', job_key, payload, 'PX', expires)
    redis.call('ZADD', queue, now, job_id)
    table.insert(added, job_id)
  end
end
return added
"""


class JobQueue:
    """Enqueues ensure jobs into arq's queue in batches."""

    def __init__(self, redis: ArqRedis, queue_name: str = QUEUE) -> None:
        self.redis = redis
        self.queue_name = queue_name
        self._script = redis.register_script(_ENQUEUE_MANY)

    async def enqueue_many(self, requests: Sequence[JobRequest]) -> set[str]:
        """Queue every request whose job is not already queued or running; return the new ids."""
        if not requests:
            return set()
        now_ms = int(time.time() * 1000)
        argv: list[Any] = [self.queue_name, now_ms, JOB_EXPIRES_MS]
        for request in requests:
            payload = serialize_job(
                ENSURE_FUNCTION, (), request.job.to_kwargs(), None, now_ms, serializer=json_dumps
            )
            argv += [request.job_id, payload, request.event_id]
        keys = [JOB_PREFIX, RESULT_PREFIX, LATEST_EVENT_PREFIX]
        added = await self._script(keys=keys, args=argv)
        return {item.decode() if isinstance(item, bytes) else str(item) for item in added}

    async def existing_jobs(self, job_ids: Sequence[str]) -> set[str]:
        """The ids among `job_ids` that arq still holds (queued or running)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.exists(JOB_PREFIX + job_id)
            found = await pipe.execute()
        return {job_id for job_id, exists in zip(job_ids, found, strict=True) if exists}

    async def queue_depth(self) -> int:
        """Jobs waiting or running."""
        return int(await self.redis.zcard(self.queue_name))

    async def running(self) -> set[tuple[str, int]]:
        """(instance, arr id) of every job a worker is running now, from arq's in-progress keys."""
        raw = await self.redis.zrange(self.queue_name, 0, RUNNING_SCAN_LIMIT - 1)
        job_ids = [item.decode() if isinstance(item, bytes) else str(item) for item in raw]
        if not job_ids:
            return set()
        async with self.redis.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.exists(IN_PROGRESS_PREFIX + job_id)
            running = await pipe.execute()
        found = set()
        for job_id, is_running in zip(job_ids, running, strict=True):
            kind, _, rest = job_id.partition(":")
            instance, _, arr_id = rest.rpartition(":")
            if is_running and kind == "ensure" and arr_id.isdigit():
                found.add((instance, int(arr_id)))
        return found


def redis_settings(url: str) -> RedisSettings:
    """arq connection settings from a `redis://` or `unix://` URL."""
    settings = RedisSettings.from_dsn(url)
    settings.conn_timeout = 5
    settings.conn_retries = 10
    settings.conn_retry_delay = 1
    return settings


async def connect(url: str) -> ArqRedis:
    """A pooled Redis connection that speaks arq, with the JSON serializer."""
    return await create_pool(
        redis_settings(url), job_serializer=json_dumps, job_deserializer=json_loads
    )
