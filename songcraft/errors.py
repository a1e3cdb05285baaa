"""Domain errors and the one place that turns any error into the contract's JSON shape.

Services raise the errors below; routes never build error responses by hand. The body is
always ``{"code", "status", "message", "errors"?}`` whatever raised it.
"""
from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

UNEXPECTED = "Something went wrong on our side. The error was logged."  # a 500's message


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors


class BadRequest(DomainError):
    status_code = 400


class Unauthorized(DomainError):
    status_code = 401


class PaymentRequired(DomainError):
    status_code = 402


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class TooLarge(DomainError):
    status_code = 413


class UnsupportedMediaType(DomainError):
    status_code = 415


class Unprocessable(DomainError):
    status_code = 422


class ServiceUnavailable(DomainError):
    status_code = 503


def error_response(code: int, message: str | None = None, errors: dict | None = None, headers=None):
    status = HTTPStatus(code)
    body = {"code": code, "status": status.phrase, "message": message or status.description}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = code
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _handle_http_exception(error: HTTPException):
    data = getattr(error, "data", None) or {}  # webargs puts field errors in data["messages"]
    message = data.get("message") or error.description
    headers = {k: v for k, v in (error.get_headers() if error.response is None else error.response.headers) if k.lower() != "content-type"}
    if error.code == 429:
        message = f"Too many requests: limit of {error.description}. Try again later."
    return error_response(error.code or 500, message, data.get("messages") or data.get("errors"), headers)


def _handle_domain_error(error: DomainError):
    return error_response(error.status_code, error.message, error.errors)


def _handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return _handle_http_exception(error)
    log.exception("unhandled error")
    return error_response(500, UNEXPECTED)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(Exception, _handle_unexpected)
