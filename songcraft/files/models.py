"""Photos a customer uploads for a video song."""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from songcraft.common.db import IdMixin, TimestampMixin
from songcraft.extensions import db


class Image(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "song_images"

    song_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("songs.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    storage_key: Mapped[str] = mapped_column(sa.String(512), nullable=False)
    thumbnail_key: Mapped[str] = mapped_column(sa.String(512), nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    width: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    height: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    size_bytes: Mapped[int] = mapped_column(sa.Integer, nullable=False)

    __table_args__ = (sa.Index("ix_song_images_song_position", "song_id", "position"),)


def song_images(song) -> list[Image]:
    """The song's photos in slideshow order."""
    return db.session.scalars(sa.select(Image).where(Image.song_id == song.id).order_by(Image.position)).all()
