"""What each pipeline step does, in the one shape every step has (run by `songs/runner.py`):

1. `prepare(song)`, right after the claim: read what the work needs into plain values;
2. `work(job, lease)`, with no database session: call the provider, ffmpeg, storage;
3. `store(song, result)`, inside the finish transaction: write the results; returns the storage
   keys they made obsolete, deleted once that transaction commits.

Every step is idempotent: running it again after a crash overwrites its own results and never
duplicates files, emails or state moves.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from flask import current_app

from songcraft.auth.models import User
from songcraft.extensions import db
from songcraft.files.models import song_images
from songcraft.finishing.service import FinishedFiles, FinishingJob, finish_files, line_schedule, prepare_files, store_files
from songcraft.notifications.service import queue_email
from songcraft.providers.audio.base import AcceptsCallbacks, AudioRequest, AudioTake
from songcraft.providers.lyrics.base import Lyrics, SongBrief
from songcraft.providers.video import Caption, render_video
from songcraft.songs import storage_keys
from songcraft.songs.approval import ask_for_review
from songcraft.songs.lease import Lease
from songcraft.songs.models import Song, Take
from songcraft.songs.signals import song_completed


@dataclass(frozen=True)
class Step:
    prepare: Callable[[Song], Any]
    work: Callable[[Any, Lease], Any]
    store: Callable[[Song, Any], list[str]]
    expected_seconds: float  # how long the work usually takes, for the progress bar between reports


def _storage():
    return current_app.extensions["storage"]


# --- write_lyrics -----------------------------------------------------------------------------


def _lyrics_brief(song: Song) -> SongBrief:
    return SongBrief(recipient_name=song.recipient_name, occasion=song.occasion, genre=song.genre, mood=song.mood,
                     story=song.story, title=song.title, language=song.language, seed=song.lyrics_rewrites,
                     name_pronunciation=song.name_pronunciation or "", vocal_style=song.vocal_style)


def _write_lyrics(brief: SongBrief, lease: Lease) -> Lyrics:
    return current_app.extensions["lyrics_provider"].write(brief)


def _store_lyrics(song: Song, lyrics: Lyrics) -> list[str]:
    """Store the lyrics; a customer who approves them is asked to (the run then stops at the approval gate)."""
    song.lyrics, song.title = lyrics.as_text(), song.title or lyrics.title
    if song.approval_pending:
        ask_for_review(song)
    return []


# --- compose_audio ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Composition:
    request: AudioRequest
    job_id: str | None  # the provider's job to resume, if one was started before a crash or retry
    song_prefix: str


@dataclass(frozen=True)
class StoredTake:
    key: str
    size_bytes: int
    take: AudioTake


def _composition(song: Song) -> Composition:
    title = song.display_title
    request = AudioRequest(
        title=title,
        lyrics=None if song.instrumental else Lyrics.from_text(title, song.lyrics or ""),
        genre=song.genre, mood=song.mood, instrumental=song.instrumental, seed=song.lyrics_rewrites,
        callback_url=current_app.config.get("SUNO_CALLBACK_URL"), vocal_style=song.vocal_style, language=song.language,
        recipient_name=song.recipient_name, name_pronunciation=song.name_pronunciation or "",
    )
    same_provider = song.audio_provider == current_app.extensions["audio_provider"].name
    return Composition(request, song.audio_job_id if same_provider else None, storage_keys.song_prefix(song))


def _compose(composition: Composition, lease: Lease) -> list[StoredTake]:
    provider = current_app.extensions["audio_provider"]
    job_id = composition.job_id
    if job_id is None:
        job_id = provider.submit(composition.request)
        lease.save(audio_job_id=job_id, audio_provider=provider.name)  # a retry resumes this job instead of paying again
    if isinstance(provider, AcceptsCallbacks):
        lease.on_callback = lambda: provider.wake(job_id)
    takes = provider.wait(job_id, composition.request, lease.report)
    lease.check()
    stored = []
    for position, take in enumerate(takes, start=1):
        key = storage_keys.take_key(composition.song_prefix, job_id, position)
        stored.append(StoredTake(key, _storage().put(key, take.data, take.content_type), take))
    return stored


def _store_takes(song: Song, stored: list[StoredTake]) -> list[str]:
    """Replace the song's takes with the new ones; the first is selected."""
    replaced = {take.storage_key for take in song.takes} - {s.key for s in stored}
    song.takes.clear()
    db.session.flush()  # the old rows go first: positions are unique per song
    for position, stored_take in enumerate(stored, start=1):
        take = stored_take.take
        song.takes.append(Take(
            position=position, storage_key=stored_take.key, content_type=take.content_type, size_bytes=stored_take.size_bytes,
            duration_seconds=take.duration_seconds, provider_take_id=take.provider_take_id,
            sections=[vars(section) | {"lines": list(section.lines)} for section in take.sections], selected=position == 1,
            line_timings=[{"start": line.start_seconds, "end": line.end_seconds, "text": line.text, "section": line.section}
                          for line in take.lines],
            timings_estimated=take.lines_estimated,
        ))
    song.duration_seconds, song.audio_job_id = stored[0].take.duration_seconds, None
    return sorted(replaced)


# --- render_video -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Slideshow:
    audio_key: str
    image_keys: tuple[str, ...]
    captions: tuple[Caption, ...]
    video_format: str
    resolution: int
    video_key: str


def _slideshow(song: Song) -> Slideshow | None:
    """What the video is made of; None (nothing to render) until the song has a take and photos."""
    images, take = song_images(song), song.selected_take
    if not images or take is None:
        return None
    # Each line while it is sung: the same timings as the LRC and the share page (estimated when the take has none).
    captions = tuple(Caption(line.start, line.end, line.text) for line in line_schedule(song, take).lines)
    return Slideshow(take.storage_key, tuple(image.storage_key for image in images), captions, song.video_format,
                     current_app.config["VIDEO_RESOLUTION"], storage_keys.video_key(song))


def _render(show: Slideshow | None, lease: Lease) -> str | None:
    """Download, render (ffmpeg's progress is the step's), upload; returns the video's key."""
    if show is None:
        return None
    storage = _storage()
    with tempfile.TemporaryDirectory(prefix="songcraft-video-") as workdir:
        audio_path = Path(workdir, "audio.mp3")
        storage.download_to(show.audio_key, str(audio_path))
        image_paths = []
        for position, key in enumerate(show.image_keys, start=1):
            image_paths.append(str(Path(workdir, f"image-{position}")))
            storage.download_to(key, image_paths[-1])
        lease.report(5)
        output = Path(workdir, "video.mp4")
        render_video(audio_path=str(audio_path), image_paths=image_paths, output_path=str(output), video_format=show.video_format,
                     resolution=show.resolution, captions=list(show.captions) or None,
                     progress=lambda percent: lease.report(5 + percent * 90 // 100))
        lease.check()
        storage.put_file(show.video_key, str(output), "video/mp4")
    return show.video_key


def _store_video(song: Song, key: str | None) -> list[str]:
    if key is not None:
        song.video_key = key
    return []


# --- deliver ----------------------------------------------------------------------------------


def _finish_files(job: FinishingJob, lease: Lease) -> tuple[FinishingJob, FinishedFiles]:
    """The cover and the tagged files (songcraft/finishing), with no session."""
    return job, finish_files(job)


def _deliver(song: Song, finishing: tuple[FinishingJob, FinishedFiles]) -> list[str]:
    """Complete the song: record its finished files, fulfil the order when it has everything paid
    for, and email the customer once."""
    store_files(song, *finishing)
    order = song.order
    has_everything = not song.wants_video or song.video_key is not None
    if has_everything and order.can_move_to("fulfilled"):
        order.move_to("fulfilled")
    user = db.session.get(User, song.user_id)
    base = current_app.config["PUBLIC_URL"]
    queue_email(
        user.email,
        "song_ready",
        {"name": user.display_name, "title": song.display_title,
         "song_url": f"{current_app.config['FRONTEND_URL']}/songs/{song.id}",
         "audio_link": f"{base}/api/v1/songs/{song.id}/audio",
         "video_link": f"{base}/api/v1/songs/{song.id}/video" if song.video_key else None,
         "needs_photos": not has_everything},
        dedupe_key=f"song-ready:{song.id}:{'video' if song.video_key else 'audio'}",
    )
    song_completed.send(song)
    return []


STEPS = {
    "write_lyrics": Step(_lyrics_brief, _write_lyrics, _store_lyrics, expected_seconds=20),
    "compose_audio": Step(_composition, _compose, _store_takes, expected_seconds=90),
    "render_video": Step(_slideshow, _render, _store_video, expected_seconds=60),
    "deliver": Step(prepare_files, _finish_files, _deliver, expected_seconds=10),
}
