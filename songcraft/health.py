"""Liveness and readiness probes (outside the versioned API, for load balancers and orchestrators).

They answer anyone, so they say what is down but never why: an error message can carry a
database host, a user name or a driver version. The reason goes to the log; admins see it in
`GET /api/v1/admin/system/health`.
"""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify

from songcraft.admin.health import check_broker, check_database
from songcraft.errors import error_response

log = logging.getLogger(__name__)
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
        except Exception:  # report, never raise: this endpoint exists to say what is down
            log.warning("readiness check failed", exc_info=True, extra={"check": name})
            failed[name] = "unavailable"
    if failed:
        return error_response(503, "Not ready: " + ", ".join(failed), failed)
    return jsonify(status="ok", checks={"database": "ok", "broker": "ok"})
