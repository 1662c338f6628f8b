"""Reading an Arr's whole library: `GET /api/v3/movie` or `/api/v3/series`, gzipped and parsed
element by element, so that 50,000 movies (about 5 KB of JSON each) never sit in memory at once.
"""

from __future__ import annotations

import asyncio
import codecs
import json
from typing import Any, NamedTuple

import aiohttp

from app.core.config import ArrInstance
from app.core.errors import ArrRejected, ArrUnavailable

# Real Arrs take a while to build a big library list; wait for bytes, not for the whole body.
LIBRARY_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=300)
READ_CHUNK = 1 << 18

# A pass holds 50,000 of these at once, as plain tuples: the garbage collector stops tracking a
# tuple of plain values but not a NamedTuple, and tracked objects slow every full collection.
ListedRow = tuple[int, str, int, str, int, bool]


class Listed(NamedTuple):
    """One movie or series as the Arr's library list describes it."""

    arr_id: int
    title: str
    year: int
    folder: str
    tmdb_id: int
    has_file: bool


class JsonArrayReader:
    """Incremental reader of one top-level JSON array: feed it bytes, get each complete element.

    Only the pending text (one read chunk plus at most one element) is held, so a 250 MB list is
    read in a few MB. Each element is decoded by the standard library's C decoder (`raw_decode`),
    which is as fast as a streaming parser's C backend here; an element cut by a chunk boundary
    fails to decode and is decoded again once more text has come.
    """

    _START, _FIRST, _AFTER, _NEXT, _DONE = range(5)

    def __init__(self, min_parse: int = READ_CHUNK, max_element: int = 64 << 20) -> None:
        self._decoder = json.JSONDecoder()
        self._utf8 = codecs.getincrementaldecoder("utf-8-sig")()
        self._pieces: list[str] = []
        self._pending = 0
        self._text = ""
        self._state = self._START
        self._min_parse = min_parse
        self._ready_at = min_parse
        self._max_element = max_element

    def feed(self, data: bytes) -> list[Any]:
        """Take the next bytes; return the elements they complete."""
        piece = self._utf8.decode(data)
        self._pieces.append(piece)
        self._pending += len(piece)
        if len(self._text) + self._pending < self._ready_at:
            return []
        return self._parse(final=False)

    def close(self) -> list[Any]:
        """The body has ended: return the last elements; ValueError if the array is incomplete."""
        self._pieces.append(self._utf8.decode(b"", final=True))
        items = self._parse(final=True)
        if self._state != self._DONE:
            raise ValueError("the JSON array ends early")
        return items

    def _parse(self, *, final: bool) -> list[Any]:
        text = self._text + "".join(self._pieces)
        self._pieces.clear()
        self._pending = 0
        items: list[Any] = []
        pos, end = 0, len(text)
        while True:
            while pos < end and text[pos] in " \t\n\r":
                pos += 1
            if pos == end:
                break
            state, char = self._state, text[pos]
            if state == self._DONE:
                raise ValueError("more data after the JSON array")
            if state == self._START:
                if char != "[":
                    raise ValueError(f"expected a JSON array, found {char!r}")
                pos, self._state = pos + 1, self._FIRST
                continue
            if state == self._AFTER or (state == self._FIRST and char == "]"):
                if char not in ",]":
                    raise ValueError(f"expected ',' or ']' in the JSON array, found {char!r}")
                pos, self._state = pos + 1, self._NEXT if char == "," else self._DONE
                continue
            try:
                item, after = self._decoder.raw_decode(text, pos)
            except json.JSONDecodeError:
                if final:
                    raise
                break  # cut by the chunk boundary (or broken: then `close` says so)
            if after == end and not final and char in "-0123456789":
                break  # a number at the very end may go on in the next chunk
            items.append(item)
            pos, self._state = after, self._AFTER
        self._text = text[pos:]
        if len(self._text) > self._max_element:
            raise ValueError(f"an element of the JSON array is larger than {self._max_element}")
        # An element that did not decode is tried again only once the text has doubled, so a
        # large element read in small chunks costs linear time.
        self._ready_at = max(self._min_parse, 2 * len(self._text))
        return items


def listed_media(kind: str, item: Any) -> Listed | None:
    """The fields a pass needs from a `MovieResource`/`SeriesResource`; None if it has no id."""
    if not isinstance(item, dict):
        return None
    arr_id = item.get("id")
    if type(arr_id) is not int or arr_id <= 0:
        return None
    if kind == "radarr":
        has_file = item.get("hasFile") is True or isinstance(item.get("movieFile"), dict)
    else:
        statistics = item.get("statistics")
        count = statistics.get("episodeFileCount") if isinstance(statistics, dict) else 0
        has_file = type(count) is int and count > 0
    title, year, path, tmdb_id = (item.get(k) for k in ("title", "year", "path", "tmdbId"))
    return Listed(
        arr_id,
        title if isinstance(title, str) else "",
        year if type(year) is int else 0,
        path if isinstance(path, str) else "",
        tmdb_id if type(tmdb_id) is int else 0,
        has_file,
    )


async def fetch_library(
    session: aiohttp.ClientSession,
    instance: ArrInstance,
    timeout: aiohttp.ClientTimeout = LIBRARY_TIMEOUT,
) -> dict[int, ListedRow]:
    """Every movie or series of an instance by id, streamed; ArrUnavailable or ArrRejected."""
    noun = "movie" if instance.kind == "radarr" else "series"
    name = instance.name
    headers = {
        "X-Api-Key": instance.api_key.get_secret_value(),
        "Accept": "application/json",
        "Accept-Encoding": "gzip",
    }
    # excludeLocalCovers spares Radarr a stat() per poster we would not look at.
    params = {"excludeLocalCovers": "true"} if instance.kind == "radarr" else None
    library: dict[int, ListedRow] = {}
    reader = JsonArrayReader()

    def add(items: list[Any]) -> None:
        for item in items:
            listed = listed_media(instance.kind, item)
            if listed is not None:
                library[listed.arr_id] = (*listed,)  # a plain tuple (see ListedRow)

    try:
        async with session.get(
            f"{instance.url}/api/v3/{noun}", params=params, headers=headers, timeout=timeout
        ) as response:
            if response.status in (401, 403):
                raise ArrRejected(f"{name} refused the API key (HTTP {response.status})")
            if response.status != 200:
                raise ArrUnavailable(f"{name} answered HTTP {response.status} for {noun}")
            async for chunk in response.content.iter_chunked(READ_CHUNK):
                add(reader.feed(chunk))
                await asyncio.sleep(0)  # a read from a full buffer does not yield
            add(reader.close())
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise ArrUnavailable(f"{name} unreachable: {type(exc).__name__} {exc}") from exc
    except ValueError as exc:
        raise ArrUnavailable(f"{name} sent a {noun} list that is not JSON: {exc}") from exc
    return library
