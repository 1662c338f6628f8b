"""The TMDB v3 client: a movie's or series' videos, with errors sorted for retry."""

from __future__ import annotations

from typing import Any

import aiohttp

from app.core.config import TmdbSettings
from app.core.errors import TmdbRejected, TmdbUnavailable

DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=60, sock_connect=10)


class TmdbClient:
    """TMDB v3 videos for a movie or a series."""

    def __init__(self, session: aiohttp.ClientSession, settings: TmdbSettings) -> None:
        self.session = session
        self.settings = settings

    @property
    def enabled(self) -> bool:
        """Whether a key is configured."""
        return bool(self.settings.api_key.get_secret_value())

    async def videos(self, kind: str, tmdb_id: int, languages: list[str]) -> dict[str, Any]:
        """`GET /movie|tv/{id}/videos` with every wanted language; unknown id → no videos."""
        key = self.settings.api_key.get_secret_value()
        params = {"include_video_language": ",".join([*languages, "null"])}
        headers = {"Accept": "application/json"}
        if len(key) > 40:  # a v4 read access token (a JWT) rather than a v3 key
            headers["Authorization"] = f"Bearer {key}"
        else:
            params["api_key"] = key
        path = "movie" if kind == "movie" else "tv"
        url = f"{self.settings.url.rstrip('/')}/{path}/{tmdb_id}/videos"
        try:
            async with self.session.get(
                url, params=params, headers=headers, timeout=DEFAULT_TIMEOUT
            ) as response:
                if response.status == 404:
                    return {"id": tmdb_id, "results": []}
                if response.status == 401:
                    raise TmdbRejected("TMDB refused the API key (HTTP 401): check [tmdb] api_key")
                if response.status != 200:
                    raise TmdbUnavailable(f"TMDB answered HTTP {response.status}")
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TmdbUnavailable(f"TMDB unreachable: {type(exc).__name__} {exc}") from exc
        except ValueError as exc:
            raise TmdbUnavailable("TMDB sent a body that is not JSON") from exc
        return data if isinstance(data, dict) else {"results": []}
