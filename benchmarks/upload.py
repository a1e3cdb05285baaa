"""Benchmark photo uploads: the audit's attack and the worst uploads the limits allow, under gunicorn.

Run: .venv/bin/python benchmarks/upload.py
Starts gunicorn (one sync worker with the production timeout of 30 s) on embedded defaults in a
scratch directory, then posts each case to POST /api/v1/files/songs/{id}/images and reports, per
request: the status, the wall time, the worker's CPU time, and the worker's peak resident memory
(VmHWM, reset before each request through /proc/<pid>/clear_refs; it includes the ~100 MB of the
loaded app). The machine is shared, so CPU time is the figure to compare with the 2 s target, and
each case is also given as a multiple of the typical upload (ten 12 MP phone photos) measured in
the same run. The images are made in this process, before the server is measured.
"""
from __future__ import annotations

import io
import os
import re
import secrets
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
import requests
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TEN_MB = 10 * 1024 * 1024


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def noise(width: int, height: int, mode: str = "RGB", blur: int = 1) -> Image.Image:
    """Random pixels (blur > 1: random blocks smoothed by upscaling, which compress like a photo)."""
    rng = np.random.default_rng(width * height)
    bands = len(mode) if mode != "CMYK" else 4
    small = rng.integers(0, 255, (height // blur, width // blur, bands), dtype=np.uint8)
    image = Image.fromarray(small, "RGBA" if bands == 4 else "RGB")
    image = image.resize((width, height), Image.Resampling.BILINEAR) if blur > 1 else image
    return Image.frombytes("CMYK", image.size, image.tobytes()) if mode == "CMYK" else image


def paeth_png_16bit(width: int, height: int) -> bytes:
    """A 16-bit RGBA PNG whose every row uses the Paeth filter (the slowest to undo); it compresses to a few hundred KB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x04" + bytes([7, 200, 33, 180, 1, 2, 3, 4]) * width
    compressor = zlib.compressobj(9)
    data = b"".join([compressor.compress(row) for _ in range(height)] + [compressor.flush()])
    header = struct.pack(">IIBBBBB", width, height, 16, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def cases() -> list[tuple[str, str, list[bytes]]]:
    """(name, expected status, files) for every case; the worst allowed ones sit at the limits."""
    phone = encode(noise(4032, 3024, blur=6), "JPEG", quality=92)
    bomb = encode(Image.new("RGBA", (8000, 5000), (200, 80, 40, 255)), "PNG")
    flat_25mp = encode(Image.new("RGBA", (6124, 4082), (200, 80, 40, 128)), "PNG")
    noisy_10mb = encode(noise(2390, 1790), "JPEG", quality=95, subsampling=0)
    under_twice = encode(noise(3839, 2159, blur=2), "JPEG", quality=85)
    progressive = [encode(noise(w, h, blur=4), "JPEG", quality=85, progressive=True, subsampling=0)
                   for w, h in ((5300, 3560), (4050, 2700))]
    cmyk = [encode(noise(w, h, "CMYK", blur=8), "JPEG", quality=75, progressive=True, subsampling=0)
            for w, h in ((4700, 3140), (3570, 2380))]
    webp = [encode(noise(w, h, "RGBA", blur=4), "WEBP", quality=80) for w, h in ((3540, 2360), (2650, 1770))]
    made = [
        ("typical: ten 12 MP phone photos (JPEG)", "201", [phone] * 10),
        ("attack: one 40 MP PNG (the audit's 165 KB file)", "413", [bomb]),
        ("attack: ten 40 MP PNGs", "413", [bomb] * 10),
        ("two 25 MP PNGs, 16-bit RGBA, Paeth rows", "201", [paeth_png_16bit(6124, 4082)] * 2),
        ("two 25 MP PNGs, RGBA, one colour", "201", [flat_25mp] * 2),
        ("ten 10 MB JPEGs of noise (4:4:4)", "201", [noisy_10mb] * 10),
        ("six 8.3 MP JPEGs just under 2x the output", "201", [under_twice] * 6),
        ("progressive JPEGs (4:4:4), 18.9 + 10.9 MP", "201", progressive),
        ("progressive CMYK JPEGs, 14.8 + 8.5 MP", "201", cmyk),
        ("WebPs with alpha, 8.4 + 4.7 MP", "201", webp),
    ]
    for name, _, files in made:
        assert all(len(f) <= TEN_MB for f in files), f"{name}: a file is over 10 MB"
    return made


def seed(environ: dict, songs: int) -> tuple[str, list[str]]:
    """A verified customer with paid video orders and a song each; returns (access token, song ids)."""
    from flask_jwt_extended import create_access_token
    from flask_migrate import upgrade

    from songcraft import create_app
    from songcraft.auth.models import User
    from songcraft.common.db import utcnow
    from songcraft.extensions import db
    from songcraft.orders.models import Order
    from songcraft.songs.models import Song

    app = create_app(environ)
    with app.app_context():
        upgrade()
        user = User(email=f"bench-{secrets.token_hex(3)}@example.com", password_hash="x", is_verified=True)
        db.session.add(user)
        db.session.flush()
        ids = []
        for _ in range(songs):
            order = Order(user_id=user.id, product="video", status="paid", amount_cents=2900, currency="USD",
                          payment_provider="sandbox", paid_at=utcnow(), used_at=utcnow())
            song = Song(user_id=user.id, order=order, recipient_name="Maya", occasion="birthday", genre="pop", mood="joyful",
                        story="A story long enough.", status="audio_ready", progress=100)
            db.session.add_all([order, song])
            db.session.flush()
            ids.append(str(song.id))
        db.session.commit()
        return create_access_token(identity=str(user.id)), ids


class Worker:
    """The gunicorn master's one worker, read through /proc."""

    def __init__(self, master_pid: int):
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        assert len(children) == 1, children
        self.pid = int(children[0])

    def reset_peak(self) -> None:
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")  # VmHWM := current RSS

    def memory_mb(self) -> tuple[float, float]:
        status = Path(f"/proc/{self.pid}/status").read_text()
        return tuple(int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1024 for field in ("VmRSS", "VmHWM"))

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def main() -> None:
    made = cases()
    data_dir = tempfile.mkdtemp(prefix="songcraft-upload-bench-")
    environ = {**{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
               "APP_ENV": "testing", "SECRET_KEY": secrets.token_hex(32), "DATA_DIR": data_dir, "RATELIMIT_ENABLED": "false"}
    token, song_ids = seed(environ, len(made))
    port = 8000 + secrets.randbelow(2000)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "30",
                               "wsgi:app"], cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.2)
        worker = Worker(server.pid)
        print(f"{'case':48} {'status':>6} {'wall s':>7} {'cpu s':>6} {'x typical':>9} {'idle MB':>8} {'peak MB':>8}")
        typical_cpu = None
        for (name, expected, files), song_id in zip(made, song_ids):
            idle_mb, _ = worker.memory_mb()
            worker.reset_peak()
            cpu_before, started = worker.cpu_seconds(), time.perf_counter()
            response = requests.post(f"{base}/api/v1/files/songs/{song_id}/images", headers={"Authorization": f"Bearer {token}"},
                                     files=[("images", (f"photo{n}", content)) for n, content in enumerate(files)], timeout=60)
            wall, cpu = time.perf_counter() - started, worker.cpu_seconds() - cpu_before
            _, peak_mb = worker.memory_mb()
            assert str(response.status_code) == expected, f"{name}: {response.status_code} {response.text[:300]}"
            typical_cpu = typical_cpu or cpu
            print(f"{name:48} {response.status_code:>6} {wall:7.2f} {cpu:6.2f} {cpu / typical_cpu:9.2f} {idle_mb:8.0f} {peak_mb:8.0f}")
        assert Worker(server.pid).pid == worker.pid, "the worker was replaced"
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
