"""A private redis-server for `trailarr run` when no Redis URL is configured.

It listens only on a unix socket inside the data dir, keeps an append-only file there, and is
guarded by a password made fresh at every start.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shutil
from pathlib import Path
from urllib.parse import quote

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.core.errors import EmbeddedRedisError

INSTALL_HINT = (
    "redis-server was not found on PATH. Install it (Debian/Ubuntu: `apt-get install redis-server`)"
    " or set [redis] url / TRAILARR_REDIS__URL to an existing Redis."
)


class EmbeddedRedis:
    """Starts and stops a redis-server child process; `url` is how to reach it."""

    def __init__(self, data_dir: Path, binary: str = "redis-server") -> None:
        self.directory = (data_dir / "redis").resolve()
        self.socket = self.directory / "redis.sock"
        self.binary = binary
        self.password = secrets.token_urlsafe(24)
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        """A `unix://` URL with the password, for redis-py and arq."""
        return f"unix://:{quote(self.password, safe='')}@{self.socket}"

    async def start(self, timeout: float = 10.0) -> str:
        """Start redis-server and wait until it answers; return its URL."""
        executable = shutil.which(self.binary)
        if executable is None:
            raise EmbeddedRedisError(INSTALL_HINT)
        if len(str(self.socket)) > 100:
            raise EmbeddedRedisError(
                f"the data dir path is too long for a unix socket: {self.socket}"
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o700)
        with contextlib.suppress(FileNotFoundError):
            self.socket.unlink()
        # The password goes through stdin-free config on the command line of a child we own;
        # the socket is in a 0700 folder, so only this user can reach it anyway.
        self.process = await asyncio.create_subprocess_exec(
            executable,
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--dir", str(self.directory),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--requirepass", self.password,
            "--daemonize", "no",
            "--logfile", str(self.directory / "redis.log"),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        await self._wait_ready(timeout)
        return self.url

    async def _wait_ready(self, timeout: float) -> None:
        assert self.process is not None
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            if self.process.returncode is not None:
                err = b""
                if self.process.stderr is not None:
                    err = await self.process.stderr.read()
                log = self.directory / "redis.log"
                tail = log.read_text(errors="replace")[-500:] if log.exists() else ""
                raise EmbeddedRedisError(
                    f"redis-server exited with code {self.process.returncode}:"
                    f" {err.decode(errors='replace')}{tail}"
                )
            if self.socket.exists() and await self._ping():
                return
            await asyncio.sleep(0.02)
        await self.stop()
        raise EmbeddedRedisError(f"redis-server did not answer within {timeout:.0f} s")

    async def _ping(self) -> bool:
        client = Redis(
            unix_socket_path=str(self.socket), password=self.password, socket_timeout=1.0,
            socket_connect_timeout=1.0, retry=None,
        )  # fmt: skip
        try:
            return bool(await client.ping())
        except (RedisError, OSError):
            return False
        finally:
            await client.aclose()

    async def stop(self, timeout: float = 10.0) -> None:
        """Ask redis-server to exit (it flushes its append-only file) and wait for it."""
        process, self.process = self.process, None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
