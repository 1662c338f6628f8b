"""Pure path rules: mapping Arr paths, library roots, trailer names, existing trailers."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from app.core.config import PathMapping

VIDEO_EXTENSIONS = frozenset(
    {"mkv", "mp4", "m4v", "avi", "mov", "webm", "wmv", "ts", "m2ts", "mpg", "mpeg", "flv", "ogv"}
)
TEMP_PREFIX = ".trailarr-"
TRAILERS_DIR = "Trailers"
_SUFFIX_TRAILER = re.compile(r"[-._ ]trailer(?:[-._ ]?\d+)?\.([a-z0-9]+)$", re.IGNORECASE)
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def _normalise(path: str) -> str:
    if re.match(r"^[A-Za-z]:\\", path) or ("\\" in path and "/" not in path):
        path = path.replace("\\", "/")
    return posixpath.normpath(path) if path else path


def map_path(path: str, mappings: Sequence[PathMapping]) -> str:
    """Translate a path as the Arr sees it into the same place as Trailarr sees it."""
    normal = _normalise(path)
    best: PathMapping | None = None
    for mapping in mappings:
        source = _normalise(mapping.from_).rstrip("/") or "/"
        matches = normal == source or normal.startswith(source.rstrip("/") + "/")
        if matches and (best is None or len(source) > len(_normalise(best.from_))):
            best = mapping
    if best is None:
        return normal
    source = _normalise(best.from_).rstrip("/")
    rest = normal[len(source) :].lstrip("/")
    return posixpath.join(_normalise(best.to), rest) if rest else _normalise(best.to)


def within_roots(path: str, roots: Iterable[str]) -> bool:
    """Whether `path` lies strictly inside one of the library roots (after resolving `..`)."""
    target = posixpath.normpath(path)
    for root in roots:
        base = posixpath.normpath(root)
        if target != base and target.startswith(base.rstrip("/") + "/"):
            return True
    return False


def safe_name(text: str) -> str:
    """A file name part that every file system and media server accepts."""
    cleaned = _UNSAFE.sub(lambda m: " -" if m.group(0) == ":" else "", text)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" .")
    return cleaned or "trailer"


def titled(title: str, year: int) -> str:
    """`Title (Year)`, once: Sonarr's titles of remade shows already end in their year."""
    if not year or title.rstrip().endswith(f"({year})"):
        return title
    return f"{title} ({year})"


def movie_trailer_path(
    layout: str, container: str, folder: str, title: str, year: int, movie_file: str | None
) -> str:
    """Where a movie's trailer goes: `<file stem>-trailer.<ext>` or `Trailers/<Title (Year)>…`."""
    if layout == "suffix" and movie_file:
        stem = posixpath.splitext(posixpath.basename(movie_file))[0]
        return posixpath.join(posixpath.dirname(movie_file), f"{stem}-trailer.{container}")
    label = safe_name(titled(title, year))
    return posixpath.join(folder, TRAILERS_DIR, f"{label}-trailer.{container}")


def series_trailer_path(container: str, folder: str, title: str, year: int) -> str:
    """Where a series' trailer goes: `<series folder>/Trailers/<Title (Year)>-trailer.<ext>`."""
    label = safe_name(titled(title, year))
    return posixpath.join(folder, TRAILERS_DIR, f"{label}-trailer.{container}")


def is_video(name: str) -> bool:
    """Whether a file name has a video extension (and is not one of our temporary files)."""
    if name.startswith(TEMP_PREFIX):
        return False
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return ext in VIDEO_EXTENSIONS


def is_trailer_name(name: str) -> bool:
    """`<anything>-trailer.<video ext>` or `trailer.<video ext>`, in any case."""
    if not is_video(name):
        return False
    stem = name.rsplit(".", 1)[0].lower()
    return stem == "trailer" or bool(_SUFFIX_TRAILER.search(name))


def find_existing_trailer(folders: Iterable[Path]) -> Path | None:
    """The first trailer a media server would recognise in these folders, if any."""
    for folder in folders:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            if entry.is_file() and is_trailer_name(entry.name):
                return Path(entry.path)
        for entry in entries:
            if entry.is_dir() and entry.name.lower() == "trailers":
                for inner in sorted(os.scandir(entry.path), key=lambda e: e.name):
                    if inner.is_file() and is_video(inner.name):
                        return Path(inner.path)
    return None


def stale_temp_files(folder: Path) -> list[Path]:
    """Temporary files a killed download left behind in `folder`."""
    try:
        return [Path(e.path) for e in os.scandir(folder) if e.name.startswith(TEMP_PREFIX)]
    except (FileNotFoundError, NotADirectoryError):
        return []
