"""Account use cases. Each function is one transaction and commits once."""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import current_app

from songcraft.auth import tokens
from songcraft.auth.models import RefreshToken, User
from songcraft.auth.passwords import burn_time_like_a_check, check_password, hash_password
from songcraft.common.db import utcnow
from songcraft.errors import Forbidden, Unauthorized
from songcraft.extensions import db
from songcraft.notifications.service import queue_email


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def _queue_verification(user: User, dedupe_key: str | None = None) -> None:
    token = tokens.make_email_token(user, "verify")
    link = f"{current_app.config['FRONTEND_URL']}/verify-email?token={token}"
    queue_email(user.email, "verify_email", {"name": user.display_name, "link": link, "token": token}, dedupe_key=dedupe_key)


def register(email: str, password: str, full_name: str | None) -> User:
    """Create an account and email a verification link.

    An email that already has an account gets the same answer as a new one, so the endpoint
    does not tell who has an account; the owner is emailed instead (see `_notify_owner`).
    """
    password_hash = hash_password(password)  # before the lookup: both answers take the same time
    existing = find_by_email(email)
    if existing is None:
        user = User(email=normalize_email(email), password_hash=password_hash, full_name=full_name)
        db.session.add(user)
        try:
            db.session.flush()
            _queue_verification(user)
            db.session.commit()
            return user
        except sa.exc.IntegrityError:  # a concurrent registration won the race
            db.session.rollback()
            existing = find_by_email(email)
    _notify_owner(existing)
    db.session.commit()
    return _unsaved_account(email, full_name)


def _notify_owner(user: User) -> None:
    """Someone registered with this account's email: the owner learns it by email, at most once an hour.

    An unverified owner (who perhaps lost the first email) gets a fresh verification link; a
    verified one is told they already have an account; a deactivated account hears nothing.
    """
    if not user.is_active:
        return
    hour = utcnow().strftime("%Y%m%d%H")
    if not user.is_verified:
        _queue_verification(user, dedupe_key=f"registered-again:{user.id}:{hour}")
        return
    frontend = current_app.config["FRONTEND_URL"]
    queue_email(user.email, "account_exists", {"name": user.display_name, "login_url": f"{frontend}/login",
                                               "reset_url": f"{frontend}/forgot-password"},
                dedupe_key=f"registered-again:{user.id}:{hour}")


def _unsaved_account(email: str, full_name: str | None) -> User:
    """What a new registration answers, for an account that is not created."""
    now = utcnow()
    return User(id=uuid.uuid4(), email=normalize_email(email), full_name=full_name, role="user", is_verified=False,
                is_active=True, created_at=now, updated_at=now)


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


def lock_active_admins() -> None:
    """Lock the active admins' rows, always in id order, so two admins demoting, deactivating or
    erasing each other at once queue up on PostgreSQL (the second then sees one admin left)
    instead of deadlocking."""
    db.session.execute(
        sa.select(User.id).where(User.role == "admin", User.is_active.is_(True)).order_by(User.id).with_for_update()
    )


def active_admin_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(User.role == "admin", User.is_active.is_(True)))


class AccountRow:
    """The signed-in account as a view that only reads sees it: the columns of its `users` row,
    and the model's `is_admin`."""

    __slots__ = tuple(column.key for column in User.__table__.c)
    is_admin = vars(User)["is_admin"]

    def __init__(self, row: sa.Row):
        for name, value in zip(self.__slots__, row):
            setattr(self, name, value)


_ACTIVE_ACCOUNT = sa.select(*User.__table__.c).where(User.__table__.c.id == sa.bindparam("id"), User.__table__.c.is_active)


def load_active_account_row(user_id: str) -> AccountRow | None:
    """`load_active_user`'s account as a row, for views that only read."""
    account_id = _account_id(user_id)
    row = None if account_id is None else db.session.connection().execute(_ACTIVE_ACCOUNT, {"id": account_id}).first()
    return None if row is None else AccountRow(row)


def load_active_user(user_id: str) -> User | None:
    """The user behind a token, from the database on every request (so deactivation bites at once)."""
    account_id = _account_id(user_id)
    user = None if account_id is None else db.session.get(User, account_id)
    return user if user is not None and user.is_active else None


def _account_id(user_id: str) -> uuid.UUID | None:
    """A token's subject as an account id; None when it is not one."""
    try:
        return uuid.UUID(user_id)
    except ValueError:
        return None
