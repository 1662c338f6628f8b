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
from app.core.errors import DownloadFailed, VerificationFailed, YtdlpError, download_failure
from app.core.failures import FailureClass
from app.core.paths import TEMP_PREFIX

POT_PROVIDER_IE = "youtubepot-bgutilhttp"  # the bgutil-ytdlp-pot-provider plugin's HTTP client


@dataclass(frozen=True, slots=True)
class Fetched:
    """A verified download under a temporary name beside its final place."""

    path: Path
    size: int
    seconds: float
    duration: float
    height: int


@dataclass(frozen=True, slots=True)
class Placed:
    """A verified trailer in its final place."""

    path: Path
    size: int
    seconds: float
    duration: float
    height: int


def failure_class_of(exc: BaseException) -> FailureClass | None:
    """The class a failed download carries (None: not a download failure)."""
    return exc.failure_class if isinstance(exc, DownloadFailed) else None


def common_options(youtube: YoutubeSettings) -> dict[str, Any]:
    """What every yt-dlp call gets: cookies, proxy, extractor arguments, the PO-token provider."""
    options: dict[str, Any] = {
        "quiet": True,
        "no_warnings": True,
        "socket_timeout": 30,
        "cachedir": False,
        "logger": _QuietLogger(),
    }
    if youtube.cookies_file:
        options["cookiefile"] = youtube.cookies_file
    if youtube.proxy.get_secret_value():
        options["proxy"] = youtube.proxy.get_secret_value()
    extractor_args = {ie: {k: list(v) for k, v in args.items()}
                      for ie, args in youtube.extractor_args.items()}  # fmt: skip
    if youtube.pot_provider:
        extractor_args.setdefault(POT_PROVIDER_IE, {})["base_url"] = [youtube.pot_provider]
    if extractor_args:
        options["extractor_args"] = extractor_args
    return options


def ytdlp_options(
    outtmpl: str, trailers: TrailerSettings, youtube: YoutubeSettings
) -> dict[str, Any]:
    """The options a download gives yt-dlp."""
    height = trailers.max_height
    return {
        **common_options(youtube),
        "outtmpl": outtmpl,
        "format": f"bv*[height<=?{height}]+ba/b[height<=?{height}]/bv*+ba/b",
        "merge_output_format": trailers.container,
        "postprocessors": [{"key": "FFmpegVideoRemuxer", "preferedformat": trailers.container}],
        "noplaylist": True,
        "noprogress": True,
        "retries": 3,
        "fragment_retries": 3,
        "overwrites": True,
        "continuedl": False,
    }


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


async def probe(path: Path) -> tuple[bool, float, int]:
    """ffprobe: (has a video stream, duration in seconds, the video's real height)."""
    process = await asyncio.create_subprocess_exec(
        "ffprobe", "-v", "error", "-show_entries", "stream=codec_type,height:format=duration",
        "-of", "json", str(path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await process.communicate()
    if process.returncode != 0:
        return False, 0.0, 0
    try:
        info = json.loads(out)
        videos = [s for s in info.get("streams", []) if s.get("codec_type") == "video"]
        duration = float(info.get("format", {}).get("duration") or 0.0)
        height = max((int(s.get("height") or 0) for s in videos), default=0)
    except (ValueError, AttributeError, TypeError):
        return False, 0.0, 0
    return bool(videos), duration, height


async def verify(path: Path, trailers: TrailerSettings) -> tuple[float, int]:
    """Raise VerificationFailed unless `path` has a video stream and a duration within bounds;
    the duration and the real height."""
    has_video, duration, height = await probe(path)
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
    return duration, height


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


async def fetch(
    url: str, folder: Path, trailers: TrailerSettings, youtube: YoutubeSettings
) -> Fetched:
    """Download `url` into `folder` under a hidden temporary name and verify it.

    A failure raises DownloadFailed with its class and leaves no file of this attempt behind.
    """
    folder.mkdir(parents=True, exist_ok=True)
    prefix = f"{TEMP_PREFIX}{secrets.token_hex(6)}"
    started = time.monotonic()
    try:
        try:
            options = ytdlp_options(str(folder / f"{prefix}.%(ext)s"), trailers, youtube)
            await asyncio.to_thread(_run_ytdlp, url, options)
        except YtdlpError as exc:
            raise download_failure(str(exc)) from None
        produced = [
            p for p in folder.glob(f"{prefix}.*")
            if not p.name.endswith((".part", ".ytdl", ".temp"))
        ]  # fmt: skip
        if not produced:
            raise DownloadFailed("yt-dlp finished without writing a file", FailureClass.INVALID)
        temp = max(produced, key=lambda p: p.stat().st_size)
        try:
            duration, height = await verify(temp, trailers)
        except VerificationFailed as exc:
            raise DownloadFailed(str(exc), FailureClass.INVALID) from None
        fetched = Fetched(temp, temp.stat().st_size, time.monotonic() - started, duration, height)
    except BaseException:
        discard_prefix(folder, prefix)
        raise
    for leftover in folder.glob(f"{prefix}*"):  # yt-dlp's fragments and the pre-remux file
        if leftover != fetched.path:
            with contextlib.suppress(OSError):
                leftover.unlink()
    return fetched


def discard_prefix(folder: Path, prefix: str) -> None:
    """Remove every file of one attempt."""
    for leftover in folder.glob(f"{prefix}*"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def settle(fetched: Fetched, final: Path) -> Placed:
    """Place a fetched download at `final` (never over an existing file)."""
    place(fetched.path, final)
    return Placed(final, fetched.size, fetched.seconds, fetched.duration, fetched.height)


async def download_trailer(
    url: str, final: Path, trailers: TrailerSettings, youtube: YoutubeSettings
) -> Placed:
    """Fetch `url`, verify it and place it at `final` atomically; nothing is left on failure."""
    fetched = await fetch(url, final.parent, trailers, youtube)
    try:
        return settle(fetched, final)
    finally:
        with contextlib.suppress(OSError):
            fetched.path.unlink(missing_ok=True)
