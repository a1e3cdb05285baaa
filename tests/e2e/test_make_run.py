"""A newcomer's first hour, for real: `make run` on embedded defaults in a terminal (a pty), the
whole journey through HTTP, the emails read from the console, then Ctrl-C.

It checks what issue #13 found broken: the links in a delivered email answer (PUBLIC_URL is the
web process's address in the worker too), console emails are readable blocks with the links on
their own lines, the log starts at INFO, the API listens on 127.0.0.1 only, and Ctrl-C stops
everything cleanly (no SIGKILL, no pool process killed behind its worker's back, no make error).
"""
from __future__ import annotations

import os
import pty
import re
import secrets
import signal
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.conftest import ROOT, free_port, wait_until
from tests.integration.test_songs import STORY

LINK = re.compile(r"^\s+(https?://\S+)$")


class Terminal:
    """`make run` in a pseudo-terminal, as a person starts it; everything it prints is kept."""

    def __init__(self, env: dict):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: make, as typed in a terminal
            os.chdir(ROOT)
            os.execvpe("make", ["make", "--no-print-directory", "-o", ".venv/bin/.installed", "run"], env)
        self.output = ""
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.output += re.sub(r"\x1b\[[0-9;]*m", "", data.decode(errors="replace")).replace("\r\n", "\n")

    def text(self) -> str:
        with self.lock:
            return self.output

    def press_ctrl_c(self) -> int:
        os.write(self.fd, b"\x03")  # the terminal turns it into SIGINT for its foreground process group
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                time.sleep(0.5)  # the last lines
                return status
            time.sleep(0.2)
        os.close(self.fd)  # SIGHUP for everything still attached to the terminal
        pytest.fail(f"make run did not stop within 60 s of Ctrl-C:\n{self.text()[-3000:]}")

    def close(self) -> None:
        """Stop it as a person would, if it still runs; its processes must not outlive the test."""
        try:
            if os.waitpid(self.pid, os.WNOHANG)[0] == 0:
                self.press_ctrl_c()
        except ChildProcessError:
            pass
        os.close(self.fd)


def console_emails(output: str) -> list[dict]:
    """The emails the console sender printed: {"to", "subject", "links"}, read from the blocks."""
    lines = [line.split(" | ", 1)[1] if " | " in line else line for line in output.splitlines()]
    emails = []
    for index, line in enumerate(lines):
        if "email (console sender" not in line:
            continue
        block = lines[index + 1:index + 80]
        to = re.match(r"\s+To:\s+(\S+)$", block[0])
        subject = re.match(r"\s+Subject:\s+(.+)$", block[1])
        assert to and subject, f"not a readable email block:\n{chr(10).join(block[:10])}"
        links_at = next(i for i, text in enumerate(block) if text.strip() == "Links:")
        links = []
        for text in block[links_at + 1:]:
            match = LINK.match(text)
            if not match:
                break
            links.append(match.group(1))
        emails.append({"to": to.group(1), "subject": subject.group(1), "links": links})
    return emails


@pytest.fixture
def make_run(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "APP_ENV", "PUBLIC_URL",
                        "SECRET_KEY", "BIND_HOST", "LOG_LEVEL", "LOG_FORMAT", "EMAIL_PROVIDER", "SMTP_HOST",
                        "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}  # as typed in a terminal, not under `make test`
    env.update(PORT=str(port), DATA_DIR=str(tmp_path), TERM="xterm")
    terminal = Terminal(env)
    terminal.base = f"http://127.0.0.1:{port}"

    def answers():
        try:
            return requests.get(f"{terminal.base}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_until(answers, timeout=180, interval=0.5, message="make run to answer on /healthz")
        yield terminal
    finally:
        terminal.close()


def wait_for_email(terminal: Terminal, to: str, subject_part: str) -> dict:
    def arrived():
        return next((email for email in console_emails(terminal.text())
                     if email["to"] == to and subject_part in email["subject"]), None)

    return wait_until(arrived, timeout=180, interval=0.5, message=f"a console email to {to} about {subject_part!r}")


def test_a_first_hour_with_make_run(make_run):
    base, api = make_run.base, f"{make_run.base}/api/v1"
    email, password = f"newcomer-{secrets.token_hex(3)}@example.com", "correct horse battery"

    assert requests.post(f"{api}/auth/register", json={"email": email, "password": password}, timeout=10).status_code == 201
    verification = wait_for_email(make_run, email, "Confirm your email")
    token = parse_qs(urlsplit(verification["links"][0]).query)["token"][0]
    assert requests.get(f"{api}/auth/verify-email/{token}", timeout=10).status_code == 200
    login = requests.post(f"{api}/auth/login", json={"email": email, "password": password}, timeout=10).json()
    auth = {"Authorization": f"Bearer {login['access_token']}"}

    order = requests.post(f"{api}/orders/", json={"product": "audio"}, headers=auth, timeout=10).json()
    checkout = order["payment_url"]
    assert checkout.startswith(f"{base}/sandbox/checkout/")
    assert requests.get(checkout, timeout=10).status_code == 200
    checkout_token = parse_qs(urlsplit(checkout).query)["token"][0]
    paid = requests.post(checkout.split("?")[0], data={"token": checkout_token, "decision": "pay"}, timeout=30)
    assert paid.status_code == 200  # after the redirect back to the page

    song = requests.post(f"{api}/songs/", headers=auth, timeout=10, json={
        "order_id": order["id"], "recipient_name": "Aurelia", "occasion": "birthday", "genre": "pop", "mood": "joyful",
        "story": STORY})
    assert song.status_code == 202, song.text

    ready = wait_for_email(make_run, email, "is ready")
    ours = [link for link in ready["links"] if link.startswith(f"{api}/songs/")]  # the downloads (the song page: test_make_demo)
    assert ours, ready  # written by the worker, yet pointing at the web process
    for link in ours:
        download = requests.get(link, headers=auth, timeout=30, allow_redirects=False)
        assert download.status_code == 302, (link, download.status_code)
        file = requests.get(download.headers["Location"], timeout=30)
        assert file.status_code == 200 and file.headers["Content-Type"].startswith("audio/") and len(file.content) > 10_000

    started = make_run.text()
    assert f"Listening at: http://127.0.0.1:{urlsplit(base).port}" in started  # loopback only in development
    assert " DEBUG " not in started  # INFO by default

    status = make_run.press_ctrl_c()
    after = make_run.text()[len(started):]
    assert "all stopped" in after
    for noise in ("SIGKILL", "killing", "ForkPoolWorker", "Error 130", "Interrupt", "Traceback"):
        assert noise not in after, f"{noise!r} after Ctrl-C:\n{after}"
    # make dies of the SIGINT it received itself, silently; its recipe ended well
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT or os.waitstatus_to_exitcode(status) == 0
