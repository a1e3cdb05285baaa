"""The unauthenticated Suno callback (issue 12 §4): a secret in its URL, a 64 KB body limit, a rate limit.

Each attack is refused before the callback's service code runs, which is what "changes nothing" means here.
"""
from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

CALLBACK = "/api/v1/songs/callbacks/suno"
PAYLOAD = {"code": 200, "msg": "ok", "data": {"callbackType": "complete", "task_id": "t-1", "data": []}}


@pytest.fixture
def handled(monkeypatch):
    """The payloads that reached the callback's service function."""
    calls = []
    monkeypatch.setattr("songcraft.songs.routes.service.note_audio_callback", lambda payload: calls.append(payload) or "received")
    return calls


def test_the_url_given_to_suno_carries_a_secret_derived_from_the_key(app):
    url = app.config["SUNO_CALLBACK_URL"]
    secret = app.config["SUNO_CALLBACK_SECRET"]
    assert url == f"http://localhost{CALLBACK}/{secret}" and len(secret) == 32 and secret not in app.config["SECRET_KEY"]


def test_the_right_secret_reaches_the_service(client, app, handled):
    response = client.post(urlsplit(app.config["SUNO_CALLBACK_URL"]).path, json=PAYLOAD)
    assert response.status_code == 200 and response.json == {"status": "received"}
    assert handled == [PAYLOAD]


def test_a_wrong_or_missing_secret_changes_nothing(client, app, handled):
    secret = app.config["SUNO_CALLBACK_SECRET"]
    for path in (f"{CALLBACK}/{'0' * 32}", f"{CALLBACK}/{secret[:-1]}", f"{CALLBACK}/{secret}x", CALLBACK, f"{CALLBACK}/"):
        response = client.post(path, json=PAYLOAD)
        assert response.status_code in (404, 405) and response.json["code"] == response.status_code, path
    assert handled == []


def test_a_body_over_64_kb_is_413_before_it_is_read(client, app, handled, caplog):
    path = urlsplit(app.config["SUNO_CALLBACK_URL"]).path
    huge = json.dumps({**PAYLOAD, "data": {**PAYLOAD["data"], "callbackType": "x" * 5_000_000}})  # the audit's 5 MB value
    with caplog.at_level("DEBUG"):
        response = client.post(path, data=huge, content_type="application/json")
    assert response.status_code == 413 and response.json["code"] == 413
    assert handled == []
    assert max(len(record.getMessage()) + len(str(record.__dict__)) for record in caplog.records) < 10_000  # nothing big logged
    assert client.post(path, data=json.dumps(PAYLOAD).ljust(60_000), content_type="application/json").status_code == 200


def test_callbacks_are_rate_limited(client, app, handled, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_CALLBACK", "3 per minute")
    path = urlsplit(app.config["SUNO_CALLBACK_URL"]).path
    statuses = [client.post(path if n % 2 else f"{CALLBACK}/guess-{n}", json=PAYLOAD).status_code for n in range(3)]
    assert statuses == [404, 200, 404]
    limited = client.post(path, json=PAYLOAD)  # guesses count too: brute force is throttled with the rest
    assert limited.status_code == 429 and limited.json["code"] == 429 and int(limited.headers["Retry-After"]) > 0
    assert len(handled) == 1


def test_the_secret_is_kept_out_of_the_access_log(client, app, caplog):
    with caplog.at_level("INFO", logger="songcraft.access"):
        client.post(urlsplit(app.config["SUNO_CALLBACK_URL"]).path, json=PAYLOAD)
    assert [record.path for record in caplog.records if hasattr(record, "path")] == [f"{CALLBACK}/***"]
