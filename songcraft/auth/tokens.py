"""JWT pairs with rotating refresh tokens, and signed single-use email tokens."""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from songcraft.auth.models import RefreshToken, User
from songcraft.common.db import utcnow
from songcraft.errors import BadRequest
from songcraft.extensions import db


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


def revocation_store():
    return current_app.extensions["revocation_store"]


def issue_pair(user: User, family_id: str | None = None) -> TokenPair:
    """Issue an access + refresh token of a (new or existing) login family; the caller commits."""
    family_id = family_id or uuid.uuid4().hex
    claims = {"fam": family_id, "role": user.role}
    access = create_access_token(identity=str(user.id), additional_claims=claims)
    refresh = create_refresh_token(identity=str(user.id), additional_claims=claims)
    payload = decode_token(refresh)
    db.session.add(
        RefreshToken(
            jti=payload["jti"],
            family_id=family_id,
            user_id=user.id,
            expires_at=utcnow() + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"],
        )
    )
    expires_in = int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds())
    return TokenPair(access, refresh, expires_in)


def revoke_family(family_id: str) -> None:
    """Revoke every token of one login: its refresh tokens in the database, its access tokens in the store."""
    db.session.execute(
        sa.update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    revocation_store().revoke(family_id, current_app.config["JWT_ACCESS_TOKEN_EXPIRES"])


def revoke_user_families(user: User, keep_family: str | None = None) -> None:
    families = db.session.scalars(
        sa.select(RefreshToken.family_id)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None), RefreshToken.family_id != (keep_family or ""))
        .distinct()
    ).all()
    for family_id in families:
        revoke_family(family_id)


# --- Email tokens -----------------------------------------------------------------------
# Each token embeds a fingerprint of the state it changes, so it stops working once used:
# verification tokens name the (still unverified) user; reset tokens the current password hash.


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"songcraft-{purpose}")


def _fingerprint(user: User, purpose: str, *, verified: bool | None = None) -> str:
    """What a token is bound to: the password for a reset, the address and whether it was verified
    (`verified`, or the user's state now) for a verification; a change spends the token."""
    is_verified = user.is_verified if verified is None else verified
    state = user.password_hash if purpose == "reset" else f"{user.email}:{is_verified}"
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def make_email_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"uid": str(user.id), "fp": _fingerprint(user, purpose)})


def read_email_token(token: str, purpose: str, max_age: int) -> User:
    """The user a valid, unused token belongs to; BadRequest for a bad, expired or used token."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise BadRequest("This link has expired. Please request a new one.") from None
    except BadSignature:
        raise BadRequest("This link is invalid.") from None
    try:
        user = db.session.get(User, uuid.UUID(data["uid"]))
    except (KeyError, ValueError, TypeError):
        raise BadRequest("This link is invalid.") from None
    if user is None or data.get("fp") != _fingerprint(user, purpose):
        raise BadRequest("This link has already been used or is no longer valid.")
    return user


def verified_by(token: str, max_age: int) -> User | None:
    """The user whose address this genuine, unexpired verification link has already verified (a
    second click, or a mail scanner that opened the link first); None for any other token."""
    try:
        data = _serializer("verify").loads(token, max_age=max_age)
        user = db.session.get(User, uuid.UUID(data["uid"]))
    except (BadSignature, KeyError, ValueError, TypeError):
        return None
    if user is None or not user.is_verified or data.get("fp") != _fingerprint(user, "verify", verified=False):
        return None
    return user
