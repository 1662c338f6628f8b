"""A whole Trailarr (real Redis, real worker) wired to fake Arr, TMDB and video servers."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiohttp

from app.core.config import Settings
from app.host import Service
from tests.fakes.arr import FakeArr
from tests.fakes.tmdb import FakeTmdb
from tests.fakes.videos import VideoServer

API_KEY = "test-api-key"
FIXTURES = Path(__file__).parent / "fixtures"
MOVIES = "/data/media/movies"
TV = "/data/media/tv"


def fixture(name: str) -> dict[str, Any]:
    """A fixture payload as a dict."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def radarr_download(movie: dict[str, Any], *, upgrade: bool = False) -> bytes:
    """A Radarr `Download` webhook body for a movie of a FakeArr, from the fixture's shape."""
    body = copy.deepcopy(fixture("radarr/webhook_download.json"))
    body["movie"].update(
        id=movie["id"], title=movie["title"], year=movie["year"], folderPath=movie["path"],
        tmdbId=movie["tmdbId"],
    )  # fmt: skip
    body["remoteMovie"].update(tmdbId=movie["tmdbId"], title=movie["title"], year=movie["year"])
    if movie.get("movieFile"):
        body["movieFile"].update(
            path=movie["movieFile"]["path"], relativePath=movie["movieFile"]["relativePath"]
        )
    body["isUpgrade"] = upgrade
    return json.dumps(body, ensure_ascii=False, indent=2).encode()


def sonarr_download(series: dict[str, Any], *, import_complete: bool = False) -> bytes:
    """A Sonarr `Download` webhook: per file, or the import-complete shape with `episodeFiles[]`."""
    body = copy.deepcopy(fixture("sonarr/webhook_download.json"))
    body["series"].update(
        id=series["id"], title=series["title"], year=series["year"], path=series["path"],
        tmdbId=series["tmdbId"], tvdbId=series["tvdbId"],
    )  # fmt: skip
    episode_file = body["episodeFile"]
    episode_file["path"] = f"{series['path']}/Season 01/{series['title']} - S01E01.mkv"
    if import_complete:
        files = []
        for number in (1, 2, 3):
            item = copy.deepcopy(episode_file)
            item["path"] = f"{series['path']}/Season 01/{series['title']} - S01E0{number}.mkv"
            item["id"] = 900 + number
            files.append(item)
        del body["episodeFile"], body["isUpgrade"], body["customFormatInfo"]
        body["episodeFiles"] = files
        body["fileCount"] = len(files)
        body["sourcePath"] = "/data/downloads/complete/tv-sonarr/Pack"
        body["destinationPath"] = f"{series['path']}/Season 01"
        body["release"] = {"releaseType": "seasonPack"}
    return json.dumps(body, ensure_ascii=False, indent=2).encode()


class Stack:
    """Trailarr in `run` mode with one Radarr and one Sonarr; media folders live under tmp_path."""

    def __init__(
        self,
        tmp_path: Path,
        redis_url: str,
        clip: Path,
        *,
        mode: str = "run",
        tmdb_key: str = "tmdb-key",
        second_radarr: bool = False,
        youtube: dict[str, Any] | None = None,
        **trailers: Any,
    ) -> None:
        self.tmp = tmp_path
        self.redis_url = redis_url
        self.clip = clip
        self.trailer_settings: dict[str, Any] = {"min_duration": 1, "min_height": 0, **trailers}
        # No pacing unless a test asks for it: most tests download several trailers at once.
        pace = {"min_interval": "0s", "max_per_hour": 100_000}
        self.youtube_settings: dict[str, Any] = {**pace, **(youtube or {})}
        self.movies_root = tmp_path / "media" / "movies"
        self.tv_root = tmp_path / "media" / "tv"
        self.radarr = FakeArr("radarr", root_folders=[MOVIES + "/"])
        self.sonarr = FakeArr("sonarr", root_folders=[TV + "/"])
        self.tmdb = FakeTmdb()
        self.videos = VideoServer()
        self.radarr4k = FakeArr("radarr", root_folders=[MOVIES + "/"]) if second_radarr else None
        self.service: Service | None = None
        self.http: aiohttp.ClientSession | None = None
        self.base = ""
        self.mode = mode
        self.tmdb_key = tmdb_key

    def settings(self) -> Settings:
        """The configuration the service runs with."""
        arr = [
            {"name": "radarr", "kind": "radarr", "url": self.radarr.url, "api_key": "arr-key",
             "path_mappings": [{"from": MOVIES, "to": str(self.movies_root)}]},
            {"name": "sonarr", "kind": "sonarr", "url": self.sonarr.url, "api_key": "arr-key",
             "path_mappings": [{"from": TV, "to": str(self.tv_root)}]},
        ]  # fmt: skip
        if self.radarr4k is not None:
            arr.append({**arr[0], "name": "radarr4k", "url": self.radarr4k.url})
        return Settings.model_validate(
            {
                "data_dir": self.tmp / "data",
                "server": {"host": "127.0.0.1", "port": 0, "api_key": API_KEY},
                "redis": {"url": self.redis_url},
                "arr": arr,
                "trailers": self.trailer_settings,
                "youtube": {"url_template": self.videos.url_template, **self.youtube_settings},
                "tmdb": {"url": self.tmdb.url + "/3", "api_key": self.tmdb_key},
            }
        )

    async def __aenter__(self) -> Self:
        self.movies_root.mkdir(parents=True)
        self.tv_root.mkdir(parents=True)
        for server in self.servers:
            await server.start()
        self.service = Service(
            self.settings(), "web" if self.mode == "web" else "run", reconcile_delay=None
        )
        await self.service.start()
        self.base = f"http://127.0.0.1:{self.service.port}"
        self.http = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.http is not None:
            await self.http.close()
        if self.service is not None:
            await self.service.stop()
        for server in self.servers:
            await server.stop()

    @property
    def servers(self) -> list[Any]:
        """Every fake server of this stack."""
        extra = [self.radarr4k] if self.radarr4k is not None else []
        return [self.radarr, self.sonarr, self.tmdb, self.videos, *extra]

    @property
    def runtime(self) -> Any:
        """The running service's runtime (store, queue, coordinator)."""
        assert self.service is not None and self.service.runtime is not None
        return self.service.runtime

    def add_movie(
        self,
        arr_id: int,
        title: str,
        year: int,
        *,
        key: str | None = None,
        video: Path | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A movie on disk (a folder and a stand-in file), in Radarr, with its trailer served."""
        folder = f"{title} ({year})"
        (self.movies_root / folder).mkdir(parents=True, exist_ok=True)
        key = key or f"yt{arr_id:08d}"
        movie = self.radarr.add_movie(
            arr_id, title, year, f"{MOVIES}/{folder}", tmdb_id=1000 + arr_id,
            youtube_trailer_id=key, **extra,
        )  # fmt: skip
        if movie.get("movieFile"):
            (self.movies_root / folder / movie["movieFile"]["relativePath"]).write_bytes(b"movie")
        self.videos.add(key, video or self.clip)
        return movie

    def add_series(self, arr_id: int, title: str, year: int, **extra: Any) -> dict[str, Any]:
        """A series folder on disk and in Sonarr."""
        (self.tv_root / title).mkdir(parents=True, exist_ok=True)
        return self.sonarr.add_series(
            arr_id, title, year, f"{TV}/{title}", tmdb_id=2000 + arr_id, tvdb_id=3000 + arr_id,
            **extra,
        )  # fmt: skip

    def local(self, arr_path: str) -> Path:
        """Where an Arr path lives on this machine."""
        if arr_path.startswith(MOVIES):
            return self.movies_root / arr_path[len(MOVIES) :].lstrip("/")
        return self.tv_root / arr_path[len(TV) :].lstrip("/")

    async def post(
        self, instance: str, body: bytes, *, key: str | None = API_KEY, **headers: str
    ) -> tuple[int, Any]:
        """POST a webhook body; return the status and the JSON answer."""
        assert self.http is not None
        url = f"{self.base}/webhook/{instance}"
        params = {"apikey": key} if key else {}
        async with self.http.post(
            url, data=body, params=params,
            headers={"Content-Type": "application/json", **headers},
        ) as response:  # fmt: skip
            return response.status, await response.json(content_type=None)

    async def wait_outcomes(self, count: int) -> None:
        """Wait until `count` job outcomes have been recorded."""
        await self.runtime.coordinator.wait_for_outcomes(count)

    async def rows(self, query: str, *params: Any) -> list[dict[str, Any]]:
        """Read the database."""
        rows: list[dict[str, Any]] = await self.runtime.store.fetch_all(query, params)
        return rows


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Wait for a condition on state outside this process (Redis, the disk): it offers no event."""
    async with asyncio.timeout(timeout):
        while not await condition():  # noqa: ASYNC110 - nothing to await across processes
            await asyncio.sleep(0.02)


async def three_outcomes(stack: Stack) -> None:
    """One movie downloaded, one refused (outside the roots), one with no trailer found."""
    stack.add_movie(1, "Downloaded One", 2020)
    stack.add_movie(2, "Refused One", 2020)
    stack.radarr.media[2]["path"] = "/somewhere/else/Refused One (2020)"
    stack.add_movie(3, "Missing One", 2020, key="gone0000003")
    stack.videos.files.pop("gone0000003")
    for arr_id in (1, 2, 3):
        await stack.post("radarr", radarr_download(stack.radarr.media[arr_id]))
    await stack.wait_outcomes(3)
