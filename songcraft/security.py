"""Security headers, in one place, for every response the app sends.

Every response says ``X-Content-Type-Options: nosniff`` (a browser never guesses a type we did
not send) and ``Referrer-Policy: no-referrer`` (signed links and tokens in our URLs never leak
to another site). Every HTML page (the sandbox checkout, Swagger UI at /docs, the gift pages)
also gets a strict Content-Security-Policy and ``X-Frame-Options: DENY``:

* scripts and styles only from this origin, or inline with the response's nonce: templates write
  ``<script nonce="{{ csp_nonce() }}">``; no ``eval``, no inline event handlers;
* images and media from this origin and from the storage's origin (signed S3 URLs), ``data:``
  images (Swagger UI's icons);
* no plugins, no ``<base>`` tricks, forms post only here, and no page may frame ours.
"""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g


def init_security(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(_add_security_headers)


def csp_nonce() -> str:
    """The nonce of this response's Content-Security-Policy (one per request)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str, media_origin: str) -> str:
    return "; ".join((
        "default-src 'none'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        f"img-src 'self' data: {media_origin}",
        f"media-src 'self' {media_origin}",
        "connect-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ))


def _add_security_headers(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = content_security_policy(csp_nonce(), _storage_origin())
        response.headers["X-Frame-Options"] = "DENY"
    return response


def _storage_origin() -> str:
    """Where signed media URLs point: this app's PUBLIC_URL, or S3/MinIO. Both storages sign
    locally, so asking for a URL costs no request."""
    probe = urlsplit(current_app.extensions["storage"].url("security/origin-probe", 60))
    return f"{probe.scheme}://{probe.netloc}"
