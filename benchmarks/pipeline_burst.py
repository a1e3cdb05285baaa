"""Benchmark the pipeline under a burst: wall time against the ideal, and each song's queue wait.

Run: DATABASE_URL=... REDIS_URL=... .venv/bin/python benchmarks/pipeline_burst.py [--songs 12]
Starts the production process layout on a scratch database and Redis number (`worker` on
`ai,media` and `worker_quick` on `email,default`, two processes each), with the offline providers.
It first makes single songs one at a time (after one to warm the workers up) for the time of one
song alone, then sends the burst at once. The ideal wall time is songs × one song's time ÷ the
two `worker` processes; each song's queue wait runs from its creation to the claim of its first step.

To tell the machine from the pipeline, it also reads the CPU time (user + sys) of every process of
the workers (both process groups, from /proc) over the single songs and over the burst: if a song
costs the same CPU in the burst as alone, the pipeline adds no per-task overhead, and the gap to the
ideal is the two processes not getting two free cores (other work on a shared machine; the load
average is printed).
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import (  # noqa: E402  (the test harness starts and reaches the workers the same way)
    Account,
    _postgres_database,
    _redis_database,
    kill_worker,
    start_worker,
    wait_for_pong,
)

WORKER_PROCESSES = 2
STORY = "We met at a tiny jazz bar in Lisbon, and she still laughs at my terrible dancing every Sunday."


def scratch_app(database_url: str, redis_url: str, data_dir: str):
    from flask_migrate import upgrade

    from songcraft import create_app

    environ = {**os.environ, "APP_ENV": "testing", "SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": database_url,
               "REDIS_URL": redis_url, "DATA_DIR": data_dir, "BCRYPT_ROUNDS": "4", "EMAIL_PROVIDER": "console",
               "RATELIMIT_ENABLED": "false"}
    app = create_app(environ)
    with app.app_context():
        upgrade()
    return app, environ


def customer(app) -> Account:
    from songcraft.auth.models import User
    from songcraft.auth.passwords import hash_password
    from songcraft.extensions import db

    with app.app_context():
        db.session.add(User(email="bench@example.com", password_hash=hash_password("bench-password"), is_verified=True))
        db.session.commit()
    return Account(app.test_client(), "bench@example.com", "bench-password").login()


def paid_order(app, account: Account) -> str:
    order = account.client.post("/api/v1/orders/", json={"product": "audio"}, headers=account.headers).json
    body, headers = app.extensions["payment_provider"].build_webhook(
        order_id=order["id"], event_name="order_created", amount_cents=order["amount_cents"], currency=order["currency"],
        variant_id="sandbox-audio", email=account.email)
    assert account.client.post("/api/v1/orders/webhooks/payment", data=body, headers=headers).status_code == 200
    return order["id"]


def create_song(account: Account, order_id: str) -> tuple[str, float]:
    brief = {"order_id": order_id, "recipient_name": "Maya", "occasion": "birthday", "genre": "pop", "mood": "joyful",
             "story": STORY}
    response = account.client.post("/api/v1/songs/", json=brief, headers=account.headers)
    assert response.status_code == 202, response.json
    return response.json["id"], time.monotonic()


def follow(engine, created: dict[str, float], timeout: float = 900) -> dict[str, tuple[float, float]]:
    """Poll the songs every 0.1 s until all are completed: {id: (first claimed at, completed at)}."""
    from songcraft.songs.models import Song

    claimed: dict[str, float] = {}
    completed: dict[str, float] = {}
    ids = [uuid.UUID(song_id) for song_id in created]
    deadline = time.monotonic() + timeout
    while len(completed) < len(created):
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(completed)} of {len(created)} songs completed within {timeout:.0f} s")
        with engine.connect() as connection:
            rows = connection.execute(sa.select(Song.id, Song.status).where(Song.id.in_(ids))).all()
        now = time.monotonic()
        for song_id, status in rows:
            key = str(song_id)
            if status == "failed":
                raise SystemExit(f"song {key} failed")
            if status != "queued":
                claimed.setdefault(key, now)
            if status == "completed":
                completed.setdefault(key, now)
        time.sleep(0.1)
    return {song_id: (claimed[song_id], completed[song_id]) for song_id in created}


def workers_cpu_seconds(workers) -> float:
    """User + system CPU time of every live process in the workers' process groups (main process and pool)."""
    groups = {worker.pid for worker in workers}
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended while we read
        if int(fields[2]) in groups:  # after the name: state, ppid, pgrp, ..., utime, stime, cutime, cstime (12th-15th)
            total += sum(int(field) for field in fields[11:15])  # its own and its waited-for children's (ffmpeg)
    return total / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--songs", type=int, default=12)
    parser.add_argument("--singles", type=int, default=3, help="songs made alone for the baseline (after one warm-up)")
    args = parser.parse_args()

    database_url, drop_database = _postgres_database(os.environ["DATABASE_URL"])
    redis_url, release_redis = _redis_database(os.environ["REDIS_URL"])
    logs = Path(tempfile.mkdtemp(prefix="songcraft-burst-"))
    workers = []
    try:
        app, environ = scratch_app(database_url, redis_url, str(logs / "data"))
        celery = app.extensions["celery"]
        workers = [start_worker(environ, "ai,media", logs / "worker.log", concurrency=WORKER_PROCESSES),
                   start_worker(environ, "email,default", logs / "worker_quick.log")]
        wait_for_pong(workers[0], celery, "ai")
        wait_for_pong(workers[1], celery, "default")
        with app.app_context():
            from songcraft.extensions import db

            engine = db.engine
        account = customer(app)

        singles = []
        for number in range(args.singles + 1):
            if number == 1:
                cpu_started = workers_cpu_seconds(workers)
            song_id, created_at = create_song(account, paid_order(app, account))
            _, completed_at = follow(engine, {song_id: created_at})[song_id]
            if number:  # the first warms the worker processes up (imports, dictionaries)
                singles.append(completed_at - created_at)
        one_song = statistics.median(singles)
        cpu_alone = (workers_cpu_seconds(workers) - cpu_started) / args.singles

        orders = [paid_order(app, account) for _ in range(args.songs)]
        cpu_started, load_started = workers_cpu_seconds(workers), os.getloadavg()[0]
        burst_at = time.monotonic()
        created = dict(create_song(account, order_id) for order_id in orders)
        timeline = follow(engine, created)
        wall = max(done for _, done in timeline.values()) - burst_at
        cpu_burst = (workers_cpu_seconds(workers) - cpu_started) / args.songs
        load = (load_started + os.getloadavg()[0]) / 2
        ideal = args.songs * one_song / WORKER_PROCESSES
        waits = sorted(claimed - created[song_id] for song_id, (claimed, _) in timeline.items())
        runs = [done - claimed for claimed, done in timeline.values()]

        print(f"one song alone: {one_song:.1f} s (median of {args.singles}: {', '.join(f'{s:.1f}' for s in singles)})")
        print(f"burst of {args.songs} songs on {WORKER_PROCESSES} worker processes: wall {wall:.1f} s, ideal {ideal:.1f} s, "
              f"wall/ideal {wall / ideal:.2f}")
        print(f"workers' CPU per song: {cpu_alone:.1f} s alone, {cpu_burst:.1f} s in the burst "
              f"({cpu_burst / cpu_alone:.2f}×); load average about {load:.1f} on {os.cpu_count()} cores")
        print(f"the burst's CPU on {WORKER_PROCESSES} free cores would take {args.songs * cpu_burst / WORKER_PROCESSES:.1f} s; "
              f"the workers got {args.songs * cpu_burst / wall:.2f} cores on average")
        print(f"queue wait per song (s): {', '.join(f'{w:.1f}' for w in waits)}")
        print(f"queue wait: median {statistics.median(waits):.1f} s, max {waits[-1]:.1f} s; "
              f"claim to completion: median {statistics.median(runs):.1f} s")
    finally:
        for worker in workers:
            kill_worker(worker)
        release_redis()
        drop_database()


if __name__ == "__main__":
    main()
