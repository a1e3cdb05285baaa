"""What happens to an order when money moves: a payment, a payment held for review, a refund, a dispute.

Money taken is never ignored. A signed payment that matches the order pays it. One that does not
(amount, currency, variant, or a discount without a code), or that arrives for an order that had
failed, holds the order in `needs_review` with what arrived, and alerts an admin, who accepts it
(-> paid) or refunds it. A chargeback moves a charged order to `disputed`, stops its song and
alerts an admin. Functions taking an Order work on a row the caller locked, in the caller's
transaction (the caller commits), so the move, its email, alert and audit entry land together.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from songcraft.alerts.service import raise_alert
from songcraft.auth.models import User
from songcraft.common.db import utcnow
from songcraft.errors import Conflict, NotFound, ServiceUnavailable
from songcraft.extensions import db
from songcraft.notifications.service import queue_email
from songcraft.orders import catalogue
from songcraft.orders.models import Order
from songcraft.orders.service import payment_provider
from songcraft.orders.signals import order_disputed, order_refunded
from songcraft.providers.errors import ProviderError, TransientProviderError
from songcraft.providers.payments.base import PaymentEvent

REFUNDABLE_BY_ADMIN = ("needs_review", "paid", "fulfilled")  # a disputed charge is answered at the provider instead


# --- Payments -----------------------------------------------------------------------------


def payment_problems(order: Order, event: PaymentEvent) -> list[str]:
    """How a payment differs from the order; a discount is fine only when the customer gave a code."""
    problems = []
    if event.amount_cents is not None and event.amount_cents != order.amount_cents:
        problems.append(f"amount {event.amount_cents} != {order.amount_cents}")
    if event.currency and event.currency.upper() != order.currency:
        problems.append(f"currency {event.currency} != {order.currency}")
    if event.variant_id and order.variant_id and str(event.variant_id) != order.variant_id:
        problems.append(f"variant {event.variant_id} != {order.variant_id}")
    if event.discount_cents and not order.discount_code:
        problems.append(f"discount {event.discount_cents} without a discount code")
    elif not 0 <= event.discount_cents <= order.amount_cents:
        problems.append(f"discount {event.discount_cents} outside 0..{order.amount_cents}")
    return problems


def apply_payment(order: Order, event: PaymentEvent) -> str:
    problems = payment_problems(order, event)
    if not problems and order.can_move_to("paid"):
        order.move_to("paid")
        order.provider_reference = event.provider_reference or order.provider_reference
        order.discount_cents = event.discount_cents
        _email_paid(order)
        return "paid"
    if order.status == "needs_review":  # a redelivery that is still wrong: the admin already knows
        return f"needs_review: {'; '.join(problems)}"
    if order.can_move_to("needs_review"):
        _hold_for_review(order, event, problems or [f"a payment arrived for an order that had {order.status}"])
        return f"needs_review: {'; '.join(order.review['problems'])}"
    return _payment_for_settled_order(order, event)


def _hold_for_review(order: Order, event: PaymentEvent, problems: list[str]) -> None:
    order.move_to("needs_review")
    order.provider_reference = event.provider_reference or order.provider_reference
    order.discount_cents = min(max(event.discount_cents, 0), order.amount_cents)
    order.review = {"problems": problems, "received": event.received(), "held_at": utcnow().isoformat()}
    raise_alert("order_needs_review", f"order:{order.id}", f"Order {order.id} was paid, but {'; '.join(problems)}.",
                {"order": str(order.id), "provider": order.payment_provider, **order.review})


def _payment_for_settled_order(order: Order, event: PaymentEvent) -> str:
    """A payment for an order that is already paid (or refunded, disputed): a redelivery changes
    nothing, but a payment under another reference is a second charge an admin must refund."""
    if event.provider_reference and order.provider_reference and event.provider_reference != order.provider_reference:
        raise_alert("order_needs_review", f"order:{order.id}:{event.provider_reference}",
                    f"Order {order.id} is {order.status} but was charged again ({event.provider_reference}); "
                    "refund the second charge in the provider's dashboard.",
                    {"order": str(order.id), "first_payment": order.provider_reference, "received": event.received()})
        return f"ignored: order is {order.status}; second payment alerted"
    return f"ignored: order is {order.status}"


def accept_held_payment(order: Order) -> None:
    """Admin: the payment held for review is good after all; the customer can make the song."""
    if order.status != "needs_review":
        raise Conflict(f"Only an order that needs review can be accepted; this one is {order.status}.")
    order.move_to("paid")
    _email_paid(order)


def _email_paid(order: Order) -> None:
    user = db.session.get(User, order.user_id)
    queue_email(
        user.email,
        "order_paid",
        {"name": user.display_name, "product": catalogue.get_product(order.product).name,
         "amount": f"{order.charged_cents / 100:.2f} {order.currency}", "order_id": str(order.id)},
        dedupe_key=f"order-paid:{order.id}",
    )


def apply_failure(order: Order, event: PaymentEvent) -> str:
    if not order.can_move_to("failed"):
        return f"ignored: order is {order.status}"
    order.move_to("failed")
    return "failed"


# --- Refunds --------------------------------------------------------------------------------


def apply_refund(order: Order, event: PaymentEvent) -> str:
    if not order.can_move_to("refunded"):
        return f"ignored: order is {order.status}"
    record_refund(order)
    return "refunded"


def record_refund(order: Order) -> None:
    order.move_to("refunded")
    order_refunded.send(order)


@dataclass(frozen=True)
class RefundClaim:
    """What an admin refund needs from the order, read before the provider is called."""

    order_id: uuid.UUID
    status: str
    provider_reference: str


def claim_refund(order_id: uuid.UUID) -> RefundClaim:
    """Check that the order can be refunded through the configured provider (nothing is changed)."""
    order = db.session.get(Order, order_id)
    if order is None:
        raise NotFound("Order not found.")
    if order.status not in REFUNDABLE_BY_ADMIN:
        raise Conflict(f"Only an order that is {', '.join(REFUNDABLE_BY_ADMIN)} can be refunded here; this one is {order.status}.")
    provider = payment_provider()
    if order.payment_provider != provider.name:
        raise Conflict(f"This order was paid through {order.payment_provider}, which is no longer configured; "
                       "refund it in that provider's dashboard.")
    if not order.provider_reference:
        raise Conflict("The provider never reported a payment for this order, so there is nothing to refund.")
    return RefundClaim(order.id, order.status, order.provider_reference)


def refund_at_provider(claim: RefundClaim) -> str:
    """Ask the provider for a full refund (call with no transaction open); returns its reference."""
    provider = payment_provider()
    try:
        return provider.refund(claim.provider_reference, str(claim.order_id))
    except TransientProviderError:
        raise ServiceUnavailable("The payment provider is not answering right now; nothing was refunded. Try again.") from None
    except ProviderError as error:
        raise Conflict(f"The payment provider refused the refund: {error}") from None


# --- Disputes -------------------------------------------------------------------------------


def apply_dispute(order: Order, event: PaymentEvent) -> str:
    """A chargeback: a charged order becomes `disputed` (its song stops); an admin is alerted in any case."""
    details = {"order": str(order.id), "order_status": order.status, "amount": event.amount_cents, "currency": event.currency,
               "dispute": event.details.get("id"), "reason": event.details.get("reason"), "dispute_status": event.details.get("status")}
    moved = order.can_move_to("disputed")
    if moved:
        order.move_to("disputed")
        order_disputed.send(order)
    raise_alert("order_disputed", f"order:{order.id}",
                f"The payment for order {order.id} was disputed ({event.details.get('reason') or 'no reason given'}).", details)
    return "disputed" if moved else f"ignored: order is {order.status}; dispute alerted"
