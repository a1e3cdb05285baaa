"""Configuration is read from the environment, validated once, and names the culprit when wrong."""
import pytest

from config import DEFAULT_SECRET_KEY, ConfigError, load_config

STRONG_KEY = "k" * 40
STRIPE_PRICES = {"STRIPE_PRICE_ID_AUDIO": "price_audio", "STRIPE_PRICE_ID_VIDEO": "price_video"}
LEMONSQUEEZY_KEYS = {"LEMONSQUEEZY_API_KEY": "k", "LEMONSQUEEZY_STORE_ID": "1", "LEMONSQUEEZY_WEBHOOK_SECRET": "wh"}
DEV = {"APP_ENV": "development"}
# Everything production asks for; each test below leaves one out or gets one wrong.
PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": STRONG_KEY, "PUBLIC_URL": "https://songs.example.com",
              "FLOWER_BASIC_AUTH": "ops:pw", "SMTP_HOST": "mail", "MINIO_ENDPOINT": "minio:9000",
              "MINIO_ACCESS_KEY": "songcraft-files", "MINIO_SECRET_KEY": "a-long-random-secret",
              "STRIPE_SECRET_KEY": "sk", "STRIPE_WEBHOOK_SECRET": "wh", **STRIPE_PRICES,
              "ADMIN_ALERT_EMAILS": "ops@example.com, cto@example.com"}


def without(*names, **changes) -> dict:
    return {**{k: v for k, v in PRODUCTION.items() if k not in names}, **changes}


def test_embedded_defaults_need_no_services(tmp_path):
    config = load_config({**DEV, "DATA_DIR": str(tmp_path)})
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["CELERY_BROKER_URL"].startswith("sqla+sqlite:///")
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert (config["EMAIL_PROVIDER"], config["PAYMENT_PROVIDER"], config["STORAGE_PROVIDER"]) == ("console", "sandbox", "local")
    assert (config["LYRICS_PROVIDER"], config["AUDIO_PROVIDER"]) == ("local", "local")


def test_services_from_urls():
    config = load_config({**DEV, "DATABASE_URL": "postgres://u@db/x", "REDIS_URL": "redis://r:6379/0"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/x"
    assert config["CELERY_BROKER_URL"] == config["CELERY_RESULT_BACKEND"] == "redis://r:6379/0"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://r:6379/0"


def test_celery_urls_can_be_overridden():
    config = load_config({**DEV, "REDIS_URL": "redis://r/0", "CELERY_BROKER_URL": "redis://b/1"})
    assert config["CELERY_BROKER_URL"] == "redis://b/1" and config["CELERY_RESULT_BACKEND"] == "redis://r/0"


def test_real_providers_are_chosen_when_their_keys_are_set():
    config = load_config({**DEV, "SMTP_HOST": "mail", "OPENAI_API_KEY": "sk", "SUNO_API_KEY": "s", "MINIO_ENDPOINT": "minio:9000",
                          "STRIPE_SECRET_KEY": "sk", "STRIPE_WEBHOOK_SECRET": "wh",
                          **STRIPE_PRICES})
    assert (config["EMAIL_PROVIDER"], config["LYRICS_PROVIDER"], config["AUDIO_PROVIDER"]) == ("smtp", "openai", "suno")
    assert (config["STORAGE_PROVIDER"], config["PAYMENT_PROVIDER"]) == ("s3", "stripe")


@pytest.mark.parametrize(
    "environ, variable",
    [
        ({}, "SECRET_KEY"),  # APP_ENV unset is production
        ({"SECRET_KEY": DEFAULT_SECRET_KEY}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short-for-production"}, "SECRET_KEY"),
        (without("SECRET_KEY"), "SECRET_KEY"),
        (without(SECRET_KEY=DEFAULT_SECRET_KEY), "SECRET_KEY"),
        (without(JWT_SECRET_KEY="short"), "JWT_SECRET_KEY"),
        (without(DEBUG="true"), "DEBUG"),
        (without("PUBLIC_URL"), "PUBLIC_URL"),
        (without(FLOWER_BASIC_AUTH="admin:admin"), "FLOWER_BASIC_AUTH"),
        (without("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"), "PAYMENT_PROVIDER"),
        (without("SMTP_HOST"), "SMTP_HOST"),
        (without("ADMIN_ALERT_EMAILS"), "ADMIN_ALERT_EMAILS"),
        (without(MINIO_ENDPOINT="minio:9000", MINIO_ACCESS_KEY="minioadmin", MINIO_SECRET_KEY="minioadmin"), "MINIO_ACCESS_KEY"),
        (without("MINIO_SECRET_KEY"), "MINIO_SECRET_KEY"),
        ({**DEV, "ADMIN_ALERT_EMAILS": "ops@example.com, not-an-address"}, "ADMIN_ALERT_EMAILS"),
        ({**DEV, "LEMONSQUEEZY_API_KEY": "k", "LEMONSQUEEZY_STORE_ID": "1"}, "LEMONSQUEEZY_WEBHOOK_SECRET"),
        ({"APP_ENV": "staging"}, "APP_ENV"),
        ({**DEV, "DEBUG": "maybe"}, "DEBUG"),
        ({**DEV, "SMTP_PORT": "abc"}, "SMTP_PORT"),
        ({**DEV, "DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({**DEV, "PAYMENT_PROVIDER": "paypal"}, "PAYMENT_PROVIDER"),
        ({**DEV, "PAYMENT_PROVIDER": "stripe"}, "STRIPE_SECRET_KEY"),
        ({**DEV, "EMAIL_PROVIDER": "smtp"}, "SMTP_HOST"),
        ({**DEV, "LYRICS_PROVIDER": "openai"}, "OPENAI_API_KEY"),
        ({**DEV, "SUNO_POLL_INTERVAL": "soon"}, "SUNO_POLL_INTERVAL"),
        ({**DEV, "SUNO_POLL_INTERVAL": "0"}, "SUNO_POLL_INTERVAL"),
        ({**DEV, "SUNO_POLL_INTERVAL": "nan"}, "SUNO_POLL_INTERVAL"),
        ({**DEV, "TRUSTED_PROXIES": "-1"}, "TRUSTED_PROXIES"),
        ({**DEV, "LOG_LEVEL": "chatty"}, "LOG_LEVEL"),
        ({**DEV, "LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({**DEV, "PUBLIC_URL": "localhost:8000"}, "PUBLIC_URL"),
        ({**DEV, "FLOWER_BASIC_AUTH": "admin"}, "FLOWER_BASIC_AUTH"),
        ({**DEV, "STRIPE_SECRET_KEY": "sk", "STRIPE_WEBHOOK_SECRET": "wh", "STRIPE_PRICE_ID_AUDIO": "price_a"}, "STRIPE_PRICE_ID_VIDEO"),
        ({**DEV, **LEMONSQUEEZY_KEYS, "LEMONSQUEEZY_PRODUCT_ID_VIDEO": "222"}, "LEMONSQUEEZY_PRODUCT_ID_AUDIO"),
        ({**DEV, **LEMONSQUEEZY_KEYS, "LEMONSQUEEZY_PRODUCT_ID_AUDIO": "111", "LEMONSQUEEZY_PRODUCT_ID_VIDEO": "   "},
         "LEMONSQUEEZY_PRODUCT_ID_VIDEO"),
        ({**DEV, **LEMONSQUEEZY_KEYS, "LEMONSQUEEZY_PRODUCT_ID_AUDIO": "audio", "LEMONSQUEEZY_PRODUCT_ID_VIDEO": "222"},
         "LEMONSQUEEZY_PRODUCT_ID_AUDIO"),
        ({**DEV, "SANDBOX_DISCOUNT_CODES": "WELCOME10=10,BROKEN"}, "SANDBOX_DISCOUNT_CODES"),
        ({**DEV, "SANDBOX_DISCOUNT_CODES": "FREE=101"}, "SANDBOX_DISCOUNT_CODES"),
        ({**DEV, "SANDBOX_DISCOUNT_CODES": "A=10"}, "SANDBOX_DISCOUNT_CODES"),
        ({**DEV, "SANDBOX_DISCOUNT_CODES": "NO SPACE=10"}, "SANDBOX_DISCOUNT_CODES"),
        ({**DEV, "SONG_LEASE_SECONDS": "5"}, "SONG_LEASE_SECONDS"),
        ({**DEV, "SONG_REQUEUE_MINUTES": "0"}, "SONG_REQUEUE_MINUTES"),
        ({**DEV, "LYRICS_APPROVAL_HOURS": "0"}, "LYRICS_APPROVAL_HOURS"),
        ({**DEV, "LYRICS_APPROVAL_HOURS": "three days"}, "LYRICS_APPROVAL_HOURS"),
        ({**DEV, "VIDEO_RESOLUTION": "480"}, "VIDEO_RESOLUTION"),
        ({**DEV, "VIDEO_RESOLUTION": "1080p"}, "VIDEO_RESOLUTION"),
        ({**DEV, "SONG_STUCK_MINUTES": "30"}, "SONG_STUCK_MINUTES"),  # gone: recovery follows the lease now
    ],
)
def test_bad_settings_fail_naming_the_variable(environ, variable):
    with pytest.raises(ConfigError, match=variable):
        load_config(environ)


def test_production_with_proper_settings_starts():
    config = load_config(PRODUCTION)
    assert config["DEBUG"] is False and config["APP_ENV"] == "production"
    assert config["ADMIN_ALERT_EMAILS"] == ["ops@example.com", "cto@example.com"]
    assert (config["LOG_LEVEL"], config["LOG_FORMAT"], config["TRUSTED_PROXIES"]) == ("INFO", "json", 0)
    assert load_config(without("FLOWER_BASIC_AUTH"))["FLOWER_BASIC_AUTH"] is None  # only the flower process needs it


def test_app_env_unset_is_production_and_says_so():
    with pytest.raises(ConfigError) as refused:
        load_config({})
    message = str(refused.value)
    assert "APP_ENV is not set, so it is production" in message and "APP_ENV=development" in message
    assert load_config(without("APP_ENV"))["APP_ENV"] == "production"


@pytest.mark.parametrize("profile", ["development", "testing"])
def test_development_and_testing_accept_the_default_key(profile):
    config = load_config({"APP_ENV": profile})
    assert config["SECRET_KEY"] == DEFAULT_SECRET_KEY and config["APP_ENV"] == profile


def test_public_url_is_never_taken_from_port():
    """Under a Procfile runner every process has its own PORT; links must name the web process."""
    assert load_config({**DEV, "PORT": "8522"})["PUBLIC_URL"] == "http://localhost:8000"
    assert load_config({**DEV, "PORT": "8522", "PUBLIC_URL": "http://127.0.0.1:8422/"})["PUBLIC_URL"] == "http://127.0.0.1:8422"


def test_logging_and_proxy_settings():
    assert load_config(DEV)["LOG_FORMAT"] == "text" and load_config({"APP_ENV": "testing"})["LOG_FORMAT"] == "json"
    config = load_config({**DEV, "LOG_LEVEL": "debug", "LOG_FORMAT": "JSON", "TRUSTED_PROXIES": "2", "SUNO_POLL_INTERVAL": "2.5"})
    assert (config["LOG_LEVEL"], config["LOG_FORMAT"], config["TRUSTED_PROXIES"]) == ("DEBUG", "json", 2)
    assert config["SUNO_POLL_INTERVAL"] == 2.5


def test_sandbox_discount_codes_are_code_percent_pairs():
    config = load_config({**DEV, "SANDBOX_DISCOUNT_CODES": " welcome10=10, FRIEND-25 = 25 ,"})
    assert config["SANDBOX_DISCOUNT_CODES"] == {"WELCOME10": 10, "FRIEND-25": 25}
    assert load_config(DEV)["SANDBOX_DISCOUNT_CODES"] == {}


def test_create_app_refuses_a_production_config_with_defaults():
    from songcraft import create_app

    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({})


def test_the_suno_callback_url_carries_a_secret_derived_from_the_key_or_set():
    derived = load_config({**DEV, "SECRET_KEY": STRONG_KEY, "PUBLIC_URL": "https://api.example.com"})
    secret = derived["SUNO_CALLBACK_SECRET"]
    assert derived["SUNO_CALLBACK_URL"] == f"https://api.example.com/api/v1/songs/callbacks/suno/{secret}"
    assert len(secret) == 32 and secret != load_config({**DEV, "SECRET_KEY": "j" * 40})["SUNO_CALLBACK_SECRET"]
    chosen = load_config({**DEV, "SUNO_CALLBACK_SECRET": "s" * 24, "SUNO_CALLBACK_URL": "https://tunnel.example/cb/"})
    assert chosen["SUNO_CALLBACK_URL"] == f"https://tunnel.example/cb/{'s' * 24}"
    for bad in ("short", "has/slash-and-more-chars", "spaces are not allowed here"):
        with pytest.raises(ConfigError, match="SUNO_CALLBACK_SECRET"):
            load_config({**DEV, "SUNO_CALLBACK_SECRET": bad})


def test_lyrics_are_approved_automatically_after_72_hours_unless_told():
    assert load_config(DEV)["LYRICS_APPROVAL_HOURS"] == 72
    assert load_config({**DEV, "LYRICS_APPROVAL_HOURS": "24"})["LYRICS_APPROVAL_HOURS"] == 24


def test_videos_render_at_720p_unless_told_1080p():
    assert load_config(DEV)["VIDEO_RESOLUTION"] == 720
    assert load_config({**DEV, "VIDEO_RESOLUTION": "1080"})["VIDEO_RESOLUTION"] == 1080


def test_request_bodies_default_to_one_megabyte():
    assert load_config(DEV)["MAX_CONTENT_LENGTH"] == 1024 * 1024


def test_without_a_frontend_the_links_in_emails_go_to_the_apps_own_pages():
    assert load_config({**DEV, "PUBLIC_URL": "https://songs.example.com/"})["FRONTEND_URL"] == "https://songs.example.com"
    assert load_config({**DEV, "FRONTEND_URL": "https://shop.example.com/"})["FRONTEND_URL"] == "https://shop.example.com"
