"""The composition root: builds the configured providers into `app.extensions`.

Configuration picks each family's implementation (see config.py); this module is the only
place that maps settings to constructors. Adding a vendor is one new module and one line here.
"""
from __future__ import annotations

from flask import Flask

from songcraft.extensions import mail
from songcraft.providers.email import ConsoleSender, SmtpSender


def _email_sender(config):
    if config["EMAIL_PROVIDER"] == "smtp":
        return SmtpSender(mail, config["MAIL_DEFAULT_SENDER"])
    return ConsoleSender()


def _payment_provider(config):
    if config["PAYMENT_PROVIDER"] == "lemonsqueezy":
        from songcraft.providers.payments.lemonsqueezy import LemonSqueezyProvider

        return LemonSqueezyProvider(config["LEMONSQUEEZY_API_KEY"], config["LEMONSQUEEZY_STORE_ID"],
                                    config["LEMONSQUEEZY_WEBHOOK_SECRET"], config["LEMONSQUEEZY_API_URL"])
    if config["PAYMENT_PROVIDER"] == "stripe":
        from songcraft.providers.payments.stripe import StripeProvider

        price_ids = {p: config[f"STRIPE_PRICE_ID_{p.upper()}"] for p in ("audio", "video")}
        return StripeProvider(config["STRIPE_SECRET_KEY"], config["STRIPE_WEBHOOK_SECRET"], config["STRIPE_API_URL"], price_ids)
    from songcraft.providers.payments.sandbox import SandboxProvider

    return SandboxProvider(config["SANDBOX_WEBHOOK_SECRET"], f"{config['PUBLIC_URL']}/sandbox/checkout",
                           config["SANDBOX_DISCOUNT_CODES"])


def _lyrics_provider(config):
    if config["LYRICS_PROVIDER"] == "openai":
        from songcraft.providers.lyrics.openai import OpenAILyricsProvider

        return OpenAILyricsProvider(config["OPENAI_API_KEY"], config["OPENAI_MODEL"], config["OPENAI_BASE_URL"])
    from songcraft.providers.lyrics.local import LocalLyricsProvider

    return LocalLyricsProvider()


def _moderation_provider(config):
    if config["MODERATION_PROVIDER"] == "openai":
        from songcraft.providers.moderation.openai import OpenAIModerator

        return OpenAIModerator(config["OPENAI_API_KEY"], config["OPENAI_MODERATION_MODEL"], config["OPENAI_BASE_URL"])
    from songcraft.providers.moderation.wordlist import WordListModerator

    return WordListModerator()


def _audio_provider(config, redis_client):
    if config["AUDIO_PROVIDER"] == "suno":
        from songcraft.providers.audio import suno
        from songcraft.providers.rate_limit import rate_limiter

        limiter = rate_limiter(redis_client, "songcraft:ratelimit:suno", suno.SERVICE, suno.REQUESTS_PER_WINDOW, suno.WINDOW_SECONDS)
        return suno.SunoAudioProvider(config["SUNO_API_KEY"], config["SUNO_API_URL"], config["SUNO_MODEL"],
                                      callback_url=config["SUNO_CALLBACK_URL"], poll_interval=config["SUNO_POLL_INTERVAL"],
                                      limiter=limiter, private_hosts=config["PROVIDER_PRIVATE_HOSTS"])
    from songcraft.providers.audio.local import LocalAudioProvider

    return LocalAudioProvider()


def _storage(config):
    if config["STORAGE_PROVIDER"] == "s3":
        from songcraft.providers.storage_s3 import S3Storage

        return S3Storage(config["MINIO_BUCKET_NAME"], config["MINIO_ENDPOINT"], config["MINIO_ACCESS_KEY"],
                         config["MINIO_SECRET_KEY"], secure=config["MINIO_SECURE"])
    from songcraft.providers.storage_local import LocalStorage

    return LocalStorage(config["STORAGE_DIR"], config["SECRET_KEY"], f"{config['PUBLIC_URL']}")


def init_providers(app: Flask) -> None:
    config = app.config
    app.extensions["email_sender"] = _email_sender(config)
    app.extensions["payment_provider"] = _payment_provider(config)
    app.extensions["lyrics_provider"] = _lyrics_provider(config)
    app.extensions["moderation"] = _moderation_provider(config)
    app.extensions["audio_provider"] = _audio_provider(config, app.extensions.get("redis"))
    app.extensions["storage"] = _storage(config)
