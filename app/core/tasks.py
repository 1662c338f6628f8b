"""A background task that is started once and, on stop, cancelled and waited for."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any

import structlog

log = structlog.get_logger("trailarr.tasks")


class Background:
    """One named background task (a loop that runs until cancelled, or a one-off job)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.task: asyncio.Task[Any] | None = None

    @property
    def running(self) -> bool:
        """Whether the task was started and has not ended."""
        return self.task is not None and not self.task.done()

    def start(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run `coro` in the background."""
        self.task = asyncio.create_task(coro, name=self.name)

    async def stop(self) -> None:
        """Cancel the task and wait until it has ended; idempotent.

        An error the task ended with is logged, not raised: stopping must go on to the next thing.
        """
        task, self.task = self.task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            try:
                await task
            except Exception:
                log.exception("background task failed", task=self.name)
