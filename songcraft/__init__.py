"""SongCraft: the backend of an AI-powered personalized song platform."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from flask import Flask

from config import load_config
from songcraft.common.json_provider import OrjsonProvider
from songcraft.errors import register_error_handlers
from songcraft.extensions import api, cors, db, jwt, limiter, mail, migrate
from songcraft.observability import configure_logging, init_request_tracing


def _revocation_store(app: Flask):
    from songcraft.auth.revocation import DatabaseRevocationStore, RedisRevocationStore

    if app.config["REDIS_URL"]:
        import redis

        client = redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2)
        app.extensions["redis"] = client
        return RedisRevocationStore(client)
    return DatabaseRevocationStore()


def create_app(environ: Mapping[str, str] | None = None) -> Flask:
    """Build the app from the environment (or `environ`, which tests pass explicitly)."""
    config = load_config(environ)
    configure_logging("DEBUG" if config["DEBUG"] else "INFO")
    Path(config["DATA_DIR"]).mkdir(parents=True, exist_ok=True)

    app = Flask(__name__)
    app.json = OrjsonProvider(app)
    app.config.update(config)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    jwt.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    cors.init_app(app, resources={r"/api/*": {"origins": [app.config["FRONTEND_URL"]]}},
                  expose_headers=["X-Request-ID", "X-Pagination", "Retry-After"])
    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})

    from songcraft import models  # noqa: F401  (registers every model with SQLAlchemy)
    from songcraft.admin.routes import blp as admin_blp
    from songcraft.auth.access import init_jwt_callbacks
    from songcraft.auth.routes import blp as auth_blp
    from songcraft.celery_app import celery_init_app
    from songcraft.cli import register_cli
    from songcraft.docs import bp as docs_bp
    from songcraft.files.routes import blp as files_api_blp
    from songcraft.files.serve import bp as files_bp
    from songcraft.health import bp as health_bp
    from songcraft.orders.routes import blp as orders_blp
    from songcraft.orders.sandbox import bp as sandbox_bp
    from songcraft.providers import init_providers
    from songcraft.songs.routes import blp as songs_blp

    app.extensions["revocation_store"] = _revocation_store(app)
    init_jwt_callbacks()
    init_providers(app)
    celery_init_app(app)
    init_request_tracing(app)
    register_error_handlers(app)
    register_cli(app)

    app.register_blueprint(health_bp)
    app.register_blueprint(docs_bp)
    app.register_blueprint(sandbox_bp)
    app.register_blueprint(files_bp)
    for blueprint in (auth_blp, orders_blp, songs_blp, files_api_blp, admin_blp):
        api.register_blueprint(blueprint)
    return app
