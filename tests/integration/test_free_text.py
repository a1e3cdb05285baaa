"""Control characters (issue 12 §5): refused where text comes in, cleaned where it goes out, and an email
that cannot be sent after its retries becomes an alert for the admins, without looping."""
from __future__ import annotations

import uuid

import pytest

from songcraft.alerts.models import Alert
from songcraft.extensions import db
from songcraft.notifications.models import OutboxEmail
from songcraft.notifications.service import MAX_ATTEMPTS, deliver, render
from tests.integration.test_songs import SONGS, brief, paid_order

ADMINS = ("ops@example.com", "oncall@example.com")


@pytest.mark.parametrize("field, value", [
    ("title", "Happy\nBirthday"),
    ("recipient_name", "Maya\r\nBcc: everyone@example.com"),
    ("occasion", "birthday\u202e"),
    ("story", "A story that is long enough\x00 to pass."),
])
def test_a_song_brief_with_control_characters_is_422_and_creates_nothing(client, app, make_account, monkeypatch, field, value):
    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)
    account = make_account()
    order = paid_order(client, app, account)
    response = client.post(f"{SONGS}/", json=brief(order, **{field: value}), headers=account.headers)
    assert response.status_code == 422 and list(response.json["errors"]["json"]) == [field]
    assert client.get(f"{SONGS}/", headers=account.headers).json == []
    accepted = client.post(f"{SONGS}/", json=brief(order, story="Line one of the story.\nLine two."), headers=account.headers)
    assert accepted.status_code == 202


def test_names_with_line_breaks_are_refused(client, make_account):
    account = make_account()
    assert client.patch("/api/v1/auth/me", json={"full_name": "Ada\nLovelace"}, headers=account.headers).status_code == 422
    register = client.post("/api/v1/auth/register", json={"email": "x@example.com", "password": "longenough", "full_name": "A\rB"})
    assert register.status_code == 422 and "full_name" in register.json["errors"]["json"]
    assert client.patch("/api/v1/auth/me", json={"full_name": "Ada Lovelace 👩‍💻"}, headers=account.headers).status_code == 200


def test_a_subject_is_one_line_even_when_a_provider_wrote_the_title(app):
    email = OutboxEmail(to="a@example.com", template="song_ready", context={
        "title": "Happy\r\nBcc: everyone@example.com\nBirthday", "name": "Maya", "song_url": "u", "audio_link": "a"})
    with app.test_request_context():
        subject, _, _ = render(email)
    assert subject == "Your song “Happy Bcc: everyone@example.com Birthday” is ready"


def _outbox_email(template: str, to: str, attempts: int) -> str:
    email_id = uuid.uuid4()
    db.session.add(OutboxEmail(id=email_id, to=to, template=template, attempts=attempts,
                               context={"kind": "song_failed", "message": "m", "action": "a", "details": {}, "alert_id": "x",
                                        "name": "Maya", "link": "l", "token": "t"}))
    db.session.commit()
    return str(email_id)


class Refusing:
    def send(self, **message):
        raise ConnectionRefusedError("SMTP refused the connection")


def test_an_email_given_up_on_alerts_the_admins_once(app, worker, mailbox, monkeypatch):
    with app.app_context():
        customer = _outbox_email("verify_email", "customer@example.com", attempts=MAX_ATTEMPTS - 2)
        monkeypatch.setitem(app.extensions, "email_sender", Refusing())
        with pytest.raises(ConnectionRefusedError):
            deliver(customer)  # not the last attempt yet: a retry follows, no alert
        assert db.session.query(Alert).count() == 0
        with pytest.raises(ConnectionRefusedError):
            deliver(customer)  # the last attempt
        alert = db.session.query(Alert).one()
        assert (alert.kind, alert.cause, alert.details["template"]) == ("email_undeliverable", "email:customer@example.com", "verify_email")
        assert "SMTP refused" in alert.details["error"]
        assert deliver(customer) is False  # given up: a late retry neither sends nor alerts again
        assert db.session.query(Alert).count() == 1
    for address in ADMINS:  # the alert's emails go out through the real worker and SMTP
        assert mailbox.wait_for(address)[0]["Subject"] == "SongCraft alert: email_undeliverable"


def test_an_alert_email_given_up_on_is_logged_not_alerted_again(app, monkeypatch, caplog):
    with app.app_context():
        alert_email = _outbox_email("admin_alert", ADMINS[0], attempts=MAX_ATTEMPTS - 1)
        monkeypatch.setitem(app.extensions, "email_sender", Refusing())
        emails_before = db.session.query(OutboxEmail).count()
        with caplog.at_level("ERROR"), pytest.raises(ConnectionRefusedError):
            deliver(alert_email)
        assert db.session.query(Alert).count() == 0 and db.session.query(OutboxEmail).count() == emails_before
        assert any(record.getMessage() == "an alert email could not be sent" for record in caplog.records)
