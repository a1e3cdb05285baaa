"""Song use cases for customers and admins. Each commits once and starts work only after the commit."""
from __future__ import annotations

import logging
import uuid

import sqlalchemy as sa
from flask import current_app

from songcraft.auth.models import User
from songcraft.common.db import get_owned, utcnow
from songcraft.errors import Conflict, NotFound, PaymentRequired
from songcraft.extensions import db
from songcraft.files.cleanup import delete_files_after_commit
from songcraft.files.models import song_images
from songcraft.moderation.service import check_texts
from songcraft.orders.models import Order
from songcraft.orders.service import get_user_order
from songcraft.orders.signals import order_disputed, order_refunded
from songcraft.providers.audio.base import AcceptsCallbacks
from songcraft.providers.errors import ProviderError
from songcraft.songs import pipeline, storage_keys
from songcraft.songs.models import Song
from songcraft.songs.options import why_lyrics_cannot_be_written

log = logging.getLogger(__name__)

BRIEF_FIELDS = ("recipient_name", "occasion", "genre", "mood", "story", "title", "language", "instrumental", "video_format",
                "vocal_style", "name_pronunciation", "approve_lyrics")
FREE_TEXT_FIELDS = ("recipient_name", "occasion", "story", "title", "custom_lyrics", "name_pronunciation")  # checked for safety


def storage():
    return current_app.extensions["storage"]


def create_song(user: User, data: dict) -> Song:
    """Consume the caller's paid, unused order and start the pipeline (once the brief's texts pass the content check)."""
    check_texts({field: data.get(field) for field in FREE_TEXT_FIELDS})
    order = get_user_order(user, data["order_id"], for_update=True)
    if order.status in ("pending", "expired", "failed", "needs_review"):
        raise PaymentRequired("This order has not been paid.")
    if order.used_at is not None or order.status != "paid":
        raise Conflict("This order has already been used for a song." if order.used_at else f"This order is {order.status}.")
    song = Song(id=uuid.uuid4(), user_id=user.id, order_id=order.id, **{k: data[k] for k in BRIEF_FIELDS if k in data})
    song.order = order
    if data.get("custom_lyrics"):
        song.lyrics = data["custom_lyrics"].strip()
    order.used_at = utcnow()
    pipeline.start(song, pipeline.full_plan(song))
    db.session.add(song)
    db.session.commit()
    return song


def get_user_song(user: User, song_id: uuid.UUID, *, for_update: bool = False) -> Song:
    return get_owned(Song, user.id, song_id, for_update=for_update)


def delete_song(user: User, song_id: uuid.UUID) -> None:
    """Delete the song and, once that is committed, its stored files. The order stays used."""
    song = get_user_song(user, song_id, for_update=True)
    if song.is_busy:
        raise Conflict("The song is being made; delete it when it is done.")
    delete_files_after_commit(storage_keys.song_prefix(song))
    db.session.delete(song)
    db.session.commit()


def regenerate_lyrics(user: User, song_id: uuid.UUID) -> Song:
    song = get_user_song(user, song_id, for_update=True)
    if song.instrumental:
        raise Conflict("An instrumental song has no lyrics to write.")
    if song.lyrics_rewrites >= current_app.config["MAX_LYRICS_REWRITES"]:
        raise Conflict(f"This song has used all {current_app.config['MAX_LYRICS_REWRITES']} lyrics rewrites.")
    unwritable = why_lyrics_cannot_be_written(song.language)
    if unwritable:
        raise Conflict(unwritable)
    # Lyrics awaiting approval keep the music planned after them: the rewrite comes back to the gate.
    music = [step for step in song.plan if step != "write_lyrics"] if song.approval_pending else []
    pipeline.start(song, ["write_lyrics", *music])
    song.lyrics_rewrites += 1
    db.session.commit()
    return song


def edit_lyrics(user: User, song_id: uuid.UUID, lyrics: str) -> Song:
    check_texts({"lyrics": lyrics})
    song = get_user_song(user, song_id, for_update=True)
    if song.is_busy:
        raise Conflict("The lyrics cannot change while the song is being generated.")
    if song.instrumental:
        raise Conflict("An instrumental song has no lyrics.")
    song.lyrics = lyrics.strip()
    db.session.commit()
    return song


def generate_audio(user: User, song_id: uuid.UUID) -> Song:
    song = get_user_song(user, song_id, for_update=True)
    if not song.lyrics and not song.instrumental:
        raise Conflict("Write or generate lyrics first.")
    if song.approval_pending:
        raise Conflict("The lyrics wait for your approval: approve them (POST /songs/{id}/approve) and the music is made.")
    if song.audio_regenerations >= current_app.config["MAX_AUDIO_REGENERATIONS"]:
        raise Conflict(f"This song has used all {current_app.config['MAX_AUDIO_REGENERATIONS']} new compositions.")
    pipeline.start(song, pipeline.full_plan(song, first="compose_audio"))
    song.audio_regenerations += 1
    song.audio_job_id = None  # a new composition, not the resumption of the last one
    db.session.commit()
    return song


def generate_video(user: User, song_id: uuid.UUID) -> Song:
    song = get_user_song(user, song_id, for_update=True)
    if not song.wants_video:
        raise Conflict("Only video orders include a video.")
    if song.selected_take is None:
        raise Conflict("The song needs its audio before a video can be made.")
    if not song_images(song):
        raise Conflict("Upload at least one photo first.")
    pipeline.start(song, ["render_video", "deliver"])
    db.session.commit()
    return song


def select_take(user: User, song_id: uuid.UUID, take_id: uuid.UUID) -> Song:
    song = get_user_song(user, song_id, for_update=True)
    take = next((t for t in song.takes if t.id == take_id), None)
    if take is None:
        raise NotFound("Take not found.")
    if song.is_busy:
        raise Conflict("The song is being made; choose a take when it is done.")
    for other in song.takes:
        other.selected = other.id == take.id
    song.duration_seconds = take.duration_seconds
    db.session.commit()
    return song


def signed_url(key: str | None, download_name: str) -> str | None:
    if not key:
        return None
    return storage().url(key, current_app.config["SIGNED_URL_SECONDS"], download_name=download_name)


def audio_url(song: Song) -> str | None:
    take = song.selected_take
    return signed_url(take.storage_key if take else None, f"{storage_keys.file_stem(song)}.mp3")


def video_url(song: Song) -> str | None:
    return signed_url(song.video_key, f"{storage_keys.file_stem(song)}.mp4")


@order_refunded.connect
def stop_for_refund(order: Order, reason: str = "The order was refunded, so the song was stopped.") -> None:
    """A refunded order's song stops where it is: its remaining steps are dropped, so neither the
    worker nor an admin retry carries on (caller commits)."""
    song = db.session.scalar(sa.select(Song).where(Song.order_id == order.id).with_for_update())
    if song is not None and song.plan:
        song.plan = []
        song.fail(reason)


@order_disputed.connect
def stop_for_dispute(order: Order) -> None:
    """A disputed payment stops the song the same way."""
    stop_for_refund(order, "The payment was disputed, so the song was stopped.")


def retry_failed(song_id: uuid.UUID) -> Song:
    """Admin: resume a failed song from the step that failed."""
    song = db.session.scalar(sa.select(Song).where(Song.id == song_id).with_for_update())
    if song is None:
        raise NotFound("Song not found.")
    if song.status != "failed" or not song.plan:
        raise Conflict(f"Only a failed song with steps left can be retried (this one is {song.status}).")
    pipeline.start(song, song.plan)
    db.session.commit()
    return song


def note_audio_callback(payload: dict) -> str:
    """The audio provider's callback: when it reports a finished job of one of our songs, mark the
    song, and the running compose step's heartbeat has the provider look at the job at once.

    Callbacks are not signed, so the payload is only a hint: the step collects the takes from the
    provider's API, through the same path as when it polls, never from what a callback carries.
    """
    provider = current_app.extensions["audio_provider"]
    if not isinstance(provider, AcceptsCallbacks):
        return "ignored"
    try:
        callback = provider.parse_callback(payload)
    except ProviderError as error:
        log.info("unreadable audio callback ignored", extra={"reason": str(error)})
        return "ignored"
    song_id = db.session.scalar(
        sa.select(Song.id).where(Song.audio_job_id == callback.job_id, Song.audio_provider == provider.name)
    )
    if song_id is not None and callback.final:
        db.session.execute(sa.update(Song).where(Song.id == song_id).values(audio_callback_at=utcnow()))
    db.session.commit()
    log.info("audio callback", extra={"job_id": callback.job_id, "song_id": str(song_id) if song_id else None,
                                      "final": callback.final})
    return "received" if song_id else "ignored"
