"""The image as users run it: podman, a media folder, a config, fakes on the host network.

Runs when `TRAILARR_IMAGE` names a built image (`scripts/image` builds one; `.ci/run` builds it
and sets the variable). The container shares the host's network, so the fakes on 127.0.0.1 are
its Radarr, TMDB and YouTube; the media folder is mounted at the path Radarr reports, so no path
mapping is needed, as in docker-compose.yml.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.fakes.arr import FakeArr
from tests.fakes.tmdb import FakeTmdb, video
from tests.fakes.videos import VideoServer
from tests.harness import radarr_download
from tests.test_processes import add_movie, free_port

ROOT = Path(__file__).resolve().parent.parent
IMAGE = os.environ.get("TRAILARR_IMAGE", "")
PODMAN = [str(ROOT / "scripts" / "podman")]
API_KEY = "image-test-key"
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=10)

pytestmark = [
    pytest.mark.skipif(not IMAGE, reason="TRAILARR_IMAGE is not set (scripts/image builds one)"),
    pytest.mark.timeout(300),
]


async def podman(*args: str, check: bool = True) -> tuple[int, str]:
    """Run `scripts/podman <args>` without blocking the loop the fakes answer on."""
    process = await asyncio.create_subprocess_exec(
        *PODMAN, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    text = out.decode(errors="replace")
    code = process.returncode
    assert code is not None
    if check and code != 0:
        raise AssertionError(f"podman {' '.join(args)} exited {code}:\n{text}")
    return code, text


class Fakes:
    """Radarr, TMDB and a video server on 127.0.0.1, and a media folder Radarr reports."""

    def __init__(self, tmp_path: Path, clip: Path) -> None:
        self.clip = clip
        self.media = tmp_path / "media"
        self.movies = self.media / "movies"
        self.radarr = FakeArr("radarr")
        self.tmdb = FakeTmdb()
        self.videos = VideoServer()

    def config(self, config_dir: Path, port: int | None = None) -> None:
        """A config.toml as a user writes it; the port is left to the environment when None."""
        config_dir.mkdir(parents=True, exist_ok=True)
        port_line = f"port = {port}" if port is not None else ""
        (config_dir / "config.toml").write_text(f"""
[server]
host = "127.0.0.1"
{port_line}
api_key = "{API_KEY}"

[[arr]]
name = "radarr"
kind = "radarr"
url = "{self.radarr.url}"
api_key = "arr-key"

[trailers]
min_duration = 1

[tmdb]
url = "{self.tmdb.url}/3"
api_key = "tmdb-key"

[youtube]
url_template = "{self.videos.url_template}"
""", encoding="utf-8")  # fmt: skip

    def movie(self, arr_id: int, owner: tuple[int, int], *, via_tmdb: bool = False) -> Path:
        """A movie folder owned by `owner` (as Radarr's PUID leaves it); its trailer's path."""
        trailer = add_movie(self.radarr, self.videos, self.movies, arr_id, self.clip)
        if via_tmdb:
            movie = self.radarr.media[arr_id]
            movie.pop("youtubeTrailerId", None)
            key = f"tmdb{arr_id:07d}"
            self.videos.add(key, self.clip)
            self.tmdb.set_videos("movie", movie["tmdbId"], [video(key, "Official Trailer")])
        for path in (self.media, self.movies, trailer.parent, *trailer.parent.iterdir()):
            os.chown(path, *owner)
        return trailer


@pytest.fixture
async def fakes(tmp_path: Path, clip: Path) -> AsyncIterator[Fakes]:
    """The fakes, started in the test's loop."""
    running = Fakes(tmp_path, clip)
    servers = (running.radarr, running.tmdb, running.videos)
    for server in servers:
        await server.start()
    running.movies.mkdir(parents=True)
    try:
        yield running
    finally:
        for server in servers:
            await server.stop()


@asynccontextmanager
async def container(
    fakes: Fakes, config_dir: Path, owner: tuple[int, int], *env: str
) -> AsyncIterator[str]:
    """The image running with /config and the media folder mounted, as PUID:PGID `owner`."""
    name = f"trailarr-test-{secrets.token_hex(4)}"
    variables = [f"PUID={owner[0]}", f"PGID={owner[1]}", *env]
    await podman(
        "run", "-d", "--name", name, "--network", "host",
        *[arg for variable in variables for arg in ("-e", variable)],
        "-v", f"{config_dir}:/config", "-v", f"{fakes.media}:/data/media", IMAGE,
    )  # fmt: skip
    try:
        yield name
    except BaseException:
        print((await podman("logs", name, check=False))[1])
        raise
    finally:
        await podman("rm", "-f", "-t", "0", name, check=False)


async def wait_ready(name: str, port: int) -> None:
    """Poll /health, then /ready, until both answer 200 (the container offers nothing to await)."""
    async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session:
        for path in ("/health", "/ready"):
            for _ in range(600):
                try:
                    async with session.get(f"http://127.0.0.1:{port}{path}") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            else:
                logs = (await podman("logs", name, check=False))[1]
                raise AssertionError(f"{path} never answered 200:\n{logs}")


async def download_webhook(fakes: Fakes, port: int, arr_id: int) -> None:
    """POST Radarr's Download webhook for a movie; Trailarr accepts it with 202."""
    async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session, session.post(
        f"http://127.0.0.1:{port}/webhook/radarr?apikey={API_KEY}",
        data=radarr_download(fakes.radarr.media[arr_id]),
        headers={"Content-Type": "application/json"},
    ) as response:  # fmt: skip
        assert response.status == 202, await response.text()


async def wait_for_trailer(path: Path, timeout: float = 60) -> None:
    """Poll the disk for the trailer the container writes (the final name appears atomically)."""
    deadline = time.monotonic() + timeout
    while not path.is_file():
        assert time.monotonic() < deadline, f"{path} did not appear"
        await asyncio.sleep(0.1)


def assert_playable(path: Path, owner: tuple[int, int]) -> None:
    """The file is a video ffprobe reads, about as long as the clip, owned by `owner`."""
    info = path.stat()
    assert (info.st_uid, info.st_gid) == owner
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type:format=duration",
         "-of", "json", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout)  # fmt: skip
    assert "video" in [stream["codec_type"] for stream in probe["streams"]]
    assert 1.5 < float(probe["format"]["duration"]) < 3.0


async def stop_cleanly(name: str) -> None:
    """`podman stop` ends the container with exit code 0 well before its 10 s SIGKILL."""
    started = time.monotonic()
    await podman("stop", "-t", "10", name)
    elapsed = time.monotonic() - started
    _, code = await podman("inspect", "--format", "{{.State.ExitCode}}", name)
    assert code.strip().splitlines()[-1] == "0", (await podman("logs", name, check=False))[1]
    assert elapsed < 10, f"podman stop took {elapsed:.1f} s"


APP_PROCESS = """
import json, pathlib
for proc in pathlib.Path("/proc").glob("[0-9]*"):
    try:
        argv = (proc / "cmdline").read_bytes().split(b"\\0")
    except OSError:
        continue
    if any(arg.endswith(b"/trailarr") for arg in argv[:2]) and b"run" in argv:
        status = dict(line.split(":", 1) for line in (proc / "status").read_text().splitlines())
        env = dict(v.split("=", 1) for v in (proc / "environ").read_text().split("\\0") if v)
        print(json.dumps({"uid": int(status["Uid"].split()[0]),
                          "gid": int(status["Gid"].split()[0]), "home": env.get("HOME")}))
"""


async def test_image_metadata_keeps_the_healthcheck_and_ships_the_wheel() -> None:
    """The image keeps its HEALTHCHECK (docker format) and runs the installed wheel, not a tree."""
    _, health = await podman("image", "inspect", "--format", "{{json .Config.Healthcheck}}", IMAGE)
    assert "trailarr-healthcheck" in health
    _, where = await podman(
        "run", "--rm", "--network", "none", "--no-healthcheck", "--entrypoint", "python3", IMAGE,
        "-c", "import app, importlib.metadata as m; print(app.__file__); "
        "print(m.distribution('trailarr').read_text('direct_url.json'))",
    )  # fmt: skip
    lines = where.strip().splitlines()
    assert "/site-packages/app/" in lines[-2]
    assert lines[-1] == "None" or '"editable": true' not in lines[-1]


async def test_nothing_of_the_build_machine_stays_in_the_image() -> None:
    """The machine's apt sources and CA certificates reached the build as mounts, not files."""
    host_sources = [
        p.read_bytes() for p in Path("/etc/apt/sources.list.d").glob("*") if p.is_file()
    ]
    if Path("/etc/apt/sources.list").is_file():
        host_sources.append(Path("/etc/apt/sources.list").read_bytes())
    local_cas = [
        "".join(p.read_text().split("-----")[2].split())
        for p in Path("/usr/local/share/ca-certificates").glob("**/*.crt")
    ]
    _, dump = await podman(
        "run", "--rm", "--network", "none", "--no-healthcheck", "--entrypoint", "sh", IMAGE, "-c",
        "find /mnt /run/secrets -mindepth 1 2>/dev/null; echo ===;"
        " cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null; echo ===;"
        " tr -d '\\n' < /etc/ssl/certs/ca-certificates.crt",
    )  # fmt: skip
    lent, sources, bundle = dump.split("===")
    assert not lent.strip(), f"left by the build's mounts: {lent}"
    assert all(source.decode() not in sources for source in host_sources if source.strip())
    assert "BEGIN CERTIFICATE" in bundle
    assert all(ca not in bundle for ca in local_cas)


async def test_download_webhook_gives_a_playable_trailer_owned_by_puid(fakes: Fakes) -> None:
    """/health, /ready, webhook → trailer owned by PUID:PGID; healthcheck on the env's port."""
    owner = (1234, 2345)
    port = free_port()
    config_dir = fakes.media.parent / "config"
    fakes.config(config_dir)
    trailer = fakes.movie(1, owner)
    async with container(fakes, config_dir, owner, f"TRAILARR_SERVER__PORT={port}") as name:
        await wait_ready(name, port)
        await download_webhook(fakes, port, 1)
        await wait_for_trailer(trailer)
        assert_playable(trailer, owner)

        code, out = await podman("healthcheck", "run", name, check=False)
        assert code == 0, out
        code, out = await podman(
            "exec", "-e", f"TRAILARR_SERVER__PORT={free_port()}", name, "trailarr-healthcheck",
            check=False,
        )  # fmt: skip
        assert code == 1, f"the healthcheck passed against a port nothing listens on: {out}"

        user = f"{owner[0]}:{owner[1]}"
        _, found = await podman("exec", "--user", user, name, "python3", "-c", APP_PROCESS)
        app = json.loads(found.strip().splitlines()[-1])
        assert (app["uid"], app["gid"]) == owner
        assert app["home"] == "/config"
        await podman(
            "exec", "--user", user, name, "sh", "-c",
            'mkdir -p "$HOME/.cache" && touch "$HOME/.cache/probe" && rm "$HOME/.cache/probe"',
        )  # fmt: skip
        await stop_cleanly(name)


async def test_restart_on_the_same_config_with_another_puid(fakes: Fakes) -> None:
    """A second start with a new PUID takes over all of /config and works; port from config.toml."""
    first, second = (1234, 2345), (1300, 2400)
    port = free_port()
    config_dir = fakes.media.parent / "config"
    fakes.config(config_dir, port)
    async with container(fakes, config_dir, first) as name:
        await wait_ready(name, port)
        await stop_cleanly(name)
    assert (config_dir / "redis").stat().st_uid == first[0]

    trailer = fakes.movie(2, second, via_tmdb=True)
    async with container(fakes, config_dir, second) as name:
        await wait_ready(name, port)
        for folder, dirs, files in os.walk(config_dir):
            for entry in [folder, *[os.path.join(folder, n) for n in dirs + files]]:
                info = os.lstat(entry)
                assert (info.st_uid, info.st_gid) == second, entry
        await download_webhook(fakes, port, 2)
        await wait_for_trailer(trailer)
        assert_playable(trailer, second)
        assert ("GET", "/3/movie/2/videos") in fakes.tmdb.requests
        code, out = await podman("healthcheck", "run", name, check=False)
        assert code == 0, out
        await stop_cleanly(name)


async def build(tag: str, context: Path) -> None:
    """`scripts/image <tag> <context>`; its report is printed (pytest shows it with -s)."""
    process = await asyncio.create_subprocess_exec(
        str(ROOT / "scripts" / "image"), tag, str(context),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 280)
    print(out.decode())
    assert process.returncode == 0, out.decode()


def copy_checkout(context: Path) -> Path:
    """The checkout's files (all but what git ignores) as they are on disk, copied to `context`."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, tracked.split("\0")):
        if (ROOT / name).is_file():
            (context / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, context / name)
    return context


async def test_a_code_change_rebuilds_neither_packages_nor_dependencies(tmp_path: Path) -> None:
    """After a change to the code, the base, apt and dependency layers come from the cache."""
    context = copy_checkout(tmp_path / "context")
    run = secrets.token_hex(4)
    tags = [f"localhost/trailarr-test:{run}-before", f"localhost/trailarr-test:{run}-after"]
    try:
        await build(tags[0], context)
        with (context / "app" / "__init__.py").open("a", encoding="utf-8") as file:
            file.write("\n# a code change\n")
        await build(tags[1], context)
        layers: list[list[Any]] = []
        for tag in tags:
            _, text = await podman("image", "inspect", "--format", "{{json .RootFS.Layers}}", tag)
            layers.append(json.loads(text.strip().splitlines()[-1]))
        # Dockerfile order: base, apt packages, dependencies, then the wheel.
        assert layers[0][:3] == layers[1][:3]
        assert layers[0][3] != layers[1][3]
    finally:
        await podman("rmi", "-f", *tags, check=False)
