"""The layout's promise at run time: `trailarr worker` loads neither the database nor the web."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import tomli_w

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("aiosqlite", "aiohttp.web", "prometheus_client")
# Runs the real command line in a fresh interpreter; once it has returned, says which of the
# forbidden modules it had loaded.
PROGRAM = f"""
import json, sys
from app.cli import main
code = main(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {FORBIDDEN!r} or m in {FORBIDDEN!r})
print(json.dumps({{"code": code, "loaded": loaded}}))
"""


async def test_worker_command_loads_no_database_and_no_web(tmp_path: Path, redis_url: str) -> None:
    """`trailarr worker`, run until its worker starts and then stopped, never imported
    aiosqlite, aiohttp.web or the metrics library (it reaches Redis, the Arr and the disk only)."""
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps({"redis": {"url": redis_url}}), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRAILARR_DATA_DIR": str(tmp_path)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PROGRAM, "--config", str(config), "worker",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env, cwd=str(tmp_path),
    )  # fmt: skip
    assert process.stderr is not None and process.stdout is not None
    async with asyncio.timeout(30):
        seen: list[bytes] = []
        while b"Starting worker" not in (line := await process.stderr.readline()):
            assert line, "the worker exited before it started: " + b"".join(seen).decode()
            seen.append(line)
        process.send_signal(signal.SIGTERM)
        out, _ = await process.communicate()
    report = json.loads(out.decode().strip().splitlines()[-1])
    assert report == {"code": 0, "loaded": []}
    # The check can fail: the same interpreter does load them once the web host is imported.
    probe = f"import sys, app.host; print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))"
    found = await asyncio.create_subprocess_exec(
        sys.executable, "-c", probe, stdout=asyncio.subprocess.PIPE, env=env, cwd=str(tmp_path)
    )
    loaded, _ = await found.communicate()
    assert loaded.decode().strip() == str(sorted(FORBIDDEN))
