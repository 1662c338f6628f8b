"""The package as users install it: a wheel in a fresh virtualenv, far from the source tree."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import aiohttp
import pytest

from tests.harness import radarr_download
from tests.test_processes import add_movie, fakes, free_port, stop, wait_for_file, write_config

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from this checkout, installed with its dependencies into a new venv."""
    where = tmp_path_factory.mktemp("package")
    # A copy, because setuptools never empties a checkout's build/: a module moved away since the
    # last build would still ship, and hide a wheel that lacks what moved.
    source = where / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "data", "__pycache__", ".*_cache"))  # fmt: skip
    dist = where / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)],
        check=True, cwd=where,
    )  # fmt: skip
    wheels = list(dist.glob("trailarr-*.whl"))
    assert len(wheels) == 1, wheels
    env_dir = where / "venv"
    venv.create(env_dir, with_pip=True)
    subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", str(wheels[0])],
        check=True, cwd=where,
    )  # fmt: skip
    return env_dir / "bin" / "trailarr"


@pytest.mark.timeout(600)  # the fixture builds and installs the wheel: minutes on a loaded machine
def test_wheel_ships_the_migrations(installed: Path) -> None:
    """The installed package finds its SQL migrations as package data, not in the checkout."""
    python = installed.parent / "python"
    found = subprocess.run(
        [str(python), "-c",
         "import app.store.db as db; print(db.MIGRATIONS_DIR); "
         "print(*[f.name for _, f in db.migration_files()])"],
        check=True, capture_output=True, text=True, cwd="/", env={"PATH": os.environ["PATH"]},
    ).stdout.splitlines()  # fmt: skip
    assert "site-packages" in found[0] and str(ROOT) not in found[0]
    names = sorted(p.name for p in (ROOT / "migrations").glob("[0-9]*.sql"))
    assert found[1].split() == names


@pytest.mark.timeout(600)
async def test_installed_trailarr_run_places_a_trailer(
    installed: Path, tmp_path: Path, clip: Path
) -> None:
    """`trailarr run` from the installed wheel, started outside the checkout, places a trailer."""
    data, movies = tmp_path / "data", tmp_path / "media" / "movies"
    movies.mkdir(parents=True)
    port = free_port()
    async with fakes(clip) as (radarr, sonarr, videos):
        write_config(data, radarr.url, sonarr.url, movies, port, url_template=videos.url_template,
                     api_key="wheel-key")  # fmt: skip
        trailer = add_movie(radarr, videos, movies, 1, clip)
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TRAILARR_DATA_DIR": str(data)}
        with (data / "run.log").open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                str(installed), "run", env=env, stdout=log, stderr=log, cwd=str(tmp_path)
            )
        try:
            async with aiohttp.ClientSession() as session:
                for _ in range(400):
                    assert process.returncode is None, (data / "run.log").read_text()
                    try:
                        async with session.post(
                            f"http://127.0.0.1:{port}/webhook/radarr?apikey=wheel-key",
                            data=radarr_download(radarr.media[1]),
                        ) as response:  # fmt: skip
                            if response.status == 202:
                                break
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.05)
            await wait_for_file(trailer)
        finally:
            code = await stop(process)
    assert code == 0, (data / "run.log").read_text()
    assert trailer.stat().st_size > 0
