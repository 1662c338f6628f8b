"""`ensure_trailer`: fresh metadata → place → existing trailer? → candidates → choice → download.

Runs in workers only. It reads the Arr API and the disk, never the database, and returns the
`Outcome` that the worker reports to the coordinator. Each step either hands its findings to the
next or ends the job with an outcome of its own (a refused folder, a trailer already there).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import structlog

from app.core.arr import ArrClient
from app.core.choose import Candidate, ChoicePrefs, Decision, choose_trailer, tmdb_candidates
from app.core.config import ArrInstance, Settings
from app.core.errors import (
    CandidateFailed,
    CoolingDown,
    DownloadTransient,
    MediaGone,
    PermanentError,
    TmdbRejected,
    VerificationFailed,
    classify_ytdlp,
)
from app.core.languages import language_code
from app.core.paths import (
    find_existing_trailer,
    map_path,
    movie_trailer_path,
    series_trailer_path,
    stale_temp_files,
    within_roots,
)
from app.core.records import CandidateRecord, JobInput, MediaState, Outcome
from app.core.tmdb import TmdbClient
from workers.download import download_trailer
from workers.slots import DownloadSlots
from workers.youtube import Cooldown, SearchFunction, is_youtube, search_query, youtube_search

log = structlog.get_logger("trailarr.worker")
MAX_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class WorkerContext:
    """What a worker opened once and every job uses."""

    settings: Settings
    session: aiohttp.ClientSession
    slots: DownloadSlots
    cooldown: Cooldown
    search: SearchFunction | None = None  # None: yt-dlp's real search


@dataclass(frozen=True, slots=True)
class Located:
    """A media item as the Arr describes it now, mapped onto this machine's paths."""

    media: dict[str, Any]
    title: str
    year: int
    folder: str
    movie_file: str | None
    target: Path


def _outcome(job: JobInput, state: MediaState, reason: str, **extra: Any) -> Outcome:
    return Outcome(instance=job.instance, arr_id=job.arr_id, state=state, reason=reason, **extra)


def _has_file(kind: str, media: dict[str, Any]) -> bool:
    if kind == "movie":
        return bool(media.get("hasFile") or media.get("movieFile"))
    stats = media.get("statistics") or {}
    return int(stats.get("episodeFileCount") or 0) > 0


async def _locate(
    arr: ArrClient, instance: ArrInstance, settings: Settings, job: JobInput
) -> Located | Outcome:
    """Fresh metadata, the mapped folder checked against the library roots, the target path;
    or the outcome when the folder is refused or the Arr has no file yet."""
    media = await arr.media(job.kind, job.arr_id)
    title, year = str(media.get("title") or ""), int(media.get("year") or 0)
    folder = map_path(str(media.get("path") or ""), instance.path_mappings)
    roots = [map_path(r, instance.path_mappings) for r in await arr.root_folders()]
    if not folder or not within_roots(folder, roots):
        where = ", ".join(roots) or "none"
        reason = f"{folder or '(no path)'} is outside the library roots ({where})"
        return _outcome(job, MediaState.REFUSED, reason, title=title)
    if not _has_file(job.kind, media):
        return _outcome(
            job, MediaState.NO_FILE, f"{job.instance} has no file for it yet", title=title
        )
    trailers = settings.trailers
    movie_file = None
    if job.kind == "movie":
        if isinstance(media.get("movieFile"), dict):
            movie_file = map_path(str(media["movieFile"].get("path") or ""), instance.path_mappings)
        target = movie_trailer_path(
            trailers.layout, trailers.container, folder, title, year, movie_file
        )
    else:
        target = series_trailer_path(trailers.container, folder, title, year)
    return Located(media, title, year, folder, movie_file, Path(target))


def _keep_existing(job: JobInput, where: Located) -> Outcome | None:
    """The outcome if a trailer is in place: ours (moved along with the media) or the user's."""
    title = where.title
    ours = _find_ours(job, where)
    if ours is not None and ours.is_file() and not job.pinned_url:
        if ours == where.target:
            return _outcome(job, MediaState.PRESENT, "the trailer Trailarr downloaded is in place",
                            trailer_path=str(ours), ours=True, title=title)  # fmt: skip
        where.target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(ours, where.target)
        return _outcome(job, MediaState.DOWNLOADED, f"moved with the media from {ours}",
                        trailer_path=str(where.target), ours=True, title=title)  # fmt: skip
    folders = [Path(where.folder)]
    if where.movie_file:
        folders.append(Path(where.movie_file).parent)
    existing = find_existing_trailer(dict.fromkeys(folders))
    if existing is not None and existing != ours:
        return _outcome(job, MediaState.PRESENT, f"a trailer is already there: {existing.name}",
                        trailer_path=str(existing), ours=False, title=title)  # fmt: skip
    return None


def _find_ours(job: JobInput, where: Located) -> Path | None:
    """The trailer Trailarr wrote: where it was recorded, or carried along when the Arr moved
    the whole media folder (its name unchanged, now in the new folder)."""
    if not job.our_trailer:
        return None
    recorded = Path(job.our_trailer)
    if recorded.is_file():
        return recorded
    for folder in (where.target.parent, Path(where.folder), Path(where.folder) / "Trailers"):
        moved = folder / recorded.name
        if moved.is_file():
            return moved
    return recorded


async def _candidates(ctx: WorkerContext, job: JobInput, where: Located) -> Decision:
    """Every candidate, best first: pinned, Radarr's trailer id, TMDB videos."""
    settings, media = ctx.settings, where.media
    found: list[Candidate] = []
    if job.pinned_url:
        found.append(Candidate(url=job.pinned_url, source="pinned", name="pinned by the operator"))
    trailer_id = media.get("youTubeTrailerId")
    if job.kind == "movie" and isinstance(trailer_id, str) and trailer_id:
        url = settings.youtube.url_template.format(key=trailer_id)
        found.append(Candidate(url=url, source="radarr", key=trailer_id, name="Radarr's trailer",
                               type="Trailer"))  # fmt: skip
    languages = list(settings.trailers.languages)
    original = media.get("originalLanguage")
    original_code = (
        language_code(str(original.get("name", ""))) if isinstance(original, dict) else ""
    )
    tmdb = TmdbClient(ctx.session, settings.tmdb)
    tmdb_id = int(media.get("tmdbId") or 0)
    if tmdb.enabled and tmdb_id:
        try:
            payload = await tmdb.videos(job.kind, tmdb_id, [*languages, original_code])
        except TmdbRejected as exc:  # a configuration problem: go on without TMDB
            log.warning("tmdb skipped", reason=str(exc))
            payload = {"results": []}
        # Radarr's id stays beside TMDB's entry for it: choose_trailer reads that as evidence.
        found += tmdb_candidates(payload, settings.youtube.url_template)
    trailers = settings.trailers
    prefs = ChoicePrefs(
        title=where.title, year=where.year, kind=job.kind,
        languages=tuple(languages), original_language=original_code,
        min_duration=trailers.min_duration, max_duration=trailers.max_duration,
    )  # fmt: skip
    decision = choose_trailer(found, prefs)
    if decision.chosen is None and trailers.search:
        found += await _search(ctx, job, where)
        decision = choose_trailer(found, prefs)
    return decision


async def _search(ctx: WorkerContext, job: JobInput, where: Located) -> list[Candidate]:
    """The YouTube search fallback; a throttled search starts the cool-down."""
    await ctx.cooldown.check()
    query = search_query(where.title, where.year, job.kind)
    try:
        return await youtube_search(query, ctx.settings.youtube, ctx.search)
    except Exception as exc:  # yt-dlp raises its own error types
        error = classify_ytdlp(str(exc))
        if isinstance(error, DownloadTransient):
            await _throttled(ctx, error)
            raise error from exc
        log.info("search failed", query=query, reason=str(exc))
        return []


async def _throttled(ctx: WorkerContext, error: DownloadTransient) -> None:
    """Turn YouTube throttling into the global cool-down (and this job's deferral)."""
    if error.throttled:
        await ctx.cooldown.start(str(error))
        raise CoolingDown(ctx.cooldown.seconds, str(error)) from error


def _decision_record(decision: Decision, chosen_url: str | None) -> tuple[CandidateRecord, ...]:
    return tuple(
        CandidateRecord(
            url=s.candidate.url,
            source=s.candidate.source,
            name=s.candidate.name,
            type=s.candidate.type,
            language=s.candidate.language,
            score=round(s.score, 3),
            accepted=s.accepted,
            reason=s.reason,
            chosen=s.candidate.url == chosen_url,
        )
        for s in decision.ranked
    )


async def _download_best(
    ctx: WorkerContext, job: JobInput, where: Located, decision: Decision
) -> Outcome:
    """Try the accepted candidates in order until one downloads and verifies."""
    title = where.title
    ours = _find_ours(job, where)
    failures: list[str] = []
    for scored in decision.accepted[:MAX_ATTEMPTS]:
        url = scored.candidate.url
        if is_youtube(url, ctx.settings.youtube):
            await ctx.cooldown.check()
        try:
            async with ctx.slots.hold():
                if ours is not None and ours.is_file():  # a pin replaces the trailer we wrote
                    ours.unlink()
                placed = await download_trailer(
                    url, where.target, ctx.settings.trailers, ctx.settings.youtube
                )
        except (CandidateFailed, VerificationFailed) as exc:
            failures.append(f"{url}: {exc}")
            log.info("candidate failed", url=url, reason=str(exc))
            continue
        except DownloadTransient as exc:
            await _throttled(ctx, exc)
            raise
        except FileExistsError:
            reason = f"a trailer appeared meanwhile at {where.target}"
            return _outcome(job, MediaState.PRESENT, reason, trailer_path=str(where.target),
                            ours=False, title=title)  # fmt: skip
        return _outcome(
            job, MediaState.DOWNLOADED, scored.reason, trailer_path=str(placed.path), ours=True,
            size=placed.size, seconds=round(placed.seconds, 3),
            candidates=_decision_record(decision, url), title=title,
        )  # fmt: skip
    if not decision.ranked:
        reason = "no candidate: no trailer id from the Arr or TMDB"
    elif failures:
        reason = "every chosen candidate failed: " + "; ".join(failures)
    else:
        reason = "no candidate passed: " + "; ".join(s.reason for s in decision.ranked[:5])
    return _outcome(job, MediaState.NO_TRAILER, reason,
                    candidates=_decision_record(decision, None), title=title)  # fmt: skip


async def ensure_trailer_for(ctx: WorkerContext, job: JobInput) -> Outcome:
    """Make sure the media has a trailer; return the outcome. Transient errors propagate."""
    instance = ctx.settings.instance(job.instance)
    if instance is None:
        return _outcome(
            job, MediaState.FAILED, f"instance {job.instance!r} is no longer configured"
        )
    try:
        where = await _locate(ArrClient(ctx.session, instance), instance, ctx.settings, job)
        if isinstance(where, Outcome):
            return where
        for leftover in stale_temp_files(where.target.parent):
            leftover.unlink(missing_ok=True)
        if (existing := _keep_existing(job, where)) is not None:
            return existing
        decision = await _candidates(ctx, job, where)
        return await _download_best(ctx, job, where, decision)
    except MediaGone:
        return _outcome(job, MediaState.GONE, f"{job.instance} no longer has this {job.kind}")
    except PermanentError as exc:
        return _outcome(job, MediaState.FAILED, str(exc))
