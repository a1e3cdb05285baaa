"""Erasing a customer's account (GDPR Article 17), in one transaction.

Gone: the user row and its sessions (refresh tokens deleted, their families revoked, so every
access token stops working at once), songs with their takes, photos, covers, gifts and share
links, the data exports, and every stored file under the customer's prefix (through the storage
deletion sweep: deleted right after the commit, retried until storage has them gone). Emails to
the customer or their gift recipients, and any email, alert or audit entry naming them, lose the
personal data (outbox rows are deleted; alerts and audit entries keep their kind, without details).

Kept, for accounting: the orders, moved to a tombstone account made for this erasure (email
`erased-<random>@erased.invalid`, no name, no usable password, deactivated). Nothing links the
tombstone to the person; the orders of one customer stay together. The erasure itself is in the
admin audit log, against the tombstone, with counts only.

A song being made stands down: its row is gone, so its heartbeat loses the lease and its results
are dropped (songs/runner.py). A step may still write a file under the prefix before it notices,
so a second sweep of the prefix is scheduled after the longest a step can run.
"""
from __future__ import annotations

import logging
import secrets
import uuid
from datetime import timedelta

import sqlalchemy as sa

from songcraft.admin.models import AuditLog
from songcraft.alerts.models import Alert
from songcraft.auth import tokens
from songcraft.auth.models import User
from songcraft.auth.passwords import check_password, hash_password
from songcraft.auth.service import active_admin_count, lock_active_admins
from songcraft.common.db import utcnow
from songcraft.errors import Conflict, Unauthorized
from songcraft.extensions import db
from songcraft.files.cleanup import StorageDeletion, delete_files_after_commit, delete_files_later
from songcraft.gifts.models import Gift
from songcraft.notifications.models import OutboxEmail
from songcraft.orders.models import Order
from songcraft.songs.models import Song
from songcraft.songs.storage_keys import user_prefix
from songcraft.songs.tasks import TIME_LIMITS

log = logging.getLogger(__name__)

TOMBSTONE_DOMAIN = "erased.invalid"  # .invalid can never be a real address (RFC 2606)
# After this, no step that was running at the erasure can still write a file.
LATE_WRITES = timedelta(seconds=max(hard for _, hard in TIME_LIMITS.values()) + 60)
ERASED_DETAILS = {"erased": "with a customer's account"}


def erase_account(user: User, password: str) -> User:
    """Erase the account if `password` is its password (else 401 and nothing changes); returns the tombstone."""
    if not check_password(password, user.password_hash):
        raise Unauthorized("The password is wrong; nothing was erased.")
    unusable_password = hash_password(secrets.token_urlsafe(32))  # bcrypt's time spent before any row is locked
    if user.is_admin:
        lock_active_admins()  # first, in the order every admin change locks them
    user = db.session.scalar(sa.select(User).where(User.id == user.id).with_for_update())
    if user.is_admin and user.is_active and active_admin_count() == 1:
        raise Conflict("This is the last active admin: promote another user first.")
    song_ids = db.session.scalars(sa.select(Song.id).where(Song.user_id == user.id).with_for_update()).all()
    gifts = db.session.scalars(sa.select(Gift).where(Gift.song_id.in_(song_ids))).all() if song_ids else []
    tombstone = User(id=uuid.uuid4(), email=f"erased-{uuid.uuid4().hex}@{TOMBSTONE_DOMAIN}", full_name=None,
                     password_hash=unusable_password, role="user", is_verified=False, is_active=False)
    db.session.add(tombstone)
    db.session.flush()

    addresses = {user.email, *(a for gift in gifts for a in (gift.recipient_email, gift.delivered_to) if a)}
    # What marks a row as theirs. Not the name: another customer may share it.
    identifiers = [user.email, str(user.id), *map(str, song_ids), *(str(gift.id) for gift in gifts)]
    orders = _keep_orders(user, tombstone)
    _forget_emails(addresses, identifiers)
    _forget_alerts(identifiers)
    _forget_in_audit_log(user, tombstone, identifiers)

    db.session.flush()  # the orders move before the user goes (no mapped relationship orders the two)
    tokens.revoke_user_families(user)
    prefix = user_prefix(user.id)
    # Deletions already pending under the prefix (an export's expiry, a deleted song's files) are covered by this one.
    db.session.execute(sa.delete(StorageDeletion).where(StorageDeletion.prefix.startswith(prefix, autoescape=True))
                       .execution_options(synchronize_session=False))
    delete_files_after_commit(prefix)
    delete_files_later(prefix, utcnow() + LATE_WRITES)
    # Takes, photos, covers and gifts go with their songs (their foreign keys cascade).
    db.session.execute(sa.delete(Song).where(Song.user_id == user.id).execution_options(synchronize_session=False))
    db.session.add(AuditLog(actor_id=tombstone.id, actor_email=tombstone.email, action="user.erase", target_type="user",
                            target_id=str(tombstone.id), details={"songs": len(song_ids), "orders_kept": orders}))
    db.session.delete(user)  # refresh tokens and data exports cascade
    db.session.commit()
    log.info("account erased", extra={"tombstone": str(tombstone.id), "songs": len(song_ids), "orders_kept": orders})
    return tombstone


def _keep_orders(user: User, tombstone: User) -> int:
    """Orders stay for the books, moved to the tombstone, with what the provider told us about the payer dropped."""
    orders = db.session.scalars(sa.select(Order).where(Order.user_id == user.id).with_for_update()).all()
    for order in orders:
        order.user_id, order.payment_url = tombstone.id, None
        if order.review:
            received = {k: v for k, v in (order.review.get("received") or {}).items() if k != "provider_fields"}
            order.review = {**order.review, "received": received}
    return len(orders)


def _mentions(column, identifiers: list[str]):
    text = sa.cast(column, sa.Text)
    return sa.or_(*(text.contains(identifier, autoescape=True) for identifier in identifiers))


def _forget_emails(addresses: set[str], identifiers: list[str]) -> None:
    db.session.execute(sa.delete(OutboxEmail).where(sa.or_(
        sa.func.lower(OutboxEmail.to).in_([address.lower() for address in addresses]),
        _mentions(OutboxEmail.context, identifiers), _mentions(OutboxEmail.dedupe_key, identifiers),
        _mentions(OutboxEmail.subject, identifiers),
    )).execution_options(synchronize_session=False))


def _forget_alerts(identifiers: list[str]) -> None:
    for alert in db.session.scalars(sa.select(Alert).where(sa.or_(
        _mentions(Alert.cause, identifiers), _mentions(Alert.message, identifiers), _mentions(Alert.details, identifiers),
    ))):
        alert.cause, alert.message, alert.details = f"erased:{alert.id}", "Details erased with a customer's account.", ERASED_DETAILS


def _forget_in_audit_log(user: User, tombstone: User, identifiers: list[str]) -> None:
    """Entries stay (who did what, and when), with the person's data replaced by the tombstone's."""
    db.session.execute(sa.update(AuditLog).where(AuditLog.actor_id == user.id)
                       .values(actor_id=tombstone.id, actor_email=tombstone.email).execution_options(synchronize_session=False))
    db.session.execute(sa.update(AuditLog).where(AuditLog.target_type == "user", AuditLog.target_id == str(user.id))
                       .values(target_id=str(tombstone.id)).execution_options(synchronize_session=False))
    db.session.execute(sa.update(AuditLog).where(_mentions(AuditLog.details, identifiers), AuditLog.action != "user.erase")
                       .values(details=ERASED_DETAILS).execution_options(synchronize_session=False))
