"""Headers and leaks (issue 12 §6, §8): security headers on every page, safe file serving, a quiet /readyz."""
from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from itsdangerous import URLSafeTimedSerializer

from tests.integration.test_orders import buy


def csp_directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def assert_html_page_is_locked_down(response) -> str:
    """Checks the headers every HTML page must carry; returns the page's nonce."""
    assert response.status_code == 200 and response.mimetype == "text/html"
    directives = csp_directives(response)
    nonce = re.fullmatch(r"'self' 'nonce-([A-Za-z0-9_-]{20,})'", directives["script-src"]).group(1)
    assert directives["default-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert directives["style-src"] == f"'self' 'nonce-{nonce}'" and "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    return nonce


def test_swagger_ui_page_has_a_strict_policy_and_no_inline_script(client):
    response = client.get("/docs")
    assert_html_page_is_locked_down(response)
    page = response.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # every script is a file
    assert client.get("/static/swagger-start.js").mimetype in ("text/javascript", "application/javascript")


def test_sandbox_checkout_styles_carry_the_nonce_of_their_response(client, make_account):
    account = make_account()
    checkout = urlsplit(buy(client, account)["payment_url"])
    first = client.get(f"{checkout.path}?{checkout.query}")
    nonce = assert_html_page_is_locked_down(first)
    assert f'<style nonce="{nonce}">' in first.get_data(as_text=True)
    second = client.get(f"{checkout.path}?{checkout.query}")
    assert assert_html_page_is_locked_down(second) != nonce  # one nonce per response


def test_media_may_come_from_the_storage_origin(client, app, monkeypatch):
    from songcraft.providers.storage_s3 import S3Storage

    assert "http://localhost" in csp_directives(client.get("/docs"))["media-src"]  # local storage: PUBLIC_URL
    monkeypatch.setitem(app.extensions, "storage", S3Storage("bucket", "files.example.com:9000", "key", "secret", secure=True))
    directives = csp_directives(client.get("/docs"))
    assert directives["media-src"] == "'self' https://files.example.com:9000"
    assert directives["img-src"] == "'self' data: https://files.example.com:9000"


def test_json_answers_are_not_sniffed_either(client):
    response = client.get("/api/v1/orders/products")
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["Referrer-Policy"] == "no-referrer"
    assert "Content-Security-Policy" not in response.headers  # nothing to run in JSON


def _signed(app, payload: dict) -> str:
    """A /files/ token, signed as an attacker holding SECRET_KEY would sign it."""
    signer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="songcraft.storage.local-file-url")
    return f"/files/{signer.dumps(payload)}"


def test_files_go_out_with_a_safe_type_and_a_disposition(client, app):
    storage = app.extensions["storage"]
    storage.put("users/u/songs/s/takes/1.mp3", b"ID3 not really", "audio/mpeg")
    storage.put("users/u/songs/s/page.html", b"<script>alert(1)</script>", "text/html")

    download = client.get(urlsplit(storage.url("users/u/songs/s/takes/1.mp3", 60, download_name="Maya's song.mp3")).path)
    assert download.mimetype == "audio/mpeg" and download.headers["Content-Disposition"].startswith("attachment;")
    assert "Maya" in download.headers["Content-Disposition"] and download.headers["X-Content-Type-Options"] == "nosniff"
    inline = client.get(urlsplit(storage.url("users/u/songs/s/takes/1.mp3", 60)).path)
    assert inline.mimetype == "audio/mpeg" and inline.headers["Content-Disposition"].startswith("inline;")
    for name in ("page.html", None):
        html = client.get(urlsplit(storage.url("users/u/songs/s/page.html", 60, download_name=name)).path)
        assert html.status_code == 200 and html.mimetype == "application/octet-stream"
        assert html.headers["Content-Disposition"].startswith("attachment;" if name else "inline;")
    forged_name = client.get(_signed(app, {"k": "users/u/songs/s/takes/1.mp3", "n": "x.html", "e": time.time() + 60}))
    assert forged_name.mimetype == "audio/mpeg" and forged_name.headers["Content-Disposition"].startswith("attachment;")


def test_a_forged_file_key_with_dot_dot_is_404_not_500(client, app):
    for payload in ({"k": "../../etc/passwd", "n": None, "e": time.time() + 60},
                    {"k": "users/../../secret", "n": "a.txt", "e": time.time() + 60},
                    {"k": "users/u/x.mp3"},  # no expiry
                    ["not", "a", "dict"]):
        response = client.get(_signed(app, payload))
        assert response.status_code == 404 and response.json["code"] == 404, payload
    assert client.get("/files/not-even-signed").status_code == 404


def test_anonymous_readyz_says_what_is_down_but_not_why(client, app, monkeypatch):
    celery = app.extensions["celery"]
    monkeypatch.setattr(celery.conf, "broker_url", "redis://secret-broker-host.internal:1/0")
    monkeypatch.setattr(celery, "_pool", None, raising=False)
    down = client.get("/readyz")
    assert down.status_code == 503 and down.json["errors"] == {"broker": "unavailable"}
    body = down.get_data(as_text=True)
    assert "secret-broker-host" not in body and "Error" not in body and "refused" not in body.lower()
