"""Where a song's files live in storage: one prefix per user and song, so deleting is one call."""
from __future__ import annotations

import re


def user_prefix(user_id) -> str:
    """Everything stored for one customer (their songs' files, their data exports)."""
    return f"users/{user_id}/"


def song_prefix(song) -> str:
    return f"{user_prefix(song.user_id)}songs/{song.id}/"


def take_key(prefix: str, job_id: str, position: int) -> str:
    """Where take `position` of the audio provider's job `job_id` lives under the song's `prefix`.

    One name per job: a job collected again after a crash rewrites its own files, while a new
    composition never overwrites the takes still being delivered.
    """
    job = re.sub(r"[^A-Za-z0-9._-]+", "-", job_id)[:80].strip(".-") or "job"
    return f"{prefix}takes/{job}-{position}.mp3"


def video_key(song) -> str:
    return f"{song_prefix(song)}video.mp4"


def image_key(song, image_id, suffix: str) -> str:
    return f"{song_prefix(song)}images/{image_id}{suffix}"


def cover_key(song) -> str:
    return f"{song_prefix(song)}cover.jpg"


def file_stem(song) -> str:
    """A friendly download name, e.g. 'happy-birthday-maya'."""
    return re.sub(r"[^a-z0-9]+", "-", song.display_title.lower()).strip("-")[:60] or "song"
