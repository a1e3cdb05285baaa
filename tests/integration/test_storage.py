"""The same behaviour tests against LocalStorage (a temp dir) and S3Storage (moto's S3 server on loopback)."""
from __future__ import annotations

import hashlib
import io
import os
import secrets
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from itsdangerous import URLSafeTimedSerializer
from moto.server import ThreadedMotoServer

from songcraft.providers.storage import MAX_KEY_LENGTH, MAX_SEGMENT_LENGTH, KeyNotFound, StorageError
from songcraft.providers.storage_local import _URL_SALT, InvalidSignedUrl, LocalStorage
from songcraft.providers.storage_s3 import S3Storage

SECRET = "test-secret-key"
LARGE_SIZE = 20 * 1024 * 1024
KEY = "users/7/songs/42/audio/take-1.mp3"


@pytest.fixture(scope="session")
def moto_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"{host}:{port}"
    server.stop()


def make_s3(endpoint: str, bucket: str | None = None, **options) -> S3Storage:
    bucket = bucket or f"songcraft-test-{secrets.token_hex(4)}"
    return S3Storage(bucket, endpoint, "test-access-key", "test-secret-key", secure=False, **options)


def raw_s3_client(endpoint: str):
    return boto3.client("s3", endpoint_url=f"http://{endpoint}", aws_access_key_id="test-access-key",
                        aws_secret_access_key="test-secret-key", region_name="us-east-1")


@pytest.fixture
def local(tmp_path) -> LocalStorage:
    return LocalStorage(str(tmp_path / "files"), SECRET, "http://app.test/")


@pytest.fixture(params=["local", "s3"])
def storage(request):
    if request.param == "local":
        return request.getfixturevalue("local")
    return make_s3(request.getfixturevalue("moto_endpoint"))


@pytest.fixture(scope="module")
def large_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("large") / "render.mp4"
    with path.open("wb") as out:
        for _ in range(LARGE_SIZE // (1024 * 1024)):
            out.write(os.urandom(1024 * 1024))
    return path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ChunkedReadsOnly(io.RawIOBase):
    """A non-seekable stream that refuses to be read whole: proves uploads are streamed in chunks."""

    def __init__(self, source, fail_after: int | None = None):
        self._source, self._fail_after, self.largest_read = source, fail_after, 0
        self._read_so_far = 0

    def readable(self):
        return True

    def read(self, size=-1):
        if size is None or size < 0:
            raise AssertionError("the upload asked for the whole stream at once")
        if self._fail_after is not None and self._read_so_far >= self._fail_after:
            raise ConnectionResetError("the client went away mid-upload")
        self.largest_read = max(self.largest_read, size)
        data = self._source.read(size)
        self._read_so_far += len(data)
        return data

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# --- Behaviour shared by both implementations ------------------------------------------------


def test_put_bytes_then_read_back_every_way(storage, tmp_path):
    data = b"ID3 pretend mp3 " * 1000

    assert storage.put(KEY, data, "audio/mpeg") == len(data)

    assert storage.exists(KEY)
    assert storage.get(KEY) == data
    with storage.open(KEY) as stream:
        assert stream.read(4) == b"ID3 "
        assert stream.read() == data[4:]
    target = tmp_path / "input.mp3"
    storage.download_to(KEY, target)
    assert target.read_bytes() == data


def test_large_upload_is_streamed_and_read_back_identical(storage, large_file, tmp_path):
    with large_file.open("rb") as source:
        stream = ChunkedReadsOnly(source)
        size = storage.put("users/7/songs/42/video/final.mp4", stream, "video/mp4")

    assert size == LARGE_SIZE
    assert stream.largest_read < LARGE_SIZE
    expected = sha256(large_file.read_bytes())
    assert sha256(storage.get("users/7/songs/42/video/final.mp4")) == expected
    target = tmp_path / "copy.mp4"
    storage.download_to("users/7/songs/42/video/final.mp4", target)
    assert sha256(target.read_bytes()) == expected


def test_put_file_and_replace_existing_content(storage, tmp_path):
    rendered = tmp_path / "cover.png"
    rendered.write_bytes(b"\x89PNG new cover")
    storage.put("users/7/songs/42/cover.png", b"old cover, longer than the new one", "image/png")

    assert storage.put_file("users/7/songs/42/cover.png", rendered, "image/png") == len(b"\x89PNG new cover")
    assert storage.get("users/7/songs/42/cover.png") == b"\x89PNG new cover"


def test_upload_failing_midway_keeps_the_old_content(storage, large_file):
    storage.put(KEY, b"the good take", "audio/mpeg")

    with large_file.open("rb") as source, pytest.raises(ConnectionResetError):
        storage.put(KEY, ChunkedReadsOnly(source, fail_after=10 * 1024 * 1024), "audio/mpeg")

    assert storage.get(KEY) == b"the good take"
    assert storage.delete_prefix("users/") == 1  # no half-written leftovers either


def test_missing_keys_raise_key_not_found(storage, tmp_path):
    storage.put(KEY, b"x", "audio/mpeg")

    for missing in ("users/7/songs/42/audio/take-2.mp3", "users/7/songs/42"):  # the second is a "folder"
        assert not storage.exists(missing)
        with pytest.raises(KeyNotFound, match="No file is stored"):
            storage.get(missing)
        with pytest.raises(KeyNotFound):
            storage.open(missing)
        with pytest.raises(KeyNotFound):
            storage.download_to(missing, tmp_path / "never.mp3")


def test_delete_is_idempotent(storage):
    storage.put(KEY, b"x", "audio/mpeg")

    storage.delete(KEY)
    storage.delete(KEY)
    storage.delete("users/7/never-existed.txt")

    assert not storage.exists(KEY)


def test_delete_prefix_removes_exactly_the_matching_keys(storage):
    doomed = ["users/7/songs/1/audio/take-1.mp3", "users/7/songs/1/audio/take-2.mp3", "users/7/songs/1/cover.png"]
    kept = ["users/7/songs/10/cover.png", "users/7/songs/2/cover.png", "users/8/songs/1/cover.png"]
    for key in doomed + kept:
        storage.put(key, key.encode(), "application/octet-stream")

    assert storage.delete_prefix("users/7/songs/1/") == 3
    assert storage.delete_prefix("users/7/songs/1/") == 0

    assert [key for key in doomed + kept if storage.exists(key)] == kept
    assert storage.delete_prefix("users/7") == 2  # a plain string prefix, as S3 has it
    assert storage.exists("users/8/songs/1/cover.png")


@pytest.mark.parametrize(
    "bad_key",
    ["../etc/passwd", "users/../../etc/passwd", "/etc/passwd", "users\\7\\a.mp3", "users/7/a\x00.mp3", "users/7/a b.mp3",
     "users/7/ä.mp3", "users//7", "users/./7", "users/7/", "", "a/" * (MAX_KEY_LENGTH // 2) + "a",
     "users/" + "a" * (MAX_SEGMENT_LENGTH + 1)],
)
def test_invalid_keys_are_rejected_everywhere(storage, bad_key, tmp_path):
    for action in (
        lambda: storage.put(bad_key, b"x", "text/plain"),
        lambda: storage.get(bad_key),
        lambda: storage.exists(bad_key),
        lambda: storage.delete(bad_key),
        lambda: storage.download_to(bad_key, tmp_path / "out"),
        lambda: storage.url(bad_key, 60),
    ):
        with pytest.raises(ValueError):
            action()


def test_the_longest_allowed_key_works(storage):
    segments = MAX_KEY_LENGTH // (MAX_SEGMENT_LENGTH + 1)
    key = ("a" * MAX_SEGMENT_LENGTH + "/") * segments + "b" * (MAX_KEY_LENGTH % (MAX_SEGMENT_LENGTH + 1))
    assert len(key) == MAX_KEY_LENGTH
    storage.put(key, b"ok", "text/plain")
    assert storage.get(key) == b"ok"


def test_delete_prefix_refuses_to_delete_everything(storage):
    storage.put(KEY, b"x", "audio/mpeg")
    for prefix in ("", "/", "../"):
        with pytest.raises(ValueError):
            storage.delete_prefix(prefix)
    assert storage.exists(KEY)


@pytest.mark.parametrize("lifetime", [0, -5, 8 * 24 * 3600])
def test_url_lifetime_must_be_sensible(storage, lifetime):
    with pytest.raises(ValueError):
        storage.url(KEY, lifetime)


# --- LocalStorage: signed URLs and the root boundary -------------------------------------------


def token_of(url: str) -> str:
    assert url.startswith("http://app.test/files/")
    return url.removeprefix("http://app.test/files/")


def test_local_signed_url_resolves_to_the_file_and_download_name(local):
    local.put(KEY, b"song", "audio/mpeg")

    path, download_name = local.resolve_signed(token_of(local.url(KEY, 300, download_name="Happy Birthday Anna.mp3")), max_age=3600)

    assert path == local.root / KEY
    assert path.read_bytes() == b"song"
    assert download_name == "Happy Birthday Anna.mp3"
    assert local.resolve_signed(token_of(local.url(KEY, 300)), max_age=3600)[1] is None


def test_local_signed_url_expires_on_its_own_schedule(local):
    local.put(KEY, b"song", "audio/mpeg")
    token = token_of(local.url(KEY, 60))

    assert local.resolve_signed(token, max_age=3600, clock=lambda: time.time() + 50)[0] == local.root / KEY
    with pytest.raises(InvalidSignedUrl, match="expired"):
        local.resolve_signed(token, max_age=3600, clock=lambda: time.time() + 61)
    with pytest.raises(InvalidSignedUrl, match="expired"):  # max_age caps even a long-lived link
        local.resolve_signed(token_of(local.url(KEY, 7200)), max_age=3600, clock=lambda: time.time() + 3601)


def test_local_forged_or_tampered_tokens_are_rejected(local, tmp_path):
    local.put(KEY, b"song", "audio/mpeg")
    token = token_of(local.url(KEY, 300))
    other_secret = LocalStorage(str(tmp_path / "files"), "another-secret", "http://app.test")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    for bad in (tampered, token_of(other_secret.url(KEY, 300)), "not-a-token", ""):
        with pytest.raises(InvalidSignedUrl):
            local.resolve_signed(bad, max_age=3600)


def test_local_tokens_are_signed_uncompressed_and_compressed_ones_still_resolve(local):
    """Signing skips itsdangerous' zlib attempt (a list page signs dozens of URLs); tokens the
    previous release signed compressed (a leading '.') must keep working until they expire."""
    local.put(KEY, b"song", "audio/mpeg")
    long_name = "Happy Birthday " * 20 + ".mp3"  # compressible, so itsdangerous would have compressed it
    previous_release = URLSafeTimedSerializer(SECRET, salt=_URL_SALT)
    compressed = previous_release.dumps({"k": KEY, "n": long_name, "e": int(time.time()) + 300})
    token = token_of(local.url(KEY, 300, download_name=long_name))

    assert compressed.startswith(".") and not token.startswith(".")
    assert local.resolve_signed(compressed, max_age=3600) == (local.root / KEY, long_name)
    assert local.resolve_signed(token, max_age=3600) == (local.root / KEY, long_name)


def test_local_signed_url_of_a_deleted_file_is_not_found(local):
    local.put(KEY, b"song", "audio/mpeg")
    token = token_of(local.url(KEY, 300))
    local.delete(KEY)

    with pytest.raises(KeyNotFound):
        local.resolve_signed(token, max_age=3600)


def test_local_symlink_cannot_lead_outside_the_root(local, tmp_path):
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("database password")
    (local.root / "users").mkdir()
    (local.root / "users" / "evil").symlink_to(tmp_path)

    with pytest.raises(ValueError, match="outside"):
        local.get("users/evil/secret.txt")
    with pytest.raises(ValueError, match="outside"):
        local.put("users/evil/secret.txt", b"overwritten", "text/plain")
    assert secret_file.read_text() == "database password"


def test_local_files_are_written_atomically_without_leftovers(local):
    local.put(KEY, b"first", "audio/mpeg")
    local.put(KEY, b"second", "audio/mpeg")

    assert sorted(path.name for path in (local.root / KEY).parent.iterdir()) == ["take-1.mp3"]


# --- S3Storage: presigned URLs, bucket creation, failures ---------------------------------------


def test_s3_presigned_url_downloads_with_the_chosen_file_name(moto_endpoint):
    storage = make_s3(moto_endpoint)
    storage.put(KEY, b"song bytes", "audio/mpeg")

    response = requests.get(storage.url(KEY, 300, download_name="Happy Birthday Anna.mp3"), timeout=10)

    assert response.status_code == 200
    assert response.content == b"song bytes"
    assert response.headers["Content-Type"] == "audio/mpeg"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"Happy Birthday Anna.mp3\"; filename*=UTF-8''Happy%20Birthday%20Anna.mp3"
    )


def test_s3_presigned_url_uses_the_public_endpoint(moto_endpoint):
    port = moto_endpoint.rsplit(":", 1)[1]
    storage = make_s3(moto_endpoint, public_endpoint_url=f"localhost:{port}")
    storage.put(KEY, b"song bytes", "audio/mpeg")

    url = storage.url(KEY, 300)

    assert url.startswith(f"http://localhost:{port}/{storage.bucket}/{KEY}?")
    assert requests.get(url, timeout=10).content == b"song bytes"


def test_s3_presigned_url_carries_its_lifetime(moto_endpoint):
    """moto serves expired presigned URLs anyway, so check the signed lifetime AWS and MinIO enforce."""
    storage = make_s3(moto_endpoint)

    query = parse_qs(urlsplit(storage.url(KEY, 90)).query)

    assert query["X-Amz-Expires"] == ["90"]
    assert query["X-Amz-SignedHeaders"] == ["host"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]


def test_s3_bucket_is_created_on_first_use(moto_endpoint):
    bucket = f"songcraft-fresh-{secrets.token_hex(4)}"
    client = raw_s3_client(moto_endpoint)
    assert bucket not in [b["Name"] for b in client.list_buckets()["Buckets"]]

    make_s3(moto_endpoint, bucket).put(KEY, b"x", "audio/mpeg")
    second_instance = make_s3(moto_endpoint, bucket)

    assert bucket in [b["Name"] for b in client.list_buckets()["Buckets"]]
    assert second_instance.get(KEY) == b"x"


def test_s3_unreachable_endpoint_raises_storage_error():
    storage = S3Storage("songcraft", "127.0.0.1:1", "key", "secret", secure=False, connect_timeout=1, read_timeout=1, max_attempts=1)

    with pytest.raises(StorageError, match="Could not use S3 bucket songcraft at http://127.0.0.1:1"):
        storage.put(KEY, b"x", "audio/mpeg")
    with pytest.raises(StorageError):
        storage.get(KEY)
