"""A fake TMDB v3 API serving ``/3/movie/{id}/videos`` and ``/3/tv/{id}/videos``.

TMDB is not .NET: bodies are compact raw UTF-8 JSON in snake_case, and ``null`` is written.
Language filtering follows TMDB: ``language`` (default ``en-US``) keeps videos in its language
only, and ``include_video_language=en,null,de`` adds those languages (``null``: videos without
one).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from typing import Any, Literal

from aiohttp import web
from aiohttp.typedefs import Handler

from tests.fakes.wire import LocalServer, accepts_gzip

__all__ = ["FakeTmdb", "video"]

TmdbKind = Literal["movie", "tv"]
_INVALID_KEY = {
    "status_code": 7,
    "status_message": "Invalid API key: You must be granted a valid key.",
    "success": False,
}
_NOT_FOUND = {
    "success": False,
    "status_code": 34,
    "status_message": "The resource you requested could not be found.",
}


def video(
    key: str,
    name: str,
    type: str = "Trailer",
    official: bool = True,
    lang: str | None = "en",
    country: str = "US",
    size: int = 1080,
    site: str = "YouTube",
    published_at: str = "2014-10-02T19:20:22.000Z",
) -> dict[str, Any]:
    """One entry of a videos ``results`` list, fields in TMDB's order, with a stable 24-hex id."""
    return {
        "iso_639_1": lang,
        "iso_3166_1": country,
        "name": name,
        "key": key,
        "site": site,
        "size": size,
        "type": type,
        "official": official,
        "published_at": published_at,
        "id": hashlib.sha1(f"{site}:{key}".encode()).hexdigest()[:24],
    }


class FakeTmdb(LocalServer):
    """TMDB's videos endpoints with auth, 404s and language filtering.

    Auth: ``api_key`` in the query, or ``Authorization: Bearer <read_token>`` (``read_token``
    defaults to ``api_key`` so a test can use one secret for both). ``requests`` records every
    ``(method, path)``.
    """

    def __init__(self, api_key: str = "tmdb-key", read_token: str | None = None) -> None:
        super().__init__()
        self.api_key = api_key
        self.read_token = read_token if read_token is not None else api_key
        self.videos: dict[tuple[TmdbKind, int], list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, str]] = []

    def set_videos(self, kind: TmdbKind, tmdb_id: int, results: list[dict[str, Any]]) -> None:
        """Make ``/3/{kind}/{tmdb_id}/videos`` exist and answer ``results`` (``[]`` is allowed)."""
        self.videos[(kind, tmdb_id)] = list(results)

    def build_app(self) -> web.Application:
        """The aiohttp application serving the videos endpoints."""
        app = web.Application(middlewares=[self._gate])
        app.router.add_get(r"/3/{kind:movie|tv}/{tmdb_id:\d+}/videos", self._videos)
        return app

    def _authorized(self, request: web.Request) -> bool:
        if request.query.get("api_key") == self.api_key:
            return True
        return request.headers.get("Authorization") == f"Bearer {self.read_token}"

    @web.middleware
    async def _gate(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        if not self._authorized(request):
            return self._json(request, _INVALID_KEY, status=401)
        return await handler(request)

    async def _videos(self, request: web.Request) -> web.Response:
        kind: TmdbKind = "movie" if request.match_info["kind"] == "movie" else "tv"
        tmdb_id = int(request.match_info["tmdb_id"])
        results = self.videos.get((kind, tmdb_id))
        if results is None:
            return self._json(request, _NOT_FOUND, status=404)
        languages = {request.query.get("language", "en-US").split("-")[0].lower()}
        extra = request.query.get("include_video_language", "")
        languages.update(part.strip().lower() for part in extra.split(",") if part.strip())
        wanted = [r for r in results if (r["iso_639_1"] or "null").lower() in languages]
        return self._json(request, {"id": tmdb_id, "results": wanted})

    @staticmethod
    def _json(request: web.Request, obj: Any, status: int = 200) -> web.Response:
        body = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json;charset=utf-8"}
        if accepts_gzip(request):
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        return web.Response(status=status, body=body, headers=headers)
