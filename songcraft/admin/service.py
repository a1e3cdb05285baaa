"""Admin use cases: managing users, retrying songs, and the audit log that records both.

Every action writes its audit entry in its own transaction, so an action and its record
are committed together or not at all.
"""
from __future__ import annotations

import uuid

import sqlalchemy as sa

from songcraft.admin.models import AuditLog
from songcraft.auth import tokens
from songcraft.auth.models import User
from songcraft.auth.service import active_admin_count, lock_active_admins
from songcraft.errors import Conflict, DomainError, NotFound
from songcraft.extensions import db
from songcraft.songs import service as songs_service
from songcraft.songs.models import Song


def record(actor: User, action: str, target_type: str, target_id: uuid.UUID, details: dict) -> None:
    """Add an audit entry to the current transaction (the caller commits)."""
    db.session.add(AuditLog(actor_id=actor.id, actor_email=actor.email, action=action,
                            target_type=target_type, target_id=str(target_id), details=details))


def audit_entries() -> sa.Select:
    return sa.select(AuditLog).order_by(AuditLog.created_at.desc(), AuditLog.id.desc())


# --- Users ------------------------------------------------------------------------------


def users(q: str | None = None, role: str | None = None, verified: bool | None = None,
          active: bool | None = None) -> sa.Select:
    """Users matching every given filter, newest first; `q` is a case-insensitive substring of email or name."""
    query = sa.select(User)
    if q:
        query = query.where(sa.or_(User.email.icontains(q, autoescape=True), User.full_name.icontains(q, autoescape=True)))
    if role is not None:
        query = query.where(User.role == role)
    if verified is not None:
        query = query.where(User.is_verified.is_(verified))
    if active is not None:
        query = query.where(User.is_active.is_(active))
    return query.order_by(User.created_at.desc(), User.id)


def update_user(admin: User, user_id: uuid.UUID, changes: dict) -> User:
    """Change a user's `is_active` and/or `role`; deactivation also revokes every session of the user.

    A change that would leave no active admin is refused. It is checked after the change is
    written: SQLite ignores row locks but serializes writers, so the check sees any rival change.
    """
    lock_active_admins()
    user = db.session.scalar(sa.select(User).where(User.id == user_id).with_for_update())
    if user is None:
        raise NotFound("User not found.")
    changed = {field: {"from": getattr(user, field), "to": value} for field, value in changes.items() if getattr(user, field) != value}
    if not changed:
        return user
    for field, change in changed.items():
        setattr(user, field, change["to"])
    db.session.flush()
    if active_admin_count() == 0:
        db.session.rollback()
        raise Conflict("This is the last active admin: promote another user first.")
    if "is_active" in changed and not user.is_active:
        tokens.revoke_user_families(user)
    record(admin, "user.update", "user", user.id, changed)
    db.session.commit()
    return user


# --- Songs ------------------------------------------------------------------------------


def retry_song(admin: User, song_id: uuid.UUID) -> Song:
    """Resume a failed song from the step that failed, recording which step and why it had failed."""
    song = db.session.scalar(sa.select(Song).where(Song.id == song_id).with_for_update())
    if song is not None:
        record(admin, "song.retry", "song", song.id,
               {"step": song.plan[0] if song.plan else None, "status": song.status, "error": song.error})
    try:
        return songs_service.retry_failed(song_id)
    except DomainError:
        db.session.rollback()  # the refused retry leaves no audit entry
        raise
