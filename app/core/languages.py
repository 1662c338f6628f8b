"""Languages: ISO 639-1 codes for the names Radarr and Sonarr give, and the words in a video's
name that say which language it is in.
"""

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
