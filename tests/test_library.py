"""Reading an Arr's library (app/core/library.py): the streamed JSON array reader, what is kept."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.core.library import JsonArrayReader, Listed, listed_media
from tests.fakes.arr import FakeArr
from tests.fakes.wire import stj_dumps
from tests.test_reconcile import MOVIE_ROOT, SERIES_ROOT, add_movie, add_series


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 1 << 20])
def test_array_reader_yields_every_element_whatever_the_chunking(chunk: int) -> None:
    """Elements come out whole and in order however the bytes are cut, multi-byte UTF-8 too."""
    elements = [{"id": 1, "title": "Amélie", "n": [1, 2.5]}, 12345, 'x"y', [], {}, None, -7]
    body = json.dumps(elements, indent=2, ensure_ascii=False).encode()
    reader = JsonArrayReader(min_parse=3)
    out: list[Any] = []
    for start in range(0, len(body), chunk):
        out += reader.feed(body[start : start + chunk])
    out += reader.close()
    assert out == elements


def test_array_reader_reads_the_arr_wire_format() -> None:
    """A list as System.Text.Json writes it (indented, \\uXXXX escapes, no nulls) reads back."""
    radarr = FakeArr("radarr")
    movies = [add_movie(radarr, n, f"Film «{n}» & Co") for n in (1, 2, 3)]
    reader = JsonArrayReader()
    assert reader.feed(stj_dumps(movies)) + reader.close() == json.loads(stj_dumps(movies))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"id": 1}', "expected a JSON array"),
        (b'[{"id": 1}, {"id": 2', "Expecting ',' delimiter"),
        (b'[{"id": 1}', "ends early"),
        (b'[{"id": 1} {"id": 2}]', "expected ',' or ']'"),
        (b"[1] [2]", "more data after"),
        (b"[{bad}]", "Expecting property name"),
        (b"", "ends early"),
    ],
)
def test_array_reader_rejects_what_is_not_one_whole_array(body: bytes, message: str) -> None:
    """A body that is not exactly one complete JSON array is an error, never a partial list."""
    reader = JsonArrayReader(min_parse=1)
    with pytest.raises(ValueError, match=message):
        reader.feed(body)
        reader.close()


def test_listed_media_reads_only_what_a_pass_needs() -> None:
    """Radarr has a file by hasFile or movieFile, Sonarr by episodeFileCount; no id, no entry."""
    radarr, sonarr = FakeArr("radarr"), FakeArr("sonarr")
    movie = add_movie(radarr, 5, "Heat")
    assert listed_media("radarr", movie) == Listed(5, "Heat", 2020, f"{MOVIE_ROOT}/Heat (2020)",
                                                   1005, True)  # fmt: skip
    older = {key: value for key, value in movie.items() if key != "hasFile"}
    assert listed_media("radarr", older) == listed_media("radarr", movie)
    assert listed_media("radarr", add_movie(radarr, 6, "Empty", has_file=False)) == Listed(
        6, "Empty", 2020, f"{MOVIE_ROOT}/Empty (2020)", 1006, False
    )
    assert listed_media("sonarr", add_series(sonarr, 7, "Show", episode_file_count=0)) == Listed(
        7, "Show", 2021, f"{SERIES_ROOT}/Show", 2007, False
    )
    assert listed_media("sonarr", add_series(sonarr, 8, "Aired"))[5] is True  # type: ignore[index]
    assert listed_media("radarr", {"title": "no id"}) is None
    assert listed_media("radarr", [1]) is None
