"""Route guards. Roles are read from the database user on every request, never trusted from the token."""
from __future__ import annotations

from functools import wraps

import jwt as pyjwt
from flask import current_app, g, request
from flask_jwt_extended import current_user, get_jwt
from flask_jwt_extended.config import config
from flask_jwt_extended.exceptions import JWTDecodeError, UserLookupError
from flask_jwt_extended.internal_utils import custom_verification_for_token, verify_token_not_blocklisted, verify_token_type
from flask_jwt_extended.view_decorators import _decode_jwt_from_headers, _load_user

from songcraft.auth import service
from songcraft.common.blueprint import LOGIN_REQUIREMENTS, NOT_ADMIN_MESSAGE, NOT_VERIFIED_MESSAGE
from songcraft.common.connections import without_transaction
from songcraft.errors import Forbidden, error_response
from songcraft.extensions import jwt

BEARER = [{"bearerAuth": []}]


def login_required(*, verified: bool = False, admin: bool = False, refresh: bool = False, read_only: bool = False):
    """`jwt_required` plus, optionally, a verified email or the admin role (checked on the database row).

    `read_only` is for views that only read (the lists): their queries run without a transaction
    (`songcraft.common.connections.without_transaction`) and `current_user` is the account's row
    (`AccountRow`, read through Core: the ORM's `User` cost a list request more than its page's
    query), not an ORM object to change.
    """

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if read_only:
                without_transaction()
            if request.method not in config.exempt_methods:
                verify_bearer_token(refresh, account_row=read_only)
            if admin and not current_user.is_admin:
                raise Forbidden(NOT_ADMIN_MESSAGE)
            if verified and not current_user.is_verified:
                raise Forbidden(NOT_VERIFIED_MESSAGE)
            return view(*args, **kwargs)

        setattr(guarded, LOGIN_REQUIREMENTS, {"verified": verified, "admin": admin})  # the OpenAPI document's 403
        return guarded

    return decorator


def verify_bearer_token(refresh: bool = False, *, account_row: bool = False) -> None:
    """flask-jwt-extended's `verify_jwt_in_request` for a token in the Authorization header (the
    only place `JWT_TOKEN_LOCATION` allows), with the same checks, errors and callbacks, and the
    same results for `current_user` and `get_jwt()`, but the token parsed once: the extension
    parses it four times (unverified claims, unverified header, verified, header again), which
    cost a tenth of a list request. The revocation check and the account lookup run on every
    request, as before; `account_row` reads the account as an `AccountRow` instead of a `User`."""
    encoded_token, _ = _decode_jwt_from_headers()
    header, claims = _decode(encoded_token)
    verify_token_type(claims, refresh)
    verify_token_not_blocklisted(header, claims)
    custom_verification_for_token(header, claims)
    g._jwt_extended_jwt_user = _load_account_row(header, claims) if account_row else _load_user(header, claims)
    g._jwt_extended_jwt_header = header
    g._jwt_extended_jwt = claims
    g._jwt_extended_jwt_location = "headers"


def _load_account_row(header: dict, claims: dict) -> dict:
    """flask-jwt-extended's `_load_user`, with the account read as a row."""
    account = service.load_active_account_row(claims[config.identity_claim_key])
    if account is None:
        raise UserLookupError(f"No active account {claims[config.identity_claim_key]}", header, claims)
    return {"loaded_user": account}


def _decode(encoded_token: str, *, verify_exp: bool = True) -> tuple[dict, dict]:
    """The verified header and claims, completed as flask-jwt-extended completes them."""
    options = {"verify_aud": config.decode_audience is not None, "verify_sub": config.verify_sub, "verify_exp": verify_exp}
    try:
        decoded = pyjwt.api_jwt.decode_complete(encoded_token, config.decode_key, algorithms=config.decode_algorithms,
                                                audience=config.decode_audience, issuer=config.decode_issuer,
                                                leeway=config.leeway, options=options)
    except pyjwt.ExpiredSignatureError as expired:  # the extension's handler hands both to the expired-token callback
        expired.jwt_header, expired.jwt_data = _decode(encoded_token, verify_exp=False)
        raise
    claims = decoded["payload"]
    if config.identity_claim_key not in claims:
        raise JWTDecodeError(f"Missing claim: {config.identity_claim_key}")
    claims.setdefault("type", "access")
    claims.setdefault("fresh", False)
    claims.setdefault("jti", None)
    return decoded["header"], claims


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
