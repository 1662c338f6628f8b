"""Tests for ``webhooks.events.parse_webhook``: every event shape, the 400 cases, fuzzed input."""

import copy
import json
import random
from pathlib import Path
from typing import Any, Literal

import pytest

from app.core.errors import PayloadError
from app.core.records import Action, MediaRef, ParsedEvent
from webhooks.events import parse_webhook

App = Literal["radarr", "sonarr"]

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_bytes(app: App, name: str) -> bytes:
    """The raw body of ``tests/fixtures/<app>/webhook_<name>.json``."""
    return (FIXTURES / app / f"webhook_{name}.json").read_bytes()


def fixture_dict(app: App, name: str) -> dict[str, Any]:
    """A fresh, mutable copy of a webhook fixture."""
    data: dict[str, Any] = json.loads(fixture_bytes(app, name))
    return data


def to_body(data: object) -> bytes:
    """Serialize like the Arrs do: raw UTF-8, no escaping of non-ASCII text."""
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def expect(event_type: str, action: Action, media: MediaRef | None, summary: str) -> ParsedEvent:
    """A ``ParsedEvent``: what the store records (an upgrade, files or a delete reason are
    in the summary)."""
    return ParsedEvent(event_type=event_type, action=action, media=media, summary=summary)


radarr = sonarr = expect


MOVIES = "/data/media/movies"
DUNE = MediaRef(
    "movie",
    2,
    "Dune: Part Two",
    2024,
    f"{MOVIES}/Dune Part Two (2024)",
    693134,
)
DUNE_WEBDL = f"{MOVIES}/Dune Part Two (2024)/Dune Part Two (2024) WEBDL-2160p.mkv"
DUNE_REMUX = f"{MOVIES}/Dune Part Two (2024)/Dune Part Two (2024) Remux-2160p.mkv"
AMELIE = MediaRef("movie", 3, "Amélie", 2001, f"{MOVIES}/Amélie (2001)", 194)
PARASITE = MediaRef(
    "movie",
    4,
    "Parasite",
    2019,
    f"{MOVIES}/Parasite (2019)",
    496243,
)
RECKONING = MediaRef(
    "movie",
    5,
    "Mission: Impossible \u2013 The Final Reckoning",
    2025,
    f"{MOVIES}/Mission Impossible - The Final Reckoning (2025)",
    575265,
)
WILD_ROBOT = MediaRef(
    "movie",
    7,
    "The Wild Robot",
    2024,
    f"{MOVIES}/The Wild Robot (2024)",
    1184918,
)
RADARR_TEST_MOVIE = MediaRef("movie", 1, "Test Title", 1970, "C:\\testpath", 0)

TV = "/data/media/tv"
SEVERANCE = MediaRef("series", 3, "Severance", 2022, f"{TV}/Severance", 95396)
SEVERANCE_S02E10 = f"{TV}/Severance/Season 02/Severance - S02E10 - Cold Harbor WEBDL-2160p.mkv"
FRIEREN = MediaRef(
    "series",
    6,
    "Frieren: Beyond Journey's End",
    2023,
    f"{TV}/Frieren - Beyond Journey's End",
    209867,
)
SHOGUN = MediaRef("series", 8, "Shōgun", 2024, f"{TV}/Shōgun (2024)", 126308)
SHOGUN_TITLES = [
    "Anjin",
    "Servants of Two Masters",
    "Tomorrow Is Tomorrow",
    "The Eightfold Fence",
    "Broken to the Fist",
    "Ladies of the Willow World",
    "A Stick of Time",
    "The Abyss of Life",
    "Crimson Sky",
    "A Dream of a Dream",
]
SHOGUN_SEASON_1 = tuple(
    f"{TV}/Shōgun (2024)/Season 01/Shōgun (2024) - S01E{number:02} - {title} [WEBDL-2160p].mkv"
    for number, title in enumerate(SHOGUN_TITLES, start=1)
)
SONARR_TEST_SERIES = MediaRef("series", 1, "Test Title", 0, "C:\\testpath", 0)

NO_EVENT_TYPE = "missing 'eventType' (a non-empty string)"
RADARR_WARNING = "warning: Indexers unavailable due to failures for more than 6 hours: NZBgeek"
SONARR_ERROR = "error: Missing root folder: /data/media/anime"

FIXTURE_EVENTS: dict[tuple[App, str], ParsedEvent] = {
    ("radarr", "test"): radarr("Test", Action.TEST, RADARR_TEST_MOVIE, "Test: Test Title (1970)"),
    ("radarr", "grab"): radarr("Grab", Action.IGNORE, WILD_ROBOT, "Grab: The Wild Robot (2024)"),
    ("radarr", "download"): radarr(
        "Download",
        Action.ENSURE,
        DUNE,
        "Download: Dune: Part Two (2024)",
    ),
    ("radarr", "download_upgrade"): radarr(
        "Download",
        Action.ENSURE,
        DUNE,
        "Download: Dune: Part Two (2024), upgrade",
    ),
    ("radarr", "rename"): radarr(
        "Rename",
        Action.RENAME,
        AMELIE,
        "Rename: Amélie (2001), 1 file",
    ),
    ("radarr", "movie_added"): radarr(
        "MovieAdded",
        Action.ENSURE,
        RECKONING,
        "MovieAdded: Mission: Impossible \u2013 The Final Reckoning (2025)",
    ),
    ("radarr", "movie_delete"): radarr(
        "MovieDelete", Action.FORGET, PARASITE, "MovieDelete: Parasite (2019), files deleted"
    ),
    ("radarr", "movie_file_delete"): radarr(
        "MovieFileDelete",
        Action.FILE_DELETED,
        DUNE,
        "MovieFileDelete: Dune: Part Two (2024), reason upgrade",
    ),
    ("radarr", "health"): radarr("Health", Action.IGNORE, None, f"Health: {RADARR_WARNING}"),
    ("radarr", "health_restored"): radarr(
        "HealthRestored", Action.IGNORE, None, f"HealthRestored: {RADARR_WARNING}"
    ),
    ("radarr", "application_update"): radarr(
        "ApplicationUpdate",
        Action.IGNORE,
        None,
        "ApplicationUpdate: Radarr updated from 5.28.0.10274 to 6.0.3.10276",
    ),
    ("radarr", "manual_interaction_required"): radarr(
        "ManualInteractionRequired", Action.IGNORE, None, "ManualInteractionRequired"
    ),
    ("sonarr", "test"): sonarr("Test", Action.TEST, SONARR_TEST_SERIES, "Test: Test Title S01E01"),
    ("sonarr", "grab"): sonarr("Grab", Action.IGNORE, SEVERANCE, "Grab: Severance (2022) S02E10"),
    ("sonarr", "download"): sonarr(
        "Download",
        Action.ENSURE,
        SEVERANCE,
        "Download: Severance (2022) S02E10",
    ),
    ("sonarr", "download_upgrade"): sonarr(
        "Download",
        Action.ENSURE,
        SEVERANCE,
        "Download: Severance (2022) S02E10, upgrade",
    ),
    ("sonarr", "download_import_complete"): sonarr(
        "Download",
        Action.ENSURE,
        SHOGUN,
        "Download: Shōgun (2024) S01E01-S01E10, 10 files",
    ),
    ("sonarr", "rename"): sonarr(
        "Rename",
        Action.RENAME,
        SEVERANCE,
        "Rename: Severance (2022), 2 files",
    ),
    ("sonarr", "series_add"): sonarr(
        "SeriesAdd", Action.ENSURE, FRIEREN, "SeriesAdd: Frieren: Beyond Journey's End (2023)"
    ),
    ("sonarr", "series_delete"): sonarr(
        "SeriesDelete", Action.FORGET, SHOGUN, "SeriesDelete: Shōgun (2024)"
    ),
    ("sonarr", "episode_file_delete"): sonarr(
        "EpisodeFileDelete",
        Action.FILE_DELETED,
        SEVERANCE,
        "EpisodeFileDelete: Severance (2022) S02E10, reason manual",
    ),
    ("sonarr", "health"): sonarr("Health", Action.IGNORE, None, f"Health: {SONARR_ERROR}"),
    ("sonarr", "health_restored"): sonarr(
        "HealthRestored", Action.IGNORE, None, f"HealthRestored: {SONARR_ERROR}"
    ),
    ("sonarr", "application_update"): sonarr(
        "ApplicationUpdate",
        Action.IGNORE,
        None,
        "ApplicationUpdate: Sonarr updated from 4.0.18.2978 to 4.0.19.2979",
    ),
    ("sonarr", "manual_interaction_required"): sonarr(
        "ManualInteractionRequired",
        Action.IGNORE,
        SEVERANCE,
        "ManualInteractionRequired: Severance (2022) S02E10",
    ),
}


EVERY_FIXTURE = [pytest.param(app, name, id=f"{app}-{name}") for app, name in FIXTURE_EVENTS]


def all_webhook_fixtures() -> list[tuple[App, str]]:
    """Every ``webhook_*.json`` under tests/fixtures, as (app, name)."""
    found: list[tuple[App, str]] = []
    for app in ("radarr", "sonarr"):
        for path in sorted((FIXTURES / app).glob("webhook_*.json")):
            found.append((app, path.stem.removeprefix("webhook_")))
    return found


def test_action_values_are_the_published_strings() -> None:
    """The Action values are the strings the rest of the app stores and compares."""
    assert [action.value for action in Action] == [
        "test",
        "ensure",
        "rename",
        "forget",
        "file_deleted",
        "ignore",
    ]


def test_every_fixture_has_an_expected_event() -> None:
    """Each webhook fixture on disk is in the expectation table, and the reverse."""
    assert sorted(FIXTURE_EVENTS) == all_webhook_fixtures()


@pytest.mark.parametrize(("app", "name"), EVERY_FIXTURE)
def test_fixture_parses_to_expected_event(app: App, name: str) -> None:
    """Each event shape of ARR_CONTRACT §1.2/§1.3 parses to its whole expected event."""
    assert parse_webhook(fixture_bytes(app, name), app) == FIXTURE_EVENTS[app, name]


@pytest.mark.parametrize("app", ["radarr", "sonarr"])
def test_unknown_future_event_type_is_ignored(app: App) -> None:
    """An eventType we do not know is ignored, keeping its raw name and any well-formed media."""
    data = fixture_dict(app, "download")
    data["eventType"] = "SomethingNew"
    data["somethingNewDetail"] = {"kind": "surprise", "values": [1, 2, 3]}
    expected_media = DUNE if app == "radarr" else SEVERANCE
    event = parse_webhook(to_body(data), app)
    assert (event.event_type, event.action, event.media) == (
        "SomethingNew",
        Action.IGNORE,
        expected_media,
    )
    assert event.summary == "SomethingNew: " + expected_media.title + (
        " (2024)" if app == "radarr" else " (2022) S02E10"
    )  # no upgrade, no files, no delete reason


def test_unknown_event_type_without_media_is_ignored() -> None:
    """An unknown eventType with nothing else parses to a bare ignored event."""
    body = to_body({"eventType": "SomethingNew", "instanceName": "Radarr (4K)"})
    assert parse_webhook(body, "radarr") == expect(
        "SomethingNew",
        Action.IGNORE,
        None,
        "SomethingNew",
    )


def test_event_type_is_matched_without_regard_to_case() -> None:
    """A camelCase ``download`` (announced for a future version) still ensures a trailer."""
    data = fixture_dict("radarr", "download")
    data["eventType"] = "download"
    event = parse_webhook(to_body(data), "radarr")
    assert (event.event_type, event.action, event.media) == ("download", Action.ENSURE, DUNE)


@pytest.mark.parametrize(
    ("app", "data"),
    [
        pytest.param("radarr", {"eventType": "Test"}, id="radarr-bare"),
        pytest.param("radarr", {"eventType": "Test", "movie": "Test Title"}, id="radarr-movie-str"),
        pytest.param("radarr", {"eventType": "Test", "movie": {"id": "abc"}}, id="radarr-bad-id"),
        pytest.param(
            "radarr", fixture_dict("sonarr", "test") | {"instanceName": 7}, id="radarr-got-sonarr"
        ),
        pytest.param("sonarr", {"eventType": "Test", "series": None}, id="sonarr-null-series"),
        pytest.param(
            "sonarr", {"eventType": "Test", "series": {"id": 1, "path": ""}}, id="sonarr-empty-path"
        ),
    ],
)
def test_test_event_never_fails_on_its_content(app: App, data: dict[str, Any]) -> None:
    """The Test button gets a TEST event however odd its media, which is then left out."""
    assert parse_webhook(to_body(data), app) == expect(
        "Test",
        Action.TEST,
        None,
        "Test",
    )


@pytest.mark.parametrize("event_type", ["Grab", "ManualInteractionRequired", "Health"])
def test_ignored_event_with_broken_media_is_still_ignored(event_type: str) -> None:
    """Ignored events are not validated beyond the envelope, so bad media never causes a 400."""
    data = fixture_dict("radarr", "grab")
    data["eventType"] = event_type
    data["movie"]["id"] = "seven"
    event = parse_webhook(to_body(data), "radarr")
    assert (event.action, event.media) == (Action.IGNORE, None)


@pytest.mark.parametrize(
    ("app", "data", "expected"),
    [
        pytest.param(
            "radarr",
            {"movie": {"id": 9, "folderPath": "/m/X"}, "eventType": "Download"},
            expect(
                "Download",
                Action.ENSURE,
                MediaRef("movie", 9, "", 0, "/m/X", 0),
                "Download: movie 9",
            ),
            id="radarr-download-minimal",
        ),
        pytest.param(
            "radarr",
            {
                "movie": {
                    "id": 9,
                    "title": None,
                    "year": None,
                    "folderPath": "/m/X",
                    "tmdbId": None,
                    "imdbId": None,
                },
                "movieFile": None,
                "isUpgrade": None,
                "deletedFiles": None,
                "eventType": "Download",
                "instanceName": None,
            },
            expect(
                "Download",
                Action.ENSURE,
                MediaRef("movie", 9, "", 0, "/m/X", 0),
                "Download: movie 9",
            ),
            id="radarr-download-explicit-nulls",
        ),
        pytest.param(
            "radarr",
            {"movie": {"id": 9, "folderPath": "/m/X"}, "movieFile": {}, "eventType": "Download"},
            expect(
                "Download",
                Action.ENSURE,
                MediaRef("movie", 9, "", 0, "/m/X", 0),
                "Download: movie 9",
            ),
            id="radarr-movie-file-without-path",
        ),
        pytest.param(
            "radarr",
            {"movie": {"id": 9, "folderPath": "/m/X"}, "eventType": "Rename"},
            expect(
                "Rename",
                Action.RENAME,
                MediaRef("movie", 9, "", 0, "/m/X", 0),
                "Rename: movie 9, 0 files",
            ),
            id="radarr-rename-without-files",
        ),
        pytest.param(
            "radarr",
            {"movie": {"id": 9, "folderPath": "/m/X"}, "eventType": "MovieFileDelete"},
            expect(
                "MovieFileDelete",
                Action.FILE_DELETED,
                MediaRef("movie", 9, "", 0, "/m/X", 0),
                "MovieFileDelete: movie 9",
            ),
            id="radarr-file-delete-without-reason",
        ),
        pytest.param(
            "sonarr",
            {"series": {"id": 4, "path": "/tv/X"}, "eventType": "SeriesAdd"},
            expect(
                "SeriesAdd",
                Action.ENSURE,
                MediaRef("series", 4, "", 0, "/tv/X", 0),
                "SeriesAdd: series 4",
            ),
            id="sonarr-series-add-minimal",
        ),
        pytest.param(
            "sonarr",
            {
                "series": {"id": 4, "path": "/tv/X", "tvdbId": 81189},
                "episodes": [{"id": 1}, "junk"],
                "eventType": "Download",
            },
            expect(
                "Download",
                Action.ENSURE,
                MediaRef("series", 4, "", 0, "/tv/X", 0),
                "Download: series 4",
            ),
            id="sonarr-pre-4.0.5-no-tmdb-id-odd-episodes",
        ),
    ],
)
def test_optional_fields_may_be_absent_or_null(
    app: App, data: dict[str, Any], expected: ParsedEvent
) -> None:
    """Only the media's id and folder are required; other fields default when absent or null."""
    assert parse_webhook(to_body(data), app) == expected


def add_future_fields(node: object) -> None:
    """Put an extra key into every object of a payload, as a newer Arr version would."""
    if isinstance(node, dict):
        for value in list(node.values()):
            add_future_fields(value)
        node["addedInV7"] = {"nested": [1, "two", None], "flag": True}
    elif isinstance(node, list):
        for item in node:
            add_future_fields(item)


@pytest.mark.parametrize(("app", "name"), EVERY_FIXTURE)
def test_unknown_fields_everywhere_are_ignored(app: App, name: str) -> None:
    """Extra keys in every object of a payload change nothing in the parsed event."""
    data = fixture_dict(app, name)
    add_future_fields(data)
    assert parse_webhook(to_body(data), app) == FIXTURE_EVENTS[app, name]


def test_deleted_files_alone_mark_an_upgrade() -> None:
    """A Download with ``deletedFiles`` but no ``isUpgrade`` is still an upgrade."""
    data = fixture_dict("radarr", "download_upgrade")
    del data["isUpgrade"]
    assert parse_webhook(to_body(data), "radarr").summary.endswith(", upgrade")


def test_sonarr_download_with_both_file_shapes_lists_each_path_once() -> None:
    """``episodeFile`` and ``episodeFiles`` together give their paths in order, without repeats."""
    data = fixture_dict("sonarr", "download")
    data["episodeFiles"] = [{"path": SEVERANCE_S02E10}, {"path": "/tv/Severance/extra.mkv"}]
    event = parse_webhook(to_body(data), "sonarr")
    assert event.summary.endswith(", 2 files")  # three entries, two paths


def test_unprintable_event_type_still_gets_a_summary() -> None:
    """An eventType of control characters is ignored, kept as sent, with a placeholder summary."""
    assert parse_webhook(to_body({"eventType": "\x00\x1b"}), "sonarr") == expect(
        "\x00\x1b",
        Action.IGNORE,
        None,
        "(unprintable)",
    )


def test_summary_is_one_bounded_printable_line() -> None:
    """Control characters, newlines and long titles cannot stretch the status-page line."""
    data = {
        "movie": {"id": 1, "title": "Evil\nTitle\x1b[31m" + "x" * 500, "folderPath": "/m/E"},
        "eventType": "MovieAdded",
    }
    summary = parse_webhook(to_body(data), "radarr").summary
    assert summary.startswith("MovieAdded: Evil Title [31mxxx")
    assert len(summary) == 160
    assert summary.isprintable()
    assert summary.endswith("…")


@pytest.mark.parametrize(
    ("app", "data", "message"),
    [
        pytest.param("radarr", [], "body must be a JSON object", id="array"),
        pytest.param("radarr", "Download", "body must be a JSON object", id="string"),
        pytest.param("radarr", None, "body must be a JSON object", id="null"),
        pytest.param("radarr", {}, NO_EVENT_TYPE, id="no-event-type"),
        pytest.param("radarr", {"eventType": 3}, NO_EVENT_TYPE, id="int-type"),
        pytest.param("sonarr", {"eventType": ""}, NO_EVENT_TYPE, id="empty-type"),
        pytest.param("sonarr", {"eventType": None}, NO_EVENT_TYPE, id="null-type"),
        pytest.param("sonarr", {"eventType": " \n"}, NO_EVENT_TYPE, id="blank-type"),
        pytest.param(
            "radarr",
            fixture_dict("sonarr", "download"),
            "Download from radarr needs a 'movie' object",
            id="sonarr-payload-to-radarr",
        ),
        pytest.param(
            "sonarr",
            fixture_dict("radarr", "movie_added"),
            "MovieAdded from sonarr needs a 'series' object",
            id="radarr-payload-to-sonarr",
        ),
        pytest.param(
            "radarr",
            {"eventType": "MovieDelete"},
            "MovieDelete from radarr needs a 'movie' object",
            id="missing-movie",
        ),
        pytest.param(
            "radarr",
            {"eventType": "Rename", "movie": ["Amélie"]},
            "Rename from radarr needs a 'movie' object",
            id="movie-is-array",
        ),
        pytest.param(
            "sonarr",
            {"eventType": "SeriesDelete", "series": None},
            "SeriesDelete from sonarr needs a 'series' object",
            id="null-series",
        ),
        pytest.param(
            "radarr",
            {"eventType": "Download", "movie": {"id": "abc", "folderPath": "/m"}},
            "movie.id: Input should be a valid integer",
            id="id-not-int",
        ),
        pytest.param(
            "radarr",
            {"eventType": "Download", "movie": {"id": "2", "folderPath": "/m"}},
            "movie.id: Input should be a valid integer",
            id="id-numeric-string",
        ),
        pytest.param(
            "radarr",
            {"eventType": "Download", "movie": {"id": True, "folderPath": "/m"}},
            "movie.id: Input should be a valid integer",
            id="id-bool",
        ),
        pytest.param(
            "radarr",
            {"eventType": "Download", "movie": {"id": 2.5, "folderPath": "/m"}},
            "movie.id: Input should be a valid integer",
            id="id-float",
        ),
        pytest.param(
            "radarr",
            {"eventType": "Download", "movie": {"id": -1, "folderPath": "/m"}},
            "movie.id: Input should be greater than or equal to 0",
            id="id-negative",
        ),
        pytest.param(
            "radarr",
            {"eventType": "Download", "movie": {"id": 2**64, "folderPath": "/m"}},
            "movie.id: Input should be less than or equal to 9223372036854775807",
            id="id-beyond-int64",
        ),
        pytest.param(
            "radarr",
            {"eventType": "Download", "movie": {"id": 2, "folderPath": 42}},
            "movie.folderPath: Input should be a valid string",
            id="folder-path-number",
        ),
        pytest.param(
            "radarr",
            {"eventType": "Download", "movie": {"id": 2, "folderPath": ""}},
            "movie.folderPath: Path should be non-empty, without NUL characters",
            id="folder-path-empty",
        ),
        pytest.param(
            "radarr",
            {"eventType": "Download", "movie": {"id": 2, "folderPath": "/m/\x00x"}},
            "movie.folderPath: Path should be non-empty, without NUL characters",
            id="folder-path-nul",
        ),
        pytest.param(
            "radarr",
            {"eventType": "MovieAdded", "movie": {"id": 2}},
            "movie.folderPath: Field required",
            id="folder-path-missing",
        ),
        pytest.param(
            "sonarr",
            {"eventType": "SeriesAdd", "series": {"id": 6, "folderPath": "/tv/X"}},
            "series.path: Field required",
            id="series-path-missing",
        ),
        pytest.param(
            "radarr",
            {"eventType": "Download", "movie": {"id": 2, "folderPath": "/m"}, "movieFile": "x"},
            "movieFile: Input should be a JSON object",
            id="movie-file-not-object",
        ),
        pytest.param(
            "radarr",
            {
                "eventType": "Download",
                "movie": {"id": 2, "folderPath": "/m"},
                "movieFile": {"path": 7},
            },
            "movieFile.path: Input should be a valid string",
            id="movie-file-path-number",
        ),
        pytest.param(
            "radarr",
            {"eventType": "Download", "movie": {"id": 2, "folderPath": "/m"}, "isUpgrade": "yes"},
            "isUpgrade: Input should be a valid boolean",
            id="is-upgrade-string",
        ),
        pytest.param(
            "radarr",
            {
                "eventType": "Rename",
                "movie": {"id": 2, "folderPath": "/m"},
                "renamedMovieFiles": {},
            },
            "renamedMovieFiles: Input should be a JSON array",
            id="renamed-files-not-array",
        ),
        pytest.param(
            "sonarr",
            {
                "eventType": "Rename",
                "series": {"id": 3, "path": "/tv/S"},
                "renamedEpisodeFiles": [{"path": "/tv/S/a.mkv"}, {"path": 5}],
            },
            "renamedEpisodeFiles[1].path: Input should be a valid string",
            id="renamed-episode-path-number",
        ),
        pytest.param(
            "sonarr",
            {"eventType": "Download", "series": {"id": 3, "path": "/tv/S"}, "episodeFiles": ["x"]},
            "episodeFiles[0]: Input should be a JSON object",
            id="episode-files-item-not-object",
        ),
        pytest.param(
            "sonarr",
            {
                "eventType": "EpisodeFileDelete",
                "series": {"id": 3, "path": "/tv/S"},
                "deleteReason": 1,
            },
            "deleteReason: Input should be a valid string",
            id="delete-reason-number",
        ),
        pytest.param(
            "radarr",
            {
                "eventType": "Download",
                "movie": {"id": "a", "title": 5, "year": "x", "folderPath": 1},
            },
            "movie.id: Input should be a valid integer; "
            "movie.title: Input should be a valid string; "
            "movie.year: Input should be a valid integer; and 1 more",
            id="several-errors",
        ),
    ],
)
def test_unusable_payload_is_rejected_with_the_reason(app: App, data: object, message: str) -> None:
    """A payload we cannot act on raises PayloadError whose text names the problem and the field."""
    with pytest.raises(PayloadError) as caught:
        parse_webhook(to_body(data), app)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("body", "prefix"),
    [
        pytest.param(b"", "body is not valid JSON: ", id="empty"),
        pytest.param(b"eventType=Download", "body is not valid JSON: ", id="form-encoded"),
        pytest.param(b'{"eventType": "Download"', "body is not valid JSON: ", id="truncated"),
        pytest.param(b'{"eventType": "Test", "a": NaN}', "body is not valid JSON: ", id="nan"),
        pytest.param(b'{"eventType": "Test"} {}', "body is not valid JSON: ", id="two-values"),
        pytest.param(b'{"a": "\\ud800"}', "body is not valid JSON: ", id="lone-surrogate"),
        pytest.param(b'{"a": ' + b"9" * 5000 + b"}", "body is not valid JSON: ", id="huge-number"),
        pytest.param(b'{"a": ' * 5000 + b"1" + b"}" * 5000, "body is not valid JSON: ", id="deep"),
        pytest.param(b"\xef\xbb\xbf{}", "body is not valid JSON: ", id="utf8-bom"),
        pytest.param(b"\xff\xfe{\x00}\x00", "body is not valid UTF-8: ", id="utf16"),
        pytest.param(
            '{"eventType": "Test", "instanceName": "Radarr café"}'.encode("latin-1"),
            "body is not valid UTF-8: ",
            id="latin1",
        ),
    ],
)
def test_body_that_is_not_utf8_json_is_rejected(body: bytes, prefix: str) -> None:
    """Bytes that are not one UTF-8 JSON value raise PayloadError saying which of the two failed."""
    with pytest.raises(PayloadError) as caught:
        parse_webhook(body, "radarr")
    assert str(caught.value).startswith(prefix)
    assert len(str(caught.value)) > len(prefix)


ODD_VALUES: list[object] = [
    None,
    True,
    0,
    -1,
    2**70,
    1.5,
    "",
    "abc",
    "\x00",
    "ünï\u2028cødé",
    [],
    [None],
    {},
    {"id": "x"},
    {"path": 3},
]


def mutate(node: Any, rng: random.Random) -> Any:
    """Delete, replace or retype one randomly chosen value somewhere below ``node``."""
    if isinstance(node, dict) and node:
        key = rng.choice(list(node))
        choice = rng.random()
        if choice < 0.15:
            del node[key]
        elif choice < 0.3:
            node[key] = copy.deepcopy(rng.choice(ODD_VALUES))
        elif isinstance(node[key], dict | list) and node[key]:
            mutate(node[key], rng)
        else:
            node[key] = copy.deepcopy(rng.choice(ODD_VALUES))
    elif isinstance(node, list) and node:
        index = rng.randrange(len(node))
        if isinstance(node[index], dict | list) and node[index] and rng.random() < 0.7:
            mutate(node[index], rng)
        else:
            node[index] = copy.deepcopy(rng.choice(ODD_VALUES))
    return node


JSON_BYTES = b'{}[]",:0123456789-.eE tfnrulas\\'


def mangle_bytes(body: bytes, rng: random.Random) -> bytes:
    """Truncate a body, or overwrite or splice in bytes that are mostly JSON syntax."""
    choice = rng.random()
    if choice < 0.2:
        return body[: rng.randrange(len(body) + 1)]
    position = rng.randrange(len(body))
    if choice < 0.9:
        count = rng.randrange(1, 4)
        noise = bytes(rng.choice(JSON_BYTES) for _ in range(count))
        return body[:position] + noise + body[position + count * (choice < 0.6) :]
    return body[:position] + rng.randbytes(rng.randrange(1, 8)) + body[position:]


def assert_well_formed(event: ParsedEvent) -> None:
    """Every field of a successful parse has its declared type, whatever the input was."""
    assert isinstance(event.action, Action)
    assert isinstance(event.event_type, str) and event.event_type
    assert event.summary.isprintable() and 0 < len(event.summary) <= 160
    if event.media is not None:
        media = event.media
        assert media.kind in ("movie", "series")
        assert all(type(n) is int and n >= 0 for n in (media.arr_id, media.year, media.tmdb_id))
        assert isinstance(media.title, str)
        assert isinstance(media.folder, str) and media.folder and "\x00" not in media.folder


def parse_or_reject(body: bytes, app: App) -> None:
    """Parse and check the result, accepting PayloadError as the only failure."""
    try:
        event = parse_webhook(body, app)
    except PayloadError as exc:
        assert str(exc)
    else:
        assert_well_formed(event)


@pytest.mark.parametrize(("app", "name"), EVERY_FIXTURE)
def test_fuzzed_payloads_only_ever_raise_payload_error(app: App, name: str) -> None:
    """Mutated fixtures, sent to either app, parse to a well-typed event or raise PayloadError."""
    rng = random.Random(f"{app}-{name}")
    original = fixture_bytes(app, name)
    for _ in range(60):
        mutated = fixture_dict(app, name)
        for _ in range(rng.randrange(1, 4)):
            mutate(mutated, rng)
        for body in (to_body(mutated), mangle_bytes(original, rng)):
            parse_or_reject(body, "radarr")
            parse_or_reject(body, "sonarr")


def test_random_garbage_only_ever_raises_payload_error() -> None:
    """Random bytes and random JSON values raise PayloadError and nothing else."""
    rng = random.Random(20240417)
    for _ in range(300):
        parse_or_reject(rng.randbytes(rng.randrange(64)), "radarr")
        value: dict[str, object] = {
            "eventType": rng.choice(["Download", "Rename", "Test", "MovieDelete", "X"])
        }
        value[rng.choice(["movie", "series", "movieFile"])] = copy.deepcopy(rng.choice(ODD_VALUES))
        parse_or_reject(to_body(value), rng.choice(["radarr", "sonarr"]))
