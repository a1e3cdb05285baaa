"""Stored files deleted once the database no longer needs them, and never left behind.

A use case that deletes rows owning files calls ``delete_files_after_commit(prefix)`` in its
transaction. That records the prefix in ``storage_deletions`` with the rows' deletion, so the
record exists exactly when the rows are gone. Right after the commit the files are deleted
and the record with them. If storage fails then (or the process dies), the record stays and
the beat sweep (``sweep``, every 10 minutes) tries again; after ``ALERT_AFTER_ATTEMPTS`` failed
sweeps the admins are alerted, and the sweep keeps trying.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from songcraft.alerts.service import raise_alert
from songcraft.common.db import IdMixin, TimestampMixin, UTCDateTime, utcnow
from songcraft.extensions import db
from songcraft.providers.storage import validate_prefix

log = logging.getLogger(__name__)

ALERT_AFTER_ATTEMPTS = 6  # an hour of failed sweeps
SWEEP_BATCH = 100
_PENDING = "songcraft_pending_file_deletions"


class StorageDeletion(IdMixin, TimestampMixin, db.Model):
    """Files (every key under ``prefix``) whose rows are deleted and which storage still holds."""

    __tablename__ = "storage_deletions"

    prefix: Mapped[str] = mapped_column(sa.String(512), nullable=False)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)


def delete_files_after_commit(prefix: str) -> None:
    """Delete every stored key under ``prefix`` once the caller's transaction commits (see above)."""
    record = delete_files_later(prefix, utcnow() + timedelta(minutes=5))  # leaves time for the deletion right after commit
    db.session.info.setdefault(_PENDING, []).append((record.id, record.prefix))


def delete_files_later(prefix: str, at: datetime) -> StorageDeletion:
    """Have the sweep delete every key under ``prefix`` once ``at`` has come (in the caller's transaction):
    files that must go at a set time (an expiring export), or that a worker may still be writing."""
    record = StorageDeletion(id=uuid.uuid4(), prefix=validate_prefix(prefix), attempts=0, next_attempt_at=at)
    db.session.add(record)
    return record


@event.listens_for(Session, "after_commit")
def _delete_now(session: Session) -> None:
    for record_id, prefix in session.info.pop(_PENDING, []):
        try:
            current_app.extensions["storage"].delete_prefix(prefix)
        except Exception:  # storage down or refusing: the record stays for the sweep
            log.warning("stored files not deleted yet; the sweep will retry", exc_info=True, extra={"prefix": prefix})
            continue
        with db.engine.begin() as connection:  # the session has just committed: a connection of its own
            connection.execute(sa.delete(StorageDeletion).where(StorageDeletion.id == record_id))


@event.listens_for(Session, "after_soft_rollback")
def _forget_pending(session: Session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)


def sweep(now: datetime | None = None) -> int:
    """Retry the deletions that are due; returns how many were done. Each is claimed, tried and
    recorded in a short transaction of its own, so no transaction stays open across storage calls."""
    now = now or utcnow()
    due = db.session.scalars(sa.select(StorageDeletion.id).where(StorageDeletion.next_attempt_at <= now)
                             .order_by(StorageDeletion.next_attempt_at).limit(SWEEP_BATCH)).all()
    db.session.commit()
    return sum(_retry(deletion_id, now) for deletion_id in due)


def _retry(deletion_id, now: datetime) -> bool:
    record = db.session.scalar(sa.select(StorageDeletion).where(StorageDeletion.id == deletion_id,
                                                                StorageDeletion.next_attempt_at <= now).with_for_update(skip_locked=True))
    if record is None:  # done or claimed by another sweep meanwhile
        db.session.rollback()
        return False
    record.attempts += 1
    record.next_attempt_at = now + timedelta(minutes=10)  # a crash while deleting leaves it due again later
    prefix = record.prefix
    db.session.commit()
    try:
        current_app.extensions["storage"].delete_prefix(prefix)
    except Exception as error:
        record = db.session.get(StorageDeletion, deletion_id)
        if record is None:  # another process deleted these files and their record meanwhile
            db.session.rollback()
            return False
        record.last_error = f"{type(error).__name__}: {error}"[:2000]
        if record.attempts == ALERT_AFTER_ATTEMPTS:
            raise_alert("storage_deletion_failed", "storage:deletion",
                        f"Deleted songs' files could not be removed from storage after {record.attempts} attempts.",
                        {"prefix": prefix, "error": record.last_error})
        db.session.commit()
        return False
    db.session.execute(sa.delete(StorageDeletion).where(StorageDeletion.id == deletion_id))
    db.session.commit()
    return True
