"""Per-route guards that run before a view reads its request: body limits and secrets in the URL.

Place a guard above ``@blp.arguments`` (which parses the body), e.g.::

    @blp.route("/callbacks/suno/<string:secret>", methods=["POST"])
    @body_limit(64 * 1024)
    @secret_in_path("SUNO_CALLBACK_SECRET")
    @blp.response(200, ...)
    def suno_callback(): ...
"""
from __future__ import annotations

import functools
import hmac

from flask import current_app, request

from songcraft.errors import NotFound

DEFAULT_MAX_FORM_PARTS = 1000  # werkzeug's default


def body_limit(max_bytes: int, *, max_parts: int | None = None):
    """Refuse a request body over ``max_bytes`` (and a multipart body of more than ``max_parts``
    parts) with 413 before it is read. Without this guard a route gets ``MAX_CONTENT_LENGTH``."""

    def decorate(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            request.max_content_length = max_bytes
            request.max_form_parts = max_parts or DEFAULT_MAX_FORM_PARTS
            return view(*args, **kwargs)

        return guarded

    return decorate


def secret_in_path(setting: str, argument: str = "secret"):
    """Answer 404, as for an unknown address, unless the URL's ``argument`` equals the secret in
    ``current_app.config[setting]``, compared in constant time. The view does not receive it."""

    def decorate(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            given = kwargs.pop(argument, "")
            expected = current_app.config[setting]
            if not hmac.compare_digest(given.encode(), expected.encode()):
                raise NotFound("The requested URL was not found on the server.")
            return view(*args, **kwargs)

        return guarded

    return decorate
