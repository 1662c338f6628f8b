"""The webhook endpoint over a real socket: answers, auth, bad input and size limits (PRODUCT §3).

The stack here runs `trailarr web` (HTTP server and coordinator, no worker), so a job a webhook
queued stays in Redis where the test can see it, and "nothing queued" is a strong statement.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import gzip
import io
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, Literal

import aiohttp
import aiosqlite
import pytest
from arq.constants import default_queue_name, job_key_prefix

from tests.harness import API_KEY, FIXTURES, Stack
from webhooks.receiver import MAX_BODY

App = Literal["radarr", "sonarr"]
Method = Literal["POST", "PUT"]


@pytest.fixture
async def stack(tmp_path: Path, redis_url: str, clip: Path) -> AsyncIterator[Stack]:
    """Trailarr in `web` mode against the fake Radarr and Sonarr: jobs stay queued."""
    async with Stack(tmp_path, redis_url, clip, mode="web") as running:
        yield running


def payload(app: App, name: str) -> dict[str, Any]:
    """A fresh copy of `tests/fixtures/<app>/webhook_<name>.json`."""
    data: dict[str, Any] = json.loads((FIXTURES / app / f"webhook_{name}.json").read_bytes())
    return data


def encode(data: object) -> bytes:
    """Serialize like the Arrs: raw UTF-8, non-ASCII left as is."""
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def changed(app: App, name: str, path: tuple[str | int, ...], value: object) -> bytes:
    """A fixture body with the value at `path` replaced (or removed, for `...`)."""
    data = payload(app, name)
    target: Any = data
    for part in path[:-1]:
        target = target[part]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return encode(data)


def as_data(body: bytes | Callable[[], AsyncIterator[bytes]]) -> Any:
    """What aiohttp sends with a Content-Length (bytes, a file-like for large ones) or chunked."""
    if not isinstance(body, bytes):
        return body()
    # aiohttp warns (an error here) about large raw bytes; a file-like keeps the Content-Length.
    return io.BytesIO(body) if len(body) > 64 * 1024 else body


async def send(
    stack: Stack,
    instance: str,
    body: bytes | Callable[[], AsyncIterator[bytes]],
    *,
    method: Method = "POST",
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """Send a webhook as the Arrs do; a callable body is sent chunked, without Content-Length."""
    assert stack.http is not None
    async with stack.http.request(
        method,
        f"{stack.base}/webhook/{instance}",
        data=as_data(body),
        params=params if params is not None else {"apikey": API_KEY},
        headers={"Content-Type": "application/json", **(headers or {})},
    ) as response:
        return response.status, await response.json(content_type=None)


async def traces(stack: Stack) -> dict[str, Any]:
    """What webhooks left behind: arq's queue, arq's job keys, and the `events` rows."""
    redis = stack.runtime.queue.redis
    queued = [job.decode() for job in await redis.zrange(default_queue_name, 0, -1)]
    job_keys = sorted(key.decode() for key in await redis.keys(job_key_prefix + "*"))
    return {
        "queue_depth": await stack.runtime.queue.queue_depth(),
        "queued": queued,
        "job_keys": job_keys,
        "events": await stack.rows(
            "SELECT instance, event_type, action, arr_id, job_id, state FROM events ORDER BY id"
        ),
    }


NOTHING = {"queue_depth": 0, "queued": [], "job_keys": [], "events": []}


def event_row(
    instance: str, event_type: str, action: str, arr_id: int | None, job_id: str | None
) -> dict[str, Any]:
    """An expected `events` row."""
    return {
        "instance": instance, "event_type": event_type, "action": action, "arr_id": arr_id,
        "job_id": job_id, "state": "queued" if job_id else "recorded",
    }  # fmt: skip


# --- Test ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("app", ["radarr", "sonarr"])
async def test_test_event_answers_200_and_queues_nothing(
    stack: Stack, app: App, method: Method
) -> None:
    """The Test button's payload is answered 200 and leaves nothing in Redis or SQLite."""
    status, answer = await send(stack, app, encode(payload(app, "test")), method=method)
    assert (status, answer) == (200, {"status": "ok", "message": "Trailarr received the test"})
    assert await traces(stack) == NOTHING


# --- events Trailarr acts on ---------------------------------------------------------------------

ACTED_ON = [
    ("radarr", "download", "Download", "ensure", 2),
    ("radarr", "download_upgrade", "Download", "ensure", 2),
    ("radarr", "movie_added", "MovieAdded", "ensure", 5),
    ("radarr", "rename", "Rename", "rename", 3),
    ("sonarr", "download", "Download", "ensure", 3),
    ("sonarr", "download_import_complete", "Download", "ensure", 8),
    ("sonarr", "download_upgrade", "Download", "ensure", 3),
    ("sonarr", "series_add", "SeriesAdd", "ensure", 6),
    ("sonarr", "rename", "Rename", "rename", 3),
]


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize(("app", "name", "event_type", "action", "arr_id"), ACTED_ON)
async def test_event_acted_on_answers_202_with_job_id(
    stack: Stack, app: App, name: str, event_type: str, action: str, arr_id: int, method: Method
) -> None:
    """An event Trailarr acts on is answered 202 with its job id, recorded and queued in arq."""
    status, answer = await send(stack, app, encode(payload(app, name)), method=method)
    job_id = f"ensure:{app}:{arr_id}"
    assert (status, answer) == (202, {"status": "queued", "event_id": 1, "job_id": job_id})
    assert await traces(stack) == {
        "queue_depth": 1,
        "queued": [job_id],
        "job_keys": [job_key_prefix + job_id],
        "events": [event_row(app, event_type, action, arr_id, job_id)],
    }


async def test_event_is_committed_to_sqlite_before_the_202(stack: Stack) -> None:
    """Right after a 202, another connection to the database file sees the event and the media."""
    status, answer = await send(stack, "radarr", encode(payload("radarr", "download")))
    assert status == 202, answer
    path = stack.runtime.settings.database_path
    async with aiosqlite.connect(f"file:{path}?mode=ro", uri=True) as other:
        async with other.execute(
            "SELECT id, instance, event_type, action, arr_id, job_id, state FROM events"
        ) as cursor:
            events = [tuple(row) for row in await cursor.fetchall()]
        async with other.execute(
            "SELECT instance, kind, arr_id, title, year, folder, tmdb_id, state FROM media"
        ) as cursor:
            media = [tuple(row) for row in await cursor.fetchall()]
    assert events == [
        (answer["event_id"], "radarr", "Download", "ensure", 2, answer["job_id"], "queued")
    ]
    assert media == [(
        "radarr", "movie", 2, "Dune: Part Two", 2024, "/data/media/movies/Dune Part Two (2024)",
        693134, "queued",
    )]  # fmt: skip


async def test_same_media_many_times_at_once_is_one_job(stack: Stack) -> None:
    """Twenty concurrent Downloads of one movie: each 202 with its own event, one queued job."""
    body = encode(payload("radarr", "download"))
    answers = await asyncio.gather(*(send(stack, "radarr", body) for _ in range(20)))
    assert sorted(answers, key=lambda a: int(a[1]["event_id"])) == [
        (202, {"status": "queued", "event_id": n, "job_id": "ensure:radarr:2"})
        for n in range(1, 21)
    ]
    found = await traces(stack)
    assert (found["queue_depth"], found["queued"], len(found["events"])) == (
        1, ["ensure:radarr:2"], 20,
    )  # fmt: skip


# --- events answered 200 without a job -----------------------------------------------------------


def unknown_event(app: App) -> bytes:
    """A Download body whose eventType no release has sent yet."""
    data = payload(app, "download")
    data["eventType"] = "SomethingNew"
    return encode(data)


IGNORED = [
    ("radarr", "grab", "Grab", 7),
    ("radarr", "health", "Health", None),
    ("radarr", "health_restored", "HealthRestored", None),  # no applicationUrl
    ("radarr", "application_update", "ApplicationUpdate", None),
    ("radarr", "manual_interaction_required", "ManualInteractionRequired", None),
    ("sonarr", "grab", "Grab", 3),
    ("sonarr", "health", "Health", None),  # no applicationUrl
    ("sonarr", "health_restored", "HealthRestored", None),
    ("sonarr", "application_update", "ApplicationUpdate", None),
    ("sonarr", "manual_interaction_required", "ManualInteractionRequired", 3),
]


@pytest.mark.parametrize(("app", "name", "event_type", "arr_id"), IGNORED)
async def test_ignored_event_answers_200_and_queues_nothing(
    stack: Stack, app: App, name: str, event_type: str, arr_id: int | None
) -> None:
    """Grab, Health, ApplicationUpdate and the like are answered 200, logged, never queued."""
    status, answer = await send(stack, app, encode(payload(app, name)))
    assert (status, answer) == (200, {"status": "ignored", "event_id": 1})
    assert await traces(stack) == {
        **NOTHING,
        "events": [event_row(app, event_type, "ignore", arr_id, None)],
    }


@pytest.mark.parametrize("app", ["radarr", "sonarr"])
async def test_unknown_event_type_answers_200_and_queues_nothing(stack: Stack, app: App) -> None:
    """An eventType newer than Trailarr is ignored with a 200, not refused."""
    status, answer = await send(stack, app, unknown_event(app))
    assert (status, answer) == (200, {"status": "ignored", "event_id": 1})
    arr_id = 2 if app == "radarr" else 3
    assert await traces(stack) == {
        **NOTHING,
        "events": [event_row(app, "SomethingNew", "ignore", arr_id, None)],
    }


RECORDED = [
    ("radarr", "movie_delete", "MovieDelete", "forget", 4),
    ("radarr", "movie_file_delete", "MovieFileDelete", "file_deleted", 2),
    ("sonarr", "series_delete", "SeriesDelete", "forget", 8),
    ("sonarr", "episode_file_delete", "EpisodeFileDelete", "file_deleted", 3),
]


@pytest.mark.parametrize(("app", "name", "event_type", "action", "arr_id"), RECORDED)
async def test_delete_events_answer_200_without_job(
    stack: Stack, app: App, name: str, event_type: str, action: str, arr_id: int
) -> None:
    """Deletes are recorded and answered 200; they queue no download."""
    status, answer = await send(stack, app, encode(payload(app, name)))
    assert (status, answer) == (200, {"status": "recorded", "event_id": 1})
    assert await traces(stack) == {
        **NOTHING,
        "events": [event_row(app, event_type, action, arr_id, None)],
    }


# --- instance and auth ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("instance", ["lidarr", "radarr-4k"])
async def test_unknown_instance_is_404(stack: Stack, instance: str, method: Method) -> None:
    """A webhook path naming no configured instance is a 404 that queues nothing."""
    status, answer = await send(
        stack, instance, encode(payload("radarr", "download")), method=method
    )
    assert (status, answer) == (404, {"error": f"unknown instance {instance!r}"})
    assert await traces(stack) == NOTHING


def basic(user: str, password: str) -> dict[str, str]:
    """An HTTP Basic Authorization header."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


ACCEPTED_AUTH = {
    "query apikey": ({"apikey": API_KEY}, {}),
    "X-Api-Key header": ({}, {"X-Api-Key": API_KEY}),
    "x-api-key lower case": ({}, {"x-api-key": API_KEY}),
    "Basic, user radarr": ({}, basic("radarr", API_KEY)),
    "Basic, any user": ({}, basic("someone else", API_KEY)),
    "Basic, empty user": ({}, basic("", API_KEY)),
    "basic scheme in lower case": ({}, {"Authorization": basic("u", API_KEY)["Authorization"]
                                        .replace("Basic", "basic")}),
}  # fmt: skip


@pytest.mark.parametrize(("params", "headers"), ACCEPTED_AUTH.values(), ids=ACCEPTED_AUTH.keys())
async def test_api_key_is_accepted_in_each_documented_place(
    stack: Stack, params: dict[str, str], headers: dict[str, str]
) -> None:
    """The key works as `?apikey=`, as `X-Api-Key`, and as a Basic password under any user."""
    status, answer = await send(
        stack, "radarr", encode(payload("radarr", "download")), params=params, headers=headers
    )
    assert (status, answer) == (
        202, {"status": "queued", "event_id": 1, "job_id": "ensure:radarr:2"},
    )  # fmt: skip


REJECTED_AUTH = {
    "no key": ({}, {}),
    "wrong apikey": ({"apikey": "wrong"}, {}),
    "empty apikey": ({"apikey": ""}, {}),
    "key in another case": ({"apikey": API_KEY.upper()}, {}),
    "prefix of the key": ({"apikey": API_KEY[:-1]}, {}),
    "key plus a character": ({"apikey": API_KEY + "x"}, {}),
    "wrong X-Api-Key": ({}, {"X-Api-Key": "wrong"}),
    "wrong Basic password": ({}, basic("radarr", "wrong")),
    "key as Basic user name": ({}, basic(API_KEY, "")),
    "Basic without a colon": ({}, {"Authorization": "Basic "
                                   + base64.b64encode(API_KEY.encode()).decode()}),
    "Basic not base64": ({}, {"Authorization": "Basic ***"}),
    "Bearer token": ({}, {"Authorization": f"Bearer {API_KEY}"}),
    "wrong query beats right header": ({"apikey": "wrong"}, {"X-Api-Key": API_KEY}),
}  # fmt: skip


@pytest.mark.parametrize(("params", "headers"), REJECTED_AUTH.values(), ids=REJECTED_AUTH.keys())
@pytest.mark.parametrize("app", ["radarr", "sonarr"])
async def test_wrong_or_missing_key_is_401_and_queues_nothing(
    stack: Stack, app: App, params: dict[str, str], headers: dict[str, str]
) -> None:
    """Without the right key a webhook is refused with 401 and leaves no trace."""
    status, answer = await send(
        stack, app, encode(payload(app, "download")), params=params, headers=headers
    )
    assert (status, answer) == (401, {"error": "missing or wrong API key"})
    assert await traces(stack) == NOTHING


# --- bad input -----------------------------------------------------------------------------------


def download(path: tuple[str | int, ...], value: object) -> bytes:
    """The Radarr Download fixture with one value replaced (or removed, for `...`)."""
    return changed("radarr", "download", path, value)


NOT_JSON = "body is not valid JSON: "
DEEP = b'{"eventType":"Download","movie":' + b"[" * 5000 + b"]" * 5000 + b"}"
NAN = b'{"eventType": "Download", "movie": {"id": NaN, "folderPath": "/m"}}'
NO_EVENT_TYPE = "missing 'eventType' (a non-empty string)"
NOT_OBJECT = "body must be a JSON object"
RENAME_0 = changed("radarr", "rename", ("renamedMovieFiles", 0), "x")
EPISODE_FILES = changed(
    "sonarr", "download_import_complete", ("episodeFiles",), {"path": "/tv/x.mkv"}
)

BAD_BODIES: dict[str, tuple[App, bytes, str]] = {
    "empty body":
        ("radarr", b"", NOT_JSON + "EOF while parsing a value at line 1 column 0"),
    "plain text":
        ("radarr", b"not json", NOT_JSON + "expected ident at line 1 column 2"),
    "truncated JSON":
        ("radarr", b'{"eventType": "Download"',
         NOT_JSON + "EOF while parsing an object at line 1 column 24"),
    "not UTF-8":
        ("radarr", b'\xff\xfe{"eventType": "Test"}', "body is not valid UTF-8: invalid start byte"),
    "NaN":
        ("radarr", NAN, NOT_JSON + "expected value at line 1 column 43"),
    "nesting too deep":
        ("radarr", DEEP, NOT_JSON + "recursion limit exceeded at line 1 column 233"),
    "JSON array": ("radarr", encode([payload("radarr", "download")]), NOT_OBJECT),
    "JSON null": ("sonarr", b"null", NOT_OBJECT),
    "JSON string": ("sonarr", b'"Download"', NOT_OBJECT),
    "missing eventType": ("radarr", download(("eventType",), ...), NO_EVENT_TYPE),
    "empty eventType": ("radarr", download(("eventType",), ""), NO_EVENT_TYPE),
    "numeric eventType": ("radarr", download(("eventType",), 42), NO_EVENT_TYPE),
    "Download without movie":
        ("radarr", download(("movie",), ...), "Download from radarr needs a 'movie' object"),
    "MovieAdded without movie":
        ("radarr", changed("radarr", "movie_added", ("movie",), ...),
         "MovieAdded from radarr needs a 'movie' object"),
    "Download without series":
        ("sonarr", changed("sonarr", "download", ("series",), ...),
         "Download from sonarr needs a 'series' object"),
    "series payload to radarr":
        ("radarr", encode(payload("sonarr", "download")),
         "Download from radarr needs a 'movie' object"),
    "movie payload to sonarr":
        ("sonarr", encode(payload("radarr", "download")),
         "Download from sonarr needs a 'series' object"),
    "movie is a list":
        ("radarr", download(("movie",), [2]), "Download from radarr needs a 'movie' object"),
    "movie.id a string":
        ("radarr", download(("movie", "id"), "2"), "movie.id: Input should be a valid integer"),
    "movie.id a float":
        ("radarr", download(("movie", "id"), 2.5), "movie.id: Input should be a valid integer"),
    "movie.id negative":
        ("radarr", download(("movie", "id"), -1),
         "movie.id: Input should be greater than or equal to 0"),
    "movie.id over 64 bits":
        ("radarr", download(("movie", "id"), 2**64),
         "movie.id: Input should be less than or equal to 9223372036854775807"),
    "movie.title a number":
        ("radarr", download(("movie", "title"), 5), "movie.title: Input should be a valid string"),
    "movie.folderPath missing":
        ("radarr", download(("movie", "folderPath"), ...), "movie.folderPath: Field required"),
    "movie.folderPath a number":
        ("radarr", download(("movie", "folderPath"), 7),
         "movie.folderPath: Input should be a valid string"),
    "isUpgrade a string":
        ("radarr", download(("isUpgrade",), "yes"), "isUpgrade: Input should be a valid boolean"),
    "movieFile a list":
        ("radarr", download(("movieFile",), []), "movieFile: Input should be a JSON object"),
    "movieFile.path a number":
        ("radarr", download(("movieFile", "path"), 5),
         "movieFile.path: Input should be a valid string"),
    "renamedMovieFiles[0] a string":
        ("radarr", RENAME_0, "renamedMovieFiles[0]: Input should be a JSON object"),
    "series.id a string":
        ("sonarr", changed("sonarr", "series_add", ("series", "id"), "6"),
         "series.id: Input should be a valid integer"),
    "series.path empty":
        ("sonarr", changed("sonarr", "rename", ("series", "path"), ""),
         "series.path: Path should be non-empty, without NUL characters"),
    "episodeFiles an object":
        ("sonarr", EPISODE_FILES, "episodeFiles: Input should be a JSON array"),
}  # fmt: skip


@pytest.mark.parametrize(("app", "body", "message"), BAD_BODIES.values(), ids=BAD_BODIES.keys())
async def test_bad_payload_is_400_saying_what_is_wrong(
    stack: Stack, app: App, body: bytes, message: str
) -> None:
    """A body that is not a usable webhook is a 400 whose message names the problem."""
    status, answer = await send(stack, app, body)
    assert (status, answer) == (400, {"error": message})
    assert await traces(stack) == NOTHING


WRONG_VALUES: list[object] = [None, True, -1, 1.5, 2**70, "", "x", [], {}, [None], {"a": None}]


def mutations() -> list[tuple[App, bytes]]:
    """Every fixture with each top-level and media field replaced by each wrong value."""
    found = []
    apps: tuple[App, ...] = ("radarr", "sonarr")
    for app in apps:
        for file in sorted((FIXTURES / app).glob("webhook_*.json")):
            data = json.loads(file.read_bytes())
            media_key = "movie" if app == "radarr" else "series"
            paths: list[tuple[str, ...]] = [(key,) for key in data]
            if isinstance(data.get(media_key), dict):
                paths += [(media_key, key) for key in data[media_key]]
            for path in paths:
                for value in WRONG_VALUES:
                    mutated = copy.deepcopy(data)
                    target = mutated
                    for part in path[:-1]:
                        target = target[part]
                    target[path[-1]] = value
                    found.append((app, encode(mutated)))
    return found


async def test_wrong_field_types_never_give_5xx(stack: Stack) -> None:
    """Every fixture with every field of the wrong type is answered 200, 202 or 400, never 5xx."""
    limit = asyncio.Semaphore(32)

    async def attempt(app: App, body: bytes) -> tuple[int, Any]:
        async with limit:
            return await send(stack, app, body)

    cases = mutations()
    answers = await asyncio.gather(*(attempt(app, body) for app, body in cases))
    unexpected = [
        (app, body.decode()[:200], status, answer)
        for (app, body), (status, answer) in zip(cases, answers, strict=True)
        if status not in (200, 202, 400)
        or (status == 400 and not (isinstance(answer, dict) and answer.get("error")))
    ]
    assert unexpected == []
    assert len(cases) > 2000


# --- size limit ----------------------------------------------------------------------------------


def padded(size: int) -> bytes:
    """A valid Radarr Download body padded with trailing whitespace to exactly `size` bytes."""
    body = encode(payload("radarr", "download"))
    return body + b" " * (size - len(body))


def chunked(body: bytes, chunk: int = 64 * 1024) -> Callable[[], AsyncIterator[bytes]]:
    """The body as a stream: aiohttp sends it with chunked transfer and no Content-Length."""

    async def stream() -> AsyncIterator[bytes]:
        for start in range(0, len(body), chunk):
            yield body[start : start + chunk]

    return stream


Transfer = Literal["content-length", "chunked", "gzip"]
TRANSFERS: list[Transfer] = ["content-length", "chunked", "gzip"]


def sent_as(
    transfer: Transfer, body: bytes
) -> tuple[bytes | Callable[[], AsyncIterator[bytes]], dict[str, str]]:
    """The body and headers for a transfer: announced length, chunked, or gzip-compressed."""
    if transfer == "chunked":
        return chunked(body), {}
    if transfer == "gzip":
        return gzip.compress(body), {"Content-Encoding": "gzip"}
    return body, {}


@pytest.mark.parametrize("transfer", TRANSFERS)
@pytest.mark.parametrize("size", [MAX_BODY + 1, 3 * MAX_BODY])
async def test_body_over_1_mib_is_413_and_queues_nothing(
    stack: Stack, transfer: Transfer, size: int
) -> None:
    """A body over 1 MiB is a 413: announced, chunked, or only once a small gzip is inflated."""
    data, headers = sent_as(transfer, padded(size))
    status, answer = await send(stack, "radarr", data, headers=headers)
    assert (status, answer) == (413, {"error": f"body over {MAX_BODY} bytes"})
    assert await traces(stack) == NOTHING


@pytest.mark.parametrize("transfer", TRANSFERS)
async def test_body_of_exactly_1_mib_is_accepted(stack: Stack, transfer: Transfer) -> None:
    """1 MiB is the limit, not over it: such a Download is answered 202."""
    body = padded(MAX_BODY)
    assert len(body) == MAX_BODY
    data, headers = sent_as(transfer, body)
    status, answer = await send(stack, "radarr", data, headers=headers)
    assert (status, answer) == (
        202, {"status": "queued", "event_id": 1, "job_id": "ensure:radarr:2"},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("transfer", "headers"),
    [("content-length", (str(MAX_BODY + 1), None)), ("chunked", (None, "chunked"))],
)
async def test_size_cases_use_the_intended_transfer(
    stack: Stack, transfer: str, headers: tuple[str | None, str | None]
) -> None:
    """The 413 cases above reach the server with a Content-Length, or chunked without one."""
    seen: list[tuple[str | None, str | None]] = []

    async def on_request_headers(
        session: aiohttp.ClientSession, context: Any, params: aiohttp.TraceRequestHeadersSentParams
    ) -> None:
        seen.append((params.headers.get("Content-Length"), params.headers.get("Transfer-Encoding")))

    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(on_request_headers)
    body = padded(MAX_BODY + 1)
    async with aiohttp.ClientSession(trace_configs=[trace]) as http, http.post(
        f"{stack.base}/webhook/radarr", params={"apikey": API_KEY},
        data=as_data(body if transfer == "content-length" else chunked(body)),
    ) as response:  # fmt: skip
        assert response.status == 413
    assert seen == [headers]
