"""The real commands as processes: `trailarr run` on embedded defaults, `web` + `worker`."""

from __future__ import annotations

import ast
import asyncio
import os
import signal
import socket
import stat
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import tomli_w

from tests.fakes.arr import FakeArr
from tests.fakes.videos import VideoServer
from tests.harness import MOVIES, TV, radarr_download

TRAILARR = [sys.executable, "-m", "app.cli"]
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(
    data: Path, radarr: str, sonarr: str, movies: Path, port: int, **extra: str
) -> Path:
    """A config.toml naming one Radarr and one Sonarr, as a user would write it."""
    data.mkdir(parents=True, exist_ok=True)
    server: dict[str, Any] = {"host": "127.0.0.1", "port": port}
    if "api_key" in extra:
        server["api_key"] = extra["api_key"]
    config: dict[str, Any] = {"server": server}
    if "redis" in extra:
        config["redis"] = {"url": extra["redis"]}
    config["arr"] = [
        {"name": "radarr", "kind": "radarr", "url": radarr, "api_key": "arr-key",
         "path_mappings": [{"from": MOVIES, "to": str(movies)}]},
        {"name": "sonarr", "kind": "sonarr", "url": sonarr, "api_key": "arr-key",
         "path_mappings": [{"from": TV, "to": str(movies.parent / "tv")}]},
    ]  # fmt: skip
    config["trailers"] = {"min_duration": 1}
    config["youtube"] = {"url_template": extra["url_template"]}
    path = data / "config.toml"
    path.write_text(tomli_w.dumps(config), encoding="utf-8")
    return path


async def spawn(*args: str, data: Path) -> asyncio.subprocess.Process:
    """Start `trailarr <args>` with its data dir, output to a log file in the data dir."""
    env = {**os.environ, "TRAILARR_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
    with (data / f"{args[0]}-{os.urandom(3).hex()}.log").open("wb") as log:
        return await asyncio.create_subprocess_exec(
            *TRAILARR, *args, env=env, stdout=log, stderr=log, cwd=str(ROOT)
        )


async def wait_until_healthy(port: int, process: asyncio.subprocess.Process) -> None:
    """Poll /health until it answers (a separate process offers nothing to await)."""
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            assert process.returncode is None, "trailarr exited during start-up"
            try:
                async with session.get(f"http://127.0.0.1:{port}/health") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("trailarr did not become healthy")


async def wait_for_file(path: Path, timeout: float = 30) -> None:
    """Poll the disk for a file another process writes."""
    for _ in range(int(timeout / 0.05)):
        if path.is_file():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{path} did not appear")


async def stop(process: asyncio.subprocess.Process) -> int:
    """SIGTERM, then the exit code."""
    process.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(process.wait(), 20)


@asynccontextmanager
async def fakes(clip: Path) -> AsyncIterator[tuple[FakeArr, FakeArr, VideoServer]]:
    """Fake Radarr and Sonarr and a video server, running in this test's loop."""
    radarr, sonarr, videos = FakeArr("radarr"), FakeArr("sonarr"), VideoServer()
    for server in (radarr, sonarr, videos):
        await server.start()
    try:
        yield radarr, sonarr, videos
    finally:
        for server in (radarr, sonarr, videos):
            await server.stop()


def add_movie(radarr: FakeArr, videos: VideoServer, movies: Path, arr_id: int, clip: Path) -> Path:
    """A movie on disk and in Radarr; returns where its suffix trailer must appear."""
    title = f"Movie {arr_id}"
    folder = movies / f"{title} (2020)"
    folder.mkdir(parents=True)
    movie = radarr.add_movie(arr_id, title, 2020, f"{MOVIES}/{title} (2020)", tmdb_id=arr_id,
                             youtube_trailer_id=f"key{arr_id:08d}")  # fmt: skip
    (folder / movie["movieFile"]["relativePath"]).write_bytes(b"movie")
    videos.add(f"key{arr_id:08d}", clip)
    return folder / (Path(movie["movieFile"]["relativePath"]).stem + "-trailer.mkv")


async def test_run_starts_on_embedded_defaults(tmp_path: Path, clip: Path) -> None:
    """`trailarr run` with only a config.toml starts its own Redis, works, and stops cleanly."""
    data, movies = tmp_path / "data", tmp_path / "media" / "movies"
    movies.mkdir(parents=True)
    port = free_port()
    async with fakes(clip) as (radarr, sonarr, videos):
        write_config(data, radarr.url, sonarr.url, movies, port, url_template=videos.url_template)
        trailer = add_movie(radarr, videos, movies, 1, clip)
        process = await spawn("run", data=data)
        try:
            await wait_until_healthy(port, process)
            key_file = data / "api_key"
            assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
            key = key_file.read_text().strip()
            assert (data / "redis" / "redis.sock").exists()
            async with aiohttp.ClientSession() as session, session.post(
                f"http://127.0.0.1:{port}/webhook/radarr",
                data=radarr_download(radarr.media[1]), headers={"X-Api-Key": key},
            ) as response:  # fmt: skip
                assert response.status == 202
            await wait_for_file(trailer)
        finally:
            code = await stop(process)
    assert code == 0
    logs = "".join(p.read_text() for p in data.glob("run-*.log"))
    assert key not in logs
    assert str(key_file) in logs
    assert any((data / "redis").rglob("*.aof*")), "the embedded Redis keeps an append-only file"
    assert not (data / "redis" / "redis.sock").exists(), "the embedded redis-server stopped"
    assert (data / "trailarr.db").is_file()


async def test_web_and_workers_share_one_redis(tmp_path: Path, clip: Path, redis_url: str) -> None:
    """`trailarr web` plus two `trailarr worker` processes against one Redis get every trailer."""
    data, movies = tmp_path / "data", tmp_path / "media" / "movies"
    worker_home = tmp_path / "worker"
    worker_home.mkdir()
    movies.mkdir(parents=True)
    port = free_port()
    async with fakes(clip) as (radarr, sonarr, videos):
        config = write_config(data, radarr.url, sonarr.url, movies, port, api_key="k",
                              redis=redis_url, url_template=videos.url_template)  # fmt: skip
        (worker_home / "config.toml").write_text(config.read_text())
        trailers = [add_movie(radarr, videos, movies, n, clip) for n in (1, 2, 3)]
        web = await spawn("web", data=data)
        workers = [await spawn("worker", data=worker_home) for _ in range(2)]
        try:
            await wait_until_healthy(port, web)
            async with aiohttp.ClientSession() as session:
                for n in (1, 2, 3):
                    async with session.post(
                        f"http://127.0.0.1:{port}/webhook/radarr?apikey=k",
                        data=radarr_download(radarr.media[n]),
                    ) as response:  # fmt: skip
                        assert response.status == 202
            for trailer in trailers:
                await wait_for_file(trailer)
        finally:
            codes = [await stop(p) for p in (*workers, web)]
    assert codes == [0, 0, 0]
    assert not (worker_home / "trailarr.db").exists(), "workers never open SQLite"


def test_workers_never_import_the_database() -> None:
    """No module under workers/ imports the SQLite layer (workers report through Redis)."""
    forbidden = {"app.db", "app.store", "aiosqlite", "sqlite3"}
    for path in (ROOT / "workers").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not forbidden.intersection(names), f"{path.name} imports {names}"
