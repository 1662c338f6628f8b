"""Pure path rules: mappings, library roots, trailer names and recognising existing trailers."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.config import PathMapping
from app.core.paths import (
    find_existing_trailer,
    is_trailer_name,
    map_path,
    movie_trailer_path,
    safe_name,
    series_trailer_path,
    within_roots,
)

MAPPINGS = (
    PathMapping.model_validate({"from": "/movies", "to": "/mnt/media/movies"}),
    PathMapping.model_validate({"from": "/movies/4k", "to": "/mnt/uhd"}),
    PathMapping.model_validate({"from": "D:\\Media\\TV", "to": "/mnt/media/tv"}),
)


@pytest.mark.parametrize(
    ("arr_path", "local"),
    [
        ("/movies/Dune (2021)", "/mnt/media/movies/Dune (2021)"),
        ("/movies/", "/mnt/media/movies"),
        ("/movies", "/mnt/media/movies"),
        ("/movies/4k/Dune (2021)", "/mnt/uhd/Dune (2021)"),  # the longest mapping wins
        ("/movies4k/Dune (2021)", "/movies4k/Dune (2021)"),  # a prefix of a name is no match
        ("D:\\Media\\TV\\Severance", "/mnt/media/tv/Severance"),
        ("/tv/Severance", "/tv/Severance"),  # unmapped paths stay as they are
        ("/movies/../etc/passwd", "/etc/passwd"),  # normalised before anything uses it
    ],
)
def test_map_path(arr_path: str, local: str) -> None:
    """Arr paths map onto this machine's paths by the longest matching `from`."""
    assert map_path(arr_path, MAPPINGS) == local


@pytest.mark.parametrize(
    ("path", "inside"),
    [
        ("/mnt/media/movies/Dune (2021)", True),
        ("/mnt/media/movies/a/b", True),
        ("/mnt/media/movies", False),  # the root itself is not a media folder
        ("/mnt/media/movies2/Dune", False),
        ("/mnt/media/movies/../secret", False),
        ("/etc", False),
    ],
)
def test_within_roots(path: str, inside: bool) -> None:
    """Only folders strictly inside a library root are accepted."""
    assert within_roots(path, ["/mnt/media/movies/", "/mnt/media/tv"]) is inside


@pytest.mark.parametrize(
    ("layout", "title", "year", "movie_file", "expected"),
    [
        ("suffix", "Dune", 2021, "/m/Dune (2021)/Dune (2021) Bluray-1080p.mkv",
         "/m/Dune (2021)/Dune (2021) Bluray-1080p-trailer.mkv"),
        ("suffix", "Amélie", 2001, "/m/Amélie (2001)/Amélie.2001.mkv",
         "/m/Amélie (2001)/Amélie.2001-trailer.mkv"),
        ("suffix", "No File", 2020, None, "/m/Dune (2021)/Trailers/No File (2020)-trailer.mkv"),
        ("folder", "Mission: Impossible \u2013 The Final Reckoning", 2025,
         "/m/Dune (2021)/x.mkv",
         "/m/Dune (2021)/Trailers/"
         "Mission - Impossible \u2013 The Final Reckoning (2025)-trailer.mkv"),
        ("folder", 'AC/DC: "Live"?', 0, None, "/m/Dune (2021)/Trailers/ACDC - Live-trailer.mkv"),
    ],
)  # fmt: skip
def test_movie_trailer_path(
    layout: str, title: str, year: int, movie_file: str | None, expected: str
) -> None:
    """Kodi's exact stem in `suffix` layout; a safe `Title (Year)` name inside `Trailers/`."""
    assert movie_trailer_path(layout, "mkv", "/m/Dune (2021)", title, year, movie_file) == expected


def test_series_trailer_path() -> None:
    """A series trailer goes in `<series folder>/Trailers/`."""
    assert series_trailer_path("mp4", "/tv/Shōgun", "Shōgun", 2024) == (
        "/tv/Shōgun/Trailers/Shōgun (2024)-trailer.mp4"
    )


@pytest.mark.parametrize(
    ("title", "year", "label"),
    [
        ("Shōgun (2024)", 2024, "Shōgun (2024)"),
        ("Shōgun (1980)", 2024, "Shōgun (1980) (2024)"),
        ("Doctor Who (2005) ", 2005, "Doctor Who (2005)"),
        ("1923", 2022, "1923 (2022)"),
        ("Nameless", 0, "Nameless"),
    ],
)
def test_series_title_already_ending_in_its_year_is_not_doubled(
    title: str, year: int, label: str
) -> None:
    """Sonarr's "Shōgun (2024)" gives `Shōgun (2024)-trailer`, not `Shōgun (2024) (2024)`."""
    assert series_trailer_path("mkv", "/tv/S", title, year) == f"/tv/S/Trailers/{label}-trailer.mkv"


@pytest.mark.parametrize(("text", "safe"), [("a:b", "a -b"), ("  ..x.. ", "x"), ("///", "trailer")])
def test_safe_name(text: str, safe: str) -> None:
    """Characters file systems refuse are dropped; a colon becomes a dash."""
    assert safe_name(text) == safe


@pytest.mark.parametrize(
    ("name", "trailer"),
    [
        ("Dune (2021)-trailer.mkv", True),
        ("Dune (2021)-Trailer.MP4", True),
        ("Dune (2021).trailer.mkv", True),
        ("Dune (2021)_trailer.webm", True),
        ("Dune (2021)-trailer2.mkv", True),
        ("trailer.mp4", True),
        ("Trailer.mkv", True),
        ("Dune (2021)-trailer.srt", False),  # not a video
        ("Dune (2021)-trailer.nfo", False),
        ("Trailer Park Boys S01E01.mkv", False),
        ("The Trailer (2020) Bluray-1080p.mkv", False),
        (".trailarr-0123abcd.mkv", False),  # our own temporary file
        ("trailers.mkv", False),
    ],
)
def test_is_trailer_name(name: str, trailer: bool) -> None:
    """Trailer names the media servers accept, and look-alikes that are not trailers."""
    assert is_trailer_name(name) is trailer


def make(root: Path, *names: str) -> Path:
    """Create empty files (and their folders) under root."""
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"")
    return root


@pytest.mark.parametrize(
    ("files", "found"),
    [
        (["Movie.mkv", "Movie-trailer.mkv"], "Movie-trailer.mkv"),
        (["Movie.mkv", "trailer.mp4"], "trailer.mp4"),
        (["Movie.mkv", "Trailers/Official.mkv"], "Trailers/Official.mkv"),
        (["Movie.mkv", "trailers/whatever.mp4"], "trailers/whatever.mp4"),
        (["Movie.mkv", "Trailers/notes.txt"], None),
        (["Movie.mkv", "Movie-trailer.nfo"], None),
        (["Season 01/Trailer Park Boys S01E01.mkv"], None),
        (["Movie.mkv", ".trailarr-abc.mkv.part"], None),
        ([], None),
    ],
)
def test_find_existing_trailer(tmp_path: Path, files: list[str], found: str | None) -> None:
    """Every form of existing trailer is recognised; a title containing the word is not one."""
    folder = make(tmp_path / "Trailer Park Boys", *files)
    result = find_existing_trailer([folder, tmp_path / "missing"])
    assert result == (folder / found if found else None)
