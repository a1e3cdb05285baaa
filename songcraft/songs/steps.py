"""What each pipeline step does, run by the worker. Every step is idempotent: running it again
after a crash overwrites its own results and never duplicates files, emails or state moves."""
from __future__ import annotations

import logging
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from songcraft.alerts.service import raise_alert
from songcraft.auth.models import User
from songcraft.common.db import utcnow
from songcraft.extensions import db
from songcraft.finishing.service import finish_song_files
from songcraft.notifications.service import queue_email
from songcraft.providers.audio.base import AudioRequest
from songcraft.providers.errors import OperatorAlert
from songcraft.providers.lyrics.base import Lyrics, SongBrief
from songcraft.songs import pipeline, storage_keys
from songcraft.songs.models import Song, Take
from songcraft.songs.signals import song_completed

log = logging.getLogger(__name__)

# Progress (0-100) when each step starts and ends; long steps move within their range.
PROGRESS = {"write_lyrics": (5, 25), "compose_audio": (30, 85), "render_video": (87, 97), "deliver": (98, 100)}
# (soft, hard) time limits in seconds per step; a step's claim goes stale after its hard limit.
TIME_LIMITS = {"write_lyrics": (180, 210), "compose_audio": (900, 960), "render_video": (900, 960), "deliver": (60, 90)}


def _locked_song(song_id: str) -> Song | None:
    return db.session.scalar(sa.select(Song).where(Song.id == uuid.UUID(song_id)).with_for_update())


def run_step(song_id: str, step: str, task_id: str) -> bool:
    """Run one step if it is the song's next planned step; False when there is nothing to do."""
    song = _locked_song(song_id)
    if song is None or not song.begin_step(step, task_id, timedelta(seconds=TIME_LIMITS[step][1] + 60)):
        db.session.rollback()
        log.info("step skipped", extra={"song_id": song_id, "step": step})
        return False
    song.progress = max(song.progress, PROGRESS[step][0])
    db.session.commit()

    STEP_WORK[step](song)

    song = _locked_song(song_id)
    if song is None or not song.plan or song.plan[0] != step:  # deleted, refunded or failed meanwhile
        db.session.rollback()
        return False
    song.finish_step(step, PROGRESS[step][1])
    db.session.commit()
    log.info("step done", extra={"song_id": song_id, "step": step})
    return True


def fail_step(song_id: str, step: str, message: str, alert: OperatorAlert | None = None) -> None:
    """Mark the song failed at `step` (its plan is kept, so an admin can resume) and tell the customer.

    The status check under the row lock makes this happen once per failure, so one email per failure.
    A provider's `alert` (an empty account, a refused key) replaces the song's own: one alert per cause.
    """
    db.session.rollback()  # whatever the failed step left half-done in the session
    song = _locked_song(song_id)
    if song is None or song.status == "failed":
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


def _report_progress(song_id: uuid.UUID, step: str):
    low, high = PROGRESS[step]

    def report(percent: int) -> None:
        value = low + (high - low) * max(0, min(percent, 100)) // 100
        db.session.execute(
            sa.update(Song).where(Song.id == song_id, Song.progress < value).values(progress=value, updated_at=utcnow())
        )
        db.session.commit()

    return report


def write_lyrics(song: Song) -> None:
    provider = current_app.extensions["lyrics_provider"]
    brief = SongBrief(
        recipient_name=song.recipient_name, occasion=song.occasion, genre=song.genre, mood=song.mood,
        story=song.story, title=song.title, language=song.language, seed=song.lyrics_rewrites,
    )
    lyrics = provider.write(brief)
    song.lyrics, song.title = lyrics.as_text(), song.title or lyrics.title


def _audio_request(song: Song) -> AudioRequest:
    title = song.display_title
    return AudioRequest(
        title=title,
        lyrics=None if song.instrumental else Lyrics.from_text(title, song.lyrics or ""),
        genre=song.genre, mood=song.mood, instrumental=song.instrumental, seed=song.lyrics_rewrites,
        callback_url=current_app.config.get("SUNO_CALLBACK_URL"),
    )


def _store_takes(song_id: str, takes) -> Song | None:
    """Store the takes (replacing earlier ones) unless the compose step was finished meanwhile
    by the other path (see collect_audio_early). The caller commits."""
    song = _locked_song(song_id)
    if song is None or song.plan[:1] != ["compose_audio"]:
        db.session.rollback()
        return None
    storage = current_app.extensions["storage"]
    song.takes.clear()
    db.session.flush()
    for position, take in enumerate(takes, start=1):
        key = storage_keys.take_key(song, position)
        storage.put(key, take.data, take.content_type)
        song.takes.append(Take(
            position=position, storage_key=key, content_type=take.content_type, size_bytes=len(take.data),
            duration_seconds=take.duration_seconds, provider_take_id=take.provider_take_id,
            sections=[vars(section) | {"lines": list(section.lines)} for section in take.sections], selected=position == 1,
            line_timings=[{"start": line.start_seconds, "end": line.end_seconds, "text": line.text, "section": line.section}
                          for line in take.lines],
            timings_estimated=take.lines_estimated,
        ))
    song.duration_seconds, song.audio_job_id = takes[0].duration_seconds, None
    return song


def compose_audio(song: Song) -> None:
    provider = current_app.extensions["audio_provider"]
    request = _audio_request(song)
    if not song.audio_job_id or song.audio_provider != provider.name:
        # Remember the job before waiting, so a retried step resumes it instead of paying again.
        song.audio_job_id, song.audio_provider = provider.submit(request), provider.name
        db.session.commit()
    takes = provider.wait(song.audio_job_id, request, _report_progress(song.id, "compose_audio"))
    if _store_takes(str(song.id), takes):
        db.session.commit()


def collect_audio_early(song_id: str) -> bool:
    """The provider called back to say a job is complete: collect the takes now and carry on,
    rather than when the polling step next looks.

    The callback is only a hint: the takes come from the provider's API (`wait` answers at once
    for a finished job), never from the unsigned callback. Whichever path stores first finishes
    the step; the other finds the step done and drops its copy.
    """
    song = _locked_song(song_id)
    provider = current_app.extensions["audio_provider"]
    if song is None or song.status == "failed" or song.plan[:1] != ["compose_audio"] or not song.audio_job_id \
            or song.audio_provider != provider.name:
        db.session.rollback()
        return False
    job_id, request = song.audio_job_id, _audio_request(song)
    db.session.commit()  # no lock held while downloading
    takes = provider.wait(job_id, request)
    song = _store_takes(song_id, takes)
    if song is None:
        return False
    song.finish_step("compose_audio", PROGRESS["compose_audio"][1])
    pipeline.dispatch(song)
    db.session.commit()
    log.info("audio collected early on the provider's callback", extra={"song_id": song_id})
    return True


def render_video(song: Song) -> None:
    """Render the MP4 for video orders that have photos; without photos the step has nothing to do."""
    from songcraft.providers.video import Caption
    from songcraft.providers.video import render_video as render
    from songcraft.songs.service import song_images

    images = song_images(song)
    take = song.selected_take
    if not images or take is None:
        return
    storage = current_app.extensions["storage"]
    with tempfile.TemporaryDirectory(prefix="songcraft-video-") as workdir:
        audio_path = Path(workdir, "audio.mp3")
        storage.download_to(take.storage_key, str(audio_path))
        image_paths = []
        for image in images:
            path = Path(workdir, f"image-{image.position}")
            storage.download_to(image.storage_key, str(path))
            image_paths.append(str(path))
        captions = [Caption(s["start_seconds"], s["end_seconds"], "\n".join(s["lines"][:2])) for s in take.sections if s.get("lines")]
        output = Path(workdir, "video.mp4")
        render(audio_path=str(audio_path), image_paths=image_paths, output_path=str(output),
               video_format=song.video_format, captions=captions or None)
        key = storage_keys.video_key(song)
        storage.put_file(key, str(output), "video/mp4")
    song = _locked_song(str(song.id))
    song.video_key = key
    db.session.commit()


def deliver(song: Song) -> None:
    """Complete the song: fulfil the order when it has everything paid for, and email the customer once."""
    finish_song_files(str(song.id))  # cover art and tags, with no transaction open while it works
    song = _locked_song(str(song.id))
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
    db.session.commit()


STEP_WORK = {"write_lyrics": write_lyrics, "compose_audio": compose_audio, "render_video": render_video, "deliver": deliver}


def recover_stuck_songs(max_recoveries: int = 3) -> dict[str, int]:
    """Songs whose run made no progress for SONG_STUCK_MINUTES (a lost message, a dead worker):
    resume them from their planned step, or fail them after `max_recoveries` attempts."""
    cutoff = utcnow() - timedelta(minutes=current_app.config["SONG_STUCK_MINUTES"])
    stuck = db.session.scalars(
        sa.select(Song)
        .where(Song.status != "failed", Song.status != "completed", Song.updated_at < cutoff)
        .with_for_update(skip_locked=True)
    ).all()
    give_up = [(str(song.id), song.plan[0]) for song in stuck if song.plan and song.recoveries >= max_recoveries]
    resumed = 0
    for song in (s for s in stuck if s.plan and s.recoveries < max_recoveries):
        song.recoveries += 1
        song.updated_at = utcnow()
        pipeline.dispatch(song)
        resumed += 1
    db.session.commit()
    for song_id, step in give_up:
        fail_step(song_id, step, "The song stalled repeatedly; our team has been notified.")
    return {"resumed": resumed, "failed": len(give_up)}
