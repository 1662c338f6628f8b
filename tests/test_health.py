"""`/health` and `/ready`: liveness, what makes readiness fail, and how fast it answers."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from arq.constants import default_queue_name, health_check_key_suffix

from app.web.health import ARR_MONITOR, ArrMonitor
from tests.conftest import own_redis_server
from tests.harness import API_KEY, Stack, until

HEALTH_KEY = default_queue_name + health_check_key_suffix


def monitor(stack: Stack) -> ArrMonitor:
    """The running application's Arr monitor."""
    assert stack.service is not None and stack.service.runner is not None
    return stack.service.runner.app[ARR_MONITOR]


async def get(stack: Stack, path: str) -> tuple[int, Any]:
    """GET without any credentials; the status and the JSON answer."""
    assert stack.http is not None
    async with stack.http.get(stack.base + path) as response:
        return response.status, await response.json()


async def worker_beat(stack: Stack) -> None:
    """Wait for the in-process worker's first heartbeat."""

    async def beating() -> bool:
        return bool(await stack.runtime.queue.redis.exists(HEALTH_KEY))

    await until(beating)


async def test_health_answers_without_a_key(stack: Stack) -> None:
    """Liveness is 200 with no credentials at all."""
    assert await get(stack, "/health") == (200, {"status": "ok"})


async def test_ready_with_a_worker_reports_every_check(stack: Stack) -> None:
    """With Redis, the database, a worker and both Arrs up, /ready is 200 with one entry each."""
    await worker_beat(stack)
    await monitor(stack).refresh()
    status, body = await get(stack, "/ready")
    assert status == 200, body
    assert body["status"] == "ok" and body["failing"] == []
    checks = body["checks"]
    assert [checks[name]["ok"] for name in ("redis", "database", "worker")] == [True] * 3
    assert "j_complete=" in checks["worker"]["detail"]
    assert {name: (c["ok"], c["detail"]) for name, c in checks["arr"].items()} == {
        "radarr": (True, "Radarr 6.0.3.10276"),
        "sonarr": (True, "Sonarr 4.0.19.2979"),
    }


async def test_ready_shows_no_secret(stack: Stack) -> None:
    """Neither Trailarr's key, nor an Arr key, nor an Arr URL appears in /ready."""
    stack.radarr.down = True
    await monitor(stack).refresh()
    assert stack.http is not None
    async with stack.http.get(stack.base + "/ready") as response:
        text = await response.text()
    for secret in (API_KEY, "arr-key", stack.radarr.url, stack.sonarr.url, stack.redis_url):
        assert secret not in text


async def test_worker_heartbeat_expires_within_a_minute(stack: Stack) -> None:
    """The heartbeat /ready reads is a key that expires 11 s after the worker's last beat."""
    await worker_beat(stack)
    ttl_ms = await stack.runtime.queue.redis.pttl(HEALTH_KEY)
    assert 0 < ttl_ms <= 11_000


async def test_ready_is_503_without_a_worker(tmp_path: Path, redis_url: str, clip: Path) -> None:
    """`trailarr web` with no worker anywhere is not ready, and says the worker is why."""
    async with Stack(tmp_path, redis_url, clip, mode="web") as stack:
        status, body = await get(stack, "/ready")
        assert status == 503
        assert body["failing"] == ["worker"]
        assert body["checks"]["worker"] == {
            "ok": False,
            "detail": "no worker heartbeat in the last 11 s",
        }
        assert body["checks"]["redis"]["ok"] and body["checks"]["database"]["ok"]


async def test_unreachable_arr_is_reported_but_ready(stack: Stack) -> None:
    """An Arr that answers 503 and one that is gone are shown failing; /ready stays 200."""
    await worker_beat(stack)
    stack.radarr.down = True
    await stack.sonarr.stop()
    await monitor(stack).refresh()
    status, body = await get(stack, "/ready")
    assert status == 200, body
    arr = body["checks"]["arr"]
    assert (arr["radarr"]["ok"], arr["radarr"]["detail"]) == (False, "HTTP 503")
    assert arr["sonarr"]["ok"] is False
    assert arr["sonarr"]["detail"].startswith("unreachable (")


async def test_ready_answers_fast_while_an_arr_is_slow(stack: Stack) -> None:
    """/ready answers from the cached probe in under 50 ms while Radarr takes 2 s to answer."""
    await worker_beat(stack)
    await get(stack, "/ready")  # open the connection
    stack.radarr.delay = 2
    stack.radarr.arrived.clear()
    probing = asyncio.create_task(monitor(stack).refresh())
    await stack.radarr.arrived.wait()  # the probe is now waiting on Radarr
    started = time.perf_counter()
    status, _ = await get(stack, "/ready")
    elapsed = time.perf_counter() - started
    assert status == 200
    assert elapsed < 0.05, f"/ready took {elapsed * 1000:.1f} ms"
    assert not probing.done()
    await probing
    status, body = await get(stack, "/ready")
    assert body["checks"]["arr"]["radarr"]["ms"] >= 2000


@pytest.fixture
def private_redis() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server of this test's own, which the test may kill."""
    with own_redis_server() as server:
        yield server


async def test_ready_is_503_naming_redis_when_redis_is_down(
    tmp_path: Path, clip: Path, private_redis: tuple[str, subprocess.Popen[bytes]]
) -> None:
    """With Redis gone, /ready is 503 and names redis (and the worker it cannot see)."""
    url, process = private_redis
    async with Stack(tmp_path, url, clip, mode="web") as stack:
        process.kill()
        process.wait(10)
        status, body = await get(stack, "/ready")
        assert status == 503
        assert "redis" in body["failing"]
        assert body["checks"]["redis"]["ok"] is False
        assert body["checks"]["database"]["ok"] is True
        status, body = await get(stack, "/health")
        assert status == 200
