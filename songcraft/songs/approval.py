"""Lyrics approval: the customer reads the lyrics before any music is made from them.

A song created with `approve_lyrics` stops after its lyrics step, at the approval gate
(`Song.at_approval_gate`: status `lyrics_ready`, the music steps still planned, none sent):

- when the lyrics are stored, the customer is emailed to review them and `approval_due_at` is set
  LYRICS_APPROVAL_HOURS ahead;
- they may edit the lyrics or ask for a rewrite (which comes back to the gate), then approve
  (`approve`): the run goes on from compose_audio;
- if they do nothing, the beat (`approve_overdue`) approves at `approval_due_at` and tells them.

Nothing waits for a worker at the gate, so the recovery sweep never sees the song (no lease
deadline), and no paid provider is asked for music before the approval.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from songcraft.auth.models import User
from songcraft.common.db import get_owned, utcnow
from songcraft.errors import Conflict
from songcraft.extensions import db
from songcraft.notifications.service import queue_email
from songcraft.songs import pipeline
from songcraft.songs.models import Song

log = logging.getLogger(__name__)

BATCH_SIZE = 200  # songs the beat approves per run; the next run takes the rest


def ask_for_review(song: Song) -> None:
    """The lyrics were just written for a song whose customer approves them: set the deadline of the
    automatic approval and email the customer (once per version of the lyrics). In the caller's transaction."""
    now = utcnow()
    song.approval_due_at = now + timedelta(hours=current_app.config["LYRICS_APPROVAL_HOURS"])
    user = db.session.get(User, song.user_id)
    queue_email(
        user.email,
        "lyrics_review",
        {**_email_context(song, user), "lyrics": song.lyrics, "approve_by": _readable(song.approval_due_at)},
        dedupe_key=f"lyrics-review:{song.id}:{song.lyrics_rewrites}",
    )


def approve(user: User, song_id: uuid.UUID) -> Song:
    """The customer approves the lyrics of their song at the approval gate; the music is made next."""
    song = get_owned(Song, user.id, song_id, for_update=True)
    if not song.approve_lyrics:
        raise Conflict("This song was ordered without lyrics approval: its music is made as soon as its lyrics are written.")
    if song.lyrics_approved_at is not None:
        raise Conflict("These lyrics are already approved.")
    if not song.at_approval_gate:
        raise Conflict(f"The lyrics are not ready to approve: the song is {song.status.replace('_', ' ')}.")
    pipeline.go_on_after_approval(song)
    db.session.commit()
    log.info("lyrics approved", extra={"song_id": str(song.id)})
    return song


def approve_overdue() -> int:
    """The beat: approve the lyrics whose customer has not answered by `approval_due_at`, and tell them.
    Each song is locked (others' rows skipped), so overlapping runs approve it once."""
    now = utcnow()
    due = db.session.scalars(
        sa.select(Song).where(Song.approval_due_at <= now).order_by(Song.approval_due_at).limit(BATCH_SIZE)
        .with_for_update(skip_locked=True)
    ).all()
    approved = 0
    for song in due:
        if not song.at_approval_gate:  # left the gate meanwhile: nothing to approve
            song.approval_due_at = None
            continue
        pipeline.go_on_after_approval(song)
        user = db.session.get(User, song.user_id)
        queue_email(user.email, "lyrics_approved_automatically",
                    {**_email_context(song, user), "hours": current_app.config["LYRICS_APPROVAL_HOURS"]},
                    dedupe_key=f"lyrics-approved-automatically:{song.id}")
        approved += 1
    db.session.commit()
    if approved:
        log.info("lyrics approved automatically", extra={"songs": approved})
    return approved


def _email_context(song: Song, user: User) -> dict:
    return {"name": user.display_name, "title": song.display_title,
            "song_url": f"{current_app.config['FRONTEND_URL']}/songs/{song.id}"}


def _readable(moment: datetime) -> str:
    return moment.strftime("%A %d %B %Y at %H:%M UTC")
