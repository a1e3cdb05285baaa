"""The provider rate limiter: one window shared through Redis by every worker, or a local one in embedded mode.

Suno's documented limit is 20 requests per 10 s per account; these tests shrink the window
(and the strict fake's, which refuses excess calls with code 430) so they run in a second.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from songcraft.providers.audio.base import AudioRequest
from songcraft.providers.audio.suno import SunoAudioProvider
from songcraft.providers.errors import TransientProviderError
from songcraft.providers.rate_limit import LocalRateLimiter, RedisRateLimiter, rate_limiter
from tests.fakes.suno_server import CREDIT_PATH, FakeSuno

LIMIT, WINDOW = 4, 0.5
REQUEST = AudioRequest(title="Calm", lyrics=None, genre="lo-fi", mood="calm", instrumental=True)


@pytest.fixture
def redis_url(services, app_env):
    if not services["redis"]:
        pytest.skip("needs Redis (REDIS_URL)")
    url = app_env["REDIS_URL"]
    redis.Redis.from_url(url).delete("songcraft:ratelimit:test")
    return url


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max((sum(1 for other in times[index:] if other < start + window) for index, start in enumerate(times)), default=0)


def acquire_times(limiters, calls_each: int) -> list[float]:
    """Each limiter (a 'worker') acquires `calls_each` times on its own thread; returns when each call went."""
    times: list[float] = []
    lock = threading.Lock()

    def work(limiter):
        for _ in range(calls_each):
            limiter.acquire()
            with lock:
                times.append(time.monotonic())

    with ThreadPoolExecutor(len(limiters)) as pool:
        list(pool.map(work, limiters))
    return times


def test_workers_sharing_redis_never_exceed_the_window_together(redis_url):
    workers = [RedisRateLimiter(redis.Redis.from_url(redis_url), "songcraft:ratelimit:test", "Suno", LIMIT, WINDOW)
               for _ in range(3)]  # each with its own connection, like separate processes

    times = acquire_times(workers, calls_each=4)

    assert len(times) == 12
    assert most_in_any_window(times, WINDOW * 0.98) <= LIMIT  # a hair under the window, for clock granularity
    assert max(times) - min(times) >= 2 * WINDOW * 0.9  # 12 calls at 4 per window need at least two more windows


def test_separate_local_windows_do_not_hold_a_shared_limit():
    """The control for the test above: without a shared window, three workers send three times the limit."""
    workers = [LocalRateLimiter("Suno", LIMIT, WINDOW) for _ in range(3)]

    times = acquire_times(workers, calls_each=4)

    assert most_in_any_window(times, WINDOW) > LIMIT


def test_a_local_window_holds_the_limit_across_threads():
    limiter = LocalRateLimiter("Suno", LIMIT, WINDOW)

    times = acquire_times([limiter] * 3, calls_each=4)

    assert most_in_any_window(times, WINDOW * 0.98) <= LIMIT


@pytest.mark.parametrize("shared", [True, False], ids=["redis", "local"])
def test_waiting_longer_than_max_wait_is_transient(redis_url, shared):
    client = redis.Redis.from_url(redis_url) if shared else None
    limiter = rate_limiter(client, "songcraft:ratelimit:test", "Suno", limit=1, window_seconds=30, max_wait=0.2)
    limiter.acquire()

    with pytest.raises(TransientProviderError, match="limit is 1 per 30 s"):
        limiter.acquire()


def test_redis_unreachable_is_transient():
    limiter = RedisRateLimiter(redis.Redis(port=1, socket_connect_timeout=0.2), "k", "Suno", 1, 1.0)

    with pytest.raises(TransientProviderError, match="Redis is unreachable"):
        limiter.acquire()


def test_workers_sharing_the_limiter_are_never_throttled_by_suno(redis_url):
    """Three 'workers' asking Suno flat out through the shared limiter: the strict fake never refuses one.

    Like the production window (11 s for Suno's 10), the limiter's is longer than the fake's, as
    requests reach the server later and less evenly than they leave (here, on a busy 2-core machine).
    """
    with FakeSuno(rate_limit=LIMIT, rate_window=WINDOW) as fake:
        providers = [
            SunoAudioProvider("suno-test-key", fake.url, callback_url="https://cb.example",
                              limiter=RedisRateLimiter(redis.Redis.from_url(redis_url), "songcraft:ratelimit:test", "Suno",
                                                       LIMIT, WINDOW * 1.5))
            for _ in range(3)
        ]
        with ThreadPoolExecutor(3) as pool:
            credits = list(pool.map(lambda provider: [provider.remaining_credits() for _ in range(4)], providers))

        assert credits == [[1000] * 4] * 3 and len(fake.requests_to(CREDIT_PATH)) == 12
        assert fake.throttled == 0


def test_without_a_shared_limiter_suno_throttles_and_the_provider_retries():
    with FakeSuno(rate_limit=LIMIT, rate_window=WINDOW) as fake:
        providers = [SunoAudioProvider("suno-test-key", fake.url, callback_url="https://cb.example", retry_pauses=(0.3, 0.6),
                                       limiter=LocalRateLimiter("Suno", LIMIT, WINDOW)) for _ in range(3)]
        with ThreadPoolExecutor(3) as pool:
            task_ids = list(pool.map(lambda provider: [provider.submit(REQUEST) for _ in range(2)], providers))

        assert fake.throttled > 0  # the fake really enforces the limit
        assert len({task for ids in task_ids for task in ids}) == 6 == len(fake.tasks)  # yet every song got its one job


def test_the_composition_root_shares_the_suno_window_through_redis(app, services):
    if not services["redis"]:
        pytest.skip("needs Redis (REDIS_URL)")
    from songcraft.providers import _audio_provider

    provider = _audio_provider({**app.config, "AUDIO_PROVIDER": "suno", "SUNO_API_KEY": "k"}, app.extensions["redis"])

    assert isinstance(provider._limiter, RedisRateLimiter)
    assert (provider._limiter.limit, provider._limiter.window_seconds) == (20, 11.0)  # Suno's 20 per 10 s, with a margin
    assert isinstance(_audio_provider({**app.config, "AUDIO_PROVIDER": "suno", "SUNO_API_KEY": "k"}, None)._limiter, LocalRateLimiter)
