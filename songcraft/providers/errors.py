"""Errors every provider raises, so tasks can tell a retry from a give-up, and a give-up from
one that needs a person (an account out of credits, a key the provider refuses)."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Outcome(Enum):
    """What to do about a provider's answer; each provider's table of codes maps every code to one."""

    OK = "ok"
    RETRY = "retry with backoff: nothing was done, the same request can go again"
    FAIL = "fail: the request itself is wrong, sending it again changes nothing"
    OUT_OF_CREDITS = "fail fast and alert provider_out_of_credits"
    REJECTED_KEY = "fail fast and alert provider_rejected_key"


@dataclass(frozen=True)
class OperatorAlert:
    """What an operator must hear about: the arguments of `alerts.service.raise_alert`.

    `kind` is one of `alerts.models.KINDS`; `cause` deduplicates (e.g. `suno:credits`), so a
    hundred songs stopped by one empty account make one alert.
    """

    kind: str
    cause: str
    message: str
    details: dict = field(default_factory=dict)


class ProviderError(Exception):
    """The outside service refused or failed for good: retrying will not help.

    The message is shown to the customer as the song's ``error``, so it must be
    human readable and must never carry a secret. ``alert`` is set when a person
    must act before anything can work again.
    """

    alert: OperatorAlert | None = None


class TransientProviderError(ProviderError):
    """A passing failure (timeout, 429, 5xx, connection reset): retry with backoff."""


CUSTOMER_MESSAGE = "Our {role} is unavailable right now. Our team has been alerted and will restart your song."


class ProviderAccountError(ProviderError):
    """Our account with the provider cannot work until a person acts: fail fast and alert."""

    def __init__(self, role: str, alert: OperatorAlert) -> None:
        super().__init__(CUSTOMER_MESSAGE.format(role=role))
        self.alert = alert


def out_of_credits(provider: str, role: str, message: str) -> ProviderAccountError:
    """`provider` (e.g. "suno") has no credits or quota left; `role` is what customers know it as ("music studio")."""
    return ProviderAccountError(role, OperatorAlert("provider_out_of_credits", f"{provider}:credits", message, {"provider": provider}))


def rejected_key(provider: str, role: str, message: str) -> ProviderAccountError:
    """`provider` refused our API key."""
    return ProviderAccountError(role, OperatorAlert("provider_rejected_key", f"{provider}:key", message, {"provider": provider}))


def error_for(outcome: Outcome, provider: str, role: str, message: str) -> ProviderError:
    """The error to raise for a failed call judged `outcome` (never OK). For account errors `message`
    goes to the operators; otherwise it is the customer's, so it must read well."""
    if outcome is Outcome.RETRY:
        return TransientProviderError(message)
    if outcome is Outcome.OUT_OF_CREDITS:
        return out_of_credits(provider, role, message)
    if outcome is Outcome.REJECTED_KEY:
        return rejected_key(provider, role, message)
    return ProviderError(message)


class VideoRenderError(ProviderError):
    """ffmpeg or an input failed; the message, shown to the customer, ends with the tail of ffmpeg's stderr."""
