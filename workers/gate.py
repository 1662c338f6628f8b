"""The gate every download from a shared video source goes through: breaker, slot, pace.

    peek at the breaker  → paused or another download probing: defer the job
    hold a download slot (trailers.concurrency across all workers)
    admit                → maybe as the probe that ends a pause
    reserve a start time → too far ahead: defer; else sleep until it
    still admitted?      → a trip meanwhile: defer
    download             → success closes the breaker and speeds the pace up;
                           a source-class failure trips it (halving the pace on the first trip
                           in a row) and defers the job until the pause ends;
                           any other failure frees the probe and propagates

A deferred job has not failed: the caller puts it back in the queue without counting a try.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import structlog

from app.core.breaker import Admission, Breaker, Wait
from app.core.errors import TransientError
from app.core.failures import FailureClass
from app.core.pacing import Pacer
from workers.slots import DownloadSlots

log = structlog.get_logger("trailarr.worker")
T = TypeVar("T")
Classifier = Callable[[BaseException], FailureClass | None]


class Deferred(TransientError):
    """The source is not to be asked now: try again in `seconds`. Not a failure.

    `failure_class` and `error` say what happened when this download itself was refused.
    """

    def __init__(
        self,
        seconds: float,
        reason: str,
        failure_class: FailureClass | None = None,
        error: str = "",
    ) -> None:
        super().__init__(f"{reason}; again in {seconds:.1f} s")
        self.seconds = seconds
        self.reason = reason
        self.failure_class = failure_class
        self.error = error


class SourceGate:
    """Breaker, download slots and pace of one source, for one worker."""

    def __init__(
        self, source: str, breaker: Breaker, pacer: Pacer, slots: DownloadSlots | None = None
    ) -> None:
        self.source = source
        self.breaker = breaker
        self.pacer = pacer
        self.slots = slots

    async def run(self, download: Callable[[], Awaitable[T]], classify: Classifier) -> T:
        """Run `download` when the source may be asked; raise Deferred when it may not."""
        wait = await self.breaker.peek()
        if wait is not None:
            raise self._deferred(wait)
        async with self._slot():
            admission = await self.breaker.admit()
            if isinstance(admission, Wait):
                raise self._deferred(admission)
            try:
                await self._wait_for_start(admission)
            except BaseException:
                await self.breaker.release(admission)
                raise
            return await self._download(admission, download, classify)

    async def _wait_for_start(self, admission: Admission) -> None:
        reservation = await self.pacer.reserve()
        if not reservation.granted:
            reason = f"{self.source} pace ({reservation.pace_per_hour:.0f}/h)"
            raise Deferred(reservation.delay_s, reason)
        if reservation.delay_s > 0:
            await asyncio.sleep(reservation.delay_s)  # until the start time reserved for us
        if not await self.breaker.still_admitted(admission):
            wait = await self.breaker.peek()
            raise Deferred(wait.seconds if wait else 1.0, f"{self.source} tripped meanwhile")

    async def _download(
        self, admission: Admission, download: Callable[[], Awaitable[T]], classify: Classifier
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
            if trip.counted and trip.trips == 1:
                pace = await self.pacer.slow_down()
                log.warning("source paused", source=self.source, failure_class=str(failure),
                            pause_s=trip.pause_s, pace_per_hour=round(pace, 1))  # fmt: skip
            reason = f"{self.source} refused the download ({failure})"
            raise Deferred(max(trip.pause_s, 1.0), reason, failure, str(exc)) from exc
        finally:
            if renewer is not None:
                renewer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewer
        if await self.breaker.succeed(admission):
            log.info("source resumed", source=self.source)
        await self.pacer.speed_up()
        return result

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

    def _deferred(self, wait: Wait) -> Deferred:
        return Deferred(wait.seconds, f"{self.source} {wait.state}")
