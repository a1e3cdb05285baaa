"""HTTP routes for administrators (the contract's Admin section). Every route is admins only."""
from __future__ import annotations

import uuid

from flask.views import MethodView
from flask_jwt_extended import current_user

from songcraft.admin import health, orders, schemas, service, stats
from songcraft.alerts import service as alerts_service
from songcraft.auth.access import BEARER, login_required
from songcraft.common.blueprint import Blueprint
from songcraft.common.pagination import ColumnsPage, RowPage, SelectPage
from songcraft.common.schemas import ErrorSchema
from songcraft.songs.schemas import SongQuerySchema, SongSchema
from songcraft.songs.summaries import SongList, SummaryPage

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Administration and operations (admins only)")


def admin_only(view):
    """Admins only (the role is read from the database), with the bearer security and 401/403 documented."""
    view = login_required(admin=True)(view)
    view = blp.alt_response(401, schema=ErrorSchema, description="Not logged in")(view)
    view = blp.alt_response(403, schema=ErrorSchema, description="Not an admin")(view)
    return blp.doc(security=BEARER)(view)


@blp.route("/dashboard/stats")
class DashboardStats(MethodView):
    @admin_only
    @blp.response(200, schemas.DashboardStatsSchema)
    def get(self):
        """Users, orders, revenue, songs, failures, pipeline durations and queue depths"""
        return stats.dashboard_stats()


@blp.route("/users")
class Users(MethodView):
    @admin_only
    @blp.arguments(schemas.UserQuerySchema, location="query")
    @blp.response(200, schemas.AdminUserSchema(many=True))
    @blp.paginate(ColumnsPage, page_size=20, max_page_size=100)
    @blp.alt_response(422, schema=ErrorSchema, description="Invalid filter")
    def get(self, query):
        """Users, newest first: search `?q=` in email and name, filter by role, verified, active"""
        return service.users(**query)


@blp.route("/users/<uuid:user_id>")
class UserById(MethodView):
    @admin_only
    @blp.arguments(schemas.UserUpdateSchema)
    @blp.response(200, schemas.AdminUserSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such user")
    @blp.alt_response(409, schema=ErrorSchema, description="That would leave no active admin")
    @blp.alt_response(422, schema=ErrorSchema, description="Invalid change")
    def patch(self, data, user_id: uuid.UUID):
        """Activate or deactivate a user (deactivation ends their sessions), or change their role"""
        return service.update_user(current_user, user_id, data)


@blp.route("/songs")
class Songs(MethodView):
    @admin_only
    @blp.arguments(SongQuerySchema, location="query")
    @blp.response(200, schemas.AdminSongSchema(many=True))
    @blp.paginate(SummaryPage, page_size=20, max_page_size=100)
    @blp.alt_response(422, schema=ErrorSchema, description="Unknown status")
    def get(self, query):
        """Every user's songs with the owner's email, newest first (filter with `?status=`), without story and lyrics"""
        return SongList(status=query.get("status"))


@blp.route("/songs/<uuid:song_id>/retry")
class SongRetry(MethodView):
    @admin_only
    @blp.response(202, SongSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such song")
    @blp.alt_response(409, schema=ErrorSchema, description="The song has not failed")
    def post(self, song_id: uuid.UUID):
        """Resume a failed song from the step that failed"""
        return service.retry_song(current_user, song_id)


@blp.route("/orders")
class Orders(MethodView):
    @admin_only
    @blp.arguments(schemas.OrderQuerySchema, location="query")
    @blp.response(200, schemas.AdminOrderSchema(many=True))
    @blp.paginate(RowPage, page_size=20, max_page_size=100)
    @blp.alt_response(422, schema=ErrorSchema, description="Unknown status")
    def get(self, query):
        """Every user's orders with the owner's email, newest first (filter with `?status=needs_review`)"""
        return orders.orders(query.get("status"))


@blp.route("/orders/<uuid:order_id>/accept")
class OrderAccept(MethodView):
    @admin_only
    @blp.response(200, schemas.AdminOrderSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order")
    @blp.alt_response(409, schema=ErrorSchema, description="The order does not need review")
    def post(self, order_id: uuid.UUID):
        """Accept a payment held for review: `needs_review` → `paid`, the customer is emailed and can make the song (audited)"""
        return orders.accept(current_user, order_id)


@blp.route("/orders/<uuid:order_id>/refund")
class OrderRefund(MethodView):
    @admin_only
    @blp.response(200, schemas.AdminOrderSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order")
    @blp.alt_response(409, schema=ErrorSchema, description="The order cannot be refunded here, or the provider refused")
    @blp.alt_response(503, schema=ErrorSchema, description="The payment provider is not answering; nothing was refunded")
    def post(self, order_id: uuid.UUID):
        """Refund the whole payment through the provider that took it → `refunded`; its song stops (audited)"""
        return orders.refund(current_user, order_id)


@blp.route("/system/health")
class SystemHealth(MethodView):
    @admin_only
    @blp.response(200, schemas.SystemHealthSchema)
    def get(self):
        """Database, Redis, broker, workers, storage, email and the providers' live APIs, each checked for real within seconds"""
        return health.system_health()


@blp.route("/audit")
class Audit(MethodView):
    @admin_only
    @blp.response(200, schemas.AuditEntrySchema(many=True))
    @blp.paginate(SelectPage, page_size=20, max_page_size=100)
    def get(self):
        """Admin actions, newest first"""
        return service.audit_entries()


@blp.route("/alerts")
class Alerts(MethodView):
    @admin_only
    @blp.arguments(schemas.AlertQuerySchema, location="query")
    @blp.response(200, schemas.AlertSchema(many=True))
    @blp.paginate(SelectPage, page_size=20, max_page_size=100)
    @blp.alt_response(422, schema=ErrorSchema, description="Unknown kind")
    def get(self, query):
        """Alerts for operators, newest first: one per cause and hour, each also emailed to ADMIN_ALERT_EMAILS"""
        return alerts_service.alerts(query.get("kind"))
