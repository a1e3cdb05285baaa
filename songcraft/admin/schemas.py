from marshmallow import Schema, ValidationError, fields, pre_dump, validate, validates_schema

from songcraft.admin.health import CHECKS
from songcraft.alerts.models import KINDS as ALERT_KINDS
from songcraft.auth.models import ROLES
from songcraft.auth.schemas import UserSchema
from songcraft.celery_app import QUEUES
from songcraft.common import examples as ex
from songcraft.common.fast_dump import FastDumpSchema
from songcraft.common.schemas import choice
from songcraft.moderation.schemas import ContentSafetyStatsSchema
from songcraft.orders.models import STATUSES as ORDER_STATUSES
from songcraft.orders.schemas import OrderSchema
from songcraft.songs.models import STATUSES as SONG_STATUSES
from songcraft.songs.schemas import SongSummarySchema


class UserQuerySchema(Schema):
    q = fields.String(validate=validate.Length(min=1, max=254),
        metadata={"example": "lindqvist", "description": "Part of the email or name, any case"})
    role = choice(ROLES, metadata={"example": "user"})
    verified = fields.Boolean(metadata={"example": True})
    active = fields.Boolean(metadata={"example": True})


class AdminUserSchema(FastDumpSchema, UserSchema):
    last_login_at = fields.DateTime(dump_only=True, allow_none=True, metadata={"example": "2026-11-25T13:58:40.051377+00:00"})


class UserUpdateSchema(Schema):
    is_active = fields.Boolean(metadata={"example": False})
    role = fields.String(validate=validate.OneOf(ROLES), metadata={"example": "user"})

    @validates_schema
    def _something_to_change(self, data, **kwargs):
        if not data:
            raise ValidationError("Give is_active, role or both.")


class AdminSongSchema(SongSummarySchema):
    """A song in a list, with its owner's email (a `SongSummary` of the admin list carries it)."""

    class Meta(SongSummarySchema.Meta):
        description = ("A song in the admin list, with its owner: every field of the song but `story` and `lyrics`, "
                       "which the owner's `GET /api/v1/songs/{song_id}` returns.")

    user_id = fields.UUID(metadata={"example": ex.USER_ID})
    user_email = fields.String(metadata={"example": ex.EMAIL})


class OrderQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES), metadata={"example": "needs_review"})


class AdminOrderSchema(OrderSchema):
    """An order with its owner and payment details; dumped from an (Order, user_email) row."""

    user_id = fields.UUID(metadata={"example": ex.USER_ID})
    user_email = fields.String(metadata={"example": ex.EMAIL})
    variant_id = fields.String(metadata={"example": "482913", "description": "The provider's variant / price id the order was sold under"})
    provider_reference = fields.String(allow_none=True,
        metadata={"example": "3190457", "description": "The provider's order or payment intent id"})
    review = fields.Dict(allow_none=True, metadata={"example": None,
        "description": "Why the payment was held for review: {problems: [...], received: {what the provider reported}, held_at}"})
    updated_at = fields.DateTime(metadata={"example": ex.SONG_COMPLETED_AT})

    @pre_dump
    def _from_row(self, row, **kwargs):
        order = row.Order
        order.user_email = row.user_email
        return order


class AuditEntrySchema(Schema):
    id = fields.UUID(metadata={"example": ex.AUDIT_ID})
    actor_id = fields.UUID(allow_none=True, metadata={"example": ex.ADMIN_ID, "description": "Null once the admin's account is deleted"})
    actor_email = fields.String(metadata={"example": ex.ADMIN_EMAIL})
    action = fields.String(metadata={"example": "song.retry", "description": "user.update, song.retry, order.accept or order.refund"})
    target_type = fields.String(metadata={"example": "song", "enum": ["user", "song", "order"]})
    target_id = fields.String(metadata={"example": ex.SONG_ID})
    details = fields.Dict(
        metadata={"example": {"step": "compose_audio", "status": "failed", "error": "Suno answered 503"},
                  "description": "user.update: {field: {from, to}}; song.retry: {step, status, error}; "
                                                  "order.accept: {review}; order.refund: {status, refund}"})
    created_at = fields.DateTime(metadata={"example": "2026-11-25T15:20:03.664512+00:00"})


def _counts(statuses, counts: tuple[int, ...]) -> fields.Dict:
    """Songs or orders by status; `counts` (one per status, in order) make the example."""
    return fields.Dict(keys=fields.String(validate=validate.OneOf(statuses)), values=fields.Integer(),
                       metadata={"description": "Every status, zeros included", "example": dict(zip(statuses, counts, strict=True))})


class UserStatsSchema(Schema):
    total = fields.Integer(metadata={"example": 1284})
    verified = fields.Integer(metadata={"example": 1102})
    active = fields.Integer(metadata={"example": 1279})
    new_last_7_days = fields.Integer(metadata={"example": 63})
    new_last_30_days = fields.Integer(metadata={"example": 241})


class OrderStatsSchema(Schema):
    by_status = _counts(ORDER_STATUSES, (12, 4, 913, 87, 3, 9, 1, 0))


class RevenueSchema(Schema):
    orders = fields.Integer(
        metadata={"example": 927, "description": "Orders whose payment was accepted (paid, fulfilled, refunded or disputed since)"})
    gross_cents = fields.Integer(metadata={"example": 2138410, "description": "What those orders charged: prices less discounts"})
    discount_cents = fields.Integer(metadata={"example": 41260, "description": "Discounts given on those orders"})
    refunded_cents = fields.Integer(metadata={"example": 21100, "description": "Charged on the refunded ones"})
    disputed_cents = fields.Integer(metadata={"example": 0, "description": "Charged on the disputed ones (held back by the provider)"})
    net_cents = fields.Integer(metadata={"example": 2117310, "description": "gross_cents - refunded_cents - disputed_cents"})


_REVENUE_EXAMPLE = {name: field.metadata["example"] for name, field in RevenueSchema._declared_fields.items()}


class DiscountStatsSchema(Schema):
    code = fields.String(metadata={"example": "WELCOME10"})
    currency = fields.String(metadata={"example": "USD"})
    orders = fields.Integer(metadata={"example": 142, "description": "Paid orders that used the code"})
    discount_cents = fields.Integer(metadata={"example": 34380, "description": "Discount given through the code"})


class SongStatsSchema(Schema):
    by_status = _counts(SONG_STATUSES, (0, 1, 6, 2, 0, 1, 905, 4))
    failed_last_24h = fields.Integer(metadata={"example": 1, "description": "Songs that failed in the last 24 hours"})


class PipelineStatsSchema(Schema):
    completed_songs = fields.Integer(metadata={"example": 905})
    average_seconds = fields.Float(allow_none=True, metadata={"example": 212.4, "description": "Mean of completed_at - started_at"})
    p95_seconds = fields.Float(allow_none=True, metadata={"example": 418.9, "description": "95th percentile (interpolated)"})


class QueueStatsSchema(Schema):
    depths = fields.Dict(keys=fields.String(validate=validate.OneOf(QUEUES)), values=fields.Integer(allow_none=True),
                         metadata={"example": {"default": 0, "email": 2, "ai": 5, "media": 1},
                                   "description": "Messages waiting per Celery queue (null when the broker is unreachable)"})
    detail = fields.String(allow_none=True, metadata={"example": None})


class DashboardStatsSchema(Schema):
    generated_at = fields.DateTime(metadata={"example": "2026-11-25T15:30:00.128734+00:00"})
    users = fields.Nested(UserStatsSchema)
    orders = fields.Nested(OrderStatsSchema)
    revenue = fields.Dict(keys=fields.String(metadata={"description": "ISO currency"}), values=fields.Nested(RevenueSchema),
                          metadata={"example": {"USD": _REVENUE_EXAMPLE}})
    discounts = fields.List(fields.Nested(DiscountStatsSchema), metadata={"description": "Discount codes used, most discount first"})
    songs = fields.Nested(SongStatsSchema)
    pipeline = fields.Nested(PipelineStatsSchema)
    queues = fields.Nested(QueueStatsSchema)
    content_safety = fields.Nested(ContentSafetyStatsSchema, metadata={
        "description": "Texts refused by the content check, counted (the texts themselves are never kept)"})


class CheckSchema(Schema):
    ok = fields.Boolean(metadata={"example": True})
    latency_ms = fields.Float(metadata={"example": 3.8})
    detail = fields.String(metadata={"example": "PostgreSQL 16.4"})


class SystemHealthSchema(Schema):
    status = fields.String(metadata={"example": "ok", "enum": ["ok", "degraded", "down"]})
    checks = fields.Dict(keys=fields.String(metadata={"enum": list(CHECKS)}), values=fields.Nested(CheckSchema), metadata={"example": {
        "database": {"ok": True, "latency_ms": 3.8, "detail": "PostgreSQL 16.4"},
        "audio": {"ok": True, "latency_ms": 412.5, "detail": "suno: 1840 credits left"},
    }})


class AlertQuerySchema(Schema):
    kind = choice(ALERT_KINDS, metadata={"example": "song_failed"})


class AlertSchema(Schema):
    id = fields.UUID(metadata={"example": ex.ALERT_ID})
    kind = fields.String(metadata={"example": "song_failed", "enum": list(ALERT_KINDS)})
    cause = fields.String(metadata={"example": f"song:{ex.SONG_ID}", "description": "What went wrong, e.g. `order:<id>` or `suno:credits`"})
    message = fields.String(metadata={"example": "Song for Aurelia failed at compose_audio: Suno answered 503 three times."})
    action = fields.Function(lambda alert: ALERT_KINDS[alert.kind],
        metadata={"example": ALERT_KINDS["song_failed"],
                  "description": "What an operator should do"})
    details = fields.Dict(metadata={"example": {"song_id": ex.SONG_ID, "step": "compose_audio"}})
    occurrences = fields.Integer(metadata={"example": 1, "description": "How often the cause recurred within the hour"})
    hour = fields.DateTime(
        metadata={"example": "2026-11-25T15:00:00+00:00", "description": "The hour the alert belongs to; one alert per cause and hour"})
    created_at = fields.DateTime(metadata={"example": "2026-11-25T15:12:47.390215+00:00"})
    updated_at = fields.DateTime(metadata={"example": "2026-11-25T15:12:47.390215+00:00", "description": "The last occurrence"})
