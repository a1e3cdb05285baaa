"""The processes of the Procfile, started with the Procfile's own command lines.

- web: gunicorn as configured by gunicorn.conf.py. Oversize requests get the API's JSON error
  shape whoever refuses them: the app (422, a query parameter over its documented length) or
  gunicorn itself (414 beyond the longest request line, 431 beyond the largest header).
- flower: starts through honcho as the README says, asks for its credentials (401), lets them in
  (200), and refuses to start at all without FLOWER_BASIC_AUTH.
- The app refuses to start in production defaults, naming the setting.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, _clean_environ, _die_with_parent, free_port, wait_until

VENV_BIN = str(Path(sys.executable).parent)


def procfile_command(name: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.partition(":")[2].strip()
    raise AssertionError(f"no {name} process in the Procfile")


def environment(app_env: dict, **settings: str) -> dict:
    """The test session's settings, with this virtualenv first on PATH (as after `. .venv/bin/activate`)."""
    return {**_clean_environ(), **app_env, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}", **settings}


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=_die_with_parent)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for_http(url: str, process: subprocess.Popen, log: Path, **kwargs) -> None:
    def answers():
        if process.poll() is not None:
            pytest.fail(f"the process exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            requests.get(url, timeout=2, **kwargs)
            return True
        except requests.RequestException:
            return False

    wait_until(answers, timeout=60, interval=0.3, message=f"{url} to answer")


# --- web: gunicorn ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def web(app, app_env, tmp_path_factory):
    """gunicorn started exactly as the Procfile's web line says, on the test session's database."""
    port = free_port()
    log = tmp_path_factory.mktemp("web") / "web.log"
    process = start(["/bin/sh", "-c", f"exec {procfile_command('web')}"],
                    environment(app_env, PORT=str(port), BIND_HOST="127.0.0.1", WEB_CONCURRENCY="1"), log)
    wait_for_http(f"http://127.0.0.1:{port}/healthz", process, log)
    yield "127.0.0.1", port
    stop(process)


def raw_request(address, request_line: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """Send bytes as they are (no client library would send a 20 KB URL) and read the whole answer."""
    head = "".join(f"{name}: {value}\r\n" for name, value in {"Host": "localhost", "Connection": "close", **(headers or {})}.items())
    with socket.create_connection(address, timeout=30) as connection:
        connection.sendall(f"{request_line}\r\n{head}\r\n".encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head_bytes, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head_bytes.decode("latin-1").split("\r\n")
    fields = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), {k.lower(): v for k, v in fields.items()}, body


def assert_json_error(answer, code: int) -> dict:
    import json

    status, headers, body = answer
    assert status == code, (status, body[:300])
    assert headers["content-type"].startswith("application/json"), headers
    error = json.loads(body)
    assert error["code"] == code and isinstance(error["status"], str) and error["message"]
    return error


def admin_users_line(total_bytes: int) -> str:
    """`GET /api/v1/admin/users?q=…&role=…` whose query string is `total_bytes` long (the issue's example)."""
    half = (total_bytes - len("q=&role=")) // 2
    return f"GET /api/v1/admin/users?q={'a' * half}&role={'b' * half} HTTP/1.1"


def test_a_5_kb_query_string_reaches_the_app_and_gets_422_naming_the_parameters(web, make_account):
    admin = make_account(role="admin")
    error = assert_json_error(raw_request(web, admin_users_line(5 * 1024), admin.headers), 422)
    assert set(error["errors"]["query"]) == {"q", "role"}


@pytest.mark.parametrize("kilobytes", [9, 20])
def test_a_query_string_beyond_gunicorn_s_request_line_gets_414_in_json(web, kilobytes):
    error = assert_json_error(raw_request(web, admin_users_line(kilobytes * 1024)), 414)
    assert "8190" in error["message"]


def test_an_oversized_header_gets_431_in_json(web):
    assert_json_error(raw_request(web, "GET /healthz HTTP/1.1", {"X-Padding": "x" * 20_000}), 431)


def test_headers_above_gunicorn_s_defaults_but_within_ours_reach_the_app(web):
    # 10 KB: over gunicorn's default header line (8190 bytes), under ours (16384).
    status, headers, body = raw_request(web, "GET /healthz HTTP/1.1", {"X-Padding": "x" * 10_000})
    assert status == 200 and b'"ok"' in body and "x-request-id" in headers


# --- the app refuses unsafe defaults -----------------------------------------------------


def test_gunicorn_with_app_env_unset_and_the_default_key_refuses_to_start(tmp_path):
    env = {k: v for k, v in environment({}).items() if k not in ("APP_ENV", "SECRET_KEY", "JWT_SECRET_KEY")}
    env.update(PORT=str(free_port()), BIND_HOST="127.0.0.1", WEB_CONCURRENCY="1", DATA_DIR=str(tmp_path))
    result = subprocess.run(["/bin/sh", "-c", f"exec {procfile_command('web')}"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr and "APP_ENV is not set, so it is production" in result.stderr


# --- flower --------------------------------------------------------------------------------


def test_flower_starts_from_the_procfile_behind_basic_auth(app, app_env, tmp_path):
    port = free_port()
    log = tmp_path / "flower.log"
    env = environment(app_env, FLOWER_PORT=str(port), FLOWER_BASIC_AUTH="ops:s3cret-enough")
    process = start([str(Path(VENV_BIN) / "honcho"), "start", "flower"], env, log)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for_http(url, process, log)
        assert requests.get(url, timeout=10).status_code == 401
        assert requests.get(url, auth=("ops", "wrong"), timeout=10).status_code == 401
        assert requests.get(url, auth=("ops", "s3cret-enough"), timeout=10).status_code == 200
        assert requests.get(f"{url}api/workers", auth=("ops", "s3cret-enough"), timeout=10).status_code == 200
    finally:
        stop(process)


def test_flower_refuses_to_start_without_credentials(app_env):
    env = {k: v for k, v in environment(app_env, FLOWER_PORT=str(free_port())).items() if k != "FLOWER_BASIC_AUTH"}
    result = subprocess.run(["/bin/sh", "-c", f"exec {procfile_command('flower')}"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "FLOWER_BASIC_AUTH" in result.stderr


# --- behind a reverse proxy -----------------------------------------------------------------


@pytest.fixture
def app_behind_one_proxy(app, app_env):
    """The app with TRUSTED_PROXIES=1, on the session's database and rate-limit storage."""
    from songcraft import create_app

    proxied = create_app({**_clean_environ(), **app_env, "TRUSTED_PROXIES": "1"})
    yield proxied
    app.extensions["celery"].set_current()  # creating an app made its Celery the current one
    app.extensions["celery"].set_default()


def failed_logins(client, forwarded_for: str, times: int) -> list[int]:
    """Wrong passwords from the proxy at 10.0.0.1, for the client named in X-Forwarded-For."""
    return [client.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": "wrong password"},
                        headers={"X-Forwarded-For": forwarded_for}, environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code
            for _ in range(times)]


def test_without_a_declared_proxy_forwarded_for_is_ignored(client):
    # Each request claims another client address: the limit (10 per minute) still counts them together.
    statuses = [failed_logins(client, f"198.51.100.{n}", 1)[0] for n in range(11)]
    assert statuses == [401] * 10 + [429]


def test_behind_one_proxy_limits_key_on_the_client_the_proxy_saw(app_behind_one_proxy):
    client = app_behind_one_proxy.test_client()
    # The proxy appends the address it saw; whatever a client wrote before it is not trusted.
    assert failed_logins(client, "203.0.113.7, 198.51.100.1", 5) == [401] * 5
    assert failed_logins(client, "203.0.113.8, 198.51.100.1", 6) == [401] * 5 + [429]
    assert failed_logins(client, "198.51.100.2", 1) == [401]  # another real client has its own count
