"""Runs one pipeline step in the one shape every step has, on the worker:

1. claim the step in a short transaction (the song's lease) and commit; read what the work needs;
2. do the work holding no session and no connection, while a heartbeat keeps the lease alive;
3. store the results and finish the step in a second short transaction, only if the lease is still ours.

What each step does is in `songs/steps.py`; the tasks that call this are in `songs/tasks.py`.
"""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from songcraft.alerts.service import raise_alert
from songcraft.auth.models import User
from songcraft.common.db import utcnow
from songcraft.extensions import db
from songcraft.notifications.service import queue_email
from songcraft.providers.errors import OperatorAlert
from songcraft.songs.lease import Lease, LeaseTerms
from songcraft.songs.models import Song
from songcraft.songs.steps import STEPS

log = logging.getLogger(__name__)

# Progress (0-100) when each step starts and ends; long steps move within their range.
PROGRESS = {"write_lyrics": (5, 25), "compose_audio": (30, 85), "render_video": (87, 97), "deliver": (98, 100)}


def _locked_song(song_id: str) -> Song | None:
    return db.session.scalar(sa.select(Song).where(Song.id == uuid.UUID(song_id)).with_for_update())


def run_step(song_id: str, step: str, holder: str) -> bool:
    """Run `step` as execution `holder` if it is the song's next step and no live lease holds it;
    False when there was nothing to do or the lease was lost on the way (results dropped)."""
    claimed, job = _claim(song_id, step, holder)
    if not claimed:
        return False
    with Lease(db.engine, song_id, holder, LeaseTerms.current(), PROGRESS[step], STEPS[step].expected_seconds) as lease:
        result = STEPS[step].work(job, lease)
    return _finish(song_id, step, holder, result)


def _claim(song_id: str, step: str, holder: str):
    song = _locked_song(song_id)
    if song is None or not song.claim_step(step, holder, utcnow(), LeaseTerms.current().lease):
        db.session.rollback()
        log.info("step not due or held by a live lease: standing back", extra={"song_id": song_id, "step": step})
        return False, None
    song.progress = max(song.progress, PROGRESS[step][0])
    db.session.commit()
    log.info("step claimed", extra={"song_id": song_id, "step": step, "holder": holder})
    job = STEPS[step].prepare(song)  # a short read of its own; should it fail, the failure is this holder's to report
    db.session.close()  # no connection is held while the step works
    return True, job


def _finish(song_id: str, step: str, holder: str, result) -> bool:
    song = _locked_song(song_id)
    if song is None or not song.holds(step, holder):  # taken over after a lapse, stopped, or deleted meanwhile
        db.session.rollback()
        log.warning("lease lost before the step was stored: result dropped", extra={"song_id": song_id, "step": step})
        return False
    obsolete = STEPS[step].store(song, result)
    song.finish_step(step, PROGRESS[step][1], claim_by=LeaseTerms.current().claim_by(utcnow()))
    db.session.commit()
    for key in obsolete:
        current_app.extensions["storage"].delete(key)
    log.info("step done", extra={"song_id": song_id, "step": step, "holder": holder})
    return True


def release_for_retry(song_id: str, step: str, holder: str, delay_seconds: float) -> None:
    """The step will be retried in `delay_seconds` by a new execution: give up the lease, and tell the
    sweep not to re-send the step before the retry has had its chance."""
    song = _locked_song(song_id)
    if song is not None and song.holds(step, holder):
        song.wait_for_claim(LeaseTerms.current().claim_by(utcnow() + timedelta(seconds=delay_seconds)))
    db.session.commit()


def fail_step(song_id: str, step: str, holder: str | None, message: str, alert: OperatorAlert | None = None) -> None:
    """Mark the song failed at `step` (its plan is kept, so an admin can resume) and tell the customer.

    Only the lease's holder may fail its step (`holder=None`: the sweep, whose holder died). The
    status check under the row lock makes this happen once per failure, so one email per failure.
    A provider's `alert` (an empty account, a refused key) replaces the song's own: one alert per cause.
    """
    db.session.rollback()  # whatever the failed step left half-done in the session
    song = _locked_song(song_id)
    if song is None or not song.is_due(step) or (holder is not None and not song.holds(step, holder)):
        db.session.rollback()
        return
    song.fail(message)
    user = db.session.get(User, song.user_id)
    queue_email(
        user.email,
        "song_failed",
        {"name": user.display_name, "title": song.display_title, "error": song.error},
    )
    if alert:
        raise_alert(alert.kind, alert.cause, alert.message, {**alert.details, "song_id": song_id, "step": step})
    else:
        raise_alert("song_failed", f"song:{song_id}", f"The song “{song.display_title}” failed at {step}: {song.error}",
                    {"song_id": song_id, "step": step, "customer": user.email})
    db.session.commit()
    log.warning("song failed", extra={"song_id": song_id, "step": step, "error": message})
