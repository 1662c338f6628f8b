"""A local video host shaped like YouTube: a watch page per video, the media behind it, and a limit.

``GET /watch?v={key}`` answers an HTML page whose ``<video>`` points at ``/media/{key}.mp4``;
yt-dlp's generic extractor reads the page, then downloads the media, as it reads a YouTube watch
page before the video stream. The page request is the start of a download: the host logs each
one (time, key, status) and applies its limit there, as YouTube does.

The limit is a token bucket Trailarr does not know: ``rate`` downloads per ``window_s``, a burst
of ``burst`` (default ``rate``). Past it the page answers 429 (``rate_limited``) or 403, YouTube's
answer to a client it takes for a bot (``bot_check``). With ``penalty_s`` the host keeps refusing
that long after the first refusal, as YouTube blocks a session "for up to an hour".
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import aiohttp
from aiohttp import web
from yarl import URL

from tests.fakes.wire import LocalServer

__all__ = ["HostRefused", "Start", "TokenBucket", "VideoHost", "fetch_video"]

Refusal = Literal["rate_limited", "bot_check"]
_REFUSALS: dict[str, tuple[int, str]] = {
    "rate_limited": (429, "Too Many Requests"),
    "bot_check": (403, "Sign in to confirm you're not a bot"),
}


@dataclass(frozen=True, slots=True)
class Start:
    """One download start as the host saw it."""

    at: float  # time.time()
    key: str
    status: int


@dataclass(slots=True)
class TokenBucket:
    """`rate` tokens per `window_s`, holding at most `burst`; starts full."""

    rate: float
    window_s: float
    burst: float
    penalty_s: float = 0.0
    tokens: float = field(init=False)
    refilled_at: float = field(init=False, default_factory=time.monotonic)
    blocked_until: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def take(self) -> bool:
        """Spend a token if there is one (and no penalty runs)."""
        now = time.monotonic()
        refill = (now - self.refilled_at) * self.rate / self.window_s
        self.tokens = min(self.burst, self.tokens + refill)
        self.refilled_at = now
        if now < self.blocked_until:
            return False
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        if self.penalty_s:
            self.blocked_until = now + self.penalty_s
        return False


class VideoHost(LocalServer):
    """Watch pages and media on 127.0.0.1, a log of download starts, and an optional limit."""

    def __init__(self, clip: Path | None = None, transfer_s: float = 0.0) -> None:
        super().__init__()
        self.clip = clip  # served for any key not added explicitly
        self.files: dict[str, Path] = {}
        self.answers: dict[str, int] = {}
        self.media_faults: dict[str, Literal["stall", "cut"]] = {}
        self.transfer_s = transfer_s
        self.bucket: TokenBucket | None = None
        self.refusal: Refusal = "rate_limited"
        self.starts: list[Start] = []
        self.cookies: list[str] = []  # the Cookie header of each request that sent one
        self._started = asyncio.Condition()

    @property
    def url_template(self) -> str:
        """``http://127.0.0.1:<port>/watch?v={key}``, what ``youtube.url_template`` takes."""
        if not self.url:
            raise RuntimeError("start the server first")
        return self.url + "/watch?v={key}"

    def url_for(self, key: str) -> str:
        """The watch page of ``key``."""
        return self.url_template.replace("{key}", key)

    def add(self, key: str, path: Path) -> None:
        """Serve the file at ``path`` as the video ``key``."""
        self.files[key] = path

    def answer(self, key: str, status: int) -> None:
        """Answer the watch page of ``key`` with ``status`` (404: removed, 403: bot check, ...)."""
        self.answers[key] = status

    def fault(self, key: str, kind: Literal["stall", "cut"]) -> None:
        """Break the media transfer of ``key`` after its first bytes: stall, or close early."""
        self.media_faults[key] = kind

    def limit(
        self,
        rate: float,
        window_s: float,
        *,
        burst: float | None = None,
        refusal: Refusal = "rate_limited",
        penalty_s: float = 0.0,
    ) -> TokenBucket:
        """Allow ``rate`` downloads per ``window_s`` (a token bucket), refusing the rest."""
        self.bucket = TokenBucket(rate, window_s, rate if burst is None else burst, penalty_s)
        self.refusal = refusal
        return self.bucket

    def refused(self) -> list[Start]:
        """The starts the host refused."""
        return [start for start in self.starts if start.status != 200]

    async def wait_for_starts(self, count: int) -> list[Start]:
        """Wait until ``count`` downloads have started; the log so far."""
        async with self._started:
            await self._started.wait_for(lambda: len(self.starts) >= count)
            return list(self.starts)

    def build_app(self) -> web.Application:
        """The aiohttp application: watch pages and media."""
        app = web.Application()
        app.router.add_get("/watch", self._page)
        app.router.add_get("/media/{key}.mp4", self._media)
        return app

    async def _log(self, key: str, status: int) -> None:
        async with self._started:
            self.starts.append(Start(time.time(), key, status))
            self._started.notify_all()

    def _note_cookies(self, request: web.Request) -> None:
        if "Cookie" in request.headers:
            self.cookies.append(request.headers["Cookie"])

    async def _page(self, request: web.Request) -> web.Response:
        self._note_cookies(request)
        key = request.query.get("v", "")
        status = self.answers.get(key, 200)
        if status == 200 and self._file(key) is None:
            status = 404
        if status == 200 and self.bucket is not None and not self.bucket.take():
            status = _REFUSALS[self.refusal][0]
        await self._log(key, status)
        if status != 200:
            reason = _REFUSALS[self.refusal][1] if status in (403, 429) else None
            return web.Response(status=status, text=reason or "Video unavailable")
        page = (
            f"<!DOCTYPE html><html><head><title>{key} - Official Trailer</title></head><body>"
            f'<video controls><source src="/media/{key}.mp4" type="video/mp4"></video>'
            "</body></html>"
        )
        return web.Response(text=page, content_type="text/html")

    def _file(self, key: str) -> Path | None:
        return self.files.get(key, self.clip)

    async def _media(self, request: web.Request) -> web.StreamResponse:
        self._note_cookies(request)
        key = request.match_info["key"]
        path = self._file(key)
        if path is None:
            raise web.HTTPNotFound()
        data = path.read_bytes()
        response = web.StreamResponse(
            headers={"Content-Type": "video/mp4", "Content-Length": str(len(data))}
        )
        await response.prepare(request)
        fault = self.media_faults.get(key)
        chunks = 8
        size = -(-len(data) // chunks)
        for index in range(chunks):
            if index == 1 and fault is not None:
                if fault == "cut" and request.transport is not None:
                    request.transport.close()
                    return response
                await asyncio.Event().wait()  # a stalled transfer: bytes stop, socket stays open
            await response.write(data[index * size : (index + 1) * size])
            if self.transfer_s:
                await asyncio.sleep(self.transfer_s / chunks)  # the host's bandwidth
        await response.write_eof()
        return response


class HostRefused(Exception):
    """The host answered an error status; worded as yt-dlp words it."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"HTTP Error {status}: {reason}")
        self.status = status


async def fetch_video(session: aiohttp.ClientSession, url: str) -> int:
    """Download a video as yt-dlp does from this host (the page, then its media); the bytes."""
    async with session.get(url) as page:
        if page.status != 200:
            raise HostRefused(page.status, page.reason or "")
        html = await page.text()
    found = re.search(r'<source src="([^"]+)"', html)
    if found is None:
        raise HostRefused(404, "Not Found")
    async with session.get(str(page.url.join(URL(found.group(1))))) as media:
        if media.status != 200:
            raise HostRefused(media.status, media.reason or "")
        return len(await media.read())
