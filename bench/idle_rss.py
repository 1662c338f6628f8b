"""Idle memory: RSS of `trailarr run` and its embedded redis-server, at rest and after load.

What it measures
  * `trailarr run` started as a subprocess on a temporary data dir, with a generated config.toml:
    one radarr instance at a local port nothing listens on, a fixed API key, no `[redis] url`
    (so the embedded redis-server runs as its child).
  * RSS = VmRSS of the trailarr process + VmRSS of each child process (the redis-server), read
    from /proc/<pid>/status, after start-up has settled ("idle").
  * The same after 1,000 Radarr `Download` webhooks for distinct movies, sent by this process with
    aiohttp, 20 at a time. Their jobs cannot fetch metadata (nothing answers at the Radarr URL)
    and sit in retry backoff: that is fine, the figure is about what the process holds.

Target: idle RSS <= 150 MB (PASS/FAIL on that line; the exit code follows it).

Only 127.0.0.1 is contacted.

    .venv/bin/python bench/idle_rss.py [--webhooks 1000] [--concurrency 20] [--settle 3]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import free_port, write_config  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "radarr" / "webhook_download.json"
API_KEY = "bench-idle-rss-key"
TARGET_MB = 150.0


def vm_rss_kb(pid: int) -> int:
    """VmRSS of a process in kB (0 if it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    """The direct children of a process, from every thread's /proc children list."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(p) for p in (task / "children").read_text().split())
        except OSError:
            continue
    return sorted(found)


def rss(pid: int) -> tuple[float, dict[str, float]]:
    """Total RSS in MB of the process and its children, and each one's share by name."""
    parts: dict[str, float] = {}
    for member in [pid, *children(pid)]:
        try:
            name = Path(f"/proc/{member}/comm").read_text().strip()
        except OSError:
            continue
        key = "trailarr" if member == pid else f"{name}[{member}]"
        parts[key] = vm_rss_kb(member) / 1024
    return sum(parts.values()), parts


def download_body(template: dict[str, Any], arr_id: int) -> bytes:
    """A Radarr `Download` webhook for a distinct movie."""
    body = copy.deepcopy(template)
    title = f"Bench Movie {arr_id:05d}"
    folder = f"/movies/{title} (2020)"
    body["movie"].update(id=arr_id, title=title, year=2020, folderPath=folder,
                         tmdbId=500_000 + arr_id)  # fmt: skip
    body["remoteMovie"].update(tmdbId=500_000 + arr_id, title=title, year=2020)
    body["movieFile"].update(path=f"{folder}/{title} (2020).mkv",
                             relativePath=f"{title} (2020).mkv")  # fmt: skip
    return json.dumps(body).encode()


async def wait_healthy(base: str, process: asyncio.subprocess.Process, timeout: float) -> None:
    """Poll /health until it answers 200 (or fail if the process exits)."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            if process.returncode is not None:
                raise SystemExit(f"trailarr exited with {process.returncode} during start-up")
            try:
                async with session.get(base + "/health") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("trailarr did not become healthy in time")
            await asyncio.sleep(0.1)


async def send_webhooks(base: str, count: int, concurrency: int) -> dict[int, int]:
    """POST `count` distinct Download webhooks, `concurrency` at a time; answers per status."""
    template = json.loads(FIXTURE.read_text(encoding="utf-8"))
    statuses: dict[int, int] = {}
    next_id = iter(range(1, count + 1))
    headers = {"X-Api-Key": API_KEY, "Content-Type": "application/json"}

    async def sender(session: aiohttp.ClientSession) -> None:
        for arr_id in next_id:
            async with session.post(
                base + "/webhook/radarr", data=download_body(template, arr_id), headers=headers
            ) as response:
                await response.read()
                statuses[response.status] = statuses.get(response.status, 0) + 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(sender(session) for _ in range(concurrency)))
    return statuses


async def queue_status(base: str) -> dict[str, Any]:
    """/api/status as JSON (queue depth and counts)."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(base + "/api/status", headers={"X-Api-Key": API_KEY}) as response,
    ):
        data: dict[str, Any] = await response.json()
        return data


def describe(label: str, total: float, parts: dict[str, float]) -> str:
    """One line: the total and each process's share."""
    detail = ", ".join(f"{name} {mb:.1f}" for name, mb in parts.items())
    return f"{label:<28} {total:7.1f} MB  ({detail})"


async def measure(args: argparse.Namespace) -> int:
    """Start trailarr, measure idle, send the webhooks, measure again; 0 when idle meets target."""
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    data_dir = Path(tempfile.mkdtemp(prefix="bench-idle-rss-"))
    port = free_port()
    config = write_config(data_dir, port, API_KEY)
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAILARR_")}
    trailarr = Path(sys.executable).with_name("trailarr")
    command = [str(trailarr), "--config", str(config), "--log-level", "WARNING", "run"]
    process = await asyncio.create_subprocess_exec(
        *command, cwd=data_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        await wait_healthy(base, process, timeout=30)
        await asyncio.sleep(args.settle)
        idle, idle_parts = rss(process.pid)
        started = time.perf_counter()
        statuses = await send_webhooks(base, args.webhooks, args.concurrency)
        elapsed = time.perf_counter() - started
        await asyncio.sleep(args.settle)
        loaded, loaded_parts = rss(process.pid)
        status = await queue_status(base)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"trailarr run, embedded redis-server; {args.webhooks} webhooks, "
          f"{args.concurrency} concurrent, answered {statuses} in {elapsed:.1f} s; "
          f"queue depth after: {(status.get('queue') or {}).get('depth')}")  # fmt: skip
    print(describe("RSS idle after start-up", idle, idle_parts))
    print(describe(f"RSS after {args.webhooks} webhooks", loaded, loaded_parts))
    verdict = "PASS" if idle <= TARGET_MB else "FAIL"
    print(f"{verdict}: idle RSS {idle:.1f} MB (target <= {TARGET_MB:.0f} MB)")
    return 0 if verdict == "PASS" else 1


def main() -> int:
    """Parse the options and run the measurement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--webhooks", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds to wait before reading")
    return asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
