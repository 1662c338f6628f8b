"""The labelled set: how often the trailer chosen is one a careful human would have picked.

tests/labelled/choice_cases.json holds realistic TMDB video lists (and YouTube search results for
the fallback), each video marked "+" when a careful human would be content to get it as the
trailer and "-" otherwise; a list where nothing is marked "+" is right only when nothing is chosen.
A TMDB row is ``[mark, iso_639_1, size, type, official, published day, key, name]``, a search row
``[mark, name, duration in seconds, channel]``, ``radarr`` is ``[mark, youTubeTrailerId]``.

How a careful human labels: the film's (for a series: the show's or the first season's) own
trailer, not a TV spot, clip, featurette, opening scene, character promo, audio-description
version, recap, podcast, episode preview, another film's or the whole trilogy's trailer, nor a
fan-made one; a full trailer over a teaser; in the user's first language that has one (a trailer
subtitled in it counts), else the original language; an all-audiences cut over a red-band one;
a Radarr id that TMDB no longer lists counts as taken down.

Run ``python -m tests.test_choice_set`` for the whole report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.choose import Candidate, ChoicePrefs, choose_trailer, tmdb_candidates

DATA = Path(__file__).parent / "labelled" / "choice_cases.json"
YOUTUBE = "https://www.youtube.com/watch?v={key}"
THRESHOLD = 0.95


@dataclass(frozen=True, slots=True)
class Outcome:
    """One labelled list, what was chosen from it, and whether a human would agree."""

    case: str
    chosen: str  # the chosen video's name (or Radarr's id), "" when nothing was chosen
    accepted: tuple[str, ...]  # names of the videos a human would accept
    right: bool


def load_cases() -> list[dict[str, Any]]:
    """The labelled cases, as stored."""
    cases: list[dict[str, Any]] = json.loads(DATA.read_text(encoding="utf-8"))
    return cases


def _tmdb_payload(case: dict[str, Any]) -> dict[str, Any]:
    """The TMDB ``/videos`` body the case describes, in TMDB's wire format."""
    results = [
        {
            "iso_639_1": lang or None,
            "iso_3166_1": "US" if lang in ("en", "") else lang.upper(),
            "name": name,
            "key": key,
            "site": "YouTube",
            "size": size,
            "type": type_,
            "official": official,
            "published_at": f"{day}T16:00:00.000Z",
            "id": f"{i:024x}",
        }
        for i, (_, lang, size, type_, official, day, key, name) in enumerate(case.get("tmdb", []))
    ]
    return {"id": 1, "results": results}


def _search_results(case: dict[str, Any]) -> list[Candidate]:
    return [
        Candidate(
            url=YOUTUBE.format(key=f"s{i:010d}"),
            source="search",
            key=f"s{i:010d}",
            name=name,
            duration=float(duration),
            channel=channel,
        )
        for i, (_, name, duration, channel) in enumerate(case.get("search", []))
    ]


def _prefs(case: dict[str, Any]) -> ChoicePrefs:
    return ChoicePrefs(
        title=case["title"],
        year=case["year"],
        kind=case["kind"],
        languages=tuple(case["languages"]),
        original_language=case["original_language"],
    )


def judge(case: dict[str, Any]) -> Outcome:
    """Run the case through the candidate assembly of workers/ensure.py and the choice."""
    prefs = _prefs(case)
    found: list[Candidate] = []
    radarr = case.get("radarr")
    if radarr and case["kind"] == "movie":
        found.append(
            Candidate(
                url=YOUTUBE.format(key=radarr[1]),
                source="radarr",
                key=radarr[1],
                name="Radarr's trailer",
                type="Trailer",
            )
        )
    found += tmdb_candidates(_tmdb_payload(case), YOUTUBE)
    decision = choose_trailer(found, prefs)
    if decision.chosen is None:
        decision = choose_trailer([*found, *_search_results(case)], prefs)
    rows = case.get("tmdb", [])
    names = {row[6]: row[7] for row in rows}
    good = {row[6] for row in rows if row[0] == "+"}
    for result, row in zip(_search_results(case), case.get("search", []), strict=True):
        names[result.key] = result.name
        if row[0] == "+":
            good.add(result.key)
    if radarr:
        names.setdefault(radarr[1], "Radarr's trailer")
        if radarr[0] == "+":
            good.add(radarr[1])
    chosen = decision.chosen.candidate.key if decision.chosen else ""
    right = chosen in good if good else not chosen
    return Outcome(
        case["id"],
        names.get(chosen, chosen),
        tuple(sorted(names.get(k, k) for k in good)),
        right,
    )


def report(outcomes: list[Outcome]) -> str:
    """The share chosen right, then every miss with what was chosen and what was wanted."""
    right = sum(o.right for o in outcomes)
    lines = [f"chosen right: {right}/{len(outcomes)} = {right / len(outcomes):.1%}"]
    for o in outcomes:
        if not o.right:
            wanted = "; ".join(o.accepted) or "nothing"
            lines.append(f"  {o.case}: chose {o.chosen or 'nothing'!r}, wanted: {wanted}")
    return "\n".join(lines)


def test_labelled_set_is_well_formed() -> None:
    """At least 80 cases, unique ids, a note each, and every row in the documented shape."""
    cases = load_cases()
    assert len(cases) >= 80
    assert len({c["id"] for c in cases}) == len(cases)
    kinds = {c["kind"] for c in cases}
    assert kinds == {"movie", "series"}
    for case in cases:
        assert case["note"] and case["title"] and case["year"] > 1900, case["id"]
        assert ("tmdb" in case) != ("search" in case) or case.get("radarr"), case["id"]
        for row in case.get("tmdb", []):
            assert len(row) == 8 and row[0] in "+-" and len(row[6]) == 11, (case["id"], row)
        for row in case.get("search", []):
            assert len(row) == 4 and row[0] in "+-", (case["id"], row)
    assert sum("search" in c for c in cases) >= 15
    assert sum(c["kind"] == "series" for c in cases) >= 25


def test_labelled_set_share() -> None:
    """At least 95 % of the labelled lists get a trailer a careful human would pick."""
    outcomes = [judge(case) for case in load_cases()]
    text = report(outcomes)
    print(text)
    assert sum(o.right for o in outcomes) / len(outcomes) >= THRESHOLD, text


if __name__ == "__main__":
    print(report([judge(case) for case in load_cases()]))
