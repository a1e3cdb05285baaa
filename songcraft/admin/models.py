"""The audit log of admin actions."""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from songcraft.common.db import IdMixin, UTCDateTime, utcnow
from songcraft.extensions import db


class AuditLog(IdMixin, db.Model):
    """One admin action: who did what to which record, and how. Rows are only ever inserted.

    The actor's email is copied so the entry stays readable after that account is deleted.
    """

    __tablename__ = "audit_logs"

    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_email: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    action: Mapped[str] = mapped_column(sa.String(50), nullable=False)
    target_type: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    target_id: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    __table_args__ = (
        sa.Index("ix_audit_logs_created", "created_at"),
        sa.Index("ix_audit_logs_target", "target_type", "target_id"),
    )
