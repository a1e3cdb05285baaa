"""The system health report: every dependency checked for real, concurrently, each within a time limit.

A check that hangs (a dead host swallowing packets) is reported as timed out after
CHECK_TIMEOUT seconds and left to finish in the background, so the report itself never hangs.
"""
from __future__ import annotations

import smtplib
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, wait

import sqlalchemy as sa
from celery.exceptions import TimeoutError as CeleryTimeoutError
from flask import Flask, current_app

from songcraft.admin.provider_checks import HEALTH_CHECKS as PROVIDER_HEALTH_CHECKS
from songcraft.admin.stats import queue_depth
from songcraft.celery_app import QUEUES
from songcraft.extensions import db

CHECK_TIMEOUT = 3.0
WORKER_REPLY_SECONDS = 1.0  # how long workers have to answer a broadcast; well under CHECK_TIMEOUT
WORKER_PING_SECONDS = 2.0  # ... and a ping task, which the embedded broker delivers by polling (0.5-1 s)
WORKER_QUEUES = QUEUES  # every queue the app sends tasks to needs a consuming worker (checked by broadcast)
PING_QUEUE = "default"  # the embedded broker's round trip goes through this queue


def check_database() -> str:
    with db.engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    return db.engine.dialect.name


def check_redis() -> str:
    client = current_app.extensions.get("redis")
    if client is None:
        return "not configured (embedded mode)"
    client.ping()
    return "PONG"


def check_broker() -> str:
    """Connect and read the default queue's depth: a real round trip on every transport."""
    with current_app.extensions["celery"].connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
        waiting = queue_depth(connection.default_channel, "default")
        return f"{connection.as_uri()}: {waiting} message(s) waiting in the default queue"  # as_uri masks the password


def check_workers() -> str:
    """Which workers answer, and which queues they consume; fails when a queue has no consumer.

    Brokers with broadcast (Redis) ask every worker through Celery's control channel. The
    embedded SQLAlchemy broker cannot broadcast: a `songcraft.ping` task makes the round trip
    through PING_QUEUE instead, which proves a worker runs but cannot list its queues.
    """
    celery = current_app.extensions["celery"]
    with celery.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
        if getattr(connection.default_channel, "supports_fanout", True):
            return _workers_by_broadcast(celery, connection)
        return _worker_by_ping(celery, connection)


def _workers_by_broadcast(celery, connection) -> str:
    replies = celery.control.inspect(timeout=WORKER_REPLY_SECONDS, connection=connection).active_queues() or {}
    consumed = {queue["name"] for queues in replies.values() for queue in queues}
    workers = "; ".join(f"{name}: {', '.join(sorted(q['name'] for q in queues))}" for name, queues in sorted(replies.items()))
    unconsumed = [name for name in WORKER_QUEUES if name not in consumed]
    if unconsumed:
        raise RuntimeError(f"no worker answered for queue(s) {', '.join(unconsumed)} ({len(replies)} worker(s) answered)")
    return f"{len(replies)} worker(s) answered: {workers}"


def _worker_by_ping(celery, connection) -> str:
    # Expiring, so a ping nobody took is dropped rather than run whenever a worker comes back.
    result = celery.send_task("songcraft.ping", queue=PING_QUEUE, expires=10, connection=connection)
    try:
        result.get(timeout=WORKER_PING_SECONDS, interval=0.05)
    except CeleryTimeoutError:
        raise RuntimeError(f"no worker answered a ping on queue {PING_QUEUE} within {WORKER_PING_SECONDS:g} s") from None
    return f"a worker answered a ping on queue {PING_QUEUE} (the embedded broker cannot list workers' queues)"


def check_storage() -> str:
    storage = current_app.extensions["storage"]
    key, payload = f"health/probe-{uuid.uuid4().hex}.txt", b"songcraft health probe"
    storage.put(key, payload, "text/plain")
    try:
        if storage.get(key) != payload:
            raise RuntimeError("the probe object read back differs from what was written")
    finally:
        storage.delete(key)
    return f"{storage.name}: wrote, read and deleted {key}"


def check_email() -> str:
    sender = current_app.extensions["email_sender"]
    if sender.name != "smtp":
        return f"{sender.name} sender (emails are written to the log)"
    host, port = current_app.config["MAIL_SERVER"], current_app.config["MAIL_PORT"]
    server = smtplib.SMTP(host, port, timeout=CHECK_TIMEOUT)
    try:
        code, _ = server.noop()
        if code != 250:
            raise RuntimeError(f"NOOP answered {code}")
    finally:
        server.quit()
    return f"smtp {host}:{port} answered"


CHECKS = {
    "database": check_database,
    "redis": check_redis,
    "broker": check_broker,
    "workers": check_workers,
    "storage": check_storage,
    "email": check_email,
    **PROVIDER_HEALTH_CHECKS,  # the configured providers' live APIs: payments (prices), audio (credits), lyrics (key)
}


def _timed(app: Flask, check) -> dict:
    started = time.perf_counter()
    with app.app_context():
        try:
            detail, ok = check(), True
        except Exception as error:  # report, never raise: this report exists to say what is broken
            detail, ok = f"{type(error).__name__}: {str(error)[:300]}", False
    return {"ok": ok, "latency_ms": round((time.perf_counter() - started) * 1000, 1), "detail": detail}


def system_health() -> dict:
    """`down` when the database fails (nothing works without it), `degraded` when anything else does."""
    app = current_app._get_current_object()
    executor = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="health")
    futures = {name: executor.submit(_timed, app, check) for name, check in CHECKS.items()}
    wait(futures.values(), timeout=CHECK_TIMEOUT)
    executor.shutdown(wait=False)  # a hung check must not hold the response
    timed_out = {"ok": False, "latency_ms": CHECK_TIMEOUT * 1000, "detail": f"no answer within {CHECK_TIMEOUT:g} s"}
    checks = {name: future.result() if future.done() else timed_out for name, future in futures.items()}
    if not checks["database"]["ok"]:
        status = "down"
    else:
        status = "ok" if all(check["ok"] for check in checks.values()) else "degraded"
    return {"status": status, "checks": checks}
