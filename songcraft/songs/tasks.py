"""Thin Celery tasks for the pipeline steps: id in, step out, with retries and time limits.

Transient provider errors (timeouts, 429, 5xx) retry with exponential backoff and jitter;
anything else, or a transient error that outlives its retries, fails the song with a
human-readable reason that an admin can resume from. The time limits stop a step that hangs
while its heartbeat still beats; a step that dies is the recovery sweep's business.
"""
from __future__ import annotations

import logging
import random

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from songcraft.providers.errors import ProviderError, TransientProviderError
from songcraft.songs import approval, pipeline, runner
from songcraft.songs.lease import LeaseLost, new_holder
from songcraft.songs.recovery import recover_songs
from songcraft.songs.steps import STEPS

log = logging.getLogger(__name__)
MAX_RETRIES = 5
# (soft, hard) time limits in seconds per step.
TIME_LIMITS = {"write_lyrics": (180, 210), "compose_audio": (900, 960), "render_video": (900, 960), "deliver": (180, 210)}


def _run(task, step: str, song_id: str) -> bool:
    holder = new_holder()
    try:
        return runner.run_step(song_id, step, holder)
    except LeaseLost:
        log.warning("lease lost mid-step: stopped without storing", extra={"song_id": song_id, "step": step})
    except TransientProviderError as error:
        if task.request.retries < MAX_RETRIES:
            delay = min(600, 10 * 2 ** task.request.retries) * random.uniform(0.5, 1.5)
            runner.release_for_retry(song_id, step, holder, delay)
            raise task.retry(exc=error, countdown=delay)
        runner.fail_step(song_id, step, holder, f"{error} (gave up after {MAX_RETRIES + 1} attempts)")
    except ProviderError as error:
        runner.fail_step(song_id, step, holder, str(error), alert=error.alert)
    except SoftTimeLimitExceeded:
        runner.fail_step(song_id, step, holder, "This step took too long and was stopped.")
    except Exception:
        log.exception("pipeline step crashed", extra={"song_id": song_id, "step": step})
        runner.fail_step(song_id, step, holder, "An unexpected error stopped this step; our team has been notified.")
    return False


def _step_task(step: str):
    soft, hard = TIME_LIMITS[step]

    @shared_task(bind=True, name=pipeline.task_name(step), max_retries=MAX_RETRIES, soft_time_limit=soft, time_limit=hard)
    def task(self, song_id: str) -> bool:
        return _run(self, step, song_id)

    task.__doc__ = f"Pipeline step `{step}` for one song."
    return task


STEP_TASKS = {step: _step_task(step) for step in STEPS}


@shared_task(name="songcraft.songs.recover")
def recover() -> dict:
    """The recovery sweep (see songs/recovery.py)."""
    return recover_songs()


@shared_task(name="songcraft.songs.approve_overdue", soft_time_limit=60, time_limit=90)
def approve_overdue() -> int:
    """The lyrics approval deadline (see songs/approval.py)."""
    return approval.approve_overdue()
