"""Every Redis key Trailarr reads or writes, in one place.

Trailarr's own keys start with `trailarr:`; arq's (the queue, job payloads, in-progress markers,
the worker heartbeat) are arq's names, repeated here so that one file lists all there is.

| key | type | written by | read by |
|---|---|---|---|
| `arq:queue` | sorted set of job ids | coordinator, reconcile | workers, status |
| `arq:job:<job id>` | job payload (JSON) | coordinator, reconcile | workers |
| `arq:in-progress:<job id>` | marker | workers | status |
| `arq:result:<job id>` | none kept (`keep_result=0`); checked on enqueue | arq | coordinator |
| `arq:retry:<job id>` | arq's count of tries | arq | arq |
| `arq:queue:health-check` | worker heartbeat | workers | `/ready`, status |
| `trailarr:latest-event:<job id>` | newest event id a job covers | coordinator | workers |
| `trailarr:outcomes` | stream of job outcomes (group `coordinator`) | workers | coordinator |
| `trailarr:coordinator-alive` | gone after Redis lost its data | coordinator | coordinator |
| `trailarr:failures:<job id>` | transient failures of a job so far | workers | workers |
| `trailarr:download-slots` | sorted set of slot leases | workers | workers |
| `trailarr:breaker:youtube` | YouTube's breaker (hash) | workers | workers, status |
| `trailarr:pace:youtube`, `…:starts`, `…:plan`, `…:booked` | YouTube's pace | workers | status |
| `trailarr:attempts:<job id>` | what a deferred job's candidates gave so far | workers | workers |
| `trailarr:reconcile:lock` | token of the pass that holds the lock | reconcile | reconcile |
"""

from __future__ import annotations

from arq.constants import default_queue_name as QUEUE
from arq.constants import health_check_key_suffix as HEALTH_CHECK_SUFFIX
from arq.constants import in_progress_key_prefix as IN_PROGRESS_PREFIX
from arq.constants import job_key_prefix as JOB_PREFIX
from arq.constants import result_key_prefix as RESULT_PREFIX

__all__ = [
    "ALIVE_KEY",
    "ATTEMPTS_PREFIX",
    "BREAKER_PREFIX",
    "FAILURES_PREFIX",
    "HEALTH_CHECK_SUFFIX",
    "IN_PROGRESS_PREFIX",
    "JOB_PREFIX",
    "LATEST_EVENT_PREFIX",
    "OUTCOME_GROUP",
    "OUTCOME_STREAM",
    "PACE_PREFIX",
    "QUEUE",
    "RECONCILE_LOCK_KEY",
    "RESULT_PREFIX",
    "SLOTS_KEY",
]

LATEST_EVENT_PREFIX = "trailarr:latest-event:"
OUTCOME_STREAM = "trailarr:outcomes"
OUTCOME_GROUP = "coordinator"
ALIVE_KEY = "trailarr:coordinator-alive"
FAILURES_PREFIX = "trailarr:failures:"
SLOTS_KEY = "trailarr:download-slots"
BREAKER_PREFIX = "trailarr:breaker:"
PACE_PREFIX = "trailarr:pace:"
ATTEMPTS_PREFIX = "trailarr:attempts:"
RECONCILE_LOCK_KEY = "trailarr:reconcile:lock"
