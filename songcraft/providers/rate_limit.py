"""A sliding-window request limiter for providers that cap calls per account, shared by every worker.

Suno allows 20 requests per 10 s for the whole account, however many workers send them. With
Redis the window is one sorted set that all processes share (a Lua script checks and records a
request atomically, on Redis's own clock, so machines with drifting clocks agree). Without Redis
(embedded mode: one machine, one worker process) an in-process window does the same job.

`acquire()` blocks until the window has room; if that would take longer than `max_wait` it
raises TransientProviderError, so the task retries later instead of hanging.
"""
from __future__ import annotations

import collections
import threading
import time
import uuid
from typing import Protocol

import redis

from songcraft.providers.errors import TransientProviderError

# KEYS[1]: the window; ARGV: window (ms), limit, a unique member. Returns 0 when the request may go,
# else how many ms until the oldest request in the window leaves it.
_ACQUIRE = """
local now_s, now_us = unpack(redis.call('TIME'))
local now = tonumber(now_s) * 1000 + math.floor(tonumber(now_us) / 1000)
local window, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
return math.max(1, oldest + window - now)
"""


class RateLimiter(Protocol):
    def acquire(self) -> None:
        """Return once one more request fits in the window; raise TransientProviderError after `max_wait`."""
        ...


class _Window:
    """The waiting loop both limiters share; subclasses answer "how long until a slot, or 0 if taken"."""

    def __init__(self, service: str, limit: int, window_seconds: float, max_wait: float) -> None:
        self.service, self.limit, self.window_seconds, self.max_wait = service, limit, window_seconds, max_wait

    def acquire(self) -> None:
        deadline = time.monotonic() + self.max_wait
        while (wait := self._try_take()) > 0:
            if time.monotonic() + wait > deadline:
                raise TransientProviderError(
                    f"Too many requests to {self.service} are waiting (its limit is {self.limit} per {self.window_seconds:g} s)."
                )
            time.sleep(wait)

    def _try_take(self) -> float:
        raise NotImplementedError


class RedisRateLimiter(_Window):
    def __init__(self, client: redis.Redis, key: str, service: str, limit: int, window_seconds: float,
                 max_wait: float = 30.0) -> None:
        super().__init__(service, limit, window_seconds, max_wait)
        self._key = key
        self._script = client.register_script(_ACQUIRE)

    def _try_take(self) -> float:
        try:
            wait_ms = self._script(keys=[self._key], args=[int(self.window_seconds * 1000), self.limit, uuid.uuid4().hex])
        except redis.RedisError as error:
            raise TransientProviderError(f"Could not reserve a request to {self.service}: Redis is unreachable.") from error
        return int(wait_ms) / 1000


class LocalRateLimiter(_Window):
    """The same window inside one process (embedded mode, where there is no Redis to share it through)."""

    def __init__(self, service: str, limit: int, window_seconds: float, max_wait: float = 30.0) -> None:
        super().__init__(service, limit, window_seconds, max_wait)
        self._sent: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def _try_take(self) -> float:
        with self._lock:
            now = time.monotonic()
            while self._sent and self._sent[0] <= now - self.window_seconds:
                self._sent.popleft()
            if len(self._sent) < self.limit:
                self._sent.append(now)
                return 0
            return self._sent[0] + self.window_seconds - now


def rate_limiter(client: redis.Redis | None, key: str, service: str, limit: int, window_seconds: float,
                 max_wait: float = 30.0) -> RateLimiter:
    """Shared through Redis when there is one, else local to this process."""
    if client is None:
        return LocalRateLimiter(service, limit, window_seconds, max_wait)
    return RedisRateLimiter(client, key, service, limit, window_seconds, max_wait)
