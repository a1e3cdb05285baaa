"""Liveness and readiness probes (outside the versioned API, for load balancers and orchestrators)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from songcraft.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is alive; no dependency is touched."""
    return jsonify(status="ok")


def _check_database() -> None:
    db.session.execute(sa.text("SELECT 1"))


def _check_broker() -> None:
    with current_app.extensions["celery"].connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)


@bp.get("/readyz")
def readyz():
    """Ready to serve: the database and the broker answer."""
    failed = {}
    for name, check in (("database", _check_database), ("broker", _check_broker)):
        try:
            check()
        except Exception as error:  # report, never raise: this endpoint exists to say what is down
            failed[name] = f"{type(error).__name__}: {str(error)[:200]}"
    if failed:
        body = {"code": 503, "status": "Service Unavailable", "message": "Not ready: " + ", ".join(failed), "errors": failed}
        return jsonify(body), 503
    return jsonify(status="ok", checks={"database": "ok", "broker": "ok"})
