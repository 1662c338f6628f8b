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
    Deferred,
    DownloadFailed,
    DownloadTransient,
    MediaGone,
    PermanentError,
    TmdbRejected,
    download_failure,
)
from app.core.failures import FailureClass
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
from workers.attempts import Attempts
from workers.download import Fetched, failure_class_of, fetch, probe
from workers.download import settle as settle_fetched
from workers.gate import SourceGate
from workers.slots import DownloadSlots
from workers.youtube import SearchFunction, is_youtube, search_query, youtube_search

log = structlog.get_logger("trailarr.worker")
MAX_DOWNLOADS = 3  # files fetched per job run; failed candidates cost little and do not count


@dataclass(frozen=True, slots=True)
class WorkerContext:
    """What a worker opened once and every job uses."""

    settings: Settings
    session: aiohttp.ClientSession
    slots: DownloadSlots
    gate: SourceGate  # YouTube's breaker and pace
    attempts: Attempts
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
        if ours == where.target and job.upgrade:
            return None  # ours is under trailers.min_height: look for a better one
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
    """The YouTube search fallback, through YouTube's breaker (a bot check trips it)."""
    query = search_query(where.title, where.year, job.kind)

    async def search() -> list[Candidate]:
        try:
            return await youtube_search(query, ctx.settings.youtube, ctx.search)
        except DownloadFailed:
            raise
        except Exception as exc:  # yt-dlp raises its own error types
            raise download_failure(str(exc)) from None

    try:
        return await ctx.gate.ask(search, failure_class_of)
    except DownloadFailed as exc:
        log.info("search failed", query=query, reason=str(exc), failure_class=exc.failure_class)
        return []


Tried = dict[str, dict[str, Any]]


def _decision_record(
    decision: Decision, chosen_url: str | None, tried: Tried
) -> tuple[CandidateRecord, ...]:
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
            **tried.get(s.candidate.url, {}),
        )
        for s in decision.ranked
    )


@dataclass
class _Tries:
    """One job run's downloads: what each candidate gave, and the best file under min_height."""

    tried: Tried
    downloads: int = 0
    booked: bool = False
    ours_height: int = 0
    best: tuple[str, Fetched] | None = None

    def keep_if_better(self, url: str, fetched: Fetched) -> None:
        """Keep the taller of the best so far and `fetched`; discard the other."""
        if self.best is None or fetched.height > self.best[1].height:
            self.discard()
            self.best = (url, fetched)
        else:
            fetched.path.unlink(missing_ok=True)

    def discard(self) -> None:
        """Remove the kept file, if any."""
        if self.best is not None:
            self.best[1].path.unlink(missing_ok=True)
            self.best = None


async def _fetch(
    ctx: WorkerContext, job_id: str, url: str, where: Located, tries: _Tries
) -> Fetched:
    """One candidate's download: through YouTube's gate, or just a download slot elsewhere."""
    settings = ctx.settings

    async def download() -> Fetched:
        return await fetch(url, where.target.parent, settings.trailers, settings.youtube)

    if is_youtube(url, settings.youtube):
        first, tries.booked = not tries.booked, True
        return await ctx.gate.run(job_id, download, failure_class_of, book=first)
    async with ctx.slots.hold():
        return await download()


async def _download_best(
    ctx: WorkerContext, job: JobInput, job_id: str, where: Located, decision: Decision
) -> Outcome:
    """Try the accepted candidates in order until one downloads, verifies and is tall enough.

    A candidate-class failure moves on to the next at once (and is remembered, so a job
    deferred meanwhile does not ask again); a network failure retries the job; the source
    refusing defers it. When no file reaches `trailers.min_height`, the tallest is kept.
    """
    tries = _Tries(await ctx.attempts.load(job_id))
    ours = _find_ours(job, where)
    if job.upgrade and ours is not None and ours.is_file():
        tries.ours_height = (await probe(ours))[2]
    try:
        for scored in decision.accepted:
            url = scored.candidate.url
            if tries.tried.get(url, {}).get("failure_class") or tries.downloads >= MAX_DOWNLOADS:
                continue
            try:
                fetched = await _fetch(ctx, job_id, url, where, tries)
            except DownloadFailed as exc:
                if not exc.failure_class.rejects_candidate:  # network (or a host not YouTube's)
                    raise DownloadTransient(str(exc)) from None
                await _tried(ctx, job_id, tries, url, exc.failure_class, str(exc))
                log.info("candidate failed", url=url, failure_class=exc.failure_class,
                         reason=str(exc))  # fmt: skip
                continue
            except Deferred:
                raise  # YouTube refused, not this candidate: it is tried again after the pause
            tries.downloads += 1
            tries.tried[url] = {"height": fetched.height}
            if fetched.height >= ctx.settings.trailers.min_height:
                tries.discard()
                return _placed(ctx, job, where, decision, tries, url, fetched, scored.reason)
            tries.keep_if_better(url, fetched)
        if tries.best is not None:
            url, fetched = tries.best
            tries.best = None
            return _placed(ctx, job, where, decision, tries, url, fetched, "", low=True)
    finally:
        tries.discard()
    return _nothing(job, where, decision, tries)


async def _tried(
    ctx: WorkerContext, job_id: str, tries: _Tries, url: str, failure: FailureClass, error: str
) -> None:
    tries.tried[url] = {"failure_class": str(failure), "error": error[:500]}
    await ctx.attempts.save(job_id, tries.tried)


def _placed(
    ctx: WorkerContext,
    job: JobInput,
    where: Located,
    decision: Decision,
    tries: _Tries,
    url: str,
    fetched: Fetched,
    reason: str,
    *,
    low: bool = False,
) -> Outcome:
    """Put `fetched` in place (replacing the trailer Trailarr wrote) and say so."""
    title = where.title
    minimum = (f"the best trailer found is {fetched.height}p, under trailers.min_height"
               f" ({ctx.settings.trailers.min_height}p); tried again in 7 days")  # fmt: skip
    ours = _find_ours(job, where)
    keep_ours = low and job.upgrade and ours is not None and ours == where.target
    if keep_ours and ours is not None and ours.is_file() and tries.ours_height >= fetched.height:
        fetched.path.unlink(missing_ok=True)  # what we have is no worse: keep it
        return _outcome(job, MediaState.LOW_QUALITY, f"no better trailer yet: {minimum}",
                        trailer_path=str(ours), ours=True, height=tries.ours_height,
                        candidates=_decision_record(decision, None, tries.tried),
                        title=title)  # fmt: skip
    if ours is not None and ours.is_file():  # a pin or a taller file replaces what we wrote
        ours.unlink()
    try:
        placed = settle_fetched(fetched, where.target)
    except FileExistsError:
        fetched.path.unlink(missing_ok=True)
        return _outcome(job, MediaState.PRESENT, f"a trailer appeared meanwhile at {where.target}",
                        trailer_path=str(where.target), ours=False, title=title)  # fmt: skip
    return _outcome(
        job, MediaState.LOW_QUALITY if low else MediaState.DOWNLOADED, minimum if low else reason,
        trailer_path=str(placed.path), ours=True, size=placed.size,
        seconds=round(placed.seconds, 3), height=placed.height,
        candidates=_decision_record(decision, url, tries.tried), title=title,
    )  # fmt: skip


def _nothing(job: JobInput, where: Located, decision: Decision, tries: _Tries) -> Outcome:
    failures = [f"{url}: {t['failure_class']}: {t['error']}" for url, t in tries.tried.items()
                if t.get("failure_class")]  # fmt: skip
    if not decision.ranked:
        reason = "no candidate: no trailer id from the Arr or TMDB"
    elif failures:
        reason = "every chosen candidate failed: " + "; ".join(failures)
    else:
        reason = "no candidate passed: " + "; ".join(s.reason for s in decision.ranked[:5])
    return _outcome(job, MediaState.NO_TRAILER, reason,
                    candidates=_decision_record(decision, None, tries.tried),
                    title=where.title)  # fmt: skip


async def ensure_trailer_for(ctx: WorkerContext, job: JobInput, job_id: str = "") -> Outcome:
    """Make sure the media has a trailer; return the outcome. Transient errors (Deferred among
    them) propagate."""
    instance = ctx.settings.instance(job.instance)
    if instance is None:
        return _outcome(
            job, MediaState.FAILED, f"instance {job.instance!r} is no longer configured"
        )
    job_id = job_id or f"ensure:{job.instance}:{job.arr_id}"
    try:
        where = await _locate(ArrClient(ctx.session, instance), instance, ctx.settings, job)
        if isinstance(where, Outcome):
            return where
        for leftover in stale_temp_files(where.target.parent):
            leftover.unlink(missing_ok=True)
        if (existing := _keep_existing(job, where)) is not None:
            return existing
        decision = await _candidates(ctx, job, where)
        return await _download_best(ctx, job, job_id, where, decision)
    except MediaGone:
        return _outcome(job, MediaState.GONE, f"{job.instance} no longer has this {job.kind}")
    except PermanentError as exc:
        return _outcome(job, MediaState.FAILED, str(exc))
