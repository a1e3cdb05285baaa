"""Photo uploads and the rendered video, on local storage and on S3 (moto's server on loopback)."""
from __future__ import annotations

import io
import re
import subprocess
import uuid

import pytest
from PIL import Image as PILImage

from tests.integration.test_songs import SONGS, fetch, start_song, wait_for_song

FILES = "/api/v1/files/songs"


def photo(fmt: str = "JPEG", size=(800, 600), color=(200, 80, 40)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def upload(client, account, song_id, *files):
    data = {"images": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"{FILES}/{song_id}/images", data=data, headers=account.headers, content_type="multipart/form-data")


@pytest.fixture
def video_song(client, app, make_account, monkeypatch):
    """A video order's song whose pipeline we drive by hand (no worker needed)."""
    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)
    account = make_account()
    song = start_song(client, app, account, product="video", video_format="9:16")
    return account, song


def test_upload_list_and_delete_keep_order(client, storage, video_song):
    account, song = video_song
    response = upload(client, account, song["id"], ("a.jpg", photo()), ("b.png", photo("PNG", (3000, 2000))), ("c.webp", photo("WEBP")))
    assert response.status_code == 201, response.json
    images = response.json
    assert [i["position"] for i in images] == [1, 2, 3]
    assert images[1]["width"] <= 1920 and images[1]["height"] <= 1080
    assert images[1]["width"] / images[1]["height"] == pytest.approx(1.5, 0.01)
    assert images[0]["content_type"] == "image/jpeg" and images[0]["size_bytes"] > 0
    stored = PILImage.open(io.BytesIO(fetch(client, images[0]["url"])))
    assert stored.size == (images[0]["width"], images[0]["height"]) and not stored.getexif()

    assert client.delete(f"{FILES}/{song['id']}/images/{images[0]['id']}", headers=account.headers).status_code == 204
    listed = client.get(f"{FILES}/{song['id']}/images", headers=account.headers).json
    assert [(i["id"], i["position"]) for i in listed] == [(images[1]["id"], 1), (images[2]["id"], 2)]
    key = re.sub(r"\.\w+$", "", images[0]["id"])
    assert not any(key in k for k in _keys(storage, song["id"]))


def _keys(storage, song_id):
    """Every stored file of the song."""
    if storage.name == "local":
        keys = [str(p) for p in storage.root.rglob("*") if p.is_file()]
    else:
        storage.ensure_bucket()
        keys = [o["Key"] for o in storage._client.list_objects_v2(Bucket=storage.bucket).get("Contents", [])]
    return [key for key in keys if song_id in key]


@pytest.mark.parametrize("name, content, status", [
    ("notes.jpg", b"this is plain text, not a photo at all", 415),
    ("anim.gif", None, 415),
    ("cut.jpg", "truncated", 415),
])
def test_bad_files_are_refused_by_content(client, storage, video_song, name, content, status):
    account, song = video_song
    if content is None:
        content = photo("GIF")
    elif content == "truncated":
        content = photo(size=(1200, 900))[:5000]
    response = upload(client, account, song["id"], ("good.jpg", photo()), (name, content))
    assert response.status_code == status and name in response.json["message"]
    assert client.get(f"{FILES}/{song['id']}/images", headers=account.headers).json == []  # the batch stored nothing
    assert _keys(storage, song["id"]) == []


def test_too_large_and_decompression_bomb_are_413(client, storage, video_song):
    account, song = video_song
    noise = PILImage.frombytes("RGB", (2500, 2000), bytes(__import__("os").urandom(2500 * 2000 * 3)))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    assert len(buffer.getvalue()) > 10 * 1024 * 1024
    assert upload(client, account, song["id"], ("huge.png", buffer.getvalue())).status_code == 413
    bomb = io.BytesIO()
    PILImage.new("L", (20000, 20000)).save(bomb, "PNG")
    assert upload(client, account, song["id"], ("bomb.png", bomb.getvalue())).status_code == 413


def test_at_most_ten_photos(client, storage, video_song):
    account, song = video_song
    assert upload(client, account, song["id"], *[(f"{n}.jpg", photo()) for n in range(8)]).status_code == 201
    over = upload(client, account, song["id"], *[(f"{n}.jpg", photo()) for n in range(3)])
    assert over.status_code == 409 and "at most 10" in over.json["message"]
    assert upload(client, account, song["id"], *[(f"{n}.jpg", photo()) for n in range(2)]).status_code == 201


def test_ownership_and_product_rules(client, app, make_account, video_song, monkeypatch):
    account, song = video_song
    stranger = make_account()
    assert upload(client, stranger, song["id"], ("a.jpg", photo())).status_code == 404
    assert client.get(f"{FILES}/{song['id']}/images", headers=stranger.headers).status_code == 404
    audio_song = start_song(client, app, account)
    assert upload(client, account, audio_song["id"], ("a.jpg", photo())).status_code == 409
    assert client.post(f"{FILES}/{song['id']}/images", data={}, headers=account.headers,
                       content_type="multipart/form-data").status_code == 422
    assert client.delete(f"{FILES}/{song['id']}/images/{uuid.uuid4()}", headers=account.headers).status_code == 404


def ffmpeg_streams(data: bytes, tmp_path) -> tuple[str, float]:
    import imageio_ffmpeg

    path = tmp_path / "video.mp4"
    path.write_bytes(data)
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    decoded = subprocess.run([exe, "-v", "error", "-i", str(path), "-f", "null", "-"], capture_output=True, text=True, timeout=120)
    assert decoded.returncode == 0 and not decoded.stderr.strip()
    info = subprocess.run([exe, "-i", str(path)], capture_output=True, text=True).stderr
    h, m, s = re.search(r"Duration: (\d+):(\d+):([\d.]+)", info).groups()
    return info, int(h) * 3600 + int(m) * 60 + float(s)


def test_video_song_renders_an_mp4_of_the_photos_and_song(client, app, storage, video_song, tmp_path):
    """Drives each step in this process (Task.apply) so the same flow runs on local storage and S3."""
    from songcraft.songs.tasks import STEP_TASKS

    account, song = video_song
    upload(client, account, song["id"], ("a.jpg", photo()), ("b.jpg", photo(color=(20, 120, 220))))
    with app.app_context():
        for step in ("write_lyrics", "compose_audio", "render_video", "deliver"):
            assert STEP_TASKS[step].apply(args=[song["id"]]).get() is True, step
    done = client.get(f"{SONGS}/{song['id']}", headers=account.headers).json
    assert done["status"] == "completed" and done["video_url"]
    redirect = client.get(f"{SONGS}/{song['id']}/video", headers=account.headers)
    assert redirect.status_code == 302
    info, duration = ffmpeg_streams(fetch(client, redirect.headers["Location"]), tmp_path)
    assert re.search(r"Video: h264.*720x1280", info) and "Audio: aac" in info
    assert abs(duration - done["duration_seconds"]) < 1.0
    order = client.get(f"/api/v1/orders/{done['order_id']}", headers=account.headers).json
    assert order["status"] == "fulfilled"


def test_video_order_without_photos_completes_audio_then_renders_on_request(client, app, make_account, worker):
    account = make_account()
    song = start_song(client, app, account, product="video")
    done = wait_for_song(client, account, song["id"])
    assert done["video_url"] is None and done["audio_url"]
    order = client.get(f"/api/v1/orders/{song['order_id']}", headers=account.headers).json
    assert order["status"] == "paid"  # a video order is fulfilled only with its video
    assert client.post(f"{SONGS}/{song['id']}/generate-video", headers=account.headers).status_code == 409  # no photos yet
    assert upload(client, account, song["id"], ("a.jpg", photo())).status_code == 201
    assert client.post(f"{SONGS}/{song['id']}/generate-video", headers=account.headers).status_code == 202
    rendered = wait_for_song(client, account, song["id"], timeout=240)
    assert rendered["video_url"]
    assert client.get(f"/api/v1/orders/{song['order_id']}", headers=account.headers).json["status"] == "fulfilled"
