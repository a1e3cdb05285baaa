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
        """What can be bought, with prices"""
        return catalogue.all_products()


@blp.route("/")
class Orders(MethodView):
    @blp.doc(security=BEARER)
    @login_required()
    @blp.response(200, schemas.OrderSchema(many=True))
    @blp.paginate(ColumnsPage, page_size=20, max_page_size=100)
    @blp.alt_response(401, schema=ErrorSchema, description="Not logged in")
    def get(self):
        """Your orders, newest first"""
        return service.with_song_ids(service.user_orders(current_user))

    @blp.doc(security=BEARER)
    @login_required(verified=True)
    @blp.arguments(schemas.OrderCreateSchema)
    @blp.response(201, schemas.OrderSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="Not logged in")
    @blp.alt_response(403, schema=ErrorSchema, description="Email not verified")
    @blp.alt_response(422, schema=ErrorSchema, description="Unknown product, or a discount code the provider does not accept")
    @blp.alt_response(503, schema=ErrorSchema, description="The payment provider is unavailable")
    def post(self, data):
        """Buy a song: creates a pending order and its checkout (pay at `payment_url`)"""
        return service.create_order(current_user, data["product"], data.get("discount_code"))


@blp.route("/<uuid:order_id>")
class OrderById(MethodView):
    @blp.doc(security=BEARER)
    @login_required()
    @blp.response(200, schemas.OrderSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="Not logged in")
    @blp.alt_response(404, schema=ErrorSchema, description="No such order of yours")
    def get(self, order_id: uuid.UUID):
        """One of your orders"""
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
