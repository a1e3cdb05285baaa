"""Order use cases: buying, reading, and applying verified payment webhooks exactly once."""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Mapping

import sqlalchemy as sa
from flask import current_app

from songcraft.auth.models import User
from songcraft.common.db import get_owned, insert_unless_exists, utcnow
from songcraft.errors import ServiceUnavailable, Unauthorized
from songcraft.extensions import db
from songcraft.notifications.service import queue_email
from songcraft.orders import catalogue
from songcraft.orders.models import Order, WebhookEvent
from songcraft.orders.signals import order_refunded
from songcraft.providers.errors import ProviderError, TransientProviderError
from songcraft.providers.payments.base import CheckoutRequest, InvalidSignature, PaymentEvent

log = logging.getLogger(__name__)


def payment_provider():
    return current_app.extensions["payment_provider"]


def create_order(user: User, product_id: str) -> Order:
    """Create a pending order and its hosted checkout; nothing is saved if the provider fails."""
    product = catalogue.get_product(product_id)
    provider = payment_provider()
    order = Order(
        id=uuid.uuid4(),
        user_id=user.id,
        product=product.id,
        amount_cents=product.amount_cents,
        currency=product.currency,
        payment_provider=provider.name,
        variant_id=catalogue.variant_id(provider.name, product.id),
    )
    checkout = CheckoutRequest(
        order_id=str(order.id),
        product=product.id,
        variant_id=order.variant_id,
        amount_cents=order.amount_cents,
        currency=order.currency,
        email=user.email,
        product_name=product.name,
        redirect_url=f"{current_app.config['FRONTEND_URL']}/orders/{order.id}",
    )
    try:
        order.payment_url = provider.create_checkout(checkout)
    except TransientProviderError as error:
        log.warning("checkout creation failed", extra={"provider": provider.name, "error": str(error)})
        raise ServiceUnavailable("The payment provider is not answering right now. Please try again in a minute.") from None
    except ProviderError as error:
        log.error("checkout refused", extra={"provider": provider.name, "error": str(error)})
        raise ServiceUnavailable("The payment provider refused to open a checkout. Please contact support.") from None
    db.session.add(order)
    db.session.commit()
    return order


def user_orders(user: User) -> sa.Select:
    return sa.select(Order).where(Order.user_id == user.id).order_by(Order.created_at.desc(), Order.id)


def get_user_order(user: User, order_id: uuid.UUID, *, for_update: bool = False) -> Order:
    return get_owned(Order, user.id, order_id, for_update=for_update)


# --- Webhooks ---------------------------------------------------------------------------


def handle_payment_webhook(raw_body: bytes, headers: Mapping[str, str], provider=None) -> str:
    """Verify, record and apply one webhook delivery in one transaction; returns the outcome.

    The signature is checked on the raw bytes before anything is parsed. A delivery whose
    (provider, event id) was already recorded changes nothing, so retries and concurrent
    duplicates are harmless. Events that make no sense for the order (unknown order, out of
    order, mismatched amount) are recorded, logged and acknowledged, never retried forever.
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

    order_id = _parse_uuid(event.order_id)
    recorded = insert_unless_exists(
        WebhookEvent,
        dict(id=uuid.uuid4(), provider=provider.name, event_id=event.event_id[:200], event_type=event.event_type[:100],
             order_id=order_id, outcome="received", created_at=utcnow(), updated_at=utcnow()),
        ["provider", "event_id"],
    )
    if not recorded:
        db.session.rollback()
        log.info("duplicate webhook ignored", extra={"provider": provider.name, "event_id": event.event_id})
        return "duplicate"

    outcome = _apply(event, order_id)
    db.session.execute(
        sa.update(WebhookEvent)
        .where(WebhookEvent.provider == provider.name, WebhookEvent.event_id == event.event_id[:200])
        .values(outcome=outcome)
    )
    db.session.commit()
    log.info("webhook processed", extra={"provider": provider.name, "event_id": event.event_id,
                                         "event_type": event.event_type, "outcome": outcome})
    return outcome


def _parse_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _apply(event: PaymentEvent, order_id: uuid.UUID | None) -> str:
    if event.kind == "ignored":
        return "ignored: event type not handled"
    order = db.session.scalar(sa.select(Order).where(Order.id == order_id).with_for_update()) if order_id else None
    if order is None:
        return "ignored: unknown order"
    if event.kind == "paid":
        return _apply_payment(order, event)
    if event.kind == "refunded":
        return _apply_refund(order)
    if event.kind == "failed":
        if not order.can_move_to("failed"):
            return f"ignored: order is {order.status}"
        order.move_to("failed")
        return "failed"
    return "ignored"


def _payment_mismatch(order: Order, event: PaymentEvent) -> str | None:
    if event.amount_cents is not None and event.amount_cents != order.amount_cents:
        return f"amount {event.amount_cents} != {order.amount_cents}"
    if event.currency and event.currency.upper() != order.currency:
        return f"currency {event.currency} != {order.currency}"
    if event.variant_id and order.variant_id and str(event.variant_id) != order.variant_id:
        return f"variant {event.variant_id} != {order.variant_id}"
    return None


def _apply_payment(order: Order, event: PaymentEvent) -> str:
    mismatch = _payment_mismatch(order, event)
    if mismatch:
        log.error("payment does not match the order", extra={"order_id": str(order.id), "mismatch": mismatch})
        return f"rejected: {mismatch}"
    if not order.can_move_to("paid"):
        return f"ignored: order is {order.status}"
    order.move_to("paid")
    order.provider_reference = event.provider_reference or order.provider_reference
    user = db.session.get(User, order.user_id)
    queue_email(
        user.email,
        "order_paid",
        {"name": user.display_name, "product": catalogue.get_product(order.product).name,
         "amount": f"{order.amount_cents / 100:.2f} {order.currency}", "order_id": str(order.id)},
        dedupe_key=f"order-paid:{order.id}",
    )
    return "paid"


def _apply_refund(order: Order) -> str:
    if not order.can_move_to("refunded"):
        return f"ignored: order is {order.status}"
    order.move_to("refunded")
    order_refunded.send(order)
    return "refunded"


def expire_pending_orders() -> int:
    """Pending orders older than ORDER_EXPIRY_HOURS become expired (a late payment still counts)."""
    cutoff = utcnow() - timedelta(hours=current_app.config["ORDER_EXPIRY_HOURS"])
    result = db.session.execute(
        sa.update(Order).where(Order.status == "pending", Order.created_at < cutoff).values(status="expired", updated_at=utcnow())
    )
    db.session.commit()
    return result.rowcount
