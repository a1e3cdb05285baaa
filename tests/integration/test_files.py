"""Photo uploads and the rendered video, on local storage and on S3 (moto's server on loopback)."""
from __future__ import annotations

import io
import re
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image as PILImage

from songcraft.alerts.models import Alert
from songcraft.common.db import utcnow
from songcraft.extensions import db
from songcraft.files import cleanup
from songcraft.files.cleanup import StorageDeletion
from songcraft.providers.storage import StorageError
from songcraft.songs.models import Song
from tests.conftest import free_port
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
    assert_captions_follow_the_sung_lines(app, song["id"], tmp_path / "video.mp4", tmp_path)


def assert_captions_follow_the_sung_lines(app, song_id: str, video: Path, tmp_path):
    """A caption (white text; the photos have none) is on screen in the middle of a sung line, none in the longest rest."""
    import imageio_ffmpeg

    with app.app_context():
        lines = db.session.get(Song, uuid.UUID(song_id)).selected_take.line_timings
    assert len(lines) >= 4
    rests = [(0.0, lines[0]["start"])] + [(before["end"], after["start"]) for before, after in zip(lines, lines[1:])]
    rest_start, rest_end = max(rests, key=lambda rest: rest[1] - rest[0])
    assert rest_end - rest_start > 0.5

    def caption_pixels(seconds: float) -> int:
        frame = tmp_path / f"frame-{seconds:.2f}.png"
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-ss", f"{seconds:.3f}", "-i", str(video), "-frames:v", "1",
                        "-y", str(frame)], check=True, timeout=60)  # fmt: skip
        return sum(PILImage.open(frame).convert("L").histogram()[221:])

    assert caption_pixels((rest_start + rest_end) / 2) == 0
    for line in (lines[0], lines[len(lines) // 2], lines[-1]):
        assert caption_pixels((line["start"] + line["end"]) / 2) > 500, line


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


# --- Bounded work per upload (issue 12 §3) ---------------------------------------------------


def flat_png(size, mode="RGBA") -> bytes:
    """A PNG of one colour: a few hundred KB however many pixels it has (the audit's attack image)."""
    buffer = io.BytesIO()
    PILImage.new(mode, size, (200, 80, 40, 255)[: len(mode)]).save(buffer, "PNG")
    return buffer.getvalue()


def assert_refused(response, code: int, *words: str) -> None:
    assert response.status_code == code, response.json
    assert response.json["code"] == code and isinstance(response.json["status"], str)
    assert all(word in response.json["message"] for word in words), response.json["message"]


def test_the_40_megapixel_png_attack_is_413_before_decoding_and_stores_nothing(client, storage, video_song):
    account, song = video_song
    bomb = flat_png((8000, 5000))
    assert len(bomb) < 200_000

    assert_refused(upload(client, account, song["id"], ("bomb.png", bomb)), 413, "bomb.png", "8000x5000", "25 megapixels")
    ten = upload(client, account, song["id"], *[(f"bomb{n}.png", bomb) for n in range(10)])
    assert_refused(ten, 413, "bomb0.png")
    assert client.get(f"{FILES}/{song['id']}/images", headers=account.headers).json == []
    assert _keys(storage, song["id"]) == []


def test_a_request_has_a_pixel_budget_across_its_files(client, video_song):
    account, song = video_song
    big = flat_png((4500, 4000), "RGB")  # 18 MP each, decoded in full at 4 bytes a pixel: three need 206 MB, one request 200

    assert_refused(upload(client, account, song["id"], *[(f"big{n}.png", big) for n in range(3)]), 413, "206 MB", "a few at a time")
    assert client.get(f"{FILES}/{song['id']}/images", headers=account.headers).json == []
    assert upload(client, account, song["id"], ("big0.png", big), ("big1.png", big)).status_code == 201


def test_ten_phone_photos_fit_one_request(client, video_song):
    account, song = video_song
    phone = photo(size=(4032, 3024))  # 12 MP; JPEG decodes it at half size

    response = upload(client, account, song["id"], *[(f"IMG_{n}.jpg", phone) for n in range(10)])
    assert response.status_code == 201 and [(i["width"], i["height"]) for i in response.json] == [(1440, 1080)] * 10


def test_request_bodies_are_capped_per_route(client, video_song, make_account):
    from songcraft.files.service import MAX_UPLOAD_REQUEST_BYTES

    account, song = video_song
    declared = {"CONTENT_LENGTH": str(MAX_UPLOAD_REQUEST_BYTES + 1)}  # refused from the header, before reading
    too_big = client.post(f"{FILES}/{song['id']}/images", data=b"x" * 100, headers=account.headers,
                          content_type="multipart/form-data; boundary=x", environ_overrides=declared)
    assert_refused(too_big, 413)
    parts = upload(client, account, song["id"], *[(f"{n}.jpg", b"") for n in range(25)])
    assert_refused(parts, 413)
    json_body = client.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "x" * (1024 * 1024)})
    assert_refused(json_body, 413)  # JSON routes take at most 1 MB
    assert client.get(f"{FILES}/{song['id']}/images", headers=account.headers).json == []


@pytest.fixture
def gunicorn_url(app, app_env):
    """The app under gunicorn as in production (one sync worker, 30 s timeout), on the session's database."""
    import requests

    from tests.conftest import ROOT, _clean_environ, wait_until

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "30",
                               "wsgi:app"], cwd=ROOT, env={**_clean_environ(), **app_env},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"

    def answers():
        try:
            return requests.get(f"{url}/healthz", timeout=1).status_code == 200
        except requests.RequestException:  # not listening yet, or still loading the app
            return False

    wait_until(answers, timeout=60, interval=0.3, message="gunicorn to answer")
    server.url = url
    yield server
    server.terminate()
    server.wait(timeout=20)


def _worker_of(server) -> tuple[int, int]:
    """The pid of the master's one worker, and its peak resident memory in MB (VmHWM)."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    assert len(children) == 1, children
    status = Path(f"/proc/{children[0]}/status").read_text()
    return int(children[0]), int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) // 1024


def test_a_gunicorn_worker_survives_the_attack_and_the_worst_allowed_upload(gunicorn_url, video_song):
    import requests

    account, song = video_song
    worker_pid, _ = _worker_of(gunicorn_url)
    url = f"{gunicorn_url.url}{FILES}/{song['id']}/images"
    bomb, largest = flat_png((8000, 5000)), flat_png((6124, 4082))  # 40 MP; 25 MP, the most one image may have

    attack = requests.post(url, files=[("images", (f"bomb{n}.png", bomb, "image/png")) for n in range(10)], headers=account.headers)
    assert attack.status_code == 413 and attack.json()["code"] == 413
    worst = requests.post(url, files=[("images", (f"big{n}.png", largest, "image/png")) for n in range(2)], headers=account.headers)
    assert worst.status_code == 201, worst.text
    assert requests.get(f"{gunicorn_url.url}/healthz", timeout=5).json() == {"status": "ok"}
    pid, peak_mb = _worker_of(gunicorn_url)
    assert pid == worker_pid  # not killed and replaced
    assert peak_mb < 300, f"the worker peaked at {peak_mb} MB"


# --- Files of deleted songs and photos (issue 12 §8): deleted after the commit, or by the sweep ---


class Outage:
    """Makes the storage refuse deletions while active."""

    def __init__(self, storage, monkeypatch):
        self.active = True
        real = storage.delete_prefix

        def delete_prefix(prefix):
            if self.active:
                raise StorageError("storage refused the deletion")
            return real(prefix)

        monkeypatch.setattr(storage, "delete_prefix", delete_prefix)


@pytest.fixture
def song_with_photos(client, app, storage, video_song):
    """A finished video song (nothing running, so it may be deleted) with two photos."""
    from songcraft.songs.models import Song

    account, song = video_song
    with app.app_context():
        stored = db.session.get(Song, uuid.UUID(song["id"]))
        stored.plan, stored.status = [], "completed"
        db.session.commit()
    assert upload(client, account, song["id"], ("a.jpg", photo()), ("b.jpg", photo())).status_code == 201
    assert len(_keys(storage, song["id"])) == 4  # two photos and their thumbnails
    return account, song


def deletion_records() -> list[StorageDeletion]:
    return db.session.query(StorageDeletion).all()


def test_files_go_with_the_commit_and_leave_no_record(client, app, storage, song_with_photos):
    account, song = song_with_photos
    first = client.get(f"{FILES}/{song['id']}/images", headers=account.headers).json[0]
    assert client.delete(f"{FILES}/{song['id']}/images/{first['id']}", headers=account.headers).status_code == 204
    assert len(_keys(storage, song["id"])) == 2 and not any(first["id"] in key for key in _keys(storage, song["id"]))
    assert client.delete(f"{SONGS}/{song['id']}", headers=account.headers).status_code == 204
    assert _keys(storage, song["id"]) == []
    with app.app_context():
        assert deletion_records() == []


def test_when_storage_fails_the_sweep_deletes_the_files_later(client, app, storage, song_with_photos, monkeypatch):
    account, song = song_with_photos
    outage = Outage(storage, monkeypatch)
    assert client.delete(f"{SONGS}/{song['id']}", headers=account.headers).status_code == 204
    assert client.get(f"{SONGS}/{song['id']}", headers=account.headers).status_code == 404  # the song is gone at once
    assert len(_keys(storage, song["id"])) == 4  # its files are still there
    with app.app_context():
        [record] = deletion_records()
        assert record.prefix == f"users/{account.id}/songs/{song['id']}/"
        assert cleanup.sweep() == 0  # not due yet: the deletion right after commit had its chance
        later = utcnow() + timedelta(minutes=6)
        assert cleanup.sweep(now=later) == 0  # storage still failing
        assert deletion_records()[0].attempts == 1 and "refused" in deletion_records()[0].last_error
        outage.active = False
        assert cleanup.sweep(now=later + timedelta(minutes=11)) == 1
        assert deletion_records() == []
    assert _keys(storage, song["id"]) == []


def test_a_deletion_failing_for_an_hour_alerts_the_admins_once(client, app, storage, song_with_photos, monkeypatch):
    account, song = song_with_photos
    Outage(storage, monkeypatch)
    assert client.delete(f"{SONGS}/{song['id']}", headers=account.headers).status_code == 204
    with app.app_context():
        now = utcnow()
        for sweep in range(1, cleanup.ALERT_AFTER_ATTEMPTS + 3):
            now += timedelta(minutes=11)
            cleanup.sweep(now=now)
            alerts = db.session.query(Alert).filter(Alert.kind == "storage_deletion_failed").all()
            assert len(alerts) == (1 if sweep >= cleanup.ALERT_AFTER_ATTEMPTS else 0), sweep
        assert alerts[0].details["prefix"].endswith(f"{song['id']}/")
        assert deletion_records()[0].attempts == cleanup.ALERT_AFTER_ATTEMPTS + 2  # it keeps trying
