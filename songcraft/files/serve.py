"""Serves files of the local storage through signed, expiring URLs (S3 serves its own presigned URLs).

The type of a served file comes from its stored extension, looked up in a short list of what we
store (MP3, MP4, JPEG, PNG, WebP, LRC): anything else goes out as ``application/octet-stream``,
so no file is ever served as HTML, whatever name a link asks for. Every file carries a ``Content-Disposition``: ``attachment`` when the
link names a download (as S3's presigned URLs do), ``inline`` otherwise.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file

from songcraft.errors import NotFound
from songcraft.providers.storage import KeyNotFound
from songcraft.providers.storage_local import InvalidSignedUrl

bp = Blueprint("local_files", __name__)

SAFE_TYPES = {
    ".mp3": "audio/mpeg",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".lrc": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".zip": "application/zip",  # a customer's data export
}
# A token signed with our key but not made by `url()` (only possible if the key leaked): a bad
# key such as `../x` (ValueError), or a payload of the wrong shape.
_FORGED = (ValueError, KeyError, TypeError)


@bp.get("/files/<path:token>")
def signed_file(token: str):
    storage = current_app.extensions["storage"]
    if storage.name != "local":
        abort(404)
    try:
        path, download_name = storage.resolve_signed(token, max_age=7 * 86400)
    except (InvalidSignedUrl, *_FORGED):
        raise NotFound("This link is invalid or has expired.") from None
    except KeyNotFound:
        raise NotFound("This file no longer exists.") from None
    name = download_name if isinstance(download_name, str) and download_name else path.name
    mimetype = SAFE_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return send_file(path, mimetype=mimetype, download_name=name, as_attachment=bool(download_name), conditional=True, max_age=0)
