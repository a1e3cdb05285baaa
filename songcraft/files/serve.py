"""Serves files of the local storage through signed, expiring URLs (S3 serves its own presigned URLs)."""
from __future__ import annotations

import mimetypes

from flask import Blueprint, abort, current_app, send_file

from songcraft.errors import NotFound
from songcraft.providers.storage import KeyNotFound

bp = Blueprint("local_files", __name__)


@bp.get("/files/<path:token>")
def signed_file(token: str):
    storage = current_app.extensions["storage"]
    if storage.name != "local":
        abort(404)
    from songcraft.providers.storage_local import InvalidSignedUrl

    try:
        path, download_name = storage.resolve_signed(token, max_age=7 * 86400)
    except InvalidSignedUrl:
        raise NotFound("This link is invalid or has expired.") from None
    except KeyNotFound:
        raise NotFound("This file no longer exists.") from None
    mimetype = mimetypes.guess_type(download_name or path.name)[0] or "application/octet-stream"
    return send_file(path, mimetype=mimetype, download_name=download_name, as_attachment=False, conditional=True, max_age=0)
