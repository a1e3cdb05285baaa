"""Configuration is read from the environment, validated once, and names the culprit when wrong."""
import pytest

from config import DEFAULT_SECRET_KEY, ConfigError, load_config

STRONG_KEY = "k" * 40


def test_embedded_defaults_need_no_services(tmp_path):
    config = load_config({"DATA_DIR": str(tmp_path)})
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["CELERY_BROKER_URL"].startswith("sqla+sqlite:///")
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert (config["EMAIL_PROVIDER"], config["PAYMENT_PROVIDER"], config["STORAGE_PROVIDER"]) == ("console", "sandbox", "local")
    assert (config["LYRICS_PROVIDER"], config["AUDIO_PROVIDER"]) == ("local", "local")


def test_services_from_urls():
    config = load_config({"DATABASE_URL": "postgres://u@db/x", "REDIS_URL": "redis://r:6379/0"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/x"
    assert config["CELERY_BROKER_URL"] == config["CELERY_RESULT_BACKEND"] == "redis://r:6379/0"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://r:6379/0"


def test_celery_urls_can_be_overridden():
    config = load_config({"REDIS_URL": "redis://r/0", "CELERY_BROKER_URL": "redis://b/1"})
    assert config["CELERY_BROKER_URL"] == "redis://b/1" and config["CELERY_RESULT_BACKEND"] == "redis://r/0"


def test_real_providers_are_chosen_when_their_keys_are_set():
    config = load_config({"SMTP_HOST": "mail", "OPENAI_API_KEY": "sk", "SUNO_API_KEY": "s", "MINIO_ENDPOINT": "minio:9000",
                          "STRIPE_SECRET_KEY": "sk", "STRIPE_WEBHOOK_SECRET": "wh"})
    assert (config["EMAIL_PROVIDER"], config["LYRICS_PROVIDER"], config["AUDIO_PROVIDER"]) == ("smtp", "openai", "suno")
    assert (config["STORAGE_PROVIDER"], config["PAYMENT_PROVIDER"]) == ("s3", "stripe")


@pytest.mark.parametrize(
    "environ, variable",
    [
        ({"APP_ENV": "production"}, "SECRET_KEY"),
        ({"APP_ENV": "production", "SECRET_KEY": DEFAULT_SECRET_KEY}, "SECRET_KEY"),
        ({"APP_ENV": "production", "SECRET_KEY": STRONG_KEY, "DEBUG": "true"}, "DEBUG"),
        ({"APP_ENV": "production", "SECRET_KEY": STRONG_KEY}, "FLOWER_BASIC_AUTH"),
        ({"APP_ENV": "production", "SECRET_KEY": STRONG_KEY, "FLOWER_BASIC_AUTH": "ops:pw", "SMTP_HOST": "m"}, "PAYMENT_PROVIDER"),
        ({"APP_ENV": "production", "SECRET_KEY": STRONG_KEY, "FLOWER_BASIC_AUTH": "ops:pw", "STRIPE_SECRET_KEY": "sk",
          "STRIPE_WEBHOOK_SECRET": "wh", "ADMIN_ALERT_EMAILS": "ops@example.com"}, "SMTP_HOST"),
        ({"APP_ENV": "production", "SECRET_KEY": STRONG_KEY, "FLOWER_BASIC_AUTH": "ops:pw", "STRIPE_SECRET_KEY": "sk",
          "STRIPE_WEBHOOK_SECRET": "wh", "SMTP_HOST": "m"}, "ADMIN_ALERT_EMAILS"),
        ({"ADMIN_ALERT_EMAILS": "ops@example.com, not-an-address"}, "ADMIN_ALERT_EMAILS"),
        ({"LEMONSQUEEZY_API_KEY": "k", "LEMONSQUEEZY_STORE_ID": "1"}, "LEMONSQUEEZY_WEBHOOK_SECRET"),
        ({"APP_ENV": "staging"}, "APP_ENV"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"SMTP_PORT": "abc"}, "SMTP_PORT"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"PAYMENT_PROVIDER": "paypal"}, "PAYMENT_PROVIDER"),
        ({"PAYMENT_PROVIDER": "stripe"}, "STRIPE_SECRET_KEY"),
        ({"EMAIL_PROVIDER": "smtp"}, "SMTP_HOST"),
        ({"LYRICS_PROVIDER": "openai"}, "OPENAI_API_KEY"),
        ({"SONG_LEASE_SECONDS": "5"}, "SONG_LEASE_SECONDS"),
        ({"SONG_REQUEUE_MINUTES": "0"}, "SONG_REQUEUE_MINUTES"),
        ({"SONG_STUCK_MINUTES": "30"}, "SONG_STUCK_MINUTES"),  # gone: recovery follows the lease now
    ],
)
def test_bad_settings_fail_naming_the_variable(environ, variable):
    with pytest.raises(ConfigError, match=variable):
        load_config(environ)


def test_production_with_proper_settings_starts():
    config = load_config({"APP_ENV": "production", "SECRET_KEY": STRONG_KEY, "FLOWER_BASIC_AUTH": "ops:pw", "SMTP_HOST": "mail",
                          "STRIPE_SECRET_KEY": "sk", "STRIPE_WEBHOOK_SECRET": "wh",
                          "ADMIN_ALERT_EMAILS": "ops@example.com, cto@example.com"})
    assert config["DEBUG"] is False and config["APP_ENV"] == "production"
    assert config["ADMIN_ALERT_EMAILS"] == ["ops@example.com", "cto@example.com"]


def test_create_app_refuses_a_production_config_with_defaults():
    from songcraft import create_app

    with pytest.raises(ConfigError):
        create_app({"APP_ENV": "production"})
