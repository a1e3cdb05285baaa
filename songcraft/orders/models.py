"""Orders, their state machine, and the record of processed payment webhooks."""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from songcraft.common.db import IdMixin, TimestampMixin, UTCDateTime, utcnow
from songcraft.errors import Conflict
from songcraft.extensions import db

STATUSES = ("pending", "paid", "fulfilled", "expired", "failed", "refunded", "needs_review", "disputed")

# The only moves an order can make. Money taken is never ignored: a payment that arrives after
# the checkout expired is still honoured (expired -> paid), and a signed payment that does not
# match the order, or arrives for a failed one, waits for an admin in `needs_review` (who accepts
# it -> paid, or refunds it). A chargeback moves a charged order to `disputed`.
TRANSITIONS = {
    "pending": {"paid", "expired", "failed", "needs_review"},
    "expired": {"paid", "needs_review"},
    "failed": {"needs_review"},
    "needs_review": {"paid", "refunded", "disputed"},
    "paid": {"fulfilled", "refunded", "disputed"},
    "fulfilled": {"refunded", "disputed"},
    "disputed": {"refunded"},
    "refunded": set(),
}


class IllegalTransition(Conflict):
    """An order was asked to move where its state machine does not allow (HTTP 409)."""


class Order(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "orders"

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    product: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending", nullable=False)
    amount_cents: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    currency: Mapped[str] = mapped_column(sa.String(3), nullable=False)
    payment_provider: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    variant_id: Mapped[str] = mapped_column(sa.String(100), nullable=False, default="")
    payment_url: Mapped[str | None] = mapped_column(sa.Text)
    provider_reference: Mapped[str | None] = mapped_column(sa.String(200))  # the provider's order / payment intent id
    discount_code: Mapped[str | None] = mapped_column(sa.String(64))  # as the customer gave it, upper-cased
    discount_cents: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0", nullable=False)  # as reported
    review: Mapped[dict | None] = mapped_column(sa.JSON)  # why a payment was held for review, and what arrived
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when its one song was started

    __table_args__ = (
        sa.CheckConstraint(f"status IN {STATUSES}", name="status"),
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint("discount_cents >= 0", name="discount_not_negative"),
        sa.Index("ix_orders_user_created", "user_id", "created_at"),
        sa.Index("ix_orders_status_created", "status", "created_at"),
        sa.Index("ix_orders_provider_reference", "payment_provider", "provider_reference"),
    )

    @property
    def includes_video(self) -> bool:
        return self.product == "video"

    @property
    def charged_cents(self) -> int:
        """What the customer paid before tax: the price less the discount the provider reported."""
        return self.amount_cents - self.discount_cents

    @property
    def song_id(self) -> uuid.UUID | None:
        """The order's song, if one was started (`song` is the backref of Song.order)."""
        song = getattr(self, "song", None)
        return song.id if song is not None else None

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS[self.status]

    def move_to(self, status: str) -> None:
        if not self.can_move_to(status):
            raise IllegalTransition(f"An order that is {self.status} cannot become {status}.")
        self.status = status
        now = utcnow()
        if status == "paid":
            self.paid_at = now
        elif status == "fulfilled":
            self.fulfilled_at = now
        elif status == "refunded":
            self.refunded_at = now


class WebhookEvent(IdMixin, TimestampMixin, db.Model):
    """One processed webhook delivery. The unique (provider, event_id) makes redeliveries no-ops,
    concurrent ones included: the second insert waits for the first and then finds the row."""

    __tablename__ = "webhook_events"

    provider: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    event_id: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    event_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    order_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    outcome: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="received")

    __table_args__ = (sa.UniqueConstraint("provider", "event_id", name="uq_webhook_events_provider_event"),)
