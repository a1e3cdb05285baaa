"""Admin use cases for orders: list any user's orders, accept a payment held for review, refund through the provider.

Both actions are audited in the transaction that changes the order. A refund never holds a
transaction open while the provider is called: the order is checked, the provider refunds, and
the order is moved and audited in a second, short transaction.
"""
from __future__ import annotations

import uuid

import sqlalchemy as sa

from songcraft.admin.service import record
from songcraft.auth.models import User
from songcraft.errors import NotFound
from songcraft.extensions import db
from songcraft.orders import payments
from songcraft.orders.models import Order
from songcraft.orders.schemas import list_loading


def orders(status: str | None = None) -> sa.Select:
    """Every user's orders with their owner's email, newest first."""
    query = sa.select(Order, User.email.label("user_email")).join(User, User.id == Order.user_id).options(list_loading())
    if status:
        query = query.where(Order.status == status)
    return query.order_by(Order.created_at.desc(), Order.id)


def accept(admin: User, order_id: uuid.UUID) -> sa.Row:
    """needs_review -> paid: the customer is emailed and can make the song."""
    order = _locked(order_id)
    review = order.review
    payments.accept_held_payment(order)
    record(admin, "order.accept", "order", order.id, {"review": review})
    db.session.commit()
    return _with_email(order_id)


def refund(admin: User, order_id: uuid.UUID) -> sa.Row:
    """A full refund through the provider that took the payment, then -> refunded (its song stops)."""
    claim = payments.claim_refund(order_id)
    db.session.commit()  # no transaction stays open while the provider is called
    reference = payments.refund_at_provider(claim)
    order = _locked(order_id)
    if order.status != "refunded":  # else the provider's refund webhook got here first
        payments.record_refund(order)
    record(admin, "order.refund", "order", order.id, {"status": claim.status, "refund": reference})
    db.session.commit()
    return _with_email(order_id)


def _locked(order_id: uuid.UUID) -> Order:
    order = db.session.scalar(sa.select(Order).where(Order.id == order_id).with_for_update())
    if order is None:
        raise NotFound("Order not found.")
    return order


def _with_email(order_id: uuid.UUID) -> sa.Row:
    return db.session.execute(orders().where(Order.id == order_id)).one()
