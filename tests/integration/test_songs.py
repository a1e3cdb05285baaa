"""The song pipeline end to end on a real worker with the offline providers, and every 4xx rule."""
from __future__ import annotations

import json
import re
import subprocess
import uuid

import pytest
import requests

from tests.conftest import wait_until
from tests.integration.test_orders import buy, sandbox_webhook

SONGS = "/api/v1/songs"
WEBHOOK = "/api/v1/orders/webhooks/payment"
STORY = "We met at a tiny jazz bar in Lisbon, and she still laughs at my terrible dancing every Sunday."


def paid_order(client, app, account, product="audio"):
    order = buy(client, account, product)
    body, headers = sandbox_webhook(app, order, account.email)
    assert client.post(WEBHOOK, data=body, headers=headers).json["status"] == "paid"
    return order


def brief(order, **overrides):
    return {"order_id": order["id"], "recipient_name": "Maya", "occasion": "birthday", "genre": "pop",
            "mood": "joyful", "story": STORY, **overrides}


def start_song(client, app, account, product="audio", **overrides):
    order = paid_order(client, app, account, product)
    response = client.post(f"{SONGS}/", json=brief(order, **overrides), headers=account.headers)
    assert response.status_code == 202, response.json
    return response.json


def wait_for_song(client, account, song_id, status="completed", timeout=120):
    def reached():
        song = client.get(f"{SONGS}/{song_id}", headers=account.headers).json
        if song["status"] == "failed" and status != "failed":
            pytest.fail(f"song failed: {song['error']}")
        return song if song["status"] == status else None

    return wait_until(reached, timeout=timeout, interval=0.3, message=f"song {song_id} to be {status}")


def mp3_duration(data: bytes, tmp_path) -> float:
    """Decode the whole file with ffmpeg; its reported duration proves it is a real MP3."""
    import imageio_ffmpeg

    path = tmp_path / "song.mp3"
    path.write_bytes(data)
    result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "null", "-"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    info = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(path)], capture_output=True, text=True).stderr
    hours, minutes, seconds = re.search(r"Duration: (\d+):(\d+):([\d.]+)", info).groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def fetch(client, url: str) -> bytes:
    """GET a signed file URL: local storage URLs are served by the app itself."""
    if url.startswith("http://localhost/"):
        response = client.get(url.removeprefix("http://localhost"))
        assert response.status_code == 200
        return response.data
    response = requests.get(url, timeout=30)
    response.raise_for_status()
    return response.content


def test_paid_order_becomes_a_personal_listenable_song(client, app, make_account, worker, mailbox, tmp_path):
    account = make_account()
    song = start_song(client, app, account)
    # The worker may claim the first step before the response is written: the answer is the song as it is then.
    assert song["status"] in ("queued", "generating_lyrics") and song["progress"] <= 5 and song["audio_url"] is None

    done = wait_for_song(client, account, song["id"])
    assert done["progress"] == 100 and done["completed_at"] and done["error"] is None
    assert "Maya" in done["lyrics"] and "[Chorus]" in done["lyrics"]
    assert len(done["takes"]) == 1 and done["takes"][0]["selected"]

    download = client.get(f"{SONGS}/{song['id']}/audio", headers=account.headers)
    assert download.status_code == 302
    duration = mp3_duration(fetch(client, download.headers["Location"]), tmp_path)
    assert 60 <= duration <= 245 and abs(duration - done["duration_seconds"]) < 1.5

    order = client.get(f"/api/v1/orders/{song['order_id']}", headers=account.headers).json
    assert order["status"] == "fulfilled" and order["song_id"] == song["id"]
    ready = [m for m in mailbox.wait_for(account.email, count=2) if "is ready" in m["Subject"]]
    assert len(ready) == 1 and f"/api/v1/songs/{song['id']}/audio" in ready[0].get_body(("plain",)).get_content()


def test_longer_lyrics_make_a_longer_song(client, app, make_account, worker):
    account = make_account()
    short_lyrics = "[Verse]\n" + "\n".join(["Maya you shine so bright today"] * 8)
    long_lyrics = "\n\n".join(f"[Verse {n}]\n" + "\n".join(["Maya you shine so bright today and every day"] * 8) for n in range(1, 6))
    short = start_song(client, app, account, custom_lyrics=short_lyrics)
    long = start_song(client, app, account, custom_lyrics=long_lyrics)
    short_done, long_done = wait_for_song(client, account, short["id"]), wait_for_song(client, account, long["id"])
    assert short_done["lyrics"] == short_lyrics.strip()
    assert long_done["duration_seconds"] > short_done["duration_seconds"] + 10


def test_instrumental_song_has_no_lyrics(client, app, make_account, worker):
    account = make_account()
    song = wait_for_song(client, account, start_song(client, app, account, instrumental=True)["id"])
    assert song["lyrics"] is None and song["instrumental"] is True and song["duration_seconds"] >= 60


@pytest.mark.parametrize("field, value", [("genre", "polka"), ("mood", "angry"), ("story", "short"), ("recipient_name", ""),
                                          ("video_format", "4:3"), ("language", "xx")])
def test_brief_validation(client, app, make_account, field, value):
    account = make_account()
    order = paid_order(client, app, account)
    response = client.post(f"{SONGS}/", json=brief(order, **{field: value}), headers=account.headers)
    assert response.status_code == 422 and field in response.json["errors"]["json"]


def test_genres_and_moods_are_published_in_the_openapi_document(client):
    schema = client.get("/api/openapi.json").json["components"]["schemas"]["SongCreate"]["properties"]
    assert {"pop", "rap", "lo-fi", "synthwave", "ballad"} <= set(schema["genre"]["enum"])
    assert {"joyful", "ironic", "epic"} <= set(schema["mood"]["enum"])


def test_order_rules_402_409_404(client, app, make_account):
    account = make_account()
    unpaid = buy(client, account)
    assert client.post(f"{SONGS}/", json=brief(unpaid), headers=account.headers).status_code == 402
    order = paid_order(client, app, account)
    assert client.post(f"{SONGS}/", json=brief(order), headers=account.headers).status_code == 202
    again = client.post(f"{SONGS}/", json=brief(order), headers=account.headers)
    assert again.status_code == 409 and again.json["code"] == 409
    stranger = make_account()
    assert client.post(f"{SONGS}/", json=brief(order), headers=stranger.headers).status_code == 404
    assert client.post(f"{SONGS}/", json=brief(dict(order, id=str(uuid.uuid4()))), headers=account.headers).status_code == 404


def test_someone_elses_song_is_404_everywhere(client, app, make_account):
    owner, stranger = make_account(), make_account()
    song_id = start_song(client, app, owner)["id"]
    for method, path in [("get", ""), ("delete", ""), ("post", "/generate-lyrics"), ("post", "/generate-audio"),
                         ("get", "/audio"), ("get", "/video"), ("post", f"/takes/{uuid.uuid4()}/select")]:
        response = getattr(client, method)(f"{SONGS}/{song_id}{path}", headers=stranger.headers)
        assert response.status_code == 404, (method, path)
    assert client.put(f"{SONGS}/{song_id}/lyrics", json={"lyrics": "x" * 30}, headers=stranger.headers).status_code == 404


def test_busy_song_refuses_new_steps_then_allows_them(client, app, make_account, worker):
    account = make_account()
    song = start_song(client, app, account)
    for path in ("/generate-lyrics", "/generate-audio"):
        assert client.post(f"{SONGS}/{song['id']}{path}", headers=account.headers).status_code == 409
    own_words = {"lyrics": "My own words for Maya " * 3}
    assert client.put(f"{SONGS}/{song['id']}/lyrics", json=own_words, headers=account.headers).status_code == 409
    wait_for_song(client, account, song["id"])

    edit = {"lyrics": "[Verse]\nMy own words for Maya\nsung on a Sunday"}
    edited = client.put(f"{SONGS}/{song['id']}/lyrics", json=edit, headers=account.headers)
    assert edited.status_code == 200 and edited.json["lyrics"].startswith("[Verse]\nMy own words")
    assert client.post(f"{SONGS}/{song['id']}/generate-video", headers=account.headers).status_code == 409  # audio order
    regenerated = client.post(f"{SONGS}/{song['id']}/generate-audio", headers=account.headers)
    assert regenerated.status_code == 202
    assert wait_for_song(client, account, song["id"])["takes"][0]["duration_seconds"] > 0


def test_lyrics_rewrites_are_bounded_and_differ(client, app, make_account, worker, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_LYRICS_REWRITES", 1)
    account = make_account()
    song = start_song(client, app, account)
    first = wait_for_song(client, account, song["id"])["lyrics"]
    assert client.post(f"{SONGS}/{song['id']}/generate-lyrics", headers=account.headers).status_code == 202
    rewritten = wait_for_song(client, account, song["id"], status="lyrics_ready")
    assert rewritten["lyrics"] != first and rewritten["lyrics_rewrites"] == 1
    assert client.post(f"{SONGS}/{song['id']}/generate-lyrics", headers=account.headers).status_code == 409


def test_list_filter_and_delete(client, app, make_account, worker):
    account = make_account()
    song = start_song(client, app, account)
    wait_for_song(client, account, song["id"])
    listed = client.get(f"{SONGS}/?status=completed", headers=account.headers)
    assert [s["id"] for s in listed.json] == [song["id"]] and json.loads(listed.headers["X-Pagination"])["total"] == 1
    assert client.get(f"{SONGS}/?status=failed", headers=account.headers).json == []
    assert client.get(f"{SONGS}/?status=nonsense", headers=account.headers).status_code == 422
    audio_location = client.get(f"{SONGS}/{song['id']}/audio", headers=account.headers).headers["Location"]

    assert client.delete(f"{SONGS}/{song['id']}", headers=account.headers).status_code == 204
    assert client.get(f"{SONGS}/{song['id']}", headers=account.headers).status_code == 404
    assert client.get(audio_location.removeprefix("http://localhost")).status_code == 404  # the file is gone too
    reuse = client.post(f"{SONGS}/", json=brief({"id": song["order_id"]}), headers=account.headers)
    assert reuse.status_code == 409


# --- Reliability ------------------------------------------------------------------------


def test_a_provider_failure_fails_the_song_and_an_admin_resumes_it(client, app, make_account, monkeypatch):
    """Runs the step tasks in this process (Task.apply), with a lyrics provider that refuses."""
    from songcraft.providers.errors import ProviderError
    from songcraft.songs import service
    from songcraft.songs.tasks import STEP_TASKS

    class RefusingLyrics:
        name = "refusing"

        def write(self, brief):
            raise ProviderError("The lyrics service refused this story.")

    account = make_account()
    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)  # we run the steps ourselves
    song_id = start_song(client, app, account)["id"]
    monkeypatch.setitem(app.extensions, "lyrics_provider", RefusingLyrics())
    with app.app_context():
        assert STEP_TASKS["write_lyrics"].apply(args=[song_id]).get() is False
    failed = client.get(f"{SONGS}/{song_id}", headers=account.headers).json
    assert failed["status"] == "failed" and failed["error"] == "The lyrics service refused this story."

    monkeypatch.undo()
    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)
    with app.app_context():
        resumed = service.retry_failed(uuid.UUID(song_id))
        assert resumed.status == "queued" and resumed.plan[0] == "write_lyrics"
        assert STEP_TASKS["write_lyrics"].apply(args=[song_id]).get() is True
        assert STEP_TASKS["write_lyrics"].apply(args=[song_id]).get() is False  # a duplicate message does nothing
    assert client.get(f"{SONGS}/{song_id}", headers=account.headers).json["status"] == "lyrics_ready"


def test_transient_errors_retry_then_give_up_with_a_reason(client, app, make_account, monkeypatch):
    from songcraft.providers.errors import TransientProviderError
    from songcraft.songs.tasks import STEP_TASKS

    calls = []

    class FlakyLyrics:
        name = "flaky"

        def write(self, brief):
            calls.append(1)
            raise TransientProviderError("The lyrics service timed out.")

    account = make_account()
    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)
    song_id = start_song(client, app, account)["id"]
    monkeypatch.setitem(app.extensions, "lyrics_provider", FlakyLyrics())
    with app.app_context():
        STEP_TASKS["write_lyrics"].apply(args=[song_id], retries=5)  # the last allowed attempt
    failed = client.get(f"{SONGS}/{song_id}", headers=account.headers).json
    assert failed["status"] == "failed" and "timed out" in failed["error"] and "gave up after 6 attempts" in failed["error"]
    assert len(calls) == 1


def test_a_refunded_order_stops_its_song_for_good(client, app, make_account, monkeypatch):
    from songcraft.songs import service

    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)
    account = make_account()
    order = paid_order(client, app, account)
    song_id = client.post(f"{SONGS}/", json=brief(order), headers=account.headers).json["id"]
    body, headers = sandbox_webhook(app, order, account.email, event_name="order_refunded")
    assert client.post(WEBHOOK, data=body, headers=headers).json["status"] == "refunded"

    stopped = client.get(f"{SONGS}/{song_id}", headers=account.headers).json
    assert stopped["status"] == "failed" and "refunded" in stopped["error"]
    response = client.post(f"{SONGS}/{song_id}/generate-lyrics", headers=account.headers)
    assert response.status_code == 409 and "refunded" in response.json["message"]
    with app.app_context(), pytest.raises(Exception) as refused:
        service.retry_failed(uuid.UUID(song_id))
    assert refused.value.status_code == 409


def test_compositions_are_bounded(client, app, make_account, monkeypatch):
    from songcraft.extensions import db
    from songcraft.songs.models import Song

    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)
    monkeypatch.setitem(app.config, "MAX_AUDIO_REGENERATIONS", 1)
    account = make_account()
    song_id = start_song(client, app, account, custom_lyrics="[Verse]\nMaya you shine so bright today")["id"]
    with app.app_context():  # as if the first run had finished
        db.session.execute(db.update(Song).values(plan=[], status="completed"))
        db.session.commit()
    assert client.post(f"{SONGS}/{song_id}/generate-audio", headers=account.headers).status_code == 202
    with app.app_context():
        db.session.execute(db.update(Song).values(plan=[], status="completed"))
        db.session.commit()
    refused = client.post(f"{SONGS}/{song_id}/generate-audio", headers=account.headers)
    assert refused.status_code == 409 and "compositions" in refused.json["message"]
