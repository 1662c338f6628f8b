"""Download with yt-dlp into a temporary name, verify with ffprobe, and place atomically."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.config import TrailerSettings, YoutubeSettings
from app.core.errors import CandidateFailed, VerificationFailed, YtdlpError, classify_ytdlp
from app.core.paths import TEMP_PREFIX


@dataclass(frozen=True, slots=True)
class Placed:
    """A verified trailer in its final place."""

    path: Path
    size: int
    seconds: float
    duration: float


def _ydl_options(
    outtmpl: str, trailers: TrailerSettings, youtube: YoutubeSettings
) -> dict[str, Any]:
    height = trailers.max_height
    options: dict[str, Any] = {
        "outtmpl": outtmpl,
        "format": f"bv*[height<=?{height}]+ba/b[height<=?{height}]/bv*+ba/b",
        "merge_output_format": trailers.container,
        "postprocessors": [{"key": "FFmpegVideoRemuxer", "preferedformat": trailers.container}],
        "noplaylist": True,
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "socket_timeout": 30,
        "retries": 3,
        "fragment_retries": 3,
        "overwrites": True,
        "continuedl": False,
        "cachedir": False,
        "logger": _QuietLogger(),
    }
    if youtube.cookies_file:
        options["cookiefile"] = youtube.cookies_file
    return options


class _QuietLogger:
    """Keeps yt-dlp's chatter out of our output; errors come back as exceptions."""

    def debug(self, msg: str) -> None:
        """Drop."""

    def info(self, msg: str) -> None:
        """Drop."""

    def warning(self, msg: str) -> None:
        """Drop."""

    def error(self, msg: str) -> None:
        """Drop."""


def release(exc: BaseException) -> None:
    """Close the HTTP responses a yt-dlp error holds (it keeps their sockets open otherwise)."""
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        response = getattr(item, "response", None)
        if response is not None and hasattr(response, "close"):
            response.close()
        info = getattr(item, "exc_info", None)
        todo += [item.__cause__, item.__context__, *(info[1:2] if info else ())]


def _run_ytdlp(url: str, options: dict[str, Any]) -> None:
    import yt_dlp  # imported lazily: it is large and only workers need it

    try:
        with yt_dlp.YoutubeDL(options) as ydl:
            ydl.download([url])
    except Exception as exc:
        release(exc)
        message = str(exc)
    else:
        return
    raise YtdlpError(message)  # outside the handler: no chain keeps the responses alive


async def probe(path: Path) -> tuple[bool, float]:
    """ffprobe: (has a video stream, duration in seconds)."""
    process = await asyncio.create_subprocess_exec(
        "ffprobe", "-v", "error", "-show_entries", "stream=codec_type:format=duration",
        "-of", "json", str(path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await process.communicate()
    if process.returncode != 0:
        return False, 0.0
    try:
        info = json.loads(out)
        has_video = any(s.get("codec_type") == "video" for s in info.get("streams", []))
        duration = float(info.get("format", {}).get("duration") or 0.0)
    except (ValueError, AttributeError):
        return False, 0.0
    return has_video, duration


async def verify(path: Path, trailers: TrailerSettings) -> float:
    """Raise VerificationFailed unless `path` has a video stream and a duration within bounds."""
    has_video, duration = await probe(path)
    if not has_video:
        raise VerificationFailed("the download has no video stream")
    if duration < trailers.min_duration:
        raise VerificationFailed(
            f"the download lasts {duration:.1f} s, under the {trailers.min_duration:g} s minimum"
        )
    if duration > trailers.max_duration:
        raise VerificationFailed(
            f"the download lasts {duration:.0f} s, over the {trailers.max_duration:g} s maximum"
        )
    return duration


def place(temp: Path, final: Path) -> None:
    """Move `temp` to `final` atomically, never replacing a file that is already there."""
    try:
        os.link(temp, final)
    except FileExistsError:
        raise  # a subclass of OSError, but not the "no hard links here" case below
    except OSError:
        # File systems without hard links (some SMB/FUSE mounts): check, then rename.
        if final.exists():
            raise FileExistsError(str(final)) from None
        os.rename(temp, final)
        return
    temp.unlink()


async def download_trailer(
    url: str, final: Path, trailers: TrailerSettings, youtube: YoutubeSettings
) -> Placed:
    """Download `url` into `final`'s folder under a hidden temporary name, verify, then place it.

    On any failure no file of this attempt is left behind.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(6)
    prefix = f"{TEMP_PREFIX}{token}"
    outtmpl = str(final.parent / f"{prefix}.%(ext)s")
    started = time.monotonic()
    try:
        try:
            await asyncio.to_thread(_run_ytdlp, url, _ydl_options(outtmpl, trailers, youtube))
        except YtdlpError as exc:
            raise classify_ytdlp(str(exc)) from None
        produced = [
            p for p in final.parent.glob(f"{prefix}.*")
            if not p.name.endswith((".part", ".ytdl", ".temp"))
        ]  # fmt: skip
        if not produced:
            raise CandidateFailed("yt-dlp finished without writing a file")
        temp = max(produced, key=lambda p: p.stat().st_size)
        duration = await verify(temp, trailers)
        size = temp.stat().st_size
        place(temp, final)
        return Placed(final, size, time.monotonic() - started, duration)
    finally:
        for leftover in final.parent.glob(f"{prefix}*"):
            with contextlib.suppress(OSError):
                leftover.unlink()
