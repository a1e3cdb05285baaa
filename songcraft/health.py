"""Liveness and readiness probes (outside the versioned API, for load balancers and orchestrators)."""
from __future__ import annotations

from flask import Blueprint, jsonify

from songcraft.admin.health import check_broker, check_database
from songcraft.errors import error_response

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is alive; no dependency is touched."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Ready to serve: the database and the broker answer (the same checks as the admin health report)."""
    failed = {}
    for name, check in (("database", check_database), ("broker", check_broker)):
        try:
            check()
        except Exception as error:  # report, never raise: this endpoint exists to say what is down
            failed[name] = f"{type(error).__name__}: {str(error)[:200]}"
    if failed:
        return error_response(503, "Not ready: " + ", ".join(failed), failed)
    return jsonify(status="ok", checks={"database": "ok", "broker": "ok"})
