"""The built-in sandbox checkout: a page served by the app where the customer pays or declines.

Pay and Decline build a Lemon-Squeezy-format webhook signed with the sandbox secret and push
it through `handle_payment_webhook`, the very path real webhooks take.
"""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from songcraft.auth.models import User
from songcraft.extensions import db
from songcraft.orders import catalogue
from songcraft.orders.models import Order
from songcraft.orders.service import payment_provider
from songcraft.orders.webhooks import handle_payment_webhook

bp = Blueprint("sandbox_checkout", __name__, url_prefix="/sandbox/checkout")


def _order_for(order_id: uuid.UUID, token: str) -> Order:
    provider = payment_provider()
    if provider.name != "sandbox" or not provider.is_valid_checkout_token(str(order_id), token):
        abort(404)
    order = db.session.get(Order, order_id)
    if order is None:
        abort(404)
    return order


@bp.get("/<uuid:order_id>")
def checkout_page(order_id: uuid.UUID):
    token = request.args.get("token", "")
    order = _order_for(order_id, token)
    product = catalogue.get_product(order.product)
    discount = payment_provider().discount_cents(order.discount_code, order.amount_cents)
    return render_template("sandbox_checkout.html", order=order, product=product, token=token,
                           amount=f"{(order.amount_cents - discount) / 100:.2f}", discount=f"{discount / 100:.2f}" if discount else None,
                           order_url=f"{current_app.config['FRONTEND_URL']}/orders/{order.id}")


@bp.post("/<uuid:order_id>")
def confirm(order_id: uuid.UUID):
    token = request.form.get("token", "")
    order = _order_for(order_id, token)
    declined = request.form.get("decision") == "decline"
    provider = payment_provider()
    user = db.session.get(User, order.user_id)
    body, headers = provider.build_webhook(
        order_id=str(order.id), event_name="order_created", amount_cents=order.amount_cents, currency=order.currency,
        variant_id=order.variant_id, email=user.email, product_name=catalogue.get_product(order.product).name,
        status="failed" if declined else "paid", discount_cents=provider.discount_cents(order.discount_code, order.amount_cents),
    )
    handle_payment_webhook(body, headers)
    # Back to the page, which now shows the outcome and links on to the shop's frontend.
    return redirect(url_for("sandbox_checkout.checkout_page", order_id=order.id, token=token), 303)
