"""The gate every download from a shared video source goes through: breaker, pace, slot.

    book a start time    → after the current pause, if any; far ahead: defer the job until then
    hold a download slot (trailers.concurrency across all workers)
    admit                → maybe as the probe that ends a pause; paused or probing: defer
    wait for the start   → the booked time, then the pace checked on the real start times
    still admitted?      → a trip meanwhile: defer
    download             → success closes the breaker and speeds the pace up;
                           a source-class failure trips it (voiding the bookings, halving the
                           pace on the first trip in a row) and defers the job past the pause;
                           any other failure frees the probe and propagates

A deferred job has not failed: the caller puts it back in the queue without counting a try.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import structlog

from app.core.breaker import Admission, Breaker, BreakerState, Wait
from app.core.errors import Deferred
from app.core.failures import FailureClass
from app.core.pacing import Pacer
from workers.slots import DownloadSlots

log = structlog.get_logger("trailarr.worker")
T = TypeVar("T")
Classifier = Callable[[BaseException], FailureClass | None]
HOLD_S = 30.0  # the longest a job waits for its start holding a download slot
LEAD_S = 5.0  # a deferred job comes back this much before its start time


class SourceGate:
    """Breaker, pace and download slots of one source, for one worker."""

    def __init__(
        self,
        source: str,
        breaker: Breaker,
        pacer: Pacer,
        slots: DownloadSlots | None = None,
        *,
        hold_s: float = HOLD_S,
    ) -> None:
        self.source = source
        self.breaker = breaker
        self.pacer = pacer
        self.slots = slots
        self.hold_s = hold_s
        self.lead_s = min(LEAD_S, hold_s / 2)

    async def run(
        self,
        job: str,
        download: Callable[[], Awaitable[T]],
        classify: Classifier,
        *,
        book: bool = True,
    ) -> T:
        """Run `download` for `job` when the source may be asked; raise Deferred when not.

        `book=False` for the job's next candidate after one failed: it goes next, without
        queueing behind every booked job (the pace still holds on the real start times).
        """
        wait = await self.breaker.peek()
        paused = wait.seconds if wait is not None and wait.state is BreakerState.PAUSED else 0.0
        if book:
            delay = await self.pacer.book(job, not_before_s=paused)
            if delay > self.hold_s:
                raise Deferred(delay - self.lead_s, f"{self.source}: waiting for its start time")
        elif wait is not None:
            raise Deferred(wait.seconds, f"{self.source} {wait.state}")
        async with self._slot():
            admission = await self.breaker.admit()
            if isinstance(admission, Wait):
                raise Deferred(admission.seconds, f"{self.source} {admission.state}")
            try:
                await self._wait_for_start(job, admission, book)
            except BaseException:
                await self.breaker.release(admission)
                raise
            return await self._download(admission, download, classify)

    async def _wait_for_start(self, job: str, admission: Admission, book: bool) -> None:
        delay = await self.pacer.book(job) if book else 0.0  # what is left of its booking
        if delay > self.hold_s:
            raise Deferred(delay - self.lead_s, f"{self.source}: waiting for its start time")
        if delay > 0:
            await asyncio.sleep(delay)  # until the start time kept for this job
        while (wait := await self.pacer.start(job)) > 0:  # came late, or others did
            if wait > self.hold_s:
                delay = await self.pacer.book(job, afresh=True)
                raise Deferred(max(delay - self.lead_s, 0.0), f"{self.source}: waiting its turn")
            await asyncio.sleep(wait)
        if not await self.breaker.still_admitted(admission):
            pause = await self.breaker.peek()
            raise Deferred(pause.seconds if pause else 1.0, f"{self.source} tripped meanwhile")

    async def _download(
        self,
        admission: Admission,
        download: Callable[[], Awaitable[T]],
        classify: Classifier,
        *,
        speed_up: bool = True,
    ) -> T:
        renewer = asyncio.create_task(self._renew(admission)) if admission.probe else None
        try:
            result = await download()
        except BaseException as exc:
            failure = classify(exc)
            if failure is None or not failure.trips_breaker:
                await self.breaker.release(admission)
                raise
            trip = await self.breaker.trip(admission, failure, str(exc))
            if trip.counted:
                pace = await self.pacer.tripped(first=trip.trips == 1)
                log.warning("source paused", source=self.source, failure_class=str(failure),
                            pause_s=trip.pause_s, trips=trip.trips,
                            pace_per_hour=round(pace, 1))  # fmt: skip
            reason = f"{self.source} refused the download ({failure})"
            raise Deferred(max(trip.pause_s, 1.0), reason, failure, str(exc)) from exc
        finally:
            if renewer is not None:
                renewer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewer
        if await self.breaker.succeed(admission):
            log.info("source resumed", source=self.source)
        if speed_up:
            await self.pacer.speed_up()
        return result

    async def ask(self, call: Callable[[], Awaitable[T]], classify: Classifier) -> T:
        """A request that is not a download (a search): the breaker only, no pace or slot."""
        admission = await self.breaker.admit()
        if isinstance(admission, Wait):
            raise Deferred(admission.seconds, f"{self.source} {admission.state}")
        return await self._download(admission, call, classify, speed_up=False)

    async def _renew(self, admission: Admission) -> None:
        while True:
            await asyncio.sleep(self.breaker.probe_lease_s / 3)
            await self.breaker.renew(admission)

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        if self.slots is None:
            yield
            return
        async with self.slots.hold():
            yield
