"""Reading the name of a search result against a title: words folded for comparison, where the
title is spelled in the name, what follows it, the season a series trailer names, and the words
that mark a video as something other than a trailer.

Pure: no I/O. The scoring of a search result is app/core/choose.py's; this module only reads.
"""

import re
import unicodedata
from dataclasses import dataclass

from app.core.languages import LANGUAGE_MARKERS

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
TEASER_WORDS = frozenset({"teaser", "teasers", "promo"})
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
    "temporada", "part", "volume", "vol", "chapter", "book",
})
BANNED: tuple[tuple[str, str], ...] = (
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
NOT_TRAILERS: tuple[tuple[str, str], ...] = (
    ("behind the scenes", "behind-the-scenes video"), ("making of", "making-of video"),
    ("clip", "clip"), ("clips", "clip"), ("scene", "scene"), ("scenes", "scene"),
    ("featurette", "featurette"), ("interview", "interview"), ("bloopers", "blooper reel"),
    ("full movie", "full movie"), ("soundtrack", "soundtrack"), ("ost", "soundtrack"),
    ("sneak peek", "sneak peek"), ("opening credits", "title sequence"),
)
STUDIO_WORDS = frozenset({
    "official", "pictures", "studios", "films", "entertainment", "netflix", "hbo", "a24",
    "lionsgate", "paramount", "universal", "warner", "disney", "marvel", "pixar", "dreamworks",
    "searchlight", "focus", "apple", "amazon", "hulu", "peacock", "fx", "amc", "bbc", "neon",
})
_SEASONS = frozenset({"season", "series", "saison", "staffel", "temporada"})
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


def season(words: list[str]) -> int | None:
    """The season a series trailer names ("Season 2", "S2", "Final Season"), if any."""
    for a, word in enumerate(words):
        following = words[a + 1] if a + 1 < len(words) else ""
        if word in _SEASONS and (n := number(following)):
            return n
        if word == "final" and following == "season":
            return 99
        if m := re.fullmatch(r"s(\d{1,2})", word):
            return int(m.group(1))
    return None


def words_after(tokens: list[Token], end: int) -> list[str]:
    """The words right after the title, up to a separator or "trailer"."""
    words = []
    for t in tokens[end:]:
        if t.text == SEP or t.text in TRAILER_WORDS:
            break
        words.append(t.text)
    return words


def is_filler(word: str, kind: str) -> bool:
    """Whether a word after the title says nothing about which title it is ("official", "4k")."""
    if word in _FILLER or word in LANGUAGE_MARKERS or YEAR.fullmatch(word):
        return True
    if re.fullmatch(r"\d{3,4}p|[48]k|\d+(?:st|nd|rd|th)", word):
        return True
    return kind == "series" and (
        word in _SERIES_FILLER or number(word) is not None or bool(re.fullmatch(r"s\d{1,2}", word))
    )
