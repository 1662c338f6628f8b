"""Choose the trailer to download: score every candidate and say why, in words a user can read.

Pure: no I/O. Candidates come from four sources, and a source outranks everything below it:

1. ``pinned``: a URL the user pinned. Always wins, never rejected.
2. ``radarr``: Radarr's ``youTubeTrailerId``. Accepted unless its known duration is out of bounds.
3. ``tmdb``: TMDB videos. Only types Trailer and Teaser are accepted. Videos in a language that is
   neither preferred nor original ("dubs") rank last; then Trailer over Teaser; then preferred
   languages in order, the original language, no language; then official first, larger, newer.
   (Language before "official": a German user gets a German trailer over an official English one.)
4. ``search``: YouTube search results, after filters (live, Shorts, duration, reviews, reactions,
   fan-made, explainers, parodies, recaps, clips, another title or sequel, another year). Dubs
   rank last; then trailer over teaser over an unlabelled video; for a series, a first-season or
   series-wide trailer over a later season's; a preferred language named in the title; the right
   year named (the best evidence against a remake); "official" (in the name, or a studio channel).

Series: a later season's trailer is accepted (ranked lower) and may carry a later year; a different
year without a season number is taken for a reboot and rejected. Recaps are rejected for series too:
they retell earlier seasons and are not trailers. Duration bounds apply to every candidate whose
duration is known, except a pinned one. An accepted video that repeats a better-ranked one (by
YouTube id) is rejected, so a failed download is not retried with the same video.
Ties keep input order. Reading a search result's name against the title is app/core/titles.py's.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from app.core import titles
from app.core.languages import LANGUAGE_MARKERS, LANGUAGE_NAMES

Source = Literal["pinned", "radarr", "tmdb", "search"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A video that could be the trailer, with what its source tells about it."""

    url: str
    source: Source
    key: str = ""
    name: str = ""
    type: str = ""
    language: str = ""
    official: bool | None = None
    size: int = 0
    published_at: str = ""
    duration: float | None = None
    channel: str = ""
    is_live: bool = False


@dataclass(frozen=True, slots=True)
class ChoicePrefs:
    """What the trailer is for and what the user prefers."""

    title: str
    year: int
    kind: Literal["movie", "series"]
    languages: tuple[str, ...] = ("en",)
    original_language: str = ""
    min_duration: float = 30
    max_duration: float = 600


@dataclass(frozen=True, slots=True)
class Scored:
    """One candidate with its score (higher is better), verdict and the reason for both."""

    candidate: Candidate
    score: float
    accepted: bool
    reason: str


@dataclass(frozen=True, slots=True)
class Decision:
    """Every candidate: accepted ones best first, then rejected ones."""

    ranked: tuple[Scored, ...]

    @property
    def chosen(self) -> Scored | None:
        """The best accepted candidate, if any."""
        return next((s for s in self.ranked if s.accepted), None)

    @property
    def accepted(self) -> tuple[Scored, ...]:
        """The accepted candidates, best first."""
        return tuple(s for s in self.ranked if s.accepted)


def tmdb_candidates(payload: Mapping[str, Any], url_template: str) -> list[Candidate]:
    """Candidates from a TMDB ``/videos`` body: YouTube and Vimeo videos, other sites skipped."""
    results = payload.get("results")
    out: list[Candidate] = []
    for video in results if isinstance(results, list) else []:
        key = video.get("key") if isinstance(video, Mapping) else None
        if not isinstance(key, str) or not key:
            continue
        site = str(video.get("site") or "").casefold()
        if site == "youtube":
            url = url_template.format(key=key)
        elif site == "vimeo":
            url = f"https://vimeo.com/{key}"
        else:
            continue
        size = video.get("size")
        official = video.get("official")
        out.append(
            Candidate(
                url=url,
                source="tmdb",
                key=key,
                name=_text(video.get("name")),
                type=_text(video.get("type")),
                language=_text(video.get("iso_639_1")).casefold(),
                official=official if isinstance(official, bool) else None,
                size=size if isinstance(size, int) and not isinstance(size, bool) else 0,
                published_at=_text(video.get("published_at")),
            )
        )
    return out


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class _Verdict:
    score: float
    accepted: bool
    reason: str


def choose_trailer(candidates: Sequence[Candidate], prefs: ChoicePrefs) -> Decision:
    """Score every candidate for ``prefs``; the chosen one is the best accepted candidate."""
    title = titles.title_words(prefs.title)
    verdicts = [_judge(c, prefs, title) for c in candidates]
    order = sorted(
        range(len(verdicts)), key=lambda i: (not verdicts[i].accepted, -verdicts[i].score)
    )
    seen: dict[str, Source] = {}
    accepted: list[Scored] = []
    rejected: list[Scored] = []
    for i in order:
        c, v = candidates[i], verdicts[i]
        if not v.accepted:
            rejected.append(Scored(c, v.score, False, v.reason))
        elif (same := seen.get(_identity(c))) is not None:
            reason = f"rejected: the same video as {_SOURCE_NAMES[same]}, ranked above"
            rejected.append(Scored(c, v.score, False, reason))
        else:
            seen[_identity(c)] = c.source
            prefix = "chosen" if not accepted else f"ranked #{len(accepted) + 1}"
            accepted.append(Scored(c, v.score, True, f"{prefix}: {v.reason}"))
    rejected.sort(key=lambda s: -s.score)
    return Decision(tuple(accepted + rejected))


_TIERS: dict[str, float] = {"pinned": 4e6, "radarr": 3e6, "tmdb": 2e6, "search": 1e6}
_SOURCE_NAMES: dict[str, str] = {
    "pinned": "your pinned URL",
    "radarr": "Radarr's trailer",
    "tmdb": "a TMDB video",
    "search": "a search result",
}
_YOUTUBE_ID = re.compile(
    r"(?:youtube\.com/(?:watch\?(?:[^#]*&)?v=|shorts/|embed/|live/)|youtu\.be/)([\w-]{11})"
)


def _identity(c: Candidate) -> str:
    if c.key:
        return c.key
    match = _YOUTUBE_ID.search(c.url)
    return match.group(1) if match else c.url


def _judge(c: Candidate, prefs: ChoicePrefs, title: list[str]) -> _Verdict:
    tier = _TIERS[c.source]
    problem = _duration_problem(c.duration, prefs)
    if c.source == "pinned":
        note = f" (kept although it is {problem})" if problem else ""
        return _Verdict(tier, True, f"the URL you pinned, which always wins{note}")
    if c.is_live:
        return _Verdict(tier, False, "rejected: a live stream, not a trailer")
    if c.source == "search":
        return _judge_search(c, prefs, title)
    if problem:
        return _Verdict(tier, False, f"rejected: {problem}")
    if c.source == "radarr":
        return _Verdict(tier, True, f"Radarr's trailer (YouTube id {c.key or c.url})")
    return _judge_tmdb(c, prefs)


def _duration_problem(duration: float | None, prefs: ChoicePrefs) -> str:
    if duration is None:
        return ""
    if duration < prefs.min_duration:
        return f"too short ({_clock(duration)}, the minimum is {_clock(prefs.min_duration)})"
    if duration > prefs.max_duration:
        return f"too long ({_clock(duration)}, the maximum is {_clock(prefs.max_duration)})"
    return ""


def _clock(seconds: float) -> str:
    s = round(seconds)
    h, m, s = s // 3600, s // 60 % 60, s % 60
    if h:
        return f"{h} h {m} min" if m else f"{h} h"
    if m:
        return f"{m} min {s} s" if s else f"{m} min"
    return f"{s} s"


@dataclass(frozen=True, slots=True)
class _Language:
    points: float
    name: str  # "" when unknown
    note: str  # "" or a remark for the reason
    dub: bool


def _language(code: str, prefs: ChoicePrefs, unknown: float) -> _Language:
    """How welcome a video's language is; ``unknown`` = the points when it is not known."""
    name = LANGUAGE_NAMES.get(code, f"'{code}'")
    preferred = [lang.casefold() for lang in prefs.languages]
    if code in preferred:
        return _Language(20_000 + 1_000 * (9 - min(preferred.index(code), 9)), name, "", False)
    if code and code == prefs.original_language.casefold():
        return _Language(10_000, name, f"{name} is the original language", False)
    if not code:
        return _Language(unknown, "", "", False)
    return _Language(0, name, f"a dub: {name} is not one of your languages", True)


def _judge_tmdb(c: Candidate, prefs: ChoicePrefs) -> _Verdict:
    kind = c.type.strip().casefold()
    if kind not in ("trailer", "teaser"):
        what = f"TMDB type: {c.type}" if c.type else "TMDB gives no type"
        return _Verdict(_TIERS["tmdb"], False, f"rejected: not a trailer ({what})")
    language = _language(c.language, prefs, 5_000)
    official = {True: "official", False: "unofficial", None: ""}[c.official]
    score = (
        _TIERS["tmdb"]
        + (0 if language.dub else 400_000)
        + (200_000 if kind == "trailer" else 100_000)
        + language.points
        + {True: 600, None: 300, False: 0}[c.official]
        + min(max(c.size, 0), 2160) / 10
        + _day(c.published_at) / 1e6
    )
    words = [w for w in (official, language.name, kind) if w]
    published = f"published {c.published_at[:10]}" if c.published_at else ""
    details = [f"{c.size}p" if c.size else "", published]
    reason = " ".join(words) + " from TMDB" + "".join(f", {d}" for d in details if d)
    return _Verdict(score, True, reason + (f"; {language.note}" if language.note else ""))


def _day(stamp: str) -> int:
    try:
        return datetime.fromisoformat(stamp).toordinal()
    except ValueError:
        return 0


def _judge_search(c: Candidate, prefs: ChoicePrefs, title: list[str]) -> _Verdict:
    tier = _TIERS["search"]
    tokens = titles.tokens(c.name)
    span = titles.find_title(tokens, title) if title else None
    inside = set(range(*span)) if span else set()
    # Words of the name outside the title, so that a film called "Reaction" can still match.
    words = [t.text for k, t in enumerate(tokens) if t.text != titles.SEP and k not in inside]
    padded = f" {' '.join(words)} "
    trailer_word = next((w for w in words if w in titles.TRAILER_WORDS), "")

    def reject(why: str) -> _Verdict:
        return _Verdict(tier, False, f"rejected: {why}")

    if "/shorts/" in c.url:
        return reject("a YouTube Short")
    if problem := _duration_problem(c.duration, prefs):
        return reject(problem)
    for phrase, why in titles.BANNED:
        if f" {phrase} " in padded or (phrase.endswith("trailer") and f" {phrase}s " in padded):
            return reject(why)
    if not trailer_word:
        for phrase, what in titles.NOT_TRAILERS:
            if f" {phrase} " in padded:
                return reject(f"a {what}, not a trailer")
    if title and span is None:
        return reject(f"the name does not match the title '{prefs.title}'")
    after = titles.words_after(tokens, span[1]) if span else []
    extra = after
    if prefs.kind == "movie":  # "Dune: Part One" is still Dune
        extra = re.sub(r"\b(?:part|chapter|vol|volume) (?:one|1|i)\b", "", " ".join(after)).split()
    if span and any(not titles.is_filler(w, prefs.kind) for w in extra):
        start = span[0]
        end = span[1] + max(k for k, w in enumerate(after) if not titles.is_filler(w, prefs.kind))
        while start > 0 and tokens[start - 1].text in titles.STOP:
            start -= 1
        named = c.name[tokens[start].start : tokens[end].end]
        return reject(f"trailer for a different title ('{named}')")
    season = None
    if prefs.kind == "series":  # "Stranger Things 4 Trailer" is season 4
        season = titles.season(words) or next((n for w in extra if (n := titles.number(w))), None)
    years = [int(w) for w in words if titles.YEAR.fullmatch(w)]
    if prefs.year and years:
        later_ok = season is not None and season > 1
        fits = [y for y in years if abs(y - prefs.year) <= 1 or (later_ok and y > prefs.year)]
        if not fits:
            return reject(f"names the year {years[0]}, but this {prefs.kind} is from {prefs.year}")
    marker = next((LANGUAGE_MARKERS[w] for w in words if w in LANGUAGE_MARKERS), "")
    language = _language(c.language.casefold() or marker, prefs, 15_000)
    channel = {t.text for t in titles.tokens(c.channel)}
    official = "official" in words or bool(channel & titles.STUDIO_WORDS)
    kind = (
        "teaser" if trailer_word in titles.TEASER_WORDS else "trailer" if trailer_word else "video"
    )
    first_season = season is None or season <= 1
    score = (
        tier
        + (0 if language.dub else 400_000)
        + {"trailer": 200_000, "teaser": 100_000}.get(kind, 0)
        + (50_000 if first_season else 0)
        + language.points
        + (5_000 if prefs.year and years else 0)
        + (2_000 if official else 0)
    )
    words_out = [w for w in ("official" if official else "", language.name, kind) if w]
    details = [_clock(c.duration) if c.duration is not None else "", c.channel]
    reason = f"{' '.join(words_out)} found by YouTube search: '{c.name}'"
    if any(details):
        reason += f" ({', '.join(d for d in details if d)})"
    if language.note:
        reason += f"; {language.note}"
    if prefs.year and years:
        reason += "; it names the right year"
    if not first_season:
        which = "the final season" if season == 99 else f"season {season}"
        reason += f"; a trailer for {which}, ranked below a first-season or series trailer"
    if kind == "video":
        reason += "; the name does not say it is a trailer"
    return _Verdict(score, True, reason)
