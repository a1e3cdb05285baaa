"""Order use cases: buying and reading orders, and expiring the ones never paid."""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from songcraft.auth.models import User
from songcraft.common.db import get_owned, utcnow
from songcraft.errors import ServiceUnavailable, Unprocessable
from songcraft.extensions import db
from songcraft.orders import catalogue
from songcraft.orders.models import Order
from songcraft.providers.errors import ProviderError, TransientProviderError
from songcraft.providers.payments.base import CheckoutRequest, DiscountCodeRejected

log = logging.getLogger(__name__)


def payment_provider():
    return current_app.extensions["payment_provider"]


def create_order(user: User, product_id: str, discount_code: str | None = None) -> Order:
    """Create a pending order and its hosted checkout; nothing is saved if the provider fails.

    A discount code goes to the provider's own mechanism, which checks it: an unknown or expired
    code is a 422 and no order. The provider then reports the discount with the payment.
    """
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
        discount_code=discount_code.upper() if discount_code else None,
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
        discount_code=order.discount_code,
    )
    db.session.commit()  # end the request's read transaction: none stays open while the provider is called
    try:
        order.payment_url = provider.create_checkout(checkout)
    except DiscountCodeRejected as error:
        raise Unprocessable(str(error), errors={"json": {"discount_code": [str(error)]}}) from None
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


def with_song_ids(orders: sa.Select) -> sa.Select:
    """`orders` with each order's song id as a `song_id` column (what OrderSchema shows), joined
    in. `Order.song` is the backref the songs feature declares, there once the mappers are
    configured: hence looked up per call."""
    return orders.outerjoin(Order.song).add_columns(Order.song.property.mapper.columns.id.label("song_id"))


def get_user_order(user: User, order_id: uuid.UUID, *, for_update: bool = False) -> Order:
    return get_owned(Order, user.id, order_id, for_update=for_update)


def expire_pending_orders() -> int:
    """Pending orders older than ORDER_EXPIRY_HOURS become expired (a late payment still counts)."""
    cutoff = utcnow() - timedelta(hours=current_app.config["ORDER_EXPIRY_HOURS"])
    result = db.session.execute(
        sa.update(Order).where(Order.status == "pending", Order.created_at < cutoff).values(status="expired", updated_at=utcnow())
    )
    db.session.commit()
    return result.rowcount
