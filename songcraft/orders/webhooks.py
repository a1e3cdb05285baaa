"""Payment webhooks: verified on the raw bytes, recorded once, applied to the order in one transaction."""
from __future__ import annotations

import logging
import uuid
from typing import Mapping

import sqlalchemy as sa

from songcraft.common.db import insert_unless_exists, utcnow
from songcraft.errors import Unauthorized
from songcraft.extensions import db
from songcraft.orders import payments
from songcraft.orders.models import Order, WebhookEvent
from songcraft.orders.service import payment_provider
from songcraft.providers.payments.base import InvalidSignature, PaymentEvent

log = logging.getLogger(__name__)

_APPLY = {
    "paid": payments.apply_payment,
    "failed": payments.apply_failure,
    "refunded": payments.apply_refund,
    "disputed": payments.apply_dispute,
}


def handle_payment_webhook(raw_body: bytes, headers: Mapping[str, str], provider=None) -> str:
    """Verify, record and apply one webhook delivery in one transaction; returns the outcome.

    The signature is checked on the raw bytes before anything is parsed. A delivery whose
    (provider, event id) was already recorded changes nothing, so retries and concurrent
    duplicates are harmless — except when that event's payment was held for review: then the
    redelivery is applied again, so a corrected one pays the order instead of being lost as a
    duplicate. Events that make no sense for the order (unknown order, out of order) are
    recorded, logged and acknowledged, never retried forever.
    """
    provider = provider or payment_provider()
    try:
        event = provider.parse_webhook(raw_body, headers)
    except InvalidSignature as error:
        log.warning("webhook signature rejected", extra={"provider": provider.name, "reason": str(error)})
        raise Unauthorized("Invalid webhook signature.") from None
    except ValueError:
        log.warning("signed webhook with an unreadable body", extra={"provider": provider.name})
        return "unreadable"

    event_key = (WebhookEvent.provider == provider.name, WebhookEvent.event_id == event.event_id[:200])
    recorded = insert_unless_exists(
        WebhookEvent,
        dict(id=uuid.uuid4(), provider=provider.name, event_id=event.event_id[:200], event_type=event.event_type[:100],
             order_id=_parse_uuid(event.order_id), outcome="received", created_at=utcnow(), updated_at=utcnow()),
        ["provider", "event_id"],
    )
    if not recorded and not _held_for_review(event_key):
        db.session.rollback()
        log.info("duplicate webhook ignored", extra={"provider": provider.name, "event_id": event.event_id})
        return "duplicate"

    order = _find_order(provider.name, event)
    outcome = _apply(event, order)
    db.session.execute(sa.update(WebhookEvent).where(*event_key)
                       .values(outcome=outcome[:200], order_id=order.id if order else _parse_uuid(event.order_id), updated_at=utcnow()))
    db.session.commit()
    log.info("webhook processed", extra={"provider": provider.name, "event_id": event.event_id,
                                         "event_type": event.event_type, "outcome": outcome})
    return outcome


def _held_for_review(event_key) -> bool:
    """Whether the recorded delivery held its order for review (the row is locked, so concurrent redeliveries queue)."""
    outcome = db.session.scalar(sa.select(WebhookEvent.outcome).where(*event_key).with_for_update())
    return (outcome or "").startswith("needs_review")


def _find_order(provider_name: str, event: PaymentEvent) -> Order | None:
    """The order the event names, locked; events that only name the payment (a Stripe dispute) are
    matched by the provider's reference the payment recorded."""
    if event.kind == "ignored":
        return None
    order_id = _parse_uuid(event.order_id)
    if order_id is not None:
        condition = Order.id == order_id
    elif event.provider_reference:
        condition = sa.and_(Order.payment_provider == provider_name, Order.provider_reference == event.provider_reference)
    else:
        return None
    return db.session.scalar(sa.select(Order).where(condition).with_for_update())


def _apply(event: PaymentEvent, order: Order | None) -> str:
    if event.kind == "ignored":
        return "ignored: event type not handled"
    if order is None:
        return "ignored: unknown order"
    return _APPLY[event.kind](order, event)


def _parse_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
