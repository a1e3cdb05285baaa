"""Account use cases. Each function is one transaction and commits once."""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import current_app

from songcraft.auth import tokens
from songcraft.auth.models import RefreshToken, User
from songcraft.auth.passwords import burn_time_like_a_check, check_password, hash_password
from songcraft.common.db import utcnow
from songcraft.errors import Conflict, Forbidden, Unauthorized
from songcraft.extensions import db
from songcraft.notifications.service import queue_email


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def _queue_verification(user: User) -> None:
    token = tokens.make_email_token(user, "verify")
    link = f"{current_app.config['FRONTEND_URL']}/verify-email?token={token}"
    queue_email(user.email, "verify_email", {"name": user.display_name, "link": link, "token": token})


def register(email: str, password: str, full_name: str | None) -> User:
    if find_by_email(email):
        raise Conflict("An account with this email already exists.")
    user = User(email=normalize_email(email), password_hash=hash_password(password), full_name=full_name)
    db.session.add(user)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:  # a concurrent registration won the race
        db.session.rollback()
        raise Conflict("An account with this email already exists.") from None
    _queue_verification(user)
    db.session.commit()
    return user


def verify_email(token: str) -> User:
    user = tokens.read_email_token(token, "verify", current_app.config["EMAIL_TOKEN_MAX_AGE"])
    user.is_verified, user.verified_at = True, utcnow()
    db.session.commit()
    return user


def resend_verification(email: str) -> None:
    """Silent whatever the email: the response must not reveal who has an account."""
    user = find_by_email(email)
    if user and not user.is_verified and user.is_active:
        _queue_verification(user)
        db.session.commit()


def login(email: str, password: str) -> tuple[User, tokens.TokenPair]:
    user = find_by_email(email)
    if user is None:
        burn_time_like_a_check(password)
        raise Unauthorized("Invalid email or password.")
    if not check_password(password, user.password_hash):
        raise Unauthorized("Invalid email or password.")
    if not user.is_active:
        raise Forbidden("This account has been deactivated.")
    if not user.is_verified:
        raise Forbidden("Please verify your email address before logging in.")
    user.last_login_at = utcnow()
    pair = tokens.issue_pair(user)
    db.session.commit()
    return user, pair


def refresh(user: User, jwt_payload: dict) -> tokens.TokenPair:
    """Rotate: the presented refresh token is spent and the next one of its family issued.

    A spent token presented again means someone holds a copy: the family is revoked, so
    both the thief and the owner must log in again.
    """
    record = db.session.scalar(
        sa.select(RefreshToken).where(RefreshToken.jti == jwt_payload["jti"]).with_for_update()
    )
    if record is None or record.revoked_at is not None:
        raise Unauthorized("This refresh token has been revoked.")
    if record.used_at is not None:
        tokens.revoke_family(record.family_id)
        db.session.commit()
        raise Unauthorized("This refresh token was already used; all sessions of this login were revoked.")
    record.used_at = utcnow()
    pair = tokens.issue_pair(user, family_id=record.family_id)
    db.session.commit()
    return pair


def logout(jwt_payload: dict) -> None:
    tokens.revoke_family(jwt_payload["fam"])
    db.session.commit()


def update_profile(user: User, full_name: str | None) -> User:
    user.full_name = full_name
    db.session.commit()
    return user


def forgot_password(email: str) -> None:
    user = find_by_email(email)
    if user and user.is_active:
        token = tokens.make_email_token(user, "reset")
        link = f"{current_app.config['FRONTEND_URL']}/reset-password?token={token}"
        queue_email(user.email, "reset_password", {"name": user.display_name, "link": link, "token": token})
        db.session.commit()


def reset_password(token: str, new_password: str) -> User:
    user = tokens.read_email_token(token, "reset", current_app.config["PASSWORD_RESET_MAX_AGE"])
    user.password_hash = hash_password(new_password)
    tokens.revoke_user_families(user)
    db.session.commit()
    return user


def change_password(user: User, current_password: str, new_password: str, current_family: str) -> User:
    if not check_password(current_password, user.password_hash):
        raise Unauthorized("The current password is wrong.")
    user.password_hash = hash_password(new_password)
    tokens.revoke_user_families(user, keep_family=current_family)
    db.session.commit()
    return user


def load_active_user(user_id: str) -> User | None:
    """The user behind a token, from the database on every request (so deactivation bites at once)."""
    try:
        user = db.session.get(User, uuid.UUID(user_id))
    except ValueError:
        return None
    return user if user is not None and user.is_active else None
