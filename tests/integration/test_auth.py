"""Accounts and authentication end to end: HTTP in-process, emails through a real worker and SMTP."""
from __future__ import annotations

import re

import pytest

API = "/api/v1/auth"


def _link_token(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"token=([\w.\-]+)", body).group(1)


@pytest.fixture
def registered(client, worker, mailbox):
    """Register a new account and return (email, password, verification token from the email)."""
    email, password = "ada@example.com", "s3cret-passw0rd"
    response = client.post(f"{API}/register", json={"email": email, "password": password, "full_name": "Ada"})
    assert response.status_code == 201, response.json
    messages = mailbox.wait_for(email)
    return email, password, _link_token(messages[-1])


def test_register_verify_login_refresh_logout_journey(client, registered, mailbox):
    email, password, token = registered
    message = mailbox.to(email)[-1]
    assert message["Subject"] == "Confirm your email for SongCraft"
    assert message.get_body(preferencelist=("html",)) is not None

    assert client.post(f"{API}/login", json={"email": email, "password": password}).status_code == 403

    verified = client.get(f"{API}/verify-email/{token}")
    assert verified.status_code == 200
    assert verified.json["user"]["is_verified"] is True

    login = client.post(f"{API}/login", json={"email": email.upper(), "password": password})
    assert login.status_code == 200
    body = login.json
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["user"]["email"] == email and body["user"]["role"] == "user"

    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json["full_name"] == "Ada"

    refreshed = client.post(f"{API}/refresh", headers={"Authorization": f"Bearer {body['refresh_token']}"})
    assert refreshed.status_code == 200
    new_access = refreshed.json["access_token"]
    assert refreshed.json["refresh_token"] != body["refresh_token"]

    assert client.post(f"{API}/logout", headers={"Authorization": f"Bearer {new_access}"}).status_code == 204
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {new_access}"}).status_code == 401
    after_logout = client.post(f"{API}/refresh", headers={"Authorization": f"Bearer {refreshed.json['refresh_token']}"})
    assert after_logout.status_code == 401


def test_register_response_matches_contract(client, worker):
    response = client.post(f"{API}/register", json={"email": "Grace@Example.com", "password": "longenough"})
    assert response.status_code == 201
    assert set(response.json) >= {"id", "email", "full_name", "is_verified", "role", "created_at"}
    assert response.json["email"] == "grace@example.com"
    assert response.json["is_verified"] is False and response.json["role"] == "user"


def test_registering_an_existing_email_answers_like_a_new_account_and_emails_the_owner(client, app, make_account, worker, mailbox):
    verified, unverified = make_account(), make_account(verified=False)
    fresh = client.post(f"{API}/register", json={"email": "new-person@example.com", "password": "longenough", "full_name": "Ada"})
    again = client.post(f"{API}/register", json={"email": verified.email.upper(), "password": "longenough", "full_name": "Ada"})
    assert fresh.status_code == again.status_code == 201
    assert set(fresh.json) == set(again.json) and again.json["id"] != verified.id
    assert {k: again.json[k] for k in ("email", "full_name", "is_verified", "role")} == \
        {"email": verified.email, "full_name": "Ada", "is_verified": False, "role": "user"}

    owner_mail = mailbox.wait_for(verified.email)[0]
    assert owner_mail["Subject"] == "You already have a SongCraft account"
    assert "http://frontend.test/forgot-password" in owner_mail.get_body(("plain",)).get_content()
    assert client.post(f"{API}/register", json={"email": unverified.email, "password": "longenough"}).status_code == 201
    assert "verify-email?token=" in mailbox.wait_for(unverified.email)[0].get_body(("plain",)).get_content()
    with app.app_context():
        from songcraft.auth.models import User
        from songcraft.extensions import db

        assert db.session.query(User).filter(User.email == verified.email).one().full_name == "Test User"  # unchanged
        assert db.session.query(User).count() == 3  # the two accounts and the new one: nothing created twice
    # Trying again within the hour queues no second email to the owner.
    assert client.post(f"{API}/register", json={"email": verified.email, "password": "longenough"}).status_code == 201
    with app.app_context():
        from songcraft.notifications.models import OutboxEmail

        assert db.session.query(OutboxEmail).filter(OutboxEmail.to == verified.email).count() == 1


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"email": "not-an-email", "password": "longenough"}, "email"),
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"email": "a@example.com", "password": "x" * 129}, "password"),
        ({"password": "longenough"}, "email"),
    ],
)
def test_register_validation_errors(client, payload, field):
    response = client.post(f"{API}/register", json=payload)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    assert response.json["status"] == "Unprocessable Entity"


def test_verification_token_is_single_use_and_checked(client, registered):
    _, _, token = registered
    assert client.get(f"{API}/verify-email/{token}").status_code == 200
    reused = client.get(f"{API}/verify-email/{token}")
    assert reused.status_code == 400 and "already been used" in reused.json["message"]
    assert client.get(f"{API}/verify-email/{token[:-3]}abc").status_code == 400


def test_verification_token_expires(client, app, registered, monkeypatch):
    _, _, token = registered
    monkeypatch.setitem(app.config, "EMAIL_TOKEN_MAX_AGE", -1)
    response = client.get(f"{API}/verify-email/{token}")
    assert response.status_code == 400 and "expired" in response.json["message"]


def test_resend_verification_sends_a_new_link_and_hides_unknown_emails(client, registered, mailbox):
    email, _, _ = registered
    assert client.post(f"{API}/resend-verification", json={"email": email}).status_code == 202
    mailbox.wait_for(email, count=2)
    unknown = client.post(f"{API}/resend-verification", json={"email": "nobody@example.com"})
    assert unknown.status_code == 202
    assert unknown.json["message"] == client.post(f"{API}/resend-verification", json={"email": email}).json["message"]


def test_login_failures_share_one_message(client, make_account):
    account = make_account(login=False)
    wrong_password = client.post(f"{API}/login", json={"email": account.email, "password": "wrong-password"})
    unknown = client.post(f"{API}/login", json={"email": "ghost@example.com", "password": "wrong-password"})
    assert wrong_password.status_code == unknown.status_code == 401
    assert wrong_password.json["message"] == unknown.json["message"]


def test_unverified_user_cannot_log_in(client, make_account):
    account = make_account(verified=False)
    response = client.post(f"{API}/login", json={"email": account.email, "password": account.password})
    assert response.status_code == 403 and "verify" in response.json["message"]


def test_reusing_a_rotated_refresh_token_revokes_the_family(client, make_account):
    account = make_account()
    first_refresh = account.tokens["refresh_token"]
    rotated = client.post(f"{API}/refresh", headers={"Authorization": f"Bearer {first_refresh}"})
    assert rotated.status_code == 200

    replay = client.post(f"{API}/refresh", headers={"Authorization": f"Bearer {first_refresh}"})
    assert replay.status_code == 401
    # The thief's replay also kills the legitimate holder's newer tokens.
    newest = client.post(f"{API}/refresh", headers={"Authorization": f"Bearer {rotated.json['refresh_token']}"})
    assert newest.status_code == 401
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {rotated.json['access_token']}"}).status_code == 401


def test_access_token_cannot_refresh_and_refresh_token_cannot_access(client, make_account):
    account = make_account()
    assert client.post(f"{API}/refresh", headers=account.headers).status_code == 401
    refresh_headers = {"Authorization": f"Bearer {account.tokens['refresh_token']}"}
    assert client.get(f"{API}/me", headers=refresh_headers).status_code == 401


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not.a.jwt", "Basic abc"])
def test_bad_authorization_headers_get_401_in_the_error_shape(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get(f"{API}/me", headers=headers)
    assert response.status_code == 401
    assert response.json["code"] == 401 and response.json["status"] == "Unauthorized" and response.json["message"]


def test_update_profile(client, make_account):
    account = make_account()
    response = client.patch(f"{API}/me", json={"full_name": "Ada Lovelace"}, headers=account.headers)
    assert response.status_code == 200 and response.json["full_name"] == "Ada Lovelace"
    assert client.patch(f"{API}/me", json={"full_name": ""}, headers=account.headers).status_code == 422


def test_forgot_and_reset_password(client, make_account, worker, mailbox):
    account = make_account()
    assert client.post(f"{API}/password/forgot", json={"email": account.email}).status_code == 202
    assert client.post(f"{API}/password/forgot", json={"email": "ghost@example.com"}).status_code == 202
    token = _link_token(mailbox.wait_for(account.email)[-1])

    response = client.post(f"{API}/password/reset", json={"token": token, "password": "brand-new-password"})
    assert response.status_code == 200
    assert client.post(f"{API}/password/reset", json={"token": token, "password": "another-password"}).status_code == 400
    # Every session is logged out, and only the new password works.
    assert client.get(f"{API}/me", headers=account.headers).status_code == 401
    assert client.post(f"{API}/login", json={"email": account.email, "password": account.password}).status_code == 401
    assert client.post(f"{API}/login", json={"email": account.email, "password": "brand-new-password"}).status_code == 200
    assert mailbox.to("ghost@example.com") == []


def test_change_password_revokes_other_sessions_only(client, make_account):
    account = make_account()
    other_session = dict(account.login().tokens)
    this_session = account.login().tokens
    headers = {"Authorization": f"Bearer {this_session['access_token']}"}

    wrong = client.post(f"{API}/password/change", json={"current_password": "nope", "new_password": "new-password-1"}, headers=headers)
    assert wrong.status_code == 401
    response = client.post(
        f"{API}/password/change", json={"current_password": account.password, "new_password": "new-password-1"}, headers=headers
    )
    assert response.status_code == 200
    assert client.get(f"{API}/me", headers=headers).status_code == 200
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {other_session['access_token']}"}).status_code == 401
    other_refresh = client.post(f"{API}/refresh", headers={"Authorization": f"Bearer {other_session['refresh_token']}"})
    assert other_refresh.status_code == 401


def test_deactivated_user_is_locked_out_at_once(client, app, make_account):
    from songcraft.auth.models import User
    from songcraft.extensions import db

    account = make_account()
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=account.email))
        user.is_active = False
        db.session.commit()
    for path in (f"{API}/me", "/api/v1/songs/", "/api/v1/orders/"):  # the lists read the account as a row: the same check
        assert client.get(path, headers=account.headers).status_code == 401, path
    response = client.post(f"{API}/login", json={"email": account.email, "password": account.password})
    assert response.status_code == 403


def test_login_is_rate_limited_with_retry_after(client, app):
    limit = int(app.config["RATELIMIT_LOGIN"].split()[0])
    statuses = [
        client.post(f"{API}/login", json={"email": "ghost@example.com", "password": "whatever1"}).status_code for _ in range(limit)
    ]
    assert set(statuses) == {401}
    limited = client.post(f"{API}/login", json={"email": "ghost@example.com", "password": "whatever1"})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.json["code"] == 429 and limited.json["status"] == "Too Many Requests"


@pytest.mark.parametrize("path, payload", [
    ("/register", {"email": "x@example.com", "password": "short"}),
    ("/password/forgot", {"email": "x@example.com"}),
    ("/resend-verification", {"email": "x@example.com"}),
])
def test_other_sensitive_endpoints_are_rate_limited(client, app, path, payload):
    responses = [client.post(f"{API}{path}", json=payload).status_code for _ in range(12)]
    assert 429 in responses


def test_a_lone_surrogate_in_a_password_is_not_a_500(client, make_account):
    account = make_account(login=False)
    response = client.post(f"{API}/login", json={"email": account.email, "password": "abcdefgh\ud800"})
    assert response.status_code == 401


def test_link_tokens_are_not_written_to_the_access_log(client, caplog):
    with caplog.at_level("INFO", logger="songcraft.access"):
        client.get(f"{API}/verify-email/secret-token-value")
    paths = [record.path for record in caplog.records if hasattr(record, "path")]
    assert paths == ["/api/v1/auth/verify-email/***"]
