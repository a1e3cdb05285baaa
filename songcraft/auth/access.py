"""Route guards. Roles are read from the database user on every request, never trusted from the token."""
from __future__ import annotations

from functools import wraps

from flask import current_app
from flask_jwt_extended import current_user, get_jwt, jwt_required

from songcraft.auth import service
from songcraft.common.blueprint import LOGIN_REQUIREMENTS
from songcraft.errors import Forbidden, error_response
from songcraft.extensions import jwt

BEARER = [{"bearerAuth": []}]


def login_required(*, verified: bool = False, admin: bool = False, refresh: bool = False):
    """`jwt_required` plus, optionally, a verified email or the admin role (checked on the database row)."""

    def decorator(view):
        @wraps(view)
        @jwt_required(refresh=refresh)
        def guarded(*args, **kwargs):
            if admin and not current_user.is_admin:
                raise Forbidden("Administrators only.")
            if verified and not current_user.is_verified:
                raise Forbidden("Please verify your email address first.")
            return view(*args, **kwargs)

        setattr(guarded, LOGIN_REQUIREMENTS, {"verified": verified, "admin": admin})  # the OpenAPI document's 403
        return guarded

    return decorator


def token_family() -> str:
    return get_jwt()["fam"]


def init_jwt_callbacks() -> None:
    @jwt.user_lookup_loader
    def _load_user(_header, payload):
        return service.load_active_user(payload["sub"])

    @jwt.token_in_blocklist_loader
    def _is_revoked(_header, payload):
        return current_app.extensions["revocation_store"].is_revoked(payload.get("fam", ""))

    @jwt.unauthorized_loader
    def _missing(reason):
        return error_response(401, f"Authentication required: {reason}.")

    @jwt.invalid_token_loader
    def _invalid(reason):
        return error_response(401, f"Invalid token: {reason}.")

    @jwt.expired_token_loader
    def _expired(_header, _payload):
        return error_response(401, "The token has expired.")

    @jwt.revoked_token_loader
    def _revoked(_header, _payload):
        return error_response(401, "The token has been revoked.")

    @jwt.user_lookup_error_loader
    def _unknown_user(_header, _payload):
        return error_response(401, "The account behind this token no longer exists or is deactivated.")

    @jwt.needs_fresh_token_loader
    def _not_fresh(_header, _payload):
        return error_response(401, "A fresh login is required.")
