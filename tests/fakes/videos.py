"""Real video clips, and a local HTTP server standing in for YouTube.

``make_clip`` encodes a small H.264/AAC MP4 with ffmpeg. ``VideoServer`` serves clips at
``/videos/{key}.mp4``; its ``url_template`` is what Trailarr's ``youtube.url_template`` setting
takes, so the real yt-dlp (generic extractor, direct link) downloads from it.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

from aiohttp import web

from tests.fakes.wire import LocalServer

__all__ = ["VideoServer", "make_clip"]


def make_clip(path: Path, seconds: float = 2.0, height: int = 360, audio: bool = True) -> Path:
    """Encode a ``seconds`` long 16:9 test-pattern MP4 (H.264, AAC tone, faststart) at ``path``."""
    width = round(height * 16 / 9 / 2) * 2
    inputs = ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=25:duration={seconds}"]
    codecs = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
        codecs += ["-c:a", "aac", "-b:a", "64k", "-shortest"]
    command = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *inputs]
    subprocess.run([*command, *codecs, "-movflags", "+faststart", str(path)], check=True)
    return path


class VideoServer(LocalServer):
    """Serves ``GET``/``HEAD /videos/{key}.mp4`` from files (with Range support) or raw bytes.

    ``downloads`` counts GETs per key, unknown keys included (those get 404). yt-dlp's generic
    extractor makes two GETs per download: a probe that reads the headers, then the download.
    """

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, Path] = {}
        self.blobs: dict[str, tuple[bytes, str]] = {}
        self.downloads: Counter[str] = Counter()
        self.statuses: dict[str, int] = {}

    @property
    def url_template(self) -> str:
        """``http://127.0.0.1:<port>/videos/{key}.mp4``, with a literal ``{key}`` placeholder."""
        if not self.url:
            raise RuntimeError("start the server first")
        return self.url + "/videos/{key}.mp4"

    def url_for(self, key: str) -> str:
        """The URL serving ``key``."""
        return self.url_template.replace("{key}", key)

    def add(self, key: str, path: Path) -> None:
        """Serve the file at ``path`` as ``key``."""
        self.blobs.pop(key, None)
        self.files[key] = path

    def add_bytes(self, key: str, data: bytes, content_type: str = "video/mp4") -> None:
        """Serve ``data`` as ``key`` (e.g. bytes that are not a video, to test verification)."""
        self.files.pop(key, None)
        self.blobs[key] = (data, content_type)

    def fail(self, key: str, status: int = 429) -> None:
        """Answer every request for ``key`` with ``status`` (429: YouTube throttling)."""
        self.statuses[key] = status

    def build_app(self) -> web.Application:
        """The aiohttp application serving the clips."""
        app = web.Application()
        app.router.add_get("/videos/{key}.mp4", self._serve)  # HEAD is added too
        return app

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        if request.method == "GET":
            self.downloads[key] += 1
        if key in self.statuses:
            return web.Response(status=self.statuses[key], text="Too Many Requests")
        if key in self.files:
            return web.FileResponse(self.files[key], headers={"Content-Type": "video/mp4"})
        if key in self.blobs:
            data, content_type = self.blobs[key]
            return web.Response(body=data, headers={"Content-Type": content_type})
        raise web.HTTPNotFound()
