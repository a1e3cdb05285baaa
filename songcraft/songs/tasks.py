"""Thin Celery tasks for the pipeline steps: id in, step out, with retries and time limits.

Transient provider errors (timeouts, 429, 5xx) retry with exponential backoff and jitter;
anything else, or a transient error that outlives its retries, fails the song with a
human-readable reason that an admin can resume from.
"""
from __future__ import annotations

import logging
import random

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from songcraft.providers.errors import ProviderError, TransientProviderError
from songcraft.songs import steps

log = logging.getLogger(__name__)
MAX_RETRIES = 5

def _run(task, step: str, song_id: str) -> bool:
    try:
        return steps.run_step(song_id, step, task.request.id)
    except TransientProviderError as error:
        if task.request.retries < MAX_RETRIES:
            delay = min(600, 10 * 2 ** task.request.retries) * random.uniform(0.5, 1.5)
            raise task.retry(exc=error, countdown=delay)
        steps.fail_step(song_id, step, f"{error} (gave up after {MAX_RETRIES + 1} attempts)")
    except ProviderError as error:
        steps.fail_step(song_id, step, str(error), alert=error.alert)
    except SoftTimeLimitExceeded:
        steps.fail_step(song_id, step, "This step took too long and was stopped.")
    except Exception:
        log.exception("pipeline step crashed", extra={"song_id": song_id, "step": step})
        steps.fail_step(song_id, step, "An unexpected error stopped this step; our team has been notified.")
    return False


def _step_task(step: str):
    soft, hard = steps.TIME_LIMITS[step]

    @shared_task(bind=True, name=f"songcraft.songs.{step}", max_retries=MAX_RETRIES, soft_time_limit=soft, time_limit=hard)
    def task(self, song_id: str) -> bool:
        return _run(self, step, song_id)

    task.__doc__ = f"Pipeline step `{step}` for one song."
    return task


STEP_TASKS = {step: _step_task(step) for step in steps.STEP_WORK}


@shared_task(name="songcraft.songs.recover_stuck")
def recover_stuck() -> dict:
    return steps.recover_stuck_songs()


@shared_task(name="songcraft.songs.collect_audio", soft_time_limit=300, time_limit=330)
def collect_audio(song_id: str) -> bool:
    """On the provider's completion callback; the polling step stays responsible if this fails."""
    try:
        return steps.collect_audio_early(song_id)
    except ProviderError as error:
        log.info("early audio collection failed; polling continues", extra={"song_id": song_id, "error": str(error)})
        return False
