"""Benchmark the API under load: requests per second and latency of typical reads.

Run: DATABASE_URL=... REDIS_URL=... .venv/bin/python benchmarks/api_load.py [--requests 2000] [--concurrency 16]
Starts gunicorn (2 workers, like the Procfile) on a scratch database, seeds one customer with
50 songs and 50 orders, then hits each endpoint from a thread pool and prints a table.
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def seed(environ: dict) -> str:
    """Create a verified customer with 50 paid orders and completed songs; returns the email."""
    from flask_migrate import upgrade

    from songcraft import create_app
    from songcraft.auth.models import User
    from songcraft.auth.passwords import hash_password
    from songcraft.common.db import utcnow
    from songcraft.extensions import db
    from songcraft.orders.models import Order
    from songcraft.songs.models import Song, Take

    app = create_app(environ)
    with app.app_context():
        upgrade()
        user = User(email=f"load-{secrets.token_hex(3)}@example.com", password_hash=hash_password("load-password"), is_verified=True)
        db.session.add(user)
        db.session.flush()
        for n in range(50):
            order = Order(user_id=user.id, product="audio", status="fulfilled", amount_cents=1900, currency="USD",
                          payment_provider="sandbox", paid_at=utcnow(), used_at=utcnow())
            song = Song(user_id=user.id, order=order, recipient_name="Maya", occasion="birthday", genre="pop", mood="joyful",
                        story="A story long enough.", status="completed", progress=100, lyrics="[Verse]\nla la la")
            song.takes = [Take(position=1, storage_key=f"users/{user.id}/songs/{n}/takes/1.mp3", size_bytes=1,
                               duration_seconds=60.0, selected=True)]
            db.session.add_all([order, song])
        db.session.commit()
        return user.email


def measure(url: str, headers: dict, total: int, concurrency: int) -> tuple[float, float, float]:
    def one(_):
        started = time.perf_counter()
        response = requests.get(url, headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = sorted(pool.map(one, range(total)))
    elapsed = time.perf_counter() - started
    return total / elapsed, statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.95)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="songcraft-bench-")
    environ = {**os.environ, "APP_ENV": "production", "SECRET_KEY": secrets.token_hex(32), "FLOWER_BASIC_AUTH": "b:b",
               "SMTP_HOST": "127.0.0.1", "STRIPE_SECRET_KEY": "sk_bench", "STRIPE_WEBHOOK_SECRET": "wh_bench",
               "DATA_DIR": data_dir, "BCRYPT_ROUNDS": "4"}
    email = seed(environ)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"],
                              cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        token = requests.post(f"{base}/api/v1/auth/login", json={"email": email, "password": "load-password"}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        print(f"{'endpoint':34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}")
        for name, path, headers in [("GET /healthz", "/healthz", {}),
                                    ("GET /orders/products", "/api/v1/orders/products", {}),
                                    ("GET /auth/me", "/api/v1/auth/me", auth),
                                    ("GET /orders/ (20 of 50)", "/api/v1/orders/", auth),
                                    ("GET /songs/ (20 of 50)", "/api/v1/songs/", auth)]:
            rate, p50, p95 = measure(base + path, headers, args.requests, args.concurrency)
            print(f"{name:34} {rate:8.0f} {p50:8.1f} {p95:8.1f}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
