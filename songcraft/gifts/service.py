"""Gift use cases: the owner's (set, read, revoke, rotate) and the page's (open, play). Each commits once."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from songcraft.auth.models import User
from songcraft.common.db import utcnow
from songcraft.errors import NotFound, Unprocessable
from songcraft.extensions import db
from songcraft.finishing.service import cover_url
from songcraft.gifts.models import Gift
from songcraft.gifts.reveal import deliver_if_due
from songcraft.moderation.service import check_texts
from songcraft.notifications.service import queue_email
from songcraft.songs.models import Song
from songcraft.songs.service import get_user_song
from songcraft.songs.storage_keys import file_stem

MAX_LEAD_TIME = timedelta(days=366)


def _gift_of(song: Song, *, for_update: bool = False) -> Gift | None:
    query = sa.select(Gift).where(Gift.song_id == song.id)
    return db.session.scalar(query.with_for_update() if for_update else query)


def get_gift(user: User, song_id: uuid.UUID) -> Gift:
    gift = _gift_of(get_user_song(user, song_id))
    if gift is None:
        raise NotFound("This song has no gift link; create one with PUT.")
    return gift


def _check_delivery_time(deliver_at: datetime) -> None:
    now = utcnow()
    if deliver_at <= now:
        raise Unprocessable("The delivery time must be in the future.", {"json": {"deliver_at": ["Must be in the future."]}})
    if deliver_at > now + MAX_LEAD_TIME:
        raise Unprocessable("The delivery time must be within a year.", {"json": {"deliver_at": ["Must be within a year."]}})


def put_gift(user: User, song_id: uuid.UUID, data: dict) -> Gift:
    """Create or replace the gift of one of the user's songs; the share link is kept (or made).

    A `deliver_at` equal to the stored one is accepted even once past, so a gift read with GET
    can be sent back with only its message changed. The message passes the content check first.
    """
    check_texts({"message": data["message"]})
    song = get_user_song(user, song_id, for_update=True)  # the lock serialises two first PUTs
    gift = _gift_of(song, for_update=True)
    deliver_at = data["deliver_at"]
    if deliver_at is not None and (gift is None or deliver_at != gift.deliver_at):
        _check_delivery_time(deliver_at)
    if gift is None:
        gift = Gift(id=uuid.uuid4(), song_id=song.id, views=0)
        gift.new_link()
        db.session.add(gift)
    gift.recipient_email = (data["recipient_email"] or "").strip() or None
    gift.message = (data["message"] or "").strip() or None
    gift.deliver_at = deliver_at
    deliver_if_due(gift, song)
    db.session.commit()
    return gift


def revoke_gift(user: User, song_id: uuid.UUID) -> None:
    gift = _gift_of(get_user_song(user, song_id), for_update=True)
    if gift is None:
        raise NotFound("This song has no gift link.")
    db.session.delete(gift)
    db.session.commit()


def rotate_link(user: User, song_id: uuid.UUID) -> Gift:
    gift = _gift_of(get_user_song(user, song_id), for_update=True)
    if gift is None:
        raise NotFound("This song has no gift link.")
    gift.new_link()
    db.session.commit()
    return gift


# --- The public page ------------------------------------------------------------------------


def is_revealed(gift: Gift) -> bool:
    """The page plays the song once it is complete and its delivery time has come."""
    song = gift.song
    return song.completed_at is not None and song.selected_take is not None and gift.is_due(utcnow())


def media_urls(song: Song) -> dict:
    """Fresh signed URLs of everything the page plays or shows; `expires_in` says for how long."""
    storage, expires_in = current_app.extensions["storage"], current_app.config["SIGNED_URL_SECONDS"]
    take = song.selected_take
    return {
        "audio_url": storage.url(take.storage_key, expires_in),
        "download_url": storage.url(take.storage_key, expires_in, download_name=f"{file_stem(song)}.mp3"),
        "video_url": storage.url(song.video_key, expires_in) if song.video_key else None,
        "cover_url": cover_url(song),
        "expires_in": expires_in,
    }


def record_open(gift_id: uuid.UUID) -> None:
    """The page ran in a browser: count the view, and tell the buyer the first time."""
    gift = db.session.scalar(sa.select(Gift).where(Gift.id == gift_id).with_for_update())
    if gift is None:
        db.session.rollback()
        return
    gift.views += 1
    if gift.first_viewed_at is None:
        gift.first_viewed_at = utcnow()
        owner = db.session.get(User, gift.song.user_id)
        queue_email(owner.email, "gift_opened",
                    {"name": owner.display_name, "recipient_name": gift.song.recipient_name, "title": gift.song.display_title},
                    dedupe_key=f"gift-opened:{gift.id}")
    db.session.commit()
