"""Lyrics approval end to end on a real worker with the offline providers: the song stops at
`lyrics_ready` for review, the customer edits, asks for a rewrite and approves, or the beat
approves for them; and every 404/409 rule. (That Suno is never called before the approval is
proved against the Suno fake in test_real_providers.py.)"""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from songcraft.common.db import utcnow
from tests.conftest import wait_until
from tests.integration.test_pipeline import song_row, update_song
from tests.integration.test_songs import SONGS, start_song, wait_for_song

REVIEW_SUBJECT = "are ready to review"
AUTO_SUBJECT = "We went ahead with the lyrics"


def at_the_gate(client, account, song_id) -> dict:
    def waiting():
        song = client.get(f"{SONGS}/{song_id}", headers=account.headers).json
        if song["status"] == "failed":
            pytest.fail(f"song failed: {song['error']}")
        return song if song["waiting_for"] == "approval" else None

    return wait_until(waiting, timeout=60, interval=0.2, message=f"song {song_id} to wait for approval")


def subjects(mailbox, address: str, words: str) -> list:
    return [message for message in mailbox.to(address) if words in message["Subject"]]


def run_on_worker(app, task_name: str):
    """Send a task by name to the session's worker and wait for its result."""
    return app.extensions["celery"].send_task(task_name).get(timeout=30)


def test_the_song_stops_for_review_then_goes_on_with_the_approved_lyrics(client, app, make_account, worker, mailbox):
    account = make_account()
    created = start_song(client, app, account, approve_lyrics=True)
    assert (created["approve_lyrics"], created["awaiting_approval"], created["waiting_for"]) == (True, False, None)
    assert created["remaining_steps"] == ["write_lyrics", "compose_audio", "deliver"]

    song = at_the_gate(client, account, created["id"])
    assert (song["status"], song["awaiting_approval"], song["remaining_steps"]) == ("lyrics_ready", True, ["compose_audio", "deliver"])
    assert song["takes"] == [] and song["audio_url"] is None and song["lyrics_approved_at"] is None
    due_in = song_row(app, song["id"]).approval_due_at - utcnow()
    assert timedelta(hours=71, minutes=59) < due_in <= timedelta(hours=72)
    mailbox.wait_for(account.email, count=2)  # the order's confirmation, then the review
    [review] = subjects(mailbox, account.email, REVIEW_SUBJECT)
    body = review.get_body(("plain",)).get_content()
    assert song["lyrics"].splitlines()[1] in body and f"/songs/{song['id']}" in body

    row = song_row(app, song["id"])
    assert (row.lease_holder, row.lease_expires_at) == (None, None)  # no deadline for the recovery sweep to find
    assert run_on_worker(app, "songcraft.songs.recover") == {"resumed": 0, "requeued": 0, "failed": 0}
    assert run_on_worker(app, "songcraft.songs.approve_overdue") == 0  # not due for 72 hours
    assert client.get(f"{SONGS}/{song['id']}", headers=account.headers).json["waiting_for"] == "approval"

    refused = client.post(f"{SONGS}/{song['id']}/generate-audio", headers=account.headers)
    assert refused.status_code == 409 and "approve" in refused.json["message"]
    edit = "[Verse]\nMaya, the Lisbon night is ours\n[Chorus]\nDance with me, Maya, badly and for hours"
    edited = client.put(f"{SONGS}/{song['id']}/lyrics", json={"lyrics": edit}, headers=account.headers)
    assert edited.status_code == 200 and edited.json["awaiting_approval"] and edited.json["waiting_for"] == "approval"

    approved = client.post(f"{SONGS}/{song['id']}/approve", headers=account.headers)
    assert approved.status_code == 202, approved.json
    assert (approved.json["awaiting_approval"], approved.json["waiting_for"]) == (False, None)
    assert approved.json["lyrics_approved_at"] and approved.json["approval_due_at"] is None
    done = wait_for_song(client, account, song["id"])
    assert done["lyrics"] == edit and len(done["takes"]) == 1 and done["remaining_steps"] == []

    twice = client.post(f"{SONGS}/{song['id']}/approve", headers=account.headers)
    assert twice.status_code == 409 and twice.json["message"] == "These lyrics are already approved."
    assert len(subjects(mailbox, account.email, "is ready")) == 1
    assert len(subjects(mailbox, account.email, REVIEW_SUBJECT)) == 1 and not subjects(mailbox, account.email, AUTO_SUBJECT)


def test_a_rewrite_keeps_the_song_awaiting_approval_and_a_new_review_email_comes(client, app, make_account, worker, mailbox):
    account = make_account()
    first = at_the_gate(client, account, start_song(client, app, account, approve_lyrics=True)["id"])

    rewriting = client.post(f"{SONGS}/{first['id']}/generate-lyrics", headers=account.headers)
    assert rewriting.status_code == 202
    assert rewriting.json["awaiting_approval"] and rewriting.json["waiting_for"] is None
    assert rewriting.json["remaining_steps"] == ["write_lyrics", "compose_audio", "deliver"]
    assert rewriting.json["approval_due_at"] is None  # the deadline starts again with the new lyrics

    second = at_the_gate(client, account, first["id"])
    assert second["lyrics_rewrites"] == 1 and second["lyrics"] != first["lyrics"] and second["awaiting_approval"]
    assert second["remaining_steps"] == ["compose_audio", "deliver"] and second["takes"] == []
    wait_until(lambda: len(subjects(mailbox, account.email, REVIEW_SUBJECT)) == 2, timeout=30, message="the second review email")
    assert client.post(f"{SONGS}/{first['id']}/approve", headers=account.headers).status_code == 202
    assert wait_for_song(client, account, first["id"])["lyrics"] == second["lyrics"]


def test_lyrics_nobody_approves_are_approved_by_the_beat_which_says_so(client, app, make_account, worker, mailbox):
    account = make_account()
    overdue = at_the_gate(client, account, start_song(client, app, account, approve_lyrics=True)["id"])
    patient = at_the_gate(client, account, start_song(client, app, account, approve_lyrics=True)["id"])
    update_song(app, overdue["id"], approval_due_at=utcnow() - timedelta(seconds=1))

    assert run_on_worker(app, "songcraft.songs.approve_overdue") == 1
    assert run_on_worker(app, "songcraft.songs.approve_overdue") == 0  # a second beat finds nothing to do

    done = wait_for_song(client, account, overdue["id"])
    assert done["lyrics_approved_at"] and done["lyrics"] == overdue["lyrics"] and len(done["takes"]) == 1
    assert client.get(f"{SONGS}/{patient['id']}", headers=account.headers).json["waiting_for"] == "approval"
    [told] = wait_until(lambda: subjects(mailbox, account.email, AUTO_SUBJECT), timeout=30, message="the automatic approval email")
    assert "72 hours" in told.get_body(("plain",)).get_content() and overdue["title"] in told["Subject"]
    assert run_on_worker(app, "songcraft.songs.approve_overdue") == 0
    assert len(subjects(mailbox, account.email, AUTO_SUBJECT)) == 1


def test_approval_refuses_what_it_cannot_approve(client, app, make_account, monkeypatch):
    """The steps are not sent (no worker), so each song stays exactly where the test puts it."""
    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)
    owner, stranger = make_account(), make_account()

    plain = start_song(client, app, owner)
    refused = client.post(f"{SONGS}/{plain['id']}/approve", headers=owner.headers)
    assert refused.status_code == 409 and "without lyrics approval" in refused.json["message"]

    song = start_song(client, app, owner, approve_lyrics=True)
    writing = client.post(f"{SONGS}/{song['id']}/approve", headers=owner.headers)
    assert writing.status_code == 409 and "not ready to approve" in writing.json["message"]
    assert client.post(f"{SONGS}/{song['id']}/approve", headers=stranger.headers).status_code == 404
    assert client.post(f"{SONGS}/{uuid.uuid4()}/approve", headers=owner.headers).status_code == 404

    update_song(app, song["id"], status="lyrics_ready", plan=["compose_audio", "deliver"], lyrics="[Verse]\nMaya",
                lease_expires_at=None)
    assert client.post(f"{SONGS}/{song['id']}/approve", headers=stranger.headers).status_code == 404
    assert client.post(f"{SONGS}/{song['id']}/approve", headers=owner.headers).status_code == 202
    assert song_row(app, song["id"]).lyrics_approved_at is not None


@pytest.mark.parametrize("contradiction", [{"instrumental": True},
                                           {"custom_lyrics": "[Verse]\nMaya, these are my very own words"}])
def test_only_lyrics_we_write_can_wait_for_approval(client, app, make_account, contradiction):
    from tests.integration.test_songs import brief, paid_order

    account = make_account()
    order = paid_order(client, app, account)
    response = client.post(f"{SONGS}/", json=brief(order, approve_lyrics=True, **contradiction), headers=account.headers)
    assert response.status_code == 422 and "approve_lyrics" in response.json["errors"]["json"]
    assert client.post(f"{SONGS}/", json=brief(order, **contradiction), headers=account.headers).status_code == 202  # order unused


def test_the_openapi_document_describes_approval(client):
    document = client.get("/api/openapi.json").json
    create = document["components"]["schemas"]["SongCreate"]["properties"]
    assert create["approve_lyrics"]["default"] is False and create["approve_lyrics"]["example"] is True
    song = document["components"]["schemas"]["Song"]["properties"]
    assert {"awaiting_approval", "approval_due_at", "lyrics_approved_at", "approve_lyrics"} <= set(song)
    approve = document["paths"]["/api/v1/songs/{song_id}/approve"]["post"]
    assert {"202", "404", "409"} <= set(approve["responses"])
