"""Download slots: `trailers.concurrency` downloads at once across every worker, via Redis."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from app.core.keys import SLOTS_KEY
from workers.slots import DownloadSlots


async def test_slots_limit_holders_across_clients(redis_url: str) -> None:
    """Ten holders through three separate connections never exceed the limit of two."""
    clients = [Redis.from_url(redis_url) for _ in range(3)]
    slots = [DownloadSlots(client, limit=2, poll_s=0.01) for client in clients]
    holding = 0
    most = 0

    async def download(n: int) -> None:
        nonlocal holding, most
        async with slots[n % 3].hold():
            holding += 1
            most = max(most, holding)
            await asyncio.sleep(0.02)
            holding -= 1

    try:
        await asyncio.gather(*(download(n) for n in range(10)))
        assert most == 2
        assert await slots[0].in_use() == 0
    finally:
        for client in clients:
            await client.aclose()


async def test_expired_lease_frees_its_slot(redis_url: str) -> None:
    """A slot whose holder died (its lease expired) is taken by the next worker."""
    client = Redis.from_url(redis_url)
    try:
        await client.zadd(SLOTS_KEY, {"dead-worker": 1})  # expired long ago
        slots = DownloadSlots(client, limit=1, poll_s=0.01)
        async with asyncio.timeout(2), slots.hold():
            assert await slots.in_use() == 1
    finally:
        await client.aclose()
