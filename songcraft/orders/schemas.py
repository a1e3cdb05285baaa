from marshmallow import Schema, fields, validate

from songcraft.orders.catalogue import PRODUCT_IDS
from songcraft.orders.models import STATUSES


class ProductSchema(Schema):
    id = fields.String(metadata={"enum": list(PRODUCT_IDS)})
    name = fields.String()
    description = fields.String()
    amount_cents = fields.Integer()
    currency = fields.String()


class OrderCreateSchema(Schema):
    product = fields.String(required=True, validate=validate.OneOf(PRODUCT_IDS))


class OrderSchema(Schema):
    id = fields.UUID()
    product = fields.String(metadata={"enum": list(PRODUCT_IDS)})
    status = fields.String(metadata={"enum": list(STATUSES)})
    amount_cents = fields.Integer()
    currency = fields.String()
    payment_provider = fields.String()
    payment_url = fields.String(allow_none=True)
    song_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)
    fulfilled_at = fields.DateTime(allow_none=True)
    refunded_at = fields.DateTime(allow_none=True)


class WebhookResultSchema(Schema):
    status = fields.String(metadata={"description": "What the delivery did: paid, refunded, duplicate, ignored: …"})
