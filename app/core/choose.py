"""Choose the trailer to download: score every candidate and say why, in words a user can read.

Pure: no I/O. A careful human reads a video's name first (app/core/video_names.py): TMDB types
TV spots, opening scenes and character promos as ``Trailer`` and tags German trailers ``en``.
Candidates come from four sources; a source outranks everything below it:

1. ``pinned``: a URL the user pinned. Always wins, never rejected.
2. ``radarr`` and ``tmdb``: TMDB's videos and Radarr's ``youTubeTrailerId``, which Radarr took
   from TMDB's list: evidence for that video (a tie-break), not a trump. An id TMDB no longer lists
   ranks below TMDB's own trailers. Accepted: what the name calls a trailer or teaser, or, when
   the name says nothing, what TMDB types so; rejected: what the name calls something else (a TV
   spot, clip, featurette, opening scene, character promo, audio description, recap, podcast,
   episode preview, trilogy or fan-made trailer ...), another title ("Dune: Part Two" on Dune's
   page) or a year long before this one. Ranked: dubs (neither one of your languages nor the
   original, by the name's evidence over TMDB's tag) last; for a series, a later season's trailer
   below a series or first-season one; a red-band cut below all-audiences ones; then your
   languages in order (spoken before subtitled), the original language, unknown; then official
   over not, trailer over teaser, original over re-release, Radarr's pick, larger, newer.
   (Language before "official": a German user gets a German trailer over an official English one.)
3. ``search``: YouTube search results, after filters (live, Shorts, duration, kinds as above plus
   reactions, reviews, explainers, parodies, games, fake-trailer channels, another title or
   year). Dubs last; then the season and red-band rules; trailer over teaser over an unlabelled
   video; your languages; the right year named (the best evidence against a remake); "official"
   (in the name, or a studio channel).

Series: a later season's trailer is accepted (ranked lower) and may carry a later year; a different
year without a season number is taken for a reboot and rejected. Duration bounds apply to every
candidate whose duration is known, except a pinned one. An accepted video that repeats a
better-ranked one (by YouTube id) is rejected, so a failed download is not retried with the same
video. Ties keep input order. Reading a name against the title (another title, year, season) is
app/core/titles.py's; how welcome a language is, app/core/languages.py's.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from app.core import titles
from app.core.languages import welcome
from app.core.name_words import FAKE_TRAILER_CHANNELS
from app.core.video_names import (
    TRAILER_KINDS,
    describe,
    read_name,
    words_of,
)

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


@dataclass(frozen=True, slots=True)
class _Context:
    """What every candidate is judged against: the preferences and the other candidates."""

    prefs: ChoicePrefs
    title: list[str]
    media: titles.Media
    listed: Mapping[str, Candidate]  # TMDB's videos by key
    radarr: frozenset[str]  # Radarr's youTubeTrailerId(s)


def choose_trailer(candidates: Sequence[Candidate], prefs: ChoicePrefs) -> Decision:
    """Score every candidate for ``prefs``; the chosen one is the best accepted candidate."""
    context = _Context(
        prefs,
        titles.title_words(prefs.title),
        titles.Media(prefs.title, prefs.kind, prefs.year),
        {c.key: c for c in candidates if c.source == "tmdb" and c.key},
        frozenset(c.key for c in candidates if c.source == "radarr" and c.key),
    )
    verdicts = [_judge(c, context) for c in candidates]
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


# A source outranks everything below it. Within one, a score's fraction orders by parts, each
# outranking all parts after it: TMDB's (and Radarr's) standing (a dub or not), season, audience
# cut, language, official, kind, original cut, Radarr's pick, typed as a trailer, size, day;
# a search result's standing, season, audience cut, kind, language, year named, official.
_TIERS: dict[str, int] = {"pinned": 4, "radarr": 2, "tmdb": 2, "search": 1}
_TMDB_PARTS = (3, 100, 2, 101, 3, 3, 2, 2, 2, 19, 20_000)
_SEARCH_PARTS = (3, 100, 2, 3, 101, 2, 2)
_EPOCH = datetime(1990, 1, 1).toordinal()
_SOURCE_NAMES: dict[str, str] = {
    "pinned": "your pinned URL",
    "radarr": "Radarr's trailer",
    "tmdb": "a TMDB video",
    "search": "a search result",
}
_YOUTUBE_ID = re.compile(
    r"(?:youtube\.com/(?:watch\?(?:[^#]*&)?v=|shorts/|embed/|live/)|youtu\.be/)([\w-]{11})"
)
_TYPED = ("trailer", "teaser")
_NOT_ITS_TRAILER = ("not a trailer", "which gives the other films away")


def _points(source: str, values: Sequence[int] = (), radices: Sequence[int] = ()) -> float:
    """The source's tier plus a fraction below 0.9 (so it never rounds up to the next tier)
    that orders by ``values`` in turn."""
    total, whole = 0, 1
    for k, radix in enumerate(radices):
        value = values[k] if k < len(values) else 0
        total = total * radix + min(max(value, 0), radix - 1)
        whole *= radix
    return _TIERS[source] + 0.9 * total / whole


def _identity(c: Candidate) -> str:
    if c.key:
        return c.key
    match = _YOUTUBE_ID.search(c.url)
    return match.group(1) if match else c.url


def _judge(c: Candidate, ctx: _Context) -> _Verdict:
    problem = _duration_problem(c.duration, ctx.prefs)
    if c.source == "pinned":
        note = f" (kept although it is {problem})" if problem else ""
        return _Verdict(_points("pinned"), True, f"the URL you pinned, which always wins{note}")
    if c.is_live:
        return _Verdict(_points(c.source), False, "rejected: a live stream, not a trailer")
    if c.source == "search":
        return _judge_search(c, ctx)
    if problem:
        return _Verdict(_points(c.source), False, f"rejected: {problem}")
    if c.source == "radarr":
        return _judge_radarr(c, ctx)
    return _judge_tmdb(c, ctx)


def _judge_radarr(c: Candidate, ctx: _Context) -> _Verdict:
    """Radarr's id comes from TMDB's list: it is evidence for that video, not a trump."""
    twin = ctx.listed.get(c.key)
    if twin is not None:
        v = _judge_tmdb(twin, ctx)
        if not v.accepted:
            why = v.reason.removeprefix("rejected: ")
            return _Verdict(v.score, False, f"rejected: Radarr's trailer is '{twin.name}': {why}")
        return _Verdict(v.score - 1e-13, True, f"Radarr's trailer, which is {v.reason}")
    reason = f"Radarr's trailer (YouTube id {c.key or c.url})"
    if ctx.listed:
        reason += "; TMDB no longer lists it, so TMDB's own trailers rank above it"
    values = (1 if ctx.listed else 2, 99, 1, 40, 1, 2, 1, 1, 1)  # unknown language and size
    return _Verdict(_points("radarr", values, _TMDB_PARTS), True, reason)


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


def _judge_tmdb(c: Candidate, ctx: _Context) -> _Verdict:
    prefs = ctx.prefs
    reading = read_name(c.name, prefs.title)
    typed = c.type.strip().casefold()
    kind = reading.kind

    def reject(why: str) -> _Verdict:
        return _Verdict(_points("tmdb"), False, f"rejected: {why}")

    if kind not in TRAILER_KINDS:
        if typed not in _TYPED:
            what = f"TMDB type: {c.type}" if c.type else "TMDB gives no type"
            return reject(f"not a trailer ({what})")
        if kind != "unknown":
            said = f"TMDB types it as a {c.type}, but its name says '{reading.kind_words}'"
            return reject(f"{describe(reading)}, {_NOT_ITS_TRAILER[kind == 'franchise']} ({said})")
        kind = "trailer" if typed == "trailer" else "teaser"
    fit = titles.fit(c.name, reading, ctx.media, (-3, 50))
    if fit.problem:
        return reject(fit.problem)
    language = welcome(c.language, reading.language, prefs.languages, prefs.original_language)
    values = (
        0 if language.dub else 2,
        fit.points,
        0 if reading.red_band else 1,
        language.rank,
        {True: 2, None: 1, False: 0}[c.official],
        2 if kind == "trailer" else 1,
        0 if reading.re_release else 1,
        c.key in ctx.radarr,
        typed in _TYPED,
        min(c.size, 2160) // 120,
        _day(c.published_at),
    )
    score = _points("tmdb", values, _TMDB_PARTS)
    official = {True: "official", False: "unofficial", None: ""}[c.official]
    words = [w for w in (official, language.name, kind) if w]
    if language.subtitles:
        words.append(f"with {language.subtitles}")
    published = f"published {c.published_at[:10]}" if c.published_at else ""
    details = [f"{c.size}p" if c.size else "", published]
    reason = " ".join(words) + " from TMDB" + "".join(f", {d}" for d in details if d)
    notes = [
        *language.notes,
        fit.note,
        "a red-band cut, ranked below all-audiences trailers" if reading.red_band else "",
        "a re-release trailer, ranked below the original ones" if reading.re_release else "",
        "Radarr's trailer too" if c.key in ctx.radarr else "",
        f"TMDB types it as a {c.type or 'video'}, but its name says {kind}"
        if typed not in _TYPED
        else "",
    ]
    return _Verdict(score, True, reason + "".join(f"; {n}" for n in notes if n))


def _day(stamp: str) -> int:
    try:
        return datetime.fromisoformat(stamp).toordinal() - _EPOCH
    except ValueError:
        return 0


def _judge_search(c: Candidate, ctx: _Context) -> _Verdict:
    prefs = ctx.prefs
    reading = read_name(c.name, prefs.title)

    def reject(why: str) -> _Verdict:
        return _Verdict(_points("search"), False, f"rejected: {why}")

    if "/shorts/" in c.url:
        return reject("a YouTube Short")
    if problem := _duration_problem(c.duration, prefs):
        return reject(problem)
    if reading.kind not in (*TRAILER_KINDS, "unknown"):
        return reject(f"{describe(reading)}, {_NOT_ITS_TRAILER[reading.kind == 'franchise']}")
    channel = " ".join(words_of(c.channel))
    if channel in FAKE_TRAILER_CHANNELS:
        return reject(f"from {c.channel}, a channel of fake and concept trailers")
    if ctx.title and titles.find_title(titles.tokens(c.name), ctx.title) is None:
        return reject(f"the name does not match the title '{prefs.title}'")
    fit = titles.fit(c.name, reading, ctx.media, (-2, 1))
    if fit.problem:
        return reject(fit.problem)
    language = welcome(c.language, reading.language, prefs.languages, prefs.original_language)
    official = bool(reading.official) or bool(set(channel.split()) & titles.STUDIO_WORDS)
    kind = reading.kind if reading.kind in TRAILER_KINDS else "video"
    values = (
        0 if language.dub else 2,
        fit.points,
        0 if reading.red_band else 1,
        {"trailer": 2, "teaser": 1}.get(kind, 0),
        language.rank,
        bool(prefs.year and reading.years),
        official,
    )
    score = _points("search", values, _SEARCH_PARTS)
    words = [w for w in ("official" if official else "", language.name, kind) if w]
    if language.subtitles:
        words.append(f"with {language.subtitles}")
    details = [_clock(c.duration) if c.duration is not None else "", c.channel]
    reason = f"{' '.join(words)} found by YouTube search: '{c.name}'"
    if any(details):
        reason += f" ({', '.join(d for d in details if d)})"
    notes = [
        *language.notes,
        "it names the right year" if prefs.year and reading.years else "",
        fit.note,
        "a red-band cut, ranked below all-audiences trailers" if reading.red_band else "",
        "the name does not say it is a trailer" if kind == "video" else "",
    ]
    return _Verdict(score, True, reason + "".join(f"; {n}" for n in notes if n))
