"""Shared fixtures: a real Redis, a real clip, fake Arr/TMDB/video servers, a running Trailarr."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as sync_redis

from tests.fakes.videos import make_clip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """A redis-server of this test run's own: never the machine's, never another run's."""
    with own_redis_server() as (url, _process):
        yield url


@contextlib.contextmanager
def own_redis_server() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server of the caller's own on a free port (the caller may kill it)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", folder],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            client = sync_redis.Redis(host="127.0.0.1", port=port)
            deadline = time.monotonic() + 10
            while True:
                try:
                    client.ping()
                    break
                except sync_redis.RedisError:
                    if time.monotonic() > deadline:
                        pytest.fail("redis-server did not start")
                    time.sleep(0.05)
            client.close()
            yield f"redis://127.0.0.1:{port}/0", process
        finally:
            process.kill()
            process.wait(10)


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """This run's Redis, emptied before the test."""
    client = sync_redis.Redis.from_url(redis_server)
    client.flushdb()
    client.close()
    yield redis_server


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real 2-second H.264/AAC MP4 made with ffmpeg."""
    return make_clip(tmp_path_factory.mktemp("clips") / "clip.mp4", seconds=2.0)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """Example payloads copied from shared/fixtures."""
    return Path(__file__).parent / "fixtures"


@pytest.fixture
async def stack(tmp_path: Path, redis_url: str, clip: Path) -> AsyncIterator[Any]:
    """A running `trailarr run` against fake Radarr, Sonarr, TMDB and a local video server."""
    from tests.harness import Stack

    async with Stack(tmp_path, redis_url, clip) as running:
        yield running
