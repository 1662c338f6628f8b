"""The records that cross a process boundary or a layer: what a webhook said, what a job asks.

A webhook is parsed (webhooks/events.py) into a `ParsedEvent`, recorded by the store and turned
into a job; the job's input is a `JobInput`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


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

    kind: Literal["movie", "series"]
    arr_id: int
    title: str
    year: int
    folder: str
    tmdb_id: int
    tvdb_id: int
    imdb_id: str


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    """A webhook reduced to what the receiver records and queues."""

    event_type: str
    action: Action
    media: MediaRef | None
    instance_name: str
    is_upgrade: bool
    delete_reason: str
    file_paths: tuple[str, ...]
    summary: str


@dataclass(frozen=True, slots=True)
class JobInput:
    """What the coordinator put in the job."""

    instance: str
    arr_id: int
    kind: str
    our_trailer: str = ""
    pinned_url: str = ""
