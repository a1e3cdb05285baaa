"""A deployment configured with the real AI providers (OpenAI lyrics, Suno audio) — pointed at the
strict loopback fakes — runs paid songs end to end on its own Celery worker process.

The stack is separate from the session's app and worker (its own database, Redis database and
worker, built from the environment exactly as production builds it), so the session's worker,
configured with the built-in providers, never picks up these songs.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import celery
import pytest
import sqlalchemy as sa

from tests.conftest import (
    Account,
    _clean_environ,
    clean_state,
    isolated_services,
    running_worker,
    wait_until,
)
from tests.fakes.openai_server import COMPLETIONS_PATH, FakeOpenAI, insufficient_quota
from tests.fakes.suno_server import (
    GENERATE_PATH,
    RECORD_INFO_PATH,
    TIMESTAMPED_LYRICS_PATH,
    FakeSuno,
    body,
)
from tests.integration.test_songs import brief, paid_order, wait_for_song

SUNO_KEY, OPENAI_KEY = "suno-live-key", "sk-live-key-42"
ADMINS = ("ops@example.com", "oncall@example.com")
SONGS, ALERTS = "/api/v1/songs", "/api/v1/admin/alerts"


@dataclass
class Stack:
    app: object
    suno: FakeSuno
    openai: FakeOpenAI

    @property
    def client(self):
        return self.app.test_client()

    def account(self, role: str = "user") -> Account:
        from songcraft.auth.models import User
        from songcraft.auth.passwords import hash_password
        from songcraft.extensions import db

        email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        with self.app.app_context():
            db.session.add(User(email=email, password_hash=hash_password("correct horse battery"), full_name="Test User",
                                is_verified=True, role=role))
            db.session.commit()
        return Account(self.client, email, "correct horse battery").login()

    def start_song(self, account: Account, **overrides) -> str:
        order = paid_order(account.client, self.app, account)
        response = account.client.post(f"{SONGS}/", json=brief(order, **overrides), headers=account.headers)
        assert response.status_code == 202, response.json
        return response.json["id"]


@pytest.fixture(scope="module")
def stack(services, app_env, tmp_path_factory):
    from flask_migrate import upgrade

    from songcraft import create_app
    from songcraft.extensions import db

    data_dir = tmp_path_factory.mktemp("real-providers")
    with FakeSuno(api_key=SUNO_KEY) as suno, FakeOpenAI(api_key=OPENAI_KEY) as openai_fake, \
            isolated_services(services) as own:
        env = {**app_env, **own}
        env.update(DATA_DIR=str(data_dir), SUNO_API_KEY=SUNO_KEY, SUNO_API_URL=suno.url, SUNO_POLL_INTERVAL="0.2",
                   SUNO_MODEL="V5", SUNO_CREDITS_WARN="50", OPENAI_API_KEY=OPENAI_KEY, OPENAI_BASE_URL=openai_fake.base_url,
                   PROVIDER_PRIVATE_HOSTS="127.0.0.1")
        session_celery = celery.current_app._get_current_object()
        application = create_app({**_clean_environ(), **env})
        assert (application.config["AUDIO_PROVIDER"], application.config["LYRICS_PROVIDER"]) == ("suno", "openai")
        with application.app_context():
            upgrade()
        try:
            with running_worker(application, env, data_dir / "worker.log"):
                yield Stack(application, suno, openai_fake)
        finally:
            session_celery.set_current()  # this stack's Celery app made itself the default when created
            session_celery.set_default()
            with application.app_context():
                db.engine.dispose()


@pytest.fixture
def fresh(stack, mailbox):
    """Empty tables and fakes in their default state for each test."""
    clean_state(stack.app)
    stack.suno.reset()
    stack.openai.reset()
    return stack


def song_failure_emails(mailbox, address: str) -> list:
    return [message for message in mailbox.to(address) if "problem with your song" in message["Subject"]]


def assert_one_alert(stack: Stack, mailbox, kind: str, cause: str, words: str) -> None:
    admin = stack.account(role="admin")
    alerts = stack.client.get(ALERTS, headers=admin.headers).json
    assert [(a["kind"], a["cause"]) for a in alerts] == [(kind, cause)]
    assert words in alerts[0]["message"]
    for address in ADMINS:
        [alert_email] = mailbox.wait_for(address)
        assert alert_email["Subject"] == f"SongCraft alert: {kind}"


def test_a_credit_exhausted_suno_fails_the_song_within_a_minute_with_one_alert_and_one_email(fresh, mailbox):
    stack = fresh
    stack.suno.credits = 5  # less than a song costs
    customer = stack.account()
    started = time.monotonic()

    song_id = stack.start_song(customer)
    failed = wait_for_song(customer.client, customer, song_id, status="failed", timeout=60)

    assert time.monotonic() - started < 60
    assert "team has been alerted" in failed["error"] and failed["lyrics"]  # the lyrics step (OpenAI) had succeeded
    assert len(stack.suno.requests_to(GENERATE_PATH)) == 1 and stack.suno.tasks == {}  # failed fast, nothing paid
    assert_one_alert(stack, mailbox, "provider_out_of_credits", "suno:credits", "Top up")
    mailbox.wait_for(customer.email, count=2)  # the order confirmation, then the failure
    [email] = song_failure_emails(mailbox, customer.email)
    assert "team has been alerted" in email.get_body(("plain",)).get_content()
    time.sleep(1)  # nothing else arrives
    assert len(song_failure_emails(mailbox, customer.email)) == 1
    assert all(len(mailbox.to(address)) == 1 for address in ADMINS)


def test_a_throttled_suno_completes_the_song_with_its_line_timings(fresh, mailbox):
    stack = fresh
    stack.suno.fail_next(430, path=GENERATE_PATH)
    stack.suno.script(body(405), body(430), body(455), path=RECORD_INFO_PATH)
    customer = stack.account()

    song_id = stack.start_song(customer)
    done = wait_for_song(customer.client, customer, song_id, timeout=90)

    assert len(stack.suno.tasks) == 1  # one paid job, despite the throttled submit and polls
    assert [take["duration_seconds"] for take in done["takes"]] == [1.0, 1.5]
    assert len(stack.suno.requests_to(GENERATE_PATH)) == 2 and len(stack.suno.requests_to(TIMESTAMPED_LYRICS_PATH)) == 2
    [task_id] = stack.suno.tasks
    with stack.app.app_context():
        from songcraft.extensions import db
        from songcraft.songs.models import Take

        takes = db.session.scalars(sa.select(Take).where(Take.song_id == uuid.UUID(song_id)).order_by(Take.position)).all()
        timings = [[(line["text"], line["start"], line["end"]) for line in take.line_timings] for take in takes]
        assert not any(take.timings_estimated for take in takes)
    assert timings == [stack.suno.line_schedule(task_id, 0), stack.suno.line_schedule(task_id, 1)]
    ready = [m for m in mailbox.wait_for(customer.email, count=2) if "is ready" in m["Subject"]]
    assert len(ready) == 1 and not song_failure_emails(mailbox, customer.email)


def test_an_openai_account_out_of_quota_fails_the_song_with_one_alert(fresh, mailbox):
    stack = fresh
    stack.openai.script(insufficient_quota(), path=COMPLETIONS_PATH)  # the moderation call before it is answered as usual
    customer = stack.account()

    song_id = stack.start_song(customer)
    failed = wait_for_song(customer.client, customer, song_id, status="failed", timeout=60)

    assert "lyrics writer is unavailable" in failed["error"]
    assert len(stack.openai.completion_requests()) == 1 and stack.suno.requests == []
    assert_one_alert(stack, mailbox, "provider_out_of_credits", "openai:credits", "insufficient_quota")
    wait_until(lambda: song_failure_emails(mailbox, customer.email), timeout=30, message="the customer's email")


def test_the_health_check_shows_suno_credits_and_warns_when_low(fresh):
    stack = fresh
    admin = stack.account(role="admin")

    healthy = stack.client.get("/api/v1/admin/system/health", headers=admin.headers).json
    stack.suno.credits = 12
    low = stack.client.get("/api/v1/admin/system/health", headers=admin.headers).json

    assert healthy["checks"]["audio"] == {**healthy["checks"]["audio"], "ok": True,
                                          "detail": "suno: credits: 1000 credits left (model V5)"}
    assert healthy["checks"]["lyrics"]["ok"]
    assert healthy["checks"]["lyrics"]["detail"] == "openai: key and model: model gpt-4o-mini available"
    assert low["status"] == "degraded" and not low["checks"]["audio"]["ok"]
    assert "12 credits left, below SUNO_CREDITS_WARN (50)" in low["checks"]["audio"]["detail"]


def test_provider_rows_for_the_cli_say_what_an_operator_must_fix(fresh):
    from songcraft.admin import provider_checks

    stack = fresh
    with stack.app.app_context():
        assert [(row.provider, row.check.ok) for row in provider_checks.run("audio") + provider_checks.run("lyrics")] == [
            ("suno", True), ("openai", True)]
        stack.suno.api_key = "rotated"  # our key no longer matches Suno's: as if it had been revoked
        try:
            suno_row, = provider_checks.run("audio")
            openai_row, = provider_checks.run("lyrics")
            printed = provider_checks.table(provider_checks.run_all())
        finally:
            stack.suno.api_key = SUNO_KEY
    assert not suno_row.check.ok and "Suno refused SUNO_API_KEY" in suno_row.check.detail and SUNO_KEY not in suno_row.check.detail
    assert openai_row.check.ok
    assert "audio     suno" in printed and "FAILED" in printed


# --- Lyrics approval, voice and language with the real providers --------------------------------


def wait_for_approval(stack: Stack, account: Account, song_id: str) -> dict:
    def waiting():
        song = account.client.get(f"{SONGS}/{song_id}", headers=account.headers).json
        if song["status"] == "failed":
            pytest.fail(f"song failed: {song['error']}")
        return song if song["waiting_for"] == "approval" else None

    return wait_until(waiting, timeout=60, interval=0.2, message=f"song {song_id} to wait for approval")


def test_suno_gets_no_request_until_the_lyrics_are_approved(fresh, mailbox):
    stack = fresh
    customer = stack.account()
    song_id = stack.start_song(customer, approve_lyrics=True, vocal_style="male")

    waiting = wait_for_approval(stack, customer, song_id)
    assert waiting["lyrics"] and waiting["awaiting_approval"] and len(stack.openai.completion_requests()) == 1
    celery_app = stack.app.extensions["celery"]
    assert celery_app.send_task("songcraft.songs.recover").get(timeout=30) == {"resumed": 0, "requeued": 0, "failed": 0}
    assert celery_app.send_task("songcraft.songs.approve_overdue").get(timeout=30) == 0
    wait_until(lambda: any("ready to review" in m["Subject"] for m in mailbox.to(customer.email)), timeout=30,
               message="the review email")
    assert stack.suno.requests == []  # not a single call: no job, no poll, no credit check

    assert customer.client.post(f"{SONGS}/{song_id}/approve", headers=customer.headers).status_code == 202
    done = wait_for_song(customer.client, customer, song_id, timeout=90)
    [generate] = stack.suno.requests_to(GENERATE_PATH)
    assert generate.json()["vocalGender"] == "m" and generate.json()["prompt"] == waiting["lyrics"]
    assert len(done["takes"]) == 2


def test_a_duet_in_spanish_is_written_in_spanish_and_asked_of_suno_as_a_duet(fresh):
    stack = fresh
    customer = stack.account()
    song_id = stack.start_song(customer, language="es", vocal_style="duet", recipient_name="Aurelia",
                               name_pronunciation="ow-REL-ya")

    done = wait_for_song(customer.client, customer, song_id, timeout=90)

    [completion] = stack.openai.completion_requests()
    user_prompt = completion.json()["messages"][1]["content"]
    assert "Write every line, title included, in Spanish." in user_prompt
    assert "ow-REL-ya" in user_prompt and "a duet of a female and a male singer" in user_prompt
    [generate] = stack.suno.requests_to(GENERATE_PATH)
    assert "vocalGender" not in generate.json() and generate.json()["style"].startswith("duet, male and female vocals")
    assert generate.json()["prompt"] == done["lyrics"]  # as written
    assert (done["language"], done["vocal_style"], done["name_pronunciation"]) == ("es", "duet", "ow-REL-ya")


def test_with_openai_every_language_can_be_written_for_the_customer(fresh):
    languages = fresh.client.get(f"{SONGS}/options").json["languages"]
    assert [language["code"] for language in languages if language["custom_lyrics_only"]] == []
    assert len(languages) == 7
