"""Settings, read once from the environment (and an optional `.env`) and validated at start-up.

Every outside service has a built-in stand-in, so with no settings at all the app runs on
embedded defaults: SQLite, a SQLite-backed Celery broker, local files, console email,
sandbox payments and offline AI. Each `*_PROVIDER` defaults to the real service whose keys
are set, else to the built-in one. A bad or contradictory setting stops start-up with a
message naming the variable.
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Mapping

from dotenv import dotenv_values

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_SECRET_KEY = "dev-secret-key-change-me"  # refused by the production profile
PROFILES = ("development", "testing", "production")

GENRES = ("pop", "rap", "rock", "acoustic", "jazz", "funk", "country", "electropop", "lo-fi", "synthwave", "ballad")
MOODS = ("joyful", "romantic", "emotional", "playful", "ironic", "nostalgic", "epic")


class ConfigError(RuntimeError):
    """A setting is missing, malformed or contradicts another; the message names the variable."""


class _Env:
    """Typed reads from a mapping of raw strings, with errors that name the variable."""

    def __init__(self, values: Mapping[str, str]):
        self.values = values

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        return value.strip() if value is not None and value.strip() != "" else default

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.str(name)
        if value is None:
            return default
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{name} must be true or false, got {value!r}")

    def int(self, name: str, default: int, minimum: int = 0) -> int:
        value = self.str(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"{name} must be an integer, got {value!r}") from None
        if number < minimum:
            raise ConfigError(f"{name} must be at least {minimum}, got {number}")
        return number

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = (self.str(name) or default).lower()
        if value not in choices:
            raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
        return value


def _email_list(env: _Env, name: str) -> list[str]:
    """A comma-separated list of email addresses; each must look like one."""
    addresses = [part.strip() for part in (env.str(name) or "").split(",") if part.strip()]
    for address in addresses:
        if "@" not in address or " " in address or address.startswith("@") or address.endswith("@"):
            raise ConfigError(f"{name} must be comma-separated email addresses, got {address!r}")
    return addresses


def _database_url(env: _Env, data_dir: Path) -> str:
    url = env.str("DATABASE_URL", f"sqlite:///{data_dir / 'songcraft.db'}")
    if url.startswith("postgres://"):  # Heroku-style URLs
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):  # we ship psycopg 3, not psycopg2
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if not url.startswith(("sqlite:", "postgresql+psycopg:")):
        raise ConfigError(f"DATABASE_URL must be a PostgreSQL or SQLite URL, got {url.split(':')[0]!r}")
    return url


def _celery_urls(env: _Env, data_dir: Path, redis_url: str | None) -> tuple[str, str]:
    """Redis when REDIS_URL is set; else a broker and result store in SQLite files, no server needed."""
    broker = env.str("CELERY_BROKER_URL") or redis_url or f"sqla+sqlite:///{data_dir / 'celery-broker.db'}"
    backend = env.str("CELERY_RESULT_BACKEND") or redis_url or f"db+sqlite:///{data_dir / 'celery-results.db'}"
    return broker, backend


def _pick_provider(env: _Env, name: str, real: dict[str, tuple[str, ...]], builtin: str) -> str:
    """The explicit choice, else the first real provider whose keys are all set, else the built-in one."""
    choices = (builtin, *real)
    explicit = env.str(name)
    if explicit:
        chosen = env.choice(name, choices, builtin)
        for key in real.get(chosen, ()):
            if not env.str(key):
                raise ConfigError(f"{name}={chosen} needs {key} to be set")
        return chosen
    for provider, keys in real.items():
        missing = [key for key in keys if not env.str(key)]
        if not missing:
            return provider
        if len(missing) < len(keys):  # half-configured: silently falling back would be a surprise
            raise ConfigError(f"{', '.join(k for k in keys if k not in missing)} set but {missing[0]} missing "
                              f"(set it, or choose with {name})")
    return builtin


def load_config(environ: Mapping[str, str] | None = None) -> dict:
    """Build the Flask config dict from `.env` overlaid with the environment (or `environ`, for tests)."""
    raw = {**dotenv_values(BASE_DIR / ".env"), **(os.environ if environ is None else environ)}
    env = _Env({k: v for k, v in raw.items() if v is not None})

    profile = env.choice("APP_ENV", PROFILES, "development")
    data_dir = Path(env.str("DATA_DIR", str(BASE_DIR / "instance")))
    secret_key = env.str("SECRET_KEY", DEFAULT_SECRET_KEY)
    debug = env.bool("DEBUG", profile == "development")
    if profile == "production":
        if secret_key == DEFAULT_SECRET_KEY or len(secret_key) < 32:
            raise ConfigError("SECRET_KEY must be set to a random value of at least 32 characters in production")
        if debug:
            raise ConfigError("DEBUG must be off in production")

    redis_url = env.str("REDIS_URL")
    broker_url, result_backend = _celery_urls(env, data_dir, redis_url)
    frontend_url = env.str("FRONTEND_URL", "http://localhost:3000").rstrip("/")
    public_url = env.str("PUBLIC_URL", f"http://localhost:{env.int('PORT', 8000)}").rstrip("/")

    config: dict = {
        "APP_ENV": profile,
        "DEBUG": debug,
        "TESTING": profile == "testing",
        "SECRET_KEY": secret_key,
        "DATA_DIR": str(data_dir),
        "PUBLIC_URL": public_url,
        "FRONTEND_URL": frontend_url,
        "MAX_CONTENT_LENGTH": env.int("MAX_UPLOAD_MB", 110, minimum=1) * 1024 * 1024,
        "JSON_SORT_KEYS": False,
        # Database
        "SQLALCHEMY_DATABASE_URI": _database_url(env, data_dir),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Redis and Celery
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": result_backend,
        "CELERY_TASK_SOFT_TIME_LIMIT": env.int("CELERY_TASK_SOFT_TIME_LIMIT", 900, minimum=1),
        "CELERY_TASK_TIME_LIMIT": env.int("CELERY_TASK_TIME_LIMIT", 960, minimum=1),
        # Auth
        "JWT_SECRET_KEY": env.str("JWT_SECRET_KEY", secret_key),
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=env.int("JWT_ACCESS_TOKEN_MINUTES", 15, minimum=1)),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=env.int("JWT_REFRESH_TOKEN_DAYS", 30, minimum=1)),
        "JWT_TOKEN_LOCATION": ["headers"],
        "EMAIL_TOKEN_MAX_AGE": env.int("EMAIL_TOKEN_HOURS", 24, minimum=1) * 3600,
        "PASSWORD_RESET_MAX_AGE": env.int("PASSWORD_RESET_HOURS", 2, minimum=1) * 3600,
        "BCRYPT_ROUNDS": env.int("BCRYPT_ROUNDS", 12, minimum=4),
        # Rate limits (flask-limiter syntax)
        "RATELIMIT_ENABLED": env.bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_LOGIN": env.str("RATELIMIT_LOGIN", "10 per minute"),
        "RATELIMIT_REGISTER": env.str("RATELIMIT_REGISTER", "5 per minute"),
        "RATELIMIT_EMAIL": env.str("RATELIMIT_EMAIL", "3 per minute"),
        # Email
        "EMAIL_PROVIDER": _pick_provider(env, "EMAIL_PROVIDER", {"smtp": ("SMTP_HOST",)}, "console"),
        "MAIL_SERVER": env.str("SMTP_HOST", "localhost"),
        "MAIL_PORT": env.int("SMTP_PORT", 587, minimum=1),
        "MAIL_USERNAME": env.str("SMTP_USERNAME"),
        "MAIL_PASSWORD": env.str("SMTP_PASSWORD"),
        "MAIL_USE_TLS": env.bool("SMTP_USE_TLS", False),
        "MAIL_DEFAULT_SENDER": env.str("FROM_EMAIL", "SongCraft <no-reply@songcraft.local>"),
        "MAIL_SUPPRESS_SEND": False,  # flask-mail would silently drop mail whenever TESTING is on
        # Payments and catalogue
        "PAYMENT_PROVIDER": _pick_provider(
            env,
            "PAYMENT_PROVIDER",
            {
                "lemonsqueezy": ("LEMONSQUEEZY_API_KEY", "LEMONSQUEEZY_STORE_ID", "LEMONSQUEEZY_WEBHOOK_SECRET"),
                "stripe": ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"),
            },
            "sandbox",
        ),
        "LEMONSQUEEZY_API_KEY": env.str("LEMONSQUEEZY_API_KEY"),
        "LEMONSQUEEZY_STORE_ID": env.str("LEMONSQUEEZY_STORE_ID"),
        "LEMONSQUEEZY_WEBHOOK_SECRET": env.str("LEMONSQUEEZY_WEBHOOK_SECRET"),
        "LEMONSQUEEZY_API_URL": env.str("LEMONSQUEEZY_API_URL", "https://api.lemonsqueezy.com/v1"),
        "LEMONSQUEEZY_PRODUCT_ID_AUDIO": env.str("LEMONSQUEEZY_PRODUCT_ID_AUDIO"),
        "LEMONSQUEEZY_PRODUCT_ID_VIDEO": env.str("LEMONSQUEEZY_PRODUCT_ID_VIDEO"),
        "STRIPE_SECRET_KEY": env.str("STRIPE_SECRET_KEY"),
        "STRIPE_WEBHOOK_SECRET": env.str("STRIPE_WEBHOOK_SECRET"),
        "STRIPE_API_URL": env.str("STRIPE_API_URL"),
        "STRIPE_PRICE_ID_AUDIO": env.str("STRIPE_PRICE_ID_AUDIO"),
        "STRIPE_PRICE_ID_VIDEO": env.str("STRIPE_PRICE_ID_VIDEO"),
        "SANDBOX_WEBHOOK_SECRET": env.str("SANDBOX_WEBHOOK_SECRET", f"sandbox:{secret_key}"),
        "PRODUCT_AUDIO_PRICE_CENTS": env.int("PRODUCT_AUDIO_PRICE_CENTS", 1900, minimum=1),
        "PRODUCT_VIDEO_PRICE_CENTS": env.int("PRODUCT_VIDEO_PRICE_CENTS", 2900, minimum=1),
        "PRODUCT_CURRENCY": (env.str("PRODUCT_CURRENCY", "USD")).upper(),
        "ORDER_EXPIRY_HOURS": env.int("ORDER_EXPIRY_HOURS", 24, minimum=1),
        # AI providers
        "LYRICS_PROVIDER": _pick_provider(env, "LYRICS_PROVIDER", {"openai": ("OPENAI_API_KEY",)}, "local"),
        "OPENAI_API_KEY": env.str("OPENAI_API_KEY"),
        "OPENAI_BASE_URL": env.str("OPENAI_BASE_URL"),
        "OPENAI_MODEL": env.str("OPENAI_MODEL", "gpt-4o-mini"),
        "AUDIO_PROVIDER": _pick_provider(env, "AUDIO_PROVIDER", {"suno": ("SUNO_API_KEY",)}, "local"),
        "SUNO_API_KEY": env.str("SUNO_API_KEY"),
        "SUNO_API_URL": env.str("SUNO_API_URL", "https://api.sunoapi.org"),
        "SUNO_MODEL": env.str("SUNO_MODEL", "V4_5"),
        "SUNO_POLL_INTERVAL": float(env.str("SUNO_POLL_INTERVAL", "5")),
        "SUNO_CALLBACK_URL": env.str("SUNO_CALLBACK_URL", f"{public_url}/api/v1/songs/callbacks/suno"),
        "MAX_LYRICS_REWRITES": env.int("MAX_LYRICS_REWRITES", 5),
        "MAX_AUDIO_REGENERATIONS": env.int("MAX_AUDIO_REGENERATIONS", 3),
        # Pipeline leases (see songcraft/songs/lease.py): a running step without a heartbeat for
        # this long is taken over; a step waiting unclaimed this long (doubling) is sent again.
        "SONG_LEASE_SECONDS": env.int("SONG_LEASE_SECONDS", 60, minimum=10),
        "SONG_REQUEUE_MINUTES": env.int("SONG_REQUEUE_MINUTES", 2, minimum=1),
        # Storage
        "STORAGE_PROVIDER": _pick_provider(env, "STORAGE_PROVIDER", {"s3": ("MINIO_ENDPOINT",)}, "local"),
        "STORAGE_DIR": env.str("STORAGE_DIR", str(data_dir / "files")),
        "MINIO_ENDPOINT": env.str("MINIO_ENDPOINT"),
        "MINIO_ACCESS_KEY": env.str("MINIO_ACCESS_KEY"),
        "MINIO_SECRET_KEY": env.str("MINIO_SECRET_KEY"),
        "MINIO_BUCKET_NAME": env.str("MINIO_BUCKET_NAME", "songcraft"),
        "MINIO_SECURE": env.bool("MINIO_SECURE", False),
        "SIGNED_URL_SECONDS": env.int("SIGNED_URL_SECONDS", 900, minimum=1),
        # Docs
        "API_TITLE": "SongCraft API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "api/openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/docs/assets/",
        # Operator alerts (see songcraft/alerts)
        "ADMIN_ALERT_EMAILS": _email_list(env, "ADMIN_ALERT_EMAILS"),
        # Flower
        "FLOWER_BASIC_AUTH": env.str("FLOWER_BASIC_AUTH", "admin:admin"),
    }
    if env.str("SONG_STUCK_MINUTES"):
        raise ConfigError("SONG_STUCK_MINUTES is no longer read: stalled songs are resumed when their lease lapses (SONG_LEASE_SECONDS)")
    if profile == "production" and config["FLOWER_BASIC_AUTH"] == "admin:admin":
        raise ConfigError("FLOWER_BASIC_AUTH must be set to user:password in production")
    if profile == "production" and config["PAYMENT_PROVIDER"] == "sandbox":
        raise ConfigError("PAYMENT_PROVIDER must be lemonsqueezy or stripe in production (sandbox payments are free)")
    if profile == "production" and not config["ADMIN_ALERT_EMAILS"]:
        raise ConfigError("ADMIN_ALERT_EMAILS must name at least one address in production, or alerts would reach nobody")
    if profile == "production" and config["EMAIL_PROVIDER"] == "console":
        raise ConfigError("SMTP_HOST must be set in production: the console sender would write sign-in links to the logs")
    return config
