"""Queue emails through the outbox and render them from templates (text + HTML)."""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, render_template

from songcraft.common.db import insert_unless_exists, utcnow
from songcraft.common.dispatch import after_commit
from songcraft.common.text import single_line
from songcraft.extensions import db
from songcraft.notifications.models import OutboxEmail
from songcraft.notifications.signals import email_undeliverable

log = logging.getLogger(__name__)

SUBJECTS = {
    "verify_email": "Confirm your email for SongCraft",
    "reset_password": "Reset your SongCraft password",
    "account_exists": "You already have a SongCraft account",
    "order_paid": "Thank you! Your SongCraft order is confirmed",
    "song_ready": "Your song “{title}” is ready",
    "lyrics_review": "Your lyrics for “{title}” are ready to review",
    "lyrics_approved_automatically": "We went ahead with the lyrics of “{title}”",
    "song_failed": "We hit a problem with your song “{title}”",
    "admin_alert": "SongCraft alert: {kind}",
    "gift_reveal": "{sender} made you a song: “{title}”",
    "gift_opened": "{recipient_name} just opened “{title}”",
    "data_export_ready": "Your SongCraft data is ready to download",
}
MAX_ATTEMPTS = 8
SEND_TASK = "songcraft.email.send"  # sent by name: the tasks module imports this one, never the reverse


def queue_email(to: str, template: str, context: dict, dedupe_key: str | None = None) -> None:
    """Add an email to the outbox in the caller's transaction; it is sent after the commit.

    With a `dedupe_key`, a second call for the same key is a no-op (an INSERT … ON CONFLICT
    DO NOTHING, so it is safe under concurrency too).
    """
    if template not in SUBJECTS:
        raise ValueError(f"unknown email template {template!r}")
    email_id = uuid.uuid4()
    values = dict(id=email_id, to=to, template=template, context=context, dedupe_key=dedupe_key,
                  attempts=0, created_at=utcnow(), updated_at=utcnow())
    if insert_unless_exists(OutboxEmail, values, ["dedupe_key"]):
        send = current_app.extensions["celery"].signature(SEND_TASK, args=(str(email_id),), immutable=True)
        after_commit(db.session, send)


def render(email: OutboxEmail) -> tuple[str, str, str]:
    context = {**email.context, "frontend_url": current_app.config["FRONTEND_URL"]}
    subject = single_line(SUBJECTS[email.template].format(**context))  # a line break would be a header injection
    text = render_template(f"email/{email.template}.txt", **context)
    html = render_template(f"email/{email.template}.html", **context)
    return subject, text, html


def deliver(email_id: str) -> bool:
    """Send one outbox email unless already sent. Returns whether it was sent now.

    The row is locked while sending so two workers holding the same message cannot both send it.
    """
    email = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.id == uuid.UUID(email_id)).with_for_update())
    if email is None or email.sent_at is not None or email.attempts >= MAX_ATTEMPTS:
        db.session.rollback()
        return False
    subject, text, html = render(email)
    email.attempts += 1
    try:
        current_app.extensions["email_sender"].send(to=email.to, subject=subject, text=text, html=html)
    except Exception as error:
        email.last_error = f"{type(error).__name__}: {error}"[:2000]
        if email.attempts >= MAX_ATTEMPTS:
            email_undeliverable.send(email)  # the last attempt: admins are alerted (songcraft/alerts)
        db.session.commit()
        raise
    # The context may hold one-time links (verification, reset): no need to keep them once sent.
    email.subject, email.sent_at, email.last_error, email.context = subject, utcnow(), None, {}
    db.session.commit()
    log.info("email sent", extra={"email_id": email_id, "template": email.template})
    return True


def unsent_email_ids(older_than: timedelta = timedelta(minutes=5)) -> list[str]:
    """Emails whose task was lost (broker down at commit time, worker crash): to be sent again."""
    rows = db.session.scalars(
        sa.select(OutboxEmail.id).where(
            OutboxEmail.sent_at.is_(None),
            OutboxEmail.attempts < MAX_ATTEMPTS,
            OutboxEmail.created_at < utcnow() - older_than,
        )
    )
    return [str(row) for row in rows]
