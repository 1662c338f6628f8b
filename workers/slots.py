"""Download slots shared by every worker through Redis: `trailers.concurrency` at once in all.

A slot is a lease (a member of a sorted set scored by its expiry), renewed while held, so a
worker that dies frees its slot within a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator

from redis.asyncio import Redis

from app.core.keys import SLOTS_KEY
from app.core.tasks import Background

LEASE_S = 60.0

_ACQUIRE = """
local now, lease, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[4])
  return 1
end
return 0
"""


class DownloadSlots:
    """A counting semaphore in Redis."""

    def __init__(self, redis: Redis, limit: int, poll_s: float = 0.2) -> None:
        self.redis = redis
        self.limit = limit
        self.poll_s = poll_s
        self._acquire = redis.register_script(_ACQUIRE)

    async def _try(self, token: str) -> bool:
        now_ms = int(time.time() * 1000)
        args: list[int | str] = [now_ms, int(LEASE_S * 1000), self.limit, token]
        return bool(await self._acquire(keys=[SLOTS_KEY], args=args))

    @contextlib.asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        """Wait for a free slot, keep its lease alive while the body runs, then free it."""
        token = secrets.token_hex(8)
        while not await self._try(token):  # noqa: ASYNC110 - slots free up in other processes
            await asyncio.sleep(self.poll_s)
        renewer = Background("slot-lease")
        renewer.start(self._renew(token))
        try:
            yield
        finally:
            await renewer.stop()
            await self.redis.zrem(SLOTS_KEY, token)

    async def _renew(self, token: str) -> None:
        while True:
            await asyncio.sleep(LEASE_S / 3)
            expiry = int(time.time() * 1000 + LEASE_S * 1000)
            await self.redis.zadd(SLOTS_KEY, {token: expiry}, xx=True)

    async def in_use(self) -> int:
        """Slots held right now."""
        now_ms = int(time.time() * 1000)
        return int(await self.redis.zcount(SLOTS_KEY, now_ms, "+inf"))
