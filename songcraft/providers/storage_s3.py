"""Storage in an S3 bucket: AWS S3 itself, or MinIO (and other S3-compatible servers).

Uploads and downloads go through boto3's managed transfer, which streams large
files in parts. The bucket is created on first use if it does not exist.
"""
from __future__ import annotations

import io
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator
from urllib.parse import quote

import boto3
from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from songcraft.providers.storage import (
    KeyNotFound,
    Storage,
    StorageError,
    validate_key,
    validate_lifetime,
    validate_prefix,
)

_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}


class S3Storage(Storage):
    name = "s3"

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None,
        access_key: str | None,
        secret_key: str | None,
        region: str = "us-east-1",
        secure: bool = True,
        public_endpoint_url: str | None = None,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        max_attempts: int = 3,
    ):
        """``endpoint_url`` None means AWS S3; otherwise a host[:port] (scheme from ``secure``) or a full URL.

        ``public_endpoint_url`` is the address browsers use for signed URLs when it differs from the
        one this server uses (e.g. ``minio:9000`` inside Docker, ``https://files.example.com`` outside).
        Without ``access_key`` boto3 finds credentials itself (e.g. an AWS instance role).
        """
        self.bucket = bucket
        self.endpoint_url = _with_scheme(endpoint_url, secure)
        config = Config(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"mode": "standard", "max_attempts": max_attempts},
            signature_version="s3v4",
            # MinIO serves buckets as paths; AWS picks the addressing style itself.
            s3={"addressing_style": "path" if endpoint_url else "auto"},
        )
        session = boto3.session.Session(aws_access_key_id=access_key, aws_secret_access_key=secret_key, region_name=region)
        self._client = session.client("s3", endpoint_url=self.endpoint_url, config=config)
        public_url = _with_scheme(public_endpoint_url, secure) or self.endpoint_url
        self._signing_client = session.client("s3", endpoint_url=public_url, config=config)
        self._region = region
        self._bucket_ready = False
        self._bucket_lock = threading.Lock()

    def ensure_bucket(self) -> None:
        """Create the bucket unless it exists; runs once per instance, however many threads ask."""
        if self._bucket_ready:
            return
        with self._bucket_lock, self._errors(self.bucket):
            if self._bucket_ready:
                return
            try:
                self._client.head_bucket(Bucket=self.bucket)
            except ClientError as error:
                status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                if status == 404:
                    self._create_bucket()
                elif status != 403:  # 403: it exists, but these credentials may not inspect it: use it as is.
                    raise
            self._bucket_ready = True

    def put(self, key: str, data: bytes | BinaryIO, content_type: str) -> int:
        validate_key(key)
        stream = io.BytesIO(data) if isinstance(data, (bytes, bytearray, memoryview)) else data
        self.ensure_bucket()
        with self._errors(key):
            self._client.upload_fileobj(stream, self.bucket, key, ExtraArgs={"ContentType": content_type})
            return self._client.head_object(Bucket=self.bucket, Key=key)["ContentLength"]

    def open(self, key: str) -> BinaryIO:
        validate_key(key)
        self.ensure_bucket()
        with self._errors(key):
            body = self._client.get_object(Bucket=self.bucket, Key=key)["Body"]
        return _ErrorTranslatingStream(body, lambda: self._errors(key))

    def download_to(self, key: str, path: str | Path) -> None:
        validate_key(key)
        self.ensure_bucket()
        with self._errors(key):
            self._client.download_file(self.bucket, key, str(path))

    def delete(self, key: str) -> None:
        validate_key(key)
        self.ensure_bucket()
        with self._errors(key):
            self._client.delete_object(Bucket=self.bucket, Key=key)

    def delete_prefix(self, prefix: str) -> int:
        validate_prefix(prefix)
        self.ensure_bucket()
        deleted = 0
        with self._errors(prefix):
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                objects = [{"Key": item["Key"]} for item in page.get("Contents", [])]
                if not objects:
                    continue
                result = self._client.delete_objects(Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True})
                if result.get("Errors"):
                    first = result["Errors"][0]
                    raise StorageError(f"S3 refused to delete {first['Key']}: {first.get('Code')} {first.get('Message')}")
                deleted += len(objects)
        return deleted

    def exists(self, key: str) -> bool:
        validate_key(key)
        self.ensure_bucket()
        try:
            with self._errors(key):
                self._client.head_object(Bucket=self.bucket, Key=key)
        except KeyNotFound:
            return False
        return True

    def url(self, key: str, expires_in: int, download_name: str | None = None) -> str:
        """A presigned GET; signing happens locally, so it neither checks nor needs the object to exist."""
        params = {"Bucket": self.bucket, "Key": validate_key(key)}
        if download_name:
            params["ResponseContentDisposition"] = _attachment_header(download_name)
        with self._errors(key):
            return self._signing_client.generate_presigned_url("get_object", Params=params, ExpiresIn=validate_lifetime(expires_in))

    def _create_bucket(self) -> None:
        options = {} if self._region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": self._region}}
        try:
            self._client.create_bucket(Bucket=self.bucket, **options)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                raise

    @contextmanager
    def _errors(self, key: str) -> Iterator[None]:
        """Turn boto failures into KeyNotFound (missing object) or StorageError with a readable message."""
        try:
            yield
        except ClientError as error:
            details = error.response.get("Error", {})
            code = details.get("Code", "")
            if code in _MISSING_CODES:
                raise KeyNotFound(f"No file is stored at {key}.") from error
            message = f"S3 bucket {self.bucket} refused the request for {key}: {code} {details.get('Message', '')}"
            raise StorageError(message.rstrip()) from error
        except (BotoCoreError, Boto3Error) as error:
            raise StorageError(f"Could not use S3 bucket {self.bucket} at {self.endpoint_url or 'AWS'}: {error}") from error


class _ErrorTranslatingStream(io.RawIOBase):
    """The object's body as a file, raising StorageError (not botocore errors) if the download breaks."""

    def __init__(self, body, errors):
        self._body, self._errors = body, errors

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        with self._errors():
            return self._body.read(None if size is None or size < 0 else size)

    def readall(self) -> bytes:
        return self.read()

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()


def _attachment_header(download_name: str) -> str:
    """A Content-Disposition that saves the file as ``download_name`` (RFC 6266, any language)."""
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", download_name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(download_name, safe='')}"


def _with_scheme(endpoint: str | None, secure: bool) -> str | None:
    if not endpoint or "://" in endpoint:
        return endpoint
    return f"{'https' if secure else 'http'}://{endpoint}"
