"""Turn a Radarr or Sonarr webhook body into the one decision Trailarr needs.

The senders' contract is ARR_CONTRACT.md §1: Newtonsoft JSON, nulls left out, PascalCase
``eventType``, new fields added by every release. So the models below read only the fields
Trailarr uses, treat every one of them as optional except the media's id and folder, and ignore
the rest.

``parse_webhook`` either returns a ``ParsedEvent`` or raises ``PayloadError`` (whose text is fit
for a 400 answer); no other exception escapes for any input bytes.
"""

import contextlib
from abc import abstractmethod
from collections.abc import Iterable
from typing import Annotated, Any, Literal

import orjson
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError, from_json

from app.core.errors import PayloadError
from app.core.records import Action, MediaRef, ParsedEvent

__all__ = ["PayloadError", "parse_webhook"]

App = Literal["radarr", "sonarr"]


_ACTIONS: dict[str, Action] = {
    "test": Action.TEST,
    "download": Action.ENSURE,
    "movieadded": Action.ENSURE,
    "seriesadd": Action.ENSURE,
    "rename": Action.RENAME,
    "moviedelete": Action.FORGET,
    "seriesdelete": Action.FORGET,
    "moviefiledelete": Action.FILE_DELETED,
    "episodefiledelete": Action.FILE_DELETED,
}

# Ids and years end up in SQLite, whose integers are signed 64-bit.
_Int = Annotated[int, Field(ge=0, le=2**63 - 1)]


def _check_path(value: str) -> str:
    if not value or "\x00" in value:
        raise PydanticCustomError("arr_path", "Path should be non-empty, without NUL characters")
    return value


_Path = Annotated[str, AfterValidator(_check_path)]


class _Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", alias_generator=to_camel)


class _Movie(_Body):
    id: _Int
    title: str | None = None
    year: _Int | None = None
    folder_path: _Path
    tmdb_id: _Int | None = None


class _Series(_Body):
    id: _Int
    title: str | None = None
    year: _Int | None = None
    path: _Path
    tmdb_id: _Int | None = None


class _File(_Body):
    path: _Path | None = None


def _paths(files: Iterable[_File | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(file.path for file in files if file is not None and file.path))


class _Event(_Body):
    """The fields of one event shape; subclasses add what their eventType carries."""

    @abstractmethod
    def media(self) -> MediaRef: ...

    def files(self) -> tuple[str, ...]:
        return ()

    def upgrade(self) -> bool:
        return False

    def reason(self) -> str:
        return ""


class _MovieEvent(_Event):
    movie: _Movie

    def media(self) -> MediaRef:
        movie = self.movie
        return MediaRef(
            kind="movie",
            arr_id=movie.id,
            title=movie.title or "",
            year=movie.year or 0,
            folder=movie.folder_path,
            tmdb_id=movie.tmdb_id or 0,
        )


class _SeriesEvent(_Event):
    series: _Series

    def media(self) -> MediaRef:
        series = self.series
        return MediaRef(
            kind="series",
            arr_id=series.id,
            title=series.title or "",
            year=series.year or 0,
            folder=series.path,
            tmdb_id=series.tmdb_id or 0,
        )


class _MovieDownload(_MovieEvent):
    movie_file: _File | None = None
    is_upgrade: bool | None = None
    deleted_files: list[object] | None = None

    def files(self) -> tuple[str, ...]:
        return _paths([self.movie_file])

    def upgrade(self) -> bool:
        return bool(self.is_upgrade or self.deleted_files)


class _SeriesDownload(_SeriesEvent):
    # One Download per imported file carries ``episodeFile``; the import-complete Download
    # (Sonarr >= 4.0.6) carries ``episodeFiles`` instead, under the same eventType.
    episode_file: _File | None = None
    episode_files: list[_File] | None = None
    is_upgrade: bool | None = None
    deleted_files: list[object] | None = None

    def files(self) -> tuple[str, ...]:
        return _paths([self.episode_file, *(self.episode_files or ())])

    def upgrade(self) -> bool:
        return bool(self.is_upgrade or self.deleted_files)


class _MovieRename(_MovieEvent):
    renamed_movie_files: list[_File] | None = None

    def files(self) -> tuple[str, ...]:
        return _paths(self.renamed_movie_files or ())


class _SeriesRename(_SeriesEvent):
    renamed_episode_files: list[_File] | None = None

    def files(self) -> tuple[str, ...]:
        return _paths(self.renamed_episode_files or ())


class _MovieFileDelete(_MovieEvent):
    movie_file: _File | None = None
    delete_reason: str | None = None

    def files(self) -> tuple[str, ...]:
        return _paths([self.movie_file])

    def reason(self) -> str:
        return self.delete_reason or ""


class _EpisodeFileDelete(_SeriesEvent):
    episode_file: _File | None = None
    delete_reason: str | None = None

    def files(self) -> tuple[str, ...]:
        return _paths([self.episode_file])

    def reason(self) -> str:
        return self.delete_reason or ""


_MEDIA_KEY: dict[App, str] = {"radarr": "movie", "sonarr": "series"}
_BASE_SHAPE: dict[App, type[_Event]] = {"radarr": _MovieEvent, "sonarr": _SeriesEvent}
_SHAPES: dict[tuple[App, str], type[_Event]] = {
    ("radarr", "download"): _MovieDownload,
    ("radarr", "rename"): _MovieRename,
    ("radarr", "moviefiledelete"): _MovieFileDelete,
    ("sonarr", "download"): _SeriesDownload,
    ("sonarr", "rename"): _SeriesRename,
    ("sonarr", "episodefiledelete"): _EpisodeFileDelete,
}


def parse_webhook(body: bytes, app: App) -> ParsedEvent:
    """Parse one webhook body sent by ``app``, or raise ``PayloadError`` saying why not.

    ``eventType`` is matched without regard to case, since the Arrs have announced a move
    to camelCase. Test and ignored events never fail on their content: their media is read
    when it is present and well-formed, else left as None.
    """
    try:
        fast = orjson.loads(body)  # quicker than pydantic's parser on the hot path
    except orjson.JSONDecodeError:
        fast = None
    if isinstance(fast, dict):
        with contextlib.suppress(PayloadError):
            return _parse(fast, app)
    # Bad input: parse again the way the error messages are worded (big numbers, depth, ...).
    return _parse(_load_object(body), app)


def _parse(data: dict[str, Any], app: App) -> ParsedEvent:
    event_type = data.get("eventType")
    if not isinstance(event_type, str) or not event_type.strip():
        raise PayloadError("missing 'eventType' (a non-empty string)")
    key = event_type.lower()
    action = _ACTIONS.get(key, Action.IGNORE)
    media_key = _MEDIA_KEY[app]
    has_media = isinstance(data.get(media_key), dict)

    event: _Event | None
    if action is Action.TEST or action is Action.IGNORE:
        event = _validate_or_none(_BASE_SHAPE[app], data) if has_media else None
    elif has_media:
        event = _validate(_SHAPES.get((app, key), _BASE_SHAPE[app]), data)
    else:
        raise PayloadError(f"{event_type} from {app} needs a '{media_key}' object")

    media: MediaRef | None = None
    file_paths: tuple[str, ...] = ()
    is_upgrade, delete_reason = False, ""
    if event is not None:
        media, is_upgrade = event.media(), event.upgrade()
        delete_reason, file_paths = event.reason(), event.files()
    return ParsedEvent(
        event_type=event_type,
        action=action,
        media=media,
        summary=_summary(event_type, action, media, data, is_upgrade, delete_reason, file_paths),
    )


def _load_object(body: bytes) -> dict[str, Any]:
    try:
        data = from_json(body, allow_inf_nan=False)
    except ValueError as exc:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as decode_error:
            raise PayloadError(f"body is not valid UTF-8: {decode_error.reason}") from None
        raise PayloadError(f"body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PayloadError("body must be a JSON object")
    return data


def _validate(shape: type[_Event], data: dict[str, Any]) -> _Event:
    try:
        return shape.model_validate(data)
    except ValidationError as exc:
        raise PayloadError(_describe(exc)) from None


def _validate_or_none(shape: type[_Event], data: dict[str, Any]) -> _Event | None:
    try:
        return shape.model_validate(data)
    except ValidationError:
        return None


_MESSAGES = {
    "model_type": "Input should be a JSON object",
    "list_type": "Input should be a JSON array",
}
_MAX_REPORTED_ERRORS = 3


def _describe(exc: ValidationError) -> str:
    """Name each wrong field the way the JSON spells it: ``renamedMovieFiles[0].path: ...``."""
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    parts = []
    for error in errors[:_MAX_REPORTED_ERRORS]:
        loc = (f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"])
        where = "".join(loc).lstrip(".")
        parts.append(f"{where}: {_MESSAGES.get(error['type'], error['msg'])}")
    if len(errors) > _MAX_REPORTED_ERRORS:
        parts.append(f"and {len(errors) - _MAX_REPORTED_ERRORS} more")
    return "; ".join(parts)


_SUMMARY_LENGTH = 160


def _summary(
    event_type: str,
    action: Action,
    media: MediaRef | None,
    data: dict[str, Any],
    is_upgrade: bool,
    delete_reason: str,
    file_paths: tuple[str, ...],
) -> str:
    """One line for a status page: ``Download: Dune: Part Two (2024), upgrade``."""
    if media is not None:
        subject = media.title or f"{media.kind} {media.arr_id}"
        if media.year:
            subject += f" ({media.year})"
        if media.kind == "series" and (episodes := _episodes(data.get("episodes"))):
            subject += f" {episodes}"
    else:
        subject = ": ".join(
            value for name in ("level", "message") if isinstance(value := data.get(name), str)
        )
    details = [f"{event_type}: {subject}" if subject else event_type]
    if is_upgrade:
        details.append("upgrade")
    if action is Action.RENAME or len(file_paths) > 1:
        details.append(f"{len(file_paths)} file{'' if len(file_paths) == 1 else 's'}")
    if delete_reason:
        details.append(f"reason {delete_reason}")
    if action is Action.FORGET and data.get("deletedFiles") is True:
        details.append("files deleted")
    return _one_line(", ".join(details))


def _episodes(episodes: object) -> str:
    """``S02E10``, or the first and last of several: ``S01E01-S01E10``."""
    if not isinstance(episodes, list):
        return ""
    numbers = []
    for episode in episodes:
        if isinstance(episode, dict):
            season, number = episode.get("seasonNumber"), episode.get("episodeNumber")
            if type(season) is int and type(number) is int:
                numbers.append((season, number))
    if not numbers:
        return ""
    labels = [f"S{season:02}E{number:02}" for season, number in (min(numbers), max(numbers))]
    return labels[0] if labels[0] == labels[1] else "-".join(labels)


def _one_line(text: str) -> str:
    if not text.isprintable():
        text = "".join(char if char.isprintable() else " " for char in text)
    text = " ".join(text.split())
    if len(text) > _SUMMARY_LENGTH:
        text = text[: _SUMMARY_LENGTH - 1] + "…"
    return text or "(unprintable)"
