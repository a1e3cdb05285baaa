"""The song pipeline in one place: which steps a song needs, and the Celery chain that runs them.

    write_lyrics -> compose_audio -> render_video -> deliver

Each step is a small task that takes the song id, loads fresh state and is idempotent. The
song's `plan` holds the steps still to run, so a crashed, stalled or failed run resumes from
exactly where it stopped (`dispatch` builds the chain from the plan).
"""
from __future__ import annotations

from celery import chain

from songcraft.common.dispatch import after_commit
from songcraft.extensions import db
from songcraft.songs.models import STEPS


def full_plan(song, first: str = "write_lyrics") -> list[str]:
    """The steps from `first` to delivery this song needs (no lyrics step for given or instrumental lyrics)."""
    steps = list(STEPS[STEPS.index(first):])
    if "write_lyrics" in steps and (song.lyrics or song.instrumental):
        steps.remove("write_lyrics")
    if not song.wants_video:
        steps.remove("render_video")
    return steps


def dispatch(song) -> None:
    """Run the song's planned steps as a chain, once the caller's transaction commits."""
    from songcraft.songs.tasks import STEP_TASKS

    song_id = str(song.id)
    after_commit(db.session, chain(*(STEP_TASKS[step].si(song_id) for step in song.plan)))
