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
Ties keep input order.
"""

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

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


# fmt: off
_LANGUAGE_CODES = {
    "english": "en", "french": "fr", "spanish": "es", "spanish (latino)": "es", "german": "de",
    "italian": "it", "danish": "da", "dutch": "nl", "flemish": "nl", "japanese": "ja",
    "icelandic": "is", "chinese": "zh", "mandarin": "zh", "cantonese": "zh", "russian": "ru",
    "polish": "pl", "vietnamese": "vi", "swedish": "sv", "norwegian": "no", "finnish": "fi",
    "turkish": "tr", "portuguese": "pt", "portuguese (brazil)": "pt", "greek": "el", "korean": "ko",
    "hungarian": "hu", "hebrew": "he", "lithuanian": "lt", "czech": "cs", "hindi": "hi",
    "romanian": "ro", "thai": "th", "bulgarian": "bg", "arabic": "ar", "ukrainian": "uk",
    "persian": "fa", "bengali": "bn", "slovak": "sk", "latvian": "lv", "catalan": "ca",
    "croatian": "hr", "serbian": "sr", "bosnian": "bs", "estonian": "et", "tamil": "ta",
    "indonesian": "id", "malay": "ms", "telugu": "te", "macedonian": "mk", "slovenian": "sl",
    "malayalam": "ml", "kannada": "kn", "albanian": "sq", "afrikaans": "af", "marathi": "mr",
    "tagalog": "tl", "filipino": "tl", "urdu": "ur", "romansh": "rm", "mongolian": "mn",
    "georgian": "ka", "punjabi": "pa", "gujarati": "gu", "basque": "eu", "galician": "gl",
}
_LANGUAGE_NAMES = {c: n.title() for n, c in reversed(_LANGUAGE_CODES.items())}  # first name wins
# Words in a video's name that say which language it is in (folded, see _fold).
_LANGUAGE_MARKERS = {n: c for n, c in _LANGUAGE_CODES.items() if " " not in n} | {
    "deutsch": "de", "francais": "fr", "vf": "fr", "vostfr": "fr", "espanol": "es",
    "castellano": "es", "latino": "es", "doblado": "es", "italiano": "it", "dublado": "pt",
    "nederlands": "nl", "polski": "pl", "turkce": "tr",
}
# fmt: on


def language_code(name: str) -> str:
    """ISO 639-1 code for a Radarr/Sonarr language name ("Portuguese (Brazil)" → "pt"), or ""."""
    folded = " ".join(name.split()).casefold()
    if folded in _LANGUAGE_NAMES:
        return folded
    return _LANGUAGE_CODES.get(folded, "")


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
    title = _title_words(prefs.title)
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
    name = _LANGUAGE_NAMES.get(code, f"'{code}'")
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


# --- matching names of search results ------------------------------------------------------

_SEP = "|"
_APOSTROPHES = "'\u2019\u02bc"
_TOKEN = re.compile(
    rf"[^\W\d_](?:\.[^\W\d_])+\.?"  # dotted acronym: S.H.I.E.L.D.
    rf"|\w+(?:[{_APOSTROPHES}]\w+)*|&"
    r"|[|()\[\]\u2013\u2014/\u2022,!?]|(?<!\S)-(?!\S)"  # separators; a hyphen only when spaced
)
_LETTERS = str.maketrans({"æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})
_STOP = frozenset({"the", "a", "an", "and", "of"})
# fmt: off
_TRAILER_WORDS = frozenset({
    "trailer", "trailers", "teaser", "teasers", "promo", "bande", "annonce",
})
_TEASER_WORDS = frozenset({"teaser", "teasers", "promo"})
_NUMBERS = {
    word: n
    for words in (["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
                  ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"])
    for n, word in enumerate(words, start=1)
}
_FILLER = frozenset({
    "official", "final", "main", "new", "hd", "uhd", "hq", "hdr", "imax", "remastered", "restored",
    "theatrical", "international", "exclusive", "first", "look", "movie", "film", "tv", "us", "uk",
    "red", "band", "extended", "anniversary", "edition", "rerelease", "re", "release", "version",
    "subtitled", "subtitles", "sub", "dubbed", "tbt",
}) | _STOP
_SERIES_FILLER = frozenset({
    "season", "seasons", "series", "miniseries", "limited", "complete", "saison", "staffel",
    "temporada", "part", "volume", "vol", "chapter", "book",
})
_BANNED: tuple[tuple[str, str], ...] = (
    ("honest trailer", "an Honest Trailers parody"),
    ("everything wrong", "an Everything Wrong With parody"),
    ("review", "a review"), ("reaction", "a reaction video"), ("reacts", "a reaction video"),
    ("reacting", "a reaction video"), ("react", "a reaction video"),
    ("fan made", "a fan-made trailer"), ("fanmade", "a fan-made trailer"),
    ("fan trailer", "a fan-made trailer"), ("fan film", "a fan-made trailer"),
    ("concept", "a concept trailer"), ("explained", "an explainer, not a trailer"),
    ("breakdown", "a breakdown, not a trailer"), ("analysis", "an analysis, not a trailer"),
    ("easter eggs", "a breakdown, not a trailer"), ("theory", "a fan theory, not a trailer"),
    ("parody", "a parody"), ("spoof", "a parody"), ("ending", "about the ending, not a trailer"),
    ("recap", "a recap, not a trailer"), ("livestream", "a live stream, not a trailer"),
    ("live stream", "a live stream, not a trailer"), ("shorts", "a YouTube Short"),
)
_NOT_TRAILERS: tuple[tuple[str, str], ...] = (
    ("behind the scenes", "behind-the-scenes video"), ("making of", "making-of video"),
    ("clip", "clip"), ("clips", "clip"), ("scene", "scene"), ("scenes", "scene"),
    ("featurette", "featurette"), ("interview", "interview"), ("bloopers", "blooper reel"),
    ("full movie", "full movie"), ("soundtrack", "soundtrack"), ("ost", "soundtrack"),
    ("sneak peek", "sneak peek"), ("opening credits", "title sequence"),
)
_STUDIO_WORDS = frozenset({
    "official", "pictures", "studios", "films", "entertainment", "netflix", "hbo", "a24",
    "lionsgate", "paramount", "universal", "warner", "disney", "marvel", "pixar", "dreamworks",
    "searchlight", "focus", "apple", "amazon", "hulu", "peacock", "fx", "amc", "bbc", "neon",
})
_SEASONS = frozenset({"season", "series", "saison", "staffel", "temporada"})
_YEAR = re.compile(r"(?:19|20)\d\d")
# fmt: on


@dataclass(frozen=True, slots=True)
class _Token:
    text: str  # folded word, or _SEP for a separator
    start: int
    end: int


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _tokens(text: str) -> list[_Token]:
    """Words folded for comparison (case, accents, apostrophes, dotted acronyms, & = and)."""
    out = []
    for m in _TOKEN.finditer(text):
        raw = m.group()
        if raw == "&":
            word = "and"
        elif not (raw[0].isalnum() or raw[0] == "_"):
            word = _SEP
        else:
            word = re.sub(rf"[{_APOSTROPHES}.]", "", _fold(raw))
        if word:
            out.append(_Token(word, m.start(), m.end()))
    return out


def _title_words(title: str) -> list[str]:
    """The title's significant words; a trailing "(2005)" or "(US)" as Sonarr adds is dropped."""
    words = [t.text for t in _tokens(re.sub(r"\s*\([^)]*\)\s*$", "", title)) if t.text != _SEP]
    return [w for w in words if w not in _STOP] or words


def _find_title(tokens: list[_Token], title: list[str]) -> tuple[int, int] | None:
    """Token range spelling the title; words may be split or joined differently ("Spider-Man")."""
    target = "".join(title)
    skip = frozenset() if any(w in _STOP for w in title) else _STOP
    words = [k for k, t in enumerate(tokens) if t.text != _SEP and t.text not in skip]
    for a, start in enumerate(words):
        spelled = ""
        for k in words[a:]:
            spelled += tokens[k].text
            if spelled == target:
                return start, k + 1
            if not target.startswith(spelled):
                break
    return None


def _number(word: str) -> int | None:
    if word.isdigit() and len(word) <= 2:
        return int(word)
    return _NUMBERS.get(word)


def _season(words: list[str]) -> int | None:
    """The season a series trailer names ("Season 2", "S2", "Final Season"), if any."""
    for a, word in enumerate(words):
        following = words[a + 1] if a + 1 < len(words) else ""
        if word in _SEASONS and (n := _number(following)):
            return n
        if word == "final" and following == "season":
            return 99
        if m := re.fullmatch(r"s(\d{1,2})", word):
            return int(m.group(1))
    return None


def _words_after(tokens: list[_Token], end: int) -> list[str]:
    """The words right after the title, up to a separator or "trailer"."""
    words = []
    for t in tokens[end:]:
        if t.text == _SEP or t.text in _TRAILER_WORDS:
            break
        words.append(t.text)
    return words


def _is_filler(word: str, kind: str) -> bool:
    if word in _FILLER or word in _LANGUAGE_MARKERS or _YEAR.fullmatch(word):
        return True
    if re.fullmatch(r"\d{3,4}p|[48]k|\d+(?:st|nd|rd|th)", word):
        return True
    return kind == "series" and (
        word in _SERIES_FILLER or _number(word) is not None or bool(re.fullmatch(r"s\d{1,2}", word))
    )


def _judge_search(c: Candidate, prefs: ChoicePrefs, title: list[str]) -> _Verdict:
    tier = _TIERS["search"]
    tokens = _tokens(c.name)
    span = _find_title(tokens, title) if title else None
    inside = set(range(*span)) if span else set()
    # Words of the name outside the title, so that a film called "Reaction" can still match.
    words = [t.text for k, t in enumerate(tokens) if t.text != _SEP and k not in inside]
    padded = f" {' '.join(words)} "
    trailer_word = next((w for w in words if w in _TRAILER_WORDS), "")

    def reject(why: str) -> _Verdict:
        return _Verdict(tier, False, f"rejected: {why}")

    if "/shorts/" in c.url:
        return reject("a YouTube Short")
    if problem := _duration_problem(c.duration, prefs):
        return reject(problem)
    for phrase, why in _BANNED:
        if f" {phrase} " in padded or (phrase.endswith("trailer") and f" {phrase}s " in padded):
            return reject(why)
    if not trailer_word:
        for phrase, what in _NOT_TRAILERS:
            if f" {phrase} " in padded:
                return reject(f"a {what}, not a trailer")
    if title and span is None:
        return reject(f"the name does not match the title '{prefs.title}'")
    after = _words_after(tokens, span[1]) if span else []
    extra = after
    if prefs.kind == "movie":  # "Dune: Part One" is still Dune
        extra = re.sub(r"\b(?:part|chapter|vol|volume) (?:one|1|i)\b", "", " ".join(after)).split()
    if span and any(not _is_filler(w, prefs.kind) for w in extra):
        start = span[0]
        end = span[1] + max(k for k, w in enumerate(after) if not _is_filler(w, prefs.kind))
        while start > 0 and tokens[start - 1].text in _STOP:
            start -= 1
        named = c.name[tokens[start].start : tokens[end].end]
        return reject(f"trailer for a different title ('{named}')")
    season = None
    if prefs.kind == "series":  # "Stranger Things 4 Trailer" is season 4
        season = _season(words) or next((n for w in extra if (n := _number(w))), None)
    years = [int(w) for w in words if _YEAR.fullmatch(w)]
    if prefs.year and years:
        later_ok = season is not None and season > 1
        fits = [y for y in years if abs(y - prefs.year) <= 1 or (later_ok and y > prefs.year)]
        if not fits:
            return reject(f"names the year {years[0]}, but this {prefs.kind} is from {prefs.year}")
    marker = next((_LANGUAGE_MARKERS[w] for w in words if w in _LANGUAGE_MARKERS), "")
    language = _language(c.language.casefold() or marker, prefs, 15_000)
    channel = {t.text for t in _tokens(c.channel)}
    official = "official" in words or bool(channel & _STUDIO_WORDS)
    kind = "teaser" if trailer_word in _TEASER_WORDS else "trailer" if trailer_word else "video"
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
