"""What the benchmarks share: a free port and a Redis database of their own."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import redis as sync_redis

CLAIM_KEY = "trailarr-tests:claimed-by"  # what tests/conftest.py claims a database with


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _claim(first_db: int, token: str) -> str:
    """The first database from `first_db` on 127.0.0.1:6379 nobody claimed, or "" if none."""
    try:
        sync_redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=0.5).ping()
    except sync_redis.RedisError:
        return ""
    for db in range(first_db, 16):
        client = sync_redis.Redis(host="127.0.0.1", port=6379, db=db)
        try:
            if client.set(CLAIM_KEY, token, nx=True, ex=3600):
                return f"redis://127.0.0.1:6379/{db}"
        finally:
            client.close()
    return ""


@contextlib.contextmanager
def claimed_redis(first_db: int, name: str) -> Iterator[str]:
    """A Redis database of our own: on 127.0.0.1:6379 the first from `first_db` that no test run
    or benchmark has claimed, else a private redis-server on a free port. Flushed before and
    after; the claim is kept across the first flush and dropped by the last.
    """
    process: subprocess.Popen[bytes] | None = None
    folder = tempfile.mkdtemp(prefix="bench-redis-")
    token = f"{name}:{os.getpid()}"
    url = _claim(first_db, token)
    if not url:
        port = free_port()
        process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind",
             "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 10
        while True:
            try:
                sync_redis.Redis.from_url(url).ping()
                break
            except sync_redis.RedisError:
                if time.monotonic() > deadline:
                    process.kill()
                    raise
                time.sleep(0.05)
    client = sync_redis.Redis.from_url(url)
    client.flushdb()
    client.set(CLAIM_KEY, token, ex=3600)
    try:
        yield url
    finally:
        with contextlib.suppress(sync_redis.RedisError):
            client.flushdb()  # drops the claim too
        client.close()
        if process is not None:
            process.terminate()
            process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def write_config(data_dir: Path, port: int, api_key: str, redis_url: str = "") -> Path:
    """config.toml with one radarr instance at a local port nothing listens on (jobs just fail
    to fetch metadata); no `redis_url` means the embedded redis-server of `trailarr run`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    redis = f'[redis]\nurl = "{redis_url}"\n' if redis_url else ""
    path = data_dir / "config.toml"
    path.write_text(
        f"""
[server]
host = "127.0.0.1"
port = {port}
api_key = "{api_key}"

{redis}
[[arr]]
name = "radarr"
kind = "radarr"
url = "http://127.0.0.1:{free_port()}"
api_key = "unused"
""",
        encoding="utf-8",
    )
    return path
