"""The cover art of a song (one per song, replaced when the song is finished again)."""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from songcraft.common.db import TimestampMixin
from songcraft.extensions import db


class SongCover(TimestampMixin, db.Model):
    __tablename__ = "song_covers"

    song_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("songs.id", ondelete="CASCADE"), primary_key=True)
    storage_key: Mapped[str] = mapped_column(sa.String(512), nullable=False)
    size_bytes: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    width: Mapped[int] = mapped_column(sa.Integer, nullable=False)  # covers are square
    from_photo: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
