"""A gift: the share link of one song, who receives it, when, and whether it was opened."""
from __future__ import annotations

import secrets
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from songcraft.common.db import IdMixin, TimestampMixin, UTCDateTime
from songcraft.extensions import db
from songcraft.songs.models import Song


class Gift(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "gifts"

    song_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("songs.id", ondelete="CASCADE"), unique=True, nullable=False)
    # Random per link; the share token is derived from it and SECRET_KEY (see links.py), never stored.
    link_nonce: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    recipient_email: Mapped[str | None] = mapped_column(sa.String(254))
    message: Mapped[str | None] = mapped_column(sa.Text)
    deliver_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: as soon as the song is complete
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_to: Mapped[str | None] = mapped_column(sa.String(254))  # the address the reveal email went to
    first_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    views: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0", nullable=False)

    song: Mapped[Song] = relationship()

    __table_args__ = (sa.Index("ix_gifts_deliver_at", "deliver_at"),)

    def new_link(self) -> None:
        """Issue a new share link; the previous one stops working."""
        self.link_nonce = secrets.token_hex(16)

    @property
    def awaits_delivery(self) -> bool:
        """There is a recipient address that has not been sent the link yet."""
        return bool(self.recipient_email) and self.delivered_to != self.recipient_email

    def is_due(self, now: datetime) -> bool:
        return self.deliver_at is None or self.deliver_at <= now
