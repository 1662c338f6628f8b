"""YouTube: the global cool-down when it throttles us, and the search fallback through yt-dlp."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from redis.asyncio import Redis

from app.core.choose import Candidate
from app.core.config import YoutubeSettings
from app.core.errors import CoolingDown, YtdlpError
from app.core.keys import COOLDOWN_KEY
from workers.download import release

SEARCH_RESULTS = 8

SearchFunction = Callable[[str, int, YoutubeSettings], list[dict[str, Any]]]


def is_youtube(url: str, settings: YoutubeSettings) -> bool:
    """Whether downloading `url` talks to YouTube (or to whatever `url_template` points at)."""
    prefix = settings.url_template.split("{key}", 1)[0]
    host = (urlsplit(url).hostname or "").lower()
    return url.startswith(prefix) or host.endswith(("youtube.com", "youtu.be"))


class Cooldown:
    """A Redis key whose time to live is the time left before YouTube may be asked again."""

    def __init__(self, redis: Redis, seconds: float) -> None:
        self.redis = redis
        self.seconds = seconds

    async def start(self, reason: str) -> None:
        """Begin (or extend) the cool-down."""
        await self.redis.set(COOLDOWN_KEY, reason[:500], px=int(self.seconds * 1000))

    async def check(self) -> None:
        """Raise CoolingDown while the cool-down lasts."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.pttl(COOLDOWN_KEY)
            pipe.get(COOLDOWN_KEY)
            ttl_ms, reason = await pipe.execute()
        if ttl_ms and ttl_ms > 0:
            text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
            raise CoolingDown(ttl_ms / 1000, text)


def run_ytdlp_search(query: str, count: int, settings: YoutubeSettings) -> list[dict[str, Any]]:
    """`ytsearchN:` through yt-dlp without downloading; the flat result entries."""
    import yt_dlp  # large; only workers need it

    options: dict[str, Any] = {
        "quiet": True,
        "no_warnings": True,
        "extract_flat": "in_playlist",
        "skip_download": True,
        "cachedir": False,
    }
    if settings.cookies_file:
        options["cookiefile"] = settings.cookies_file
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
