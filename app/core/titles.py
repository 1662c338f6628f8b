"""Reading a video's name against a title: words folded for comparison, where the title is
spelled in the name and what follows it (another title: "Dune: Part Two", "Toy Story 2"). What
kind of video the name says it is, and its season and language, is app/core/video_names.py's.

Pure: no I/O. The scoring of a search result is app/core/choose.py's; this module only reads.
"""

import re
import unicodedata
from dataclasses import dataclass

from app.core.languages import LANGUAGE_MARKERS
from app.core.video_names import NameReading

SEP = "|"
_APOSTROPHES = "'\u2019\u02bc"
_TOKEN = re.compile(
    rf"[^\W\d_](?:\.[^\W\d_])+\.?"  # dotted acronym: S.H.I.E.L.D.
    rf"|\w+(?:[{_APOSTROPHES}]\w+)*|&"
    r"|[|()\[\]\u2013\u2014/\u2022,!?]|(?<!\S)-(?!\S)"  # separators; a hyphen only when spaced
)
_LETTERS = str.maketrans({"æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})
STOP = frozenset({"the", "a", "an", "and", "of"})
# fmt: off
TRAILER_WORDS = frozenset({
    "trailer", "trailers", "teaser", "teasers", "promo", "bande", "annonce",
})
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
}) | STOP
_SERIES_FILLER = frozenset({
    "season", "seasons", "series", "miniseries", "limited", "complete", "saison", "staffel",
    "temporada", "stagione", "sezon", "seizoen", "part", "partie", "parte", "teil", "volume",
    "vol", "chapter", "book", "installment", "year",
})
STUDIO_WORDS = frozenset({
    "official", "pictures", "studios", "films", "entertainment", "netflix", "hbo", "a24",
    "lionsgate", "paramount", "universal", "warner", "disney", "marvel", "pixar", "dreamworks",
    "searchlight", "focus", "apple", "amazon", "hulu", "peacock", "fx", "amc", "bbc", "neon",
})
YEAR = re.compile(r"(?:19|20)\d\d")
# fmt: on


@dataclass(frozen=True, slots=True)
class Token:
    """A word of a name (folded) or a separator, with where it stands in the name."""

    text: str  # folded word, or SEP for a separator
    start: int
    end: int


def fold(text: str) -> str:
    """Case, accents and a few letters (æ, ø, ł …) folded away for comparison."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[Token]:
    """Words folded for comparison (case, accents, apostrophes, dotted acronyms, & = and)."""
    out = []
    for m in _TOKEN.finditer(text):
        raw = m.group()
        if raw == "&":
            word = "and"
        elif not (raw[0].isalnum() or raw[0] == "_"):
            word = SEP
        else:
            word = re.sub(rf"[{_APOSTROPHES}.]", "", fold(raw))
        if word:
            out.append(Token(word, m.start(), m.end()))
    return out


def title_words(title: str) -> list[str]:
    """The title's significant words; a trailing "(2005)" or "(US)" as Sonarr adds is dropped."""
    words = [t.text for t in tokens(re.sub(r"\s*\([^)]*\)\s*$", "", title)) if t.text != SEP]
    return [w for w in words if w not in STOP] or words


def find_title(tokens: list[Token], title: list[str]) -> tuple[int, int] | None:
    """Token range spelling the title; words may be split or joined differently ("Spider-Man")."""
    target = "".join(title)
    skip = frozenset() if any(w in STOP for w in title) else STOP
    words = [k for k, t in enumerate(tokens) if t.text != SEP and t.text not in skip]
    for a, start in enumerate(words):
        spelled = ""
        for k in words[a:]:
            spelled += tokens[k].text
            if spelled == target:
                return start, k + 1
            if not target.startswith(spelled):
                break
    return None


def number(word: str) -> int | None:
    """A small number written as digits, a word or a Roman numeral ("2", "two", "ii"), if any."""
    if word.isdigit() and len(word) <= 2:
        return int(word)
    return _NUMBERS.get(word)


def words_after(tokens: list[Token], end: int, name: str) -> list[tuple[int, str]]:
    """The words right after the title (with their token index), up to a separator or
    "trailer"; a comma does not end a title ("The Godfather, Coda")."""
    words = []
    for k in range(end, len(tokens)):
        t = tokens[k]
        if t.text in TRAILER_WORDS or (t.text == SEP and name[t.start : t.end] != ","):
            break
        if t.text != SEP:
            words.append((k, t.text))
    return words


def is_filler(word: str, kind: str) -> bool:
    """Whether a word after the title says nothing about which title it is ("official", "4k")."""
    if kind == "series" and word in ("movie", "film"):  # "El Camino: A Breaking Bad Movie"
        return False
    if word in _FILLER or word in LANGUAGE_MARKERS or YEAR.fullmatch(word):
        return True
    if re.fullmatch(r"\d{3,4}p|[48]k|\d+(?:st|nd|rd|th)", word):
        return True
    return kind == "series" and (
        word in _SERIES_FILLER or number(word) is not None or bool(re.fullmatch(r"s\d{1,2}", word))
    )


@dataclass(frozen=True, slots=True)
class Fit:
    """How a video fits the media: another title or year, the season it is for."""

    problem: str  # "" or why it is the wrong media's video
    points: int  # 99 for the media (the first season or the whole series), lower for later
    note: str


@dataclass(frozen=True, slots=True)
class Media:
    """What a video should be for: the title as the Arr spells it, movie or series, the year."""

    title: str
    kind: str
    year: int


def fit(name: str, reading: NameReading, media: Media, years: tuple[int, int]) -> Fit:
    """Whether ``name`` (read as ``reading``) is the media's video: another title named, a year
    outside ``years`` around the media's (a later season may be later), the season it is for."""
    other = _other_title(name, tokens(name), media)
    if other:
        return Fit(f"trailer for a different title ('{other}')", 0, "")
    season = reading.season
    number = season.number if season else None
    later = bool(season and season.later)
    if media.kind == "series" and reading.title_number:  # "Stranger Things 4", "Squid Game 2"
        number = number or reading.title_number
        later = later or reading.title_number > 1
    if media.kind == "movie":
        later = False
    fits = [y for y in reading.years if years[0] <= y - media.year <= years[1] or later]
    if media.year and reading.years and not fits:
        what = f"names the year {reading.years[0]}, but this {media.kind} is from {media.year}"
        return Fit(what, 0, "")
    if not later:
        return Fit("", 99, "")
    final = bool(season and season.final)
    which = "the final season" if final else f"season {number or (season and season.part)}"
    points = 1 if final else 99 - (number or (season.part if season else None) or 50)
    return Fit("", points, f"a trailer for {which}, ranked below a first-season or series trailer")


def _other_title(name: str, tokens: list[Token], media: Media) -> str:
    """The other title a name spells ("Dune: Part Two" on Dune's page, "Avengers: Infinity War"
    on Endgame's), or ""."""
    title = title_words(media.title)
    span = find_title(tokens, title) if title else None
    if span is None:
        main = re.split(r"\s*(?::|\s[-\u2013\u2014]\s)\s*", media.title, maxsplit=1)
        if len(main) < 2 or not (words := title_words(main[0])):
            return ""
        span = find_title(tokens, words)
        if span is None:
            return ""
    after = words_after(tokens, span[1], name)
    words = [w for _, w in after]
    if media.kind == "movie":  # "Dune: Part One" is still Dune
        words = re.sub(r"\b(?:part|chapter|vol|volume) (?:one|1|i)\b", "", " ".join(words)).split()
    if all(is_filler(w, media.kind) for w in words):
        return ""
    start = span[0]
    last = max(k for k, w in after if not is_filler(w, media.kind))
    while start > 0 and tokens[start - 1].text in STOP:
        start -= 1
    return name[tokens[start].start : tokens[last].end]
