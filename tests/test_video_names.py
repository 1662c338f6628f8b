"""Tests for app.core.video_names: what a video's name says it is, for which season, in which
language."""

import pytest

from app.core.video_names import ORIGINAL, LanguageEvidence, Season, fold, read_name, words_of

KINDS = [
    # Trailers and teasers, in any language.
    ("Dune | Official Main Trailer", "Dune", "trailer"),
    ("Oppenheimer | New Trailer", "Oppenheimer", "trailer"),
    ("Fight Club - Theatrical Trailer Remastered in HD", "Fight Club", "trailer"),
    ("DUNE - Final Trailer (2021)", "Dune", "trailer"),
    ("Trailer #2", "", "trailer"),
    ("Bande-annonce officielle VF", "", "trailer"),
    ("Offizieller Trailer", "", "trailer"),
    ("Tráiler oficial", "", "trailer"),
    ("Zwiastun PL", "", "trailer"),
    ("Resmi Fragman", "", "trailer"),
    ("Magyar szinkronos előzetes", "", "trailer"),
    ("Русский трейлер", "", "trailer"),
    ("메인 예고편", "", "trailer"),
    ("本予告", "", "trailer"),
    ("PV第2弾", "", "trailer"),
    ("正式预告", "", "trailer"),
    ("Official Teaser", "", "teaser"),
    ("Teaser Trailer", "", "teaser"),
    ("Official Teaser Trailer #1", "", "teaser"),
    ("Date Announcement", "", "teaser"),
    ("Official Promo | Netflix", "", "teaser"),
    ("First Look", "", "teaser"),
    ("特報", "", "teaser"),
    ("티저 예고편", "", "teaser"),
    ("Dune", "Dune", "unknown"),
    ("Official HD", "", "unknown"),
    # What TMDB often types as Trailer or Teaser although it is not one.
    ("Big Game Spot", "", "tv_spot"),
    ("Top Gun: Maverick | 'Feel The Need' TV Spot", "Top Gun: Maverick", "tv_spot"),
    ("Super Bowl Trailer", "", "tv_spot"),
    ("TV-Spot: Legacy (Deutsch)", "", "tv_spot"),
    ("Spot TV VF", "", "tv_spot"),
    ("15秒CM", "", "tv_spot"),
    ("Opening Scene", "", "opening_scene"),
    ("The First 10 Minutes", "", "opening_scene"),
    ("Extended Preview", "", "opening_scene"),
    ("Character Trailer: Paul", "", "character"),
    ("'Wanda' Character Promo", "", "character"),
    ("캐릭터 예고편", "", "character"),
    ("角色预告", "", "character"),
    ("キャラクターPV", "", "character"),
    ("Official Trailer (Audio Description)", "", "audio_description"),
    ("Official Trailer with ASL", "", "sign_language"),
    ("Season 1 Recap", "", "recap"),
    ("Previously On", "", "recap"),
    ("The Official Succession Podcast | Trailer", "Succession", "podcast"),
    ("第2話 予告", "", "next_episode"),
    ("次回予告", "", "next_episode"),
    ("3회 예고", "", "next_episode"),
    ("Episode 5 Promo", "", "next_episode"),
    ("Next On The Bear", "The Bear", "next_episode"),
    ("S02E03 Preview", "", "next_episode"),
    ("Season Finale Promo", "", "next_episode"),
    ("Inside the Episode", "", "featurette"),
    ("The Lord of the Rings Trilogy - Trailer", "The Fellowship of the Ring", "franchise"),
    ("The Skywalker Saga Trailer", "", "franchise"),
    ("Red Carpet Interview", "", "interview"),
    ("Opening Credits", "", "title_sequence"),
    ("ノンクレジットOP", "", "title_sequence"),  # noqa: RUF001
    ("Official Music Video", "", "music"),
    ("Gag Reel", "", "bloopers"),
    ("Motion Poster", "", "poster"),
    ("Deleted Scene - 'The Ball'", "", "clip"),
    # Weak words: a clip is a clip, but "Trailer" in the name overrules "scene" or "clip".
    ("'Sandworm' Clip", "", "clip"),
    ("Sneak Peek", "", "clip"),
    ("Extrait VF", "", "clip"),
    ("Featurette", "", "featurette"),
    ("Behind the Scenes", "", "behind_the_scenes"),
    ("The Making of Dune", "Dune", "behind_the_scenes"),
    ("Comic-Con Trailer", "", "trailer"),
    ("Trailer Sneak Peek", "", "teaser"),
    ("Official Trailer 2 Sneak Peek", "", "teaser"),
    ("First Look Featurette", "", "featurette"),
    # Search results: what the video is about wins over any trailer word.
    ("DUNE PART TWO Trailer Reaction!!", "Dune", "reaction"),
    ("Dune Movie Review - A Masterpiece?", "Dune", "review"),
    ("Dune Ending Explained", "Dune", "explainer"),
    ("Dune Trailer Breakdown & Easter Eggs", "Dune", "explainer"),
    ("Honest Trailers | Dune (2021)", "Dune", "parody"),
    ("Dune Concept Trailer (Unreal Engine 5)", "Dune", "fan_made"),
    ("Dune 3 - Fan Made Trailer", "Dune", "fan_made"),
    ("Dune: Awakening - Gameplay Trailer", "Dune", "game"),
    ("Dune Full Movie HD", "Dune", "full_movie"),
    ("Dune #shorts", "Dune", "short"),
    # A title is not read as a kind.
    ("Reaction - Official Trailer", "Reaction", "trailer"),
    ("The Review | Trailer", "The Review", "trailer"),
    ("Trailer Park Boys - Season 12 Teaser", "Trailer Park Boys", "teaser"),
    ("Seven Samurai | Criterion Collection Trailer", "Seven Samurai", "trailer"),
]


@pytest.mark.parametrize(("name", "title", "kind"), KINDS)
def test_kind(name: str, title: str, kind: str) -> None:
    """The name says what kind of video it is, whatever TMDB typed it as."""
    assert read_name(name, title).kind == kind


SEASONS = [
    ("Stranger Things 4 | Volume 2 Trailer | Netflix", Season(None, False, 2, "volume 2")),
    ("Season 2 | Official Trailer", Season(2, words="season 2")),
    ("Season Two Trailer", Season(2, words="season two")),
    ("Series 1 Trailer | BBC", Season(1, words="series 1")),
    ("S2 Official Teaser", Season(2, words="s2")),
    ("The Final Season | Official Trailer", Season(None, True, words="final season")),
    ("Attack on Titan Final Season Part 2", Season(None, True, 2, "final season part 2")),
    ("Staffel 3 - Offizieller Trailer", Season(3, words="staffel 3")),
    ("2. Staffel | Trailer", Season(2, words="2 staffel")),
    ("Saison 2 - Bande-annonce", Season(2, words="saison 2")),
    ("Lupin Partie 3 | Bande-annonce VF", Season(None, part=3, words="partie 3")),
    ("La casa de papel: Parte 5 Vol. 2", Season(None, part=5, words="parte 5")),
    ("Temporada 4 | Tráiler oficial", Season(4, words="temporada 4")),
    ("2nd Season PV", Season(2, words="2nd season")),
    ("第2期 PV", Season(2, words="第2期")),
    ("시즌2 예고편", Season(2, words="시즌2")),
    ("Season 4 Volume 2 Trailer", Season(4, False, 2, "season 4 volume 2")),
]


@pytest.mark.parametrize(("name", "season"), SEASONS)
def test_season(name: str, season: Season) -> None:
    """Season numbers, final seasons and parts are read in many languages."""
    assert read_name(name).season == season


@pytest.mark.parametrize(
    ("name", "later"),
    [
        ("Season 1 Trailer", False),
        ("Season 2 Trailer", True),
        ("Final Season Trailer", True),
        ("Part 1 Trailer", False),
        ("Partie 2 Trailer", True),
    ],
)
def test_later_season(name: str, later: bool) -> None:
    """A later season is any number above one, a final season, or a part above one."""
    season = read_name(name).season
    assert season is not None
    assert season.later is later


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("Dune | Official Main Trailer", "Dune"),
        ("Severance (2022) Official Trailer", "Severance"),
        ("Official Trailer (Series Premiere)", ""),
        ("Limited Series Trailer", ""),
        ("Netflix Series | Official Trailer", ""),
    ],
)
def test_no_season(name: str, title: str) -> None:
    """A name without a season number, part or "final" has no season."""
    assert read_name(name, title).season is None


@pytest.mark.parametrize(
    ("name", "title", "number"),
    [
        ("Stranger Things 4 | Official Trailer", "Stranger Things", 4),
        ("Toy Story 2 - Trailer", "Toy Story", 2),
        ("Rocky II (1979) Trailer", "Rocky", 2),
        ("Dune (2021) Trailer", "Dune", None),
        ("Dune: Part Two", "Dune", None),
        ("Toy Story - Trailer", "Toy Story", None),
    ],
)
def test_number_after_title(name: str, title: str, number: int | None) -> None:
    """A number right after the title is reported: a season for a series, a sequel for a movie."""
    assert read_name(name, title).title_number == number


LANGUAGES = [
    ("Offizieller Trailer", "", LanguageEvidence(written=("de",), words=("offizieller",))),
    ("Trailer (Deutsch) HD", "", LanguageEvidence(audio="de", words=("deutsch",))),
    ("Trailer German Deutsch (2021)", "", LanguageEvidence(audio="de", words=("german",))),
    ("Bande-annonce VF", "", LanguageEvidence("fr", "", ("fr",), words=("vf", "bande annonce"))),
    (
        "Bande-annonce VOSTFR",
        "",
        LanguageEvidence(ORIGINAL, "fr", ("fr",), words=("vostfr", "bande annonce")),
    ),
    ("Trailer OmU", "", LanguageEvidence(ORIGINAL, "de", words=("omu",))),
    ("Official Trailer (OV)", "", LanguageEvidence(ORIGINAL, words=("ov",))),
    ("Official Trailer - Dubbed", "", LanguageEvidence(dubbed=True, words=("dubbed",))),
    (
        "Official Hindi Dubbed Trailer",
        "",
        LanguageEvidence("hi", dubbed=True, words=("hindi dubbed",)),
    ),
    ("Subtitled Trailer", "", LanguageEvidence(ORIGINAL, "en", words=("subtitled",))),
    (
        "Official Trailer [English Subtitles]",
        "",
        LanguageEvidence(ORIGINAL, "en", words=("english subtitles",)),
    ),
    ("Trailer ENG SUB", "", LanguageEvidence(ORIGINAL, "en", ("en",), words=("eng sub", "ENG"))),
    (
        "Japanese Trailer (English Subtitles)",
        "",
        LanguageEvidence("ja", "en", words=("english subtitles", "japanese")),
    ),
    ("Official Tamil Trailer", "", LanguageEvidence(audio="ta", words=("tamil",))),
    (
        "Tráiler Oficial Subtitulado",
        "",
        LanguageEvidence(ORIGINAL, "es", ("es", "pt"), words=("subtitulado", "oficial", "tráiler")),
    ),
    (
        "Trailer Oficial Dublado",
        "",
        LanguageEvidence("pt", "", ("es", "pt"), words=("dublado", "oficial")),
    ),
    ("Zwiastun PL", "", LanguageEvidence(written=("pl",), words=("PL", "zwiastun"))),
    ("메인 예고편", "", LanguageEvidence(written=("ko",), words=("Hangul script",))),
    ("本予告", "", LanguageEvidence(written=("ja", "zh"), words=("Chinese characters",))),
    ("正式预告", "", LanguageEvidence(written=("zh", "ja"), words=("Chinese characters",))),
    ("キャラクターPV", "", LanguageEvidence(written=("ja",), words=("Katakana script",))),
    (
        "Русский трейлер",
        "",
        LanguageEvidence("ru", "", ("ru", "uk", "bg", "sr"), words=("русский", "Cyrillic script")),
    ),
    ("Official Trailer", "", LanguageEvidence()),
    ("The French Dispatch | Official Trailer", "The French Dispatch", LanguageEvidence()),
    ("English Vinglish Trailer", "English Vinglish", LanguageEvidence()),
]


@pytest.mark.parametrize(("name", "title", "language"), LANGUAGES)
def test_language(name: str, title: str, language: LanguageEvidence) -> None:
    """Language words, dub and subtitle markers and scripts are read; title words are not."""
    assert read_name(name, title).language == language


@pytest.mark.parametrize(
    ("name", "official", "red_band", "re_release"),
    [
        ("Official Trailer", True, False, False),
        ("Offizieller Trailer", True, False, False),
        ("공식 예고편", True, False, False),
        ("Trailer", None, False, False),
        ("Unofficial Trailer", False, False, False),
        ("Fan-Made Trailer", False, False, False),
        ("Official Red Band Trailer", True, True, False),
        ("Restricted Trailer", None, True, False),
        ("Green Band Trailer", None, False, False),
        ("Official 40th Anniversary Re-Release Trailer", True, False, True),
        ("4K Restoration Trailer", None, False, True),
    ],
)
def test_flags(name: str, official: bool | None, red_band: bool, re_release: bool) -> None:
    """Officialness, red band and re-release are read from the name."""
    reading = read_name(name)
    assert (reading.official, reading.red_band, reading.re_release) == (
        official,
        red_band,
        re_release,
    )


def test_years() -> None:
    """Years named outside the title are collected; a year in the title is not."""
    assert read_name("Blade Runner 2049 (2017) Trailer", "Blade Runner 2049").years == (2017,)
    assert read_name("The Little Mermaid (1989) | 2023 re-release").years == (1989, 2023)


def test_folding() -> None:
    """Case, accents, hyphens and full-width letters fold away; Hangul and kana stay whole."""
    assert fold("Bande-Annonce ÉTÉ") == "bande-annonce ete"
    assert fold("\uff30\uff36") == "pv"  # full-width "PV"
    assert words_of("Red-Band: Don't") == ["red", "band", "dont"]
    assert words_of("예고편 ドラゴン") == ["예고편", "ドラゴン"]
