"""The records that cross a process boundary or a layer, each serialized in one place.

A webhook is parsed (webhooks/events.py) into a `ParsedEvent` and recorded by the store, which
queues a job whose input is a `JobInput` (arq's keyword arguments: `to_kwargs`/`from_kwargs`).
The worker reports an `Outcome` on a Redis stream (`to_json`/`from_json`); the coordinator
records it, and the media takes the outcome's `MediaState`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

MediaKind = Literal["movie", "series"]


class MediaState(StrEnum):
    """Where a media item stands (the `media.state` column, and what an outcome reports)."""

    NEW = "new"
    """Known from a library read, without a file yet: nothing to do."""
    QUEUED = "queued"
    """Its job is queued (or running)."""
    PRESENT = "present"
    """A trailer is in place: the user's, or Trailarr's found where it belongs."""
    DOWNLOADED = "downloaded"
    """Trailarr downloaded the trailer and placed it (or moved it along with the media)."""
    LOW_QUALITY = "low_quality"
    """Trailarr placed the tallest trailer it found, under `trailers.min_height`; the sweep
    looks for a better one after 7 days."""
    NO_FILE = "no_file"
    """The Arr has no file for it yet."""
    NO_TRAILER = "no_trailer"
    """No candidate passed, or every chosen one failed to download or verify."""
    FAILED = "failed"
    """A permanent error, or transient ones until the job gave up."""
    REFUSED = "refused"
    """Its folder lies outside every library root: Trailarr writes nothing there."""
    GONE = "gone"
    """An outcome only: the Arr no longer has it, so its row is deleted."""


HAVE_TRAILER = frozenset({MediaState.PRESENT, MediaState.DOWNLOADED})
# Outcomes after which the sweep leaves the media alone until its backoff ends.
BACKING_OFF = frozenset({MediaState.NO_TRAILER, MediaState.FAILED, MediaState.REFUSED})


class Action(StrEnum):
    """What the receiver should do with an event."""

    TEST = "test"
    """The Test button: answer 200 and do nothing."""
    ENSURE = "ensure"
    """A file was imported or the media was added: queue a job that ensures a trailer."""
    RENAME = "rename"
    """The media files were renamed: queue a job so the trailer follows them."""
    FORGET = "forget"
    """The movie or series was deleted from the Arr."""
    FILE_DELETED = "file_deleted"
    """One media file was deleted (possibly just before an upgrade's ``Download``)."""
    IGNORE = "ignore"
    """Grab, health, update and manual-interaction events, and any eventType we do not know."""


@dataclass(frozen=True, slots=True)
class MediaRef:
    """The movie or series an event is about, as the Arr sees it."""

    kind: MediaKind
    arr_id: int
    title: str
    year: int
    folder: str
    tmdb_id: int


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    """A webhook reduced to what the receiver records and queues (an upgrade, the files and a
    delete reason are told in the summary)."""

    event_type: str
    action: Action
    media: MediaRef | None
    summary: str


@dataclass(frozen=True, slots=True)
class JobInput:
    """What a job asks a worker: the media, and what only the database knows about it."""

    instance: str
    arr_id: int
    kind: MediaKind
    our_trailer: str = ""
    """The trailer Trailarr wrote for it, where it was recorded (empty: none)."""
    pinned_url: str = ""
    """A URL the operator pinned that is still to be downloaded (empty: none)."""
    upgrade: bool = False
    """The trailer Trailarr wrote is under `trailers.min_height`: look for a better one."""

    def to_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of arq's `ensure_trailer` job (empty extras left out)."""
        kwargs: dict[str, Any] = {"instance": self.instance, "arr_id": self.arr_id,
                                  "kind": self.kind}  # fmt: skip
        if self.our_trailer:
            kwargs["our_trailer"] = self.our_trailer
        if self.pinned_url:
            kwargs["pinned_url"] = self.pinned_url
        if self.upgrade:
            kwargs["upgrade"] = True
        return kwargs

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any]) -> JobInput:
        """The job input from arq's keyword arguments; ValueError if they are not one."""
        kind = kwargs["kind"]
        if kind not in ("movie", "series"):
            raise ValueError(f"unknown media kind {kind!r}")
        return cls(
            instance=str(kwargs["instance"]),
            arr_id=int(kwargs["arr_id"]),
            kind=kind,
            our_trailer=str(kwargs.get("our_trailer", "")),
            pinned_url=str(kwargs.get("pinned_url", "")),
            upgrade=bool(kwargs.get("upgrade", False)),
        )


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class CandidateRecord(_Record):
    """One candidate of a decision as the media page shows it (the `job_runs.candidates` JSON)."""

    url: str
    source: str
    name: str
    type: str
    language: str
    score: float
    accepted: bool
    reason: str
    chosen: bool
    failure_class: str | None = None
    """Why downloading it failed (app/core/failures.py), when it did."""
    error: str = ""
    """yt-dlp's or the verification's message for that failure."""
    height: int = 0
    """Its real height (ffprobe), when it was downloaded."""


class Outcome(_Record):
    """What a worker reports when a job ends; the coordinator records it."""

    instance: str
    arr_id: int
    state: MediaState = Field(validation_alias=AliasChoices("state", "outcome"))
    """The media's new state (`outcome` on the wire before the records were typed)."""
    reason: str = ""
    title: str = ""
    """For the log lines only; the store keeps the Arr's title."""
    trailer_path: str = ""
    ours: bool = False
    """Whether the trailer at `trailer_path` is one Trailarr wrote."""
    size: int = Field(default=0, validation_alias=AliasChoices("size", "bytes"))
    """Bytes downloaded (`bytes` on the wire before the records were typed)."""
    seconds: float = 0.0
    """How long the download took."""
    height: int = 0
    """The placed trailer's real height (ffprobe)."""
    candidates: tuple[CandidateRecord, ...] = ()
    job_id: str = ""
    covers_event: int = 0
    """The newest event the run covered: events up to it are done."""
    started_at: float = 0.0
    finished_at: float = 0.0

    @property
    def chosen_url(self) -> str | None:
        """The URL of the candidate that was downloaded, if one was."""
        return next((c.url for c in self.candidates if c.chosen), None)

    def to_json(self) -> bytes:
        """The outcome as the worker puts it on the stream."""
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> Outcome:
        """An outcome read from the stream; ValueError (pydantic's) if it is not one."""
        return cls.model_validate_json(data)
