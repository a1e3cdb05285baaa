"""SongCraft: the backend of an AI-powered personalized song platform."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import load_config
from songcraft.common.connections import ping_when_idle
from songcraft.common.json_provider import OrjsonProvider
from songcraft.errors import register_error_handlers
from songcraft.extensions import api, cors, db, jwt, limiter, mail, migrate
from songcraft.observability import configure_logging, init_request_tracing
from songcraft.security import init_security


def _revocation_store(app: Flask):
    from songcraft.auth.revocation import DatabaseRevocationStore, RedisRevocationStore

    if app.config["REDIS_URL"]:
        import redis

        client = redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2)
        app.extensions["redis"] = client
        return RedisRevocationStore(client)
    return DatabaseRevocationStore()


def _trust_proxies(app: Flask) -> None:
    """Behind `TRUSTED_PROXIES` reverse proxies, take the client's address and scheme from the
    X-Forwarded-For/-Proto entries those proxies appended (and nothing a client wrote before
    them), so rate limits key on the real client. With 0, the headers are ignored."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def create_app(environ: Mapping[str, str] | None = None) -> Flask:
    """Build the app from the environment (or `environ`, which tests pass explicitly)."""
    config = load_config(environ)
    configure_logging(config["LOG_LEVEL"], config["LOG_FORMAT"])
    Path(config["DATA_DIR"]).mkdir(parents=True, exist_ok=True)

    app = Flask(__name__)
    app.json = OrjsonProvider(app)
    app.config.update(config)
    _trust_proxies(app)

    db.init_app(app)
    with app.app_context():
        ping_when_idle(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    jwt.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    cors.init_app(app, resources={r"/api/*": {"origins": [app.config["FRONTEND_URL"]]}},
                  expose_headers=["X-Request-ID", "X-Pagination", "Retry-After"])
    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})

    from songcraft import models  # noqa: F401  (registers every model with SQLAlchemy)
    from songcraft.account_pages.pages import bp as account_pages_bp
    from songcraft.admin.routes import blp as admin_blp
    from songcraft.auth.access import init_jwt_callbacks
    from songcraft.auth.routes import blp as auth_blp
    from songcraft.celery_app import celery_init_app
    from songcraft.cli import register_cli
    from songcraft.docs import bp as docs_bp
    from songcraft.files.routes import blp as files_api_blp
    from songcraft.files.serve import bp as files_bp
    from songcraft.finishing.routes import blp as song_files_blp
    from songcraft.gifts.pages import bp as gift_pages_bp
    from songcraft.gifts.routes import blp as gifts_blp
    from songcraft.health import bp as health_bp
    from songcraft.orders.routes import blp as orders_blp
    from songcraft.orders.sandbox import bp as sandbox_bp
    from songcraft.privacy.routes import blp as privacy_blp
    from songcraft.providers import init_providers
    from songcraft.songs.routes import blp as songs_blp

    app.extensions["revocation_store"] = _revocation_store(app)
    init_jwt_callbacks()
    init_providers(app)
    celery_init_app(app)
    init_request_tracing(app)
    init_security(app)
    register_error_handlers(app)
    register_cli(app)

    app.register_blueprint(health_bp)
    app.register_blueprint(docs_bp)
    app.register_blueprint(sandbox_bp)
    app.register_blueprint(files_bp)
    app.register_blueprint(gift_pages_bp)
    app.register_blueprint(account_pages_bp)
    for blueprint in (auth_blp, orders_blp, songs_blp, song_files_blp, gifts_blp, files_api_blp, admin_blp, privacy_blp):
        api.register_blueprint(blueprint)
    return app
