"""Refused texts, counted: one row per refused field and category, never the text itself."""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from songcraft.common.db import IdMixin, UTCDateTime, utcnow
from songcraft.extensions import db


class ModerationRefusal(IdMixin, db.Model):
    """A refused attempt: which field, which category, judged by which provider, and when.

    One request refused for two fields in two categories is four rows sharing one `attempt_id`.
    No text and no user are kept: the admin stats count, they do not quote.
    """

    __tablename__ = "moderation_refusals"

    attempt_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, nullable=False)
    field: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    category: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    provider: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
