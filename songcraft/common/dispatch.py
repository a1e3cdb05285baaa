"""Send Celery tasks only after the database transaction that justifies them has committed.

A task sent before the commit may run before its rows exist (or after a rollback, for rows
that never will). Services call `after_commit(signature)`; the signatures are sent when
the session commits and dropped when it rolls back. If the broker is down at that moment
the work is not lost: the periodic sweepers (outbox emails, stuck songs) pick it up.
"""
from __future__ import annotations

import logging

from celery.canvas import Signature
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_PENDING = "songcraft_pending_tasks"


def after_commit(session: Session, signature: Signature) -> None:
    session.info.setdefault(_PENDING, []).append(signature)


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    for signature in session.info.pop(_PENDING, []):
        try:
            signature.apply_async()
        except Exception:  # broker outage: the sweepers will redeliver
            log.exception("could not enqueue task after commit", extra={"task": signature.task})


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)
