"""The pure half of a reconciliation pass: an Arr's library against what the database knows.

Which media are new, changed or forgotten, which must be marked queued (guarded by the state the
pass saw, app/store/library.py), and which jobs to queue: every media item that has a file, has
no trailer (or whose recorded trailer has gone from disk) and is not in backoff. No I/O: the
sweep (app/reconcile/sweep.py) reads, checks the disk, writes and queues.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.library import Listed, ListedRow
from app.core.queue import JobRequest, pin_to_send
from app.core.records import HAVE_TRAILER, JobInput, MediaKind, MediaState
from app.store.library import Known, KnownRow

QueuedItem = tuple[str, int, str, str]
"""A media item a pass queued (or, in a dry run, would queue): instance, arr_id, title, path."""
Wanted = tuple[ListedRow, KnownRow | None, bool]
"""A media item to queue: as listed, as known (None: new), whether its trailer went from disk."""


def claimed_trailers(
    known: Mapping[int, KnownRow], library: Mapping[int, ListedRow], now: float
) -> list[tuple[int, str]]:
    """(arr id, trailer path) of the media whose recorded trailer must be looked for on disk:
    those that claim one, are listed with a file and are not in backoff (a stat() each)."""
    return [
        (arr_id, old.trailer_path)
        for arr_id, old in ((arr_id, Known._make(row)) for arr_id, row in known.items())
        if old.state in HAVE_TRAILER and old.trailer_path and old.retry_after <= now
        and arr_id in library and library[arr_id][5]
    ]  # fmt: skip


class LibraryDiff:
    """What a pass writes and queues for one instance, built one listed item at a time (`add`),
    so that the sweep can let the event loop run in between.

    The rows are in the column orders of app/store/library.py's statements.
    """

    def __init__(
        self,
        name: str,
        kind: MediaKind,
        known: Mapping[int, KnownRow],
        gone: set[int],
        now: float,
    ) -> None:
        self.name, self.kind, self.known, self.gone, self.now = name, kind, known, gone, now
        self.inserts: list[tuple[Any, ...]] = []
        self.updates: list[tuple[Any, ...]] = []
        self.marks: list[tuple[Any, ...]] = []
        self.wanted: list[Wanted] = []

    def add(self, row: ListedRow) -> None:
        """Compare one listed item with what is known of it."""
        name, now = self.name, self.now
        item = Listed._make(row)
        known_row = self.known.get(item.arr_id)
        if known_row is None:
            state = MediaState.QUEUED if item.has_file else MediaState.NEW
            self.inserts.append((
                name, self.kind, item.arr_id, item.title, item.year, item.folder, item.tmdb_id,
                state.value, now,
            ))  # fmt: skip
            if item.has_file:
                self.wanted.append((row, None, False))
            return
        old = Known._make(known_row)
        tmdb_id = item.tmdb_id or old.tmdb_id
        if (item.title, item.year, item.folder, tmdb_id) != (
            old.title, old.year, old.folder, old.tmdb_id,
        ):  # fmt: skip
            self.updates.append(
                (item.title, item.year, item.folder, tmdb_id, now, name, item.arr_id)
            )
        gone = item.arr_id in self.gone
        if (
            item.has_file and old.retry_after <= now
            and (old.state not in HAVE_TRAILER or not old.trailer_path or gone)
        ):  # fmt: skip
            self.wanted.append((row, known_row, gone))
            if old.state != MediaState.QUEUED:
                self.marks.append((now, name, item.arr_id, old.state))

    def forgotten(self, library: Mapping[int, ListedRow]) -> list[tuple[str, int]]:
        """The known media the library no longer lists."""
        return [(self.name, arr_id) for arr_id in self.known if arr_id not in library]


def queued_item(name: str, row: ListedRow) -> QueuedItem:
    """How the report names a queued media item."""
    item = Listed._make(row)
    return (name, item.arr_id, item.title, item.folder)


def job_request(
    name: str, kind: MediaKind, arr_id: int, old: Known | None, trailer_gone: bool, job_id: str
) -> JobRequest:
    """The ensure job for a media item, with what only the database knows (as Store gives it)."""
    our_trailer = old.trailer_path if old is not None and old.trailer_ours else ""
    pinned = ""
    if old is not None and old.pinned_url:
        pinned = pin_to_send(old.pinned_url, old.trailer_url, bool(old.trailer_ours), trailer_gone)
    upgrade = bool(our_trailer) and old is not None and old.state == MediaState.LOW_QUALITY
    return JobRequest(job_id, JobInput(name, arr_id, kind, our_trailer, pinned, upgrade), 0)
