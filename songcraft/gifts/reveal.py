"""The reveal: the recipient's email with the link, at `deliver_at` once the song is complete, exactly once.

Every path ends in `deliver_if_due`, under the gift's row lock:
- the song completes (the `song_completed` signal, in the deliver step's transaction);
- the owner sets the gift (PUT) when the song is already complete;
- a task at `deliver_at`, scheduled once the time is near (SCHEDULE_HORIZON);
- a beat every minute, which catches up on anything missed (a lost message, a restart) and
  schedules the deliveries about to fall due.
The email goes through the outbox with a dedupe key per gift and address, and `delivered_to`
records who has it, so duplicate beats, redelivered tasks and restarts never send a second one.
"""
from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import timedelta

import sqlalchemy as sa
from celery import Signature

from songcraft.auth.models import User
from songcraft.common.db import utcnow
from songcraft.common.dispatch import after_commit
from songcraft.extensions import db
from songcraft.gifts.links import share_url
from songcraft.gifts.models import Gift
from songcraft.notifications.service import queue_email
from songcraft.songs.models import Song
from songcraft.songs.signals import song_completed

log = logging.getLogger(__name__)

REVEAL_TASK = "songcraft.gifts.reveal"  # sent by name: the request side never imports tasks
SCHEDULE_HORIZON = timedelta(minutes=2)  # a delivery this close gets a task at its exact time
BATCH_SIZE = 500  # gifts the beat handles per run; the next run takes the rest


def sender_name(owner: User) -> str | None:
    """The buyer's name for the recipient's eyes; never their email address."""
    return owner.full_name or None


def deliver_if_due(gift: Gift, song: Song, *, song_complete: bool = False) -> bool:
    """Queue the recipient's email if the gift is due, or schedule a task when it soon will be.

    The caller holds the gift's row lock and commits. `song_complete` is for the completion
    signal, sent before the song's own status says so.
    """
    if not gift.awaits_delivery or not (song_complete or song.completed_at is not None):
        return False
    now = utcnow()
    if not gift.is_due(now):
        if gift.deliver_at - now <= SCHEDULE_HORIZON:
            after_commit(db.session, Signature(REVEAL_TASK, args=(str(gift.id),), options={"eta": gift.deliver_at}, immutable=True))
        return False
    owner = db.session.get(User, song.user_id)
    queue_email(
        gift.recipient_email,
        "gift_reveal",
        {"sender": sender_name(owner) or "Someone", "recipient_name": song.recipient_name, "title": song.display_title,
         "occasion": song.occasion, "message": gift.message, "share_url": share_url(gift)},
        dedupe_key=f"gift-reveal:{gift.id}:{hashlib.sha256(gift.recipient_email.lower().encode()).hexdigest()[:32]}",
    )
    gift.delivered_at, gift.delivered_to = now, gift.recipient_email
    log.info("gift revealed", extra={"gift_id": str(gift.id), "song_id": str(song.id)})
    return True


@song_completed.connect
def reveal_on_completion(song: Song) -> None:
    gift = db.session.scalar(sa.select(Gift).where(Gift.song_id == song.id).with_for_update())
    if gift is not None:
        deliver_if_due(gift, song, song_complete=True)


def reveal(gift_id: str) -> bool:
    """The task at `deliver_at`: deliver now if (still) due. A stale or repeated run does nothing."""
    gift = db.session.scalar(sa.select(Gift).where(Gift.id == uuid.UUID(gift_id)).with_for_update())
    delivered = gift is not None and deliver_if_due(gift, gift.song)
    db.session.commit()
    return delivered


def reveal_due() -> int:
    """The beat: deliver every gift that is due and was missed, and schedule those about to be due."""
    now = utcnow()
    gifts = db.session.scalars(
        sa.select(Gift)
        .join(Song, Gift.song_id == Song.id)
        .where(
            Gift.recipient_email.is_not(None),
            sa.or_(Gift.delivered_to.is_(None), Gift.delivered_to != Gift.recipient_email),
            sa.or_(Gift.deliver_at.is_(None), Gift.deliver_at <= now + SCHEDULE_HORIZON),
            Song.completed_at.is_not(None),
        )
        .order_by(Gift.deliver_at)
        .limit(BATCH_SIZE)
        .with_for_update(of=Gift, skip_locked=True)
    ).all()
    delivered = sum(deliver_if_due(gift, gift.song) for gift in gifts)
    db.session.commit()
    return delivered
