"""The song pipeline in one place: which steps a song needs, and the one door to the workers.

    write_lyrics -> compose_audio -> render_video -> deliver

Each step is a Celery task named `songcraft.songs.<step>` (see `songs/tasks.py`) that takes the
song id, claims the step and is idempotent. This module sends those tasks by name, so the request
side never imports them. The song's `plan` holds the steps still to run, so a crashed, stalled or
failed run resumes from exactly where it stopped.

A run has one chain: `start` sends it once the transaction that planned the run commits, and
each step's task sends the next when it ends. A song whose customer approves its lyrics stops at
the approval gate (after the lyrics, before compose_audio): its chain ends there, the rest of the
plan stays planned, and `go_on_after_approval` sends it once the lyrics are approved. Only the recovery sweep sends a song's chain again,
when its lease has lapsed; a copy that meets a live lease, or a step already done, stands back,
so two chains of a song collapse into one at their first claim.
"""
from __future__ import annotations

from celery import chain
from flask import current_app

from songcraft.common.db import utcnow
from songcraft.common.dispatch import after_commit
from songcraft.extensions import db
from songcraft.songs.lease import LeaseTerms
from songcraft.songs.models import STEPS


def task_name(step: str) -> str:
    return f"songcraft.songs.{step}"


def full_plan(song, first: str = "write_lyrics") -> list[str]:
    """The steps from `first` to delivery this song needs (no lyrics step for given or instrumental lyrics)."""
    steps = list(STEPS[STEPS.index(first):])
    if "write_lyrics" in steps and (song.lyrics or song.instrumental):
        steps.remove("write_lyrics")
    if not song.wants_video:
        steps.remove("render_video")
    return steps


def start(song, steps: list[str]) -> None:
    """Plan a run of `steps` (409 while another runs) and send its chain once the caller commits."""
    song.start(steps, claim_by=LeaseTerms.current().claim_by(utcnow()))
    dispatch(song)


def go_on_after_approval(song) -> None:
    """The lyrics are approved: the song's planned steps go on from compose_audio once the caller commits."""
    now = utcnow()
    song.approve(now, claim_by=LeaseTerms.current().claim_by(now))
    dispatch(song)


def dispatch(song) -> None:
    """Send the song's planned steps that may run now as one chain, once the caller's transaction commits."""
    celery = current_app.extensions["celery"]
    song_id = str(song.id)
    steps = song.runnable_plan
    if steps:
        after_commit(db.session, chain(*(celery.signature(task_name(step), args=(song_id,), immutable=True) for step in steps)))
