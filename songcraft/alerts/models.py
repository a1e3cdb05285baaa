"""One row per alert cause and hour: the unique key is what deduplicates alerts."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from songcraft.common.db import IdMixin, TimestampMixin, UTCDateTime
from songcraft.extensions import db

# Every kind of alert, with what the operator should do about it (shown in the email).
KINDS = {
    "order_needs_review": "A paid order does not match what was charged. Accept it or refund it in the admin API.",
    "order_disputed": "A customer disputed a charge. Answer the dispute in the payment provider's dashboard.",
    "provider_out_of_credits": "A paid provider has no credits or quota left. Top up the account; songs wait or fail meanwhile.",
    "provider_rejected_key": "A provider rejected our API key. Check the key in the settings and restart.",
    "song_failed": "A paid song failed for good. Look at its error and retry it from the admin API.",
    "email_undeliverable": "An email could not be sent after all its retries. Check the mail settings and the address.",
    "storage_deletion_failed": "Storage keeps refusing to delete the files of deleted songs. Check its credentials and permissions.",
}


class Alert(IdMixin, TimestampMixin, db.Model):
    """An alert for operators. `cause` names what went wrong (e.g. `order:<id>` or `suno:credits`);
    the same cause within the same hour is one alert whose `occurrences` count up."""

    __tablename__ = "alerts"

    kind: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    cause: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    hour: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    message: Mapped[str] = mapped_column(sa.Text, nullable=False)
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict, nullable=False)
    occurrences: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)

    __table_args__ = (
        sa.UniqueConstraint("cause", "hour", name="uq_alerts_cause_hour"),
        sa.Index("ix_alerts_created", "created_at"),
    )
