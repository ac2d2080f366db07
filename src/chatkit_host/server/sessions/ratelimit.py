"""``max_requests_per_1_minute`` per session, as a sliding window (a log of request times).

A sliding log refuses exactly the request that would make more than N in any 60 seconds, so a burst that
straddles a minute boundary cannot get 2N through as with a fixed window. Refused requests are not logged,
so a client that keeps retrying is let in again as soon as its oldest request leaves the window.

One process keeps the log in memory. The worker processes of one ``serve --workers N`` share it in a small SQLite
file in the data directory, where one immediate transaction trims, counts and appends, so the workers draw from one
budget without Redis. Replicas on several machines share it in Redis (``--redis``), where one Lua script does the
same atomically.
"""

from __future__ import annotations

import asyncio
import math
import secrets
import sqlite3
import threading
import time
from collections import deque
from pathlib import Path
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


class SQLiteRateLimiter:
    """The same sliding log in a SQLite file, shared by the processes of one machine (``serve --workers``).

    A file of its own, not the main database, so that a request's budget check never waits behind a turn's
    writes. Each hit is one ``BEGIN IMMEDIATE`` transaction on a thread of the default executor: SQLite's lock
    orders the processes, and the event loop never waits for it. ``synchronous=OFF``: a crash may forget the
    last hits of a minute-long window, which costs nothing worth an fsync per request.
    """

    def __init__(self, path: Path, window: float = WINDOW_SECONDS, sweep_every: int = 1000) -> None:
        self.path = path
        self.window = window
        self.sweep_every = sweep_every
        self._local = threading.local()
        self._hits = 0
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._ready = False

    def _prepare(self, conn: sqlite3.Connection) -> None:
        # Once per process, before any hit: switching to WAL needs the file to itself, so several threads (or
        # workers starting together) doing it at once would see "database is locked"; the schema statements are
        # writes. Both are idempotent, and WAL then stays on for every later connection to the file.
        with self._lock:
            if self._ready:
                return
            for attempt in range(50):
                try:
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute("CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, at REAL NOT NULL)")
                    conn.execute("CREATE INDEX IF NOT EXISTS hits_key_at ON hits (key, at)")
                    break
                except sqlite3.OperationalError:
                    if attempt == 49:
                        raise
                    time.sleep(0.05)
            self._ready = True

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA synchronous=OFF")
            self._prepare(conn)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _hit(self, key: str, limit: int, now: float, sweep: bool) -> float:
        conn = self._connection()
        floor = now - self.window
        conn.execute("BEGIN IMMEDIATE")
        try:
            if sweep:
                conn.execute("DELETE FROM hits WHERE at <= ?", (floor,))
            else:
                conn.execute("DELETE FROM hits WHERE key = ? AND at <= ?", (key, floor))
            count, oldest = conn.execute("SELECT count(*), min(at) FROM hits WHERE key = ?", (key,)).fetchone()
            if count >= limit:
                wait = float(oldest) + self.window - now
            else:
                conn.execute("INSERT INTO hits (key, at) VALUES (?, ?)", (key, now))
                wait = 0.0
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return max(wait, 0.0)

    async def hit(self, key: str, limit: int, now: float) -> float:
        self._hits += 1
        sweep = self._hits % self.sweep_every == 0
        return await asyncio.get_running_loop().run_in_executor(None, self._hit, key, limit, now, sweep)

    async def aclose(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()


#: The file, in the data directory, that the worker processes of one machine share their budgets in.
SHARED_FILE_NAME = "ratelimit.db"


def make_rate_limiter(redis_url: str | None, shared_dir: Path | None = None) -> RateLimiter:
    """Redis when configured; else a file in ``shared_dir`` when several processes serve; else in process."""
    if redis_url:
        return RedisRateLimiter(redis_url)
    if shared_dir is not None:
        return SQLiteRateLimiter(shared_dir / SHARED_FILE_NAME)
    return InProcessRateLimiter()


def retry_after_seconds(wait: float) -> int:
    """``Retry-After`` is whole seconds; round up so a client that obeys it is let in."""
    return max(1, math.ceil(wait))
