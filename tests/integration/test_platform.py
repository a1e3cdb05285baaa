"""The platform around the features: error shape, request ids, health probes, docs, CLI, migrations."""
from __future__ import annotations

import json

import sqlalchemy as sa


def assert_error_shape(response, code: int):
    assert response.status_code == code
    assert response.is_json
    body = response.json
    assert body["code"] == code and isinstance(body["status"], str) and isinstance(body["message"], str)
    return body


def test_unknown_route_is_404_in_the_error_shape(client):
    assert_error_shape(client.get("/api/v1/nothing-here"), 404)


def test_wrong_method_is_405_in_the_error_shape(client):
    assert_error_shape(client.delete("/api/v1/auth/login"), 405)


def test_malformed_json_is_400_in_the_error_shape(client):
    response = client.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    assert_error_shape(response, 400)


def test_too_large_body_is_413_in_the_error_shape(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    body = json.dumps({"email": "a@b.co", "password": "x" * 5000})
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert_error_shape(response, 413)


def test_unexpected_errors_are_500_in_the_error_shape_without_details(client, monkeypatch):
    from songcraft.auth import service

    def boom(email):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service, "find_by_email", boom)
    response = client.post("/api/v1/auth/resend-verification", json={"email": "a@example.com"})
    body = assert_error_shape(response, 500)
    assert "secret internals" not in body["message"]


def test_request_id_is_echoed_or_generated(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "bad id!"}).headers["X-Request-ID"] != "bad id!"


def test_healthz_touches_nothing(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_readyz_reports_database_and_broker(client, app, monkeypatch):
    assert client.get("/readyz").status_code == 200
    celery = app.extensions["celery"]
    monkeypatch.setattr(celery.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(celery, "_pool", None, raising=False)
    down = client.get("/readyz")
    assert down.status_code == 503 and "broker" in down.json["errors"]


def test_openapi_document_and_offline_swagger_ui(client):
    spec = client.get("/api/openapi.json").json
    assert spec["info"]["title"] == "SongCraft API"
    assert "/api/v1/auth/login" in spec["paths"] and "bearerAuth" in spec["components"]["securitySchemes"]
    page = client.get("/docs").get_data(as_text=True)
    assert "/docs/assets/swagger-ui-bundle.js" in page and "/api/openapi.json" in page
    asset = client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000


def test_cors_allows_the_frontend_only(client):
    allowed = client.get("/api/v1/auth/me", headers={"Origin": "http://frontend.test"})
    assert allowed.headers.get("Access-Control-Allow-Origin") == "http://frontend.test"
    other = client.get("/api/v1/auth/me", headers={"Origin": "http://evil.test"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_create_admin_cli_creates_and_promotes(app, client, make_account):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "boss@example.com", "--password", "super-secret-1"])
    assert result.exit_code == 0, result.output
    login = client.post("/api/v1/auth/login", json={"email": "boss@example.com", "password": "super-secret-1"})
    assert login.status_code == 200 and login.json["user"]["role"] == "admin"

    existing = make_account(verified=False)
    assert runner.invoke(args=["create-admin", existing.email, "--password", "another-secret"]).exit_code == 0
    promoted = client.post("/api/v1/auth/login", json={"email": existing.email, "password": "another-secret"})
    assert promoted.json["user"]["role"] == "admin" and promoted.json["user"]["is_verified"] is True
    assert runner.invoke(args=["create-admin", "x@example.com", "--password", "short"]).exit_code != 0


def test_migrations_run_up_and_down(app, services):
    """Upgrade to head, downgrade to base and up again on a scratch database of the same kind."""
    from flask_migrate import downgrade, upgrade

    from songcraft import create_app

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    engine = sa.create_engine(url)
    scratch = f"songcraft_migrations_{__import__('secrets').token_hex(3)}"
    if engine.dialect.name == "postgresql":
        admin = sa.create_engine(sa.engine.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{scratch}"'))
        scratch_url = sa.engine.make_url(url).set(database=scratch).render_as_string(hide_password=False)
    else:
        scratch_url = f"sqlite:///{app.config['DATA_DIR']}/{scratch}.db"
    try:
        scratch_app = create_app({"APP_ENV": "testing", "DATABASE_URL": scratch_url, "DATA_DIR": app.config["DATA_DIR"]})
        with scratch_app.app_context():
            from songcraft.extensions import db

            upgrade()
            tables = set(sa.inspect(db.engine).get_table_names())
            assert {"users", "refresh_tokens", "outbox_emails"} <= tables
            downgrade(revision="base")
            assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            assert "users" in sa.inspect(db.engine).get_table_names()
            db.engine.dispose()
    finally:
        app.extensions["celery"].set_current()  # creating the scratch app made its Celery the current one
        app.extensions["celery"].set_default()
        if engine.dialect.name == "postgresql":
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
