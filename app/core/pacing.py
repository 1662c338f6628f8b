"""The pace of downloads from a video source (PRODUCT.md section 10), across every worker and host.

Downloads start at least `min_interval` apart and at most `max_per_hour` in any hour. A caller
reserves its start time in Redis (a Lua script, on Redis's clock) and sleeps until then, so the
spacing holds however many workers ask at once. A reservation further ahead than `max_wait` is
not made: the job is deferred instead of holding a download slot that long.

After a trip the pace is halved and downloads are spread evenly at that pace (bursts at
`min_interval` are what tripped it). Successes bring it back: quickly to 80 % of the pace that
tripped, then by 1/1024 per success, so it settles just under what the source tolerates instead
of tripping it again and again. Idle for two windows, the source has forgotten us: so does the
pace.

Keys: `<prefix><source>:starts`, a sorted set of reserved start times (ms) in the last window;
`<prefix><source>`, a hash of `last` (the latest reserved start), `pace` and `ceiling` (per window).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

PACE_PREFIX = "trailarr:pace:"
HOUR_S = 3600.0
RECOVER_TO = 0.8  # of the pace that tripped, quickly
FAST_STEP = 0.25  # per success below that
SLOW_STEP = 1 / 1024  # per success above it
MIN_PACE = 1.0  # per window

# KEYS: starts, state. ARGV: token, min interval ms, limit per window, window ms, max wait ms
# -> {granted, delay ms, pace}
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
local window, max_wait = tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local pace = tonumber(redis.call('HGET', KEYS[2], 'pace'))
if not pace or pace >= limit then
  pace = limit
else
  interval = math.max(interval, math.ceil(window / pace))
end
local start = now
local last = tonumber(redis.call('HGET', KEYS[2], 'last'))
if last then start = math.max(start, last + interval) end
local n = redis.call('ZCARD', KEYS[1])
if n >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
  start = math.max(start, tonumber(oldest[2]) + window)
end
local delay = start - now
if delay > math.max(max_wait, interval) then return {0, delay, tostring(pace)} end
redis.call('ZADD', KEYS[1], start, ARGV[1])
redis.call('HSET', KEYS[2], 'last', start)
redis.call('PEXPIRE', KEYS[1], 2 * window)
redis.call('PEXPIRE', KEYS[2], 2 * window)
return {1, delay, tostring(pace)}
"""

# KEYS: state. ARGV: limit per window, window ms, min pace -> the new pace
_SLOW_DOWN = """
local limit = tonumber(ARGV[1])
local pace = math.min(tonumber(redis.call('HGET', KEYS[1], 'pace')) or limit, limit)
local slower = math.max(pace / 2, tonumber(ARGV[3]))
redis.call('HSET', KEYS[1], 'pace', tostring(slower), 'ceiling', tostring(pace))
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))
return tostring(slower)
"""

# KEYS: state. ARGV: limit per window, recover-to fraction, fast step, slow step -> the new pace
_SPEED_UP = """
local limit = tonumber(ARGV[1])
local pace = tonumber(redis.call('HGET', KEYS[1], 'pace'))
if not pace or pace >= limit then return tostring(limit) end
local quick = (tonumber(redis.call('HGET', KEYS[1], 'ceiling')) or limit) * tonumber(ARGV[2])
if pace * (1 + 1e-9) < quick then  -- tostring() rounds: reaching quick must end this phase
  pace = math.min(quick, pace * (1 + tonumber(ARGV[3])))
else
  pace = pace * (1 + tonumber(ARGV[4]))
end
if pace >= limit then
  redis.call('HDEL', KEYS[1], 'pace', 'ceiling')
  return tostring(limit)
end
redis.call('HSET', KEYS[1], 'pace', tostring(pace))
return tostring(pace)
"""


@dataclass(frozen=True, slots=True)
class Reservation:
    """A start time: `granted` ones begin after `delay_s`; others may ask again then."""

    granted: bool
    delay_s: float
    pace_per_hour: float


class Pacer:
    """One source's pace in Redis."""

    def __init__(
        self,
        redis: Redis,
        source: str,
        min_interval_s: float,
        max_per_hour: int,
        *,
        window_s: float = HOUR_S,
        max_wait_s: float = 30.0,
    ) -> None:
        if max_per_hour < 1:
            raise ValueError("max_per_hour must be at least 1")
        self.redis = redis
        self.starts_key = f"{PACE_PREFIX}{source}:starts"
        self.state_key = PACE_PREFIX + source
        self.min_interval_s = min_interval_s
        self.limit = max_per_hour  # per window: an hour, except in benchmarks that speed time up
        self.window_s = window_s
        self.max_wait_s = max_wait_s
        self._reserve = redis.register_script(_RESERVE)
        self._slow_down = redis.register_script(_SLOW_DOWN)
        self._speed_up = redis.register_script(_SPEED_UP)

    async def reserve(self) -> Reservation:
        """Reserve the next start time, unless it is more than `max_wait_s` away."""
        args: list[str | int] = [
            secrets.token_hex(8),
            _ms(self.min_interval_s),
            self.limit,
            _ms(self.window_s),
            _ms(self.max_wait_s),
        ]
        granted, delay_ms, pace = await self._reserve(
            keys=[self.starts_key, self.state_key], args=args
        )
        return Reservation(bool(granted), int(delay_ms) / 1000, self._per_hour(pace))

    async def slow_down(self) -> float:
        """A trip: halve the pace; the new pace per hour."""
        args: list[str | int | float] = [self.limit, _ms(self.window_s), MIN_PACE]
        return self._per_hour(await self._slow_down(keys=[self.state_key], args=args))

    async def speed_up(self) -> float:
        """A success: let the pace grow back; the new pace per hour."""
        args: list[str | int | float] = [self.limit, RECOVER_TO, FAST_STEP, SLOW_STEP]
        return self._per_hour(await self._speed_up(keys=[self.state_key], args=args))

    async def pace_per_hour(self) -> float:
        """The current pace: `max_per_hour`, or less after a trip."""
        pace = await self.redis.hget(self.state_key, "pace")  # type: ignore[misc]
        return self._per_hour(pace) if pace is not None else self._per_hour(self.limit)

    def _per_hour(self, pace: bytes | str | int | float) -> float:
        value = float(pace.decode() if isinstance(pace, bytes) else pace)
        return min(value, self.limit) * HOUR_S / self.window_s


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))
