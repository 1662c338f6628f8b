"""The fakes at the edges speak the real wire formats, and yt-dlp accepts the video server."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import subprocess
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import yt_dlp

from tests.fakes.arr import FakeArr, fake_youtube_key
from tests.fakes.tmdb import FakeTmdb, video
from tests.fakes.videos import VideoServer, make_clip
from tests.fakes.wire import stj_dumps, stj_string

ROOT = Path(__file__).resolve().parent.parent
# The repository's own copies, then the shared ones beside the checkout (<repo>/../shared).
FIXTURE_DIRS = (ROOT / "tests" / "fixtures", ROOT.parent / "shared" / "fixtures")
KEY = {"X-Api-Key": "arr-key"}


def fixture_bytes(name: str) -> bytes:
    """A shared example payload; a missing one fails the test (a skip would hide it)."""
    for directory in FIXTURE_DIRS:
        if (directory / name).is_file():
            return (directory / name).read_bytes()
    pytest.fail(f"fixture {name} is in none of {', '.join(map(str, FIXTURE_DIRS))}")


def ffprobe_streams(path: Path) -> list[dict[str, Any]]:
    """The streams ffprobe finds in ``path`` (raises when it is not a media file)."""
    command = ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)]
    result = subprocess.run(command, check=True, capture_output=True)
    streams: list[dict[str, Any]] = json.loads(result.stdout)["streams"]
    return streams


@pytest_asyncio.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest_asyncio.fixture
async def radarr() -> AsyncIterator[FakeArr]:
    fake = FakeArr("radarr")
    fake.add_movie(1, "Fight Club", 1999, "/data/media/movies/Fight Club (1999)", tmdb_id=550)
    fake.add_movie(2, "Amélie", 2001, "/data/media/movies/Amélie (2001)", tmdb_id=194,
                   youtube_trailer_id=None, original_language="French")  # fmt: skip
    fake.add_movie(3, "Heat", 1995, "/data/media/movies/Heat (1995)", tmdb_id=949,
                   youtube_trailer_id="", has_file=False)  # fmt: skip
    async with fake:
        yield fake


@pytest_asyncio.fixture
async def sonarr() -> AsyncIterator[FakeArr]:
    fake = FakeArr("sonarr")
    fake.add_series(3, "Severance", 2022, "/data/media/tv/Severance", tmdb_id=95396,
                    tvdb_id=371980, episode_file_count=15)  # fmt: skip
    async with fake:
        yield fake


# --- wire format ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Amélie", r'"Am\u00E9lie"'),
        ("Apple TV+", r'"Apple TV\u002B"'),
        ('The "Best" Movie', r'"The \u0022Best\u0022 Movie"'),
        ("Tom & Jerry's <Show>", r'"Tom \u0026 Jerry\u0027s \u003CShow\u003E"'),
        (
            "Бойцовский клуб",
            r'"\u0411\u043E\u0439\u0446\u043E\u0432\u0441\u043A\u0438\u0439 '
            r'\u043A\u043B\u0443\u0431"',
        ),
        ("ファイト・クラブ", r'"\u30D5\u30A1\u30A4\u30C8\u30FB\u30AF\u30E9\u30D6"'),
        ("Emoji 😀", r'"Emoji \uD83D\uDE00"'),
        ("C:\\testpath/a b", r'"C:\\testpath/a b"'),
        ("tab\there\nline\x01\x7f`", r'"tab\there\nline\u0001\u007F\u0060"'),
    ],
)
def test_stj_string_escapes_like_the_default_javascript_encoder(text: str, expected: str) -> None:
    """Non-ASCII, ' " & + < > and ` become uppercase \\uXXXX; astral chars surrogate pairs."""
    assert stj_string(text) == expected
    assert json.loads(expected) == text


def test_stj_dumps_omits_null_properties_at_every_depth_but_keeps_null_items() -> None:
    """WhenWritingNull drops properties only; arrays keep their nulls."""
    obj = {"a": None, "b": {"c": None, "d": [None, {"e": None}]}, "id": 1}
    assert (
        stj_dumps(obj)
        == b'{\n  "b": {\n    "d": [\n      null,\n      {}\n    ]\n  },\n  "id": 1\n}'
    )


def test_stj_dumps_writes_numbers_as_dotnet_does() -> None:
    """Whole doubles lose their '.0', exponents are uppercase, decimals keep their scale."""
    values = [67.0, 8.8, 1e20, 1e-05, Decimal("55.555555555555555555555555560"), Decimal("80.0")]
    assert json.loads(stj_dumps(values)) == [67, 8.8, 1e20, 1e-05, 55.55555555555556, 80.0]
    assert stj_dumps(values).split() == [
        b"[", b"67,", b"8.8,", b"1E+20,", b"1E-05,", b"55.555555555555555555555555560,",
        b"80.0", b"]",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "name", ["radarr/api_movie.json", "radarr/api_system_status.json", "sonarr/api_series_one.json"]
)
def test_stj_dumps_reproduces_the_fixtures_byte_for_byte(name: str) -> None:
    """Parsing a captured API body and writing it back gives the same bytes."""
    raw = fixture_bytes(name)
    assert stj_dumps(json.loads(raw, parse_float=Decimal)) == raw.rstrip(b"\n")


# --- Radarr/Sonarr -----------------------------------------------------------------------------


def test_resources_have_the_fixture_shapes() -> None:
    """Built movies and series carry exactly the fixtures' fields, in the same order."""
    movie = json.loads(fixture_bytes("radarr/api_movie.json"))
    series = json.loads(fixture_bytes("sonarr/api_series_one.json"))
    built_movie = FakeArr("radarr").add_movie(
        1, "Fight Club", 1999, "/data/media/movies/Fight Club (1999)", tmdb_id=550
    )
    built_series = FakeArr("sonarr").add_series(
        3, "Severance", 2022, "/data/media/tv/Severance", tmdb_id=95396, tvdb_id=371980
    )
    assert list(built_movie) == list(movie)
    assert list(built_movie["movieFile"]) == list(movie["movieFile"])
    assert list(built_movie["movieFile"]["mediaInfo"]) == list(movie["movieFile"]["mediaInfo"])
    assert list(built_series) == list(series)
    assert list(built_series["seasons"][1]["statistics"]) == list(
        series["seasons"][1]["statistics"]
    )
    assert list(built_series["statistics"]) == list(series["statistics"])


async def test_movie_is_stj_encoded_with_id_last(
    radarr: FakeArr, session: aiohttp.ClientSession
) -> None:
    """GET /movie/{id} is STJ output: escaped text, UTF-8 JSON content type, id last everywhere."""
    async with session.get(f"{radarr.url}/api/v3/movie/2", headers=KEY) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        raw = await response.read()
    assert raw == stj_dumps(radarr.media[2])
    assert rb'"title": "Am\u00E9lie"' in raw
    movie = json.loads(raw)
    assert list(movie)[-1] == "id"
    assert list(movie["movieFile"])[-1] == "id"
    assert all(list(title)[-1] == "id" for title in movie["alternateTitles"])
    assert movie["originalLanguage"] == {"id": 2, "name": "French"}
    assert movie["folderName"] == movie["path"] == "/data/media/movies/Amélie (2001)"
    assert (
        movie["movieFile"]["path"]
        == "/data/media/movies/Amélie (2001)/Amélie (2001) Bluray-1080p.mkv"
    )


async def test_youtube_trailer_id_is_a_key_empty_or_absent(
    radarr: FakeArr, session: aiohttp.ClientSession
) -> None:
    """The list endpoint returns all movies; the trailer id takes its three real forms."""
    async with session.get(f"{radarr.url}/api/v3/movie", headers=KEY) as response:
        movies = await response.json()
    assert [m["id"] for m in movies] == [1, 2, 3]
    assert movies[0]["youTubeTrailerId"] == fake_youtube_key(550)
    assert "youTubeTrailerId" not in movies[1]
    assert movies[2]["youTubeTrailerId"] == ""
    assert (movies[2]["hasFile"], movies[2]["movieFileId"], "movieFile" in movies[2]) == (
        False, 0, False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("query", "ids"), [("tmdbId=550", [1]), ("TMDBID=194", [2]), ("tmdbId=7", [])]
)
async def test_tmdb_id_filter_returns_an_array(
    radarr: FakeArr, session: aiohttp.ClientSession, query: str, ids: list[int]
) -> None:
    """?tmdbId= answers a 0- or 1-element array (ASP.NET binds query names case-insensitively)."""
    async with session.get(f"{radarr.url}/api/v3/movie?{query}", headers=KEY) as response:
        assert [m["id"] for m in await response.json()] == ids


@pytest.mark.parametrize(
    ("query", "headers", "status"),
    [
        ("", {}, 401),
        ("", {"X-Api-Key": "arr-key"}, 200),
        ("", {"X-Api-Key": "nope"}, 401),
        ("", {"Authorization": "Bearer arr-key"}, 200),
        ("?apikey=arr-key", {}, 200),
        ("?ApiKey=arr-key", {"X-Api-Key": "nope"}, 200),
        ("?apikey=nope", {"X-Api-Key": "arr-key"}, 401),  # the query is read first
        ("", {"X-Api-Key": "nope", "Authorization": "Bearer arr-key"}, 401),
    ],
)
async def test_api_key_is_read_from_query_then_header_then_bearer(
    radarr: FakeArr,
    session: aiohttp.ClientSession,
    query: str,
    headers: dict[str, str],
    status: int,
) -> None:
    """A missing or wrong key is a 401 with an empty body."""
    async with session.get(f"{radarr.url}/api/v3/system/status{query}", headers=headers) as resp:
        assert resp.status == status
        if status == 401:
            assert await resp.read() == b""
        else:
            assert (await resp.json())["appName"] == "Radarr"


async def test_unknown_id_is_problem_details(
    radarr: FakeArr, sonarr: FakeArr, session: aiohttp.ClientSession
) -> None:
    """404 on /{id} is ASP.NET problem details, never gzipped; the RFC link follows .NET."""
    for fake, path, rfc in ((radarr, "movie", "rfc9110#section-15.5.5"),
                            (sonarr, "series", "rfc7231#section-6.5.4")):  # fmt: skip
        async with session.get(f"{fake.url}/api/v3/{path}/999", headers=KEY) as response:
            assert response.status == 404
            assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"
            assert "Content-Encoding" not in response.headers
            problem = await response.json(content_type=None)
        trace = problem.pop("traceId")
        assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-00", trace)
        assert problem == {
            "type": f"https://tools.ietf.org/html/{rfc}", "title": "Not Found", "status": 404,
        }  # fmt: skip


async def test_gzip_only_when_accepted(radarr: FakeArr) -> None:
    """Content-Encoding: gzip follows Accept-Encoding, and the payload is the same JSON."""
    url = f"{radarr.url}/api/v3/movie"
    async with aiohttp.ClientSession(auto_decompress=False) as raw_session:
        async with raw_session.get(url, headers={**KEY, "Accept-Encoding": "gzip"}) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            compressed = await response.read()
        async with raw_session.get(url, headers={**KEY, "Accept-Encoding": "identity"}) as response:
            assert "Content-Encoding" not in response.headers
            plain = await response.read()
    assert gzip.decompress(compressed) == plain
    assert len(compressed) < len(plain) / 2


async def test_failures_down_and_request_log(
    radarr: FakeArr, session: aiohttp.ClientSession
) -> None:
    """fail_next answers the next n requests with an error model, down answers 503 to all."""
    radarr.fail_next(2, status=503)
    url = f"{radarr.url}/api/v3/movie/1"
    statuses = []
    for _ in range(3):
        async with session.get(url, headers=KEY) as response:
            statuses.append(response.status)
            if response.status == 503:
                assert (await response.json())["message"] == "Service Unavailable"
    assert statuses == [503, 503, 200]
    radarr.down = True
    async with session.get(url, headers=KEY) as response:
        assert response.status == 503
    assert radarr.requests == [("GET", "/api/v3/movie/1")] * 4


async def test_edits_to_media_show_up_on_the_wire(
    radarr: FakeArr, session: aiohttp.ClientSession
) -> None:
    """set_path and set_file_name keep path, folderName and movieFile consistent; remove 404s."""
    radarr.set_path(1, "/data/media/movies/Fight Club (1999) [imdb-tt0137523]")
    radarr.set_file_name(1, "Fight Club (1999) Remux-2160p.mkv")
    radarr.remove(2)
    async with session.get(f"{radarr.url}/api/v3/movie/1", headers=KEY) as response:
        movie = await response.json()
    folder = "/data/media/movies/Fight Club (1999) [imdb-tt0137523]"
    assert (movie["path"], movie["folderName"]) == (folder, folder)
    assert movie["movieFile"]["path"] == f"{folder}/Fight Club (1999) Remux-2160p.mkv"
    async with session.get(f"{radarr.url}/api/v3/movie/2", headers=KEY) as response:
        assert response.status == 404


async def test_sonarr_series_status_and_root_folders(
    sonarr: FakeArr, session: aiohttp.ClientSession
) -> None:
    """Series filter by tvdbId, System.Decimal percentages pass through, status says Sonarr."""
    async with session.get(f"{sonarr.url}/api/v3/series?tvdbId=371980", headers=KEY) as response:
        raw = await response.read()
    assert rb'"network": "Apple TV\u002B"' in raw
    assert b'"percentOfEpisodes": 75.00\n' in raw  # 0.75m * 100
    [series] = json.loads(raw)
    assert "youTubeTrailerId" not in series
    assert series["statistics"]["episodeFileCount"] == 15
    assert series["rootFolderPath"] == "/data/media/tv/"
    async with session.get(f"{sonarr.url}/api/v3/rootfolder", headers=KEY) as response:
        assert await response.json() == [
            {"path": "/data/media/tv/", "accessible": True, "freeSpace": 1_868_295_321_088,
             "unmappedFolders": [], "id": 1},
        ]  # fmt: skip
    async with session.get(f"{sonarr.url}/api/v3/system/status?apikey=arr-key") as response:
        status = await response.json()
    assert (status["appName"], status["version"]) == ("Sonarr", "4.0.19.2979")


# --- TMDB --------------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def tmdb() -> AsyncIterator[FakeTmdb]:
    fake = FakeTmdb()
    fake.set_videos("movie", 550, [
        video("BdJKm16Co6M", "Fight Club | #TBT Trailer | 20th Century FOX"),
        video("u7H2pQkT9sA", "Fight Club - Trailer (Deutsch) HD", lang="de", country="DE"),
        video("Xf9bQ2w1tZk", "Fight Club : bande-annonce (VF, française)", lang="fr", country="FR"),
        video("nO1aNgUaGe0", "Fight Club (no dialogue)", lang=None),
    ])  # fmt: skip
    fake.set_videos("tv", 95396, [])
    async with fake:
        yield fake


@pytest.mark.parametrize(
    ("query", "languages"),
    [
        ("", ["en"]),
        ("?language=en-US", ["en"]),
        ("?language=de-DE", ["de"]),
        ("?language=en-US&include_video_language=en,null,de", ["en", "de", None]),
        ("?include_video_language=fr", ["en", "fr"]),
    ],
)
async def test_tmdb_filters_videos_by_language(
    tmdb: FakeTmdb, session: aiohttp.ClientSession, query: str, languages: list[str | None]
) -> None:
    """language keeps its own language; include_video_language adds more, null = no language."""
    url = f"{tmdb.url}/3/movie/550/videos{query}"
    async with session.get(url, headers={"Authorization": "Bearer tmdb-key"}) as response:
        body = await response.json()
    assert body["id"] == 550
    assert [v["iso_639_1"] for v in body["results"]] == languages


async def test_tmdb_raw_utf8_auth_and_not_found(
    tmdb: FakeTmdb, session: aiohttp.ClientSession
) -> None:
    """Bodies are raw UTF-8; a bad key is status_code 7, an unknown id status_code 34."""
    base = f"{tmdb.url}/3"
    async with session.get(f"{base}/movie/550/videos?api_key=tmdb-key&language=fr") as response:
        raw = await response.read()
    assert "bande-annonce (VF, française)".encode() in raw
    assert re.fullmatch(r"[0-9a-f]{24}", json.loads(raw)["results"][0]["id"])
    async with session.get(f"{base}/tv/95396/videos?api_key=tmdb-key") as response:
        assert await response.json() == {"id": 95396, "results": []}
    async with session.get(f"{base}/movie/550/videos?api_key=wrong") as response:
        assert response.status == 401
        assert (await response.json())["status_code"] == 7
    bearer = {"Authorization": "Bearer tmdb-key"}
    async with session.get(f"{base}/tv/1/videos", headers=bearer) as response:
        assert (response.status, (await response.json())["status_code"]) == (404, 34)
    assert tmdb.requests.count(("GET", "/3/movie/550/videos")) == 2


# --- videos ------------------------------------------------------------------------------------


def test_make_clip_is_h264_and_aac(tmp_path: Path) -> None:
    """The clip is a real MP4 that ffprobe reads, at the requested height."""
    streams = ffprobe_streams(make_clip(tmp_path / "clip.mp4", seconds=1, height=240))
    assert [(s["codec_type"], s["codec_name"]) for s in streams] == [
        ("video", "h264"), ("audio", "aac"),
    ]  # fmt: skip
    assert (streams[0]["width"], streams[0]["height"]) == (426, 240)
    silent = ffprobe_streams(make_clip(tmp_path / "silent.mp4", seconds=1, audio=False))
    assert [s["codec_type"] for s in silent] == ["video"]


async def test_video_server_head_range_and_not_found(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    """HEAD gives length and ranges; Range gives 206; unknown keys 404; only GETs count."""
    clip = make_clip(tmp_path / "clip.mp4", seconds=1)
    async with VideoServer() as server:
        server.add("BdJKm16Co6M", clip)
        server.add_bytes("notAVideo01", b"<html>nope</html>")
        url = server.url_for("BdJKm16Co6M")
        async with session.head(url) as response:
            assert response.headers["Content-Type"] == "video/mp4"
            assert response.headers["Accept-Ranges"] == "bytes"
            assert int(response.headers["Content-Length"]) == clip.stat().st_size
        async with session.get(url, headers={"Range": "bytes=0-99"}) as response:
            assert (response.status, len(await response.read())) == (206, 100)
        async with session.get(server.url_for("notAVideo01")) as response:
            assert response.headers["Content-Type"] == "video/mp4"
            assert await response.read() == b"<html>nope</html>"
        async with session.get(server.url_for("missing0000")) as response:
            assert response.status == 404
    assert server.downloads == {"BdJKm16Co6M": 1, "notAVideo01": 1, "missing0000": 1}


async def test_yt_dlp_downloads_through_the_url_template(tmp_path: Path) -> None:
    """The real yt-dlp (generic extractor, direct link) fetches a clip that ffprobe accepts."""
    async with VideoServer() as server:
        server.add("BdJKm16Co6M", make_clip(tmp_path / "clip.mp4"))
        options = {
            "quiet": True,
            "no_warnings": True,
            "noprogress": True,
            "outtmpl": str(tmp_path / "out" / "%(id)s.%(ext)s"),
        }

        def download() -> dict[str, Any]:
            with yt_dlp.YoutubeDL(options) as ydl:
                url = server.url_template.format(key="BdJKm16Co6M")
                info: dict[str, Any] = ydl.extract_info(url, download=True)
                return info

        # yt-dlp blocks; the server runs on this event loop.
        info = await asyncio.to_thread(download)
    [requested] = info["requested_downloads"]
    assert requested["filepath"] == str(tmp_path / "out" / "BdJKm16Co6M.mp4")
    assert "video" in [s["codec_type"] for s in ffprobe_streams(Path(requested["filepath"]))]
    assert server.downloads == {"BdJKm16Co6M": 2}  # the extractor's probe, then the download
