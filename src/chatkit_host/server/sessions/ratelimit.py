"""``max_requests_per_1_minute`` per session, as a sliding window (a log of request times).

A sliding log refuses exactly the request that would make more than N in any 60 seconds, so a burst that
straddles a minute boundary cannot get 2N through as with a fixed window. Refused requests are not logged,
so a client that keeps retrying is let in again as soon as its oldest request leaves the window.

One process keeps the log in memory. Several processes share it in Redis (``--redis``), where one Lua script
trims, counts and appends atomically, so replicas draw from one budget.
"""

from __future__ import annotations

import math
import secrets
from collections import deque
from typing import Protocol

from redis.asyncio import Redis

WINDOW_SECONDS = 60.0


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, now: float) -> float:
        """Record one request; return 0 when allowed, else the seconds until one would be."""
        ...

    async def aclose(self) -> None: ...


class InProcessRateLimiter:
    """Sliding logs in a dict; idle logs are dropped as the dict grows, so memory stays bounded."""

    def __init__(self, window: float = WINDOW_SECONDS, sweep_at: int = 10_000) -> None:
        self.window = window
        self.sweep_at = sweep_at
        self._logs: dict[str, deque[float]] = {}

    async def hit(self, key: str, limit: int, now: float) -> float:
        log = self._logs.get(key)
        if log is None:
            if len(self._logs) >= self.sweep_at:
                self._sweep(now)
            log = self._logs[key] = deque()
        floor = now - self.window
        while log and log[0] <= floor:
            log.popleft()
        if len(log) >= limit:
            return log[0] + self.window - now
        log.append(now)
        return 0.0

    def _sweep(self, now: float) -> None:
        floor = now - self.window
        for key in [k for k, log in self._logs.items() if not log or log[-1] <= floor]:
            del self._logs[key]

    async def aclose(self) -> None:
        self._logs.clear()


_SLIDING_LOG = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, math.ceil(window * 1000))
  return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""


class RedisRateLimiter:
    """The same sliding log as a sorted set per session, shared by every replica using this Redis."""

    def __init__(self, url: str, window: float = WINDOW_SECONDS, prefix: str = "chatkit-host:rl:") -> None:
        self.window = window
        self.prefix = prefix
        self._redis: Redis = Redis.from_url(url)
        self._script = self._redis.register_script(_SLIDING_LOG)

    async def hit(self, key: str, limit: int, now: float) -> float:
        # The member must be unique even for two requests in the same microsecond on two replicas.
        member = f"{now:.6f}:{secrets.token_hex(4)}"
        result = await self._script(keys=[self.prefix + key], args=[now, self.window, limit, member])
        wait = float(result.decode() if isinstance(result, bytes) else result)
        return max(wait, 0.0)

    async def aclose(self) -> None:
        await self._redis.aclose()


def make_rate_limiter(redis_url: str | None) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else InProcessRateLimiter()


def retry_after_seconds(wait: float) -> int:
    """``Retry-After`` is whole seconds; round up so a client that obeys it is let in."""
    return max(1, math.ceil(wait))
