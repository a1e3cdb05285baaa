from marshmallow import Schema, ValidationError, fields, pre_dump, validate, validates_schema

from songcraft.admin.health import CHECKS
from songcraft.alerts.models import KINDS as ALERT_KINDS
from songcraft.auth.models import ROLES
from songcraft.auth.schemas import UserSchema
from songcraft.celery_app import QUEUES
from songcraft.common.fast_dump import FastDumpSchema
from songcraft.common.schemas import choice
from songcraft.orders.models import STATUSES as ORDER_STATUSES
from songcraft.orders.schemas import OrderSchema
from songcraft.songs.models import STATUSES as SONG_STATUSES
from songcraft.songs.schemas import SongSummarySchema


class UserQuerySchema(Schema):
    q = fields.String(validate=validate.Length(min=1, max=254), metadata={"description": "Part of the email or name, any case"})
    role = choice(ROLES)
    verified = fields.Boolean()
    active = fields.Boolean()


class AdminUserSchema(FastDumpSchema, UserSchema):
    last_login_at = fields.DateTime(dump_only=True, allow_none=True)


class UserUpdateSchema(Schema):
    is_active = fields.Boolean()
    role = fields.String(validate=validate.OneOf(ROLES))

    @validates_schema
    def _something_to_change(self, data, **kwargs):
        if not data:
            raise ValidationError("Give is_active, role or both.")


class AdminSongSchema(SongSummarySchema):
    """A song in a list, with its owner's email (a `SongSummary` of the admin list carries it)."""

    class Meta(SongSummarySchema.Meta):
        description = ("A song in the admin list, with its owner: every field of the song but `story` and `lyrics`, "
                       "which the owner's `GET /api/v1/songs/{song_id}` returns.")

    user_id = fields.UUID()
    user_email = fields.String()


class OrderQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES))


class AdminOrderSchema(OrderSchema):
    """An order with its owner and payment details; dumped from an (Order, user_email) row."""

    user_id = fields.UUID()
    user_email = fields.String()
    variant_id = fields.String(metadata={"description": "The provider's variant / price id the order was sold under"})
    provider_reference = fields.String(allow_none=True, metadata={"description": "The provider's order or payment intent id"})
    review = fields.Dict(allow_none=True, metadata={
        "description": "Why the payment was held for review: {problems: [...], received: {what the provider reported}, held_at}"})
    updated_at = fields.DateTime()

    @pre_dump
    def _from_row(self, row, **kwargs):
        order = row.Order
        order.user_email = row.user_email
        return order


class AuditEntrySchema(Schema):
    id = fields.UUID()
    actor_id = fields.UUID(allow_none=True, metadata={"description": "Null once the admin's account is deleted"})
    actor_email = fields.String()
    action = fields.String(metadata={"description": "user.update, song.retry, order.accept or order.refund"})
    target_type = fields.String(metadata={"enum": ["user", "song", "order"]})
    target_id = fields.String()
    details = fields.Dict(metadata={"description": "user.update: {field: {from, to}}; song.retry: {step, status, error}; "
                                                  "order.accept: {review}; order.refund: {status, refund}"})
    created_at = fields.DateTime()


def _counts(statuses) -> fields.Dict:
    return fields.Dict(keys=fields.String(validate=validate.OneOf(statuses)), values=fields.Integer(),
                       metadata={"description": "Every status, zeros included"})


class UserStatsSchema(Schema):
    total = fields.Integer()
    verified = fields.Integer()
    active = fields.Integer()
    new_last_7_days = fields.Integer()
    new_last_30_days = fields.Integer()


class OrderStatsSchema(Schema):
    by_status = _counts(ORDER_STATUSES)


class RevenueSchema(Schema):
    orders = fields.Integer(metadata={"description": "Orders whose payment was accepted (paid, fulfilled, refunded or disputed since)"})
    gross_cents = fields.Integer(metadata={"description": "What those orders charged: prices less discounts"})
    discount_cents = fields.Integer(metadata={"description": "Discounts given on those orders"})
    refunded_cents = fields.Integer(metadata={"description": "Charged on the refunded ones"})
    disputed_cents = fields.Integer(metadata={"description": "Charged on the disputed ones (held back by the provider)"})
    net_cents = fields.Integer(metadata={"description": "gross_cents - refunded_cents - disputed_cents"})


class DiscountStatsSchema(Schema):
    code = fields.String()
    currency = fields.String()
    orders = fields.Integer(metadata={"description": "Paid orders that used the code"})
    discount_cents = fields.Integer(metadata={"description": "Discount given through the code"})


class SongStatsSchema(Schema):
    by_status = _counts(SONG_STATUSES)
    failed_last_24h = fields.Integer(metadata={"description": "Songs that failed in the last 24 hours"})


class PipelineStatsSchema(Schema):
    completed_songs = fields.Integer()
    average_seconds = fields.Float(allow_none=True, metadata={"description": "Mean of completed_at - started_at"})
    p95_seconds = fields.Float(allow_none=True, metadata={"description": "95th percentile (interpolated)"})


class QueueStatsSchema(Schema):
    depths = fields.Dict(keys=fields.String(validate=validate.OneOf(QUEUES)), values=fields.Integer(allow_none=True),
                         metadata={"description": "Messages waiting per Celery queue (null when the broker is unreachable)"})
    detail = fields.String(allow_none=True)


class DashboardStatsSchema(Schema):
    generated_at = fields.DateTime()
    users = fields.Nested(UserStatsSchema)
    orders = fields.Nested(OrderStatsSchema)
    revenue = fields.Dict(keys=fields.String(metadata={"description": "ISO currency"}), values=fields.Nested(RevenueSchema))
    discounts = fields.List(fields.Nested(DiscountStatsSchema), metadata={"description": "Discount codes used, most discount first"})
    songs = fields.Nested(SongStatsSchema)
    pipeline = fields.Nested(PipelineStatsSchema)
    queues = fields.Nested(QueueStatsSchema)


class CheckSchema(Schema):
    ok = fields.Boolean()
    latency_ms = fields.Float()
    detail = fields.String()


class SystemHealthSchema(Schema):
    status = fields.String(metadata={"enum": ["ok", "degraded", "down"]})
    checks = fields.Dict(keys=fields.String(metadata={"enum": list(CHECKS)}), values=fields.Nested(CheckSchema))


class AlertQuerySchema(Schema):
    kind = choice(ALERT_KINDS)


class AlertSchema(Schema):
    id = fields.UUID()
    kind = fields.String(metadata={"enum": list(ALERT_KINDS)})
    cause = fields.String(metadata={"description": "What went wrong, e.g. `order:<id>` or `suno:credits`"})
    message = fields.String()
    action = fields.Function(lambda alert: ALERT_KINDS[alert.kind], metadata={"description": "What an operator should do"})
    details = fields.Dict()
    occurrences = fields.Integer(metadata={"description": "How often the cause recurred within the hour"})
    hour = fields.DateTime(metadata={"description": "The hour the alert belongs to; one alert per cause and hour"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime(metadata={"description": "The last occurrence"})
