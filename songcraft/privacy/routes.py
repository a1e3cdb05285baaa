"""HTTP routes for the customer's data: export (GDPR Articles 15 and 20) and erasure (Article 17)."""
from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import current_user

from songcraft.auth.access import BEARER, login_required
from songcraft.common.blueprint import Blueprint
from songcraft.common.schemas import ErrorSchema
from songcraft.extensions import limit_from_config
from songcraft.privacy import erasure, export, schemas

blp = Blueprint("privacy", __name__, url_prefix="/api/v1/auth", description="Your data: export and erasure (GDPR)")


@blp.route("/me/export")
class DataExport(MethodView):
    decorators = [limit_from_config("RATELIMIT_DATA_EXPORT")]

    @blp.doc(security=BEARER)
    @login_required()
    @blp.response(202, schemas.DataExportSchema, description="The export, queued or already under way")
    @blp.alt_response(401, schema=ErrorSchema, description="Not logged in")
    @blp.alt_response(429, schema=ErrorSchema, description="Too many requests (RATELIMIT_DATA_EXPORT)")
    def post(self):
        """Export all your data as a ZIP, sent by email

        A worker builds one ZIP of your account, orders and songs (the brief, the lyrics, the takes with
        their line timings, the gift) as JSON, with the MP3 and MP4 files, the covers and your photos.
        When it is ready you get an email with a link that works for DATA_EXPORT_LINK_HOURS (24 by
        default); the file is deleted after that. While an export is queued or running, asking again
        answers that export instead of starting a second one.
        """
        return export.request_export(current_user)


@blp.route("/me")
class Account(MethodView):
    decorators = [limit_from_config("RATELIMIT_LOGIN")]

    @blp.doc(security=BEARER)
    @login_required()
    @blp.arguments(schemas.ErasureSchema)
    @blp.response(204, description="The account is erased; its tokens no longer work")
    @blp.alt_response(401, schema=ErrorSchema, description="Not logged in, or wrong password (nothing was erased)")
    @blp.alt_response(409, schema=ErrorSchema, description="The last active admin cannot erase their account")
    @blp.alt_response(429, schema=ErrorSchema, description="Too many requests (RATELIMIT_LOGIN)")
    def delete(self, data):
        """Erase your account and everything in it

        Deletes your account, sessions, songs, takes, photos, covers, gifts and share links, data exports,
        and every stored file; emails queued to you or your gift recipients are dropped. Orders are kept
        for accounting, without anything that identifies you. This cannot be undone: export your data first.
        """
        erasure.erase_account(current_user, data["password"])
