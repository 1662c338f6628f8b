"""Tests for app.choose: which trailer wins, and the reason every candidate gets."""

import dataclasses
from typing import Any

import pytest

from app.core.choose import Candidate, ChoicePrefs, Decision, choose_trailer, tmdb_candidates
from app.core.languages import language_code

YOUTUBE = "https://www.youtube.com/watch?v={key}"


def _video(
    lang: str,
    name: str,
    key: str,
    site: str,
    size: int,
    type_: str,
    official: bool,
    published: str,
    id_: str,
) -> dict[str, Any]:
    return {
        "iso_639_1": lang,
        "iso_3166_1": lang.upper() if lang != "en" else "US",
        "name": name,
        "key": key,
        "site": site,
        "size": size,
        "type": type_,
        "official": official,
        "published_at": published,
        "id": id_,
    }


# Same content as /work/shared/fixtures/tmdb/movie_videos.json (GET /3/movie/550/videos).
# fmt: off
TMDB_FIGHT_CLUB: dict[str, Any] = {"id": 550, "results": [
    _video("en", "Fight Club | 20th Anniversary Featurette", "qLz1fJm3w8E", "YouTube", 1080,
           "Featurette", True, "2019-10-15T16:00:02.000Z", "5da5e3a2a3e4ba0016c2e1f7"),
    _video("en", "The First Rule of Fight Club", "Vt7kR2nPq0Y", "YouTube", 1080, "Clip", True,
           "2017-05-18T17:30:00.000Z", "591e1b0bc3a36864e8014a55"),
    _video("en",
           "Fight Club (1999) Trailer - Starring Brad Pitt, Edward Norton, Helena Bonham Carter",
           "O-b2VfmmbyA", "YouTube", 720, "Trailer", False, "2016-03-05T02:03:14.000Z",
           "639d5326be6d88007f170f44"),
    _video("en", "Fight Club - Theatrical Trailer Remastered in HD", "6JnN1DmbqoU", "YouTube", 1080,
           "Trailer", False, "2015-02-26T03:19:25.000Z", "5e382d1b4ca676001453826d"),
    _video("en", "Fight Club | #TBT Trailer | 20th Century FOX", "BdJKm16Co6M", "YouTube", 1080,
           "Trailer", True, "2014-10-02T19:20:22.000Z", "5c9294240e0a267cd516835f"),
    _video("en", "Fight Club - Teaser (1999)", "h3JtYw9Kx2M", "YouTube", 480, "Teaser", False,
           "2012-08-21T09:14:51.000Z", "5b1f6c2f0e0a262dd40102a8"),
    _video("en", "Making of Fight Club", "Qm8XcT4rLw1", "YouTube", 480, "Behind the Scenes", False,
           "2011-06-30T21:05:10.000Z", "5c93a1f7c3a36845b9d1e2c0"),
    _video("en", "Fight Club - Title Sequence", "146823411", "Vimeo", 1080, "Clip", False,
           "2015-11-10T12:00:00.000Z", "5e8f2c1a9d893900187b6c34"),
    _video("de", "Fight Club - Trailer (Deutsch) HD", "u7H2pQkT9sA", "YouTube", 1080, "Trailer",
           False, "2013-04-09T10:44:12.000Z", "5b0c4f96c3a3682be2004c7e"),
]}
# fmt: on
FIGHT_CLUB = ChoicePrefs("Fight Club", 1999, "movie", languages=("en",), original_language="en")


def tmdb(*keys: str) -> list[Candidate]:
    """The fixture's candidates with these keys (all when none given), in fixture order."""
    every = tmdb_candidates(TMDB_FIGHT_CLUB, YOUTUBE)
    return [c for c in every if not keys or c.key in keys]


def yt(
    name: str,
    duration: float | None = 150.0,
    channel: str = "",
    is_live: bool = False,
    url: str = "",
) -> Candidate:
    """A YouTube search result; its key is set by `numbered`."""
    return Candidate(
        url=url, source="search", name=name, duration=duration, channel=channel, is_live=is_live
    )


def numbered(candidates: list[Candidate]) -> list[Candidate]:
    """Give search results distinct keys ("v0", "v1", ...) and URLs, in list order."""
    return [
        dataclasses.replace(c, key=f"v{i}", url=c.url or YOUTUBE.format(key=f"v{i:010d}"))
        for i, c in enumerate(candidates)
    ]


def summary(decision: Decision) -> list[tuple[str, bool, str]]:
    """Key, verdict and reason of every ranked candidate, after checking the Decision's shape."""
    ranked = decision.ranked
    flags = [s.accepted for s in ranked]
    assert flags == sorted(flags, reverse=True), "accepted candidates come first"
    for i, scored in enumerate(ranked):
        assert scored.reason
        if not scored.accepted:
            assert scored.reason.startswith("rejected: ")
        else:
            assert scored.reason.startswith("chosen: " if i == 0 else f"ranked #{i + 1}: ")
    assert decision.accepted == tuple(s for s in ranked if s.accepted)
    assert decision.chosen == (decision.accepted[0] if decision.accepted else None)
    return [(s.candidate.key, s.accepted, s.reason) for s in ranked]


def test_tmdb_candidates_reads_the_fixture() -> None:
    """Every YouTube and Vimeo video becomes a candidate with its TMDB fields, in payload order."""
    candidates = tmdb_candidates(TMDB_FIGHT_CLUB, YOUTUBE)
    assert [c.key for c in candidates] == [v["key"] for v in TMDB_FIGHT_CLUB["results"]]
    assert candidates[4] == Candidate(
        url="https://www.youtube.com/watch?v=BdJKm16Co6M",
        source="tmdb",
        key="BdJKm16Co6M",
        name="Fight Club | #TBT Trailer | 20th Century FOX",
        type="Trailer",
        language="en",
        official=True,
        size=1080,
        published_at="2014-10-02T19:20:22.000Z",
    )
    assert candidates[7].url == "https://vimeo.com/146823411"
    assert candidates[8].language == "de"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param({}, [], id="no-results"),
        pytest.param({"results": None}, [], id="null-results"),
        pytest.param({"results": "oops"}, [], id="results-not-a-list"),
        pytest.param(
            {"results": [None, 3, {"site": "YouTube"}, {"key": "", "site": "YouTube"}]},
            [],
            id="junk-entries",
        ),
        pytest.param(
            {"results": [{"key": "x1", "site": "Dailymotion"}, {"key": "x2"}]},
            [],
            id="other-or-no-site",
        ),
        pytest.param(
            {
                "results": [
                    {
                        "key": "abcdefghijk",
                        "site": "YouTube",
                        "iso_639_1": None,
                        "official": None,
                        "size": None,
                        "type": None,
                        "name": None,
                    }
                ]
            },
            [
                Candidate(
                    url="https://www.youtube.com/watch?v=abcdefghijk",
                    source="tmdb",
                    key="abcdefghijk",
                )
            ],
            id="nulls-become-defaults",
        ),
        pytest.param(
            {"results": [{"key": "76979871", "site": "vimeo", "type": "Trailer", "size": "big"}]},
            [
                Candidate(
                    url="https://vimeo.com/76979871", source="tmdb", key="76979871", type="Trailer"
                )
            ],
            id="vimeo-any-case-bad-size",
        ),
    ],
)
def test_tmdb_candidates_tolerates_missing_fields(
    payload: dict[str, Any], expected: list[Candidate]
) -> None:
    """Missing, null or odd fields give defaults; entries without a key or site are skipped."""
    assert tmdb_candidates(payload, YOUTUBE) == expected


def test_fixture_chooses_the_official_trailer() -> None:
    """On the TMDB fixture the official Trailer wins and every other video gets its reason."""
    assert summary(choose_trailer(tmdb(), FIGHT_CLUB)) == [
        (
            "BdJKm16Co6M",
            True,
            "chosen: official English trailer from TMDB, 1080p, published 2014-10-02",
        ),
        (
            "6JnN1DmbqoU",
            True,
            "ranked #2: unofficial English trailer from TMDB, 1080p, published 2015-02-26",
        ),
        (
            "O-b2VfmmbyA",
            True,
            "ranked #3: unofficial English trailer from TMDB, 720p, published 2016-03-05",
        ),
        (
            "h3JtYw9Kx2M",
            True,
            "ranked #4: unofficial English teaser from TMDB, 480p, published 2012-08-21",
        ),
        (
            "u7H2pQkT9sA",
            True,
            "ranked #5: unofficial German trailer from TMDB, 1080p, published 2013-04-09;"
            " a dub: German is not one of your languages",
        ),
        ("qLz1fJm3w8E", False, "rejected: not a trailer (TMDB type: Featurette)"),
        ("Vt7kR2nPq0Y", False, "rejected: not a trailer (TMDB type: Clip)"),
        ("Qm8XcT4rLw1", False, "rejected: not a trailer (TMDB type: Behind the Scenes)"),
        ("146823411", False, "rejected: not a trailer (TMDB type: Clip)"),
    ]


@pytest.mark.parametrize(
    ("languages", "original", "chosen"),
    [
        pytest.param(("en",), "en", "BdJKm16Co6M", id="english"),
        pytest.param(("de",), "en", "u7H2pQkT9sA", id="german-preferred"),
        pytest.param(("de", "en"), "en", "u7H2pQkT9sA", id="german-then-english"),
        pytest.param(("en", "de"), "en", "BdJKm16Co6M", id="english-then-german"),
        pytest.param(("fr",), "en", "BdJKm16Co6M", id="french-falls-back-to-original"),
        pytest.param(("ja",), "", "BdJKm16Co6M", id="everything-a-dub-official-first"),
    ],
)
def test_fixture_language_preference(
    languages: tuple[str, ...], original: str, chosen: str
) -> None:
    """The German dub wins only when German is preferred; otherwise the official English trailer."""
    prefs = dataclasses.replace(FIGHT_CLUB, languages=languages, original_language=original)
    decision = choose_trailer(tmdb(), prefs)
    assert decision.chosen is not None
    assert decision.chosen.candidate.key == chosen


def test_original_language_ranks_after_preferred_and_before_dubs() -> None:
    """A French film for an English user: English first, then French (original), then a dub."""
    videos = [
        Candidate(
            YOUTUBE.format(key="it"),
            "tmdb",
            key="it",
            type="Trailer",
            language="it",
            official=True,
            size=1080,
        ),
        Candidate(
            YOUTUBE.format(key="fr"),
            "tmdb",
            key="fr",
            type="Trailer",
            language="fr",
            official=True,
            size=1080,
        ),
        Candidate(YOUTUBE.format(key="none"), "tmdb", key="none", type="Trailer", size=1080),
        Candidate(
            YOUTUBE.format(key="en"),
            "tmdb",
            key="en",
            type="Trailer",
            language="en",
            official=False,
            size=720,
        ),
    ]
    prefs = ChoicePrefs("Amélie", 2001, "movie", original_language="fr")
    assert summary(choose_trailer(videos, prefs)) == [
        ("en", True, "chosen: unofficial English trailer from TMDB, 720p"),
        (
            "fr",
            True,
            "ranked #2: official French trailer from TMDB, 1080p; French is the original language",
        ),
        ("none", True, "ranked #3: trailer from TMDB, 1080p"),
        (
            "it",
            True,
            "ranked #4: official Italian trailer from TMDB, 1080p;"
            " a dub: Italian is not one of your languages",
        ),
    ]


def test_teaser_only_list_picks_the_teaser() -> None:
    """With no Trailer on TMDB the Teaser is chosen over clips and featurettes."""
    decision = choose_trailer(tmdb("h3JtYw9Kx2M", "qLz1fJm3w8E", "Vt7kR2nPq0Y"), FIGHT_CLUB)
    assert [(key, ok) for key, ok, _ in summary(decision)] == [
        ("h3JtYw9Kx2M", True),
        ("qLz1fJm3w8E", False),
        ("Vt7kR2nPq0Y", False),
    ]


def test_no_trailer_on_tmdb_chooses_nothing() -> None:
    """Clips, featurettes, behind-the-scenes and untyped videos are all rejected as not trailers."""
    untyped = Candidate(YOUTUBE.format(key="zzz"), "tmdb", key="zzz", language="en")
    credits = dataclasses.replace(untyped, key="ccc", type="Opening Credits")
    decision = choose_trailer(
        [*tmdb("qLz1fJm3w8E", "Vt7kR2nPq0Y", "Qm8XcT4rLw1", "146823411"), untyped, credits],
        FIGHT_CLUB,
    )
    assert decision.chosen is None
    assert decision.accepted == ()
    rows = summary(decision)
    assert len(rows) == 6
    assert all("not a trailer" in reason for _, _, reason in rows)
    reasons = {key: reason for key, _, reason in rows}
    assert reasons["zzz"] == "rejected: not a trailer (TMDB gives no type)"
    assert reasons["ccc"] == "rejected: not a trailer (TMDB type: Opening Credits)"


PINNED = Candidate("https://youtu.be/PINNEDxxxxx", "pinned")
RADARR = Candidate(YOUTUBE.format(key="BdJKm16Co6M"), "radarr", key="BdJKm16Co6M")
SEARCHED = Candidate(
    YOUTUBE.format(key="srch"),
    "search",
    key="srch",
    name="Fight Club - Official Trailer (1999)",
    duration=140,
)


@pytest.mark.parametrize(
    ("candidates", "order"),
    [
        pytest.param(
            [SEARCHED, *tmdb("6JnN1DmbqoU"), RADARR, PINNED],
            ["https://youtu.be/PINNEDxxxxx", "6JnN1DmbqoU", "BdJKm16Co6M", "srch"],
            id="all-sources-reversed",
        ),
        pytest.param(
            [SEARCHED, *tmdb("h3JtYw9Kx2M")],
            ["h3JtYw9Kx2M", "srch"],
            id="a-tmdb-teaser-beats-a-search-trailer",
        ),
        pytest.param([RADARR, *tmdb("BdJKm16Co6M")], ["BdJKm16Co6M"], id="radarr-duplicate"),
    ],
)
def test_sources_rank_in_order(candidates: list[Candidate], order: list[str]) -> None:
    """Pinned, then TMDB (Radarr's id when TMDB does not list it, below), then search."""
    accepted = choose_trailer(candidates, FIGHT_CLUB).accepted
    assert [s.candidate.key or s.candidate.url for s in accepted] == order


def test_pinned_url_always_wins() -> None:
    """A pinned URL wins and is not rejected even when it is too short and flagged live."""
    pinned = dataclasses.replace(PINNED, duration=8, is_live=True)
    assert summary(choose_trailer([RADARR, pinned], FIGHT_CLUB)) == [
        (
            "",
            True,
            "chosen: the URL you pinned, which always wins"
            " (kept although it is too short (8 s, the minimum is 30 s))",
        ),
        ("BdJKm16Co6M", True, "ranked #2: Radarr's trailer (YouTube id BdJKm16Co6M)"),
    ]


def test_duplicates_of_a_better_candidate_are_rejected() -> None:
    """The same YouTube video found again is rejected, so a failed download is not retried."""
    pinned = Candidate("https://www.youtube.com/watch?v=BdJKm16Co6M&t=3", "pinned")
    rows = summary(choose_trailer([*tmdb("BdJKm16Co6M"), RADARR, pinned], FIGHT_CLUB))
    assert rows[0][:2] == ("", True)
    assert rows[1:] == [
        ("BdJKm16Co6M", False, "rejected: the same video as your pinned URL, ranked above"),
        ("BdJKm16Co6M", False, "rejected: the same video as your pinned URL, ranked above"),
    ]


@pytest.mark.parametrize(
    ("source", "duration", "reason"),
    [
        pytest.param("radarr", None, "chosen: Radarr's trailer", id="radarr-unknown"),
        pytest.param("radarr", 95, "chosen: Radarr's trailer", id="radarr-ok"),
        pytest.param(
            "radarr", 22, "rejected: too short (22 s, the minimum is 30 s)", id="radarr-short"
        ),
        pytest.param("tmdb", 30, "chosen: official English trailer", id="tmdb-at-minimum"),
        pytest.param("tmdb", 600, "chosen: official English trailer", id="tmdb-at-maximum"),
        pytest.param(
            "tmdb", 601, "rejected: too long (10 min 1 s, the maximum is 10 min)", id="tmdb-long"
        ),
        pytest.param(
            "search", 8, "rejected: too short (8 s, the minimum is 30 s)", id="search-short"
        ),
        pytest.param(
            "search",
            32_400,
            "rejected: too long (9 h, the maximum is 10 min)",
            id="search-nine-hours",
        ),
        pytest.param(
            "search",
            4_500,
            "rejected: too long (1 h 15 min, the maximum is 10 min)",
            id="search-75-minutes",
        ),
        pytest.param(
            "search", 135, "chosen: official trailer found by YouTube search", id="search-ok"
        ),
    ],
)
def test_duration_bounds(source: str, duration: float | None, reason: str) -> None:
    """Duration bounds apply to every non-pinned candidate whose duration is known."""
    base = {"radarr": RADARR, "tmdb": tmdb("BdJKm16Co6M")[0], "search": SEARCHED}[source]
    (scored,) = choose_trailer([dataclasses.replace(base, duration=duration)], FIGHT_CLUB).ranked
    assert scored.reason.startswith(reason)


def test_live_stream_is_rejected_for_radarr_too() -> None:
    """A candidate known to be a live stream is rejected whatever its source (except pinned)."""
    (scored,) = choose_trailer([dataclasses.replace(RADARR, is_live=True)], FIGHT_CLUB).ranked
    assert (scored.accepted, scored.reason) == (False, "rejected: a live stream, not a trailer")


# Search tables: each row is a search result and its expected outcome: "#n" = accepted at rank n,
# anything else = rejected with a reason containing that text.
SearchRows = list[tuple[Candidate, str]]

DASH = "\u2013"  # an en dash, as in titles and in names of uploads
MI_FINAL = f"Mission: Impossible {DASH} The Final Reckoning"
DUNE = ChoicePrefs("Dune", 2021, "movie")
MOVIE_SEARCHES: list[Any] = [
    pytest.param(
        DUNE,
        [
            (yt("Dune: Part Two | Official Trailer 3"), "different title ('Dune: Part Two')"),
            (yt("DUNE PART TWO Trailer Reaction!!"), "reaction video"),
            (yt("Dune Part 2 - Fan Made Trailer"), "fan-made"),
            (yt("Dune Explained"), "explainer"),
            (yt("Dune #shorts", duration=40), "Short"),
            (yt("dune trailer", url="https://www.youtube.com/shorts/abcdefghijk"), "Short"),
            (yt("DUNE Trailer 24/7 🔴 LIVE", duration=32_400, is_live=True), "live stream"),
            (yt("Dune 2 Trailer (2024)"), "different title ('Dune 2')"),
            (yt("Dune (1984) Official Trailer - Kyle MacLachlan Movie HD"), "the year 1984"),
            (yt("Dune Movie Review - A Masterpiece?"), "review"),
            (
                yt("Dune: Prophecy | Official Trailer | HBO Max"),
                "different title ('Dune: Prophecy')",
            ),
            (yt("Dune Ending Explained"), "explainer"),
            (yt("Honest Trailers | Dune (2021)"), "Honest Trailers"),
            (yt("Everything Wrong With Dune In 19 Minutes Or Less", duration=1_200), "too long"),
            (yt("Dune - Official Teaser", channel="Warner Bros. Pictures"), "#4"),
            (
                yt("Dune | Official Main Trailer", duration=213, channel="Warner Bros. Pictures"),
                "#2",
            ),
            (yt("Dune - Official Trailer (2021)", channel="Movieclips Trailers"), "#1"),
            (yt(f"Dune: Part One {DASH} Trailer", channel="KinoCheck"), "#3"),
            (yt("Dune - The Spice Must Flow | Official Clip"), "clip"),
            (yt("Dune Concept Trailer (Unreal Engine 5)"), "concept"),
        ],
        id="dune-2021",
    ),
    pytest.param(
        ChoicePrefs("The Little Mermaid", 1989, "movie"),
        [
            (yt("The Little Mermaid (2023) | Official Trailer"), "the year 2023"),
            (yt("The Little Mermaid - Official Trailer"), "#2"),
            (yt("The Little Mermaid (1989) - Trailer"), "#1"),
            (yt("The Little Mermaid II: Return to the Sea - Trailer"), "different title"),
        ],
        id="original-not-remake",
    ),
    pytest.param(
        ChoicePrefs("The Little Mermaid", 2023, "movie"),
        [
            (yt("The Little Mermaid (1989) - Trailer"), "the year 1989"),
            (yt("The Little Mermaid - Official Trailer"), "#3"),
            (yt("The Little Mermaid (2023) | Official Trailer"), "#1"),
            (yt("The Little Mermaid 2024 Trailer"), "#2"),  # a year named (±1) outranks "official"
        ],
        id="remake-not-original",
    ),
    pytest.param(
        ChoicePrefs("Amélie", 2001, "movie", original_language="fr"),
        [
            (yt("Amelie (2001) Official Trailer"), "#1"),
            (yt("AMÉLIE - Trailer"), "#2"),
            (yt("Amélie Poulain - Bande Annonce VF"), "different title ('Amélie Poulain')"),
            (yt("Amelia | Official Trailer"), "does not match the title 'Amélie'"),
        ],
        id="accents-in-title",
    ),
    pytest.param(
        ChoicePrefs("Amelie", 2001, "movie"),
        [
            (yt("Amélie | Official Trailer (2001)"), "#1"),
        ],
        id="accents-in-name",
    ),
    pytest.param(
        ChoicePrefs("Fast & Furious", 2009, "movie"),
        [
            (yt("Fast and Furious (2009) Official Trailer"), "#1"),
            (yt("Fast & Furious - Trailer"), "#2"),
            (yt("The Fast and the Furious (2001) Trailer"), "the year 2001"),
            (yt("Fast & Furious 6 Official Trailer"), "different title ('Fast & Furious 6')"),
            (yt("Fast X | Official Trailer"), "does not match"),
        ],
        id="ampersand-in-title",
    ),
    pytest.param(
        ChoicePrefs("Fast and Furious", 2009, "movie"),
        [
            (yt("FAST & FURIOUS (2009) - Official Trailer"), "#1"),
        ],
        id="and-in-title",
    ),
    pytest.param(
        ChoicePrefs(MI_FINAL, 2025, "movie"),
        [
            (
                yt(f"{MI_FINAL} | Official Trailer (2025 Movie) - Tom Cruise"),
                "#1",
            ),
            (yt(f"MISSION IMPOSSIBLE: THE FINAL RECKONING {DASH} Official Teaser"), "#3"),
            (yt("Mission Impossible - The Final Reckoning (2025) Trailer"), "#2"),
            (
                yt("Mission: Impossible - Dead Reckoning Part One | Official Trailer (2023)"),
                "does not match",
            ),
            (
                yt("Mission: Impossible — Final Reckoning Trailer Breakdown & Easter Eggs"),
                "breakdown",
            ),
        ],
        id="colon-and-dashes",
    ),
    pytest.param(
        ChoicePrefs("Spider-Man: No Way Home", 2021, "movie"),
        [
            (yt("SPIDER-MAN: NO WAY HOME - Official Trailer"), "#1"),
            (yt("Spiderman No Way Home Trailer"), "#2"),
            (yt("Spider-Man: Far From Home - Official Trailer"), "does not match"),
        ],
        id="hyphenated-title",
    ),
    pytest.param(
        ChoicePrefs("Reaction", 2020, "movie"),
        [
            (yt("Reaction Trailer Reaction"), "reaction video"),
            (yt("Reaction - Official Trailer"), "#1"),
        ],
        id="title-is-a-banned-word",
    ),
]

SERIES_SEARCHES: list[Any] = [
    pytest.param(
        ChoicePrefs("Severance", 2022, "series"),
        [
            (yt("Severance Season 2 — Official Trailer | Apple TV+ (2025)"), "#3"),
            (yt("Severance — Official Trailer | Apple TV+"), "#2"),
            (yt("Severance (2022) Official Trailer"), "#1"),
            (yt("Severance Season 1 Recap"), "recap"),
            (yt("Severance Ending Explained | Season 1 Finale Breakdown"), "explainer"),
            (yt("Severance 2x01 Reaction | First Time Watching"), "reaction video"),
            (yt("Severance S2 Official Teaser"), "#4"),
            (yt("Severance (2030) Trailer"), "the year 2030"),
        ],
        id="severance",
    ),
    pytest.param(
        ChoicePrefs("Shōgun", 2024, "series"),
        [
            (yt("Shōgun (1980) Miniseries Trailer"), "the year 1980"),
            (yt("SHŌGUN Season 2 Teaser (2026)"), "#2"),
            (yt("Shogun | Official Trailer | FX", channel="FX Networks"), "#1"),
            (yt("Shogun 2 Total War Trailer"), "different title ('Shogun 2 Total War')"),
        ],
        id="shogun-remake-and-game",
    ),
    pytest.param(
        ChoicePrefs("Stranger Things", 2016, "series"),
        [
            (yt("Stranger Things 4 | Volume 2 Trailer | Netflix"), "#2"),
            (yt("Stranger Things | Official Trailer [HD] | Netflix"), "#1"),
            (yt("Stranger Things: The First Shadow Trailer"), "different title"),
        ],
        id="stranger-things",
    ),
    pytest.param(
        ChoicePrefs("Doctor Who (2005)", 2005, "series", languages=("en",)),
        [
            (yt("Doctor Who (1963) Trailer"), "the year 1963"),
            (yt("Doctor Who | Series 1 Trailer | BBC"), "#1"),
        ],
        id="sonarr-title-with-year",
    ),
]


@pytest.mark.parametrize(("prefs", "rows"), MOVIE_SEARCHES + SERIES_SEARCHES)
def test_search_results(prefs: ChoicePrefs, rows: SearchRows) -> None:
    """Search results are filtered and ranked as the table says, each with a readable reason."""
    candidates = numbered([c for c, _ in rows])
    decision = choose_trailer(candidates, prefs)
    summary(decision)
    expected = {c.key: outcome for c, (_, outcome) in zip(candidates, rows, strict=True)}
    ranks = sorted((int(o[1:]), k) for k, o in expected.items() if o.startswith("#"))
    assert [s.candidate.key for s in decision.accepted] == [k for _, k in ranks]
    for scored in decision.ranked:
        if not scored.accepted:
            assert expected[scored.candidate.key] in scored.reason, scored.candidate.name


def test_later_season_reason_says_why_it_ranks_lower() -> None:
    """A later season's trailer is accepted, and its reason says it ranks below season 1."""
    rows = summary(
        choose_trailer(
            numbered([yt("Severance Season 2 | Official Trailer | Apple TV+")]),
            ChoicePrefs("Severance", 2022, "series"),
        )
    )
    assert rows == [
        (
            "v0",
            True,
            "chosen: official trailer found by YouTube search:"
            " 'Severance Season 2 | Official Trailer | Apple TV+' (2 min 30 s);"
            " a trailer for season 2, ranked below a first-season or series trailer",
        )
    ]


@pytest.mark.parametrize(
    ("languages", "chosen", "dub_reason"),
    [
        pytest.param(("de", "en"), "v1", "", id="german-user"),
        pytest.param(
            ("en",), "v0", "a dub: German is not one of your languages", id="english-user"
        ),
    ],
)
def test_search_language_named_in_the_title(
    languages: tuple[str, ...], chosen: str, dub_reason: str
) -> None:
    """A result whose name says "Deutsch" wins for a German user and is a dub for others."""
    candidates = numbered(
        [
            yt("Fight Club - Official Trailer"),
            yt("Fight Club - Trailer (Deutsch) HD"),
        ]
    )
    prefs = dataclasses.replace(FIGHT_CLUB, languages=languages)
    decision = choose_trailer(candidates, prefs)
    assert decision.chosen is not None
    assert decision.chosen.candidate.key == chosen
    assert decision.ranked[1].accepted
    assert dub_reason in decision.ranked[1].reason


def test_unlabelled_video_ranks_after_trailers() -> None:
    """A result that does not say "trailer" or "teaser" is accepted last, and says why."""
    candidates = numbered(
        [yt("Fight Club 1999"), yt("Fight Club Teaser"), yt("Fight Club Trailer")]
    )
    rows = summary(choose_trailer(candidates, FIGHT_CLUB))
    assert [key for key, _, _ in rows] == ["v2", "v1", "v0"]
    assert rows[2][2].endswith("; the name does not say it is a trailer")


def test_ties_keep_input_order_and_results_are_deterministic() -> None:
    """Equally good candidates keep input order, and the same input gives the same Decision."""
    candidates = numbered([yt("Fight Club Trailer")] * 3)
    first = choose_trailer(candidates, FIGHT_CLUB)
    assert [s.candidate.key for s in first.ranked] == ["v0", "v1", "v2"]
    assert first == choose_trailer(candidates, FIGHT_CLUB)


def test_no_candidates_no_choice() -> None:
    """An empty candidate list gives an empty Decision."""
    decision = choose_trailer([], FIGHT_CLUB)
    assert (decision.ranked, decision.accepted, decision.chosen) == ((), (), None)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("English", "en"),
        ("French", "fr"),
        ("Japanese", "ja"),
        ("Korean", "ko"),
        ("Portuguese (Brazil)", "pt"),
        ("Spanish (Latino)", "es"),
        ("Spanish", "es"),
        ("German", "de"),
        ("Chinese", "zh"),
        ("Hindi", "hi"),
        ("Flemish", "nl"),
        ("Norwegian", "no"),
        ("Persian", "fa"),
        ("Hebrew", "he"),
        ("Tagalog", "tl"),
        ("  english ", "en"),
        ("KOREAN", "ko"),
        ("en", "en"),
        ("Unknown", ""),
        ("Original", ""),
        ("Any", ""),
        ("Klingon", ""),
        ("", ""),
    ],
)
def test_language_code(name: str, code: str) -> None:
    """Radarr/Sonarr language names map to ISO 639-1 codes; unknown names map to ""."""
    assert language_code(name) == code


# --- reading names, seasons, tags (issue 9) --------------------------------------------------


def video(key: str, name: str, type_: str = "Trailer", **fields: Any) -> Candidate:
    """A TMDB candidate with these fields (official, English, 1080p unless given)."""
    base: dict[str, Any] = {"language": "en", "official": True, "size": 1080}
    return Candidate(
        YOUTUBE.format(key=key), "tmdb", key=key, name=name, type=type_, **(base | fields)
    )


def test_names_outweigh_tmdb_types() -> None:
    """Spots, scenes, character promos and audio descriptions typed Trailer are rejected by name."""
    videos = [
        video("spot", "Dune | Big Game Spot", size=2160, published_at="2021-10-18"),
        video("scene", "Dune | Opening Scene", published_at="2021-10-26"),
        video("chara", "캐릭터 예고편", "Teaser"),
        video("ad", "Dune | Official Trailer (Audio Description)"),
        video("main", "Dune | Official Main Trailer", published_at="2021-07-22"),
    ]
    rows = summary(choose_trailer(videos, DUNE))
    assert rows[0] == (
        "main",
        True,
        "chosen: official English trailer from TMDB, 1080p, published 2021-07-22",
    )
    assert rows[1:] == [
        (
            "spot",
            False,
            "rejected: a TV spot, not a trailer"
            " (TMDB types it as a Trailer, but its name says 'Big Game')",
        ),
        (
            "scene",
            False,
            "rejected: the opening scene, not a trailer"
            " (TMDB types it as a Trailer, but its name says 'Opening Scene')",
        ),
        (
            "chara",
            False,
            "rejected: a character promo, not a trailer"
            " (TMDB types it as a Teaser, but its name says '캐릭터')",
        ),
        (
            "ad",
            False,
            "rejected: an audio-description version, not a trailer"
            " (TMDB types it as a Trailer, but its name says 'Audio Description')",
        ),
    ]


def test_other_titles_on_the_page_are_rejected() -> None:
    """A sequel's and a trilogy's trailer listed on the first film's page are not its trailer."""
    prefs = ChoicePrefs("The Godfather", 1972, "movie")
    videos = [
        video("coda", "The Godfather, Coda: The Death of Michael Corleone | Official Trailer"),
        video("trilogy", "The Godfather Trilogy | 4K Ultra HD Trailer", size=2160),
        video("own", "The Godfather - Trailer", official=False, size=360),
    ]
    reasons = {key: reason for key, _, reason in summary(choose_trailer(videos, prefs))}
    assert reasons == {
        "own": "chosen: unofficial English trailer from TMDB, 360p",
        "coda": "rejected: trailer for a different title"
        " ('The Godfather, Coda: The Death of Michael Corleone')",
        "trilogy": "rejected: a trailer for the whole trilogy or saga, which gives the other"
        " films away (TMDB types it as a Trailer, but its name says 'Trilogy')",
    }


def test_series_trailer_over_later_seasons() -> None:
    """For a series the show's first trailer wins over newer, larger later-season ones."""
    prefs = ChoicePrefs("Stranger Things", 2016, "series")
    videos = [
        video("s4v2", "Stranger Things 4 | Volume 2 Trailer | Netflix", size=2160),
        video("final", "Stranger Things | The Final Season | Official Trailer", size=2160),
        video("s1", "Stranger Things | Official Trailer [HD] | Netflix"),
        video("s2", "Stranger Things 2 | Final Trailer [HD] | Netflix"),
    ]
    rows = summary(choose_trailer(videos, prefs))
    assert [key for key, _, _ in rows] == ["s1", "s2", "s4v2", "final"]
    assert rows[2][2] == (
        "ranked #3: official English trailer from TMDB, 2160p;"
        " a trailer for season 4, ranked below a first-season or series trailer"
    )
    assert rows[3][2].endswith(
        "; a trailer for the final season, ranked below a first-season or series trailer"
    )


@pytest.mark.parametrize(
    ("languages", "chosen"),
    [
        pytest.param(("en",), "en", id="english-user"),
        pytest.param(("de",), "de", id="german-user"),
        pytest.param(("fr",), "vf", id="french-user"),
    ],
)
def test_language_words_outweigh_wrong_tags(languages: tuple[str, ...], chosen: str) -> None:
    """German and French trailers that TMDB tags en are read as German and French."""
    videos = [
        video("de", f"Dune {DASH} Offizieller Trailer 2", published_at="2021-07-23"),
        video("vf", "Dune - Bande-annonce VF", published_at="2021-07-23"),
        video("en", "Dune | Official Main Trailer", published_at="2021-07-22"),
    ]
    prefs = dataclasses.replace(DUNE, languages=languages, original_language="en")
    decision = choose_trailer(videos, prefs)
    assert decision.chosen is not None
    assert decision.chosen.candidate.key == chosen
    reasons = {s.candidate.key: s.reason for s in decision.ranked}
    if chosen == "en":
        assert reasons["de"] == (
            "ranked #2: official German trailer from TMDB, 1080p, published 2021-07-23;"
            " its name says German although TMDB tags it English;"
            " a dub: German is not one of your languages"
        )


def test_subtitled_trailer_for_a_foreign_film() -> None:
    """An English-subtitled trailer tagged with the original language wins for an English user."""
    prefs = ChoicePrefs("Decision to Leave", 2022, "movie", original_language="ko")
    videos = [
        video("ko", "헤어질 결심 메인 예고편", language="ko"),
        video("sub", "Decision to Leave | Official Trailer (English Subtitles)", language="ko"),
    ]
    rows = summary(choose_trailer(videos, prefs))
    assert rows == [
        ("sub", True, "chosen: official Korean trailer with English subtitles from TMDB, 1080p"),
        (
            "ko",
            True,
            "ranked #2: official Korean trailer from TMDB, 1080p; Korean is the original language",
        ),
    ]


def test_radarr_id_is_evidence_not_a_trump() -> None:
    """Radarr's id pointing at TMDB's teaser does not beat TMDB's trailer; it marks that video."""
    teaser = video("teaser1abcd", "TENET - Official Teaser", "Teaser")
    trailer = video("trailer1abc", "TENET - Official Trailer")
    radarr = Candidate(YOUTUBE.format(key="teaser1abcd"), "radarr", key="teaser1abcd")
    rows = summary(choose_trailer([radarr, teaser, trailer], ChoicePrefs("Tenet", 2020, "movie")))
    assert rows == [
        ("trailer1abc", True, "chosen: official English trailer from TMDB, 1080p"),
        (
            "teaser1abcd",
            True,
            "ranked #2: official English teaser from TMDB, 1080p; Radarr's trailer too",
        ),
        ("teaser1abcd", False, "rejected: the same video as a TMDB video, ranked above"),
    ]


def test_radarr_id_rejected_with_its_tmdb_twin() -> None:
    """When Radarr's id is a TV spot on TMDB's list, Radarr's candidate is rejected with it."""
    spot = video("spot1abcdef", "Dune | 'Power' TV Spot")
    radarr = Candidate(YOUTUBE.format(key="spot1abcdef"), "radarr", key="spot1abcdef")
    (first, second) = choose_trailer([radarr, spot], DUNE).ranked
    assert not first.accepted and not second.accepted
    assert "rejected: Radarr's trailer is 'Dune | 'Power' TV Spot': a TV spot" in (
        first.reason + second.reason
    )


def test_radarr_id_tmdb_no_longer_lists_ranks_below_tmdb_and_above_dubs() -> None:
    """A Radarr id missing from TMDB's list (likely taken down) ranks below TMDB's trailers."""
    radarr = Candidate(YOUTUBE.format(key="gone1abcdef"), "radarr", key="gone1abcdef")
    videos = [video("dub", "Nope | Trailer German Deutsch"), radarr, video("own", "Nope | Trailer")]
    rows = summary(choose_trailer(videos, ChoicePrefs("Nope", 2022, "movie")))
    assert [key for key, _, _ in rows] == ["own", "gone1abcdef", "dub"]
    assert rows[1][2] == (
        "ranked #2: Radarr's trailer (YouTube id gone1abcdef);"
        " TMDB no longer lists it, so TMDB's own trailers rank above it"
    )


def test_official_teaser_over_an_unofficial_trailer() -> None:
    """The studio's official teaser beats an unofficial upload typed Trailer."""
    videos = [
        video("fan", f"SUPERMAN (2025) {DASH} First Trailer | David Corenswet", official=False),
        video("studio", "Superman | Official Teaser Trailer", "Teaser"),
    ]
    decision = choose_trailer(videos, ChoicePrefs("Superman", 2025, "movie"))
    assert [s.candidate.key for s in decision.accepted] == ["studio", "fan"]


def test_red_band_below_an_all_audiences_cut() -> None:
    """A newer, larger red-band trailer ranks below the all-audiences trailer and teaser."""
    videos = [
        video("red", "Deadpool & Wolverine | Red Band Trailer", size=2160),
        video("green", "Deadpool & Wolverine | Official Trailer"),
        video("teaser", "Deadpool & Wolverine | Teaser", "Teaser"),
    ]
    rows = summary(choose_trailer(videos, ChoicePrefs("Deadpool & Wolverine", 2024, "movie")))
    assert [key for key, _, _ in rows] == ["green", "teaser", "red"]
    assert rows[2][2].endswith("; a red-band cut, ranked below all-audiences trailers")


def test_search_rejects_fake_trailer_channels_and_new_kinds() -> None:
    """Search results from fake-trailer channels, games, podcasts and episode promos are out."""
    prefs = ChoicePrefs("The Last of Us", 2023, "series")
    candidates = numbered(
        [
            yt("The Last of Us Part II - Official Launch Trailer | PS4", channel="PlayStation"),
            yt("The Last of Us | Episode 3 Promo | HBO Max", channel="HBO Max"),
            yt("The Last of Us Season 2 Trailer (2025)", channel="Screen Culture"),
            yt("The Last of Us Podcast | Trailer", channel="HBO"),
            yt("The Last of Us | Official Trailer | HBO Max", channel="HBO Max"),
        ]
    )
    reasons = [reason for _, _, reason in summary(choose_trailer(candidates, prefs))]
    assert reasons[0].startswith("chosen: official trailer found by YouTube search")
    assert sorted(reasons[1:]) == [
        "rejected: a podcast, not a trailer",
        "rejected: a preview of one episode, not a trailer",
        "rejected: a video game's trailer, not a trailer",
        "rejected: from Screen Culture, a channel of fake and concept trailers",
    ]
