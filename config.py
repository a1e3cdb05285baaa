"""Settings, read once from the environment (and an optional `.env`) and validated at start-up.

Every outside service has a built-in stand-in, so with no settings at all the app runs on
embedded defaults: SQLite, a SQLite-backed Celery broker, local files, console email,
sandbox payments and offline AI. Each `*_PROVIDER` defaults to the real service whose keys
are set, else to the built-in one. A bad or contradictory setting stops start-up with a
message naming the variable.

`APP_ENV` is production unless it says `development` or `testing`, and production refuses
every development stand-in that would be unsafe there: the public or a short `SECRET_KEY`,
Flower's development password, sandbox payments, console email, MinIO's default keys.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Mapping

from dotenv import dotenv_values

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_SECRET_KEY = "dev-secret-key-change-me"  # public: refused unless APP_ENV is development or testing
MIN_SECRET_KEY_LENGTH = 32
PROFILES = ("development", "testing", "production")
DEV_PUBLIC_URL = "http://localhost:8000"
LOG_LEVELS = ("debug", "info", "warning", "error")
DEV_FLOWER_BASIC_AUTH = "admin:admin"  # what `make flower` and docker-compose.dev.yml use
DEV_STORAGE_CREDENTIAL = "minioadmin"  # MinIO's default, used by docker-compose.dev.yml

GENRES = ("pop", "rap", "rock", "acoustic", "jazz", "funk", "country", "electropop", "lo-fi", "synthwave", "ballad")
MOODS = ("joyful", "romantic", "emotional", "playful", "ironic", "nostalgic", "epic")
# The languages a song can be in (ISO 639-1 code: English name). The offline synthesizer sings each;
# which ones the lyrics provider can write is its own `languages`.
LANGUAGES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese",
             "uk": "Ukrainian"}
# sunoapi.org's current models; each one's field limits are in songcraft/providers/audio/suno_payload.py.
SUNO_MODELS = ("V4", "V4_5", "V4_5PLUS", "V4_5ALL", "V5", "V5_5")


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

    def float(self, name: str, default: float, minimum: float) -> float:
        value = self.str(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise ConfigError(f"{name} must be a number, got {value!r}") from None
        if not minimum <= number < float("inf"):  # also refuses nan
            raise ConfigError(f"{name} must be a number of at least {minimum}, got {value!r}")
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


def _discount_codes(env: _Env, name: str) -> dict[str, int]:
    """`CODE=percent` pairs, comma-separated (`WELCOME10=10,FRIEND=25`): codes of 3-64 letters, digits
    or dashes (stored upper-case), percents from 1 to 100."""
    codes = {}
    for pair in filter(None, (part.strip() for part in (env.str(name) or "").split(","))):
        code, _, percent = pair.partition("=")
        code = code.strip().upper()
        if not (3 <= len(code) <= 64 and code.replace("-", "").isalnum() and code.isascii()):
            raise ConfigError(f"{name} must be CODE=percent pairs with codes of 3-64 letters, digits or dashes, got {pair!r}")
        if not percent.strip().isdigit() or not 1 <= int(percent) <= 100:
            raise ConfigError(f"{name} must give each code a percent from 1 to 100, got {pair!r}")
        codes[code] = int(percent)
    return codes


# The provider ids of each product, which a real payment provider cannot work without.
CATALOGUE_ID_SETTINGS = {
    "lemonsqueezy": ("LEMONSQUEEZY_PRODUCT_ID_AUDIO", "LEMONSQUEEZY_PRODUCT_ID_VIDEO"),
    "stripe": ("STRIPE_PRICE_ID_AUDIO", "STRIPE_PRICE_ID_VIDEO"),
}


def _require_catalogue_ids(env: _Env, provider: str) -> None:
    """Every product needs its Lemon Squeezy variant id (a number) or Stripe price id."""
    for name in CATALOGUE_ID_SETTINGS.get(provider, ()):
        value = env.str(name)
        if not value:
            raise ConfigError(f"PAYMENT_PROVIDER={provider} needs {name} to be set (the id that charges this product)")
        if provider == "lemonsqueezy" and not value.isdigit():
            raise ConfigError(f"{name} must be a Lemon Squeezy variant id (a number), got {value!r}")


def _suno_model(env: _Env) -> str:
    model = env.str("SUNO_MODEL", "V4_5")
    if model not in SUNO_MODELS:
        raise ConfigError(f"SUNO_MODEL must be one of {', '.join(SUNO_MODELS)}, got {model!r}")
    return model


def _host_list(env: _Env, name: str) -> frozenset[str]:
    return frozenset(part.strip().lower() for part in (env.str(name) or "").split(",") if part.strip())


def _basic_auth(env: _Env, name: str) -> str | None:
    """`user:password` (Flower's format). The app itself does not use it; the flower process of the
    Procfile refuses to start without it, and production refuses the development one."""
    value = env.str(name)
    if value is None:
        return None
    user, _, password = value.partition(":")
    if not user or not password or "," in value:
        raise ConfigError(f"{name} must be user:password")
    return value


def _url_secret(env: _Env, name: str, secret_key: str) -> str:
    """A secret for a URL we hand out (e.g. to Suno): the setting, else derived from SECRET_KEY."""
    value = env.str(name) or hmac.new(secret_key.encode(), f"songcraft:{name}".encode(), hashlib.sha256).hexdigest()[:32]
    if len(value) < 16 or not re.fullmatch(r"[A-Za-z0-9_-]+", value):
        raise ConfigError(f"{name} must be at least 16 letters, digits, '-' or '_'")
    return value


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

    profile = env.choice("APP_ENV", PROFILES, "production")
    data_dir = Path(env.str("DATA_DIR", str(BASE_DIR / "instance")))
    secret_key = env.str("SECRET_KEY", DEFAULT_SECRET_KEY)
    jwt_secret_key = env.str("JWT_SECRET_KEY", secret_key)
    if profile == "production":
        why = "APP_ENV is production" if env.str("APP_ENV") else "APP_ENV is not set, so it is production"
        _refuse_weak_key("SECRET_KEY", secret_key, why)
        _refuse_weak_key("JWT_SECRET_KEY", jwt_secret_key, why)
    debug = env.bool("DEBUG", profile == "development")

    redis_url = env.str("REDIS_URL")
    broker_url, result_backend = _celery_urls(env, data_dir, redis_url)
    # Never derived from PORT: under honcho every process has a PORT of its own, and the links a
    # worker writes into an email must point at the web process.
    public_url = env.str("PUBLIC_URL", DEV_PUBLIC_URL if profile != "production" else None)
    if public_url is None:
        raise ConfigError("PUBLIC_URL must be set in production: the address customers reach the API at "
                          "(links in emails, the checkout, provider callbacks)")
    if not public_url.startswith(("http://", "https://")):
        raise ConfigError(f"PUBLIC_URL must start with http:// or https://, got {public_url!r}")
    public_url = public_url.rstrip("/")
    # Without a frontend of its own, the app serves the pages the emails link to (songcraft/account_pages).
    frontend_url = (env.str("FRONTEND_URL") or public_url).rstrip("/")
    callback_secret = _url_secret(env, "SUNO_CALLBACK_SECRET", secret_key)

    config: dict = {
        "APP_ENV": profile,
        "DEBUG": debug,
        "TESTING": profile == "testing",
        "SECRET_KEY": secret_key,
        "DATA_DIR": str(data_dir),
        "PUBLIC_URL": public_url,
        "FRONTEND_URL": frontend_url,
        # Logging and the network in front of the app
        "LOG_LEVEL": env.choice("LOG_LEVEL", LOG_LEVELS, "info").upper(),
        "LOG_FORMAT": env.choice("LOG_FORMAT", ("json", "text"), "text" if profile == "development" else "json"),
        "TRUSTED_PROXIES": env.int("TRUSTED_PROXIES", 0, minimum=0),
        "MAX_CONTENT_LENGTH": 1024 * 1024,  # routes that take more (photo uploads) or less say so: common/guards.py
        "JSON_SORT_KEYS": False,
        # Database
        "SQLALCHEMY_DATABASE_URI": _database_url(env, data_dir),
        # Redis and Celery
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": result_backend,
        "CELERY_TASK_SOFT_TIME_LIMIT": env.int("CELERY_TASK_SOFT_TIME_LIMIT", 900, minimum=1),
        "CELERY_TASK_TIME_LIMIT": env.int("CELERY_TASK_TIME_LIMIT", 960, minimum=1),
        # Auth
        "JWT_SECRET_KEY": jwt_secret_key,
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
        "RATELIMIT_CALLBACK": env.str("RATELIMIT_CALLBACK", "120 per minute"),
        "RATELIMIT_DATA_EXPORT": env.str("RATELIMIT_DATA_EXPORT", "3 per hour"),
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
        "SANDBOX_DISCOUNT_CODES": _discount_codes(env, "SANDBOX_DISCOUNT_CODES"),
        "PRODUCT_AUDIO_PRICE_CENTS": env.int("PRODUCT_AUDIO_PRICE_CENTS", 1900, minimum=1),
        "PRODUCT_VIDEO_PRICE_CENTS": env.int("PRODUCT_VIDEO_PRICE_CENTS", 2900, minimum=1),
        "PRODUCT_CURRENCY": (env.str("PRODUCT_CURRENCY", "USD")).upper(),
        "ORDER_EXPIRY_HOURS": env.int("ORDER_EXPIRY_HOURS", 24, minimum=1),
        # AI providers
        "LYRICS_PROVIDER": _pick_provider(env, "LYRICS_PROVIDER", {"openai": ("OPENAI_API_KEY",)}, "local"),
        "OPENAI_API_KEY": env.str("OPENAI_API_KEY"),
        "OPENAI_BASE_URL": env.str("OPENAI_BASE_URL"),
        "OPENAI_MODEL": env.str("OPENAI_MODEL", "gpt-4o-mini"),
        # Content safety (songcraft/moderation): OpenAI's moderation endpoint with a key, else the word list.
        "MODERATION_PROVIDER": _pick_provider(env, "MODERATION_PROVIDER", {"openai": ("OPENAI_API_KEY",)}, "wordlist"),
        "OPENAI_MODERATION_MODEL": env.str("OPENAI_MODERATION_MODEL", "omni-moderation-latest"),
        "AUDIO_PROVIDER": _pick_provider(env, "AUDIO_PROVIDER", {"suno": ("SUNO_API_KEY",)}, "local"),
        "SUNO_API_KEY": env.str("SUNO_API_KEY"),
        "SUNO_API_URL": env.str("SUNO_API_URL", "https://api.sunoapi.org"),
        "SUNO_MODEL": _suno_model(env),
        "SUNO_CREDITS_WARN": env.int("SUNO_CREDITS_WARN", 100),
        "PROVIDER_PRIVATE_HOSTS": _host_list(env, "PROVIDER_PRIVATE_HOSTS"),
        "SUNO_POLL_INTERVAL": env.float("SUNO_POLL_INTERVAL", 5.0, minimum=0.1),
        "SUNO_CALLBACK_SECRET": callback_secret,
        "SUNO_CALLBACK_URL": env.str("SUNO_CALLBACK_URL", f"{public_url}/api/v1/songs/callbacks/suno").rstrip("/")
        + f"/{callback_secret}",
        "MAX_LYRICS_REWRITES": env.int("MAX_LYRICS_REWRITES", 5),
        "MAX_AUDIO_REGENERATIONS": env.int("MAX_AUDIO_REGENERATIONS", 3),
        # Lyrics a customer asked to approve are approved automatically after this long without an answer.
        "LYRICS_APPROVAL_HOURS": env.int("LYRICS_APPROVAL_HOURS", 72, minimum=1),
        "SONG_ARTIST_NAME": env.str("SONG_ARTIST_NAME", "SongCraft"),  # the artist tag (TPE1) of delivered files
        # The rendered video's short side in pixels: 1280×720 or 1920×1080 (on its side for 9:16).
        "VIDEO_RESOLUTION": int(env.choice("VIDEO_RESOLUTION", ("720", "1080"), "720")),
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
        # The customer's data export (songcraft/privacy): how long its emailed link works (S3 allows at most 168).
        "DATA_EXPORT_LINK_HOURS": env.int("DATA_EXPORT_LINK_HOURS", 24, minimum=1),
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
        "FLOWER_BASIC_AUTH": _basic_auth(env, "FLOWER_BASIC_AUTH"),
    }
    if env.str("SONG_STUCK_MINUTES"):
        raise ConfigError("SONG_STUCK_MINUTES is no longer read: stalled songs are resumed when their lease lapses (SONG_LEASE_SECONDS)")
    if config["DATA_EXPORT_LINK_HOURS"] > 168:
        raise ConfigError("DATA_EXPORT_LINK_HOURS may be at most 168: a signed S3 link lives at most 7 days")
    if profile == "production":
        _refuse_development_settings(config)
    _require_catalogue_ids(env, config["PAYMENT_PROVIDER"])
    return config


def _refuse_weak_key(name: str, value: str, why: str) -> None:
    if value == DEFAULT_SECRET_KEY:
        problem = f"{name} is not set (or is the public development key)"
    elif len(value) < MIN_SECRET_KEY_LENGTH:
        problem = f"{name} is only {len(value)} characters long"
    else:
        return
    raise ConfigError(f"{problem} and {why}: set {name} to a random value of at least {MIN_SECRET_KEY_LENGTH} "
                      "characters (python3 -c 'import secrets; print(secrets.token_urlsafe(48))'), "
                      "or set APP_ENV=development on a development machine")


def _refuse_development_settings(config: dict) -> None:
    """Production refuses every built-in stand-in that would be unsafe or silently wrong there."""
    if config["DEBUG"]:
        raise ConfigError("DEBUG must be off in production")
    if config["FLOWER_BASIC_AUTH"] == DEV_FLOWER_BASIC_AUTH:
        raise ConfigError(f"FLOWER_BASIC_AUTH must not be the development {DEV_FLOWER_BASIC_AUTH} in production")
    if config["PAYMENT_PROVIDER"] == "sandbox":
        raise ConfigError("PAYMENT_PROVIDER must be lemonsqueezy or stripe in production (sandbox payments are free)")
    if not config["ADMIN_ALERT_EMAILS"]:
        raise ConfigError("ADMIN_ALERT_EMAILS must name at least one address in production, or alerts would reach nobody")
    if config["EMAIL_PROVIDER"] == "console":
        raise ConfigError("SMTP_HOST must be set in production: the console sender would write sign-in links to the logs")
    if config["PROVIDER_PRIVATE_HOSTS"]:
        raise ConfigError("PROVIDER_PRIVATE_HOSTS must be empty in production: provider downloads may only reach public hosts")
    for name in ("MINIO_ACCESS_KEY", "MINIO_SECRET_KEY") if config["STORAGE_PROVIDER"] == "s3" else ():
        if config[name] in (None, DEV_STORAGE_CREDENTIAL):
            raise ConfigError(f"{name} must be set in production, and not to MinIO's public default "
                              f"({DEV_STORAGE_CREDENTIAL}), when files are stored in S3/MinIO")
