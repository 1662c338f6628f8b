"""`ensure_trailer`: fresh metadata → existing trailer? → candidates → choice → download → place.

Runs in workers only. It reads the Arr API and the disk, never the database, and returns an
outcome dict that the worker reports to the coordinator.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import structlog

from app.choose import (
    Candidate,
    ChoicePrefs,
    Decision,
    choose_trailer,
    language_code,
    tmdb_candidates,
)
from app.config import ArrInstance, Settings
from app.errors import MediaGone, PermanentError, VerificationFailed
from workers.download import CandidateFailed, download_trailer
from workers.metadata import ArrClient, TmdbClient
from workers.paths import (
    find_existing_trailer,
    map_path,
    movie_trailer_path,
    series_trailer_path,
    stale_temp_files,
    within_roots,
)

log = structlog.get_logger("trailarr.worker")
MAX_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class JobInput:
    """What the coordinator put in the job."""

    instance: str
    arr_id: int
    kind: str
    our_trailer: str = ""
    pinned_url: str = ""


def _outcome(job: JobInput, state: str, reason: str, **extra: Any) -> dict[str, Any]:
    return {
        "instance": job.instance, "arr_id": job.arr_id, "kind": job.kind,
        "outcome": state, "reason": reason, **extra,
    }  # fmt: skip


def _has_file(kind: str, media: dict[str, Any]) -> bool:
    if kind == "movie":
        return bool(media.get("hasFile") or media.get("movieFile"))
    stats = media.get("statistics") or {}
    return int(stats.get("episodeFileCount") or 0) > 0


def _decision_record(decision: Decision, chosen_url: str | None) -> list[dict[str, Any]]:
    return [
        {
            "url": s.candidate.url, "source": s.candidate.source, "name": s.candidate.name,
            "type": s.candidate.type, "language": s.candidate.language,
            "score": round(s.score, 3), "accepted": s.accepted, "reason": s.reason,
            "chosen": s.candidate.url == chosen_url,
        }
        for s in decision.ranked
    ]  # fmt: skip


async def _candidates(
    settings: Settings, tmdb: TmdbClient, job: JobInput, media: dict[str, Any], langs: list[str]
) -> list[Candidate]:
    found: list[Candidate] = []
    if job.pinned_url:
        found.append(Candidate(url=job.pinned_url, source="pinned", name="pinned by the operator"))
    trailer_id = media.get("youTubeTrailerId")
    if job.kind == "movie" and isinstance(trailer_id, str) and trailer_id:
        found.append(
            Candidate(
                url=settings.youtube.url_template.format(key=trailer_id),
                source="radarr", key=trailer_id, name="Radarr's trailer", type="Trailer",
            )
        )  # fmt: skip
    tmdb_id = int(media.get("tmdbId") or 0)
    if tmdb.enabled and tmdb_id:
        payload = await tmdb.videos(job.kind, tmdb_id, langs)
        known = {c.key for c in found if c.key}
        found += [
            c for c in tmdb_candidates(payload, settings.youtube.url_template)
            if c.key not in known
        ]  # fmt: skip
    return found


async def ensure_trailer_for(
    settings: Settings, session: aiohttp.ClientSession, job: JobInput
) -> dict[str, Any]:
    """Make sure the media has a trailer; return the outcome (never raises PermanentError)."""
    instance = settings.instance(job.instance)
    if instance is None:
        return _outcome(job, "failed", f"instance {job.instance!r} is no longer configured")
    try:
        return await _ensure(settings, session, instance, job)
    except MediaGone:
        return _outcome(job, "gone", f"{job.instance} no longer has this {job.kind}")
    except PermanentError as exc:
        return _outcome(job, "failed", str(exc))


async def _ensure(
    settings: Settings, session: aiohttp.ClientSession, instance: ArrInstance, job: JobInput
) -> dict[str, Any]:
    arr = ArrClient(session, instance)
    media = await arr.media(job.kind, job.arr_id)
    title, year = str(media.get("title") or ""), int(media.get("year") or 0)
    base = {"title": title, "year": year}
    folder = map_path(str(media.get("path") or ""), instance.path_mappings)
    roots = [map_path(r, instance.path_mappings) for r in await arr.root_folders()]
    if not folder or not within_roots(folder, roots):
        reason = (
            f"{folder or '(no path)'} is outside the library roots ({', '.join(roots) or 'none'})"
        )
        return _outcome(job, "refused", reason, **base)
    if not _has_file(job.kind, media):
        return _outcome(job, "no_file", f"{job.instance} has no file for it yet", **base)

    movie_file = None
    if job.kind == "movie" and isinstance(media.get("movieFile"), dict):
        movie_file = map_path(str(media["movieFile"].get("path") or ""), instance.path_mappings)
    trailers = settings.trailers
    if job.kind == "movie":
        target = Path(movie_trailer_path(
            trailers.layout, trailers.container, folder, title, year, movie_file
        ))  # fmt: skip
    else:
        target = Path(series_trailer_path(trailers.container, folder, title, year))
    for leftover in stale_temp_files(target.parent):
        leftover.unlink(missing_ok=True)

    ours = Path(job.our_trailer) if job.our_trailer else None
    if ours is not None and ours.is_file() and not job.pinned_url:
        if ours != target:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(ours, target)
            return _outcome(job, "downloaded", f"moved with the media from {ours}",
                            trailer_path=str(target), ours=True, **base)  # fmt: skip
        return _outcome(job, "present", "the trailer Trailarr downloaded is in place",
                        trailer_path=str(target), ours=True, **base)  # fmt: skip
    if not job.pinned_url or ours is None:
        search_in = [Path(folder)]
        if movie_file:
            search_in.append(Path(movie_file).parent)
        existing = find_existing_trailer(dict.fromkeys(search_in))
        if existing is not None and existing != ours:
            return _outcome(job, "present", f"a trailer is already there: {existing.name}",
                            trailer_path=str(existing), ours=False, **base)  # fmt: skip

    langs = list(trailers.languages)
    original = media.get("originalLanguage")
    original_code = (
        language_code(str(original.get("name", ""))) if isinstance(original, dict) else ""
    )
    tmdb = TmdbClient(session, settings.tmdb)
    candidates = await _candidates(settings, tmdb, job, media, [*langs, original_code])
    prefs = ChoicePrefs(
        title=title, year=year, kind="movie" if job.kind == "movie" else "series",
        languages=tuple(langs), original_language=original_code,
        min_duration=trailers.min_duration, max_duration=trailers.max_duration,
    )  # fmt: skip
    decision = choose_trailer(candidates, prefs)
    failures: list[str] = []
    for scored in decision.accepted[:MAX_ATTEMPTS]:
        try:
            if ours is not None and ours.is_file():  # a pin replaces the trailer we wrote
                ours.unlink()
            placed = await download_trailer(
                scored.candidate.url, target, trailers, settings.youtube
            )
        except (CandidateFailed, VerificationFailed) as exc:
            failures.append(f"{scored.candidate.url}: {exc}")
            log.info("candidate failed", url=scored.candidate.url, reason=str(exc))
            continue
        except FileExistsError:
            return _outcome(job, "present", f"a trailer appeared meanwhile at {target}",
                            trailer_path=str(target), ours=False, **base)  # fmt: skip
        return _outcome(
            job, "downloaded", scored.reason, trailer_path=str(placed.path), ours=True,
            bytes=placed.size, seconds=round(placed.seconds, 3),
            candidates=_decision_record(decision, scored.candidate.url), **base,
        )  # fmt: skip
    if not candidates:
        reason = "no candidate: no trailer id from the Arr or TMDB"
    elif failures:
        reason = "every chosen candidate failed: " + "; ".join(failures)
    else:
        reason = "no candidate passed: " + "; ".join(s.reason for s in decision.ranked[:5])
    return _outcome(job, "no_trailer", reason, candidates=_decision_record(decision, None), **base)
