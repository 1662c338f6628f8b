"""`trailarr check`: one line per thing Trailarr needs, ok or not."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import aiohttp

from app.core.arr import ArrClient
from app.core.config import Settings
from app.core.errors import TrailarrError
from app.core.paths import map_path
from app.core.queue import connect
from app.store.db import open_database

Result = tuple[bool, str, str]


async def run_checks(settings: Settings) -> list[Result]:
    """Check configuration, Redis, database, tools, every Arr instance and its library roots."""
    results: list[Result] = [(True, "config", f"{len(settings.arr)} Arr instance(s)")]
    url = settings.redis.url.get_secret_value()
    if url:
        try:
            redis = await connect(url)
            await redis.ping()
            await redis.aclose()
            results.append((True, "redis", "answers"))
        except Exception as exc:
            results.append((False, "redis", f"{type(exc).__name__}: {exc}"))
    else:
        found = shutil.which("redis-server")
        detail = (
            f"embedded, {found}"
            if found
            else "redis-server not found (apt-get install redis-server)"
        )
        results.append((bool(found), "redis", detail))
    try:
        conn = await open_database(settings.database_path)
        await conn.close()
        results.append((True, "database", str(settings.database_path)))
    except Exception as exc:
        results.append((False, "database", f"{type(exc).__name__}: {exc}"))
    for tool in ("ffmpeg", "ffprobe"):
        path = shutil.which(tool)
        results.append((bool(path), tool, path or "not found (apt-get install ffmpeg)"))
    runtime = next((shutil.which(n) for n in ("deno", "node", "bun") if shutil.which(n)), None)
    results.append((bool(runtime), "js runtime", runtime or "none: YouTube downloads need deno"))
    async with aiohttp.ClientSession() as session:
        for instance in settings.arr:
            results += await _check_instance(session, settings, instance.name)
    return results


async def _check_instance(
    session: aiohttp.ClientSession, settings: Settings, name: str
) -> list[Result]:
    instance = settings.instance(name)
    assert instance is not None
    client = ArrClient(session, instance)
    try:
        status = await client.get("system/status")
        roots = await client.root_folders()
    except TrailarrError as exc:
        return [(False, f"arr {name}", str(exc))]
    results: list[Result] = [
        (True, f"arr {name}", f"{status.get('appName', '?')} {status.get('version', '?')}")
    ]
    for root in roots:
        local = Path(map_path(root, instance.path_mappings))
        results.append((_writable(local), f"root {name}", str(local)))
    return results


def _writable(folder: Path) -> bool:
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        return False
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".trailarr-check-"):
            return True
    except OSError:
        return False
