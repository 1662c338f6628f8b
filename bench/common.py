"""What the benchmarks share: a free port, a redis-server of their own, a config.toml."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import redis as sync_redis
import tomli_w


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def private_redis() -> Iterator[str]:
    """A redis-server of this benchmark's own on a free port: never the machine's, so that a
    test run or another benchmark next to it cannot take its jobs or skew its figures."""
    folder = tempfile.mkdtemp(prefix="bench-redis-")
    port = free_port()
    process = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind",
         "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:  # a child process offers nothing to await
            try:
                sync_redis.Redis.from_url(url).ping()
                break
            except sync_redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def write_config(data_dir: Path, port: int, api_key: str, redis_url: str = "") -> Path:
    """config.toml with one radarr instance at a local port nothing listens on (jobs just fail
    to fetch metadata); no `redis_url` means the embedded redis-server of `trailarr run`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {"server": {"host": "127.0.0.1", "port": port, "api_key": api_key}}
    if redis_url:
        config["redis"] = {"url": redis_url}
    config["arr"] = [{"name": "radarr", "kind": "radarr", "url": f"http://127.0.0.1:{free_port()}",
                      "api_key": "unused"}]  # fmt: skip
    path = data_dir / "config.toml"
    path.write_text(tomli_w.dumps(config), encoding="utf-8")
    return path
