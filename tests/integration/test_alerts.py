"""Operator alerts: one per cause and hour, listed for admins, emailed once to each ADMIN_ALERT_EMAILS address."""
from __future__ import annotations

import time

from songcraft.alerts.models import Alert
from songcraft.alerts.service import raise_alert
from songcraft.extensions import db

ALERTS = "/api/v1/admin/alerts"
ADMINS = ("ops@example.com", "oncall@example.com")


def test_one_alert_per_cause_and_hour_emailed_once_to_each_admin(app, client, make_account, worker, mailbox):
    with app.app_context():
        assert raise_alert("provider_out_of_credits", "suno:credits", "Suno has no credits left.", {"provider": "suno"}) is True
        db.session.commit()
        for _ in range(3):  # the same cause again within the hour: counted, not emailed
            assert raise_alert("provider_out_of_credits", "suno:credits", "Suno has no credits left.") is False
            db.session.commit()
        assert raise_alert("provider_rejected_key", "openai:key", "OpenAI rejected our API key.") is True
        db.session.commit()
        assert db.session.query(Alert).count() == 2

    for address in ADMINS:
        mails = mailbox.wait_for(address, count=2)
        assert sorted(m["Subject"] for m in mails) == ["SongCraft alert: provider_out_of_credits",
                                                        "SongCraft alert: provider_rejected_key"]
        credits_mail = next(m for m in mails if "credits" in m["Subject"])
        body = credits_mail.get_body(("plain",)).get_content()
        assert "Suno has no credits left." in body and "Top up the account" in body and "provider: suno" in body
    time.sleep(1)  # nothing else arrives
    assert all(len(mailbox.to(address)) == 2 for address in ADMINS)

    admin = make_account(role="admin")
    listed = client.get(ALERTS, headers=admin.headers)
    assert listed.status_code == 200
    assert [(a["kind"], a["occurrences"]) for a in listed.json] == [("provider_rejected_key", 1), ("provider_out_of_credits", 4)]
    assert "Top up the account" in listed.json[1]["action"]
    only_keys = client.get(ALERTS, query_string={"kind": "provider_rejected_key"}, headers=admin.headers).json
    assert [a["cause"] for a in only_keys] == ["openai:key"]
    assert client.get(ALERTS, query_string={"kind": "nonsense"}, headers=admin.headers).status_code == 422


def test_a_failed_song_alerts_the_admins(client, app, make_account, monkeypatch):
    from songcraft.providers.errors import ProviderError
    from songcraft.songs.tasks import STEP_TASKS
    from tests.integration.test_songs import start_song

    class RefusingLyrics:
        name = "refusing"

        def write(self, brief):
            raise ProviderError("The lyrics service refused this story.")

    account = make_account()
    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)  # the steps run here, not in a worker
    song_id = start_song(client, app, account)["id"]
    monkeypatch.setitem(app.extensions, "lyrics_provider", RefusingLyrics())
    with app.app_context():
        assert STEP_TASKS["write_lyrics"].apply(args=[song_id]).get() is False
        alert = db.session.query(Alert).one()
    assert (alert.kind, alert.cause) == ("song_failed", f"song:{song_id}")
    assert "write_lyrics" in alert.message and "refused this story" in alert.message
    assert alert.details["customer"] == account.email
