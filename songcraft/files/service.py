"""Photo uploads for video songs: checked by content, normalised, stored, listed and deleted.

The whole batch is checked and processed before anything is stored, so one bad file rejects
the batch and leaves nothing behind. Processing (at most ten photos of 10 MB) stays on the
request path because the answer must say which file was refused and with what dimensions
the others were stored.
"""
from __future__ import annotations

import logging
import uuid

import sqlalchemy as sa
from flask import current_app
from werkzeug.datastructures import FileStorage

from songcraft.auth.models import User
from songcraft.errors import Conflict, NotFound, TooLarge, UnsupportedMediaType
from songcraft.extensions import db
from songcraft.files.imaging import ImageTooLarge, ProcessedImage, UnsupportedImage, process_upload
from songcraft.files.models import Image, song_images
from songcraft.songs import storage_keys
from songcraft.songs.models import Song
from songcraft.songs.service import get_user_song, signed_url

log = logging.getLogger(__name__)

MAX_IMAGES_PER_SONG = 10
MAX_IMAGE_BYTES = 10 * 1024 * 1024


def _storage():
    return current_app.extensions["storage"]


def _editable_video_song(user: User, song_id: uuid.UUID) -> Song:
    song = get_user_song(user, song_id, for_update=True)
    if not song.wants_video:
        raise Conflict("Photos are for video orders only.")
    if song.is_busy and song.plan[0] == "render_video":
        raise Conflict("The video is being made from these photos; change them when it is done.")
    return song


def _process(upload: FileStorage) -> ProcessedImage:
    name = upload.filename or "the file"
    data = upload.stream.read(MAX_IMAGE_BYTES + 1)
    try:
        return process_upload(data, max_bytes=MAX_IMAGE_BYTES)
    except ImageTooLarge as error:
        raise TooLarge(f"{name}: {error}") from None
    except UnsupportedImage as error:
        raise UnsupportedMediaType(f"{name}: {error}") from None


def upload_images(user: User, song_id: uuid.UUID, uploads: list[FileStorage]) -> list[Image]:
    song = _editable_video_song(user, song_id)
    existing = len(song_images(song))
    if existing + len(uploads) > MAX_IMAGES_PER_SONG:
        raise Conflict(f"A song can have at most {MAX_IMAGES_PER_SONG} photos; it has {existing}.")
    processed = [_process(upload) for upload in uploads]

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
    """Delete one photo, close the gap in positions, then remove its files once committed."""
    song = _editable_video_song(user, song_id)
    image = db.session.scalar(sa.select(Image).where(Image.id == image_id, Image.song_id == song.id))
    if image is None:
        raise NotFound("Image not found.")
    keys = (image.storage_key, image.thumbnail_key)
    db.session.delete(image)
    db.session.execute(
        sa.update(Image).where(Image.song_id == song.id, Image.position > image.position).values(position=Image.position - 1)
    )
    db.session.commit()
    for key in keys:
        _storage().delete(key)


def image_url(image: Image) -> str:
    return signed_url(image.storage_key, f"photo-{image.position}.{image.storage_key.rsplit('.', 1)[-1]}")


def thumbnail_url(image: Image) -> str:
    return signed_url(image.thumbnail_key, f"photo-{image.position}-thumb.{image.thumbnail_key.rsplit('.', 1)[-1]}")
