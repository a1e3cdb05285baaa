"""The customer's data as one ZIP (GDPR Articles 15 and 20): JSON for the records, the files as they are.

`request_export` queues one export per customer at a time: while one is queued or running, asking
again answers that one instead of building a second (an export left waiting longer than
`STALE_AFTER`, its task lost, is given up and a new one starts).

`build` runs on a worker in the runner's shape: claim and read everything the archive needs in a
short transaction; then, holding no database connection, write the ZIP to a temporary file,
streaming each stored file into it chunk by chunk (memory stays flat whatever the files weigh);
store it under the customer's prefix; and in a last short transaction mark it ready, queue the
email with a signed link valid for DATA_EXPORT_LINK_HOURS, and have the deletion sweep remove the
file when the link expires. An account erased meanwhile stands the export down.
"""
from __future__ import annotations

import json
import logging
import shutil
import tempfile
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import PurePosixPath

import sqlalchemy as sa
from flask import current_app

from songcraft.auth.models import User
from songcraft.common.db import utcnow
from songcraft.common.dispatch import after_commit
from songcraft.extensions import db
from songcraft.files.cleanup import delete_files_later
from songcraft.files.models import song_images
from songcraft.finishing.models import SongCover
from songcraft.gifts.models import Gift
from songcraft.notifications.service import queue_email
from songcraft.orders.models import Order
from songcraft.privacy.models import IN_PROGRESS, DataExport
from songcraft.providers.storage import KeyNotFound
from songcraft.songs.models import Song
from songcraft.songs.storage_keys import user_prefix

log = logging.getLogger(__name__)

BUILD_TASK = "songcraft.privacy.build_export"
STALE_AFTER = timedelta(hours=1)
ACCOUNT_FIELDS = ("id", "email", "full_name", "role", "is_verified", "created_at", "verified_at", "last_login_at")
ORDER_FIELDS = ("id", "product", "status", "amount_cents", "discount_cents", "currency", "discount_code", "payment_provider",
                "created_at", "paid_at", "fulfilled_at", "refunded_at", "used_at")
SONG_FIELDS = ("id", "order_id", "title", "recipient_name", "occasion", "genre", "mood", "story", "language", "vocal_style",
               "name_pronunciation", "instrumental", "video_format", "lyrics", "status", "created_at", "completed_at",
               "duration_seconds")
GIFT_FIELDS = ("recipient_email", "message", "deliver_at", "delivered_at", "first_viewed_at", "views")
README = """This archive holds everything SongCraft keeps about your account.

account.json        your account
orders.json         your orders
songs/<id>/song.json  each song: what you told us, the lyrics, the takes with their line timings, the gift
songs/<id>/...      the song's files: takes (MP3), video (MP4), cover and your photos
"""


def _record(row, names: tuple[str, ...]) -> dict:
    return {name: getattr(row, name) for name in names}


def _stale(export: DataExport) -> bool:
    return export.updated_at < utcnow() - STALE_AFTER


def request_export(user: User) -> DataExport:
    """The customer's export in progress, or a new one queued (sent to a worker after the commit)."""
    db.session.scalar(sa.select(User.id).where(User.id == user.id).with_for_update())  # one request at a time per customer
    running = db.session.scalars(sa.select(DataExport).where(DataExport.user_id == user.id,
                                                             DataExport.status.in_(IN_PROGRESS))).all()
    for export in running:
        if not _stale(export):
            db.session.commit()
            return export
        export.status, export.error = "failed", "Given up: it did not finish within an hour."
    export = DataExport(id=uuid.uuid4(), user_id=user.id, status="queued")
    db.session.add(export)
    after_commit(db.session, current_app.extensions["celery"].signature(BUILD_TASK, args=(str(export.id),), immutable=True))
    db.session.commit()
    return export


@dataclass
class Manifest:
    """What the archive holds: JSON documents by name, and stored files by name in the archive."""

    user_id: str
    documents: dict[str, object] = field(default_factory=dict)
    files: list[tuple[str, str]] = field(default_factory=list)  # (name in the archive, storage key)


def build(export_id: str) -> bool:
    """Build, store and email one export; False when there was nothing to do (gone, done, erased)."""
    manifest = _claim(export_id)
    if manifest is None:
        return False
    storage = current_app.extensions["storage"]
    key = f"{user_prefix(manifest.user_id)}exports/{export_id}.zip"
    with tempfile.TemporaryFile() as archive:
        _write_zip(archive, manifest)
        archive.seek(0)
        size = storage.put(key, archive, "application/zip")
    return _finish(export_id, key, size)


def _claim(export_id: str) -> Manifest | None:
    export = db.session.scalar(sa.select(DataExport).where(DataExport.id == uuid.UUID(export_id)).with_for_update())
    if export is None or not export.in_progress:  # erased, or already built by an earlier delivery of the task
        db.session.rollback()
        return None
    export.status = "running"
    manifest = _manifest(db.session.get(User, export.user_id))
    db.session.commit()
    db.session.close()  # no connection is held while the archive is written
    return manifest


def _manifest(user: User) -> Manifest:
    manifest = Manifest(user_id=str(user.id))
    manifest.documents["account.json"] = _record(user, ACCOUNT_FIELDS)
    orders = db.session.scalars(sa.select(Order).where(Order.user_id == user.id).order_by(Order.created_at)).all()
    manifest.documents["orders.json"] = [_record(order, ORDER_FIELDS) for order in orders]
    songs = db.session.scalars(sa.select(Song).where(Song.user_id == user.id).order_by(Song.created_at)).all()
    for song in songs:
        folder = f"songs/{song.id}"
        document = _record(song, SONG_FIELDS)
        document["takes"] = []
        for take in song.takes:
            name = f"{folder}/takes/take-{take.position}{PurePosixPath(take.storage_key).suffix}"
            document["takes"].append({"position": take.position, "selected": take.selected, "file": name,
                                      "duration_seconds": take.duration_seconds, "line_timings": take.line_timings})
            manifest.files.append((name, take.storage_key))
        document["photos"] = []
        for image in song_images(song):
            name = f"{folder}/photos/{image.position}-{image.id}{PurePosixPath(image.storage_key).suffix}"
            document["photos"].append({"position": image.position, "file": name})
            manifest.files.append((name, image.storage_key))
        for name, key in ((f"{folder}/video.mp4", song.video_key),
                          (f"{folder}/cover.jpg", getattr(db.session.get(SongCover, song.id), "storage_key", None))):
            if key:
                document[PurePosixPath(name).stem] = name
                manifest.files.append((name, key))
        gift = db.session.scalar(sa.select(Gift).where(Gift.song_id == song.id))
        document["gift"] = _record(gift, GIFT_FIELDS) if gift else None
        manifest.documents[f"{folder}/song.json"] = document
    return manifest


def _write_zip(archive, manifest: Manifest) -> None:
    storage = current_app.extensions["storage"]
    missing = []
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("README.txt", README)
        for name, document in manifest.documents.items():
            zipped.writestr(name, json.dumps(document, indent=2, ensure_ascii=False, default=str))
        for name, key in manifest.files:
            try:
                source = storage.open(key)
            except KeyNotFound:
                missing.append(name)
                continue
            # Media is compressed already: stored as is, streamed in chunks (zip64 for very large files).
            with source, zipped.open(zipfile.ZipInfo(name, date_time=utcnow().timetuple()[:6]), "w", force_zip64=True) as target:
                shutil.copyfileobj(source, target, length=1024 * 1024)
        if missing:
            zipped.writestr("missing.json", json.dumps({"files_no_longer_stored": missing}, indent=2))


def _finish(export_id: str, key: str, size: int) -> bool:
    export = db.session.scalar(sa.select(DataExport).where(DataExport.id == uuid.UUID(export_id)).with_for_update())
    if export is None or export.status != "running":  # the account was erased meanwhile (its erasure sweeps the prefix too)
        db.session.rollback()
        current_app.extensions["storage"].delete(key)
        return False
    hours = current_app.config["DATA_EXPORT_LINK_HOURS"]
    export.status, export.storage_key, export.size_bytes = "ready", key, size
    export.completed_at = utcnow()
    export.expires_at = export.completed_at + timedelta(hours=hours)
    delete_files_later(key, export.expires_at)
    user = db.session.get(User, export.user_id)
    link = current_app.extensions["storage"].url(key, hours * 3600,
                                                 download_name=f"songcraft-data-{export.completed_at:%Y-%m-%d}.zip")
    queue_email(user.email, "data_export_ready", {"name": user.display_name, "link": link, "hours": hours},
                dedupe_key=f"data-export:{export.id}")
    db.session.commit()
    log.info("data export ready", extra={"export_id": export_id, "size_bytes": size})
    return True


def fail(export_id: str, message: str) -> None:
    db.session.rollback()
    db.session.execute(sa.update(DataExport).where(DataExport.id == uuid.UUID(export_id), DataExport.status == "running")
                       .values(status="failed", error=message[:2000], updated_at=utcnow()))
    db.session.commit()
