"""The words that video names are read with (app/core/video_names.py): kinds of video, season
and part words, language names, dub and subtitle markers, scripts.

Data only. Phrases are regular expressions over folded words (see ``video_names.fold``).
"""

from typing import Literal

Kind = Literal[
    "trailer", "teaser", "unknown",
    "tv_spot", "clip", "featurette", "behind_the_scenes", "interview", "opening_scene",
    "title_sequence", "character", "audio_description", "sign_language", "recap", "podcast",
    "next_episode", "bloopers", "music", "poster", "franchise", "short_film",
    "reaction", "review", "explainer", "parody", "fan_made", "game", "full_movie", "live", "short",
]  # fmt: skip
ORIGINAL = "original"  # LanguageEvidence.audio: the original's own audio (VO, OmU, "Subtitled")

# Each phrase is matched on whole folded words ("\d+" for a number); the highest level wins:
# 5 what the video is about (a reaction to a trailer is a reaction), 4 a named non-trailer,
# 3 the word "trailer" or "teaser" in any language, 2 a weak non-trailer word ("clip"), which a
# trailer word overrules, 1 a word that is promotion without being a trailer ("promo").
# fmt: off
KINDS: tuple[tuple[int, Kind, tuple[str, ...]], ...] = (
    (5, "reaction", (
        "reaction", "reactions", "reacts", "reacting", "react", "first time watching",
    )),
    (5, "review", ("review", "reviews", "critique", "rant", "movie talk")),
    (5, "explainer", (
        "explained", "explainer", "explain", "breakdown", "analysis", "easter eggs",
        "easter egg", "theory", "theories", "things you missed", "details you missed",
        "ending", "predictions", "comparison", "trailer vs", "vs trailer", "side by side",
        "then and now", r"top \d+", "ranked", "ranking",
    )),
    (5, "parody", (
        "honest trailer", "honest trailers", "everything wrong", "pitch meeting", "parody",
        "spoof", "sweded", "recut", "trailer mashup", "mashup",
    )),
    (5, "fan_made", (
        "fan made", "fanmade", "fan trailer", "fan film", "fan edit", "concept", "concept trailer",
        "unofficial", "ai trailer", "ai generated", "what if", "fake trailer",
    )),
    (5, "game", ("gameplay", "video game", "game trailer", "ps5", "ps4", "xbox", "nintendo")),
    (5, "full_movie", ("full movie", "full film", "full episode", "full episodes")),
    (5, "live", ("livestream", "live stream", "live now", "24 7")),
    (5, "short", ("shorts",)),
    (4, "audio_description", (
        "audio description", "audio described", "described video", "audiodescription",
        "audio descriptive", "audiodeskription", "audiodescripcion", "audiodescrizione",
    )),
    (4, "sign_language", (
        "sign language", "asl", "bsl", "auslan", "gebardensprache", "langue des signes",
    )),
    (4, "next_episode", (
        "next episode", "next week", "next on", "next time on", "coming up next",
        "episode preview", r"(?:episode|ep) \d+ (?:promo|preview|trailer|teaser|sneak peek)",
        r"(?:promo|preview|trailer|teaser) (?:episode|ep) \d+", r"s\d\de\d\d", r"\d+x\d\d",
        "season finale", "series finale", "mid ?season finale",
    )),
    (4, "featurette", ("inside the episode",)),
    (4, "character", (
        "character", "characters", "charakter", "personnage", "personnages", "personaje",
        "personajes", "personaggio", "character spotlight",
    )),
    (4, "tv_spot", (
        "tv spot", "tv spots", "spot", "spots", "spot tv", "big game", "super bowl", "commercial",
        "tv ad", "tvcm", "cm", r"\d+ (?:sec|second|seconds)", "ролик",
    )),
    (4, "recap", (
        "recap", "recaps", "previously on", "story so far", "catch up", "refresher",
        "ruckblick", "recapitulatif",
    )),
    (4, "podcast", ("podcast", "podcasts", "aftershow", "after show")),
    (4, "franchise", (
        "trilogy", "saga", "quadrilogy", "(?<!criterion )collection", "franchise", "anthology",
        "all trailers", "every trailer", "compilation", "supercut", "box set",
    )),
    (4, "opening_scene", (
        "opening scene", "opening sequence", "opening minutes", "extended preview",
        r"first \d+ minutes", "first ten minutes", "first five minutes", "cold open",
    )),
    (4, "title_sequence", (
        "opening credits", "title sequence", "main title", "main titles", "opening titles",
        "end credits", "credits", "intro", "opening theme", "theme song", "creditless",
    )),
    (4, "music", (
        "music video", "lyric video", "lyrics", "lyrical", "video song", "full song",
        "soundtrack", "ost", "main theme", "jukebox", "official audio", "mv",
    )),
    (4, "bloopers", ("bloopers", "blooper", "gag reel", "outtakes", "outtake")),
    (4, "poster", ("motion poster",)),
    (4, "short_film", ("short film", "anime short", "prologue")),
    (4, "clip", ("deleted scene", "deleted scenes", "alternate ending", "post credits")),
    (3, "teaser", (
        "teaser", "teasers", r"trailer(?: \d+)? (?:sneak peek|preview|tease)",
        r"(?:sneak peek|preview) (?:of )?(?:the )?(?:new )?trailer", "тизер",
    )),
    (3, "trailer", (
        "trailer", "trailers", "bande annonce", "bande annonces", "avance", "zwiastun", "fragman",
        "fragmani", "elozetes", "traileri", "upoutavka", "pv", "трейлер", "трейлеры", "τρειλερ",
        "טריילר", "تريلر", "ट्रेलर",
    )),
    (2, "featurette", ("featurette", "featurettes", "vignette", "special feature")),
    (2, "behind_the_scenes", (
        "behind the scenes", "bts", "making of", "making", "b roll", "broll", "on set",
        "set visit", "inside look", "look inside", "hinter den kulissen", "coulisses",
        "tras las camaras", "detras de camaras", "dietro le quinte", "bastidores",
    )),
    (2, "interview", (
        "interview", "interviews", "press conference", "junket", "q a", "panel", "red carpet",
        "world premiere", "table read", "commentary", "in conversation",
    )),
    (2, "clip", (
        "clip", "clips", "scene", "scenes", "extrait", "ausschnitt", "filmausschnitt",
        "escena", "sneak peek", "exclusive look",
    )),
    (1, "teaser", (
        "promo", "promos", "preview", "first look", "special look", "announcement", "announce",
        "reveal", "glimpse", "tease",
    )),
)
# Phrases in scripts without spaces between words, matched anywhere in the folded name.
KINDS_UNSPACED: tuple[tuple[int, Kind, tuple[str, ...]], ...] = (
    (5, "reaction", ("리액션", "反应")),
    (5, "review", ("리뷰", "影评")),
    (4, "next_episode", (r"第\d+話", "次回予告", r"\d+\s?[회화]\s?예고", r"第\d+集", "下集预告")),
    (4, "character", ("캐릭터", "角色", "キャラクター", "キャラ", "人物预告")),
    (4, "tv_spot", ("tv ?スポット", "テレビスポット", "스팟", "电视广告", r"\d+秒")),
    (4, "title_sequence", ("ノンクレジット", "オープニング映像", "片头", "片尾")),
    (4, "music", ("主題歌", "主题曲", "主題曲", "插曲")),
    (3, "teaser", ("特報", "特报", "티저", "先导", "先導", "前导", "ティザー", "ティーザー")),
    (3, "trailer", (
        "予告", "预告", "預告", "예고편", "예고", "트레일러", "トレーラー", "ตัวอย่าง", "டிரெய்லர்",
        "ట్రైలర్", "إعلان",
    )),
    (2, "clip", ("片段", "하이라이트", "本編映像")),
    (2, "featurette", ("特辑", "特輯", "特別映像", "특별 영상")),
    (2, "behind_the_scenes", ("花絮", "メイキング", "메이킹", "幕后")),
    (2, "interview", ("インタビュー", "인터뷰", "专访")),
)
# fmt: on

# fmt: off
NUMBER_WORDS = {
    w: n for n, ws in enumerate((
        ("one", "first", "i", "un", "une", "eins", "erste", "uno", "primera", "primo",
         "prima", "primeira"),
        ("two", "second", "ii", "deux", "deuxieme", "zwei", "zweite", "dos", "segunda", "due",
         "seconda", "duas"),
        ("three", "third", "iii", "trois", "troisieme", "drei", "dritte", "tres", "tercera", "tre",
         "terza", "terceira"),
        ("four", "fourth", "iv", "quatre", "vier", "vierte", "cuatro", "cuarta", "quattro",
         "quarta"),
        ("five", "fifth", "v", "cinq", "funf", "funfte", "cinco", "quinta", "cinque"),
        ("six", "sixth", "vi", "sechs", "sechste", "seis", "sexta", "sei", "sesta"),
        ("seven", "seventh", "vii", "sept", "sieben", "siete", "septima", "sette"),
        ("eight", "eighth", "viii", "huit", "acht", "ocho", "otto"),
        ("nine", "ninth", "ix", "neuf", "neun", "nueve", "nove"),
        ("ten", "tenth", "x", "dix", "zehn", "diez", "dieci"),
    ), start=1) for w in ws
}
SEASON_WORDS = (
    "season", "saison", "staffel", "temporada", "stagione", "sezon", "seizoen", "sasong", "saeson",
    "sesong", "kausi", "evad", "сезон",
)
# Season words only when a number follows ("Series 2", FX's "Installment 5", "Year 3").
SEASON_WORDS_NUMBERED = ("series", "installment", "year")
PART_WORDS = (
    "part", "partie", "parte", "teil", "volume", "vol", "book", "chapter", "chapitre", "capitulo",
    "deel", "osa",
)
FINAL_WORDS = ("final", "last", "letzte", "finale", "derniere", "ultima")
# fmt: on

# fmt: off
LANGUAGE_NAMES = {
    "english": "en", "german": "de", "deutsch": "de", "deutsche": "de", "deutscher": "de",
    "french": "fr", "francais": "fr", "francaise": "fr", "spanish": "es", "espanol": "es",
    "castellano": "es", "latino": "es", "italian": "it", "italiano": "it", "portuguese": "pt",
    "portugues": "pt", "brasileiro": "pt", "japanese": "ja", "korean": "ko", "chinese": "zh",
    "mandarin": "zh", "cantonese": "zh", "hindi": "hi", "tamil": "ta", "telugu": "te",
    "malayalam": "ml", "kannada": "kn", "bengali": "bn", "marathi": "mr", "punjabi": "pa",
    "russian": "ru", "polish": "pl", "polski": "pl", "turkish": "tr", "turkce": "tr",
    "dutch": "nl", "nederlands": "nl", "vlaams": "nl", "swedish": "sv", "svensk": "sv",
    "svenska": "sv", "danish": "da", "dansk": "da", "norwegian": "no", "norsk": "no",
    "finnish": "fi", "suomi": "fi", "czech": "cs", "cesky": "cs", "slovak": "sk",
    "hungarian": "hu", "magyar": "hu", "greek": "el", "thai": "th", "arabic": "ar",
    "hebrew": "he", "ukrainian": "uk", "vietnamese": "vi", "indonesian": "id", "romanian": "ro",
    "bulgarian": "bg", "croatian": "hr", "serbian": "sr", "ita": "it", "eng": "en", "ger": "de",
    "русский": "ru", "русскии": "ru", "русском": "ru", "украинский": "uk", "українською": "uk",
    "украінською": "uk", "український": "uk",
}
# Upper-case codes that uploaders append ("Zwiastun PL", "Trailer ITA"); matched before folding.
CODES = {
    "PL": "pl", "CZ": "cs", "SK": "sk", "NL": "nl", "DE": "de", "GER": "de", "FR": "fr",
    "ITA": "it", "ESP": "es", "ENG": "en", "RUS": "ru", "TR": "tr", "HU": "hu", "BR": "pt",
    "PT": "pt", "JP": "ja", "KR": "ko", "UK": "en", "US": "en", "LAT": "es",
}
SUBTITLE_WORDS = ("subtitles", "subtitle", "subtitled", "subs", "sub", "subbed", "captions")
# Marker → (audio, subtitles): "VOSTFR" is the original's audio with French subtitles.
MARKERS: dict[str, tuple[str, str]] = {
    "vf": ("fr", ""), "vff": ("fr", ""), "vfq": ("fr", ""), "version francaise": ("fr", ""),
    "doublage": ("fr", ""), "dublado": ("pt", ""), "dublada": ("pt", ""), "doblado": ("es", ""),
    "doblada": ("es", ""), "doblaje": ("es", ""), "dublaj": ("tr", ""), "dublajli": ("tr", ""),
    "dubbing": ("pl", ""), "lektor": ("pl", ""), "dabing": ("cs", ""), "doppiato": ("it", ""),
    "synchro": ("de", ""), "synchronisiert": ("de", ""), "synchronfassung": ("de", ""),
    "szinkron": ("hu", ""), "szinkronos": ("hu", ""), "szinkronizalt": ("hu", ""),
    "vo": (ORIGINAL, ""), "ov": (ORIGINAL, ""), "original version": (ORIGINAL, ""),
    "originalversion": (ORIGINAL, ""), "originalfassung": (ORIGINAL, ""),
    "version originale": (ORIGINAL, ""), "version original": (ORIGINAL, ""),
    "versione originale": (ORIGINAL, ""), "original audio": (ORIGINAL, ""),
    "vostfr": (ORIGINAL, "fr"), "vost": (ORIGINAL, "fr"), "vost fr": (ORIGINAL, "fr"),
    "sous titres": (ORIGINAL, "fr"), "sous titre": (ORIGINAL, "fr"),
    "sous titree": (ORIGINAL, "fr"), "omu": (ORIGINAL, "de"), "omdu": (ORIGINAL, "de"),
    "untertitel": (ORIGINAL, "de"), "untertitelt": (ORIGINAL, "de"), "omeu": (ORIGINAL, "en"),
    "vose": (ORIGINAL, "es"), "subtitulado": (ORIGINAL, "es"), "subtitulada": (ORIGINAL, "es"),
    "subtitulos": (ORIGINAL, "es"), "sottotitolato": (ORIGINAL, "it"),
    "sottotitoli": (ORIGINAL, "it"), "sub ita": (ORIGINAL, "it"),
    "legendado": (ORIGINAL, "pt"), "legendada": (ORIGINAL, "pt"), "napisy": (ORIGINAL, "pl"),
    "titulky": (ORIGINAL, "cs"), "altyazili": (ORIGINAL, "tr"), "altyazi": (ORIGINAL, "tr"),
    "feliratos": (ORIGINAL, "hu"), "feliratozott": (ORIGINAL, "hu"),
    "ondertiteld": (ORIGINAL, "nl"), "ondertiteling": (ORIGINAL, "nl"),
    "textad": (ORIGINAL, "sv"), "tekstitetty": (ORIGINAL, "fi"), "engsub": (ORIGINAL, "en"),
    "eng sub": (ORIGINAL, "en"), "en sub": (ORIGINAL, "en"),
    "subtitled": (ORIGINAL, "en"), "subtitles": (ORIGINAL, "en"), "subbed": (ORIGINAL, "en"),
    "english subtitles": (ORIGINAL, "en"),
}
# Words that show which language the name itself is written in; some fit more than one.
WRITTEN = {
    "offizieller": ("de",), "offizielle": ("de",), "offizielles": ("de",), "finaler": ("de",),
    "neuer": ("de",), "kinotrailer": ("de",), "hauptrailer": ("de",), "kinostart": ("de",),
    "im kino": ("de",), "bande annonce": ("fr",), "bande annonces": ("fr",),
    "officielle": ("fr",), "officiel": ("fr", "da"), "nouvelle": ("fr",), "extrait": ("fr",),
    "au cinema": ("fr",), "prochainement": ("fr",), "avance": ("es",), "estreno": ("es",),
    "pelicula": ("es",), "en cines": ("es",), "oficial": ("es", "pt"), "ufficiale": ("it",),
    "al cinema": ("it",), "dal film": ("it",), "nos cinemas": ("pt",), "filme": ("pt",),
    "zwiastun": ("pl",), "oficjalny": ("pl",), "w kinach": ("pl",), "fragman": ("tr",),
    "fragmani": ("tr",), "resmi": ("tr", "id"), "vizyonda": ("tr",), "elozetes": ("hu",),
    "officiele": ("nl",), "in de bioscoop": ("nl",), "officiell": ("sv",), "virallinen": ("fi",),
    "traileri": ("fi",), "offisiell": ("no",), "oficialni": ("cs",), "upoutavka": ("cs",),
    "chinh thuc": ("vi",),
}
# Scripts other than Latin (Unicode character name prefixes); kana before Han.
SCRIPTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("HANGUL", ("ko",)), ("HIRAGANA", ("ja",)), ("KATAKANA", ("ja",)),
    ("CJK", ("zh", "ja")), ("CYRILLIC", ("ru", "uk", "bg", "sr")),
    ("ARABIC", ("ar", "fa", "ur")), ("HEBREW", ("he",)), ("THAI", ("th",)),
    ("DEVANAGARI", ("hi", "mr")), ("TAMIL", ("ta",)), ("TELUGU", ("te",)),
    ("KANNADA", ("kn",)), ("MALAYALAM", ("ml",)), ("BENGALI", ("bn",)), ("GUJARATI", ("gu",)),
    ("GURMUKHI", ("pa",)), ("GREEK", ("el",)), ("GEORGIAN", ("ka",)), ("ARMENIAN", ("hy",)),
    ("SINHALA", ("si",)), ("KHMER", ("km",)), ("LAO", ("lo",)), ("MYANMAR", ("my",)),
)
# fmt: on
UKRAINIAN = frozenset("єіїґ")
JAPANESE_KANJI = ("予告", "特報", "話", "劇場版", "公開")

# Channels known for fake or concept trailers of unreleased films (YouTube demonetized several).
FAKE_TRAILER_CHANNELS = frozenset(
    {
        "screen culture",
        "kh studio",
        "teaser pro",
        "teaserplay",
        "smasher",
        "concept trailer",
        "sstudios trailers",
    }
)
