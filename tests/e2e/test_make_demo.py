"""`make demo` against `make run` on embedded defaults (real web, workers and beat, in a terminal), and
every link of every email the journey sends, opened over HTTP as a browser would (no login).

The demo must print links that open: the gift page, the MP3 and the video. The emails it and a few
more account actions produce (verification, payment, song ready, gift reveal, lyrics review,
password reset, "you already have an account") must link to pages that answer, never 404 or 5xx,
since without FRONTEND_URL the app serves those pages itself.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import requests

from tests.conftest import ROOT, free_port, wait_until
from tests.e2e import test_make_run
from tests.e2e.test_make_run import console_emails, wait_for_email

make_run = test_make_run.make_run  # the fixture: `make run` in a terminal, on embedded defaults

PRINTED = re.compile(r"^\s+(Gift page|The song \(MP3\)|The video \(MP4\))[^:]*:\s+(\S+)$", re.MULTILINE)
LOGIN = re.compile(r"logged in as (\S+) / '([^']+)'")
EMAIL_KINDS = ("Confirm your email", "order is confirmed", "is ready", "made you a song", "ready to review",
               "Reset your SongCraft password", "You already have a SongCraft account")


def make_demo(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", "-o", ".venv/bin/.installed", "demo"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def demo_env(port: int, data_dir) -> dict:
    """The environment of a terminal, as `make run` gets it in test_make_run."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "APP_ENV", "PUBLIC_URL",
                        "SECRET_KEY", "BIND_HOST", "LOG_LEVEL", "LOG_FORMAT", "EMAIL_PROVIDER", "SMTP_HOST", "FRONTEND_URL",
                        "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return {**env, "PORT": str(port), "DATA_DIR": str(data_dir)}


def answers_in_a_browser(url: str) -> int:
    """The status a browser ends on, following redirects (signed file links, the sandbox page)."""
    return requests.get(url, timeout=30).status_code


def test_make_demo_shows_a_song_and_video_whose_links_open_and_every_email_link_answers(make_run, tmp_path):
    base, api = make_run.base, f"{make_run.base}/api/v1"
    demo = make_demo(demo_env(int(urlsplit(base).port), tmp_path))
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "%  composing and singing" in demo.stdout and "100%  completed" in demo.stdout  # the progress bar
    links = dict(PRINTED.findall(demo.stdout))
    assert set(links) == {"Gift page", "The song (MP3)", "The video (MP4)"}, demo.stdout
    expected = {"Gift page": "text/html", "The song (MP3)": "audio/mpeg", "The video (MP4)": "video/mp4"}
    for name, url in links.items():
        opened = requests.get(url, timeout=30)
        assert opened.status_code == 200 and opened.headers["Content-Type"].startswith(expected[name]), (name, url)
        assert url.startswith(base)
    assert "Aurelia" in requests.get(links["Gift page"], timeout=30).text

    # The demo customer, as printed: more emails of other kinds.
    email, password = LOGIN.search(demo.stdout).groups()
    login = requests.post(f"{api}/auth/login", json={"email": email, "password": password}, timeout=10).json()
    auth = {"Authorization": f"Bearer {login['access_token']}"}
    order = requests.post(f"{api}/orders/", json={"product": "audio"}, headers=auth, timeout=10).json()
    checkout_token = parse_qs(urlsplit(order["payment_url"]).query)["token"][0]
    requests.post(order["payment_url"].split("?")[0], data={"token": checkout_token, "decision": "pay"}, timeout=30)
    song = requests.post(f"{api}/songs/", headers=auth, timeout=10, json={
        "order_id": order["id"], "recipient_name": "Aurelia", "occasion": "birthday", "genre": "jazz", "mood": "romantic",
        "story": "Lisbon, a jazz bar, and forty Sundays of dancing in the kitchen.", "approve_lyrics": True})
    assert song.status_code == 202, song.text
    assert requests.post(f"{api}/auth/password/forgot", json={"email": email}, timeout=10).status_code == 202
    assert requests.post(f"{api}/auth/register", json={"email": email, "password": "whatever it is"}, timeout=10).status_code == 201
    newcomer = f"newcomer-{os.getpid()}@example.com"
    assert requests.post(f"{api}/auth/register", json={"email": newcomer, "password": "a new password"}, timeout=10).status_code == 201
    wait_for_email(make_run, email, "ready to review")
    wait_for_email(make_run, email, "Reset your")
    wait_for_email(make_run, email, "already have")
    verification = wait_for_email(make_run, newcomer, "Confirm your email")

    emails = console_emails(make_run.text())
    for kind in EMAIL_KINDS:
        assert any(kind in sent["subject"] for sent in emails), f"no {kind!r} email among {[e['subject'] for e in emails]}"
    opened = {}
    for sent in emails:
        for link in sent["links"]:
            assert link.startswith(base), (sent["subject"], link)  # no frontend anywhere else
            opened[link] = answers_in_a_browser(link)
    failing = {link: status for link, status in opened.items() if status == 404 or status >= 500}
    assert not failing, failing
    # The newcomer's own link verifies (the demo's had been used by the demo itself).
    assert opened[verification["links"][0]] == 200
    page = requests.get(verification["links"][0], timeout=10)
    assert "already verified" in page.text  # opened twice: the second time says so, kindly
    assert requests.post(f"{api}/auth/login", json={"email": newcomer, "password": "a new password"}, timeout=10).status_code == 200


def test_make_demo_says_when_the_app_or_its_worker_is_not_running(tmp_path):
    port = free_port()
    env = demo_env(port, tmp_path)
    nothing = make_demo(env)
    assert nothing.returncode != 0 and f"Nothing answers at http://127.0.0.1:{port}" in nothing.stderr, nothing.stdout + nothing.stderr
    assert "make run" in nothing.stderr

    # The web process alone, as `make run` starts it, without the workers.
    env.update(APP_ENV="development", PUBLIC_URL=f"http://127.0.0.1:{port}", BIND_HOST="127.0.0.1")
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    web = subprocess.Popen([sys.executable, "scripts/procfile.py", "web"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until(lambda: _healthy(f"http://127.0.0.1:{port}"), timeout=60, message="the web process")
        alone = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "demo", "--timeout", "25"], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=120)
    finally:
        web.send_signal(signal.SIGINT)
        web.wait(60)
    assert alone.returncode == 1, alone.stdout + alone.stderr
    assert "No worker has taken the song after 20 s. Is `make run` running" in alone.stdout
    assert "is the worker of `make run` running?" in alone.stderr


def _healthy(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False
