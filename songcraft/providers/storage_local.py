"""Storage on the local disk, with signed URLs served by the app's ``/files/<token>`` route.

Path traversal is impossible by construction: keys are validated, and every
resolved path (symlinks followed) must still lie inside the root.
"""
from __future__ import annotations

import hmac
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from functools import cached_property, partial
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

import orjson
from itsdangerous import BadSignature, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes

from songcraft.providers.storage import (
    KeyNotFound,
    Storage,
    StorageError,
    validate_key,
    validate_lifetime,
    validate_prefix,
)

_URL_SALT = "songcraft.storage.local-file-url"
# '~' can never appear in a key, so half-written temp files are never mistaken for stored files.
_TEMP_MARKER = "~upload-"
_CHUNK_BYTES = 1024 * 1024


class InvalidSignedUrl(Exception):
    """The file URL was forged, tampered with, or has expired."""


class _FileUrlSerializer(URLSafeTimedSerializer):
    """itsdangerous' URL-safe timed serializer, its tokens made faster.

    A list page signs up to two URLs a song. `dumps` writes what itsdangerous writes
    (`payload.timestamp.signature`, URL-safe base64, an HMAC-SHA1 over the first two parts with
    the key itsdangerous derives), from one HMAC keyed once and copied per token, and never
    compresses: itsdangerous tried zlib on every payload (a key, a name and an expiry barely
    compress), built a signer and derived its key for every token. Verifying is itsdangerous'
    own, so tokens signed compressed by an earlier release still resolve.
    """

    @cached_property
    def _keyed_mac(self):
        signer = self.make_signer(self.salt)
        return hmac.new(signer.derive_key(), digestmod=signer.digest_method)

    def dumps(self, obj) -> str:
        value = base64_encode(orjson.dumps(obj)) + b"." + base64_encode(int_to_bytes(int(time.time())))
        mac = self._keyed_mac.copy()
        mac.update(value)
        return (value + b"." + base64_encode(mac.digest())).decode("ascii")


class LocalStorage(Storage):
    name = "local"

    def __init__(self, root: str, secret_key: str, base_url: str):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.base_url = base_url.rstrip("/")
        self._signer = _FileUrlSerializer(secret_key, salt=_URL_SALT)

    def put(self, key: str, data: bytes | BinaryIO, content_type: str) -> int:
        path = self._path(key)
        chunks = [data] if isinstance(data, (bytes, bytearray, memoryview)) else iter(partial(data.read, _CHUNK_BYTES), b"")
        size = 0
        with _atomic_write(path, key) as target:
            for chunk in chunks:  # a failing source raises its own error: it is not a storage failure
                with _os_errors("store", key):
                    target.write(chunk)
                size += len(chunk)
        return size

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        with _os_errors("read", key):
            try:
                return path.open("rb")
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as error:
                raise KeyNotFound(f"No file is stored at {key}.") from error

    def download_to(self, key: str, path: str | Path) -> None:
        with self.open(key) as source, _os_errors("copy", key), open(path, "wb") as target:
            shutil.copyfileobj(source, target)

    def delete(self, key: str) -> None:
        path = self._path(key)
        with _os_errors("delete", key):
            if not path.is_dir():
                path.unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        validate_prefix(prefix)
        directory = prefix.rpartition("/")[0]
        top = self._path(directory) if directory else self.root
        deleted = 0
        with _os_errors("delete", prefix):
            for folder, _, files in os.walk(top, topdown=False):
                for file_name in files:
                    path = Path(folder, file_name)
                    if _TEMP_MARKER not in file_name and self._key_of(path).startswith(prefix):
                        path.unlink(missing_ok=True)
                        deleted += 1
                if (self._key_of(Path(folder)) + "/").startswith(prefix) and not os.listdir(folder):
                    os.rmdir(folder)
        return deleted

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def url(self, key: str, expires_in: int, download_name: str | None = None) -> str:
        validate_key(key)
        expires_at = int(time.time()) + validate_lifetime(expires_in)
        token = self._signer.dumps({"k": key, "n": download_name, "e": expires_at})
        return f"{self.base_url}/files/{token}"

    def resolve_signed(self, token: str, max_age: int, clock: Callable[[], float] = time.time) -> tuple[Path, str | None]:
        """The file path and download name a token from :meth:`url` grants, for the serving route.

        Each token carries its own expiry; ``max_age`` additionally caps the age of any token.
        Raises :class:`InvalidSignedUrl` for a bad or expired token and ``KeyNotFound`` when the
        file was deleted since the URL was made.
        """
        try:
            payload, signed_at = self._signer.loads(token, return_timestamp=True)
        except BadSignature as error:
            raise InvalidSignedUrl("This file link is not valid.") from error
        now = clock()
        if now > payload["e"] or now - signed_at.timestamp() > max_age:
            raise InvalidSignedUrl("This file link has expired.")
        path = self._path(payload["k"])
        if not path.is_file():
            raise KeyNotFound(f"No file is stored at {payload['k']}.")
        return path, payload["n"]

    def _path(self, key: str) -> Path:
        path = (self.root / validate_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"Storage key {key!r} points outside the storage root.")
        return path

    def _key_of(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


@contextmanager
def _os_errors(action: str, key: str) -> Iterator[None]:
    try:
        yield
    except OSError as error:
        raise StorageError(f"Could not {action} {key} on local storage: {error.strerror or error}.") from error


@contextmanager
def _atomic_write(path: Path, key: str) -> Iterator[BinaryIO]:
    """A temp file beside ``path`` that replaces it only if the block completes: readers never see half a file."""
    with _os_errors("store", key):
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}{_TEMP_MARKER}")
    try:
        with os.fdopen(descriptor, "wb") as temp:
            yield temp
            with _os_errors("store", key):
                temp.flush()
                os.fsync(temp.fileno())
        with _os_errors("store", key):
            os.chmod(temp_name, 0o644)
            os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
