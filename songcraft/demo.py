"""`flask demo` (`make demo`): the whole product in one command, against the app `make run` serves.

It goes through the running app's HTTP API at PUBLIC_URL, as a customer would: registers a demo
customer (and confirms the address with the token the verification email carries, made here
since the demo cannot read the email), orders an audio + video song, pays on the sandbox checkout
page (whose Pay button posts the signed sandbox webhook), describes the song, uploads the bundled
sample photos, follows the running worker through the pipeline with a progress bar, shares the
song as a gift, and prints the links. Only the token is made in-process, on the same database.
"""
from __future__ import annotations

import secrets
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import click
import requests
from flask import current_app
from flask.cli import with_appcontext

from songcraft.auth import tokens
from songcraft.auth.service import find_by_email

ASSETS = Path(__file__).parent / "demo_assets"
PHOTOS = ("sunset.jpg", "hills.jpg", "night.jpg")
PASSWORD = "songcraft demo"
SONG = {
    "recipient_name": "Aurelia", "occasion": "birthday", "genre": "pop", "mood": "joyful",
    "story": "We met at a tiny jazz bar in Lisbon, where Aurelia laughed at my terrible dancing. Ten years on she "
             "still dances with me every Sunday morning in the kitchen, and her dog Biscuit joins in.",
}
GIFT = {"message": "Happy birthday, Aurelia! Ten years of Sundays.", "recipient_email": "aurelia@example.com"}
DOING = {"write_lyrics": "writing the lyrics", "compose_audio": "composing and singing", "render_video": "rendering the video",
         "deliver": "finishing the files"}
NO_WORKER_AFTER = 20  # seconds a queued song may wait before we say the worker seems to be missing


class DemoError(click.ClickException):
    """A step that failed, said plainly (click prints it and exits with 1)."""


class Api:
    """The running app's API, as the demo customer."""

    def __init__(self, base: str):
        self.base, self.http, self.headers = base, requests.Session(), {}

    def call(self, method: str, path: str, expect: int, **kwargs) -> requests.Response:
        url = path if path.startswith("http") else f"{self.base}/api/v1{path}"
        response = self.http.request(method, url, headers=self.headers, timeout=60, **kwargs)
        if response.status_code != expect:
            raise DemoError(f"{method} {url} answered {response.status_code}: {response.text[:300]}")
        return response


def _step(text: str) -> None:
    click.echo(f"  {click.style('✓', fg='green')} {text}")


def _check_running(base: str) -> None:
    try:
        requests.get(f"{base}/healthz", timeout=5).raise_for_status()
    except requests.RequestException:
        raise DemoError(f"Nothing answers at {base}. Start the app first, in another terminal: make run") from None


def _customer(api: Api) -> str:
    email = f"demo-{secrets.token_hex(3)}@example.com"
    api.call("POST", "/auth/register", 201, json={"email": email, "password": PASSWORD, "full_name": "Demo Customer"})
    user = find_by_email(email)
    if user is None:
        raise DemoError("The demo customer is not in this database: run `make demo` with the same settings as `make run`.")
    api.call("GET", f"/auth/verify-email/{tokens.make_email_token(user, 'verify')}", 200)
    login = api.call("POST", "/auth/login", 200, json={"email": email, "password": PASSWORD}).json()
    api.headers = {"Authorization": f"Bearer {login['access_token']}"}
    _step(f"customer {email} registered, verified and logged in (password: {PASSWORD!r})")
    return email


def _pay(api: Api) -> dict:
    order = api.call("POST", "/orders/", 201, json={"product": "video"}).json()
    checkout = order["payment_url"]
    if not checkout or "/sandbox/checkout/" not in checkout:
        raise DemoError("The demo pays on the sandbox checkout: unset PAYMENT_PROVIDER and the payment keys (embedded defaults).")
    api.call("GET", checkout, 200)
    token = parse_qs(urlsplit(checkout).query)["token"][0]
    api.call("POST", checkout.split("?")[0], 200, data={"token": token, "decision": "pay"})  # the page's Pay button
    paid = api.call("GET", f"/orders/{order['id']}", 200).json()
    if paid["status"] != "paid":
        raise DemoError(f"The order is {paid['status']} after paying on the sandbox page.")
    _step(f"paid {paid['amount_cents'] / 100:.2f} {paid['currency']} on the sandbox checkout ({checkout.split('?')[0]})")
    return paid


def _song(api: Api, order: dict) -> dict:
    song = api.call("POST", "/songs/", 202, json={"order_id": order["id"], **SONG}).json()
    files = [("images", (name, (ASSETS / name).read_bytes(), "image/jpeg")) for name in PHOTOS]
    api.call("POST", f"/files/songs/{song['id']}/images", 201, files=files)
    _step(f"song for {SONG['recipient_name']} ordered ({SONG['genre']}, {SONG['mood']}) with {len(PHOTOS)} sample photos")
    return song


def _bar(song: dict, width: int = 30) -> str:
    plan = song["remaining_steps"]
    doing = DOING.get(plan[0], "") if plan and song["status"] not in ("completed", "failed") else song["status"]
    if song["status"] == "queued":
        doing = "waiting for a worker"
    filled = round(width * song["progress"] / 100)
    return f"  [{'#' * filled}{'-' * (width - filled)}] {song['progress']:3d}%  {doing}"


class ProgressLine:
    """The progress bar: redrawn in place on a terminal, one line per change elsewhere (a log, a test)."""

    def __init__(self):
        self.tty, self.last, self.open = sys.stdout.isatty(), "", False

    def show(self, line: str) -> None:
        if line == self.last:
            return
        self.last = line
        if self.tty:
            click.echo(f"\r{line:<75}", nl=False)
            self.open = True
        else:
            click.echo(line)

    def say(self, text: str) -> None:
        self.end()
        click.echo(text)

    def end(self) -> None:
        if self.open:
            click.echo()
            self.open = False


def _follow(api: Api, song_id: str, timeout: float) -> dict:
    """Poll the song until it is complete, drawing the progress bar; say when no worker picks it up."""
    bar, warned, started = ProgressLine(), False, time.monotonic()
    while True:
        song = api.call("GET", f"/songs/{song_id}", 200).json()
        bar.show(_bar(song))
        waited = time.monotonic() - started
        if song["status"] == "failed":
            bar.end()
            raise DemoError(f"The song failed: {song['error']}")
        if song["status"] == "completed" and (not song["remaining_steps"] or song["waiting_for"]):
            bar.end()
            return song
        if song["status"] == "queued" and waited > NO_WORKER_AFTER and not warned:
            bar.say(f"  ! No worker has taken the song after {NO_WORKER_AFTER} s. Is `make run` running, with its "
                    "`worker` process? Waiting on…")
            warned = True
        if waited > timeout:
            bar.end()
            raise DemoError(f"The song is still {song['status']} after {timeout:.0f} s: is the worker of `make run` running?")
        time.sleep(0.5)


@click.command("demo")
@click.option("--timeout", default=600, show_default=True, help="Seconds to wait for the song.")
@with_appcontext
def demo(timeout: int) -> None:
    """Show the whole product against the running app (`make run`): a customer, a paid order, a song and its video."""
    base = current_app.config["PUBLIC_URL"]
    click.echo(f"SongCraft demo, against {base}\n")
    _check_running(base)
    api = Api(base)
    email = _customer(api)
    song = _song(api, _pay(api))
    click.echo("  The worker makes the song (lyrics, music, video):")
    song = _follow(api, song["id"], timeout)
    if not song["video_url"]:  # the photos came after the video step: ask for it now
        api.call("POST", f"/songs/{song['id']}/generate-video", 202)
        song = _follow(api, song["id"], timeout)
    gift = api.call("PUT", f"/songs/{song['id']}/gift", 200, json=GIFT).json()
    _step(f"\"{song['title']}\" is ready, and shared as a gift: {GIFT['recipient_email']} is emailed the link")
    click.echo(f"""
Open these in a browser:
  Gift page (what the recipient sees):  {gift['share_url']}
  The song (MP3):                       {song['audio_url']}
  The video (MP4):                      {song['video_url']}
  (file links are signed: they work for {current_app.config['SIGNED_URL_SECONDS'] // 60} minutes; the gift page always works)

In the API, logged in as {email} / {PASSWORD!r}:
  {base}/api/v1/songs/{song['id']}  (GET /audio and /video redirect to fresh file links)
  Swagger UI: {base}/docs""")
