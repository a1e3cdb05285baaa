"""Finish a song's files, and read back its cover and lyrics in time.

Finishing is three moves, in the pipeline's shape (the deliver step, songs/steps.py):
`prepare_files` reads what the work needs into plain values, `finish_files` renders the cover and
tags the files with no database session (downloads, Pillow, mutagen, uploads), and `store_files`
records the results.
"""
from __future__ import annotations

import logging
import tempfile
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from songcraft.errors import NotFound
from songcraft.extensions import db
from songcraft.files.models import Image
from songcraft.finishing.cover import COVER_SIZE, CoverBrief, render_cover
from songcraft.finishing.lrc import to_lrc
from songcraft.finishing.models import SongCover
from songcraft.finishing.tags import SongTags, tag_mp3, tag_mp4
from songcraft.finishing.timings import LineSchedule, VocalSection, schedule
from songcraft.providers.lyrics.base import Lyrics
from songcraft.songs import storage_keys
from songcraft.songs.models import Song, Take

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _TakeFile:
    take_id: uuid.UUID
    storage_key: str
    schedule: LineSchedule


@dataclass(frozen=True)
class FinishingJob:
    """Everything the work needs, read from the database before it starts."""

    song_id: uuid.UUID
    cover_key: str
    brief: CoverBrief
    tags: SongTags
    photo_key: str | None
    takes: tuple[_TakeFile, ...]
    video_key: str | None


@dataclass(frozen=True)
class FinishedFiles:
    cover_size: int
    take_sizes: dict[uuid.UUID, int]


@dataclass(frozen=True)
class LrcFile:
    text: str
    estimated: bool
    filename: str


def _storage():
    return current_app.extensions["storage"]


def sung_lyrics(song: Song) -> Lyrics | None:
    """The lyrics as sung (sections of lines, headings apart), or None for an instrumental."""
    if song.instrumental or not song.lyrics:
        return None
    lyrics = Lyrics.from_text(song.display_title, song.lyrics)
    return lyrics if lyrics.lines else None


def line_schedule(song: Song, take: Take) -> LineSchedule:
    """When each line of `take` is sung: its stored timings, else an estimate (empty for instrumentals)."""
    lyrics = sung_lyrics(song)
    if lyrics is None:
        return LineSchedule((), False)
    sections = [VocalSection(s["label"], tuple(s["lines"]), s["start_seconds"], s["end_seconds"]) for s in take.sections if s.get("lines")]
    if not sections:
        sections = [VocalSection(s.heading, s.lines) for s in lyrics.sections]
    return schedule(take.line_timings, take.timings_estimated, sections, take.duration_seconds)


def song_lrc(song: Song) -> LrcFile:
    """The selected take's lyrics in time, as LRC. NotFound while there is nothing sung to time."""
    take = song.selected_take
    timed = line_schedule(song, take) if take else LineSchedule((), False)
    if not timed.lines:
        raise NotFound("This song has no sung lyrics to time yet." if take else "The song has no audio yet.")
    text = to_lrc(timed.lines, title=song.display_title, artist=current_app.config["SONG_ARTIST_NAME"],
                  duration=take.duration_seconds, estimated=timed.estimated)
    return LrcFile(text, timed.estimated, f"{storage_keys.file_stem(song)}.lrc")


def has_cover(song: Song) -> bool:
    return db.session.get(SongCover, song.id) is not None


def cover_url(song: Song) -> str | None:
    """A signed URL of the song's cover, or None before the song is first finished."""
    cover = db.session.get(SongCover, song.id)
    if cover is None:
        return None
    return _storage().url(cover.storage_key, current_app.config["SIGNED_URL_SECONDS"])


def require_cover_url(song: Song) -> str:
    url = cover_url(song)
    if url is None:
        raise NotFound("The cover is made when the song is finished.")
    return url


# --- The three moves ---------------------------------------------------------------------------


def prepare_files(song: Song) -> FinishingJob:
    """What finishing needs, as plain values (in the caller's transaction)."""
    photo_key = db.session.scalar(sa.select(Image.storage_key).where(Image.song_id == song.id).order_by(Image.position).limit(1))
    lyrics = sung_lyrics(song)
    return FinishingJob(
        song_id=song.id,
        cover_key=storage_keys.cover_key(song),
        brief=CoverBrief(song.display_title, song.recipient_name, song.genre, song.mood),
        tags=SongTags(
            title=song.display_title, artist=current_app.config["SONG_ARTIST_NAME"], genre=song.genre, language=song.language,
            lyrics="\n\n".join("\n".join(section.lines) for section in lyrics.sections) if lyrics else None,
        ),
        photo_key=photo_key,
        takes=tuple(_TakeFile(take.id, take.storage_key, line_schedule(song, take)) for take in song.takes),
        video_key=song.video_key,
    )


def finish_files(job: FinishingJob) -> FinishedFiles:
    """The slow part, with no database session: render and store the cover, tag and store the files."""
    storage = _storage()
    cover = render_cover(job.brief, storage.get(job.photo_key) if job.photo_key else None)
    cover_size = storage.put(job.cover_key, cover, "image/jpeg")
    tags = replace(job.tags, cover_jpeg=cover)
    sizes = {}
    with tempfile.TemporaryDirectory(prefix="songcraft-finish-") as workdir:
        for index, take in enumerate(job.takes):
            path = Path(workdir, f"take-{index}.mp3")
            storage.download_to(take.storage_key, path)
            tag_mp3(path, replace(tags, lines=take.schedule.lines))
            sizes[take.take_id] = storage.put_file(take.storage_key, path, "audio/mpeg")
        if job.video_key:
            path = Path(workdir, "video.mp4")
            storage.download_to(job.video_key, path)
            tag_mp4(path, tags)
            storage.put_file(job.video_key, path, "video/mp4")
    return FinishedFiles(cover_size, sizes)


def store_files(song: Song, job: FinishingJob, finished: FinishedFiles) -> None:
    """Record the cover, the tagged takes' sizes and the line timings (in the caller's transaction, song locked)."""
    cover = db.session.get(SongCover, song.id) or SongCover(song_id=song.id)
    cover.storage_key, cover.size_bytes, cover.width, cover.from_photo = job.cover_key, finished.cover_size, COVER_SIZE, bool(job.photo_key)
    db.session.add(cover)
    files = {take.take_id: take for take in job.takes}
    for take in song.takes:
        done = files.get(take.id)
        if done is None or done.storage_key != take.storage_key:  # replaced meanwhile
            continue
        take.size_bytes = finished.take_sizes[take.id]
        if not take.line_timings and done.schedule.lines:  # keep the estimate, so every reader sees the same
            take.line_timings = [line.as_dict() for line in done.schedule.lines]
            take.timings_estimated = True
