"""Live checks of the paid AI providers (Suno's credits, OpenAI's key and model), for the admin
health report and for `flask check-providers` (through `health.ai_provider_rows`).

Each check returns what it found or raises with a message meant for operators: a provider's
account error carries the alert's words ("Suno refused SUNO_API_KEY…"), not the customer's.
"""
from __future__ import annotations

import functools
from typing import Callable

from flask import current_app

from songcraft.providers.errors import ProviderError


class ProviderCheckFailed(RuntimeError):
    """A paid provider refused or failed the check; the message is the one meant for operators."""


class LowCredits(RuntimeError):
    """The provider answers, but its balance is below the configured warning level."""


def _for_operators(call: Callable[[], str]) -> str:
    try:
        return call()
    except ProviderError as error:  # the alert's message says what to do; str(error) is written for customers
        raise ProviderCheckFailed(error.alert.message if error.alert else str(error)) from None


def check_suno(timeout: float) -> str:
    """Suno answers with our key, and the account has at least SUNO_CREDITS_WARN credits."""
    provider = current_app.extensions["audio_provider"]
    credits = _for_operators(lambda: provider.remaining_credits(timeout=timeout))
    warn_below = current_app.config["SUNO_CREDITS_WARN"]
    if credits < warn_below:
        raise LowCredits(f"{credits} credits left, below SUNO_CREDITS_WARN ({warn_below}): top up at sunoapi.org")
    return f"{credits} credits left (model {provider.model})"


def check_openai() -> str:
    """OpenAI answers with our key and the configured model is available to it (free: no tokens spent)."""
    return _for_operators(current_app.extensions["lyrics_provider"].check_access)


def configured_ai_checks(timeout: float) -> dict[str, Callable[[], str]]:
    """The checks of the paid AI providers this deployment is configured with (none for the built-in ones)."""
    checks: dict[str, Callable[[], str]] = {}
    if current_app.config["AUDIO_PROVIDER"] == "suno":
        checks["suno"] = functools.partial(check_suno, timeout)
    if current_app.config["LYRICS_PROVIDER"] == "openai":
        checks["openai"] = check_openai
    return checks
