"""Test fixtures: real PostgreSQL and Redis when DATABASE_URL/REDIS_URL reach them (else the
embedded SQLite defaults), a real Celery worker process, and a real SMTP server on loopback.

Each test session gets its own PostgreSQL database and its own Redis database number, so
parallel sessions on one machine do not see each other's data or queues. With
SONGCRAFT_REQUIRE_SERVICES=1 (CI) an unreachable PostgreSQL or Redis fails the run.
"""
from __future__ import annotations

import contextlib
import email
import email.policy
import fcntl
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("SONGCRAFT_REQUIRE_SERVICES") == "1"


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.1, message: str = "condition"):
    """Poll `predicate` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {message}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- Services ---------------------------------------------------------------------------


def _postgres_database(base_url: str):
    """Create a fresh database on the server behind `base_url`; returns (url, drop)."""
    url = sa.engine.make_url(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"songcraft_test_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def _redis_database(base_url: str):
    """Reserve a Redis database number (1-15) for this session with a lock file; returns (url, release)."""
    import redis

    for number in range(1, 16):
        lock = open(f"/tmp/songcraft-test-redis-{number}.lock", "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        url = urlsplit(base_url)._replace(path=f"/{number}").geturl()
        redis.Redis.from_url(url).flushdb()
        return url, lock.close
    raise RuntimeError("no free Redis database number for this test session")


def _reachable(kind: str, url: str | None) -> bool:
    if not url:
        return False
    try:
        if kind == "postgres":
            engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), connect_args={"connect_timeout": 3})
            with engine.connect():
                pass
            engine.dispose()
        else:
            import redis

            redis.Redis.from_url(url, socket_connect_timeout=3).ping()
        return True
    except Exception as error:
        if REQUIRE_SERVICES:
            pytest.exit(f"{kind} at {url} is required (SONGCRAFT_REQUIRE_SERVICES=1) but unreachable: {error}", 3)
        return False


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) on loopback that keeps every message it receives."""
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages: list[email.message.EmailMessage] = []
            self.lock = threading.Lock()

        async def handle_DATA(self, server, session, envelope):
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            with self.lock:
                self.messages.append(message)
            return "250 OK"

        def to(self, address: str) -> list:
            with self.lock:
                return [m for m in self.messages if address.lower() in m["To"].lower()]

        def wait_for(self, address: str, count: int = 1, timeout: float = 30.0) -> list:
            return wait_until(lambda: len(self.to(address)) >= count and self.to(address), timeout,
                              message=f"{count} email(s) to {address}")

    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture(scope="session")
def services():
    """Which real servers this session runs against."""
    return {
        "postgres": _reachable("postgres", os.environ.get("DATABASE_URL")),
        "redis": _reachable("redis", os.environ.get("REDIS_URL")),
    }


@contextlib.contextmanager
def isolated_services(services):
    """`DATABASE_URL` and `REDIS_URL` of a fresh PostgreSQL database and a Redis database number of
    its own (for the servers this session uses), dropped and released on exit."""
    env, cleanups = {}, []
    try:
        if services["postgres"]:
            env["DATABASE_URL"], drop = _postgres_database(os.environ["DATABASE_URL"])
            cleanups.append(drop)
        if services["redis"]:
            env["REDIS_URL"], release = _redis_database(os.environ["REDIS_URL"])
            cleanups.append(release)
        yield env
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


@pytest.fixture(scope="session")
def app_env(services, smtp_server, tmp_path_factory):
    """The environment shared by the in-process app and the worker process."""
    data_dir = tmp_path_factory.mktemp("data")
    env = {
        "APP_ENV": "testing",
        "SECRET_KEY": secrets.token_hex(32),
        "DATA_DIR": str(data_dir),
        "BCRYPT_ROUNDS": "4",
        "EMAIL_PROVIDER": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_server.port),
        "FRONTEND_URL": "http://frontend.test",
        "PUBLIC_URL": "http://localhost",
        "ADMIN_ALERT_EMAILS": "ops@example.com,oncall@example.com",
    }
    with isolated_services(services) as own:
        yield {**env, **own}


def _clean_environ() -> dict:
    """The process environment without settings that would leak into the app under test."""
    return {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")}


@pytest.fixture(scope="session")
def app(app_env):
    from flask_migrate import upgrade

    from songcraft import create_app

    application = create_app({**_clean_environ(), **app_env})
    with application.app_context():
        upgrade()
    return application


def _die_with_parent() -> None:
    """Runs in the worker process before exec: if pytest dies, the kernel kills the worker too,
    so an orphaned worker can never consume the queues of a later test session."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def start_worker(env: dict, queues: str, log_path: Path, concurrency: int = 2) -> subprocess.Popen:
    """A real Celery worker process consuming `queues`, logging to `log_path` (see `worker.log_path`).

    It leads a process group of its own, so `kill_worker` (or a test playing a lost machine) can
    kill the whole worker, main process and pool, at once.
    """
    command = [
        sys.executable, "-m", "celery", "-A", "celery_worker", "worker", "--loglevel=INFO",
        "-Q", queues, f"--concurrency={concurrency}", "--without-gossip", "--without-mingle",
        "-n", f"test-{secrets.token_hex(3)}@%h",
    ]
    log_file = open(log_path, "a")
    process = subprocess.Popen(command, cwd=ROOT, env={**_clean_environ(), **env}, stdout=log_file, stderr=subprocess.STDOUT,
                               preexec_fn=_die_with_parent, start_new_session=True)
    log_file.close()  # the worker holds its own copy
    process.log_path = log_path
    return process


def wait_for_pong(process: subprocess.Popen, celery_app, queue: str = "default") -> None:
    """Wait until a worker consuming `queue` answers a ping through the broker of `celery_app`."""
    def answers():
        if process.poll() is not None:
            pytest.fail(f"worker exited early:\n{process.log_path.read_text()[-3000:]}")
        try:
            return celery_app.send_task("songcraft.ping", queue=queue, expires=5).get(timeout=2) == "pong"
        except Exception:
            return False

    wait_until(answers, timeout=60, interval=0.5, message="the Celery worker to answer a ping")


def stop_worker(process: subprocess.Popen) -> None:
    """A warm shutdown: running tasks finish first (a few seconds)."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        kill_worker(process)


def kill_worker(process: subprocess.Popen) -> None:
    """SIGKILL the worker's whole process group, for workers a test throws away."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


@contextlib.contextmanager
def running_worker(application, env: dict, log_path: Path, queues: str = "default,email,ai,media"):
    """A real Celery worker process for `application` (started with `env`), stopped on exit."""
    process = start_worker(env, queues, log_path)
    try:
        wait_for_pong(process, application.extensions["celery"])
        yield process
    finally:
        stop_worker(process)


@pytest.fixture(scope="session")
def worker(app, app_env, tmp_path_factory):
    """A real Celery worker process consuming every queue, started once per session."""
    with running_worker(app, app_env, tmp_path_factory.mktemp("worker") / "worker.log") as process:
        yield process


@pytest.fixture
def own_services(app, app_env, services, tmp_path):
    """The settings of a second app with a database, a Redis number and a data directory of its own,
    for tests that start, kill and restart their own workers: no other worker can take their messages."""
    if not (services["postgres"] and services["redis"]):
        pytest.skip("needs PostgreSQL and Redis")
    with isolated_services(services) as own:
        yield {**_clean_environ(), **app_env, **own, "DATA_DIR": str(tmp_path / "data")}
    app.extensions["celery"].set_current()  # creating the second app made its Celery the current one
    app.extensions["celery"].set_default()


# --- Per test ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Every test starts with empty tables and fresh rate limits."""
    if "app" in request.fixturenames:
        clean_state(request.getfixturevalue("app"))
    yield


def clean_state(application) -> None:
    """Empty every table and drop the app's Redis keys (rate limits and the like)."""
    from songcraft.extensions import db, limiter

    with application.app_context():
        tables = [table.name for table in reversed(db.metadata.sorted_tables)]
        for attempt in range(5):  # the worker may still be finishing the previous test's song
            try:
                if db.engine.dialect.name == "postgresql":
                    db.session.execute(sa.text(f"TRUNCATE {', '.join(tables)} CASCADE"))
                else:
                    for table in tables:
                        db.session.execute(sa.text(f'DELETE FROM "{table}"'))
                db.session.commit()
                break
            except sa.exc.OperationalError:
                db.session.rollback()
                if attempt == 4:
                    raise
                time.sleep(0.5)
        limiter.reset()
        redis_client = application.extensions.get("redis")
        if redis_client is not None:
            for key in redis_client.scan_iter("songcraft:*"):
                redis_client.delete(key)


@pytest.fixture
def mailbox(smtp_server):
    """The loopback SMTP server's inbox, emptied for this test."""
    with smtp_server.lock:
        smtp_server.messages.clear()
    return smtp_server


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def in_process(monkeypatch):
    """Songs whose steps no worker runs: the test runs them in this process (so on its storage), or
    only looks at what was stored."""
    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)


@contextlib.contextmanager
def on_each_statement(app, note):
    """Calls `note(connection, statement)` for each statement the app sends meanwhile."""
    import sqlalchemy as sa

    from songcraft.extensions import db

    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        note(conn, statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def db_session(app):
    from songcraft.extensions import db

    with app.app_context():
        yield db.session


class Account:
    """A user created directly in the database, with helpers to call the API as them."""

    def __init__(self, client, email: str, password: str):
        self.client, self.email, self.password = client, email, password
        self.tokens: dict = {}

    def login(self) -> "Account":
        response = self.client.post("/api/v1/auth/login", json={"email": self.email, "password": self.password})
        assert response.status_code == 200, response.json
        self.tokens = response.json
        self.id = response.json["user"]["id"]
        return self

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.tokens['access_token']}"}


@pytest.fixture
def make_account(app, client):
    """make_account(verified=True, role="user") -> a logged-in Account."""
    from songcraft.auth.models import User
    from songcraft.auth.passwords import hash_password
    from songcraft.extensions import db

    counter = iter(range(1, 10_000))

    def make(verified: bool = True, role: str = "user", login: bool = True, password: str = "correct horse battery") -> Account:
        email = f"user{next(counter)}-{secrets.token_hex(3)}@example.com"
        with app.app_context():
            db.session.add(User(email=email, password_hash=hash_password(password), full_name="Test User", is_verified=verified, role=role))
            db.session.commit()
        account = Account(client, email, password)
        return account.login() if login and verified else account

    return make


# --- Storage ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on loopback, once per session."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(params=["local", "s3"])
def storage(request, app, monkeypatch):
    """Each test runs against local storage and against S3 (a fresh bucket), in this process."""
    if request.param == "s3":
        from songcraft.providers.storage_s3 import S3Storage

        endpoint = request.getfixturevalue("s3_server")
        backend = S3Storage(f"songcraft-{uuid.uuid4().hex[:8]}", endpoint, "testing", "testing", secure=False)
        monkeypatch.setitem(app.extensions, "storage", backend)
    return app.extensions["storage"]
