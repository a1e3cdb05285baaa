from marshmallow import Schema, fields, validate
from sqlalchemy.orm import defer, joinedload, raiseload

from songcraft.common import examples as ex
from songcraft.common.fast_dump import FastDumpSchema
from songcraft.orders.catalogue import PRODUCT_IDS
from songcraft.orders.models import STATUSES, Order


class ProductSchema(Schema):
    id = fields.String(metadata={"example": "video", "enum": list(PRODUCT_IDS)})
    name = fields.String(metadata={"example": "Personalized song + video"})
    description = fields.String(metadata={"example": "The song plus a video of your photos set to it, delivered as an MP4."})
    amount_cents = fields.Integer(metadata={"example": 2900})
    currency = fields.String(metadata={"example": "USD"})


DISCOUNT_CODE = r"^[A-Za-z0-9-]{3,64}$"


class OrderCreateSchema(Schema):
    product = fields.String(required=True, validate=validate.OneOf(PRODUCT_IDS), metadata={"example": "video"})
    discount_code = fields.String(
        validate=validate.Regexp(DISCOUNT_CODE, error="A discount code is 3 to 64 letters, digits or dashes."),
        metadata={"description": "A code the payment provider knows (Lemon Squeezy discount, Stripe promotion code, "
                                 "or SANDBOX_DISCOUNT_CODES); any case. The checkout applies it.", "example": "WELCOME10"},
    )


class OrderSchema(FastDumpSchema):
    id = fields.UUID(metadata={"example": ex.ORDER_ID})
    product = fields.String(metadata={"example": "video", "enum": list(PRODUCT_IDS)})
    status = fields.String(metadata={"example": "fulfilled", "enum": list(STATUSES)})
    amount_cents = fields.Integer(metadata={"example": 2900, "description": "The catalogue price"})
    currency = fields.String(metadata={"example": "USD"})
    discount_code = fields.String(allow_none=True,
        metadata={"example": "WELCOME10", "description": "The code given when ordering, upper-cased"})
    discount_cents = fields.Integer(
        metadata={"example": 290, "description": "The discount the provider reported with the payment (0 until paid)"})
    payment_provider = fields.String(metadata={"example": "lemonsqueezy"})
    payment_url = fields.String(allow_none=True, metadata={"example": ex.PAYMENT_URL})
    song_id = fields.UUID(allow_none=True, metadata={"example": ex.SONG_ID})
    created_at = fields.DateTime(metadata={"example": ex.ORDERED_AT})
    paid_at = fields.DateTime(allow_none=True, metadata={"example": ex.PAID_AT})
    fulfilled_at = fields.DateTime(allow_none=True, metadata={"example": ex.SONG_COMPLETED_AT})
    refunded_at = fields.DateTime(allow_none=True, metadata={"example": None})


def list_loading():
    """Loader option for a page of orders: each order's song joined in the page's query, its id
    alone (all OrderSchema reads, as `song_id`), and none of the song's own relations.

    `Order.song` is the backref the songs feature declares; it exists once the mappers are
    configured, hence a function called per request rather than a module constant.
    """
    return joinedload(Order.song).options(defer("*"), raiseload("*"))


class WebhookResultSchema(Schema):
    status = fields.String(
        metadata={"example": "paid", "description": "What the delivery did: paid, needs_review: …, refunded, failed, disputed, "
                                                    "duplicate, ignored: …"})
