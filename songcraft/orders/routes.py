"""HTTP routes for the catalogue, orders and payment webhooks (the contract's Orders section)."""
from __future__ import annotations

import uuid

from flask import request
from flask.views import MethodView
from flask_jwt_extended import current_user

from songcraft.auth.access import BEARER, login_required
from songcraft.common.blueprint import Blueprint
from songcraft.common.pagination import ColumnsPage
from songcraft.common.schemas import ErrorSchema
from songcraft.orders import catalogue, schemas, service, webhooks

blp = Blueprint("orders", __name__, url_prefix="/api/v1/orders", description="Products, orders and payments")


@blp.route("/products")
class Products(MethodView):
    @blp.response(200, schemas.ProductSchema(many=True))
    def get(self):
        """What can be bought, with prices

        Public. The products from the server's configuration: `audio` (the song) and `video` (the song and a
        video of your photos), each with its price in cents and its currency. Read-only.
        """
        return catalogue.all_products()


@blp.route("/")
class Orders(MethodView):
    @blp.doc(security=BEARER)
    @login_required(read_only=True)
    @blp.response(200, schemas.OrderSchema(many=True))
    @blp.paginate(ColumnsPage, page_size=20, max_page_size=100)
    @blp.alt_response(401, schema=ErrorSchema, description="Not logged in")
    def get(self):
        """Your orders, newest first

        Any logged-in customer; only their own orders. Each shows its status (`pending`, `paid`, `fulfilled`,
        ...), the price in cents, the discount once paid, and `song_id` once a song was made from it. Paginated
        with `?page=` and `?page_size=` (at most 100); the `X-Pagination` header carries the total. Read-only.
        """
        return service.with_song_ids(service.user_orders(current_user))

    @blp.doc(security=BEARER)
    @login_required(verified=True)
    @blp.arguments(schemas.OrderCreateSchema)
    @blp.response(201, schemas.OrderSchema)
    @blp.alt_response(422, schema=ErrorSchema, description="Unknown product, or a discount code the provider does not accept")
    @blp.alt_response(503, schema=ErrorSchema, description="The payment provider is unavailable")
    def post(self, data):
        """Buy a song: creates a pending order and its checkout (pay at `payment_url`)

        A customer with a verified email. Creates a `pending` order and a hosted checkout at the configured
        payment provider (Lemon Squeezy, Stripe, or the built-in sandbox); send the customer to `payment_url`.
        The provider's webhook marks the order `paid` and a confirmation is emailed; then `POST /songs/` makes
        the song. A `discount_code` is checked by the provider first: an unknown or expired code is 422 and no
        order. A provider that does not answer gives 503 and saves nothing. Not idempotent: each call creates an
        order. Unpaid orders expire after `ORDER_EXPIRY_HOURS`.
        """
        return service.create_order(current_user, data["product"], data.get("discount_code"))


@blp.route("/<uuid:order_id>")
class OrderById(MethodView):
    @blp.doc(security=BEARER)
    @login_required()
    @blp.response(200, schemas.OrderSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order of yours")
    def get(self, order_id: uuid.UUID):
        """One of your orders

        The order's owner only (another customer's order is 404). Poll it after the checkout to see it become
        `paid`. Read-only.
        """
        return service.get_user_order(current_user, order_id)


@blp.route("/webhooks/payment")
class PaymentWebhook(MethodView):
    @blp.response(200, schemas.WebhookResultSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="Missing or invalid signature; nothing changed")
    @blp.doc(description="Lemon Squeezy (`X-Signature`), Stripe (`Stripe-Signature`) or the sandbox, whichever is configured. "
             "The signature is verified on the raw body. Redeliveries are acknowledged and change nothing.")
    def post(self):
        """The payment provider's webhook"""
        return {"status": webhooks.handle_payment_webhook(request.get_data(cache=False), request.headers)}
