"""The email outbox: a row per email, written in the same transaction as the event it reports."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from songcraft.common.db import IdMixin, TimestampMixin, UTCDateTime
from songcraft.extensions import db


class OutboxEmail(IdMixin, TimestampMixin, db.Model):
    """`dedupe_key` is unique, so an event that fires twice (a redelivered webhook, a re-run
    task) still yields one email; `sent_at` makes the send task idempotent."""

    __tablename__ = "outbox_emails"

    to: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    template: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    context: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    subject: Mapped[str | None] = mapped_column(sa.String(200))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
