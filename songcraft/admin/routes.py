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


def admin_only(view, *, read_only: bool = False):
    """Admins only (the role is read from the database), with the bearer security documented (and
    so its 401 and 403: songcraft/common/blueprint.py)."""
    return blp.doc(security=BEARER)(login_required(admin=True, read_only=read_only)(view))


def admin_reading(view):
    """`admin_only` for a view that only reads (the lists): see `login_required`'s `read_only`."""
    return admin_only(view, read_only=True)


@blp.route("/dashboard/stats")
class DashboardStats(MethodView):
    @admin_only
    @blp.response(200, schemas.DashboardStatsSchema)
    def get(self):
        """Users, orders, revenue, songs, failures, pipeline durations and queue depths

        Administrators only. Counts and sums for the dashboard, computed when asked; money in cents. Read-only.
        """
        return stats.dashboard_stats()


@blp.route("/users")
class Users(MethodView):
    @admin_reading
    @blp.arguments(schemas.UserQuerySchema, location="query")
    @blp.response(200, schemas.AdminUserSchema(many=True))
    @blp.paginate(ColumnsPage, page_size=20, max_page_size=100)
    @blp.alt_response(422, schema=ErrorSchema, description="Invalid filter")
    def get(self, query):
        """Users, newest first: search `?q=` in email and name, filter by role, verified, active

        Administrators only. Paginated with `?page=` and `?page_size=` (at most 100); the `X-Pagination` header
        carries the total. Read-only.
        """
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
        """Activate or deactivate a user (deactivation ends their sessions), or change their role

        Administrators only. A deactivated user is locked out at once (roles and the active flag are read from
        the database on every request) and every login of theirs is revoked. The last active admin cannot be
        deactivated or demoted (409). Each change is recorded in the audit log. Idempotent.
        """
        return service.update_user(current_user, user_id, data)


@blp.route("/songs")
class Songs(MethodView):
    @admin_reading
    @blp.arguments(SongQuerySchema, location="query")
    @blp.response(200, schemas.AdminSongSchema(many=True))
    @blp.paginate(SummaryPage, page_size=20, max_page_size=100)
    @blp.alt_response(422, schema=ErrorSchema, description="Unknown status")
    def get(self, query):
        """Every user's songs with the owner's email, newest first (filter with `?status=`), without story and lyrics

        Administrators only. Items are `AdminSong`: a song summary plus its owner's id and email. Paginated with
        `?page=` and `?page_size=` (at most 100). Read-only.
        """
        return SongList(status=query.get("status"))


@blp.route("/songs/<uuid:song_id>/retry")
class SongRetry(MethodView):
    @admin_only
    @blp.response(202, SongSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such song")
    @blp.alt_response(409, schema=ErrorSchema, description="The song has not failed")
    def post(self, song_id: uuid.UUID):
        """Resume a failed song from the step that failed

        Administrators only, for a song whose status is `failed` (409 otherwise). The pipeline resumes from the
        steps still planned (`remaining_steps`), on the workers; the answer is 202 at once. Recorded in the
        audit log.
        """
        return service.retry_song(current_user, song_id)


@blp.route("/orders")
class Orders(MethodView):
    @admin_reading
    @blp.arguments(schemas.OrderQuerySchema, location="query")
    @blp.response(200, schemas.AdminOrderSchema(many=True))
    @blp.paginate(RowPage, page_size=20, max_page_size=100)
    @blp.alt_response(422, schema=ErrorSchema, description="Unknown status")
    def get(self, query):
        """Every user's orders with the owner's email, newest first (filter with `?status=needs_review`)

        Administrators only. `needs_review` lists the payments held because they did not match their order (see
        `review`). Paginated with `?page=` and `?page_size=` (at most 100). Read-only.
        """
        return orders.orders(query.get("status"))


@blp.route("/orders/<uuid:order_id>/accept")
class OrderAccept(MethodView):
    @admin_only
    @blp.response(200, schemas.AdminOrderSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order")
    @blp.alt_response(409, schema=ErrorSchema, description="The order does not need review")
    def post(self, order_id: uuid.UUID):
        """Accept a payment held for review: `needs_review` → `paid`, the customer is emailed and can make the song (audited)

        Administrators only, for an order in `needs_review` (409 otherwise). The payment confirmation is emailed
        to the customer. Accepting twice gets 409.
        """
        return orders.accept(current_user, order_id)


@blp.route("/orders/<uuid:order_id>/refund")
class OrderRefund(MethodView):
    @admin_only
    @blp.response(200, schemas.AdminOrderSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order")
    @blp.alt_response(409, schema=ErrorSchema, description="The order cannot be refunded here, or the provider refused")
    @blp.alt_response(503, schema=ErrorSchema, description="The payment provider is not answering; nothing was refunded")
    def post(self, order_id: uuid.UUID):
        """Refund the whole payment through the provider that took it → `refunded`; its song stops (audited)

        Administrators only. The payment provider refunds the whole amount; a song still being made stops. 409
        when the order cannot be refunded (never paid, already refunded) or the provider refused; 503 when the
        provider does not answer, and nothing changes. Refunding twice gets 409.
        """
        return orders.refund(current_user, order_id)


@blp.route("/system/health")
class SystemHealth(MethodView):
    @admin_only
    @blp.response(200, schemas.SystemHealthSchema)
    def get(self):
        """Database, Redis, broker, workers, storage, email and the providers' live APIs, each checked for real within seconds

        Administrators only. Each part is checked now (a query, a ping, a call to the provider's API), in
        parallel and with short timeouts, and reported with its status and latency. Makes no change.
        """
        return health.system_health()


@blp.route("/audit")
class Audit(MethodView):
    @admin_reading
    @blp.response(200, schemas.AuditEntrySchema(many=True))
    @blp.paginate(SelectPage, page_size=20, max_page_size=100)
    def get(self):
        """Admin actions, newest first

        Administrators only. Every change an admin made (user changes, retries, accepted and refunded orders),
        with who, what and when. Paginated with `?page=` and `?page_size=` (at most 100). Read-only.
        """
        return service.audit_entries()


@blp.route("/alerts")
class Alerts(MethodView):
    @admin_reading
    @blp.arguments(schemas.AlertQuerySchema, location="query")
    @blp.response(200, schemas.AlertSchema(many=True))
    @blp.paginate(SelectPage, page_size=20, max_page_size=100)
    @blp.alt_response(422, schema=ErrorSchema, description="Unknown kind")
    def get(self, query):
        """Alerts for operators, newest first: one per cause and hour, each also emailed to ADMIN_ALERT_EMAILS

        Administrators only. Filter with `?kind=`. Alerts are raised by the system (failed songs, held payments,
        disputes, a provider out of credits or refusing our key, undeliverable emails, storage refusing
        deletions); reading them changes nothing. Paginated with `?page=` and `?page_size=` (at most 100).
        """
        return alerts_service.alerts(query.get("kind"))
