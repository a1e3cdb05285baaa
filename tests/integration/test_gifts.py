"""Gifts over the HTTP API: the share link, the reveal at `deliver_at` (exactly once), the public page
and its files, and the finished song's cover, tags and LRC on local storage and on S3."""
from __future__ import annotations

import io
import re
import time
import uuid
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from mutagen.id3 import ID3
from mutagen.mp4 import MP4
from PIL import Image

from tests.conftest import wait_until
from tests.integration.test_files import photo, upload
from tests.integration.test_songs import SONGS, fetch, start_song, wait_for_song

GIFT = SONGS + "/{}/gift"
RECIPIENT = "maya.recipient@example.com"
LYRICS = ("[Verse]\nMaya you light the room on a Tuesday\nEvery Sunday morning we dance in Lisbon\n"
          "We laugh about my terrible dancing\n\n[Chorus]\nHappy birthday Maya\nHappy birthday to you\nThe whole bar sings for you")
SUNG_LINES = [line for line in LYRICS.splitlines() if line and not line.startswith("[")]


def path_of(url: str) -> str:
    """The in-process client's path for an absolute app URL (PUBLIC_URL is http://localhost in tests)."""
    return urlsplit(url)._replace(scheme="", netloc="").geturl()


def soon(seconds: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat()


def finish_here(client, app, account, product="audio", photos=(), **brief) -> dict:
    """Make a song and run each of its steps in this process, like the worker would."""
    from songcraft.songs.tasks import STEP_TASKS

    song = start_song(client, app, account, product=product, custom_lyrics=LYRICS, **{"title": "Lisbon Sundays", **brief})
    if photos:
        assert upload(client, account, song["id"], *photos).status_code == 201
    with app.app_context():
        for step in ("compose_audio", "render_video", "deliver"):
            STEP_TASKS[step].apply(args=[song["id"]]).get()
    done = client.get(f"{SONGS}/{song['id']}", headers=account.headers).json
    assert done["status"] == "completed", done
    return done


def gift_row(app, song_id: str):
    from songcraft.extensions import db
    from songcraft.gifts.models import Gift

    with app.app_context():
        gift = db.session.scalar(sa.select(Gift).where(Gift.song_id == uuid.UUID(song_id)))
        db.session.expunge_all()
        return gift


def outbox_to(app, address: str) -> list:
    from songcraft.extensions import db
    from songcraft.notifications.models import OutboxEmail

    with app.app_context():
        return db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to == address)).all()


class PageLinks(HTMLParser):
    """Every URL a page loads (scripts, styles, images, media) and its meta tags."""

    def __init__(self):
        super().__init__()
        self.loads, self.meta, self.style_nonces = [], {}, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "audio", "video") and attrs.get("src"):
            self.loads.append(attrs["src"])
        if tag == "link" and attrs.get("rel") in ("stylesheet", "icon"):
            self.loads.append(attrs["href"])
        if tag == "video" and attrs.get("poster"):
            self.loads.append(attrs["poster"])
        if tag == "meta" and (attrs.get("property") or attrs.get("name")):
            self.meta[attrs.get("property") or attrs.get("name")] = attrs.get("content")
        if tag == "style":
            self.style_nonces.append(attrs.get("nonce"))
        if tag == "script":
            assert attrs.get("src"), "no inline script"


def parse(html: str) -> PageLinks:
    page = PageLinks()
    page.feed(html)
    return page


# --- The reveal, end to end on a real worker --------------------------------------------------


def test_recipient_gets_exactly_one_email_with_a_working_link_at_deliver_at(client, app, make_account, worker, mailbox):
    from songcraft.extensions import db
    from songcraft.gifts import reveal
    from songcraft.gifts.tasks import reveal as reveal_task
    from songcraft.gifts.tasks import reveal_due
    from songcraft.songs.models import Song

    account = make_account()
    song = wait_for_song(client, account, start_song(client, app, account)["id"])
    deliver_at = datetime.now(timezone.utc) + timedelta(seconds=30)
    body = {"recipient_email": RECIPIENT, "message": "Happy birthday!\nLove, Sam", "deliver_at": deliver_at.isoformat()}
    response = client.put(GIFT.format(song["id"]), json=body, headers=account.headers)
    assert response.status_code == 200, response.json
    gift = response.json
    assert gift["share_url"].startswith("http://localhost/listen/") and gift["delivered_at"] is None and gift["views"] == 0
    assert datetime.fromisoformat(gift["deliver_at"]) == deliver_at

    waiting = client.get(path_of(gift["share_url"]))
    assert waiting.status_code == 200 and "is on its way" in waiting.text and "<audio" not in waiting.text
    assert client.post(path_of(gift["share_url"]) + "/opened", headers={"User-Agent": "Mozilla/5.0 Firefox/140.0"}).status_code == 204
    while datetime.now(timezone.utc) < deliver_at - timedelta(seconds=2):
        assert mailbox.to(RECIPIENT) == [], "the email came before deliver_at"
        time.sleep(0.5)

    message = mailbox.wait_for(RECIPIENT, timeout=60)[0]
    arrived = datetime.now(timezone.utc)
    assert deliver_at <= arrived <= deliver_at + timedelta(seconds=20)
    body = message.get_body(("plain",)).get_content()
    assert "Happy birthday!" in body and song["title"] in message["Subject"]
    link = re.search(r"http://localhost/listen/\S+", body).group(0)
    assert link == gift["share_url"]
    page = client.get(path_of(link))
    assert page.status_code == 200 and song["title"] in page.text and "<audio" in page.text

    # Duplicate beats, a redelivered task and the completion signal again: still one email.
    gift_id = str(gift_row(app, song["id"]).id)
    duplicates = [reveal_task.delay(gift_id), reveal_task.delay(gift_id), reveal_due.delay(), reveal_due.delay()]
    assert [result.get(timeout=30) for result in duplicates] == [False, False, 0, 0]
    with app.app_context():
        reveal.reveal_on_completion(db.session.get(Song, uuid.UUID(song["id"])))
        db.session.commit()
    emails = outbox_to(app, RECIPIENT)
    assert len(emails) == 1 and emails[0].sent_at is not None
    assert len(mailbox.to(RECIPIENT)) == 1
    assert client.get(GIFT.format(song["id"]), headers=account.headers).json["delivered_at"] is not None


def test_gift_without_a_time_is_revealed_when_the_song_completes(client, app, make_account, worker, mailbox):
    account = make_account()
    song = start_song(client, app, account)
    assert client.put(GIFT.format(song["id"]), json={"recipient_email": RECIPIENT}, headers=account.headers).status_code == 200

    wait_for_song(client, account, song["id"])
    body = mailbox.wait_for(RECIPIENT)[0].get_body(("plain",)).get_content()
    assert client.get(GIFT.format(song["id"]), headers=account.headers).json["share_url"] in body
    assert "Test User asked us to write a song for you" in body


def test_the_beat_delivers_a_gift_whose_time_has_come(client, app, make_account, in_process, mailbox):
    from songcraft.extensions import db
    from songcraft.gifts.models import Gift
    from songcraft.gifts.reveal import reveal_due

    account = make_account()
    song = finish_here(client, app, account)
    client.put(GIFT.format(song["id"]), json={"recipient_email": RECIPIENT, "deliver_at": soon(3600)}, headers=account.headers)
    with app.app_context():
        assert reveal_due() == 0  # an hour away: nothing to do yet
        db.session.execute(sa.update(Gift).values(deliver_at=datetime.now(timezone.utc) - timedelta(seconds=1)))  # time passes
        db.session.commit()
        assert reveal_due() == 1
        assert reveal_due() == 0
    assert len(outbox_to(app, RECIPIENT)) == 1


def test_changing_the_recipient_after_delivery_sends_to_the_new_address_once(client, app, make_account, in_process):
    account = make_account()
    song = finish_here(client, app, account)
    for address in (RECIPIENT, RECIPIENT, "other@example.com", "other@example.com"):
        assert client.put(GIFT.format(song["id"]), json={"recipient_email": address}, headers=account.headers).status_code == 200
    assert len(outbox_to(app, RECIPIENT)) == 1 and len(outbox_to(app, "other@example.com")) == 1


# --- Opened: people, not bots ----------------------------------------------------------------


def test_views_count_browsers_that_run_the_page_and_the_buyer_hears_once(client, app, make_account, in_process, worker, mailbox):
    account = make_account()
    song = finish_here(client, app, account)
    share = client.put(GIFT.format(song["id"]), json={"message": "For you"}, headers=account.headers).json["share_url"]
    beacon = path_of(share) + "/opened"

    assert client.get(path_of(share), headers={"User-Agent": "Slackbot-LinkExpanding 1.0"}).status_code == 200
    for agent in ("facebookexternalhit/1.1", "WhatsApp/2.23", "Mozilla/5.0 HeadlessChrome/140.0", "curl/8.5", ""):
        assert client.post(beacon, headers={"User-Agent": agent}).status_code == 204
    gift = client.get(GIFT.format(song["id"]), headers=account.headers).json
    assert gift["views"] == 0 and gift["first_viewed_at"] is None

    browser = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1"}
    assert client.post(beacon, headers=browser).status_code == 204
    assert client.post(beacon, headers=browser).status_code == 204
    gift = client.get(GIFT.format(song["id"]), headers=account.headers).json
    assert gift["views"] == 2 and gift["first_viewed_at"] is not None
    def opened_emails():
        return [m for m in mailbox.to(account.email) if "just opened" in m["Subject"]]

    opened = wait_until(opened_emails, message="the buyer's email about the first opening")
    assert "Maya" in opened[0]["Subject"] and "Lisbon Sundays" in opened[0].get_body(("plain",)).get_content()
    assert [email.template for email in outbox_to(app, account.email)].count("gift_opened") == 1
    assert len(opened_emails()) == 1


# --- The owner's API -------------------------------------------------------------------------


def test_revoke_and_rotate_kill_the_old_link(client, app, make_account, in_process):
    account = make_account()
    song = finish_here(client, app, account)
    assert client.get(GIFT.format(song["id"]), headers=account.headers).status_code == 404
    first = client.put(GIFT.format(song["id"]), json={}, headers=account.headers).json["share_url"]
    assert client.get(GIFT.format(song["id"]), headers=account.headers).json["share_url"] == first  # shown again, same link
    assert client.put(GIFT.format(song["id"]), json={"message": "hi"}, headers=account.headers).json["share_url"] == first
    assert client.get(path_of(first)).status_code == 200

    rotated = client.post(GIFT.format(song["id"]) + "/rotate", headers=account.headers)
    assert rotated.status_code == 200 and rotated.json["share_url"] != first and rotated.json["message"] == "hi"
    gone = client.get(path_of(first))
    assert gone.status_code == 404 and gone.mimetype == "text/html" and "does not open a song" in gone.text
    for suffix in ("/lyrics.lrc", "/cover.jpg"):
        assert client.get(path_of(first) + suffix).status_code == 404
    assert client.get(path_of(first) + "/media.json").status_code == 404
    second = rotated.json["share_url"]
    assert client.get(path_of(second)).status_code == 200

    assert client.delete(GIFT.format(song["id"]), headers=account.headers).status_code == 204
    assert client.get(path_of(second)).status_code == 404
    assert client.get(GIFT.format(song["id"]), headers=account.headers).status_code == 404
    assert client.delete(GIFT.format(song["id"]), headers=account.headers).status_code == 404
    assert client.post(GIFT.format(song["id"]) + "/rotate", headers=account.headers).status_code == 404
    third = client.put(GIFT.format(song["id"]), json={}, headers=account.headers).json["share_url"]
    assert third not in (first, second) and client.get(path_of(third)).status_code == 200


def test_deleting_the_song_kills_its_link(client, app, make_account, in_process):
    account = make_account()
    song = finish_here(client, app, account)
    share = client.put(GIFT.format(song["id"]), json={}, headers=account.headers).json["share_url"]
    assert client.get(path_of(share)).status_code == 200

    assert client.delete(f"{SONGS}/{song['id']}", headers=account.headers).status_code == 204
    assert client.get(path_of(share)).status_code == 404 and gift_row(app, song["id"]) is None


def test_only_the_owner_may_touch_the_gift(client, app, make_account, in_process):
    account, stranger = make_account(), make_account()
    song = start_song(client, app, account)
    client.put(GIFT.format(song["id"]), json={"recipient_email": RECIPIENT}, headers=account.headers)
    for method, suffix in (("get", ""), ("put", ""), ("delete", ""), ("post", "/rotate")):
        response = getattr(client, method)(GIFT.format(song["id"]) + suffix, json={}, headers=stranger.headers)
        assert response.status_code == 404, (method, suffix)
    for suffix in ("/lyrics.lrc", "/cover"):
        assert client.get(f"{SONGS}/{song['id']}{suffix}", headers=stranger.headers).status_code == 404
    assert client.get(GIFT.format(song["id"])).status_code == 401
    assert client.get(GIFT.format(song["id"]), headers=account.headers).json["recipient_email"] == RECIPIENT


@pytest.mark.parametrize("body, field", [
    ({"deliver_at": "2020-01-01T10:00:00+00:00"}, "deliver_at"),
    ({"deliver_at": "2030-01-01T10:00:00"}, "deliver_at"),  # no offset
    ({"deliver_at": "2999-01-01T10:00:00+00:00"}, "deliver_at"),
    ({"deliver_at": "tomorrow"}, "deliver_at"),
    ({"recipient_email": "not-an-email"}, "recipient_email"),
    ({"message": "x" * 1001}, "message"),
    ({"surprise": True}, "surprise"),
])
def test_bad_gift_fields_are_422_and_change_nothing(client, app, make_account, in_process, body, field):
    account = make_account()
    song = start_song(client, app, account)
    response = client.put(GIFT.format(song["id"]), json=body, headers=account.headers)
    assert response.status_code == 422 and field in response.json["errors"]["json"], response.json
    assert client.get(GIFT.format(song["id"]), headers=account.headers).status_code == 404


def test_a_stored_delivery_time_may_be_sent_back_once_past(client, app, make_account, in_process):
    from songcraft.extensions import db
    from songcraft.gifts.models import Gift

    account = make_account()
    song = start_song(client, app, account)
    client.put(GIFT.format(song["id"]), json={"deliver_at": soon(600)}, headers=account.headers)
    with app.app_context():
        db.session.execute(sa.update(Gift).values(deliver_at=datetime(2026, 1, 2, 9, 30, tzinfo=timezone.utc)))
        db.session.commit()
    gift = client.get(GIFT.format(song["id"]), headers=account.headers).json
    resent = client.put(GIFT.format(song["id"]), json={"deliver_at": gift["deliver_at"], "message": "edited"}, headers=account.headers)
    assert resent.status_code == 200 and resent.json["message"] == "edited"


# --- The page before the reveal --------------------------------------------------------------


def test_the_page_waits_while_the_song_is_made(client, app, make_account, in_process):
    account = make_account()
    song = start_song(client, app, account)
    share = client.put(GIFT.format(song["id"]), json={}, headers=account.headers).json["share_url"]

    page = client.get(path_of(share))
    assert page.status_code == 200 and "still being made" in page.text and "<audio" not in page.text
    assert client.get(path_of(share) + "/lyrics.lrc").status_code == 404
    assert client.get(path_of(share) + "/media.json").status_code == 404
    client.post(path_of(share) + "/opened", headers={"User-Agent": "Mozilla/5.0 Firefox/140.0"})
    assert client.get(GIFT.format(song["id"]), headers=account.headers).json["views"] == 0


# --- The finished song and its page, on local storage and S3 ----------------------------------


def _check_lrc(text: str, duration: float) -> list[float]:
    stamps = [(int(m), float(s), line) for m, s, line in re.findall(r"^\[(\d\d):(\d\d\.\d\d)\](.+)$", text, re.M)]
    starts = [minutes * 60 + seconds for minutes, seconds, _ in stamps]
    assert [line for *_, line in stamps] == SUNG_LINES
    assert all(a < b for a, b in zip(starts, starts[1:])) and 0 < starts[0] and starts[-1] < duration
    return starts


def test_finished_song_has_a_cover_tagged_mp3_and_lrc(client, app, make_account, in_process, storage, tmp_path):
    from songcraft.extensions import db
    from songcraft.songs.models import Take

    account = make_account()
    song = finish_here(client, app, account, genre="synthwave", mood="epic")

    cover_redirect = client.get(f"{SONGS}/{song['id']}/cover", headers=account.headers)
    assert cover_redirect.status_code == 302
    cover = fetch(client, cover_redirect.headers["Location"])
    image = Image.open(io.BytesIO(cover))
    assert image.format == "JPEG" and image.width == image.height >= 1400

    lrc = client.get(f"{SONGS}/{song['id']}/lyrics.lrc", headers=account.headers)
    assert lrc.status_code == 200 and lrc.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert f"[ti:{song['title']}]" in lrc.text and "[ar:SongCraft]" in lrc.text
    starts = _check_lrc(lrc.text, song["duration_seconds"])
    with app.app_context():
        take = db.session.scalar(sa.select(Take).where(Take.song_id == uuid.UUID(song["id"])))
        assert [line["text"] for line in take.line_timings] == SUNG_LINES  # kept, so every reader sees the same
        assert [round(line["start"], 2) for line in take.line_timings] == pytest.approx(starts, abs=0.011)
        estimated = take.timings_estimated
    assert lrc.headers["X-Lyrics-Timings"] == ("estimated" if estimated else "measured")

    mp3 = tmp_path / "song.mp3"
    mp3.write_bytes(fetch(client, client.get(f"{SONGS}/{song['id']}/audio", headers=account.headers).headers["Location"]))
    id3 = ID3(mp3)
    assert id3.version == (2, 4, 0)
    assert str(id3["TIT2"]) == song["title"] and str(id3["TPE1"]) == "SongCraft"
    assert id3.getall("USLT")[0].text.split("\n\n")[0].splitlines() == SUNG_LINES[:3]
    assert [text for text, _ in id3.getall("SYLT")[0].text] == SUNG_LINES
    assert [ms / 1000 for _, ms in id3.getall("SYLT")[0].text] == pytest.approx(starts, abs=0.011)
    assert id3.getall("APIC")[0].data == cover and id3.getall("APIC")[0].mime == "image/jpeg"
    assert client.get(f"{SONGS}/{song['id']}", headers=account.headers).json["takes"][0]["duration_seconds"] == song["duration_seconds"]


def test_video_song_cover_comes_from_the_first_photo_and_the_mp4_is_tagged(client, app, make_account, in_process, storage, tmp_path):
    account = make_account()
    song = finish_here(client, app, account, product="video", photos=[("green.jpg", photo(size=(1600, 1200), color=(20, 170, 60))),
                                                                       ("blue.jpg", photo(color=(20, 60, 200)))])
    cover = fetch(client, client.get(f"{SONGS}/{song['id']}/cover", headers=account.headers).headers["Location"])
    red, green, blue = Image.open(io.BytesIO(cover)).convert("RGB").resize((8, 8)).getpixel((7, 1))
    assert green > 120 and red < 80 and blue < 110  # the first photo, not the second

    video = tmp_path / "song.mp4"
    video.write_bytes(fetch(client, client.get(f"{SONGS}/{song['id']}/video", headers=account.headers).headers["Location"]))
    tags = MP4(video).tags
    assert tags["\xa9nam"] == [song["title"]] and bytes(tags["covr"][0]) == cover


def test_public_page_plays_from_storage_with_strict_headers_and_previews(client, app, make_account, in_process, storage):
    account = make_account()
    song = finish_here(client, app, account, genre="ballad", mood="romantic")
    share = client.put(GIFT.format(song["id"]), json={"message": "Forty years & <still> dancing"},
                       headers=account.headers).json["share_url"]

    page = client.get(path_of(share))
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.text
    assert "Forty years &amp; &lt;still&gt; dancing" in html  # escaped
    assert all(line in html for line in SUNG_LINES) and html.count('<li class="line') == len(SUNG_LINES)

    csp = dict(part.strip().split(" ", 1) for part in page.headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'none'" and csp["script-src"].startswith("'self' 'nonce-")
    assert "unsafe" not in page.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == "'none'" and csp["connect-src"] == "'self'"
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in page.headers["Cache-Control"] and "noindex" in page.headers["X-Robots-Tag"]
    parsed = parse(html)
    assert parsed.style_nonces and all(f"'nonce-{nonce}'" in csp["style-src"] for nonce in parsed.style_nonces)
    allowed = {None, *csp["media-src"].replace("'self'", "").split()}
    for url in parsed.loads:
        origin = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" if urlsplit(url).netloc else None
        assert origin in allowed, f"{url} would be blocked or is a third-party request"
    assert parsed.meta["robots"].startswith("noindex")
    assert parsed.meta["og:type"] == "music.song" and parsed.meta["og:title"] == song["title"]
    assert parsed.meta["og:url"] == share and parsed.meta["og:image"] == share + "/cover.jpg"
    assert "Maya" in parsed.meta["og:description"] and "Forty" not in parsed.meta["og:description"]
    assert parsed.meta["twitter:card"] == "summary_large_image" and parsed.meta["twitter:image"] == share + "/cover.jpg"

    assert client.get(path_of(parsed.meta["og:image"])).status_code == 302
    lrc = client.get(path_of(share) + "/lyrics.lrc")
    assert lrc.status_code == 200 and lrc.headers["Content-Type"] == "text/plain; charset=utf-8"
    _check_lrc(lrc.text, song["duration_seconds"])
    media = client.get(path_of(share) + "/media.json")
    assert media.status_code == 200 and media.json["expires_in"] == app.config["SIGNED_URL_SECONDS"]
    assert len(fetch(client, media.json["audio_url"])) > 100_000 and media.json["video_url"] is None
    assert fetch(client, media.json["cover_url"])[:3] == b"\xff\xd8\xff"
    for asset in [url for url in parsed.loads if url.startswith("/")]:
        assert client.get(asset).status_code == 200, asset


def test_unknown_tokens_get_the_friendly_404_page(client, app):
    for path in ("/listen/nope", "/listen/" + "A" * 48, "/listen/" + "A" * 48 + "/lyrics.lrc", "/listen/x/y/z"):
        response = client.get(path)
        assert response.status_code == 404 and response.mimetype == "text/html", path
        assert "does not open a song" in response.text and response.headers["X-Content-Type-Options"] == "nosniff"
