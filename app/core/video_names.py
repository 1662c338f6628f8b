"""Read what a video is called: its kind, the season it is for and the language it is in.

Pure: no I/O, no knowledge of the media beyond the title words to skip. TMDB's ``type`` and
``iso_639_1`` are often wrong (TV spots typed ``Trailer``, German trailers tagged ``en``); the name
is written by whoever uploaded the video and says more, so the trailer choice reads it first.

Words are compared folded (case, Latin and Greek accents, hyphens and punctuation dropped:
"Red-Band" reads as "red band", "Bande-Annonce" as "bande annonce"); phrases in scripts written
without spaces (予告, 캐릭터, 角色) are found anywhere in the name.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass

from app.core.name_words import (
    CODES,
    FINAL_WORDS,
    JAPANESE_KANJI,
    KINDS,
    KINDS_UNSPACED,
    LANGUAGE_NAMES,
    MARKERS,
    NUMBER_WORDS,
    ORIGINAL,
    PART_WORDS,
    SCRIPTS,
    SEASON_WORDS,
    SEASON_WORDS_NUMBERED,
    SUBTITLE_WORDS,
    UKRAINIAN,
    WRITTEN,
    Kind,
)

__all__ = [
    "KIND_NAMES",
    "ORIGINAL",
    "TRAILER_KINDS",
    "Kind",
    "LanguageEvidence",
    "NameReading",
    "Season",
    "describe",
    "fold",
    "read_name",
    "words_of",
]

TRAILER_KINDS: frozenset[Kind] = frozenset({"trailer", "teaser"})

# What each kind is, for a reason a user reads ("rejected: a TV spot, not a trailer").
KIND_NAMES: dict[Kind, str] = {
    "trailer": "a trailer", "teaser": "a teaser", "unknown": "a video",
    "tv_spot": "a TV spot", "clip": "a clip", "featurette": "a featurette",
    "behind_the_scenes": "a behind-the-scenes video", "interview": "an interview",
    "opening_scene": "the opening scene", "title_sequence": "a title sequence",
    "character": "a character promo", "audio_description": "an audio-description version",
    "sign_language": "a sign-language version", "recap": "a recap", "podcast": "a podcast",
    "next_episode": "a preview of one episode", "bloopers": "a blooper reel",
    "music": "a music video or song", "poster": "a motion poster",
    "franchise": "a trailer for the whole trilogy or saga", "reaction": "a reaction video",
    "review": "a review", "explainer": "an explainer", "parody": "a parody",
    "fan_made": "a fan-made or concept trailer", "game": "a video game's trailer",
    "full_movie": "a full movie upload", "live": "a live stream", "short": "a YouTube Short",
    "short_film": "a short film",
}  # fmt: skip
# Some phrases say more than their kind's name ("Honest Trailers" is a parody of one kind).
_PHRASE_NAMES = {
    "honest trailer": "an Honest Trailers parody", "honest trailers": "an Honest Trailers parody",
    "everything wrong": "an Everything Wrong With parody", "pitch meeting": "a parody",
    "breakdown": "a breakdown", "easter eggs": "a breakdown", "easter egg": "a breakdown",
    "analysis": "an analysis", "theory": "a fan theory", "theories": "a fan theory",
    "ending": "an explainer about the ending", "concept": "a concept trailer",
    "concept trailer": "a concept trailer", "mashup": "a mashup", "trailer mashup": "a mashup",
}  # fmt: skip


def describe(reading: "NameReading") -> str:
    """What the name says the video is, for a reason: "a TV spot", "an Honest Trailers parody"."""
    return _PHRASE_NAMES.get(" ".join(words_of(reading.kind_words)), KIND_NAMES[reading.kind])


@dataclass(frozen=True, slots=True)
class Season:
    """The season a name speaks of: "Season 2", "Staffel 3", "Final Season", "Partie 3"."""

    number: int | None  # None when only "final" or a part is named
    final: bool = False
    part: int | None = None  # "Volume 2", "Part 2", "Partie 3", "Parte 5"
    words: str = ""  # the folded words that said it

    @property
    def later(self) -> bool:
        """True when this is not the first season: a later number, "final", or part 2 or more."""
        if self.final:
            return True
        if self.number is not None:
            return self.number > 1
        return self.part is not None and self.part > 1


@dataclass(frozen=True, slots=True)
class LanguageEvidence:
    """What the name says about language; empty fields when it says nothing."""

    audio: str = ""  # ISO 639-1 code of the spoken language, ORIGINAL, or ""
    subtitles: str = ""  # ISO 639-1 code of burned-in or named subtitles, or ""
    written: tuple[str, ...] = ()  # languages the name itself is written in, likeliest first
    dubbed: bool = False
    words: tuple[str, ...] = ()  # the words (or script) that said so, for reasons

    @property
    def said(self) -> bool:
        """Whether the name says anything about language at all."""
        return bool(self.audio or self.subtitles or self.written or self.dubbed)


@dataclass(frozen=True, slots=True)
class NameReading:
    """Everything a careful reader takes from a video's name."""

    kind: Kind
    kind_words: str  # the phrase that gave the kind, as the name spells it; "" for "unknown"
    official: bool | None  # "Official" → True, "Unofficial"/fan-made → False, else None
    red_band: bool
    re_release: bool
    season: Season | None
    language: LanguageEvidence
    years: tuple[int, ...]
    title_number: int | None = None  # "Stranger Things 4", "Toy Story 2": a season or a sequel


def fold(text: str) -> str:
    """Compatibility-normalized, case-folded text with Latin and Greek accents removed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if text.isascii():
        return text
    out, base = [], ""
    for ch in unicodedata.normalize("NFD", text):
        if not unicodedata.combining(ch):
            base = ch
        elif ord(base) < 0x400:  # an accent on Latin or Greek; kana and Hangul keep theirs
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)).translate(_LETTERS)


_LETTERS = str.maketrans(
    {"æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ß": "ss", "\u0131": "i"}
)
_WORD = re.compile(r"[^\W_]+")
_SCRIPT_CHANGE = re.compile(r"(?<=[a-z])(?=[^\W\d_a-z])|(?<=[^\W\d_a-z])(?=[a-z])")


@functools.lru_cache(maxsize=1024)  # a title's words are wanted for every candidate
def _cached_words(text: str) -> tuple[str, ...]:
    folded = re.sub(r"(?<=\w)['\u2019\u02bc](?=\w)", "", fold(text))
    return tuple(_WORD.findall(_SCRIPT_CHANGE.sub(" ", folded)))


def words_of(text: str) -> list[str]:
    """The folded words of ``text``, apostrophes inside words dropped ("Don't" → "dont"), Latin
    letters split from other scripts ("PV第2弾" → "pv", "第2弾")."""
    return list(_cached_words(text))


def _without_title(words: list[str], title: str) -> tuple[list[str], int | None]:
    """``words`` with the first spelling of the title taken out (split or joined differently),
    and where it was."""
    target = "".join(words_of(title))
    if not target:
        return words, None
    for start in range(len(words)):
        spelled = ""
        for end in range(start, len(words)):
            spelled += words[end]
            if spelled == target:
                return words[:start] + words[end + 1 :], start
            if not target.startswith(spelled):
                break
    return words, None


# --- kinds ---------------------------------------------------------------------------------


def _alternation(phrases: tuple[str, ...], spaced: bool) -> re.Pattern[str]:
    body = "|".join(sorted(phrases, key=len, reverse=True))  # phrases are regular expressions
    return re.compile(rf"(?<!\S)(?:{body})(?!\S)" if spaced else f"(?:{body})")


_KIND_PATTERNS = [(lv, k, _alternation(ps, True)) for lv, k, ps in KINDS] + [
    (lv, k, _alternation(ps, False)) for lv, k, ps in KINDS_UNSPACED
]


def _kind(text: str) -> tuple[Kind, str]:
    """The kind of the highest level found; at one level a teaser word beats a trailer word."""
    best: tuple[int, Kind, str] = (0, "unknown", "")
    for level, kind, pattern in _KIND_PATTERNS:
        better = level > best[0] or (level == best[0] and (kind, best[1]) == ("teaser", "trailer"))
        if better and (m := pattern.search(text)):
            best = (level, kind, m.group())
    return best[1], best[2]


# --- seasons -------------------------------------------------------------------------------
_NUM = r"(\d{1,2}|[a-z]+)"
_SEASON_PATTERNS = (
    re.compile(rf"(?<!\S)(?:{'|'.join(SEASON_WORDS + SEASON_WORDS_NUMBERED)}) {_NUM}(?!\S)"),
    re.compile(rf"(?<!\S){_NUM}(?:st|nd|rd|th|e|eme)? (?:{'|'.join(SEASON_WORDS)})(?!\S)"),
    re.compile(r"(?<!\S)s(\d{1,2})(?:e\d{1,3})?(?!\S)"),
)
_SEASON_UNSPACED = (
    re.compile(r"第(\d+|[一二三四五六七八九十]+)[期季]"),
    re.compile(r"(?:シーズン|시즌)\s?(\d+)"),
)
_FINAL_SEASON = re.compile(
    rf"(?<!\S)(?:{'|'.join(FINAL_WORDS)}) (?:{'|'.join((*SEASON_WORDS, 'series'))})(?!\S)"
    r"|(?<!\S)(?:saison|temporada|staffel|stagione) (?:final|finale)(?!\S)"
    r"|ファイナルシーズン|파이널 시즌|最终季|最終季"
)
_PART = re.compile(rf"(?<!\S)(?:{'|'.join(PART_WORDS)}) {_NUM}(?!\S)")
_KANJI = {c: n for n, c in enumerate("一二三四五六七八九十", start=1)}


def _count(word: str) -> int | None:
    if word.isdigit():
        return int(word) if 0 < int(word) < 100 else None
    if word and all(c in _KANJI for c in word):
        return _KANJI[word] if len(word) == 1 else None
    return NUMBER_WORDS.get(word)


def _season(text: str) -> Season | None:
    number: int | None = None
    said: list[str] = []
    for pattern in (*_SEASON_PATTERNS, *_SEASON_UNSPACED):
        for m in pattern.finditer(text):
            if (n := _count(m.group(1))) is not None:
                number, said = n, [m.group()]
                break
        if number is not None:
            break
    final = _FINAL_SEASON.search(text)
    if final:
        said.append(final.group())
    part = None
    for m in _PART.finditer(text):
        if (part := _count(m.group(1))) is not None:
            said.append(m.group())
            break
    if number is None and not final and part is None:
        return None
    return Season(number, bool(final), part, " ".join(said))


# --- languages -----------------------------------------------------------------------------
_LANGUAGE = "|".join(LANGUAGE_NAMES)
_SUBTITLED_IN = re.compile(
    rf"(?<!\S)({_LANGUAGE}) (?:{'|'.join(SUBTITLE_WORDS)})(?!\S)"
    rf"|(?<!\S)(?:{'|'.join(SUBTITLE_WORDS)}) (?:in )?({_LANGUAGE})(?!\S)"
)
_DUBBED_IN = re.compile(
    rf"(?<!\S)({_LANGUAGE}) (?:dubbed|dub|dubbing)(?!\S)"
    rf"|(?<!\S)(?:dubbed|dub) (?:in )?({_LANGUAGE})(?!\S)"
)
_DUBBED = re.compile(r"(?<!\S)(?:dubbed|dub)(?!\S)")
_MARKER_PATTERN = _alternation(tuple(MARKERS), True)
_WRITTEN_PATTERN = _alternation(tuple(WRITTEN), True)
_NAME_PATTERN = _alternation(tuple(LANGUAGE_NAMES), True)
_CODE = re.compile(r"\b[A-Z]{2,3}\b")


def _script(name: str) -> tuple[tuple[str, ...], str]:
    """The languages a non-Latin script in ``name`` points to, and the script's name."""
    counts: dict[str, int] = {}
    for ch in name:
        if ch.isalpha() and ord(ch) > 0x24F:
            script = unicodedata.name(ch, "").split(" ")[0]
            counts[script] = counts.get(script, 0) + 1
    for script, codes in SCRIPTS:
        if counts.get(script, 0) < 2:
            continue
        if script == "CYRILLIC" and any(c in UKRAINIAN for c in name.casefold()):
            codes = ("uk", "ru")
        elif script == "CJK" and any(k in name for k in JAPANESE_KANJI):
            codes = ("ja", "zh")
        return codes, {"CJK": "Chinese characters"}.get(script, f"{script.title()} script")
    return (), ""


def _language(name: str, text: str) -> LanguageEvidence:
    """Language evidence from the folded ``text``; ``name`` (title words removed) for codes
    written in capitals and for scripts."""
    audio, subtitles, dubbed = "", "", False
    said: list[str] = []
    covered: tuple[int, int] = (0, 0)
    if m := _SUBTITLED_IN.search(text):
        audio, subtitles, covered = ORIGINAL, LANGUAGE_NAMES[m.group(1) or m.group(2)], m.span()
        said.append(m.group())
    elif m := _MARKER_PATTERN.search(text):
        audio, subtitles, covered = *MARKERS[m.group()], m.span()
        said.append(m.group())
    if m := _DUBBED_IN.search(text):
        audio, dubbed = LANGUAGE_NAMES[m.group(1) or m.group(2)], True
        said.append(m.group())
    elif _DUBBED.search(text):
        dubbed = True
        said.append("dubbed")
    if audio in ("", ORIGINAL):  # "Japanese Trailer (English Subtitles)": the audio is Japanese
        named = [
            m.group()
            for m in _NAME_PATTERN.finditer(text)
            if not covered[0] <= m.start() < covered[1]
        ]
        if named:
            audio = LANGUAGE_NAMES[named[0]]
            said.append(named[0])
    written: list[str] = []
    if coded := [w for w in _CODE.findall(name) if w in CODES]:
        written.append(CODES[coded[0]])
        said.append(coded[0])
    for m in _WRITTEN_PATTERN.finditer(text):
        written += WRITTEN[m.group()]
        said.append(m.group())
    if "tráiler" in name.casefold():
        written.insert(0, "es")
        said.append("tráiler")
    codes, script = _script(name)
    if codes:
        written[:0] = codes
        said.append(script)
    return LanguageEvidence(audio, subtitles, tuple(dict.fromkeys(written)), dubbed, tuple(said))


# --- the rest ------------------------------------------------------------------------------
_OFFICIAL = re.compile(
    r"(?<!\S)(?:official|offizieller|offizielle|offizielles|officiel|officielle|oficial|ufficiale"
    r"|oficjalny|oficjalna|officiele|officiell|offisiell|virallinen|resmi|hivatalos|oficialni"
    r"|официальный|официальныи)(?!\S)|공식|官方|公式"
)
_RED_BAND = re.compile(
    r"(?<!\S)(?:red band|redband|restricted|nsfw|uncensored|unrated|explicit|age restricted)(?!\S)"
)
_RE_RELEASE = re.compile(
    r"(?<!\S)(?:re release|rerelease|reissue|re issue|anniversary|restoration|back in theaters"
    r"|back in theatres|back in cinemas|returns to theaters|ressortie|criterion)"
    r"(?!\S)"
)
_YEAR = re.compile(r"(?<!\S)((?:19|20)\d\d)(?!\S)")


def read_name(name: str, title: str = "") -> NameReading:
    """What ``name`` says the video is; the words of ``title`` are skipped (a film called
    "Reaction" or "The French Dispatch" is not a reaction video or in French)."""
    words, at = _without_title(words_of(name), title)
    text = " ".join(words)
    following = words[at] if at is not None and at < len(words) else ""
    shown = name
    for word in words_of(title):
        shown = re.sub(rf"(?i)(?<!\w){re.escape(word)}(?!\w)", " ", shown)
    kind, kind_words = _kind(text)
    spelled = re.search(r"\W+".join(map(re.escape, kind_words.split())), name, re.IGNORECASE)
    return NameReading(
        kind=kind,
        kind_words=spelled.group() if spelled and kind_words else kind_words,
        official=False if kind == "fan_made" else True if _OFFICIAL.search(text) else None,
        red_band=bool(_RED_BAND.search(text)),
        re_release=bool(_RE_RELEASE.search(text)),
        season=_season(text),
        language=_language(shown, text),
        years=tuple(int(y) for y in _YEAR.findall(text)),
        title_number=_count(following) if following not in ("i", "a", "x", "v") else None,
    )
