"""The pace of downloads from a video source (PRODUCT.md section 10), across every worker and host.

Downloads start at least `min_interval` apart and at most `max_per_hour` in any hour.

A job that wants to download first books a start time (`book`): the next free time at the pace,
kept under the job's name, so a job deferred until then finds its place when it comes back. A
backlog of thousands of jobs is thus spread over the hours it needs, each job running about
twice, instead of all of them waking together and asking again. At the booked time `start`
checks the rule on the real start times and records the start; a job back too late for its
time (others started meanwhile) books afresh at the end of the line.

Every trip (`tripped`) voids the bookings: the jobs book again when they come back. The first
trip in a row also halves the pace, and the downloads are then spread evenly at that pace
(bursts at `min_interval` are what tripped it). Successes (`speed_up`) bring the pace back quickly
to 80 % of the pace that tripped, then by 1/1024 per success, so it settles just under what the
source tolerates instead of tripping it again and again. Idle for two windows, the source has
forgotten us: so does the pace.

All in Lua on Redis's clock. Keys, for a source: `<prefix><source>` (hash: `last` actual start,
`planned` latest booking, `pace`, `ceiling`), `:starts` and `:plan` (sorted sets of actual and
booked start times, ms), `:booked` (hash: job → its booked start).
"""

from __future__ import annotations

import secrets

from redis.asyncio import Redis

from app.core.keys import PACE_PREFIX

HOUR_S = 3600.0
RECOVER_TO = 0.8  # of the pace that tripped, quickly
FAST_STEP = 0.25  # per success below that
SLOW_STEP = 1 / 1024  # per success above it
MIN_PACE = 1.0  # per window

_SETUP = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval, limit, window = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local pace = tonumber(redis.call('HGET', KEYS[1], 'pace'))
if pace and pace < limit then interval = math.max(interval, math.ceil(window / pace)) end
-- the earliest time at or after `after` that keeps `times` (a sorted set) within the rule
local function earliest(times, last, after)
  redis.call('ZREMRANGEBYSCORE', times, '-inf', now - window)
  local at = after
  if last then at = math.max(at, last + interval) end
  local n = redis.call('ZCARD', times)
  if n >= limit then
    local oldest = redis.call('ZRANGE', times, n - limit, n - limit, 'WITHSCORES')
    at = math.max(at, tonumber(oldest[2]) + window)
  end
  return at
end
local function keep(at)
  local ttl = math.max(at - now, 0) + 2 * window
  for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ttl) end
end
"""

# KEYS: state, plan, booked. ARGV: job, min interval ms, limit, window ms, not before (ms ahead),
# afresh (1: replace its booking) -> ms until its start
_BOOK = (
    _SETUP
    + """
local booked = tonumber(redis.call('HGET', KEYS[3], ARGV[1]))
if booked and ARGV[6] == '1' then  -- it came too late for its time: a new place in line
  redis.call('ZREM', KEYS[2], ARGV[1] .. '@' .. booked)
elseif booked then
  return math.max(booked - now, 0)
end
local planned = tonumber(redis.call('HGET', KEYS[1], 'planned'))
local at = earliest(KEYS[2], planned, now + tonumber(ARGV[5]))
redis.call('ZADD', KEYS[2], at, ARGV[1] .. '@' .. at)
redis.call('HSET', KEYS[3], ARGV[1], at)
redis.call('HSET', KEYS[1], 'planned', at)
keep(at)
return at - now
"""
)

# KEYS: state, starts, booked. ARGV: job, min interval ms, limit, window ms, nonce
# -> 0 when started now, else ms to wait
_START = (
    _SETUP
    + """
local at = earliest(KEYS[2], tonumber(redis.call('HGET', KEYS[1], 'last')), now)
if at > now then return at - now end
redis.call('ZADD', KEYS[2], now, ARGV[5])
redis.call('HSET', KEYS[1], 'last', now)
redis.call('HDEL', KEYS[3], ARGV[1])
keep(now)
return 0
"""
)

# KEYS: state, plan, booked, starts. ARGV: limit, min pace, halve (1/0) -> the pace (per window)
_TRIPPED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local pace = math.min(tonumber(redis.call('HGET', KEYS[1], 'pace')) or limit, limit)
if ARGV[3] == '1' then
  local slower = math.max(pace / 2, tonumber(ARGV[2]))
  redis.call('HSET', KEYS[1], 'pace', tostring(slower), 'ceiling', tostring(pace))
  pace = slower
end
-- plan again from what really started: bookings not yet used are void
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('ZUNIONSTORE', KEYS[2], 1, KEYS[4])
local last = tonumber(redis.call('HGET', KEYS[1], 'last'))
if last then
  redis.call('HSET', KEYS[1], 'planned', last)
else
  redis.call('HDEL', KEYS[1], 'planned')
end
return tostring(pace)
"""

# KEYS: state. ARGV: limit, recover-to fraction, fast step, slow step -> the new pace
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
    ) -> None:
        if max_per_hour < 1:
            raise ValueError("max_per_hour must be at least 1")
        self.redis = redis
        self.state_key = PACE_PREFIX + source
        self.starts_key = f"{PACE_PREFIX}{source}:starts"
        self.plan_key = f"{PACE_PREFIX}{source}:plan"
        self.booked_key = f"{PACE_PREFIX}{source}:booked"
        self.min_interval_s = min_interval_s
        self.limit = max_per_hour  # per window: an hour, except in benchmarks that speed time up
        self.window_s = window_s
        self._book = redis.register_script(_BOOK)
        self._start = redis.register_script(_START)
        self._tripped = redis.register_script(_TRIPPED)
        self._speed_up = redis.register_script(_SPEED_UP)

    def _rule(self, job: str) -> list[str | int]:
        return [job, _ms(self.min_interval_s), self.limit, _ms(self.window_s)]

    async def book(self, job: str, not_before_s: float = 0.0, *, afresh: bool = False) -> float:
        """Seconds until `job`'s start time, booked now (`not_before_s` from now at the
        earliest) unless it holds a booking already; `afresh` replaces a booking it came back
        too late for (others started meanwhile), so late jobs queue instead of all asking."""
        keys = [self.state_key, self.plan_key, self.booked_key]
        args = [*self._rule(job), _ms(not_before_s), int(afresh)]
        return int(await self._book(keys=keys, args=args)) / 1000

    async def start(self, job: str) -> float:
        """Start `job`'s download now if the rule allows (0.0), else the seconds to wait."""
        keys = [self.state_key, self.starts_key, self.booked_key]
        args = [*self._rule(job), f"{job}@{secrets.token_hex(4)}"]
        return int(await self._start(keys=keys, args=args)) / 1000

    async def tripped(self, *, first: bool) -> float:
        """A trip: void the bookings (the jobs book again when they come back) and, on the
        first trip in a row, halve the pace. The pace per hour."""
        keys = [self.state_key, self.plan_key, self.booked_key, self.starts_key]
        args: list[str | int | float] = [self.limit, MIN_PACE, int(first)]
        return self._per_hour(await self._tripped(keys=keys, args=args))

    async def speed_up(self) -> float:
        """A success: let the pace grow back; the new pace per hour."""
        args: list[str | int | float] = [self.limit, RECOVER_TO, FAST_STEP, SLOW_STEP]
        return self._per_hour(await self._speed_up(keys=[self.state_key], args=args))

    async def pace_per_hour(self) -> float:
        """The current pace: `max_per_hour`, or less after a trip."""
        pace = await self.redis.hget(self.state_key, "pace")  # type: ignore[misc]
        return self._per_hour(pace if pace is not None else self.limit)

    def _per_hour(self, pace: bytes | str | int | float) -> float:
        value = float(pace.decode() if isinstance(pace, bytes) else pace)
        return min(value, self.limit) * HOUR_S / self.window_s


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))
