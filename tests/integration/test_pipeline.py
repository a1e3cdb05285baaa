"""Pipeline v2: leases and their heartbeat, the recovery sweep, the provider callback, what a song
waits for, and no transaction left open while a worker waits for a provider.

Most tests run a step's task in this process (Task.apply, with the real heartbeat thread) so they
can hold a provider call open; the last one runs a real worker process against PostgreSQL.
"""
from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from songcraft.common.db import utcnow
from songcraft.providers.lyrics.base import Lyrics, LyricsSection
from tests.conftest import kill_worker, start_worker, wait_for_pong, wait_until
from tests.fakes.openai_server import COMPLETIONS_PATH, SAMPLE_LYRICS, FakeOpenAI, lyrics_completion
from tests.fakes.suno_server import RECORD_INFO_PATH, FakeSuno
from tests.integration.test_files import photo, upload
from tests.integration.test_songs import SONGS, STORY, paid_order, start_song, wait_for_song

LYRICS = "[Verse]\nMaya you shine so bright today\nand every Sunday we dance away"


def song_row(app, song_id):
    from songcraft.extensions import db
    from songcraft.songs.models import Song

    with app.app_context():
        song = db.session.get(Song, uuid.UUID(song_id))
        db.session.expunge_all()
        return song


def update_song(app, song_id, **values):
    from songcraft.extensions import db
    from songcraft.songs.models import Song

    with app.app_context():
        db.session.execute(sa.update(Song).where(Song.id == uuid.UUID(song_id)).values(**values))
        db.session.commit()


def run_step_in_thread(app, step, song_id) -> tuple[threading.Thread, list]:
    """Run the step's task in a thread of this process; its result lands in the returned list."""
    from songcraft.songs.tasks import STEP_TASKS

    results = []

    def run():
        with app.app_context():
            results.append(STEP_TASKS[step].apply(args=[song_id]).get())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, results


class HeldLyrics:
    """A lyrics provider whose call lasts until the test lets it answer."""

    name, languages = "held", ("en",)

    def __init__(self):
        self.called, self.answer = threading.Event(), threading.Event()

    def write(self, brief):
        self.called.set()
        assert self.answer.wait(60), "the test never let the provider answer"
        return Lyrics(title="Held", sections=(LyricsSection("verse", ("Maya you shine so bright today",)),))


@pytest.fixture
def held_lyrics(app, monkeypatch):
    provider = HeldLyrics()
    monkeypatch.setitem(app.extensions, "lyrics_provider", provider)
    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)  # the test runs the steps
    return provider


# --- Leases and their heartbeat --------------------------------------------------------------


def test_the_heartbeat_renews_the_lease_and_moves_the_bar_during_a_silent_provider_call(client, app, make_account, held_lyrics):
    account = make_account()
    song_id = start_song(client, app, account)["id"]
    thread, results = run_step_in_thread(app, "write_lyrics", song_id)
    assert held_lyrics.called.wait(30)
    claimed = song_row(app, song_id)
    assert claimed.status == "generating_lyrics" and claimed.lease_holder and claimed.progress == 5

    renewed = wait_until(lambda: (row := song_row(app, song_id)).lease_expires_at > claimed.lease_expires_at and row,
                         message="a heartbeat")
    assert renewed.lease_holder == claimed.lease_holder
    wait_until(lambda: song_row(app, song_id).progress > 5, message="the bar to move while the provider is silent")
    held_lyrics.answer.set()
    thread.join(30)
    done = song_row(app, song_id)
    assert results == [True] and done.status == "lyrics_ready" and done.progress == 25 and done.lyrics.startswith("[Verse]")
    assert done.lease_holder is None and done.plan == ["compose_audio", "deliver"]


def test_a_step_whose_lease_was_taken_over_stores_nothing(client, app, make_account, held_lyrics):
    account = make_account()
    song_id = start_song(client, app, account)["id"]
    thread, results = run_step_in_thread(app, "write_lyrics", song_id)
    assert held_lyrics.called.wait(30)
    # The step's lease lapsed (say the database was away) and another execution took the step over.
    update_song(app, song_id, lease_holder="another-execution", lease_expires_at=utcnow() + timedelta(minutes=1))
    held_lyrics.answer.set()
    thread.join(30)
    song = song_row(app, song_id)
    assert results == [False] and song.lyrics is None and song.lease_holder == "another-execution"
    assert song.status == "generating_lyrics" and song.plan[0] == "write_lyrics"


def test_a_duplicate_stands_back_while_the_lease_is_live(client, app, make_account, held_lyrics):
    from songcraft.songs.tasks import STEP_TASKS

    account = make_account()
    song_id = start_song(client, app, account)["id"]
    thread, results = run_step_in_thread(app, "write_lyrics", song_id)
    assert held_lyrics.called.wait(30)
    with app.app_context():
        assert STEP_TASKS["write_lyrics"].apply(args=[song_id]).get() is False  # a re-sent copy of the running step
        assert STEP_TASKS["compose_audio"].apply(args=[song_id]).get() is False  # the next step is not due yet
    held_lyrics.answer.set()
    thread.join(30)
    assert results == [True]


def test_a_retried_step_gives_its_lease_up_so_the_retry_can_claim_it(client, app, make_account, monkeypatch):
    """Task.apply runs the retry at once, in this process: it must find the step free, not held."""
    from songcraft.providers.errors import TransientProviderError
    from songcraft.songs.tasks import STEP_TASKS

    class FlakyOnce:
        name, calls = "flaky-once", 0

        def write(self, brief):
            self.calls += 1
            if self.calls == 1:
                raise TransientProviderError("The lyrics service timed out.")
            return Lyrics(title="Second time", sections=(LyricsSection("verse", ("Maya you shine so bright today",)),))

    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)
    account = make_account()
    song_id = start_song(client, app, account)["id"]
    monkeypatch.setitem(app.extensions, "lyrics_provider", FlakyOnce())
    with app.app_context():
        assert STEP_TASKS["write_lyrics"].apply(args=[song_id]).get() is True
    song = song_row(app, song_id)
    assert song.status == "lyrics_ready" and song.title == "Second time" and song.recoveries == 0


# --- The recovery sweep ----------------------------------------------------------------------


def insert_song(app, account, order, **values) -> str:
    from songcraft.extensions import db
    from songcraft.orders.models import Order
    from songcraft.songs.models import Song

    with app.app_context():
        song = Song(user_id=uuid.UUID(account.id), order_id=uuid.UUID(order["id"]), recipient_name="Maya", occasion="birthday",
                    genre="rock", mood="epic", story=STORY, **values)
        db.session.add(song)
        db.session.get(Order, uuid.UUID(order["id"])).used_at = utcnow()
        db.session.commit()
        return str(song.id)


def test_a_song_whose_message_was_lost_is_sent_again_by_the_sweep(client, app, make_account, worker):
    from songcraft.songs.recovery import recover_songs

    account = make_account()
    # Planned and queued, but its message never reached a worker: nobody claimed it in time.
    song_id = insert_song(app, account, paid_order(client, app, account), plan=["write_lyrics", "compose_audio", "deliver"],
                          status="queued", lease_expires_at=utcnow() - timedelta(seconds=1))
    with app.app_context():
        assert recover_songs() == {"resumed": 0, "requeued": 1, "failed": 0}
        assert recover_songs() == {"resumed": 0, "requeued": 0, "failed": 0}  # not again until its new deadline
    done = wait_for_song(client, account, song_id)
    assert done["lyrics"] and len(done["takes"]) == 1
    assert song_row(app, song_id).requeues == 0  # a claim resets the count


def test_a_song_whose_worker_died_is_resumed_and_the_new_execution_takes_over(client, app, make_account, worker):
    from songcraft.songs.recovery import recover_songs

    account = make_account()
    song_id = insert_song(app, account, paid_order(client, app, account), plan=["write_lyrics", "compose_audio", "deliver"],
                          status="generating_lyrics", lease_holder="died-with-its-worker",
                          lease_expires_at=utcnow() - timedelta(seconds=1))
    with app.app_context():
        assert recover_songs() == {"resumed": 1, "requeued": 0, "failed": 0}
    done = wait_for_song(client, account, song_id)
    assert done["lyrics"] and len(done["takes"]) == 1 and song_row(app, song_id).recoveries == 1


def test_a_song_whose_worker_keeps_dying_fails_and_tells_the_customer(client, app, make_account, mailbox, worker):
    from songcraft.songs.recovery import recover_songs

    account = make_account()
    song_id = insert_song(app, account, paid_order(client, app, account), plan=["deliver"], status="audio_ready",
                          recoveries=3, lease_holder="died-again", lease_expires_at=utcnow() - timedelta(seconds=1))
    with app.app_context():
        assert recover_songs() == {"resumed": 0, "requeued": 0, "failed": 1}
    failed = client.get(f"{SONGS}/{song_id}", headers=account.headers).json
    assert failed["status"] == "failed" and "stalled" in failed["error"] and failed["remaining_steps"] == ["deliver"]
    assert any("problem" in m["Subject"] for m in mailbox.wait_for(account.email, count=2))


# --- The audio provider's callback -------------------------------------------------------------


def test_suno_callback_wakes_the_running_step_which_collects_the_takes_from_the_api(client, app, make_account, monkeypatch):
    """The callback only makes the polling step look now: one chain, one path, takes from Suno's API."""
    from songcraft.providers.audio.suno import SunoAudioProvider
    from songcraft.songs.tasks import STEP_TASKS

    dispatched = []
    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: dispatched.append(list(song.plan)))
    account = make_account()
    song_id = start_song(client, app, account, custom_lyrics=LYRICS)["id"]
    assert dispatched == [["compose_audio", "deliver"]]
    with FakeSuno() as suno:
        suno.plan("PENDING", "SUCCESS")
        # Without a callback this step would pause an hour before polling again.
        monkeypatch.setitem(app.extensions, "audio_provider", SunoAudioProvider("suno-test-key", suno.url, poll_interval=3600,
                                                                               poll_timeout=7200, private_hosts=frozenset({"127.0.0.1"})))
        thread, results = run_step_in_thread(app, "compose_audio", song_id)
        wait_until(lambda: len(suno.requests_to(RECORD_INFO_PATH)) == 1, message="the first poll")
        job_id = wait_until(lambda: song_row(app, song_id).audio_job_id, message="the job id to be saved")

        callback_path = urlsplit(app.config["SUNO_CALLBACK_URL"]).path  # carries the secret
        forged = {"code": 200, "msg": "ok", "data": {"callbackType": "complete", "task_id": job_id,
                                                   "data": [{"id": "x", "audio_url": "http://evil.test/a.mp3", "duration": 1}]}}
        text_callback = dict(forged, data=dict(forged["data"], callbackType="text"))
        assert client.post(callback_path, json=text_callback).json == {"status": "received"}
        assert song_row(app, song_id).audio_callback_at is None  # only an ended job is worth a look
        assert client.post(callback_path, json=forged).json == {"status": "received"}
        other_task = dict(forged, data=dict(forged["data"], task_id="other"))
        assert client.post(callback_path, json=other_task).json == {"status": "ignored"}
        assert client.post(callback_path, data="nonsense").json == {"status": "ignored"}

        thread.join(60)
        assert results == [True] and len(suno.requests_to(RECORD_INFO_PATH)) == 2
        with app.app_context():
            assert STEP_TASKS["compose_audio"].apply(args=[song_id]).get() is False  # a late copy finds the step done
    song = client.get(f"{SONGS}/{song_id}", headers=account.headers).json
    assert song["status"] == "audio_ready" and [t["duration_seconds"] for t in song["takes"]] == [1.0, 1.5]
    assert dispatched == [["compose_audio", "deliver"]]  # no second chain
    storage = app.extensions["storage"]
    takes = song_row(app, song_id).takes
    assert [storage.get(take.storage_key) for take in takes] == [take.audio for take in FakeSuno.takes]


# --- What a song waits for --------------------------------------------------------------------


def test_a_video_song_says_it_waits_for_photos_until_it_has_some(client, app, make_account, monkeypatch):
    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)
    account = make_account()
    video = start_song(client, app, account, product="video")
    assert video["waiting_for"] == "photos"
    assert video["remaining_steps"] == ["write_lyrics", "compose_audio", "render_video", "deliver"]
    update_song(app, video["id"], plan=[], status="completed", lease_expires_at=None)  # delivered as audio, no photos
    done = client.get(f"{SONGS}/{video['id']}", headers=account.headers).json
    assert (done["waiting_for"], done["remaining_steps"]) == ("photos", [])
    assert upload(client, account, video["id"], ("a.jpg", photo())).status_code == 201
    listed = client.get(f"{SONGS}/", headers=account.headers).json
    assert [(s["id"], s["waiting_for"]) for s in listed] == [(video["id"], None)]
    update_song(app, video["id"], video_key="users/x/songs/y/video.mp4")
    assert client.get(f"{SONGS}/{video['id']}", headers=account.headers).json["waiting_for"] is None
    audio = start_song(client, app, account, custom_lyrics=LYRICS)
    assert (audio["waiting_for"], audio["remaining_steps"]) == (None, ["compose_audio", "deliver"])


def test_the_openapi_document_describes_waiting_for_and_the_remaining_steps(client):
    schema = client.get("/api/openapi.json").json["components"]["schemas"]["Song"]["properties"]
    assert schema["waiting_for"]["enum"] == ["approval", "photos", None] and schema["waiting_for"]["nullable"] is True
    assert schema["remaining_steps"]["items"]["enum"] == ["write_lyrics", "compose_audio", "render_video", "deliver"]


# --- Failures tell why -----------------------------------------------------------------------


def test_a_failed_render_tells_the_customer_ffmpegs_reason(client, app, make_account, monkeypatch, mailbox):
    from songcraft.extensions import db
    from songcraft.songs.models import Take
    from songcraft.songs.tasks import STEP_TASKS

    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)
    account = make_account()
    song_id = start_song(client, app, account, product="video", custom_lyrics=LYRICS)["id"]
    assert upload(client, account, song_id, ("a.jpg", photo())).status_code == 201
    key = f"users/{account.id}/songs/{song_id}/takes/broken-1.mp3"
    app.extensions["storage"].put(key, b"this is no audio at all" * 100, "audio/mpeg")
    with app.app_context():
        db.session.add(Take(song_id=uuid.UUID(song_id), position=1, storage_key=key, size_bytes=2300, duration_seconds=60,
                            selected=True))
        db.session.commit()
    update_song(app, song_id, plan=["render_video", "deliver"], status="audio_ready")
    with app.app_context():
        assert STEP_TASKS["render_video"].apply(args=[song_id]).get() is False
    failed = client.get(f"{SONGS}/{song_id}", headers=account.headers).json
    assert failed["status"] == "failed" and "Invalid data found" in failed["error"]
    assert failed["remaining_steps"] == ["render_video", "deliver"]  # an admin retry resumes the render


# --- No transaction open while a worker waits ------------------------------------------------


def test_no_worker_connection_idles_in_a_transaction_during_a_long_provider_call(own_services, tmp_path):
    """A real worker writes lyrics through OpenAI (a loopback fake that thinks for 40 s, within the
    provider's 45 s per attempt); meanwhile pg_stat_activity never shows one of the worker's connections
    idle in a transaction for 2 s. (Before pipeline v2 the lyrics step held one for the whole call.)"""
    from flask_migrate import upgrade

    from songcraft import create_app

    with FakeOpenAI() as openai_fake:
        openai_fake.script(dataclasses.replace(lyrics_completion(SAMPLE_LYRICS), delay_seconds=40), path=COMPLETIONS_PATH)
        settings = {**own_services, "OPENAI_API_KEY": openai_fake.api_key, "OPENAI_BASE_URL": openai_fake.base_url}
        second = create_app(settings)
        with second.app_context():
            upgrade()
        worker = start_worker({**settings, "DATABASE_URL": f"{settings['DATABASE_URL']}?application_name=idle-test-worker"},
                              "default,email,ai,media", tmp_path / "worker.log")
        try:
            wait_for_pong(worker, second.extensions["celery"])
            account = _account(second)
            song_id = start_song(account.client, second, account)["id"]
            longest_idle_in_transaction, samples = _watch_worker_transactions(second, account, song_id)
        finally:
            kill_worker(worker)
        assert len(openai_fake.completion_requests()) == 1
    assert samples > 100, "pg_stat_activity was hardly sampled"
    assert longest_idle_in_transaction < 2.0, f"a worker connection stayed idle in transaction {longest_idle_in_transaction:.1f} s"


def _account(second_app):
    from songcraft.auth.models import User
    from songcraft.auth.passwords import hash_password
    from songcraft.extensions import db
    from tests.conftest import Account

    with second_app.app_context():
        db.session.add(User(email="idle@example.com", password_hash=hash_password("correct horse battery"), is_verified=True))
        db.session.commit()
    return Account(second_app.test_client(), "idle@example.com", "correct horse battery").login()


def _watch_worker_transactions(second_app, account, song_id) -> tuple[float, int]:
    """Sample pg_stat_activity until the song is done; the longest a worker connection sat idle in a transaction."""
    from songcraft.extensions import db

    query = sa.text("SELECT coalesce(max(extract(epoch FROM now() - state_change)), 0) FROM pg_stat_activity "
                    "WHERE application_name = 'idle-test-worker' AND state = 'idle in transaction'")
    longest, samples, deadline = 0.0, 0, time.monotonic() + 240
    with second_app.app_context():
        engine = db.engine
    with engine.connect() as connection:
        while time.monotonic() < deadline:
            longest = max(longest, float(connection.execute(query).scalar()))
            connection.rollback()
            samples += 1
            song = account.client.get(f"{SONGS}/{song_id}", headers=account.headers).json
            if song["status"] in ("completed", "failed"):
                assert song["status"] == "completed", song["error"]
                return longest, samples
            time.sleep(0.2)
    pytest.fail("the song did not complete within 4 minutes")
