"""Benchmark the list endpoints under load, as ratios to `/healthz` on the same server and run.

Run: DATABASE_URL=... REDIS_URL=... .venv/bin/python benchmarks/api_load.py [--baseline DIR] [--rounds 3] [--duration 10]

For each checkout measured (this one, and `--baseline DIR`, e.g. an export of `main`, so the
before and after figures come from the same session), the script creates a scratch PostgreSQL
database, seeds it with the models of that checkout (a customer with 50 completed songs of two
takes each, half of them video orders, 50 orders; an admin; 50 more users), starts gunicorn as
production does (2 workers x 4 threads, gthread; each worker taking at most its share of the
connections, see WORKERS) and drives it with wrk (16 connections, 2 threads). Each endpoint gets
a 2-second warm-up, then `--duration` seconds measured. It prints req/s, p50 and p99 per endpoint,
the ratio of its req/s to `/healthz`'s in the same round, and the CPU time per request of
gunicorn's processes and of PostgreSQL's.

The load generator shares the machine with the server, so absolute figures move with whatever
else runs; the ratios, measured seconds apart against the same server, are what to compare.
Needs `wrk` (`apt-get install -y wrk`).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load-password"
SONGS = 50
LIST_ENDPOINTS = ("/api/v1/songs/", "/api/v1/orders/", "/api/v1/admin/users", "/api/v1/admin/songs")
TARGET_RATIO, TARGET_P99_MS = 0.30, 100.0
# gunicorn's workers. wrk opens its connections all at once and keeps them; whichever worker
# accepts first could take most of them and leave the other idle (a run then measured one
# core, at random). Each worker takes at most its share (--worker-connections), as a stream of
# real clients, each connection short-lived, spreads over the workers.
WORKERS = 2
# (label, path, who): who is None (no token), "customer" or "admin".
ENDPOINTS = [
    ("healthz", "/healthz", None),
    ("auth/me (auth only)", "/api/v1/auth/me", "customer"),
    *[(path.removeprefix("/api/v1/"), f"{path}?page_size=20", "admin" if "/admin/" in path else "customer") for path in LIST_ENDPOINTS],
]
LYRICS = "\n".join(f"[{section}]\n" + "\n".join(f"Line {n} of the {section.lower()}, sung for Maya tonight" for n in range(6))
                   for section in ("Verse", "Chorus", "Verse", "Chorus", "Bridge", "Chorus"))
STORY = "We met at a bus stop in the rain, and she laughed at my umbrella. " * 8


# --- Seeding (runs in a subprocess, against the checkout being measured) ----------------------


def seed(code_dir: Path) -> dict:
    """Fill the (migrated) database of DATABASE_URL using `code_dir`'s models; returns the logins."""
    sys.path.insert(0, str(code_dir))
    from flask_migrate import upgrade

    from songcraft import create_app
    from songcraft.auth.models import User
    from songcraft.auth.passwords import hash_password
    from songcraft.common.db import utcnow
    from songcraft.extensions import db
    from songcraft.orders.models import Order
    from songcraft.songs.models import Song, Take

    app = create_app()
    with app.app_context():
        upgrade()
        password_hash = hash_password(PASSWORD)
        customer = User(email="customer@example.com", password_hash=password_hash, full_name="Load Customer", is_verified=True)
        admin = User(email="admin@example.com", password_hash=password_hash, full_name="Load Admin", is_verified=True, role="admin")
        db.session.add_all([customer, admin, *(User(email=f"user{n}@example.com", password_hash=password_hash, full_name=f"User {n}",
                                                    is_verified=n % 3 > 0) for n in range(SONGS))])
        db.session.flush()
        timings = [{"start": n * 4.0, "end": n * 4.0 + 3.5, "text": line, "section": "verse"}
                   for n, line in enumerate(LYRICS.splitlines()) if not line.startswith("[")]
        for n in range(SONGS):
            product = "video" if n % 2 else "audio"
            order = Order(user_id=customer.id, product=product, status="fulfilled", amount_cents=1900, currency="USD",
                          payment_provider="sandbox", paid_at=utcnow(), used_at=utcnow(), fulfilled_at=utcnow())
            song = Song(user_id=customer.id, order=order, title=f"Maya's Song {n}", recipient_name="Maya", occasion="birthday",
                        genre="pop", mood="joyful", story=STORY, status="completed", progress=100, lyrics=LYRICS,
                        duration_seconds=150.0, completed_at=utcnow())
            db.session.add_all([order, song])
            db.session.flush()
            if product == "video":
                song.video_key = f"users/{customer.id}/songs/{song.id}/video.mp4"
            song.takes = [Take(position=p, storage_key=f"users/{customer.id}/songs/{song.id}/takes/{p}.mp3", size_bytes=2_400_000,
                               duration_seconds=150.0, selected=p == 1, line_timings=timings) for p in (1, 2)]
        logins = {"customer": customer.email, "admin": admin.email}
        db.session.commit()
        # Statistics, as a live database has them (autovacuum would analyze the new tables only later).
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return logins


# --- Measuring ------------------------------------------------------------------------------


FIELDS = ("rate", "p50_ms", "p99_ms", "cpu_ms", "db_cpu_ms")


@dataclass
class Figures:
    rate: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float = 0.0  # CPU time of gunicorn's workers per request: less sensitive than req/s to what else runs
    db_cpu_ms: float = 0.0  # CPU time of PostgreSQL's processes per request (the server shares the 2 cores)


def processes_cpu_seconds(pids) -> float:
    """User + system CPU time so far of the processes `pids` (those gone meanwhile count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (in clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def database_cpu_seconds() -> float:
    pids = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout.split()
    return processes_cpu_seconds(pids)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def scratch_database(base_url: str) -> Iterator[str]:
    url = sa.engine.make_url(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"songcraft_bench_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Server:
    """One checkout served by gunicorn on its own scratch database, with a token per role."""

    def __init__(self, name: str, code_dir: Path, stack: ExitStack, connections: int):
        self.name, self.code_dir = name, code_dir
        data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="songcraft-bench-"))
        database_url = stack.enter_context(scratch_database(os.environ["DATABASE_URL"]))
        self.env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
                    "DATA_DIR": data_dir, "BCRYPT_ROUNDS": "4", "JWT_ACCESS_TOKEN_MINUTES": "120", "FLOWER_BASIC_AUTH": "b:b",
                    "ADMIN_ALERT_EMAILS": "ops@example.com", "SMTP_HOST": "127.0.0.1",
                    "STRIPE_SECRET_KEY": "sk_bench", "STRIPE_WEBHOOK_SECRET": "wh_bench",
                    "STRIPE_PRICE_ID_AUDIO": "price_audio", "STRIPE_PRICE_ID_VIDEO": "price_video",
                    "PUBLIC_URL": "http://127.0.0.1:8000"}
        seeded = subprocess.run([sys.executable, __file__, "--seed", str(code_dir)], cwd=code_dir, env=self.env,
                                capture_output=True, text=True)
        if seeded.returncode:
            raise SystemExit(f"seeding {name} failed:\n{seeded.stderr[-3000:]}")
        logins = json.loads(seeded.stdout.strip().splitlines()[-1])
        self.base = f"http://127.0.0.1:{free_port()}"
        command = [sys.executable, "-m", "gunicorn", "--bind", self.base.removeprefix("http://"), "--workers", str(WORKERS),
                   "--threads", "4", "--worker-class", "gthread", "--worker-connections", str(-(-connections // WORKERS)), "wsgi:app"]
        self.process = subprocess.Popen(command, cwd=code_dir, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stack.callback(self.stop)
        self._wait_until_up()
        self.headers = {who: {"Authorization": f"Bearer {self._login(email)}"} for who, email in logins.items()}

    def _wait_until_up(self) -> None:
        for _ in range(150):
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn for {self.name} exited with {self.process.returncode}")
            try:
                requests.get(f"{self.base}/healthz", timeout=1)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        raise SystemExit(f"gunicorn for {self.name} did not start")

    def _login(self, email: str) -> str:
        response = requests.post(f"{self.base}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=10)
        response.raise_for_status()
        return response.json()["access_token"]

    def check(self, path: str, who: str | None) -> int:
        """One request first: a list must answer 200 with a full page of 20. Returns the body's size."""
        response = requests.get(self.base + path, headers=self.headers.get(who, {}), timeout=10)
        if response.status_code != 200 or ("page_size" in path and len(response.json()) != 20):
            raise SystemExit(f"{self.name} {path}: {response.status_code} {response.text[:300]}")
        return len(response.content)

    def workers_cpu_seconds(self) -> float:
        """User + system CPU time so far of gunicorn's processes (the master and its workers)."""
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout.split()
        return processes_cpu_seconds([str(self.process.pid), *children])

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, headers: dict, seconds: int, connections: int) -> Figures:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", url]
    for name, value in headers.items():
        command[1:1] = ["-H", f"{name}: {value}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit(f"wrk saw errors on {url}:\n{output}")

    def latency(percentile: str) -> float:
        found = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if found is None:
            raise SystemExit(f"no {percentile}th percentile in wrk's output for {url}:\n{output}")
        return float(found.group(1)) * _UNITS_MS[found.group(2)]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return Figures(rate, latency("50"), latency("99"))


def measure(server: Server, seconds: int, connections: int) -> dict[str, Figures]:
    figures = {}
    for label, path, who in ENDPOINTS:
        headers = server.headers.get(who, {})
        wrk(server.base + path, headers, 2, connections)  # warm-up: connection pools, prepared statements
        cpu_before, db_cpu_before = server.workers_cpu_seconds(), database_cpu_seconds()
        result = wrk(server.base + path, headers, seconds, connections)
        result.cpu_ms = (server.workers_cpu_seconds() - cpu_before) * 1000 / (result.rate * seconds)
        result.db_cpu_ms = (database_cpu_seconds() - db_cpu_before) * 1000 / (result.rate * seconds)
        figures[label] = result
    return figures


def print_round(name: str, figures: dict[str, Figures]) -> None:
    health = figures["healthz"].rate
    print(f"\n{name}\n{'endpoint':26} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'× healthz':>10} {'CPU ms/req':>11} {'DB CPU':>7}")
    for label, result in figures.items():
        print(f"{label:26} {result.rate:8.0f} {result.p50_ms:8.1f} {result.p99_ms:8.1f} {result.rate / health:10.2f} {result.cpu_ms:11.2f} "
              f"{result.db_cpu_ms:7.2f}")


def print_summary(runs: dict[str, list[dict[str, Figures]]], body_bytes: dict[str, dict[str, int]]) -> None:
    """Per checkout and endpoint: the median over rounds, and the spread of the ratio."""
    print(f"\nSummary over {len(next(iter(runs.values())))} round(s): median (min-max of the ratio)")
    print(f"{'checkout':10} {'endpoint':26} {'body kB':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'× healthz':>18} {'CPU ms/req':>11} "
          f"{'DB CPU':>7}")
    for name, rounds in runs.items():
        for label, _, _ in ENDPOINTS:
            ratios = [r[label].rate / r["healthz"].rate for r in rounds]
            median = {field: statistics.median(getattr(r[label], field) for r in rounds) for field in FIELDS}
            print(f"{name:10} {label:26} {body_bytes[name][label] / 1000:8.1f} {median['rate']:8.0f} {median['p50_ms']:8.1f} "
                  f"{median['p99_ms']:8.1f} {statistics.median(ratios):6.2f} ({min(ratios):.2f}-{max(ratios):.2f}) "
                  f"{median['cpu_ms']:11.2f} {median['db_cpu_ms']:7.2f}")
    last = runs[next(reversed(runs))]
    lists = [label for label, path, _ in ENDPOINTS if "page_size" in path]
    met = all(r[label].rate / r["healthz"].rate >= TARGET_RATIO and r[label].p99_ms <= TARGET_P99_MS for r in last for label in lists)
    print(f"\nTarget (every list ≥ {TARGET_RATIO:.0%} of healthz, p99 ≤ {TARGET_P99_MS:.0f} ms, in every round of "
          f"{next(reversed(runs))}): {'met' if met else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, help="another checkout (e.g. `git archive main` unpacked) measured in the same run")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10, help="seconds measured per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seed", type=Path, help=argparse.SUPPRESS)  # internal: seed with this checkout's models
    args = parser.parse_args()
    if args.seed:
        print(json.dumps(seed(args.seed)))
        return
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql") or not os.environ.get("REDIS_URL"):
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the benchmark runs on the production services.")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk).")

    checkouts = {"before": args.baseline.resolve()} if args.baseline else {}
    checkouts["after" if args.baseline else "this"] = ROOT
    with ExitStack() as stack:
        servers = [Server(name, code_dir, stack, args.connections) for name, code_dir in checkouts.items()]
        body_bytes = {server.name: {label: server.check(path, who) for label, path, who in ENDPOINTS} for server in servers}
        runs: dict[str, list[dict[str, Figures]]] = {server.name: [] for server in servers}
        for number in range(1, args.rounds + 1):
            for server in servers if number % 2 else servers[::-1]:  # alternate, so neither always runs first
                figures = measure(server, args.duration, args.connections)
                runs[server.name].append(figures)
                print_round(f"round {number}: {server.name} ({server.code_dir})", figures)
        print_summary(runs, body_bytes)


if __name__ == "__main__":
    main()
