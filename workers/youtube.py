"""YouTube: which URLs are YouTube's, and the search fallback through yt-dlp."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from app.core.choose import Candidate
from app.core.config import YoutubeSettings
from app.core.errors import YtdlpError
from workers.download import common_options, release

SEARCH_RESULTS = 8
SOURCE = "youtube"

SearchFunction = Callable[[str, int, YoutubeSettings], list[dict[str, Any]]]


def _host(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    scheme_port = {"http": 80, "https": 443}.get(parts.scheme)
    return (parts.hostname or "").lower(), port or scheme_port


def is_youtube(url: str, settings: YoutubeSettings) -> bool:
    """Whether downloading `url` talks to YouTube: youtube.com, youtu.be, or the host (name and
    port) of `url_template`, so a local stand-in gets YouTube's treatment."""
    host, port = _host(url)
    if host == "youtu.be" or host == "youtube.com" or host.endswith(".youtube.com"):
        return True
    return (host, port) == _host(settings.url_template.replace("{key}", "x"))


def run_ytdlp_search(query: str, count: int, settings: YoutubeSettings) -> list[dict[str, Any]]:
    """`ytsearchN:` through yt-dlp without downloading; the flat result entries."""
    import yt_dlp  # large; only workers need it

    options = {**common_options(settings), "extract_flat": "in_playlist", "skip_download": True}
    try:
        with yt_dlp.YoutubeDL(options) as ydl:
            info = ydl.extract_info(f"ytsearch{count}:{query}", download=False)
    except Exception as exc:
        release(exc)
        message = str(exc)
    else:
        entries = (info or {}).get("entries") or []
        return [entry for entry in entries if isinstance(entry, dict)]
    raise YtdlpError(message)  # outside the handler: no chain keeps the responses alive


def search_query(title: str, year: int, kind: str) -> str:
    """What to search for: the title, the year for movies, and the words trailers carry."""
    if kind == "movie" and year:
        return f"{title} {year} official trailer"
    return f"{title} official trailer"


def search_candidates(
    entries: Sequence[dict[str, Any]], settings: YoutubeSettings
) -> list[Candidate]:
    """Flat yt-dlp search entries as candidates (id, title, duration, channel, live status)."""
    found = []
    for entry in entries:
        key = entry.get("id")
        if not isinstance(key, str) or not key:
            continue
        duration = entry.get("duration")
        live = entry.get("live_status") in ("is_live", "is_upcoming") or bool(entry.get("is_live"))
        found.append(
            Candidate(
                url=settings.url_template.format(key=key),
                source="search",
                key=key,
                name=str(entry.get("title") or ""),
                duration=float(duration) if isinstance(duration, int | float) else None,
                channel=str(entry.get("channel") or entry.get("uploader") or ""),
                is_live=live,
            )
        )
    return found


async def youtube_search(
    query: str,
    settings: YoutubeSettings,
    search: SearchFunction | None = None,
    count: int = SEARCH_RESULTS,
) -> list[Candidate]:
    """Search YouTube (in a thread: yt-dlp blocks) and return the results as candidates."""
    entries = await asyncio.to_thread(search or run_ytdlp_search, query, count, settings)
    return search_candidates(entries, settings)
