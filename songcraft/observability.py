"""Request ids and logs: one JSON object per line (`LOG_FORMAT=json`) or readable text (`text`).

Every value that reaches a log line goes through `clip`, so a client that sends megabytes in a
field (a webhook body, a header) cannot make the log grow by megabytes.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from celery.signals import setup_logging
from flask import Flask, g, request

MAX_LOG_VALUE_CHARS = 4096  # any one value: a message, a field, a traceback
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Paths that carry a secret (an email link token, a signed file token) are logged without it.
_SECRET_PATHS = re.compile(r"^(/api/v1/auth/verify-email/|/files/|/api/v1/songs/callbacks/suno/).+")
_SECRET_FIELDS = re.compile(r"(password|secret|token|authorization|api_key)", re.IGNORECASE)
_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


def clip(value, limit: int = MAX_LOG_VALUE_CHARS):
    """The value itself when short (numbers, booleans and None always are), else its text cut at `limit`
    with a note of how much was left out."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) <= limit:
        return value
    return f"{text[:limit]}… [{len(text) - limit} more characters]"


def _fields(record: logging.LogRecord) -> dict:
    """The record's `extra={...}` fields, clipped, with secret-looking ones masked."""
    return {key: "***" if _SECRET_FIELDS.search(key) else clip(value)
            for key, value in record.__dict__.items() if key not in _STANDARD_ATTRS and not key.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the `extra` fields, the exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": clip(record.getMessage()),
            **_fields(record),
        }
        if record.exc_info:
            entry["exception"] = clip(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """`12:00:01 INFO songcraft.access: request method=GET status=200`: for people reading a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields = "".join(f" {key}={value}" for key, value in _fields(record).items())
        line = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname} {record.name}: {clip(record.getMessage())}{fields}"
        if record.exc_info:
            line += "\n" + clip(self.formatException(record.exc_info))
        return line


FORMATTERS = {"json": JsonFormatter, "text": TextFormatter}


def configure_logging(level: str = "INFO", log_format: str = "json") -> None:
    """Every process (web, workers, beat, Flower) logs through one handler on the root logger."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(FORMATTERS[log_format]())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # A receiver tells Celery's worker and beat to leave logging as it is, instead of resetting
    # the level to their --loglevel and adding handlers in their own format.
    setup_logging.connect(_keep_app_logging, dispatch_uid="songcraft.observability", weak=False)


def _keep_app_logging(**kwargs) -> None:
    pass


def init_request_tracing(app: Flask) -> None:
    access_log = logging.getLogger("songcraft.access")

    @app.before_request
    def _start() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _VALID_REQUEST_ID.match(given) else uuid.uuid4().hex
        g.started_at = time.perf_counter()

    @app.after_request
    def _finish(response):
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = request_id
        started = g.get("started_at")
        access_log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": _SECRET_PATHS.sub(r"\1***", request.path),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                "remote_addr": request.remote_addr,
            },
        )
        return response
