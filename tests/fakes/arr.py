"""A fake Radarr or Sonarr v3 REST API on 127.0.0.1 that speaks the real wire format.

Resources have the shape of ``MovieResource``/``SeriesResource`` (ARR_CONTRACT §3): every field,
in the order System.Text.Json writes them, ``id`` last, serialized by ``stj_dumps``. Auth, 404
problem details and gzip follow ASP.NET as configured by the apps. Tests edit ``media`` directly
or through ``set_path``/``set_file_name`` to simulate renames and moves.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import re
import secrets
from decimal import Decimal
from http import HTTPStatus
from pathlib import PurePosixPath
from typing import Any, Final, Literal

from aiohttp import web
from aiohttp.typedefs import Handler

from tests.fakes.wire import LocalServer, accepts_gzip, stj_dumps

__all__ = ["AUTO", "FakeArr", "fake_youtube_key"]

ArrKind = Literal["radarr", "sonarr"]
AUTO: Final = "<auto>"
"""Default for ``add_movie(youtube_trailer_id=...)``: use ``fake_youtube_key(tmdb_id)``."""

# Radarr/Sonarr Language ids (the two apps agree on these) and ISO 639-2 codes for mediaInfo.
_LANGUAGES: Final = {
    "English": (1, "eng"), "French": (2, "fre"), "Spanish": (3, "spa"), "German": (4, "ger"),
    "Italian": (5, "ita"), "Danish": (6, "dan"), "Dutch": (7, "dut"), "Japanese": (8, "jpn"),
    "Chinese": (10, "chi"), "Russian": (11, "rus"), "Polish": (12, "pol"), "Swedish": (14, "swe"),
    "Norwegian": (15, "nor"), "Finnish": (16, "fin"), "Turkish": (17, "tur"),
    "Portuguese": (18, "por"), "Korean": (21, "kor"), "Czech": (25, "cze"),
}  # fmt: skip
_ALTERNATE_TITLES: Final = (
    "{title} (Película)", "Фильм «{title}»", "{title}\uff1a劇場版", "{title} \u2013 Der Film",
    "{title} & Co", "Le film « {title} »",
)  # fmt: skip
# Problem-details "type" links: Radarr v6 runs .NET 8 (RFC 9110), Sonarr v4 .NET 6 (RFC 7231).
_PROBLEM_TYPES: Final = {
    ("radarr", 400): "https://tools.ietf.org/html/rfc9110#section-15.5.1",
    ("radarr", 404): "https://tools.ietf.org/html/rfc9110#section-15.5.5",
    ("sonarr", 400): "https://tools.ietf.org/html/rfc7231#section-6.5.1",
    ("sonarr", 404): "https://tools.ietf.org/html/rfc7231#section-6.5.4",
}
_SYSTEM_STATUS: Final[dict[str, dict[str, Any]]] = {
    "radarr": {
        "appName": "Radarr", "instanceName": "Radarr", "version": "6.0.3.10276",
        "buildTime": "2025-10-25T13:52:41Z", "isDebug": False, "isProduction": True,
        "isAdmin": False, "isUserInteractive": False, "startupPath": "/app/radarr/bin",
        "appData": "/config", "osName": "alpine", "osVersion": "3.22.2", "isNetCore": True,
        "isLinux": True, "isOsx": False, "isWindows": False, "isDocker": True, "mode": "console",
        "branch": "master", "databaseType": "sqLite", "databaseVersion": "3.49.2",
        "authentication": "forms", "migrationVersion": 242, "urlBase": "",
        "runtimeVersion": "8.0.21", "runtimeName": "netcore", "startTime": "2026-06-24T07:12:33Z",
        "packageVersion": "6.0.3.10276-ls288", "packageAuthor": "[linuxserver.io](https://linuxserver.io)",
        "packageUpdateMechanism": "docker",
    },
    "sonarr": {
        "appName": "Sonarr", "instanceName": "Sonarr", "version": "4.0.19.2979",
        "buildTime": "2025-10-12T18:20:05Z", "isDebug": False, "isProduction": True,
        "isAdmin": False, "isUserInteractive": False, "startupPath": "/app/sonarr/bin",
        "appData": "/config", "osName": "alpine", "osVersion": "3.22.2", "isNetCore": True,
        "isLinux": True, "isOsx": False, "isWindows": False, "isDocker": True, "mode": "console",
        "branch": "main", "authentication": "forms", "migrationVersion": 217, "urlBase": "",
        "runtimeVersion": "6.0.36", "runtimeName": ".NET", "startTime": "2026-06-24T07:12:31Z",
        "packageVersion": "4.0.19.2979-ls301", "packageAuthor": "[linuxserver.io](https://linuxserver.io)",
        "packageUpdateMechanism": "docker", "databaseVersion": "3.49.2", "databaseType": "sqLite",
    },
}  # fmt: skip
_DECIMAL_MAX: Final = 2**96 - 1


def fake_youtube_key(seed: int) -> str:
    """A stable, realistic 11-character YouTube video id derived from ``seed``."""
    digest = hashlib.sha256(f"trailer-{seed}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:11]


def _net_decimal(numerator: int, scale: int) -> Decimal:
    """``numerator / 10**scale`` squeezed as System.Decimal does: scale ≤ 28, 96-bit mantissa."""
    while scale > 28 or abs(numerator) > _DECIMAL_MAX:
        quotient, remainder = divmod(numerator, 10)
        if remainder > 5 or (remainder == 5 and quotient % 2):
            quotient += 1
        numerator, scale = quotient, scale - 1
    return Decimal(f"{numerator}E-{scale}")


def _percent(part: int, whole: int) -> Decimal:
    """Sonarr's ``(decimal)part / whole * 100``, digits and scale as .NET prints them."""
    if whole == 0:
        return Decimal(0)
    for scale in range(29):  # an exact quotient keeps the smallest scale
        if part * 10**scale % whole == 0:
            quotient = _net_decimal(part * 10**scale // whole, scale)
            break
    else:
        rounded, remainder = divmod(part * 10**28, whole)
        quotient = _net_decimal(rounded + (2 * remainder >= whole), 28)
    _, digits, exponent = quotient.as_tuple()
    assert isinstance(exponent, int)
    return _net_decimal(int("".join(map(str, digits))) * 100, -exponent)


def _language(name: str) -> dict[str, Any]:
    if name not in _LANGUAGES:
        raise ValueError(f"unknown language {name!r}; known: {', '.join(_LANGUAGES)}")
    return {"id": _LANGUAGES[name][0], "name": name}


def _clean_title(title: str) -> str:
    return re.sub(r"[\W_]+", "", title.lower())


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _images(arr_id: int, covers: tuple[str, ...], remote: str) -> list[dict[str, Any]]:
    return [
        {
            "coverType": cover,
            "url": f"/MediaCover/{arr_id}/{cover}.jpg?lastWrite=6384319801{arr_id:08d}",
            "remoteUrl": f"{remote}/{hashlib.md5(f'{arr_id}{cover}'.encode()).hexdigest()}.jpg",
        }
        for cover in covers
    ]


class FakeArr(LocalServer):
    """A Radarr (``kind="radarr"``) or Sonarr (``kind="sonarr"``) instance's v3 API.

    Test controls: ``requests`` records every ``(method, path)`` and ``arrived`` is set when one
    comes in (clear it to wait for the next); ``fail_next(n)`` answers the next ``n`` requests
    with an error; ``delay`` adds seconds to every request; ``down`` answers 503 to
    everything; ``status`` is the ``/system/status`` body.
    """

    def __init__(
        self, kind: ArrKind, api_key: str = "arr-key", root_folders: list[str] | None = None
    ) -> None:
        super().__init__()
        self.kind: ArrKind = kind
        self.api_key = api_key
        default_root = "/data/media/movies/" if kind == "radarr" else "/data/media/tv/"
        self.root_folders = [p.rstrip("/") + "/" for p in root_folders or [default_root]]
        self.media: dict[int, dict[str, Any]] = {}
        self.status: dict[str, Any] = dict(_SYSTEM_STATUS[kind])
        self.requests: list[tuple[str, str]] = []
        self.arrived = asyncio.Event()
        self.delay = 0.0
        self.down = False
        self._failures: list[tuple[int, str]] = []
        self._next_id = 100

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _root_of(self, path: str) -> str:
        for root in self.root_folders:
            if path.startswith(root):
                return root
        return str(PurePosixPath(path).parent).rstrip("/") + "/"

    def add_movie(
        self,
        arr_id: int,
        title: str,
        year: int,
        path: str,
        *,
        tmdb_id: int,
        youtube_trailer_id: str | None = AUTO,
        has_file: bool = True,
        file_name: str | None = None,
        original_language: str = "English",
        alternate_titles: int = 3,
    ) -> dict[str, Any]:
        """Add a movie (a full ``MovieResource``) and return its dict, stored in ``media``.

        ``youtube_trailer_id``: a key, ``""``, or ``None`` (the field is then absent); by default
        ``fake_youtube_key(tmdb_id)``. ``file_name`` defaults to ``"<folder> Bluray-1080p.mkv"``.
        """
        if self.kind != "radarr":
            raise TypeError("add_movie needs a radarr FakeArr")
        if youtube_trailer_id == AUTO:
            youtube_trailer_id = fake_youtube_key(tmdb_id)
        size = 8_589_934_592 + arr_id * 1_048_576 if has_file else 0
        movie_file = None
        if has_file:
            file_name = file_name or f"{PurePosixPath(path).name} Bluray-1080p.mkv"
            movie_file = self._movie_file(arr_id, path, file_name, size, original_language)
        return self._store(arr_id, {
            "title": title,
            "originalTitle": title,
            "originalLanguage": _language(original_language),
            "alternateTitles": [
                {"sourceType": "tmdb", "movieMetadataId": arr_id,
                 "title": _ALTERNATE_TITLES[n % len(_ALTERNATE_TITLES)].format(title=title),
                 "id": self._new_id()}
                for n in range(alternate_titles)
            ],
            "secondaryYearSourceId": 0,
            "sortTitle": title.lower(),
            "sizeOnDisk": size,
            "status": "released",
            "overview": f"{title} is a made-up film used by Trailarr's tests.",
            "inCinemas": f"{year}-10-15T00:00:00Z",
            "physicalRelease": f"{year + 1}-03-01T00:00:00Z",
            "releaseDate": f"{year + 1}-03-01T00:00:00Z",
            "images": _images(arr_id, ("poster", "fanart"), "https://image.tmdb.org/t/p/original"),
            "website": "",
            "year": year,
            "youTubeTrailerId": youtube_trailer_id,
            "studio": "Fake Studios",
            "path": path,
            "qualityProfileId": 1,
            "hasFile": has_file,
            "movieFileId": movie_file["id"] if movie_file else 0,
            "monitored": True,
            "minimumAvailability": "released",
            "isAvailable": True,
            "folderName": path,
            "runtime": 112,
            "cleanTitle": _clean_title(title),
            "imdbId": f"tt{tmdb_id:07d}",
            "tmdbId": tmdb_id,
            "titleSlug": str(tmdb_id),
            "rootFolderPath": self._root_of(path),
            "certification": "R",
            "genres": ["Drama", "Thriller"],
            "keywords": ["based on novel or book"],
            "tags": [],
            "added": "2024-01-05T12:00:00Z",
            "ratings": {
                source: {"votes": votes, "value": value, "type": "user"}
                for source, votes, value in (
                    ("imdb", 120_431, 7.4), ("tmdb", 5_210, 7.1), ("metacritic", 0, 68),
                    ("rottenTomatoes", 0, 81), ("trakt", 9_120, 7.3),
                )
            },
            "movieFile": movie_file,
            "popularity": 23.417,
            "statistics": {
                "movieFileCount": 1 if has_file else 0,
                "sizeOnDisk": size,
                "releaseGroups": ["FAKE"] if has_file else [],
            },
            "id": arr_id,
        })  # fmt: skip

    def _movie_file(
        self, arr_id: int, folder: str, file_name: str, size: int, language: str
    ) -> dict[str, Any]:
        return {
            "movieId": arr_id,
            "relativePath": file_name,
            "path": f"{folder.rstrip('/')}/{file_name}",
            "size": size,
            "dateAdded": "2024-02-10T21:47:03Z",
            "sceneName": f"{PurePosixPath(file_name).stem}-FAKE",
            "releaseGroup": "FAKE",
            "edition": "",
            "languages": [_language(language)],
            "quality": {
                "quality": {"id": 7, "name": "Bluray-1080p", "source": "bluray",
                            "resolution": 1080, "modifier": "none"},
                "revision": {"version": 1, "real": 0, "isRepack": False},
            },
            "indexerFlags": 0,
            "mediaInfo": {
                "audioBitrate": 1_509_000, "audioChannels": 5.1, "audioCodec": "DTS",
                "audioLanguages": _LANGUAGES[language][1], "audioStreamCount": 1,
                "videoBitDepth": 8, "videoBitrate": 10_500_000, "videoCodec": "x264",
                "videoFps": 23.976, "videoDynamicRange": "", "videoDynamicRangeType": "",
                "resolution": "1920x800", "runTime": "1:52:00", "scanType": "Progressive",
                "subtitles": "eng",
            },
            "originalFilePath": f"{PurePosixPath(file_name).stem}-FAKE/{file_name}",
            "qualityCutoffNotMet": False,
            "id": self._new_id(),
        }  # fmt: skip

    def add_series(
        self,
        arr_id: int,
        title: str,
        year: int,
        path: str,
        *,
        tmdb_id: int,
        tvdb_id: int,
        episode_file_count: int = 10,
        seasons: int = 2,
        original_language: str = "English",
    ) -> dict[str, Any]:
        """Add a series (a full ``SeriesResource``, specials as season 0) and return its dict.

        Episode files are spread over the regular seasons; ``statistics`` add up as Sonarr's do.
        """
        if self.kind != "sonarr":
            raise TypeError("add_series needs a sonarr FakeArr")
        per_season = max(10, -(-episode_file_count // seasons)) if seasons else 0
        season_list = [self._season(0, 0, 0, 2, year)]
        for number in range(1, seasons + 1):
            files = episode_file_count // seasons + (number <= episode_file_count % seasons)
            season_list.append(self._season(number, files, per_season, per_season, year))
        stats = [season["statistics"] for season in season_list]
        episodes = sum(s["episodeCount"] for s in stats)
        return self._store(arr_id, {
            "title": title,
            "alternateTitles": [],
            "sortTitle": title.lower(),
            "status": "continuing",
            "ended": False,
            "overview": f"{title} is a made-up series used by Trailarr's tests.",
            "previousAiring": f"{year + max(seasons - 1, 0)}-04-08T01:00:00Z",
            "network": "Apple TV+",
            "airTime": "21:00",
            "images": _images(arr_id, ("banner", "poster", "fanart"),
                              "https://artworks.thetvdb.com/banners/v4/series"),
            "originalLanguage": _language(original_language),
            "seasons": season_list,
            "year": year,
            "path": path,
            "qualityProfileId": 1,
            "seasonFolder": True,
            "monitored": True,
            "monitorNewItems": "all",
            "useSceneNumbering": False,
            "runtime": 55,
            "tvdbId": tvdb_id,
            "tvRageId": 0,
            "tvMazeId": tvdb_id % 100_000,
            "tmdbId": tmdb_id,
            "firstAired": f"{year}-02-17T00:00:00Z",
            "lastAired": f"{year + max(seasons - 1, 0)}-04-07T00:00:00Z",
            "seriesType": "standard",
            "cleanTitle": _clean_title(title),
            "imdbId": f"tt{tvdb_id:07d}",
            "titleSlug": _slug(title),
            "rootFolderPath": self._root_of(path),
            "certification": "TV-MA",
            "genres": ["Drama", "Mystery"],
            "tags": [],
            "added": "2024-01-05T12:00:00Z",
            "ratings": {"votes": 1410, "value": 8.6},
            "statistics": {
                "seasonCount": seasons,
                "episodeFileCount": episode_file_count,
                "episodeCount": episodes,
                "totalEpisodeCount": sum(s["totalEpisodeCount"] for s in stats),
                "sizeOnDisk": sum(s["sizeOnDisk"] for s in stats),
                "releaseGroups": ["FAKE"] if episode_file_count else [],
                "percentOfEpisodes": _percent(episode_file_count, episodes),
            },
            "languageProfileId": 1,
            "id": arr_id,
        })  # fmt: skip

    @staticmethod
    def _season(number: int, files: int, aired: int, total: int, year: int) -> dict[str, Any]:
        return {
            "seasonNumber": number,
            "monitored": number > 0,
            "statistics": {
                "previousAiring": f"{year + number - 1}-04-08T01:00:00Z" if aired else None,
                "episodeFileCount": files,
                "episodeCount": aired,
                "totalEpisodeCount": total,
                "sizeOnDisk": files * 2_197_815_296,
                "releaseGroups": ["FAKE"] if files else [],
                "percentOfEpisodes": _percent(files, aired),
            },
        }

    def _store(self, arr_id: int, resource: dict[str, Any]) -> dict[str, Any]:
        self.media[arr_id] = resource
        return resource

    def remove(self, arr_id: int) -> None:
        """Delete a movie or series, as if it were removed in the app."""
        del self.media[arr_id]

    def set_path(self, arr_id: int, path: str) -> None:
        """Move a movie or series folder, updating every field that derives from the path."""
        resource = self.media[arr_id]
        resource.update(path=path, rootFolderPath=self._root_of(path))
        if self.kind == "radarr":
            resource["folderName"] = path
            if resource.get("movieFile"):
                self.set_file_name(arr_id, resource["movieFile"]["relativePath"])

    def set_file_name(self, arr_id: int, file_name: str) -> None:
        """Rename a movie's file (as Radarr's Rename does)."""
        movie_file = self.media[arr_id]["movieFile"]
        folder = self.media[arr_id]["path"].rstrip("/")
        movie_file.update(relativePath=file_name, path=f"{folder}/{file_name}")

    def fail_next(self, n: int, status: int = 503, path: str = "") -> None:
        """Answer the next ``n`` requests (to ``path`` only, if given) with ``status`` and an
        ASP.NET-style error body."""
        self._failures.extend([(status, path)] * n)

    # --- HTTP ---------------------------------------------------------------------------

    def build_app(self) -> web.Application:
        """The aiohttp application serving this instance's v3 API."""
        app = web.Application(middlewares=[self._gate])
        noun = "movie" if self.kind == "radarr" else "series"
        app.router.add_get(f"/api/v3/{noun}", self._list)
        app.router.add_get(f"/api/v3/{noun}/{{arr_id:\\d+}}", self._one)
        app.router.add_get("/api/v3/rootfolder", self._rootfolders)
        app.router.add_get("/api/v3/system/status", self._system_status)
        return app

    def _json(
        self, request: web.Request, obj: Any, status: int = 200, kind: str = "application/json"
    ) -> web.Response:
        body = stj_dumps(obj)
        headers = {"Content-Type": f"{kind}; charset=utf-8"}
        # ASP.NET's response compression skips problem+json (not in its default MIME list).
        if kind == "application/json" and accepts_gzip(request):
            body = gzip.compress(body)
            headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        return web.Response(status=status, body=body, headers=headers)

    def _authorized(self, request: web.Request) -> bool:
        # ApiKeyAuthenticationHandler.ParseApiKey: the query wins even when a header is sent.
        provided = next((v for k, v in request.query.items() if k.lower() == "apikey"), None)
        if provided is None:
            provided = request.headers.get("X-Api-Key")
        if provided is None and "Authorization" in request.headers:
            provided = request.headers["Authorization"].replace("Bearer ", "")
        return provided == self.api_key

    @web.middleware
    async def _gate(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        self.arrived.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.down:
            return web.Response(status=503, text="503 Service Unavailable")
        if self._failures and self._failures[0][1] in ("", request.path):
            status = HTTPStatus(self._failures.pop(0)[0])
            error = {"message": status.phrase, "description": status.description}
            return self._json(request, error, status=status.value)
        if not self._authorized(request):
            return web.Response(status=401)
        return await handler(request)

    async def _list(self, request: web.Request) -> web.Response:
        key = "tmdbId" if self.kind == "radarr" else "tvdbId"
        wanted = next((v for k, v in request.query.items() if k.lower() == key.lower()), None)
        resources = [self.media[arr_id] for arr_id in sorted(self.media)]
        if wanted is not None:
            if not wanted.lstrip("-").isdigit():
                errors = {key: [f"The value '{wanted}' is not valid."]}
                problem = self._problem(
                    400, "One or more validation errors occurred.", errors=errors
                )
                return self._json(request, problem, status=400, kind="application/problem+json")
            resources = [r for r in resources if r[key] == int(wanted)]
        return self._json(request, resources)

    async def _one(self, request: web.Request) -> web.Response:
        resource = self.media.get(int(request.match_info["arr_id"]))
        if resource is None:
            problem = self._problem(404, "Not Found")
            return self._json(request, problem, status=404, kind="application/problem+json")
        return self._json(request, resource)

    async def _system_status(self, request: web.Request) -> web.Response:
        return self._json(request, self.status)

    async def _rootfolders(self, request: web.Request) -> web.Response:
        folders = [
            {"path": path, "accessible": True, "freeSpace": 1_869_295_321_088 - n * 10**9,
             "unmappedFolders": [], "id": n}
            for n, path in enumerate(self.root_folders, start=1)
        ]  # fmt: skip
        return self._json(request, folders)

    def _problem(self, status: int, title: str, **extra: Any) -> dict[str, Any]:
        trace = f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00"
        problem_type = _PROBLEM_TYPES[(self.kind, status)]
        return {"type": problem_type, "title": title, "status": status, **extra, "traceId": trace}
