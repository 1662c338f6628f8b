"""The breaker of a video source (PRODUCT.md section 10), shared by every worker through Redis.

A source that throttles or asks for a bot check trips the breaker: downloads from it pause for
`cooldown`, doubled for each trip in a row up to `max_cooldown`. When a pause ends, exactly one
download goes through as the probe, across all workers; its success closes the breaker and
resets the doubling, its failure trips it again. Other downloads wait (the jobs are deferred).

State is one Redis hash, changed only by Lua scripts, on Redis's clock (hosts' clocks differ):

    trips       trips in a row; 0 = closed
    gen         the generation: +1 on each counted trip
    until       ms: end of the pause
    probe       the token of the download probing now; probe_until: its lease (ms)
    last_class, last_error, tripped_at

Every admitted download carries the generation it was admitted in. A failure from an older
generation was admitted before the latest trip and is already accounted for: several downloads
running when YouTube starts refusing are one trip, not several.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum

from redis.asyncio import Redis

from app.core.keys import BREAKER_PREFIX

PROBE_LEASE_S = 60.0

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

_STATE = (
    _NOW
    + """
local h = redis.call('HMGET', KEYS[1], 'trips', 'gen', 'until', 'probe', 'probe_until')
local trips, gen, pause_end = tonumber(h[1] or 0), tonumber(h[2] or 0), tonumber(h[3] or 0)
local probe, probe_until = h[4], tonumber(h[5] or 0)
if probe and probe_until <= now then probe = false end
"""
)

# ARGV: token, take (1: take the probe when it is free), lease ms, wait ms while another probes
# -> {verdict, gen, wait ms}: 1 go, 2 go as the probe, 0 paused, 3 another download probes
_ADMIT = (
    _STATE
    + """
if trips == 0 then return {1, gen, 0} end
if now < pause_end then return {0, gen, pause_end - now} end
if probe and probe ~= ARGV[1] then
  return {3, gen, math.min(probe_until - now, tonumber(ARGV[4]))}
end
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'probe', ARGV[1], 'probe_until', now + tonumber(ARGV[3]))
end
return {2, gen, 0}
"""
)

# ARGV: token, gen, class, error, cooldown ms, max cooldown ms -> {counted, trips, pause ms}
_TRIP = (
    _STATE
    + """
redis.call('HSET', KEYS[1], 'last_class', ARGV[3], 'last_error', ARGV[4])
local stale = tonumber(ARGV[2]) ~= gen or (trips > 0 and probe ~= ARGV[1])
if stale then return {0, trips, math.max(pause_end - now, 0)} end
trips = trips + 1
local pause = math.min(tonumber(ARGV[5]) * 2 ^ (trips - 1), tonumber(ARGV[6]))
redis.call('HSET', KEYS[1], 'trips', trips, 'gen', gen + 1, 'until', now + pause,
           'tripped_at', now)
redis.call('HDEL', KEYS[1], 'probe', 'probe_until')
return {1, trips, pause}
"""
)

# ARGV: token, gen -> 1 when this success closed the breaker
_SUCCEED = (
    _STATE
    + """
if trips == 0 or tonumber(ARGV[2]) ~= gen then return 0 end
redis.call('HSET', KEYS[1], 'trips', 0)
redis.call('HDEL', KEYS[1], 'until', 'probe', 'probe_until')
return 1
"""
)

# ARGV: token -> 1 when this token held the probe and gave it up
_RELEASE = """
if redis.call('HGET', KEYS[1], 'probe') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'probe', 'probe_until')
return 1
"""

# ARGV: token, lease ms -> 1 while this token holds the probe
_RENEW = (
    _NOW
    + """
if redis.call('HGET', KEYS[1], 'probe') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'probe_until', now + tonumber(ARGV[2]))
return 1
"""
)


class BreakerState(StrEnum):
    """What `/api/status` shows of a source."""

    OK = "ok"
    PAUSED = "paused"
    PROBING = "probing"


@dataclass(frozen=True, slots=True)
class Admission:
    """A download let through: its token, the generation it belongs to, whether it probes."""

    token: str
    gen: int
    probe: bool


@dataclass(frozen=True, slots=True)
class Wait:
    """Not now: try again in `seconds`."""

    seconds: float
    state: BreakerState


@dataclass(frozen=True, slots=True)
class Trip:
    """What a source-class failure did: `counted` is false when it was already accounted for."""

    counted: bool
    trips: int
    pause_s: float


@dataclass(frozen=True, slots=True)
class BreakerStatus:
    """A source's breaker as the status page and `/api/status` show it."""

    state: BreakerState
    until: float | None  # unix time the pause ends
    trips: int
    last_class: str | None
    last_error: str | None


class Breaker:
    """One source's breaker in Redis."""

    def __init__(
        self,
        redis: Redis,
        source: str,
        cooldown_s: float,
        max_cooldown_s: float,
        probe_lease_s: float = PROBE_LEASE_S,
    ) -> None:
        self.redis = redis
        self.key = BREAKER_PREFIX + source
        self.cooldown_s = cooldown_s
        self.max_cooldown_s = max(max_cooldown_s, cooldown_s)
        self.probe_lease_s = probe_lease_s
        self._admit = redis.register_script(_ADMIT)
        self._trip = redis.register_script(_TRIP)
        self._succeed = redis.register_script(_SUCCEED)
        self._release = redis.register_script(_RELEASE)
        self._renew = redis.register_script(_RENEW)

    async def admit(self) -> Admission | Wait:
        """Let a download through now (as the probe, when a pause has ended), or say how long
        to wait."""
        token = secrets.token_hex(8)
        verdict, gen, wait_ms = await self._run_admit(token, take_probe=True)
        if verdict in (0, 3):
            return Wait(wait_ms / 1000, _WAITING[verdict])
        return Admission(token, gen, probe=verdict == 2)

    async def peek(self) -> Wait | None:
        """How long a download would have to wait now (None: it may go), taking nothing."""
        verdict, _, wait_ms = await self._run_admit("", take_probe=False)
        return Wait(wait_ms / 1000, _WAITING[verdict]) if verdict in (0, 3) else None

    async def _run_admit(self, token: str, *, take_probe: bool) -> tuple[int, int, int]:
        args: list[str | int] = [
            token,
            int(take_probe),
            _ms(self.probe_lease_s),
            _ms(self.cooldown_s),
        ]
        verdict, gen, wait_ms = await self._admit(keys=[self.key], args=args)
        return int(verdict), int(gen), int(wait_ms)

    async def still_admitted(self, admission: Admission) -> bool:
        """Whether `admission` still holds: no trip since (and, for the probe, its lease)."""
        gen, probe = await self.redis.hmget(self.key, ["gen", "probe"])  # type: ignore[misc]
        if int(gen or 0) != admission.gen:
            return False
        return not admission.probe or _text(probe) == admission.token

    async def trip(self, admission: Admission, failure_class: str, error: str) -> Trip:
        """A source-class failure of `admission`'s download: pause (or note it, if stale)."""
        args: list[str | int] = [
            admission.token,
            admission.gen,
            failure_class,
            error[:500],
            _ms(self.cooldown_s),
            _ms(self.max_cooldown_s),
        ]
        counted, trips, pause_ms = await self._trip(keys=[self.key], args=args)
        return Trip(bool(counted), int(trips), int(pause_ms) / 1000)

    async def succeed(self, admission: Admission) -> bool:
        """`admission`'s download worked; True when that closed the breaker."""
        args: list[str | int] = [admission.token, admission.gen]
        return bool(await self._succeed(keys=[self.key], args=args))

    async def release(self, admission: Admission) -> None:
        """The download ended without a verdict on the source: free the probe for another."""
        if admission.probe:
            await self._release(keys=[self.key], args=[admission.token])

    async def renew(self, admission: Admission) -> bool:
        """Extend the probe's lease while it downloads; False once it is no longer the probe."""
        args: list[str | int] = [admission.token, _ms(self.probe_lease_s)]
        return bool(await self._renew(keys=[self.key], args=args))

    async def status(self) -> BreakerStatus:
        """The breaker as users see it."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hmget(self.key, ["trips", "until", "last_class", "last_error"])
            pipe.time()
            values, (now_s, now_us) = await pipe.execute()
        trips, until_ms = int(values[0] or 0), int(values[1] or 0)
        now_ms = now_s * 1000 + now_us // 1000
        if trips == 0:
            state = BreakerState.OK
        elif now_ms < until_ms:
            state = BreakerState.PAUSED
        else:
            state = BreakerState.PROBING
        until = until_ms / 1000 if trips and until_ms else None
        return BreakerStatus(state, until, trips, _text(values[2]), _text(values[3]))


_WAITING = {0: BreakerState.PAUSED, 3: BreakerState.PROBING}


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def _text(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    return value.decode(errors="replace") if isinstance(value, bytes) else value
