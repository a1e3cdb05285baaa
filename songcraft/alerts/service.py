"""Raise an alert in the caller's transaction: recorded once per cause and hour, emailed once to each admin address."""
from __future__ import annotations

import logging
import uuid

import sqlalchemy as sa
from flask import current_app

from songcraft.alerts.models import KINDS, Alert
from songcraft.common.db import insert_unless_exists, utcnow
from songcraft.extensions import db
from songcraft.notifications.models import OutboxEmail
from songcraft.notifications.service import queue_email
from songcraft.notifications.signals import email_undeliverable

log = logging.getLogger(__name__)


def raise_alert(kind: str, cause: str, message: str, details: dict | None = None) -> bool:
    """Record the alert unless this cause already alerted this hour; True when it is new.

    A new alert is emailed (through the outbox, so after the caller commits) to every address
    in ADMIN_ALERT_EMAILS; a repeat only counts up `occurrences`. The caller commits.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown alert kind {kind!r}")
    now = utcnow()
    hour = now.replace(minute=0, second=0, microsecond=0)
    alert_id = uuid.uuid4()
    values = dict(id=alert_id, kind=kind, cause=cause[:200], hour=hour, message=message, details=details or {},
                  occurrences=1, created_at=now, updated_at=now)
    log.warning("alert: %s", message, extra={"alert_kind": kind, "cause": cause})
    if not insert_unless_exists(Alert, values, ["cause", "hour"]):
        db.session.execute(sa.update(Alert).where(Alert.cause == cause[:200], Alert.hour == hour)
                           .values(occurrences=Alert.occurrences + 1, updated_at=now))
        return False
    for address in current_app.config["ADMIN_ALERT_EMAILS"]:
        queue_email(address, "admin_alert", {"kind": kind, "message": message, "action": KINDS[kind],
                                             "details": details or {}, "alert_id": str(alert_id)},
                    dedupe_key=f"alert:{alert_id}:{address}")
    return True


def alerts(kind: str | None = None) -> sa.Select:
    """Alerts, newest first, optionally of one kind."""
    query = sa.select(Alert)
    if kind:
        query = query.where(Alert.kind == kind)
    return query.order_by(Alert.created_at.desc(), Alert.id)


@email_undeliverable.connect
def alert_undeliverable_email(email: OutboxEmail) -> None:
    """An email given up on becomes an alert, one per address and hour. An alert's own email is
    only logged: alerting about it would queue another alert email, and so on while mail is down."""
    if email.template == "admin_alert":
        log.error("an alert email could not be sent", extra={"email_id": str(email.id), "error": email.last_error})
        return
    raise_alert("email_undeliverable", f"email:{email.to}",
                f"The {email.template} email to {email.to} could not be sent after {email.attempts} attempts.",
                {"email_id": str(email.id), "template": email.template, "to": email.to, "error": email.last_error})
