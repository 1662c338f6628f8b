"""Languages: ISO 639-1 codes for the names Radarr and Sonarr give, the words in a video's name
that say which language it is in, and how welcome a video's language is to a user.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from app.core.video_names import ORIGINAL, LanguageEvidence

# fmt: off
LANGUAGE_CODES = {
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
LANGUAGE_NAMES = {c: n.title() for n, c in reversed(LANGUAGE_CODES.items())}  # first name wins
# Words in a video's name that say which language it is in (folded, see _fold).
LANGUAGE_MARKERS = {n: c for n, c in LANGUAGE_CODES.items() if " " not in n} | {
    "deutsch": "de", "francais": "fr", "vf": "fr", "vostfr": "fr", "espanol": "es",
    "castellano": "es", "latino": "es", "doblado": "es", "italiano": "it", "dublado": "pt",
    "nederlands": "nl", "polski": "pl", "turkce": "tr",
}
# fmt: on


def language_code(name: str) -> str:
    """ISO 639-1 code for a Radarr/Sonarr language name ("Portuguese (Brazil)" → "pt"), or ""."""
    folded = " ".join(name.split()).casefold()
    if folded in LANGUAGE_NAMES:
        return folded
    return LANGUAGE_CODES.get(folded, "")


@dataclass(frozen=True, slots=True)
class Welcome:
    """How welcome a video's language is to the user, with remarks for the reason."""

    rank: int  # 0..100: preferred audio, preferred subtitles, original, unknown
    dub: bool  # in none of the user's languages and not the original either
    name: str  # the spoken language's name, "" when unknown
    subtitles: str  # "English subtitles", or ""
    notes: tuple[str, ...]


def welcome(
    tag: str, evidence: LanguageEvidence, languages: Sequence[str], original: str
) -> Welcome:
    """How welcome a video is to a user of ``languages`` (best first), for media in the
    ``original`` language; what its name says (``evidence``) outweighs the ``tag``."""
    preferred = [lang.casefold() for lang in languages]
    original = original.casefold()
    notes: list[str] = []
    if evidence.audio == ORIGINAL:  # "VOSTFR", "OmU", "Subtitled": the original's own audio
        audio = original or tag
    else:
        audio = evidence.audio
        if not audio and evidence.written:
            audio = tag if tag in evidence.written else evidence.written[0]
        if audio and tag and audio != tag:
            notes.append(f"its name says {_name(audio)} although TMDB tags it {_name(tag)}")
        audio = audio or tag
    subs = evidence.subtitles if evidence.subtitles != audio else ""

    def place(code: str) -> int:
        return min(preferred.index(code), 9) if code in preferred else -1

    rank = -1
    if (i := place(audio)) >= 0:
        rank = 100 - 2 * i if not subs or place(subs) >= 0 else 70 - i
    if (i := place(subs)) >= 0:
        rank = max(rank, 99 - 2 * i)
    if rank < 0 and audio and audio == original:
        rank = 50 - bool(subs)
        notes.append(f"{_name(audio)} is the original language")
    elif rank < 0 and not audio:
        rank = 40
    if rank < 0:
        notes.append(f"a dub: {_name(audio)} is not one of your languages")
    name = _name(audio) if audio else ""
    return Welcome(
        max(rank, 0), rank < 0, name, f"{_name(subs)} subtitles" if subs else "", tuple(notes)
    )


def _name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, f"'{code}'")
