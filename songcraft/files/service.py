"""Photo uploads for video songs: checked by content, normalised, stored, listed and deleted.

The whole batch is checked and processed before anything is stored, so one bad file rejects
the batch and leaves nothing behind. Processing stays on the request path because the answer
must say which file was refused and with what dimensions the others were stored; so its work
is bounded before any pixel is decoded: every file's header is read first, each image must
pass the per-image limits of ``imaging``, and together their decoders may need at most
``MAX_REQUEST_DECODE_BYTES``.
"""
from __future__ import annotations

import logging
import uuid

import sqlalchemy as sa
from flask import current_app
from werkzeug.datastructures import FileStorage

from songcraft.auth.models import User
from songcraft.common.text import single_line
from songcraft.errors import Conflict, NotFound, TooLarge, UnsupportedMediaType
from songcraft.extensions import db
from songcraft.files.cleanup import delete_files_after_commit
from songcraft.files.imaging import MAX_IMAGE_BYTES, ImageTooLarge, UnsupportedImage, process_upload, read_header
from songcraft.files.models import Image, song_images
from songcraft.songs import storage_keys
from songcraft.songs.models import Song
from songcraft.songs.service import get_user_song, signed_url

log = logging.getLogger(__name__)

MAX_IMAGES_PER_SONG = 10
# The decoders' memory, estimated from the headers, is also the measure of their work (a WebP or a
# progressive JPEG costs more per pixel than a PNG, which costs more than a JPEG decoded at a
# reduced scale). Ten 12 MP phone photos need 116 MB, eight 24 MP ones 187 MB; two 25 MP PNGs,
# decoded in full, 191 MB. (MB here are 2**20 bytes.) The worst cases are measured by benchmarks/upload.py.
MAX_REQUEST_DECODE_BYTES = 200 * 1024 * 1024
# The request body: ten photos of 10 MB, and room for the multipart headers around them.
MAX_UPLOAD_REQUEST_BYTES = MAX_IMAGES_PER_SONG * MAX_IMAGE_BYTES + 64 * 1024


def _storage():
    return current_app.extensions["storage"]


def _editable_video_song(user: User, song_id: uuid.UUID) -> Song:
    song = get_user_song(user, song_id, for_update=True)
    if not song.wants_video:
        raise Conflict("Photos are for video orders only.")
    if song.is_busy and song.plan[0] == "render_video":
        raise Conflict("The video is being made from these photos; change them when it is done.")
    return song


def _checked(upload: FileStorage, step):
    """Run ``step`` (read_header or process_upload) on the upload; a refusal names the file."""
    try:
        return step(upload.stream)
    except ImageTooLarge as error:
        raise TooLarge(f"{_display_name(upload)}: {error}") from None
    except UnsupportedImage as error:
        raise UnsupportedMediaType(f"{_display_name(upload)}: {error}") from None


def _display_name(upload: FileStorage) -> str:
    return single_line(upload.filename or "")[:100] or "the file"


def upload_images(user: User, song_id: uuid.UUID, uploads: list[FileStorage]) -> list[Image]:
    song = _editable_video_song(user, song_id)
    existing = len(song_images(song))
    if existing + len(uploads) > MAX_IMAGES_PER_SONG:
        raise Conflict(f"A song can have at most {MAX_IMAGES_PER_SONG} photos; it has {existing}.")
    decode_bytes = sum(_checked(upload, read_header).decode_bytes for upload in uploads)
    if decode_bytes > MAX_REQUEST_DECODE_BYTES:
        raise TooLarge(f"Together these photos need {decode_bytes / 2**20:.0f} MB to decode, more than the "
                       f"{MAX_REQUEST_DECODE_BYTES / 2**20:.0f} MB one upload may use: upload them a few at a time.")
    processed = [_checked(upload, process_upload) for upload in uploads]

    storage, stored_keys, images = _storage(), [], []
    try:
        for position, photo in enumerate(processed, start=existing + 1):
            image_id = uuid.uuid4()
            key = storage_keys.image_key(song, image_id, f".{photo.extension}")
            thumbnail_key = storage_keys.image_key(song, image_id, f"-thumb.{photo.extension}")
            storage.put(key, photo.content, photo.content_type)
            stored_keys.append(key)
            storage.put(thumbnail_key, photo.thumbnail, photo.thumbnail_content_type)
            stored_keys.append(thumbnail_key)
            images.append(Image(id=image_id, song_id=song.id, position=position, storage_key=key, thumbnail_key=thumbnail_key,
                                content_type=photo.content_type, width=photo.width, height=photo.height,
                                size_bytes=len(photo.content)))
        db.session.add_all(images)
        db.session.commit()
    except Exception:
        db.session.rollback()
        for key in stored_keys:
            storage.delete(key)
        raise
    return images


def list_images(user: User, song_id: uuid.UUID) -> list[Image]:
    return song_images(get_user_song(user, song_id))


def delete_image(user: User, song_id: uuid.UUID, image_id: uuid.UUID) -> None:
    """Delete one photo, close the gap in positions, and its files once that is committed."""
    song = _editable_video_song(user, song_id)
    image = db.session.scalar(sa.select(Image).where(Image.id == image_id, Image.song_id == song.id))
    if image is None:
        raise NotFound("Image not found.")
    delete_files_after_commit(storage_keys.image_key(song, image.id, ""))  # the photo and its thumbnail
    db.session.delete(image)
    db.session.execute(
        sa.update(Image).where(Image.song_id == song.id, Image.position > image.position).values(position=Image.position - 1)
    )
    db.session.commit()


def image_url(image: Image) -> str:
    return signed_url(image.storage_key, f"photo-{image.position}.{image.storage_key.rsplit('.', 1)[-1]}")


def thumbnail_url(image: Image) -> str:
    return signed_url(image.thumbnail_key, f"photo-{image.position}-thumb.{image.thumbnail_key.rsplit('.', 1)[-1]}")
