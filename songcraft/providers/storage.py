"""The file storage interface shared by the local-disk and S3 implementations.

Keys look like ``users/<user_id>/songs/<song_id>/audio/take-1.mp3``. Every key
(and every prefix) goes through :func:`validate_key` before either
implementation touches it, so both accept and refuse exactly the same keys.

Implementations: :class:`songcraft.providers.storage_local.LocalStorage` and
:class:`songcraft.providers.storage_s3.S3Storage`.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO, Protocol

MAX_KEY_LENGTH = 512
MAX_SEGMENT_LENGTH = 200  # file systems allow 255 bytes per name; local storage needs room for a temp suffix
MAX_URL_LIFETIME_SECONDS = 7 * 24 * 3600  # the longest an S3 SigV4 presigned URL may live

_KEY_CHARACTERS = re.compile(r"[A-Za-z0-9._/-]+")


class StorageError(Exception):
    """The storage backend failed (unreachable, permission denied, ...); the message says why."""


class KeyNotFound(StorageError):
    """Nothing is stored under the key."""


def validate_key(key: str) -> str:
    """Return ``key`` unchanged if it is a safe relative key; raise ``ValueError`` otherwise."""
    if not isinstance(key, str) or not key:
        raise ValueError("A storage key must be a non-empty string.")
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"A storage key may be at most {MAX_KEY_LENGTH} characters long.")
    if not _KEY_CHARACTERS.fullmatch(key):
        raise ValueError(f"Storage key {key[:80]!r} may only contain letters, digits, '.', '_', '-' and '/'.")
    segments = key.split("/")
    if ".." in key or any(segment in ("", ".") for segment in segments):
        raise ValueError(f"Storage key {key!r} must be relative, without '..', '.' or empty path segments.")
    if any(len(segment) > MAX_SEGMENT_LENGTH for segment in segments):
        raise ValueError(f"Each part of a storage key between '/' may be at most {MAX_SEGMENT_LENGTH} characters long.")
    return key


def validate_prefix(prefix: str) -> str:
    """A prefix is a key that may end with '/'; the empty prefix (everything) is refused."""
    validate_key(prefix.removesuffix("/") if isinstance(prefix, str) else prefix)
    return prefix


def validate_lifetime(expires_in: int) -> int:
    if not 1 <= expires_in <= MAX_URL_LIFETIME_SECONDS:
        raise ValueError(f"A signed URL must expire within 1 to {MAX_URL_LIFETIME_SECONDS} seconds.")
    return expires_in


class Storage(Protocol):
    """Where uploaded and rendered media live. Implementations subclass this to share ``put_file``/``get``."""

    name: str

    def put(self, key: str, data: bytes | BinaryIO, content_type: str) -> int:
        """Store ``data`` under ``key`` (replacing any old content) and return its size in bytes.

        A file object is streamed in chunks, never read whole into memory.
        """
        ...

    def put_file(self, key: str, path: str | Path, content_type: str) -> int:
        with open(path, "rb") as stream:
            return self.put(key, stream, content_type)

    def open(self, key: str) -> BinaryIO:
        """A readable stream of the stored bytes; the caller closes it."""
        ...

    def get(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    def download_to(self, key: str, path: str | Path) -> None:
        """Copy the stored bytes to a local file (e.g. as an ffmpeg input)."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key``; a missing key is not an error."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Remove every key starting with ``prefix`` (plain string match, as S3 does) and return how many.

        End the prefix with '/' to remove a "folder": ``songs/1`` also matches ``songs/10/...``.
        """
        ...

    def exists(self, key: str) -> bool:
        ...

    def url(self, key: str, expires_in: int, download_name: str | None = None) -> str:
        """A signed URL a browser can GET for ``expires_in`` seconds.

        With ``download_name`` the browser saves the file under that name instead of showing it.
        """
        ...
