"""A requested export of a customer's data: one ZIP, built by a worker, linked by email."""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from songcraft.common.db import IdMixin, TimestampMixin, UTCDateTime
from songcraft.extensions import db

STATUSES = ("queued", "running", "ready", "failed")
IN_PROGRESS = ("queued", "running")


class DataExport(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "data_exports"

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued", nullable=False)
    storage_key: Mapped[str | None] = mapped_column(sa.String(512))
    size_bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    error: Mapped[str | None] = mapped_column(sa.Text)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the link stops working and the file is deleted

    __table_args__ = (sa.CheckConstraint(f"status IN {STATUSES}", name="status"),)

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS
